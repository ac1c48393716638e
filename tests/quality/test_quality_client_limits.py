"""The Graph client's bounds and retries against a real server on 127.0.0.1.

Issue 15: an answer is capped in size (streamed, decompressed size included),
the whole call ends by a deadline even when the server drips one byte at a
time, and a plain HTTP 429 with ``Retry-After`` (seconds or HTTP-date) or a
dropped connection is retried within ``max_wait``. Waits go through an
injected clock and sleep, so nothing here sleeps for long.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest
from helpers import body, website_event
from quality_server import TOKEN, GraphServer, graph_error, load

from capi_lint.cli import main
from capi_lint.quality.client import GraphError, QualityClient, RetryPolicy, header_wait

MIB = 1024 * 1024


class FakeTime:
    """A monotonic clock that moves only when the client sleeps (or ``step`` per look)."""

    def __init__(self, step: float = 0.0, overshoot: float = 0.0) -> None:
        self.now = 1000.0
        self.step = step
        self.overshoot = overshoot  # a real sleep always lasts a little longer
        self.slept: list[float] = []

    def clock(self) -> float:
        self.now += self.step
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds + self.overshoot


def client(graph: GraphServer, time: FakeTime | None = None, **kw: Any) -> QualityClient:
    kw.setdefault("retry", RetryPolicy(attempts=3, backoff_base=0.5, max_wait=100.0))
    kw.setdefault("timeout", 5.0)
    if time is not None:
        kw.update(clock=time.clock, sleep=time.sleep)
    return QualityClient(TOKEN, graph_url=graph.url, **kw)


def padded_json(total: int, piece: int = MIB) -> Iterator[bytes]:
    """A valid ``{"web": []}`` answer of ``total`` bytes, in pieces."""
    head, tail = b'{"web": [], "pad": "', b'"}'
    yield head
    left = total - len(head) - len(tail)
    while left > 0:
        n = min(piece, left)
        yield b"x" * n
        left -= n
    yield tail


# ------------------------------------------------------------------ size cap (defect 10)


def test_an_endless_answer_is_abandoned_at_the_size_limit(graph: GraphServer) -> None:
    # No Content-Length: the body runs until the connection closes (64 MiB here).
    graph.reply(200, chunks=lambda: padded_json(64 * MIB))
    with client(graph, max_response_bytes=2 * MIB) as c, pytest.raises(GraphError) as caught:
        c.dataset_quality("1")
    assert caught.value.kind == "too-large" and caught.value.attempts == 1
    assert "larger than the 2 MiB limit" in str(caught.value)
    sent = graph.sent[0].finished()
    assert sent.cut and sent.body_bytes < 64 * MIB  # the client stopped reading


def test_an_announced_length_past_the_limit_is_refused_before_the_body(
    graph: GraphServer,
) -> None:
    graph.reply(200, chunks=lambda: padded_json(8 * MIB), length=8 * MIB)
    with client(graph, max_response_bytes=MIB) as c, pytest.raises(GraphError) as caught:
        c.dataset_quality("1")
    assert caught.value.kind == "too-large"
    assert "announced 8,388,608 bytes" in str(caught.value)
    assert graph.sent[0].finished().body_bytes < 8 * MIB


def test_a_compression_bomb_is_capped_on_its_decompressed_size(graph: GraphServer) -> None:
    bomb = gzip.compress(b"".join(padded_json(64 * MIB)), 9)
    assert len(bomb) < MIB // 4  # small on the wire
    graph.reply(200, raw=bomb, headers={"Content-Encoding": "gzip"})
    with client(graph, max_response_bytes=MIB) as c, pytest.raises(GraphError) as caught:
        c.dataset_quality("1")
    assert caught.value.kind == "too-large" and "decompressed" in str(caught.value)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compressed_answer_within_the_limit_is_read(graph: GraphServer, encoding: str) -> None:
    text = json.dumps(load("web_all_fields.json")).encode()
    packed = gzip.compress(text) if encoding == "gzip" else zlib.compress(text)
    graph.reply(200, raw=packed, headers={"Content-Encoding": encoding})
    with client(graph, max_response_bytes=len(text)) as c:
        response = c.dataset_quality("1")
    assert response.data == load("web_all_fields.json")


def test_broken_compressed_data_is_malformed(graph: GraphServer) -> None:
    graph.reply(200, raw=b"not gzip at all", headers={"Content-Encoding": "gzip"})
    with client(graph) as c, pytest.raises(GraphError) as caught:
        c.dataset_quality("1")
    assert caught.value.kind == "malformed" and caught.value.attempts == 1


def test_the_cli_flag_sets_the_limit(
    graph: GraphServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    payload = tmp_path / "p.json"
    payload.write_text(json.dumps(body(website_event())), "utf-8")
    monkeypatch.setenv("META_ACCESS_TOKEN", TOKEN)
    graph.reply(200, chunks=lambda: padded_json(3 * MIB))
    argv = ["crosscheck", str(payload), "--dataset-id", "1", "--graph-url", graph.url]
    assert main([*argv, "--max-response-mib", "1"]) == 2
    err = capsys.readouterr().err
    assert "larger than the 1 MiB limit" in err and TOKEN not in err
    graph.reply(200, chunks=lambda: padded_json(3 * MIB))
    assert main(argv) in (0, 1)  # the default (32 MiB) reads it


# ------------------------------------------------------------------ deadline (defect 10)


def test_a_drip_of_one_byte_per_half_second_is_cut_at_the_deadline(graph: GraphServer) -> None:
    """The issue's case: each read answers within --timeout, so only a total
    deadline (max_wait + timeout = 2 s here) stops it; unbounded, it would last 30 s."""
    answer = json.dumps({"web": [], "pad": "x" * 38}).encode()
    assert len(answer) == 60
    graph.reply(200, chunks=lambda: iter([answer[i : i + 1] for i in range(60)]), drip=0.5)
    policy = RetryPolicy(attempts=3, backoff_base=0.01, max_wait=1.0)
    with client(graph, retry=policy, timeout=1.0) as c, pytest.raises(GraphError) as caught:
        c.dataset_quality("1")
    assert caught.value.kind == "timeout" and caught.value.attempts == 1
    assert "within the 2 s deadline" in str(caught.value)
    sent = graph.sent[0].finished()
    assert sent.cut and sent.body_bytes < len(answer)


def test_the_deadline_counts_on_the_injected_clock(graph: GraphServer) -> None:
    # Each look at the clock costs 1 s: the deadline (3 + 5 s) passes after a few
    # bytes although the server drips fast and every read answers at once.
    graph.reply(200, chunks=lambda: (b" " for _ in range(100_000)), drip=0.001)
    time = FakeTime(step=1.0)
    policy = RetryPolicy(attempts=3, max_wait=3.0)
    with client(graph, time, retry=policy) as c, pytest.raises(GraphError) as caught:
        c.dataset_quality("1")
    assert caught.value.kind == "timeout" and "8 s deadline" in str(caught.value)
    assert graph.sent[0].finished().cut


def test_no_wait_is_made_that_would_end_past_the_deadline(graph: GraphServer) -> None:
    # Retry-After fits --max-wait, but the slow first attempt used most of the deadline.
    graph.reply(503, raw=b"busy", headers={"Retry-After": "4"}).reply(200, {"web": []})
    time = FakeTime()
    policy = RetryPolicy(attempts=3, max_wait=5.0)

    def slow_clock() -> float:  # the first attempt took 5 s
        return time.now + (5.0 if graph.requests else 0.0)

    options: dict[str, Any] = {"retry": policy, "timeout": 1.0, "sleep": time.sleep}
    with (
        QualityClient(TOKEN, graph_url=graph.url, clock=slow_clock, **options) as c,
        pytest.raises(GraphError) as caught,
    ):
        c.dataset_quality("1")
    assert time.slept == [] and caught.value.attempts == 1 and len(graph.requests) == 1


# ------------------------------------------------------------------ retries (defect 15)


def test_a_plain_429_with_retry_after_seconds_is_retried(graph: GraphServer) -> None:
    graph.reply(429, raw=b"Too Many Requests", headers={"Retry-After": "7"})
    graph.reply(200, load("web_all_fields.json"))
    time = FakeTime()
    with client(graph, time) as c:
        response = c.dataset_quality("1")
    assert response.attempts == 2 and len(graph.requests) == 2
    assert time.slept == [7.0]  # what the server asked, not the 0.5 s backoff


def test_a_429_with_a_graph_error_body_is_a_rate_limit(graph: GraphServer) -> None:
    graph.reply(429, graph_error(99), headers={"Retry-After": "3"}).reply(200, {"web": []})
    time = FakeTime()
    with client(graph, time) as c:
        assert c.dataset_quality("1").attempts == 2
    assert time.slept == [3.0]


def test_a_429_with_retry_after_as_an_http_date_is_retried(graph: GraphServer) -> None:
    sent_at = 1_763_800_000
    headers = {
        "Date": formatdate(sent_at, usegmt=True),
        "Retry-After": formatdate(sent_at + 42, usegmt=True),
    }
    graph.reply(429, raw=b"", headers=headers).reply(200, {"web": []})
    time = FakeTime()
    with client(graph, time) as c:
        assert c.dataset_quality("1").attempts == 2
    assert time.slept == [42.0]  # counted from the answer's own Date, not this machine's clock


def test_retry_after_forms() -> None:
    date = formatdate(1_763_800_042, usegmt=True)
    assert header_wait({"retry-after": date}, now=1_763_800_000) == 42.0
    assert header_wait({"retry-after": date}, now=1_763_900_000) == 0.0  # in the past
    assert header_wait({"retry-after": " 5 "}) == 5.0
    for junk in ("soon", "-3", "nan", "inf", "1e9", "Mon, 99 Foo 2025"):
        assert header_wait({"retry-after": junk}, now=0) == 0.0, junk


def test_a_429_gives_up_within_max_wait_and_says_what_was_asked(graph: GraphServer) -> None:
    for _ in range(3):
        graph.reply(429, raw=b"", headers={"Retry-After": "600"})
    time = FakeTime()
    policy = RetryPolicy(attempts=3, backoff_base=0.5, max_wait=10.0)
    with client(graph, time, retry=policy) as c, pytest.raises(GraphError) as caught:
        c.dataset_quality("1")
    assert caught.value.kind == "rate-limit" and sum(time.slept) <= 10.0
    assert "Meta asked for 600 s" in str(caught.value)


@pytest.mark.parametrize("how", ["no answer", "half a body"])
def test_a_dropped_connection_is_retried(graph: GraphServer, how: str) -> None:
    if how == "no answer":
        graph.reply(drop=True)
    else:
        graph.reply(200, chunks=lambda: iter([b'{"web": [']), length=1000)
    graph.reply(200, load("web_all_fields.json"))
    time = FakeTime()
    with client(graph, time) as c:
        response = c.dataset_quality("1")
    assert response.attempts == 2 and time.slept == [0.5]


def test_dropped_connections_give_up_without_claiming_meta_asked(graph: GraphServer) -> None:
    for _ in range(5):
        graph.reply(drop=True)
    time = FakeTime()
    with client(graph, time) as c, pytest.raises(GraphError) as caught:
        c.dataset_quality("1")
    error = caught.value
    assert error.kind == "dropped" and error.attempts == 3 and time.slept == [0.5, 1.0]
    assert "gave up after 3 attempts" in str(error) and "asked" not in str(error)


def test_the_give_up_message_never_says_meta_asked_for_0_s(graph: GraphServer) -> None:
    """A real sleep overshoots: the wait budget ends slightly below zero, and
    nothing asked for a wait (no Retry-After): the message must not invent one."""
    for _ in range(3):
        graph.reply(503, raw=b"<html>busy</html>")
    time = FakeTime(overshoot=0.01)
    policy = RetryPolicy(attempts=3, backoff_base=1.0, max_wait=1.0)
    with client(graph, time, retry=policy) as c, pytest.raises(GraphError) as caught:
        c.dataset_quality("1")
    assert caught.value.kind == "server" and caught.value.attempts == 2
    assert "gave up" in str(caught.value) and "asked" not in str(caught.value)
