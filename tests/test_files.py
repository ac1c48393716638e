"""Which files a run reads (capi_lint/files.py, the one walker): ruff's default
excludes, exclude/include in config and on the command line, .gitignore inside
a git work tree, --force-exclude, JSON files that are not payloads; paths in
config relative to the config file's directory; per-pointer ignores."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import NOW, body, user_data, website_event

from capi_lint import cli
from capi_lint.files import FileSelection, Finder

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="needs git")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


def write(path: Path | str, payload) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = payload if isinstance(payload, str) else json.dumps(payload, indent=2)
    path.write_text(text, "utf-8")
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def report(capsys, *args: str) -> tuple[int, dict, str]:
    code, out, err = run(capsys, *args, "--format", "json")
    return code, json.loads(out), err


def clean() -> dict:
    return body(website_event())


def broken() -> dict:
    """E005: event_time in milliseconds."""
    return body(website_event(event_time=NOW * 1000))


def git_init(folder: Path) -> None:
    assert GIT is not None
    subprocess.run([GIT, "init", "-q", str(folder)], check=True, capture_output=True)


def project(root: Path) -> Path:
    """A repository as users have them: clean fixtures, tool folders full of
    JSON (some of it CAPI-shaped and broken), a package.json, a .gitignore'd
    folder of broken payloads, and the config pinning the reference time."""
    write(root / ".capi-lint.toml", f"now = {NOW}\n")
    write(root / "tests" / "payloads" / "purchase.json", clean())
    write(root / "tests" / "payloads" / "events.jsonl", json.dumps(website_event()) + "\n")
    write(root / "package.json", {"name": "shop", "version": "1.0.0", "private": True})
    write(root / "tsconfig.json", '{\n  // JSONC, not JSON\n  "compilerOptions": {}\n}\n')
    write(root / ".eslintrc.json", {"extends": "eslint:recommended"})
    write(root / ".venv" / "lib" / "site-packages" / "pkg" / "event.json", broken())
    write(root / "venv" / "payload.json", broken())
    write(root / "node_modules" / "left-pad" / "package.json", {"name": "left-pad"})
    write(root / "node_modules" / "capi" / "fixture.json", broken())
    write(root / "build" / "out.json", broken())
    write(root / "__pycache__" / "x.json", "{")
    write(root / ".gitignore", "/captured/\n*.tmp.json\n")
    write(root / "captured" / "today.json", broken())
    write(root / "tests" / "payloads" / "scratch.tmp.json", broken())
    return root


# --------------------------------------------------------------------------- the walk


@needs_git
def test_check_without_paths_reads_the_project_as_ruff_would(tmp_path: Path, capsys) -> None:
    git_init(project(tmp_path))
    code, out, err = run(capsys, "check")
    assert code == 0, out + err
    assert out.strip() == "All checks passed (2 files, 2 events)."
    # The JSON files that hold no event are named once each on standard error.
    skipped = sorted(line for line in err.splitlines() if "skipped" in line)
    assert skipped == [
        f"capi-lint: skipped {name} (no CAPI event key in it: not a payload)"
        for name in (".eslintrc.json", "package.json", "tsconfig.json")
    ]
    # `check .` is the same run.
    assert run(capsys, "check", ".")[:2] == (0, out)

    # A broken fixture among the clean ones still fails.
    write(tmp_path / "tests" / "payloads" / "refund.json", broken())
    code, out, _ = run(capsys, "check")
    assert code == 1
    assert [line.split(":")[0] for line in out.splitlines()[:-1]] == ["tests/payloads/refund.json"]


@needs_git
def test_gitignore_only_inside_a_git_work_tree_and_can_be_turned_off(
    tmp_path: Path, capsys
) -> None:
    project(tmp_path)
    # No .git: .gitignore means nothing (as for ruff), the default excludes still apply.
    code, data, _ = report(capsys, "check")
    assert code == 1
    assert {f["path"] for f in data["findings"]} == {
        "captured/today.json",
        "tests/payloads/scratch.tmp.json",
    }
    git_init(tmp_path)
    assert report(capsys, "check")[0] == 0
    code, data, _ = report(capsys, "check", "--no-respect-gitignore")
    assert {f["path"] for f in data["findings"]} == {
        "captured/today.json",
        "tests/payloads/scratch.tmp.json",
    }
    write(tmp_path / ".capi-lint.toml", f"now = {NOW}\nrespect-gitignore = false\n")
    assert report(capsys, "check")[0] == 1
    assert report(capsys, "check", "--respect-gitignore")[0] == 0


@needs_git
def test_nested_gitignore_files_and_negation(tmp_path: Path, capsys) -> None:
    git_init(tmp_path)
    write(tmp_path / ".capi-lint.toml", f"now = {NOW}\n")
    write(tmp_path / ".gitignore", "*.generated.json\n")
    write(tmp_path / "fixtures" / "a.generated.json", broken())
    write(tmp_path / "fixtures" / "keep" / ".gitignore", "!*.generated.json\nlocal/\n")
    write(tmp_path / "fixtures" / "keep" / "b.generated.json", broken())
    write(tmp_path / "fixtures" / "keep" / "local" / "c.json", broken())
    write(tmp_path / ".git" / "info" / "exclude", "private.json\n")
    write(tmp_path / "fixtures" / "private.json", broken())
    code, data, _ = report(capsys, "check")
    assert code == 1
    assert [f["path"] for f in data["findings"]] == ["fixtures/keep/b.generated.json"]
    # The same from inside the folder: the .gitignore files above it still count.
    data = report(capsys, "check", str(tmp_path / "fixtures"))[1]
    assert [Path(f["path"]).name for f in data["findings"]] == ["b.generated.json"]


def test_a_file_named_on_the_command_line_is_always_linted(tmp_path: Path, capsys) -> None:
    project(tmp_path)
    code, data, err = report(capsys, "check", "package.json", "node_modules/capi/fixture.json")
    assert code == 1
    assert {f["path"] for f in data["findings"]} == {
        "package.json",
        "node_modules/capi/fixture.json",
    }
    assert "skipped" not in err


@needs_git
def test_force_exclude_selects_named_files_as_the_walk_would(tmp_path: Path, capsys) -> None:
    git_init(project(tmp_path))
    named = [
        "package.json",
        "tsconfig.json",
        "node_modules/capi/fixture.json",
        ".venv/lib/site-packages/pkg/event.json",
        "captured/today.json",
        "tests/payloads/purchase.json",
    ]
    code, out, err = run(capsys, "check", "--force-exclude", *named)
    assert code == 0, out + err
    assert out.strip() == "All checks passed (1 file, 1 event)."
    assert "skipped package.json" in err and "skipped tsconfig.json" in err
    # Also from the config (the pre-commit hook passes the flag itself).
    write(tmp_path / ".capi-lint.toml", f"now = {NOW}\nforce-exclude = true\n")
    assert run(capsys, "check", *named)[0] == 0
    assert run(capsys, "check", "--no-force-exclude", *named)[0] == 1


def test_a_named_folder_is_walked_even_where_it_is_excluded(tmp_path: Path, capsys) -> None:
    project(tmp_path)
    code, data, _ = report(capsys, "check", "build")
    assert code == 1
    assert [f["path"] for f in data["findings"]] == ["build/out.json"]
    # ... but not with --force-exclude.
    code, data, _ = report(capsys, "check", "build", "--force-exclude")
    assert (code, data["summary"]["files"]) == (0, 0)


def test_exclude_and_include_in_config_and_on_the_command_line(tmp_path: Path, capsys) -> None:
    write(tmp_path / "fixtures" / "good.json", clean())
    write(tmp_path / "fixtures" / "legacy" / "old.json", broken())
    write(tmp_path / "fixtures" / "deep" / "legacy" / "older.json", broken())
    write(tmp_path / "payloads.txt", json.dumps(clean()))
    write(tmp_path / "build" / "b.json", broken())
    cfg = tmp_path / ".capi-lint.toml"

    def paths(*args: str) -> set[str]:
        return {f["path"] for f in report(capsys, "check", *args)[1]["findings"]}

    write(cfg, f'now = {NOW}\nextend-exclude = ["fixtures/legacy"]\n')
    # Anchored at the config's directory: fixtures/deep/legacy is not fixtures/legacy.
    assert paths() == {"fixtures/deep/legacy/older.json"}
    write(cfg, f'now = {NOW}\nextend-exclude = ["legacy"]\n')  # a name: at any depth
    assert paths() == set()
    # `exclude` replaces the defaults (build/ is read again).
    write(cfg, f'now = {NOW}\nexclude = ["legacy"]\n')
    assert paths() == {"build/b.json"}
    assert paths("--exclude", "build,fixtures/deep") == {"fixtures/legacy/old.json"}
    assert paths("--extend-exclude", "fixtures/deep") == {"build/b.json"}
    # include: which files a walk reads.
    write(cfg, f'now = {NOW}\ninclude = ["*.txt"]\n')
    code, data, _ = report(capsys, "check")
    assert (code, data["summary"]["files"]) == (0, 1)
    assert report(capsys, "check", "--include", "fixtures/good.json")[1]["summary"]["files"] == 1
    write(cfg, f'now = {NOW}\nextend-include = ["*.txt"]\n')
    assert report(capsys, "check")[1]["summary"]["files"] == 4


def test_config_paths_are_relative_to_the_config_file(tmp_path: Path, capsys, monkeypatch) -> None:
    write(
        tmp_path / ".capi-lint.toml",
        f'now = {NOW}\nextend-exclude = ["fixtures/generated"]\n'
        '[per-file-ignores]\n"fixtures/legacy/*.json" = ["E005"]\n',
    )
    write(tmp_path / "fixtures" / "legacy" / "old.json", broken())
    write(tmp_path / "fixtures" / "generated" / "gen.json", broken())
    write(tmp_path / "fixtures" / "new.json", broken())
    expected = {"E005"}
    for cwd, args in (
        (tmp_path, ["fixtures"]),
        (tmp_path / "fixtures", ["."]),
        (tmp_path / "fixtures", []),
        (tmp_path / "fixtures" / "legacy", ["..", "old.json"]),
        (tmp_path / "fixtures" / "legacy", [str(tmp_path / "fixtures")]),
    ):
        monkeypatch.chdir(cwd)
        code, data, _ = report(capsys, "check", *args)
        names = [Path(f["path"]).name for f in data["findings"]]
        assert names == ["new.json"], (cwd, args, data["findings"])
        assert {f["code"] for f in data["findings"]} == expected
    # An absolute path named on the command line, from elsewhere.
    monkeypatch.chdir(tmp_path.parent)
    old = tmp_path / "fixtures" / "legacy" / "old.json"
    code, data, _ = report(capsys, "check", "--config", str(tmp_path / ".capi-lint.toml"), str(old))
    assert (code, data["findings"]) == (0, [])


@needs_git
def test_coverage_and_crosscheck_read_the_same_files(tmp_path: Path, capsys) -> None:
    git_init(project(tmp_path))
    code, out, err = run(capsys, "coverage", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)["coverage"]
    assert sum(row["events"] for row in rows) == 2
    assert "skipped package.json" in err
    finder = Finder(FileSelection.default(str(tmp_path)))
    found = sorted(s.path for s in finder.find(["."]))
    assert found == ["tests/payloads/events.jsonl", "tests/payloads/purchase.json"]
    # The cross-check predicts from the same two events (the quality file
    # among the payloads is not one of them).
    quality = Path(__file__).resolve().parents[1] / "quality_reports" / "dataset_quality_web.json"
    shutil.copy(quality, tmp_path / "quality.json")
    code, out, err = run(capsys, "crosscheck", "--quality-file", "quality.json", "--format", "json")
    assert code in (0, 1), err
    assert json.loads(out)["summary"]["events"] == 2
    assert "skipped package.json" in err


def test_fix_writes_only_the_files_a_walk_reads(tmp_path: Path, capsys) -> None:
    raw = body(website_event(user_data=user_data(em="jane.doe@example.com")))
    write(tmp_path / ".capi-lint.toml", f"now = {NOW}\n")
    fixture = write(tmp_path / "fixtures" / "raw.json", raw)
    vendored = write(tmp_path / "node_modules" / "pkg" / "raw.json", raw)
    before = vendored.read_text()
    run(capsys, "check", "--fix")
    assert "jane.doe@example.com" not in fixture.read_text()
    assert vendored.read_text() == before


# --------------------------------------------------------------------------- per-pointer ignores


def test_per_pointer_ignores(tmp_path: Path, capsys, monkeypatch) -> None:
    on_purpose = body(
        website_event(event_time=NOW * 1000),
        website_event(event_id="second", event_time=NOW * 1000),
    )
    write(tmp_path / "fixtures" / "wrong_on_purpose.json", on_purpose)
    write(tmp_path / "fixtures" / "other.json", on_purpose)
    write(
        tmp_path / "pyproject.toml",
        f'[tool.capi-lint]\nnow = {NOW}\nselect = ["E"]\n'
        "[tool.capi-lint.per-pointer-ignores]\n"
        '"fixtures/wrong_on_purpose.json" = {"/data/0/event_time" = ["E005"], '
        '"/data/1" = ["E0"]}\n',
    )

    def found() -> list[tuple[str, str]]:
        data = report(capsys, "check", str(tmp_path / "fixtures"))[1]
        return [(Path(f["path"]).name, f["pointer"]) for f in data["findings"]]

    assert found() == [("other.json", "/data/0/event_time"), ("other.json", "/data/1/event_time")]
    monkeypatch.chdir(tmp_path / "fixtures")
    assert found() == [("other.json", "/data/0/event_time"), ("other.json", "/data/1/event_time")]
    # Only the code named: at the same pointer, another rule still reports.
    write(
        tmp_path / "pyproject.toml",
        f'[tool.capi-lint]\nnow = {NOW}\nselect = ["E"]\n'
        "[tool.capi-lint.per-pointer-ignores]\n"
        '"wrong_on_purpose.json" = {"/data/0/event_time" = ["E004"]}\n',
    )
    assert ("wrong_on_purpose.json", "/data/0/event_time") in found()


@pytest.mark.parametrize(
    "table",
    [
        '[per-pointer-ignores]\n"a.json" = ["E005"]\n',
        '[per-pointer-ignores]\n"a.json" = {"data/0" = ["E005"]}\n',
        '[per-pointer-ignores]\n"a.json" = {"/data/0" = ["Q999"]}\n',
        "exclude = 3\n",
        'force-exclude = "yes"\n',
    ],
)
def test_bad_file_settings_are_usage_errors(tmp_path: Path, capsys, table: str) -> None:
    write(tmp_path / ".capi-lint.toml", table)
    code, out, err = run(capsys, "check")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("capi-lint: error: ")


@pytest.mark.parametrize("output_format", ["json", "sarif"])
def test_own_reports_found_by_a_walk_are_not_payloads(
    tmp_path: Path, capsys, output_format: str
) -> None:
    write(tmp_path / ".capi-lint.toml", f"now = {NOW}\n")
    write(tmp_path / "fixtures" / "bad.json", broken())
    code, out, _ = run(capsys, "check", "--format", output_format)
    assert code == 1 and "event_time" in out
    write(tmp_path / f"report.{output_format}.json", out)
    write(tmp_path / "fixtures" / "bad.json", clean())
    code, out, err = run(capsys, "check")
    assert code == 0, out
    assert f"skipped report.{output_format}.json" in err


def test_json_schemas_found_by_a_walk_are_not_payloads(capsys) -> None:
    schemas = Path(__file__).resolve().parents[1] / "schemas"
    code, data, err = report(capsys, "check", str(schemas), "--now", str(NOW))
    assert (code, data["summary"]["files"]) == (0, 0)
    assert err.count("skipped") == len(list(schemas.glob("*.schema.json"))) > 0
