"""Two runs with --history: a trend, drop alerts (X022-X026), thresholds from config."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from fleet_server import TOKEN, Answer, FleetServer, web_report
from test_fleet_run import run_cli, write_fleet

from capi_lint.fleets.history import SCHEMA_VERSION, History, HistoryError

ADD_TO_CART = {"event_name": "AddToCart", "event_match_quality": {"composite_score": 6.0}}
DIAGNOSTIC = {"name": "Invalid fbc parameter", "percentage": 12.5}


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("META_ACCESS_TOKEN", TOKEN)


def two_runs(
    server: FleetServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    *extra: str,
) -> tuple[int, dict, Path]:
    fleet = write_fleet(tmp_path, [{"id": "7001", "name": "Shop A"}])
    history = tmp_path / "fleet.sqlite"
    common = ["fleet", str(fleet), "--graph-url", server.url, "--history", str(history)]
    server.set("7001", Answer(body=web_report(8.0, 95.0, coverage=82.0, more=[ADD_TO_CART])))
    code, _out, _err = run_cli([*common, "--now", "2026-01-01T06:00:00Z", "-q"], capsys)
    assert code == 0  # nothing to compare with yet: no alert
    server.set("7001", Answer(body=web_report(6.5, 50.0, coverage=52.0, diagnostics=[DIAGNOSTIC])))
    code, out, _err = run_cli(
        [*common, "--now", "2026-01-02T06:00:00Z", "--format", "json", *extra], capsys
    )
    return code, json.loads(out), history


def test_second_run_alerts_on_every_drop_since_the_first(
    server: FleetServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc, history = two_runs(server, tmp_path, capsys, "--fail-on", "warning")
    assert code == 1  # alerts are warnings, at --fail-on warning
    (dataset,) = doc["datasets"]
    findings = {f["code"]: f for f in dataset["findings"]}
    assert sorted(findings) == ["X022", "X023", "X024", "X025", "X026"]
    assert findings["X022"]["drop"] == 1.5
    assert "from 8 at the last run (2026-01-01 06:00 UTC) to 6.5" in findings["X022"]["message"]
    assert findings["X023"]["identifier"] == "email"
    assert findings["X023"]["drop"] == 45.0
    assert [findings["X024"][k] for k in ("event_name", "before", "reported", "goal")] == [
        "Purchase",
        82.0,
        52.0,
        75.0,
    ]
    assert findings["X025"]["diagnostic"] == "Invalid fbc parameter"
    assert findings["X026"]["event_name"] == "AddToCart"
    assert doc["summary"]["alerts"] == 5
    # The trend, from the history alone (no server involved).
    server.close()
    code, out, _err = run_cli(["fleet", "--history", str(history), "--report"], capsys)
    assert code == 0
    assert "7001 web Purchase: 8 → 6.5  ▼1.5" in out
    assert "7001 web AddToCart: 6" in out
    code, out, _err = run_cli(
        ["fleet", "--history", str(history), "--report", "--format", "json"], capsys
    )
    trends = {t["event_name"]: t for t in json.loads(out)["trends"]}
    assert trends["Purchase"]["emq"] == [8.0, 6.5]
    assert trends["Purchase"]["change_since_last"] == -1.5
    # The history holds figures, never the token.
    assert TOKEN.encode() not in history.read_bytes()


def test_alerts_do_not_fail_the_default_run_and_thresholds_come_from_config(
    server: FleetServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / ".capi-lint.toml"
    config.write_text("[options.X022]\npoints = 2.0\n[options.X023]\npoints = 50.0\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    code, doc, _history = two_runs(server, tmp_path, capsys)
    assert code == 0  # fail-on defaults to error; alerts are warnings
    codes = sorted(f["code"] for f in doc["datasets"][0]["findings"])
    assert codes == ["X024", "X025", "X026"]  # a 1.5 drop < 2 points, 45 < 50


def test_a_failed_dataset_is_compared_with_its_last_good_run(
    server: FleetServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = write_fleet(tmp_path, [{"id": "7002"}])
    history = tmp_path / "h.sqlite"
    common = ["fleet", str(fleet), "--graph-url", server.url, "--history", str(history), "-q"]
    server.set("7002", Answer(body=web_report(9.0, 95.0)))
    assert run_cli([*common, "--now", "2026-01-01T00:00:00Z"], capsys)[0] == 0
    server.answers.pop("7002")  # unknown dataset now: X021, no alert
    code, out, _ = run_cli([*common, "--now", "2026-01-02T00:00:00Z"], capsys)
    assert code == 1 and "X021" in out and "X026" not in out
    server.set("7002", Answer(body=web_report(7.0, 95.0)))
    code, out, _ = run_cli(
        [*common, "--now", "2026-01-03T00:00:00Z", "--fail-on", "warning"], capsys
    )
    assert code == 1 and "X022" in out and "from 9 at the last run (2026-01-01" in out


def test_schema_is_versioned_and_a_newer_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    History(str(path)).close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    History(str(path)).close()  # opening again migrates nothing and keeps one row
    assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone() == (1,)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(HistoryError, match="newer capi-lint"):
        History(str(path))


def test_report_without_history_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "none.sqlite")
    code, _out, err = run_cli(["fleet", "--history", missing, "--report"], capsys)
    assert code == 2 and "no such file" in err
