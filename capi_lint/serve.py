"""A local Conversions API endpoint for integration tests (``capi-lint serve``).

It accepts ``POST /{version}/{pixel_id}/events`` as Graph does -- a JSON body,
or the form-encoded / multipart body Meta's SDKs and ``curl -F`` send, where
``data`` is a JSON string and ``access_token``, ``test_event_code`` ... are
form fields -- lints the events and answers in Graph's shape:

- ``200 {"events_received": n, "messages": [], "fbtrace_id": ...}`` when no
  finding is at or above the fail level,
- ``400 {"error": {"message", "type": "OAuthException", "code": 100, ...}}``
  otherwise,

both with a ``capi_lint`` member holding the findings. ``GET
/_capi_lint/requests`` returns what was received (credentials and personal
data masked) and ``DELETE`` clears it. Nothing is ever forwarded anywhere:
the server makes no outgoing connection.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO
from urllib.parse import parse_qsl, unquote, urlsplit

from capi_lint import api
from capi_lint.config import Settings, build_settings
from capi_lint.mask import CREDENTIAL_KEYS, Redactor, mask
from capi_lint.model import Finding, Severity

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
DEFAULT_VERSION = "v24.0"
#: The last N requests are kept for GET /_capi_lint/requests (``--record-limit``).
DEFAULT_RECORD_LIMIT = 1000
#: Seconds one request may take to arrive, headers and body (``--request-timeout``);
#: an idle keep-alive connection is closed after as long.
DEFAULT_REQUEST_TIMEOUT = 30.0
#: Bytes of one request body (``--max-body-size``); larger ones get a 413 unread.
DEFAULT_MAX_BODY_SIZE = 32 * 1024 * 1024
MAX_BODY = DEFAULT_MAX_BODY_SIZE  # the former name
REQUESTS_PATH = "/_capi_lint/requests"
SDK_HINT = "pip install 'capi-lint[sdk]'"

_EVENTS_PATH = re.compile(r"^/(v\d+\.\d+)/([^/]+)/events/?$")
_CREDENTIALS = CREDENTIAL_KEYS
_MEDIA_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")
_AUTH_SCHEMES = frozenset({"bearer", "oauth"})  # Graph reads both
#: Graph's subcodes for the few rejections whose subcode is documented
#: (requirements.md §5.8, §7.1); other failures carry code 100 only.
SUBCODES: Mapping[str, int] = {"U009": 2804001, "U010": 2804001, "C001": 2804009}


# --------------------------------------------------------------------------- masking


def mask_payload(value: Any) -> Any:
    """A copy of a request body that is safe to store, print and return
    (:meth:`capi_lint.mask.Redactor.payload`, which the server uses per request)."""
    return Redactor().payload(value)


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class Received:
    """One request as the server recorded it: its JSON (masked) and its findings."""

    id: int
    text: str
    findings: tuple[Finding, ...]

    def to_dict(self) -> dict[str, Any]:
        return json.loads(self.text)


class NestedTooDeep(ValueError):
    """A JSON text inside a form body that the stdlib parser cannot read (its nesting)."""


def _trace_id() -> str:
    return "A" + secrets.token_urlsafe(16)[:22]


def graph_error(
    message: str,
    code: int,
    *,
    type_: str = "OAuthException",
    subcode: int | None = None,
    title: str | None = None,
    user_msg: str | None = None,
) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": type_, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["is_transient"] = False
    if title is not None:
        error["error_user_title"] = title
    if user_msg is not None:
        error["error_user_msg"] = user_msg
    error["fbtrace_id"] = _trace_id()
    return {"error": error}


def _form_fields(content_type: str, raw: bytes) -> list[tuple[str, str]]:
    """Form fields of a urlencoded or multipart body. ``content_type`` as sent: a
    multipart boundary is case-sensitive (browsers send ``----WebKitFormBoundaryAbC...``)."""
    if content_type.lower().startswith("multipart/form-data"):
        from email.parser import BytesParser
        from email.policy import HTTP

        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n" + raw
        )
        fields = []
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name:
                payload = part.get_payload(decode=True) or b""
                if isinstance(payload, bytes):
                    fields.append((str(name), payload.decode("utf-8", "replace")))
        return fields
    return parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)


def _loads(text: str) -> Any:
    """``json.loads``, with nesting the stdlib cannot follow reported as NestedTooDeep."""
    try:
        return json.loads(text)
    except RecursionError:
        raise NestedTooDeep from None


def _decode_data(data: Any) -> Any:
    """``data`` as the SDKs send it: a JSON string holding an array, whose items
    may themselves be JSON strings (the Python SDK's ``list<string>``)."""
    if isinstance(data, str):
        try:
            data = _loads(data)
        except NestedTooDeep:
            raise
        except ValueError:
            return data
    if isinstance(data, list):
        decoded = []
        for item in data:
            if isinstance(item, str):
                try:
                    value = _loads(item)
                except NestedTooDeep:
                    raise
                except ValueError:
                    value = item
                decoded.append(value if isinstance(value, dict) else item)
            else:
                decoded.append(item)
        return decoded
    return data


# --------------------------------------------------------------------------- server


class LintServer:
    """The endpoint, on a background thread (tests) or in the foreground (CLI).

    ``base_url`` is what the code under test should use instead of
    ``https://graph.facebook.com``; ``requests`` and ``findings`` are what it
    received, masked: the last ``record_limit`` requests. A request must arrive
    within ``request_timeout`` seconds and its body be at most ``max_body_size``
    bytes.
    """

    def __init__(
        self,
        settings: Settings | Mapping[str, Any] | None = None,
        host: str = DEFAULT_HOST,
        port: int = 0,
        *,
        log: TextIO | None = None,
        record_limit: int = DEFAULT_RECORD_LIMIT,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
    ) -> None:
        if record_limit < 1:
            raise ValueError("record_limit must be at least 1")
        if not request_timeout > 0:
            raise ValueError("request_timeout must be more than 0 seconds")
        if max_body_size < 1:
            raise ValueError("max_body_size must be at least 1 byte")
        if not isinstance(settings, Settings):
            settings = build_settings(settings or {})
        self.settings = settings
        self.log = log
        self.record_limit = record_limit
        self.request_timeout = float(request_timeout)
        self.max_body_size = max_body_size
        self._lock = threading.Lock()
        self._log_lock = threading.Lock()  # log lines whole, without holding the record
        self._received: deque[Received] = deque(maxlen=record_limit)
        self._counter = 0
        self._thread: threading.Thread | None = None
        self._restore: list[Callable[[], None]] = []
        self._watchers: list[Callable[[str, list[Any]], None]] = []
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.lint_server = self

    # ------------------------------------------------------------ lifecycle

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def url(self, pixel_id: str | int = "1234567890", version: str = DEFAULT_VERSION) -> str:
        """The events endpoint of one pixel (dataset) on this server."""
        return f"{self.base_url}/{version}/{pixel_id}/events"

    def start(self) -> LintServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},  # close() returns quickly
                name="capi-lint-serve",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def close(self) -> None:
        while self._restore:
            self._restore.pop()()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    stop = close

    def __enter__(self) -> LintServer:
        return self.start()

    def __exit__(self, *_exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------ what it received

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The last ``record_limit`` requests received, masked, oldest first."""
        with self._lock:
            kept = list(self._received)
        return [r.to_dict() for r in kept]

    @property
    def findings(self) -> list[Finding]:
        """The findings of the recorded events requests (masked like the record)."""
        with self._lock:
            return [f for r in self._received for f in r.findings]

    def watch(self, callback: Callable[[str, list[Any]], None]) -> None:
        """Call ``callback(pixel_id, events)`` for every events request to a valid
        pixel id, with its decoded, **unmasked** ``data``, on the server's thread.

        In-process only, for code that must compare values the record masks
        (``capi_lint_pair`` compares ``fbp`` and ``external_id`` with the
        Pixel's); it must keep what it needs without printing it.
        """
        with self._lock:
            self._watchers.append(callback)

    def clear(self) -> int:
        with self._lock:
            count = len(self._received)
            self._received.clear()
            return count

    def _listing(self) -> bytes:
        """``{"requests": [...]}``, from the records' stored JSON (no re-encoding)."""
        with self._lock:
            texts = [r.text for r in self._received]
        return ('{"requests": [' + ", ".join(texts) + "]}").encode("utf-8", "backslashreplace")

    # ------------------------------------------------------------ SDK helper

    def facebook_api(self, access_token: str = "capi-lint-test-token", **init: Any) -> Any:
        """Initialise the facebook-business SDK's default API so that its requests
        (e.g. ``EventRequest.execute()``) come here instead of Graph.

        The previous default API is restored when the server is closed. Needs the
        SDK: ``pip install 'capi-lint[sdk]'``.
        """
        try:
            from facebook_business.api import FacebookAdsApi
        except ImportError:
            raise ImportError(
                f"facebook_api() needs the facebook-business SDK: {SDK_HINT}"
            ) from None
        previous = FacebookAdsApi.get_default_api()
        init.setdefault("crash_log", False)  # never report crashes to Meta from a test
        api_ = FacebookAdsApi.init(access_token=access_token, **init)
        api_._session.GRAPH = self.base_url
        self._restore.append(lambda: FacebookAdsApi.set_default_api(previous))
        return api_

    # ------------------------------------------------------------ handling

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], raw: bytes
    ) -> tuple[int, dict[str, Any]]:
        """One HTTP request -> (status, JSON answer). No I/O besides the record and log."""
        status, data = self.respond(method, target, headers, raw)
        return status, json.loads(data)

    def respond(
        self, method: str, target: str, headers: Mapping[str, str], raw: bytes
    ) -> tuple[int, bytes]:
        """One HTTP request -> (status, the JSON answer's bytes).

        The boundary: every string of the answer, of the record and of the log
        line passes through this request's :class:`~capi_lint.mask.Redactor`.
        """
        split = urlsplit(target)
        if split.path.rstrip("/") == REQUESTS_PATH:
            if method == "GET":
                return 200, self._listing()
            if method == "DELETE":
                return 200, _encode({"cleared": self.clear()})
        redactor = Redactor()
        record: dict[str, Any] | None = None
        findings: list[Finding] = []
        try:
            status, answer, record, findings = self._route(method, split, headers, raw, redactor)
        except RecursionError:  # a parser or walk that is not ours: still an answer
            status, answer = 400, _too_deep("the request body")
        except Exception as exc:  # never a traceback, never the value that caused it
            status = 500
            answer = graph_error(f"capi-lint serve: internal error ({type(exc).__name__})", 1)
        answer = redactor.scrub(answer)
        if record is not None:
            self._record(record, status, answer, findings, redactor)
        else:
            self._log(f"{method} {redactor.path(split.path)[:80]} -> {status}", [], redactor)
        return status, _encode(answer)

    def _route(
        self,
        method: str,
        split: Any,
        headers: Mapping[str, str],
        raw: bytes,
        redactor: Redactor,
    ) -> tuple[int, dict[str, Any], dict[str, Any] | None, list[Finding]]:
        path = split.path
        match = _EVENTS_PATH.match(path)
        if not match or method != "POST":
            shown = redactor.path(path)
            shown = shown if len(shown) <= 80 else shown[:77] + "..."
            return 400, graph_error(f"Unknown path components: {shown}", 2500), None, []
        version, quoted_pixel = match.groups()
        pixel_id = unquote(quoted_pixel)
        content_type = (headers.get("Content-Type") or "").strip()
        query = parse_qsl(split.query, keep_blank_values=True)
        status, answer, findings, params, body = self._events(
            pixel_id, query, content_type, headers, raw, redactor
        )
        media = content_type.split(";")[0].strip().lower()
        record = {
            "method": method,
            "path": redactor.path(path),
            "api_version": version,
            "pixel_id": redactor.pixel(pixel_id),
            "content_type": media if _MEDIA_TYPE.fullmatch(media) or not media else mask(media),
            "params": params,
            "body": body,
        }
        return status, answer, record, findings

    def _events(
        self,
        pixel_id: str,
        query: list[tuple[str, str]],
        content_type: str,
        headers: Mapping[str, str],
        raw: bytes,
        redactor: Redactor,
    ) -> tuple[int, dict[str, Any], list[Finding], dict[str, Any], Any]:
        lowered = content_type.lower()
        params: dict[str, Any] = dict(query)
        body: Any = None
        payload: Any
        too_deep = False
        is_json = lowered.startswith("application/json") or (
            not lowered and raw.lstrip()[:1] in (b"{", b"[")
        )
        if is_json:
            try:
                body = _loads(raw.decode("utf-8"))
            except NestedTooDeep:
                too_deep = True
            except ValueError:
                body = None
            payload = raw  # lint the text itself: exact positions, duplicate keys, ...
            if isinstance(body, dict):
                for name in _CREDENTIALS & body.keys():
                    params[name] = body[name]
                if isinstance(body.get("data"), str):  # recorded decoded, as a form's
                    body = dict(body)
                    try:
                        body["data"] = _decode_data(body["data"])
                    except NestedTooDeep:
                        body["data"] = f"({len(body['data'])} characters of JSON nested too deep)"
        else:
            params.update(_form_fields(content_type, raw))
            body = {k: v for k, v in params.items() if k not in _CREDENTIALS}
            if "data" in body:
                try:
                    body["data"] = _decode_data(body["data"])
                except NestedTooDeep:
                    too_deep = True
                    body["data"] = f"({len(str(body['data']))} characters of JSON nested too deep)"
            payload = body
        shown_params: dict[str, Any] = {}
        for name, value in params.items():
            if name != "data":
                shown_params[redactor.key(name, shown_params)] = redactor.payload(value, name)
        shown_body: Any = redactor.payload(body) if body is not None else None
        if body is None and raw:
            what = "of JSON nested too deep to record" if too_deep else "that are not JSON"
            shown_body = f"({len(raw)} bytes {what})"

        token = params.get("access_token") or _bearer(headers.get("Authorization", ""))
        if not token:
            answer = graph_error("An access token is required to request this resource.", 104)
            return 400, answer, [], shown_params, shown_body
        if not (pixel_id.isdigit() and pixel_id.isascii()):
            answer = graph_error(
                f"Unsupported post request. Object with ID '{redactor.pixel(pixel_id)}' does "
                "not exist, cannot be loaded due to missing permissions, or does not support "
                "this operation.",
                100,
                type_="GraphMethodException",
                subcode=33,
            )
            return 400, answer, [], shown_params, shown_body
        if too_deep and not is_json:
            return 400, _too_deep("the form field `data`"), [], shown_params, shown_body

        findings = [
            f
            for f in api.check(payload, self.settings, path=f"/{pixel_id}/events")
            if f.pointer not in ("/access_token", "/appsecret_proof")  # transport, not payload
        ]
        events = body.get("data") if isinstance(body, dict) else None
        if isinstance(events, list):
            with self._lock:
                watchers = list(self._watchers)
            for watcher in watchers:
                watcher(pixel_id, events)
        received = sum(1 for e in events if isinstance(e, dict)) if isinstance(events, list) else 0
        level = self.settings.fail_on
        failing = [f for f in findings if f.severity.rank >= level.rank]
        report = {
            "fail_on": level.value,
            "summary": _summary(findings),
            "findings": [f.to_dict() for f in findings],
        }
        if not failing:
            answer = {
                "events_received": received,
                "messages": [],
                "fbtrace_id": _trace_id(),
                "capi_lint": report,
            }
            return 200, answer, findings, shown_params, shown_body
        first = failing[0]
        listed = "; ".join(f"{f.code} {f.message} ({f.pointer or '/'})" for f in failing[:5])
        more = f"; and {len(failing) - 5} more" if len(failing) > 5 else ""
        answer = graph_error(
            f"(#100) capi-lint: {len(failing)} finding(s) at or above {level.value}: "
            f"{listed}{more}",
            100,
            subcode=SUBCODES.get(first.code),
            title=f"capi-lint {first.code} {first.slug}",
            user_msg=first.message,
        )
        answer["capi_lint"] = report
        return 400, answer, findings, shown_params, shown_body

    def _record(
        self,
        record: dict[str, Any],
        status: int,
        answer: dict[str, Any],
        findings: list[Finding],
        redactor: Redactor,
    ) -> None:
        safe = [_scrubbed(f, redactor) for f in findings]
        record = redactor.scrub(record)
        with self._lock:
            self._counter += 1
            number = self._counter
        entry = {"id": number, **record, "status": status, "response": answer}
        entry["findings"] = [f.to_dict() for f in safe]
        text = json.dumps(entry, ensure_ascii=False)
        with self._lock:
            self._received.append(Received(number, text, tuple(safe)))
        self._log(f"{record['method']} {record['path']} -> {status}", safe, redactor)

    def _log(self, line: str, findings: list[Finding], redactor: Redactor) -> None:
        if self.log is None:
            return
        s = _summary(findings)
        lines = [
            f"capi-lint serve: {line}: "
            f"{s['errors']} error(s), {s['warnings']} warning(s), {s['infos']} info(s)"
        ]
        lines += [
            f"  {f.code} [{f.severity.value}] {f.pointer or '/'}: {f.message}" for f in findings
        ]
        text = redactor.scrub("\n".join(lines)) + "\n"
        with self._log_lock:
            self.log.write(text)
            self.log.flush()


def _scrubbed(finding: Finding, redactor: Redactor) -> Finding:
    return dataclasses.replace(
        finding,
        message=redactor.scrub(finding.message),
        path=redactor.scrub(finding.path),
        pointer=redactor.scrub(finding.pointer),
        fix=redactor.scrub(finding.fix) if finding.fix is not None else None,
        extra=redactor.scrub(dict(finding.extra)) if finding.extra else finding.extra,
    )


def _too_deep(what: str) -> dict[str, Any]:
    return graph_error(
        f"(#100) capi-lint: {what} is JSON nested too deep to read; Graph reads at most "
        "a few hundred levels and CAPI payloads need four",
        100,
    )


def _encode(answer: Any) -> bytes:
    return json.dumps(answer, ensure_ascii=False).encode("utf-8", "backslashreplace")


def _bearer(header: str) -> str | None:
    """The token of ``Authorization: Bearer <token>`` or ``OAuth <token>``."""
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() not in _AUTH_SCHEMES:
        return None
    return value.strip() or None


def _summary(findings: list[Finding]) -> dict[str, int]:
    counts = {"errors": 0, "warnings": 0, "infos": 0}
    for f in findings:
        if f.severity is Severity.ERROR:
            counts["errors"] += 1
        elif f.severity is Severity.WARNING:
            counts["warnings"] += 1
        else:
            counts["infos"] += 1
    return counts


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    lint_server: LintServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver prints a traceback to stderr; an exception's text can hold what
        # the client sent (a UnicodeDecodeError shows the bytes), so only its type goes
        # to the log. A client that vanishes mid-request is not worth a line.
        import sys

        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        log = self.lint_server.log
        if log is not None:
            with self.lint_server._log_lock:
                log.write(f"capi-lint serve: connection error ({type(error).__name__})\n")
                log.flush()


class _DeadlineReader(io.RawIOBase):
    """A socket's bytes, read before a deadline: every read waits at most for what
    is left of it, so a client that drips one byte a second still runs out."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.deadline = float("inf")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request took longer than --request-timeout")
        self._sock.settimeout(left)
        return self._sock.recv_into(buffer)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "capi-lint-serve"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self._reader = _DeadlineReader(self.connection)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        # One budget per request, the wait for its first line included (keep-alive).
        self._reader.deadline = time.monotonic() + self.server.lint_server.request_timeout
        super().handle_one_request()

    def _answer(self) -> None:
        lint = self.server.lint_server
        length = self.headers.get("Content-Length")
        try:
            size = int(length) if length else 0
        except ValueError:
            size = -1
        if size < 0:
            self.close_connection = True
            self._send(400, _encode(graph_error("Malformed Content-Length header", 100)))
            return
        if size > lint.max_body_size:
            self.close_connection = True  # the body is left unread
            message = (
                f"Request body of {size} bytes is over the limit of {lint.max_body_size} "
                "bytes (capi-lint serve --max-body-size)"
            )
            self._send(413, _encode(graph_error(message, 100)))
            return
        try:
            raw = self.rfile.read(size) if size else b""
        except TimeoutError:
            self.close_connection = True
            self._send(408, _encode(graph_error("Request timed out (--request-timeout)", 1)))
            return
        if len(raw) < size:  # the client closed early
            self.close_connection = True
            return
        headers = {k: v for k, v in self.headers.items()}
        status, data = lint.respond(self.command, self.path, headers, raw)
        self._send(status, data)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _answer

    def _send(self, status: int, data: bytes) -> None:
        # Writing gets a fresh budget: a client that does not read cannot hold the thread.
        self.connection.settimeout(self.server.lint_server.request_timeout)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client went away (or stopped reading): nothing to tell it
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        # The request line can carry ?access_token=...: the server logs its own masked line.
        return
