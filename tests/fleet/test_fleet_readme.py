"""The README's scheduled workflow runs a real fleet command with flags the CLI accepts."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import yaml
from fleet_server import TOKEN, Answer, FleetServer, web_report
from test_reporters import readme_block

from capi_lint.cli import main


def test_readme_workflow_command_runs(
    server: FleetServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    workflow = yaml.safe_load(readme_block("fleet-workflow"))
    assert workflow[True]["schedule"]  # YAML reads the `on:` key as True
    steps = workflow["jobs"]["fleet"]["steps"]
    (command,) = [s["run"] for s in steps if "capi-lint fleet" in s.get("run", "")]
    args = shlex.split(command)[1:]
    assert args[:2] == ["fleet", "FLEET.toml"]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("META_ACCESS_TOKEN", TOKEN)
    Path("FLEET.toml").write_text('[[datasets]]\nid = "9001"\n', "utf-8")
    server.set("9001", Answer(body=web_report(8.2, 90.0)))
    assert main([*args, "--graph-url", server.url]) == 0
    assert Path("fleet.sqlite").is_file()
    html = Path("fleet.html").read_text("utf-8")
    assert 'data-dataset="9001"' in html
    capsys.readouterr()
    assert main(["fleet", "--history", "fleet.sqlite", "--report", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["trends"][0]["emq"] == [8.2]
