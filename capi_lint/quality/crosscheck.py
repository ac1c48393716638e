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

import re
from collections.abc import Callable, Collection, Iterable, Mapping
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
from capi_lint.mask import mask_label
from capi_lint.model import Finding, Hit, PointerParts, Selection
from capi_lint.quality.parse import SETUP_QUALITY, QualityReport
from capi_lint.registry import Scope
from capi_lint.rules._crosscheck import lag_class, squash

__all__ = ["canonical_identifier", "comparisons", "context", "crosscheck", "lag_class", "squash"]

#: The options ``--tolerance`` sets (X002, X003 and X007 use X001's; X028 X027's).
_TOLERANCE_OPTIONS = (("X001", "tolerance"), ("X008", "tolerance"), ("X027", "tolerance"))


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
    codes: Collection[str] | None = None,
) -> list[Finding]:
    """The findings of the enabled X rules, sorted as ``check`` sorts them.

    ``path`` is the quality source (URL without token, or the saved file);
    ``locate`` maps a pointer to (line, column) in a saved response; ``codes``
    limits the rules run to those (``capi-lint pair`` runs the ones that fit it).
    """
    ctx = context(settings, tolerance=tolerance, agent_name=agent_name)
    selection = Selection(settings.enabled, settings.severity)
    rules = registry.enabled_checks(
        Scope.CROSSCHECK,
        lambda code: selection.selects(code) and (codes is None or code in codes),
    )
    out: list[Finding] = []
    channels = comparisons(report, predictions)
    private = _PrivateNames(
        [r.event_name for cmp in channels for r in cmp.reported],
        [p.event_name for p in predictions.values()],
        [a for p in predictions.values() for a in p.agents],
        [agent_name],
    )
    for cmp in channels:
        for rule, check in rules:
            for found in check(cmp, ctx) or ():
                # Every X hit leaves through here: the one place that masks the
                # event and agent names (chosen by the sender) that carry
                # personal data, wherever a message quotes them.
                hit = private.hide_hit(found)
                position = locate(hit.where) if locate is not None else None
                line, column = position if position else (None, None)
                out.append(selection.finding(rule, hit, path, hit.where, None, line, column))
    out.sort(key=Finding.sort_key)
    return out


class _PrivateNames:
    """The event and agent names of one cross-check that look like personal data
    (an email, a phone number, a token: :func:`capi_lint.mask.mask_label`), and
    what masks them in a hit's message, fix and extra fields."""

    def __init__(self, *groups: Iterable[Any]) -> None:
        masked: dict[str, str] = {}
        for group in groups:
            for name in group:
                if isinstance(name, str) and name and name not in masked:
                    shown = mask_label(name)
                    if shown != name:
                        masked[name] = shown
        self._masked = masked
        # Longest first, so a name inside a longer one is masked whole.
        names = sorted(masked, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, names))) if names else None

    def hide_hit(self, hit: Hit) -> Hit:
        if self._pattern is None:
            return hit
        extra = {k: self.hide(v) for k, v in hit.extra.items()} if hit.extra else hit.extra
        return hit._replace(message=self.hide(hit.message), fix=self.hide(hit.fix), extra=extra)

    def hide(self, value: Any) -> Any:
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self._pattern.sub(lambda m: self._masked[m.group()], value)
        if isinstance(value, (list, tuple)):
            return [self.hide(v) for v in value]
        return value
