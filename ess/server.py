"""daphne, with a graceful stop: `python -m ess.server` takes daphne's own arguments
(`-b 127.0.0.1 -p 8001 --proxy-headers ess.asgi:application`) and serves exactly as daphne does.

Why: on SIGTERM daphne cancels every request in flight at once, so a restart cuts off whoever was
being answered (measured: a request in progress gets no response at all). This server, on SIGTERM,
first stops accepting connections (the proxy sends new requests to the other processes), lets the HTTP
requests already in progress finish — for at most ESS_DRAIN_SECONDS (default 10) — and only then does
what daphne does: cancel what is left and close websockets, which reconnect to another process and
catch up (the consoles ask for the events they missed).
"""

from __future__ import annotations

import logging
import os

from daphne.cli import CommandLineInterface
from daphne.http_protocol import WebRequest
from daphne.server import Server
from twisted.internet import defer, reactor, task

log = logging.getLogger("ess.server")

POLL_SECONDS = 0.1


def drain_seconds() -> float:
    raw = os.environ.get("ESS_DRAIN_SECONDS", "").strip()
    return float(raw) if raw else 10.0


def without_query(action_logger):
    """daphne's access log, minus query strings: a console search (?q=) may be a reporter's name or phone,
    and no log keeps personal data (docs/privacy.md). The path alone still says what was asked for."""
    if action_logger is None:
        return None

    def log(protocol, action, details):
        path = details.get("path")
        if isinstance(path, str) and "?" in path:
            details = {**details, "path": path.split("?", 1)[0]}
        return action_logger(protocol, action, details)

    return log


class DrainingServer(Server):
    def __init__(self, *args, action_logger=None, **kwargs):
        super().__init__(*args, action_logger=without_query(action_logger), **kwargs)

    def run(self):
        self.ports = []
        super().run()

    def listen_success(self, port):
        self.ports.append(port)
        return super().listen_success(port)

    def http_requests_in_flight(self) -> int:
        return sum(
            1
            for protocol, details in self.connections.items()
            if isinstance(protocol, WebRequest)
            and details.get("application_instance") is not None
            and not details["application_instance"].done()
        )

    @defer.inlineCallbacks
    def kill_all_applications(self):
        yield defer.DeferredList([defer.maybeDeferred(port.stopListening) for port in self.ports])
        waiting = self.http_requests_in_flight()
        log.info("Stopped accepting connections; %d HTTP request(s) in flight", waiting)
        deadline = reactor.seconds() + drain_seconds()
        while waiting and reactor.seconds() < deadline:
            yield task.deferLater(reactor, POLL_SECONDS, lambda: None)
            waiting = self.http_requests_in_flight()
        if waiting:
            log.warning("%d HTTP request(s) still running after %.0f s; cancelling them", waiting, drain_seconds())
        else:
            log.info("HTTP requests drained")
        result = yield super().kill_all_applications()
        return result


class DrainingCommandLineInterface(CommandLineInterface):
    server_class = DrainingServer


if __name__ == "__main__":
    DrainingCommandLineInterface.entrypoint()
