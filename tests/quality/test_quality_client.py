"""The Graph client against a real HTTP server on 127.0.0.1 (quality_server.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import subprocess
import sys
from typing import Any

import pytest
from quality_server import APP_SECRET, TOKEN, GraphServer, graph_error, load

from capi_lint.quality import fetch_report
from capi_lint.quality.client import (
    OFFLINE_FIELDS,
    SETUP_FIELDS,
    WEB_FIELDS,
    GraphError,
    QualityClient,
    RetryPolicy,
    appsecret_proof,
    header_wait,
)
from capi_lint.quality.parse import QualityParseError, parse_report

FAST = RetryPolicy(attempts=3, backoff_base=0.001, backoff_max=0.01, max_wait=1.0)


class FakeClock:
    """An injected clock: ``sleep`` records the wait and moves the time on."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def client(graph: GraphServer, **kw: Any) -> QualityClient:
    kw.setdefault("retry", FAST)
    kw.setdefault("timeout", 5.0)
    return QualityClient(TOKEN, graph_url=graph.url, **kw)


def no_secret(*texts: str) -> None:
    proof = appsecret_proof(APP_SECRET, TOKEN)
    for text in texts:
        assert TOKEN not in text
        assert proof not in text
        assert APP_SECRET not in text


# --------------------------------------------------------------------- success


def test_web_success_sends_the_token_in_the_header_only(graph: GraphServer) -> None:
    graph.reply(200, load("web_all_fields.json"))
    with client(graph) as c:
        response = c.dataset_quality("1234567890", agent_name="acmeshop")
    seen = graph.requests[0]
    assert seen.path == "/v25.0/dataset_quality"
    assert seen.query["dataset_id"] == ["1234567890"]
    assert seen.query["agent_name"] == ["acmeshop"]
    assert seen.query["fields"] == [WEB_FIELDS]
    assert " " not in WEB_FIELDS and "\n" not in WEB_FIELDS
    assert seen.headers["authorization"] == f"Bearer {TOKEN}"
    assert "access_token" not in seen.query
    assert "appsecret_proof" not in seen.query
    assert response.status == 200 and response.attempts == 1
    assert (
        response.url
        == f"{graph.url}/v25.0/dataset_quality?dataset_id=1234567890&agent_name=acmeshop"
    )
    report = parse_report(response.data, response.endpoint)
    assert [e.event_name for e in report.web] == ["Purchase", "Lead", "Search"]
    no_secret(response.url, response.text, repr(c))


def test_offline_block_is_asked_for_on_request(graph: GraphServer) -> None:
    graph.reply(200, load("offline.json"))
    with client(graph, api_version="v23.0") as c:
        response = c.dataset_quality("42", offline=True)
    seen = graph.requests[0]
    assert seen.path == "/v23.0/dataset_quality"
    assert seen.query["fields"] == [WEB_FIELDS + "," + OFFLINE_FIELDS]
    report = parse_report(response.data)
    assert report.offline[0].composite is not None
    assert report.offline[0].composite.score == 6.6
    assert report.offline[0].coverage["phone"][0] == 90.0


def test_setup_quality_uses_the_pixel_edge_and_the_data_envelope(graph: GraphServer) -> None:
    graph.reply(200, load("setup_quality.json"))
    with client(graph) as c:
        response = c.setup_quality("987654321", agent_name="adobe_launch")
    seen = graph.requests[0]
    assert seen.path == "/v25.0/987654321/setup_quality"
    assert seen.query["fields"] == [SETUP_FIELDS]
    assert seen.query["agent_name"] == ["adobe_launch"]
    assert "dataset_id" not in seen.query
    report = parse_report(response.data, response.endpoint)
    assert report.endpoint == "setup_quality"
    assert [e.where for e in report.web] == [("data", 0), ("data", 1)]
    assert report.web[0].emq is not None and report.web[0].emq.score_rating == "great"


@pytest.mark.parametrize("body", [{}, {"web": []}])
def test_nothing_to_report_is_a_report_not_an_error(graph: GraphServer, body: Any) -> None:
    graph.reply(200, body)
    with client(graph) as c:
        report = parse_report(c.dataset_quality("1").data)
    assert report.empty and report.web == [] and report.offline == []


def test_token_in_query_only_on_request_and_appsecret_proof(graph: GraphServer) -> None:
    graph.reply(200, load("web_default_projection.json"))
    with client(graph, token_in_query=True, app_secret=APP_SECRET) as c:
        response = c.dataset_quality("7")
    seen = graph.requests[0]
    assert seen.query["access_token"] == [TOKEN]
    assert "authorization" not in seen.headers
    expected = hmac.new(APP_SECRET.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()
    assert seen.query["appsecret_proof"] == [expected]
    no_secret(response.url, response.text)


def test_a_token_echoed_in_the_body_is_scrubbed_from_text_and_data(graph: GraphServer) -> None:
    body = load("web_default_projection.json")
    body["paging"] = {"next": f"https://graph.facebook.com/v25.0/x?access_token={TOKEN}&after=1"}
    graph.reply(200, body)
    with client(graph) as c:
        response = c.dataset_quality("7")
    no_secret(response.text, json.dumps(response.data))
    assert "(redacted)" in response.data["paging"]["next"]


# ---------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("code", "subcode", "kind"),
    [
        (190, None, "auth"),
        (190, 463, "auth"),
        (190, 460, "auth"),
        (10, None, "permission"),
        (200, None, "permission"),
        (299, None, "permission"),
        (100, None, "invalid-parameter"),
        (2500, None, "unknown-path"),
        (2044055, None, "dataset-not-found"),
    ],
)
def test_error_families_map_by_code_and_are_not_retried(
    graph: GraphServer, code: int, subcode: int | None, kind: str
) -> None:
    body = graph_error(code, nth=1 if code == 100 else 0)  # 100: "dataset_id is required"
    if subcode is not None:
        body = {"error": {**body["error"], "error_subcode": subcode}}
    graph.reply(400, body)
    with client(graph) as c, pytest.raises(GraphError) as caught:
        c.dataset_quality("1")
    error = caught.value
    assert (error.kind, error.code, error.subcode) == (kind, code, subcode)
    assert error.attempts == 1 and len(graph.requests) == 1
    assert error.http_status == 400
    assert "\n" not in str(error)
    no_secret(str(error), repr(error))


def test_missing_permission_under_code_100_is_a_permission_error(graph: GraphServer) -> None:
    graph.reply(400, load("errors.json")[1])  # "(#100) Missing Permission"
    with client(graph) as c, pytest.raises(GraphError) as caught:
        c.dataset_quality("1")
    assert caught.value.kind == "permission" and caught.value.code == 100


def test_expired_token_message_names_the_subcode(graph: GraphServer) -> None:
    graph.reply(400, load("errors.json")[3])  # 190 / 463
    with client(graph) as c, pytest.raises(GraphError) as caught:
        c.dataset_quality("1")
    assert "expired" in str(caught.value) and "463" in str(caught.value)


def test_an_error_message_echoing_the_token_is_scrubbed(graph: GraphServer) -> None:
    graph.reply(
        400,
        {"error": {"message": f"Malformed access token {TOKEN}", "code": 190, "type": "OAuth"}},
    )
    with client(graph, token_in_query=True) as c, pytest.raises(GraphError) as caught:
        c.dataset_quality("1")
    no_secret(str(caught.value))
    assert "(redacted)" in str(caught.value)


# ------------------------------------------------------------- retry and waits


@pytest.mark.parametrize("code", [1, 2, 4, 17, 32, 613, 80000, 80004, 80014])
def test_transient_and_throttle_codes_are_retried(graph: GraphServer, code: int) -> None:
    graph.reply(400, graph_error(code)).reply(200, load("web_default_projection.json"))
    slept: list[float] = []
    with client(graph, sleep=slept.append) as c:
        response = c.dataset_quality("1")
    assert response.attempts == 2 and len(graph.requests) == 2
    assert len(slept) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_without_json_is_retried(graph: GraphServer, status: int) -> None:
    graph.reply(status, raw=b"<html>bad gateway</html>").reply(200, {"web": []})
    slept: list[float] = []
    with client(graph, sleep=slept.append) as c:
        assert c.dataset_quality("1").attempts == 2


def test_backoff_grows_exponentially_from_the_injected_base(graph: GraphServer) -> None:
    for _ in range(3):
        graph.reply(400, graph_error(2))
    graph.reply(200, {})
    slept: list[float] = []
    policy = RetryPolicy(attempts=4, backoff_base=0.5, backoff_max=10, max_wait=100)
    with client(graph, retry=policy, sleep=slept.append) as c:
        c.dataset_quality("1")
    assert slept == [0.5, 1.0, 2.0]


def test_rate_limit_wait_from_headers_is_honoured_but_capped(graph: GraphServer) -> None:
    headers = {
        "X-Business-Use-Case-Usage": json.dumps(
            {
                "66782684": [
                    {
                        "type": "ads_management",
                        "call_count": 100,
                        "total_cputime": 20,
                        "total_time": 20,
                        "estimated_time_to_regain_access": 1,
                        "ads_api_access_tier": "development_access",
                    }
                ]
            }
        ),
        "X-App-Usage": json.dumps({"call_count": 28, "total_time": 25, "total_cputime": 25}),
    }
    graph.reply(400, graph_error(80004), headers=headers)
    graph.reply(200, load("web_all_fields.json"))
    policy = RetryPolicy(attempts=3, backoff_base=0.001, max_wait=0.6)
    clock = FakeClock()
    with client(graph, retry=policy, sleep=clock.sleep, clock=clock) as c:
        response = c.dataset_quality("1")
    # Meta asks for 60 s; the cap allows 0.6 s: waited the cap, not the backoff.
    assert clock.slept == [0.6]
    assert response.attempts == 2
    assert response.waited == 0.6


def test_header_wait_reads_buc_minutes_retry_after_and_saturated_app_usage() -> None:
    buc = {"1": [{"estimated_time_to_regain_access": 2}], "2": [{"call_count": 5}]}
    assert header_wait({"x-business-use-case-usage": json.dumps(buc)}) == 120.0
    assert header_wait({"retry-after": "7"}) == 7.0
    assert header_wait({"x-app-usage": json.dumps({"call_count": 100})}, 30.0) == 30.0
    assert header_wait({"x-app-usage": "not json", "retry-after": "soon"}) == 0.0


def test_total_wait_never_exceeds_the_cap_then_the_error_says_so(graph: GraphServer) -> None:
    headers = {"Retry-After": "600"}
    for _ in range(5):
        graph.reply(400, graph_error(17), headers=headers)
    slept: list[float] = []
    policy = RetryPolicy(attempts=5, backoff_base=0.001, max_wait=2.0)
    with client(graph, retry=policy, sleep=slept.append) as c, pytest.raises(GraphError) as caught:
        c.dataset_quality("1")
    assert sum(slept) <= 2.0 + 1e-9
    assert slept == [2.0]  # the whole budget at once, then nothing left
    assert caught.value.kind == "rate-limit" and caught.value.attempts == 2
    assert "gave up" in str(caught.value)


def test_attempts_are_bounded(graph: GraphServer) -> None:
    for _ in range(10):
        graph.reply(400, graph_error(613))
    with client(graph, sleep=lambda _s: None) as c, pytest.raises(GraphError) as caught:
        c.dataset_quality("1")
    assert caught.value.attempts == FAST.attempts == len(graph.requests)


def test_timeout_is_retried_then_reported(graph: GraphServer) -> None:
    graph.reply(200, {}, delay=1.5).reply(200, {}, delay=1.5)
    policy = RetryPolicy(attempts=2, backoff_base=0.001, max_wait=1.0)
    slept: list[float] = []
    with (
        client(graph, retry=policy, timeout=0.2, sleep=slept.append) as c,
        pytest.raises(GraphError) as caught,
    ):
        c.dataset_quality("1")
    # Each answer comes 1.5 s late: only the 0.2 s timeout makes this a timeout error.
    assert caught.value.kind == "timeout" and caught.value.attempts == 2
    assert slept == [0.001]  # one backoff between the two attempts
    no_secret(str(caught.value))


def test_a_timeout_then_success(graph: GraphServer) -> None:
    graph.reply(200, {}, delay=1.0).reply(200, load("web_all_fields.json"))
    with client(graph, timeout=0.2) as c:
        assert c.dataset_quality("1").attempts == 2


@pytest.mark.parametrize(
    "raw",
    [b"<html>not json</html>", b"", b"[1, 2]", b'{"web": [', b"\xff\xfe"],
    ids=["html", "empty", "array", "truncated", "not-utf8"],
)
def test_malformed_success_body_is_a_clear_error_not_retried(
    graph: GraphServer, raw: bytes
) -> None:
    graph.reply(200, raw=raw)
    with client(graph) as c, pytest.raises(GraphError) as caught:
        c.dataset_quality("1")
    assert caught.value.kind == "malformed" and caught.value.attempts == 1


def test_a_body_of_the_wrong_shape_is_reported_by_fetch_report(graph: GraphServer) -> None:
    graph.reply(200, {"web": "nope"})
    with pytest.raises(GraphError) as caught:
        fetch_report(dataset_id="1", token=TOKEN, graph_url=graph.url, retry=FAST)
    assert caught.value.kind == "malformed"
    assert "`web`" in str(caught.value)


def test_connection_refused_is_a_network_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    policy = RetryPolicy(attempts=1, connect_retries=0)
    url = f"http://127.0.0.1:{port}"
    with (
        QualityClient(TOKEN, graph_url=url, retry=policy) as c,
        pytest.raises(GraphError) as caught,
    ):
        c.dataset_quality("1")
    assert caught.value.kind == "network"
    no_secret(str(caught.value))


# -------------------------------------------------------------------- inputs


@pytest.mark.parametrize(
    "kwargs",
    [
        {"api_version": "25"},
        {"graph_url": "ftp://graph.facebook.com"},
        {"graph_url": "https://user:pw@graph.facebook.com"},
    ],
)
def test_bad_client_settings_are_value_errors(kwargs: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        QualityClient(TOKEN, **kwargs)


@pytest.mark.parametrize("token", ["", "   ", "EAA abc", "EAA\nabc", "EAAé"])
def test_unusable_tokens_are_refused_without_echo(token: str) -> None:
    with pytest.raises(ValueError) as caught:
        QualityClient(token)
    assert token.strip() == "" or token not in str(caught.value)


def test_ids_must_be_digits(graph: GraphServer) -> None:
    with client(graph) as c:
        with pytest.raises(ValueError):
            c.dataset_quality("../me")
        with pytest.raises(ValueError):
            c.setup_quality("1/events")
    assert graph.requests == []


def test_appsecret_proof_is_hmac_sha256_hex() -> None:
    assert (
        appsecret_proof("secret", "token")
        == hmac.new(b"secret", b"token", hashlib.sha256).hexdigest()
    )


# ------------------------------------------------------------------- logging


def test_log_records_never_hold_the_token(graph: GraphServer, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    graph.reply(400, graph_error(4)).reply(200, load("web_all_fields.json"))
    graph.reply(400, graph_error(190))
    with client(graph, token_in_query=True, app_secret=APP_SECRET) as c:
        c.dataset_quality("1")
        with pytest.raises(GraphError):
            c.dataset_quality("1")
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "HTTP Request" in text  # httpx did log the request URL ...
    assert "access_token=(redacted)" in text  # ... without the token
    no_secret(text)


def test_parse_errors_never_repeat_the_body() -> None:
    with pytest.raises(QualityParseError) as caught:
        parse_report(f'{{"web": "{TOKEN}"'.encode())
    no_secret(str(caught.value))


def test_check_never_imports_httpx(tmp_path: Any) -> None:
    code = (
        "import sys\n"
        "from capi_lint.cli import main\n"
        "main(['check', sys.argv[1], '--quiet'])\n"
        "print('httpx' in sys.modules, 'capi_lint.quality' in sys.modules)\n"
    )
    path = tmp_path / "e.json"
    path.write_text('{"event_name": "Lead"}')
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False
    )
    assert done.stdout.strip().splitlines()[-1] == "False False", done.stderr
