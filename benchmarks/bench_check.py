"""Throughput of `capi_lint.check` against a parse-and-walk floor, on one core.

    python benchmarks/bench_check.py [--events 50000] [--repeat 3] [--cli]

(a) floor: `json.loads` of every JSON Lines line plus a walk that touches every key;
(b) check: the JSON Lines bytes through capi-lint with every rule enabled (the
    same streaming path as `capi-lint check file.jsonl`).
Best of --repeat runs; prints events/s for both and their ratio (target >= 0.5).
With --cli, also times the real command (`--jobs 1`, start-up included) on a
file of the same events, the issue's measure, and its ratio to the floor.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import traffic

import capi_lint
from capi_lint.config import build_settings
from capi_lint.engine import Engine


def walk(node: object) -> int:
    touched = 0
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                touched += len(key)
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return touched


def floor(raw: bytes) -> int:
    count = 0
    for line in raw.splitlines():
        if line:
            walk(json.loads(line))
            count += 1
    return count


def check(raw: bytes) -> int:
    engine = Engine(build_settings({}, now=traffic.NOW))
    result = engine.check_jsonl("bench.jsonl", raw)
    return result.events


def best(fn, raw: bytes, repeat: int) -> tuple[float, int]:
    times = []
    count = 0
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        count = fn(raw)
        times.append(time.perf_counter() - start)
    return min(times), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cli", action="store_true", help="also time the CLI on a file")
    args = parser.parse_args()

    raw = traffic.jsonl(args.events)
    findings = capi_lint.check(raw, now=traffic.NOW)
    floor_s, n = best(floor, raw, args.repeat)
    check_s, m = best(check, raw, args.repeat)
    assert n == m == args.events, (n, m)
    floor_eps, check_eps = n / floor_s, n / check_s
    print(
        f"python {sys.version.split()[0]}, capi-lint {capi_lint.__version__}, "
        f"{n} events, {len(raw) / n:.0f} bytes/event, {len(findings)} findings"
    )
    rows = [
        ("floor  json.loads + walk", floor_eps, floor_s),
        ("check  all rules", check_eps, check_s),
    ]
    for label, eps, seconds in rows:
        print(f"{label:<25}: {eps:>10,.0f} events/s  ({seconds * 1e6 / n:.1f} µs/event)")
    print(f"{'ratio  check / floor':<25}: {check_eps / floor_eps:.2f}  (target >= 0.50)")
    if args.cli:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "bench.jsonl")
            Path(path).write_bytes(raw)
            start = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "capi_lint",
                    "check",
                    path,
                    "--now",
                    str(traffic.NOW),
                    "--quiet",
                    "--no-progress",
                    "--jobs",
                    "1",
                ],
                stdout=subprocess.DEVNULL,
                check=False,
            )
            cli_s = time.perf_counter() - start
        label = "cli    capi-lint check"
        print(f"{label:<25}: {n / cli_s:>10,.0f} events/s  (wall {cli_s:.2f} s, with start-up)")
        print(f"{'ratio  cli / floor':<25}: {n / cli_s / floor_eps:.2f}")


if __name__ == "__main__":
    main()
