"""The responder's phone in a real browser: most urgent first, an alert on a new assignment, the
acknowledgement countdown, and the installable app that keeps the list readable without signal and
sends the taps made meanwhile, in order, when the signal is back.

Real daphne (tests.browser), real headless chromium at 390×844. The operating system's notification
and vibration are the machine's edge: an init script records them instead.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.assignments import Pick, do_assign, do_cancel
from dispatch.models import Agency, Assignment, AssignmentStatus, Responder
from incidents.models import Incident
from tests.browser import in_thread, login, new_page
from tests.factories import make_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "th-TH"}
A = AssignmentStatus

# What the phone's operating system would do, recorded: notifications shown and vibrations.
EDGE = """
window.__shown = [];
window.__vibrations = 0;
class RecordedNotification {
  constructor(title, options) { window.__shown.push(title); }
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
}
window.Notification = RecordedNotification;
if (window.ServiceWorkerRegistration) {
  ServiceWorkerRegistration.prototype.showNotification = function (title) {
    window.__shown.push(title);
    return Promise.resolve();
  };
}
Object.defineProperty(navigator, "vibrate", { value: function () { window.__vibrations += 1; return true; } });
"""


def assign_new(agency_code: str, priority: int, minutes_ago: int = 0) -> Incident:
    """Run inside the live server (page.ess_server.call), so its live update reaches the phone."""
    incident = make_incident(priority=priority, received_at=timezone.now() - timedelta(minutes=minutes_ago))
    do_assign(incident, [Pick(Agency.objects.get(code=agency_code))])
    return incident


def phone_for(browser, server, responder):
    phone = new_page(browser, server, **PHONE)
    phone.context.add_init_script(EDGE)
    login(phone, responder)
    return phone


def test_it_sorts_by_priority_then_age_and_alerts_on_a_new_assignment(browser, daphne_server, responder_bkk):
    Responder.objects.filter(user=responder_bkk).update(on_duty=True)
    older_p2 = daphne_server.call(
        "tests.dispatch.test_responder_browser.assign_new", agency_code="bkk-police", priority=2, minutes_ago=30
    )
    phone = phone_for(browser, daphne_server, responder_bkk)
    phone.goto("/responder/")
    phone.wait_for_selector("#live-state[data-state=live]", timeout=5000)
    # The first visit announces what is waiting; a tap anywhere puts the title back.
    phone.wait_for_function("document.documentElement.dataset.alerts === '1'")
    phone.tap("article .ref")
    assert "🔔" not in phone.title()

    newer_p1 = daphne_server.call(
        "tests.dispatch.test_responder_browser.assign_new", agency_code="bkk-police", priority=1
    )
    card = f'article[data-reference="{newer_p1["repr"]}"]'
    phone.wait_for_selector(card, timeout=5000)
    phone.wait_for_function("document.documentElement.dataset.alerts === '2'", timeout=5000)
    alert = phone.evaluate("window.essAlerts[1]")
    assert alert["references"] == [newer_p1["repr"]]
    assert {"title", "sound", "vibration", "notification"} <= set(alert["channels"])
    assert phone.title().startswith("🔔 (1) งานใหม่")
    assert phone.evaluate("window.__vibrations") == 2 and len(phone.evaluate("window.__shown")) == 2
    # The newer P1 is above the older P2.
    refs = phone.eval_on_selector_all("article[data-reference]", "els => els.map(e => e.dataset.reference)")
    assert refs == [newer_p1["repr"], older_p2["repr"]]
    # Its acknowledgement deadline counts down (5 minutes for a P1), in Thai.
    countdown = phone.inner_text(f"{card} [data-ack-due]")
    # "Time left", not "within 4:59": at night "ภายใน 4:59" reads as a clock time.
    assert countdown.startswith("เหลือเวลารับเรื่อง 4:") or countdown == "เหลือเวลารับเรื่อง 5:00", countdown
    phone.context.close()


def test_it_stays_readable_offline_and_sends_the_taps_made_without_signal_in_order(
    browser, daphne_server, responder_bkk, agencies, operator
):
    Responder.objects.filter(user=responder_bkk).update(on_duty=True)
    urgent = make_incident(priority=1, received_at=timezone.now() - timedelta(minutes=3))
    later = make_incident(priority=2, received_at=timezone.now() - timedelta(minutes=10))
    [first] = in_thread(do_assign, urgent, [Pick(agencies["bkk"])], actor=operator)
    [second] = in_thread(do_assign, later, [Pick(agencies["bkk"])], actor=operator)
    phone = phone_for(browser, daphne_server, responder_bkk)
    phone.goto("/responder/")
    # Installable: a manifest, and a service worker that controls the page.
    assert phone.locator('link[rel="manifest"]').count() == 1
    phone.wait_for_function("navigator.serviceWorker.controller !== null", timeout=10000)
    phone.reload()  # this visit goes through the service worker, which keeps the list
    phone.wait_for_selector("#live-state[data-state=live]", timeout=5000)

    phone.context.set_offline(True)
    phone.reload()  # no signal: the kept copy answers
    a = f'article[data-reference="{urgent.reference}"]'
    b = f'article[data-reference="{later.reference}"]'
    phone.wait_for_selector(a)
    assert phone.locator(b).count() == 1
    phone.tap(f'{a} button[data-step="acknowledged"]')
    phone.tap(f'{a} button[data-step="en_route"]')  # the next step is offered at once
    phone.tap(f'{b} button[data-step="acknowledged"]')
    phone.wait_for_selector('#queue-state[data-queued="3"]')
    assert "3" in phone.inner_text("#queue-state")
    assert {x.status for x in Assignment.objects.filter(pk__in=[first.pk, second.pk])} == {A.PENDING}

    phone.context.set_offline(False)
    phone.wait_for_selector('#queue-state[data-queued="0"]', state="attached", timeout=15000)
    phone.wait_for_selector(f'{a}[data-status="en_route"]', timeout=5000)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (A.EN_ROUTE, A.ACKNOWLEDGED)
    # In the order they were tapped.
    assert first.acknowledged_at < first.en_route_at < second.acknowledged_at
    phone.context.close()


def test_a_tap_refused_meanwhile_is_dropped_and_the_rest_still_go(browser, daphne_server, responder_bkk, agencies):
    Responder.objects.filter(user=responder_bkk).update(on_duty=True)
    gone = make_incident(priority=1)
    stays = make_incident(priority=2)
    [dropped] = in_thread(do_assign, gone, [Pick(agencies["bkk"])])
    [kept] = in_thread(do_assign, stays, [Pick(agencies["bkk"])])
    phone = phone_for(browser, daphne_server, responder_bkk)
    phone.goto("/responder/")
    phone.wait_for_selector("#live-state[data-state=live]", timeout=5000)
    phone.context.set_offline(True)
    phone.tap(f'article[data-reference="{gone.reference}"] button[data-step="acknowledged"]')
    phone.tap(f'article[data-reference="{stays.reference}"] button[data-step="acknowledged"]')
    phone.wait_for_selector('#queue-state[data-queued="2"]')
    # Meanwhile the operator stood the first agency down.
    in_thread(do_cancel, dropped, "ซ้ำกับเรื่องอื่น")
    phone.context.set_offline(False)
    phone.wait_for_selector('#queue-state[data-queued="0"]', state="attached", timeout=15000)
    kept.refresh_from_db()
    assert kept.status == A.ACKNOWLEDGED
    assert Assignment.objects.get(pk=dropped.pk).status == A.CANCELLED
    assert gone.reference in phone.inner_text("#queue-state")  # said why it was not done
    phone.context.close()
