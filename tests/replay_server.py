"""A real HTTP server on 127.0.0.1 that replays scripted responses, for testing the HTTP path.

Why a real server (not mocks): retries, timeouts, Retry-After, headers and per-host locking are
behaviours of the socket conversation; only a real server shows that they happen.
Each route (path suffix after the base path) has a queue of `Reply`s, consumed in order; the last
one repeats. Every request is recorded, and a gauge records the highest number of requests being
served at the same time (shareable between servers).
"""
from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BASE_PATH = "/genesisws/rest/2020/"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    reset: bool = False   # close the socket with a TCP RST instead of answering (connection reset by peer)


@dataclass
class Recorded:
    method: str
    path: str            # route, i.e. path after BASE_PATH (e.g. "data/tablefile")
    query: dict
    form: dict
    headers: dict
    raw_path: str


class Gauge:
    """Concurrent requests now and at most."""

    def __init__(self):
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0

    def enter(self):
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)

    def leave(self):
        with self.lock:
            self.active -= 1


class ReplayServer:
    def __init__(self, gauge: Gauge | None = None):
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[Recorded] = []
        self.gauge = gauge or Gauge()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- script ---------------------------------------------------------------
    def route(self, path: str, *replies: Reply) -> None:
        self.routes[path] = list(replies)

    def _next(self, path: str) -> Reply:
        with self._lock:
            queue = self.routes.get(path)
            if not queue:
                return Reply(404, b"no route " + path.encode(), "text/plain")
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    # -- lifecycle ------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{BASE_PATH}"

    def start(self) -> "ReplayServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out separately: avoid 40 ms ACK stalls

            def log_message(self, *args):  # keep pytest output clean
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                route = parts.path[len(BASE_PATH):] if parts.path.startswith(BASE_PATH) else parts.path
                form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"),
                                                     keep_blank_values=True).items()}
                with server._lock:
                    server.requests.append(Recorded(
                        self.command, route, {k: v[0] for k, v in parse_qs(parts.query).items()},
                        form, {k.lower(): v for k, v in self.headers.items()}, self.path))
                server.gauge.enter()
                try:
                    reply = server._next(route)
                    if reply.delay:
                        time.sleep(reply.delay)
                    if reply.reset:
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        self.close_connection = True
                        self.connection.close()
                        return
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(reply.body)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and hung up
                finally:
                    server.gauge.leave()

            do_GET = do_POST = _handle

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "ReplayServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
