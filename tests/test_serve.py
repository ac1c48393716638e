"""`capi-lint serve`: a real HTTP server on 127.0.0.1, driven by Meta's own
facebook-business SDK, urllib (JSON, form, multipart) and the CLI; plus the
SDK objects accepted by capi_lint.check()."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from helpers import NOW, body, website_event

import capi_lint
from capi_lint import serve
from capi_lint.serve import LintServer, mask_payload

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "EAABsbCS1iHgBAOZAtestTOKEN1234567890"
RAW_EMAIL = "john.smith.private@example.com"


def readme_block(name: str) -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    match = re.search(rf"<!-- snippet: {re.escape(name)} -->\s*```[\w-]*\n(.*?)```", text, re.S)
    assert match, f"README has no snippet {name!r}"
    return match.group(1)


def http(
    method: str, url: str, data: bytes | None = None, content_type: str | None = None
) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": content_type} if content_type else {}
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def post_json(server: LintServer, payload: Any, token: str | None = TOKEN, pixel: str = "123"):
    url = server.url(pixel) + (f"?access_token={token}" if token else "")
    return http("POST", url, json.dumps(payload).encode(), "application/json")


@pytest.fixture()
def server():
    with LintServer({"now": NOW}) as running:
        yield running


def sdk_event(event_time: int, email: str = RAW_EMAIL):
    from facebook_business.adobjects.serverside.action_source import ActionSource
    from facebook_business.adobjects.serverside.custom_data import CustomData
    from facebook_business.adobjects.serverside.event import Event
    from facebook_business.adobjects.serverside.user_data import UserData

    user = website_event()["user_data"]
    return Event(
        event_name="Purchase",
        event_time=event_time,
        event_id="order-10001",
        event_source_url="https://shop.example.com/checkout/thank-you?email=" + email,
        action_source=ActionSource.WEBSITE,
        user_data=UserData(
            email=email,
            phone="+1 (650) 555-1212",
            client_ip_address=user["client_ip_address"],
            client_user_agent=user["client_user_agent"],
            fbp=user["fbp"],
        ),
        custom_data=CustomData(currency="USD", value=129.99, order_id="10001"),
    )


# --------------------------------------------------------------------------- real SDK


@pytest.mark.capi_lint(now=NOW)
def test_real_sdk_event_request_is_linted_and_answered_like_graph(capi_lint_server) -> None:
    from facebook_business.adobjects.serverside.event_request import EventRequest
    from facebook_business.api import FacebookAdsApi
    from facebook_business.exceptions import FacebookRequestError

    before = FacebookAdsApi.get_default_api()
    capi_lint_server.facebook_api(access_token=TOKEN)

    ok = EventRequest(events=[sdk_event(NOW - 120)], pixel_id="1234567890", test_event_code="T1")
    response = ok.execute()
    assert response.events_received == 1
    assert re.fullmatch(r"A[\w-]{22}", response.fbtrace_id)
    assert response.messages == []

    bad = EventRequest(events=[sdk_event(NOW * 1000), sdk_event(NOW - 60)], pixel_id="1234567890")
    with pytest.raises(FacebookRequestError) as caught:
        bad.execute()
    error = caught.value
    assert error.http_status() == 400
    assert error.api_error_code() == 100
    assert error.api_error_type() == "OAuthException"
    assert "E005" in error.api_error_message()
    assert error.body()["error"]["error_user_title"] == "capi-lint E005 event-time-milliseconds"
    e005 = [f for f in error.body()["capi_lint"]["findings"] if f["code"] == "E005"]
    assert [f["pointer"] for f in e005] == ["/data/0/event_time"]

    received = capi_lint_server.requests
    assert [r["status"] for r in received] == [200, 400]
    first = received[0]
    assert first["content_type"] == "application/x-www-form-urlencoded"
    assert re.fullmatch(r"v\d+\.\d+", first["api_version"]) and first["pixel_id"] == "1234567890"
    assert first["params"]["access_token"] == "(redacted)"
    assert first["params"]["test_event_code"] == "T1"
    event = first["body"]["data"][0]
    assert event["event_name"] == "Purchase" and event["event_time"] == NOW - 120
    assert event["custom_data"] == {"value": 129.99, "currency": "usd", "order_id": "10001"}
    assert event["event_source_url"] == "https://shop.example.com/checkout/thank-you?…"
    assert event["user_data"]["em"][0].endswith("…") and len(event["user_data"]["em"][0]) == 9
    dumped = json.dumps(received) + repr(capi_lint_server.findings)
    for secret in (TOKEN, RAW_EMAIL, "john.smith", "6505551212", "face:b00c", "iPhone OS"):
        assert secret not in dumped
    assert [f.code for f in capi_lint_server.findings if f.severity.value == "error"] == ["E005"]
    capi_lint_server.close()
    assert FacebookAdsApi.get_default_api() is before  # facebook_api() restored it


# --------------------------------------------------------------------------- bodies


def test_json_body_gets_positions_and_duplicate_keys(server: LintServer) -> None:
    text = json.dumps(body(website_event(event_time=NOW * 1000)), indent=2)
    text = text.replace('"currency": "USD"', '"currency": "USD", "currency": "EUR"')
    status, answer = http(
        "POST", server.url("1") + f"?access_token={TOKEN}", text.encode(), "application/json"
    )
    assert status == 400
    findings = {f["code"]: f for f in answer["capi_lint"]["findings"]}
    assert findings["E005"]["line"] == 5 and findings["E005"]["column"] > 1
    assert "S002" in findings
    assert answer["error"]["message"].startswith("(#100) capi-lint: ")


def test_clean_json_body(server: LintServer) -> None:
    status, answer = post_json(server, body(website_event(), website_event(event_id="x2")))
    assert status == 200
    assert answer["events_received"] == 2 and answer["messages"] == []
    assert answer["capi_lint"]["summary"]["errors"] == 0


def test_form_body_with_data_string_as_curl_f_or_the_sdk(server: LintServer) -> None:
    events = [website_event()]
    form = urllib.parse.urlencode(
        {"data": json.dumps(events), "access_token": TOKEN, "partner_agent": "shop_1_0"}
    ).encode()
    status, answer = http("POST", server.url("1"), form, "application/x-www-form-urlencoded")
    assert status == 200 and answer["events_received"] == 1
    stored = server.requests[-1]
    assert stored["params"] == {"access_token": "(redacted)", "partner_agent": "shop_1_0"}
    assert "S006" not in [f["code"] for f in stored["findings"]]  # form-encoding is the norm


def test_multipart_body_as_meta_docs_curl_examples(server: LintServer) -> None:
    boundary = uuid.uuid4().hex
    parts = {"data": json.dumps([website_event(event_time=NOW * 1000)]), "access_token": TOKEN}
    raw = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in parts.items()
        )
        + f"--{boundary}--\r\n".encode()
    )
    status, answer = http("POST", server.url("1"), raw, f"multipart/form-data; boundary={boundary}")
    assert status == 400
    assert [f["code"] for f in answer["capi_lint"]["findings"] if f["severity"] == "error"] == [
        "E005"
    ]


def test_bearer_token_and_missing_token(server: LintServer) -> None:
    data = json.dumps(body(website_event())).encode()
    request = urllib.request.Request(
        server.url("1"),
        data=data,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    status, answer = post_json(server, body(website_event()), token=None)
    assert status == 400
    assert answer["error"]["code"] == 104 and answer["error"]["type"] == "OAuthException"


def test_access_token_in_a_json_body_is_transport_not_a_finding(server: LintServer) -> None:
    status, answer = post_json(server, {**body(website_event()), "access_token": TOKEN}, None)
    assert status == 200, answer
    assert server.requests[-1]["params"]["access_token"] == "(redacted)"
    assert TOKEN not in json.dumps(server.requests)


def test_graph_shaped_errors_for_bad_paths_and_ids(server: LintServer) -> None:
    status, answer = post_json(server, body(website_event()), pixel="not-a-pixel")
    assert status == 400
    assert answer["error"]["type"] == "GraphMethodException"
    assert answer["error"]["error_subcode"] == 33
    status, answer = http("GET", server.base_url + "/v24.0/123/events")
    assert status == 400 and answer["error"]["code"] == 2500
    status, answer = http("POST", server.base_url + "/nope", b"{}", "application/json")
    assert answer["error"]["message"] == "Unknown path components: /nope"


def test_invalid_json_body(server: LintServer) -> None:
    status, answer = http(
        "POST", server.url("1") + f"?access_token={TOKEN}", b'{"data": [', "application/json"
    )
    assert status == 400
    assert answer["capi_lint"]["findings"][0]["code"] == "S001"
    assert server.requests[-1]["body"] == "(10 bytes that are not JSON)"


def test_documented_subcode(server: LintServer) -> None:
    event = website_event()
    event["user_data"]["fbc"] = "fb.1.1763799000000"  # no fbclid: Graph's 2804001
    status, answer = post_json(server, body(event))
    codes = [f["code"] for f in answer["capi_lint"]["findings"] if f["severity"] == "error"]
    if codes[:1] != ["U009"]:
        pytest.skip(f"U009 is not the first error here: {codes}")
    assert status == 400 and answer["error"]["error_subcode"] == 2804001


def test_requests_endpoint_lists_masked_and_delete_clears(server: LintServer) -> None:
    event = website_event()
    event["user_data"]["em"] = RAW_EMAIL
    post_json(server, body(event))
    status, listed = http("GET", server.base_url + "/_capi_lint/requests")
    assert status == 200 and len(listed["requests"]) == 1
    assert listed["requests"][0]["body"]["data"][0]["user_data"]["em"] == "j***@e***.com"
    assert RAW_EMAIL not in json.dumps(listed) and TOKEN not in json.dumps(listed)
    status, cleared = http("DELETE", server.base_url + "/_capi_lint/requests")
    assert (status, cleared) == (200, {"cleared": 1})
    assert server.requests == [] and server.findings == []


def test_fail_on_warning_turns_warnings_into_400() -> None:
    with LintServer({"now": NOW, "fail-on": "warning"}) as strict:
        status, answer = post_json(strict, body(website_event(event_name="purchase")))
    assert status == 400 and "E002" in answer["error"]["message"]


def test_concurrent_requests(server: LintServer) -> None:
    statuses: list[int] = []

    def send(i: int) -> None:
        statuses.append(post_json(server, body(website_event(event_id=f"c{i}")))[0])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 12
    assert sorted(r["id"] for r in server.requests) == list(range(1, 13))


def test_masking_rules() -> None:
    masked = mask_payload(
        {
            "access_token": TOKEN,
            "data": [
                {
                    "event_name": "Lead",
                    "event_time": NOW,
                    "em": RAW_EMAIL,  # misplaced user_data key
                    "custom_data": {"note": "call +1 650 555 1212", "order_id": "A-1"},
                    "referrer_url": "https://x.example/?e=" + RAW_EMAIL,
                }
            ],
        }
    )
    assert masked["access_token"] == "(redacted)"
    event = masked["data"][0]
    assert event["event_name"] == "Lead" and event["event_time"] == NOW
    assert event["em"] == "j***@e***.com"
    assert event["custom_data"]["order_id"] == "A-1"
    assert "1212" not in event["custom_data"]["note"]
    assert event["referrer_url"] == "https://x.example/?…"


def test_server_never_connects_anywhere() -> None:
    source = Path(serve.__file__).read_text("utf-8")
    for client in ("urlopen", "http.client", "import requests", "create_connection", "aiohttp"):
        assert client not in source


# --------------------------------------------------------------------------- CLI


def test_cli_serve_with_the_readme_curl_snippet(tmp_path: Path) -> None:
    lines = [ln for ln in readme_block("serve-curl").splitlines() if ln.strip()]
    start = shlex.split(lines[0].rstrip("&"))
    assert start[:2] == ["capi-lint", "serve"]
    port_at = start.index("--port") + 1
    start[port_at] = "0"  # any free port: the test must not collide with anything
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "capi_lint", *start[1:]],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        banner = proc.stderr.readline()
        match = re.search(r"listening on (http://127\.0\.0\.1:(\d+))", banner)
        assert match, banner
        port = match.group(2)
        commands = "\n".join(lines[1:]).replace("\\\n", " ")
        outputs = []
        for command in commands.splitlines():
            command = command.replace(":8787", f":{port}")
            done = subprocess.run(
                ["bash", "-c", command], capture_output=True, text=True, timeout=30
            )
            assert done.returncode == 0, done.stderr
            outputs.append(json.loads(done.stdout))
        posted, listed, cleared = outputs
        assert posted["error"]["code"] == 100
        assert "E005" in [f["code"] for f in posted["capi_lint"]["findings"]]
        assert listed["requests"][0]["params"]["access_token"] == "(redacted)"
        assert listed["requests"][0]["content_type"] == "multipart/form-data"
        assert cleared == {"cleared": 1}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    log = proc.stderr.read()
    assert "TEST_TOKEN" not in banner + log
    assert "-> 400" in log


def test_cli_serve_usage_errors() -> None:
    from click.testing import CliRunner

    from capi_lint.cli import cli

    out = CliRunner().invoke(cli, ["serve", "--select", "Q9"])
    assert out.exit_code == 2 and "unknown rule code" in out.output
    with LintServer() as busy:
        out = CliRunner().invoke(cli, ["serve", "--port", str(busy.port)])
    assert out.exit_code == 2 and "cannot listen on" in out.output


# --------------------------------------------------------------------------- README: SDK in pytest


def test_readme_sdk_snippet_runs_in_pytest(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sdk=readme_block("serve-sdk"))
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=2)


# --------------------------------------------------------------------------- SDK objects


def test_check_accepts_sdk_event_and_event_request() -> None:
    from facebook_business.adobjects.serverside.event_request import EventRequest

    request = EventRequest(
        events=[sdk_event(NOW * 1000), sdk_event(NOW - 60)],
        pixel_id="1234567890",
        test_event_code="T1",
    )
    by_request = capi_lint.check(request, now=NOW)
    assert [f.pointer for f in by_request if f.code == "E005"] == ["/data/0/event_time"]
    by_event = capi_lint.check(sdk_event(NOW * 1000), now=NOW)
    assert [f.pointer for f in by_event if f.code == "E005"] == ["/event_time"]
    by_list = capi_lint.check([sdk_event(NOW - 60), sdk_event(NOW * 1000)], now=NOW)
    assert [f.pointer for f in by_list if f.code == "E005"] == ["/1/event_time"]
    # The SDK hashed the email itself: nothing says it is raw.
    assert not [f for f in by_request if f.code.startswith("H") and f.severity.value == "error"]


def test_assert_valid_on_sdk_objects_lists_findings_masked() -> None:
    with pytest.raises(capi_lint.PayloadError) as caught:
        capi_lint.assert_valid(sdk_event(NOW * 1000), now=NOW)
    text = str(caught.value)
    assert "E005 [error]" in text and RAW_EMAIL not in text
    assert capi_lint.assert_valid(sdk_event(NOW - 60), now=NOW) is not None


def test_other_objects_get_a_clear_type_error() -> None:
    class NotAPayload:
        pass

    with pytest.raises(
        TypeError, match=r"facebook_business Event / EventRequest .*capi-lint\[sdk\]"
    ):
        capi_lint.check(NotAPayload())


def test_facebook_api_without_the_sdk_says_how_to_install(monkeypatch, server) -> None:
    monkeypatch.setitem(sys.modules, "facebook_business.api", None)
    with pytest.raises(ImportError, match=r"pip install 'capi-lint\[sdk\]'"):
        server.facebook_api()


def test_readme_sdk_objects_snippet() -> None:
    exec(compile(readme_block("sdk-objects"), "README.md", "exec"), {})
