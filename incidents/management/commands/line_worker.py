import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from incidents.line import worker

log = logging.getLogger("incidents.line.worker")


class Command(BaseCommand):
    help = (
        "Process LINE webhook events stored by /line/webhook/, fetch reporters' photos and send the outbox. "
        "Run one (or more: they coordinate through the database) next to the web server."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.25, help="Seconds to wait when idle.")
        parser.add_argument("--once", action="store_true", help="Do what is due, then exit.")

    def handle(self, *args, interval: float, once: bool, **options):
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log.info("LINE worker started")
        while not stopping:
            # Like a request: drop a connection the database closed or that is too old, then work.
            close_old_connections()
            try:
                done = worker.run_once()
            except Exception:
                # The database may be away for a moment (failover, restart): wait and go on.
                log.exception("LINE worker round failed")
                done = 0
            if once:
                break
            if not done:
                time.sleep(interval)
        log.info("LINE worker stopped")
