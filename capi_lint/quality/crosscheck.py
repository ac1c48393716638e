"""Hold what the payloads should produce against what Meta reports: the orchestration. No I/O.

Input: a parsed :class:`~capi_lint.quality.parse.QualityReport` and the
predictions per (channel, event_name) built from
:class:`~capi_lint.coverage.CoveragePredictor` rows
(:func:`~capi_lint.quality.evidence.predictions_from_rows`). Output: findings
of family X, pointing into the quality response (interface §4b).

This module only builds the comparison inputs
(:class:`~capi_lint.comparison.ChannelComparison`, one per channel) and runs
the selected X rules over them, turning their hits into findings through
:class:`~capi_lint.model.Selection` like the engine does; every judgement is
in :mod:`capi_lint.rules.crosscheck`.

Event names match exactly (Meta keeps them verbatim); a name that matches only
after ignoring case, spaces, ``_`` and ``-`` is a finding of its own (X005) and
is not compared. ``web[]`` is compared with website events, ``offline[]`` with
physical_store events.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from capi_lint import registry
from capi_lint.comparison import (
    ChannelComparison,
    CrosscheckContext,
    Prediction,
    Reported,
    canonical_identifier,
)
from capi_lint.config import Settings
from capi_lint.model import Finding, PointerParts, Selection
from capi_lint.quality.parse import SETUP_QUALITY, QualityReport
from capi_lint.registry import Scope
from capi_lint.rules._crosscheck import lag_class, squash

__all__ = ["canonical_identifier", "comparisons", "context", "crosscheck", "lag_class", "squash"]

#: The options ``--tolerance`` sets (X002, X003 and X007 use X001's).
_TOLERANCE_OPTIONS = (("X001", "tolerance"), ("X008", "tolerance"))


def comparisons(
    report: QualityReport, predictions: Mapping[tuple[str, str], Prediction]
) -> list[ChannelComparison]:
    """The report's channels next to the predictions: ``web`` always, ``offline``
    when the response has the key or entries."""
    out = [
        _channel(
            report,
            predictions,
            "web",
            "data" if report.endpoint == SETUP_QUALITY else "web",
            report.web,
            report.has_web,
        )
    ]
    if report.has_offline or report.offline:
        out.append(_channel(report, predictions, "offline", "offline", report.offline, True))
    return out


def _channel(
    report: QualityReport,
    predictions: Mapping[tuple[str, str], Prediction],
    channel: str,
    key: str,
    entries: list[Any],
    present: bool,
) -> ChannelComparison:
    return ChannelComparison(
        channel=channel,
        key=key,
        present=present,
        response_empty=not report.has_web and not report.has_offline,
        reported=tuple(Reported(e.event_name, e.where, e) for e in entries if e.event_name),
        predicted={name: p for (ch, name), p in predictions.items() if ch == channel},
    )


def context(
    settings: Settings,
    *,
    tolerance: float | None = None,
    agent_name: str | None = None,
) -> CrosscheckContext:
    """The X rules' context: the configured options, ``--tolerance`` applied."""
    options = {code: dict(values) for code, values in settings.resolved_options.items()}
    if tolerance is not None:
        for code, name in _TOLERANCE_OPTIONS:
            options[code][name] = tolerance
    return CrosscheckContext(options, agent_name, settings.resolved_now())


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
    ctx = context(settings, tolerance=tolerance, agent_name=agent_name)
    selection = Selection(settings.enabled, settings.severity)
    rules = [
        (rule, rule.scopes[Scope.CROSSCHECK])
        for rule in registry.all_rules()
        if Scope.CROSSCHECK in rule.scopes and selection.selects(rule.code)
    ]
    out: list[Finding] = []
    for cmp in comparisons(report, predictions):
        for rule, check in rules:
            for hit in check(cmp, ctx) or ():
                position = locate(hit.where) if locate is not None else None
                line, column = position if position else (None, None)
                out.append(selection.finding(rule, hit, path, hit.where, None, line, column))
    out.sort(key=Finding.sort_key)
    return out
