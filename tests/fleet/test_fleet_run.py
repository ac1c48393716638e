"""capi-lint fleet against a real local Graph server: many datasets, failures, rate limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fleet_server import TOKEN, Answer, FleetServer, graph_error, web_report
from helpers import body, website_event

import capi_lint
from capi_lint.cli import main


def write_fleet(tmp: Path, datasets: list[dict], extra: str = "") -> Path:
    lines = [extra]
    for ds in datasets:
        lines.append("[[datasets]]")
        for key, value in ds.items():
            lines.append(f"{key} = {json.dumps(value)}")
    path = tmp / "FLEET.toml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("META_ACCESS_TOKEN", TOKEN)


def test_each_dataset_failure_is_its_own_finding_and_the_run_goes_on(
    server: FleetServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    captures = tmp_path / "captures"
    captures.mkdir()
    (captures / "purchase.json").write_text(
        json.dumps(body(website_event(event_name="Purchase"))), "utf-8"
    )
    server.set("1001", Answer(body=web_report(7.5, 95.0)))
    server.set("1002", graph_error(10, "(#10) Application does not have permission", 403))
    server.set("1003", graph_error(2044055, "dataset does not exist"))
    server.set("1004", graph_error(190, "Error validating access token: expired", 401))
    server.set("1005", Answer(body=web_report(7.0, 90.0), delay=3.0))
    server.set(
        "1006",
        Answer(429, {"error": {"message": "(#4) limit", "code": 4}}, {"Retry-After": "0.2"}),
        Answer(body=web_report(6.0, 80.0)),
    )
    fleet = write_fleet(
        tmp_path,
        [
            {"id": "1001", "name": "Shop A", "payloads": "captures"},
            {"id": "1002", "name": "Shop B"},
            {"id": "1003"},
            {"id": "1004"},
            {"id": "1005", "name": "Slow"},
            {"id": "1006", "name": "Throttled"},
        ],
    )
    out_file = tmp_path / "fleet.json"
    code, out, err = run_cli(
        [
            "fleet",
            str(fleet),
            "--graph-url",
            server.url,
            "--timeout",
            "0.5",
            "--max-wait",
            "1",
            "--concurrency",
            "3",
            "--now",
            "2026-01-02T08:00:00Z",
            "--format",
            "json",
            "--output-file",
            str(out_file),
        ],
        capsys,
    )
    text = out_file.read_text("utf-8")
    doc = json.loads(text)
    assert code == 1  # X021 is an error: a scheduled job notices
    assert doc["tool"] == "capi-lint" and doc["summary"]["datasets"] == 6
    by_id = {d["dataset_id"]: d for d in doc["datasets"]}
    assert set(by_id) == {"1001", "1002", "1003", "1004", "1005", "1006"}
    kinds = {i: (d["status"], d["error_kind"]) for i, d in by_id.items()}
    assert kinds == {
        "1001": ("ok", None),
        "1002": ("failed", "permission"),
        "1003": ("failed", "dataset-not-found"),
        "1004": ("failed", "auth"),
        "1005": ("failed", "timeout"),
        "1006": ("ok", None),
    }
    for failed in ("1002", "1003", "1004", "1005"):
        assert [f["code"] for f in by_id[failed]["findings"]] == ["X021"]
    # The throttled dataset was asked twice: the 429 was waited out, then answered.
    asked = [q["dataset_id"][0] for _p, q, _h in server.requests]
    assert asked.count("1006") == 2
    # Dataset 1001 was cross-checked against its payloads: predicted coverage is there.
    purchase = by_id["1001"]["events"][0]
    assert purchase["event_name"] == "Purchase" and purchase["emq"] == 7.5
    assert purchase["predicted"]["email"] == 100.0
    assert by_id["1001"]["payload_events"] == 1
    # The token is sent, never shown.
    assert any(h.get("authorization") == f"Bearer {TOKEN}" for _p, _q, h in server.requests)
    for shown in (text, out, err):
        assert TOKEN not in shown


def test_missing_token_is_a_per_dataset_finding(
    server: FleetServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OTHER_TOKEN", raising=False)
    server.set("2001", Answer(body=web_report(8.0, 90.0)))
    fleet = write_fleet(tmp_path, [{"id": "2001"}, {"id": "2002", "token-env": "OTHER_TOKEN"}])
    result = capi_lint.fleet(str(fleet), graph_url=server.url, concurrency=2)
    status = {d.spec.dataset_id: (d.status, d.error_kind) for d in result.datasets}
    assert status == {"2001": ("ok", None), "2002": ("failed", "no-token")}
    assert "$OTHER_TOKEN" in result.datasets[1].findings[0].message
    assert len(server.requests) == 1  # no call without a token


def test_the_pool_stays_under_the_servers_advertised_limit(tmp_path: Path) -> None:
    # 40 calls per second; the gate spaces calls from 75 % and pauses at 90 %.
    server = FleetServer(limit=40, window=1.0)
    try:
        server.default = Answer(body=web_report(7.0, 90.0))
        ids = [{"id": str(5000 + i)} for i in range(100)]
        fleet = write_fleet(
            tmp_path, ids, "[rate-limit]\nslow-at = 75\nstop-at = 90\ncooldown = 0.5\n"
        )
        result = capi_lint.fleet(str(fleet), graph_url=server.url, concurrency=4, max_wait=5)
    finally:
        server.close()
    assert [d.status for d in result.datasets] == ["ok"] * 100
    assert server.violations == 0
    assert server.max_usage <= 100.0
    # The limit was approached, so the gate had to act.
    assert result.gate.peak_usage >= 75.0
    assert result.gate.delayed > 0


def test_setup_quality_is_the_fallback_when_the_root_node_is_unknown(
    server: FleetServer, tmp_path: Path
) -> None:
    server.set("3001", graph_error(2500, "Unknown path components: /dataset_quality"))
    setup = {"data": [{"event_name": "Lead", "event_match_quality": {"composite_score": 5.5}}]}
    server.set("setup:3001", Answer(body=setup))
    fleet = write_fleet(tmp_path, [{"id": "3001"}])
    result = capi_lint.fleet(str(fleet), graph_url=server.url)
    (only,) = result.datasets
    assert only.status == "ok" and only.endpoint == "setup_quality"
    assert [(e.event_name, e.emq) for e in only.events] == [("Lead", 5.5)]
