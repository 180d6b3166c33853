"""`Idempotency-Key` on POSTs: the first request with a key acts and its answer is stored; a retry with
the same key (same caller, same request) gets the stored answer and acts not again.

The row is inserted *before* acting, under a unique constraint, so two retries racing each other cannot
both act: the loser hears 409 "still being processed" and retries later. A real failure (a 500) drops
the row, so a retry may act; a refusal (4xx) is an answer and is stored like a success. Keys are kept
for KEY_TTL (24 hours), like the payment APIs that made the header common.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from api.errors import BadInput, Conflict, as_response_parts
from api.models import IdempotentRequest

REPLAY_HEADER = "Idempotent-Replayed"
# A key is remembered this long; after that the same key is a new request (and the old row is dropped).
KEY_TTL = timedelta(hours=24)


def fingerprint(method: str, path: str, payload: dict) -> str:
    raw = json.dumps([method, path, payload], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def _answer(status: int, body: dict, headers: dict | None = None) -> JsonResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def run(act: Callable[[], tuple[int, dict]]) -> tuple[int, dict, dict]:
    """Call `act`, turning the API's and the domain's refusals into an answer."""
    try:
        status, body = act()
        return status, body, {}
    except Exception as exc:
        parts = as_response_parts(exc)
        if parts is None:
            raise
        return parts


def idempotent(request, account, key: str | None, payload: dict, act: Callable[[], tuple[int, dict]]):
    if not key:
        return _answer(*run(act))
    print_ = fingerprint(request.method, request.path, payload)
    IdempotentRequest.objects.filter(account=account, key=key, created_at__lt=timezone.now() - KEY_TTL).delete()
    try:
        with transaction.atomic():
            stored = IdempotentRequest.objects.create(account=account, key=key, fingerprint=print_)
    except IntegrityError:
        earlier = IdempotentRequest.objects.get(account=account, key=key)
        if earlier.fingerprint != print_:
            raise BadInput(
                _("This Idempotency-Key was already used for a different request."), field="Idempotency-Key"
            ) from None
        if earlier.status == 0:
            raise Conflict(_("A request with this Idempotency-Key is still being processed; retry shortly.")) from None
        return _answer(earlier.status, earlier.body, {REPLAY_HEADER: "true"})
    try:
        status, body, headers = run(act)
    except Exception:
        stored.delete()
        raise
    stored.status, stored.body = status, body
    stored.save(update_fields=["status", "body"])
    return _answer(status, body, headers)
