"""What the browser journeys share."""


def log_in(page, live_server, email, password):
    """Log in through the login page, as a person would."""
    page.goto(live_server.url + "/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("#submit-id-submit")
    page.wait_for_load_state()


DESKTOP = {"width": 1280, "height": 900}


def watched_page(browser, **context_options):
    """A page in a new browser context (`context_options` go to `new_context`; a desktop
    viewport unless told otherwise) that gathers its console errors in
    `page.console_errors`; close it with `page.context.close()`."""
    context = browser.new_context(**{"viewport": DESKTOP, **context_options})
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    return page
