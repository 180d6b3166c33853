"""#11 item 7 in chromium: every page works under the Content-Security-Policy (no inline script), and
none logs a violation."""

import pytest

from dispatch.assignments import Pick, do_assign
from tests.browser import in_thread, login, new_page
from tests.factories import make_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONSOLE_PAGES = ["/accounts/login/", "/console/", "/dashboard/", "/dashboard/cases/", "/dashboard/daily/", "/api/docs"]


def visit(page, paths) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    for path in paths:
        response = page.goto(path)
        assert response.status < 400, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("networkidle")
    return violations


@pytest.fixture
def page(browser, daphne_server):
    page = new_page(browser, daphne_server, bypass_csp=False)  # the policy as a real browser applies it
    yield page
    page.context.close()


def test_no_page_logs_a_csp_violation(page, admin_user, operator, agencies):
    case = in_thread(make_incident)
    in_thread(lambda: do_assign(case, [Pick(agencies["bkk"])], actor=operator))
    login(page, admin_user)
    violations = visit(
        page,
        [
            *CONSOLE_PAGES,
            f"/console/?case={case.pk}",
            "/responder/",
            "/admin/",
            # The login security pages (#11 item 5): the set-up page's QR code is inline SVG, no script.
            "/accounts/security/",
            "/accounts/staff/",
            "/accounts/two-factor/setup/",
        ],
    )
    # The case panel opens through HTMX on the console page.
    page.goto("/console/")
    page.wait_for_load_state("networkidle")
    assert violations == []
