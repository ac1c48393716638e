"""capi-lint on Apache Spark: lint a DataFrame of events or request bodies.

``lint(df, now=T)`` takes a DataFrame with one JSON text per row (a string
column, ``value`` as ``spark.read.text(path)`` gives it) or a struct column,
and returns a DataFrame of findings with the JSON report's fields. The rules
are the library's own, run on the executors (one Engine per Python worker); the
batch rules of a file's event lines are combined across partitions so that
the answer equals ``capi-lint check`` on the same file (see
:mod:`capi_lint.spark.partials` for how, and the README for the limits).

pyspark is imported only when these functions run: the base package never
needs it (``pip install 'capi-lint[spark]'``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from capi_lint.config import Settings, build_settings
from capi_lint.engine import Engine, FileIgnores
from capi_lint.spark import executor, partials

if TYPE_CHECKING:
    from pyspark import RDD
    from pyspark.sql import DataFrame

__all__ = ["FINDING_SCHEMA", "coverage", "lint", "settings_for"]

#: Up to this many repeated keys are sent to every executor to pick the events
#: worth grouping; past it, all keyed events are grouped (a larger shuffle).
_BROADCAST_KEYS = 1_000_000

#: The findings DataFrame's schema (DDL); ``extra`` holds the JSON report's
#: rule-specific fields (e.g. B-rules' ``events``, ``indexes``) as JSON text.
FINDING_SCHEMA = (
    "code string, slug string, severity string, message string, path string, "
    "pointer string, line long, column long, event_index long, fix string, "
    "doc_url string, extra string"
)


def settings_for(
    config: Settings | Mapping[str, Any] | None = None,
    now: Any = None,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
) -> Settings:
    """Settings as the CLI builds them from a config table and flags."""
    if isinstance(config, Settings):
        if now is None:
            return config
        from dataclasses import replace

        from capi_lint.config import parse_now

        return replace(config, now=parse_now(now))
    return build_settings(dict(config or {}), now=now, select=select, ignore=ignore)


def lint(
    df: DataFrame,
    now: Any = None,
    *,
    config: Settings | Mapping[str, Any] | None = None,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    column: str | None = None,
    file_column: str = "file",
    path: str = "-",
) -> DataFrame:
    """Findings for the rows of ``df``, as ``capi-lint check`` gives them for a
    JSON Lines file with one row per line, in the DataFrame's order.

    ``column``: the JSON column (default ``value``, else the first column); a
    string is one JSON text (a malformed one is an S001 finding), a struct,
    map or array is serialised with ``to_json``. Rows are grouped into files
    by ``file_column`` when ``df`` has it (the ``path`` of their findings, and
    the unit of the batch rules), else they form one file named ``path``.
    Line numbers count the file's rows in order, from 1.

    The findings are computed now, and the result is a cached DataFrame
    (``DataFrame.cache``, materialised): the intermediate data (each row's
    partial results, the regrouped events, the broadcast keys) is released
    before ``lint`` returns, and only the findings stay in Spark's storage
    until the caller's ``findings.unpersist()``. A lazy result would have had
    to keep the intermediates cached for as long as it might be computed.
    """
    from pyspark import StorageLevel

    settings = settings_for(config, now, select, ignore)
    run = uuid.uuid4().hex  # the executors' Engine cache key (executor.engine_for)
    rows = _rows(df, column, file_column, path)
    spark = df.sparkSession
    sc = spark.sparkContext

    # Line numbers: the rows of each file before each partition.
    first_lines: dict[tuple[int, str], int] = {}
    next_line: dict[str, int] = defaultdict(lambda: 1)
    for part, file, count in rows.mapPartitionsWithIndex(executor.count_rows).collect():
        first_lines[(part, file)] = next_line[file]
        next_line[file] += count

    records = rows.mapPartitionsWithIndex(
        lambda part, it: executor.run_partition(part, it, settings, first_lines, run)
    ).persist(StorageLevel.MEMORY_AND_DISK)

    # Event indexes: the events of each file before each partition (collect keeps order).
    offsets: dict[tuple[int, str], int] = {}
    events: dict[str, int] = defaultdict(int)
    counting: dict[str, dict[str, list[tuple[int, Any]]]] = defaultdict(lambda: defaultdict(list))
    for file, part, count, states in (
        records.filter(lambda r: r[0] == "m").map(lambda r: r[1:]).collect()
    ):
        offsets[(part, file)] = events[file]
        events[file] += count
        for code, state in states.items():
            counting[file][code].append((offsets[(part, file)], state))

    def shifted(record: tuple[Any, ...]) -> tuple[Any, ...]:
        _, file, part, row, of_event_line = record
        if of_event_line and row[8] is not None:
            return (*row[:8], row[8] + offsets[(part, file)], *row[9:])
        return row

    per_row = records.filter(lambda r: r[0] == "f").map(shifted)

    def keyed(record: tuple[Any, ...]) -> tuple[Any, Any]:
        _, family, file, key, (part, index, line, raw) = record
        return (family, file, key), (index + offsets[(part, file)], line, raw)

    def run_group(item: tuple[Any, Any]) -> list[tuple[Any, ...]]:
        (family, file, _key), group = item
        rows, states = executor.replay(run, settings, file, partials.FAMILIES[family], list(group))
        out: list[tuple[Any, ...]] = [("f", row) for row in rows]
        engine = executor.engine_for(run, settings)
        for code, state in states.items():
            if code == "B005":
                if state.count:
                    out.append(
                        ("b005", file, (state.count, state.pair[1], state.indexes, state.pair))
                    )
                continue
            for hit in state.finish() or ():
                out.append(("f", _batch_row(engine, code, file, hit)))
        return out

    # Only keys that occur twice can make a finding: find them on the keys
    # alone (a small shuffle), then move only those events' texts.
    keyed_records = records.filter(lambda r: r[0] == "k")
    repeated = (
        keyed_records.map(lambda r: ((r[1], r[2], r[3]), 1))
        .reduceByKey(lambda a, b: a + b)
        .filter(lambda kv: kv[1] > 1)
        .keys()
    )
    wanted = None
    if repeated.count() <= _BROADCAST_KEYS:
        wanted = sc.broadcast(set(repeated.collect()))
        keyed_records = keyed_records.filter(lambda r: (r[1], r[2], r[3]) in wanted.value)
    grouped = (
        keyed_records.map(keyed)
        .groupByKey()
        # groupByKey's ResultIterable has a length; PySpark types it as Iterable.
        .filter(lambda item: len(item[1]) > 1)  # type: ignore[arg-type]
        .flatMap(run_group)
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    b005: dict[str, list[Any]] = defaultdict(list)
    for _, file, part in grouped.filter(lambda r: r[0] == "b005").collect():
        b005[file].append(part)

    # On the driver: what is small by construction (per file, a few states and events).
    driver_rows: list[tuple[Any, ...]] = []
    engine = executor.engine_for(run, settings)
    marked: dict[str, list[tuple[int, int, bytes]]] = defaultdict(list)
    for _, file, part, index, line, raw in records.filter(lambda r: r[0] == "h").collect():
        marked[file].append((index + offsets[(part, file)], line, raw))
    for file, chosen in marked.items():
        driver_rows.extend(executor.replay(run, settings, file, ("H009",), chosen)[0])
    for file, count in events.items():
        if not count:
            continue
        ctx = partials.new_context(engine.settings, engine.now_for(file), file)
        for code, state in partials.start((*partials.COUNTING, "B005"), ctx):
            if code == "B005":
                partials.merge_b005(b005.get(file, []), state)
            else:
                partials.merge_stats(code, counting[file][code], state)
            for hit in state.finish() or ():
                driver_rows.append(_batch_row(engine, code, file, hit))

    found = per_row.union(grouped.filter(lambda r: r[0] == "f").map(lambda r: r[1]))
    if driver_rows:
        found = found.union(sc.parallelize(driver_rows, 1))
    # per-file-ignores / per-pointer-ignores, resolved here, where the paths are
    # as typed and the working directory is the user's.
    ignores = {f: i for f in next_line if (i := FileIgnores.of(settings, f)) is not None}
    if ignores:
        found = found.filter(lambda row: not executor.ignored(ignores, row))
    findings = spark.createDataFrame(found, FINDING_SCHEMA).cache()
    findings.count()  # materialised: nothing below needs the intermediates any more
    records.unpersist()
    grouped.unpersist()
    if wanted is not None:
        wanted.unpersist()  # not destroy: a lost cached block is recomputed from the lineage
    return findings


def coverage(
    df: DataFrame,
    now: Any = None,
    *,
    config: Settings | Mapping[str, Any] | None = None,
    by: str = "event_name",
    column: str | None = None,
    file_column: str = "file",
    path: str = "-",
) -> DataFrame:
    """Predicted match-key coverage of the rows of ``df``, one row per event name
    (``by``: also ``action_source`` or ``file``), as ``capi-lint coverage
    --format json`` gives it for the same JSON Lines: the columns are the
    report's fields (``match_keys.email.valid``, ``dedup_keys.event_id``, in
    percent); ``df``, ``column``, ``file_column`` and ``path`` as for :func:`lint`.

    Each partition counts its events with
    :class:`capi_lint.coverage.CoveragePredictor` (the rules decide validity);
    the counts are summed by row key, so the figures are exact at any scale.
    The (small) result is computed now, one row per key.
    """
    from capi_lint.coverage import BY, CoveragePredictor, combine

    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}")
    settings = settings_for(config, now)
    counts = (
        _rows(df, column, file_column, path)
        .mapPartitions(lambda it: executor.coverage_counts(it, settings, by))
        .reduceByKey(combine)
        .collect()
    )
    predictor = CoveragePredictor(settings, by=by)
    predictor.merge(counts)
    fields = coverage_fields(by == "file")
    rows = [tuple(row.to_dict().get(name) for name in fields) for row in predictor.rows()]
    spark = df.sparkSession
    return spark.createDataFrame(
        spark.sparkContext.parallelize(rows, 1), coverage_schema(by == "file")
    )


def coverage_fields(with_file: bool = False) -> tuple[str, ...]:
    """The coverage DataFrame's columns: the JSON report's row fields, in its order."""
    labels = ("channel", "action_source", "event_name", "agent_name")
    counts = ("events", "unmatchable_events", "match_keys", "dedup_keys")
    return (*labels, *(("file",) if with_file else ()), *counts)


def coverage_schema(with_file: bool = False) -> str:
    """DDL of the coverage DataFrame: a struct per match key and dedupe key (the
    model's names), so that ``match_keys.email.valid`` selects a figure."""
    from capi_lint.model import DEDUP_KEYS, IDENTIFIERS

    pair = "struct<present: double, valid: double>"
    match_keys = ", ".join(f"{name}: {pair}" for name in IDENTIFIERS)
    dedup_keys = ", ".join(f"{name}: double" for name in DEDUP_KEYS)
    types = {"events": "long", "unmatchable_events": "long"}
    types["match_keys"] = f"struct<{match_keys}>"
    types["dedup_keys"] = f"struct<{dedup_keys}>"
    return ", ".join(f"{name} {types.get(name, 'string')}" for name in coverage_fields(with_file))


def _rows(df: DataFrame, column: str | None, file_column: str, path: str) -> RDD[tuple[Any, ...]]:
    """An RDD of ``(file, JSON text)``: ``column`` (default ``value``, else the
    first column), serialised with ``to_json`` unless a string; the file from
    ``file_column`` when ``df`` has it, else ``path``."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    name = column or ("value" if "value" in df.columns else df.columns[0])
    text = F.col(name)
    if not isinstance(df.schema[name].dataType, StringType):
        text = F.to_json(text)
    where = F.col(file_column) if file_column in df.columns else F.lit(path)
    return df.select(where.cast("string"), text).rdd.map(tuple)


def _batch_row(engine: Engine, code: str, path: str, hit: Any) -> tuple[Any, ...]:
    """A finding about the whole batch: at the file's root, line 1, column 1 (as the CLI)."""
    return executor.finding_row(engine.finding(code, path, hit, None, 1, 1, parts=()))
