"""What a page sent to the Meta Pixel: HAR files and recorded ``fbq`` calls.

**HAR 1.2** (browser devtools, Playwright ``record_har_path``, Charles): every
``log.entries[]`` whose ``request.url`` is the Pixel endpoint
``https://www.facebook.com/tr`` (also ``/tr/``) is one event. Its parameters
are the query string (``request.queryString``, else parsed from the URL) plus,
for a POST, the form body (``postData.params``, else ``postData.text`` as
``application/x-www-form-urlencoded`` or ``multipart/form-data``). The Pixel's
parameter names (as fbevents.js sends them and tag debuggers such as Omnibug
read them): ``id`` pixel ID, ``ev`` event name, ``eid`` the ``eventID`` of
``fbq('track', name, data, {eventID})``, ``fbp``/``fbc`` the ``_fbp``/``_fbc``
cookies, ``ud[...]`` advanced-matching keys (``ud[external_id]``, ``ud[em]``;
hashed by the Pixel), ``cd[...]`` custom data, ``ts`` time in milliseconds,
``dl`` page URL, ``rl`` referrer. ``ev=microdata`` and
``SubscribedButtonClick`` are Meta's automatic events, not tracked events.

**JSON Lines of recorded calls** (what a test harness records by wrapping
``fbq``): one object per line, ``{"pixel_id", "event_name", "event_id",
"fbp", "external_id", "custom_data", "time"}``; ``time`` is Unix seconds (or
milliseconds, or an ISO 8601 string); only ``event_name`` is required. A JSON
array of such objects is read the same way.

Values are kept as sent (they are compared, never printed): every output goes
through :mod:`capi_lint.mask`.
"""

from __future__ import annotations

import email.parser
import email.policy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from capi_lint import loader
from capi_lint.mask import mask_url
from capi_lint.model import PointerParts

PIXEL_HOSTS = frozenset({"www.facebook.com", "facebook.com", "web.facebook.com"})
PIXEL_PATHS = frozenset({"/tr", "/tr/"})
#: Events the Pixel sends on its own (not ``fbq('track', …)`` calls).
AUTOMATIC_EVENTS = frozenset({"microdata", "SubscribedButtonClick"})


class BrowserReadError(ValueError):
    """A browser file that cannot be read at all (message: path, line, column)."""


@dataclass(frozen=True)
class BrowserEvent:
    """One Pixel event, and where it was recorded."""

    pixel_id: str | None
    event_name: str
    event_id: str | None
    fbp: str | None
    external_id: tuple[str, ...]
    #: Unix seconds, or None when neither the request nor the record says.
    time: float | None
    path: str
    #: HAR entry index (0-based), or the line of a recorded call.
    index: int
    pointer: PointerParts
    line: int | None
    column: int | None
    #: The request URL, masked (HAR only).
    url: str | None = None

    @property
    def label(self) -> str:
        if self.url is not None:
            return f"HAR entry {self.index} ({self.url})"
        return f"recorded call on line {self.index}"

    def location(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path}
        if self.url is not None:
            out.update(har_entry=self.index, url=self.url)
        out.update(line=self.line, column=self.column, pointer=_pointer(self.pointer))
        return out


@dataclass
class BrowserRead:
    events: list[BrowserEvent]
    #: Pixel requests of automatic events (not paired).
    automatic: int = 0
    #: Lines for standard error (records that could not be read).
    notes: list[str] | None = None


def _pointer(parts: PointerParts) -> str:
    from capi_lint.model import format_pointer

    return format_pointer(parts)


def read_browser(path: str, limit: int = loader.DEFAULT_MAX_INPUT_SIZE) -> BrowserRead:
    """Read one HAR or recorded-calls file; BrowserReadError when unusable."""
    try:
        size = Path(path).stat().st_size
        if size > limit:
            raise BrowserReadError(f"{path}: larger than the maximum input size ({limit} bytes)")
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise BrowserReadError(f"cannot read {path}: {exc.strerror or exc}") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # HAR 1.2: tools must accept and ignore a BOM
    if loader.is_json_lines(raw):
        return _read_records(path, loader.iter_jsonl(path, raw, limit=limit))
    doc = loader.parse(path, raw)
    if not doc.parsed:
        problem = doc.problems[0] if doc.problems else None
        where = f"{problem.line}:{problem.column}: " if problem and problem.line else ""
        reason = problem.message if problem else "not JSON"
        raise BrowserReadError(f"{path}:{where}{reason}")
    root = doc.root
    if isinstance(root, dict) and isinstance(root.get("log"), dict):
        return _read_har(doc)
    if isinstance(root, list):
        return _read_records(path, [doc], array=True)
    raise BrowserReadError(
        f"{path}:1:1: neither a HAR file (an object with `log.entries`) nor recorded "
        'fbq calls (JSON Lines of {"event_name", …})'
    )


# ---------------------------------------------------------------------- HAR


def _read_har(doc: loader.Document) -> BrowserRead:
    entries = doc.root["log"].get("entries")
    if not isinstance(entries, list):
        line, column = doc.locator.locate(("log",))
        raise BrowserReadError(f"{doc.path}:{line}:{column}: `log.entries` is not an array")
    out = BrowserRead([], notes=[])
    for index, entry in enumerate(entries):
        request = entry.get("request") if isinstance(entry, dict) else None
        if not isinstance(request, dict) or not isinstance(request.get("url"), str):
            continue
        url = request["url"]
        parts = urlsplit(url)
        if (parts.hostname or "").lower() not in PIXEL_HOSTS or parts.path not in PIXEL_PATHS:
            continue
        params = _request_params(request, parts.query)
        name = params.get("ev")
        if not name:
            continue
        if name in AUTOMATIC_EVENTS:
            out.automatic += 1
            continue
        pointer = ("log", "entries", index)
        line, column = doc.locator.locate(pointer)
        fbp = params.get("fbp") or _cookie(request, "_fbp")
        out.events.append(
            BrowserEvent(
                pixel_id=params.get("id") or None,
                event_name=name,
                event_id=params.get("eid") or None,
                fbp=fbp or None,
                external_id=_values(params.get("ud[external_id]")),
                time=_ms(params.get("ts")) or _iso(entry.get("startedDateTime")),
                path=doc.path,
                index=index,
                pointer=pointer,
                line=line,
                column=column,
                url=mask_url(url),
            )
        )
    return out


def _request_params(request: Mapping[str, Any], query: str) -> dict[str, str]:
    """Query string, then form body; the first value of a name wins."""
    params: dict[str, str] = {}
    pairs = _pairs(request.get("queryString"))
    if pairs is None:
        pairs = parse_qsl(query, keep_blank_values=True)
    _merge(params, pairs)
    post = request.get("postData")
    if isinstance(post, dict):
        body = _pairs(post.get("params"))
        if body is None:
            body = _form_text(str(post.get("mimeType") or ""), post.get("text"))
        _merge(params, body)
    return params


def _pairs(items: Any) -> list[tuple[str, str]] | None:
    if not isinstance(items, list) or not items:
        return None
    out = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            value = item.get("value")
            out.append((item["name"], value if isinstance(value, str) else ""))
    return out


def _merge(params: dict[str, str], pairs: Iterable[tuple[str, str]]) -> None:
    for name, value in pairs:
        params.setdefault(name, value)


def _form_text(mime: str, text: Any) -> list[tuple[str, str]]:
    if not isinstance(text, str) or not text:
        return []
    if mime.lower().startswith("multipart/form-data"):
        return _multipart(mime, text)
    # application/x-www-form-urlencoded, text/plain (sendBeacon of a string), or unsaid.
    return parse_qsl(text, keep_blank_values=True)


def _multipart(mime: str, text: str) -> list[tuple[str, str]]:
    """The fields of a ``multipart/form-data`` body (what ``sendBeacon(FormData)`` posts)."""
    head = f"Content-Type: {mime}\r\n\r\n".encode()
    body = text.encode("utf-8", "surrogateescape")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    out: list[tuple[str, str]] = []
    if not message.is_multipart():
        return out
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)  # bytes, or None when empty
            value = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
            out.append((name, value))
    return out


def _cookie(request: Mapping[str, Any], name: str) -> str | None:
    for item in _pairs(request.get("cookies")) or ():
        if item[0] == name:
            return item[1]
    return None


def _values(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (str(value),)
    if isinstance(value, list):
        return tuple(v for item in value for v in _values(item))
    return ()


def _ms(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number / 1000 if number > 1e11 else number


def _iso(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


# ------------------------------------------------------------ recorded calls


def _read_records(path: str, docs: Iterable[loader.Document], array: bool = False) -> BrowserRead:
    notes: list[str] = []
    out = BrowserRead([], notes=notes)
    for doc in docs:
        if not doc.parsed:
            problem = doc.problems[0] if doc.problems else None
            line = problem.line if problem and problem.line else doc.first_line
            column = problem.column if problem and problem.column else 1
            notes.append(f"{path}:{line}:{column}: not a JSON record, skipped")
            continue
        records = doc.root if array else [doc.root]
        for position, record in enumerate(records):
            pointer: PointerParts = (position,) if array else ()
            line, column = doc.locator.locate(pointer)
            if not isinstance(record, dict) or not isinstance(record.get("event_name"), str):
                notes.append(
                    f"{path}:{line}:{column}: a recorded call needs an `event_name` string, skipped"
                )
                continue
            name = record["event_name"]
            if name in AUTOMATIC_EVENTS:
                out.automatic += 1
                continue
            event_id = record.get("event_id")
            pixel = record.get("pixel_id")
            time = record.get("time")
            out.events.append(
                BrowserEvent(
                    pixel_id=str(pixel) if isinstance(pixel, (str, int)) and pixel != "" else None,
                    event_name=name,
                    event_id=str(event_id)
                    if isinstance(event_id, (str, int)) and event_id != ""
                    else None,
                    fbp=record.get("fbp") if isinstance(record.get("fbp"), str) else None,
                    external_id=_values(record.get("external_id")),
                    time=_iso(time) if isinstance(time, str) else _ms(time),
                    path=path,
                    index=line,
                    pointer=pointer,
                    line=line,
                    column=column,
                )
            )
    return out
