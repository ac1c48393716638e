"""A run over many inputs: sources -> per-file results -> summary.

Shared by the CLI, the library API and (later) the pytest plugin and server,
so that they all produce the same findings for the same input.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from capi_lint import loader
from capi_lint.config import Settings
from capi_lint.engine import Engine, FileResult, apply_file_ignores
from capi_lint.model import Finding, Severity


@dataclass
class Summary:
    files: int = 0
    events: int = 0
    errors: int = 0
    warnings: int = 0
    infos: int = 0

    def add(self, result: FileResult) -> None:
        self.files += 1
        self.events += result.events
        for finding in result.findings:
            if finding.severity is Severity.ERROR:
                self.errors += 1
            elif finding.severity is Severity.WARNING:
                self.warnings += 1
            else:
                self.infos += 1

    def to_dict(self) -> dict[str, int]:
        return {
            "files": self.files,
            "events": self.events,
            "errors": self.errors,
            "warnings": self.warnings,
            "infos": self.infos,
        }


@dataclass
class RunResult:
    results: list[FileResult] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)

    @property
    def findings(self) -> list[Finding]:
        return sorted((f for r in self.results for f in r.findings), key=Finding.sort_key)

    def failed(self, fail_on: Severity) -> bool:
        return any(f.severity.rank >= fail_on.rank for f in self.findings)


#: Below this much input a process pool costs more than it saves.
PARALLEL_MIN_BYTES = 1_000_000


def run(
    paths: Iterable[str],
    settings: Settings,
    stdin: Any = None,
    progress: Any = None,
    jobs: int = 1,
) -> RunResult:
    """Check every input; ``progress`` (a :class:`capi_lint.progress.Progress`)
    is told about each file and each JSON Lines line.

    ``jobs``: worker processes for many files (0 = one per core). A pool is
    used only where it pays: several files, at least PARALLEL_MIN_BYTES in
    all, and no run-wide duplicate detection (``dedup-scope = run`` needs
    one process to see every file). Results are the same either way.
    """
    items: list[Any] = list(loader.discover(list(paths), stdin=stdin))
    workers = _workers(jobs, items, settings)
    tracked: Iterable[Any] = progress.track(items) if progress is not None else items
    if workers > 1:
        results = _parallel(items, settings, workers)
        checked = (result for _item, result in zip(tracked, results, strict=True))
    else:
        engine = Engine(settings)
        if progress is not None:
            engine.line_progress = progress.lines
        checked = (_check_one(engine, item) for item in tracked)
    out = RunResult()
    for result in checked:
        result = apply_file_ignores(result, settings)
        out.results.append(result)
        out.summary.add(result)
    return out


def _check_one(engine: Engine, item: Any) -> FileResult:
    if isinstance(item, tuple):
        path, problem = item
        return engine.problem_result(path, problem)
    return engine.check_source(item)


def _workers(jobs: int, items: list[Any], settings: Settings) -> int:
    wanted = jobs if jobs > 0 else (os.cpu_count() or 1)
    files = [i for i in items if isinstance(i, loader.Source) and i.fs_path is not None]
    if wanted <= 1 or len(files) < 2 or settings.dedup_scope == "run":
        return 1
    size = 0
    for source in files:
        try:
            size += source.fs_path.stat().st_size  # type: ignore[union-attr]
        except OSError:
            continue
        if size >= PARALLEL_MIN_BYTES:
            return min(wanted, len(files))
    return 1


_WORKER_ENGINE: Engine | None = None


def _init_worker(settings: Settings) -> None:
    # One engine per worker process (not shared between threads or calls).
    global _WORKER_ENGINE
    _WORKER_ENGINE = Engine(settings)


def _check_in_worker(item: Any) -> FileResult:
    assert _WORKER_ENGINE is not None
    return _check_one(_WORKER_ENGINE, item)


def _warm_up() -> None:
    """Load the slow, lazily imported tables (country and phone data, email
    syntax) once in the parent, so forked workers share them instead of each
    loading its own copy."""
    from capi_lint import hashing
    from capi_lint.normalize import normalize_or_reason

    hashing.country_hashes()
    for key, value in (("em", "a@example.com"), ("ph", "+16505551212"), ("country", "US")):
        normalize_or_reason(key, value)


def _parallel(items: list[Any], settings: Settings, workers: int) -> Iterator[FileResult]:
    from concurrent.futures import ProcessPoolExecutor

    _warm_up()
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, initargs=(settings,)
    ) as pool:
        yield from pool.map(_check_in_worker, items, chunksize=1)
