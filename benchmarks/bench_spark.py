"""Events/s of capi_lint.spark in local mode against `capi-lint check --jobs 1/2`.

    python benchmarks/bench_spark.py [--events 200000] [--partitions 1,2,4]

One generated JSON Lines file (traffic.py); the CLI runs as a subprocess; the
Spark runs share one session (local[N], N = cores) after a warm-up job, and
each is a full `lint(...)` whose findings are counted (every stage runs).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import traffic

NOW = traffic.NOW


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--partitions", default="1,2,4")
    parser.add_argument("--file", default=None)
    parser.add_argument(
        "--driver-memory",
        default="4g",
        help="local mode runs in the driver's JVM (Spark's 1g default is short at 1M events)",
    )
    parser.add_argument("--skip-cli", action="store_true")
    args = parser.parse_args()
    path = Path(args.file or f"/tmp/capi-lint-bench-{args.events}.jsonl")
    if not path.exists():
        path.write_bytes(traffic.jsonl(args.events))
    size = path.stat().st_size
    print(f"{args.events} events, {size / 1e6:.0f} MB, {os.cpu_count()} cores")
    for jobs in () if args.skip_cli else (1, 2):
        start = time.perf_counter()
        subprocess.run(
            ["capi-lint", "check", str(path), "--now", str(NOW), "--jobs", str(jobs)],
            stdout=subprocess.DEVNULL,
            check=False,
        )
        elapsed = time.perf_counter() - start
        print(f"cli --jobs {jobs}: {elapsed:.1f} s, {args.events / elapsed:,.0f} events/s")

    from pyspark.sql import SparkSession

    from capi_lint import spark as capi_spark

    spark = (
        SparkSession.builder.master(f"local[{os.cpu_count()}]")
        .config("spark.driver.memory", args.driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.read.text(str(path)).rdd.map(len).count()  # warm-up: JVM, Python workers
    for parts in (int(p) for p in args.partitions.split(",")):
        # Byte-range splits keep the file's order (repartition would shuffle it).
        spark.conf.set("spark.sql.files.maxPartitionBytes", str(size // parts + 1))
        spark.conf.set("spark.sql.files.openCostInBytes", "0")
        df = spark.read.text(str(path))
        if df.rdd.getNumPartitions() > parts:  # Spark splits at least per core
            df = df.coalesce(parts)
        start = time.perf_counter()
        findings = capi_spark.lint(df, now=NOW, path=str(path))
        found = findings.count()
        elapsed = time.perf_counter() - start
        findings.unpersist()
        print(
            f"spark local, {df.rdd.getNumPartitions()} partition(s): {elapsed:.1f} s, "
            f"{args.events / elapsed:,.0f} events/s ({found} findings)"
        )


if __name__ == "__main__":
    main()
