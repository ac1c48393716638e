"""--jobs: several worker processes give exactly the serial output."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from helpers import NOW

from capi_lint import runner
from capi_lint.cli import main
from capi_lint.config import build_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import traffic


def _files(tmp_path: Path, count: int = 6, events: int = 300) -> list[str]:
    paths = []
    for n in range(count):
        path = tmp_path / f"part{n}.jsonl"
        path.write_bytes(traffic.jsonl(events, seed=n))
        paths.append(str(path))
    (tmp_path / "broken.json").write_text("{not json")
    paths.append(str(tmp_path / "broken.json"))
    return paths


def _json(capsys, args: list[str]) -> tuple[int, dict]:
    code = main(["check", *args, "--format", "json", "--now", str(NOW), "--no-progress"])
    return code, json.loads(capsys.readouterr().out)


def test_parallel_output_equals_serial(tmp_path, capsys, monkeypatch) -> None:
    paths = _files(tmp_path)
    assert sum(Path(p).stat().st_size for p in paths) >= runner.PARALLEL_MIN_BYTES
    used = []
    real = runner._parallel
    monkeypatch.setattr(runner, "_parallel", lambda *a: used.append(a[2]) or real(*a))
    serial = _json(capsys, [*paths, "--jobs", "1"])
    parallel = _json(capsys, [*paths, "--jobs", "2"])
    assert used == [2], "the pool was not used"
    assert parallel == serial
    assert serial[0] == 1 and serial[1]["summary"]["files"] == 7


def test_small_runs_and_run_wide_dedup_stay_in_one_process(tmp_path) -> None:
    paths = _files(tmp_path)
    items = list(runner.loader.discover(paths))
    assert runner._workers(4, items, build_settings({})) == 4
    assert runner._workers(4, items, build_settings({"dedup-scope": "run"})) == 1
    assert runner._workers(4, items[:1], build_settings({})) == 1
    small = tmp_path / "small"
    small.mkdir()
    (small / "a.json").write_text("{}")
    (small / "b.json").write_text("{}")
    assert runner._workers(4, list(runner.loader.discover([str(small)])), build_settings({})) == 1


def test_dedup_scope_run_still_sees_duplicates_across_files(tmp_path, capsys) -> None:
    event = json.dumps(
        {
            "event_name": "Lead",
            "event_time": NOW - 60,
            "action_source": "email",
            "event_id": "lead-1",
            "user_data": {"em": "a" * 64},
        }
    )
    for name in ("a.jsonl", "b.jsonl"):
        (tmp_path / name).write_text(event + "\n")
    _code, out = _json(capsys, [str(tmp_path), "--dedup-scope", "run", "--jobs", "4"])
    assert [f["path"].rsplit("/", 1)[-1] for f in out["findings"] if f["code"] == "D003"] == [
        "b.jsonl"
    ]
