"""What runs on a Spark executor, one partition at a time (pure Python, no pyspark).

A partition is a run of rows ``(file, text)`` in file order. The worker's
Engine (one per Python worker and run: ``engine_for``) checks each row as
``capi-lint check`` checks that line of a JSON Lines file (event rules,
document rules, whole request bodies); the batch
rules of the file's event lines are prepared here and finished by the driver
(see :mod:`capi_lint.spark.partials`).

Records yielded, as plain tuples (cheap to pickle):

- ``("f", file, part, finding_row, of_event_line)``: a finding (an event
  line's ``event_index`` counts from the partition's first event of the file);
- ``("k", family, file, key, (part, local_index, line, text))``: an event
  with a key that a keyed rule compares;
- ``("h", file, part, local_index, line, text)``: an event H009 must see;
- ``("m", file, part, events, {code: state})``: per file in the partition,
  its event count and the counting rules' states.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from capi_lint.config import Settings
from capi_lint.engine import Engine, FileIgnores
from capi_lint.model import Finding
from capi_lint.spark import partials

#: Columns of a finding row (the JSON report's fields, ``extra`` as JSON text).
FIELDS = (
    "code",
    "slug",
    "severity",
    "message",
    "path",
    "pointer",
    "line",
    "column",
    "event_index",
    "fix",
    "doc_url",
    "extra",
)


#: Engines by lint() run: a Python worker serves many partitions (Spark reuses
#: its workers), which share one Engine and its settings' resolved options.
#: Bounded: a few runs at a time in one worker.
_ENGINES: dict[str, Engine] = {}
_MAX_ENGINES = 8


def engine_for(run: str, settings: Settings) -> Engine:
    """The worker's Engine for the run ``run`` (a token the driver made)."""
    engine = _ENGINES.get(run)
    if engine is None:
        if len(_ENGINES) >= _MAX_ENGINES:
            _ENGINES.clear()
        engine = _ENGINES[run] = Engine(settings)
    return engine


def finding_row(finding: Finding) -> tuple[Any, ...]:
    extra = json.dumps(finding.extra, sort_keys=True) if finding.extra else None
    return (
        finding.code,
        finding.slug,
        finding.severity.value,
        finding.message,
        finding.path,
        finding.pointer,
        finding.line,
        finding.column,
        finding.event_index,
        finding.fix,
        finding.doc_url,
        extra,
    )


def run_partition(
    part: int,
    rows: Iterable[tuple[str, Any]],
    settings: Settings,
    first_lines: dict[tuple[int, str], int],
    run: str,
) -> Iterator[tuple[Any, ...]]:
    """Check the rows of partition ``part``; ``first_lines[(part, file)]`` is
    the file's line number of the partition's first row of that file."""
    engine = engine_for(run, settings)
    # Run-wide rule memory (D003 across request lines) stays within the partition,
    # whichever partitions the worker ran before.
    engine.shared = {}
    enabled = settings.enabled
    families = [f for f, codes in partials.FAMILIES.items() if enabled.intersection(codes)]
    file: str | None = None
    line = events = 0
    ctx: Any = None
    counting: list[tuple[str, Any]] = []
    h009: list[tuple[str, Any]] = []
    for path, value in rows:
        if path != file:
            if file is not None:
                yield ("m", file, part, events, dict(counting))
            file = path
            line = first_lines[(part, path)] - 1
            events = 0
            ctx = partials.new_context(engine.settings, engine.now_for(path), path)
            counting = partials.start(partials.COUNTING, ctx)
            h009 = partials.start(("H009",), ctx)
        line += 1
        raw = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
        if raw is None:
            continue
        result, event = engine.check_line(path, raw, line, events)
        for finding in result.findings:
            yield ("f", path, part, finding_row(finding), event is not None)
        if event is None:
            continue
        partials.feed(counting, ctx, events, event)
        if h009:
            partials.feed(h009, ctx, events, event)
            if partials.h009_changed(h009[0][1], events):
                yield ("h", path, part, events, line, raw)
        if families:
            for family, key in partials.keys(event):
                if family in families:
                    yield ("k", family, path, key, (part, events, line, raw))
        events += 1
    if file is not None:
        yield ("m", file, part, events, dict(counting))


def ignored(ignores: dict[str, FileIgnores], row: tuple[Any, ...]) -> bool:
    """The finding row is one its file's per-file/per-pointer ignores accept."""
    of_file = ignores.get(row[4])
    return of_file is not None and of_file.accept(row[0], row[5])


def coverage_counts(
    rows: Iterable[tuple[str, Any]], settings: Settings, by: str
) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """The partition's coverage counters by row key (``CoveragePredictor.counts``)."""
    from capi_lint.coverage import CoveragePredictor

    predictor = CoveragePredictor(settings, by=by)
    for path, value in rows:
        raw = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
        if raw is not None:
            predictor.add_line(path, raw)
    yield from predictor.counts()


def count_rows(part: int, rows: Iterable[tuple[str, Any]]) -> Iterator[tuple[int, str, int]]:
    """(part, file, rows) for each file in the partition, in order."""
    file: str | None = None
    count = 0
    for path, _ in rows:
        if path != file:
            if file is not None:
                yield (part, file, count)
            file, count = path, 0
        count += 1
    if file is not None:
        yield (part, file, count)


def replay(
    run: str,
    settings: Settings,
    path: str,
    codes: Iterable[str],
    events: list[tuple[int, int, bytes]],
) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    """Feed ``events`` ((global index, line, text), any order) to fresh instances
    of the batch rules ``codes``, in file order. Returns the per-event findings
    and the instances (for their ``finish``)."""
    from capi_lint import loader

    engine = engine_for(run, settings)
    ctx = partials.new_context(engine.settings, engine.now_for(path), path)
    states = partials.start(codes, ctx)
    rows: list[tuple[Any, ...]] = []
    for index, line, raw in sorted(events, key=lambda e: e[0]):
        doc = loader.parse(path, raw, line, line - 1)
        if not doc.parsed:
            continue
        for code, hit in partials.feed(states, ctx, index, doc.root):
            row_line, column = doc.locator.locate(hit.where)
            rows.append(finding_row(engine.finding(code, path, hit, index, row_line, column)))
    return rows, dict(states)
