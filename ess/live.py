"""The one module that knows channel-layer group names and sends live updates.

Only domain actions call `publish()`; it sends **after the transaction commits**, so a console never
hears of a change that was rolled back, and never before the row can be read.
"""

import asyncio
import atexit
import logging
import os
import threading

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
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
    groups = list(dict.fromkeys(groups))

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        if isinstance(layer, InMemoryChannelLayer):
            # Its queues belong to the event loop of this process's server (or test): send there.
            for group in groups:
                try:
                    async_to_sync(layer.group_send)(group, message)
                except Exception:
                    log.exception("live update to %s failed", group)
            return
        Sender.get().put(layer, groups, message)

    transaction.on_commit(send, robust=True)


class Sender:
    """One event loop in a thread of its own that sends this process's live updates, in order.

    `async_to_sync(layer.group_send)` from a sync process (the worker) started a thread and an event loop
    per call, and channels_redis opens a connection pool per loop: each group_send paid a new Redis
    connection, and the writer waited for every one of them after every commit (a pin makes several
    timeline events, each to two or three groups). Measured on this machine, three group_sends to groups of
    50 channels: 11.7 ms median one async_to_sync each, 4.8 ms in one loop; here the writer only queues.
    A live update lost is recovered by the console's catch-up (events carry ids; its ping checks them),
    so sending must never undo, fail or hold up the write that caused it."""

    _instance: "Sender | None" = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.queue: asyncio.Queue = asyncio.Queue()
        self.pending = 0
        self.idle = threading.Condition()
        self.pid = os.getpid()
        self.thread = threading.Thread(target=self._run, name="ess-live-sender", daemon=True)
        self.thread.start()

    @classmethod
    def get(cls) -> "Sender":
        with cls._lock:
            if cls._instance is None or cls._instance.pid != os.getpid() or not cls._instance.thread.is_alive():
                cls._instance = cls()
                atexit.register(cls._instance.drain, 2.0)
            return cls._instance

    def put(self, layer, groups: list[str], message: dict) -> None:
        with self.idle:
            self.pending += 1
        self.loop.call_soon_threadsafe(self.queue.put_nowait, (layer, groups, message))

    def drain(self, timeout: float) -> bool:
        """Wait until every queued update has been sent (or failed); at exit, and for tests."""
        with self.idle:
            return self.idle.wait_for(lambda: self.pending == 0, timeout)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._send_forever())

    async def _send_forever(self) -> None:
        while True:
            layer, groups, message = await self.queue.get()
            for group in groups:
                try:
                    await layer.group_send(group, message)
                except Exception:
                    log.exception("live update to %s failed", group)
            with self.idle:
                self.pending -= 1
                self.idle.notify_all()
