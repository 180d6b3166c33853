"""ess.live.publish on the Redis layer: sent after commit by one sender loop, in order, without the writer
waiting for Redis."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer
from django.db import transaction

from ess import live

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_commits_updates_arrive_in_order_and_a_rolled_back_one_never():
    channel_layers.backends.clear()
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    group = "province.test-sender"
    async_to_sync(layer.group_add)(group, channel)
    try:
        with transaction.atomic():
            for n in range(20):
                live.publish([group, group], {"type": "incident.changed", "n": n})
            try:
                with transaction.atomic():
                    live.publish([group], {"type": "incident.changed", "n": "rolled back"})
                    raise RuntimeError
            except RuntimeError:
                pass
        assert live.Sender.get().drain(5)
        received = [async_to_sync(layer.receive)(channel)["n"] for _ in range(20)]
        assert received == list(range(20))  # once each (the group named twice), in order

        async def nothing_more():
            import asyncio

            try:
                return await asyncio.wait_for(layer.receive(channel), 0.3)
            except TimeoutError:
                return None

        assert async_to_sync(nothing_more)() is None
    finally:
        async_to_sync(layer.group_discard)(group, channel)
        channel_layers.backends.clear()
