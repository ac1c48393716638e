"""``capi-lint pair``: the Pixel and the server side by side (issue 19).

- :mod:`~capi_lint.pair.browser`: HAR files and recorded ``fbq`` calls -> Pixel events,
- :mod:`~capi_lint.pair.server`: Conversions API payloads -> server events,
- :mod:`~capi_lint.pair.match`: pairing -> twins (:class:`~capi_lint.pairing.Pairing`)
  and rows (coverage, dedupe keys),
- :mod:`~capi_lint.pair.report`: the ``--format json`` document and the text table.

This module ties them together for the CLI and the library: it runs the
selected P rules (:mod:`capi_lint.rules.pair`) over the pairing and turns their
hits into findings through :class:`~capi_lint.model.Selection`; every
judgement is in the rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from capi_lint import registry
from capi_lint.config import Settings
from capi_lint.model import FileResult, Finding, RunResult, Selection, Severity, Summary
from capi_lint.pair.browser import BrowserEvent, BrowserReadError, read_browser
from capi_lint.pair.match import Row, pair_events
from capi_lint.pair.server import read_server
from capi_lint.pairing import PairContext, Pairing, hit_location
from capi_lint.registry import Scope

__all__ = ["BrowserReadError", "PairRun", "run_pair"]


@dataclass
class PairRun:
    rows: list[Row]
    result: RunResult
    browser_events: int
    server_events: int
    notes: list[str] = field(default_factory=list)


def run_pair(
    browser_paths: Sequence[str],
    server_paths: Sequence[str],
    settings: Settings,
    *,
    pixel_id: str | None = None,
) -> PairRun:
    """Read both sides, pair them, and run the enabled P rules over the pairing.

    Raises BrowserReadError (a one-line message) for an unreadable browser file.
    """
    notes: list[str] = []
    browser: list[BrowserEvent] = []
    automatic = 0
    for path in browser_paths:
        read = read_browser(path, settings.max_input_size)
        browser.extend(read.events)
        automatic += read.automatic
        notes.extend(read.notes or ())
    if automatic:
        notes.append(
            f"{automatic} automatic Pixel event(s) (microdata, SubscribedButtonClick) not paired"
        )
    if not browser:
        notes.append("no Pixel event found in the browser files (requests to facebook.com/tr)")
    server = read_server(list(server_paths), settings)
    notes.extend(server.notes)
    if server.other_sources:
        notes.append(
            f"{server.other_sources} server event(s) with an action_source other than website "
            "not paired (the Pixel sends website events)"
        )
    window = float(settings.option("P005", "window-hours"))
    paired = pair_events(browser, server.events, pixel_id=pixel_id, window_hours=window)
    findings = pair_findings(paired.pairing, settings)
    summary = Summary(
        files=len(browser_paths) + server.files, events=len(browser) + len(server.events)
    )
    summary.count(findings)
    result = RunResult(results=[FileResult("<pair>", findings, summary.events)], summary=summary)
    return PairRun(paired.rows, result, len(browser), len(server.events), notes)


def pair_findings(pairing: Pairing, settings: Settings) -> list[Finding]:
    """The findings of the enabled P rules over ``pairing``, sorted as ``check`` sorts them."""
    selection = Selection(settings.enabled, settings.severity)
    ctx = PairContext(settings.resolved_options)
    out: list[Finding] = []
    for rule, check in registry.enabled_checks(Scope.PAIR, selection.selects):
        for hit in check(pairing, ctx) or ():
            path, line, column = hit_location(hit)
            out.append(selection.finding(rule, hit, path, hit.where, None, line, column))
    out.sort(key=Finding.sort_key)
    return out


def fails(run: PairRun, fail_on: Severity) -> bool:
    return run.result.failed(fail_on)
