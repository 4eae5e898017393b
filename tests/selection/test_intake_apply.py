"""A municipality contact's online application, and who may not reach it."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from municipalities.enums import SdgStatusLevel
from selection.enums import CandidacyState, ProgrammePhase
from selection.models import Candidacy
from selection.services.intake import MIN_MOTIVATION_LENGTH, candidacy_save
from tests.factories import (
    CandidacyFactory,
    MunicipalityContactFactory,
    ProgrammeFactory,
    municipality,
)

pytestmark = pytest.mark.django_db

MOTIVATION = "Genk wil de SDG's verankeren in het meerjarenplan. " * 5  # 255 characters
SECRET = "Geheime motivatie van Gent die niemand anders mag lezen."


@pytest.fixture
def genk_contact(reference_data):
    """A contact whose municipality (Genk) has not applied yet."""
    return MunicipalityContactFactory(municipality=municipality("71016"))


def apply_url(programme):
    return reverse("selection:apply", args=[programme.pk])


def form_data(**overrides):
    data = {
        "motivation": MOTIVATION,
        "has_contact_person": "on",
        "contact_name": "An Peeters",
        "contact_email": "an.peeters@example.org",
        "contact_phone": "089 00 00 00",
        "sdg_status": SdgStatusLevel.EXPLORING,
        "has_twinning": "on",
        "twinning_partner": "Voorbeeldpartner",
        "flemish_gos_subsidy": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_apply_page_without_candidacy_shows_empty_form_and_creates_nothing(
    client, programme, genk_contact
):
    client.force_login(genk_contact.user)
    response = client.get(apply_url(programme))
    assert response.status_code == 200
    assert response.context["application"].candidacy is None
    assert response.context["application"].editable is True
    assert 'name="submit_candidacy"' in response.content.decode()
    assert not Candidacy.objects.filter(programme=programme).exists()


def test_apply_save_draft_keeps_draft(client, programme, genk_contact):
    client.force_login(genk_contact.user)
    response = client.post(apply_url(programme), form_data(motivation="Nog te schrijven", save="1"))
    assert response.status_code == 302
    candidacy = Candidacy.objects.get(programme=programme)
    assert candidacy.municipality_id == "71016"
    assert candidacy.state == CandidacyState.DRAFT
    assert candidacy.submitted_at is None
    assert candidacy.motivation == "Nog te schrijven"
    assert (candidacy.has_twinning, candidacy.twinning_partner) == (True, "Voorbeeldpartner")
    assert (candidacy.flemish_gos_subsidy, candidacy.federal_subsidy) == (True, False)
    # A contact does not pick the SDG status: the posted value is ignored.
    assert candidacy.sdg_status == SdgStatusLevel.NOT_STARTED


def test_apply_draft_then_submit_sets_submitted(client, programme, genk_contact):
    client.force_login(genk_contact.user)
    client.post(apply_url(programme), form_data(motivation="Kort", save="1"))
    response = client.post(apply_url(programme), form_data(submit_candidacy="1"))
    assert response.status_code == 302
    candidacy = Candidacy.objects.get(programme=programme)
    assert candidacy.state == CandidacyState.SUBMITTED
    assert candidacy.submitted_at is not None
    assert candidacy.motivation == MOTIVATION.strip()
    assert candidacy.history.count() == 2
    assert candidacy.history.first().history_user == genk_contact.user


def test_apply_submit_rejects_short_motivation_and_saves_nothing(client, programme, genk_contact):
    client.force_login(genk_contact.user)
    short = "x" * (MIN_MOTIVATION_LENGTH - 1)
    response = client.post(apply_url(programme), form_data(motivation=short, submit_candidacy="1"))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"motivation"}
    assert not Candidacy.objects.filter(programme=programme).exists()


def test_apply_submit_accepts_motivation_of_exactly_the_minimum(client, programme, genk_contact):
    client.force_login(genk_contact.user)
    exact = "x" * MIN_MOTIVATION_LENGTH
    response = client.post(apply_url(programme), form_data(motivation=exact, submit_candidacy="1"))
    assert response.status_code == 302
    assert Candidacy.objects.get(programme=programme).state == CandidacyState.SUBMITTED


def test_apply_submit_requires_twinning_partner_when_twinning(client, programme, genk_contact):
    client.force_login(genk_contact.user)
    response = client.post(
        apply_url(programme), form_data(twinning_partner="", submit_candidacy="1")
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"twinning_partner"}
    assert not Candidacy.objects.filter(programme=programme).exists()


def test_apply_submit_requires_contact_details_with_contact_person(client, programme, genk_contact):
    client.force_login(genk_contact.user)
    response = client.post(
        apply_url(programme),
        form_data(contact_name="", contact_email="", submit_candidacy="1"),
    )
    assert set(response.context["form"].errors) == {"contact_name", "contact_email"}
    assert not Candidacy.objects.filter(programme=programme).exists()


def test_apply_without_twinning_clears_partner(client, programme, genk_contact):
    client.force_login(genk_contact.user)
    client.post(apply_url(programme), form_data(has_twinning=None, submit_candidacy="1"))
    candidacy = Candidacy.objects.get(programme=programme)
    assert (candidacy.has_twinning, candidacy.twinning_partner) == (False, "")


def test_apply_submitted_candidacy_stays_submitted_when_edited(client, programme, contact):
    candidacy = Candidacy.objects.get(programme=programme, municipality_id="44021")
    submitted_at = candidacy.submitted_at
    client.force_login(contact.user)
    page = client.get(apply_url(programme)).content.decode()
    assert 'name="submit_candidacy"' not in page
    response = client.post(apply_url(programme), form_data(motivation="y" * 250, save="1"))
    assert response.status_code == 302
    candidacy.refresh_from_db()
    assert candidacy.state == CandidacyState.SUBMITTED
    assert candidacy.submitted_at == submitted_at
    assert candidacy.motivation == "y" * 250


def test_apply_submitted_candidacy_cannot_be_emptied(client, programme, contact):
    client.force_login(contact.user)
    response = client.post(apply_url(programme), form_data(motivation="", save="1"))
    assert set(response.context["form"].errors) == {"motivation"}
    candidacy = Candidacy.objects.get(programme=programme, municipality_id="44021")
    assert candidacy.motivation != ""


@pytest.mark.parametrize(
    "closed",
    [
        {"call_closes_at": timezone.now() - timedelta(minutes=1)},
        {"phase": ProgrammePhase.SCORING},
    ],
    ids=["deadline_passed", "scoring_phase"],
)
def test_apply_after_call_is_read_only_and_post_refused(client, programme, contact, closed):
    for name, value in closed.items():
        setattr(programme, name, value)
    programme.save()
    candidacy = Candidacy.objects.get(programme=programme, municipality_id="44021")
    before = (candidacy.motivation, candidacy.state, candidacy.updated_at)
    client.force_login(contact.user)

    response = client.get(apply_url(programme))
    assert response.status_code == 200
    assert response.context["application"].editable is False
    assert all(field.disabled for field in response.context["form"].fields.values())
    body = response.content.decode()
    assert escape(candidacy.motivation) in body
    assert 'name="save"' not in body
    assert 'name="submit_candidacy"' not in body

    response = client.post(apply_url(programme), form_data(motivation="z" * 300, save="1"))
    assert response.status_code == 403
    candidacy.refresh_from_db()
    assert (candidacy.motivation, candidacy.state, candidacy.updated_at) == before


def test_apply_before_deadline_is_open(client, programme, genk_contact):
    programme.call_closes_at = timezone.now() + timedelta(days=1)
    programme.save()
    client.force_login(genk_contact.user)
    assert client.get(apply_url(programme)).context["application"].editable is True


def test_apply_other_contact_never_sees_or_changes_gent(client, programme, contact, other_contact):
    Candidacy.objects.filter(municipality_id="44021").update(motivation=SECRET)
    client.force_login(other_contact.user)
    response = client.get(apply_url(programme))
    assert response.context["application"].candidacy is None
    assert SECRET not in response.content.decode()

    client.post(apply_url(programme), form_data(save="1"))
    assert set(
        Candidacy.objects.filter(programme=programme).values_list("municipality", flat=True)
    ) == {
        "44021",
        "23027",
    }
    assert Candidacy.objects.get(municipality_id="44021").motivation == SECRET


def test_candidacy_save_refuses_contact_of_another_municipality(programme, contact, other_contact):
    with pytest.raises(PermissionDenied):
        candidacy_save(
            programme=programme,
            municipality=contact.municipality,
            data={"motivation": "overgenomen"},
            submit=False,
            actor=other_contact.user,
        )
    assert Candidacy.objects.get(municipality_id="44021").motivation != "overgenomen"


def test_candidacy_save_by_staff_after_deadline(programme, staff_user):
    programme.phase = ProgrammePhase.SCORING
    programme.save()
    candidacy = candidacy_save(
        programme=programme,
        municipality=municipality("71016"),
        data={"motivation": MOTIVATION, "sdg_status": SdgStatusLevel.ACTIVE},
        submit=True,
        actor=staff_user,
    )
    assert candidacy.state == CandidacyState.SUBMITTED
    assert candidacy.history.first().history_user == staff_user


def test_candidacy_save_reports_bad_email(programme, staff_user):
    with pytest.raises(ValidationError) as error:
        candidacy_save(
            programme=programme,
            municipality=municipality("71016"),
            data={"has_contact_person": True, "contact_name": "An", "contact_email": "geen"},
            submit=False,
            actor=staff_user,
        )
    assert set(error.value.message_dict) == {"contact_email"}


def test_apply_unknown_programme_is_404(client, genk_contact):
    client.force_login(genk_contact.user)
    assert client.get(reverse("selection:apply", args=[999999])).status_code == 404


@pytest.mark.parametrize("role", ["board_member", "staff_user"])
def test_apply_forbidden_to_non_contacts(client, programme, contact, role, request):
    Candidacy.objects.filter(municipality_id="44021").update(motivation=SECRET)
    user = request.getfixturevalue(role)
    user = getattr(user, "user", user)
    client.force_login(user)
    response = client.get(apply_url(programme))
    assert response.status_code == 403
    assert SECRET not in response.content.decode()
    assert client.post(apply_url(programme), form_data(save="1")).status_code == 403
    assert client.get(reverse("selection:my_candidacy")).status_code == 403
    assert Candidacy.objects.filter(programme=programme).count() == 1


def test_apply_anonymous_is_sent_to_login(client, programme):
    for url in (apply_url(programme), reverse("selection:my_candidacy")):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response.headers["Location"]
    response = client.post(apply_url(programme), form_data(save="1"))
    assert response.status_code == 302
    assert not Candidacy.objects.exists()


def test_my_candidacy_leads_to_the_open_programme(client, programme, genk_contact):
    older = ProgrammeFactory(phase=ProgrammePhase.DECIDED)
    CandidacyFactory(programme=older, municipality=genk_contact.municipality)
    client.force_login(genk_contact.user)
    response = client.get(reverse("selection:my_candidacy"))
    assert response.headers["Location"] == apply_url(programme)


def test_my_candidacy_without_open_call_leads_to_programme_applied_to(client, genk_contact):
    applied = ProgrammeFactory(
        phase=ProgrammePhase.DECIDED, starts_on=date(2016, 1, 1), ends_on=date(2016, 12, 31)
    )
    ProgrammeFactory(phase=ProgrammePhase.SCORING)  # more recent, but Genk did not apply
    CandidacyFactory(programme=applied, municipality=genk_contact.municipality)
    client.force_login(genk_contact.user)
    response = client.get(reverse("selection:my_candidacy"))
    assert response.headers["Location"] == apply_url(applied)


def test_municipality_page_links_contact_to_candidacy(client, programme, genk_contact, staff_user):
    url = reverse("portal:home", args=["71016"])
    link = reverse("selection:my_candidacy")
    client.force_login(genk_contact.user)
    assert link in client.get(url).content.decode()
    client.force_login(staff_user)
    assert link not in client.get(url).content.decode()


def _answer_policy_track(contact, points: int):
    """Answer every policy question with the option worth `points` (0-3)."""
    from municipalities.enums import StatusPart
    from municipalities.models import AssessmentQuestion
    from municipalities.services.status import status_update

    questions = AssessmentQuestion.objects.filter(track="policy").prefetch_related("options")
    answers = {
        str(q.pk): next(o.pk for o in q.options.all() if o.points == points) for q in questions
    }
    status = getattr(contact.municipality, "status", None)
    return status_update(
        municipality=contact.municipality,
        actor=contact.user,
        base_version=status.current.number if status else 0,
        values={("assessment", "policy"): answers},
        kind=StatusPart.ASSESSMENT,
    )


def test_apply_submit_takes_the_sdg_status_from_the_self_assessment(
    client, programme, genk_contact
):
    version = _answer_policy_track(genk_contact, points=3)  # 12 of 36 points: 33 %
    assert version.overall_level == SdgStatusLevel.EXPLORING
    client.force_login(genk_contact.user)
    page = client.get(apply_url(programme)).content.decode()
    assert str(SdgStatusLevel.EXPLORING.label) in page
    response = client.post(
        apply_url(programme), form_data(sdg_status=SdgStatusLevel.ADVANCED, submit_candidacy="1")
    )
    assert response.status_code == 302
    candidacy = Candidacy.objects.get(programme=programme)
    assert candidacy.sdg_status == SdgStatusLevel.EXPLORING


def test_apply_sdg_status_is_frozen_once_submitted(client, programme, genk_contact):
    client.force_login(genk_contact.user)
    client.post(apply_url(programme), form_data(submit_candidacy="1"))
    assert Candidacy.objects.get(programme=programme).sdg_status == SdgStatusLevel.NOT_STARTED
    _answer_policy_track(genk_contact, points=3)
    client.post(apply_url(programme), form_data(motivation=MOTIVATION + " Aangevuld.", save="1"))
    candidacy = Candidacy.objects.get(programme=programme)
    assert candidacy.motivation.endswith("Aangevuld.")
    assert candidacy.sdg_status == SdgStatusLevel.NOT_STARTED
