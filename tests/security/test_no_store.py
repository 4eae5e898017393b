"""Pages with scores or personal data are never kept by a browser or proxy cache."""

from datetime import date

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path, reverse

from selection.enums import Vote
from selection.services.decision import decision_record
from selection.services.proposal import selection_run
from tests.factories import MunicipalityContactFactory, UserFactory, scored_programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(reference_data):
    programme = scored_programme(per_province=4, size=8, members=2)
    staff = UserFactory(email="staff@example.org", is_staff=True, password=None)
    run = selection_run(programme=programme, actor=staff)
    members = list(programme.board_members.select_related("user").order_by("pk"))
    decision = decision_record(
        run=run,
        actor=staff,
        meeting_date=date(2017, 5, 2),
        meeting_location="Brussel",
        quorum=1,
        minutes="",
        votes={m.pk: (True, Vote.FOR) for m in members},
    )
    candidacy = programme.candidacies.order_by("pk").first()
    contact = MunicipalityContactFactory(municipality=candidacy.municipality, user__password=None)
    return {
        "programme": programme,
        "staff": staff,
        "member": members[0].user,
        "contact": contact.user,
        "run": run,
        "decision": decision,
        "candidacy": candidacy,
    }


def pages(s):
    """(role, URL name, kwargs) of every page, as the role that may open it."""
    p, c = s["programme"].pk, s["candidacy"]
    return [
        ("staff", "selection:programme_overview", {}),
        ("staff", "selection:programme_detail", {"programme_pk": p}),
        ("staff", "selection:ranking", {"programme_pk": p}),
        ("staff", "selection:ranking_csv", {"programme_pk": p}),
        ("staff", "selection:ranking_xlsx", {"programme_pk": p}),
        ("staff", "selection:agreement", {"programme_pk": p}),
        ("staff", "selection:progress", {"programme_pk": p}),
        ("staff", "selection:proposal", {"programme_pk": p}),
        ("staff", "selection:run_detail", {"pk": s["run"].pk}),
        ("staff", "selection:decision_create", {"pk": s["run"].pk}),
        ("staff", "selection:decision_detail", {"pk": s["decision"].pk}),
        ("staff", "selection:decision_record", {"pk": s["decision"].pk}),
        ("staff", "selection:import_candidacies", {"programme_pk": p}),
        ("member", "selection:board_home", {}),
        ("member", "selection:board_dossier", {"pk": c.pk}),
        ("member", "selection:board_declare", {"pk": c.pk}),
        ("contact", "selection:apply", {"programme_pk": p}),
        ("contact", "selection:my_candidacy", {}),
        ("contact", "portal:home", {"nis_code": c.municipality_id}),
    ]


def test_every_page_with_personal_data_says_no_store(client, setup):
    for role, name, kwargs in pages(setup):
        client.force_login(setup[role])
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code in {200, 302}, (name, response.status_code)
        assert "no-store" in response.get("Cache-Control", ""), name
        assert "private" in response["Cache-Control"], name


def test_post_only_pages_say_no_store(client, setup):
    client.force_login(setup["staff"])
    for name, pk in [
        ("selection:run_rerun", setup["run"].pk),
        ("selection:run_withdraw", setup["run"].pk),
        ("selection:decision_confirm", setup["decision"].pk),
        ("selection:decision_discard", setup["decision"].pk),
    ]:
        response = client.post(reverse(name, kwargs={"pk": pk}))
        assert response.status_code == 302, name
        assert "no-store" in response.get("Cache-Control", ""), name


def plain_page(request):
    return HttpResponse("Gent: 4,5")


def explicit_cache(request):
    response = HttpResponse("public")
    response["Cache-Control"] = "public, max-age=60"
    return response


urlpatterns = [path("plain/", plain_page), path("explicit/", explicit_cache)]


@override_settings(ROOT_URLCONF=__name__)
def test_a_new_page_without_any_decorator_is_no_store_too(client, staff_user):
    client.force_login(staff_user)
    response = client.get("/plain/")
    assert "no-store" in response["Cache-Control"]
    assert client.get("/explicit/")["Cache-Control"] == "public, max-age=60"


def test_login_page_is_no_store(client, db):
    assert "no-store" in client.get(reverse("login"))["Cache-Control"]
