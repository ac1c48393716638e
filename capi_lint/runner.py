"""A run over many inputs: sources -> per-file results -> summary.

Shared by the CLI, the library API and (later) the pytest plugin and server,
so that they all produce the same findings for the same input.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from capi_lint import loader, registry
from capi_lint.config import Settings
from capi_lint.engine import Engine, FileResult, apply_file_ignores
from capi_lint.files import Finder

# RunResult and Summary live in model (plain data); importable from here as before.
from capi_lint.model import Finding, RunResult
from capi_lint.model import Summary as Summary
from capi_lint.registry import Scope

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
    settings = settings.with_clock_read()  # one clock for every file and process
    known = None
    if settings.baseline is not None:  # read first: a missing baseline fails at once
        from capi_lint import baseline

        known = baseline.Baseline(settings.baseline)
    finder = Finder(settings.files, settings.max_input_size)
    items: list[Any] = list(finder.find(list(paths), stdin=stdin))
    workers = _workers(jobs, items, settings)
    tracked: Iterable[Any] = progress.track(items) if progress is not None else items
    big = _splittable(jobs, items)
    if big is not None:
        checked: Iterable[FileResult] = (
            _split_file(item, settings, big)
            for item in tracked  # one item
        )
    elif workers > 1:
        results = _parallel(items, settings, workers)
        checked = (result for _item, result in zip(tracked, results, strict=True))
    else:
        engine = Engine(settings)
        if progress is not None:
            engine.line_progress = progress.lines
        checked = (_check_one(engine, item) for item in tracked)
    out = RunResult(skipped=finder.skipped)
    out.summary.age_rules = tuple(r.code for r in registry.time_rules(settings.enabled))
    for result in checked:
        result = apply_file_ignores(result, settings)
        out.results.append(result)
        out.summary.add(result)
    if known is not None:
        baseline.apply(out, known)
    return out


def _check_one(engine: Engine, item: Any) -> FileResult:
    if isinstance(item, tuple):
        path, problem = item
        return engine.problem_result(path, problem)
    return engine.check_source(item)


#: One JSON Lines file at least this big is split by line ranges across the workers.
SPLIT_MIN_BYTES = 4_000_000


def _splittable(jobs: int, items: list[Any]) -> int | None:
    """Workers for a run of one large JSON Lines file, else None."""
    wanted = _wanted(jobs)
    if wanted <= 1 or len(items) != 1:
        return None
    source = items[0]
    if not isinstance(source, loader.Source) or not source.jsonl or source.fs_path is None:
        return None
    try:
        big = source.fs_path.is_file() and source.fs_path.stat().st_size >= SPLIT_MIN_BYTES
    except OSError:
        return None
    return wanted if big else None


def _split_file(source: loader.Source, settings: Settings, workers: int) -> FileResult:
    """One JSON Lines file, its line ranges checked in parallel.

    The workers run every rule but the batch rules, each on its range; this
    process meanwhile runs the batch rules, which need all events in order,
    over the whole file. The findings are those of a one-process run: the
    event indexes of a range are shifted by the event lines before it.
    """
    assert source.fs_path is not None
    try:
        parts = loader.split_lines(source.fs_path, workers)
    except OSError:
        return Engine(settings).check_source(source)  # reports what is wrong with it
    batch_codes = frozenset(r.code for r in registry.all_rules() if Scope.BATCH in r.scopes)
    per_event = replace(settings, enabled=settings.enabled - batch_codes)
    batch_only = replace(settings, enabled=settings.enabled & batch_codes)
    with _pool(workers, per_event) as pool:
        futures = [pool.submit(_check_part, source, part) for part in parts]
        whole = Engine(batch_only).check_source(source)
        pieces = [future.result() for future in futures]
    result = FileResult(source.path)
    shift = 0
    for findings, events, event_lines, lines_found in pieces:
        for finding in findings:
            if shift and finding.event_index is not None and finding.line in lines_found:
                finding = replace(finding, event_index=finding.event_index + shift)
            result.findings.append(finding)
        result.events += events
        shift += event_lines
    result.findings.extend(whole.findings)
    result.findings.sort(key=Finding.sort_key)
    return Engine(settings).mark_undated(result)


def _check_part(source: loader.Source, part: loader.Part) -> tuple[Any, ...]:
    engine = _WORKER_ENGINE
    assert engine is not None and source.fs_path is not None
    engine.event_lines_found = set()
    with source.fs_path.open("rb") as handle:
        handle.seek(part.start)
        result = engine.check_jsonl(source.path, handle, part)
    return result.findings, result.events, engine.event_lines_seen, engine.event_lines_found


def _wanted(jobs: int) -> int:
    """The processes `--jobs` asks for (0: one per core)."""
    return jobs if jobs > 0 else (os.cpu_count() or 1)


def _workers(jobs: int, items: list[Any], settings: Settings) -> int:
    wanted = _wanted(jobs)
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
    _exit_with_parent()
    _WORKER_ENGINE = Engine(settings)


#: How often a worker looks whether its parent is still there (seconds).
PARENT_POLL_SECONDS = 0.5


def _exit_with_parent() -> None:
    """End this worker when the process that started it dies.

    A parent killed with SIGKILL cannot shut its pool down, and the workers of
    a forked pool hold both ends of the pool's pipes themselves: blocked on
    the next task (or on a full result pipe) they would wait forever, adopted
    by PID 1. On Linux the kernel kills them (PR_SET_PDEATHSIG); everywhere a
    daemon thread sees the parent change (reparenting) and ends the process,
    whatever its main thread is blocked in.
    """
    import threading

    parent = os.getppid()
    _kill_on_parent_death()
    if os.getppid() != parent:  # died before the line above took effect
        os._exit(1)

    def watch() -> None:
        import time

        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)  # no cleanup to do: a worker writes nothing but its results

    threading.Thread(target=watch, name="capi-lint-parent-watch", daemon=True).start()


def _kill_on_parent_death() -> None:
    """prctl(PR_SET_PDEATHSIG, SIGKILL) on Linux; nothing elsewhere (the thread does it)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # no prctl (an unusual libc): the thread suffices
        pass


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


def _pool(workers: int, settings: Settings) -> Any:
    """A process pool whose workers each hold an engine for ``settings``."""
    from concurrent.futures import ProcessPoolExecutor

    _warm_up()
    return ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(settings,))


def _parallel(items: list[Any], settings: Settings, workers: int) -> Iterator[FileResult]:
    with _pool(workers, settings) as pool:
        yield from pool.map(_check_in_worker, items, chunksize=1)
