"""The Spark command: ``capi-lint check --engine spark PATH...`` and
``python -m capi_lint.spark PATH...`` (also ``spark-submit``-able).

For users who do not write Spark code: reads JSON Lines (one event or request
body per line) or Parquet (a path ending in ``.parquet``: one event per row,
its columns the event's keys, or a ``value`` column of JSON text); each file
is one batch, as for ``capi-lint check``. Writes the findings as JSON Lines
(an output path ending in ``.jsonl``/``.json``) or Parquet (any other output
path: a directory), prints the summary on stdout, and exits 1 when a finding
reaches ``fail-on`` (0 otherwise, 2 on bad arguments or without PySpark).

The master is ``--master`` when given, else whatever Spark is told the usual
way (``spark-submit --master``, ``spark-defaults.conf``, ``MASTER``,
``PYSPARK_SUBMIT_ARGS``), which is ``local[*]`` when nothing says otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

from capi_lint.config import ConfigError, Settings
from capi_lint.model import Severity

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: What a user without the extra is told (one line, exit 2).
MISSING_PYSPARK = "the Spark engine needs PySpark: pip install 'capi-lint[spark]'"


def pyspark_missing() -> bool:
    """PySpark cannot be imported (the ``spark`` extra is not installed)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return True
    return False


def run(
    paths: Sequence[str],
    settings: Settings,
    *,
    output: str | None = None,
    master: str | None = None,
    out: IO[str] | None = None,
) -> int:
    """Lint ``paths`` on Spark; the exit status (0, or 1 when a finding reaches
    ``settings.fail_on``)."""
    from capi_lint import spark as capi_spark

    out = out or sys.stdout
    session = _session(master)
    findings = capi_spark.lint(_read(session, paths), config=settings)
    try:
        ordered = findings.orderBy("path", "line", "column", "code")
        if output and output.endswith((".jsonl", ".json")):
            with open(output, "w", encoding="utf-8") as handle:
                for row in ordered.toLocalIterator():
                    handle.write(json.dumps(_report_dict(row.asDict()), ensure_ascii=False) + "\n")
        elif output:
            ordered.write.mode("overwrite").parquet(output)
        counts = {
            row["severity"]: row["count"] for row in findings.groupBy("severity").count().collect()
        }
        by_code = findings.groupBy("code").count().orderBy("code").collect()
    finally:
        findings.unpersist()
    out.write(
        f"{len(paths)} path(s): {counts.get('error', 0)} error(s), "
        f"{counts.get('warning', 0)} warning(s), {counts.get('info', 0)} info\n"
    )
    for row in by_code:
        out.write(f"  {row['code']}: {row['count']}\n")
    failed = any(Severity.parse(s).rank >= settings.fail_on.rank for s in counts)
    return 1 if failed else 0


def _session(master: str | None) -> SparkSession:
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("capi-lint")
    if master:
        builder = builder.master(master)
    return builder.getOrCreate()


def _read(session: SparkSession, paths: Sequence[str]) -> DataFrame:
    """One DataFrame of ``(file, value)`` rows, each file's rows in line order.

    A local file keeps its name as given (as ``capi-lint check`` reports it);
    the files of a directory, a glob or a remote URI are named by their URI.
    """
    from pyspark.sql import functions as F

    frames = []
    for path in paths:
        if path.endswith(".parquet"):
            frame = session.read.parquet(path)
            if "value" not in frame.columns:
                frame = frame.select(F.to_json(F.struct(*frame.columns)).alias("value"))
            frame = frame.select("value")
        else:
            frame = session.read.text(path)
        name = F.lit(path) if os.path.isfile(path) else F.input_file_name()
        frames.append(frame.select(name.alias("file"), F.col("value")))
    df = frames[0]
    for frame in frames[1:]:
        df = df.union(frame)
    return df


def _report_dict(row: dict[str, Any]) -> dict[str, Any]:
    """A findings row as the JSON report's finding: ``extra`` spread, empty fields dropped."""
    extra = row.pop("extra")
    for key in ("fix", "doc_url"):
        if row[key] is None:
            del row[key]
    if extra:
        row.update(json.loads(extra))
    return row


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m capi_lint.spark",
        description="Lint JSON Lines or Parquet files of CAPI events on Spark",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files, directories or URIs")
    parser.add_argument("--now", help="reference time (ISO 8601 or unix seconds)")
    parser.add_argument(
        "--output", "-o", help="findings: .jsonl/.json file, else a Parquet directory"
    )
    parser.add_argument("--select", help="comma-separated codes or prefixes")
    parser.add_argument("--ignore", help="comma-separated codes or prefixes")
    parser.add_argument("--master", help="Spark master (default: Spark's own, else local[*])")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if pyspark_missing():
        print(f"capi-lint: error: {MISSING_PYSPARK}", file=sys.stderr)
        return 2
    from capi_lint import spark as capi_spark

    def codes(text: str | None) -> list[str] | None:
        return [c.strip() for c in text.split(",") if c.strip()] if text else None

    try:
        settings = capi_spark.settings_for(
            None, args.now, select=codes(args.select), ignore=codes(args.ignore)
        )
    except ConfigError as exc:
        print(f"capi-lint: {exc}", file=sys.stderr)
        return 2
    return run(args.paths, settings, output=args.output, master=args.master)
