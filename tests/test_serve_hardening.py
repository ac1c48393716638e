"""`capi-lint serve` hardening (issue 15): every defect found by the adversarial
run, reproduced against a real server on 127.0.0.1.

Privacy: nothing personal in recorded keys, paths, pixel ids, query names,
error messages or log lines (defects 1-5). Robustness: deep nesting answers a
clear 400 (6), the record is a ring (8), a slow client is cut off (9), a large
body gets a 413. Edges: a browser's mixed-case multipart boundary (13) and
``Authorization: OAuth`` (14).
"""

from __future__ import annotations

import io
import json
import select
import socket
import urllib.parse
from typing import Any

import pytest
from helpers import NOW, body, website_event
from test_serve import TOKEN, http, post_json

from capi_lint.serve import LintServer

EMAIL = "ngozi.okonkwo@posteo.de"
PHONE = "+44 20 7946 0958"
PHONE_DIGITS = "6505926323"
NAME = "Siobhán Nakamura"


def listed(server: LintServer) -> str:
    status, answer = http("GET", server.base_url + "/_capi_lint/requests")
    assert status == 200
    return json.dumps(answer, ensure_ascii=False)


def leaked(text: str, *secrets: str) -> list[str]:
    return [s for s in secrets if s in text or urllib.parse.quote(s) in text]


@pytest.fixture()
def server() -> Any:
    with LintServer({"now": NOW}) as running:
        yield running


@pytest.fixture()
def logged() -> Any:
    log = io.StringIO()
    with LintServer({"now": NOW}, log=log) as running:
        yield running, log


# --------------------------------------------------------------------------- 1. keys


def test_personal_data_used_as_keys_is_not_recorded(logged: Any) -> None:
    server, log = logged
    event = website_event()
    event["custom_data"][EMAIL] = "x"
    event["custom_data"]["contents"][0][PHONE] = 1
    event["user_data"][TOKEN] = {EMAIL: [{PHONE: NAME}]}
    event[NAME] = {"deeper": {EMAIL: {TOKEN: 1}}}
    request = {**body(event), EMAIL: 1}
    status, answer = post_json(server, request)
    assert status in (200, 400)
    shown = listed(server) + json.dumps(answer, ensure_ascii=False) + log.getvalue()
    assert not leaked(shown, EMAIL, PHONE, TOKEN, NAME)
    recorded = server.requests[-1]["body"]["data"][0]
    assert recorded["event_name"] == "Purchase"  # the rest stays readable
    assert recorded["custom_data"]["currency"] == "USD"


def test_keys_inside_a_json_encoded_data_string_are_not_recorded(server: LintServer) -> None:
    # Found by the fuzz property: a JSON body whose `data` is a JSON string was
    # recorded as that string, names and all.
    event = website_event()
    event["Wojciech"] = 1
    event["custom_data"]["Okonkwo"] = NAME
    post_json(server, {"data": json.dumps([event])})
    assert not leaked(listed(server), "Wojciech", "Okonkwo", NAME)
    assert server.requests[-1]["body"]["data"][0]["event_name"] == "Purchase"  # decoded


# --------------------------------------------------------------------------- 2. path, pixel, query


@pytest.mark.parametrize("pixel", [EMAIL, TOKEN, PHONE, NAME])
def test_path_pixel_id_and_query_names_are_masked_in_record_and_log(logged: Any, pixel) -> None:
    server, log = logged
    query = urllib.parse.urlencode({EMAIL: "1", "access_token": TOKEN, TOKEN: PHONE, "x": NAME})
    url = f"{server.base_url}/v24.0/{urllib.parse.quote(pixel)}/events?{query}"
    status, answer = http(
        "POST", url, json.dumps(body(website_event())).encode(), "application/json"
    )
    assert status == 400 and answer["error"]["error_subcode"] == 33  # no such object
    record = server.requests[-1]
    assert record["api_version"] == "v24.0"
    shown = listed(server) + json.dumps(answer, ensure_ascii=False) + log.getvalue()
    assert not leaked(shown, EMAIL, TOKEN, PHONE, NAME)
    assert "-> 400" in log.getvalue()


def test_a_numeric_pixel_id_stays_readable(server: LintServer) -> None:
    post_json(server, body(website_event()), pixel="1234567890123456")
    record = server.requests[-1]
    assert record["pixel_id"] == "1234567890123456"
    assert record["path"] == "/v24.0/1234567890123456/events"


# --------------------------------------------------------------------------- 3. unknown path


@pytest.mark.parametrize("method", ["GET", "POST", "PUT"])
def test_unknown_path_error_does_not_echo_the_path(logged: Any, method: str) -> None:
    server, log = logged
    path = f"/{urllib.parse.quote(EMAIL)}/{TOKEN}/{urllib.parse.quote(PHONE)}?{EMAIL}=1"
    data = b"{}" if method != "GET" else None
    status, answer = http(method, server.base_url + path, data, "application/json")
    assert status == 400 and answer["error"]["code"] == 2500
    assert answer["error"]["message"].startswith("Unknown path components: /")
    assert not leaked(json.dumps(answer) + log.getvalue(), EMAIL, TOKEN, PHONE)


# --------------------------------------------------------------------------- 4. PII, other fields


def test_a_phone_number_in_custom_data_value_is_not_in_the_400() -> None:
    # A digit string in `value` is a C004 warning: fail on warnings, so that the
    # finding is in the 400's message as well as in its findings.
    log = io.StringIO()
    with LintServer({"now": NOW, "fail-on": "warning"}, log=log) as server:
        _assert_phone_not_echoed(server, log)


def _assert_phone_not_echoed(server: LintServer, log: io.StringIO) -> None:
    event = website_event()
    event["custom_data"]["value"] = PHONE_DIGITS
    event["event_name"] = EMAIL  # an email where a name of an event belongs
    status, answer = post_json(server, body(event))
    assert status == 400
    codes = [f["code"] for f in answer["capi_lint"]["findings"]]
    assert "C004" in codes  # the finding is there, only the number is not
    shown = json.dumps(answer, ensure_ascii=False) + listed(server) + log.getvalue()
    assert not leaked(shown, PHONE_DIGITS, EMAIL)


# --------------------------------------------------------------------------- 5. extinfo


def test_names_in_app_data_extinfo_are_not_recorded(server: LintServer) -> None:
    from helpers import app_event

    event = app_event()
    extinfo = event["app_data"]["extinfo"]
    extinfo[5] = f"{NAME}'s iPhone"  # the device name a user gave their phone
    extinfo[8] = "Ngozi Okonkwo"
    post_json(server, body(event))
    shown = listed(server)
    assert not leaked(shown, NAME, "Ngozi Okonkwo", "Okonkwo")
    recorded = server.requests[-1]["body"]["data"][0]["app_data"]["extinfo"]
    assert recorded[0] == extinfo[0] and len(recorded) == len(extinfo)


# --------------------------------------------------------------------------- 6. deep nesting

DEEP = "[" * 100_000 + "]" * 100_000


def _deep_bodies() -> dict[str, tuple[bytes, str]]:
    as_form = urllib.parse.urlencode({"data": DEEP, "access_token": TOKEN}).encode()
    item = urllib.parse.urlencode({"data": json.dumps([DEEP]), "access_token": TOKEN}).encode()
    deep_object = '{"data": [' + '{"a":' * 100_000 + "1" + "}" * 100_000 + "]}"
    return {
        "json": (('{"data": [' + DEEP + "]}").encode(), "application/json"),
        "json-object": (deep_object.encode(), "application/json"),
        "form-data": (as_form, "application/x-www-form-urlencoded"),
        "string-item": (item, "application/x-www-form-urlencoded"),
    }


@pytest.mark.parametrize("shape", sorted(_deep_bodies()))
def test_deep_nesting_gets_a_clear_400(logged: Any, shape: str, capfd) -> None:
    server, log = logged
    raw, content_type = _deep_bodies()[shape]
    url = server.url("1") + f"?access_token={TOKEN}"
    status, answer = http("POST", url, raw, content_type)
    assert status == 400
    assert "nested" in json.dumps(answer), answer
    status, _ = post_json(server, body(website_event()))  # and the server still answers
    assert status == 200
    assert "Traceback" not in capfd.readouterr().err + log.getvalue()


def test_moderately_deep_objects_are_recorded_without_recursion(server: LintServer) -> None:
    # 900 levels: the stdlib parser accepts it, the record cuts it off.
    text = json.dumps(body(website_event()))
    deep = '{"k": ' * 900 + "1" + "}" * 900
    text = text.replace('"order_id": "10001"', f'"order_id": "10001", "deep": {deep}')
    status, _ = http(
        "POST", server.url("1") + f"?access_token={TOKEN}", text.encode(), "application/json"
    )
    assert status == 400  # S001: nested deeper than the linter reads
    assert server.requests[-1]["body"]["data"][0]["event_name"] == "Purchase"


# --------------------------------------------------------------------------- 8. ring


def test_the_record_keeps_only_the_last_n_requests() -> None:
    with LintServer({"now": NOW}, record_limit=3) as server:
        for i in range(5):
            post_json(server, body(website_event(event_id=f"r{i}")))
        records = server.requests
        assert [r["id"] for r in records] == [3, 4, 5]
        assert [r["body"]["data"][0]["event_id"] for r in records] == ["r2", "r3", "r4"]
        assert len(json.loads(listed(server))["requests"]) == 3
        _, cleared = http("DELETE", server.base_url + "/_capi_lint/requests")
        assert cleared == {"cleared": 3}


def test_record_limit_default_and_cli_option() -> None:
    from click.testing import CliRunner

    from capi_lint.cli import cli
    from capi_lint.serve import DEFAULT_RECORD_LIMIT

    assert DEFAULT_RECORD_LIMIT == 1000
    out = CliRunner().invoke(cli, ["serve", "--record-limit", "0"])
    assert out.exit_code == 2 and "--record-limit" in out.output
    out = CliRunner().invoke(cli, ["serve", "--help"])
    for option in ("--record-limit", "--request-timeout", "--max-body-size"):
        assert option in out.output


# --------------------------------------------------------------------------- 9. timeouts


def _connect(server: LintServer) -> socket.socket:
    sock = socket.create_connection((server.host, server.port), timeout=30)
    return sock


def _until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


@pytest.mark.parametrize(
    "sent",
    [
        b"",  # connects and says nothing
        b"POST /v24.0/1/events HTTP/1.1\r\nHost: x\r\n",  # headers never end
        b'POST /v24.0/1/events HTTP/1.1\r\nContent-Length: 1000\r\n\r\n{"data"',  # short body
    ],
)
def test_a_silent_or_slow_client_is_cut_off(sent: bytes) -> None:
    with LintServer({"now": NOW}, request_timeout=0.3) as server:
        with _connect(server) as sock:
            sock.sendall(sent)
            answer = _until_closed(sock)  # the socket timeout (30 s) would raise instead
        assert answer == b"" or answer.startswith(b"HTTP/1.0 408")
        assert post_json(server, body(website_event()))[0] == 200


def test_a_drip_feeding_client_is_cut_off_at_the_total_deadline() -> None:
    # One byte every 50 ms, each well inside a per-read timeout: the total still runs out.
    line = b"POST /v24.0/1/events HTTP/1.1\r\nX-Pad: " + b"a" * 400
    with LintServer({"now": NOW}, request_timeout=0.5) as server, _connect(server) as sock:
        for byte in line:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break  # the server closed the connection
            readable, _, _ = select.select([sock], [], [], 0.05)
            if readable:
                answer = _until_closed(sock)
                assert answer == b"" or answer.startswith(b"HTTP/1.0 408")
                break
        else:
            pytest.fail("the server read a drip-fed request for as long as the client liked")


# --------------------------------------------------------------------------- body size


def test_a_body_over_the_limit_gets_a_clear_413() -> None:
    with LintServer({"now": NOW}, max_body_size=1000) as server:
        raw = json.dumps(body(website_event(), website_event(event_id="b"))).encode()
        assert len(raw) > 1000
        status, answer = http(
            "POST", server.url("1") + f"?access_token={TOKEN}", raw, "application/json"
        )
        assert status == 413
        assert "1000 bytes" in answer["error"]["message"]
        assert "--max-body-size" in answer["error"]["message"]
        small = json.dumps({"data": []}).encode()
        status, _ = http(
            "POST", server.url("1") + f"?access_token={TOKEN}", small, "application/json"
        )
        assert status == 400  # a normal answer (an empty data array), not a 413


# --------------------------------------------------------------------------- 13. multipart boundary


def test_a_browser_multipart_boundary_keeps_its_case(server: LintServer) -> None:
    boundary = "----WebKitFormBoundaryAbCdEfGh12345678"
    parts = {"data": json.dumps([website_event()]), "access_token": TOKEN}
    raw = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in parts.items()
        )
        + f"--{boundary}--\r\n".encode()
    )
    status, answer = http("POST", server.url("1"), raw, f"multipart/form-data; boundary={boundary}")
    assert status == 200, answer
    assert answer["events_received"] == 1
    assert server.requests[-1]["content_type"] == "multipart/form-data"


# --------------------------------------------------------------------------- 14. OAuth header


@pytest.mark.parametrize("scheme", ["OAuth", "oauth", "Bearer"])
def test_authorization_oauth_is_accepted_like_bearer(server: LintServer, scheme: str) -> None:
    import urllib.request

    request = urllib.request.Request(
        server.url("1"),
        data=json.dumps(body(website_event())).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"{scheme} {TOKEN}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    assert TOKEN not in listed(server)


def test_an_unknown_authorization_scheme_is_not_a_token(server: LintServer) -> None:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        server.url("1"),
        data=json.dumps(body(website_event())).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Basic {TOKEN}"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert json.load(caught.value)["error"]["code"] == 104
