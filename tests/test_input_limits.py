"""The maximum input size (S011) and inputs that are not regular files.

Every place input is read stops at ``max-input-size`` bytes for one document
or one JSON Lines line: a file, standard input, a line of a streamed file, a
line range of a split file, the library's ``check`` and ``check_file``. The
excess is an S011 finding at the document's (or the line's) first column and
the run goes on. Named FIFOs, sockets and devices are refused (S001), and a
directory walk skips them with an info note: opening a FIFO blocks until a
writer comes, and a device such as /dev/zero never ends.

Anything that could hang runs in a subprocess with a timeout: a regression
fails the test instead of blocking the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import NOW, body, website_event

import capi_lint
from capi_lint import loader
from capi_lint.cli import main
from capi_lint.config import ConfigError, build_settings

#: A guard against hangs, far above what any of these runs needs.
GUARD_SECONDS = 120
KIB = 1024


def _cli(capsys, args: list[str]) -> tuple[int, dict[str, Any]]:
    code = main(["check", *args, "--format", "json", "--now", str(NOW), "--no-progress"])
    return code, json.loads(capsys.readouterr().out)


def _where(out: dict[str, Any], code: str) -> list[tuple[str, int | None, int | None]]:
    return [
        (Path(f["path"]).name, f["line"], f["column"]) for f in out["findings"] if f["code"] == code
    ]


def _event_line(**overrides: Any) -> bytes:
    return json.dumps(website_event(**overrides)).encode() + b"\n"


def _long_line() -> bytes:
    """A valid event line of about 3 KiB (over a 2 KiB limit)."""
    return _event_line(custom_data={"value": 1.0, "currency": "USD", "note": "x" * 3000})


# --------------------------------------------------------------------------- the setting


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (512, 512),
        ("512", 512),
        ("1KiB", 1024),
        ("1 kib", 1024),
        ("3K", 3 * 1024),
        ("2MB", 2_000_000),
        ("256MiB", 268_435_456),
        ("1.5GiB", 1_610_612_736),
        ("10B", 10),
    ],
)
def test_max_input_size_accepts_bytes_and_units(value: Any, expected: int) -> None:
    assert build_settings({"max-input-size": value}).max_input_size == expected
    assert build_settings({}, max_input_size=value).max_input_size == expected


def test_max_input_size_defaults_to_256_mib() -> None:
    assert build_settings({}).max_input_size == 256 * 1024 * 1024


@pytest.mark.parametrize("value", [0, -1, "0", "lots", "12 parsecs", "MiB", True, 1.5, [], "1e9"])
def test_max_input_size_rejects_nonsense(value: Any) -> None:
    with pytest.raises(ConfigError, match="max-input-size"):
        build_settings({"max-input-size": value})


def test_bad_max_input_size_flag_is_a_usage_error(tmp_path, capsys) -> None:
    (tmp_path / "a.json").write_text(json.dumps(body(website_event())))
    assert main(["check", str(tmp_path / "a.json"), "--max-input-size", "huge"]) == 2
    assert "max-input-size" in capsys.readouterr().err


# --------------------------------------------------------------------------- files and lines


def test_json_file_over_the_limit_is_s011_and_the_run_goes_on(tmp_path, capsys) -> None:
    big = tmp_path / "a_big.json"
    big.write_text(json.dumps(body(*[website_event(event_id=f"e{i}") for i in range(3)])))
    assert big.stat().st_size > 2 * KIB
    broken = '{"data": [{"event_name": "Purchase",}]}'
    (tmp_path / "b_broken.json").write_text(broken)
    code, out = _cli(capsys, [str(tmp_path), "--max-input-size", "2KiB"])
    assert code == 1
    assert _where(out, "S011") == [("a_big.json", 1, 1)]
    assert _where(out, "S001") == [("b_broken.json", 1, broken.index(",}") + 1)]
    (finding,) = [f for f in out["findings"] if f["code"] == "S011"]
    assert finding["severity"] == "error" and finding["slug"] == "input-too-large"
    assert "2 KiB" in finding["message"] and str(big.stat().st_size) in finding["message"]


def test_the_default_limit_lets_an_ordinary_file_through(tmp_path, capsys) -> None:
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(body(website_event())))
    code, out = _cli(capsys, [str(path)])
    assert (code, out["findings"]) == (0, [])


def _jsonl(tmp_path: Path) -> Path:
    """Line 1 clean, line 2 too long, line 3 a lowercase standard event name (E002)."""
    path = tmp_path / "events.jsonl"
    path.write_bytes(_event_line() + _long_line() + _event_line(event_name="purchase"))
    return path


def test_long_json_lines_line_is_s011_at_its_first_column(tmp_path, capsys) -> None:
    code, out = _cli(capsys, [str(_jsonl(tmp_path)), "--max-input-size", "2KiB"])
    assert code == 1
    assert _where(out, "S011") == [("events.jsonl", 2, 1)]
    assert _where(out, "E002") == [("events.jsonl", 3, 16)]
    assert out["summary"]["events"] == 2


def test_long_line_on_standard_input(tmp_path, capsys, monkeypatch) -> None:
    import io

    raw = _jsonl(tmp_path).read_bytes()
    monkeypatch.setattr("capi_lint.cli._stdin_bytes", lambda: io.BytesIO(raw))
    _code, out = _cli(capsys, ["-", "--max-input-size", "2KiB"])
    assert _where(out, "S011") == [("-", 2, 1)]
    assert _where(out, "E002") == [("-", 3, 16)]


def test_long_line_in_a_line_range_of_a_split_file(tmp_path) -> None:
    path = _jsonl(tmp_path)
    first = len(_event_line())
    part = loader.Part(first, path.stat().st_size, 2)
    with path.open("rb") as handle:
        handle.seek(part.start)
        docs = list(loader.iter_jsonl(str(path), handle, part, limit=2 * KIB))
    assert [(d.first_line, d.parsed) for d in docs] == [(2, False), (3, True)]
    assert [(p.code, p.line, p.column) for p in docs[0].problems] == [("S011", 2, 1)]


def test_the_library_enforces_the_limit(tmp_path) -> None:
    config = {"max-input-size": 2 * KIB}
    found = capi_lint.check_file(_jsonl(tmp_path), config, now=NOW)
    assert [(f.code, f.line, f.column) for f in found] == [("S011", 2, 1), ("E002", 3, 16)]
    text = json.dumps(body(*[website_event(event_id=f"e{i}") for i in range(3)]))
    found = capi_lint.check(text, config, now=NOW)
    assert [(f.code, f.line, f.column) for f in found] == [("S011", 1, 1)]


# --------------------------------------------------------------------------- endless stdin


#: `capi-lint check` in a fresh interpreter, JSON output.
CHECK = [sys.executable, "-m", "capi_lint", "check", "--format", "json", "--no-progress"]


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


#: Writes the start of a JSON array and then spaces, forever.
ENDLESS = "import sys\nw = sys.stdout.buffer.write\nw(b'[')\nwhile True:\n    w(b' ' * 65536)\n"


def test_endless_stdin_stops_at_the_limit() -> None:
    producer = subprocess.Popen(_python(ENDLESS), stdout=subprocess.PIPE)
    try:
        done = subprocess.run(
            [*CHECK, "-", "--max-input-size", "4MiB"],
            stdin=producer.stdout,
            capture_output=True,
            timeout=GUARD_SECONDS,
        )
    finally:
        producer.kill()
        producer.wait()
        assert producer.stdout is not None
        producer.stdout.close()
    assert done.returncode == 1, done.stderr
    out = json.loads(done.stdout)
    assert _where(out, "S011") == [("-", 1, 1)]
    assert "standard input" in out["findings"][0]["message"]
    assert done.stderr == b""


# --------------------------------------------------------------------------- FIFOs

fifo_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")


def _run_cli(args: list[str], cwd: Path) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [*CHECK, *args, "--now", str(NOW)],
        cwd=cwd,
        capture_output=True,
        timeout=GUARD_SECONDS,
        stdin=subprocess.DEVNULL,
    )
    assert done.stderr == b"", done.stderr
    return done.returncode, json.loads(done.stdout)


@fifo_only
@pytest.mark.parametrize("name", ["pipe.json", "pipe.jsonl"])
def test_named_fifo_is_refused_not_waited_for(tmp_path, name: str) -> None:
    os.mkfifo(tmp_path / name)
    (tmp_path / "ok.json").write_text(json.dumps(body(website_event())))
    code, out = _run_cli([name, "ok.json"], tmp_path)
    assert code == 1
    (finding,) = out["findings"]
    assert (finding["code"], finding["severity"], finding["path"]) == ("S001", "error", name)
    assert "not a regular file" in finding["message"] and "FIFO" in finding["message"]
    assert out["summary"]["files"] == 2 and out["summary"]["events"] == 1


@fifo_only
def test_fifo_found_in_a_directory_is_skipped_with_a_note(tmp_path) -> None:
    folder = tmp_path / "payloads"
    folder.mkdir()
    os.mkfifo(folder / "a.json")
    os.mkfifo(folder / "b.ndjson")
    os.mkfifo(folder / "notes.txt")  # not a payload name: not even mentioned
    (folder / "c.json").write_text(json.dumps(body(website_event())))
    code, out = _run_cli(["payloads"], tmp_path)
    assert code == 0
    assert [(Path(f["path"]).name, f["code"], f["severity"]) for f in out["findings"]] == [
        ("a.json", "S001", "info"),
        ("b.ndjson", "S001", "info"),
    ]
    assert all("skipped" in f["message"] for f in out["findings"])
    assert out["summary"]["events"] == 1


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_refused(tmp_path) -> None:
    code, out = _run_cli(["/dev/zero"], tmp_path)
    assert code == 1
    assert [(f["code"], f["path"]) for f in out["findings"]] == [("S001", "/dev/zero")]
    assert "character device" in out["findings"][0]["message"]
