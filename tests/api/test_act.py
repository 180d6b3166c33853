"""Acting through the API: the same domain functions and refusals as the console; idempotent POSTs."""

import threading

import pytest
from django.db import connection

from api.models import IdempotentRequest
from incidents import actions
from incidents.models import IncidentEvent, Status
from tests.api.conftest import bearer
from tests.factories import make_incident


def post_status(client, secret, case, body, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/cases/{case.reference}/status", body, content_type="application/json",
                       **bearer(secret), **extra)


def test_it_moves_a_case_through_the_lifecycle_and_records_who(client, tokens):
    case = make_incident()
    response = post_status(client, tokens["sup_bkk"].secret, case, {"status": "triaged", "comment": "ยืนยันแล้ว"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "triaged" and body["triaged_at"] and body["version"] == 2
    event = IncidentEvent.objects.filter(incident=case).latest("pk")
    assert event.actor == tokens["sup_bkk"].token.account
    assert event.data == {"via": "api", "comment": "ยืนยันแล้ว"}
    assert body["timeline"][-1]["actor"] == "API: sup bkk"


def test_it_refuses_an_illegal_move_with_409_and_the_reason(client, tokens):
    case = make_incident()
    response = post_status(client, tokens["operator"].secret, case, {"status": "closed"})
    assert response.status_code == 409
    assert case.reference in response.json()["detail"]
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_it_refuses_a_stale_version_with_409(client, tokens):
    case = make_incident()
    actions.do_transition(case, Status.TRIAGED)
    response = post_status(client, tokens["operator"].secret, case, {"status": "resolved", "expected_version": 1})
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.status == Status.TRIAGED


@pytest.mark.parametrize(("body", "field"), [
    ({"status": "solved"}, "status"),
    ({}, "status"),
    ({"status": "triaged", "expected_version": 0}, "expected_version"),
])
def test_it_names_the_field_of_bad_input(client, tokens, body, field):
    response = post_status(client, tokens["operator"].secret, make_incident(), body)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_it_answers_400_for_a_body_that_is_not_json(client, tokens):
    case = make_incident()
    response = client.post(f"/api/cases/{case.reference}/status", "{nope", content_type="application/json",
                           **bearer(tokens["operator"].secret))
    assert response.status_code == 400
    assert response.json()["field"] == "body"


def test_a_retried_post_with_the_same_key_acts_once_and_gets_the_same_answer(client, tokens):
    case = make_incident()
    secret = tokens["operator"].secret
    first = post_status(client, secret, case, {"status": "triaged"}, key="8f7c0d9e-retry")
    retry = post_status(client, secret, case, {"status": "triaged"}, key="8f7c0d9e-retry")
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert IncidentEvent.objects.filter(incident=case, kind="status").count() == 1
    # Without the key the same request is a new request: now an illegal move.
    assert post_status(client, secret, case, {"status": "triaged"}).status_code == 409


def test_a_refusal_is_an_answer_too_and_is_replayed(client, tokens):
    case = make_incident()
    secret = tokens["operator"].secret
    first = post_status(client, secret, case, {"status": "closed"}, key="k-refused")
    actions.do_transition(case, Status.TRIAGED)
    actions.do_transition(case, Status.RESOLVED)
    retry = post_status(client, secret, case, {"status": "closed"}, key="k-refused")
    assert first.status_code == retry.status_code == 409
    case.refresh_from_db()
    assert case.status == Status.RESOLVED  # the retry did not act


def test_a_key_reused_for_another_request_is_refused(client, tokens):
    a, b = make_incident(), make_incident()
    secret = tokens["operator"].secret
    assert post_status(client, secret, a, {"status": "triaged"}, key="same").status_code == 200
    response = post_status(client, secret, b, {"status": "triaged"}, key="same")
    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key"
    b.refresh_from_db()
    assert b.status == Status.NEW


def test_keys_belong_to_their_token(client, tokens):
    a = make_incident()
    b = make_incident()
    assert post_status(client, tokens["operator"].secret, a, {"status": "triaged"}, key="shared").status_code == 200
    assert post_status(client, tokens["sup_bkk"].secret, b, {"status": "triaged"}, key="shared").status_code == 200
    assert IdempotentRequest.objects.filter(key="shared").count() == 2


def test_a_request_still_running_under_the_key_is_answered_409(client, tokens):
    case = make_incident()
    account = tokens["operator"].token.account
    from api.idempotency import fingerprint

    IdempotentRequest.objects.create(
        account=account, key="busy",
        fingerprint=fingerprint("POST", f"/api/cases/{case.reference}/status",
                                {"status": "triaged", "expected_version": None, "comment": ""}),
    )
    response = post_status(client, tokens["operator"].secret, case, {"status": "triaged"}, key="busy")
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.status == Status.NEW


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_retries_act_once(live_server, tokens):
    import requests

    case = make_incident()
    url = f"{live_server.url}/api/cases/{case.reference}/status"
    headers = {"Authorization": f"Bearer {tokens['operator'].secret}", "Idempotency-Key": "race"}
    answers = []

    def call():
        answers.append(requests.post(url, json={"status": "triaged"}, headers=headers, timeout=20).status_code)
        connection.close()

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 200 in answers
    assert set(answers) <= {200, 409}
    assert IncidentEvent.objects.filter(incident=case, kind="status").count() == 1
