import pytest

from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_browser_staff_logs_in_in_dutch_and_switches_to_english(
    page, live_server, staff_user, password, reference_data
):
    log_in(page, live_server, staff_user.email, password)
    assert page.url == live_server.url + "/staff/dashboard/"
    assert page.locator("html").get_attribute("lang") == "nl"
    page.goto(live_server.url + "/staff/")
    assert page.locator("h1").inner_text() == "Overzicht van het traject"
    page.click("button[value=en]")
    page.wait_for_load_state()
    assert page.url == live_server.url + "/staff/"
    assert page.locator("h1").inner_text() == "Programme overview"
    assert page.console_errors == []


def test_browser_contact_lands_on_municipality_on_a_phone(browser, live_server, contact, password):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    log_in(page, live_server, contact.user.email, password)
    assert page.url == live_server.url + "/municipalities/44021/"
    assert page.locator("h1").inner_text() == "Gent"
    assert page.locator(".sdg-tile").count() == 17
    # No horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert errors == []
    context.close()


def test_browser_wrong_password_shows_dutch_error(page, live_server, board_member):
    log_in(page, live_server, board_member.user.email, "wrong password")
    assert "/accounts/login/" in page.url
    assert "horen bij geen enkel account" in page.locator(".alert-danger").inner_text()
