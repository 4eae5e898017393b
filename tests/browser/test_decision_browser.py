"""The board's decision, tried in Chromium as staff would: a decision the board voted against
cannot be confirmed, a score changed after the run blocks confirmation until a re-run, and
the phase moves from the programme's page."""

import pytest

from selection.enums import DecisionStatus, Outcome, ProgrammePhase
from selection.models import Candidacy, Decision, Score, SelectionRun
from tests.browser.helpers import log_in
from tests.factories import UserFactory, scored_programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff(password):
    return UserFactory(email="staff@example.org", is_staff=True, password=password)


def record(page, live_server, run, members, vote):
    page.goto(live_server.url + f"/staff/runs/{run.pk}/decide/")
    page.fill("#id_meeting_date", "2017-05-02")
    page.fill("#id_meeting_location", "VVSG, Brussel")
    page.fill("#id_quorum", "7")
    assert page.locator("#id_rule").input_value() == "unanimity"
    for member in members:
        page.check(f"#id_present_{member.pk}")
        page.select_option(f"#id_vote_{member.pk}", vote)
    page.click("form[novalidate] button[type=submit]")
    page.wait_for_load_state()
    return Decision.objects.latest("pk")


def test_browser_a_decision_all_twelve_voted_against_is_not_confirmed(
    reference_data, staff, page, live_server, password
):
    programme = scored_programme(per_province=5, size=8, members=12, phase=ProgrammePhase.SCORING)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server, staff.email, password)

    # Staff move the programme to the deliberation from its page.
    page.goto(live_server.url + f"/staff/programmes/{programme.pk}/")
    page.click("#phase-forward button")
    page.wait_for_load_state()
    assert "Beraadslaging" in page.locator("#current-phase").inner_text()

    page.goto(live_server.url + f"/staff/programmes/{programme.pk}/proposal/")
    page.click("#run-form [name=run]")
    page.wait_for_load_state()
    run = SelectionRun.objects.latest("pk")
    members = list(programme.board_members.order_by("pk"))

    decision = record(page, live_server, run, members, "against")
    assert page.url == live_server.url + f"/staff/decisions/{decision.pk}/"
    assert "nee" in page.locator("#carried").inner_text()
    page.click("form[action$='/confirm/'] button[type=submit]")
    page.wait_for_load_state()
    alert = page.locator(".alert-danger, .alert-error").first.inner_text()
    assert "0 voor, 12 tegen" in alert
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DRAFT
    assert not Candidacy.objects.filter(programme=programme, outcome=Outcome.PILOT).exists()

    # A score changes after the run: the decision page names the municipality and offers a
    # re-run; the new run can be decided on.
    page.click("form[action$='/discard/'] button[type=submit]")
    page.wait_for_load_state()
    decision = record(page, live_server, run, members, "for")
    score = Score.objects.filter(review__candidacy__programme=programme).select_related(
        "review__candidacy__municipality"
    )[0]
    score.value = 5 if score.value != 5 else 1
    score.save()
    page.goto(live_server.url + f"/staff/decisions/{decision.pk}/")
    changed = page.locator("#changed-candidacies").inner_text()
    assert score.review.candidacy.municipality.name in changed
    page.click("form[action$='/confirm/'] button[type=submit]")
    page.wait_for_load_state()
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DRAFT
    page.click("#run-stale button[type=submit]")
    page.wait_for_load_state()
    new = SelectionRun.objects.latest("pk")
    assert new.pk != run.pk
    assert page.url == live_server.url + f"/staff/runs/{new.pk}/"
    decision = record(page, live_server, new, members, "for")
    page.click("form[action$='/confirm/'] button[type=submit]")
    page.wait_for_load_state()
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.CONFIRMED
    assert Candidacy.objects.filter(programme=programme, outcome=Outcome.PILOT).count() == 8
    assert page.console_errors == []
