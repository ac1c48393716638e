"""Engine.finding: a hit of a rule run piecemeal (the Spark driver finishing a
batch rule) becomes the finding the engine itself would make."""

from __future__ import annotations

from helpers import NOW

from capi_lint.config import build_settings
from capi_lint.engine import Engine
from capi_lint.model import Hit, Severity
from capi_lint.spark import executor


def test_finding_applies_the_configured_severity_and_pointer() -> None:
    settings = build_settings({"severity": {"B001": "error"}}, now=NOW)
    hit = Hit((), "most events carry no contact key", "add em or ph")
    finding = Engine(settings).finding("B001", "day.jsonl", hit, None, 1, 1)
    assert finding.severity is Severity.ERROR  # B001 is a warning unless configured
    assert (finding.code, finding.path, finding.pointer, finding.line) == (
        "B001",
        "day.jsonl",
        "",
        1,
    )
    assert finding.fix == "add em or ph"
    event_hit = Hit(("event_id",), "repeats event 0")
    moved = Engine(build_settings({}, now=NOW)).finding(
        "D003", "-", event_hit, 7, parts=(3, "event_id")
    )
    assert (moved.pointer, moved.event_index, moved.severity) == (
        "/3/event_id",
        7,
        Severity.WARNING,
    )


def test_one_engine_per_worker_and_run() -> None:
    settings = build_settings({}, now=NOW)
    first = executor.engine_for("run-a", settings)
    assert executor.engine_for("run-a", settings) is first
    assert executor.engine_for("run-b", settings) is not first
