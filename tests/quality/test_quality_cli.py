"""`capi-lint crosscheck`: the README command, saved and live reports, secrets."""

from __future__ import annotations

import json
import logging
import shlex
from pathlib import Path
from typing import Any

import pytest
from helpers import NOW, body, user_data, website_event
from quality_server import APP_SECRET, TOKEN, GraphServer, graph_error, load

from capi_lint.cli import main
from capi_lint.quality.client import WEB_FIELDS, appsecret_proof

ROOT = Path(__file__).resolve().parents[2]
PROOF = appsecret_proof(APP_SECRET, TOKEN)


def readme_example() -> tuple[str, str]:
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("## Cross-check with Meta's Dataset Quality API", 1)[1]
    command = section.split("```sh\n", 1)[1].split("\n```", 1)[0].strip()
    output = section.split("```sh\n", 1)[1].split("```\n", 2)[2].split("\n```", 1)[0]
    return command, output + "\n"


def test_the_readme_command_prints_the_readme_output(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    command, expected = readme_example()
    argv = shlex.split(command)
    assert argv[:2] == ["capi-lint", "crosscheck"] and "--quality-file" in argv
    monkeypatch.chdir(ROOT)
    code = main(argv[1:])
    captured = capsys.readouterr()
    assert captured.out == expected
    assert code == 0
    assert "not compared" in captured.err


def test_the_shipped_response_matches_the_spec_fixture() -> None:
    shipped = json.loads((ROOT / "quality_reports/dataset_quality_web.json").read_text("utf-8"))
    assert shipped == load("web_all_fields.json")


def payload_file(tmp_path: Path) -> Path:
    path = tmp_path / "payloads" / "purchase.json"
    path.parent.mkdir(exist_ok=True)
    events = [website_event(event_id=f"o{i}", user_data=user_data(fbc=None)) for i in range(4)]
    path.write_text(json.dumps(body(*events, partner_agent="AcmeShop_2_1")), "utf-8")
    return path.parent


def live(graph: GraphServer, tmp_path: Path, *extra: str) -> list[str]:
    return [
        "crosscheck",
        str(payload_file(tmp_path)),
        "--dataset-id",
        "1234567890",
        "--graph-url",
        graph.url,
        "--now",
        str(NOW),
        "--max-wait",
        "0",
        *extra,
    ]


def test_live_run_json_output_and_save_then_replay(
    graph: GraphServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("META_ACCESS_TOKEN", TOKEN)
    saved = tmp_path / "saved.json"
    response = load("web_all_fields.json")
    response["paging"] = {"next": f"{graph.url}/v25.0/x?access_token={TOKEN}"}
    graph.reply(200, response)
    argv = live(graph, tmp_path, "--format", "json", "--save-response", str(saved))
    assert main([*argv, "--agent-name", "acmeshop"]) == 0
    out = json.loads(capsys.readouterr().out)
    seen = graph.requests[0]
    assert seen.headers["authorization"] == f"Bearer {TOKEN}"
    assert seen.query["fields"] == [WEB_FIELDS] and seen.query["agent_name"] == ["acmeshop"]
    url = f"{graph.url}/v25.0/dataset_quality?dataset_id=1234567890&agent_name=acmeshop"
    assert {f["path"] for f in out["findings"]} == {url}
    assert all(f["line"] is None for f in out["findings"])
    email = next(f for f in out["findings"] if f.get("identifier") == "email")
    assert (email["code"], email["event_name"], email["predicted"], email["reported"]) == (
        "X003",
        "Purchase",
        100.0,
        100,
    )
    assert out["summary"]["files"] == 1 and out["summary"]["events"] == 4
    text = saved.read_text("utf-8")
    assert TOKEN not in text and json.loads(text)["web"][0]["event_name"] == "Purchase"
    # Replaying the saved response gives the same verdicts, with positions in the file.
    assert main(["crosscheck", *argv[1:2], "--quality-file", str(saved), "--now", str(NOW),
                 "--format", "json", "--agent-name", "acmeshop"]) == 0  # fmt: skip
    replay = json.loads(capsys.readouterr().out)

    def verdicts(doc: dict[str, Any]) -> list[str]:
        drop = ("path", "line", "column")
        return sorted(
            json.dumps({k: v for k, v in f.items() if k not in drop}) for f in doc["findings"]
        )

    assert verdicts(out) == verdicts(replay)
    assert all(f["path"] == str(saved) and f["line"] for f in replay["findings"])


@pytest.mark.parametrize("fmt", ["text", "sarif", "github", "junit"])
def test_every_output_format_renders_live_findings(
    graph: GraphServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fmt: str,
) -> None:
    monkeypatch.setenv("META_ACCESS_TOKEN", TOKEN)
    graph.reply(200, load("web_all_fields.json"))
    assert main(live(graph, tmp_path, "--format", fmt)) == 0
    out = capsys.readouterr().out
    assert "X001" in out and TOKEN not in out


def test_setup_quality_offline_token_file_and_fail_on(
    graph: GraphServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    graph.reply(200, load("setup_quality.json"))
    argv = live(graph, tmp_path, "--endpoint", "setup_quality", "--token-file", str(token_file))
    assert main([*argv, "--fail-on", "info", "--token-env", "NO_SUCH_VARIABLE_SET"]) == 1
    assert graph.requests[0].path == "/v25.0/1234567890/setup_quality"
    out = capsys.readouterr().out
    assert "setup_quality:/data/1: X010" in out and "`PageView`" in out
    graph.reply(200, load("offline.json"))
    assert main(live(graph, tmp_path, "--offline", "--token-file", str(token_file))) == 0
    assert graph.requests[1].query["fields"][0].endswith(",offline")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["crosscheck", "."], "--dataset-id is required"),
        (["crosscheck", ".", "--dataset-id", "1"], "no access token"),
        (
            ["crosscheck", ".", "--dataset-id", "1", "--token-env", "EMPTY_TOKEN_VAR"],
            "EMPTY_TOKEN_VAR",
        ),
        (["crosscheck", ".", "--dataset-id", "abc", "--token-env", "T"], "digits only"),
        (["crosscheck", ".", "--quality-file", "missing.json"], "cannot read"),
        (
            ["crosscheck", ".", "--quality-file", "x.json", "--save-response", "y"],
            "needs a live call",
        ),
        (
            ["crosscheck", ".", "--dataset-id", "1", "--token-env", "T", "--api-version", "25"],
            "v25.0",
        ),
        (
            [
                "crosscheck",
                ".",
                "--dataset-id",
                "1",
                "--token-env",
                "T",
                "--app-secret-env",
                "NOPE",
            ],
            "NOPE",
        ),
        (["crosscheck", ".", "--select", "Q9"], "unknown rule code"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("META_ACCESS_TOKEN", raising=False)
    monkeypatch.setenv("EMPTY_TOKEN_VAR", " ")
    monkeypatch.setenv("T", TOKEN)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and TOKEN not in err


def test_a_malformed_saved_response_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"web": [}')
    assert main(["crosscheck", str(tmp_path), "--quality-file", str(bad)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_empty_report_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "empty.json"
    saved.write_text("{}")
    assert main(["crosscheck", str(payload_file(tmp_path)), "--quality-file", str(saved),
                 "--now", str(NOW)]) == 0  # fmt: skip
    assert "X020" in capsys.readouterr().out


# ------------------------------------------------------------------ secrets

ERROR_PATHS = [
    (400, graph_error(190)),
    (400, {"error": {**graph_error(190)["error"], "error_subcode": 463}}),
    (400, graph_error(10)),
    (400, graph_error(100)),
    (400, graph_error(200)),
    (400, graph_error(2500)),
    (400, graph_error(2044055)),
    (400, graph_error(4)),
    (400, graph_error(80004)),
    (400, {"error": {"message": f"bad token {TOKEN} proof {PROOF}", "code": 190}}),
    (503, None),
    (200, "<html>"),
]


@pytest.mark.parametrize("in_query", [False, True], ids=["header", "query"])
def test_the_token_appears_nowhere_on_success_or_any_error_path(
    graph: GraphServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: Any,
    in_query: bool,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("META_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("APP_SECRET", APP_SECRET)
    saved = tmp_path / "saved.json"
    flags = ["--app-secret-env", "APP_SECRET", "--save-response", str(saved)]
    if in_query:
        flags.append("--token-in-query")
    graph.reply(200, {**load("web_all_fields.json"), "echo": f"{TOKEN} {PROOF}"})
    assert main(live(graph, tmp_path, *flags, "--format", "json")) == 0
    for status, error in ERROR_PATHS:
        if isinstance(error, str):
            graph.reply(status, raw=error.encode())
        elif error is None:
            graph.reply(status, raw=b"")
        else:
            graph.reply(status, error)
        assert main(live(graph, tmp_path, *flags)) == 2
    captured = capfd.readouterr()
    assert captured.err.count("capi-lint: error: Meta Graph API:") == len(ERROR_PATHS)
    seen = graph.requests[0]
    assert (seen.query.get("access_token") == [TOKEN]) is in_query
    assert seen.query["appsecret_proof"] == [PROOF]
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    everything = captured.out + captured.err + logged + saved.read_text("utf-8")
    for secret in (TOKEN, PROOF, APP_SECRET):
        assert secret not in everything


def test_a_config_without_x_codes_is_pointed_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".capi-lint.toml").write_text('select = ["S", "E"]\n')
    saved = tmp_path / "q.json"
    saved.write_text(json.dumps(load("web_all_fields.json")))
    monkeypatch.chdir(tmp_path)
    argv = ["crosscheck", str(payload_file(tmp_path)), "--quality-file", str(saved)]
    assert main([*argv, "--now", str(NOW)]) == 0
    captured = capsys.readouterr()
    assert "X0" not in captured.out and "--extend-select X" in captured.err
    assert main([*argv, "--now", str(NOW), "--extend-select", "X"]) == 0
    assert "X001" in capsys.readouterr().out
