"""The library is safe to call from many threads (interface §5)."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from helpers import NOW

import capi_lint

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import traffic


def test_eight_threads_give_the_serial_findings() -> None:
    # Realistic traffic with flawed events, as JSON Lines text, request bodies and objects.
    events = list(traffic.events(400, seed=7))
    payloads: list[object] = []
    for start in range(0, len(events), 40):
        chunk = events[start : start + 40]
        payloads.append({"data": chunk, "partner_agent": "acme_1_0"})
        payloads.append("\n".join(json.dumps(e) for e in chunk))
    serial = [capi_lint.check(p, now=NOW) for p in payloads]
    assert any(serial), "the traffic must produce findings to compare"
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            parallel = list(pool.map(lambda p: capi_lint.check(p, now=NOW), payloads))
            assert parallel == serial


def test_threads_share_no_dedup_state_between_calls() -> None:
    payload = {
        "data": [
            {
                "event_name": "Lead",
                "event_time": NOW,
                "action_source": "email",
                "event_id": "same",
                "user_data": {"em": "a" * 64},
            }
        ]
    }
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: capi_lint.check(payload, now=NOW), range(32)))
    assert all(r == results[0] for r in results)
    assert "D003" not in {f.code for f in results[0]}
