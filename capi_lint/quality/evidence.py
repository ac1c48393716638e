"""The payload side of the cross-check: what the linted events *should* make
Meta report, per channel and event name. No network.

:class:`EvidencePredictor` is a :class:`~capi_lint.coverage.CoveragePredictor`
(so predicted coverage means exactly what ``capi-lint coverage`` prints) that
also keeps, for website and physical_store events, what explains a gap:

- the rule findings on each ``user_data`` key (every enabled rule, not only the
  format rules that decide validity), to name them when Meta sees less;
- the shares behind Meta's EMQ diagnostics (IPv4, non-public IPs, a modified
  fbclid in ``fbc``);
- how far ``event_time`` lags the reference time, and on which days events
  happened (data freshness, offline frequency).

Memory: counters per row, plus one integer per event for the lag median.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from capi_lint.config import Settings, build_settings
from capi_lint.coverage import DEDUP_KEYS, IDENTIFIERS, CoveragePredictor, CoverageRow
from capi_lint.engine import Context, Engine
from capi_lint.rules._userdata import ip_address_part

DAY = 86_400
#: Channels the cross-check compares (EMQ is web-only; offline is physical_store).
COMPARED = ("web", "offline")

_FBC = re.compile(r"^fb\.\d+\.\d+\.(?P<clid>[^.]+)(?:\.[A-Za-z0-9_-]{2,8})?$")
_PCT = re.compile(r"%[0-9A-Fa-f]{2}")


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


def carriers(identifier: str) -> list[str]:
    """The user_data keys that carry an identifier (SDK parts flattened)."""
    out: list[str] = []
    for carrier in IDENTIFIERS.get(identifier, ()):
        out.extend(carrier if isinstance(carrier, tuple) else (carrier,))
    return out


def predictions_from_rows(
    rows: Iterable[CoverageRow],
    evidence: Mapping[tuple[str, str, str | None], Evidence] | None = None,
    *,
    agent_name: str | None = None,
) -> dict[tuple[str, str], Prediction]:
    """(channel, event_name) -> merged prediction over the compared channels.

    With ``agent_name``, only rows of that agent count (the report is filtered
    the same way).
    """
    out: dict[tuple[str, str], Prediction] = {}
    for row in rows:
        if row.channel not in COMPARED or row.event_name is None:
            continue
        if agent_name is not None and row.agent_name != agent_name:
            continue
        key = (row.channel, row.event_name)
        pred = out.get(key)
        if pred is None:
            pred = out[key] = Prediction(row.channel, row.event_name)
        pred.add_row(row)
        if evidence is not None:
            found = evidence.get((row.channel, row.event_name, row.agent_name))
            if found is not None:
                pred.evidence.merge(found)
    return out


class EvidencePredictor(CoveragePredictor):
    """Coverage prediction plus the evidence the cross-check explains gaps with."""

    def __init__(self, settings: Settings | None = None) -> None:
        # Compared with Meta's live report: the clock unless a time is pinned.
        base = (settings or build_settings({})).with_clock_default()
        super().__init__(base, by="event_name")
        explaining = frozenset(c for c in base.enabled if not c.startswith("X"))
        self._explainer = Engine(replace(base, enabled=explaining))
        self.now = self.engine.now if self.engine.now is not None else base.resolved_now()
        self.evidence: dict[tuple[str, str, str | None], Evidence] = {}
        #: Events per channel that the cross-check does not compare (app, ...).
        self.skipped: Counter[str] = Counter()

    def add_event(
        self, event: dict[str, Any], ctx: Context, agent: str | None, path: str | None
    ) -> None:
        super().add_event(event, ctx, agent, path)
        source = event.get("action_source")
        channel = (
            "web" if source == "website" else "offline" if source == "physical_store" else None
        )
        name = event.get("event_name")
        if channel is None or not isinstance(name, str):
            self.skipped[str(source) if channel is None else "no event_name"] += 1
            return
        key = (channel, name, agent)
        ev = self.evidence.get(key)
        if ev is None:
            ev = self.evidence[key] = Evidence()
        ev.events += 1
        seen: dict[str, set[str]] = {}
        for rule, hit in self._explainer.event_hits(event, ctx):
            where = hit.where
            if len(where) >= 2 and where[0] == "user_data" and isinstance(where[1], str):
                seen.setdefault(where[1], set()).add(rule.code)
        for user_key, codes in seen.items():
            ev.key_findings.setdefault(user_key, Counter()).update(codes)
        user = event.get("user_data")
        user = user if isinstance(user, dict) else {}
        _ip_evidence(ev, user.get("client_ip_address"))
        _fbc_evidence(ev, user.get("fbc"), event.get("event_source_url"))
        when = event.get("event_time")
        if type(when) is int and 10**9 <= when < 10**11:
            ev.lags.append(max(0, self.now - when))
            ev.days.add(when // DAY)

    def predictions(self, agent_name: str | None = None) -> dict[tuple[str, str], Prediction]:
        return predictions_from_rows(self.rows(), self.evidence, agent_name=agent_name)


def _ip_evidence(ev: Evidence, value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        return
    try:
        address = ipaddress.ip_address(ip_address_part(value.strip()))
    except ValueError:
        return
    ev.ip_parsed += 1
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.version == 4:
        ev.ipv4 += 1
    if not address.is_global or address.is_multicast:
        ev.non_public_ip += 1


def fbclid_modified(fbc: str, url: Any) -> bool:
    """The fbclid inside ``fbc`` looks altered (U011's signs): all lowercase and
    long, URL-encoded/decoded characters, or different from the page URL's."""
    match = _FBC.match(fbc.strip())
    if match is None:
        return False
    clid = match.group("clid")
    if _PCT.search(clid) or "+" in clid or " " in clid:
        return True
    if len(clid) >= 20 and clid == clid.lower() and any(c.isalpha() for c in clid):
        return True
    if isinstance(url, str) and "fbclid=" in url:
        try:
            values = parse_qs(urlsplit(url).query).get("fbclid")
        except ValueError:
            values = None
        if values and values[0] and values[0] != clid:
            return True
    return False


def _fbc_evidence(ev: Evidence, value: Any, url: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        return
    ev.fbc_present += 1
    if fbclid_modified(value, url):
        ev.fbc_modified += 1
