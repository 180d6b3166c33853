"""All background work in one command: `python manage.py worker` (ess.worker lists the jobs).

Run one next to the web server; run more for throughput or availability — they coordinate through the
database. SIGTERM or SIGINT: the worker finishes the job slice it is in and exits.
"""

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ess import startup, worker

log = logging.getLogger("ess.worker")
# Seconds between rounds while idle when PostgreSQL wakes the worker (LISTEN/NOTIFY): the safety net for
# what no one announces (back-offs coming due, acknowledgement deadlines).
POLL_WITH_LISTEN = 1.0


class Command(BaseCommand):
    help = (
        "Do the background work: process the LINE events the webhook stored, fetch reporters' photos, send the "
        "outbox, raise acknowledgement deadlines (and whatever else the apps register). Several may run at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.25, help="Seconds to wait when idle.")
        parser.add_argument("--once", action="store_true", help="Do what is due, then exit.")
        parser.add_argument(
            "--only", action="append", default=[], metavar="JOB", help="Run only this job (repeatable)."
        )

    def handle(self, *args, interval: float, once: bool, only: list[str], **options):
        selected = worker.jobs()
        if only:
            unknown = set(only) - {job.name for job in selected}
            if unknown:
                names = ", ".join(job.name for job in selected)
                raise CommandError(f"Unknown job {', '.join(sorted(unknown))}; the jobs are: {names}")
            selected = [job for job in selected if job.name in only]
        runner = worker.Worker(selected)
        woken = threading.Event()

        def stop(signum, frame):
            runner.stopping = True
            woken.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        runner.prepare()
        startup.ready_to_serve(urlconf=False)  # the start-up's objects out of the collector's way
        if not once:
            worker.start_threads(settings.WORKER_THREADS)  # LINE calls off the round (ess.worker.Threads)
        log.info("worker started: %s", ", ".join(job.name for job in selected))
        try:
            if once:
                runner.run_once()
            elif worker.Listener.available():
                # Woken by the webhook's NOTIFY as soon as it commits; the poll is only a safety net.
                listener = worker.Listener(stop=lambda: runner.stopping)
                try:
                    runner.run_forever(max(interval, POLL_WITH_LISTEN), wait=listener.wait)
                finally:
                    listener.close()
            else:
                runner.run_forever(interval, wait=woken.wait)
        finally:
            worker.stop_threads()
        log.info("worker stopped")
