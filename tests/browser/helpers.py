"""What the browser journeys share."""


def log_in(page, live_server, email, password):
    """Log in through the login page, as a person would."""
    page.goto(live_server.url + "/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("#submit-id-submit")
    page.wait_for_load_state()


def desktop_page(browser, *, locale: str):
    """A new context's page at desktop size that gathers its console errors in
    `page.console_errors`; close it with `page.context.close()`."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    return page
