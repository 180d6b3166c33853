"""/metrics: the on-call figures in Prometheus' text format, behind a bearer token."""

import datetime as dt

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from dispatch import presence
from incidents.line import inbox
from incidents.models import Message, Status
from tests.factories import make_incident

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN

    def get() -> dict[tuple[str, tuple], float]:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/plain; version=")
        samples = {}
        for family in text_string_to_metric_families(response.content.decode()):
            for sample in family.samples:
                samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return samples

    return get


def test_it_does_not_exist_without_a_token_configured(client, db, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_it_refuses_a_missing_or_wrong_token(client, db, settings, header):
    settings.METRICS_TOKEN = TOKEN
    headers = {"Authorization": header} if header else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 403
    assert b"ess_" not in response.content


def test_it_refuses_staff_sessions_without_the_token(client, operator, settings):
    """Logged-in staff are not Prometheus: a session is no substitute for the token."""
    settings.METRICS_TOKEN = TOKEN
    client.force_login(operator)
    assert client.get("/metrics").status_code == 403


def test_it_counts_the_inbox_and_the_age_of_its_oldest_pending_event(scrape, db):
    now = timezone.now()
    inbox.store(
        [
            {"webhookEventId": "E1", "type": "message", "timestamp": 1, "source": {"type": "user", "userId": "U1"}},
            {"webhookEventId": "E2", "type": "message", "timestamp": 2, "source": {"type": "user", "userId": "U1"}},
        ],
        now=now - dt.timedelta(seconds=120),
    )
    samples = scrape()
    assert samples[("ess_line_inbox_pending", ())] == 2
    assert 119 <= samples[("ess_line_inbox_oldest_pending_age_seconds", ())] < 200
    assert samples[("ess_metrics_source_up", (("source", "incidents"),))] == 1


def test_it_counts_open_cases_by_status_and_the_oldest_unassigned_one(scrape, db):
    make_incident(received_at=timezone.now() - dt.timedelta(minutes=10))
    make_incident()
    closed = make_incident()
    closed.status = Status.CLOSED
    closed.save(update_fields=["status"])
    samples = scrape()
    assert samples[("ess_cases_open", (("status", "new"),))] == 2
    assert samples[("ess_cases_open", (("status", "dispatched"),))] == 0
    assert ("ess_cases_open", (("status", "closed"),)) not in samples
    assert 600 <= samples[("ess_cases_oldest_unassigned_age_seconds", ())] < 700


def test_it_counts_outbox_failures(scrape, db):
    case = make_incident()
    Message.objects.create(
        reporter=case.reporter, direction=Message.Direction.OUT, text="x", delivery=Message.Delivery.FAILED
    )
    Message.objects.create(
        reporter=case.reporter, direction=Message.Direction.OUT, text="y", delivery=Message.Delivery.QUEUED
    )
    samples = scrape()
    assert samples[("ess_line_outbox_failed_total", ())] == 1
    assert samples[("ess_line_outbox_queued", ())] == 1


def test_it_counts_connected_consoles(scrape, operator, supervisor_cm):
    presence.mark_online(operator, "specific.a", "console")
    presence.mark_online(operator, "specific.b", "console")
    presence.mark_online(supervisor_cm, "specific.c", "console")
    samples = scrape()
    assert samples[("ess_screens_connected", (("screen", "console"),))] == 3
    assert samples[("ess_consoles_connected_staff", ())] == 2


def test_it_times_the_webhook(scrape, client, db):
    from demo import fake_platform
    from tests.line import SECRET

    body = fake_platform.body_of([])
    client.post(
        "/line/webhook/",
        data=body,
        content_type="application/json",
        headers={"X-Line-Signature": fake_platform.signature(body, SECRET)},
    )
    samples = scrape()
    assert samples[("ess_http_request_duration_seconds_count", (("method", "POST"), ("view", "line:webhook")))] >= 1


def test_a_failing_source_is_reported_without_hiding_the_others(scrape, db, monkeypatch):
    from ess import metrics

    def broken():
        raise RuntimeError("boom")
        yield

    monkeypatch.setitem(metrics._SOURCES, "broken", broken)
    samples = scrape()
    assert samples[("ess_metrics_source_up", (("source", "broken"),))] == 0
    assert ("ess_line_inbox_pending", ()) in samples
