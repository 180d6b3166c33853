"""The server under test, as deployed on one machine: one daphne process (bench.settings: the project's
URLs plus a bare endpoint), one `manage.py worker` process, and the fake LINE platform (demo.fake_platform)
on loopback that the worker answers. Everything on 127.0.0.1; stop() ends only the processes started here."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "bench.settings"


def setup_django(settings: str = SETTINGS) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # a script: its ORM calls are sync
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


@dataclass
class Stack:
    server: object  # tests.browser.LiveServer
    platform: object  # bench.fake_line.PlatformProcess: the fake LINE platform, a process of its own
    worker: subprocess.Popen | None
    env: dict = field(default_factory=dict)
    worker_log: Path | None = None

    @property
    def url(self) -> str:
        return self.server.url

    def reply_token(self, user: str) -> str:
        return self.platform.reply_token(user)

    @property
    def pid(self) -> int:
        return self.server.process.pid

    def stop(self) -> None:
        self.stop_worker()
        self.server.stop()
        self.platform.stop()

    def start_worker(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            return
        self.worker_log = Path(f"/tmp/ess-bench-worker-{os.getpid()}.log")
        self.worker = subprocess.Popen(
            [sys.executable, "manage.py", "worker"],
            cwd=ROOT,
            env=self.env,
            stdout=self.worker_log.open("w"),
            stderr=subprocess.STDOUT,
        )

    def stop_worker(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            self.worker.terminate()
            try:
                self.worker.wait(15)
            except subprocess.TimeoutExpired:
                self.worker.kill()
        self.worker = None


def start(worker: bool = True, extra_env: dict | None = None) -> Stack:
    """daphne + worker + fake LINE platform on the database and Redis of this process's settings; `extra_env`
    goes to all three (e.g. BENCH_LINE_DELAY_MS for the platform, LINE_WEBHOOK_WRITER for daphne)."""
    from django.conf import settings
    from django.db import connection

    from bench import fake_line as platform_process
    from tests.browser import start_daphne, test_database_url

    platform = platform_process.start({**os.environ, "PYTHONPATH": str(ROOT), **(extra_env or {})})
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": test_database_url(),
        "PYTHONPATH": str(ROOT),
        "LINE_API_BASE_URL": platform.url,
        "LINE_DATA_API_BASE_URL": platform.url,
        "LINE_CHANNEL_SECRET": settings.LINE_CHANNEL_SECRET,
        **(extra_env or {}),
    }
    settings.LINE_API_BASE_URL = settings.LINE_DATA_API_BASE_URL = platform.url
    connection.close()
    server = start_daphne(env=env)
    stack = Stack(server=server, platform=platform, worker=None, env=env)
    if worker:
        stack.start_worker()
        time.sleep(1.0)
    return stack
