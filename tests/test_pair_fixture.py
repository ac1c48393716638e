"""The ``capi_lint_pair`` pytest fixture, exercised with pytester: the page's Pixel
events (a HAR path or recorded fbq calls) against what the server sent to a real
``capi_lint_server`` on 127.0.0.1, and the README's snippet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import NOW, sha

# Imported here, not first inside an in-process pytester run: pytester drops the
# modules a run imported, and a second run would mix two copies of their classes.
import capi_lint.pair.testing
import capi_lint.serve  # noqa: F401

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
HAR = ROOT / "tests" / "fixtures" / "pair" / "checkout.har"
SERVER_EVENTS = ROOT / "tests" / "fixtures" / "pair" / "server_events.json"
FBP = "fb.1.1763790000000.1111111111"
OTHER_FBP = "fb.1.1763790000000.9876543210"

# Posts a body to the test's capi_lint_server as a server would.
POST = """
import json, urllib.request, urllib.error

def post(server, payload, pixel="1234567890123456"):
    request = urllib.request.Request(
        server.url(pixel) + "?access_token=EAAtest1234567890",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code

def event(name, event_id=None, fbp=None, external_id=None, time=NOW):
    user = {"client_ip_address": "203.0.113.7", "client_user_agent": "Mozilla/5.0"}
    if fbp:
        user["fbp"] = fbp
    if external_id:
        user["external_id"] = [external_id]
    out = {"event_name": name, "event_time": time, "action_source": "website",
           "event_source_url": "https://shop.example/checkout", "user_data": user,
           "custom_data": {"value": 42.5, "currency": "EUR"}}
    if event_id:
        out["event_id"] = event_id
    return out
""".replace("NOW", str(NOW))


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:cacheprovider", "-p", "no:hypothesispytest", *args)


def test_recorded_calls_pair_with_what_the_server_sent(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        helpers_post=POST,
        test_pairs=f"""
        import pytest
        from helpers_post import post, event

        CALLS = [
            {{"pixel_id": "1234567890123456", "event_name": "Purchase", "event_id": "order-1",
              "fbp": "{FBP}", "time": {NOW}}},
            # No eventID: pairs through fbp and external_id (raw here, hashed by the server).
            {{"pixel_id": "1234567890123456", "event_name": "InitiateCheckout",
              "fbp": "{FBP}", "external_id": " User-42", "time": {NOW - 60}}},
        ]

        @pytest.mark.capi_lint(now={NOW})
        def test_pairs(capi_lint_server, capi_lint_pair):
            assert post(capi_lint_server, {{"data": [
                event("Purchase", "order-1", fbp="{FBP}"),
                event("InitiateCheckout", fbp="{FBP}", external_id="{sha("user-42")}",
                      time={NOW - 59}),
            ]}}) == 200
            run = capi_lint_pair.assert_pairs(browser=CALLS, min_coverage=100)
            rows = {{r.event_name: (r.pixel_id, r.deduplicated_by_event_id,
                                    r.deduplicated_by_external_id_fbp) for r in run.rows}}
            assert rows == {{
                "InitiateCheckout": ("1234567890123456", 0, 1),
                "Purchase": ("1234567890123456", 1, 0),
            }}
            # The server's record masks fbp; the pairing compared the real values.
            assert "{FBP}" not in str(capi_lint_server.requests)
        """,
    )
    run(pytester).assert_outcomes(passed=1)


def test_failure_lists_the_p_findings_masked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        helpers_post=POST,
        test_fails=f"""
        import pytest
        from helpers_post import post, event

        CALLS = [
            {{"pixel_id": "1234567890123456", "event_name": "Purchase", "event_id": "order-1",
              "fbp": "{FBP}", "time": {NOW}}},
            {{"pixel_id": "1234567890123456", "event_name": "AddToCart", "event_id": "atc-1",
              "fbp": "{FBP}", "time": {NOW - 30}}},
        ]

        @pytest.mark.capi_lint(now={NOW}, fail_on="warning")
        def test_fails(capi_lint_server, capi_lint_pair):
            post(capi_lint_server, {{"data": [
                event("purchase", "order-1", fbp="{FBP}"),
                event("AddToCart", "atc-1", fbp="{OTHER_FBP}", time={NOW - 29}),
            ]}})
            capi_lint_pair.assert_pairs(browser=CALLS)
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert re.search(r"P003 \[error\] event ID `order-1` is sent as `Purchase`", out)
    assert "differ only in case" in out
    assert re.search(r"P004 \[warning\] `AddToCart` with event ID `atc-1`", out)
    assert "2 pairing finding(s) at or above warning" in out
    assert "PairError" in out
    # The failure message (not pytest's listing of the test's source) masks the fbp values.
    message = out[out.index("PairError: ") : out.index("at or above warning")]
    assert "P004" in message
    assert FBP not in message and OTHER_FBP not in message


def test_har_path_and_coverage_shortfall(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        helpers_post=POST,
        test_har=f"""
        import json
        import pytest
        from capi_lint.pair.testing import PairError
        from helpers_post import post

        @pytest.mark.capi_lint(now={NOW})
        def test_har(capi_lint_server, capi_lint_pair):
            with open({str(SERVER_EVENTS)!r}, encoding="utf-8") as f:
                post(capi_lint_server, json.load(f))
            with pytest.raises(PairError) as failed:
                capi_lint_pair.assert_pairs(browser={str(HAR)!r})
            # The errors among the P findings `capi-lint pair` gives for these files.
            assert [(f.code, f.extra["browser"]["har_entry"]) for f in failed.value.findings] == [
                ("P003", 4), ("P006", 9), ("P005", 10)]
            assert failed.value.shortfalls == []

            # Warnings pass at fail_on=error; coverage of the chosen names is the gate.
            with pytest.raises(PairError) as short:
                capi_lint_pair.assert_pairs(
                    browser={str(HAR)!r}, select=["P001"], min_coverage=75,
                    event_names=["AddToCart", "InitiateCheckout", "Subscribe"])
            assert short.value.findings == []
            assert short.value.shortfalls == [
                "the Pixel sent no `Subscribe` event",
                "predicted event coverage of `AddToCart` is 50% (below 75%): 1 of 2 Pixel "
                "event(s) have a server twin",
            ]
            run = capi_lint_pair.assert_pairs(
                browser={str(HAR)!r}, select=["P001"], min_coverage=100,
                event_names=["InitiateCheckout"])
            assert run.browser_events == 9 and run.server_events == 6
        """,
    )
    run(pytester).assert_outcomes(passed=1)


def test_server_side_may_be_given(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_given=f"""
        import pytest

        CALLS = [{{"pixel_id": "1234567890123456", "event_name": "Lead", "event_id": "l-1",
                   "time": {NOW}}}]

        def test_given(capi_lint_pair):
            body = {{"data": [{{"event_name": "Lead", "event_id": "l-1",
                                "event_time": {NOW}, "action_source": "website"}}]}}
            run = capi_lint_pair.assert_pairs(browser=CALLS, server=[body], min_coverage=100)
            assert [r.deduplicated_by_event_id for r in run.rows] == [1]
            run = capi_lint_pair.assert_pairs(browser=CALLS, server={str(SERVER_EVENTS)!r},
                                              select=["P003"])
            assert [r.event_name for r in run.rows if r.event_name == "Lead"] == ["Lead"]
        """,
    )
    run(pytester).assert_outcomes(passed=1)


def readme_block(name: str) -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    match = re.search(rf"<!-- snippet: {re.escape(name)} -->\s*```[\w-]*\n(.*?)```", text, re.S)
    assert match, f"README has no snippet {name!r}"
    return match.group(1)


def test_readme_pair_fixture_snippet(pytester: pytest.Pytester) -> None:
    """The README's test, with its Playwright flow replaced by what that flow would
    produce: the HAR of checkout.har and the shop server's events posted to the
    capi_lint_server URL it was given."""
    pytester.makepyfile(
        helpers_post=POST,
        checkout_flow=f"""
        import json, shutil
        from helpers_post import post

        class Server:  # the URL the shop server was configured with
            def __init__(self, base_url):
                self.base_url = base_url
            def url(self, pixel):
                return f"{{self.base_url}}/v24.0/{{pixel}}/events"

        def record_checkout(graph_url, har):
            shutil.copy({str(HAR)!r}, har)
            with open({str(SERVER_EVENTS)!r}, encoding="utf-8") as f:
                post(Server(graph_url), json.load(f))
        """,
        test_readme=readme_block("pytest-pair"),
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "P003 [error]" in out and "3 pairing finding(s) at or above error" in out
