"""#11 item 5 in chromium: a supervisor enrols an authenticator with a code computed from the secret on the
page, logs out, logs in with password and code, then with a recovery code — once; the second use of that
code is refused."""

import pytest

from tests.browser import new_page, start_daphne
from tests.conftest import PASSWORD
from tests.two_factor import authenticator, code_for, code_from_secret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def password(page, user) -> None:
    page.goto("/accounts/login/?next=/dashboard/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form:has(input[name=password]) [type=submit]")
    page.wait_for_load_state()


def code(page, value: str) -> None:
    page.fill("input[name=code]", value)
    page.click("main form:has(input[name=code]) [type=submit]")
    page.wait_for_load_state()


def log_out(page) -> None:
    page.click("header form[action='/accounts/logout/'] button")
    page.wait_for_url("**/accounts/login/")


def test_enrol_then_log_in_with_a_code_and_with_a_recovery_code_once(browser, supervisor_bkk):
    server = start_daphne()
    page = new_page(browser, server)
    try:
        password(page, supervisor_bkk)
        assert "/accounts/two-factor/setup/" in page.url
        assert page.locator(".qr svg").count() == 1
        code(page, code_from_secret(page.text_content("#totp-secret")))
        codes = [c.strip() for c in page.locator("#recovery-codes code").all_text_contents()]
        assert len(codes) == 10
        page.click("main a.button.primary")
        page.wait_for_url("**/dashboard/")
        log_out(page)

        password(page, supervisor_bkk)
        assert "/accounts/two-factor/" in page.url and "setup" not in page.url
        code(page, code_for(authenticator(supervisor_bkk)))
        assert page.url.endswith("/dashboard/")
        log_out(page)

        password(page, supervisor_bkk)
        code(page, codes[0])
        assert page.url.endswith("/dashboard/")
        log_out(page)

        password(page, supervisor_bkk)
        code(page, codes[0])  # used up
        assert "/accounts/two-factor/" in page.url
        assert page.locator("[role=alert]").count() == 1
        page.goto("/dashboard/")
        assert "/accounts/two-factor/" in page.url
    finally:
        page.context.close()
        server.stop()
