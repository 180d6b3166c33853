import signal
import threading

from django.core.management.base import BaseCommand

from demo import fake_platform


class Command(BaseCommand):
    help = (
        "Serve a fake LINE platform on loopback for the demo and the /dev/line/ simulator. Point "
        "LINE_API_BASE_URL and LINE_DATA_API_BASE_URL at it. Never in production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=18199)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port: int, host: str, **options):
        running = fake_platform.serve(host=host, port=port)
        self.stdout.write(f"Fake LINE platform at {running.url}")
        stopped = threading.Event()
        signal.signal(signal.SIGTERM, lambda *a: stopped.set())
        signal.signal(signal.SIGINT, lambda *a: stopped.set())
        stopped.wait()
        running.stop()
