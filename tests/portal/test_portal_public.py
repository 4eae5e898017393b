"""A programme's public page: off by default, a whitelist of public facts, and the staff
switch that publishes it."""

import re
from dataclasses import fields, is_dataclass
from datetime import date, datetime, timedelta

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from meetings.enums import (
    DeliveryKind,
    DeliveryStatus,
    ExpectationCategory,
    Fulfilment,
    MeetingKind,
    MeetingStatus,
)
from meetings.models import (
    AgendaItem,
    Delivery,
    Expectation,
    ExpectationReview,
    Invitation,
    Meeting,
    MeetingDocument,
    MeetingLink,
)
from municipalities.enums import StatusPart
from municipalities.models import Municipality
from municipalities.services.status import status_update
from portal.public import PublicProgramme, public_programme
from selection.enums import Outcome, Vote
from selection.models import ConflictDeclaration, Criterion, Programme, Review, Score
from selection.services.decision import decision_confirm, decision_record
from selection.services.proposal import selection_run
from selection.services.public import programme_publish_page
from tests.factories import (
    BoardMemberFactory,
    CandidacyFactory,
    CriterionFactory,
    DiversityCriterionFactory,
    MunicipalityContactFactory,
    ProgrammeFactory,
    QuotaFactory,
    UserFactory,
    scored_programme,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    """The page in English (the language switch's cookie), so the assertions read plainly;
    one test below renders it in Dutch."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


GENT, HALLE, HASSELT, AALST = "44021", "23027", "71022", "41002"


def page_url(programme) -> str:
    return reverse("portal:public_page", args=[programme.pk])


def switch_url(programme) -> str:
    return reverse("portal:public_switch", args=[programme.pk])


def held_meeting(programme, *, title="Eerste bijeenkomst pilootgroep", days_ago=10, **extra):
    start = timezone.now() - timedelta(days=days_ago)
    values = {
        "programme": programme,
        "kind": MeetingKind.PILOT_MEETING,
        "title": title,
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "location": "Brussel",
        "status": MeetingStatus.PUBLISHED,
        "published_at": start - timedelta(days=20),
        **extra,
    }
    return Meeting.objects.create(**values)


@pytest.fixture
def staff(db):
    return UserFactory(password=None, is_staff=True, first_name="Staffvoornaam")


@pytest.fixture
def published(reference_data, staff):
    """A published programme: Gent and Halle in the pilot group, Hasselt in the outreach
    group, Aalst still a candidate; one criterion of each kind; one meeting held."""
    programme = ProgrammeFactory(name="SDG-proeftraject 2017-2019")
    CriterionFactory(programme=programme, name="Motivatie")
    province = DiversityCriterionFactory(programme=programme, name="Provincie")
    QuotaFactory(criterion=province, value="Limburg", minimum=1, maximum=None)
    QuotaFactory(criterion=province, value="Antwerpen", minimum=None, maximum=3)
    QuotaFactory(criterion=province, value="Oost-Vlaanderen", minimum=1, maximum=2)
    CandidacyFactory(programme=programme, municipality_id=GENT, outcome=Outcome.PILOT)
    CandidacyFactory(programme=programme, municipality_id=HALLE, outcome=Outcome.PILOT)
    CandidacyFactory(programme=programme, municipality_id=HASSELT, outcome=Outcome.OUTREACH)
    CandidacyFactory(programme=programme, municipality_id=AALST)
    held_meeting(programme, outcome="Twee verwachtingen: draagvlak en beleid.")
    return programme_publish_page(actor=staff, programme=programme, public=True)


# --- Off by default ------------------------------------------------------------------------


def test_public_page_is_off_by_default(client, reference_data):
    programme = ProgrammeFactory()
    assert programme.public_page is False
    assert programme.public_since is None
    assert client.get(page_url(programme)).status_code == 404


def test_public_page_off_and_unknown_answer_alike(client, reference_data):
    """No existence oracle: a programme with its page off and one that never existed give
    the same answer, with the same body."""
    off = ProgrammeFactory()
    unknown = Programme.objects.order_by("-pk").first().pk + 1000
    urls = [
        page_url(off),
        reverse("portal:public_page", args=[unknown]),
        reverse("portal:public_page", args=[99999999999999999999999]),
    ]
    answers = [client.get(url) for url in urls]
    assert [r.status_code for r in answers] == [404, 404, 404]
    # The language switch repeats the page's own path and a fresh CSRF token; the rest is
    # the same.
    bodies = {
        re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", r.content.decode()).replace(url, "")
        for r, url in zip(answers, urls, strict=True)
    }
    assert len(bodies) == 1


def test_withdrawn_page_answers_404_again(client, published, staff):
    assert client.get(page_url(published)).status_code == 200
    programme_publish_page(actor=staff, programme=published, public=False)
    assert client.get(page_url(published)).status_code == 404


def test_selector_refuses_a_page_that_is_off(reference_data):
    with pytest.raises(Http404):
        public_programme(pk=ProgrammeFactory().pk)


# --- What it shows -------------------------------------------------------------------------


def test_public_page_shows_the_facts_without_login(client, published):
    response = client.get(page_url(published))
    assert response.status_code == 200
    page = response.context["page"]
    assert page.name == "SDG-proeftraject 2017-2019"
    assert (page.starts_on, page.ends_on) == (date(2017, 5, 16), date(2019, 12, 31))
    assert [(c.name, c.fact) for c in page.criteria] == [
        ("Motivatie", ""),
        ("Provincie", "Province"),
    ]
    assert [(q.value, q.bounds) for q in page.criteria[1].quotas] == [
        ("Antwerpen", "at most 3"),
        ("Limburg", "at least 1"),
        ("Oost-Vlaanderen", "between 1 and 2"),
    ]
    assert page.criteria[0].quotas == ()
    assert [m.name for m in page.pilot] == ["Gent", "Halle"]
    assert [m.name for m in page.outreach] == ["Hasselt"]
    assert [(m.kind, m.title, m.place, m.outcome) for m in page.meetings] == [
        (
            "Pilot group meeting",
            "Eerste bijeenkomst pilootgroep",
            "Brussel",
            "Twee verwachtingen: draagvlak en beleid.",
        )
    ]
    html = response.content.decode()
    for text in [
        "SDG-proeftraject 2017-2019",
        "Provincie",
        "Limburg: at least 1",
        "Motivatie",
        'id="municipality-44021">Gent<',
        'id="municipality-71022">Hasselt<',
        "Eerste bijeenkomst pilootgroep",
        "Twee verwachtingen: draagvlak en beleid.",
    ]:
        assert text in html, text


def test_public_page_map_colours_only_the_two_groups(client, published):
    page = client.get(page_url(published)).context["page"]
    css = {region.nis_code: region.css for region in page.map.regions}
    assert len(css) == 308
    assert (css[GENT], css[HALLE], css[HASSELT]) == ("group-pilot", "group-pilot", "group-outreach")
    # A candidacy still pending is not public: it shows like any municipality outside.
    assert css[AALST] == "group-none"
    assert {e.css: e.count for e in page.map.legend} == {
        "group-pilot": 2,
        "group-outreach": 1,
        "group-none": 305,
    }
    urls = {region.nis_code: region.url for region in page.map.regions}
    assert urls[GENT] == "#municipality-44021"
    assert urls[AALST] == "#public-map-legend"
    # No link from the public page leads behind the login.
    assert all(url.startswith("#") for url in urls.values())


def test_public_page_shows_only_meetings_held_and_published(client, published):
    held_meeting(published, title="Infosessie Limburg", kind=MeetingKind.INFO_SESSION, days_ago=3)
    held_meeting(published, title="Concept-bijeenkomst", status=MeetingStatus.DRAFT)
    held_meeting(published, title="Afgelaste bijeenkomst", status=MeetingStatus.CANCELLED)
    held_meeting(published, title="Komende bijeenkomst", days_ago=-5)
    # Started an hour ago, ends in an hour: not held yet.
    held_meeting(published, title="Lopende bijeenkomst", days_ago=0, starts_at=timezone.now())
    page = public_programme(pk=published.pk)
    assert [(m.title, m.kind) for m in page.meetings] == [
        ("Eerste bijeenkomst pilootgroep", "Pilot group meeting"),
        ("Infosessie Limburg", "Info session"),
    ]


def test_public_page_shows_another_programmes_data_never(client, published, reference_data):
    other = ProgrammeFactory(name="Een ander traject")
    CriterionFactory(programme=other, name="Ander criterium")
    CandidacyFactory(programme=other, municipality_id=AALST, outcome=Outcome.PILOT)
    held_meeting(other, title="Bijeenkomst van een ander traject")
    html = Client().get(page_url(published)).content.decode()
    for text in ["Een ander traject", "Ander criterium", "Bijeenkomst van een ander traject"]:
        assert text not in html
    assert 'id="municipality-41002"' not in html


def test_public_page_in_dutch(client, published):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    with translation.override("nl"):
        response = client.get(page_url(published))
    page = response.context["page"]
    assert response.headers["Content-Language"] == "nl"
    assert page.meetings[0].kind == "Bijeenkomst pilootgroep"
    assert page.criteria[1].fact == "Provincie"
    assert '<html lang="nl">' in response.content.decode()


def test_anonymous_sees_no_logged_in_navigation(client, published):
    html = client.get(page_url(published)).content.decode()
    assert reverse("logout") not in html
    assert reverse("selection:programme_overview") not in html
    assert reverse("portal:heatmap") not in html
    assert 'id="main-nav"' not in html


def test_public_page_holds_no_model_instances(published):
    """The template gets plain values only: nothing it could walk into."""
    from django.db.models import Model

    def walk(value):
        if isinstance(value, Model):
            raise AssertionError(f"model instance in the page: {value!r}")
        if is_dataclass(value):
            for item in fields(value):
                walk(getattr(value, item.name))
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        else:
            assert isinstance(value, str | int | bool | date | datetime | type(None)), value

    page = public_programme(pk=published.pk)
    assert isinstance(page, PublicProgramme)
    walk(page)


def test_public_page_query_count_does_not_grow(client, published):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page_url(published)).status_code == 200
        return len(queries)

    small = count()
    for nis in Municipality.objects.order_by("nis_code").values_list("nis_code", flat=True)[:30]:
        CandidacyFactory(programme=published, municipality_id=nis, outcome=Outcome.OUTREACH)
    for k in range(10):
        held_meeting(published, title=f"Bijeenkomst {k}", days_ago=20 + k)
    province = Criterion.objects.get(programme=published, name="Provincie")
    for k in range(5):
        CriterionFactory(programme=published, name=f"Criterium {k}")
    QuotaFactory(criterion=province, value="West-Vlaanderen", minimum=1)
    assert count() == small


# --- Nothing else leaks --------------------------------------------------------------------


SECRETS = {}


def secret(name: str) -> str:
    """A unique marker for one field; the page must show none of them."""
    SECRETS[name] = f"Geheim{name.title().replace('_', '')}Xq"
    return SECRETS[name]


@pytest.fixture
def full_programme(reference_data, staff):
    """A decided, published programme with a secret in every field the page must not show."""
    SECRETS.clear()
    programme = scored_programme(
        per_province=4, size=6, members=2, selection_seed=secret("selection_seed")
    )
    Criterion.objects.filter(programme=programme).update(
        rubric=secret("rubric"), scale_labels=[secret("scale_label")] * 5
    )
    for k, member in enumerate(programme.board_members.select_related("user", "organisation")):
        user = member.user
        user.first_name, user.last_name = secret(f"member_first_{k}"), secret(f"member_last_{k}")
        user.email = f"{secret(f'member_email_{k}')}@example.org"
        user.save()
        member.organisation.name = secret(f"board_organisation_{k}")
        member.organisation.save()
    programme.candidacies.update(
        motivation=secret("motivation"),
        contact_name=secret("contact_name"),
        contact_email=f"{secret('contact_email')}@example.org",
        contact_phone="+32 9 " + secret("contact_phone"),
        twinning_partner=secret("twinning_partner"),
    )
    Review.objects.filter(candidacy__programme=programme).update(comment=secret("review"))
    Score.objects.filter(review__candidacy__programme=programme).update(
        comment=secret("score_comment")
    )
    ConflictDeclaration.objects.filter(candidacy__programme=programme).update(
        note=secret("conflict_note"), lift_reason=secret("lift_reason")
    )
    run = selection_run(programme=programme, actor=staff)
    members = list(programme.board_members.order_by("pk"))
    decision = decision_record(
        run=run,
        meeting_date=date(2017, 5, 2),
        meeting_location=secret("decision_location"),
        quorum=2,
        minutes=secret("decision_minutes"),
        votes={m.pk: (True, Vote.FOR) for m in members},
        actor=staff,
    )
    decision_confirm(decision=decision, actor=staff)
    pilot = programme.candidacies.filter(outcome=Outcome.PILOT).select_related("municipality")
    municipality = pilot.first().municipality
    contact = MunicipalityContactFactory(
        municipality=municipality,
        user__first_name=secret("contact_first"),
        user__last_name=secret("contact_last"),
        user__email=f"{secret('contact_login')}@example.org",
        user__password=None,
        phone=secret("contact_user_phone"),
        job_title=secret("job_title"),
    )
    status_update(
        municipality=municipality,
        actor=contact.user,
        base_version=0,
        values={("actions", "a1"): {"title": secret("status_action"), "audiences": ["citizens"]}},
        kind=StatusPart.ACTIONS,
    )
    organiser = UserFactory(
        password=None, first_name=secret("organiser_first"), last_name=secret("organiser_last")
    )
    meeting = held_meeting(
        programme,
        title="Eerste bijeenkomst",
        description=secret("meeting_description"),
        online_link=f"https://meet.example.org/{secret('online_link')}",
        minutes=secret("meeting_minutes"),
        outcome="Een publiek verslag.",
        organiser=organiser,
    )
    meeting.chosen_people.add(organiser)
    AgendaItem.objects.create(
        meeting=meeting, title=secret("agenda_title"), description=secret("agenda_text")
    )
    MeetingDocument.objects.create(
        meeting=meeting,
        name=f"{secret('document')}.pdf",
        extension="pdf",
        size=10,
        file=SimpleUploadedFile("notulen.pdf", b"%PDF-1.4 x"),
        uploaded_by=organiser,
    )
    MeetingLink.objects.create(
        meeting=meeting, title=secret("link_title"), url="https://example.org/" + secret("url")
    )
    invitation = Invitation.objects.create(
        meeting=meeting, user=contact.user, municipality=municipality, attended=True
    )
    expectation = Expectation.objects.create(
        meeting=meeting,
        municipality=municipality,
        category=ExpectationCategory.SUPPORT,
        text=secret("expectation"),
        created_by=organiser,
    )
    ExpectationReview.objects.create(
        expectation=expectation,
        meeting=meeting,
        fulfilment=Fulfilment.PARTLY,
        note=secret("expectation_note"),
    )
    Delivery.objects.create(
        meeting=meeting,
        kind=DeliveryKind.REMINDER,
        key="reminder:1:s0",
        recipient=invitation.user,
        status=DeliveryStatus.FAILED,
        due_at=timezone.now(),
        deadline=timezone.now(),
        error=secret("delivery_error"),
    )
    # Meetings that are not public, with secret titles.
    held_meeting(programme, title=secret("draft_meeting"), status=MeetingStatus.DRAFT)
    held_meeting(programme, title=secret("cancelled_meeting"), status=MeetingStatus.CANCELLED)
    held_meeting(programme, title=secret("future_meeting"), days_ago=-3)
    BoardMemberFactory(
        programme=programme,
        user__first_name=secret("inactive_member"),
        user__password=None,
        active=False,
    )
    return programme_publish_page(actor=staff, programme=programme, public=True)


def test_nothing_but_the_public_facts_leaks(client, full_programme, staff):
    response = client.get(page_url(full_programme))
    assert response.status_code == 200
    html = response.content.decode()
    assert len(SECRETS) >= 40
    leaked = {name for name, value in SECRETS.items() if value.lower() in html.lower()}
    assert leaked == set()
    # Who switched the page on is on record, but not on the page.
    assert staff.first_name not in html and staff.email not in html
    # The public facts are there: the groups decided, the meeting held and its outcome.
    page = response.context["page"]
    assert len(page.pilot) == 6
    assert len(page.outreach) == 14
    assert [m.title for m in page.meetings] == ["Eerste bijeenkomst"]
    assert "Een publiek verslag." in html
    # No e-mail address or phone link in any form.
    assert "@example.org" not in html
    assert "mailto:" not in html and "tel:" not in html


def test_the_page_looks_the_same_to_a_logged_in_board_member(client, full_programme):
    """Logged in, the page shows the person's own navigation, and still nothing else."""
    member = full_programme.board_members.filter(active=True).select_related("user").first()
    client.force_login(member.user)
    html = client.get(page_url(full_programme)).content.decode()
    # Their own e-mail is in their navigation; no other person's secret is anywhere.
    own = {v for k, v in SECRETS.items() if v in member.user.email}
    leaked = {k for k, v in SECRETS.items() if v in html and v not in own}
    assert leaked == set()


# --- The staff switch ----------------------------------------------------------------------


def test_staff_switch_publishes_and_withdraws_with_history(client, staff, reference_data):
    programme = ProgrammeFactory()
    client.force_login(staff)
    detail = reverse("selection:programme_detail", args=[programme.pk])
    assert 'id="public-switch"' in client.get(detail).content.decode()

    response = client.post(switch_url(programme), {"public": "on"})
    assert response.status_code == 302
    assert response.headers["Location"] == detail
    programme.refresh_from_db()
    assert programme.public_page is True
    assert programme.public_since is not None
    assert Client().get(page_url(programme)).status_code == 200
    html = client.get(detail).content.decode()
    assert page_url(programme) in html
    assert 'name="public" value="off"' in html

    response = client.post(switch_url(programme), {"public": "off"})
    programme.refresh_from_db()
    assert (programme.public_page, programme.public_since) == (False, None)
    rows = list(programme.history.order_by("history_date", "history_id"))
    assert [(r.public_page, r.history_user_id) for r in rows] == [
        (False, None),
        (True, staff.pk),
        (False, staff.pk),
    ]


def test_switching_to_the_current_state_writes_nothing(staff, reference_data):
    programme = ProgrammeFactory()
    programme_publish_page(actor=staff, programme=programme, public=True)
    since = Programme.objects.get(pk=programme.pk).public_since
    count = programme.history.count()
    programme_publish_page(actor=staff, programme=programme, public=True)
    assert programme.history.count() == count
    assert Programme.objects.get(pk=programme.pk).public_since == since


@pytest.mark.parametrize("value", ["", "toggle", "1", "true", "ON"])
def test_switch_with_a_bad_value_changes_nothing(client, staff, reference_data, value):
    programme = ProgrammeFactory()
    client.force_login(staff)
    response = client.post(switch_url(programme), {"public": value}, follow=True)
    assert response.status_code == 200
    assert "Choose to publish or to withdraw the public page." in response.content.decode()
    assert Programme.objects.get(pk=programme.pk).public_page is False


@pytest.mark.parametrize("role", ["member", "contact", "anonymous"])
def test_switch_refuses_anyone_but_staff(client, reference_data, role):
    programme = ProgrammeFactory()
    if role == "member":
        client.force_login(BoardMemberFactory(programme=programme, user__password=None).user)
    elif role == "contact":
        client.force_login(MunicipalityContactFactory(user__password=None).user)
    response = client.post(switch_url(programme), {"public": "on"})
    assert response.status_code == (302 if role == "anonymous" else 403)
    if role == "anonymous":
        assert response.headers["Location"].startswith(reverse("login"))
    assert Programme.objects.get(pk=programme.pk).public_page is False


def test_service_refuses_anyone_but_staff(reference_data):
    programme = ProgrammeFactory()
    member = BoardMemberFactory(programme=programme, user__password=None)
    with pytest.raises(PermissionDenied):
        programme_publish_page(actor=member.user, programme=programme, public=True)
    assert Programme.objects.get(pk=programme.pk).public_page is False


def test_switch_for_an_unknown_programme_is_404(client, staff, reference_data):
    programme = ProgrammeFactory()
    client.force_login(staff)
    url = reverse("portal:public_switch", args=[programme.pk + 1000])
    assert client.post(url, {"public": "on"}).status_code == 404
    assert not Programme.objects.filter(public_page=True).exists()


def test_switch_only_takes_a_post(client, staff, reference_data):
    programme = ProgrammeFactory()
    client.force_login(staff)
    assert client.get(switch_url(programme), {"public": "on"}).status_code == 405
    assert Programme.objects.get(pk=programme.pk).public_page is False


def test_switch_needs_the_csrf_token(staff, reference_data):
    programme = ProgrammeFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.post(switch_url(programme), {"public": "on"}).status_code == 403
    assert Programme.objects.get(pk=programme.pk).public_page is False


def test_public_page_takes_no_post(client, published):
    assert client.post(page_url(published)).status_code == 405
