"""Staff entry of candidacies, criteria and quotas in the admin."""

import pytest
from django.urls import reverse

from municipalities.enums import SdgStatusLevel
from selection.enums import CandidacyState, CriterionKind, DiversityAttribute
from selection.models import Candidacy, Criterion, Quota
from tests.factories import DiversityCriterionFactory, UserFactory

pytestmark = pytest.mark.django_db

MOTIVATION = "Ingevoerd door het VVSG op basis van de ingediende brief. " * 4


@pytest.fixture
def admin_user(db):
    return UserFactory(email="beheer@example.org", is_staff=True, is_superuser=True)


def candidacy_form(programme, **overrides):
    data = {
        "programme": programme.pk,
        "municipality": "71016",
        "submit": "on",
        "motivation": MOTIVATION,
        "has_contact_person": "on",
        "contact_name": "Jan Janssens",
        "contact_email": "jan@example.org",
        "contact_phone": "",
        "sdg_status": SdgStatusLevel.ACTIVE,
        "has_twinning": "on",
        "twinning_partner": "Voorbeeldpartner",
        "federal_subsidy": "on",
        "_save": "Save",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_admin_add_candidacy_goes_through_the_service(client, programme, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:selection_candidacy_add")
    assert client.get(url).status_code == 200
    response = client.post(url, candidacy_form(programme))
    assert response.status_code == 302, response.context["adminform"].form.errors
    candidacy = Candidacy.objects.get(programme=programme)
    assert candidacy.municipality_id == "71016"
    assert candidacy.state == CandidacyState.SUBMITTED
    assert candidacy.submitted_at is not None
    assert (candidacy.has_twinning, candidacy.federal_subsidy) == (True, True)
    assert candidacy.flemish_gos_subsidy is False
    assert candidacy.history.count() == 1
    assert candidacy.history.first().history_user == admin_user


def test_admin_add_draft_without_submit(client, programme, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:selection_candidacy_add"),
        candidacy_form(programme, submit=None, motivation="Later aan te vullen"),
    )
    assert response.status_code == 302
    candidacy = Candidacy.objects.get(programme=programme)
    assert (candidacy.state, candidacy.submitted_at) == (CandidacyState.DRAFT, None)


def test_admin_add_validates_like_the_online_form(client, programme, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:selection_candidacy_add"),
        candidacy_form(programme, twinning_partner="", motivation="kort"),
    )
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"twinning_partner", "motivation"}
    assert not Candidacy.objects.exists()


def test_admin_add_refuses_second_candidacy_of_a_municipality(
    client, programme, contact, admin_user
):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:selection_candidacy_add"), candidacy_form(programme, municipality="44021")
    )
    assert response.status_code == 200
    assert Candidacy.objects.filter(programme=programme).count() == 1


def test_admin_change_keeps_submitted(client, programme, contact, admin_user):
    candidacy = Candidacy.objects.get(programme=programme)
    submitted_at = candidacy.submitted_at
    client.force_login(admin_user)
    url = reverse("admin:selection_candidacy_change", args=[candidacy.pk])
    data = candidacy_form(programme, submit=None, motivation="z" * 210, has_twinning=None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    candidacy.refresh_from_db()
    assert candidacy.state == CandidacyState.SUBMITTED
    assert candidacy.submitted_at == submitted_at
    assert candidacy.motivation == "z" * 210
    assert candidacy.municipality_id == "44021"  # read-only after creation
    assert (candidacy.has_twinning, candidacy.twinning_partner) == (False, "")


def test_admin_candidacy_list_links_to_import(client, programme, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:selection_candidacy_changelist"))
    assert response.status_code == 200
    assert reverse("selection:import_candidacies", args=[programme.pk]) in response.content.decode()


def test_admin_criterion_quota_value_must_fit_the_fact(client, programme, admin_user):
    criterion = DiversityCriterionFactory(
        programme=programme, attribute=DiversityAttribute.TWINNING, name="Stedenband"
    )
    client.force_login(admin_user)
    url = reverse("admin:selection_criterion_change", args=[criterion.pk])
    assert client.get(url).status_code == 200
    data = {
        "programme": programme.pk,
        "kind": CriterionKind.DIVERSITY,
        "name": "Stedenband",
        "position": 0,
        "weight": "0",
        "rubric": "",
        "scale_labels": "[]",
        "attribute": DiversityAttribute.TWINNING,
        "quotas-TOTAL_FORMS": "2",
        "quotas-INITIAL_FORMS": "0",
        "quotas-MIN_NUM_FORMS": "0",
        "quotas-MAX_NUM_FORMS": "1000",
        "quotas-0-value": "yes",
        "quotas-0-minimum": "5",
        "quotas-1-value": "misschien",
        "quotas-1-minimum": "2",
        "_save": "Save",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert not Quota.objects.exists()

    data["quotas-1-value"] = "no"
    data["quotas-1-maximum"] = "1"
    response = client.post(url, data)
    assert response.status_code == 200  # at most 1 below at least 2
    data["quotas-1-maximum"] = "8"
    response = client.post(url, data)
    assert response.status_code == 302
    assert set(Quota.objects.values_list("value", "minimum", "maximum")) == {
        ("yes", 5, None),
        ("no", 2, 8),
    }


def test_admin_judgement_criterion_has_no_quota_inline(client, programme, admin_user):
    criterion = Criterion.objects.create(
        programme=programme, kind=CriterionKind.JUDGEMENT, name="Motivatie"
    )
    client.force_login(admin_user)
    response = client.get(reverse("admin:selection_criterion_change", args=[criterion.pk]))
    assert response.status_code == 200
    assert "quotas-TOTAL_FORMS" not in response.content.decode()


def test_admin_board_lists_load(client, board_member, admin_user):
    client.force_login(admin_user)
    for name in ("boardorganisation", "boardmember", "criterion"):
        assert client.get(reverse(f"admin:selection_{name}_changelist")).status_code == 200


def test_admin_seeds_standard_criteria_for_a_new_programme(client, db, reference_data):
    from django.contrib.auth import get_user_model

    from selection.enums import CriterionKind
    from tests.factories import ProgrammeFactory

    admin_user = get_user_model().objects.create_superuser("admin@example.org", "pw-admin-1")
    programme = ProgrammeFactory()
    client.force_login(admin_user)
    response = client.post(
        "/admin/selection/programme/",
        {"action": "seed_standard_criteria", "_selected_action": [programme.pk]},
    )
    assert response.status_code == 302
    assert programme.criteria.filter(kind=CriterionKind.JUDGEMENT).count() == 3
    assert programme.criteria.filter(kind=CriterionKind.DIVERSITY).count() == 8
    client.post(
        "/admin/selection/programme/",
        {"action": "seed_standard_criteria", "_selected_action": [programme.pk]},
    )
    assert programme.criteria.count() == 11


def test_admin_shows_reviews_read_only(client, db, reference_data):
    from django.contrib.auth import get_user_model

    from tests.factories import ScoreFactory

    admin_user = get_user_model().objects.create_superuser("admin@example.org", "pw-admin-1")
    score = ScoreFactory(value=4)
    client.force_login(admin_user)
    url = f"/admin/selection/review/{score.review.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    assert client.post(url, {}).status_code == 403
