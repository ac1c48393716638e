"""The server side of a pair: events of Conversions API payloads.

Reads whatever ``capi-lint check`` reads (request bodies, single events,
arrays, JSON Lines, ``data`` and events sent as JSON-encoded strings), found
by the one file walker, and keeps per event only what pairing needs and where
the event is (file, line, column, pointer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from capi_lint import envelope as env_mod
from capi_lint import loader
from capi_lint.config import Settings
from capi_lint.files import Finder
from capi_lint.model import PointerParts, format_pointer

#: Action sources a Pixel event can be deduplicated with (None: not said).
WEB_SOURCES = frozenset({"website"})


@dataclass(frozen=True)
class ServerEvent:
    event_name: str
    event_id: str | None
    fbp: str | None
    external_id: tuple[str, ...]
    time: float | None
    path: str
    pointer: PointerParts
    line: int | None
    column: int | None

    @property
    def label(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}" if self.line else self.path
        pointer = format_pointer(self.pointer)
        return f"{where} {pointer}" if pointer else where

    def location(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "pointer": format_pointer(self.pointer),
        }


@dataclass
class ServerRead:
    events: list[ServerEvent] = field(default_factory=list)
    files: int = 0
    #: Events of other action sources (app, physical_store, …): not paired.
    other_sources: int = 0
    notes: list[str] = field(default_factory=list)


def read_server(paths: Sequence[str], settings: Settings) -> ServerRead:
    out = ServerRead()
    finder = Finder(settings.files, settings.max_input_size)
    for item in finder.find(list(paths)):
        if isinstance(item, tuple):
            path, problem = item
            out.notes.append(f"{path}: {problem.message}")
            continue
        out.files += 1
        raw = loader.read_bytes(item, settings.max_input_size)
        if isinstance(raw, loader.Problem):
            out.notes.append(f"{item.path}: {raw.message}")
            continue
        jsonl = loader.is_json_lines(raw, declared=item.jsonl)
        docs = (
            loader.iter_jsonl(item.path, raw, limit=settings.max_input_size)
            if jsonl
            else [loader.parse(item.path, raw)]
        )
        for doc in docs:
            if not doc.parsed:
                problem = doc.problems[0] if doc.problems else None
                where = f":{problem.line}:{problem.column}" if problem and problem.line else ""
                reason = problem.message if problem else "not JSON"
                out.notes.append(f"{item.path}{where}: {reason} (not paired)")
                continue
            _add_document(out, doc)
    out.notes.extend(
        f"skipped {path} (no CAPI event key in it: not a payload)" for path in finder.skipped
    )
    return out


def _add_document(out: ServerRead, doc: loader.Document) -> None:
    envelope = env_mod.read(doc.root)
    for index, event in enumerate(envelope.events):
        if not isinstance(event, dict):
            continue
        name = event.get("event_name")
        if not isinstance(name, str) or not name:
            continue
        source = event.get("action_source")
        if source is not None and source not in WEB_SOURCES:
            out.other_sources += 1
            continue
        parts = envelope.event_parts(index)
        line, column = doc.locator.locate(envelope.locate_parts(parts))
        user = event.get("user_data")
        user = user if isinstance(user, dict) else {}
        fbp = user.get("fbp")
        out.events.append(
            ServerEvent(
                event_name=name,
                event_id=_id(event.get("event_id")),
                fbp=fbp if isinstance(fbp, str) and fbp.strip() else None,
                external_id=_values(user.get("external_id")),
                time=_time(event.get("event_time")),
                path=doc.path,
                pointer=parts,
                line=line,
                column=column,
            )
        )


def _id(value: Any) -> str | None:
    # A numeric event_id (D-rules report the type) still pairs by its digits.
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, str)):
        text = str(value)
        return text if text.strip() else None
    return None


def _values(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, int) and not isinstance(value, bool):
        return (str(value),)
    if isinstance(value, list):
        return tuple(v for item in value for v in _values(item))
    return ()


def _time(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) / 1000 if value > 1e11 else float(value)
    if isinstance(value, str) and value.strip().isdigit():
        return _time(int(value.strip()))
    return None
