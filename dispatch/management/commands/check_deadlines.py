"""Raise the acknowledgement alerts that are due (dispatch.deadlines). bin/demo runs it with --loop.

Safe to run several at once and to restart at any time: every escalation is decided under the case lock
from what the database says, so none is lost across a restart and none is raised twice.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from dispatch.deadlines import check_deadlines


class Command(BaseCommand):
    help = "Raise acknowledgement-deadline alerts that are due; --loop keeps checking."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep checking until stopped.")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between checks (default: settings.DEADLINE_CHECK_SECONDS).",
        )

    def handle(self, *args, loop: bool = False, interval: float | None = None, **options):
        interval = interval or settings.DEADLINE_CHECK_SECONDS
        while True:
            try:
                raised = check_deadlines(timezone.now())
            except Exception as exc:  # a database hiccup must not stop the checker for good
                if not loop:
                    raise
                self.stderr.write(f"check_deadlines: {exc!r}; trying again in {interval} s")
                raised = []
            for escalation in raised:
                a = escalation.assignment
                self.stdout.write(f"{a.incident.reference}: {a.agency.code} not acknowledged, level {escalation.level}")
            if not loop:
                return
            time.sleep(interval)
            # As a request would: drop a connection that broke or outlived CONN_MAX_AGE (a restarted
            # PostgreSQL) instead of failing on it forever.
            close_old_connections()
