"""The one module that knows channel-layer group names and sends live updates.

Only domain actions call `publish()`; it sends **after the transaction commits**, so a console never
hears of a change that was rolled back, and never before the row can be read.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)

CONSOLE = "console"  # national operators and supervisors


def province_group(code: str) -> str:
    return f"province.{code or 'none'}"


def agency_group(code: str) -> str:
    return f"agency.{code}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def groups_for_incident(province_code: str, agency_codes: list[str] | tuple[str, ...] = ()) -> list[str]:
    return [CONSOLE, province_group(province_code), *(agency_group(c) for c in agency_codes)]


def end_sessions(user_id: int) -> None:
    """Close every websocket of this user (their `user.<id>` group): after logout, deactivation or a change
    of role or reach, an open console or responder screen must stop hearing cases (ess.sessions)."""
    publish([user_group(user_id)], {"type": "session.ended"})


def publish(groups: list[str], message: dict) -> None:
    """Send `message` (a Channels event: needs a "type") to every group once the transaction commits."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        for group in dict.fromkeys(groups):
            try:
                async_to_sync(layer.group_send)(group, message)
            except Exception:
                # A live update lost is recovered by the console's catch-up (events carry ids);
                # it must never undo or fail the write that caused it.
                log.exception("live update to %s failed", group)

    transaction.on_commit(send, robust=True)
