"""A whole programme cycle in Chromium, as staff would run it without the shell: a new
programme from the staff pages (the administration for its form and standard criteria, the
board page for its members), the call with an import and an online application, board
members who score, the scoring closed, the optimiser, the quotas lowered on the criteria
page, the board's decision, the pilot group's start meeting of last week entered afterwards and
recorded as held (no mail) with its attendance and an expectation, the next meeting
published, a contact who answers and updates the SDG status, and the report with its PDF.
"""

import csv
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from demo.services import demo_seed
from meetings.enums import Answer, MeetingAudience, MeetingKind
from meetings.models import Delivery, Expectation, Invitation, Meeting
from municipalities.models import StatusVersion
from selection.enums import DecisionStatus, Outcome, ProgrammePhase, ReviewStatus
from selection.models import BoardMember, Candidacy, Programme, Quota, Review, SelectionRun
from tests.browser.helpers import log_in, watched_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "SDG-traject 2029-2031"
# Municipalities with a demo contact: five imported, Affligem applies online.
IMPORTED = ["11016", "23027", "44021", "72030", "36015"]
APPLICANT = "23105"
MEMBERS = {"board01@example.org": "11.11.11", "board02@example.org": "Cifal Flanders"}
MOTIVATION = (
    "Onze gemeente wil de SDG's verankeren in het meerjarenplan en in de werking van alle "
    "diensten, met een duidelijke rol voor de raad, de adviesraden en de inwoners. "
) * 2


@pytest.fixture
def cycle_page(browser):
    """A Dutch desktop page that accepts the confirmation dialogs."""
    page = watched_page(browser, locale="nl-BE")
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    page.context.close()


@pytest.fixture
def demo(reference_data, password):
    return demo_seed(password=password)


def log_out(page, live_server):
    page.context.clear_cookies()
    page.goto(live_server.url + "/")


def submit(page, selector):
    page.click(selector)
    page.wait_for_load_state()


def create_programme(page, live_server):
    """From the overview to the administration's form and criteria; the board members from
    the programme's board page."""
    page.goto(live_server.url + "/staff/")
    submit(page, "#programme-add")
    assert page.url == live_server.url + "/admin/selection/programme/add/"
    page.fill("#id_name", NAME)
    page.fill("#id_starts_on", "01-01-2029")
    page.fill("#id_ends_on", "31-12-2031")
    page.fill("#id_pilot_group_size", "3")
    page.fill("#id_call_closes_at_0", "31-12-2028")
    page.fill("#id_call_closes_at_1", "17:00:00")
    submit(page, "input[name=_continue]")
    programme = Programme.objects.get(name=NAME)
    assert programme.phase == ProgrammePhase.APPLICATIONS

    # The standard criteria, from the list's action.
    page.goto(live_server.url + "/admin/selection/programme/")
    page.check(f"input[name=_selected_action][value='{programme.pk}']")
    page.select_option("select[name=action]", "seed_standard_criteria")
    submit(page, "button[name=index]")
    assert programme.criteria.count() == 11

    # Two board members, from the programme's page: their accounts exist, so each gets a
    # mail that they joined this board.
    for email, organisation in MEMBERS.items():
        page.goto(live_server.url + f"/staff/programmes/{programme.pk}/")
        page.click(f"a[href='/staff/programmes/{programme.pk}/board/']")
        submit(page, "#board-add-link")
        page.fill("#id_email", email)
        option = page.locator("#id_organisation option", has_text=f"{organisation} (")
        page.select_option("#id_organisation", option.get_attribute("value"))
        submit(page, "#submit-id-submit")
        assert page.url == live_server.url + f"/staff/programmes/{programme.pk}/board/"
    assert set(programme.board_members.values_list("user__email", flat=True)) == set(MEMBERS)
    assert page.locator("#board-members tbody tr").count() == 2
    return programme


def plan_meeting(page, title, *, days):
    """From the decision page's link: a pilot group meeting `days` from today (negative: one
    that took place), 10:00 to 12:00, saved as a draft; ends on the meeting's page."""
    submit(page, "#next-meeting")
    assert page.locator("#id_programme option:checked").inner_text() == NAME
    assert page.input_value("#id_kind") == MeetingKind.PILOT_MEETING
    assert page.input_value("#id_audience") == MeetingAudience.PILOT
    day = timezone.localtime() + timedelta(days=days)
    page.fill("#id_title", title)
    page.fill("#id_starts_at", day.strftime("%Y-%m-%dT10:00"))
    page.fill("#id_ends_at", day.strftime("%Y-%m-%dT12:00"))
    page.fill("#id_location", "VVSG, Brussel")
    submit(page, "#submit-id-save")
    meeting = Meeting.objects.get(programme__name=NAME, title=title)
    assert page.url.endswith(f"/staff/meetings/{meeting.pk}/")
    return meeting


def lower_quotas(page, programme):
    """The standard quotas, scaled to a group of three, still cannot hold: from the run
    page's link to the criteria page, where staff empty every bound and save."""
    page.click(f"#quotas-edit a[href='/staff/programmes/{programme.pk}/criteria/']")
    bounds = page.locator("#quotas-form input[name^=q]")
    assert bounds.count() > 0
    for index in range(bounds.count()):
        bounds.nth(index).fill("")
    submit(page, "#quotas-save")
    assert page.url.endswith(f"/staff/programmes/{programme.pk}/criteria/")
    assert not Quota.objects.filter(criterion__programme=programme).exists()


def test_cycle_staff_run_a_new_programme_from_the_browser(
    demo, cycle_page, live_server, password, tmp_path
):
    page = cycle_page
    log_in(page, live_server, "staff@example.org", password)
    programme = create_programme(page, live_server)
    # The administration's pages ask for /favicon.ico, which answers 404; the staff pages
    # link their icon. Only the console errors of the pages after it count.
    page.console_errors.clear()

    # The programme's page leads to the import; five candidacies from a CSV file.
    page.goto(live_server.url + f"/staff/programmes/{programme.pk}/")
    submit(page, f"#programme-setup a[href='/staff/programmes/{programme.pk}/import/']")
    path = tmp_path / "kandidaturen.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["nis_code", "motivation", "has_contact_person", "contact_name"])
        for nis in IMPORTED:
            writer.writerow([nis, MOTIVATION, "nee", ""])
    page.set_input_files("#id_file", str(path))
    submit(page, "main form button[type=submit]")
    assert page.locator(".alert-success").count() == 1
    assert Candidacy.objects.filter(programme=programme).count() == 5
    page.click(f".breadcrumb a[href='/staff/programmes/{programme.pk}/']")
    log_out(page, live_server)

    # Affligem's contact applies online through the call.
    log_in(page, live_server, f"contact-{APPLICANT}@example.org", password)
    page.goto(live_server.url + f"/apply/{programme.pk}/")
    page.fill("#id_motivation", MOTIVATION)
    submit(page, "button[name=submit_candidacy]")
    assert page.locator(".alert-success").count() == 1
    assert Candidacy.objects.filter(programme=programme, submitted_at__isnull=False).count() == 6
    log_out(page, live_server)

    # Scoring opens; each member declares no conflict and scores each candidacy.
    log_in(page, live_server, "staff@example.org", password)
    page.goto(live_server.url + f"/staff/programmes/{programme.pk}/")
    submit(page, "#phase-forward button")
    programme.refresh_from_db()
    assert programme.phase == ProgrammePhase.SCORING
    log_out(page, live_server)
    candidacies = list(Candidacy.objects.filter(programme=programme).order_by("pk"))
    for number, email in enumerate(MEMBERS):
        log_in(page, live_server, email, password)
        assert page.url == live_server.url + "/board/"
        for rank, candidacy in enumerate(candidacies):
            page.goto(live_server.url + f"/board/candidacies/{candidacy.pk}/declare/")
            page.check("input[name=conflict_type][value=none]")
            submit(page, "#conflict-form button[type=submit]")
            assert page.url == live_server.url + f"/board/candidacies/{candidacy.pk}/"
            rows = page.locator("fieldset.board-score")
            for row in range(rows.count()):
                # Labels 1..5 follow a "not applicable" one; a different score per candidacy.
                rows.nth(row).locator("label").nth(1 + (rank + number) % 5).click()
            submit(page, "button[value=submit]")
        log_out(page, live_server)
    member_reviews = Review.objects.filter(candidacy__programme=programme)
    assert member_reviews.filter(status=ReviewStatus.SUBMITTED).count() == 12

    # Staff close the scoring and run the optimiser: the standard quotas cannot hold for
    # three; the run page says where to change them.
    log_in(page, live_server, "staff@example.org", password)
    page.goto(live_server.url + f"/staff/programmes/{programme.pk}/")
    page.click(f"#programme-steps a[href='/staff/programmes/{programme.pk}/progress/']")
    assert page.locator("tbody tr").first.inner_text().count("6 / 6") == 1
    page.goto(live_server.url + f"/staff/programmes/{programme.pk}/")
    submit(page, "#phase-forward button")
    programme.refresh_from_db()
    assert programme.phase == ProgrammePhase.DELIBERATION
    page.goto(live_server.url + f"/staff/programmes/{programme.pk}/proposal/")
    submit(page, "#run-form [name=run]")
    assert SelectionRun.objects.latest("pk").status == "infeasible"
    assert page.locator("#quotas-edit a").count() == 2
    lower_quotas(page, programme)
    page.console_errors.clear()
    page.goto(live_server.url + f"/staff/programmes/{programme.pk}/proposal/")
    submit(page, "#run-form [name=run]")
    run = SelectionRun.objects.latest("pk")
    assert run.status == "optimal"
    assert page.url == live_server.url + f"/staff/runs/{run.pk}/"
    assert page.locator("#selected tbody tr").count() == 3

    # The board's decision, both present and for; confirmed.
    submit(page, f"a[href='/staff/runs/{run.pk}/decide/']")
    page.fill("#id_meeting_date", "2029-02-15")
    page.fill("#id_meeting_location", "VVSG, Brussel")
    page.fill("#id_quorum", "2")
    for member in BoardMember.objects.filter(programme=programme):
        page.check(f"#id_present_{member.pk}")
        page.select_option(f"#id_vote_{member.pk}", "for")
    submit(page, "form[novalidate] button[type=submit]")
    submit(page, "form[action$='/confirm/'] button[type=submit]")
    decision = programme.decisions.get()
    assert decision.status == DecisionStatus.CONFIRMED
    pilots = Candidacy.objects.filter(programme=programme, outcome=Outcome.PILOT)
    assert pilots.count() == 3

    # The pilot group met last week, before staff put the meeting in the app: entered from
    # the decision page's link, recorded as held (nobody is mailed), then who came and what
    # was expected.
    pilot = pilots.order_by("municipality__name").first()
    nis = pilot.municipality_id
    decision_url = page.url
    held = plan_meeting(page, "Startbijeenkomst pilootgroep", days=-7)
    assert page.locator("form[action$='/publish/']").count() == 0
    submit(page, "#record-held button")
    assert page.url == live_server.url + f"/staff/meetings/{held.pk}/attendance/"
    attendee = Invitation.objects.get(meeting=held, municipality_id=nis)
    assert Invitation.objects.filter(meeting=held, active=True).count() == 3
    assert not Delivery.objects.filter(meeting=held).exists()
    page.check(f"input[name=attended][value='{attendee.pk}']")
    submit(page, "#submit-id-save")
    attendee.refresh_from_db()
    assert attendee.attended is True
    page.goto(live_server.url + f"/staff/meetings/{held.pk}/expectations/")
    page.select_option("#id_municipality", nis)
    page.fill("#id_text", "Een SDG-werkgroep met alle diensten tegen het najaar.")
    page.check("input[name=audiences][value=civil_servants]")
    submit(page, "#submit-id-record")
    assert Expectation.objects.filter(meeting=held, municipality_id=nis).count() == 1

    # The next meeting, a week ahead, published: its audience is invited.
    page.goto(decision_url)
    meeting = plan_meeting(page, "Tweede bijeenkomst pilootgroep", days=7)
    submit(page, "form[action$='/publish/'] button")
    assert Invitation.objects.filter(meeting=meeting).count() == 3
    log_out(page, live_server)

    # A pilot municipality's contact answers yes and updates the SDG status.
    log_in(page, live_server, f"contact-{nis}@example.org", password)
    invitation = Invitation.objects.get(meeting=meeting, municipality_id=nis)
    page.goto(live_server.url + "/meetings/")
    page.locator(f"#invitation-{invitation.pk} button[value=yes]").click()
    page.wait_for_load_state()
    invitation.refresh_from_db()
    assert invitation.answer == Answer.YES
    versions = StatusVersion.objects.filter(municipality_id=nis).count()
    page.goto(live_server.url + f"/municipalities/{nis}/goals/13/")
    page.check("input[name=today][value=some]")
    page.check("input[name=ambition][value=strong]")
    page.fill("textarea[name=note]", "Klimaatplan goedgekeurd door de gemeenteraad in 2029.")
    submit(page, "button[name=save]")
    assert page.locator(".alert-success").count() == 1
    assert StatusVersion.objects.filter(municipality_id=nis).count() == versions + 1
    log_out(page, live_server)

    # The report, reached from the programme's page, counts the meeting held; and its PDF.
    log_in(page, live_server, "staff@example.org", password)
    page.goto(live_server.url + f"/staff/programmes/{programme.pk}/")
    submit(page, f"#programme-steps a[href='/staff/programmes/{programme.pk}/report/']")
    assert page.locator("#report-hash").inner_text() == decision.scores_hash
    # The meeting recorded as held, with its 3 invited and 1 present; the next one not yet.
    rows = page.locator("#report-meetings tbody tr")
    expect(rows).to_have_count(1)
    cells = rows.first.locator("td")
    expect(cells.nth(1)).to_contain_text(held.title)
    expect(cells.nth(2)).to_have_text("3")
    expect(cells.nth(3)).to_have_text("1")
    with page.expect_download() as download_info:
        page.click("#report-pdf-nl")
    with open(download_info.value.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert page.console_errors == []
