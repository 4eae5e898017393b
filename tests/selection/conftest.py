"""Setup shared by the selection tests: a scored programme in deliberation, its staff."""

import pytest

from selection.services.proposal import selection_run
from tests.factories import UserFactory, scored_programme


@pytest.fixture
def staff(db):
    """VVSG staff (no password: hashing one costs more than most tests)."""
    return UserFactory(email="staff@example.org", is_staff=True, password=None)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def scored(reference_data):
    """50 scored candidacies by 3 members, in the deliberation phase (see scored_programme)."""
    return scored_programme()


@pytest.fixture
def run(scored, staff):
    """An optimal run on the scored programme."""
    return selection_run(programme=scored, actor=staff)
