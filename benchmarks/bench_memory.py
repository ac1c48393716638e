"""Peak RSS of `capi-lint check` on JSON Lines files of growing size.

    python benchmarks/bench_memory.py [--sizes-mb 10 200]   (the issue's target: 10 1000)
    python benchmarks/bench_memory.py --sizes-mb 4 45 --format json   (5k and 50k events)

Each size gets a file of seeded, realistic traffic (benchmarks/traffic.py) and
one run of the real command in a fresh process; the child's peak RSS is read
with getrusage. Lines are streamed and the batch rules' state is bounded
(`window`, fixed-size tables); what still grows is the findings list (about
4 findings per 100 events of this traffic) and allocator fragmentation.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import traffic

CHILD = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=False)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def write_file(path: str, megabytes: int) -> int:
    # Each chunk continues the numbering: event_ids, order_ids and users stay
    # unique, as in a real export (repeats would only measure the findings list).
    events = 0
    with open(path, "wb") as out:
        while out.tell() < megabytes * 1_000_000:
            out.write(traffic.jsonl(5_000, seed=events, start=events))
            events += 5_000
    return events


def peak_rss_kb(path: str, extra: list[str]) -> tuple[int, float]:
    command = [
        sys.executable,
        "-m",
        "capi_lint",
        "check",
        path,
        "--quiet",
        "--no-progress",
        "--jobs",
        "1",
        "--now",
        str(traffic.NOW),
        *extra,
    ]
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *command], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip()), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mb", type=int, nargs="+", default=[10, 200])
    parser.add_argument(
        "--format", default="", help="report format (default: the CLI's, text), e.g. json, sarif"
    )
    parser.add_argument(
        "--ignore", default="", help="rule codes to disable, e.g. D,B,H009 (the cross-event rules)"
    )
    args = parser.parse_args()
    extra = ["--ignore", args.ignore] if args.ignore else []
    if args.format:
        extra += ["--format", args.format]
    with tempfile.TemporaryDirectory() as tmp:
        base = None
        for size in args.sizes_mb:
            path = os.path.join(tmp, f"traffic_{size}mb.jsonl")
            events = write_file(path, size)
            rss, seconds = peak_rss_kb(path, extra)
            base = base or rss
            print(
                f"{os.path.getsize(path) / 1e6:8.1f} MB  {events:>9,} events  "
                f"peak RSS {rss / 1024:7.1f} MiB  ({rss / base:.2f}x)  {seconds:6.1f} s"
            )
            os.remove(path)


if __name__ == "__main__":
    main()
