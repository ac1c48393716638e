"""Judgements shared by several X rules, and the figures' wording.

One judgement, several codes: an identifier's reported coverage is either
within the tolerance (X003), below (X001), above (X002) or has no figure
(X007); a dedupe key agrees (X009) or not (X008); a diagnostic is explained
(X011) or not (X012). Each judgement is made here once and yields
``(code, Hit)`` pairs; each rule keeps the pairs of its own code.

Everything here is pure: a :class:`~capi_lint.comparison.ChannelComparison`
and a :class:`~capi_lint.comparison.CrosscheckContext` in, hits out.
Pointers are absolute in the quality response.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from capi_lint.comparison import (
    DEDUP_KEYS,
    IDENTIFIERS,
    ChannelComparison,
    CrosscheckContext,
    Prediction,
    canonical_identifier,
    carriers,
)
from capi_lint.model import Hit, PointerParts, Severity

if TYPE_CHECKING:
    from capi_lint.quality.parse import EMQ, OfflineEvent, Score, WebEvent

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

Verdict = tuple[str, Hit]


def squash(name: str) -> str:
    return _SQUASH.sub("", name).lower()


def hit(
    where: PointerParts,
    message: str,
    fix: str | None = None,
    severity: Severity | None = None,
    **extra: Any,
) -> Hit:
    """A Hit whose extra fields leave out what is unknown (None)."""
    clean = {k: v for k, v in extra.items() if v is not None}
    return Hit(where, message, fix, severity, clean or None)


def only(code: str, verdicts: Iterator[Verdict]) -> list[Hit] | None:
    """The hits of one code among a shared judgement's verdicts."""
    return [h for c, h in verdicts if c == code] or None


# ----------------------------------------------------------------- formatting


def pct(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1f}%".replace(".0%", "%")


def duration(seconds: int | None) -> str:
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


def label(channel: str) -> tuple[str, str]:
    """(channel word, action_source) for messages."""
    return ("web", "website") if channel == "web" else ("offline", "physical_store")


# ----------------------------------------------------------------- event names


def case_variants(cmp: ChannelComparison) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Squashed name -> reported names, and -> predicted names."""
    reported: dict[str, list[str]] = {}
    for name in dict.fromkeys(r.event_name for r in cmp.reported):
        reported.setdefault(squash(name), []).append(name)
    predicted: dict[str, list[str]] = {}
    for name in cmp.predicted:
        predicted.setdefault(squash(name), []).append(name)
    return reported, predicted


def where_of(cmp: ChannelComparison) -> dict[str, PointerParts]:
    """Reported name -> its entry's pointer (the last entry of a repeated name)."""
    return {r.event_name: r.where for r in cmp.reported}


def web_pairs(cmp: ChannelComparison) -> Iterator[tuple[WebEvent, Prediction]]:
    """Compared website entries that reached Meta from the server (not pixel-only)."""
    if cmp.channel != "web":
        return
    for item, pred in cmp.pairs():
        entry: WebEvent = item.entry  # type: ignore[assignment]
        if entry.connected:
            yield entry, pred


def offline_pairs(cmp: ChannelComparison) -> Iterator[tuple[OfflineEvent, Prediction]]:
    if cmp.channel != "offline":
        return
    for item, pred in cmp.pairs():
        yield item.entry, pred  # type: ignore[misc]


# ----------------------------------------------------------------- identifiers


def identifier_verdicts(cmp: ChannelComparison, ctx: CrosscheckContext) -> Iterator[Verdict]:
    """X001/X002/X003/X007 (and X006 for unmapped names): each identifier of
    each compared event, in report order."""
    tolerance = float(ctx.option("X001", "tolerance"))
    for entry, pred in web_pairs(cmp):
        emq = entry.emq
        if emq is None or emq.match_keys is None:
            continue
        seen: set[str] = set()
        for item in emq.match_keys:
            ident = canonical_identifier(item.identifier)
            if ident is None:
                yield (
                    "X006",
                    hit(
                        item.where,
                        f"Meta reports a match key `{item.identifier}` for `{pred.event_name}` "
                        "that capi-lint does not map to a user_data key; it is not compared",
                        None,
                        event_name=pred.event_name,
                        identifier=item.identifier,
                        reported=item.coverage,
                    ),
                )
                continue
            seen.add(ident)
            yield from _identifier(
                pred, item.identifier, ident, item.coverage, item.where, tolerance, ctx
            )
        for ident in REPORTED_IDENTIFIERS:
            if ident in seen:
                continue
            valid = pred.valid_pct(ident)
            if valid > tolerance:
                yield (
                    "X007",
                    hit(
                        (*emq.where, "match_key_feedback"),
                        f"these payloads send a valid {ident} ({' or '.join(carriers(ident))}) "
                        f"on {pct(valid)} of `{pred.event_name}` events, but Meta's "
                        "match_key_feedback does not list it: Meta does not see it",
                        "check that the integration forwards this key to the Conversions API "
                        "(it may be dropped by a mapping or a consent filter)",
                        event_name=pred.event_name,
                        identifier=ident,
                        predicted=valid,
                    ),
                )
    for offline, pred in offline_pairs(cmp):
        for reported_name, (value, where) in sorted(offline.coverage.items()):
            ident = canonical_identifier(reported_name)
            if ident is None:
                yield (
                    "X006",
                    hit(
                        where,
                        f"Meta reports offline coverage for `{reported_name}` on "
                        f"`{pred.event_name}`, which capi-lint does not map to a user_data key",
                        None,
                        None,
                        event_name=pred.event_name,
                        identifier=reported_name,
                        reported=value,
                    ),
                )
                continue
            yield from _identifier(pred, reported_name, ident, value, where, tolerance, ctx)


def _identifier(
    pred: Prediction,
    reported_name: str,
    ident: str,
    reported: float | None,
    where: PointerParts,
    tolerance: float,
    ctx: CrosscheckContext,
) -> Iterator[Verdict]:
    name = pred.event_name
    valid = pred.valid_pct(ident)
    present = pred.present_pct(ident)
    keys = carriers(ident)
    shown = " or ".join(f"`{k}`" for k in keys)
    base: dict[str, Any] = dict(
        event_name=name, identifier=reported_name, predicted=valid, reported=reported
    )
    if reported is None:
        if valid > tolerance:
            yield (
                "X007",
                hit(
                    where,
                    f"Meta lists {reported_name} for `{name}` without a coverage figure; "
                    f"these payloads send it validly on {pct(valid)} of events",
                    "ask for coverage{percentage} in the fields expansion",
                    Severity.INFO,
                    **base,
                ),
            )
        return
    gap = reported - valid
    if abs(gap) <= tolerance:
        yield (
            "X003",
            hit(
                where,
                f"{reported_name} on `{name}`: Meta reports {pct(reported)}, these payloads "
                f"predict {pct(valid)} (within ±{tolerance:g} points)",
                None,
                **base,
            ),
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
        yield (
            "X001",
            hit(
                where,
                f"{reported_name} on `{name}` is under-reported: these payloads send a valid "
                f"{shown} on {pct(valid)} of events, Meta sees {pct(reported)}"
                + (" (a probable mapping or format bug)" if direction else "")
                + f"; {why}"
                + (f"; a further {pct(invalid)} carry an invalid value" if invalid > 0 else ""),
                f"compare a live request body with these payloads for {shown}; run "
                "`capi-lint check` on a captured request",
                None,
                predicted_present=present,
                explained_by=sorted(findings) or None,
                **base,
            ),
        )
        return
    yield (
        "X002",
        hit(
            where,
            f"{reported_name} on `{name}` is over-reported: Meta sees {pct(reported)}, "
            f"these payloads predict {pct(valid)}; "
            + _more_senders(pred, ident, reported, tolerance, ctx.agent_name),
            "cross-check with payloads captured from every sender of this event (or filter "
            "the report with --agent-name)",
            None,
            predicted_present=present,
            **base,
        ),
    )


def _more_senders(
    pred: Prediction, ident: str, reported: float, tolerance: float, agent: str | None
) -> str:
    present = pred.present_pct(ident)
    if present - pred.valid_pct(ident) > 0 and abs(present - reported) <= tolerance:
        return (
            f"it matches the {pct(present)} that carry any value, so Meta counts values "
            "capi-lint considers invalid"
        )
    agents = sorted(a for a in pred.agents if a)
    if agent is None and agents:
        return (
            "the report counts every sender, these payloads come from agent_name "
            + ", ".join(agents)
            + " (try --agent-name "
            + agents[0]
            + ")"
        )
    if agent is not None:
        return (
            f"the report counts agent_name {agent} only; these payloads are not a "
            "representative sample of its traffic"
        )
    return (
        "other senders (another server, a partner integration) send this event too, or "
        "these payloads are not a representative sample"
    )


# ----------------------------------------------------------------- dedupe keys


def dedup_verdicts(cmp: ChannelComparison, ctx: CrosscheckContext) -> Iterator[Verdict]:
    """X008/X009 (and X006 for an unknown dedupe key), in report order."""
    tolerance = float(ctx.option("X008", "tolerance"))
    for entry, pred in web_pairs(cmp):
        if pred.pair is not None and not pred.events:
            continue  # `pair`: the server sends no event of this name (X027 compares it)
        for item in entry.dedup_keys or ():
            name = item.dedupe_key
            where = (*item.where, "server_events_with_dedupe_key")
            if name not in DEDUP_KEYS:
                yield (
                    "X006",
                    hit(
                        item.where,
                        f"Meta reports a dedupe key `{name}` for `{pred.event_name}` that "
                        "capi-lint does not know; it is not compared",
                        None,
                        event_name=pred.event_name,
                        dedupe_key=name,
                        reported=item.server,
                    ),
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
            if abs(predicted - item.server) <= tolerance:
                yield (
                    "X009",
                    hit(
                        where,
                        f"dedupe key {name} on `{pred.event_name}`: Meta sees it on "
                        f"{pct(item.server)} of server events, these payloads on "
                        f"{pct(predicted)}",
                        None,
                        **base,
                    ),
                )
                continue
            less = item.server < predicted
            yield (
                "X008",
                hit(
                    where,
                    f"dedupe key {name} on `{pred.event_name}`: these payloads carry it on "
                    f"{pct(predicted)} of events, Meta sees it on {pct(item.server)} of server "
                    "events"
                    + (
                        ": the live integration drops it or sends it in another form"
                        if less
                        else ": other senders set it where these payloads do not"
                    ),
                    "send the same event_id as the pixel on every server event (and "
                    "external_id and fbp where available)",
                    None,
                    **base,
                ),
            )


# ----------------------------------------------------------------- pairing (capi-lint pair)

#: The browser-side figures of ``dedupe_key_feedback`` X027/X028 compare, and
#: what each one counts (for messages).
_PAIR_FIGURES = (
    ("browser_events_with_dedupe_key", "browser events carrying it"),
    ("overall_browser_coverage_from_dedupe_key", "browser events deduplicated through it"),
)


def pair_verdicts(cmp: ChannelComparison, ctx: CrosscheckContext) -> Iterator[Verdict]:
    """X027 (a figure ``capi-lint pair`` predicts differs from Meta's) or X028
    (it agrees): ``event_coverage`` and the browser-side ``dedupe_key_feedback``
    figures, in report order. Only predictions that come from pairing carry them."""
    tolerance = float(ctx.option("X027", "tolerance"))
    for entry, pred in web_pairs(cmp):
        pair = pred.pair
        if pair is None or not pair.browser_events:
            continue
        name = pred.event_name
        cov = entry.event_coverage
        if cov is not None and cov.percentage is not None and pair.coverage is not None:
            yield _pair_figure(
                (*cov.where, "percentage"),
                f"event coverage of `{name}`",
                "",
                pair.coverage,
                cov.percentage,
                tolerance,
                event_name=name,
                figure="event_coverage",
            )
        for item in entry.dedup_keys or ():
            key = item.dedupe_key
            if key not in DEDUP_KEYS:
                continue  # X006
            counts = {
                "browser_events_with_dedupe_key": pair.browser_with.get(key, 0),
                "overall_browser_coverage_from_dedupe_key": pair.deduplicated_with.get(key, 0),
            }
            reported = {
                "browser_events_with_dedupe_key": item.browser,
                "overall_browser_coverage_from_dedupe_key": item.overall,
            }
            for figure, what in _PAIR_FIGURES:
                value, predicted = reported[figure], pair.percent(counts[figure])
                if value is None or predicted is None:
                    continue
                yield _pair_figure(
                    (*item.where, figure),
                    f"dedupe key {key} on `{name}`",
                    f" of {what}",
                    predicted,
                    value,
                    tolerance,
                    event_name=name,
                    figure=figure,
                    dedupe_key=key,
                )


def _pair_figure(
    where: PointerParts,
    subject: str,
    what: str,
    predicted: float,
    reported: float,
    tolerance: float,
    **extra: Any,
) -> Verdict:
    base: dict[str, Any] = dict(predicted=predicted, reported=reported, **extra)
    if abs(predicted - reported) <= tolerance:
        return (
            "X028",
            hit(
                where,
                f"{subject}: Meta reports {pct(reported)}{what}, pairing these browser and "
                f"server events predicts {pct(predicted)} (within ±{tolerance:g} points)",
                None,
                **base,
            ),
        )
    why = (
        "the live integration pairs fewer than this recording: its server misses events or "
        "sends other event_id / fbp / external_id values than the Pixel, or the live Pixel "
        "traffic differs from the recorded page"
        if reported < predicted
        else "the live integration pairs more than this recording: the recorded server "
        "events lack some the live server (or another sender) sends"
    )
    return (
        "X027",
        hit(
            where,
            f"{subject}: Meta reports {pct(reported)}{what}, pairing these browser and server "
            f"events predicts {pct(predicted)} (beyond ±{tolerance:g} points); {why}",
            "record both sides from the live integration (a HAR of the page, the server's "
            "request bodies), pair them again and fix the P findings of this event",
            None,
            **base,
        ),
    )


# ----------------------------------------------------------------- diagnostics


def diagnostic_verdicts(cmp: ChannelComparison) -> Iterator[Verdict]:
    """X011 (the payloads explain Meta's diagnostic) or X012 (they do not)."""
    for entry, pred in web_pairs(cmp):
        if entry.emq is None:
            continue
        yield from _diagnostics(entry.emq, pred)


def _diagnostics(emq: EMQ, pred: Prediction) -> Iterator[Verdict]:
    for diag in emq.diagnostics or ():
        text = f"{diag.name} {diag.description or ''}".lower()
        ev = pred.evidence
        events = pred.events or 1
        predicted: float | None = None
        cause = ""
        info = False
        if "ipv4" in text or "ipv6" in text:
            predicted = round(100.0 * ev.ipv4 / events, 1)
            cause = f"{pct(predicted)} of these `{pred.event_name}` events send an IPv4 address"
            info = True
        elif _IP_WORD.search(text) and ("mismatch" in text or "multiple users" in text):
            predicted = round(100.0 * ev.non_public_ip / events, 1)
            cause = (
                f"{pct(predicted)} of these events send a private, loopback or other "
                "non-public IP (a proxy's or the server's own address)"
            )
        elif "fbc" in text or "fbclid" in text or "click id" in text:
            if "modif" in text:
                predicted = round(100.0 * ev.fbc_modified / events, 1)
                cause = (
                    f"{pct(predicted)} of these events carry an fbc whose fbclid looks "
                    "altered (lower-cased, URL-encoded, or unlike the page URL's)"
                )
            elif "isn't sending" in text or "not sending" in text or "missing" in text:
                predicted = round(100.0 - pred.present_pct("fbc"), 1)
                cause = f"{pct(predicted)} of these events have no fbc"
        elif "invalid" in text and ("match key" in text or "parameter" in text):
            gaps = {
                i: round(pred.present_pct(i) - pred.valid_pct(i), 1)
                for i in ("ip_address", "user_agent", "fbp", "fbc", *IDENTIFIERS)
            }
            worst = max(gaps, key=lambda i: gaps[i])
            predicted = gaps[worst]
            cause = f"{pct(predicted)} of these events carry an invalid {worst}"
        base: dict[str, Any] = dict(
            event_name=pred.event_name,
            diagnostic=diag.name,
            predicted=predicted,
            reported=diag.percentage,
        )
        if predicted:
            yield (
                "X011",
                hit(
                    diag.where,
                    f"Meta's diagnostic '{diag.name}' on `{pred.event_name}` "
                    f"({pct(diag.percentage)} of events) is explained by these payloads: "
                    f"{cause}",
                    diag.solution,
                    Severity.INFO if info else None,
                    **base,
                ),
            )
        else:
            reason = (
                f"{cause}, so the cause is in traffic these payloads do not show"
                if cause
                else "capi-lint cannot predict this diagnostic from payloads"
            )
            yield (
                "X012",
                hit(
                    diag.where,
                    f"Meta's diagnostic '{diag.name}' on `{pred.event_name}` "
                    f"({pct(diag.percentage)} of events) is not reproduced by these "
                    f"payloads: {reason}",
                    diag.solution,
                    None,
                    **base,
                ),
            )


# ----------------------------------------------------------------- offline scores


def each_offline(
    cmp: ChannelComparison, judge: Callable[[OfflineEvent, Prediction], Hit | None]
) -> list[Hit] | None:
    """``judge``'s hits over the compared offline entries (X016-X019)."""
    found = [judge(entry, pred) for entry, pred in offline_pairs(cmp)]
    return [h for h in found if h is not None] or None


def offline_score(
    score: Score | None,
    minimum: float,
    pred: Prediction,
    what: str,
    detail: str,
    fix: str,
    **extra: Any,
) -> Hit | None:
    """An offline (sub-)score below its minimum (X016-X019), or None."""
    if score is None or score.score is None or score.score >= minimum:
        return None
    return hit(
        (*score.where, "score"),
        f"{what} of `{pred.event_name}` is {score.score:g}/10 (minimum {minimum:g})"
        + (detail if detail.startswith(";") else f" {detail}"),
        fix,
        None,
        event_name=pred.event_name,
        reported=score.score,
        **extra,
    )
