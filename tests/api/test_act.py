"""Acting on a case through the API: the console's own domain functions (incidents.triage), the same
refusals mapped to HTTP, and idempotent POSTs."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from api.idempotency import fingerprint
from api.models import IdempotentRequest
from incidents import actions
from incidents.models import Category, Hotline, IncidentEvent, Status
from tests.api.conftest import bearer
from tests.factories import make_incident


def post(client, secret, path, body, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/{path}", body, content_type="application/json", **bearer(secret), **extra)


def kinds(case) -> list[str]:
    return list(IncidentEvent.objects.filter(incident=case).order_by("pk").values_list("kind", flat=True))


def test_it_triages_a_case_and_records_the_token_as_the_actor(client, tokens):
    case = make_incident(category=Category.UNSPECIFIED)
    response = post(
        client, tokens["sup_bkk"].secret, f"cases/{case.reference}/triage", {"category": "confinement", "priority": 1}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["category"], body["priority"]) == ("triaged", "confinement", 1)
    assert body["claimed_by"] == "API: sup bkk"  # acting claims, as in the console
    event = IncidentEvent.objects.filter(incident=case, kind="triage").get()
    assert event.actor == tokens["sup_bkk"].token.account
    assert kinds(case) == ["created", "triage", "status"]


def test_it_claims_releases_and_refuses_a_claim_held_by_someone_else(client, tokens):
    case = make_incident()
    op = tokens["operator"].secret
    assert post(client, op, f"cases/{case.reference}/claim", {}).json()["claimed_by"] == "API: ops national"
    held = post(client, tokens["sup_bkk"].secret, f"cases/{case.reference}/notes", {"text": "ดูแล้ว"})
    # A supervisor is refused too until they take the claim over: 409 with who holds it.
    assert held.status_code == 409
    assert "API: ops national" in held.json()["detail"]
    taken = post(client, tokens["sup_bkk"].secret, f"cases/{case.reference}/take-over", {})
    assert taken.json()["claimed_by"] == "API: sup bkk"
    refused = post(client, op, f"cases/{case.reference}/release", {})
    assert refused.status_code == 403  # NotAllowed: it is no longer theirs
    assert post(client, tokens["sup_bkk"].secret, f"cases/{case.reference}/release", {}).json()["claimed_by"] is None


def test_it_adds_notes_refers_and_closes(client, tokens):
    op = tokens["operator"].secret
    a, b = make_incident(), make_incident()
    assert post(client, op, f"cases/{a.reference}/notes", {"text": "โทรกลับแล้ว"}).status_code == 200
    referred = post(client, op, f"cases/{a.reference}/refer", {"hotline": Hotline.POLICE_191, "note": "มีอาวุธ"})
    assert (referred.json()["status"], referred.json()["referred_to"]) == ("referred", "191")
    closed = post(client, op, f"cases/{a.reference}/close", {"outcome": "ส่งต่อ 191 แล้ว"})
    assert closed.json()["status"] == "closed"
    actions.do_transition(b, Status.TRIAGED)
    handled = post(client, op, f"cases/{b.reference}/close", {"outcome": "ให้คำปรึกษาทางแชตแล้ว"})
    assert handled.json()["status"] == "closed" and handled.json()["resolved_at"]


def test_it_merges_a_duplicate_into_a_master_within_reach(client, tokens):
    master, repeat = make_incident(), make_incident()
    hidden = make_incident(province_code="50", district_code="5001")
    sup = tokens["sup_bkk"].secret
    outsider = post(client, sup, f"cases/{repeat.reference}/duplicate", {"master": hidden.reference})
    assert (outsider.status_code, outsider.json()["field"]) == (422, "master")
    merged = post(client, sup, f"cases/{repeat.reference}/duplicate", {"master": master.reference})
    assert (merged.json()["status"], merged.json()["duplicate_of"]) == ("duplicate", master.reference)
    # Through the API as through the console: the merged case's reporter is told (#15 item 9).
    from incidents.models import Message

    assert master.reference in Message.objects.get(incident=repeat, direction="out").text


def test_a_supervisor_undoes_a_merge_through_the_api(client, tokens):
    master, repeat = make_incident(), make_incident()
    op, sup, outsider = tokens["operator"].secret, tokens["sup_bkk"].secret, tokens["sup_cm"].secret
    post(client, op, f"cases/{repeat.reference}/duplicate", {"master": master.reference})
    assert post(client, op, f"cases/{repeat.reference}/duplicate/undo", {"reason": "x"}).status_code == 403
    assert post(client, outsider, f"cases/{repeat.reference}/duplicate/undo", {"reason": "x"}).status_code == 404
    assert post(client, sup, f"cases/{repeat.reference}/duplicate/undo", {}).json()["field"] == "reason"
    undone = post(client, sup, f"cases/{repeat.reference}/duplicate/undo", {"reason": "สองเหตุการณ์"})
    assert (undone.json()["status"], undone.json()["duplicate_of"]) == ("new", None)
    assert kinds(master)[-1] == "merge_undone"
    again = post(client, sup, f"cases/{repeat.reference}/duplicate/undo", {"reason": "สองเหตุการณ์"})
    assert again.status_code == 422 and repeat.reference in again.json()["detail"]


def test_only_a_supervisor_confirms_or_reverses_a_false_report(client, tokens):
    case = make_incident()
    op, sup = tokens["operator"].secret, tokens["sup_bkk"].secret
    marked = post(client, op, f"cases/{case.reference}/false-report", {"reason": "แจ้งเล่น"})
    assert marked.json()["status"] == "false_report"
    assert post(client, op, f"cases/{case.reference}/false-report/confirm", {}).status_code == 403
    reversed_ = post(client, sup, f"cases/{case.reference}/false-report/reverse", {"reason": "โทรยืนยันแล้ว"})
    assert reversed_.json()["status"] == "triaged"
    case.reporter.refresh_from_db()
    assert case.reporter.false_report_count == 0


def test_it_refuses_an_illegal_move_with_409_and_the_reason(client, tokens):
    case = make_incident()
    response = post(client, tokens["operator"].secret, f"cases/{case.reference}/close", {"outcome": "จบ"})
    assert response.status_code == 409
    assert case.reference in response.json()["detail"]
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_it_refuses_a_stale_version_with_409(client, tokens):
    case = make_incident()
    actions.do_transition(case, Status.TRIAGED)
    response = post(
        client, tokens["operator"].secret, f"cases/{case.reference}/notes", {"text": "x", "expected_version": 1}
    )
    assert response.status_code == 409
    assert kinds(case) == ["created", "status"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("triage", {"category": "flood"}, "category"),
        ("triage", {"priority": 4}, "priority"),
        ("notes", {"text": "   "}, "text"),
        ("notes", {}, "text"),
        ("refer", {"hotline": "911"}, "hotline"),
        ("close", {"outcome": ""}, "outcome"),
        ("duplicate", {"master": "ESS-1"}, "master"),
        ("claim", {"expected_version": 0}, "expected_version"),
    ],
)
def test_it_names_the_field_of_bad_input(client, tokens, path, body, field):
    case = make_incident()
    response = post(client, tokens["operator"].secret, f"cases/{case.reference}/{path}", body)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert kinds(case) == ["created"]


def test_it_answers_400_for_a_body_that_is_not_json(client, tokens):
    case = make_incident()
    response = client.post(
        f"/api/cases/{case.reference}/notes",
        "{nope",
        content_type="application/json",
        **bearer(tokens["operator"].secret),
    )
    assert response.status_code == 400
    assert response.json()["field"] == "body"


def test_a_retried_post_with_the_same_key_acts_once_and_gets_the_same_answer(client, tokens):
    case = make_incident()
    secret = tokens["operator"].secret
    first = post(client, secret, f"cases/{case.reference}/notes", {"text": "ครั้งเดียว"}, key="8f7c0d9e-retry")
    retry = post(client, secret, f"cases/{case.reference}/notes", {"text": "ครั้งเดียว"}, key="8f7c0d9e-retry")
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert kinds(case).count("note") == 1
    # Without the key the same request is a new request: a second note.
    post(client, secret, f"cases/{case.reference}/notes", {"text": "ครั้งเดียว"})
    assert kinds(case).count("note") == 2


def test_a_refusal_is_an_answer_too_and_is_replayed(client, tokens):
    case = make_incident()
    secret = tokens["operator"].secret
    first = post(client, secret, f"cases/{case.reference}/close", {"outcome": "จบ"}, key="k-refused")
    actions.do_transition(case, Status.TRIAGED)
    retry = post(client, secret, f"cases/{case.reference}/close", {"outcome": "จบ"}, key="k-refused")
    assert first.status_code == retry.status_code == 409
    case.refresh_from_db()
    assert case.status == Status.TRIAGED  # the retry did not act (it would now succeed)


def test_a_key_reused_for_another_request_is_refused(client, tokens):
    a, b = make_incident(), make_incident()
    secret = tokens["operator"].secret
    assert post(client, secret, f"cases/{a.reference}/notes", {"text": "a"}, key="same").status_code == 200
    response = post(client, secret, f"cases/{b.reference}/notes", {"text": "a"}, key="same")
    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key"
    assert "note" not in kinds(b)


def test_keys_belong_to_their_token(client, tokens):
    a, b = make_incident(), make_incident()
    assert (
        post(client, tokens["operator"].secret, f"cases/{a.reference}/notes", {"text": "a"}, key="shared").status_code
        == 200
    )
    assert (
        post(client, tokens["sup_bkk"].secret, f"cases/{b.reference}/notes", {"text": "a"}, key="shared").status_code
        == 200
    )
    assert IdempotentRequest.objects.filter(key="shared").count() == 2


def test_a_request_still_running_under_the_key_is_answered_409(client, tokens):
    case = make_incident()
    path = f"/api/cases/{case.reference}/notes"
    IdempotentRequest.objects.create(
        account=tokens["operator"].token.account,
        key="busy",
        created_at=timezone.now(),
        fingerprint=fingerprint("POST", path, {"text": "x"}),
    )
    response = post(client, tokens["operator"].secret, f"cases/{case.reference}/notes", {"text": "x"}, key="busy")
    assert response.status_code == 409
    assert "note" not in kinds(case)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_retries_act_once(live_server, tokens):
    import requests

    case = make_incident()
    url = f"{live_server.url}/api/cases/{case.reference}/notes"
    headers = {"Authorization": f"Bearer {tokens['operator'].secret}", "Idempotency-Key": "race"}
    answers = []

    def call():
        answers.append(requests.post(url, json={"text": "race"}, headers=headers, timeout=20).status_code)
        connection.close()

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 200 in answers
    assert set(answers) <= {200, 409}
    assert kinds(case).count("note") == 1
