"""The operator console's websocket, /ws/console/.

Thin by design: authenticate and join groups in `connect` (ess.live names them; the origin was already
checked by the ASGI stack), forward `incident.changed` events as the queue row the page itself renders,
answer catch-up requests after a reconnect, and keep the presence row fresh for the dashboards.
"""

import asyncio
import logging
from collections import deque

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import InMemoryChannelLayer
from django.conf import settings

from console import screen
from dispatch import presence
from ess import live, sessions
from ess.roles import CONSOLE_ROLES, province_scope, role_of

log = logging.getLogger(__name__)

# Close codes the client can tell apart from a network drop (4000-4999 are the application's).
CLOSE_FORBIDDEN = 4403
TAIL_INTERVAL = 0.25  # seconds: one indexed query per process, whatever the number of consoles


class EventTail:
    """With the in-memory channel layer (the embedded default: no Redis) a change made in *another*
    process — the worker opening a case from a LINE event, a management command — is published on that
    process's own layer, which no console hears. This process-wide task reads the timeline for events it
    has not seen and sends them to this process's groups. Consoles drop the events they already had.
    With Redis every process publishes on the shared layer and the tail is not started."""

    task: asyncio.Task | None = None
    loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    async def ensure_running(cls, layer) -> None:
        if not isinstance(layer, InMemoryChannelLayer):
            return
        loop = asyncio.get_running_loop()
        if cls.task is not None and not cls.task.done() and cls.loop is loop:
            return
        cls.loop = loop
        cls.task = loop.create_task(cls.run(layer, await database_sync_to_async(screen.last_event_id)()))

    @classmethod
    async def run(cls, layer, last: int) -> None:
        while True:
            await asyncio.sleep(TAIL_INTERVAL)
            try:
                events = await database_sync_to_async(screen.events_since)(last)
            except Exception:
                log.exception("console event tail: reading the timeline failed")
                continue
            for event in events:
                last = event["event_id"]
                message = {"type": "incident.changed", **event}
                for group in live.groups_for_incident(event["province_code"]):
                    await layer.group_send(group, message)


_RENDERING: dict[tuple, asyncio.Future] = {}


async def shared_live_row(incident_id: int, event_id: int, provinces, language: str) -> dict | None:
    """screen.live_row, once per (change, scope, language) for every socket of this process. Each socket
    used to take its own trip through the single database thread (database_sync_to_async) even when the row
    was cached: fifty consoles queued fifty hops per timeline event, a pin's events several times that.
    Now the cache is read on the loop and the sockets waiting for the same row share one render."""
    key = screen.live_row_key(incident_id, event_id, provinces, language)
    found, payload = screen.cached_live_row(key)
    if found:
        return payload
    rendering = _RENDERING.get(key)
    if rendering is not None and rendering.get_loop() is asyncio.get_running_loop():
        return await asyncio.shield(rendering)
    rendering = asyncio.get_running_loop().create_future()
    _RENDERING[key] = rendering
    try:
        payload = await database_sync_to_async(screen.live_row)(incident_id, event_id, provinces, language)
    except BaseException as error:
        rendering.set_exception(error)
        rendering.exception()  # retrieved: only the sockets awaiting it raise
        raise
    else:
        rendering.set_result(payload)
    finally:
        _RENDERING.pop(key, None)
    return payload


def groups_for(user) -> list[str]:
    """National staff hear every case (`console`); province-scoped staff only their provinces."""
    scope = province_scope(user)
    if scope is None:
        return [live.CONSOLE]
    return [live.province_group(code) for code in scope]


class ConsoleConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]

    async def connect(self):
        user = self.scope.get("user")
        self.groups_joined = []
        allowed = await database_sync_to_async(self._is_console_staff)(user)
        if not allowed:
            # Accept-then-close would let anyone hold a socket open for a moment; refuse the handshake.
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = user
        self.language = self._language()
        self.provinces = await database_sync_to_async(province_scope)(user)
        # Its own group too, so logout, deactivation or a new role closes this socket (ess.sessions).
        self.groups_joined = [*await database_sync_to_async(groups_for)(user), live.user_group(user.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await database_sync_to_async(presence.mark_online)(user, self.channel_name, "console")
        self.recent = deque(maxlen=1000)  # event ids already pushed on this socket (live and tail overlap)
        # Every event this user may see up to `checked` has been sent on this socket (live or in a catch-up),
        # or predates the page; None until the client's first catch-up says where the page stands.
        self.checked: int | None = None
        await EventTail.ensure_running(self.channel_layer)
        await self.accept()

    async def disconnect(self, code):
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.groups_joined:
            await database_sync_to_async(presence.mark_offline)(self.channel_name)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.rejoin()
            await database_sync_to_async(presence.heartbeat)(self.channel_name)
            if self.checked is not None:
                healed = await database_sync_to_async(self._heal)()
                if healed is not None:
                    await self.send_json(healed)
            await self.send_json({"type": "pong", "checked": self.checked})
        elif kind == "catch_up":
            # The session may have ended since the socket opened (logged out in another tab, expired).
            if not await database_sync_to_async(sessions.session_still_valid)(self.scope):
                await self.close(code=sessions.CLOSE_SESSION_ENDED)
                return
            try:
                after = max(0, int(content.get("after", 0)))
            except (TypeError, ValueError):
                after = 0
            answer = await database_sync_to_async(self._catch_up)(after)
            self.recent.extend(answer["events"])
            if self.checked is None or not answer["truncated"]:
                self.checked = answer["last_event_id"]
            await self.send_json(answer)

    async def rejoin(self) -> None:
        """Join this socket's groups again (each ping). A Redis restarted empty forgets every membership, and
        channels_redis drops one after its group_expiry; a socket that stayed open would then hear nothing
        and never know. group_add is idempotent (one sorted-set write per group)."""
        for group in self.groups_joined:
            try:
                await self.channel_layer.group_add(group, self.channel_name)
            except Exception:
                log.exception("console: joining %s again failed", group)

    async def session_ended(self, event):
        """Logout, deactivation or a change of role or provinces (ess.sessions): this socket is done."""
        await self.close(code=sessions.CLOSE_SESSION_ENDED)

    async def incident_changed(self, event):
        """A case changed (incidents.actions.record, sent after commit): push its row as the page renders it."""
        if event["event_id"] in self.recent:
            return
        self.recent.append(event["event_id"])
        payload = await shared_live_row(event["incident_id"], event["event_id"], self.provinces, self.language)
        if payload is None:
            return
        await self.send_json({"type": "case", "event_id": event["event_id"], "kind": event["kind"], **payload})

    # --- sync helpers (run in a thread) ------------------------------------------------------------------

    @staticmethod
    def _is_console_staff(user) -> bool:
        return bool(user is not None and user.is_authenticated and user.is_active and role_of(user) in CONSOLE_ROLES)

    def _language(self) -> str:
        """As ess.middleware.ThaiFirstLocaleMiddleware chose for the page: the language switch's cookie,
        else Thai (the browser's Accept-Language is deliberately ignored)."""
        code = self.scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME, "")
        return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE

    def _heal(self) -> dict | None:
        """The ping's check: the events this user may see after `checked` that this socket never sent (a
        live update lost while Redis was down or restarting, or while the socket was out of its groups).
        One indexed query when nothing is missing; a catch-up from the first missing event otherwise."""
        events = screen.events_after(self.user, self.checked, limit=1000)
        recent = set(self.recent)
        missing = [e.id for e in events if e.id not in recent]
        if not missing:
            if events:
                self.checked = events[-1].id
            return None
        answer = self._catch_up(missing[0] - 1)
        self.recent.extend(answer["events"])
        self.checked = answer["last_event_id"]
        log.info("console: %d live updates never reached %s; caught up", len(missing), self.channel_name)
        return answer

    def _catch_up(self, after: int) -> dict:
        """Exactly the events after `after` this user may see, and the current row of each case they touch."""
        limit = 500
        events = screen.events_after(self.user, after, limit=limit + 1)
        truncated = len(events) > limit
        events = events[:limit]
        cases = []
        last_of_case: dict[int, int] = {}
        for e in events:
            last_of_case[e.incident_id] = e.id
        for incident_id, event_id in sorted(last_of_case.items(), key=lambda item: item[1]):
            payload = screen.live_row(incident_id, event_id, self.provinces, self.language)
            if payload is not None:
                kind = next(e.kind for e in reversed(events) if e.incident_id == incident_id)
                cases.append({"event_id": event_id, "kind": kind, **payload})
        return {
            "type": "catch_up",
            "after": after,
            "events": [e.id for e in events],
            "cases": cases,
            "last_event_id": events[-1].id if events else after,
            "truncated": truncated,
        }
