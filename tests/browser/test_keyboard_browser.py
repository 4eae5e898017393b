"""Keyboard only, in Chromium: a board member declares and scores, and a contact fills in an
SDG of the circle exercise, with Tab, Shift+Tab, Space, Enter and the arrow keys; no mouse
click, no scripted value. Every control that takes the focus shows it (:focus-visible)."""

import pytest

from municipalities.models import StatusVersion
from selection.enums import ConflictType, ProgrammePhase, ReviewStatus
from selection.models import ConflictDeclaration, Review
from tests.factories import (
    BoardMemberFactory,
    CandidacyFactory,
    CriterionFactory,
    ProgrammeFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED = (
    "(selector) => document.activeElement !== null && document.activeElement.matches(selector)"
)
FOCUS_VISIBLE = "() => document.activeElement.matches(':focus-visible')"


def tab_to(page, selector: str, *, backwards: bool = False, limit: int = 200) -> int:
    """Press Tab (Shift+Tab backwards) until the element matching `selector` has the focus,
    and check that the focus shows; the number of presses it took."""
    key = "Shift+Tab" if backwards else "Tab"
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        if page.evaluate(FOCUSED, selector):
            assert page.evaluate(FOCUS_VISIBLE), f"the focus on {selector} does not show"
            return presses
    raise AssertionError(f"{key} never reached {selector}")


def checked(page, name: str) -> str | None:
    return page.evaluate(
        "(name) => { const input = document.querySelector(`input[name='${name}']:checked`);"
        " return input ? input.value : null; }",
        name,
    )


def arrow_to(page, name: str, value: str, *, key: str = "ArrowRight", limit: int = 10):
    """In the focused radio group, press an arrow key until `value` is checked."""
    for _ in range(limit):
        if checked(page, name) == value:
            return
        page.keyboard.press(key)
    assert checked(page, name) == value


def keyboard_log_in(page, live_server, email: str, password: str):
    page.goto(live_server.url + "/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED, "#id_password")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def scoring(reference_data, password):
    programme = ProgrammeFactory(phase=ProgrammePhase.SCORING)
    criteria = [
        CriterionFactory(programme=programme, name="Motivatie", position=1),
        CriterionFactory(programme=programme, name="Draagvlak", position=2),
    ]
    candidacy = CandidacyFactory(programme=programme, municipality_id="44021")
    member = BoardMemberFactory(programme=programme, user__password=password)
    return criteria, candidacy, member


def test_keyboard_board_member_declares_and_scores(scoring, page, live_server, password):
    (motivation, support), candidacy, member = scoring
    keyboard_log_in(page, live_server, member.user.email, password)
    assert page.url == live_server.url + "/board/"

    # From the list to the declaration: Tab to the candidacy, Enter.
    tab_to(page, f"a.board-candidacy[href='/board/candidacies/{candidacy.pk}/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/board/candidacies/{candidacy.pk}/declare/")
    tab_to(page, "input[name=conflict_type]")
    page.keyboard.press("Space")
    assert checked(page, "conflict_type") == ConflictType.NONE
    # The arrow keys move through the choices; back to "no conflict".
    page.keyboard.press("ArrowDown")
    assert checked(page, "conflict_type") == ConflictType.EMPLOYMENT
    page.keyboard.press("ArrowUp")
    assert checked(page, "conflict_type") == ConflictType.NONE
    tab_to(page, "#conflict-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/board/candidacies/{candidacy.pk}/")
    declaration = ConflictDeclaration.objects.get(member=member, candidacy=candidacy)
    assert declaration.conflict_type == ConflictType.NONE

    # The review: Space picks "1", the arrows move to "4"; comments are typed.
    tab_to(page, f"input[name=score_{motivation.pk}]")
    page.keyboard.press("Space")
    arrow_to(page, f"score_{motivation.pk}", "4")
    tab_to(page, f"#id_comment_{motivation.pk}")
    page.keyboard.type("Sterke motivatie.")
    tab_to(page, f"input[name=score_{support.pk}]")
    page.keyboard.press("Space")
    arrow_to(page, f"score_{support.pk}", "5")
    # Shift+Tab back to the first criterion, one step down to "3".
    tab_to(page, f"input[name=score_{motivation.pk}]", backwards=True)
    page.keyboard.press("ArrowLeft")
    assert checked(page, f"score_{motivation.pk}") == "3"
    tab_to(page, "#id_comment")
    page.keyboard.type("Goed dossier.")
    tab_to(page, "button[value=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".alert-success").count() == 1

    review = Review.objects.get(member=member, candidacy=candidacy)
    assert review.status == ReviewStatus.SUBMITTED
    assert review.comment == "Goed dossier."
    scores = {score.criterion_id: score for score in review.scores.all()}
    assert {pk: score.value for pk, score in scores.items()} == {motivation.pk: 3, support.pk: 5}
    assert scores[motivation.pk].comment == "Sterke motivatie."
    assert page.console_errors == []


def test_keyboard_contact_fills_in_an_sdg(contact, page, live_server, password):
    keyboard_log_in(page, live_server, contact.user.email, password)
    home = live_server.url + "/municipalities/44021/"
    assert page.url == home

    # From the start page, Tab to SDG 7's tile and open it with Enter.
    tab_to(page, "a[href='/municipalities/44021/goals/7/']")
    page.keyboard.press("Enter")
    page.wait_for_url(home + "goals/7/")

    # Today: from "none" (the initial choice) one step to "some"; the ambition two steps.
    tab_to(page, "input[name=today]")
    assert checked(page, "today") == "none"
    page.keyboard.press("ArrowRight")
    assert checked(page, "today") == "some"
    tab_to(page, "input[name=ambition]")
    arrow_to(page, "ambition", "strong")
    # Two targets with Space, one of them unticked again after a Shift+Tab.
    tab_to(page, "input[name=targets][value='7.2']")
    page.keyboard.press("Space")
    tab_to(page, "input[name=targets][value='7.3']")
    page.keyboard.press("Space")
    tab_to(page, "input[name=targets][value='7.2']", backwards=True)
    page.keyboard.press("Space")
    tab_to(page, "textarea[name=note]")
    page.keyboard.type("Zonnepanelen op alle scholen")
    tab_to(page, "textarea[name=links]")
    page.keyboard.type("https://stad.gent/energie")
    tab_to(page, "button[name=save]")
    page.keyboard.press("Enter")
    page.wait_for_url(home + "goals/")

    assert page.locator(".alert-success").count() == 1
    goal = StatusVersion.objects.get().document["goals"]["7"]
    assert goal["today"] == "some"
    assert goal["ambition"] == "strong"
    assert goal["targets"] == ["7.3"]
    assert goal["note"] == "Zonnepanelen op alle scholen"
    assert goal["links"] == ["https://stad.gent/energie"]
    assert page.console_errors == []
