"""Pair Pixel events with server events the way Meta deduplicates them. No I/O.

Meta's two methods (Handling Duplicate Pixel and Conversions API Events):

1. **event ID and event name** (recommended): the Pixel's ``eventID``
   (``eid``) equals the server's ``event_id`` and the Pixel's ``event``
   (``ev``) equals the server's ``event_name``;
2. **fbp or external_id**: the same ``event_name`` with ``fbp`` and/or
   ``external_id`` used consistently on both sides. Here it is applied only
   when the two events do not carry different IDs (two different IDs say
   "different events").

Matches count within the deduplication window (48 hours, P005's option).
Each event pairs at most once. Output: one row per (pixel id, event name)
with the figures ``/dataset_quality`` reports (``event_coverage``,
``dedupe_key_feedback``), and verdicts of family P.

Server payloads do not say which pixel they are for (it is in the URL they
are posted to): a server event takes its twin's pixel, else ``--pixel-id``,
else the Pixel recording's only pixel id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from capi_lint.hashing import hash_part, sha256_hex
from capi_lint.mask import mask, mask_key
from capi_lint.model import Severity
from capi_lint.normalize import normalize_or_reason
from capi_lint.pair.browser import BrowserEvent
from capi_lint.pair.server import ServerEvent
from capi_lint.rules.event import STANDARD_EVENTS

DEDUP_KEYS = ("event_id", "fbp", "external_id")
_SPACING = re.compile(r"[\s_\-.]+")
_STANDARD = {name.lower(): name for name in STANDARD_EVENTS}


def show(value: str | None) -> str:
    """An event name or ID as a message may show it (masked if it looks personal)."""
    if value is None:
        return "(none)"
    return f"`{value}`" if mask_key(value) == value else mask(value)


def squash(name: str) -> str:
    return _SPACING.sub("", name).lower()


def canonical_external_ids(values: Sequence[str]) -> frozenset[str]:
    """external_id values as Meta compares them: normalised (Meta's normalisation:
    trim, lowercase), then SHA-256; a value already hashed is its lowercased digest."""
    out = set()
    for value in values:
        normalised, _reason = normalize_or_reason("external_id", value)
        if normalised is not None:
            out.add(sha256_hex(normalised))
            continue
        digest = hash_part(value.strip())
        if digest:
            out.add(digest.lower())
    return frozenset(out)


def _fbp(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


@dataclass(frozen=True)
class Verdict:
    """One finding before selection: code, where (browser and/or server), why."""

    code: str
    message: str
    fix: str | None
    browser: BrowserEvent | None = None
    server: ServerEvent | None = None
    severity: Severity | None = None
    extra: Mapping[str, Any] | None = None


@dataclass
class Row:
    pixel_id: str | None
    event_name: str
    browser_events: int = 0
    server_events: int = 0
    deduplicated_by_event_id: int = 0
    deduplicated_by_external_id_fbp: int = 0
    browser_with: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DEDUP_KEYS, 0))
    server_with: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DEDUP_KEYS, 0))
    deduplicated_with: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DEDUP_KEYS, 0))

    @property
    def predicted_event_coverage(self) -> float | None:
        if not self.browser_events:
            return None
        paired = self.deduplicated_by_event_id + self.deduplicated_by_external_id_fbp
        return _pct(paired, self.browser_events)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pixel_id": self.pixel_id,
            "event_name": self.event_name,
            "browser_events": self.browser_events,
            "server_events": self.server_events,
            "deduplicated_by_event_id": self.deduplicated_by_event_id,
            "deduplicated_by_external_id_fbp": self.deduplicated_by_external_id_fbp,
            "predicted_event_coverage": self.predicted_event_coverage,
            # In /dataset_quality's terms (AdsDatasetDedupKeyFeedback), as percentages.
            "dedupe_key_feedback": [
                {
                    "dedupe_key": key,
                    "browser_events_with_dedupe_key": _pct(
                        self.browser_with[key], self.browser_events
                    ),
                    "server_events_with_dedupe_key": _pct(
                        self.server_with[key], self.server_events
                    ),
                    "overall_browser_coverage_from_dedupe_key": _pct(
                        self.deduplicated_with[key], self.browser_events
                    ),
                }
                for key in DEDUP_KEYS
            ],
        }


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass
class PairResult:
    rows: list[Row]
    verdicts: list[Verdict]


def name_difference(browser: str, server: str) -> str:
    """How two event names differ, in words (P003's message)."""
    if browser.lower() == server.lower():
        return "they differ only in case (event names are case-sensitive)"
    if squash(browser) == squash(server):
        return "they differ only in spacing or punctuation"
    b_std, s_std = browser in STANDARD_EVENTS, server in STANDARD_EVENTS
    if b_std != s_std:
        standard, custom = (browser, server) if b_std else (server, browser)
        return (
            f"one is the standard event {show(standard)}, the other a custom event {show(custom)}"
        )
    return "they are different events"


class _Pairing:
    def __init__(
        self,
        browser: Sequence[BrowserEvent],
        server: Sequence[ServerEvent],
        pixel_id: str | None,
        window_seconds: float,
    ) -> None:
        self.browser = list(browser)
        self.server = list(server)
        self.window = window_seconds
        pixels = {b.pixel_id for b in self.browser if b.pixel_id}
        self.default_pixel = pixel_id or (next(iter(pixels)) if len(pixels) == 1 else None)
        # Per event: the twin index on the other side, and how it paired.
        self.b_twin: dict[int, int] = {}
        self.s_twin: dict[int, int] = {}
        #: browser index -> "event_id" | "fallback" | "window" | "name"
        self.b_how: dict[int, str] = {}
        self.s_how: dict[int, str] = {}
        self.fallback_keys: dict[int, tuple[str, ...]] = {}
        self.verdicts: list[Verdict] = []

    # -------------------------------------------------------------- helpers

    def pixel_of_server(self, index: int) -> str | None:
        twin = self.s_twin.get(index)
        if twin is not None:
            return self.browser[twin].pixel_id
        return self.default_pixel

    def same_pixel(self, b: BrowserEvent) -> bool:
        return self.default_pixel is None or b.pixel_id in (None, self.default_pixel)

    def apart(self, b: BrowserEvent, s: ServerEvent) -> float | None:
        if b.time is None or s.time is None:
            return None
        return abs(b.time - s.time)

    def link(self, bi: int, si: int, how: str) -> None:
        self.b_twin[bi], self.s_twin[si] = si, bi
        self.b_how[bi], self.s_how[si] = how, how

    def add(self, code: str, message: str, fix: str | None, **kw: Any) -> None:
        self.verdicts.append(Verdict(code, message, fix, **kw))

    # ----------------------------------------------------------------- run

    def run(self) -> PairResult:
        self.reused_ids()
        self.by_event_id()
        self.by_fbp_external_id()
        self.unpaired()
        self.inconsistent_ids()
        return PairResult(self.rows(), self.verdicts)

    def reused_ids(self) -> None:
        first: dict[tuple[str | None, str], int] = {}
        for bi, b in enumerate(self.browser):
            if b.event_id is None:
                continue
            key = (b.pixel_id, b.event_id)
            earlier = first.setdefault(key, bi)
            if earlier == bi:
                continue
            e = self.browser[earlier]
            same = e.event_name == b.event_name
            self.add(
                "P006",
                f"the Pixel sends `eid` {show(b.event_id)} again on {b.label}, "
                f"already sent on {e.label}"
                + (
                    f" for the same event {show(b.event_name)}: Meta keeps the first and "
                    "discards the later one"
                    if same
                    else f" for {show(e.event_name)}, now for {show(b.event_name)}: one ID "
                    "for different events"
                ),
                "give each action its own eventID (the order number, or a fresh random value)",
                browser=b,
                extra={"first_har_entry": e.index} if e.url is not None else None,
            )

    def by_event_id(self) -> None:
        by_id: dict[str, list[int]] = {}
        for bi, b in enumerate(self.browser):
            if b.event_id is not None:
                by_id.setdefault(b.event_id, []).append(bi)
        for si, s in enumerate(self.server):
            if s.event_id is None:
                continue
            candidates = [
                bi
                for bi in by_id.get(s.event_id, ())
                if bi not in self.b_twin and self.same_pixel(self.browser[bi])
            ]
            if not candidates:
                continue
            exact = [bi for bi in candidates if self.browser[bi].event_name == s.event_name]
            if exact:
                bi = exact[0]
                b = self.browser[bi]
                gap = self.apart(b, s)
                if gap is not None and gap > self.window:
                    self.link(bi, si, "window")
                    self.add(
                        "P005",
                        f"{show(b.event_name)} with event ID {show(b.event_id)}: the Pixel "
                        f"event ({b.label}) and the server event ({s.label}) are "
                        f"{gap / 3600:.1f} hours apart, beyond Meta's "
                        f"{self.window / 3600:g}-hour deduplication window: both are counted",
                        "send the server event in real time, with the action's time as event_time",
                        browser=b,
                        server=s,
                        extra={"hours_apart": round(gap / 3600, 1)},
                    )
                    continue
                self.link(bi, si, "event_id")
                self.keys_agree(b, s)
                continue
            bi = candidates[0]
            b = self.browser[bi]
            self.link(bi, si, "name")
            self.add(
                "P003",
                f"event ID {show(b.event_id)} is sent as {show(b.event_name)} by the Pixel "
                f"({b.label}) and as {show(s.event_name)} by the server ({s.label}): "
                f"{name_difference(b.event_name, s.event_name)}, so Meta does not "
                "deduplicate them",
                "use exactly the same event name on both sides",
                browser=b,
                server=s,
                extra={"browser_event_name": b.event_name, "server_event_name": s.event_name},
            )

    def keys_agree(self, b: BrowserEvent, s: ServerEvent) -> None:
        bf, sf = _fbp(b.fbp), _fbp(s.fbp)
        if bf and sf and bf != sf:
            self.add(
                "P004",
                f"{show(b.event_name)} with event ID {show(b.event_id)}: the server's "
                f"`user_data.fbp` ({s.label}) is not the browser's `fbp` ({b.label}): "
                f"{mask(sf)} vs {mask(bf)}",
                "forward the browser's _fbp cookie value unchanged to the server event",
                browser=b,
                server=s,
                extra={"dedupe_key": "fbp"},
            )
        be, se = canonical_external_ids(b.external_id), canonical_external_ids(s.external_id)
        if be and se and not be & se:
            self.add(
                "P004",
                f"{show(b.event_name)} with event ID {show(b.event_id)}: the server's "
                f"`user_data.external_id` ({s.label}) differs from the Pixel's "
                f"`ud[external_id]` ({b.label}) even after normalising and hashing",
                "send one external_id (the same ID, normalised and hashed the same way) on "
                "both sides",
                browser=b,
                server=s,
                extra={"dedupe_key": "external_id"},
            )

    def by_fbp_external_id(self) -> None:
        for si, s in enumerate(self.server):
            if si in self.s_twin:
                continue
            s_fbp = _fbp(s.fbp)
            s_ext = canonical_external_ids(s.external_id)
            if not s_fbp and not s_ext:
                continue
            best: tuple[float, int, tuple[str, ...]] | None = None
            for bi, b in enumerate(self.browser):
                if bi in self.b_twin or b.event_name != s.event_name or not self.same_pixel(b):
                    continue
                if b.event_id is not None and s.event_id is not None:
                    continue  # two different IDs: different events
                keys = _shared_keys(b, s_fbp, s_ext)
                if not keys:
                    continue
                gap = self.apart(b, s)
                if gap is not None and gap > self.window:
                    continue
                rank = gap if gap is not None else float("inf")
                if best is None or rank < best[0]:
                    best = (rank, bi, keys)
            if best is not None:
                self.link(best[1], si, "fallback")
                self.fallback_keys[best[1]] = best[2]

    def unpaired(self) -> None:
        server_names: dict[tuple[str | None, str], list[int]] = {}
        for si, s in enumerate(self.server):
            server_names.setdefault((self.pixel_of_server(si), squash(s.event_name)), []).append(si)
        browser_names = {(b.pixel_id, squash(b.event_name)) for b in self.browser}
        browser_names |= {(self.default_pixel, squash(b.event_name)) for b in self.browser}
        told: set[tuple[str | None, str]] = set()
        for bi, b in enumerate(self.browser):
            if bi in self.b_twin:
                continue
            pixel = b.pixel_id or self.default_pixel
            same = server_names.get((pixel, squash(b.event_name))) or server_names.get(
                (None, squash(b.event_name))
            )
            if not same:
                key = (pixel, b.event_name)
                if key in told:
                    continue
                told.add(key)
                count = sum(
                    1
                    for x in self.browser
                    if x.event_name == b.event_name and (x.pixel_id or self.default_pixel) == pixel
                )
                self.add(
                    "P001",
                    f"the server sends no {show(b.event_name)} event: the {count} Pixel "
                    f"event(s) of that name (first: {b.label}) have no Conversions API twin "
                    "(predicted event coverage 0%)",
                    f"send {show(b.event_name)} from the server too, with the Pixel's eventID",
                    browser=b,
                    severity=Severity.INFO,
                    extra={"event_name": b.event_name, "browser_events": count},
                )
                continue
            spelled = sorted({self.server[si].event_name for si in same} - {b.event_name})
            why = (
                "the server sends it as " + ", ".join(show(n) for n in spelled)
                if spelled and not any(self.server[si].event_name == b.event_name for si in same)
                else (
                    "the Pixel sends no eid and no server event shares its fbp / external_id"
                    if b.event_id is None
                    else f"no server event has event ID {show(b.event_id)} (nor, without an "
                    "ID, the same fbp / external_id)"
                )
            )
            self.add(
                "P001",
                f"Pixel event {show(b.event_name)} ({b.label}) has no server twin: {why}",
                "send the server event with the Pixel's eventID as event_id and the same "
                "event name",
                browser=b,
                extra={"event_name": b.event_name},
            )
        for si, s in enumerate(self.server):
            if si in self.s_twin or s.event_id is None:
                continue
            if (self.pixel_of_server(si), squash(s.event_name)) not in browser_names:
                continue
            self.add(
                "P002",
                f"server event {show(s.event_name)} has event ID "
                f"{show(s.event_id)}, which the Pixel never sent: Meta cannot deduplicate it",
                "pass the Pixel's eventID to the server instead of making up a new ID",
                server=s,
                extra={"event_name": s.event_name},
            )

    def inconsistent_ids(self) -> None:
        groups: dict[tuple[str | None, str], list[int]] = {}
        for bi, b in enumerate(self.browser):
            groups.setdefault((b.pixel_id, b.event_name), []).append(bi)
        for (_pixel, name), indexes in groups.items():
            without = [bi for bi in indexes if self.browser[bi].event_id is None]
            if not without or len(without) == len(indexes):
                continue
            b = self.browser[without[0]]
            self.add(
                "P007",
                f"the Pixel sends `eid` on {len(indexes) - len(without)} of {len(indexes)} "
                f"{show(name)} events; the first without one is {b.label}",
                "pass {eventID: id} to every fbq('track', …) call of this event",
                browser=b,
                extra={
                    "event_name": name,
                    "with_eid": len(indexes) - len(without),
                    "without_eid": len(without),
                },
            )

    # ---------------------------------------------------------------- rows

    def rows(self) -> list[Row]:
        rows: dict[tuple[str | None, str], Row] = {}

        def row(pixel: str | None, name: str) -> Row:
            key = (pixel, name)
            if key not in rows:
                rows[key] = Row(pixel, name)
            return rows[key]

        for bi, b in enumerate(self.browser):
            r = row(b.pixel_id or self.default_pixel, b.event_name)
            r.browser_events += 1
            r.browser_with["event_id"] += b.event_id is not None
            r.browser_with["fbp"] += _fbp(b.fbp) is not None
            r.browser_with["external_id"] += bool(b.external_id)
            how = self.b_how.get(bi)
            if how == "event_id":
                r.deduplicated_by_event_id += 1
                r.deduplicated_with["event_id"] += 1
            elif how == "fallback":
                r.deduplicated_by_external_id_fbp += 1
                for key in self.fallback_keys.get(bi, ()):
                    r.deduplicated_with[key] += 1
        for si, s in enumerate(self.server):
            r = row(self.pixel_of_server(si), s.event_name)
            r.server_events += 1
            r.server_with["event_id"] += s.event_id is not None
            r.server_with["fbp"] += _fbp(s.fbp) is not None
            r.server_with["external_id"] += bool(s.external_id)
        return sorted(rows.values(), key=lambda r: (r.pixel_id or "", r.event_name))


def _shared_keys(b: BrowserEvent, s_fbp: str | None, s_ext: frozenset[str]) -> tuple[str, ...]:
    """The keys both sides send with equal values, or () when one conflicts."""
    keys: list[str] = []
    b_fbp = _fbp(b.fbp)
    if b_fbp and s_fbp:
        if b_fbp != s_fbp:
            return ()
        keys.append("fbp")
    b_ext = canonical_external_ids(b.external_id)
    if b_ext and s_ext:
        if not b_ext & s_ext:
            return ()
        keys.append("external_id")
    return tuple(keys)


def pair_events(
    browser: Sequence[BrowserEvent],
    server: Sequence[ServerEvent],
    *,
    pixel_id: str | None = None,
    window_hours: float = 48,
) -> PairResult:
    """Every row and verdict (no selection, no severity overrides)."""
    return _Pairing(browser, server, pixel_id, window_hours * 3600).run()
