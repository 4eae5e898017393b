"""The three role journeys end to end in Chromium, on the demo programmes, at 1280x800:
a board member declares a conflict and scores; a contact updates the SDG status and answers
an invitation; staff run the optimiser, record the decision and download the report.

Each journey checks every page it passes with axe-core and saves a few screenshots under
docs/screenshots/, which the README shows.
"""

import os
import re
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from demo.services import demo_seed
from meetings.enums import Answer
from meetings.models import Invitation
from municipalities.models import StatusVersion
from selection.enums import ConflictType, DecisionStatus, Outcome, ReviewStatus
from selection.models import BoardMember, Candidacy, ConflictDeclaration, Review
from tests.browser.helpers import log_in, watched_page
from tests.browser.test_a11y_browser import assert_accessible, pilot_meeting
from tests.browser.test_decision_browser import record
from tests.browser.test_selection_browser import run_optimiser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The README's pictures are written only when asked (UPDATE_SCREENSHOTS=1), so that a test
# run leaves the working tree as it was; otherwise they go to a scratch folder.
SCREENSHOTS = (
    Path(settings.BASE_DIR) / "docs" / "screenshots"
    if os.environ.get("UPDATE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "sdgpilot-screenshots"
)
VIEWPORT = {"width": 1280, "height": 800}


def screenshot(page, name: str):
    """Save the top of the page, 1280x800, as docs/screenshots/<name>.png in 256 colours
    (a fraction of the full-colour file's size, and as legible)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path))
    try:
        from PIL import Image
    except ImportError:  # the full-colour file is kept as Playwright wrote it
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def visit(page, name: str | None = None):
    """Check the page as it is now with axe-core; save a screenshot when given a name."""
    assert_accessible(page)
    if name:
        screenshot(page, name)


@pytest.fixture
def journey_page(browser):
    """A desktop page; its context bypasses the CSP so that axe-core can be injected."""
    page = watched_page(browser, viewport=VIEWPORT, locale="nl-BE", bypass_csp=True)
    yield page
    page.context.close()


@pytest.fixture
def demo(reference_data, password):
    return demo_seed(password=password)


def test_journey_board_member_declares_a_conflict_and_scores(
    demo, journey_page, live_server, password
):
    page = journey_page
    member = BoardMember.objects.get(programme=demo.current, user__email="board01@example.org")
    log_in(page, live_server, member.user.email, password)
    assert page.url == live_server.url + "/board/"
    visit(page, "board-1-candidates")

    # A conflict of interest on the first candidate: its dossier stays closed.
    first, second = page.locator("section").first.locator("a.board-candidacy").all()[:2]
    first_pk = int(re.search(r"/(\d+)/", first.get_attribute("href")).group(1))
    second_pk = int(re.search(r"/(\d+)/", second.get_attribute("href")).group(1))
    first.click()
    page.wait_for_load_state()
    assert page.url == live_server.url + f"/board/candidacies/{first_pk}/declare/"
    page.check("input[name=conflict_type][value=political]")
    page.fill("#id_note", "Ik ben gemeenteraadslid in deze gemeente.")
    visit(page, "board-2-conflict")
    page.click("#conflict-form button[type=submit]")
    page.wait_for_load_state()
    assert page.url == live_server.url + "/board/"
    visit(page)
    conflict = ConflictDeclaration.objects.get(member=member, candidacy_id=first_pk)
    assert conflict.conflict_type == ConflictType.POLITICAL

    # The second: no conflict, then a score on each judgement criterion, submitted.
    page.goto(live_server.url + f"/board/candidacies/{second_pk}/declare/")
    page.check("input[name=conflict_type][value=none]")
    page.click("#conflict-form button[type=submit]")
    page.wait_for_load_state()
    assert page.url == live_server.url + f"/board/candidacies/{second_pk}/"
    rows = page.locator("fieldset.board-score")
    for index in range(rows.count()):
        rows.nth(index).locator("label").nth(index + 2).click()
    page.fill("#id_comment", "Duidelijke link met het meerjarenplan.")
    visit(page, "board-3-dossier")
    page.click("button[value=submit]")
    page.wait_for_load_state()
    visit(page)

    review = Review.objects.get(member=member, candidacy_id=second_pk)
    assert review.status == ReviewStatus.SUBMITTED
    assert sorted(score.value for score in review.scores.all()) == [3, 4, 5]
    assert not Review.objects.filter(member=member, candidacy_id=first_pk).exists()
    page.goto(live_server.url + "/board/")
    assert page.locator(".board-progress-wrap label").first.inner_text() == "1 / 49 beoordeeld"
    assert page.console_errors == []


def test_journey_contact_updates_the_sdg_status_and_answers_an_invitation(
    demo, journey_page, live_server, password
):
    page = journey_page
    meeting = pilot_meeting(demo)
    invitation = Invitation.objects.filter(meeting=meeting).select_related("user").first()
    nis = invitation.municipality_id
    home = live_server.url + f"/municipalities/{nis}/"
    log_in(page, live_server, invitation.user.email, password)
    assert page.url == home
    visit(page, "contact-1-municipality")

    # SDG 7 of the circle exercise, from the start page's tile.
    versions = StatusVersion.objects.filter(municipality_id=nis).count()
    page.locator(f"a[href='/municipalities/{nis}/goals/7/']").first.click()
    page.wait_for_load_state()
    assert page.url == home + "goals/7/"
    page.check("input[name=today][value=some]")
    page.check("input[name=ambition][value=strong]")
    page.check("input[name=targets][value='7.2']")
    page.fill("textarea[name=note]", "Zonnepanelen op alle scholen tegen 2028.")
    visit(page, "contact-2-goal")
    page.click("button[name=save]")
    page.wait_for_load_state()
    assert page.url == home + "goals/"
    assert page.locator(".alert-success").count() == 1
    visit(page)
    latest = StatusVersion.objects.filter(municipality_id=nis).latest("number")
    assert StatusVersion.objects.filter(municipality_id=nis).count() == versions + 1
    assert latest.document["goals"]["7"]["today"] == "some"
    assert latest.document["goals"]["7"]["targets"] == ["7.2"]

    # The invitation: "yes" from the meetings page.
    page.locator("#main-nav a[href='/meetings/']").click()
    page.wait_for_load_state()
    card = page.locator(f"#invitation-{invitation.pk}")
    assert "Werksessie meerjarenplan" in card.inner_text()
    card.locator("button[value=yes]").click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").count() == 1
    assert card.locator(".meeting-answer").get_attribute("data-answer") == "yes"
    visit(page, "contact-3-meetings")
    invitation.refresh_from_db()
    assert invitation.answer == Answer.YES
    assert page.console_errors == []


def test_journey_staff_run_the_optimiser_record_the_decision_and_download_the_report(
    demo, journey_page, live_server, password
):
    page = journey_page
    programme = demo.current
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server, "staff@example.org", password)
    visit(page, "staff-1-start")

    # The scoring closes from the programme's page; the optimiser proposes twenty.
    page.goto(live_server.url + f"/staff/programmes/{programme.pk}/")
    page.click("#phase-forward button")
    page.wait_for_load_state()
    assert "Beraadslaging" in page.locator("#current-phase").inner_text()
    visit(page)
    run = run_optimiser(page, live_server, programme)
    assert run.status == "optimal"
    assert page.locator("#selected tbody tr").count() == 20
    visit(page, "staff-2-proposal")

    # The board's decision: twelve present, all for; confirmed.
    page.click(f"a[href='/staff/runs/{run.pk}/decide/']")
    page.wait_for_load_state()
    visit(page)
    members = list(programme.board_members.filter(active=True).order_by("pk"))
    decision = record(page, live_server, run, members, "for")
    assert page.url == live_server.url + f"/staff/decisions/{decision.pk}/"
    page.click("form[action$='/confirm/'] button[type=submit]")
    page.wait_for_load_state()
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.CONFIRMED
    assert page.locator("h1 .badge").inner_text() == "Bevestigd"
    visit(page, "staff-3-decision")
    pilots = Candidacy.objects.filter(programme=programme, outcome=Outcome.PILOT)
    assert pilots.count() == 20

    # The state-of-affairs report, on screen and as a PDF.
    page.goto(live_server.url + reverse("reports:report", kwargs={"programme_pk": programme.pk}))
    visit(page, "staff-4-report")
    assert page.locator("#report-hash").inner_text() == decision.scores_hash
    with page.expect_download() as download_info:
        page.click("#report-pdf-nl")
    download = download_info.value
    assert download.suggested_filename.endswith("-nl.pdf")
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert page.console_errors == []
