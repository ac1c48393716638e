"""A real HTTP server on 127.0.0.1 playing Meta's Graph API for many datasets.

Each dataset id maps to a behaviour: a report (JSON body), a Graph error, a
delay, or a queue of answers (a 429 first, then the report). The server also
enforces an app-level limit like Meta's: calls in a sliding window of
``window`` seconds, reported as ``X-App-Usage.call_count`` (percent of
``limit``); a call beyond the limit is answered with error code 4 and counted
in ``violations``. Nothing on the client side is mocked.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from helpers import serve_on_loopback, stop_server

TOKEN = "EAAFleetTestTOKEN0123456789qqLEAKCHECKqq"


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def web_report(emq: float, email: float, coverage: float = 80.0, **extra: Any) -> dict[str, Any]:
    """A /dataset_quality body with one Purchase entry (and whatever ``extra`` adds)."""
    entry = {
        "event_name": "Purchase",
        "event_match_quality": {
            "composite_score": emq,
            "match_key_feedback": [
                {"identifier": "email", "coverage": {"percentage": email}},
                {"identifier": "ip_address", "coverage": {"percentage": 99.0}},
            ],
            "diagnostics": extra.pop("diagnostics", []),
        },
        "event_coverage": {"percentage": coverage, "goal_percentage": 75},
    }
    events = [entry, *extra.pop("more", [])]
    return {"web": events}


def graph_error(code: int, message: str, status: int = 400) -> Answer:
    return Answer(status, {"error": {"message": message, "type": "OAuthException", "code": code}})


class FleetServer:
    def __init__(self, *, limit: int | None = None, window: float = 1.0) -> None:
        self.answers: dict[str, deque[Answer] | Answer] = {}
        self.default: Answer | None = None
        self.limit = limit
        self.window = window
        self.calls: deque[float] = deque()
        self.violations = 0
        self.requests: list[tuple[str, dict[str, list[str]], dict[str, str]]] = []
        self.max_usage = 0.0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                dataset = (query.get("dataset_id") or [""])[0] or (
                    "setup:" + parts.path.split("/")[-2]  # /vNN.0/{pixel_id}/setup_quality
                )
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer, usage = server._answer(parts.path, query, headers, dataset)
                if answer.delay:
                    time.sleep(answer.delay)
                data = json.dumps(answer.body).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                    self.send_header("Content-Length", str(len(data)))
                    if usage is not None:
                        self.send_header("X-App-Usage", json.dumps({"call_count": usage}))
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (timeout tests)
                    pass

            def log_message(self, *_args: Any) -> None:  # the request line may hold a token
                return

        self.httpd, self.url = serve_on_loopback(Handler)

    def _answer(
        self, path: str, query: dict[str, list[str]], headers: dict[str, str], dataset: str
    ) -> tuple[Answer, float | None]:
        with self._lock:
            self.requests.append((path, query, headers))
            usage = None
            if self.limit is not None:
                now = time.monotonic()
                while self.calls and self.calls[0] <= now - self.window:
                    self.calls.popleft()
                self.calls.append(now)
                usage = round(100.0 * len(self.calls) / self.limit, 1)
                self.max_usage = max(self.max_usage, usage)
                if len(self.calls) > self.limit:
                    self.violations += 1
                    return graph_error(4, "(#4) Application request limit reached", 403), usage
            found = self.answers.get(dataset, self.default)
            if isinstance(found, deque):
                found = found.popleft() if len(found) > 1 else found[0]
        if found is None:
            return graph_error(2044055, "dataset does not exist", 400), usage
        return found, usage

    def set(self, dataset: str, *answers: Answer) -> None:
        self.answers[dataset] = deque(answers) if len(answers) > 1 else answers[0]

    def close(self) -> None:
        stop_server(self.httpd)
