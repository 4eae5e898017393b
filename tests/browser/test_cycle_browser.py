"""A whole programme cycle in Chromium, as staff would run it without the shell: a new
programme from the staff pages (the administration for its set-up), the call with an import
and an online application, board members who score, the scoring closed, the optimiser, the
board's decision, a pilot group meeting published with attendance and an expectation, a
contact who answers and updates the SDG status, and the report with its PDF.
"""

import csv
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from demo.services import demo_seed
from meetings.enums import Answer, MeetingAudience, MeetingKind
from meetings.models import Expectation, Invitation, Meeting
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


def pick(page, select_id, text):
    """Choose an option of the admin's autocomplete (select2) widget by typing."""
    page.locator(f"#{select_id}").locator(
        "xpath=following-sibling::span[contains(@class, 'select2')]"
    ).first.click()
    with page.expect_response(lambda r: "autocomplete" in r.url and "term=" in r.url):
        page.fill(".select2-search__field", text)
    expect(page.locator(".select2-results__option:not(.loading-results)")).to_have_count(1)
    page.keyboard.press("Enter")


def create_programme(page, live_server):
    """From the overview to the administration's form, with criteria and board members."""
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

    # Two board members, in the programme's inline.
    page.goto(live_server.url + f"/admin/selection/programme/{programme.pk}/change/")
    for index, (email, organisation) in enumerate(MEMBERS.items()):
        if not page.locator(f"#id_board_members-{index}-user").count():
            page.click("#board_members-group .add-row a")
        pick(page, f"id_board_members-{index}-user", email)
        pick(page, f"id_board_members-{index}-organisation", organisation)
    submit(page, "input[name=_continue]")
    assert set(programme.board_members.values_list("user__email", flat=True)) == set(MEMBERS)
    return programme


def lower_quotas(page, live_server, programme):
    """The standard quotas are sized for a pilot group of twenty: each diversity criterion's
    minimums go to 0 on its administration page (the run page links there)."""
    page.goto(
        live_server.url
        + f"/admin/selection/criterion/?programme__id__exact={programme.pk}&kind__exact=diversity"
    )
    links = [a.get_attribute("href") for a in page.locator("#result_list tbody th a").all()]
    assert len(links) == 8
    for href in links:
        page.goto(live_server.url + href)
        total = page.locator("input[name$=TOTAL_FORMS]").first
        prefix = total.get_attribute("name").removesuffix("-TOTAL_FORMS")
        for index in range(int(total.get_attribute("value"))):
            page.fill(f"#id_{prefix}-{index}-minimum", "0")
            page.fill(f"#id_{prefix}-{index}-maximum", "")
        submit(page, "input[name=_save]")
        assert "/change/" not in page.url
    assert not Quota.objects.filter(criterion__programme=programme, minimum__gt=0).exists()


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
    lower_quotas(page, live_server, programme)
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

    # The decision page leads to a pilot group meeting, its form filled in for it.
    submit(page, "#next-meeting")
    assert page.locator("#id_programme option:checked").inner_text() == NAME
    assert page.input_value("#id_kind") == MeetingKind.PILOT_MEETING
    assert page.input_value("#id_audience") == MeetingAudience.PILOT
    start = timezone.localtime() + timedelta(days=7)
    page.fill("#id_title", "Startbijeenkomst pilootgroep")
    page.fill("#id_starts_at", start.strftime("%Y-%m-%dT10:00"))
    page.fill("#id_ends_at", start.strftime("%Y-%m-%dT12:00"))
    page.fill("#id_location", "VVSG, Brussel")
    submit(page, "#submit-id-save")
    meeting = Meeting.objects.get(programme=programme)
    assert page.url == live_server.url + f"/staff/meetings/{meeting.pk}/"
    submit(page, "form[action$='/publish/'] button")
    assert Invitation.objects.filter(meeting=meeting).count() == 3
    log_out(page, live_server)

    # A pilot municipality's contact answers yes and updates the SDG status.
    pilot = pilots.order_by("municipality__name").first()
    nis = pilot.municipality_id
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

    # The meeting took place (attendance opens at its start): who came, what was expected.
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1)
    )
    log_in(page, live_server, "staff@example.org", password)
    page.goto(live_server.url + f"/staff/meetings/{meeting.pk}/attendance/")
    page.check(f"input[name=attended][value='{invitation.pk}']")
    submit(page, "#submit-id-save")
    invitation.refresh_from_db()
    assert invitation.attended is True
    page.goto(live_server.url + f"/staff/meetings/{meeting.pk}/expectations/")
    page.select_option("#id_municipality", nis)
    page.fill("#id_text", "Een SDG-werkgroep met alle diensten tegen het najaar.")
    page.check("input[name=audiences][value=civil_servants]")
    submit(page, "#submit-id-record")
    assert Expectation.objects.filter(meeting=meeting, municipality_id=nis).count() == 1

    # The report, reached from the programme's page, and its PDF.
    page.goto(live_server.url + f"/staff/programmes/{programme.pk}/")
    submit(page, f"#programme-steps a[href='/staff/programmes/{programme.pk}/report/']")
    assert page.locator("#report-hash").inner_text() == decision.scores_hash
    with page.expect_download() as download_info:
        page.click("#report-pdf-nl")
    with open(download_info.value.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert page.console_errors == []
