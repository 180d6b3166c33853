"""One round of the LINE worker: the inbox, then photos, then the outbox."""

import datetime as dt

from incidents.line import inbox, media, outbox


def run_once(now: dt.datetime | None = None) -> int:
    """Do everything that is due; returns how much was done (0: idle)."""
    return inbox.process_pending(now) + media.fetch_pending(now) + outbox.send_due(now)
