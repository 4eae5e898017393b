"""What the browser journeys share."""


def log_in(page, live_server, email, password):
    """Log in through the login page, as a person would."""
    page.goto(live_server.url + "/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("#submit-id-submit")
    page.wait_for_load_state()
