"""`capi-lint pair --quality-file`: the pairing's figures held against a saved /dataset_quality.

tests/fixtures/pair/dataset_quality.json is a saved response for the pixel of
checkout.har. What pairing checkout.har with server_events.json predicts (see
tests/test_pair.py::test_json_counts_per_event_name), and what the report says:

- ViewContent: coverage 50% (1 of 2 browser events has its twin), event_id on
  100% of browser and server events, 50% deduplicated by it; Meta: 91 / 100 /
  100 / 91 -> X027 (coverage), X028 (browser), X009 (server), X027 (overall);
- Purchase: the server sends only `purchase`, so 0% coverage and no server
  Purchase (X008 has nothing to compare); Meta: 12.5% of a 75% goal -> X014 and
  X027 (coverage), X028 (browser event_id 100), X027 (overall 0 vs 12.5);
- AddToCart: coverage 50%, fbp on 100% of both sides, 0% deduplicated by fbp
  (its twin paired by event_id); Meta: 48% with no goal (X014's default 75),
  fbp 100 / 30 / 0 -> X014 and X028 (coverage), X028, X008, X028;
- Search: pixel-only in the report: nothing compared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from capi_lint.cli import cli

HERE = Path(__file__).parent / "fixtures" / "pair"
HAR = str(HERE / "checkout.har")
SERVER = str(HERE / "server_events.json")
QUALITY = str(HERE / "dataset_quality.json")
CALLS = str(HERE / "fbq_calls.jsonl")


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["pair", "--browser", HAR, "--server", SERVER, *args])


def _x_findings(*args: str) -> list[dict[str, Any]]:
    result = _run("--quality-file", QUALITY, "--format", "json", *args)
    assert result.exit_code == 1, result.output  # the P errors of checkout.har
    doc = json.loads(result.stdout)
    return [f for f in doc["findings"] if f["code"].startswith("X")]


def test_figures_held_against_the_saved_response() -> None:
    got = [
        (
            f["code"],
            f["severity"],
            f["pointer"],
            f["line"],
            f.get("predicted"),
            f.get("reported"),
        )
        for f in _x_findings()
    ]
    web0, web1, web2 = "/web/0", "/web/1", "/web/2"
    assert got == [
        ("X027", "warning", f"{web0}/event_coverage/percentage", 5, 50.0, 91.0),
        (
            "X028",
            "info",
            f"{web0}/dedupe_key_feedback/0/browser_events_with_dedupe_key",
            9,
            100.0,
            100.0,
        ),
        (
            "X009",
            "info",
            f"{web0}/dedupe_key_feedback/0/server_events_with_dedupe_key",
            10,
            100.0,
            100.0,
        ),
        (
            "X027",
            "warning",
            f"{web0}/dedupe_key_feedback/0/overall_browser_coverage_from_dedupe_key",
            11,
            50.0,
            91.0,
        ),
        ("X014", "warning", f"{web1}/event_coverage/percentage", 18, 0.0, 12.5),
        ("X027", "warning", f"{web1}/event_coverage/percentage", 18, 0.0, 12.5),
        (
            "X028",
            "info",
            f"{web1}/dedupe_key_feedback/0/browser_events_with_dedupe_key",
            22,
            100.0,
            100.0,
        ),
        (
            "X027",
            "warning",
            f"{web1}/dedupe_key_feedback/0/overall_browser_coverage_from_dedupe_key",
            24,
            0.0,
            12.5,
        ),
        ("X014", "warning", f"{web2}/event_coverage/percentage", 30, 100.0, 48.0),
        ("X028", "info", f"{web2}/event_coverage/percentage", 30, 50.0, 48.0),
        (
            "X028",
            "info",
            f"{web2}/dedupe_key_feedback/0/browser_events_with_dedupe_key",
            34,
            100.0,
            100.0,
        ),
        (
            "X008",
            "warning",
            f"{web2}/dedupe_key_feedback/0/server_events_with_dedupe_key",
            35,
            100.0,
            30.0,
        ),
        (
            "X028",
            "info",
            f"{web2}/dedupe_key_feedback/0/overall_browser_coverage_from_dedupe_key",
            36,
            0.0,
            0.0,
        ),
    ]
    coverage = _x_findings()[0]
    assert coverage["path"] == QUALITY
    assert coverage["event_name"] == "ViewContent"
    assert coverage["figure"] == "event_coverage"
    assert "pairs more than this recording" in coverage["message"]


def test_tolerance_flag_moves_figures_between_x027_and_x028() -> None:
    codes = [(f["code"], f["pointer"]) for f in _x_findings("--tolerance", "45")]
    # |50 - 91| = 41 and |0 - 12.5| are within 45 points: every X027 becomes an X028.
    assert ("X027", "/web/0/event_coverage/percentage") not in codes
    assert ("X028", "/web/0/event_coverage/percentage") in codes
    assert not any(code == "X027" for code, _ in codes)
    # X008's tolerance is the same flag: |100 - 30| = 70 stays beyond it.
    assert ("X008", "/web/2/dedupe_key_feedback/0/server_events_with_dedupe_key") in codes


def test_selection_applies_to_the_x_rules() -> None:
    codes = {f["code"] for f in _x_findings("--ignore", "X028,X009")}
    assert codes == {"X008", "X014", "X027"}


def test_without_quality_file_no_x_finding_and_summary_counts() -> None:
    result = _run("--format", "json")
    assert not [f for f in json.loads(result.stdout)["findings"] if f["code"].startswith("X")]
    with_report = _run("--quality-file", QUALITY, "--format", "json")
    summary = json.loads(with_report.stdout)["summary"]
    without = json.loads(result.stdout)["summary"]
    assert summary["warnings"] - without["warnings"] == 7  # X027 x4, X014 x2, X008
    assert summary["infos"] - without["infos"] == 6  # X028 x5, X009
    assert summary["files"] - without["files"] == 1


def test_unreadable_quality_file_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "quality.json"
    bad.write_text('{"web": [', "utf-8")
    result = _run("--quality-file", str(bad))
    assert result.exit_code == 2
    assert str(bad) in result.output
    assert "Traceback" not in result.output


def test_several_pixels_need_pixel_id(tmp_path: Path) -> None:
    calls = tmp_path / "calls.jsonl"
    calls.write_text(
        Path(CALLS).read_text("utf-8")
        + '{"pixel_id": "9999999999", "event_name": "Lead", "event_id": "x-1"}\n',
        "utf-8",
    )
    args = ["pair", "--browser", str(calls), "--server", SERVER, "--quality-file", QUALITY]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "2 pixels (1234567890123456, 9999999999)" in result.output
    assert "--pixel-id" in result.output
    chosen = CliRunner().invoke(cli, [*args, "--pixel-id", "1234567890123456", "-q"])
    assert chosen.exit_code == 1, chosen.output
    assert "X027" in chosen.output
