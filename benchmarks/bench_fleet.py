"""Datasets per second and peak RSS of `capi-lint fleet` against a local Graph server.

The server runs in its own process (so it does not share the GIL with the
client), answers every /dataset_quality call after ``--latency`` seconds with a
small web report, and advertises its usage in X-App-Usage against a limit of
``--limit`` calls per ``--window`` seconds; a call beyond the limit is refused
(code 4) and counted. Nothing talks to Meta.

    python benchmarks/bench_fleet.py --datasets 5000 --concurrency 16
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "fleet"))


def serve(queue: multiprocessing.Queue, latency: float, limit: int, window: float, stop) -> None:
    from fleet_server import Answer, FleetServer, web_report

    server = FleetServer(limit=limit, window=window)
    server.default = Answer(body=web_report(7.4, 92.0), delay=latency)
    queue.put(server.url)
    stop.wait()
    queue.put({"violations": server.violations, "max_usage": server.max_usage})
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--limit", type=int, default=100_000, help="calls per window")
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument(
        "--cooldown", type=float, default=None, help="the gate's pause at 90 %% [the window]"
    )
    args = parser.parse_args()

    queue: multiprocessing.Queue = multiprocessing.Queue()
    stop = multiprocessing.Event()
    proc = multiprocessing.Process(
        target=serve, args=(queue, args.latency, args.limit, args.window, stop)
    )
    proc.start()
    url = queue.get(timeout=30)
    import capi_lint

    with tempfile.TemporaryDirectory() as tmp:
        fleet = Path(tmp) / "FLEET.toml"
        cooldown = args.cooldown if args.cooldown is not None else args.window
        fleet.write_text(
            f"[rate-limit]\ncooldown = {cooldown}\n"
            + "".join(f'[[datasets]]\nid = "{10_000 + i}"\n' for i in range(args.datasets)),
            "utf-8",
        )
        env = {"META_ACCESS_TOKEN": "EAABenchTOKEN0123456789"}
        started = time.perf_counter()
        result = capi_lint.fleet(
            str(fleet),
            graph_url=url,
            concurrency=args.concurrency,
            history=str(Path(tmp) / "fleet.sqlite"),
            environ=env,
        )
        elapsed = time.perf_counter() - started
    stop.set()
    server_stats = queue.get(timeout=30)
    proc.join()
    ok = sum(d.status == "ok" for d in result.datasets)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "datasets": args.datasets,
                "ok": ok,
                "concurrency": args.concurrency,
                "latency_s": args.latency,
                "seconds": round(elapsed, 2),
                "datasets_per_second": round(args.datasets / elapsed, 1),
                "peak_rss_mib": round(peak_kib / 1024, 1),
                "gate_peak_usage": result.gate.peak_usage,
                "server": server_stats,
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
