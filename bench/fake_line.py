"""The fake LINE platform (demo.fake_platform) in a process of its own, for the benchmarks: served from the
bench process, its answers to the worker waited behind the bench's own work (50 consoles' websockets, the
load generator) under one GIL, and the worker, which calls LINE one request at a time, slowed down with it.
Any reply token is accepted (the bench makes them up; the real platform issues one per event).

    python -m bench.fake_line        # prints "LISTENING http://127.0.0.1:<port>" and serves until killed

BENCH_LINE_DELAY_MS (default 0): every API answer comes that much later, as the real platform's do over the
internet (loopback answers in about a millisecond, which hides what the worker waits for LINE).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class AnyToken(dict):
    def get(self, key, default=None):
        return super().get(key, "U" + "0" * 32)


@dataclass
class PlatformProcess:
    process: subprocess.Popen
    url: str

    @staticmethod
    def reply_token(user: str) -> str:
        return uuid.uuid4().hex

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def start(env: dict) -> PlatformProcess:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.fake_line"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    line = process.stdout.readline()
    if not line.startswith("LISTENING "):
        process.kill()
        raise RuntimeError(f"the fake LINE platform did not start: {line!r}")
    return PlatformProcess(process=process, url=line.split()[1])


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from demo import fake_platform

    platform = fake_platform.FakeLine()
    platform._tokens = AnyToken(platform._tokens)
    platform.delay = float(os.environ.get("BENCH_LINE_DELAY_MS") or 0) / 1000
    running = fake_platform.serve(platform)
    print(f"LISTENING {running.url}", flush=True)
    running.thread.join()


if __name__ == "__main__":
    main()
