"""What a fleet run keeps of one dataset's report: figures per (channel, event name).

Only Meta's aggregate figures, the predicted coverage and finding counts:
never a token, never a payload value. Event names, identifiers, dedupe keys
and diagnostic names are Meta's labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from capi_lint.quality.crosscheck import canonical_identifier
from capi_lint.quality.evidence import Prediction
from capi_lint.quality.parse import OfflineEvent, QualityReport, WebEvent

WEB, OFFLINE = "web", "offline"


@dataclass
class EventSnapshot:
    channel: str
    event_name: str
    emq: float | None = None
    event_coverage: float | None = None
    coverage_goal: float | None = None
    acr: float | None = None
    upload_frequency: str | None = None
    #: Identifier as Meta names it -> reported coverage (%).
    match_keys: dict[str, float | None] = field(default_factory=dict)
    #: Identifier as Meta names it -> the payloads' valid share (%), when payloads were given.
    predicted: dict[str, float] = field(default_factory=dict)
    #: Dedupe key -> (browser %, server %, overall %, predicted %).
    dedupe: dict[str, tuple[float | None, ...]] = field(default_factory=dict)
    #: Diagnostic name -> percentage of events it affects.
    diagnostics: dict[str, float | None] = field(default_factory=dict)
    #: Offline scores: composite, match_key, frequency, freshness (0-10).
    offline: dict[str, float | None] = field(default_factory=dict)
    #: Payload events of this name (0: no payloads for it).
    payload_events: int = 0
    #: Where the entry sits in the response (not stored in the history).
    where: tuple[object, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.channel, self.event_name)


def snapshot(
    report: QualityReport, predictions: Mapping[tuple[str, str], Prediction]
) -> list[EventSnapshot]:
    out: list[EventSnapshot] = []
    seen: set[tuple[str, str]] = set()
    for entry in report.web:
        if entry.event_name and (WEB, entry.event_name) not in seen:
            seen.add((WEB, entry.event_name))
            out.append(_web(entry, predictions.get((WEB, entry.event_name))))
    for item in report.offline:
        if item.event_name and (OFFLINE, item.event_name) not in seen:
            seen.add((OFFLINE, item.event_name))
            out.append(_offline(item, predictions.get((OFFLINE, item.event_name))))
    return out


def _predicted(pred: Prediction | None, identifiers: list[str]) -> dict[str, float]:
    if pred is None or not pred.events:
        return {}
    out = {}
    for name in identifiers:
        canonical = canonical_identifier(name)
        if canonical is not None:
            out[name] = pred.valid_pct(canonical)
    return out


def _web(entry: WebEvent, pred: Prediction | None) -> EventSnapshot:
    snap = EventSnapshot(WEB, entry.event_name or "", acr=entry.acr, where=entry.where)
    snap.upload_frequency = entry.upload_frequency
    snap.payload_events = pred.events if pred else 0
    if entry.emq is not None:
        snap.emq = entry.emq.composite_score
        for key in entry.emq.match_keys or ():
            snap.match_keys[key.identifier] = key.coverage
        for diag in entry.emq.diagnostics or ():
            if diag.name:
                snap.diagnostics[diag.name] = diag.percentage
    if entry.event_coverage is not None:
        snap.event_coverage = entry.event_coverage.percentage
        snap.coverage_goal = entry.event_coverage.goal_percentage
    for item in entry.dedup_keys or ():
        predicted = pred.dedup_pct(item.dedupe_key) if pred and pred.events else None
        snap.dedupe[item.dedupe_key] = (item.browser, item.server, item.overall, predicted)
    snap.predicted = _predicted(pred, list(snap.match_keys))
    return snap


def _offline(entry: OfflineEvent, pred: Prediction | None) -> EventSnapshot:
    snap = EventSnapshot(OFFLINE, entry.event_name or "", where=entry.where)
    snap.payload_events = pred.events if pred else 0
    for name in ("composite", "match_key", "frequency", "freshness"):
        score = getattr(entry, name)
        snap.offline[name] = score.score if score is not None else None
    for ident, (value, _where) in entry.coverage.items():
        snap.match_keys[ident] = value
    snap.predicted = _predicted(pred, list(snap.match_keys))
    return snap
