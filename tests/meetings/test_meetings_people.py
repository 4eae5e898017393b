"""The invited people's pages: their meetings and answers, the signed one-click answer link,
the calendar feed and the reminder opt-out; the municipality start page's sessions."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.enums import Answer, MeetingAudience, MeetingKind, MeetingStatus
from meetings.links import (
    ANSWER_SALT,
    OPT_OUT_SALT,
    answer_token,
    answer_token_open,
    answer_url,
    opt_out_token,
    opt_out_url,
)
from meetings.models import CalendarFeed, Invitation, Meeting, MeetingDocument, ReminderOptOut
from tests.factories import MunicipalityContactFactory

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")


def make_meeting(programme, *, days=14, hours=2, status=MeetingStatus.PUBLISHED, **fields):
    """A meeting `days` from now (negative: in the past), at 10:00 local time."""
    day = (timezone.now() + timedelta(days=days)).astimezone(BRUSSELS)
    starts = datetime(day.year, day.month, day.day, 10, 0, tzinfo=BRUSSELS)
    return Meeting.objects.create(
        programme=programme,
        kind=fields.pop("kind", MeetingKind.PILOT_MEETING),
        title=fields.pop("title", "Bijeenkomst pilootgroep"),
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        location=fields.pop("location", "VVSG, Brussel"),
        status=status,
        audience=fields.pop("audience", MeetingAudience.PILOT),
        **fields,
    )


def invite(meeting, user, municipality=None, **fields):
    return Invitation.objects.create(
        meeting=meeting, user=user, municipality=municipality, **fields
    )


@pytest.fixture
def meeting(programme):
    return make_meeting(programme, title="Tweede bijeenkomst pilootgroep")


@pytest.fixture
def invitation(meeting, contact):
    return invite(meeting, contact.user, contact.municipality)


@pytest.fixture
def other_invitation(meeting, other_contact):
    return invite(meeting, other_contact.user, other_contact.municipality)


def history_count(invitation) -> int:
    return invitation.history.count()


# --- My meetings ---------------------------------------------------------------------------


def test_my_meetings_shows_own_invitations_only_coming_first(client, programme, contact, gent):
    own = make_meeting(programme, title="Infosessie SDG's", days=7)
    past = make_meeting(programme, title="Eerste bijeenkomst", days=-30)
    foreign = make_meeting(programme, title="Bijeenkomst van Halle", days=3)
    withdrawn = make_meeting(programme, title="Niet meer uitgenodigd", days=5)
    draft = make_meeting(programme, title="Nog een ontwerp", days=6, status=MeetingStatus.DRAFT)
    invite(own, contact.user, gent)
    invite(past, contact.user, gent, answer=Answer.YES, attended=True)
    invite(withdrawn, contact.user, gent, active=False)
    invite(draft, contact.user, gent)
    halle = MunicipalityContactFactory(municipality_id="23027")
    invite(foreign, halle.user, halle.municipality)

    client.force_login(contact.user)
    response = client.get(reverse("meetings:my_meetings"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Infosessie SDG&#x27;s" in html and "Eerste bijeenkomst" in html
    for hidden in ("Bijeenkomst van Halle", "Niet meer uitgenodigd", "Nog een ontwerp"):
        assert hidden not in html
    assert html.index("Infosessie SDG") < html.index("Eerste bijeenkomst")
    assert [i.meeting for i in response.context["upcoming"]] == [own]
    assert [i.meeting for i in response.context["past"]] == [past]


def test_my_meetings_shows_local_time_agenda_and_documents(client, meeting, invitation):
    meeting.agenda.create(order=1, title="Verwachtingen van de gemeenten", minutes=45)
    meeting.links.create(title="Presentatie", url="https://vvsg.be/sdg")
    document = MeetingDocument.objects.create(
        meeting=meeting,
        file=SimpleUploadedFile("agenda.pdf", b"%PDF-1.4 agenda"),
        name="agenda.pdf",
        extension="pdf",
        size=15,
    )
    client.force_login(invitation.user)
    html = client.get(reverse("meetings:my_meetings")).content.decode()
    download = reverse("meetings:my_document", args=[document.pk])
    assert f'href="{download}"' in html
    response = client.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == (
        b"%PDF-1.4 agenda"
    )
    # Someone not invited learns nothing of the file.
    client.force_login(MunicipalityContactFactory(municipality_id="23027").user)
    assert client.get(download).status_code == 404
    assert "10:00–12:00" in html
    assert "Verwachtingen van de gemeenten" in html
    assert 'href="https://vvsg.be/sdg"' in html
    # The answer buttons of a coming meeting.
    assert reverse("meetings:answer", args=[invitation.pk]) in html


def test_board_member_sees_the_board_meeting_they_are_invited_to(client, programme, board_member):
    board = make_meeting(
        programme, kind=MeetingKind.BOARD_MEETING, title="Klankbordgroep", audience="board"
    )
    invite(board, board_member.user)
    client.force_login(board_member.user)
    response = client.get(reverse("meetings:my_meetings"))
    assert [i.meeting for i in response.context["upcoming"]] == [board]


def test_former_contact_and_former_member_no_longer_see_their_meetings(
    client, programme, contact, board_member
):
    pilot = invite(
        make_meeting(programme, title="Pilootbijeenkomst"), contact.user, contact.municipality
    )
    board = invite(
        make_meeting(
            programme, kind=MeetingKind.BOARD_MEETING, title="Klankbord", audience="board"
        ),
        board_member.user,
    )
    contact.delete()
    board_member.active = False
    board_member.save()
    for invitation in (pilot, board):
        client.force_login(invitation.user)
        assert client.get(reverse("meetings:my_meetings")).context["upcoming"] == []
        response = client.post(reverse("meetings:answer", args=[invitation.pk]), {"answer": "yes"})
        assert response.status_code == 404


def test_my_meetings_runs_the_same_number_of_queries_for_1_and_12_meetings(
    client, programme, contact
):
    client.force_login(contact.user)

    def add(n):
        for k in range(n):
            m = make_meeting(programme, days=3 + k)
            m.agenda.create(title="Punt")
            m.links.create(title="Link", url="https://vvsg.be")
            invite(m, contact.user, contact.municipality)

    add(1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("meetings:my_meetings")).status_code == 200
    add(11)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("meetings:my_meetings"))
    assert len(response.context["upcoming"]) == 12
    assert len(large.captured_queries) == len(small.captured_queries)


# --- Answering on the page -----------------------------------------------------------------


def test_answering_own_invitation_records_it(client, invitation):
    client.force_login(invitation.user)
    response = client.post(reverse("meetings:answer", args=[invitation.pk]), {"answer": "maybe"})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.answer == Answer.MAYBE and invitation.answered_at is not None


def test_answering_someone_elses_invitation_is_404_and_writes_nothing(
    client, contact, other_invitation
):
    client.force_login(contact.user)
    response = client.post(
        reverse("meetings:answer", args=[other_invitation.pk]), {"answer": "yes"}
    )
    assert response.status_code == 404
    other_invitation.refresh_from_db()
    assert other_invitation.answer == Answer.PENDING


def test_staff_cannot_answer_for_a_contact(client, staff_user, invitation):
    client.force_login(staff_user)
    response = client.post(reverse("meetings:answer", args=[invitation.pk]), {"answer": "no"})
    assert response.status_code == 404


def test_answering_a_withdrawn_invitation_or_a_draft_meeting_is_404(client, programme, contact):
    withdrawn = invite(make_meeting(programme), contact.user, active=False)
    draft = invite(make_meeting(programme, status=MeetingStatus.DRAFT), contact.user)
    client.force_login(contact.user)
    for invitation in (withdrawn, draft):
        response = client.post(reverse("meetings:answer", args=[invitation.pk]), {"answer": "yes"})
        assert response.status_code == 404
        invitation.refresh_from_db()
        assert invitation.answer == Answer.PENDING


@pytest.mark.parametrize("value", ["", "pending", "YES", "x" * 5000])
def test_answering_with_an_unknown_answer_is_400(client, invitation, value):
    client.force_login(invitation.user)
    response = client.post(reverse("meetings:answer", args=[invitation.pk]), {"answer": value})
    assert response.status_code == 400
    invitation.refresh_from_db()
    assert invitation.answer == Answer.PENDING


def test_answering_after_the_meeting_records_nothing(client, programme, contact):
    invitation = invite(make_meeting(programme, days=-2), contact.user, contact.municipality)
    client.force_login(contact.user)
    response = client.post(reverse("meetings:answer", args=[invitation.pk]), {"answer": "yes"})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.answer == Answer.PENDING


def test_answering_a_meeting_under_way_is_still_possible(client, programme, contact):
    meeting = make_meeting(programme)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    invitation = invite(meeting, contact.user, contact.municipality)
    client.force_login(contact.user)
    client.post(reverse("meetings:answer", args=[invitation.pk]), {"answer": "yes"})
    invitation.refresh_from_db()
    assert invitation.answer == Answer.YES


def test_answer_takes_no_get(client, invitation):
    client.force_login(invitation.user)
    assert client.get(reverse("meetings:answer", args=[invitation.pk])).status_code == 405


# --- The signed one-click link -------------------------------------------------------------


def test_answer_link_get_shows_the_answer_and_writes_nothing(client, invitation):
    before = history_count(invitation)
    response = client.get(answer_url(invitation, Answer.YES))
    assert response.status_code == 200
    assert "Tweede bijeenkomst pilootgroep" in response.content.decode()
    assert response.context["chosen"] == Answer.YES
    invitation.refresh_from_db()
    assert invitation.answer == Answer.PENDING and invitation.answered_at is None
    assert history_count(invitation) == before


def test_answer_link_post_records_the_answer_without_a_login(client, invitation):
    url = answer_url(invitation, Answer.NO)
    response = client.post(url)
    assert response.status_code == 302 and response.headers["Location"] == url
    invitation.refresh_from_db()
    assert invitation.answer == Answer.NO and invitation.answered_at is not None
    assert client.get(url).context["recorded"] is True


def test_answer_link_works_for_a_logged_in_other_person_only_for_its_invitation(
    client, invitation, other_invitation, other_contact
):
    client.force_login(other_contact.user)
    client.post(answer_url(invitation, Answer.YES))
    invitation.refresh_from_db()
    other_invitation.refresh_from_db()
    assert invitation.answer == Answer.YES and other_invitation.answer == Answer.PENDING


def _swap_payload(token: str, payload: dict) -> str:
    """The token with another payload under the original signature."""
    forged = signing.dumps(payload, salt=ANSWER_SALT, key="not the site's key")
    forged_payload, _, _ = forged.rsplit(":", 2)
    _, timestamp, signature = token.rsplit(":", 2)
    return f"{forged_payload}:{timestamp}:{signature}"


def test_answer_link_tampered_or_foreign_token_is_404(client, invitation, other_invitation):
    token = answer_token(invitation, Answer.YES)
    wrong = [
        "not-a-token",
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        # A link for another invitation, or another answer, under this link's signature.
        _swap_payload(token, {"i": other_invitation.pk, "a": "yes"}),
        _swap_payload(token, {"i": invitation.pk, "a": "no"}),
        # Signed by another key, or under the opt-out's salt.
        signing.dumps({"i": other_invitation.pk, "a": "yes"}, salt=ANSWER_SALT, key="x" * 50),
        signing.dumps({"i": other_invitation.pk, "a": "yes"}, salt=OPT_OUT_SALT),
        # Well signed, but no answer a link can carry, or no invitation.
        signing.dumps({"i": invitation.pk, "a": "pending"}, salt=ANSWER_SALT),
        signing.dumps({"i": 10**9, "a": "yes"}, salt=ANSWER_SALT),
        signing.dumps([invitation.pk, "yes"], salt=ANSWER_SALT),
    ]
    for bad in wrong:
        url = reverse("meetings:answer_link", args=[bad])
        assert client.get(url).status_code == 404, bad
        assert client.post(url).status_code == 404, bad
    for row in (invitation, other_invitation):
        row.refresh_from_db()
        assert row.answer == Answer.PENDING


def test_answer_link_expires_with_the_meetings_end(client, invitation):
    meeting = invitation.meeting
    url = answer_url(invitation, Answer.YES)
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert answer_token_open(token, now=meeting.ends_at - timedelta(minutes=1)) is not None
    assert answer_token_open(token, now=meeting.ends_at) is None
    meeting.starts_at = timezone.now() - timedelta(hours=3)
    meeting.ends_at = timezone.now() - timedelta(hours=1)
    meeting.save()
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    invitation.refresh_from_db()
    assert invitation.answer == Answer.PENDING


def test_answer_link_of_a_cancelled_meeting_or_withdrawn_invitation_is_404(client, invitation):
    url = answer_url(invitation, Answer.YES)
    Invitation.objects.filter(pk=invitation.pk).update(active=False)
    assert client.get(url).status_code == 404
    Invitation.objects.filter(pk=invitation.pk).update(active=True)
    Meeting.objects.filter(pk=invitation.meeting_id).update(status=MeetingStatus.CANCELLED)
    assert client.post(url).status_code == 404
    invitation.refresh_from_db()
    assert invitation.answer == Answer.PENDING


def test_answer_url_refuses_pending(invitation):
    with pytest.raises(ValueError):
        answer_url(invitation, Answer.PENDING)


# --- The calendar feed ---------------------------------------------------------------------


def _feed_path(feed):
    return reverse("meetings:calendar_feed", args=[feed.token])


def test_calendar_page_makes_a_feed_on_post_only(client, contact, settings):
    settings.SITE_URL = ""  # the address of the request, then
    client.force_login(contact.user)
    response = client.get(reverse("meetings:calendar"))
    assert response.status_code == 200 and response.context["feed"] is None
    assert not CalendarFeed.objects.exists()
    response = client.post(reverse("meetings:calendar"), {"action": "create"})
    assert response.status_code == 302
    feed = CalendarFeed.objects.get(user=contact.user)
    response = client.get(reverse("meetings:calendar"))
    assert response.context["feed_url"] == "http://testserver" + _feed_path(feed)
    assert response.context["webcal_url"] == "webcal://testserver" + _feed_path(feed)
    # Creating again keeps the address.
    client.post(reverse("meetings:calendar"), {"action": "create"})
    assert CalendarFeed.objects.get(user=contact.user).token == feed.token


def test_calendar_page_uses_the_site_address_when_set(client, contact, settings):
    settings.SITE_URL = "https://sdg.vvsg.be/"
    client.force_login(contact.user)
    client.post(reverse("meetings:calendar"), {"action": "create"})
    feed = CalendarFeed.objects.get(user=contact.user)
    response = client.get(reverse("meetings:calendar"))
    assert response.context["feed_url"] == "https://sdg.vvsg.be" + _feed_path(feed)


def test_calendar_feed_serves_the_persons_meetings_without_a_login(client, invitation, programme):
    other = make_meeting(programme, title="Niet voor Gent")
    invite(other, MunicipalityContactFactory(municipality_id="23027").user)
    client.force_login(invitation.user)
    client.post(reverse("meetings:calendar"), {"action": "create"})
    client.logout()
    feed = CalendarFeed.objects.get(user=invitation.user)
    response = client.get(_feed_path(feed))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"{invitation.meeting.uid}@sdgpilot"]


def test_calendar_feed_reset_makes_the_old_address_404(client, invitation):
    client.force_login(invitation.user)
    client.post(reverse("meetings:calendar"), {"action": "create"})
    old = CalendarFeed.objects.get(user=invitation.user)
    old_path = _feed_path(old)
    assert client.get(old_path).status_code == 200
    assert client.post(reverse("meetings:calendar"), {"action": "reset"}).status_code == 302
    new = CalendarFeed.objects.get(user=invitation.user)
    assert new.token != old.token
    assert client.get(old_path).status_code == 404
    assert client.get(_feed_path(new)).status_code == 200


@pytest.mark.parametrize("token", ["not-a-token", "x" * 43, "a" * 200])
def test_calendar_feed_with_a_wrong_token_is_404(client, invitation, token):
    CalendarFeed.objects.create(user=invitation.user, token="y" * 43)
    assert client.get(reverse("meetings:calendar_feed", args=[token])).status_code == 404


def test_calendar_feed_of_a_deactivated_person_is_404(client, invitation):
    feed = CalendarFeed.objects.create(user=invitation.user, token="z" * 43)
    invitation.user.is_active = False
    invitation.user.save()
    assert client.get(_feed_path(feed)).status_code == 404


def test_calendar_page_with_an_unknown_action_is_400(client, contact):
    client.force_login(contact.user)
    assert client.post(reverse("meetings:calendar"), {"action": "drop"}).status_code == 400
    assert not CalendarFeed.objects.exists()


# --- Opting out of reminders ---------------------------------------------------------------


def test_opt_out_link_shows_the_choice_and_post_opts_out_and_back_in(client, contact):
    url = opt_out_url(contact.user)
    response = client.get(url)
    assert response.status_code == 200 and response.context["opted_out"] is False
    assert not ReminderOptOut.objects.exists()
    assert client.post(url, {"action": "opt_out"}).status_code == 302
    assert ReminderOptOut.objects.filter(user=contact.user).exists()
    assert client.get(url).context["opted_out"] is True
    client.post(url, {"action": "opt_out"})
    assert ReminderOptOut.objects.count() == 1
    client.post(url, {"action": "opt_in"})
    assert not ReminderOptOut.objects.exists()


def test_opt_out_token_is_the_documented_one(contact):
    assert signing.loads(opt_out_token(contact.user), salt=OPT_OUT_SALT) == {"u": contact.user.pk}


def test_opt_out_with_a_bad_token_is_404(client, contact, invitation):
    token = opt_out_token(contact.user)
    for bad in [
        "not-a-token",
        token[:-2] + "zz",
        signing.dumps({"u": contact.user.pk}, salt=ANSWER_SALT),
        answer_token(invitation, Answer.YES),
        signing.dumps({"u": 10**9}, salt=OPT_OUT_SALT),
    ]:
        url = reverse("meetings:opt_out", args=[bad])
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "opt_out"}).status_code == 404
    assert not ReminderOptOut.objects.exists()


def test_one_click_unsubscribe_of_a_mail_program_stops_reminders(client, contact, invitation):
    from meetings.links import one_click_opt_out_url

    url = one_click_opt_out_url(contact.user)
    assert url == opt_out_url(contact.user) + "one-click/"
    # A link scanner's GET or HEAD changes nothing.
    assert client.get(url).status_code == 405
    assert client.head(url).status_code == 405
    # A POST without the RFC 8058 body is refused.
    assert client.post(url, {"List-Unsubscribe": "Everything"}).status_code == 400
    assert not ReminderOptOut.objects.exists()
    # The mail program's POST: no CSRF token, no session, the signed token is the key.
    csrf_client = type(client)(enforce_csrf_checks=True)
    response = csrf_client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert set(ReminderOptOut.objects.values_list("user", flat=True)) == {contact.user.pk}
    # Twice is once.
    assert csrf_client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert ReminderOptOut.objects.count() == 1


def test_one_click_unsubscribe_with_a_bad_token_is_404(client, contact, invitation):
    for bad in ["not-a-token", answer_token(invitation, Answer.YES)]:
        url = reverse("meetings:opt_out_one_click", args=[bad])
        assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 404
    assert not ReminderOptOut.objects.exists()


def test_opt_out_with_an_unknown_action_is_400(client, contact):
    response = client.post(opt_out_url(contact.user), {"action": "everything"})
    assert response.status_code == 400
    assert not ReminderOptOut.objects.exists()


# --- The municipality's start page ---------------------------------------------------------


def test_portal_home_lists_the_municipalitys_coming_sessions(client, programme, contact, gent):
    soon = make_meeting(programme, title="Infosessie voor de ruimere groep", days=5)
    later = make_meeting(programme, title="Jaarlijkse SDG-bijeenkomst", days=40)
    past = make_meeting(programme, title="Vorige bijeenkomst", days=-5)
    foreign = make_meeting(programme, title="Enkel voor Halle", days=6)
    invite(soon, contact.user, gent, answer=Answer.YES)
    invite(later, contact.user, gent)
    invite(past, contact.user, gent)
    invite(foreign, MunicipalityContactFactory(municipality_id="23027").user, None)
    client.force_login(contact.user)
    response = client.get(reverse("portal:home", args=[gent.pk]))
    html = response.content.decode()
    assert list(response.context["upcoming_meetings"]) == [soon, later]
    assert "Vorige bijeenkomst" not in html and "Enkel voor Halle" not in html
    assert html.index("Infosessie voor de ruimere groep") < html.index("Jaarlijkse SDG")
    assert 'data-answer="yes"' in html
    assert reverse("meetings:my_meetings") in html


def test_portal_home_sessions_run_a_constant_number_of_queries(client, programme, contact, gent):
    client.force_login(contact.user)
    colleague = MunicipalityContactFactory(municipality=gent)
    invite(make_meeting(programme, days=3), contact.user, gent)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("portal:home", args=[gent.pk])).status_code == 200
    for day in range(8):
        meeting = make_meeting(programme, days=4 + day)
        invite(meeting, contact.user, gent, answer=Answer.MAYBE)
        invite(meeting, colleague.user, gent)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("portal:home", args=[gent.pk]))
    assert len(response.context["upcoming_meetings"]) == 5
    assert len(large.captured_queries) == len(small.captured_queries)


def test_staff_sees_the_municipalitys_sessions_without_an_answer(
    client, programme, staff_user, contact, gent
):
    invite(make_meeting(programme, title="Pilootbijeenkomst", days=3), contact.user, gent)
    client.force_login(staff_user)
    response = client.get(reverse("portal:home", args=[gent.pk]))
    [meeting] = response.context["upcoming_meetings"]
    assert meeting.title == "Pilootbijeenkomst" and meeting.my_answer is None
