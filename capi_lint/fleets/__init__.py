"""``capi-lint fleet``: many datasets in one run, their history, alerts and reports (issue 20).

- :mod:`~capi_lint.fleets.fleetfile`: FLEET.toml -> :class:`FleetFile`,
- :mod:`~capi_lint.fleets.gate`: the rate-limit gate the worker pool shares,
- :mod:`~capi_lint.fleets.run`: fetch, cross-check, snapshot, alert per dataset,
- :mod:`~capi_lint.fleets.snapshot`; :mod:`~capi_lint.fleets.findings` runs the fleet rules
  (:mod:`capi_lint.rules.fleet`, X021-X026) over :mod:`capi_lint.fleet_change` inputs,
- :mod:`~capi_lint.fleets.history`: the SQLite history (versioned schema),
- :mod:`~capi_lint.fleets.report`, :mod:`~capi_lint.fleets.html`, :mod:`~capi_lint.fleets.trends`.

The library entry point is :func:`capi_lint.fleet` (this package's :func:`fleet`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from capi_lint.config import Settings
from capi_lint.fleets.fleetfile import FleetFile, FleetFileError, load_fleet_file, parse_fleet_table
from capi_lint.fleets.run import DatasetResult, FetchOptions, FleetResult, run_fleet

__all__ = [
    "DatasetResult",
    "FetchOptions",
    "FleetFile",
    "FleetFileError",
    "FleetResult",
    "fleet",
    "load_fleet_file",
    "parse_fleet_table",
    "run_fleet",
]


def fleet(
    fleet_file: str | FleetFile | dict[str, Any],
    *,
    settings: Settings | None = None,
    history: str | None = None,
    graph_url: str | None = None,
    api_version: str | None = None,
    timeout: float = 30.0,
    max_wait: float = 120.0,
    concurrency: int = 4,
    environ: dict[str, str] | None = None,
    progress: Callable[[DatasetResult], None] | None = None,
) -> FleetResult:
    """Run a fleet: ``fleet_file`` is a path, a parsed :class:`FleetFile` or the
    TOML table as a dict. ``history`` (or the fleet file's ``history``) is the
    SQLite file to compare with and append to. Tokens come from ``environ``
    (default: the process environment), by each dataset's ``token-env``.
    ``progress`` is called with each dataset's result as it is done."""
    from capi_lint.config import build_settings
    from capi_lint.fleets.history import History

    if isinstance(fleet_file, str):
        parsed = load_fleet_file(fleet_file)
    elif isinstance(fleet_file, dict):
        parsed = parse_fleet_table(fleet_file)
    else:
        parsed = fleet_file
    settings = settings or build_settings({})
    path = history or parsed.history
    store = History(path) if path else None
    try:
        return run_fleet(
            parsed,
            settings,
            FetchOptions(graph_url, api_version, timeout, max_wait, concurrency),
            history=store,
            environ=environ,
            progress=progress,
        )
    finally:
        if store is not None:
            store.close()
