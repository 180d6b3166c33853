"""Live updates leave only after the transaction commits, to the console and the case's province."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from ess import live
from tests.factories import make_incident


def listen(group: str) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return channel


def receive(channel: str, timeout: float = 2.0) -> dict:
    import asyncio

    layer = get_channel_layer()

    async def get():
        return await asyncio.wait_for(layer.receive(channel), timeout)

    return async_to_sync(get)()


@pytest.mark.django_db(transaction=True)
def test_it_announces_a_new_case_to_the_console_and_its_province_after_commit():
    console = listen(live.CONSOLE)
    bangkok = listen(live.province_group("10"))
    chiang_mai = listen(live.province_group("50"))
    incident = make_incident(province_code="10")
    for channel in (console, bangkok):
        message = receive(channel)
        assert message["type"] == "incident.changed"
        assert message["incident_id"] == incident.pk
        assert message["kind"] == "created"
        assert message["event_id"] == incident.events.get().pk
    with pytest.raises(TimeoutError):
        receive(chiang_mai, timeout=0.3)


@pytest.mark.django_db(transaction=True)
def test_it_says_nothing_of_a_change_that_was_rolled_back():
    console = listen(live.CONSOLE)
    with pytest.raises(RuntimeError), transaction.atomic():
        make_incident()
        raise RuntimeError("rolled back")
    with pytest.raises(TimeoutError):
        receive(console, timeout=0.3)
