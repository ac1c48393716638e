"""The sarif, github and junit formats, the progress bar, and the README's
GitHub Actions example (run for real, its SARIF validated against the
official OASIS schema in tests/data, offline)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from helpers import NOW, body, website_event

from capi_lint import registry
from capi_lint.cli import cli
from capi_lint.config import build_settings
from capi_lint.model import FileResult, Finding, RunResult, Severity, Summary
from capi_lint.progress import Progress, wanted
from capi_lint.reporters import REPORTERS, github, junit, sarif
from capi_lint.runner import run

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text("utf-8"))


def readme_block(name: str) -> str:
    """The fenced block right after ``<!-- snippet: name -->`` in the README."""
    text = (ROOT / "README.md").read_text("utf-8")
    match = re.search(rf"<!-- snippet: {re.escape(name)} -->\s*```[\w-]*\n(.*?)```", text, re.S)
    assert match, f"README has no snippet {name!r}"
    return match.group(1)


def sarif_errors(document: dict) -> list[str]:
    validator = jsonschema.Draft4Validator(
        SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def finding(**kw) -> Finding:
    base = dict(
        code="E005",
        slug="event-time-milliseconds",
        severity=Severity.ERROR,
        message="`event_time` looks like milliseconds",
        path="payloads/a.json",
        pointer="/data/0/event_time",
        line=5,
        column=21,
        event_index=0,
        fix="divide by 1000",
        doc_url="https://example.invalid/e005",
    )
    base.update(kw)
    return Finding(**base)


def result_of(*findings: Finding, paths: tuple[str, ...] = ()) -> RunResult:
    out = RunResult()
    by_path: dict[str, FileResult] = {p: FileResult(p) for p in paths}
    for f in findings:
        by_path.setdefault(f.path, FileResult(f.path)).findings.append(f)
    out.results = list(by_path.values())
    out.summary = Summary()
    for r in out.results:
        out.summary.add(r)
    return out


@pytest.fixture()
def payloads(tmp_path: Path) -> Path:
    folder = tmp_path / "payloads"
    folder.mkdir()
    (folder / "clean.json").write_text(json.dumps(body(website_event()), indent=2))
    broken = website_event(event_time=NOW * 1000, action_source="Website")
    (folder / "broken.json").write_text(json.dumps(body(broken), indent=2))
    lines = [json.dumps(website_event(event_id=f"e{i}")) for i in range(3)]
    lines[1] = '{"event_name": "Purchase", '  # a bad line
    (folder / "events.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def run_folder(folder: Path, **config) -> RunResult:
    return run([str(folder)], build_settings({"now": NOW, **config}))


# --------------------------------------------------------------------------- registry


def test_formats_are_registered_for_the_cli() -> None:
    assert {"text", "json", "sarif", "github", "junit"} <= set(REPORTERS)
    option = next(p for p in cli.commands["check"].params if p.name == "output_format")
    assert {"sarif", "github", "junit"} <= set(option.type.choices)


# --------------------------------------------------------------------------- sarif


@pytest.mark.parametrize("quiet", [False, True])
@pytest.mark.parametrize("show_stats", [False, True])
def test_text_in_chunks_is_the_whole_report(quiet: bool, show_stats: bool) -> None:
    # The CLI writes the text report in pieces; together they are render()'s text.
    from capi_lint.reporters import text

    found = [finding(line=n, message=f"message {n}") for n in range(1, 6)]
    result = result_of(*found)
    whole = text.render(result, quiet=quiet, show_stats=show_stats)
    assert whole.count("message ") == 5 and whole.endswith("\n")
    for size in (1, 2, 5, 1000):
        chunks = list(text.render_chunks(result, quiet=quiet, show_stats=show_stats, size=size))
        assert "".join(chunks) == whole
        assert max(chunk.count("message ") for chunk in chunks) <= size
    assert list(text.render_chunks(result_of(), quiet=True)) == []


def test_failed_sees_a_finding_in_any_file() -> None:
    result = result_of(
        finding(path="a.json", severity=Severity.INFO),
        finding(path="b.json", severity=Severity.WARNING),
    )
    assert result.failed(Severity.WARNING) and not result.failed(Severity.ERROR)


def test_sarif_of_a_real_run_is_valid_against_the_oasis_schema(payloads: Path) -> None:
    document = sarif.document(run_folder(payloads), registry.catalogue())
    assert sarif_errors(document) == []
    results = document["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"E005", "E010", "S001"}


def test_sarif_rules_carry_the_docs() -> None:
    document = sarif.document(result_of(), registry.catalogue())
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.code for r in registry.all_rules()]
    e005 = next(r for r in rules if r["id"] == "E005")
    rule = registry.get("E005")
    assert e005["name"] == "event-time-milliseconds"
    assert e005["shortDescription"]["text"] == rule.summary
    assert e005["help"]["text"] == rule.doc.render()
    assert "## Why is this bad?" in e005["help"]["markdown"]
    assert e005["helpUri"] == rule.doc_url
    assert e005["defaultConfiguration"]["level"] == "error"
    for r in rules:  # GitHub code scanning rejects longer descriptions
        assert 0 < len(r["fullDescription"]["text"]) <= 1000
        assert r["shortDescription"]["text"]


def test_sarif_results_locations_levels_and_pointers() -> None:
    findings = [
        finding(),
        finding(code="E002", severity=Severity.WARNING, line=4, pointer="/data/0/a~1b", fix=None),
        finding(code="E008", severity=Severity.INFO, line=None, column=None, event_index=None),
        finding(path="/abs/dir/x y.json", pointer=""),
    ]
    document = sarif.document(result_of(*findings), registry.catalogue())
    assert sarif_errors(document) == []
    run_ = document["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    by_level = {r["level"] for r in run_["results"]}
    assert by_level == {"error", "warning", "note"}
    for r in run_["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    first = next(r for r in run_["results"] if r["ruleId"] == "E005" and r["properties"]["pointer"])
    location = first["locations"][0]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "payloads/a.json"},
        "region": {"startLine": 5, "startColumn": 21},
    }
    assert location["logicalLocations"] == [
        {"name": "event_time", "fullyQualifiedName": "/data/0/event_time"}
    ]
    assert first["message"]["text"].endswith("Fix: divide by 1000")
    assert first["properties"]["eventIndex"] == 0
    escaped = next(r for r in run_["results"] if r["ruleId"] == "E002")
    assert escaped["locations"][0]["logicalLocations"][0]["name"] == "a/b"
    no_line = next(r for r in run_["results"] if r["ruleId"] == "E008")
    assert "region" not in no_line["locations"][0]["physicalLocation"]
    absolute = next(r for r in run_["results"] if r["properties"]["pointer"] == "")
    uri = absolute["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file:///") and "x%20y.json" in uri
    assert "logicalLocations" not in absolute["locations"][0]
    fingerprints = {r["partialFingerprints"]["capiLintFinding/v1"] for r in run_["results"]}
    assert len(fingerprints) == len(run_["results"])


def test_sarif_artifact_uris() -> None:
    assert sarif.artifact_uri("a b/c.json") == "a%20b/c.json"
    assert sarif.artifact_uri("-") == "-"
    assert sarif.artifact_uri("https://graph.facebook.com/v21.0/dataset_quality") == (
        "https://graph.facebook.com/v21.0/dataset_quality"
    )


def test_sarif_through_the_cli_is_one_json_document(payloads: Path) -> None:
    out = CliRunner().invoke(cli, ["check", str(payloads), "--now", str(NOW), "--format", "sarif"])
    assert out.exit_code == 1
    assert sarif_errors(json.loads(out.stdout)) == []


# --------------------------------------------------------------------------- github


def test_github_annotations() -> None:
    text = github.render(
        result_of(
            finding(),
            finding(code="E002", severity=Severity.WARNING, fix=None),
            finding(code="E008", severity=Severity.INFO, line=None, column=None, fix=None),
        )
    )
    lines = sorted(text.splitlines())  # ::error, ::notice, ::warning
    assert lines[0] == (
        "::error file=payloads/a.json,line=5,col=21,title=E005 (event-time-milliseconds)::"
        "`event_time` looks like milliseconds [/data/0/event_time]%0AFix: divide by 1000"
    )
    assert lines[1].startswith("::notice file=payloads/a.json,title=E008 ")
    assert lines[2].startswith("::warning file=payloads/a.json,line=5,col=21,title=E002 ")


def test_github_escapes_properties_and_data() -> None:
    line = github.format_finding(
        finding(path="dir,x:y%.json", message="50% done\r\nnext", fix=None, pointer="")
    )
    assert line.startswith("::error file=dir%2Cx%3Ay%25.json,line=5,")
    assert line.endswith("::50%25 done%0D%0Anext")


def test_github_through_the_cli(payloads: Path) -> None:
    out = CliRunner().invoke(cli, ["check", str(payloads), "--now", str(NOW), "--format", "github"])
    assert out.exit_code == 1
    assert all(line.startswith("::") for line in out.stdout.splitlines())
    assert "title=E005 (event-time-milliseconds)" in out.stdout


def test_github_empty_run_prints_nothing() -> None:
    assert github.render(result_of(paths=("a.json",))) == ""


# --------------------------------------------------------------------------- junit


def test_junit_one_case_per_file(payloads: Path) -> None:
    xml = junit.render(run_folder(payloads))
    root = ET.fromstring(xml.encode("utf-8"))
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    names = sorted(c.get("name") for c in cases)
    assert names == sorted(str(payloads / n) for n in ("broken.json", "clean.json", "events.jsonl"))
    assert suite.get("tests") == "3" and suite.get("failures") == "2"
    by_name = {Path(c.get("name")).name: c for c in cases}
    assert by_name["clean.json"].find("failure") is None
    failure = by_name["broken.json"].find("failure")
    assert "E005" in failure.get("message")
    assert re.search(r"broken\.json:\d+:\d+: E005 \[error\] ", failure.text)


def test_junit_fail_on_decides_what_fails() -> None:
    warn_only = result_of(finding(severity=Severity.WARNING, code="E002"))
    root = ET.fromstring(junit.render(warn_only))
    case = root.find("testsuite/testcase")
    assert case.find("failure") is None
    assert "E002 [warning]" in case.find("system-out").text
    root = ET.fromstring(junit.render(warn_only, fail_on="warning"))
    assert root.find("testsuite/testcase/failure") is not None
    assert root.get("failures") == "1"


def test_junit_survives_characters_xml_cannot_carry() -> None:
    bad = result_of(finding(message="bell \x07 and surrogate \udcff", path="p\x01.json"))
    root = ET.fromstring(junit.render(bad).encode("utf-8"))
    assert "\ufffd" in root.find("testsuite/testcase").get("name")


def test_junit_through_the_cli_with_fail_on(payloads: Path) -> None:
    out = CliRunner().invoke(
        cli, ["check", str(payloads / "clean.json"), "--now", str(NOW), "--format", "junit"]
    )
    assert out.exit_code == 0
    assert ET.fromstring(out.stdout.encode()).get("failures") == "0"


# --------------------------------------------------------------------------- progress


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        self.t += 0.2
        return self.t


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_for_many_files_and_erases_itself(tmp_path: Path) -> None:
    for i in range(25):
        (tmp_path / f"{i:02}.json").write_text(json.dumps(body(website_event())))
    stream = Tty()
    result = run(
        [str(tmp_path)], build_settings({"now": NOW}), progress=Progress(stream, clock=FakeClock())
    )
    assert result.summary.files == 25
    text = stream.getvalue()
    assert "capi-lint [" in text and "/25 files" in text
    assert text.endswith("\r\x1b[K")  # the bar is gone when the report is printed


def test_progress_inside_a_large_json_lines_file(monkeypatch, tmp_path: Path) -> None:
    from capi_lint import progress as progress_mod

    monkeypatch.setattr(progress_mod, "LARGE_BYTES", 1000)
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(json.dumps(website_event(event_id=f"e{i}")) for i in range(200)))
    bar = Progress(Tty(), clock=FakeClock())
    seen: list[str] = []
    original = bar.render
    bar.render = lambda: seen.append(original()) or seen[-1]  # type: ignore[method-assign]
    run([str(path)], build_settings({"now": NOW}), progress=bar)
    partial = [s for s in seen if "0/1 files" in s]
    assert partial, seen  # drawn while the one file was still being read
    assert any(" 0%" not in s for s in partial)


def test_progress_stays_quiet_for_small_runs(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(body(website_event())))
    stream = Tty()
    run([str(tmp_path)], build_settings({"now": NOW}), progress=Progress(stream, clock=FakeClock()))
    assert stream.getvalue() == ""


def test_progress_only_on_a_terminal(monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    assert wanted(Tty())
    assert not wanted(Tty(), enabled=False)  # --no-progress
    assert not wanted(io.StringIO())  # a pipe or a file
    monkeypatch.setenv("CI", "true")
    assert not wanted(Tty())


def test_no_progress_flag_and_clean_stderr(payloads: Path) -> None:
    out = CliRunner().invoke(
        cli, ["check", str(payloads), "--now", str(NOW), "--format", "json", "--no-progress"]
    )
    assert out.exit_code == 1
    json.loads(out.stdout)
    assert out.stderr == ""


# --------------------------------------------------------------------------- README: Actions


def test_readme_github_actions_example_runs(tmp_path: Path, payloads: Path) -> None:
    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load(readme_block("github-actions"))
    steps = workflow["jobs"]["capi-lint"]["steps"]
    assert workflow["permissions"]["security-events"] == "write"
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action"))
    assert upload["if"] == "always()"
    commands = [s["run"] for s in steps if "run" in s and "capi-lint check" in s["run"]]
    assert len(commands) == 2
    repo = tmp_path / "repo"
    (repo / "tests").mkdir(parents=True)
    shutil.copytree(payloads, repo / "tests" / "payloads")
    (repo / ".capi-lint.toml").write_text(f"now = {NOW}\n")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    env.pop("CI", None)
    statuses = []
    outputs = []
    for command in commands:
        done = subprocess.run(
            ["bash", "-e", "-c", command], cwd=repo, env=env, capture_output=True, text=True
        )
        statuses.append(done.returncode)
        outputs.append(done.stdout)
    assert statuses == [1, 0]  # annotations fail the job; the SARIF step still writes its file
    assert "::error file=tests/payloads/broken.json" in outputs[0]
    document = json.loads((repo / upload["with"]["sarif_file"]).read_text("utf-8"))
    assert sarif_errors(document) == []
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in document["runs"][0]["results"]
    }
    assert "tests/payloads/broken.json" in uris


REPORTER_MODULES = (
    "capi_lint.reporters",
    "capi_lint.reporters.text",
    "capi_lint.reporters.json_report",
    "capi_lint.reporters.sarif",
    "capi_lint.reporters.github",
    "capi_lint.reporters.junit",
    "capi_lint.reporters.coverage_report",
)


@pytest.mark.parametrize("module", REPORTER_MODULES)
def test_a_reporter_depends_on_the_model_alone(module: str) -> None:
    # A fresh interpreter: this process has long imported everything.
    code = (
        f"import sys, {module}\n"
        "heavy = ('engine', 'loader', 'config', 'registry', 'runner', 'coverage', 'rules')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[:2] in "
        "[['capi_lint', h] for h in heavy]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]", out
