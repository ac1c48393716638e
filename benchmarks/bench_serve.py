"""`capi-lint serve` under concurrent load: is every request answered, and does RSS stay flat?

    python benchmarks/bench_serve.py [--clients 8] [--requests 2000] [--record-limit 1000]

Starts the real command (`python -m capi_lint serve --port 0`, 127.0.0.1 only) in its
own process, then ``--clients`` threads each POST ``--requests`` realistic bodies
(benchmarks/traffic.py: 1-5 events each, hashed user_data, a few flawed; JSON,
form-encoded and multipart) and count the answers. The server's RSS (VmRSS from
/proc) is sampled before the load, at every quarter of it and after it; with the
ring of recorded requests full, the later samples should not grow.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import traffic

TOKEN = "EAABsbCS1iHgBAOZAbenchTOKEN1234567890"


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def bodies(seed: int, n: int) -> list[tuple[str, bytes, str]]:
    """``n`` (path, body, content type) triples for one client."""
    rng = random.Random(seed)
    stream = traffic.events(n * 5, seed=seed, start=seed * 100_000)
    out = []
    for i in range(n):
        events = [next(stream) for _ in range(rng.randint(1, 5))]
        kind = ("json", "form", "multipart")[i % 3]
        if kind == "json":
            raw = json.dumps({"data": events, "test_event_code": "TEST123"}).encode()
            out.append((f"?access_token={TOKEN}", raw, "application/json"))
        elif kind == "form":
            fields = {"data": json.dumps(events), "access_token": TOKEN}
            raw = urllib.parse.urlencode(fields).encode()
            out.append(("", raw, "application/x-www-form-urlencoded"))
        else:
            boundary = f"----WebKitFormBoundary{seed:04d}Bench{i}"
            parts = {"data": json.dumps(events), "access_token": TOKEN}
            head = '--{}\r\nContent-Disposition: form-data; name="{}"\r\n\r\n'
            raw = b"".join(
                (head.format(boundary, k) + v + "\r\n").encode() for k, v in parts.items()
            )
            raw += f"--{boundary}--\r\n".encode()
            out.append(("", raw, f"multipart/form-data; boundary={boundary}"))
    return out


def start_server(record_limit: int, log: Path) -> tuple[subprocess.Popen, int]:
    command = [sys.executable, "-m", "capi_lint", "serve", "--port", "0"]
    command += ["--now", str(traffic.NOW), "--record-limit", str(record_limit)]
    stderr = log.open("w")
    proc = subprocess.Popen(command, stderr=stderr, stdout=subprocess.DEVNULL)
    for _ in range(600):
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", log.read_text())
        if match:
            return proc, int(match.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the server did not start: " + log.read_text()[-2000:])


def request(port: int, method: str, path: str, raw: bytes | None, content_type: str | None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Content-Type": content_type} if content_type else {}
        connection.request(method, path, body=raw, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--record-limit", type=int, default=1000)
    args = parser.parse_args()

    work = [bodies(seed, args.requests) for seed in range(args.clients)]
    total = args.clients * args.requests
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "serve.log"
        proc, port = start_server(args.record_limit, log)
        try:
            request(port, "POST", f"/v24.0/1/events?access_token={TOKEN}", b'{"data": []}', None)
            samples = [("before", 0, rss_kib(proc.pid))]
            statuses: Counter[int | str] = Counter()
            done = [0]
            lock = threading.Lock()
            quarter = max(1, total // 4)

            def client(mine: list[tuple[str, bytes, str]]) -> None:
                for query, raw, content_type in mine:
                    path = f"/v24.0/1234567890123456/events{query}"
                    try:
                        status, _ = request(port, "POST", path, raw, content_type)
                    except OSError as exc:
                        status = type(exc).__name__
                    with lock:
                        statuses[status] += 1
                        done[0] += 1
                        if done[0] % quarter == 0:
                            samples.append((f"{done[0]} requests", done[0], rss_kib(proc.pid)))

            started = time.perf_counter()
            threads = [threading.Thread(target=client, args=(mine,)) for mine in work]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            samples.append(("after", total, rss_kib(proc.pid)))
            listed_at = time.perf_counter()
            status, listing = request(port, "GET", "/_capi_lint/requests", None, None)
            listed_in = time.perf_counter() - listed_at
            recorded = len(json.loads(listing)["requests"])
            samples.append(("after listing", total, rss_kib(proc.pid)))
            peak = rss_kib(proc.pid, "VmHWM")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        leaked_token = TOKEN in log.read_text()

    answered = sum(n for s, n in statuses.items() if s in (200, 400))
    print(f"{args.clients} clients x {args.requests} POSTs = {total} requests in {elapsed:.1f} s")
    print(f"  {total / elapsed:.0f} requests/s; answers: {dict(statuses)}")
    print(f"  answered {answered} of {total}; recorded {recorded} (limit {args.record_limit})")
    print(f"  GET /_capi_lint/requests: {status}, {len(listing) / 1e6:.1f} MB in {listed_in:.2f} s")
    for label, _, kib in samples:
        print(f"  RSS {label:>16}: {kib / 1024:7.1f} MiB")
    print(f"  peak RSS (VmHWM): {peak / 1024:.1f} MiB; token in the log: {leaked_token}")
    if answered != total:
        sys.exit(1)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
