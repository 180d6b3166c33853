"""api.idempotency on its own: what is stored, for how long, and what a failure leaves behind."""

import json
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from api.errors import Conflict
from api.idempotency import idempotent
from api.models import IdempotentRequest


@pytest.fixture
def calls():
    return []


def request():
    return RequestFactory().post("/api/cases/ESS-2569-000001/notes")


def acting(calls, answer=(200, {"ok": True})):
    def act():
        calls.append(1)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return act


def test_a_key_is_remembered_for_a_day_then_forgotten(operator, calls):
    first = idempotent(request(), operator, "k", {"a": 1}, acting(calls))
    again = idempotent(request(), operator, "k", {"a": 1}, acting(calls))
    assert (len(calls), json.loads(again.content), again["Idempotent-Replayed"]) == (1, {"ok": True}, "true")
    assert first.status_code == again.status_code == 200
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=25))
    later = idempotent(request(), operator, "k", {"a": 1}, acting(calls))
    assert len(calls) == 2
    assert not later.has_header("Idempotent-Replayed")


def test_a_refusal_is_stored_and_a_server_error_is_not(operator, calls):
    refused = idempotent(request(), operator, "r", {}, acting(calls, Conflict("no")))
    assert refused.status_code == 409
    assert idempotent(request(), operator, "r", {}, acting(calls)).status_code == 409
    assert len(calls) == 1
    with pytest.raises(RuntimeError):
        idempotent(request(), operator, "e", {}, acting(calls, RuntimeError("database down")))
    assert not IdempotentRequest.objects.filter(key="e").exists()
    assert idempotent(request(), operator, "e", {}, acting(calls)).status_code == 200
