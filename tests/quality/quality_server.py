"""Helpers of the quality tests: a real HTTP server on 127.0.0.1 playing Meta's Graph API.

Each test queues the answers it wants (status, JSON body or raw bytes,
headers, an optional delay; or a body written chunk by chunk, slowly or
without end; or no answer at all) and reads back every request the client
made (path, query, headers) and how many body bytes each answer got out
before the client hung up. Nothing is mocked on the client side: httpx talks
to this server over a socket.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from helpers import serve_on_loopback, stop_server

DATA = Path(__file__).parent / "data"
#: A distinctive token: any leak shows up in a plain substring search.
TOKEN = "EAAQualityTestTOKEN0123456789zzLEAKCHECKzz"
APP_SECRET = "app-secret-for-tests-0123456789"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text("utf-8"))


def graph_error(code: int, nth: int = 0) -> dict[str, Any]:
    """The ``nth`` §6.8 fixture with this code, or one built in the same shape."""
    found = [b for b in load("errors.json") if b["error"]["code"] == code]
    if len(found) > nth:
        return found[nth]
    return {
        "error": {
            "message": f"(#{code}) constructed error",
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "AAAAAAAAAAZ",
        }
    }


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    #: The body, chunk by chunk (each flushed, ``drip`` seconds apart); sent
    #: with ``length`` as Content-Length, or until the connection closes.
    chunks: Callable[[], Iterator[bytes]] | None = None
    drip: float = 0.0
    length: int | None = None
    #: Close the connection without answering.
    drop: bool = False


@dataclass
class Sent:
    """What one answer got out: body bytes written, and whether the client hung up."""

    body_bytes: int = 0
    cut: bool = False
    #: Set when the server is done with the answer (written it all, or seen the hang-up).
    done: threading.Event = field(default_factory=threading.Event)

    def finished(self, timeout: float = 30.0) -> Sent:
        assert self.done.wait(timeout), "the server is still writing"
        return self


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


class GraphServer:
    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Seen] = []
        self.sent: list[Sent] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                with server._lock:
                    server.requests.append(
                        Seen(
                            parts.path,
                            parse_qs(parts.query, keep_blank_values=True),
                            {k.lower(): v for k, v in self.headers.items()},
                        )
                    )
                    reply = server.replies.popleft() if server.replies else None
                if reply is None:
                    reply = Reply(500, {"error": {"message": "no reply queued", "code": 1}})
                if reply.delay:
                    time.sleep(reply.delay)
                sent = Sent()
                with server._lock:
                    server.sent.append(sent)
                try:
                    self._answer(reply, sent)
                finally:
                    sent.done.set()

            def _answer(self, reply: Reply, sent: Sent) -> None:
                if reply.drop:
                    self.close_connection = True
                    return
                if reply.chunks is not None:
                    self._stream(reply, sent)
                    return
                data = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
                try:
                    self._head(reply, len(data))
                    self.wfile.write(data)
                    sent.body_bytes = len(data)
                except OSError:  # the client gave up (timeout tests)
                    sent.cut = True

            def _head(self, reply: Reply, length: int | None) -> None:
                if "Date" in reply.headers:  # the test's own Date, not the clock's
                    self.send_response_only(reply.status)
                else:
                    self.send_response(reply.status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                if length is not None:
                    self.send_header("Content-Length", str(length))
                else:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()

            def _stream(self, reply: Reply, sent: Sent) -> None:
                assert reply.chunks is not None
                try:
                    self._head(reply, reply.length)
                    self.wfile.flush()
                    for chunk in reply.chunks():
                        if reply.drip:
                            time.sleep(reply.drip)
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        sent.body_bytes += len(chunk)
                except OSError:  # the client hung up
                    sent.cut = True
                self.close_connection = True

            def log_message(self, *_args: Any) -> None:  # the request line may hold a token
                return

        self.httpd, self.url = serve_on_loopback(Handler)

    def reply(self, status: int = 200, body: Any = None, **kw: Any) -> GraphServer:
        self.replies.append(Reply(status, body, **kw))
        return self

    def close(self) -> None:
        stop_server(self.httpd)
