"""--jobs: several worker processes give exactly the serial output."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

from helpers import NOW

from capi_lint import loader, runner
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


# --------------------------------------------------------------------------- one big file


def _mixed_jsonl(path: Path) -> None:
    """Traffic (a few % flawed, repeats for the batch rules), with a request
    line, a bad line, blank lines and CRLF endings among the event lines."""
    lines = traffic.jsonl(1500).splitlines()
    lines += traffic.jsonl(300).splitlines()[:300]  # repeated events: D003, B005 across ranges
    request = json.dumps({"data": [json.loads(lines[0]), json.loads(lines[1])]}).encode()
    lines[400:400] = [request, b"{not json", b"", b"   "]
    lines[900] = lines[900] + b"\r"
    path.write_bytes(b"\n".join(lines) + b"\n")


def _located(result: runner.RunResult) -> list[tuple]:
    return [
        (f.code, f.line, f.column, f.pointer, f.event_index, f.severity, f.message)
        for f in result.findings
    ]


def test_one_big_json_lines_file_split_by_lines_equals_serial(tmp_path, monkeypatch) -> None:
    path = tmp_path / "big.jsonl"
    _mixed_jsonl(path)
    settings = build_settings({}, now=NOW)
    serial = runner.run([str(path)], settings, jobs=1)
    monkeypatch.setattr(runner, "SPLIT_MIN_BYTES", 1)
    parts: list = []
    real = loader.split_lines
    monkeypatch.setattr(loader, "split_lines", lambda *a: parts.extend(real(*a)) or parts)
    split = runner.run([str(path)], settings, jobs=3)
    assert len(parts) == 3
    assert _located(split) == _located(serial)
    assert split.summary.to_dict() == serial.summary.to_dict()
    codes = {f.code for f in serial.findings}
    assert {"S001", "D003", "B005"} <= codes  # the ranges' seams carry real work
    assert any(f.event_index and f.event_index > 1000 for f in serial.findings)


def test_split_lines_cuts_at_line_ends_and_numbers_them(tmp_path) -> None:
    from capi_lint.loader import split_lines

    path = tmp_path / "f.jsonl"
    path.write_bytes(b"".join(b"%d\n" % (10**n) for n in range(40)))
    parts = split_lines(path, 4)
    data = path.read_bytes()
    assert parts[0].start == 0 and parts[-1].end == len(data)
    for before, after in itertools.pairwise(parts):
        assert before.end == after.start and data[after.start - 1 : after.start] == b"\n"
        assert after.first_line == data[: after.start].count(b"\n") + 1
