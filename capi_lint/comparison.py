"""The cross-check's input: predicted figures held against reported ones. Plain data, no I/O.

The X rules (:mod:`capi_lint.rules.crosscheck`) are pure functions over a
:class:`ChannelComparison`: what Meta's ``/dataset_quality`` (or
``/setup_quality``) response reports for one channel (``web`` or ``offline``),
parsed by :mod:`capi_lint.quality.parse`, next to what the linted payloads
predict per event name (:class:`Prediction`, merged
:class:`~capi_lint.model.CoverageRow` figures plus the :class:`Evidence`
that explains a gap). :mod:`capi_lint.quality.crosscheck` builds these inputs
and runs the selected X rules through the engine's finding path.

This module imports nothing but the model, so that rules can use it without
importing the engine, the coverage predictor or the quality client.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

# The identifier tables live in model (coverage rows count by them).
from capi_lint.model import DEDUP_KEYS, IDENTIFIERS, CoverageRow, PointerParts

if TYPE_CHECKING:  # types only: the quality package imports the engine
    from capi_lint.quality.parse import OfflineEvent, WebEvent

#: Other spellings Meta's reports may use for the same identifier [inf].
IDENTIFIER_ALIASES: Mapping[str, str] = {
    "zip_code": "zip",
    "postal_code": "zip",
    "facebook_login_id": "fb_login_id",
    "click_id": "fbc",
    "browser_id": "fbp",
}


def canonical_identifier(name: str) -> str | None:
    """A report's identifier -> the coverage identifier, or None (unmapped)."""
    key = name.strip().lower()
    if key in IDENTIFIERS:
        return key
    return IDENTIFIER_ALIASES.get(key)


def carriers(identifier: str) -> list[str]:
    """The user_data keys that carry an identifier (SDK parts flattened)."""
    out: list[str] = []
    for carrier in IDENTIFIERS.get(identifier, ()):
        out.extend(carrier if isinstance(carrier, tuple) else (carrier,))
    return out


@dataclass
class Evidence:
    """What explains gaps, for one (channel, event_name, agent_name)."""

    events: int = 0
    #: user_data key -> rule code -> events with a finding of that code on it.
    key_findings: dict[str, Counter[str]] = field(default_factory=dict)
    ip_parsed: int = 0
    ipv4: int = 0
    non_public_ip: int = 0
    fbc_present: int = 0
    fbc_modified: int = 0
    #: seconds between event_time and the reference time (0 for the future).
    lags: list[int] = field(default_factory=list)
    #: UTC day numbers (event_time // 86400) that have events.
    days: set[int] = field(default_factory=set)

    def merge(self, other: Evidence) -> None:
        self.events += other.events
        for key, codes in other.key_findings.items():
            self.key_findings.setdefault(key, Counter()).update(codes)
        self.ip_parsed += other.ip_parsed
        self.ipv4 += other.ipv4
        self.non_public_ip += other.non_public_ip
        self.fbc_present += other.fbc_present
        self.fbc_modified += other.fbc_modified
        self.lags.extend(other.lags)
        self.days |= other.days

    def median_lag(self) -> int | None:
        if not self.lags:
            return None
        ordered = sorted(self.lags)
        return ordered[len(ordered) // 2]

    def findings_on(self, keys: Iterable[str]) -> Counter[str]:
        out: Counter[str] = Counter()
        for key in keys:
            out.update(self.key_findings.get(key, {}))
        return out


@dataclass(frozen=True)
class PairFigures:
    """What ``capi-lint pair`` predicts for one event name from both sides: the
    browser half of ``/dataset_quality``'s ``event_coverage`` and
    ``dedupe_key_feedback`` (the server half is :attr:`Prediction.dedup`)."""

    browser_events: int
    #: Browser events with a server twin (by event_id, or by external_id/fbp).
    deduplicated: int
    #: Dedupe key -> browser events carrying it.
    browser_with: Mapping[str, int]
    #: Dedupe key -> browser events deduplicated through it.
    deduplicated_with: Mapping[str, int]

    def percent(self, count: int) -> float | None:
        return round(100.0 * count / self.browser_events, 1) if self.browser_events else None

    @property
    def coverage(self) -> float | None:
        """The predicted ``event_coverage`` (share of browser events with a server twin)."""
        return self.percent(self.deduplicated)


@dataclass
class Prediction:
    """Merged rows of one (channel, event_name): the figures the report is held against."""

    channel: str
    event_name: str
    events: int = 0
    present: dict[str, int] = field(default_factory=lambda: dict.fromkeys(IDENTIFIERS, 0))
    valid: dict[str, int] = field(default_factory=lambda: dict.fromkeys(IDENTIFIERS, 0))
    dedup: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DEDUP_KEYS, 0))
    agents: set[str | None] = field(default_factory=set)
    evidence: Evidence = field(default_factory=Evidence)
    #: The browser side, when the prediction comes from ``capi-lint pair`` (X027/X028).
    pair: PairFigures | None = None

    def percent(self, count: int) -> float:
        return round(100.0 * count / self.events, 1) if self.events else 0.0

    def valid_pct(self, identifier: str) -> float:
        return self.percent(self.valid.get(identifier, 0))

    def present_pct(self, identifier: str) -> float:
        return self.percent(self.present.get(identifier, 0))

    def dedup_pct(self, key: str) -> float:
        return self.percent(self.dedup.get(key, 0))

    def add_row(self, row: CoverageRow) -> None:
        self.events += row.events
        for ident in IDENTIFIERS:
            self.present[ident] += row.present.get(ident, 0)
            self.valid[ident] += row.valid.get(ident, 0)
        for key in DEDUP_KEYS:
            self.dedup[key] += row.dedup.get(key, 0)
        self.agents.add(row.agent_name)


@dataclass(frozen=True)
class Reported:
    """One entry of the report's channel: its event name, where it is, what it says."""

    event_name: str
    where: PointerParts
    entry: WebEvent | OfflineEvent


@dataclass(frozen=True)
class ChannelComparison:
    """One channel of the report next to the payloads' events of that channel.

    ``reported`` keeps the report's order (entries without a name are left
    out); ``predicted`` maps each event name of the payloads' website
    (``web``) or physical_store (``offline``) events to its figures.
    """

    #: ``web`` (website events) or ``offline`` (physical_store events).
    channel: str
    #: The response key that holds the channel: ``web``, ``data`` (setup_quality), ``offline``.
    key: str
    #: The key is in the response at all (a finding about it points at it, else at the root).
    present: bool
    #: The response is ``{}``: neither channel key.
    response_empty: bool
    reported: tuple[Reported, ...]
    predicted: Mapping[str, Prediction]

    def reported_named(self, name: str) -> Reported | None:
        for item in self.reported:
            if item.event_name == name:
                return item
        return None

    def pairs(self) -> list[tuple[Reported, Prediction]]:
        """The reported entries that have payload events of exactly that name, in report order."""
        return [
            (item, self.predicted[item.event_name])
            for item in self.reported
            if item.event_name in self.predicted
        ]


@dataclass(frozen=True)
class CrosscheckContext:
    """What an X rule may know besides the comparison. Read-only for rules."""

    #: Rule code -> option name -> value (config and ``--tolerance`` applied).
    options: Mapping[str, Mapping[str, Any]]
    #: ``--agent-name``: the report and the predictions are filtered to it.
    agent_name: str | None = None
    #: The reference time (unix seconds) the payloads' lags were measured from.
    now: int = 0

    def option(self, code: str, name: str) -> Any:
        return self.options[code][name]
