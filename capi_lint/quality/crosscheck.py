"""Hold what the payloads should produce against what Meta reports. No I/O.

Input: a parsed :class:`~capi_lint.quality.parse.QualityReport` and the
predictions per (channel, event_name) built from
:class:`~capi_lint.coverage.CoveragePredictor` rows
(:func:`~capi_lint.quality.evidence.predictions_from_rows`). Output: findings
of family X, pointing into the quality response (interface §4b).

Event names match exactly (Meta keeps them verbatim); a name that matches only
after ignoring case, spaces, ``_`` and ``-`` is a finding of its own (X005) and
is not compared. ``web[]`` is compared with website events, ``offline[]`` with
physical_store events.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from capi_lint import registry
from capi_lint.config import Settings
from capi_lint.coverage import DEDUP_KEYS, IDENTIFIER_ALIASES, IDENTIFIERS
from capi_lint.model import Finding, PointerParts, Severity, format_pointer
from capi_lint.quality.evidence import Prediction, carriers
from capi_lint.quality.parse import (
    EMQ,
    SETUP_QUALITY,
    OfflineEvent,
    QualityReport,
    Score,
    WebEvent,
)

#: Meta's list of "some of the highest weighted" EMQ parameters (OMNI guide).
HIGH_WEIGHT = (
    "email",
    "phone",
    "ip_address",
    "user_agent",
    "fbp",
    "fbc",
    "first_name",
    "last_name",
)
#: Identifiers Meta's examples show in ``match_key_feedback``; the others are
#: inferred names, so their absence from a report proves nothing (no X007).
REPORTED_IDENTIFIERS = (
    "email",
    "phone",
    "ip_address",
    "user_agent",
    "external_id",
    "fbp",
    "fbc",
)
#: Upload frequencies, fastest first (AdsDatasetDataFreshness).
FREQUENCIES = ("real_time", "hourly", "daily", "weekly")
_SQUASH = re.compile(r"[\s_\-]+")
_IP_WORD = re.compile(r"\bip\b")


def squash(name: str) -> str:
    return _SQUASH.sub("", name).lower()


def canonical_identifier(name: str) -> str | None:
    """A report's identifier -> the coverage identifier, or None (unmapped)."""
    key = name.strip().lower()
    if key in IDENTIFIERS:
        return key
    return IDENTIFIER_ALIASES.get(key)


@dataclass(frozen=True)
class Options:
    """Thresholds of the comparison (rule options; ``--tolerance`` sets both tolerances)."""

    tolerance: float = 10.0
    dedup_tolerance: float = 10.0
    min_emq: float = 6.0
    coverage_goal: float = 75.0
    realtime_lag_seconds: int = 600
    min_offline_composite: float = 8.5
    min_offline_match_key: float = 8.0
    min_offline_frequency: float = 8.0
    min_offline_freshness: float = 8.0
    offline_max_age_days: int = 3

    @classmethod
    def from_settings(cls, settings: Settings, tolerance: float | None = None) -> Options:
        opt = settings.option
        return cls(
            tolerance=float(tolerance if tolerance is not None else opt("X001", "tolerance")),
            dedup_tolerance=float(tolerance if tolerance is not None else opt("X008", "tolerance")),
            min_emq=float(opt("X013", "min-score")),
            coverage_goal=float(opt("X014", "goal-percentage")),
            realtime_lag_seconds=int(opt("X015", "real-time-seconds")),
            min_offline_composite=float(opt("X016", "min-score")),
            min_offline_match_key=float(opt("X017", "min-score")),
            min_offline_frequency=float(opt("X018", "min-score")),
            min_offline_freshness=float(opt("X019", "min-score")),
            offline_max_age_days=int(opt("X019", "max-age-days")),
        )


@dataclass(frozen=True)
class Verdict:
    """One finding before it has a path and a position."""

    code: str
    where: PointerParts
    message: str
    fix: str | None = None
    severity: Severity | None = None
    extra: Mapping[str, Any] | None = None


# ----------------------------------------------------------------- formatting


def _pct(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1f}%".replace(".0%", "%")


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86_400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} days"


def lag_class(seconds: int | None, realtime: int) -> str | None:
    """The upload frequency a median lag looks like."""
    if seconds is None:
        return None
    if seconds <= realtime:
        return "real_time"
    if seconds <= 2 * 3600:
        return "hourly"
    if seconds <= 2 * 86_400:
        return "daily"
    return "weekly"


def _codes(counter: Mapping[str, int]) -> str:
    return ", ".join(f"{code} ×{n}" if n > 1 else code for code, n in sorted(counter.items()))


def _agents(pred: Prediction) -> list[str]:
    return sorted(a for a in pred.agents if a)


# ------------------------------------------------------------------- the check


class _Check:
    def __init__(
        self,
        report: QualityReport,
        predictions: Mapping[tuple[str, str], Prediction],
        options: Options,
        agent_name: str | None,
        now: int,
    ) -> None:
        self.report = report
        self.predictions = predictions
        self.o = options
        self.agent = agent_name
        self.now = now
        self.out: list[Verdict] = []

    def add(
        self,
        code: str,
        where: PointerParts,
        message: str,
        fix: str | None = None,
        severity: Severity | None = None,
        **extra: Any,
    ) -> None:
        clean = {k: v for k, v in extra.items() if v is not None}
        self.out.append(Verdict(code, where, message, fix, severity, clean or None))

    # ----------------------------------------------------------- event names

    def run(self) -> list[Verdict]:
        key = "data" if self.report.endpoint == SETUP_QUALITY else "web"
        self.channel(
            "web",
            key,
            [(e.event_name, e.where, e) for e in self.report.web],
            self.report.has_web,
            self.web_event,
        )
        if self.report.has_offline or self.report.offline:
            self.channel(
                "offline",
                "offline",
                [(e.event_name, e.where, e) for e in self.report.offline],
                True,
                self.offline_event,
            )
        return self.out

    def channel(
        self,
        channel: str,
        key: str,
        entries: list[tuple[str | None, PointerParts, Any]],
        present: bool,
        compare: Callable[[Any, Prediction], None],
    ) -> None:
        preds = {name: p for (ch, name), p in self.predictions.items() if ch == channel}
        named = [(n, w, e) for n, w, e in entries if n]
        label = "web" if channel == "web" else "offline"
        source = "website" if channel == "web" else "physical_store"
        if not named:
            if preds:
                total = sum(p.events for p in preds.values())
                why = (
                    "the response is `{}`"
                    if not self.report.has_web and not self.report.has_offline
                    else f"`{key}` is empty or absent"
                )
                self.add(
                    "X020",
                    (key,) if present else (),
                    f"Meta reports no {label} events ({why}) while these payloads hold "
                    f"{total} {source} event(s) under {len(preds)} name(s): nothing can be "
                    "compared",
                    "check that the dataset id is the one these events are sent to, that events "
                    "reached it in the last days, and that --agent-name does not filter them out",
                    channel=channel,
                    events=total,
                )
            return
        where_of = {n: w for n, w, _ in named}
        reported_by_squash: dict[str, list[str]] = {}
        for name in where_of:
            reported_by_squash.setdefault(squash(name), []).append(name)
        preds_by_squash: dict[str, list[str]] = {}
        for name in preds:
            preds_by_squash.setdefault(squash(name), []).append(name)

        for name, where, entry in named:
            pred = preds.get(name)
            if pred is not None:
                compare(entry, pred)
                continue
            variants = sorted(p for p in preds_by_squash.get(squash(name), []) if p != name)
            if variants:
                self.add(
                    "X005",
                    (*where, "event_name"),
                    f"Meta reports `{name}` but these payloads send "
                    + " and ".join(f"`{v}`" for v in variants)
                    + ": event names are case-sensitive, so Meta counts them as different "
                    "events (split statistics, no deduplication across the two spellings)",
                    "use exactly the same event name everywhere (pixel, server, every sender)",
                    event_name=name,
                    payload_event_names=variants,
                )
                continue
            if isinstance(entry, WebEvent) and not entry.connected:
                self.add(
                    "X010",
                    where,
                    f"Meta sees `{name}` from the pixel only (no server events) and these "
                    "payloads do not send it either"
                    + (
                        f"; Meta estimates +{_pct(entry.potential_acr)} conversions reported "
                        "if it were also sent via the Conversions API"
                        if entry.potential_acr is not None
                        else ""
                    ),
                    f"send `{name}` from the server too, with the pixel's event_id",
                    event_name=name,
                    reported=entry.potential_acr,
                )
                continue
            self.add(
                "X010",
                where,
                f"Meta reports {label} event `{name}` but these payloads have no {source} "
                "event of that name: nothing to compare it with",
                "add a sample of these events to the payloads you cross-check",
                event_name=name,
            )

        for name, pred in sorted(preds.items()):
            if name in where_of:
                continue
            variants = sorted(r for r in reported_by_squash.get(squash(name), []) if r != name)
            if variants and any(v not in preds for v in variants):
                continue  # said from the report's side (X005 above)
            if variants:
                self.add(
                    "X005",
                    (*where_of[variants[0]], "event_name"),
                    f"these payloads send `{name}` besides "
                    + " and ".join(f"`{v}`" for v in variants)
                    + f", but Meta reports no `{name}`: event names are case-sensitive, so "
                    "one spelling is counted apart (or never arrives)",
                    "use exactly the same event name everywhere (pixel, server, every sender)",
                    event_name=variants[0],
                    payload_event_names=[name],
                )
                continue
            self.add(
                "X004",
                (key,) if present else (),
                f"{pred.events} {source} `{name}` event(s) in these payloads, but Meta's "
                f"report has no `{name}`: it has not received them (wrong dataset, events "
                "rejected, or not sent yet)",
                "send a test event with this name and check Events Manager; check the dataset "
                "id and that the requests are accepted",
                event_name=name,
                events=pred.events,
            )

    # ----------------------------------------------------------------- web

    def web_event(self, entry: WebEvent, pred: Prediction) -> None:
        name = pred.event_name
        if not entry.connected:
            self.add(
                "X004",
                entry.where,
                f"Meta sees `{name}` from the pixel only: none of its server events "
                f"reached the dataset, although these payloads send {pred.events}"
                + (
                    f" (Meta estimates +{_pct(entry.potential_acr)} conversions reported "
                    "once they arrive)"
                    if entry.potential_acr is not None
                    else ""
                ),
                "check that the server actually posts these events to this dataset and that "
                "the requests succeed",
                event_name=name,
                events=pred.events,
            )
            return
        if entry.emq is not None:
            self.match_keys(entry.emq, pred)
            self.diagnostics(entry.emq, pred)
            self.emq_score(entry.emq, pred)
        if entry.dedup_keys is not None:
            self.dedup(entry, pred)
        if entry.event_coverage is not None:
            self.event_coverage(entry, pred)
        if entry.upload_frequency is not None:
            self.freshness(entry, pred)

    def match_keys(self, emq: EMQ, pred: Prediction) -> None:
        if emq.match_keys is None:
            return
        seen: set[str] = set()
        for item in emq.match_keys:
            ident = canonical_identifier(item.identifier)
            if ident is None:
                self.add(
                    "X006",
                    item.where,
                    f"Meta reports a match key `{item.identifier}` for `{pred.event_name}` "
                    "that capi-lint does not map to a user_data key; it is not compared",
                    None,
                    event_name=pred.event_name,
                    identifier=item.identifier,
                    reported=item.coverage,
                )
                continue
            seen.add(ident)
            self.identifier(pred, item.identifier, ident, item.coverage, item.where)
        for ident in REPORTED_IDENTIFIERS:
            if ident in seen:
                continue
            valid = pred.valid_pct(ident)
            if valid > self.o.tolerance:
                self.add(
                    "X007",
                    (*emq.where, "match_key_feedback"),
                    f"these payloads send a valid {ident} ({' or '.join(carriers(ident))}) "
                    f"on {_pct(valid)} of `{pred.event_name}` events, but Meta's "
                    "match_key_feedback does not list it: Meta does not see it",
                    "check that the integration forwards this key to the Conversions API "
                    "(it may be dropped by a mapping or a consent filter)",
                    event_name=pred.event_name,
                    identifier=ident,
                    predicted=valid,
                )

    def identifier(
        self,
        pred: Prediction,
        reported_name: str,
        ident: str,
        reported: float | None,
        where: PointerParts,
    ) -> None:
        name = pred.event_name
        valid = pred.valid_pct(ident)
        present = pred.present_pct(ident)
        keys = carriers(ident)
        shown = " or ".join(f"`{k}`" for k in keys)
        base: dict[str, Any] = dict(
            event_name=name, identifier=reported_name, predicted=valid, reported=reported
        )
        if reported is None:
            if valid > self.o.tolerance:
                self.add(
                    "X007",
                    where,
                    f"Meta lists {reported_name} for `{name}` without a coverage figure; "
                    f"these payloads send it validly on {_pct(valid)} of events",
                    "ask for coverage{percentage} in the fields expansion",
                    Severity.INFO,
                    **base,
                )
            return
        gap = reported - valid
        if abs(gap) <= self.o.tolerance:
            self.add(
                "X003",
                where,
                f"{reported_name} on `{name}`: Meta reports {_pct(reported)}, these payloads "
                f"predict {_pct(valid)} (within ±{self.o.tolerance:g} points)",
                None,
                **base,
            )
            return
        if gap < 0:
            findings = pred.evidence.findings_on(keys)
            direction = valid >= 90 and reported <= 10
            why = (
                f"rule findings on {shown} in these payloads: {_codes(findings)}"
                if findings
                else "no rule finding on "
                + shown
                + " explains it: check the mapping (is the key forwarded to this dataset?), "
                "the hashing (normalise, then SHA-256) and whether these payloads represent "
                "the live traffic"
            )
            invalid = round(present - valid, 1)
            self.add(
                "X001",
                where,
                f"{reported_name} on `{name}` is under-reported: these payloads send a valid "
                f"{shown} on {_pct(valid)} of events, Meta sees {_pct(reported)}"
                + (" (a probable mapping or format bug)" if direction else "")
                + f"; {why}"
                + (f"; a further {_pct(invalid)} carry an invalid value" if invalid > 0 else ""),
                f"compare a live request body with these payloads for {shown}; run "
                "`capi-lint check` on a captured request",
                None,
                predicted_present=present,
                explained_by=sorted(findings) or None,
                **base,
            )
            return
        self.add(
            "X002",
            where,
            f"{reported_name} on `{name}` is over-reported: Meta sees {_pct(reported)}, "
            f"these payloads predict {_pct(valid)}; " + self._more_senders(pred, ident, reported),
            "cross-check with payloads captured from every sender of this event (or filter "
            "the report with --agent-name)",
            None,
            predicted_present=present,
            **base,
        )

    def _more_senders(self, pred: Prediction, ident: str, reported: float) -> str:
        present = pred.present_pct(ident)
        if present - pred.valid_pct(ident) > 0 and abs(present - reported) <= self.o.tolerance:
            return (
                f"it matches the {_pct(present)} that carry any value, so Meta counts values "
                "capi-lint considers invalid"
            )
        agents = _agents(pred)
        if self.agent is None and agents:
            return (
                "the report counts every sender, these payloads come from agent_name "
                + ", ".join(agents)
                + " (try --agent-name "
                + agents[0]
                + ")"
            )
        if self.agent is not None:
            return (
                f"the report counts agent_name {self.agent} only; these payloads are not a "
                "representative sample of its traffic"
            )
        return (
            "other senders (another server, a partner integration) send this event too, or "
            "these payloads are not a representative sample"
        )

    def diagnostics(self, emq: EMQ, pred: Prediction) -> None:
        for diag in emq.diagnostics or ():
            text = f"{diag.name} {diag.description or ''}".lower()
            ev = pred.evidence
            events = pred.events or 1
            predicted: float | None = None
            cause = ""
            info = False
            if "ipv4" in text or "ipv6" in text:
                predicted = round(100.0 * ev.ipv4 / events, 1)
                cause = (
                    f"{_pct(predicted)} of these `{pred.event_name}` events send an IPv4 address"
                )
                info = True
            elif _IP_WORD.search(text) and ("mismatch" in text or "multiple users" in text):
                predicted = round(100.0 * ev.non_public_ip / events, 1)
                cause = (
                    f"{_pct(predicted)} of these events send a private, loopback or other "
                    "non-public IP (a proxy's or the server's own address)"
                )
            elif "fbc" in text or "fbclid" in text or "click id" in text:
                if "modif" in text:
                    predicted = round(100.0 * ev.fbc_modified / events, 1)
                    cause = (
                        f"{_pct(predicted)} of these events carry an fbc whose fbclid looks "
                        "altered (lower-cased, URL-encoded, or unlike the page URL's)"
                    )
                elif "isn't sending" in text or "not sending" in text or "missing" in text:
                    predicted = round(100.0 - pred.present_pct("fbc"), 1)
                    cause = f"{_pct(predicted)} of these events have no fbc"
            elif "invalid" in text and ("match key" in text or "parameter" in text):
                gaps = {
                    i: round(pred.present_pct(i) - pred.valid_pct(i), 1)
                    for i in ("ip_address", "user_agent", "fbp", "fbc", *IDENTIFIERS)
                }
                worst = max(gaps, key=lambda i: gaps[i])
                predicted = gaps[worst]
                cause = f"{_pct(predicted)} of these events carry an invalid {worst}"
            base = dict(
                event_name=pred.event_name,
                diagnostic=diag.name,
                predicted=predicted,
                reported=diag.percentage,
            )
            if predicted:
                self.add(
                    "X011",
                    diag.where,
                    f"Meta's diagnostic '{diag.name}' on `{pred.event_name}` "
                    f"({_pct(diag.percentage)} of events) is explained by these payloads: {cause}",
                    diag.solution,
                    Severity.INFO if info else None,
                    **base,
                )
            else:
                reason = (
                    f"{cause}, so the cause is in traffic these payloads do not show"
                    if cause
                    else "capi-lint cannot predict this diagnostic from payloads"
                )
                self.add(
                    "X012",
                    diag.where,
                    f"Meta's diagnostic '{diag.name}' on `{pred.event_name}` "
                    f"({_pct(diag.percentage)} of events) is not reproduced by these "
                    f"payloads: {reason}",
                    diag.solution,
                    None,
                    **base,
                )

    def emq_score(self, emq: EMQ, pred: Prediction) -> None:
        score = emq.composite_score
        rating = (emq.score_rating or "").lower() or None
        low = (score is not None and score < self.o.min_emq) or (
            score is None and rating is not None and rating != "great"
        )
        if not low:
            return
        boost = {
            canonical_identifier(k.identifier): k.potential_increase
            for k in emq.match_keys or ()
            if k.potential_increase is not None
        }
        order = sorted(HIGH_WEIGHT, key=lambda i: -(boost.get(i) or 0.0))
        weak = [i for i in order if pred.valid_pct(i) < 50.0]
        shown = ", ".join(f"{i} {_pct(pred.valid_pct(i))}" for i in weak) or "none"
        figure = f"{score:g}/10" if score is not None else f"rated '{emq.score_rating}'"
        self.add(
            "X013",
            (*emq.where, "composite_score") if score is not None else emq.where,
            f"Event Match Quality of `{pred.event_name}` is {figure}"
            + (f" (below {self.o.min_emq:g})" if score is not None else "")
            + f"; high-weight keys these payloads send validly on under half the events: {shown}",
            "send more customer information on these events: email, phone, fbc/fbp, IP and "
            "user agent first (Meta's highest-weighted keys)",
            None,
            event_name=pred.event_name,
            reported=score,
            score_rating=emq.score_rating,
            weak_keys=weak or None,
        )

    def dedup(self, entry: WebEvent, pred: Prediction) -> None:
        for item in entry.dedup_keys or ():
            name = item.dedupe_key
            where = (*item.where, "server_events_with_dedupe_key")
            if name not in DEDUP_KEYS:
                self.add(
                    "X006",
                    item.where,
                    f"Meta reports a dedupe key `{name}` for `{pred.event_name}` that capi-lint "
                    "does not know; it is not compared",
                    None,
                    event_name=pred.event_name,
                    dedupe_key=name,
                    reported=item.server,
                )
                continue
            if item.server is None:
                continue
            predicted = pred.dedup_pct(name)
            base: dict[str, Any] = dict(
                event_name=pred.event_name,
                dedupe_key=name,
                predicted=predicted,
                reported=item.server,
            )
            if abs(predicted - item.server) <= self.o.dedup_tolerance:
                self.add(
                    "X009",
                    where,
                    f"dedupe key {name} on `{pred.event_name}`: Meta sees it on "
                    f"{_pct(item.server)} of server events, these payloads on {_pct(predicted)}",
                    None,
                    **base,
                )
                continue
            less = item.server < predicted
            self.add(
                "X008",
                where,
                f"dedupe key {name} on `{pred.event_name}`: these payloads carry it on "
                f"{_pct(predicted)} of events, Meta sees it on {_pct(item.server)} of server "
                "events"
                + (
                    ": the live integration drops it or sends it in another form"
                    if less
                    else ": other senders set it where these payloads do not"
                ),
                "send the same event_id as the pixel on every server event (and external_id "
                "and fbp where available)",
                None,
                **base,
            )

    def event_coverage(self, entry: WebEvent, pred: Prediction) -> None:
        cov = entry.event_coverage
        if cov is None or cov.percentage is None:
            return
        goal = cov.goal_percentage if cov.goal_percentage is not None else self.o.coverage_goal
        if cov.percentage >= goal:
            return
        ids = pred.dedup_pct("event_id")
        hint = (
            f"these payloads carry event_id on only {_pct(ids)} of events, which caps it"
            if ids < goal
            else f"these payloads carry event_id on {_pct(ids)} of events, so the gap is pixel "
            "events the server never sends"
        )
        self.add(
            "X014",
            (*cov.where, "percentage"),
            f"event coverage of `{pred.event_name}` is {_pct(cov.percentage)}, below the "
            f"{_pct(goal)} goal: too few pixel events also arrive via the Conversions API with "
            f"a shared dedup key; {hint}",
            "send every pixel event from the server too, with the same event_name and event_id",
            None,
            event_name=pred.event_name,
            dedupe_key="event_id",
            predicted=ids,
            reported=cov.percentage,
            goal=goal,
        )

    def freshness(self, entry: WebEvent, pred: Prediction) -> None:
        reported = entry.upload_frequency
        if reported not in FREQUENCIES:
            return
        lag = pred.evidence.median_lag()
        predicted = lag_class(lag, self.o.realtime_lag_seconds)
        where = (*entry.freshness_where, "upload_frequency")
        extra = dict(
            event_name=pred.event_name,
            predicted=predicted,
            reported=reported,
            median_lag_seconds=lag,
        )
        if reported != "real_time":
            if predicted is None:
                seen = "these payloads have no usable event_time"
            elif FREQUENCIES.index(predicted) >= FREQUENCIES.index(reported):
                seen = (
                    "these payloads agree"
                    if predicted == reported
                    else "these payloads lag even more"
                ) + f": event_time lags --now by a median of {_duration(lag)}"
            else:
                seen = (
                    f"these payloads are fresh (median lag {_duration(lag)}), so the delay is "
                    "in the live pipeline (a queue or batch job), or the event is rare"
                )
            self.add(
                "X015",
                where,
                f"Meta receives `{pred.event_name}` {reported.replace('_', ' ')}, not in real "
                f"time; {seen}",
                "send each event as it happens (within an hour at most): real-time events "
                "match and optimise better",
                None,
                **extra,
            )
            return
        if predicted is not None and predicted != "real_time":
            self.add(
                "X015",
                where,
                f"Meta receives `{pred.event_name}` in real time, but these payloads' "
                f"event_time values lag --now by a median of {_duration(lag)}: they are older "
                "than the live feed (pin --now to when they were captured) or would be sent "
                "in delayed batches",
                "cross-check recently captured payloads, with --now at their capture time",
                Severity.INFO,
                **extra,
            )

    # ------------------------------------------------------------- offline

    def offline_event(self, entry: OfflineEvent, pred: Prediction) -> None:
        for reported_name, (value, where) in sorted(entry.coverage.items()):
            ident = canonical_identifier(reported_name)
            if ident is None:
                self.add(
                    "X006",
                    where,
                    f"Meta reports offline coverage for `{reported_name}` on "
                    f"`{pred.event_name}`, which capi-lint does not map to a user_data key",
                    None,
                    None,
                    event_name=pred.event_name,
                    identifier=reported_name,
                    reported=value,
                )
                continue
            self.identifier(pred, reported_name, ident, value, where)
        ev = pred.evidence
        lag = ev.median_lag()
        newest = min(ev.lags) if ev.lags else None
        self.offline_score(
            "X016",
            entry.composite,
            self.o.min_offline_composite,
            pred,
            "offline data quality",
            f"(below the {self.o.min_offline_composite:g} that unlocks omnichannel ads)",
            "improve the match keys, upload daily and send data within a day or two; see the "
            "sub-scores",
        )
        email, phone = pred.valid_pct("email"), pred.valid_pct("phone")
        self.offline_score(
            "X017",
            entry.match_key,
            self.o.min_offline_match_key,
            pred,
            "offline match-key score",
            f"; these payloads send a valid email on {_pct(email)} and a valid phone on "
            f"{_pct(phone)} of events",
            "send hashed email and phone (the strong offline match keys) on every event",
            predicted_email=email,
            predicted_phone=phone,
        )
        recent = {d for d in ev.days if 0 <= (self.now // 86_400) - d < 14}
        self.offline_score(
            "X018",
            entry.frequency,
            self.o.min_offline_frequency,
            pred,
            "offline frequency score",
            f"; these payloads have events on {len(recent)} of the 14 days before --now "
            "(Meta's guide: upload daily, on at least 12 of the last 14 days)",
            "upload offline events every day",
            days_with_events=len(recent),
        )
        self.offline_score(
            "X019",
            entry.freshness,
            self.o.min_offline_freshness,
            pred,
            "offline freshness score",
            (
                f"; the newest event here is {_duration(newest)} before --now, median "
                f"{_duration(lag)} (Meta's guide: data no older than "
                f"{self.o.offline_max_age_days} days)"
                if newest is not None
                else "; these payloads have no usable event_time"
            ),
            "send offline conversions as soon as they are recorded (daily at the latest)",
            newest_lag_seconds=newest,
            median_lag_seconds=lag,
        )

    def offline_score(
        self,
        code: str,
        score: Score | None,
        minimum: float,
        pred: Prediction,
        label: str,
        detail: str,
        fix: str,
        **extra: Any,
    ) -> None:
        if score is None or score.score is None or score.score >= minimum:
            return
        self.add(
            code,
            (*score.where, "score"),
            f"{label} of `{pred.event_name}` is {score.score:g}/10 (minimum {minimum:g})"
            + (detail if detail.startswith(";") else f" {detail}"),
            fix,
            None,
            event_name=pred.event_name,
            reported=score.score,
            **extra,
        )


def compare(
    report: QualityReport,
    predictions: Mapping[tuple[str, str], Prediction],
    *,
    options: Options | None = None,
    agent_name: str | None = None,
    now: int = 0,
) -> list[Verdict]:
    """Every verdict, in report order (no selection, no severity overrides)."""
    return _Check(report, predictions, options or Options(), agent_name, now).run()


def crosscheck(
    report: QualityReport,
    predictions: Mapping[tuple[str, str], Prediction],
    *,
    path: str,
    settings: Settings,
    tolerance: float | None = None,
    agent_name: str | None = None,
    locate: Callable[[PointerParts], tuple[int, int] | None] | None = None,
) -> list[Finding]:
    """The findings of the enabled X rules, sorted as ``check`` sorts them.

    ``path`` is the quality source (URL without token, or the saved file);
    ``locate`` maps a pointer to (line, column) in a saved response.
    """
    options = Options.from_settings(settings, tolerance)
    verdicts = compare(
        report,
        predictions,
        options=options,
        agent_name=agent_name,
        now=settings.resolved_now(),
    )
    out: list[Finding] = []
    for verdict in verdicts:
        if verdict.code not in settings.enabled:
            continue
        rule = registry.get(verdict.code)
        severity = settings.severity.get(rule.code) or verdict.severity or rule.severity
        position = locate(verdict.where) if locate is not None else None
        out.append(
            Finding(
                code=rule.code,
                slug=rule.slug,
                severity=severity,
                message=verdict.message,
                path=path,
                pointer=format_pointer(verdict.where),
                line=position[0] if position else None,
                column=position[1] if position else None,
                event_index=None,
                fix=verdict.fix,
                doc_url=rule.doc_url,
                extra=dict(verdict.extra or {}),
            )
        )
    out.sort(key=Finding.sort_key)
    return out
