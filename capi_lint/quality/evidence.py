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

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from capi_lint.comparison import Evidence, Prediction, carriers
from capi_lint.config import Settings, build_settings
from capi_lint.coverage import CoveragePredictor, CoverageRow
from capi_lint.engine import Context, Engine
from capi_lint.rules._userdata import parse_cookie
from capi_lint.rules.customer import client_ip, fbclid_problem, ip_problem, is_ipv4

__all__ = [
    "COMPARED",
    "Evidence",
    "EvidencePredictor",
    "Prediction",
    "carriers",
    "fbclid_modified",
    "predictions_from_rows",
]

DAY = 86_400
#: Channels the cross-check compares (EMQ is web-only; offline is physical_store).
COMPARED = ("web", "offline")


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
        _ip_evidence(ev, event)
        _fbc_evidence(ev, event)
        when = event.get("event_time")
        if type(when) is int and 10**9 <= when < 10**11:
            ev.lags.append(max(0, self.now - when))
            ev.days.add(when // DAY)

    def predictions(self, agent_name: str | None = None) -> dict[tuple[str, str], Prediction]:
        return predictions_from_rows(self.rows(), self.evidence, agent_name=agent_name)


def _ip_evidence(ev: Evidence, event: dict[str, Any]) -> None:
    """Count the addresses U005 accepts, the IPv4 ones, and those U006 reports."""
    value = client_ip(event)
    if value is None:
        return
    problem, non_public = ip_problem(value)
    if problem is not None:
        return
    ev.ip_parsed += 1
    if is_ipv4(value):
        ev.ipv4 += 1
    if non_public is not None:
        ev.non_public_ip += 1


def fbclid_modified(fbc: str, url: Any) -> bool:
    """The fbclid inside ``fbc`` looks altered: U011's judgement (all lowercase
    and long, URL-encoded/decoded characters, or unlike the page URL's)."""
    cookie = parse_cookie("fbc", fbc)
    if cookie is None or not cookie.id or cookie.double:
        return False
    return fbclid_problem(cookie.id, url if isinstance(url, str) else None) is not None


def _fbc_evidence(ev: Evidence, event: dict[str, Any]) -> None:
    user = event.get("user_data")
    value = user.get("fbc") if isinstance(user, dict) else None
    if not isinstance(value, str) or not value.strip():
        return
    ev.fbc_present += 1
    if fbclid_modified(value, event.get("event_source_url")):
        ev.fbc_modified += 1
