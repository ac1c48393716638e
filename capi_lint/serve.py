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

import json
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlsplit

from capi_lint import api
from capi_lint.config import Settings, build_settings
from capi_lint.mask import mask, mask_token
from capi_lint.model import Finding, Severity

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
DEFAULT_VERSION = "v24.0"
MAX_BODY = 32 * 1024 * 1024
REQUESTS_PATH = "/_capi_lint/requests"
SDK_HINT = "pip install 'capi-lint[sdk]'"

_EVENTS_PATH = re.compile(r"^/(v\d+\.\d+)/([^/]+)/events/?$")
_CREDENTIALS = frozenset({"access_token", "appsecret_proof"})
#: Graph's subcodes for the few rejections whose subcode is documented
#: (requirements.md §5.8, §7.1); other failures carry code 100 only.
SUBCODES: Mapping[str, int] = {"U009": 2804001, "U010": 2804001, "C001": 2804009}

# Keys whose values are personal data wherever they appear (user_data keys,
# and the same keys misplaced elsewhere in a broken payload).
_PII_KEYS = frozenset(
    {
        "em", "ph", "fn", "ln", "db", "ge", "ct", "st", "zp", "country", "external_id",
        "client_ip_address", "client_user_agent", "fbc", "fbp", "madid", "anon_id",
        "subscription_id", "fb_login_id", "lead_id", "ctwa_clid", "page_scoped_user_id",
        "ig_account_id", "ig_sid", "email", "phone", "first_name", "last_name",
        "date_of_birth", "gender", "city", "state", "zip", "street", "address",
    }
)  # fmt: skip
_URL_KEYS = frozenset({"event_source_url", "referrer_url", "url"})
_TOKEN_SHAPE = re.compile(r"EAA[A-Za-z0-9]{6,}")
_DIGIT_RUN = re.compile(r"\+?\(?\d[\d\s().-]{5,}\d")


# --------------------------------------------------------------------------- masking


def mask_payload(value: Any, key: str | None = None, personal: bool = False) -> Any:
    """A copy of a request body that is safe to store, print and return.

    Credentials are redacted; everything under ``user_data`` (and any key named
    like a customer-information key) goes through :func:`capi_lint.mask.mask`;
    URLs lose their query and fragment; other strings that look like an email,
    a phone number or a token are masked. Event names, times, values and
    currencies stay readable so tests can assert on them.
    """
    if key in _CREDENTIALS:
        return mask_token(value)
    personal = personal or key == "user_data" or key in _PII_KEYS
    if isinstance(value, dict):
        return {k: mask_payload(v, str(k), personal) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_payload(v, key, personal) for v in value]
    if personal:
        return mask(value)
    if isinstance(value, str):
        if key in _URL_KEYS:
            parts = urlsplit(value)
            if parts.scheme and parts.netloc:
                cut = value.split("?", 1)[0].split("#", 1)[0]
                return cut + ("?…" if parts.query or parts.fragment else "")
        if _looks_personal(value):
            return mask(value)
    return value


def _looks_personal(text: str) -> bool:
    """An email, a token, or a run of 7+ digits (a phone number, maybe inside a note)."""
    if "@" in text or _TOKEN_SHAPE.search(text):
        return True
    return any(sum(c.isdigit() for c in run) >= 7 for run in _DIGIT_RUN.findall(text))


# --------------------------------------------------------------------------- requests


@dataclass
class Received:
    """One request as the server saw it (masked) and what it answered."""

    id: int
    method: str
    path: str
    api_version: str | None
    pixel_id: str | None
    content_type: str
    params: dict[str, Any]
    body: Any
    status: int
    response: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "method": self.method,
            "path": self.path,
            "api_version": self.api_version,
            "pixel_id": self.pixel_id,
            "content_type": self.content_type,
            "params": self.params,
            "body": self.body,
            "status": self.status,
            "response": self.response,
            "findings": [f.to_dict() for f in self.findings],
        }


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
    if content_type.startswith("multipart/form-data"):
        from email.parser import BytesParser
        from email.policy import HTTP

        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
        )
        fields = []
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name:
                payload = part.get_payload(decode=True) or b""
                fields.append((str(name), payload.decode("utf-8", "replace")))
        return fields
    return parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)


def _decode_data(data: Any) -> Any:
    """``data`` as the SDKs send it: a JSON string holding an array, whose items
    may themselves be JSON strings (the Python SDK's ``list<string>``)."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return data
    if isinstance(data, list):
        decoded = []
        for item in data:
            if isinstance(item, str):
                try:
                    value = json.loads(item)
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
    received, masked.
    """

    def __init__(
        self,
        settings: Settings | Mapping[str, Any] | None = None,
        host: str = DEFAULT_HOST,
        port: int = 0,
        *,
        log: TextIO | None = None,
    ) -> None:
        if not isinstance(settings, Settings):
            settings = build_settings(settings or {})
        self.settings = settings
        self.log = log
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._counter = 0
        self._thread: threading.Thread | None = None
        self._restore: list[Callable[[], None]] = []
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
        """Every request received so far, masked, oldest first."""
        with self._lock:
            return [r.to_dict() for r in self._received]

    @property
    def findings(self) -> list[Finding]:
        """The findings of every events request received so far."""
        with self._lock:
            return [f for r in self._received for f in r.findings]

    def clear(self) -> int:
        with self._lock:
            count = len(self._received)
            self._received.clear()
            return count

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
        """One HTTP request -> (status, JSON answer). No I/O besides the record."""
        split = urlsplit(target)
        path = split.path
        query = parse_qsl(split.query, keep_blank_values=True)
        if path.rstrip("/") == REQUESTS_PATH:
            if method == "GET":
                return 200, {"requests": self.requests}
            if method == "DELETE":
                return 200, {"cleared": self.clear()}
        match = _EVENTS_PATH.match(path)
        if not match or method != "POST":
            shown = path if len(path) <= 80 else path[:77] + "..."
            return 400, graph_error(f"Unknown path components: {shown}", 2500)
        version, pixel_id = match.groups()
        content_type = (headers.get("Content-Type") or "").strip().lower()
        status, answer, findings, params, body = self._events(pixel_id, query, headers, raw)
        self._record(
            method, path, version, pixel_id, content_type, params, body, status, answer, findings
        )
        return status, answer

    def _events(
        self, pixel_id: str, query: list[tuple[str, str]], headers: Mapping[str, str], raw: bytes
    ) -> tuple[int, dict[str, Any], list[Finding], dict[str, Any], Any]:
        content_type = (headers.get("Content-Type") or "").strip().lower()
        params: dict[str, Any] = dict(query)
        body: Any = None
        payload: Any
        is_json = content_type.startswith("application/json") or (
            not content_type and raw.lstrip()[:1] in (b"{", b"[")
        )
        if is_json:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            payload = raw  # lint the text itself: exact positions, duplicate keys, ...
            if isinstance(body, dict):
                for name in _CREDENTIALS & body.keys():
                    params[name] = body[name]
        else:
            params.update(_form_fields(content_type, raw))
            body = {k: v for k, v in params.items() if k not in _CREDENTIALS}
            if "data" in body:
                body["data"] = _decode_data(body["data"])
            payload = body
        shown_params = {k: mask_payload(v, k) for k, v in params.items() if k != "data"}
        shown_body: Any = mask_payload(body) if body is not None else None
        if body is None and raw:
            shown_body = f"({len(raw)} bytes that are not JSON)"

        token = params.get("access_token") or _bearer(headers.get("Authorization", ""))
        if not token:
            answer = graph_error("An access token is required to request this resource.", 104)
            return 400, answer, [], shown_params, shown_body
        if not pixel_id.isdigit():
            answer = graph_error(
                f"Unsupported post request. Object with ID '{mask(pixel_id)}' does not exist, "
                "cannot be loaded due to missing permissions, or does not support this "
                "operation.",
                100,
                type_="GraphMethodException",
                subcode=33,
            )
            return 400, answer, [], shown_params, shown_body

        findings = [
            f
            for f in api.check(payload, self.settings, path=f"/{pixel_id}/events")
            if f.pointer not in ("/access_token", "/appsecret_proof")  # transport, not payload
        ]
        events = body.get("data") if isinstance(body, dict) else None
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

    def _record(self, *fields: Any) -> None:
        method, path, version, pixel_id, content_type, params, body, status, answer, findings = (
            fields
        )
        with self._lock:
            self._counter += 1
            self._received.append(
                Received(
                    self._counter,
                    method,
                    path,
                    version,
                    pixel_id,
                    content_type.split(";")[0],
                    params,
                    body,
                    status,
                    answer,
                    findings,
                )
            )
        if self.log is not None:
            s = _summary(findings)
            self.log.write(
                f"capi-lint serve: {method} {path} -> {status}: "
                f"{s['errors']} error(s), {s['warnings']} warning(s), {s['infos']} info(s)\n"
            )
            for finding in findings:
                self.log.write(
                    f"  {finding.code} [{finding.severity.value}] "
                    f"{finding.pointer or '/'}: {finding.message}\n"
                )
            self.log.flush()


def _bearer(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
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


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "capi-lint-serve"
    sys_version = ""

    def _answer(self) -> None:
        length = self.headers.get("Content-Length")
        try:
            size = int(length) if length else 0
        except ValueError:
            size = -1
        if size < 0 or size > MAX_BODY:
            self._send(413, graph_error("Request body too large or malformed length", 100))
            return
        raw = self.rfile.read(size) if size else b""
        headers = {k: v for k, v in self.headers.items()}
        status, answer = self.server.lint_server.handle(self.command, self.path, headers, raw)
        self._send(status, answer)

    do_GET = do_POST = do_DELETE = do_PUT = _answer

    def _send(self, status: int, answer: dict[str, Any]) -> None:
        data = json.dumps(answer, ensure_ascii=False).encode("utf-8", "backslashreplace")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line can carry ?access_token=...: the server logs its own masked line.
        return
