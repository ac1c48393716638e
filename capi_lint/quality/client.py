"""The Graph API client for ``/dataset_quality`` and ``/setup_quality``.

The only network code in capi-lint. ``httpx`` is imported when a client is
created, never at import time, so ``capi-lint check`` does not load it.

Secrets: the access token travels in ``Authorization: Bearer`` unless the
caller asks for the ``access_token`` query parameter; ``appsecret_proof``
(HMAC-SHA256 of the token keyed with the app secret) is a query parameter.
Neither ever appears in an exception message, a log line (httpx's own request
log included), a URL we return, or a saved response: :class:`Secrets` scrubs
them, and every httpx exception is re-raised as a :class:`GraphError` without
its cause.

Errors are mapped by ``error.code`` / ``error_subcode`` (quality-api.md §5.2),
never by HTTP status alone. Throttles (1, 2, 4, 17, 32, 613, 80000–80014, and a
plain HTTP 429), 5xx answers, timeouts and dropped connections are retried with
exponential backoff, waiting at least what ``X-Business-Use-Case-Usage``
(``estimated_time_to_regain_access``, minutes), ``Retry-After`` (seconds or an
HTTP-date) or a saturated ``X-App-Usage`` ask for, within a cap on the total wait.

Bounded: an answer is read as a stream and abandoned past ``max_response_bytes``
(decompressed size included), and the whole call -- every attempt, every read,
every wait -- is abandoned at a deadline of ``max_wait + timeout`` seconds, so
neither a huge answer nor a server that drips one byte at a time can hold the
process. (No read outlasts the deadline by more than its own ``timeout``: httpx
fixes a response's read timeout when the response starts.)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from capi_lint import __version__
from capi_lint.quality.parse import DATASET_QUALITY, SETUP_QUALITY, QualityParseError, loads

GRAPH_URL = "https://graph.facebook.com"
API_VERSION = "v25.0"
DEFAULT_TOKEN_ENV = "META_ACCESS_TOKEN"
#: The largest answer read (a full /dataset_quality answer is a few hundred KB).
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024

#: The complete ``fields`` expansion for the web block (quality-api.md §1.6).
WEB_FIELDS = (
    "web{event_name,"
    "event_match_quality{composite_score,"
    "match_key_feedback{identifier,coverage{percentage},"
    "potential_aly_acr_increase{percentage,description}},"
    "diagnostics{name,description,solution,percentage,affected_event_count,total_event_count}},"
    "event_coverage{percentage,goal_percentage,description,"
    "potential_aly_acr_increase{percentage,description}},"
    "dedupe_key_feedback{dedupe_key,browser_events_with_dedupe_key{percentage,description},"
    "server_events_with_dedupe_key{percentage,description},"
    "overall_browser_coverage_from_dedupe_key{percentage,description}},"
    "data_freshness{upload_frequency,description},"
    "acr{percentage,description},"
    "event_potential_aly_acr_increase{percentage,description}}"
)
#: The offline (beta) block: its default projection has every documented field.
OFFLINE_FIELDS = "offline"
#: ``/setup_quality`` returns the same node type; ask for what it documents.
SETUP_FIELDS = (
    "event_name,event_match_quality{composite_score,score_rating,"
    "match_key_feedback{identifier,coverage{percentage}}}"
)

_VERSION = re.compile(r"^v\d{1,3}\.\d{1,3}$")
_ID = re.compile(r"^\d{1,30}$")

log = logging.getLogger("capi_lint.quality")

#: Loggers whose records are scrubbed of every live secret (httpx logs the
#: full request URL at INFO, which holds the token in query mode).
_SCRUBBED_LOGGERS = (
    "capi_lint.quality",
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
)

# --------------------------------------------------------------------- secrets


class Secrets:
    """Values that must never be printed, and the function that removes them."""

    REDACTED = "(redacted)"

    def __init__(self, *values: str | None) -> None:
        forms: set[str] = set()
        for value in values:
            if value:
                forms.add(value)
                forms.add(quote(value, safe=""))
                forms.add(quote(value))
        # Longest first, so a token inside a longer encoded form goes whole.
        self._forms = sorted((f for f in forms if len(f) >= 4), key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._forms)

    def scrub(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, self.REDACTED)
        return text

    def __repr__(self) -> str:
        return f"Secrets({len(self._forms)} forms)"


class _ScrubFilter(logging.Filter):
    """Scrubs every registered client's secrets from log records."""

    def __init__(self) -> None:
        super().__init__("capi_lint.quality.scrub")
        self._lock = threading.Lock()
        self._active: dict[int, Secrets] = {}

    def register(self, key: int, secrets: Secrets) -> None:
        with self._lock:
            self._active[key] = secrets

    def unregister(self, key: int) -> None:
        with self._lock:
            self._active.pop(key, None)

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            active = list(self._active.values())
        if not active:
            return True
        try:
            text = record.getMessage()
        except Exception:  # a broken format string is not ours to fix
            return True
        clean = text
        for secrets in active:
            clean = secrets.scrub(clean)
        if clean != text:
            record.msg, record.args = clean, None
        return True


_FILTER = _ScrubFilter()
_FILTER_INSTALLED = False


def _install_filter() -> None:
    global _FILTER_INSTALLED
    if _FILTER_INSTALLED:
        return
    for name in _SCRUBBED_LOGGERS:
        logging.getLogger(name).addFilter(_FILTER)
    _FILTER_INSTALLED = True


def appsecret_proof(app_secret: str, token: str) -> str:
    """HMAC-SHA256 of the access token keyed with the app secret, hex (Graph's
    ``appsecret_proof``)."""
    return hmac.new(app_secret.encode("utf-8"), token.encode("utf-8"), hashlib.sha256).hexdigest()


def check_token(token: str) -> str:
    """A usable token (stripped), or ValueError with a message that never shows it."""
    token = token.strip()
    if not token:
        raise ValueError("the access token is empty")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in token):
        raise ValueError("the access token contains whitespace or control characters")
    if not token.isascii():
        raise ValueError("the access token contains non-ASCII characters")
    return token


# ---------------------------------------------------------------------- errors

#: ``error_subcode`` of code 190 -> what it means (Graph error-handling guide).
TOKEN_SUBCODES: Mapping[int, str] = {
    458: "the app is not installed for this user",
    459: "the user is checkpointed (must log in to Facebook to fix it)",
    460: "the password changed, which invalidated the token",
    463: "the token has expired",
    464: "the user is not confirmed",
    467: "the token is invalid (logged out or revoked)",
    492: "the session is invalid (the user's role on the business changed)",
}

#: Codes retried with backoff.
RETRY_CODES = frozenset({1, 2, 4, 17, 32, 613, *range(80000, 80015)})
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})


class GraphError(Exception):
    """A failed quality request. ``str()`` is one line, safe to print.

    ``kind`` is one of: ``auth``, ``permission``, ``invalid-parameter``,
    ``unknown-path``, ``dataset-not-found``, ``rate-limit``, ``transient``,
    ``server``, ``timeout``, ``dropped`` (the connection closed before a
    complete answer), ``network``, ``too-large``, ``malformed``, ``http``,
    ``graph``.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        code: int | None = None,
        subcode: int | None = None,
        http_status: int | None = None,
        fbtrace_id: str | None = None,
        attempts: int = 1,
        waited: float = 0.0,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.code = code
        self.subcode = subcode
        self.http_status = http_status
        self.fbtrace_id = fbtrace_id
        self.attempts = attempts
        self.waited = waited


def _graph_error(
    status: int, body: Mapping[str, Any], secrets: Secrets, dataset_id: str | None
) -> GraphError:
    found = body.get("error")
    error: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    subcode = error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
    trace = error.get("fbtrace_id") if isinstance(error.get("fbtrace_id"), str) else None
    message = error.get("message")
    meta = message if isinstance(message, str) else ""
    meta = secrets.scrub(" ".join(meta.split()))[:300]
    label = f"code {code}" + (f", subcode {subcode}" if subcode is not None else "")
    kind, text = _explain(code, subcode, meta, dataset_id)
    tail = f" (Meta: {meta!r}; {label}" + (f"; fbtrace_id {trace}" if trace else "") + ")"
    return GraphError(
        text + tail,
        kind=kind,
        code=code,
        subcode=subcode,
        http_status=status,
        fbtrace_id=trace,
    )


def _explain(
    code: int | None, subcode: int | None, meta: str, dataset_id: str | None
) -> tuple[str, str]:
    dataset = f"dataset {dataset_id}" if dataset_id else "the dataset"
    if code in (190, 102):
        why = TOKEN_SUBCODES.get(subcode or 0, "the token is invalid or expired")
        return "auth", (
            f"access token rejected: {why}; create a new one (a long-lived system-user "
            f"token with access to {dataset} is recommended)"
        )
    if code == 10 or (code is not None and 200 <= code <= 299):
        return "permission", (
            f"permission denied for {dataset}: the token's user needs at least "
            "'Use events dataset' access and the app needs ads_read plus "
            "ads_management or business_management"
        )
    if code == 100:
        if "permission" in meta.lower():
            return "permission", (
                f"the token cannot read quality data of {dataset} (code 100 'Missing "
                "Permission'): check that the token was issued for this dataset"
            )
        return "invalid-parameter", (
            "Meta rejected a request parameter (check --dataset-id, --agent-name, "
            "--api-version; older versions may not know every requested field)"
        )
    if code == 2500:
        return "unknown-path", (
            "unknown path: /dataset_quality is a root node "
            "(GET /vNN.0/dataset_quality?dataset_id=...), check --graph-url and --api-version"
        )
    if code == 2044055:
        return "dataset-not-found", f"{dataset} does not exist (or this token cannot see it)"
    if code in RATE_LIMIT_CODES:
        return "rate-limit", "Meta's rate limit was reached; wait before calling again"
    if code in (1, 2):
        return "transient", "Meta reported a temporary API error"
    if code in (341, 368):
        return (
            "rate-limit",
            "the app is temporarily blocked or over its limit; wait and retry later",
        )
    return "graph", "the Graph API returned an error"


# --------------------------------------------------------------- rate limiting


def _json_header(headers: Mapping[str, str], name: str) -> Any:
    raw = headers.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def header_wait(
    headers: Mapping[str, str], app_usage_wait: float = 60.0, now: float | None = None
) -> float:
    """Seconds the response's headers ask us to wait (0 when none).

    ``X-Business-Use-Case-Usage`` ``estimated_time_to_regain_access`` is in
    minutes; ``Retry-After`` is seconds or an HTTP-date (RFC 9110 §10.2.3),
    counted from the response's own ``Date`` when it has one (no clock skew),
    else from ``now`` (epoch seconds; the current time by default); a
    saturated ``X-App-Usage`` (any figure ≥ 100 %) asks for ``app_usage_wait``.
    """
    wait = 0.0
    buc = _json_header(headers, "x-business-use-case-usage")
    if isinstance(buc, Mapping):
        for entries in buc.values():
            for entry in entries if isinstance(entries, list) else [entries]:
                if isinstance(entry, Mapping):
                    minutes = entry.get("estimated_time_to_regain_access")
                    if isinstance(minutes, (int, float)) and not isinstance(minutes, bool):
                        wait = max(wait, float(minutes) * 60.0)
    wait = max(wait, retry_after(headers, now))
    if usage_percent(headers) >= 100:
        wait = max(wait, app_usage_wait)
    return wait


_DELAY_SECONDS = re.compile(r"\d{1,9}(?:\.\d{1,6})?")


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float:
    """``Retry-After`` in seconds (0 when absent, unreadable or in the past)."""
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return 0.0
    if _DELAY_SECONDS.fullmatch(value):
        return float(value)
    when = _http_date(value)
    if when is None:
        return 0.0
    sent = _http_date(headers.get("date") or "")
    base = sent if sent is not None else (time.time() if now is None else now)
    return max(0.0, when - base)


def _http_date(value: str) -> float | None:
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:  # RFC 9110 dates are GMT
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def usage_percent(headers: Mapping[str, str]) -> float:
    """The highest usage percentage in ``X-App-Usage`` / ``X-Business-Use-Case-Usage``."""
    top = 0.0
    app = _json_header(headers, "x-app-usage")
    blocks: list[Any] = [app] if isinstance(app, Mapping) else []
    buc = _json_header(headers, "x-business-use-case-usage")
    if isinstance(buc, Mapping):
        for entries in buc.values():
            blocks.extend(entries if isinstance(entries, list) else [entries])
    for block in blocks:
        if isinstance(block, Mapping):
            for name in ("call_count", "total_time", "total_cputime"):
                value = block.get(name)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    top = max(top, float(value))
    return top


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. ``backoff_base * 2**n`` seconds before retry ``n + 1``
    (at most ``backoff_max``), at least what the headers ask for, and never
    more than ``max_wait`` seconds of waiting in total. The whole call, waits
    and attempts together, is abandoned after ``max_wait`` plus the client's
    ``timeout`` (the last attempt's allowance)."""

    attempts: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    max_wait: float = 120.0
    #: Wait when ``X-App-Usage`` reports ≥ 100 % without saying for how long.
    app_usage_wait: float = 60.0
    #: Connection attempts the transport itself repeats (refused/reset).
    connect_retries: int = 2


# -------------------------------------------------------------------- the client


@dataclass
class QualityResponse:
    """A successful answer: the parsed body, its text (scrubbed) and where it came from."""

    endpoint: str
    #: The request URL without any secret and without ``fields`` (for findings).
    url: str
    status: int
    text: str
    data: dict[str, Any]
    attempts: int = 1
    waited: float = 0.0
    usage: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class QualityClient:
    """``GET /dataset_quality`` and ``GET /{pixel_id}/setup_quality``.

    ``timeout`` bounds each connect and each read; ``max_response_bytes``
    bounds an answer (after decompression); ``retry.max_wait + timeout``
    bounds the whole call. ``transport`` (an httpx transport) and
    ``sleep``/``clock`` exist for tests (``clock`` drives the deadline too).
    """

    def __init__(
        self,
        token: str,
        *,
        graph_url: str = GRAPH_URL,
        api_version: str = API_VERSION,
        app_secret: str | None = None,
        token_in_query: bool = False,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: Any = None,
    ) -> None:
        token = check_token(token)
        proof = appsecret_proof(app_secret, token) if app_secret else None
        self._secrets = Secrets(token, proof, app_secret)
        self._token = token
        self._proof = proof
        self.token_in_query = token_in_query
        self.graph_url = _check_graph_url(graph_url)
        if not _VERSION.match(api_version):
            raise ValueError(f"api version must look like v25.0, got {api_version!r}")
        self.api_version = api_version
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        if max_response_bytes < 1:
            raise ValueError("the response size limit must be at least 1 byte")
        self.max_response_bytes = max_response_bytes
        self._sleep = sleep
        self._clock = clock
        _install_filter()
        _FILTER.register(id(self), self._secrets)

        import httpx  # lazily: `capi-lint check` never pays for it

        self._httpx = httpx
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout),
            transport=transport or httpx.HTTPTransport(retries=self.retry.connect_retries),
            headers={
                "User-Agent": f"capi-lint/{__version__}",
                "Accept": "application/json",
                # Decoded here, within the size limit (see _decode).
                "Accept-Encoding": "gzip, deflate",
            },
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"QualityClient({self.graph_url!r}, {self.api_version!r}, token=(redacted))"

    def __enter__(self) -> QualityClient:
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()
        _FILTER.unregister(id(self))

    def scrub(self, text: str) -> str:
        return self._secrets.scrub(text)

    # ----------------------------------------------------------------- requests

    def dataset_quality(
        self, dataset_id: str, *, agent_name: str | None = None, offline: bool = False
    ) -> QualityResponse:
        dataset_id = _check_id(dataset_id, "dataset id")
        params = {"dataset_id": dataset_id}
        if agent_name:
            params["agent_name"] = agent_name
        fields = WEB_FIELDS + ("," + OFFLINE_FIELDS if offline else "")
        return self._get(DATASET_QUALITY, "dataset_quality", params, fields, dataset_id)

    def setup_quality(self, pixel_id: str, *, agent_name: str | None = None) -> QualityResponse:
        pixel_id = _check_id(pixel_id, "pixel id")
        params = {}
        if agent_name:
            params["agent_name"] = agent_name
        return self._get(SETUP_QUALITY, f"{pixel_id}/setup_quality", params, SETUP_FIELDS, pixel_id)

    def display_url(self, path: str, params: Mapping[str, str]) -> str:
        """The URL shown in findings: no token, no proof, no ``fields``."""
        base = f"{self.graph_url}/{self.api_version}/{path}"
        return base + ("?" + urlencode(dict(params)) if params else "")

    def _get(
        self,
        endpoint: str,
        path: str,
        params: dict[str, str],
        fields: str,
        dataset_id: str,
    ) -> QualityResponse:
        url = f"{self.graph_url}/{self.api_version}/{path}"
        shown = self.display_url(path, params)
        query = {**params, "fields": fields}
        headers: dict[str, str] = {}
        if self.token_in_query:
            query["access_token"] = self._token
        else:
            headers["Authorization"] = f"Bearer {self._token}"
        if self._proof:
            query["appsecret_proof"] = self._proof

        policy = self.retry
        deadline = self._clock() + policy.max_wait + self.timeout
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            response = self._attempt(url, query, headers, shown, dataset_id, deadline)
            if isinstance(response, QualityResponse):
                response.attempts, response.waited = attempt, waited
                if response.usage >= 90:
                    log.warning(
                        "Graph API usage at %.0f%% of the limit; space out further calls",
                        response.usage,
                    )
                return response
            error, asked = response.error, response.asked
            retryable = error.kind in RETRY_KINDS and (
                error.code is None or error.code in RETRY_CODES or error.http_status == 429
            )
            # What may still be spent waiting: the budget, and the time to the
            # deadline (a wait that leaves no time for the attempt is not made).
            remaining = min(policy.max_wait - waited, deadline - self._clock())
            backoff = min(policy.backoff_base * (2 ** (attempt - 1)), policy.backoff_max)
            wait = min(max(backoff, asked), max(remaining, 0.0))
            if (
                not retryable
                or attempt >= policy.attempts
                or remaining <= 0
                or self._clock() + wait >= deadline
            ):
                error.attempts, error.waited = attempt, waited
                if retryable and attempt > 1:
                    error.message = error.args[0] + (
                        f" [gave up after {attempt} attempts and {waited:.1f} s of waiting"
                        # Only when a header asked for a wait we could not afford.
                        + (f"; Meta asked for {asked:.0f} s" if asked > max(remaining, 0) else "")
                        + "]"
                    )
                    error.args = (error.message,)
                raise error
            log.info(
                "%s (attempt %d of %d); retrying in %.1f s",
                error.message,
                attempt,
                policy.attempts,
                wait,
            )
            started = self._clock()
            self._sleep(wait)
            waited += max(wait, self._clock() - started)

    def _attempt(
        self,
        url: str,
        query: dict[str, str],
        headers: dict[str, str],
        shown: str,
        dataset_id: str,
        deadline: float,
    ) -> QualityResponse | _Failure:
        """One GET: the response, or the error and how long the headers ask to wait."""
        httpx = self._httpx
        left = deadline - self._clock()
        if left <= 0:
            return _Failure(self._late(shown))
        try:
            # No single read may outlast the deadline either.
            with self._http.stream(
                "GET",
                url,
                params=query,
                headers=headers,
                timeout=httpx.Timeout(min(self.timeout, left)),
            ) as reply:
                raw = self._read_body(reply, shown, deadline)
        except GraphError as exc:
            return _Failure(exc)
        except httpx.TimeoutException:
            if self._clock() >= deadline:
                return _Failure(self._late(shown))
            return _Failure(
                GraphError(f"no answer from {shown} within {self.timeout:g} s", kind="timeout")
            )
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            # The server (or a proxy) closed the connection mid-exchange: retried.
            return _Failure(
                GraphError(
                    f"the connection to {self.graph_url} closed before a complete answer",
                    kind="dropped",
                )
            )
        except Exception as exc:  # httpx.HTTPError, InvalidURL, ...: never show the URL
            reason = self.scrub(f"{type(exc).__name__}: {exc}")[:200]
            return _Failure(GraphError(f"cannot reach {self.graph_url}: {reason}", kind="network"))
        lowered = {k.lower(): v for k, v in reply.headers.items()}
        asked = header_wait(lowered, self.retry.app_usage_wait)
        status = reply.status_code
        log.debug("GET %s -> %d", shown, status)

        def fail(message: str, kind: str) -> _Failure:
            return _Failure(GraphError(message, kind=kind, http_status=status), asked)

        try:
            body = loads(raw)
        except QualityParseError as exc:
            if status >= 500:
                return fail(f"Meta's server answered HTTP {status}", "server")
            if status == 429:
                return fail(f"HTTP 429 (too many requests) from {shown}", "rate-limit")
            if 200 <= status < 300:
                return fail(f"malformed response from {shown}: {exc}", "malformed")
            return fail(f"HTTP {status} from {shown} without a JSON body", "http")
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            error = _graph_error(status, body, self._secrets, dataset_id)
            if body["error"].get("is_transient") is True and error.kind == "graph":
                error.kind = "transient"
            if status >= 500 and error.kind == "graph":
                error.kind = "server"
            if status == 429 and error.kind in ("graph", "invalid-parameter"):
                error.kind = "rate-limit"
            return _Failure(error, asked)
        if status >= 500:
            return fail(f"Meta's server answered HTTP {status}", "server")
        if status == 429:
            return fail(f"HTTP 429 (too many requests) from {shown}", "rate-limit")
        if not 200 <= status < 300:
            return fail(f"HTTP {status} from {shown}", "http")
        if not isinstance(body, dict):
            return fail(f"malformed response from {shown}: expected a JSON object", "malformed")
        received = raw.decode("utf-8", "replace")
        text = self.scrub(received)
        if text != received:
            # A paging URL can carry the token back; keep the data, drop the secret.
            body = json.loads(text)
        return QualityResponse(
            endpoint=SETUP_QUALITY if url.endswith("/setup_quality") else DATASET_QUALITY,
            url=shown,
            status=status,
            text=text,
            data=body,
            usage=usage_percent(lowered),
            headers={
                k: v
                for k, v in lowered.items()
                if k in ("x-app-usage", "x-business-use-case-usage", "x-fb-trace-id")
            },
        )

    def _late(self, shown: str) -> GraphError:
        total = self.retry.max_wait + self.timeout
        return GraphError(
            f"no complete answer from {shown} within the {total:g} s deadline "
            f"(max-wait {self.retry.max_wait:g} s + timeout {self.timeout:g} s)",
            kind="timeout",
        )

    def _read_body(self, reply: Any, shown: str, deadline: float) -> bytes:
        """The decoded body, read chunk by chunk: GraphError past the size limit
        or the deadline (a server dripping bytes never times a single read out)."""
        limit = self.max_response_bytes
        declared = reply.headers.get("content-length", "")
        encoding = reply.headers.get("content-encoding", "identity").strip().lower()
        if declared.isdigit() and int(declared) > limit:
            raise self._too_large(shown, f"announced {int(declared):,} bytes")
        decoder = _decoder(encoding, shown)
        parts: list[bytes] = []
        size = 0
        for chunk in reply.iter_raw():
            if self._clock() >= deadline:
                raise self._late(shown)
            # At most one byte past the limit comes out of a compressed chunk.
            data = _inflate(decoder, chunk, limit + 1 - size, shown) if decoder else chunk
            size += len(data)
            if size > limit:
                raise self._too_large(shown, "decompressed" if decoder else "read so far")
            parts.append(data)
        if decoder is not None:
            tail = _inflate(decoder, b"", limit + 1 - size, shown)
            size += len(tail)
            if size > limit:
                raise self._too_large(shown, "decompressed")
            parts.append(tail)
        return b"".join(parts)

    def _too_large(self, shown: str, what: str) -> GraphError:
        return GraphError(
            f"the answer from {shown} is larger than the {_size(self.max_response_bytes)} "
            f"limit ({what}); raise it with --max-response-mib if the answer is genuine",
            kind="too-large",
        )


#: Error kinds worth another attempt (with a Graph error code of RETRY_CODES, or none).
RETRY_KINDS = frozenset({"rate-limit", "transient", "server", "timeout", "dropped"})


def _decoder(encoding: str, shown: str) -> Any:
    """A zlib decompressor for ``Content-Encoding`` (None for identity); decoding
    here, with a bound per chunk, is what keeps a compression bomb small."""
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib or gzip header
    raise GraphError(
        f"the answer from {shown} uses an unsupported Content-Encoding", kind="malformed"
    )


def _inflate(decoder: Any, chunk: bytes, room: int, shown: str) -> bytes:
    try:
        return decoder.decompress(decoder.unconsumed_tail + chunk, room)
    except zlib.error:
        raise GraphError(
            f"the answer from {shown} is not valid compressed data", kind="malformed"
        ) from None


def _size(n: int) -> str:
    mib = n / (1024 * 1024)
    return f"{mib:g} MiB" if mib >= 1 else f"{n:,} bytes"


@dataclass
class _Failure:
    error: GraphError
    #: Seconds the response headers ask to wait before the next call.
    asked: float = 0.0


def _check_graph_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"graph URL must be an http(s) URL, got {value!r}")
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError("graph URL must not carry a query, fragment or credentials")
    return value.strip().rstrip("/")


def _check_id(value: str, what: str) -> str:
    value = str(value).strip()
    if not _ID.match(value):
        raise ValueError(f"{what} must be digits only, got {value!r}")
    return value
