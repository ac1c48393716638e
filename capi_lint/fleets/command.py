"""What ``capi-lint fleet`` does once its flags are parsed (kept out of cli.py).

Raises :class:`CommandError` (one line, never a token; exit code 2) for what
stops the whole run: an unusable fleet file or history file, a bad flag.
A dataset that cannot be read is a finding (X021), not an error.
"""

from __future__ import annotations

import sys
from typing import Any

from capi_lint.config import Settings
from capi_lint.fleets import fleet as run_library_fleet
from capi_lint.fleets.fleetfile import FleetFileError, load_fleet_file
from capi_lint.fleets.history import History, HistoryError
from capi_lint.fleets.run import FleetResult


class CommandError(ValueError):
    """Stops the fleet run; ``str()`` is safe to print."""


def render(result: FleetResult, output_format: str, *, color: bool, quiet: bool) -> str:
    from capi_lint.fleets import report

    if output_format == "json":
        return report.render_json(result)
    if output_format == "csv":
        return report.render_csv(result)
    if output_format == "html":
        from capi_lint.fleets.html import render_html

        return render_html(result)
    return report.render_text(result, quiet=quiet)


def history_report(path: str | None, output_format: str) -> str:
    from capi_lint.fleets.trends import render_trends

    if not path:
        raise CommandError("--report needs --history FILE (or `history` in the fleet file)")
    if output_format not in ("text", "json"):
        raise CommandError("--report prints text or json")
    try:
        store = History.open_existing(path)
    except HistoryError as exc:
        raise CommandError(str(exc)) from None
    try:
        return render_trends(store, output_format)
    finally:
        store.close()


def run_command(
    fleet_path: str | None,
    settings: Settings,
    *,
    history: str | None,
    report_only: bool,
    output_format: str,
    graph_url: str | None,
    api_version: str | None,
    timeout: float,
    max_wait: float,
    concurrency: int,
    token_env: str | None,
    quiet: bool,
) -> FleetResult | str:
    """The fleet result, or (``--report``) the rendered trends."""
    fleet = None
    if fleet_path:
        try:
            fleet = load_fleet_file(fleet_path)
        except FleetFileError as exc:
            raise CommandError(str(exc)) from None
    history = history or (fleet.history if fleet else None)
    if report_only:
        return history_report(history, output_format)
    if fleet is None:
        raise CommandError("missing FLEET.toml (or use --history FILE --report)")
    if token_env:
        from dataclasses import replace

        fleet = replace(
            fleet,
            datasets=tuple(
                replace(d, token_env=token_env) if d.token_env == "META_ACCESS_TOKEN" else d
                for d in fleet.datasets
            ),
        )
    progress = None
    if not quiet and sys.stderr.isatty():
        done = [0]

        def progress(_result: Any) -> None:
            done[0] += 1
            sys.stderr.write(f"\rcapi-lint fleet: {done[0]}/{len(fleet.datasets)} dataset(s)")
            sys.stderr.flush()

    try:
        return run_library_fleet(
            fleet,
            settings=settings,
            history=history,
            graph_url=graph_url,
            api_version=api_version,
            timeout=timeout,
            max_wait=max_wait,
            concurrency=concurrency,
            progress=progress,
        )
    except ValueError as exc:  # HistoryError too: the history file cannot be used
        raise CommandError(str(exc)) from None
    finally:
        if progress is not None:
            sys.stderr.write("\n")
