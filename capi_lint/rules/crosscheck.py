"""X — cross-check verdicts: the linted payloads held against Meta's quality reports.

Each rule is a pure function ``fn(cmp, ctx) -> list[Hit] | None`` over one
channel of the comparison (:class:`~capi_lint.comparison.ChannelComparison`:
what a ``/dataset_quality`` or ``/setup_quality`` response reports for
``web`` or ``offline``, next to the figures the payloads predict per event
name) and a :class:`~capi_lint.comparison.CrosscheckContext` (options,
``--agent-name``, reference time). ``capi-lint crosscheck``
(:mod:`capi_lint.quality.crosscheck`) builds the comparisons and runs the
selected rules through the engine's finding path, so they share selection,
severity overrides, options, output formats and documentation with every
other rule. Hit pointers are absolute in the quality response (interface §4b).
Judgements that give several codes (an identifier's coverage: X001/X002/X003/
X007) are made once in :mod:`capi_lint.rules._crosscheck`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from capi_lint.comparison import (
    ChannelComparison,
    CrosscheckContext,
    Prediction,
    canonical_identifier,
)
from capi_lint.model import Hit, Severity
from capi_lint.registry import Scope, rule
from capi_lint.rules._crosscheck import (
    FREQUENCIES,
    HIGH_WEIGHT,
    case_variants,
    dedup_verdicts,
    diagnostic_verdicts,
    duration,
    each_offline,
    hit,
    identifier_verdicts,
    label,
    lag_class,
    offline_score,
    only,
    pair_verdicts,
    pct,
    squash,
    web_pairs,
    where_of,
)

if TYPE_CHECKING:
    from capi_lint.quality.parse import OfflineEvent

_X = Scope.CROSSCHECK


@rule("X001", "identifier-under-reported", Severity.WARNING, _X, options={"tolerance": 10.0})
def identifier_under_reported(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """Meta sees a match key on far fewer events than these payloads send it validly.

    ## What it does
    For each website event name (and each offline `coverage` key), compares the
    share of events whose payload carries a **valid** value for the identifier
    (as `capi-lint coverage` predicts it) with `match_key_feedback[].coverage`
    in Meta's report. Triggers when Meta's figure is lower by more than the
    tolerance (default 10 points). The message names the rule findings on the
    carrying `user_data` keys in these payloads, and calls it a probable mapping
    or format bug when the payloads send the key on ≥ 90 % and Meta sees ≤ 10 %.

    ## Why is this bad?
    The key is lost between what your code builds and what Meta receives: a
    mapping that drops it, a consent filter, hashing of an unnormalised value, or
    a format Meta refuses. Meta only matches on keys it sees, so EMQ and
    attribution suffer.

    ## Example
    Payloads send a valid `ph` on 100 % of `Purchase` events; the report says
    `{"identifier": "phone", "coverage": {"percentage": 61.0}}`.

    ## Fix
    Capture a live request body and run `capi-lint check` on it; compare it with
    these payloads for the named key. Make sure the key is forwarded on every
    event, normalised and hashed as Meta requires.

    ## Options
    `tolerance` (percentage points, default 10; `--tolerance` overrides it).

    ## Source
    - Meta, Dataset Quality API: {DQ}
    - Meta, Customer information parameters: {CI}
    - Evidence: Meta's report fields are stated in its documentation; holding them against the
      payloads' prediction, and the tolerance, are our inference.
    """
    return only("X001", identifier_verdicts(cmp, ctx))


@rule("X002", "identifier-over-reported", Severity.INFO, _X)
def identifier_over_reported(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """Meta sees a match key on more events than these payloads send it.

    ## What it does
    The reverse of X001: Meta's `coverage` exceeds the payloads' valid share by
    more than X001's tolerance. The message says why it may be so: Meta counts
    values capi-lint considers invalid (its figure matches the share that carries
    *any* value), the report counts other senders than the agent these payloads
    come from (`agent_name`), or the payloads are not a representative sample.

    ## Why is this bad?
    Not a data-quality problem in itself, but the cross-check is only as good as
    the sample: payloads that miss keys the live traffic has hide what really
    reaches Meta.

    ## Example
    Payloads send no `client_ip_address` on `Lead`; the report says
    `{"identifier": "ip_address", "coverage": {"percentage": 100}}`.

    ## Fix
    Cross-check payloads captured from every sender of the event, or filter the
    report with `--agent-name` to the sender these payloads come from.

    ## Source
    - Meta, Dataset Quality API: {DQ}
    - Evidence: Meta documents the `agent_name` filter and the coverage figure; the explanations
      offered are our inference.
    """
    return only("X002", identifier_verdicts(cmp, ctx))


@rule("X003", "identifier-agrees", Severity.INFO, _X)
def identifier_agrees(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """Meta's coverage of a match key agrees with the payloads' prediction.

    ## What it does
    Reports, at info level, each identifier whose reported coverage is within
    X001's tolerance of the predicted valid share, so a report shows what was
    compared as well as what differs.

    ## Why is this bad?
    It is not: it confirms that the key reaches Meta as these payloads send it.
    Ignore the code (`--ignore X003`) to see only the gaps.

    ## Example
    Payloads: valid `em` on 100 % of `Purchase`; report: email 100.

    ## Fix
    Nothing to fix.

    ## Source
    - Meta, Dataset Quality API: {DQ}
    - Evidence: Meta's report fields are stated in its documentation; holding them against the
      payloads' prediction, and the tolerance, are our inference.
    """
    return only("X003", identifier_verdicts(cmp, ctx))


@rule("X004", "event-name-missing-in-report", Severity.WARNING, _X)
def event_name_missing_in_report(
    cmp: ChannelComparison, ctx: CrosscheckContext
) -> list[Hit] | None:
    """These payloads send an event name that Meta's report does not have.

    ## What it does
    Triggers for a website (or, with `offline`, physical_store) event name of
    the payloads that has no entry in `web[]` (`offline[]`), or whose entry shows
    the event as pixel-only (`event_potential_aly_acr_increase` without any
    server-side figure). Names that differ only in case or separators are X005.

    ## Why is this bad?
    Meta has not received these server events: they go to another dataset, the
    requests fail, or they are not sent at all. Nothing of them counts for
    matching, deduplication or attribution.

    ## Example
    Payloads send `ViewContent`; the report lists only `Purchase` and `Lead`.

    ## Fix
    Check the dataset id the server posts to and that the requests succeed (send
    a test event and look at Events Manager).

    ## Source
    - Meta, Dataset Quality API: {DQ}
    - Evidence: Meta documents `event_potential_aly_acr_increase` for events seen from the Pixel
      only; that a missing name means the server events did not arrive is our inference.
    """
    if not cmp.reported:
        return None  # X020's case
    source = label(cmp.channel)[1]
    out: list[Hit] = []
    for item, pred in cmp.pairs():
        entry = item.entry
        if cmp.channel != "web" or entry.connected:  # type: ignore[union-attr]
            continue
        potential = entry.potential_acr  # type: ignore[union-attr]
        out.append(
            hit(
                item.where,
                f"Meta sees `{pred.event_name}` from the pixel only: none of its server events "
                f"reached the dataset, although these payloads send {pred.events}"
                + (
                    f" (Meta estimates +{pct(potential)} conversions reported once they arrive)"
                    if potential is not None
                    else ""
                ),
                "check that the server actually posts these events to this dataset and that "
                "the requests succeed",
                event_name=pred.event_name,
                events=pred.events,
            )
        )
    reported, _ = case_variants(cmp)
    named = where_of(cmp)
    for name, pred in sorted(cmp.predicted.items()):
        if name in named:
            continue
        if any(r != name for r in reported.get(squash(name), [])):
            continue  # a case variant of a reported name: X005
        out.append(
            hit(
                (cmp.key,) if cmp.present else (),
                f"{pred.events} {source} `{name}` event(s) in these payloads, but Meta's "
                f"report has no `{name}`: it has not received them (wrong dataset, events "
                "rejected, or not sent yet)",
                "send a test event with this name and check Events Manager; check the dataset "
                "id and that the requests are accepted",
                event_name=name,
                events=pred.events,
            )
        )
    return out or None


@rule("X005", "event-name-case-mismatch", Severity.WARNING, _X)
def event_name_case_mismatch(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """An event name differs from Meta's only in case, spaces, `_` or `-`.

    ## What it does
    Event names are matched exactly. When a reported name and a payload name are
    equal only after lower-casing and removing spaces, underscores and dashes
    (`purchase` vs `Purchase`, `Add To Cart` vs `AddToCart`), the pair is reported
    and not compared.

    ## Why is this bad?
    Meta keeps event names verbatim, so the two spellings are two events: their
    statistics split, and a server event does not deduplicate against a pixel
    event of the other spelling.

    ## Example
    Report: `{"event_name": "Purchase", ...}`; payloads: `"event_name": "purchase"`.

    ## Fix
    Use exactly the same event name on the pixel, the server and every other
    sender (the standard spelling for standard events, see E002).

    ## Source
    - Meta, Dataset Quality API: {DQ}
    - Meta, Server event parameters: {SE}
    - Evidence: Meta reports event names as sent and deduplicates on the same event name; counting
      two spellings apart is our inference from that.
    """
    if not cmp.reported:
        return None
    reported, predicted = case_variants(cmp)
    fix = "use exactly the same event name everywhere (pixel, server, every sender)"
    out: list[Hit] = []
    for item in cmp.reported:
        name = item.event_name
        if name in cmp.predicted:
            continue
        variants = sorted(p for p in predicted.get(squash(name), []) if p != name)
        if variants:
            out.append(
                hit(
                    (*item.where, "event_name"),
                    f"Meta reports `{name}` but these payloads send "
                    + " and ".join(f"`{v}`" for v in variants)
                    + ": event names are case-sensitive, so Meta counts them as different "
                    "events (split statistics, no deduplication across the two spellings)",
                    fix,
                    event_name=name,
                    payload_event_names=variants,
                )
            )
    named = where_of(cmp)
    for name in sorted(cmp.predicted):
        if name in named:
            continue
        variants = sorted(r for r in reported.get(squash(name), []) if r != name)
        if not variants or any(v not in cmp.predicted for v in variants):
            continue  # no variant (X004), or said from the report's side above
        out.append(
            hit(
                (*named[variants[0]], "event_name"),
                f"these payloads send `{name}` besides "
                + " and ".join(f"`{v}`" for v in variants)
                + f", but Meta reports no `{name}`: event names are case-sensitive, so "
                "one spelling is counted apart (or never arrives)",
                fix,
                event_name=variants[0],
                payload_event_names=[name],
            )
        )
    return out or None


@rule("X006", "unmapped-identifier", Severity.INFO, _X)
def unmapped_identifier(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """Meta reports a match key or dedupe key capi-lint cannot map.

    ## What it does
    `match_key_feedback[].identifier` values are not enumerated publicly. An
    identifier that is neither in the mapping of rules.md "Match-key
    identifiers" nor one of its aliases (`zip_code`, `postal_code`, `click_id`,
    `browser_id`, `facebook_login_id`), an unknown offline `coverage` key, or an
    unknown `dedupe_key` is reported at info level and not compared. Never an
    error.

    ## Why is this bad?
    Nothing is wrong with the payloads; the figure simply cannot be checked.

    ## Example
    `{"identifier": "some_future_key", "coverage": {"percentage": 3}}`

    ## Fix
    None needed. If the name clearly means a known key, report it so the mapping
    can learn the spelling.

    ## Source
    - Meta, Dataset Quality API: {DQ}
    - Evidence: our inference (a report name capi-lint has no mapping for cannot be compared).
    """
    out = [h for code, h in identifier_verdicts(cmp, ctx) if code == "X006"]
    out += [h for code, h in dedup_verdicts(cmp, ctx) if code == "X006"]
    return out or None


@rule("X007", "identifier-missing-in-report", Severity.WARNING, _X)
def identifier_missing_in_report(
    cmp: ChannelComparison, ctx: CrosscheckContext
) -> list[Hit] | None:
    """These payloads send a valid match key that Meta's report does not list.

    ## What it does
    When the report carries `match_key_feedback`, every identifier seen in
    Meta's examples (`email`, `phone`, `ip_address`, `user_agent`,
    `external_id`, `fbp`, `fbc`) that the payloads send validly on more than
    X001's tolerance but that the list does not name is reported. Inferred
    identifiers (`first_name`, `city`, ...) are not: Meta may never list them.
    An item listed without a `coverage` figure is reported at info level (the
    figure was not in the `fields` expansion).

    ## Why is this bad?
    Meta does not see the key at all: the live integration does not forward it.

    ## Example
    Payloads: valid `fbc` on 100 % of `Purchase`; `match_key_feedback` has no
    `fbc` item.

    ## Fix
    Forward the key on every event (check mappings, consent filters and the SDK
    version of the live integration).

    ## Source
    - Meta, Dataset Quality API: {DQ}
    - Meta, Customer information parameters: {CI}
    - Evidence: Meta's report fields are stated in its documentation; holding them against the
      payloads' prediction, and the tolerance, are our inference.
    """
    return only("X007", identifier_verdicts(cmp, ctx))


@rule("X008", "dedup-key-mismatch", Severity.WARNING, _X, options={"tolerance": 10.0})
def dedup_key_mismatch(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """The share of events carrying a dedupe key differs from Meta's.

    ## What it does
    Compares, per website event name, the share of payload events carrying
    `event_id`, `user_data.external_id` or `user_data.fbp` with
    `dedupe_key_feedback[].server_events_with_dedupe_key` (also read as
    `dedup_key_feedback`). Triggers when they differ by more than the tolerance.

    ## Why is this bad?
    Deduplication with the pixel needs the same `event_id` (or `external_id` +
    `fbp`) on both sides. When Meta sees the key on fewer server events than the
    payloads carry it, the live integration loses it, and duplicated conversions
    or a low event coverage follow.

    ## Example
    Payloads: `fbp` on 100 % of `Purchase`; report:
    `{"dedupe_key": "fbp", "server_events_with_dedupe_key": {"percentage": 0}}`.

    ## Fix
    Send the pixel's `event_id` on every server event, and `external_id` and
    `fbp` where available, exactly as the payloads do.

    ## Options
    `tolerance` (percentage points, default 10; `--tolerance` overrides it).

    ## Source
    - Meta, Dataset Quality API: {DQ}
    - Meta, Deduplicate Pixel and server events: {DEDUP}
    - Evidence: the dedupe-key figures and the need for a shared event_id are stated in Meta's
      documentation; the comparison is our inference.
    """
    return only("X008", dedup_verdicts(cmp, ctx))


@rule("X009", "dedup-key-agrees", Severity.INFO, _X)
def dedup_key_agrees(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """Meta's share of server events with a dedupe key agrees with the payloads.

    ## What it does
    Info-level counterpart of X008 for dedupe keys within the tolerance.

    ## Why is this bad?
    It is not: it confirms the dedupe key reaches Meta as these payloads send it.

    ## Example
    Payloads: `event_id` on 100 % of `Purchase`; report: `event_id` 100.

    ## Fix
    Nothing to fix.

    ## Source
    - Meta, Dataset Quality API: {DQ}
    - Meta, Deduplicate Pixel and server events: {DEDUP}
    - Evidence: Meta's report fields are stated in its documentation; holding them against the
      payloads' prediction, and the tolerance, are our inference.
    """
    return only("X009", dedup_verdicts(cmp, ctx))


@rule("X010", "event-name-not-in-payloads", Severity.INFO, _X)
def event_name_not_in_payloads(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """Meta reports an event name that these payloads do not contain.

    ## What it does
    Reports each `web[]` (`offline[]`) entry whose name matches no website
    (physical_store) event of the payloads, exactly or as a case variant (X005).
    For a pixel-only entry it adds Meta's estimate of what sending the event via
    the Conversions API would add.

    ## Why is this bad?
    Nothing is compared for it. For a pixel-only event, conversions Meta could
    attribute are missed.

    ## Example
    Report: `{"event_name": "Search", "event_potential_aly_acr_increase": {...}}`;
    payloads: no `Search`.

    ## Fix
    Add a sample of the event to the payloads you cross-check, or send it from
    the server if it is pixel-only.

    ## Source
    - Meta, Dataset Quality API: {DQ}
    - Evidence: our inference (a reported name the payloads lack cannot be compared).
    """
    _, predicted = case_variants(cmp)
    word, source = label(cmp.channel)
    out: list[Hit] = []
    for item in cmp.reported:
        name = item.event_name
        if name in cmp.predicted or any(p != name for p in predicted.get(squash(name), [])):
            continue  # compared, or a case variant (X005)
        entry = item.entry
        if cmp.channel == "web" and not entry.connected:  # type: ignore[union-attr]
            potential = entry.potential_acr  # type: ignore[union-attr]
            out.append(
                hit(
                    item.where,
                    f"Meta sees `{name}` from the pixel only (no server events) and these "
                    "payloads do not send it either"
                    + (
                        f"; Meta estimates +{pct(potential)} conversions reported "
                        "if it were also sent via the Conversions API"
                        if potential is not None
                        else ""
                    ),
                    f"send `{name}` from the server too, with the pixel's event_id",
                    event_name=name,
                    reported=potential,
                )
            )
            continue
        out.append(
            hit(
                item.where,
                f"Meta reports {word} event `{name}` but these payloads have no {source} "
                "event of that name: nothing to compare it with",
                "add a sample of these events to the payloads you cross-check",
                event_name=name,
            )
        )
    return out or None


@rule("X011", "diagnostic-explained", Severity.WARNING, _X)
def diagnostic_explained(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """An EMQ diagnostic Meta reports is reproduced by these payloads.

    ## What it does
    Matches `event_match_quality.diagnostics[].name` (by normalised substrings;
    the titles change) against what the payloads show: "IPv4 … IPv6" → share of
    IPv4 addresses (info level, as Meta says to ignore it when not applicable);
    "mismatched IP" / "multiple users" → share of private, loopback, CGNAT or
    other non-public IPs; "modified fbclid" → share of `fbc` whose fbclid looks
    lower-cased, URL-encoded or unlike the page URL's; "not sending Click ID" →
    share without `fbc`; "invalid match key parameters" → the largest share of
    present-but-invalid values. Triggers when that share is above zero.

    ## Why is this bad?
    The payloads carry the cause of the warning Events Manager shows, so it can
    be fixed in code.

    ## Example
    Diagnostic "Server sending mismatched IP addresses" and 40 % of the payloads'
    events send `client_ip_address: "10.0.0.12"`.

    ## Fix
    Follow Meta's `solution` (repeated in the finding's fix); for IPs, send the
    customer's address (first public hop of `X-Forwarded-For`).

    ## Source
    - Meta, Dataset Quality API: {DQ}
    - Meta, Customer information parameters: {CI}
    - Meta, fbp and fbc parameters: {FBC}
    - Evidence: the diagnostics are Meta's (Dataset Quality API, Events Manager); matching them to
      payload shares is our inference.
    """
    return only("X011", diagnostic_verdicts(cmp))


@rule("X012", "diagnostic-not-explained", Severity.INFO, _X)
def diagnostic_not_explained(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """An EMQ diagnostic Meta reports is not reproduced by these payloads.

    ## What it does
    A diagnostic of X011's kinds whose cause these payloads do not show (share
    zero), or a diagnostic capi-lint cannot predict from payloads at all.

    ## Why is this bad?
    The cause is in traffic these payloads do not represent (another sender,
    production-only code paths), or, for mismatched IPs, between the browser and
    your server, which a payload cannot show.

    ## Example
    Diagnostic "Update your IPv4 IP addresses to IPv6 IP addresses" while every
    payload IP is IPv6.

    ## Fix
    Follow Meta's `solution`; capture payloads from the live integration and
    cross-check again.

    ## Source
    - Meta, Dataset Quality API: {DQ}
    - Evidence: the diagnostics are Meta's; which of them a payload linter can reproduce is our
      inference.
    """
    return only("X012", diagnostic_verdicts(cmp))


@rule("X013", "emq-score-low", Severity.WARNING, _X, options={"min-score": 6.0})
def emq_score_low(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """Event Match Quality of a website event is below the configured minimum.

    ## What it does
    Triggers when `event_match_quality.composite_score` is below `min-score`
    (default 6.0), or, for `/setup_quality` answers without a score, when
    `score_rating` is not `great`. The message lists Meta's highest-weighted keys
    (email, phone, IP, user agent, fbp, fbc, first and last name) that these
    payloads send validly on fewer than half of the events, ordered by the
    report's `potential_aly_acr_increase` where given.

    ## Why is this bad?
    A low EMQ means fewer events are matched to people, so fewer conversions are
    attributed and optimisation has less signal.

    ## Example
    `{"event_name": "Lead", "event_match_quality": {"composite_score": 4.1}}` with
    payloads that send only a user agent.

    ## Fix
    Send more customer information parameters on the event, email and phone
    first, plus `fbc`, `fbp`, IP and user agent.

    ## Options
    `min-score` (0–10, default 6.0; Meta publishes no bands, third parties call
    8+ excellent).

    ## Source
    - Meta, Dataset Quality API: {DQ}
    - Meta, Omnichannel optimal setup guide: {OMNI}
    - Evidence: the EMQ score and Meta's highest-weighted keys are stated in its documentation; the
      minimum is our default.
    """
    minimum = float(ctx.option("X013", "min-score"))
    out: list[Hit] = []
    for entry, pred in web_pairs(cmp):
        emq = entry.emq
        if emq is None:
            continue
        score = emq.composite_score
        rating = (emq.score_rating or "").lower() or None
        low = (score is not None and score < minimum) or (
            score is None and rating is not None and rating != "great"
        )
        if not low:
            continue
        boost = {
            canonical_identifier(k.identifier): k.potential_increase
            for k in emq.match_keys or ()
            if k.potential_increase is not None
        }
        order = sorted(HIGH_WEIGHT, key=lambda i: -(boost.get(i) or 0.0))
        weak = [i for i in order if pred.valid_pct(i) < 50.0]
        shown = ", ".join(f"{i} {pct(pred.valid_pct(i))}" for i in weak) or "none"
        figure = f"{score:g}/10" if score is not None else f"rated '{emq.score_rating}'"
        out.append(
            hit(
                (*emq.where, "composite_score") if score is not None else emq.where,
                f"Event Match Quality of `{pred.event_name}` is {figure}"
                + (f" (below {minimum:g})" if score is not None else "")
                + "; high-weight keys these payloads send validly on under half the events: "
                + shown,
                "send more customer information on these events: email, phone, fbc/fbp, IP and "
                "user agent first (Meta's highest-weighted keys)",
                None,
                event_name=pred.event_name,
                reported=score,
                score_rating=emq.score_rating,
                weak_keys=weak or None,
            )
        )
    return out or None


@rule("X014", "event-coverage-below-goal", Severity.WARNING, _X, options={"goal-percentage": 75.0})
def event_coverage_below_goal(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """Event coverage is below Meta's 75 % goal.

    ## What it does
    Triggers when `event_coverage.percentage` is below `goal_percentage` (or the
    option when the report omits it). The message gives the payloads' share of
    events with `event_id`, which caps how many pixel events can be paired.

    ## Why is this bad?
    Event coverage is the share of pixel events also received via the
    Conversions API with a shared dedup key; below the goal, the redundant
    setup Meta recommends does not recover the conversions the pixel loses.

    ## Example
    `{"event_coverage": {"percentage": 34.1, "goal_percentage": 75}}`

    ## Fix
    Send every pixel event from the server too, with the same `event_name` and
    `event_id`.

    ## Options
    `goal-percentage` (default 75, used when the report has no goal).

    ## Source
    - Meta, Dataset Quality API: {DQ}
    - Meta, Deduplicate Pixel and server events: {DEDUP}
    - Evidence: event coverage and its goal are stated in Meta's documentation.
    """
    default_goal = float(ctx.option("X014", "goal-percentage"))
    out: list[Hit] = []
    for entry, pred in web_pairs(cmp):
        cov = entry.event_coverage
        if cov is None or cov.percentage is None:
            continue
        goal = cov.goal_percentage if cov.goal_percentage is not None else default_goal
        if cov.percentage >= goal:
            continue
        ids = pred.dedup_pct("event_id")
        hint = (
            f"these payloads carry event_id on only {pct(ids)} of events, which caps it"
            if ids < goal
            else f"these payloads carry event_id on {pct(ids)} of events, so the gap is pixel "
            "events the server never sends"
        )
        out.append(
            hit(
                (*cov.where, "percentage"),
                f"event coverage of `{pred.event_name}` is {pct(cov.percentage)}, below the "
                f"{pct(goal)} goal: too few pixel events also arrive via the Conversions API "
                f"with a shared dedup key; {hint}",
                "send every pixel event from the server too, with the same event_name and event_id",
                None,
                event_name=pred.event_name,
                dedupe_key="event_id",
                predicted=ids,
                reported=cov.percentage,
                goal=goal,
            )
        )
    return out or None


@rule("X015", "data-freshness-lag", Severity.WARNING, _X, options={"real-time-seconds": 600})
def data_freshness_lag(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """Meta does not receive an event in real time, or the payloads lag behind it.

    ## What it does
    Warns when `data_freshness.upload_frequency` is `hourly`, `daily` or
    `weekly`, saying whether the payloads agree (the median lag between
    `event_time` and `--now` looks like that frequency) or are fresh (the delay
    is in the live pipeline). Reports at info level when Meta sees `real_time`
    but the payloads' median lag exceeds `real-time-seconds`. Unknown frequency
    values are accepted silently.

    ## Why is this bad?
    Meta recommends sending events in real time (within an hour at most);
    delayed events match and optimise worse, and events older than 7 days are
    rejected.

    ## Example
    `{"data_freshness": {"upload_frequency": "hourly"}}`

    ## Fix
    Send each event when it happens, not in periodic batches.

    ## Options
    `real-time-seconds` (default 600): the median lag still counted as real time.

    ## Source
    - Meta, Dataset Quality API: {DQ}
    - Meta, Conversions API best practices: {BP}
    - Evidence: `data_freshness.upload_frequency` and sending events in real time are stated in
      Meta's documentation; classing the payloads' lag is our inference.
    """
    realtime = int(ctx.option("X015", "real-time-seconds"))
    out: list[Hit] = []
    for entry, pred in web_pairs(cmp):
        reported = entry.upload_frequency
        if reported not in FREQUENCIES:
            continue
        lag = pred.evidence.median_lag()
        predicted = lag_class(lag, realtime)
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
                ) + f": event_time lags --now by a median of {duration(lag)}"
            else:
                seen = (
                    f"these payloads are fresh (median lag {duration(lag)}), so the delay is "
                    "in the live pipeline (a queue or batch job), or the event is rare"
                )
            out.append(
                hit(
                    where,
                    f"Meta receives `{pred.event_name}` {reported.replace('_', ' ')}, not in real "
                    f"time; {seen}",
                    "send each event as it happens (within an hour at most): real-time events "
                    "match and optimise better",
                    None,
                    **extra,
                )
            )
        elif predicted is not None and predicted != "real_time":
            out.append(
                hit(
                    where,
                    f"Meta receives `{pred.event_name}` in real time, but these payloads' "
                    f"event_time values lag --now by a median of {duration(lag)}: they are older "
                    "than the live feed (pin --now to when they were captured) or would be sent "
                    "in delayed batches",
                    "cross-check recently captured payloads, with --now at their capture time",
                    Severity.INFO,
                    **extra,
                )
            )
    return out or None


@rule("X016", "offline-score-low", Severity.WARNING, _X, options={"min-score": 8.5})
def offline_score_low(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """The offline data quality score is below what omnichannel ads need.

    ## What it does
    Triggers when `offline[].composite.score` is below `min-score` (default 8.5,
    the score that unlocks omnichannel ads). Also reads a bare number.

    ## Why is this bad?
    Below 8.5 the dataset cannot be used for omnichannel ads, and offline
    attribution is weaker.

    ## Example
    `{"event_name": "Purchase", "composite": {"score": 6.6}}`

    ## Fix
    See the sub-scores (X017–X019): match keys, upload frequency, freshness.

    ## Options
    `min-score` (0–10, default 8.5).

    ## Source
    - Meta, Dataset Quality API for Offline Events: {DQOFF}
    - Meta, Omnichannel optimal setup guide: {OMNI}
    - Evidence: the offline scores and their recommendations are stated in Meta's documentation; the
      minimum is our default.
    """
    minimum = float(ctx.option("X016", "min-score"))

    def judge(entry: OfflineEvent, pred: Prediction) -> Hit | None:
        return offline_score(
            entry.composite,
            minimum,
            pred,
            "offline data quality",
            f"(below the {minimum:g} that unlocks omnichannel ads)",
            "improve the match keys, upload daily and send data within a day or two; see the "
            "sub-scores",
        )

    return each_offline(cmp, judge)


@rule("X017", "offline-match-key-low", Severity.WARNING, _X, options={"min-score": 8.0})
def offline_match_key_low(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """The offline match-key score is low; the payloads' email/phone shares say why.

    ## What it does
    Triggers when `offline[].match_key.score` is below `min-score` (default 8,
    the bottom of Meta's "high" band), with the payloads' valid email and phone
    shares for that event name. Offline `coverage` figures are compared key by
    key under X001–X003.

    ## Why is this bad?
    Email and phone are the strong offline match keys; without them store sales
    are not matched to people.

    ## Example
    `{"match_key": {"score": 5.6, "coverage": {"email": 100.0, "phone": 90.0}}}`

    ## Fix
    Send hashed `em` and `ph` on every physical_store event.

    ## Options
    `min-score` (0–10, default 8.0).

    ## Source
    - Meta, Dataset Quality API for Offline Events: {DQOFF}
    - Meta, Omnichannel optimal setup guide: {OMNI}
    - Evidence: stated in Meta's documentation (match key score, email and phone as offline keys).
    """
    minimum = float(ctx.option("X017", "min-score"))

    def judge(entry: OfflineEvent, pred: Prediction) -> Hit | None:
        email, phone = pred.valid_pct("email"), pred.valid_pct("phone")
        return offline_score(
            entry.match_key,
            minimum,
            pred,
            "offline match-key score",
            f"; these payloads send a valid email on {pct(email)} and a valid phone on "
            f"{pct(phone)} of events",
            "send hashed email and phone (the strong offline match keys) on every event",
            predicted_email=email,
            predicted_phone=phone,
        )

    return each_offline(cmp, judge)


@rule("X018", "offline-frequency-low", Severity.WARNING, _X, options={"min-score": 8.0})
def offline_frequency_low(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """The offline upload-frequency score is low.

    ## What it does
    Triggers when `offline[].frequency.score` is below `min-score` (default 8),
    with the number of the 14 days before `--now` on which the payloads have
    events of that name.

    ## Why is this bad?
    Meta's omnichannel guide asks for daily uploads on at least 12 of the last
    14 days; sparse uploads lower the offline score.

    ## Example
    `{"frequency": {"score": 4.6}}`

    ## Fix
    Upload offline events every day.

    ## Options
    `min-score` (0–10, default 8.0).

    ## Source
    - Meta, Dataset Quality API for Offline Events: {DQOFF}
    - Meta, Omnichannel optimal setup guide: {OMNI}
    - Evidence: stated in Meta's documentation (frequency score, daily uploads).
    """
    minimum = float(ctx.option("X018", "min-score"))
    today = ctx.now // 86_400

    def judge(entry: OfflineEvent, pred: Prediction) -> Hit | None:
        recent = {d for d in pred.evidence.days if 0 <= today - d < 14}
        return offline_score(
            entry.frequency,
            minimum,
            pred,
            "offline frequency score",
            f"; these payloads have events on {len(recent)} of the 14 days before --now "
            "(Meta's guide: upload daily, on at least 12 of the last 14 days)",
            "upload offline events every day",
            days_with_events=len(recent),
        )

    return each_offline(cmp, judge)


@rule(
    "X019",
    "offline-freshness-low",
    Severity.WARNING,
    _X,
    options={"min-score": 8.0, "max-age-days": 3},
)
def offline_freshness_low(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """The offline freshness score is low; the payloads' event ages say why.

    ## What it does
    Triggers when `offline[].freshness.score` is below `min-score` (default 8),
    with how long before `--now` the newest and the median event of that name
    happened, against Meta's guide (data no older than `max-age-days`, default 3).

    ## Why is this bad?
    Late offline data attributes worse and lowers the offline score.

    ## Example
    `{"freshness": {"score": 2.2}}` and store sales sent a week after the sale.

    ## Fix
    Send offline conversions as soon as they are recorded, daily at the latest.

    ## Options
    `min-score` (0–10, default 8.0); `max-age-days` (default 3).

    ## Source
    - Meta, Dataset Quality API for Offline Events: {DQOFF}
    - Meta, Omnichannel optimal setup guide: {OMNI}
    - Evidence: stated in Meta's documentation (freshness score, recent data).
    """
    minimum = float(ctx.option("X019", "min-score"))
    max_age = int(ctx.option("X019", "max-age-days"))

    def judge(entry: OfflineEvent, pred: Prediction) -> Hit | None:
        ev = pred.evidence
        lag = ev.median_lag()
        newest = min(ev.lags) if ev.lags else None
        return offline_score(
            entry.freshness,
            minimum,
            pred,
            "offline freshness score",
            (
                f"; the newest event here is {duration(newest)} before --now, median "
                f"{duration(lag)} (Meta's guide: data no older than {max_age} days)"
                if newest is not None
                else "; these payloads have no usable event_time"
            ),
            "send offline conversions as soon as they are recorded (daily at the latest)",
            newest_lag_seconds=newest,
            median_lag_seconds=lag,
        )

    return each_offline(cmp, judge)


@rule("X020", "quality-report-empty", Severity.WARNING, _X)
def quality_report_empty(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """Meta's report has no events for a channel the payloads send.

    ## What it does
    Triggers once per channel when the response has no `web` (or, when offline
    was asked for, no `offline`) entries — including the observed `{}` for a
    dataset with nothing to report — while the payloads hold website
    (physical_store) events. Without payload events of the channel an empty
    report is only noted on standard error.

    ## Why is this bad?
    Nothing can be compared, and most likely Meta has not received recent
    server events from this integration.

    ## Example
    `{}`

    ## Fix
    Check the dataset id, that recent events reached it (Events Manager), and
    that `--agent-name` does not filter them out.

    ## Source
    - Meta, Dataset Quality API: {DQ}
    - Evidence: observed `{}` for a dataset with nothing to report; that the events did not arrive
      is our inference.
    """
    if cmp.reported or not cmp.predicted:
        return None
    word, source = label(cmp.channel)
    total = sum(p.events for p in cmp.predicted.values())
    why = "the response is `{}`" if cmp.response_empty else f"`{cmp.key}` is empty or absent"
    return [
        hit(
            (cmp.key,) if cmp.present else (),
            f"Meta reports no {word} events ({why}) while these payloads hold "
            f"{total} {source} event(s) under {len(cmp.predicted)} name(s): nothing can be "
            "compared",
            "check that the dataset id is the one these events are sent to, that events "
            "reached it in the last days, and that --agent-name does not filter them out",
            channel=cmp.channel,
            events=total,
        )
    ]


@rule("X027", "pair-figure-mismatch", Severity.WARNING, _X, options={"tolerance": 10.0})
def pair_figure_mismatch(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """Meta's event coverage or browser-side dedupe figure differs from what pairing predicts.

    ## What it does
    Only with `capi-lint pair --quality-file`: for each website event name,
    holds the figures predicted by pairing the recorded Pixel events with the
    server events against Meta's report: the predicted event coverage (share of
    browser events with a server twin) against `event_coverage.percentage`, and
    per dedupe key the share of browser events carrying it and the share
    deduplicated through it against `dedupe_key_feedback[]`'s
    `browser_events_with_dedupe_key` and `overall_browser_coverage_from_dedupe_key`.
    Triggers when they differ by more than the tolerance. The server share of
    each key is X008's; the coverage goal is X014's.

    ## Why is this bad?
    The recording (a HAR of the page and the server's request bodies) pairs
    differently from what Meta deduplicates live: the live server misses events,
    sends other `event_id` / `fbp` / `external_id` values than the Pixel, or the
    recorded page is not what customers use. Until the two agree, a passing
    `pair` run does not prove the live setup deduplicates.

    ## Example
    Pairing predicts 100 % coverage for `Purchase` (every Pixel purchase has a
    server twin with its `eid`); the report says
    `{"event_coverage": {"percentage": 34.1}}`.

    ## Fix
    Record both sides from the live integration, pair them again, and fix the
    P findings of the event (missing twins, other IDs, other `fbp`).

    ## Options
    `tolerance` (percentage points, default 10; `--tolerance` overrides it).

    ## Source
    - Meta, Dataset Quality API: {DQ}
    - Meta, Ads Dataset Dedup Key Feedback (the three figures): https://developers.facebook.com/docs/marketing-api/reference/ads-dataset-dedup-key-feedback/
    - Meta, Deduplicate Pixel and server events: {DEDUP}
    - Evidence: `event_coverage` and the three `dedupe_key_feedback` figures are stated in Meta's
      documentation; predicting them by pairing, and the tolerance, are our inference (Meta says
      the overall coverage is "incremental for each dedupe key" without defining the order).
    """
    return only("X027", pair_verdicts(cmp, ctx))


@rule("X028", "pair-figure-agrees", Severity.INFO, _X)
def pair_figure_agrees(cmp: ChannelComparison, ctx: CrosscheckContext) -> list[Hit] | None:
    """Meta's event coverage or browser-side dedupe figure agrees with what pairing predicts.

    ## What it does
    Info-level counterpart of X027 for figures within its tolerance, so a
    `capi-lint pair --quality-file` report shows what was compared as well as
    what differs.

    ## Why is this bad?
    It is not: it confirms the recording pairs as Meta deduplicates live.
    Ignore the code (`--ignore X028`) to see only the gaps.

    ## Example
    Pairing predicts 50 % coverage for `AddToCart`; the report says
    `{"event_coverage": {"percentage": 52.3}}`.

    ## Fix
    Nothing to fix.

    ## Source
    - Meta, Dataset Quality API: {DQ}
    - Meta, Ads Dataset Dedup Key Feedback (the three figures): https://developers.facebook.com/docs/marketing-api/reference/ads-dataset-dedup-key-feedback/
    - Meta, Deduplicate Pixel and server events: {DEDUP}
    - Evidence: Meta's report fields are stated in its documentation; predicting them by pairing,
      and the tolerance, are our inference.
    """
    return only("X028", pair_verdicts(cmp, ctx))
