"""One round of the LINE worker: the inbox, then photos, then the outbox."""

import datetime as dt

from incidents.line import client, inbox, media, outbox


def prepare() -> None:
    """At the worker's start: import the LINE SDK now. `linebot.v3.messaging` takes about a second to
    import (more on a busy machine); imported on first use, that second was spent inside the first
    event's processing, with every report that arrived meanwhile queued behind it."""
    client.load_sdk()


def run_once(now: dt.datetime | None = None) -> int:
    """Do everything that is due; returns how much was done (0: idle)."""
    # A bounded slice of the inbox, then photos and the outbox, so that answers are sent while their
    # reply tokens are fresh even when a backlog of events is being worked through.
    return inbox.process_pending(now, limit=20) + media.fetch_pending(now) + outbox.send_due(now)
