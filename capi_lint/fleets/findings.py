"""Fleet rules -> Findings: the selected X021-X026 over one dataset's change.

Every judgement is in :mod:`capi_lint.rules.fleet`; this module runs the
selected rules and turns their hits into findings through
:class:`~capi_lint.model.Selection` (selection and severity in one place).
"""

from __future__ import annotations

from collections.abc import Callable

from capi_lint import registry
from capi_lint.comparison import CrosscheckContext
from capi_lint.config import Settings
from capi_lint.fleet_change import DatasetChange
from capi_lint.model import Finding, PointerParts, Selection
from capi_lint.registry import Scope


def fleet_findings(
    change: DatasetChange,
    settings: Settings,
    path: str,
    *,
    locate: Callable[[PointerParts], tuple[int, int] | None] | None = None,
) -> list[Finding]:
    """The findings of the enabled fleet rules for one dataset, in rule order.

    ``path`` is the quality source shown for the dataset (URL without token);
    ``locate`` maps a pointer to (line, column) in a saved response.
    """
    selection = Selection(settings.enabled, settings.severity)
    ctx = CrosscheckContext(settings.resolved_options)
    out: list[Finding] = []
    for rule, check in registry.enabled_checks(Scope.FLEET, selection.selects):
        for hit in check(change, ctx) or ():
            position = locate(hit.where) if locate is not None else None
            line, column = position if position else (None, None)
            out.append(selection.finding(rule, hit, path, hit.where, None, line, column))
    return out
