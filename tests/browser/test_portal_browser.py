"""A contact keeps the circle exercise up to date on a phone, in Chromium."""

import pytest

from municipalities.models import StatusVersion
from tests.browser.helpers import log_in, watched_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def phone(browser):
    page = watched_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    yield page
    page.context.close()


def test_browser_contact_updates_an_sdg_on_a_phone(phone, live_server, contact, password):
    page = phone
    log_in(page, live_server, contact.user.email, password)
    home = live_server.url + "/municipalities/44021/"
    assert page.url == home
    assert page.evaluate(NO_HORIZONTAL_SCROLL)

    # The circle exercise, from the start page.
    page.locator("a[href='/municipalities/44021/goals/']").first.click()
    page.wait_for_load_state()
    assert page.locator("#portal-goals .sdg-tile").count() == 17
    assert page.evaluate(NO_HORIZONTAL_SCROLL)

    page.click("#goal-7")
    page.wait_for_load_state()
    assert page.url == home + "goals/7/"
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    page.check("input[name=today][value=some]")
    page.check("input[name=ambition][value=strong]")
    page.check("input[name=targets][value='7.2']")
    page.fill("textarea[name=note]", "Zonnepanelen op alle scholen")
    page.fill("textarea[name=links]", "https://stad.gent/energie")
    page.click("button[name=save]")
    page.wait_for_load_state()

    # Back on the goals page, SDG 7 shows the new values.
    assert page.url == home + "goals/"
    assert page.locator(".alert-success").count() == 1
    tile = page.locator("#goal-7")
    assert tile.locator(".portal-today").get_attribute("data-value") == "some"
    assert tile.locator(".portal-ambition").get_attribute("data-value") == "strong"
    assert "1" in tile.locator(".portal-targets-count").inner_text()
    version = StatusVersion.objects.get()
    assert version.document["goals"]["7"]["targets"] == ["7.2"]

    # And in the history, with who made the change.
    page.goto(home + "history/")
    entry = page.locator("#version-1")
    assert contact.user.get_full_name() in entry.inner_text()
    assert "SDG 7" in entry.locator(".portal-changes").inner_text()
    assert page.locator("#portal-history form").count() == 0  # no restore for a contact
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    assert page.console_errors == []
