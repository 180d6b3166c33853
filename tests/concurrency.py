"""Run a function in several threads at once, each with its own database connection."""

import threading
from collections.abc import Callable

from django.db import close_old_connections, connection


def run_together(fn: Callable[[int], object], n: int) -> list[tuple[str, object]]:
    """Start `n` threads that call fn(i) at the same moment; return ("ok", result) or ("error", exc)."""
    barrier = threading.Barrier(n)
    results: list[tuple[str, object]] = [("missing", None)] * n

    def worker(i: int) -> None:
        close_old_connections()
        try:
            barrier.wait(timeout=30)
            results[i] = ("ok", fn(i))
        except Exception as exc:
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results
