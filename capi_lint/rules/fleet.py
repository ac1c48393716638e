"""X021–X026 — fleet verdicts: a dataset that could not be read, and drops since the last run.

Each rule is a pure function ``fn(change, ctx) -> list[Hit] | None`` over one
dataset of a fleet run (:class:`~capi_lint.fleet_change.DatasetChange`: the
read failure, or this run's snapshots next to the ones the history database
kept of its previous run) and a :class:`~capi_lint.comparison.CrosscheckContext`
(the options: the alert thresholds). ``capi-lint fleet``
(:mod:`capi_lint.fleets.run`) builds the inputs and runs the selected rules
through :class:`~capi_lint.model.Selection`, so they share selection, severity
overrides, options, output formats and documentation with every other rule.
Pointers are absolute in the dataset's quality response; a finding's extra
never holds a None value.
"""

from __future__ import annotations

from typing import Any

from capi_lint.comparison import CrosscheckContext
from capi_lint.fleet_change import DatasetChange
from capi_lint.model import Hit, Severity
from capi_lint.registry import Scope, rule

_X = Scope.FLEET

#: What to do about each kind of read failure (X021's fix).
_FIXES = {
    "auth": "issue a new access token (a long-lived system-user token is recommended)",
    "permission": "grant the token's user access to the dataset (and the app ads_read plus "
    "ads_management or business_management)",
    "dataset-not-found": "correct the dataset id in the fleet file",
    "rate-limit": "run later or with a lower --concurrency",
    "timeout": "raise --timeout, or run again later",
    "no-token": "set the environment variable named by token-env",
}


def _pct(value: float) -> str:
    return f"{value:.1f}%".replace(".0%", "%")


def _extra(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


@rule("X021", "dataset-quality-unavailable", Severity.ERROR, _X)
def dataset_quality_unavailable(change: DatasetChange, ctx: CrosscheckContext) -> list[Hit] | None:
    """Meta's quality report of a dataset could not be read in this fleet run.

    ## What it does
    Reports, per dataset of the fleet file, a call to `/dataset_quality` (or
    `/setup_quality`) that failed after the client's retries: the token was
    rejected (code 190), the token's user may not read the dataset (code 10 or
    200–299), the dataset does not exist for this token (2044055), Meta kept
    rate-limiting (codes 4, 17, 32, 613, 80000–80014), the answer did not come
    within `--timeout`, or it was not a quality report. The message names the
    kind and Meta's code; never the token. The run goes on with the other
    datasets.

    ## Why is this bad?
    A dataset whose quality cannot be read is not monitored: drops in its EMQ
    or coverage go unnoticed until conversions are lost.

    ## Example
    `{"error": {"code": 10, "message": "(#10) Application does not have
    permission for this action"}}` for dataset 1234567890.

    ## Fix
    For 190, issue a new (system-user) token; for 10, grant the token's user
    access to the dataset and the app `ads_read` plus `ads_management` or
    `business_management`; for 2044055, correct the id in the fleet file; for
    rate limits, run with a lower `--concurrency` or later.

    ## Source
    - Meta, Dataset Quality API (setup requirements, ownership and access): {DQ}
    - Meta, Handling Errors (Graph API error codes): https://developers.facebook.com/docs/graph-api/guides/error-handling
    - Meta, Rate Limiting on the Graph API: https://developers.facebook.com/docs/graph-api/overview/rate-limiting
    - Evidence: Meta states the error codes and the access requirements.
    """
    failure = change.failure
    if failure is None:
        return None
    return [
        Hit(
            (),
            f"cannot read the quality report of dataset {change.dataset_id} ({failure.kind}): "
            f"{failure.message}",
            _FIXES.get(failure.kind),
            extra=_extra(kind=failure.kind, graph_code=failure.graph_code),
        )
    ]


@rule("X022", "emq-dropped", Severity.WARNING, _X, options={"points": 1.0})
def emq_dropped(change: DatasetChange, ctx: CrosscheckContext) -> list[Hit] | None:
    """Event Match Quality of an event dropped since the last fleet run.

    ## What it does
    Compares `event_match_quality.composite_score` of each website event with
    the score the history database holds for the same dataset and event name
    from the last run that read the dataset. Triggers when it fell by `points`
    or more (default 1.0 on Meta's 0–10 scale). Needs `--history`.

    ## Why is this bad?
    A falling EMQ means fewer events are matched to people: a release that
    stopped sending a match key, a consent change, a broken hashing step. Meta
    names "alerts/detectors for EMQ score and match keys drops" as a use of the
    Dataset Quality API.

    ## Example
    Last run `Purchase` scored 8.1; today `{"composite_score": 6.4}`.

    ## Fix
    Look at the match keys whose coverage dropped (X023) and at the payloads
    the integration sends now (`capi-lint crosscheck` with fresh captures).

    ## Options
    `points` (score points on the 0–10 scale, default 1.0).

    ## Source
    - Meta, Dataset Quality API (common use cases; event match quality): {DQ}
    - Evidence: Meta states the use case; the threshold is our choice.
    """
    out = []
    points = float(ctx.option("X022", "points"))
    for now, before in change.compared():
        if now.emq is None or before.emq is None:
            continue
        drop = round(before.emq - now.emq, 2)
        if drop < points:
            continue
        out.append(
            Hit(
                (*now.where, "event_match_quality", "composite_score"),
                f"Event Match Quality of `{now.event_name}` dropped by {drop:g} points, from "
                f"{before.emq:g} at the last run ({change.since}) to {now.emq:g}",
                "look at the match keys that dropped (X023) and at a fresh capture of the payloads",
                extra=_extra(
                    event_name=now.event_name, before=before.emq, reported=now.emq, drop=drop
                ),
            )
        )
    return out or None


@rule("X023", "match-key-coverage-dropped", Severity.WARNING, _X, options={"points": 10.0})
def match_key_coverage_dropped(change: DatasetChange, ctx: CrosscheckContext) -> list[Hit] | None:
    """A match key's coverage on an event dropped since the last fleet run.

    ## What it does
    Compares each `match_key_feedback[].coverage.percentage` (website events)
    and each offline `coverage` figure with the same identifier's figure from
    the last run that read the dataset. Triggers when it fell by `points` or
    more percentage points (default 10). Needs `--history`.

    ## Why is this bad?
    Meta only matches on the keys it receives: a key that disappears from part
    of the traffic lowers EMQ and attribution.

    ## Example
    Last run `email` covered 92 % of `Purchase`; today 41 %.

    ## Fix
    Find the release or consent change that stopped the key; check a live
    request body with `capi-lint check`.

    ## Options
    `points` (percentage points, default 10).

    ## Source
    - Meta, Dataset Quality API (match_key_feedback, common use cases): {DQ}
    - Evidence: Meta states the use case; the threshold is our choice.
    """
    out = []
    points = float(ctx.option("X023", "points"))
    for now, before in change.compared():
        for ident, value in now.match_keys.items():
            old = before.match_keys.get(ident)
            if value is None or old is None:
                continue
            drop = round(old - value, 1)
            if drop < points:
                continue
            out.append(
                Hit(
                    now.where,
                    f"coverage of match key {ident} on `{now.event_name}` dropped by {drop:g} "
                    f"points, from {_pct(old)} at the last run ({change.since}) to {_pct(value)}",
                    f"find the change that stopped sending {ident} on every event",
                    extra=_extra(
                        event_name=now.event_name,
                        identifier=ident,
                        before=old,
                        reported=value,
                        drop=drop,
                    ),
                )
            )
    return out or None


@rule(
    "X024",
    "event-coverage-fell-below-goal",
    Severity.WARNING,
    _X,
    options={"goal-percentage": 75.0},
)
def event_coverage_fell_below_goal(
    change: DatasetChange, ctx: CrosscheckContext
) -> list[Hit] | None:
    """Event coverage of an event fell below the goal since the last fleet run.

    ## What it does
    Triggers when `event_coverage.percentage` is below `goal_percentage` (or
    this option when the report has no goal) today, and was at or above it at
    the last run that read the dataset. A coverage that stays below the goal
    is not repeated every run (the cross-check reports it as X014 when payloads
    are given). Needs `--history`.

    ## Why is this bad?
    Event coverage is the share of pixel events Meta also receives via the
    Conversions API with a shared dedup key; a fall means server events stopped
    arriving or lost their `event_id`.

    ## Example
    Last run `AddToCart` had 81 %; today `{"percentage": 52, "goal_percentage": 75}`.

    ## Fix
    Check that the server still sends every pixel event with the same
    `event_name` and `event_id`.

    ## Options
    `goal-percentage` (default 75, used when the report has no goal).

    ## Source
    - Meta, Dataset Quality API (event_coverage, goal_percentage): {DQ}
    - Evidence: Meta states the figure and its goal.
    """
    out = []
    default_goal = float(ctx.option("X024", "goal-percentage"))
    for now, before in change.compared():
        if now.event_coverage is None or before.event_coverage is None:
            continue
        goal = now.coverage_goal if now.coverage_goal is not None else default_goal
        if now.event_coverage >= goal or before.event_coverage < goal:
            continue
        out.append(
            Hit(
                (*now.where, "event_coverage", "percentage"),
                f"event coverage of `{now.event_name}` fell below the {_pct(goal)} goal: "
                f"{_pct(before.event_coverage)} at the last run ({change.since}), "
                f"{_pct(now.event_coverage)} now",
                "check that the server still sends every pixel event with the same event_name "
                "and event_id",
                extra=_extra(
                    event_name=now.event_name,
                    before=before.event_coverage,
                    reported=now.event_coverage,
                    goal=goal,
                ),
            )
        )
    return out or None


@rule("X025", "diagnostic-appeared", Severity.WARNING, _X)
def diagnostic_appeared(change: DatasetChange, ctx: CrosscheckContext) -> list[Hit] | None:
    """Meta reports a diagnostic on an event that the last fleet run did not have.

    ## What it does
    Compares the names in `event_match_quality.diagnostics[]` of each website
    event with those of the last run that read the dataset; each new name is a
    finding with Meta's description percentage. Needs `--history`.

    ## Why is this bad?
    Diagnostics are Meta's own detection of a new integration problem (invalid
    parameters, missing keys) on the live traffic.

    ## Example
    Today `{"name": "Invalid fbc parameter", "percentage": 12.5}` on `Purchase`,
    which had no diagnostics yesterday.

    ## Fix
    Follow the diagnostic's `solution`; `capi-lint crosscheck` with fresh
    payloads says whether they reproduce it (X011).

    ## Source
    - Meta, Dataset Quality API (diagnostics): {DQ}
    - Evidence: Meta states the field.
    """
    out = []
    for now, before in change.compared():
        for name, pct in now.diagnostics.items():
            if name in before.diagnostics:
                continue
            out.append(
                Hit(
                    (*now.where, "event_match_quality", "diagnostics"),
                    f"Meta reports a new diagnostic on `{now.event_name}`: '{name}'"
                    + (f" ({_pct(pct)} of events)" if pct is not None else "")
                    + f"; the last run ({change.since}) did not have it",
                    "follow the diagnostic's solution in Events Manager; cross-check fresh "
                    "payloads",
                    extra=_extra(event_name=now.event_name, diagnostic=name, reported=pct),
                )
            )
    return out or None


@rule("X026", "event-stopped-reporting", Severity.WARNING, _X)
def event_stopped_reporting(change: DatasetChange, ctx: CrosscheckContext) -> list[Hit] | None:
    """A dataset stopped reporting an event name it reported at the last fleet run.

    ## What it does
    Triggers for each (channel, event name) the last run that read the dataset
    had in `web[]` or `offline[]` and today's report lacks. Needs `--history`.

    ## Why is this bad?
    An event that no longer arrives is not optimised on nor attributed: a
    broken tag, a renamed event, a server integration that stopped.

    ## Example
    Yesterday `web[]` held `Purchase`; today only `PageView` and `AddToCart`.

    ## Fix
    Check that the event is still sent (pixel and server) under the same name.

    ## Source
    - Meta, Dataset Quality API (web[].event_name): {DQ}
    - Evidence: Meta states the field; that a missing entry means no recent events is our inference.
    """
    if change.previous is None:
        return None
    seen = {now.key for now in change.current}
    out = []
    for key, before in sorted(change.previous.items()):
        if key in seen:
            continue
        channel, name = key
        out.append(
            Hit(
                (channel,),
                f"{channel} event `{name}` is no longer in Meta's report; it was at the "
                f"last run ({change.since})",
                f"check that `{name}` is still sent (pixel and server) under that name",
                extra=_extra(channel=channel, event_name=name, emq_before=before.emq),
            )
        )
    return out or None
