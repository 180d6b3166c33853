"""axe-core (vendored from npm: static/vendor/axe-core) over every kind of page staff use, in Thai, in the
light and the dark theme: no serious or critical violation. And the dark theme itself: it follows the
system, and the switch in the top bar overrides it and is remembered.

Real daphne (tests.browser), real headless chromium.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.assignments import Pick, do_assign
from dispatch.models import Presence, Responder
from tests.browser import ROOT, in_thread, login, new_page
from tests.factories import make_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def blank_tiles(page):
    """Map tiles come from the internet in production; here each is a plain grey square."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (256, 256), (230, 235, 240, 255)).save(out, "PNG")
    tile = out.getvalue()
    page.context.route(
        "https://tile.openstreetmap.org/**",
        lambda route: route.fulfill(status=200, content_type="image/png", body=tile),
    )


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
             const r = await axe.run(document, {resultTypes: ["violations"]});
             return r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v =>
               v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3).map(n => n.target.join(" ") + " — " +
               (n.failureSummary || "").replace(/\\s+/g, " ").slice(0, 160)).join(" | "));
           }"""
    )
    return result


def each_theme(page, path: str, ready: str) -> dict[str, list[str]]:
    found = {}
    for theme in ("light", "dark"):
        page.emulate_media(color_scheme=theme)
        page.goto(path)
        page.wait_for_selector(ready)
        found[theme] = serious_violations(page)
    return found


@pytest.fixture
def busy(agencies, operator, responder_bkk):
    Responder.objects.filter(user=responder_bkk).update(on_duty=True)
    Presence.objects.create(user=operator, channel_name="a11y-op")
    cases = [
        in_thread(make_incident, priority=p, received_at=timezone.now() - timedelta(minutes=m), description="ขู่จะทำร้าย")
        for p, m in ((1, 40), (2, 25), (3, 5))
    ]
    in_thread(do_assign, cases[0], [Pick(agencies["bkk"])], actor=operator)
    return cases


def test_the_login_page(browser, daphne_server):
    page = new_page(browser, daphne_server)
    assert each_theme(page, "/accounts/login/", "input[name=password]") == {"light": [], "dark": []}


def test_the_console_and_the_case_panel(browser, daphne_server, operator, busy):
    page = new_page(browser, daphne_server)
    blank_tiles(page)
    login(page, operator)
    assert each_theme(page, "/console/", f"#case-{busy[1].pk}") == {"light": [], "dark": []}
    for theme in ("light", "dark"):
        page.emulate_media(color_scheme=theme)
        page.goto("/console/")
        page.click(f"#case-{busy[1].pk}")
        page.wait_for_selector("#panel .panel-body")
        assert serious_violations(page) == [], theme


def test_the_responder_phone(browser, daphne_server, responder_bkk, busy):
    page = new_page(browser, daphne_server, **PHONE)
    login(page, responder_bkk)
    assert each_theme(page, "/responder/", "article[data-reference]") == {"light": [], "dark": []}


def test_the_dashboard_and_the_daily_summary(browser, daphne_server, supervisor_bkk, busy):
    page = new_page(browser, daphne_server)
    blank_tiles(page)
    login(page, supervisor_bkk)
    assert each_theme(page, "/dashboard/", "[data-question=oldest]") == {"light": [], "dark": []}
    assert each_theme(page, "/dashboard/daily/", "[data-signoff]") == {"light": [], "dark": []}
    page.goto("about:blank")


def test_the_login_security_pages(browser, daphne_server, supervisor_bkk, operator):
    page = new_page(browser, daphne_server)
    login(page, supervisor_bkk)
    assert each_theme(page, "/accounts/staff/", "table.staff-security") == {"light": [], "dark": []}
    assert each_theme(page, "/accounts/security/", "#two-factor-state") == {"light": [], "dark": []}
    assert each_theme(page, "/accounts/two-factor/setup/", "#totp-secret") == {"light": [], "dark": []}


def test_the_theme_follows_the_system_and_the_switch_overrides_it(browser, daphne_server, operator):
    page = new_page(browser, daphne_server, color_scheme="dark")
    login(page, operator)
    page.goto("/dashboard/")

    def background():
        return page.evaluate("getComputedStyle(document.body).backgroundColor")

    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    dark = background()
    page.emulate_media(color_scheme="light")  # the system changes: the page follows, without a reload
    page.wait_for_function("document.documentElement.dataset.theme === 'light'")
    light = background()
    assert dark != light
    assert sum(int(x) for x in dark[4:-1].split(",")) < 150  # dark: low RGB
    # The switch: light → dark by hand, kept across pages, whatever the system says.
    page.click("#theme-toggle")
    while page.evaluate("document.documentElement.dataset.theme") != "dark":
        page.click("#theme-toggle")
    assert background() == dark
    page.goto("/console/")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert background() == dark
    page.goto("about:blank")
