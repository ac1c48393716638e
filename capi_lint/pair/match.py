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
Each event pairs at most once. Output: the :class:`~capi_lint.pairing.Pairing`
the P rules judge (:mod:`capi_lint.rules.pair`; twins by ID outside the window
or with another name are paired too, so that P005/P003 report them rather than
P001/P002), and one row per (pixel id, event name) with the figures
``/dataset_quality`` reports (``event_coverage``, ``dedupe_key_feedback``).

Server payloads do not say which pixel they are for (it is in the URL they
are posted to): a server event takes its twin's pixel, else ``--pixel-id``,
else the Pixel recording's only pixel id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from capi_lint.pair.browser import BrowserEvent
from capi_lint.pair.server import ServerEvent
from capi_lint.pairing import Pairing, Twin, apart
from capi_lint.rules._pair import canonical_external_ids, fbp_of, name_difference

__all__ = ["PairResult", "Row", "canonical_external_ids", "name_difference", "pair_events"]

DEDUP_KEYS = ("event_id", "fbp", "external_id")


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
    pairing: Pairing


def pair_events(
    browser: Sequence[BrowserEvent],
    server: Sequence[ServerEvent],
    *,
    pixel_id: str | None = None,
    window_hours: float = 48,
) -> PairResult:
    """The twins and the rows (no judgement: the P rules judge the pairing)."""
    pairing = _Pairer(browser, server, pixel_id, window_hours * 3600).run()
    return PairResult(rows(pairing), pairing)


class _Pairer:
    def __init__(
        self,
        browser: Sequence[BrowserEvent],
        server: Sequence[ServerEvent],
        pixel_id: str | None,
        window_seconds: float,
    ) -> None:
        self.browser = tuple(browser)
        self.server = tuple(server)
        self.window = window_seconds
        pixels = {b.pixel_id for b in self.browser if b.pixel_id}
        self.default_pixel = pixel_id or (next(iter(pixels)) if len(pixels) == 1 else None)
        self.twins: list[Twin] = []
        self.b_twin: set[int] = set()
        self.s_twin: set[int] = set()

    def same_pixel(self, b: BrowserEvent) -> bool:
        return self.default_pixel is None or b.pixel_id in (None, self.default_pixel)

    def link(self, bi: int, si: int, how: str, keys: tuple[str, ...] = ()) -> None:
        self.b_twin.add(bi)
        self.s_twin.add(si)
        self.twins.append(Twin(bi, si, how, keys))

    def run(self) -> Pairing:
        self.by_event_id()
        self.by_fbp_external_id()
        return Pairing(
            self.browser, self.server, tuple(self.twins), self.default_pixel, self.window
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
                gap = apart(self.browser[exact[0]], s)
                outside = gap is not None and gap > self.window
                self.link(exact[0], si, "window" if outside else "event_id")
                continue
            self.link(candidates[0], si, "name")

    def by_fbp_external_id(self) -> None:
        for si, s in enumerate(self.server):
            if si in self.s_twin:
                continue
            s_fbp = fbp_of(s.fbp)
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
                gap = apart(b, s)
                if gap is not None and gap > self.window:
                    continue
                rank = gap if gap is not None else float("inf")
                if best is None or rank < best[0]:
                    best = (rank, bi, keys)
            if best is not None:
                self.link(best[1], si, "fallback", best[2])


def _shared_keys(b: BrowserEvent, s_fbp: str | None, s_ext: frozenset[str]) -> tuple[str, ...]:
    """The keys both sides send with equal values, or () when one conflicts."""
    keys: list[str] = []
    b_fbp = fbp_of(b.fbp)
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


def rows(pairing: Pairing) -> list[Row]:
    """One row per (pixel id, event name): counts and how many paired, by which keys."""
    out: dict[tuple[str | None, str], Row] = {}

    def row(pixel: str | None, name: str) -> Row:
        key = (pixel, name)
        if key not in out:
            out[key] = Row(pixel, name)
        return out[key]

    for bi, b in enumerate(pairing.browser):
        r = row(b.pixel_id or pairing.default_pixel, b.event_name)
        r.browser_events += 1
        r.browser_with["event_id"] += b.event_id is not None
        r.browser_with["fbp"] += fbp_of(b.fbp) is not None
        r.browser_with["external_id"] += bool(b.external_id)
        twin = pairing.browser_twin(bi)
        if twin is None:
            continue
        if twin.how == "event_id":
            r.deduplicated_by_event_id += 1
            r.deduplicated_with["event_id"] += 1
        elif twin.how == "fallback":
            r.deduplicated_by_external_id_fbp += 1
            for key in twin.keys:
                r.deduplicated_with[key] += 1
    for si, s in enumerate(pairing.server):
        r = row(pairing.pixel_of_server(si), s.event_name)
        r.server_events += 1
        r.server_with["event_id"] += s.event_id is not None
        r.server_with["fbp"] += fbp_of(s.fbp) is not None
        r.server_with["external_id"] += bool(s.external_id)
    return sorted(out.values(), key=lambda r: (r.pixel_id or "", r.event_name))
