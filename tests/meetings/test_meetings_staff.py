"""The staff's meeting pages: staff only (403 for anyone else, 404 for an unknown id), each
write through meetings.services, foreign ids refused without writing anything."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from meetings import services
from meetings.enums import (
    Answer,
    DeliveryKind,
    ExpectationCategory,
    Fulfilment,
    MeetingAudience,
    MeetingKind,
    MeetingStatus,
)
from meetings.models import (
    Delivery,
    Expectation,
    ExpectationReview,
    Invitation,
    Meeting,
    MeetingDocument,
)
from tests.meetings.conftest import days_ahead, local

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("meetings_urls")]

PDF = b"%PDF-1.4 the agenda"


@pytest.fixture(autouse=True)
def _in_english(english):
    """Messages are asserted in English (tests/conftest.py)."""


@pytest.fixture
def staff(meetings_world):
    return meetings_world.staff


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def past_meeting(make_meeting):
    """A published pilot meeting of yesterday, the four pilot contacts invited."""
    return make_meeting(starts_at=days_ahead(-1), ends_at=days_ahead(-1, 12))


@pytest.fixture
def document(published_meeting, staff):
    return services.meeting_document_add(
        meeting=published_meeting, actor=staff, upload=SimpleUploadedFile("agenda.pdf", PDF)
    )


def _urls(meeting, document) -> dict[str, str]:
    return {
        "list": reverse("meetings:list"),
        "create": reverse("meetings:create"),
        "detail": reverse("meetings:detail", args=[meeting.pk]),
        "edit": reverse("meetings:edit", args=[meeting.pk]),
        "attendance": reverse("meetings:attendance", args=[meeting.pk]),
        "expectations": reverse("meetings:expectations", args=[meeting.pk]),
    }


POST_ONLY = ["publish", "cancel", "next_year", "report", "document_add"]


def test_staff_open_every_page(staff_client, published_meeting, document):
    for name, url in _urls(published_meeting, document).items():
        assert staff_client.get(url).status_code == 200, name
    assert staff_client.get(reverse("meetings:document", args=[document.pk])).status_code == 200


@pytest.mark.parametrize("who", ["contact", "board", "superuser_free_user"])
def test_anyone_but_staff_gets_403_and_nothing_is_written(
    client, meetings_world, published_meeting, document, who
):
    user = {
        "contact": meetings_world.pilot_users[0],  # invited to the meeting, still not staff
        "board": meetings_world.board_users[0],
        "superuser_free_user": meetings_world.outreach_users[0],
    }[who]
    client.force_login(user)
    for name, url in _urls(published_meeting, document).items():
        assert client.get(url).status_code == 403, name
        assert client.post(url, {"title": "x"}).status_code == 403, name
    for name in POST_ONLY:
        url = reverse(f"meetings:{name}", args=[published_meeting.pk])
        assert client.post(url, {"reason": "x", "minutes": "x"}).status_code == 403, name
    published_meeting.refresh_from_db()
    assert published_meeting.status == MeetingStatus.PUBLISHED
    assert published_meeting.minutes == ""
    assert Meeting.objects.count() == 1


def test_anonymous_visitors_go_to_the_login_page(client, published_meeting, document):
    urls = _urls(published_meeting, document)
    urls["document"] = reverse("meetings:document", args=[document.pk])
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("login")), name


def test_unknown_ids_answer_404(staff_client):
    for name in ["detail", "edit", "attendance", "expectations", "document"]:
        assert staff_client.get(reverse(f"meetings:{name}", args=[99999])).status_code == 404
    for name in POST_ONLY:
        assert staff_client.post(reverse(f"meetings:{name}", args=[99999])).status_code == 404


def test_actions_refuse_get(staff_client, published_meeting):
    for name in POST_ONLY:
        url = reverse(f"meetings:{name}", args=[published_meeting.pk])
        assert staff_client.get(url).status_code == 405


# --- Create, list, detail -------------------------------------------------------------------


def _meeting_data(programme, **extra):
    data = {
        "kind": MeetingKind.PILOT_MEETING,
        "title": "Derde bijeenkomst pilootgroep",
        "programme": programme.pk,
        "starts_at": "2030-07-01T10:00",
        "ends_at": "2030-07-01T12:30",
        "location": "Leuven, Provinciehuis",
        "online_link": "",
        "description": "",
        "audience": MeetingAudience.PILOT,
        "contact_scope": "all",
    }
    data.update(extra)
    return data


def test_a_meeting_is_created_as_a_draft_in_local_time(staff_client, meetings_world, staff):
    response = staff_client.post(
        reverse("meetings:create"), _meeting_data(meetings_world.programme)
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("meetings:detail", args=[meeting.pk])
    # 10:00 in Brussels in July is 08:00 UTC; in January it would be 09:00.
    assert meeting.starts_at == datetime(2030, 7, 1, 8, tzinfo=UTC)
    assert meeting.ends_at == datetime(2030, 7, 1, 10, 30, tzinfo=UTC)
    assert (meeting.status, meeting.organiser) == (MeetingStatus.DRAFT, staff)
    assert not meeting.invitations.exists()
    response = staff_client.get(reverse("meetings:edit", args=[meeting.pk]))
    assert 'value="2030-07-01T10:00"' in response.content.decode()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"ends_at": "2030-07-01T09:00"}, "ends_at"),
        ({"starts_at": "2030-03-31T02:30"}, "starts_at"),  # does not exist in Brussels
        ({"starts_at": "9999-12-31T23:59"}, "starts_at"),
        ({"audience": MeetingAudience.CHOSEN}, "chosen_municipalities"),
        ({"chosen_municipalities": ["44021\x00"]}, "chosen_municipalities"),
        ({"chosen_people": ["99999999999999999999999"]}, "chosen_people"),
        ({"location": ""}, "location"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_an_invalid_meeting_is_a_form_error(staff_client, meetings_world, extra, field):
    response = staff_client.post(
        reverse("meetings:create"), _meeting_data(meetings_world.programme, **extra)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Meeting.objects.exists()


def test_the_list_filters_and_counts_answers(staff_client, make_meeting, past_meeting):
    upcoming = make_meeting(title="Komt nog")
    invitation = upcoming.invitations.first()
    invitation.answer = Answer.YES
    invitation.save()
    board = make_meeting(kind=MeetingKind.BOARD_MEETING, title="Klankbord", invite=[])

    response = staff_client.get(reverse("meetings:list"))
    assert [m.pk for m in response.context["page"]] == [upcoming.pk, board.pk]
    row = response.context["page"][0]
    assert (row.invited_count, row.yes_count, row.no_count) == (4, 1, 0)

    response = staff_client.get(reverse("meetings:list"), {"when": "past"})
    assert [m.pk for m in response.context["page"]] == [past_meeting.pk]
    response = staff_client.get(
        reverse("meetings:list"), {"when": "all", "kind": MeetingKind.BOARD_MEETING}
    )
    assert [m.pk for m in response.context["page"]] == [board.pk]
    response = staff_client.get(reverse("meetings:list"), {"programme": "99999999999999999999"})
    assert response.status_code == 200


def test_the_list_pages_keep_the_filters(staff_client, make_meeting, monkeypatch):
    monkeypatch.setattr("meetings.views.PAGE_SIZE", 1)
    make_meeting(title="Eerste")
    make_meeting(title="Tweede")
    response = staff_client.get(reverse("meetings:list"), {"when": "all"})
    html = response.content.decode()
    assert response.context["page"].paginator.num_pages == 2
    assert 'href="?when=all&amp;page=2"' in html


def test_the_list_takes_as_many_queries_for_many_meetings(
    staff_client, make_meeting, django_assert_max_num_queries
):
    make_meeting()
    with django_assert_max_num_queries(12) as few:
        staff_client.get(reverse("meetings:list"))
    for _ in range(10):
        make_meeting()
    with django_assert_max_num_queries(len(few.captured_queries)):
        staff_client.get(reverse("meetings:list"))


def test_the_detail_shows_answers_and_counts(staff_client, published_meeting):
    first, second, third, _ = published_meeting.invitations.order_by("pk")
    for invitation, answer in ((first, Answer.YES), (second, Answer.NO), (third, Answer.MAYBE)):
        invitation.answer = answer
        invitation.save()
    response = staff_client.get(reverse("meetings:detail", args=[published_meeting.pk]))
    counts = response.context["counts"]
    assert (counts.yes, counts.no, counts.maybe, counts.none) == (1, 1, 1, 1)
    html = response.content.decode()
    assert "yes 1" in " ".join(html.split())
    assert first.user.email in html or first.user.get_full_name() in html


# --- Publish, edit, cancel, next year -------------------------------------------------------


def test_publish_button_invites_the_audience(
    staff_client, make_meeting, meetings_world, reminder_rules
):
    meeting = make_meeting(status=MeetingStatus.DRAFT, published_at=None, invite=[])
    response = staff_client.post(reverse("meetings:publish", args=[meeting.pk]), follow=True)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PUBLISHED
    assert meeting.invitations.filter(active=True).count() == 4
    assert "4 people are invited" in response.content.decode()
    assert Delivery.objects.filter(meeting=meeting, kind=DeliveryKind.INVITATION).count() == 4


def test_publishing_a_past_meeting_says_why_not(staff_client, make_meeting):
    meeting = make_meeting(
        status=MeetingStatus.DRAFT, starts_at=days_ahead(-3), ends_at=days_ahead(-3, 12)
    )
    response = staff_client.post(reverse("meetings:publish", args=[meeting.pk]), follow=True)
    assert "starts in the past" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DRAFT


def test_editing_a_published_meeting_reschedules_it(
    staff_client, published_meeting, meetings_world
):
    local_start = published_meeting.starts_at.astimezone(local(2020, 1, 1).tzinfo)
    new_start = local_start + timedelta(days=1, hours=1)
    data = _meeting_data(
        meetings_world.programme,
        kind=published_meeting.kind,
        title=published_meeting.title,
        starts_at=new_start.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(new_start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        location=published_meeting.location,
    )
    response = staff_client.post(reverse("meetings:edit", args=[published_meeting.pk]), data)
    assert response.status_code == 302
    published_meeting.refresh_from_db()
    assert published_meeting.starts_at == new_start
    assert published_meeting.sequence == 1
    updates = Delivery.objects.filter(meeting=published_meeting, kind=DeliveryKind.UPDATE)
    assert {d.recipient_id for d in updates} == {u.pk for u in meetings_world.pilot_users}


def test_cancel_button_cancels_with_its_reason(staff_client, published_meeting):
    response = staff_client.post(
        reverse("meetings:cancel", args=[published_meeting.pk]), {"reason": "Te weinig animo."}
    )
    assert response.status_code == 302
    published_meeting.refresh_from_db()
    assert published_meeting.status == MeetingStatus.CANCELLED
    assert published_meeting.history.first().history_change_reason == "Te weinig animo."
    assert (
        Delivery.objects.filter(meeting=published_meeting, kind=DeliveryKind.CANCELLATION).count()
        == 4
    )
    # A cancelled meeting is no longer edited.
    response = staff_client.get(reverse("meetings:edit", args=[published_meeting.pk]))
    assert response.status_code == 302


def test_cancel_with_an_overlong_reason_changes_nothing(staff_client, published_meeting):
    staff_client.post(
        reverse("meetings:cancel", args=[published_meeting.pk]), {"reason": "x" * 101}
    )
    published_meeting.refresh_from_db()
    assert published_meeting.status == MeetingStatus.PUBLISHED


def test_next_year_button_makes_a_draft(staff_client, make_meeting):
    gathering = make_meeting(
        kind=MeetingKind.ANNUAL_GATHERING,
        title="Jaarlijkse SDG-bijeenkomst 2018",
        starts_at=local(2018, 10, 20, 10),
        ends_at=local(2018, 10, 20, 16),
    )
    response = staff_client.post(reverse("meetings:next_year", args=[gathering.pk]))
    new = Meeting.objects.exclude(pk=gathering.pk).get()
    assert response.url == reverse("meetings:detail", args=[new.pk])
    assert (new.title, new.status) == ("Jaarlijkse SDG-bijeenkomst 2019", MeetingStatus.DRAFT)
    detail = staff_client.get(reverse("meetings:detail", args=[gathering.pk]))
    assert reverse("meetings:next_year", args=[gathering.pk]) in detail.content.decode()


def test_the_report_is_saved_from_the_detail_page(staff_client, past_meeting):
    response = staff_client.post(
        reverse("meetings:report", args=[past_meeting.pk]),
        {"minutes": "Twintig gemeenten aanwezig.", "outcome": "Verwachtingen verzameld."},
    )
    assert response.status_code == 302
    past_meeting.refresh_from_db()
    assert past_meeting.minutes == "Twintig gemeenten aanwezig."
    response = staff_client.post(
        reverse("meetings:report", args=[past_meeting.pk]), {"minutes": "x" * 20_001}
    )
    assert response.status_code == 200
    assert response.context["report_form"].errors["minutes"]


# --- Attendance -----------------------------------------------------------------------------


def test_attendance_is_ticked_per_invitee(staff_client, past_meeting):
    first, second, *_ = past_meeting.invitations.order_by("pk")
    response = staff_client.get(reverse("meetings:attendance", args=[past_meeting.pk]))
    assert f'value="{first.pk}"' in response.content.decode()
    response = staff_client.post(
        reverse("meetings:attendance", args=[past_meeting.pk]), {"attended": [first.pk]}
    )
    assert response.status_code == 302
    attended = dict(past_meeting.invitations.values_list("pk", "attended"))
    assert attended[first.pk] is True
    assert attended[second.pk] is False
    assert sum(1 for value in attended.values() if value is False) == 3


def test_another_meetings_invitation_in_the_attendance_form_writes_nothing(
    staff_client, past_meeting, make_meeting
):
    other = make_meeting(starts_at=days_ahead(-2), ends_at=days_ahead(-2, 12))
    own, foreign = past_meeting.invitations.first(), other.invitations.first()
    for value in (foreign.pk, "99999999999999999999999", "x"):
        response = staff_client.post(
            reverse("meetings:attendance", args=[past_meeting.pk]), {"attended": [own.pk, value]}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["attended"]
    assert not Invitation.objects.filter(attended__isnull=False).exists()


def test_attendance_before_the_start_is_refused_on_the_page(staff_client, published_meeting):
    invitation = published_meeting.invitations.first()
    response = staff_client.post(
        reverse("meetings:attendance", args=[published_meeting.pk]), {"attended": [invitation.pk]}
    )
    assert response.status_code == 200
    assert "once the meeting has started" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.attended is None


# --- Expectations ---------------------------------------------------------------------------


def test_expectations_are_recorded_and_reviewed_at_a_later_meeting(staff_client, make_meeting):
    first = make_meeting(starts_at=local(2017, 5, 16, 13), ends_at=local(2017, 5, 16, 16))
    url = reverse("meetings:expectations", args=[first.pk])
    response = staff_client.post(
        url,
        {
            "municipality": "44021",
            "category": ExpectationCategory.SUPPORT,
            "text": "Draagvlak verbreden: ambtenaren, politici en burgers sensibiliseren.",
            "audiences": ["civil_servants", "politicians", "citizens"],
            "record": "1",
        },
    )
    assert response.status_code == 302
    expectation = Expectation.objects.get()
    assert (expectation.meeting, expectation.municipality_id) == (first, "44021")
    assert expectation.audiences == ["civil_servants", "politicians", "citizens"]
    # Nothing to review at the meeting that raised it.
    assert staff_client.get(url).context["review_form"].rows == []

    later = make_meeting(starts_at=local(2017, 10, 5, 10), ends_at=local(2017, 10, 5, 12))
    later_url = reverse("meetings:expectations", args=[later.pk])
    rows = staff_client.get(later_url).context["review_form"].rows
    assert [row["expectation"] for row in rows] == [expectation]
    response = staff_client.post(
        later_url,
        {
            f"fulfilment_{expectation.pk}": Fulfilment.PARTLY,
            f"note_{expectation.pk}": "Ambtenaren wel, politici nog niet.",
            "review": "1",
        },
    )
    assert response.status_code == 302
    review = ExpectationReview.objects.get()
    assert (review.expectation, review.meeting, review.fulfilment) == (
        expectation,
        later,
        Fulfilment.PARTLY,
    )
    detail = staff_client.get(reverse("meetings:detail", args=[first.pk])).content.decode()
    assert "Partly met" in detail


def test_an_expectation_of_a_municipality_outside_the_programme_is_refused(
    staff_client, published_meeting
):
    response = staff_client.post(
        reverse("meetings:expectations", args=[published_meeting.pk]),
        {"municipality": "46003", "category": ExpectationCategory.POLICY, "text": "x"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["municipality"]
    assert not Expectation.objects.exists()


# --- Documents ------------------------------------------------------------------------------


def test_a_document_is_uploaded_and_downloaded_by_staff(staff_client, published_meeting):
    response = staff_client.post(
        reverse("meetings:document_add", args=[published_meeting.pk]),
        {"file": SimpleUploadedFile("Agenda.pdf", PDF)},
    )
    assert response.status_code == 302
    document = MeetingDocument.objects.get()
    response = staff_client.get(reverse("meetings:document", args=[document.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize(
    ("name", "content"),
    [("agenda.pdf", b"GIF89a a gif"), ("agenda.docx", PDF), ("agenda.exe", b"MZ\x90\x00")],
)
def test_a_document_of_the_wrong_type_is_refused_on_the_page(
    staff_client, published_meeting, name, content
):
    response = staff_client.post(
        reverse("meetings:document_add", args=[published_meeting.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 200
    assert response.context["document_form"].errors["file"]
    assert not MeetingDocument.objects.exists()


def test_a_document_is_downloaded_by_the_meetings_invitees_only(
    client, published_meeting, document, meetings_world, make_meeting, staff
):
    url = reverse("meetings:document", args=[document.pk])
    invitee = meetings_world.pilot_users[0]
    client.force_login(invitee)
    assert client.get(url).status_code == 200
    # Not invited: an outreach contact, a board member; and a withdrawn invitation.
    for user in (meetings_world.outreach_users[0], meetings_world.board_users[0]):
        client.force_login(user)
        assert client.get(url).status_code == 404
    published_meeting.invitations.filter(user=invitee).update(active=False)
    client.force_login(invitee)
    assert client.get(url).status_code == 404
    # A draft's documents are the staff's only, even for people on its invitation list.
    draft = make_meeting(status=MeetingStatus.DRAFT)
    draft_document = services.meeting_document_add(
        meeting=draft, actor=staff, upload=SimpleUploadedFile("concept.pdf", PDF)
    )
    client.force_login(meetings_world.pilot_users[1])
    assert client.get(reverse("meetings:document", args=[draft_document.pk])).status_code == 404


# --- Edge values: a form error, never a server error ----------------------------------------

EDGE_VALUES = [
    "99999999999999999999999999",
    "-99999999999999999999999999",
    "9223372036854775808",
    "-1",
    "0",
    "",
    "\x00",
    "a\x00b",
    "\x01\x1f\x7f",
    "x" * 20_001,
    "1e309",
    "NaN",
    "0001-01-01",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2017-02-30T10:00",
    "2019-10-27T02:30",  # twice on the Brussels wall clock
]
MEETING_FIELDS = [
    "kind",
    "title",
    "programme",
    "starts_at",
    "ends_at",
    "location",
    "online_link",
    "description",
    "audience",
    "contact_scope",
    "chosen_municipalities",
    "chosen_people",
]


def test_edge_values_are_form_errors_never_server_errors(
    staff_client, published_meeting, past_meeting, make_meeting, staff
):
    first = make_meeting(starts_at=local(2017, 5, 16, 13), ends_at=local(2017, 5, 16, 16))
    expectation = services.expectation_record(
        meeting=first, actor=staff, municipality=None, category="policy", text="SDG's."
    )
    endpoints = {
        reverse("meetings:create"): MEETING_FIELDS,
        reverse("meetings:edit", args=[published_meeting.pk]): MEETING_FIELDS,
        reverse("meetings:cancel", args=[published_meeting.pk]): ["reason"],
        reverse("meetings:report", args=[published_meeting.pk]): ["minutes", "outcome"],
        reverse("meetings:document_add", args=[published_meeting.pk]): ["file"],
        reverse("meetings:attendance", args=[past_meeting.pk]): ["attended"],
        reverse("meetings:expectations", args=[past_meeting.pk]): [
            "municipality",
            "category",
            "text",
            "audiences",
        ],
        reverse("meetings:expectations", args=[past_meeting.pk]) + "?": [
            "review",
            f"fulfilment_{expectation.pk}",
            f"note_{expectation.pk}",
        ],
    }
    for url, fields in endpoints.items():
        for value in EDGE_VALUES:
            for data in (
                dict.fromkeys(fields, value),
                {name: [value, value] for name in fields},
            ):
                response = staff_client.post(url, data)
                assert response.status_code < 500, (url, value)
    assert staff_client.get(reverse("meetings:list"), {"page": "x" * 300}).status_code == 200


def test_an_invitation_opens_the_documents_only_while_the_role_holds(
    client, published_meeting, board_meeting, meetings_world, staff
):
    contact = meetings_world.pilot_contacts[0]
    pilot_document = services.meeting_document_add(
        meeting=published_meeting, actor=staff, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    board_document = services.meeting_document_add(
        meeting=board_meeting, actor=staff, upload=SimpleUploadedFile("b.pdf", PDF)
    )
    member = meetings_world.board[0]
    client.force_login(contact.user)
    assert client.get(reverse("meetings:document", args=[pilot_document.pk])).status_code == 200
    client.force_login(member.user)
    assert client.get(reverse("meetings:document", args=[board_document.pk])).status_code == 200

    # The contact now works for Halle; the member's seat ended.
    contact.municipality_id = "23027"
    contact.save()
    member.active = False
    member.save()
    client.force_login(contact.user)
    assert client.get(reverse("meetings:document", args=[pilot_document.pk])).status_code == 404
    client.force_login(member.user)
    assert client.get(reverse("meetings:document", args=[board_document.pk])).status_code == 404
