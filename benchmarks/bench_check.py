"""Throughput of `capi_lint.check` against a parse-and-walk floor, on one core.

    python benchmarks/bench_check.py [--events 50000] [--repeat 3] [--cli]

(a) floor: `json.loads` of every JSON Lines line plus a walk that touches every key;
(b) check: the JSON Lines bytes through capi-lint with every rule enabled (the
    same streaming path as `capi-lint check file.jsonl`), and with `--ignore E008`;
(c) per finding: the extra time of all-flawed traffic over clean traffic of the
    same size, divided by the extra findings (rules' slow paths + locating +
    building findings);
(d) the library: `Checker.check()` on one clean website event (median of many
    calls), and the first call in a fresh process (import + Checker + check;
    CPU time, which the other processes on a shared box disturb less than wall;
    with bytecode caches written, as after `pip install`).
Best of --repeat runs; prints events/s and their ratio to the floor (target >= 0.5).
With --cli, also times the real command (`--jobs 1`, start-up included) on a
file of the same events, with all rules and with `--ignore E008`.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
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


def check(raw: bytes, table: dict | None = None) -> int:
    engine = Engine(build_settings(table or {}, now=traffic.NOW))
    result = engine.check_jsonl("bench.jsonl", raw)
    return result.events


def check_no_e008(raw: bytes) -> int:
    return check(raw, {"ignore": ["E008"]})


def per_finding(events: int, repeat: int) -> tuple[float, int]:
    """Seconds per extra finding: all-flawed traffic against clean traffic."""
    clean = traffic.jsonl(events, flawed_share=0.0)
    flawed = traffic.jsonl(events, flawed_share=1.0)
    clean_s, _ = best(check, clean, repeat)
    flawed_s, _ = best(check, flawed, repeat)
    extra = len(capi_lint.check(flawed, now=traffic.NOW)) - len(
        capi_lint.check(clean, now=traffic.NOW)
    )
    return (flawed_s - clean_s) / max(extra, 1), extra


def clean_website_event() -> dict:
    rng = random.Random(1)
    for i in range(100):
        event = traffic.event(rng, i, flawed_share=0.0)
        if event["action_source"] == "website":
            return event
    raise AssertionError("no website event")


def checker_latency(calls: int = 2000) -> float:
    """Median seconds of `Checker.check()` on one clean website event."""
    event = clean_website_event()
    checker = capi_lint.Checker(now=traffic.NOW)
    assert checker.check(event) == [], "the benchmark's clean event must be clean"
    times = []
    clock = CLOCK
    for _ in range(calls):
        start = clock()
        checker.check(event)
        times.append(clock() - start)
    return statistics.median(times)


FIRST_CALL = """
import json, sys, time
start = time.process_time()
import capi_lint
checker = capi_lint.Checker(now=%d)
checker.check(json.loads(sys.argv[1]))
print(time.process_time() - start)
"""


def first_call(repeat: int) -> float:
    """CPU seconds of the first call in a fresh process (import included), best of ``repeat``.

    As an installed package runs it: with bytecode caches (pip writes them at
    install). The child may write them (PYTHONDONTWRITEBYTECODE dropped) and an
    untimed first run does, so that compiling ~100 modules is not what is timed.
    """
    event = json.dumps(clean_website_event())
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", FIRST_CALL % traffic.NOW, event],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            ).stdout
        )
        for _ in range(repeat + 1)
    ]
    return min(runs[1:])


def cli(path: str, *extra: str) -> float:
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
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - start


def rule_costs(raw: bytes, top: int = 40) -> None:
    """µs/event spent in each event rule's precise check (called where its
    condition holds), timed around each call: a guide to what to migrate next,
    not a throughput figure (the timing adds its own cost)."""
    from capi_lint import registry
    from capi_lint.registry import Scope

    spent: dict[str, int] = {}
    called: dict[str, int] = {}
    clock = time.perf_counter_ns
    originals = {}

    def timed(code: str, fn):  # type: ignore[no-untyped-def]
        def run(event, ctx):  # type: ignore[no-untyped-def]
            start = clock()
            hits = fn(event, ctx)
            spent[code] = spent.get(code, 0) + clock() - start
            called[code] = called.get(code, 0) + 1
            return hits

        return run

    for rule in registry.all_rules():
        fn = rule.scopes.get(Scope.EVENT)
        if fn is not None:
            originals[rule.code] = fn
            rule.scopes[Scope.EVENT] = timed(rule.code, fn)  # type: ignore[index]
    try:
        n = check(raw)
    finally:
        for rule in registry.all_rules():
            if rule.code in originals:
                rule.scopes[Scope.EVENT] = originals[rule.code]  # type: ignore[index]
    total = sum(spent.values()) / 1e3 / n
    print(f"{n} events, {total:.1f} µs/event in precise checks; top {top}:")
    for code, ns in sorted(spent.items(), key=lambda kv: -kv[1])[:top]:
        when = registry.get(code).when
        print(
            f"  {code}  {ns / 1e3 / n:6.2f} µs/event  called on {called[code] / n:6.1%} of events"
            f"  {'when=' + when.expr if when else ''}"
        )


#: The in-process timer: wall time, or with --cpu this process's CPU time, which
#: the other processes of a shared, loaded box disturb far less (one thread:
#: on an idle machine the two agree).
CLOCK = time.perf_counter


def best(fn, raw: bytes, repeat: int) -> tuple[float, int]:
    times = []
    count = 0
    for _ in range(repeat):
        gc.collect()
        start = CLOCK()
        count = fn(raw)
        times.append(CLOCK() - start)
    return min(times), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cli", action="store_true", help="also time the CLI on a file")
    parser.add_argument(
        "--rules", action="store_true", help="only: each event rule's precise-check cost"
    )
    parser.add_argument(
        "--cpu", action="store_true", help="time in-process rows in CPU time (a loaded box)"
    )
    args = parser.parse_args()
    if args.cpu:
        global CLOCK
        CLOCK = time.process_time
    if args.rules:
        rule_costs(traffic.jsonl(args.events))
        return

    raw = traffic.jsonl(args.events)
    findings = capi_lint.check(raw, now=traffic.NOW)
    floor_s, n = best(floor, raw, args.repeat)
    check_s, m = best(check, raw, args.repeat)
    quiet_s, _ = best(check_no_e008, raw, args.repeat)
    assert n == m == args.events, (n, m)
    e008 = sum(f.code == "E008" for f in findings)
    print(
        f"python {sys.version.split()[0]}, capi-lint {capi_lint.__version__}, "
        f"{n} events, {len(raw) / n:.0f} bytes/event, {len(findings)} findings "
        f"({e008} E008), load {os.getloadavg()[0]:.1f}, "
        f"{'CPU' if CLOCK is time.process_time else 'wall'} time"
    )
    rows = [
        ("floor  json.loads + walk", floor_s, ""),
        ("check  all rules", check_s, "(target >= 0.25)"),
        ("check  --ignore E008", quiet_s, "(target >= 0.50)"),
    ]
    for label, seconds, target in rows:
        print(
            f"{label:<25}: {n / seconds:>10,.0f} events/s  ({seconds * 1e6 / n:6.1f} µs/event)"
            f"  {floor_s / seconds:.2f} x floor {target if seconds is not floor_s else ''}"
        )
    cost, extra = per_finding(min(n, 5000), args.repeat)
    print(f"{'per finding':<25}: {cost * 1e6:>10.1f} µs  ({extra} extra findings, all-flawed)")
    print(f"{'Checker.check() 1 event':<25}: {checker_latency() * 1e6:>10.1f} µs  (target <= 50)")
    print(f"{'first call (CPU)':<25}: {first_call(args.repeat) * 1e3:>10.1f} ms  (target <= 150)")
    if args.cli:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "bench.jsonl")
            Path(path).write_bytes(raw)
            for label, extra_args in (
                ("cli    all rules", ()),
                ("cli    --ignore E008", ("--ignore", "E008")),
            ):
                cli_s = min(cli(path, *extra_args) for _ in range(args.repeat))
                print(
                    f"{label:<25}: {n / cli_s:>10,.0f} events/s  (wall {cli_s:.2f} s, with "
                    f"start-up)  {floor_s / cli_s:.2f} x floor"
                )


if __name__ == "__main__":
    main()
