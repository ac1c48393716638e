"""The fleet alerts' input: one dataset's fleet run next to its previous run. Plain data, no I/O.

The fleet rules X021-X026 (:mod:`capi_lint.rules.fleet`) are pure functions
over a :class:`DatasetChange`: either the report could not be read
(:class:`ReadFailure`, X021), or today's snapshots of its event names next to
the snapshots the history database kept of its last run (X022-X026).
:mod:`capi_lint.fleets.run` builds these inputs and runs the selected rules
through :class:`~capi_lint.model.Selection`, like ``crosscheck`` does.

This module imports nothing of capi-lint at run time, so that rules can use it
without importing the fleet runner, the history database or the quality client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: the fleets package imports the quality client
    from capi_lint.fleets.snapshot import EventSnapshot

#: (channel, event name), as the history keys snapshots.
SnapshotKey = tuple[str, str]


@dataclass(frozen=True)
class ReadFailure:
    """A quality report that could not be read after the client's retries."""

    #: ``auth``, ``permission``, ``dataset-not-found``, ``rate-limit``, ``timeout``,
    #: ``no-token``, ``malformed``, ``usage``, ``internal``, ...
    kind: str
    #: One line, never the token.
    message: str
    #: Meta's error code, when Meta answered with one.
    graph_code: int | None = None


@dataclass(frozen=True)
class DatasetChange:
    """One dataset of a fleet run: what could not be read, or what changed since its last run."""

    dataset_id: str
    #: Set when the report could not be read (then there is nothing to compare).
    failure: ReadFailure | None = None
    #: This run's snapshots, one per (channel, event name) of the report, in report order.
    current: tuple[EventSnapshot, ...] = ()
    #: The last run's snapshots (None: no earlier run read this dataset).
    previous: Mapping[SnapshotKey, EventSnapshot] | None = None
    #: The last run's start, as messages name it (``2025-11-21 08:00 UTC``).
    since: str = ""

    def compared(self) -> list[tuple[EventSnapshot, EventSnapshot]]:
        """(now, before) for each event of this run that the last run had, in report order."""
        if self.previous is None:
            return []
        out = []
        for now in self.current:
            before = self.previous.get(now.key)
            if before is not None:
                out.append((now, before))
        return out
