"""The ecosystem check in CI: capi-lint over other producers' real request
bodies, held to the committed triage (docs/ecosystem.md). A new (source, code)
pair nobody triaged, a false positive that was fixed and came back, or a crash
fails it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import ecosystem_file

ROOT = Path(__file__).resolve().parents[1]


def test_ecosystem_run_matches_the_triage() -> None:
    corpus = ecosystem_file("meta-docs", "001-ads-pixel-events-reference-v25-0.json").parent.parent
    done = subprocess.run(
        [sys.executable, "scripts/ecosystem.py", "--root", str(corpus),
         "--check", "docs/ecosystem.md"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "rudder-transformer: 72 files, 72 events, 0 crashes" in done.stdout


def test_triage_lists_a_verdict_for_every_row() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import ecosystem

    triage = ecosystem.read_triage(ROOT / "docs" / "ecosystem.md")
    assert len(triage) > 50
    assert {v.split(" ")[0] for v in triage.values()} <= {"true", "false"}
    assert triage[("posthog", "R003")].startswith("false positive")


def test_check_fails_on_an_untriaged_pair_and_a_returning_false_positive() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import ecosystem

    report = ecosystem.SourceReport(files=1, events=1)
    report.codes.update({"E005": 1, "R003": 2, "D002": 1})
    triage = {("src", "R003"): "false positive (fixed)", ("src", "D002"): "true (info)"}
    problems = ecosystem.check_against({"src": report}, triage)
    assert problems == [
        "src E005 (1): not triaged in the triage document",
        "src R003 (2): a fixed false positive is back",
    ]
