"""The fleet history: one SQLite file (stdlib ``sqlite3``), versioned and migrated.

Per run × dataset × (channel, event name): EMQ, event coverage and its goal,
ACR, upload frequency, offline scores, every match key's reported and
predicted coverage, dedupe-key feedback, diagnostics, and the finding counts.
Never a token, a message or a payload value.

``schema_version`` holds one row; :func:`migrate` applies the steps in
:data:`MIGRATIONS` from the file's version to :data:`SCHEMA_VERSION` in one
transaction, and refuses a file written by a newer capi-lint.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from capi_lint.fleets.snapshot import EventSnapshot

_V1 = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at INTEGER NOT NULL,          -- unix seconds (the run's reference time)
    tool_version TEXT NOT NULL
);
CREATE TABLE datasets (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    dataset_id TEXT NOT NULL,
    name TEXT,
    status TEXT NOT NULL,                 -- ok | failed
    error_kind TEXT,
    errors INTEGER NOT NULL DEFAULT 0,
    warnings INTEGER NOT NULL DEFAULT 0,
    infos INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, dataset_id)
);
CREATE TABLE events (
    run_id INTEGER NOT NULL,
    dataset_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    event_name TEXT NOT NULL,
    emq REAL,
    event_coverage REAL,
    coverage_goal REAL,
    acr REAL,
    upload_frequency TEXT,
    offline_composite REAL,
    offline_match_key REAL,
    offline_frequency REAL,
    offline_freshness REAL,
    payload_events INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, dataset_id, channel, event_name),
    FOREIGN KEY (run_id, dataset_id) REFERENCES datasets(run_id, dataset_id) ON DELETE CASCADE
);
CREATE TABLE match_keys (
    run_id INTEGER NOT NULL,
    dataset_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    event_name TEXT NOT NULL,
    identifier TEXT NOT NULL,
    reported REAL,
    predicted REAL,
    PRIMARY KEY (run_id, dataset_id, channel, event_name, identifier)
);
CREATE TABLE dedupe_keys (
    run_id INTEGER NOT NULL,
    dataset_id TEXT NOT NULL,
    event_name TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    browser REAL,
    server REAL,
    overall REAL,
    predicted REAL,
    PRIMARY KEY (run_id, dataset_id, event_name, dedupe_key)
);
CREATE TABLE diagnostics (
    run_id INTEGER NOT NULL,
    dataset_id TEXT NOT NULL,
    event_name TEXT NOT NULL,
    name TEXT NOT NULL,
    percentage REAL,
    PRIMARY KEY (run_id, dataset_id, event_name, name)
);
CREATE TABLE finding_counts (
    run_id INTEGER NOT NULL,
    dataset_id TEXT NOT NULL,
    code TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (run_id, dataset_id, code)
);
CREATE INDEX datasets_by_id ON datasets(dataset_id, run_id);
"""

#: Step n brings a file from version n to n + 1.
MIGRATIONS: Sequence[str] = (_V1,)
SCHEMA_VERSION = len(MIGRATIONS)


_OFFLINE_SCORES = ("composite", "match_key", "frequency", "freshness")


class HistoryError(ValueError):
    """The history file cannot be used (``str()`` names it)."""


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to :data:`SCHEMA_VERSION`; returns the version it had."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    found = row[0] if row else 0
    if found > SCHEMA_VERSION:
        raise HistoryError(
            f"written by a newer capi-lint (schema {found}; this one knows {SCHEMA_VERSION})"
        )
    if found == SCHEMA_VERSION:
        return found
    with conn:  # one transaction: a failed step leaves the file as it was
        for script in MIGRATIONS[found:]:
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
        conn.execute("DELETE FROM schema_version")
        conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
    return found


@dataclass(frozen=True)
class PreviousRun:
    run_id: int
    started_at: int


class History:
    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self.conn = sqlite3.connect(path, isolation_level="DEFERRED")
            self.conn.execute("PRAGMA foreign_keys = ON")
            migrate(self.conn)
        except sqlite3.DatabaseError as exc:
            raise HistoryError(f"history {path}: {exc}") from None
        except HistoryError as exc:
            raise HistoryError(f"history {path}: {exc}") from None

    @classmethod
    def open_existing(cls, path: str) -> History:
        if not Path(path).is_file():
            raise HistoryError(f"history {path}: no such file (run `capi-lint fleet` first)")
        return cls(path)

    def close(self) -> None:
        self.conn.close()

    # ----------------------------------------------------------------- writing

    def start_run(self, started_at: int, tool_version: str) -> int:
        cur = self.conn.execute(
            "INSERT INTO runs (started_at, tool_version) VALUES (?, ?)", (started_at, tool_version)
        )
        return int(cur.lastrowid or 0)

    def add_dataset(
        self,
        run_id: int,
        dataset_id: str,
        name: str | None,
        status: str,
        error_kind: str | None,
        severities: Counter[str],
        codes: Counter[str],
        events: Iterable[EventSnapshot],
    ) -> None:
        c = self.conn
        c.execute(
            "INSERT INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                dataset_id,
                name,
                status,
                error_kind,
                severities["error"],
                severities["warning"],
                severities["info"],
            ),
        )
        c.executemany(
            "INSERT INTO finding_counts VALUES (?, ?, ?, ?)",
            [(run_id, dataset_id, code, n) for code, n in sorted(codes.items())],
        )
        for ev in events:
            key = (run_id, dataset_id, ev.channel, ev.event_name)
            off = ev.offline
            c.execute(
                "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *key,
                    ev.emq,
                    ev.event_coverage,
                    ev.coverage_goal,
                    ev.acr,
                    ev.upload_frequency,
                    off.get("composite"),
                    off.get("match_key"),
                    off.get("frequency"),
                    off.get("freshness"),
                    ev.payload_events,
                ),
            )
            c.executemany(
                "INSERT INTO match_keys VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (*key, ident, value, ev.predicted.get(ident))
                    for ident, value in ev.match_keys.items()
                ],
            )
            c.executemany(
                "INSERT INTO dedupe_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (run_id, dataset_id, ev.event_name, name, *figures)
                    for name, figures in ev.dedupe.items()
                ],
            )
            c.executemany(
                "INSERT INTO diagnostics VALUES (?, ?, ?, ?, ?)",
                [(run_id, dataset_id, ev.event_name, n, p) for n, p in ev.diagnostics.items()],
            )

    def commit(self) -> None:
        self.conn.commit()

    # ----------------------------------------------------------------- reading

    def previous(
        self, before_run: int | None = None
    ) -> dict[str, tuple[PreviousRun, dict[tuple[str, str], EventSnapshot]]]:
        """Per dataset, its last run that read it (status ok) before ``before_run``,
        with that run's snapshots."""
        limit = before_run if before_run is not None else 2**62
        rows = self.conn.execute(
            "SELECT d.dataset_id, MAX(d.run_id) FROM datasets d "
            "WHERE d.status = 'ok' AND d.run_id < ? GROUP BY d.dataset_id",
            (limit,),
        ).fetchall()
        out: dict[str, tuple[PreviousRun, dict[tuple[str, str], EventSnapshot]]] = {}
        started = dict(self.conn.execute("SELECT id, started_at FROM runs").fetchall())
        for dataset_id, run_id in rows:
            out[dataset_id] = (PreviousRun(run_id, started[run_id]), {})
        if not out:
            return out
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (run_id INTEGER, ds TEXT)")
        self.conn.execute("DELETE FROM wanted")
        self.conn.executemany("INSERT INTO wanted VALUES (?, ?)", [(r, d) for d, r in rows])
        join = "JOIN wanted w ON w.run_id = t.run_id AND w.ds = t.dataset_id"
        for row in self.conn.execute(
            "SELECT t.dataset_id, channel, event_name, emq, event_coverage, coverage_goal, acr, "
            f"upload_frequency, offline_composite, offline_match_key, offline_frequency, "
            f"offline_freshness, payload_events FROM events t {join}"
        ):
            snap = EventSnapshot(
                row[1],
                row[2],
                emq=row[3],
                event_coverage=row[4],
                coverage_goal=row[5],
                acr=row[6],
                upload_frequency=row[7],
                offline=dict(zip(_OFFLINE_SCORES, row[8:12], strict=True)),
                payload_events=row[12],
            )
            out[row[0]][1][snap.key] = snap
        for ds, channel, name, ident, value, predicted in self.conn.execute(
            "SELECT t.dataset_id, channel, event_name, identifier, reported, predicted "
            f"FROM match_keys t {join}"
        ):
            found = out[ds][1].get((channel, name))
            if found is not None:
                found.match_keys[ident] = value
                if predicted is not None:
                    found.predicted[ident] = predicted
        for ds, name, diag, pct in self.conn.execute(
            f"SELECT t.dataset_id, event_name, name, percentage FROM diagnostics t {join}"
        ):
            found = out[ds][1].get(("web", name))
            if found is not None:
                found.diagnostics[diag] = pct
        return out

    def runs(self) -> list[tuple[int, int]]:
        return self.conn.execute("SELECT id, started_at FROM runs ORDER BY id").fetchall()

    def emq_series(self, last: int = 30) -> dict[tuple[str, str, str], list[tuple[int, float]]]:
        """(dataset_id, channel, event_name) -> [(started_at, emq), ...] over the last runs."""
        rows = self.conn.execute(
            "SELECT e.dataset_id, e.channel, e.event_name, r.started_at, e.emq FROM events e "
            "JOIN runs r ON r.id = e.run_id WHERE e.emq IS NOT NULL AND r.id IN "
            "(SELECT id FROM runs ORDER BY id DESC LIMIT ?) ORDER BY r.id",
            (last,),
        )
        out: dict[tuple[str, str, str], list[tuple[int, float]]] = {}
        for ds, channel, name, when, emq in rows:
            out.setdefault((ds, channel, name), []).append((when, emq))
        return out

    def dataset_rows(self, last: int = 30) -> list[tuple]:
        """(run started_at, dataset_id, name, status, errors, warnings, infos) of the last runs."""
        return self.conn.execute(
            "SELECT r.started_at, d.dataset_id, d.name, d.status, d.errors, d.warnings, d.infos "
            "FROM datasets d JOIN runs r ON r.id = d.run_id WHERE r.id IN "
            "(SELECT id FROM runs ORDER BY id DESC LIMIT ?) ORDER BY r.id, d.dataset_id",
            (last,),
        ).fetchall()
