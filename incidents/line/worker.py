"""One round of the LINE worker: the inbox, then photos, then the outbox."""

import datetime as dt

from django.db import close_old_connections

from incidents.line import inbox, media, outbox


def run_once(now: dt.datetime | None = None) -> int:
    """Do everything that is due; returns how much was done (0: idle)."""
    close_old_connections()
    return inbox.process_pending(now) + media.fetch_pending(now) + outbox.send_due(now)
