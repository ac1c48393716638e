"""Alerts: today's snapshot of a dataset held against its last run (X022–X026). No I/O.

Each alert is a plain function of two snapshots and a threshold (a rule
option, so ``[options.X022] points = 0.5`` in the config changes it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from capi_lint.config import Settings
from capi_lint.fleets.snapshot import EventSnapshot


@dataclass(frozen=True)
class Alert:
    code: str
    where: tuple[Any, ...]
    message: str
    fix: str
    extra: Mapping[str, Any]


@dataclass(frozen=True)
class Thresholds:
    emq_points: float = 1.0
    match_key_points: float = 10.0
    coverage_goal: float = 75.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Thresholds:
        return cls(
            emq_points=float(settings.option("X022", "points")),
            match_key_points=float(settings.option("X023", "points")),
            coverage_goal=float(settings.option("X024", "goal-percentage")),
        )


def _pct(value: float) -> str:
    return f"{value:.1f}%".replace(".0%", "%")


def alerts(
    current: Iterable[EventSnapshot],
    previous: Mapping[tuple[str, str], EventSnapshot],
    thresholds: Thresholds,
    *,
    since: str,
) -> list[Alert]:
    """``since`` names the last run (its date) in messages."""
    out: list[Alert] = []
    seen: set[tuple[str, str]] = set()
    for now in current:
        seen.add(now.key)
        before = previous.get(now.key)
        if before is None:
            continue
        out.extend(_emq(now, before, thresholds, since))
        out.extend(_match_keys(now, before, thresholds, since))
        out.extend(_coverage(now, before, thresholds, since))
        out.extend(_diagnostics(now, before, since))
    for key, before in sorted(previous.items()):
        if key not in seen:
            channel, name = key
            out.append(
                Alert(
                    "X026",
                    (channel,),
                    f"{channel} event `{name}` is no longer in Meta's report; it was at the "
                    f"last run ({since})",
                    f"check that `{name}` is still sent (pixel and server) under that name",
                    {"channel": channel, "event_name": name, "emq_before": before.emq},
                )
            )
    return out


def _emq(now: EventSnapshot, before: EventSnapshot, t: Thresholds, since: str) -> list[Alert]:
    if now.emq is None or before.emq is None:
        return []
    drop = round(before.emq - now.emq, 2)
    if drop < t.emq_points:
        return []
    return [
        Alert(
            "X022",
            (*now.where, "event_match_quality", "composite_score"),
            f"Event Match Quality of `{now.event_name}` dropped by {drop:g} points, from "
            f"{before.emq:g} at the last run ({since}) to {now.emq:g}",
            "look at the match keys that dropped (X023) and at a fresh capture of the payloads",
            {"event_name": now.event_name, "before": before.emq, "reported": now.emq, "drop": drop},
        )
    ]


def _match_keys(
    now: EventSnapshot, before: EventSnapshot, t: Thresholds, since: str
) -> list[Alert]:
    out = []
    for ident, value in now.match_keys.items():
        old = before.match_keys.get(ident)
        if value is None or old is None:
            continue
        drop = round(old - value, 1)
        if drop < t.match_key_points:
            continue
        out.append(
            Alert(
                "X023",
                now.where,
                f"coverage of match key {ident} on `{now.event_name}` dropped by {drop:g} "
                f"points, from {_pct(old)} at the last run ({since}) to {_pct(value)}",
                f"find the change that stopped sending {ident} on every event",
                {
                    "event_name": now.event_name,
                    "identifier": ident,
                    "before": old,
                    "reported": value,
                    "drop": drop,
                },
            )
        )
    return out


def _coverage(now: EventSnapshot, before: EventSnapshot, t: Thresholds, since: str) -> list[Alert]:
    if now.event_coverage is None or before.event_coverage is None:
        return []
    goal = now.coverage_goal if now.coverage_goal is not None else t.coverage_goal
    if now.event_coverage >= goal or before.event_coverage < goal:
        return []
    return [
        Alert(
            "X024",
            (*now.where, "event_coverage", "percentage"),
            f"event coverage of `{now.event_name}` fell below the {_pct(goal)} goal: "
            f"{_pct(before.event_coverage)} at the last run ({since}), {_pct(now.event_coverage)} "
            "now",
            "check that the server still sends every pixel event with the same event_name and "
            "event_id",
            {
                "event_name": now.event_name,
                "before": before.event_coverage,
                "reported": now.event_coverage,
                "goal": goal,
            },
        )
    ]


def _diagnostics(now: EventSnapshot, before: EventSnapshot, since: str) -> list[Alert]:
    return [
        Alert(
            "X025",
            (*now.where, "event_match_quality", "diagnostics"),
            f"Meta reports a new diagnostic on `{now.event_name}`: '{name}'"
            + (f" ({_pct(pct)} of events)" if pct is not None else "")
            + f"; the last run ({since}) did not have it",
            "follow the diagnostic's solution in Events Manager; cross-check fresh payloads",
            {"event_name": now.event_name, "diagnostic": name, "reported": pct},
        )
        for name, pct in now.diagnostics.items()
        if name not in before.diagnostics
    ]
