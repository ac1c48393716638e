"""`capi-lint pair`: Pixel requests (HAR, recorded fbq calls) against server payloads.

The HAR in tests/fixtures/pair/checkout.har is built from the Pixel's documented
request format: GET https://www.facebook.com/tr/?id=…&ev=…&eid=…&fbp=…&ts=…
(entries 1, 2, 5-10), a POST with an urlencoded form body (entry 3, HAR
``postData.params``) and a POST with a multipart body (entry 4, ``postData.text``
only, what ``sendBeacon(FormData)`` records). Entry 0 is the page itself,
entry 8 an automatic ``microdata`` event.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from capi_lint.cli import cli
from capi_lint.config import build_settings
from capi_lint.pair import run_pair
from capi_lint.pair.browser import read_browser
from capi_lint.pair.match import canonical_external_ids, name_difference, pair_events
from tests.helpers import sha

HERE = Path(__file__).parent / "fixtures" / "pair"
HAR = str(HERE / "checkout.har")
SERVER = str(HERE / "server_events.json")
CALLS = str(HERE / "fbq_calls.jsonl")
PIXEL = "1234567890123456"


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["pair", *args])


def _json(*args: str) -> dict[str, Any]:
    result = _run("--browser", HAR, "--server", SERVER, "--format", "json", *args)
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)


def test_har_reader_reads_get_and_both_post_forms() -> None:
    read = read_browser(HAR)
    got = [(e.index, e.event_name, e.event_id) for e in read.events]
    assert got == [
        (1, "PageView", "pv-1"),
        (2, "ViewContent", "vc-1"),
        (3, "AddToCart", "atc-1"),  # POST, urlencoded params
        (4, "Purchase", "order-1001"),  # POST, multipart text
        (5, "InitiateCheckout", None),
        (6, "AddToCart", None),
        (7, "Lead", "lead-1"),
        (9, "ViewContent", "vc-1"),
        (10, "Search", "s-1"),
    ]
    assert read.automatic == 1  # ev=microdata
    purchase = read.events[3]
    assert purchase.pixel_id == PIXEL
    assert purchase.fbp == "fb.1.1763790000000.1111111111"
    assert purchase.time == 1_763_800_000 - 200  # ts is in milliseconds
    assert read.events[2].external_id == (sha("user-42"),)
    assert (purchase.line, purchase.column) == (371, 7)


def test_json_counts_per_event_name() -> None:
    doc = _json()
    rows = {
        r["event_name"]: (
            r["pixel_id"],
            r["browser_events"],
            r["server_events"],
            r["deduplicated_by_event_id"],
            r["deduplicated_by_external_id_fbp"],
            r["predicted_event_coverage"],
        )
        for r in doc["event_names"]
    }
    assert rows == {
        "AddToCart": (PIXEL, 2, 1, 1, 0, 50.0),
        "InitiateCheckout": (PIXEL, 1, 1, 0, 1, 100.0),
        "Lead": (PIXEL, 1, 1, 0, 0, 0.0),
        "PageView": (PIXEL, 1, 0, 0, 0, 0.0),
        "Purchase": (PIXEL, 1, 0, 0, 0, 0.0),
        "Search": (PIXEL, 1, 1, 0, 0, 0.0),
        "ViewContent": (PIXEL, 2, 1, 1, 0, 50.0),
        "purchase": (PIXEL, 0, 1, 0, 0, None),
    }
    assert set(doc) == {"tool", "version", "summary", "event_names", "findings"}
    assert doc["summary"]["browser_events"] == 9
    assert doc["summary"]["server_events"] == 6  # the physical_store event is not paired
    checkout = next(r for r in doc["event_names"] if r["event_name"] == "InitiateCheckout")
    assert checkout["dedupe_key_feedback"] == [
        {
            "dedupe_key": "event_id",
            "browser_events_with_dedupe_key": 0.0,
            "server_events_with_dedupe_key": 0.0,
            "overall_browser_coverage_from_dedupe_key": 0.0,
        },
        {
            "dedupe_key": "fbp",
            "browser_events_with_dedupe_key": 100.0,
            "server_events_with_dedupe_key": 100.0,
            "overall_browser_coverage_from_dedupe_key": 100.0,
        },
        {
            "dedupe_key": "external_id",
            "browser_events_with_dedupe_key": 100.0,
            "server_events_with_dedupe_key": 100.0,
            "overall_browser_coverage_from_dedupe_key": 100.0,
        },
    ]


def test_findings_point_at_har_entry_and_server_event() -> None:
    findings = _json()["findings"]
    got = [
        (
            f["code"],
            f["severity"],
            f.get("browser", {}).get("har_entry"),
            f.get("server", {}).get("pointer"),
            f["line"],
        )
        for f in findings
    ]
    assert got == [
        ("P001", "info", 1, None, 53),  # PageView: the server sends none
        ("P004", "warning", 3, "/data/1", 255),  # fbp mismatch (external_id agrees)
        ("P003", "error", 4, "/data/2", 371),  # Purchase vs purchase
        ("P001", "warning", 6, None, 508),  # AddToCart without eid, no twin
        ("P007", "warning", 6, None, 508),  # eid on 1 of 2 AddToCart
        ("P001", "warning", 7, None, 607),  # Lead: the server made up its own id
        ("P001", "warning", 9, None, 757),  # the second ViewContent vc-1
        ("P006", "error", 9, None, 757),
        ("P005", "error", 10, "/data/5", 856),  # 60 hours apart
        ("P002", "warning", None, "/data/4", 68),  # server Lead lead-srv-77
    ]
    case = findings[2]
    assert "differ only in case" in case["message"]
    assert case["server"] == {
        "path": SERVER,
        "line": 36,
        "column": 5,
        "pointer": "/data/2",
    }
    assert case["browser"]["url"] == "https://www.facebook.com/tr/"
    assert case["pointer"] == "/log/entries/4"
    assert findings[-1]["path"] == SERVER and findings[-1]["pointer"] == "/data/4"


def test_privacy_har_values_never_printed() -> None:
    for fmt in ("text", "json", "sarif", "github"):
        result = _run("--browser", HAR, "--server", SERVER, "--format", fmt)
        out = result.output
        for secret in ("jane.doe", "jane.doe%40example.com", "1111111111", "2222222222", "user-42"):
            assert secret not in out, (fmt, secret)
        assert "https://www.facebook.com/tr/?…" in out or fmt != "text"


def test_text_has_table_and_exit_code() -> None:
    result = _run("--browser", HAR, "--server", SERVER)
    assert result.exit_code == 1
    assert "InitiateCheckout  1        1       0            1              100%" in result.stdout
    assert "1 automatic Pixel event(s)" in result.stderr
    assert _run("--browser", HAR, "--server", SERVER, "--select", "P004,P007").exit_code == 0


def test_recorded_calls_jsonl() -> None:
    settings = build_settings({})
    run = run_pair([CALLS], [SERVER], settings)
    rows = {r.event_name: (r.browser_events, r.deduplicated_by_event_id) for r in run.rows}
    assert rows["ViewContent"] == (1, 1)
    assert rows["Purchase"] == (1, 0)  # P003: the server says purchase
    assert rows["Lead"] == (1, 0)
    assert [f.code for f in run.result.findings] == ["P003"]
    assert run.result.findings[0].line == 2  # the recorded Purchase call
    assert run.result.findings[0].extra["browser"] == {
        "path": CALLS,
        "line": 2,
        "column": 1,
        "pointer": "",
    }


def test_fallback_needs_no_conflicting_keys() -> None:
    settings = build_settings({})
    run = run_pair([CALLS], [SERVER], settings)
    lead = next(r for r in run.rows if r.event_name == "Lead")
    # The recorded Lead has no eid and shares fbp with the server Lead (whose own
    # event_id the Pixel never sent): Meta's second method pairs them.
    assert lead.deduplicated_by_external_id_fbp == 1


def test_external_id_compared_after_normalisation_and_hashing() -> None:
    assert canonical_external_ids([" User-42 "]) == canonical_external_ids([sha("user-42")])
    assert canonical_external_ids([sha("user-42").upper()]) == {sha("user-42")}
    assert canonical_external_ids(["user-43"]) != canonical_external_ids(["user-42"])


def test_name_difference_words() -> None:
    assert "case" in name_difference("Purchase", "purchase")
    assert "spacing" in name_difference("AddToCart", "Add To Cart")
    assert "standard event `Purchase`" in name_difference("Purchase", "OrderCompleted")


def test_window_option(tmp_path: Path) -> None:
    config = tmp_path / ".capi-lint.toml"
    config.write_text("[options.P005]\nwindow-hours = 72\n")
    result = _run("--browser", HAR, "--server", SERVER, "--format", "json", "--config", str(config))
    doc = json.loads(result.stdout)
    assert "P005" not in {f["code"] for f in doc["findings"]}
    search = next(r for r in doc["event_names"] if r["event_name"] == "Search")
    assert search["deduplicated_by_event_id"] == 1


def test_unreadable_browser_file_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.har"
    bad.write_text('{"log": {"entries": [}\n')
    result = _run("--browser", str(bad), "--server", SERVER)
    assert result.exit_code == 2
    assert f"{bad}:1:" in result.stderr
    assert "Traceback" not in result.output


def test_pixel_id_assigns_server_events() -> None:
    from capi_lint.pair.browser import BrowserEvent
    from capi_lint.pair.server import ServerEvent

    def b(pixel: str, eid: str) -> BrowserEvent:
        return BrowserEvent(pixel, "Lead", eid, None, (), 100.0, "h.har", 0, (), 1, 1, "u")

    s = ServerEvent("Lead", "x", None, (), 100.0, "s.json", ("data", 0), 1, 1)
    two = [b("111", "x"), b("222", "y")]
    rows = pair_events(two, [s]).rows
    assert [(r.pixel_id, r.server_events, r.deduplicated_by_event_id) for r in rows] == [
        ("111", 1, 1),
        ("222", 0, 0),
    ]
    # --pixel-id 222: the server's x is not the 111 pixel's x.
    rows = pair_events(two, [s], pixel_id="222").rows
    assert [(r.pixel_id, r.server_events, r.deduplicated_by_event_id) for r in rows] == [
        ("111", 0, 0),
        ("222", 1, 0),
    ]
