"""The agenda and links page: staff only, rows saved in their order, empty and deleted rows
left out, a save over someone else's newer change refused with nothing lost."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from meetings import services
from meetings.enums import MeetingStatus
from meetings.forms import AGENDA_MAX_ITEMS
from meetings.models import AgendaItem, MeetingLink

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("meetings_urls")]


@pytest.fixture(autouse=True)
def _in_english(english):
    """Messages are asserted in English (tests/conftest.py)."""


@pytest.fixture
def staff(meetings_world):
    return meetings_world.staff


def url(meeting):
    return reverse("meetings:agenda", args=[meeting.pk])


def formset_data(meeting, items=(), links=(), *, version=None, extra_agenda=0, extra_links=0):
    """The POST of the page: `items` (title, minutes, description, delete) and `links`
    (title, url, delete) as rows, plus empty rows as the page offers them."""
    data = {
        "version": services.agenda_version(meeting) if version is None else version,
        "agenda-TOTAL_FORMS": str(len(items) + extra_agenda),
        "agenda-INITIAL_FORMS": "0",
        "links-TOTAL_FORMS": str(len(links) + extra_links),
        "links-INITIAL_FORMS": "0",
    }
    for n, (title, minutes, description, delete) in enumerate(items):
        data.update({f"agenda-{n}-title": title, f"agenda-{n}-minutes": minutes})
        data[f"agenda-{n}-description"] = description
        if delete:
            data[f"agenda-{n}-DELETE"] = "on"
    for n, (title, address, delete) in enumerate(links):
        data.update({f"links-{n}-title": title, f"links-{n}-url": address})
        if delete:
            data[f"links-{n}-DELETE"] = "on"
    return data


def agenda(meeting):
    return list(meeting.agenda.order_by("order").values_list("order", "title", "minutes"))


def test_agenda_page_saves_rows_in_order_without_empty_or_deleted_ones(
    client, staff, published_meeting
):
    client.force_login(staff)
    assert client.get(url(published_meeting)).status_code == 200
    data = formset_data(
        published_meeting,
        items=[
            ("Welkom en kennismaking", "15", "", False),
            ("Een vergeten punt", "", "", True),
            ("De SDG's in de omgevingsanalyse", "60", "Met voorbeelden.", False),
        ],
        links=[("Presentatie", "https://example.org/slides.pdf", False)],
        extra_agenda=2,
        extra_links=1,
    )
    response = client.post(url(published_meeting), data)
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("meetings:detail", args=[published_meeting.pk])
    assert agenda(published_meeting) == [
        (1, "Welkom en kennismaking", 15),
        (2, "De SDG's in de omgevingsanalyse", 60),
    ]
    assert list(published_meeting.links.values_list("title", "url")) == [
        ("Presentatie", "https://example.org/slides.pdf")
    ]
    # The page shows what is saved, and the detail page the agenda.
    page = client.get(url(published_meeting)).content.decode()
    assert 'value="Welkom en kennismaking"' in page
    detail = client.get(reverse("meetings:detail", args=[published_meeting.pk])).content.decode()
    assert "De SDG&#x27;s in de omgevingsanalyse" in detail


def test_agenda_save_over_a_newer_change_is_refused_and_the_input_kept(
    client, staff, published_meeting
):
    client.force_login(staff)
    seen = services.agenda_version(published_meeting)
    # Someone else saves first.
    services.meeting_agenda_save(
        meeting=published_meeting,
        actor=staff,
        items=[{"title": "Hun punt", "minutes": None, "description": ""}],
        links=[],
        version=seen,
    )
    data = formset_data(published_meeting, items=[("Mijn punt", "10", "", False)], version=seen)
    response = client.post(url(published_meeting), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Someone else changed the agenda" in body
    assert 'value="Mijn punt"' in body
    assert agenda(published_meeting) == [(1, "Hun punt", None)]


@pytest.mark.parametrize(
    ("items", "links"),
    [
        ([("", "10", "Uitleg zonder titel", False)], []),
        ([("Te lang", "601", "", False)], []),
        ([("Nul minuten", "0", "", False)], []),
        ([], [("Geen adres", "javascript:alert(1)", False)]),
        ([], [("Geen titel", "", False)]),
    ],
)
def test_agenda_with_a_bad_row_saves_nothing(client, staff, published_meeting, items, links):
    client.force_login(staff)
    services.meeting_agenda_save(
        meeting=published_meeting,
        actor=staff,
        items=[{"title": "Blijft", "minutes": 30, "description": ""}],
        links=[],
        version=services.agenda_version(published_meeting),
    )
    response = client.post(url(published_meeting), formset_data(published_meeting, items, links))
    assert response.status_code == 400
    assert agenda(published_meeting) == [(1, "Blijft", 30)]
    assert not MeetingLink.objects.exists()


def test_agenda_refuses_more_rows_than_its_bound(client, staff, published_meeting):
    client.force_login(staff)
    rows = [(f"Punt {n}", "5", "", False) for n in range(AGENDA_MAX_ITEMS + 1)]
    response = client.post(url(published_meeting), formset_data(published_meeting, rows))
    assert response.status_code == 400
    assert not AgendaItem.objects.exists()


def test_agenda_of_a_cancelled_meeting_cannot_be_changed(client, staff, published_meeting):
    published_meeting.status = MeetingStatus.CANCELLED
    published_meeting.save()
    client.force_login(staff)
    assert client.get(url(published_meeting)).status_code == 302
    data = formset_data(published_meeting, items=[("Punt", "", "", False)])
    client.post(url(published_meeting), data)
    assert not AgendaItem.objects.exists()
    with pytest.raises(ValidationError):
        services.meeting_agenda_save(
            meeting=published_meeting, actor=staff, items=[], links=[], version="x"
        )


def test_agenda_is_for_staff_only(client, meetings_world, published_meeting):
    contact = meetings_world.pilot_users[0]
    client.force_login(contact)
    assert client.get(url(published_meeting)).status_code == 403
    data = formset_data(published_meeting, items=[("Punt", "", "", False)])
    assert client.post(url(published_meeting), data).status_code == 403
    with pytest.raises(PermissionDenied):
        services.meeting_agenda_save(
            meeting=published_meeting,
            actor=contact,
            items=[{"title": "Punt", "minutes": None, "description": ""}],
            links=[],
            version=services.agenda_version(published_meeting),
        )
    assert not AgendaItem.objects.exists()


def test_agenda_of_an_unknown_meeting_is_404(client, staff):
    client.force_login(staff)
    assert client.get(reverse("meetings:agenda", args=[10**9])).status_code == 404
