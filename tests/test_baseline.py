"""Baselines end to end: `check --write-baseline FILE` records today's findings,
`check --baseline FILE` (or `baseline =` in config) reports only new ones and
says how many it matched; the file never holds a raw value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import NOW, body, user_data, website_event

from capi_lint import cli

EMAIL = "jane.doe@example.com"
PHONE = "+1 650 555 1212"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


def write(path: Path, payload) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2), "utf-8")
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def legacy() -> dict:
    """Known problems: a raw email and phone (H001) and milliseconds (E005)."""
    return body(website_event(event_time=NOW * 1000, user_data=user_data(em=EMAIL, ph=PHONE)))


def test_write_then_read_a_baseline(tmp_path: Path, capsys, monkeypatch) -> None:
    (tmp_path / ".capi-lint.toml").write_text(f"now = {NOW}\n")
    write(tmp_path / "fixtures" / "legacy.json", legacy())
    write(tmp_path / "fixtures" / "clean.json", body(website_event()))
    code, out, _ = run(capsys, "check", "--format", "json")
    before = json.loads(out)["findings"]
    assert code == 1 and len(before) >= 3

    # Written from a subdirectory: paths are relative to the baseline's folder.
    monkeypatch.chdir(tmp_path / "fixtures")
    code, out, err = run(capsys, "check", "..", "--write-baseline", "../capi-lint-baseline.json")
    assert code == 0, out
    assert f"wrote {len(before)} finding(s) to ../capi-lint-baseline.json" in err
    assert out.strip().endswith(f"{len(before)} known findings matched the baseline (not shown).")
    text = (tmp_path / "capi-lint-baseline.json").read_text()
    saved = json.loads(text)
    assert saved["tool"] == "capi-lint"
    assert {e["path"] for e in saved["findings"]} == {"fixtures/legacy.json"}
    assert sorted((e["code"], e["pointer"]) for e in saved["findings"]) == sorted(
        (f["code"], f["pointer"]) for f in before
    )
    # Never a raw value: not the email, not the phone, not even masked.
    for secret in (EMAIL, "jane", "example.com", "650", "5551212", "1212"):
        assert secret not in text, secret

    # Read from the project root: nothing new, the exit code is 0, the count is said.
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "check", "--baseline", "capi-lint-baseline.json")
    assert code == 0, out
    assert out.strip() == (
        f"All checks passed (2 files, 2 events). {len(before)} known findings matched the "
        "baseline (not shown)."
    )
    code, out, _ = run(capsys, "check", "--baseline", "capi-lint-baseline.json", "--format", "json")
    data = json.loads(out)
    assert (code, data["findings"], data["summary"]["baseline_matched"]) == (0, [], len(before))

    # A new finding is reported; the known ones are not.
    write(tmp_path / "fixtures" / "new.json", body(website_event(event_time=NOW * 1000)))
    code, out, _ = run(capsys, "check", "--baseline", "capi-lint-baseline.json", "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert [(f["path"], f["code"]) for f in data["findings"]] == [("fixtures/new.json", "E005")]
    assert data["summary"]["errors"] == 1
    assert data["summary"]["baseline_matched"] == len(before)

    # A known finding whose value changed is new again.
    changed = legacy()
    changed["data"][0]["user_data"]["em"] = "someone.else@example.org"
    write(tmp_path / "fixtures" / "legacy.json", changed)
    data = json.loads(
        run(capsys, "check", "--baseline", "capi-lint-baseline.json", "--format", "json")[1]
    )
    assert ("fixtures/legacy.json", "/data/0/user_data/em") in {
        (f["path"], f["pointer"]) for f in data["findings"]
    }
    assert data["summary"]["baseline_matched"] == len(before) - 1


def test_baseline_from_config_and_any_working_directory(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    write(tmp_path / "fixtures" / "legacy.json", legacy())
    (tmp_path / ".capi-lint.toml").write_text(f"now = {NOW}\n")
    assert run(capsys, "check", "--write-baseline", ".capi-lint-baseline.json")[0] == 0
    (tmp_path / ".capi-lint.toml").write_text(
        f'now = {NOW}\nbaseline = ".capi-lint-baseline.json"\n'
    )
    for cwd, args in (
        (tmp_path, []),
        (tmp_path / "fixtures", []),
        (tmp_path / "fixtures", ["legacy.json"]),
        (tmp_path / "fixtures", [str(tmp_path / "fixtures" / "legacy.json")]),
    ):
        monkeypatch.chdir(cwd)
        code, out, _ = run(capsys, "check", *args)
        assert code == 0, (cwd, args, out)
        assert "known findings matched the baseline" in out
    # Each entry accepts one finding: the same problem in a second event is new.
    twice = legacy()
    twice["data"].append(dict(twice["data"][0], event_id="second"))
    write(tmp_path / "fixtures" / "legacy.json", twice)
    monkeypatch.chdir(tmp_path)
    data = json.loads(run(capsys, "check", "--format", "json")[1])
    reported = {(f["code"], f["pointer"]) for f in data["findings"]}
    assert {("E005", "/data/1/event_time"), ("H001", "/data/1/user_data/em")} <= reported
    assert not any(pointer.startswith("/data/0/") for _code, pointer in reported)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "not found; create it with"),
        ("not json", "is not JSON"),
        ('{"findings": []}', "was not written by capi-lint"),
        ('{"tool": "capi-lint", "findings": [{"code": 1}]}', "malformed entry"),
    ],
)
def test_a_bad_baseline_is_a_usage_error(tmp_path: Path, capsys, content, says) -> None:
    write(tmp_path / "a.json", body(website_event()))
    if content is not None:
        (tmp_path / "b.json").write_text(content)
    code, out, err = run(capsys, "check", "a.json", "--now", str(NOW), "--baseline", "b.json")
    assert (code, out) == (2, "")
    assert err.startswith("capi-lint: error: ") and says in err
    assert len(err.strip().splitlines()) == 1
