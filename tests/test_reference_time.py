"""The reference time (*now*): `capi-lint check` on files gives the same answer
every day; age checks run only with `--now`, `now =` or `per-file-now`; serve and
the library call in sending code default to the clock (issue 16, interface §3).

The clock is injected (``capi_lint.config.time``), never read by an assertion.
"""

from __future__ import annotations

import json
import types
import urllib.request
from pathlib import Path

import pytest
from helpers import NOW, body, store_event, user_data, website_event

import capi_lint
from capi_lint import cli, config, registry, runner
from capi_lint.registry import NeedsNow
from capi_lint.serve import LintServer

DAY = 86_400
NOW_ISO = "2025-11-22T08:26:40Z"  # helpers.NOW
CAPTURED_ISO = "2023-11-12T15:46:51Z"
CAPTURED = 1_699_804_011  # CAPTURED_ISO


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


def event_at(when: int, **overrides: object) -> dict:
    """A clean website event that happened at ``when``, its cookies set before it."""
    cookies = user_data(
        fbc=f"fb.1.{(when - 1000) * 1000}.IwAR2xYzAbCdEfGhIjKl",
        fbp=f"fb.1.{(when - 10_000) * 1000}.1234567890",
    )
    return website_event(event_time=when, **{"user_data": cookies, **overrides})


def set_clock(monkeypatch: pytest.MonkeyPatch, seconds: int) -> None:
    """Every reading of the clock by capi-lint returns ``seconds``."""
    monkeypatch.setattr(config, "time", types.SimpleNamespace(time=lambda: float(seconds)))


def write(path: Path | str, payload: object) -> str:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = payload if isinstance(payload, str) else json.dumps(payload, indent=2)
    path.write_text(text, "utf-8")
    return str(path)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *args: str) -> tuple[int, dict]:
    code, out, _ = run(capsys, "check", *args, "--format", "json")
    return code, json.loads(out)


def codes(doc: dict) -> list[str]:
    return [f["code"] for f in doc["findings"]]


def by_code(doc: dict, code: str) -> list[dict]:
    return [f for f in doc["findings"] if f["code"] == code]


# --------------------------------------------------------------------------- default


def fixture_set() -> list[str]:
    """Fixtures captured at NOW: clean, 8 days old, 2 hours old, 1 hour ahead."""
    return [
        write("fixtures/clean.json", body(website_event())),
        write("fixtures/stale.json", body(event_at(NOW - 8 * DAY))),
        write("fixtures/delayed.json", body(event_at(NOW - 2 * 3600))),
        write("fixtures/ahead.json", body(event_at(NOW + 3600))),
    ]


def test_check_gives_the_same_answer_whatever_the_date(capsys, monkeypatch) -> None:
    paths = fixture_set()
    answers = []
    for clock in (NOW, NOW + 30 * DAY, NOW + 3 * 365 * DAY):
        set_clock(monkeypatch, clock)
        answers.append(run_json(capsys, *paths))
    assert answers[0] == answers[1] == answers[2]
    code, doc = answers[0]
    assert code == 0
    assert not {"E006", "E007", "E008"} & set(codes(doc))
    assert doc["summary"]["age_checks_skipped"] == 4


def test_with_a_reference_time_the_age_checks_run(capsys) -> None:
    code, doc = run_json(capsys, *fixture_set(), "--now", NOW_ISO)
    assert code == 1
    assert sorted(codes(doc)) == ["E006", "E007", "E008"]
    assert doc["summary"]["age_checks_skipped"] == 0


def test_the_text_summary_says_once_how_to_turn_age_checks_on(capsys) -> None:
    code, out, _ = run(capsys, "check", *fixture_set())
    assert code == 0
    notes = [line for line in out.splitlines() if "Age checks skipped" in line]
    assert len(notes) == 1
    assert "--now TIME" in notes[0] and "per-file-now" in notes[0] and "--now clock" in notes[0]
    assert "E006, E007, E008" in notes[0]
    # With a reference time, or without any rule that needs one: no note.
    assert "Age checks" not in run(capsys, "check", *fixture_set(), "--now", NOW_ISO)[1]
    assert "Age checks" not in run(capsys, "check", *fixture_set(), "--select", "E001")[1]
    # --quiet prints findings only.
    assert "Age checks" not in run(capsys, "check", *fixture_set(), "--quiet")[1]


def test_the_note_counts_only_the_files_without_a_reference_time(capsys) -> None:
    write(".capi-lint.toml", f'[per-file-now]\n"fixtures/clean.json" = "{NOW_ISO}"\n')
    out = run(capsys, "check", *fixture_set())[1]
    assert "Age checks skipped in 3 files:" in out


def test_date_independent_time_checks_still_run_without_a_reference_time(capsys) -> None:
    fbc_after_event = f"fb.1.{(NOW + 3 * DAY) * 1000}.IwAR2xYzAbCdEfGhIjKl"
    path = write(
        "p.json",
        body(
            website_event(event_time=NOW * 1000, event_id="a"),  # E005 milliseconds
            website_event(event_time=str(NOW), event_id="b"),  # E004 a string
            website_event(event_id="c", user_data=user_data(fbc=fbc_after_event)),  # U009
            event_at(NOW - 9 * DAY, event_id="d"),  # 9 days before /data/2
        ),
    )
    _, doc = run_json(capsys, path)
    assert {"E004", "E005", "U009", "E006"} <= set(codes(doc))
    (u009,) = by_code(doc, "U009")
    assert "3.0 days after the event's `event_time`" in u009["message"]
    (stale,) = by_code(doc, "E006")
    assert stale["pointer"] == "/data/3/event_time"
    assert "9.0 days before the newest event of this request" in stale["message"]
    assert doc["summary"]["age_checks_skipped"] == 1


def test_request_spread_uses_the_physical_store_window(capsys) -> None:
    inside = body(store_event(event_time=NOW - 60 * DAY), store_event(event_time=NOW))
    outside = body(store_event(event_time=NOW - 63 * DAY), store_event(event_time=NOW))
    _, doc = run_json(capsys, write("in.json", inside), write("out.json", outside))
    assert [(f["path"], f["pointer"]) for f in by_code(doc, "E006")] == [
        ("out.json", "/data/0/event_time")
    ]


def test_a_json_lines_log_of_events_is_not_one_request(capsys) -> None:
    lines = [event_at(NOW - 30 * DAY), event_at(NOW)]
    path = write("log.jsonl", "\n".join(json.dumps(e) for e in lines) + "\n")
    _, doc = run_json(capsys, path)
    assert "E006" not in codes(doc)


def test_partly_dated_rules_skip_only_their_date_checks(capsys) -> None:
    # N006: a date of birth after the reference time is judged only with one;
    # a badly written one always.
    future_dob = body(website_event(user_data={**user_data(), "db": "20991231"}))
    bad_dob = body(website_event(user_data={**user_data(), "db": "1990-02-16"}))
    paths = [write("future.json", future_dob), write("bad.json", bad_dob)]
    _, without = run_json(capsys, *paths, "--pii", "raw", "--select", "N006")
    assert [f["path"] for f in without["findings"]] == ["bad.json"]
    _, pinned = run_json(capsys, *paths, "--pii", "raw", "--select", "N006", "--now", NOW_ISO)
    assert [f["path"] for f in pinned["findings"]] == ["bad.json", "future.json"]
    assert NOW_ISO in by_code(pinned, "N006")[1]["message"]


# --------------------------------------------------------------------------- messages


def test_every_time_rule_message_names_the_reference_time(capsys) -> None:
    fbc_ahead = f"fb.1.{(NOW + 3 * DAY) * 1000}.IwAR2xYzAbCdEfGhIjKl"
    payload = body(
        event_at(NOW - 8 * DAY, event_id="a"),  # E006
        event_at(NOW + 2 * 3600, event_id="b"),  # E007
        event_at(NOW - 3 * 3600, event_id="c"),  # E008
        # U009: created 3 days after the reference time (and before its event_time)
        website_event(event_time=NOW + 4 * DAY, event_id="d", user_data=user_data(fbc=fbc_ahead)),
    )
    _, doc = run_json(capsys, write("p.json", payload), "--now", str(NOW))
    found = {f["code"] for f in doc["findings"]}
    assert {"E006", "E007", "E008", "U009"} <= found
    for f in doc["findings"]:
        if registry.get(f["code"]).needs_now is not NeedsNow.NO:
            assert NOW_ISO in f["message"], f


# --------------------------------------------------------------------------- the clock


def test_now_clock_on_the_command_line_and_in_config(capsys, monkeypatch) -> None:
    set_clock(monkeypatch, NOW + 10 * DAY)
    path = write("p.json", body(website_event()))
    _, doc = run_json(capsys, path, "--now", "clock")
    (stale,) = by_code(doc, "E006")
    assert "10.0 days before the reference time 2025-12-02T08:26:40Z" in stale["message"]
    write(".capi-lint.toml", 'now = "clock"\n')
    _, doc = run_json(capsys, path)
    assert codes(doc) == ["E006"]
    assert doc["summary"]["age_checks_skipped"] == 0


def test_library_check_defaults_to_the_clock_and_check_file_does_not(monkeypatch) -> None:
    set_clock(monkeypatch, NOW + 10 * DAY)
    payload = body(website_event())
    assert [f.code for f in capi_lint.check(payload)] == ["E006"]
    with pytest.raises(capi_lint.PayloadError):
        capi_lint.assert_valid(payload)
    assert capi_lint.check(payload, now=NOW) == []
    # check_file is `capi-lint check` on one file: deterministic.
    assert capi_lint.check_file(write("p.json", payload)) == []
    assert [f.code for f in capi_lint.check_file("p.json", now="clock")] == ["E006"]


def test_serve_defaults_to_the_clock(monkeypatch) -> None:
    set_clock(monkeypatch, NOW + 10 * DAY)
    with LintServer({}) as server:
        request = urllib.request.Request(
            server.url("123") + "?access_token=EAABsbCS1iHgBAOZAtestTOKEN1234567890",
            data=json.dumps(body(website_event())).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as answer:  # a Graph-style 400
            urllib.request.urlopen(request, timeout=10)
        assert answer.value.code == 400
        assert [f.code for f in server.findings] == ["E006"]


# --------------------------------------------------------------------------- per file


def captured_fixtures(root: Path) -> dict[str, str]:
    """Fixtures captured on 2023-11-12 (listed in per-file-now) and one that is not."""
    return {
        "clean": write(root / "fixtures/2023/clean.json", body(event_at(CAPTURED - 120))),
        "stale": write(root / "fixtures/2023/stale.json", body(event_at(CAPTURED - 8 * DAY))),
        "undated": write(root / "fixtures/undated.json", body(event_at(CAPTURED))),
    }


def test_per_file_reference_times_end_to_end(capsys, tmp_path, monkeypatch) -> None:
    set_clock(monkeypatch, NOW)  # two years after the capture: only per-file-now keeps it quiet
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "shop"\n\n'
        "[tool.capi-lint.per-file-now]\n"
        f'"fixtures/2023/*.json" = "{CAPTURED_ISO}"\n',
    )
    captured_fixtures(tmp_path)

    code, doc = run_json(capsys, "fixtures")
    assert code == 1
    (stale,) = doc["findings"]
    assert (stale["code"], Path(stale["path"]).name) == ("E006", "stale.json")
    assert f"8.0 days before the reference time {CAPTURED_ISO}" in stale["message"]
    assert doc["summary"]["age_checks_skipped"] == 1  # undated.json

    # The same from a subdirectory and with absolute paths: patterns are
    # relative to the config file's directory, not to the working directory.
    (tmp_path / "src" / "app").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "src" / "app")
    for target in ("../../fixtures", str(tmp_path / "fixtures")):
        _, again = run_json(capsys, target)
        assert [(f["code"], Path(f["path"]).name, f["message"]) for f in again["findings"]] == [
            ("E006", "stale.json", stale["message"])
        ]
        assert again["summary"]["age_checks_skipped"] == 1


def test_per_file_now_wins_over_the_global_now(capsys, tmp_path, monkeypatch) -> None:
    set_clock(monkeypatch, NOW + 365 * DAY)
    write(
        tmp_path / "lint.toml",
        f"now = {NOW}\n[per-file-now]\n"
        f'"fixtures/2023/*" = "{CAPTURED_ISO}"\n'
        '"fixtures/live/*" = "clock"\n',
    )
    paths = captured_fixtures(tmp_path)
    write(tmp_path / "fixtures/live/now.json", body(website_event()))
    write(tmp_path / "fixtures/recent.json", body(website_event()))
    monkeypatch.chdir(tmp_path / "fixtures")
    _, doc = run_json(capsys, ".", "--config", str(tmp_path / "lint.toml"))
    found = sorted((Path(f["path"]).name, f["code"]) for f in doc["findings"])
    # stale: its capture time; undated: the global now (two years later);
    # live/now.json: the clock (a year after NOW); recent.json: the global now.
    assert found == [("now.json", "E006"), ("stale.json", "E006"), ("undated.json", "E006")]
    assert doc["summary"]["age_checks_skipped"] == 0
    assert paths  # the captured set was written


@pytest.mark.parametrize(
    "text",
    [
        'per-file-now = "2023-11-12"\n',
        '[per-file-now]\n"a/*.json" = "last tuesday"\n',
        '[per-file-now]\n"a/*.json" = true\n',
        'now = "yesterday"\n',
        "now = 99999999999999999\n",
    ],
)
def test_bad_reference_times_in_config_are_usage_errors(capsys, text) -> None:
    write(".capi-lint.toml", text)
    code, out, err = run(capsys, "check", write("p.json", body(website_event())))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "now" in err


# --------------------------------------------------------------------------- the registry


def test_rules_declare_whether_they_need_the_reference_time(capsys) -> None:
    _, out, _ = run(capsys, "rules", "--format", "json")
    declared = {r["code"]: r["needs_now"] for r in json.loads(out)}
    assert {c for c, v in declared.items() if v == "yes"} == {"E007", "E008"}
    assert {c for c, v in declared.items() if v == "partly"} == {"E006", "N006", "U009", "U013"}


def test_every_rule_runs_without_a_reference_time() -> None:
    """No rule reads the reference time without declaring it: every rule
    fixture is checked without one, and nothing crashes or ages."""
    settings = config.build_settings({})
    fixtures = Path(__file__).parent / "fixtures" / "rules"
    paths = sorted(str(p) for p in fixtures.rglob("*.json*") if p.name != "expected.json")
    result = runner.run(paths, settings)
    assert result.summary.files == len(paths) > 100
    assert not {"E007", "E008"} & {f.code for f in result.findings}


def test_a_baseline_keeps_the_age_note(capsys) -> None:
    paths = fixture_set()
    assert run(capsys, "check", *paths, "--write-baseline", "base.json")[0] == 0
    _, doc = run_json(capsys, *paths, "--baseline", "base.json")
    assert doc["summary"]["age_checks_skipped"] == 4
    assert "Age checks skipped" in run(capsys, "check", *paths, "--baseline", "base.json")[1]
