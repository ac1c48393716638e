"""The command line: exit codes, output formats, selection, configuration,
standard input and the rule documentation commands (interface §3, §4)."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest
from helpers import NOW, body, website_event

from capi_lint import __version__, cli, registry

FINDING_LINE = re.compile(
    r"^(?P<path>.+):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]\d{3}) "
    r"\[(?P<severity>error|warning|info)\] (?P<message>.+)$"
)
SUMMARY_LINE = re.compile(
    r"^(All checks passed|Found \d+ errors?, \d+ warnings?, \d+ infos?) "
    r"\(\d+ files?, \d+ events?\)\.$"
)
FINDING_KEYS = {
    "code",
    "slug",
    "severity",
    "message",
    "path",
    "pointer",
    "line",
    "column",
    "event_index",
}
OPTIONAL_KEYS = {"fix", "doc_url"}


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in an empty directory (no config above it), without colour overrides."""
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path | str, payload) -> str:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = payload if isinstance(payload, str) else json.dumps(payload, indent=2)
    path.write_text(text, "utf-8")
    return str(path)


def event(i: int, **overrides) -> dict:
    """The clean website event, with its own event_id and order_id."""
    ev = website_event(event_id=f"order-{i}", **overrides)
    ev["custom_data"]["order_id"] = str(20_000 + i)
    return ev


def clean() -> dict:
    return body(website_event())


def with_warning() -> dict:
    """One E002 warning (a misspelt standard event name), nothing else."""
    return body(website_event(event_name="purchase"))


def with_error() -> dict:
    """E004 (error) and E002 (warning)."""
    return body(website_event(event_name="purchase", event_time="2025-11-22T08:24:40Z"))


def with_info() -> dict:
    """E004 at info level only (an integral float)."""
    return body(website_event(event_time=float(NOW - 120)))


def usage_error(code: int, out: str, err: str) -> str:
    assert code == 2
    assert out == ""
    lines = err.strip("\n").splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("capi-lint: error: ")
    return lines[0]


# --------------------------------------------------------------------------- exit codes


def test_exit_0_when_clean(capsys) -> None:
    code, out, _ = run(capsys, "check", write("ok.json", clean()), "--now", str(NOW))
    assert code == 0
    assert out == "All checks passed (1 file, 1 event).\n"


def test_exit_1_on_an_error(capsys) -> None:
    code, _, _ = run(capsys, "check", write("bad.json", with_error()), "--now", str(NOW))
    assert code == 1


def test_warnings_and_infos_do_not_fail_by_default(capsys) -> None:
    warn = write("warn.json", with_warning())
    info = write("info.json", with_info())
    assert run(capsys, "check", warn, info, "--now", str(NOW))[0] == 0


@pytest.mark.parametrize(
    ("fail_on", "payload", "expected"),
    [
        ("warning", with_warning, 1),
        ("warning", with_info, 0),
        ("info", with_info, 1),
        ("error", with_warning, 0),
        ("warning", clean, 0),
    ],
)
def test_fail_on(capsys, fail_on, payload, expected) -> None:
    path = write("p.json", payload())
    assert run(capsys, "check", path, "--now", str(NOW), "--fail-on", fail_on)[0] == expected


def test_fail_on_from_config(capsys) -> None:
    write(".capi-lint.toml", 'fail-on = "warning"\n')
    path = write("p.json", with_warning())
    assert run(capsys, "check", path, "--now", str(NOW))[0] == 1
    assert run(capsys, "check", path, "--now", str(NOW), "--fail-on", "error")[0] == 0


def test_invalid_input_file_exits_1(capsys) -> None:
    path = write("broken.json", '{"data": [')
    assert run(capsys, "check", path, "--now", str(NOW))[0] == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--select", "Q9"],
        ["--select", "E999"],
        ["--ignore", "Z"],
        ["--extend-select", "nonsense-slug"],
        ["--now", "yesterday"],
        ["--now", "2025-13-45"],
        ["--fail-on", "fatal"],
        ["--format", "xml"],
        ["--pii", "sometimes"],
        ["--default-region", "USA"],
        ["--no-such-flag"],
        ["--config", "missing.toml"],
    ],
)
def test_usage_errors_exit_2_with_one_line(capsys, args) -> None:
    path = write("p.json", clean())
    usage_error(*run(capsys, "check", path, *args))


def test_unknown_code_message_names_the_code(capsys) -> None:
    line = usage_error(*run(capsys, "check", write("p.json", clean()), "--select", "E9"))
    assert "'E9'" in line


@pytest.mark.parametrize(
    "config",
    [
        "select = [\n",  # not TOML
        "bogus = 1\n",  # unknown key
        'select = ["Q"]\n',  # unknown code
        "select = 3\n",
        'severity = "error"\n',
        "severity = 3\n",
        '[severity]\nE002 = "fatal"\n',
        '[severity]\nQ123 = "error"\n',
        "options = 3\n",
        "[options.E007]\nnot-an-option = 1\n",
        '[options.E007]\ntolerance-seconds = "60"\n',
        "[options.E007]\ntolerance-seconds = true\n",
        "[options.Q123]\nx = 1\n",
        '[per-file-ignores]\n"*.json" = 3\n',
        '[per-file-ignores]\n"*.json" = ["Q"]\n',
        'now = "last tuesday"\n',
        "now = nan\n",
        "now = inf\n",
        "now = true\n",
        'pii = "maybe"\n',
        'default-region = "Germany"\n',
        'fail-on = "fatal"\n',
    ],
)
def test_bad_config_exits_2_with_one_line(capsys, config: str) -> None:
    write(".capi-lint.toml", config)
    usage_error(*run(capsys, "check", write("p.json", clean())))


def test_unknown_config_key_is_named(capsys) -> None:
    write("pyproject.toml", '[tool.capi-lint]\nselekt = ["E"]\n')
    line = usage_error(*run(capsys, "check", write("p.json", clean())))
    assert "selekt" in line


def test_unknown_rule_for_rule_command(capsys) -> None:
    line = usage_error(*run(capsys, "rule", "Z999"))
    assert "Z999" in line


def test_version_and_help(capsys) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and __version__ in out
    code, out, _ = run(capsys, "check", "--help")
    assert code == 0 and "--select" in out


# --------------------------------------------------------------------------- JSON output


def _json(capsys, *args: str) -> tuple[int, dict]:
    code, out, _err = run(capsys, *args, "--format", "json")
    assert out.startswith("{") and out.rstrip().endswith("}")
    return code, json.loads(out)  # exactly one JSON document, nothing else


def test_json_output_shape(capsys) -> None:
    bad = write("b.json", with_error())
    ok = write("a.json", clean())
    info = write("c.json", with_info())
    code, doc = _json(capsys, "check", bad, ok, info, "--now", str(NOW))
    assert code == 1
    assert list(doc) == ["tool", "version", "summary", "findings"]
    assert doc["tool"] == "capi-lint" and doc["version"] == __version__
    assert doc["summary"] == {
        "files": 3,
        "events": 3,
        "errors": 1,
        "warnings": 1,
        "infos": 1,
        "age_checks_skipped": 0,
    }
    for finding in doc["findings"]:
        assert FINDING_KEYS <= set(finding) <= FINDING_KEYS | OPTIONAL_KEYS
        assert finding["severity"] in ("error", "warning", "info")
        assert isinstance(finding["line"], int) and isinstance(finding["column"], int)
        assert registry.get(finding["code"]).slug == finding["slug"]
    got = [
        (f["path"], f["code"], f["severity"], f["pointer"], f["event_index"])
        for f in doc["findings"]
    ]
    assert got == [
        (bad, "E002", "warning", "/data/0/event_name", 0),
        (bad, "E004", "error", "/data/0/event_time", 0),
        (info, "E004", "info", "/data/0/event_time", 0),
    ]


def test_json_summary_counts_match_findings(capsys) -> None:
    paths = [write(f"p{i}.json", p()) for i, p in enumerate([with_error, with_warning, with_info])]
    _, doc = _json(capsys, "check", *paths, "--now", str(NOW))
    severities = [f["severity"] for f in doc["findings"]]
    summary = doc["summary"]
    assert summary["errors"] == severities.count("error")
    assert summary["warnings"] == severities.count("warning")
    assert summary["infos"] == severities.count("info")


def test_json_findings_sorted_by_path_line_column_code(capsys) -> None:
    events = [
        event(1, event_name="purchase", event_time="x", action_source="Web"),
        event(2, event_name="add_to_cart", event_time=NOW + 7200),
    ]
    second = write("z/second.json", body(*events))
    first = write("a/first.json", body(*events))
    missing = "m/missing.json"
    _, doc = _json(capsys, "check", second, missing, first, "--now", str(NOW))
    keys = [(f["path"], f["line"] or 0, f["column"] or 0, f["code"]) for f in doc["findings"]]
    assert keys == sorted(keys)
    assert {f["path"] for f in doc["findings"]} == {first, second, missing}


def test_json_clean_run(capsys) -> None:
    code, doc = _json(capsys, "check", write("ok.json", clean()), "--now", str(NOW))
    assert code == 0
    assert doc["findings"] == []
    assert doc["summary"] == {
        "files": 1,
        "events": 1,
        "errors": 0,
        "warnings": 0,
        "infos": 0,
        "age_checks_skipped": 0,
    }


def test_json_on_stdout_notices_on_stderr(capsys) -> None:
    # A parse failure is still reported inside the JSON document, not as text.
    code, out, err = run(capsys, "check", write("x.json", "{"), "--format", "json")
    assert code == 1
    assert json.loads(out)["findings"][0]["code"] == "S001"
    assert "S001" not in err


# --------------------------------------------------------------------------- text output


def test_text_output_lines(capsys) -> None:
    path = write("bad.json", with_error())
    code, out, _ = run(capsys, "check", path, "--now", str(NOW))
    lines = out.splitlines()
    assert code == 1
    parsed = [FINDING_LINE.match(line) for line in lines[:-1]]
    assert all(parsed), lines
    assert [(m["path"], m["line"], m["col"], m["code"], m["severity"]) for m in parsed] == [
        (path, "4", "21", "E002", "warning"),
        (path, "5", "21", "E004", "error"),
    ]
    assert SUMMARY_LINE.match(lines[-1])
    assert lines[-1] == "Found 1 error, 1 warning, 0 infos (1 file, 1 event)."


def test_text_output_has_no_colour_when_not_a_tty(capsys) -> None:
    _, out, err = run(capsys, "check", write("bad.json", with_error()), "--now", str(NOW))
    assert "\x1b[" not in out and "\x1b[" not in err


def test_text_output_colour_can_be_forced_and_disabled(capsys, monkeypatch) -> None:
    path = write("bad.json", with_error())
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run(capsys, "check", path, "--now", str(NOW))[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run(capsys, "check", path, "--now", str(NOW))[1]


def test_unparsed_file_line_in_text(capsys) -> None:
    path = write("broken.json", '{\n  "data": [,]\n}')
    _, out, _ = run(capsys, "check", path)
    first = FINDING_LINE.match(out.splitlines()[0])
    assert first and (first["line"], first["col"], first["code"]) == ("2", "12", "S001")


def test_quiet_drops_the_summary(capsys) -> None:
    path = write("bad.json", with_error())
    _, out, _ = run(capsys, "check", path, "--now", str(NOW), "--quiet")
    assert all(FINDING_LINE.match(line) for line in out.splitlines())
    assert len(out.splitlines()) == 2
    _, out, _ = run(capsys, "check", write("ok.json", clean()), "--now", str(NOW), "-q")
    assert out == ""


def test_statistics(capsys) -> None:
    events = [event(i, event_name="purchase") for i in range(3)]
    path = write("stats.json", body(*events, event(9, event_time="x")))
    _, out, _ = run(capsys, "check", path, "--now", str(NOW), "--statistics", "--select", "E")
    stats = [line for line in out.splitlines() if re.match(r"^\s+\d+\s+[A-Z]\d{3}\s", line)]
    assert [line.split() for line in stats] == [
        ["3", "E002", "event-name-case-variant", "[warning]"],
        ["1", "E004", "event-time-not-integer", "[error]"],
    ]
    assert SUMMARY_LINE.match(out.splitlines()[-1])


# --------------------------------------------------------------------------- selection


def _codes(capsys, *args: str) -> set[str]:
    path = write(
        "sel.json",
        body(website_event(event_name="purchase", event_time="x", click_id="abc", opt_out="no")),
    )
    _, doc = _json(capsys, "check", path, "--now", str(NOW), *args)
    return {f["code"] for f in doc["findings"]}


def test_selection_default_is_everything(capsys) -> None:
    assert {"E002", "E004", "S009", "S010"} <= _codes(capsys)


def test_select_prefix(capsys) -> None:
    assert _codes(capsys, "--select", "E") == {"E002", "E004"}
    assert _codes(capsys, "--select", "S0") == {"S009", "S010"}
    assert _codes(capsys, "--select", "E002,S010") == {"E002", "S010"}
    assert _codes(capsys, "--select", "E002", "--select", "S009") == {"E002", "S009"}


def test_select_by_slug(capsys) -> None:
    assert _codes(capsys, "--select", "unknown-key") == {"S009"}


def test_ignore_prefix(capsys) -> None:
    codes = _codes(capsys, "--ignore", "S")
    assert "S009" not in codes and "S010" not in codes and "E002" in codes
    assert _codes(capsys, "--select", "E,S", "--ignore", "E00,S010") == {"S009"}


def test_extend_select(capsys) -> None:
    assert _codes(capsys, "--select", "S", "--extend-select", "E002") == {"S009", "S010", "E002"}
    write(".capi-lint.toml", 'select = ["S009"]\n')
    assert _codes(capsys, "--extend-select", "E00") == {"S009", "E002", "E004"}


def test_case_insensitive_codes(capsys) -> None:
    assert _codes(capsys, "--select", "e002") == {"E002"}


# --------------------------------------------------------------------------- configuration


def test_config_in_pyproject(capsys) -> None:
    write("pyproject.toml", '[project]\nname = "x"\n\n[tool.capi-lint]\nselect = ["S"]\n')
    assert _codes(capsys) == {"S009", "S010"}


def test_config_in_dot_file(capsys) -> None:
    write(".capi-lint.toml", 'select = ["E004"]\n')
    assert _codes(capsys) == {"E004"}


def test_config_found_in_a_parent_directory(capsys, tmp_path: Path, monkeypatch) -> None:
    write(".capi-lint.toml", 'select = ["E004"]\n')
    # A pyproject.toml without our table on the way up does not stop the search.
    write("sub/pyproject.toml", '[project]\nname = "x"\n')
    (tmp_path / "sub" / "deeper").mkdir()
    monkeypatch.chdir(tmp_path / "sub" / "deeper")
    assert _codes(capsys) == {"E004"}


def test_config_flag(capsys) -> None:
    write(".capi-lint.toml", 'select = ["E004"]\n')
    write("other/custom.toml", 'select = ["E002"]\n')
    assert _codes(capsys, "--config", "other/custom.toml") == {"E002"}
    write("other/pyproject.toml", '[tool.capi-lint]\nselect = ["S010"]\n')
    assert _codes(capsys, "--config", "other/pyproject.toml") == {"S010"}


def test_config_flag_pyproject_without_table(capsys) -> None:
    write("pyproject.toml", '[project]\nname = "x"\n')
    usage_error(*run(capsys, "check", write("p.json", clean()), "--config", "pyproject.toml"))


def test_flags_win_over_config(capsys) -> None:
    write(".capi-lint.toml", 'select = ["E004"]\nfail-on = "info"\nnow = 1000\n')
    assert _codes(capsys, "--select", "E002") == {"E002"}
    path = write("w.json", with_info())
    assert run(capsys, "check", path, "--select", "E", "--now", str(NOW))[0] == 1
    assert run(capsys, "check", path, "--now", str(NOW), "--fail-on", "error")[0] == 0


def test_now_from_config_and_flag(capsys) -> None:
    path = write("old.json", clean())  # two minutes before NOW
    write(".capi-lint.toml", f"now = {NOW + 8 * 86_400}\n")
    _, doc = _json(capsys, "check", path, "--select", "E006")
    assert [f["code"] for f in doc["findings"]] == ["E006"]
    _, doc = _json(capsys, "check", path, "--select", "E006", "--now", "2025-11-22T08:26:40Z")
    assert doc["findings"] == []


def test_now_iso_equals_unix(capsys) -> None:
    path = write("p.json", body(website_event(event_time=NOW - 7200)))
    _, a = _json(capsys, "check", path, "--now", str(NOW))
    _, b = _json(capsys, "check", path, "--now", "2025-11-22T08:26:40Z")
    _, c = _json(capsys, "check", path, "--now", "2025-11-22T09:26:40+01:00")
    assert a == b == c
    assert [f["code"] for f in a["findings"]] == ["E008"]


def test_severity_override(capsys) -> None:
    write(".capi-lint.toml", '[severity]\nE002 = "error"\nE004 = "info"\n')
    path = write("p.json", with_error())
    code, doc = _json(capsys, "check", path, "--now", str(NOW))
    assert code == 1
    assert {f["code"]: f["severity"] for f in doc["findings"]} == {"E002": "error", "E004": "info"}
    assert doc["summary"]["errors"] == 1 and doc["summary"]["infos"] == 1


def test_per_file_ignores(capsys) -> None:
    write(".capi-lint.toml", '[per-file-ignores]\n"legacy/*.json" = ["E00"]\n')
    legacy = write("legacy/old.json", with_error())
    current = write("current/new.json", with_error())
    code, doc = _json(capsys, "check", legacy, current, "--now", str(NOW))
    assert code == 1
    assert {f["path"] for f in doc["findings"]} == {current}
    code, doc = _json(capsys, "check", legacy, "--now", str(NOW))
    assert code == 0 and doc["findings"] == []


def test_rule_options(capsys) -> None:
    path = write("future.json", body(website_event(event_time=NOW + 1800)))
    _, doc = _json(capsys, "check", path, "--now", str(NOW), "--select", "E007")
    assert [f["code"] for f in doc["findings"]] == ["E007"]
    write(".capi-lint.toml", "[options.E007]\ntolerance-seconds = 3600\n")
    _, doc = _json(capsys, "check", path, "--now", str(NOW), "--select", "E007")
    assert doc["findings"] == []


def test_rule_options_in_pyproject(capsys) -> None:
    write(
        "pyproject.toml",
        '[tool.capi-lint]\nselect = ["E006"]\n\n[tool.capi-lint.options.E006]\nmax-age-days = 3\n',
    )
    path = write("p.json", body(website_event(event_time=NOW - 4 * 86_400)))
    code, doc = _json(capsys, "check", path, "--now", str(NOW))
    assert code == 1 and [f["code"] for f in doc["findings"]] == ["E006"]


# --------------------------------------------------------------------------- stdin


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_stdin_json(capsys, monkeypatch) -> None:
    _stdin(monkeypatch, json.dumps(with_warning(), indent=2).encode())
    code, doc = _json(capsys, "check", "-", "--now", str(NOW), "--fail-on", "warning")
    assert code == 1
    assert [(f["path"], f["code"], f["line"], f["column"]) for f in doc["findings"]] == [
        ("-", "E002", 4, 21)
    ]


def test_stdin_json_lines(capsys, monkeypatch) -> None:
    lines = [json.dumps(event(i)) for i in range(3)]
    lines[1] = json.dumps(event(1, event_name="lead"))
    _stdin(monkeypatch, ("\n".join(lines) + "\n").encode())
    code, doc = _json(capsys, "check", "-", "--now", str(NOW))
    assert code == 0
    assert [(f["code"], f["line"], f["event_index"]) for f in doc["findings"]] == [("E002", 2, 1)]
    assert doc["summary"]["events"] == 3


def test_stdin_and_files_together(capsys, monkeypatch) -> None:
    _stdin(monkeypatch, json.dumps(with_error()).encode())
    code, doc = _json(capsys, "check", write("ok.json", clean()), "-", "--now", str(NOW))
    assert code == 1
    assert doc["summary"]["files"] == 2
    assert {f["path"] for f in doc["findings"]} == {"-"}


# --------------------------------------------------------------------------- rule docs


def test_rule_command_prints_the_registry_doc(capsys) -> None:
    for key in ("E007", "e007", "event-time-in-future"):
        code, out, _ = run(capsys, "rule", key)
        rule = registry.get("E007")
        assert code == 0
        assert out.startswith("# E007 event-time-in-future\n")
        assert rule.doc.render() in out
        for section in ("What it does", "Why is this bad?", "Example", "Fix", "Options", "Source"):
            assert f"## {section}\n{rule.doc.section(section)}" in out
        assert "tolerance-seconds" in out


@pytest.mark.parametrize("rule", registry.all_rules(), ids=lambda r: r.code)
def test_rule_command_for_every_rule(capsys, rule: registry.Rule) -> None:
    code, out, _ = run(capsys, "rule", rule.code)
    assert code == 0
    assert out.startswith(f"# {rule.code} {rule.slug}\n")
    assert f"Default severity: {rule.severity.value}" in out
    assert out.endswith(rule.doc.render())
    code, out, _ = run(capsys, "rule", rule.slug, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data == json.loads(json.dumps(rule.to_dict()))
    assert data["doc"] == {name: rule.doc.section(name) for name in registry.DOC_SECTIONS}


def test_rules_command_text(capsys) -> None:
    code, out, _ = run(capsys, "rules")
    assert code == 0
    lines = out.splitlines()
    rules = registry.all_rules()
    assert len(lines) == len(rules)
    for line, rule in zip(lines, rules, strict=True):
        assert line.split()[:3] == [rule.code, rule.slug, rule.severity.value]
        assert line.endswith(rule.summary)


def test_rules_command_json(capsys) -> None:
    code, out, _ = run(capsys, "rules", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [r["code"] for r in data] == list(registry.iter_codes())
    assert data == json.loads(json.dumps([r.to_dict() for r in registry.all_rules()]))
    for code_ in ("S001", "S010", "E001", "E013"):
        assert code_ in [r["code"] for r in data]


def test_engine_spark_without_pyspark_is_one_line_naming_the_extra(
    capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # `import pyspark` raises ImportError
    path = write(tmp_path / "day.jsonl", json.dumps(website_event()) + "\n")
    code, out, err = run(capsys, "check", "--engine", "spark", path, "--now", str(NOW))
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        "capi-lint: error: the Spark engine needs PySpark: pip install 'capi-lint[spark]'"
    ]


def test_spark_only_options_need_the_spark_engine(capsys, tmp_path: Path) -> None:
    path = write(tmp_path / "a.json", clean())
    code, _, err = run(capsys, "check", path, "--output", "findings.parquet")
    assert code == 2
    assert "--output need --engine spark" in err
    code, _, err = run(capsys, "check", "--engine", "spark", path, "--fix")
    assert (code, err.strip()) == (2, "capi-lint: error: --engine spark does not support --fix")
