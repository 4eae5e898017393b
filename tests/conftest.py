"""Shared fixtures: reference data once per test database, and one user per role."""

import os
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.utils import translation

from municipalities.models import AssessmentQuestion, Municipality
from municipalities.services import reference_data_load
from tests.factories import (
    BoardMemberFactory,
    CandidacyFactory,
    MunicipalityContactFactory,
    ProgrammeFactory,
    UserFactory,
)

PASSWORD = "correct horse battery staple"


def pytest_sessionstart(session):
    """In CI the services are part of the suite: a missing one fails, it never skips."""
    if os.environ.get("CI"):
        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            raise pytest.UsageError("CI must run on PostgreSQL: set DATABASE_URL.")
        if not os.environ.get("REDIS_URL"):
            raise pytest.UsageError("CI must run with Redis: set REDIS_URL.")


@pytest.fixture(scope="session", autouse=True)
def media_root(tmp_path_factory):
    """Uploaded files of the whole run go to a temporary directory, never to var/."""
    path = tmp_path_factory.mktemp("media")
    old, settings.MEDIA_ROOT = settings.MEDIA_ROOT, str(path)
    yield path
    settings.MEDIA_ROOT = old


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        reference_data_load()


@pytest.fixture
def reference_data(db):
    """Reference data; transactional tests flush it, so it is reloaded when missing, with
    the self-assessment questions that migration 0003 installs."""
    if not Municipality.objects.exists():
        reference_data_load()
    if not AssessmentQuestion.objects.exists():
        import_module("municipalities.migrations.0003_assessment_questions").add_questions(
            django_apps, None
        )


@pytest.fixture
def english(client, settings):
    """Messages are asserted in English, the msgids; the UI's default is Dutch. Modules that
    assert messages use it for every test (an autouse fixture of their own asks for it)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def programme(reference_data):
    return ProgrammeFactory()


@pytest.fixture
def staff_user(db):
    return UserFactory(email="staff@example.org", is_staff=True, password=PASSWORD)


@pytest.fixture
def board_member(programme):
    return BoardMemberFactory(programme=programme, user__password=PASSWORD)


@pytest.fixture
def gent(reference_data):
    return Municipality.objects.get(pk="44021")


@pytest.fixture
def contact(gent, programme):
    contact = MunicipalityContactFactory(municipality=gent, user__password=PASSWORD)
    CandidacyFactory(programme=programme, municipality=gent)
    return contact


@pytest.fixture
def other_contact(reference_data):
    """A contact of another municipality (Halle), whose data must never leak."""
    return MunicipalityContactFactory(
        municipality=Municipality.objects.get(pk="23027"), user__password=PASSWORD
    )
