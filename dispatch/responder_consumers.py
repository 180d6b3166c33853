"""The responder's websocket `/ws/responder/`: hears the changes to its own agency's assignments only.

Thin, as consumers should be: authenticate in `connect`, join the agency's group (ess.live.agency_group)
— the only group a responder joins, and the only place assignment events for that agency are sent —
and forward "something changed" so the page fetches its list again (through the scoped view).
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from dispatch import presence
from dispatch.models import Responder
from ess import live, sessions
from ess.models import Role
from ess.roles import role_of


class ResponderConsumer(AsyncJsonWebsocketConsumer):
    groups: list[str] = []

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        responder = await self._responder(user)
        if responder is None:
            await self.close(code=4403)
            return
        self.user = user
        self.responder_id = responder.pk
        self.joined = [live.agency_group(responder.agency.code), live.user_group(user.pk)]
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await database_sync_to_async(presence.mark_online)(user, self.channel_name, "responder")
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        if hasattr(self, "user"):
            await database_sync_to_async(presence.mark_offline)(self.channel_name)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "heartbeat":
            # Join again: a Redis restarted empty (or channels_redis's group_expiry) drops memberships, and
            # an open socket would hear nothing more. The page reads its list again with each heartbeat.
            for group in self.joined:
                await self.channel_layer.group_add(group, self.channel_name)
            await database_sync_to_async(presence.heartbeat)(self.channel_name)
        elif kind == "position":
            try:
                lat, lng = float(content["latitude"]), float(content["longitude"])
                await self._report_position(lat, lng)
            except (KeyError, TypeError, ValueError):
                await self.send_json({"type": "error", "error": "bad position"})

    async def session_ended(self, event):
        """Logout, deactivation or a change of role or agency (ess.sessions): this socket is done."""
        await self.close(code=sessions.CLOSE_SESSION_ENDED)

    async def incident_changed(self, event):
        await self.send_json(
            {
                "type": "changed",
                "incident_id": event["incident_id"],
                "kind": event["kind"],
                "event_id": event["event_id"],
            }
        )

    @database_sync_to_async
    def _responder(self, user) -> Responder | None:
        if role_of(user) != Role.RESPONDER:
            return None
        return Responder.objects.filter(user=user).select_related("agency").first()

    @database_sync_to_async
    def _report_position(self, lat: float, lng: float) -> None:
        Responder.objects.get(pk=self.responder_id).report_position(lat, lng)
