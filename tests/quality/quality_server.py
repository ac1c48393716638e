"""Helpers of the quality tests: a real HTTP server on 127.0.0.1 playing Meta's Graph API.

Each test queues the answers it wants (status, JSON body or raw bytes,
headers, an optional delay) and reads back every request the client made
(path, query, headers). Nothing is mocked on the client side: httpx talks to
this server over a socket.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

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


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


class GraphServer:
    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Seen] = []
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
                data = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (timeout tests)
                    pass

            def log_message(self, *_args: Any) -> None:  # the request line may hold a token
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def reply(self, status: int = 200, body: Any = None, **kw: Any) -> GraphServer:
        self.replies.append(Reply(status, body, **kw))
        return self

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
