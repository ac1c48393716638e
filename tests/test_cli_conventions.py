"""CLI conventions users reach for (issue 16 item 6): --exit-zero, --output-file,
--output-format (alias --format), --show-fixes, --color, `capi-lint init`, and
S012 (a UTF-8 BOM) apart from S001 (invalid JSON). All through the command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import NOW, body, website_event

from capi_lint import cli, config

ESC = "\x1b["
FINDING_LINE = re.compile(r"^.+:\d+:\d+: [A-Z]\d{3} \[(error|warning|info)\] .+$")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def write(path: str, payload: object) -> str:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    text = payload if isinstance(payload, str) else json.dumps(payload, indent=2)
    Path(path).write_text(text, "utf-8")
    return path


def broken() -> str:
    """E004 (error, with a fix) and E002 (warning)."""
    return write(
        "bad.json", body(website_event(event_name="purchase", event_time="2025-11-22T08:24:40Z"))
    )


# --------------------------------------------------------------------------- exit codes


def test_exit_zero_reports_findings_and_exits_0(capsys) -> None:
    path = broken()
    code, out, _ = run(capsys, "check", path, "--now", str(NOW))
    assert code == 1
    code, again, _ = run(capsys, "check", path, "--now", str(NOW), "--exit-zero")
    assert code == 0 and again == out and "E004 [error]" in again
    # An unreadable file too; a usage error still exits 2.
    assert run(capsys, "check", write("x.json", "{"), "--exit-zero")[0] == 0
    assert run(capsys, "check", path, "--exit-zero", "--select", "Q")[0] == 2


# --------------------------------------------------------------------------- output


def test_output_format_and_its_alias_format_are_the_same(capsys) -> None:
    path = broken()
    for fmt in ("json", "sarif", "github", "junit", "text"):
        a = run(capsys, "check", path, "--now", str(NOW), "--output-format", fmt)
        b = run(capsys, "check", path, "--now", str(NOW), "--format", fmt)
        assert a == b and a[0] == 1
    coverage = run(capsys, "coverage", path, "--output-format", "json")[1]
    assert json.loads(coverage)["coverage"][0]["events"] == 1


def test_output_file_gets_the_report_and_stdout_stays_empty(capsys) -> None:
    path = broken()
    code, out, _ = run(capsys, "check", path, "--now", str(NOW), "--output-format", "json")
    Path("r").mkdir()
    code_file, out_file, _ = run(
        capsys, "check", path, "--now", str(NOW), "--output-format", "json", "-o", "r/out.json"
    )
    assert (code_file, out_file) == (code, "")
    assert Path("r/out.json").read_text("utf-8") == out
    # Text in a file is never coloured unless asked for.
    run(capsys, "check", path, "--now", str(NOW), "--output-file", "r/out.txt")
    assert ESC not in Path("r/out.txt").read_text("utf-8")
    run(capsys, "check", path, "--now", str(NOW), "--output-file", "r/c.txt", "--color", "always")
    assert ESC in Path("r/c.txt").read_text("utf-8")
    run(capsys, "coverage", path, "--output-format", "csv", "--output-file", "r/cov.csv")
    assert Path("r/cov.csv").read_text("utf-8").startswith("file,channel,action_source")


def test_missing_output_folder_is_one_line_usage_error(capsys) -> None:
    code, out, err = run(capsys, "check", broken(), "--output-file", "no/such/dir/r.txt")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "--output-file" in err and "Traceback" not in err


def test_color_always_never_auto(capsys, monkeypatch) -> None:
    path = broken()
    assert ESC in run(capsys, "check", path, "--color", "always")[1]
    assert ESC not in run(capsys, "check", path, "--color", "auto")[1]  # not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert ESC not in run(capsys, "check", path, "--color", "never")[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert ESC not in run(capsys, "check", path)[1]
    assert ESC in run(capsys, "check", path, "--color", "always")[1]
    assert run(capsys, "check", path, "--color", "sometimes")[0] == 2


def test_show_fixes_prints_each_fix_below_its_finding(capsys) -> None:
    path = broken()
    plain = run(capsys, "check", path, "--now", str(NOW))[1].splitlines()
    shown = run(capsys, "check", path, "--now", str(NOW), "--show-fixes")[1].splitlines()
    assert not any(line.startswith("    fix: ") for line in plain)
    # The finding lines are unchanged and in order; each fix follows its finding.
    assert [line for line in shown if not line.startswith("    fix: ")] == plain
    e004 = next(i for i, line in enumerate(shown) if " E004 " in line)
    assert shown[e004 + 1] == "    fix: send the Unix time as a JSON integer"
    assert all(FINDING_LINE.match(line) for line in shown[:-1] if not line.startswith(" "))


# --------------------------------------------------------------------------- init


def test_init_writes_a_starter_config_that_works(capsys, tmp_path) -> None:
    code, out, err = run(capsys, "init")
    assert code == 0 and out == "" and ".capi-lint.toml" in err
    written = (tmp_path / ".capi-lint.toml").read_text("utf-8")
    settings = config.build_settings(config.load_config_table(tmp_path / ".capi-lint.toml"))
    assert settings.pii == "hashed" and settings.now is None
    assert "per-file-now" in written and "now =" in written
    clean = write("p.json", body(website_event()))
    assert run(capsys, "check", clean)[0] == 0


def test_init_never_overwrites(capsys, tmp_path) -> None:
    (tmp_path / ".capi-lint.toml").write_text('select = ["E"]\n')
    code, out, err = run(capsys, "init")
    assert code == 2 and out == "" and "already exists" in err
    assert (tmp_path / ".capi-lint.toml").read_text() == 'select = ["E"]\n'


def test_init_refuses_to_shadow_a_pyproject_table_and_takes_a_directory(capsys, tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.capi-lint]\nselect = ["E"]\n')
    assert run(capsys, "init")[0] == 2
    assert not (tmp_path / ".capi-lint.toml").exists()
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert run(capsys, "init", "sub")[0] == 0
    assert (tmp_path / "sub" / ".capi-lint.toml").is_file()


# --------------------------------------------------------------------------- S001 / S012

BOM = b"\xef\xbb\xbf"


def _codes(capsys, *args: str) -> list[tuple[str, str]]:
    doc = json.loads(run(capsys, "check", *args, "--output-format", "json")[1])
    return [(f["code"], f["severity"]) for f in doc["findings"]]


def test_a_bom_is_s012_and_can_be_ignored_apart_from_invalid_json(capsys, tmp_path) -> None:
    (tmp_path / "bom.json").write_bytes(BOM + json.dumps(body(website_event())).encode())
    (tmp_path / "broken.json").write_bytes(BOM + b'{"data": [,]}')
    both = ["bom.json", "broken.json", "--select", "S"]
    assert sorted(_codes(capsys, *both)) == [
        ("S001", "error"),
        ("S012", "info"),
        ("S012", "info"),
    ]
    assert _codes(capsys, *both, "--ignore", "S012") == [("S001", "error")]
    assert _codes(capsys, *both, "--ignore", "utf8-bom") == [("S001", "error")]
    assert _codes(capsys, *both, "--ignore", "S001") == [("S012", "info"), ("S012", "info")]
    code, out, _ = run(capsys, "rule", "S012")
    assert code == 0 and "S012 utf8-bom" in out and "Default severity: info" in out
