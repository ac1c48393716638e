"""``python -m capi_lint.spark PATH... --now T --output findings.jsonl`` (or ``spark-submit``).

For users who do not write Spark code: reads JSON Lines files (one event or
request body per line; each file is one batch, as for ``capi-lint check``),
writes the findings as JSON Lines (``.jsonl``/``.json``) or Parquet (any other
output path: a directory), prints the summary, and exits 1 when there are
error findings (0 otherwise, 2 on bad arguments). Local mode (``local[*]``)
unless ``--master`` or the usual ``spark-submit``/``SPARK_*`` settings say
otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from capi_lint.config import ConfigError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m capi_lint.spark",
        description="Lint JSON Lines files of CAPI events on Spark",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="JSON Lines files (local or URI)")
    parser.add_argument("--now", help="reference time (ISO 8601 or unix seconds)")
    parser.add_argument(
        "--output", "-o", help="findings: .jsonl/.json file, else a Parquet directory"
    )
    parser.add_argument("--select", help="comma-separated codes or prefixes")
    parser.add_argument("--ignore", help="comma-separated codes or prefixes")
    parser.add_argument("--master", help="Spark master (default: spark-submit's, else local[*])")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

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
    builder = SparkSession.builder.appName("capi-lint")
    master = args.master or os.environ.get("MASTER")
    if master:
        builder = builder.master(master)
    elif "spark.master" not in builder._options:  # spark-submit sets it through SparkConf
        from pyspark import SparkConf

        if not SparkConf().contains("spark.master"):
            builder = builder.master("local[*]")
    session = builder.getOrCreate()
    # One DataFrame per file, in the given order: each file's rows stay in line order.
    frames = [session.read.text(p).withColumn("file", F.lit(p)) for p in args.paths]
    df = frames[0]
    for frame in frames[1:]:
        df = df.union(frame)
    findings = capi_spark.lint(df, config=settings).orderBy("path", "line", "column", "code")
    if args.output and args.output.endswith((".jsonl", ".json")):
        with open(args.output, "w", encoding="utf-8") as out:
            for row in findings.toLocalIterator():
                out.write(json.dumps(_report_dict(row.asDict()), ensure_ascii=False) + "\n")
    elif args.output:
        findings.write.mode("overwrite").parquet(args.output)
    counts = {
        row["severity"]: row["count"] for row in findings.groupBy("severity").count().collect()
    }
    by_code = findings.groupBy("code").count().orderBy("code").collect()
    print(
        f"{len(args.paths)} file(s): {counts.get('error', 0)} error(s), "
        f"{counts.get('warning', 0)} warning(s), {counts.get('info', 0)} info"
    )
    for row in by_code:
        print(f"  {row['code']}: {row['count']}")
    return 1 if counts.get("error") else 0


def _report_dict(row: dict) -> dict:
    """A findings row as the JSON report's finding: ``extra`` spread, empty fields dropped."""
    extra = row.pop("extra")
    for key in ("fix", "doc_url"):
        if row[key] is None:
            del row[key]
    if extra:
        row.update(json.loads(extra))
    return row


if __name__ == "__main__":
    sys.exit(main())
