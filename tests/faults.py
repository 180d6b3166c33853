"""Faults on loopback, for the tests and bench/chaos.py: a TCP proxy that can freeze (a database or Redis
that stops answering without closing anything) and cut (every connection dropped)."""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading


class Proxy:
    """Relays 127.0.0.1:<port> to `target`. `freeze()` stops relaying (bytes wait, nothing closes: what a
    client sees of a server that hangs), `thaw()` resumes, `cut()` drops every connection, `down()` cuts
    and refuses new connections until `up()` (a server that was stopped, then started again)."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.frozen = threading.Event()
        self.stopped = threading.Event()
        self.refusing = threading.Event()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refusing.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            threading.Thread(target=self._relay, args=(client, upstream), daemon=True).start()

    def _relay(self, client: socket.socket, upstream: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        try:
            while not self.stopped.is_set():
                if self.frozen.is_set():
                    self.stopped.wait(0.02)
                    continue
                for key, _ in selector.select(timeout=0.05):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            selector.close()
            client.close()
            upstream.close()

    def freeze(self) -> None:
        self.frozen.set()

    def thaw(self) -> None:
        self.frozen.clear()

    def cut(self) -> None:
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for client, upstream in pairs:
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def down(self) -> None:
        self.refusing.set()
        self.cut()

    def up(self) -> None:
        self.refusing.clear()

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()
        self.cut()


async def forget_every_group() -> None:
    """What a Redis restarted empty (or channels_redis's group_expiry) does to open sockets: the channel
    layer forgets every group membership. In memory: its groups cleared. Redis: every key of the layer
    deleted (groups and queues) through a client of our own, so the layer's pooled connections — one pool
    per event loop, ess.live's sender loop included — are left as a restart would find them."""
    from channels.layers import channel_layers

    layer = channel_layers["default"]
    if hasattr(layer, "groups"):
        layer.groups.clear()
        return
    from django.conf import settings
    from redis import asyncio as aioredis

    client = aioredis.from_url(settings.REDIS_URL)
    try:
        keys = await client.keys(f"{layer.prefix}*")
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
