"""What a parsed document is: a request body, one event, or an array of events.

This is where the S004–S008 findings come from, and where ``data`` sent as a
JSON-encoded string (the SDKs' form-encoded style) is decoded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from capi_lint import loader
from capi_lint.model import Hit, PointerParts, Severity

MAX_EVENTS = 1000
#: Appended to the message of findings inside a JSON-encoded ``data`` string.
ENCODED_NOTE = " (inside the JSON-encoded `data` string; the position is the string's)"
#: Appended to the message of findings inside an event sent as a JSON-encoded string.
ENCODED_EVENT_NOTE = " (inside the JSON-encoded event string; the position is the string's)"

REQUEST = "request"
EVENT = "event"
ARRAY = "array"
OTHER = "other"


@dataclass
class Envelope:
    kind: str
    #: The events in document order (may hold non-objects, which are skipped).
    events: Sequence[Any] = ()
    #: Pointer of the events array in the document (``('data',)``, ``()``).
    prefix: PointerParts = ()
    request: dict[str, Any] | None = None
    #: ``data`` was a JSON string: positions inside it are those of the string.
    encoded: bool = False
    #: Indexes of ``data`` items sent as JSON-encoded event strings (what
    #: ``facebook_business``'s ``EventRequest.get_params()`` posts); ``events``
    #: holds them decoded, and positions inside one are those of its string.
    encoded_items: frozenset[int] = frozenset()
    #: (code, hit) pairs, hits relative to the document root.
    hits: list[tuple[str, Hit]] = field(default_factory=list)

    def event_parts(self, index: int) -> PointerParts:
        if self.kind == EVENT:
            return ()
        return (*self.prefix, index)

    @property
    def has_encoded(self) -> bool:
        """Some events were decoded from JSON strings (their positions are the strings')."""
        return self.encoded or bool(self.encoded_items)

    def encoded_string(self, parts: PointerParts) -> PointerParts | None:
        """The pointer of the JSON string that holds ``parts``, if one does."""
        if parts[:1] != ("data",):
            return None
        if self.encoded:
            return ("data",)
        if len(parts) > 1 and parts[1] in self.encoded_items:
            return parts[:2]
        return None

    def locate_parts(self, parts: PointerParts) -> PointerParts:
        """Where in the text a pointer can be found (inside an encoded ``data``
        string or event string, only the string itself has a position)."""
        return self.encoded_string(parts) or parts

    def annotate(self, parts: PointerParts, hit: Hit) -> Hit:
        """A hit inside an encoded string says so (interface §2a)."""
        string = self.encoded_string(parts)
        if string is None or len(parts) < 2:
            return hit
        note = ENCODED_NOTE if self.encoded else ENCODED_EVENT_NOTE
        return hit._replace(message=hit.message + note)


def read(root: Any) -> Envelope:
    if isinstance(root, dict):
        if "event_name" in root or "event_time" in root:
            return Envelope(EVENT, events=(root,))
        return _request(root)
    if isinstance(root, list):
        env = Envelope(ARRAY, events=root)
        if not root:
            env.hits.append(("S007", Hit((), "the array holds no events")))
        bad = [i for i, item in enumerate(root) if not isinstance(item, dict)]
        if bad:
            shown = ", ".join(str(i) for i in bad[:5]) + (" …" if len(bad) > 5 else "")
            env.hits.append(
                (
                    "S004",
                    Hit(
                        (bad[0],),
                        f"top-level array holds {len(bad)} non-object item(s) (index {shown}); "
                        "expected an array of event objects",
                    ),
                )
            )
        _count_check(env, root, ())
        return env
    kind = {
        type(None): "null",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
    }.get(type(root), f"a {type(root).__name__}")
    return Envelope(
        OTHER,
        hits=[
            (
                "S004",
                Hit(
                    (),
                    f"top-level value is {kind}; expected a request body "
                    '{"data": [...]}, one event object or an array of events',
                ),
            )
        ],
    )


def _request(root: dict[str, Any]) -> Envelope:
    env = Envelope(REQUEST, prefix=("data",), request=root)
    data = root.get("data")
    if data is None:
        env.hits.append(
            (
                "S005",
                Hit(
                    (),
                    "request body has no `data`"
                    if "data" not in root
                    else "request body has `data: null`",
                    fix='put the events in "data": [ {...}, ... ]',
                ),
            )
        )
        return env
    if isinstance(data, str):
        try:
            decoded = orjson.loads(data)
        except orjson.JSONDecodeError:
            decoded = None
        if isinstance(decoded, list):
            decoded = loader.exact_integers(data, decoded, loader.reserialised(decoded))
            env.encoded = True
            env.hits.append(
                (
                    "S006",
                    Hit(
                        ("data",),
                        "`data` is a JSON-encoded string (form-encoded style); "
                        "it was decoded and its events checked",
                        severity=Severity.INFO,
                        fix="in a JSON body send `data` as an array",
                    ),
                )
            )
            data = decoded
        else:
            env.hits.append(
                ("S006", Hit(("data",), "`data` is a string that does not decode to a JSON array"))
            )
            return env
    if not isinstance(data, list):
        kind = {dict: "an object", bool: "a boolean", int: "a number", float: "a number"}.get(
            type(data), type(data).__name__
        )
        env.hits.append(
            ("S006", Hit(("data",), f"`data` is {kind}; it must be an array of events"))
        )
        return env
    if not data:
        env.hits.append(
            ("S007", Hit(("data",), "`data` is an empty array; send at least one event"))
        )
    _count_check(env, data, ("data",))
    # Also inside an encoded `data` string: the SDK's form post is `data=["{…}"]`.
    if any(type(item) is str for item in data):
        data = _decode_event_strings(env, data)
    env.events = data
    for index, item in enumerate(data):
        # A string left in `events` did not decode to an object: already reported.
        if not isinstance(item, dict) and type(item) is not str:
            env.hits.append(
                (
                    "S010",
                    Hit(("data", index), f"event {index} is not an object"),
                )
            )
    return env


def _decode_event_strings(env: Envelope, data: list[Any]) -> list[Any]:
    """``data`` items sent as JSON-encoded event strings, decoded (the document
    itself is left as it was: a copy of the list holds the decoded events)."""
    events = list(data)
    decoded_at: list[int] = []
    for index, item in enumerate(data):
        if type(item) is not str:
            continue
        try:
            decoded = orjson.loads(item)
        except orjson.JSONDecodeError:
            decoded = _NOT_JSON
        if isinstance(decoded, dict):
            events[index] = loader.exact_integers(item, decoded, loader.reserialised(decoded))
            decoded_at.append(index)
            continue
        what = (
            "a string that is not JSON"
            if decoded is _NOT_JSON
            else f"a JSON-encoded string that decodes to {_kind(decoded)}"
        )
        env.hits.append(
            (
                "S010",
                Hit(
                    ("data", index),
                    f"event {index} is not an object ({what})",
                    fix="send each event as an object, or as the JSON text of one object",
                ),
            )
        )
    env.encoded_items = frozenset(decoded_at)
    return events


_NOT_JSON = object()


def _kind(value: Any) -> str:
    return {
        type(None): "null",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        list: "an array",
    }.get(type(value), type(value).__name__)


def _count_check(env: Envelope, events: Sequence[Any], prefix: PointerParts) -> None:
    if len(events) > MAX_EVENTS:
        env.hits.append(
            (
                "S008",
                Hit(
                    prefix,
                    f"{len(events)} events in one request; Meta accepts at most {MAX_EVENTS}",
                    fix=f"split the batch into requests of at most {MAX_EVENTS} events",
                ),
            )
        )
