"""The demo's partners: for the 2017-2019 programme the government bodies of the answer to
question no. 384, the board's organisations, the provinces, contacts, joint trainings and
the subsidy with its two reports (an illustrative amount, said so in its note); for the
2026-2028 programme the same bodies, contacts of 2026 and a subsidy whose reports are due."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from demo.partners import ABB, BUZA, TEAM_DO
from demo.services import CURRENT_NAME, DECIDED_NAME, STAFF_EMAIL, demo_seed
from meetings.enums import MeetingKind
from partners.enums import PartnerKind
from partners.models import Partner, Subsidy
from partners.selectors import government_involvement
from selection.models import BoardOrganisation, Programme

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One demo for the module, rolled back after its last test."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            summary = demo_seed(password="demo-pass-123")
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield summary
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def involvement(demo):
    programme = Programme.objects.get(name=DECIDED_NAME)
    return government_involvement(user=User.objects.get(email=STAFF_EMAIL), programme=programme)


def test_demo_partners_are_the_government_the_provinces_and_the_board(demo, involvement):
    programme = Programme.objects.get(name=DECIDED_NAME)
    kinds = [p.kind for p in involvement.partners]
    assert [p.name for p in involvement.partners[:3]] == [ABB, TEAM_DO, BUZA]
    assert kinds.count(PartnerKind.GOVERNMENT) == 3
    provinces = [p for p in involvement.partners if p.kind == PartnerKind.PROVINCE]
    assert sorted(p.province.name for p in provinces) == [
        "Antwerpen",
        "Limburg",
        "Oost-Vlaanderen",
        "Vlaams-Brabant",
        "West-Vlaanderen",
    ]
    board = set(
        BoardOrganisation.objects.filter(members__programme=programme).values_list(
            "name", flat=True
        )
    )
    linked = {p.board_organisation.name for p in involvement.partners if p.board_organisation}
    assert linked == board
    # The province of Antwerp sits on the board: one partner, not two.
    antwerp = Partner.objects.get(programme=programme, name="Provincie Antwerpen")
    assert antwerp.kind == PartnerKind.PROVINCE and antwerp.board_organisation is not None
    assert len(involvement.partners) == 3 + 5 + len(board) - 1


def test_demo_contacts_run_from_2017_to_2019_by_date(involvement):
    dates = [c.date for c in involvement.contacts]
    assert dates == sorted(dates)
    assert dates[0] >= date(2017, 1, 1) and dates[-1] <= date(2019, 12, 31)
    assert len(dates) == 7
    assert {c.partner.name for c in involvement.contacts} >= {ABB, TEAM_DO, BUZA}
    assert all(c.outcome.startswith("[Demo]") for c in involvement.contacts)


def test_demo_joint_trainings_have_attendance(involvement):
    kinds = [t.meeting.kind for t in involvement.trainings]
    assert kinds == [
        MeetingKind.PROVINCIAL_TRAINING,
        MeetingKind.PROVINCIAL_TRAINING,
        MeetingKind.WORKSHOP,
    ]
    for training in involvement.trainings:
        invitations = training.meeting.invitations.filter(active=True)
        assert training.invited == invitations.count() > 0
        assert training.attended == invitations.filter(attended=True).count() > 0
        assert training.municipalities == (
            invitations.filter(attended=True).values("municipality").distinct().count()
        )


def test_demo_subsidy_from_buitenlandse_zaken_with_two_submitted_reports(involvement):
    [subsidy] = involvement.subsidies
    assert subsidy.funder.name == BUZA
    assert subsidy.amount == Decimal("100000.00")
    assert "Illustratief bedrag" in subsidy.note
    assert (subsidy.starts_on, subsidy.ends_on) == (date(2017, 5, 16), date(2019, 12, 31))
    reports = list(subsidy.reports.all())
    assert [r.title for r in reports] == [
        "Tussentijds rapport 2018",
        "Eindrapport SDG-proeftraject",
    ]
    assert all(r.submitted_on and r.submitted_on <= r.due_on for r in reports)
    assert Subsidy.objects.filter(programme=subsidy.programme).count() == 1


@pytest.fixture
def current_involvement(demo):
    programme = Programme.objects.get(name=CURRENT_NAME)
    return government_involvement(user=User.objects.get(email=STAFF_EMAIL), programme=programme)


def test_demo_current_programme_has_the_same_partners(involvement, current_involvement):
    assert [p.name for p in current_involvement.partners] == [p.name for p in involvement.partners]
    assert all(p.programme.name == CURRENT_NAME for p in current_involvement.partners)
    abb = next(p for p in current_involvement.partners if p.name == ABB)
    assert "2026-2031" in abb.role


def test_demo_current_programme_contacts_are_of_2026_before_today(current_involvement):
    dates = [c.date for c in current_involvement.contacts]
    assert dates == sorted(dates) and len(dates) == 5
    assert dates[0] >= date(2026, 1, 1) and dates[-1] < date(2026, 12, 3)
    assert {c.partner.name for c in current_involvement.contacts} >= {ABB, TEAM_DO, BUZA}
    assert all(c.outcome.startswith("[Demo]") for c in current_involvement.contacts)
    # No pilot group yet, so no joint training.
    assert current_involvement.trainings == []


def test_demo_current_programme_subsidy_reports_are_due_later(current_involvement):
    [subsidy] = current_involvement.subsidies
    assert subsidy.funder.name == BUZA and subsidy.funder.programme.name == CURRENT_NAME
    assert (subsidy.starts_on, subsidy.ends_on) == (date(2026, 6, 1), date(2028, 12, 31))
    reports = list(subsidy.reports.all())
    assert [r.due_on for r in reports] == [date(2027, 6, 30), date(2029, 3, 31)]
    assert all(r.submitted_on is None for r in reports)
    assert Subsidy.objects.count() == 2


def test_demo_current_programme_report_has_a_section_1(demo, client):
    programme = Programme.objects.get(name=CURRENT_NAME)
    client.force_login(User.objects.get(email=STAFF_EMAIL))
    html = client.get(reverse("reports:report", args=[programme.pk]), {"lang": "nl"}).content
    text = html.decode()
    assert 'id="report-partners"' in text and 'id="report-contacts"' in text
    assert "Tussentijds rapport 2027" in text
