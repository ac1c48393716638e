"""Adversarial sizes: one ~100 MB line through ``capi-lint check``.

A valid event whose ``custom_data.description`` is a ~100 MB string, as a JSON
Lines file, as a ``.json`` request body, and cut off inside that string. The
run must end normally (exit code 1 for the event's error, no exception), find
exactly the event's findings on line 1 at their character columns (one of them
lies after the 100 MB value), never echo the huge value, and after a broken
file go on to the next one.

The files are written in chunks (no 100 MB Python string is built by the
test). ``CAPI_LINT_BIG=1`` adds the slow variant: a value that looks like a
Meta access token all the way through (R003 inspects the whole string).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import NOW, website_event

from capi_lint import cli

SIZE = 100 * 1024 * 1024
_MARK = "\x00big\x00"
#: Printable text with escapes and non-ASCII, as a description could hold.
TEXT_CHUNK = (
    b'Lorem ipsum \\"dolor\\" sit am\xc3\xa9t, caf\xc3\xa9 \\u00e9 \\n\\t \xe2\x82\xac 42. ' * 4096
)
#: One Meta token of SIZE characters (``EAA`` then letters and digits).
TOKEN_CHUNK = b"x7Kq2Zr9" * 32768

BIG = pytest.mark.skipif(
    os.environ.get("CAPI_LINT_BIG") != "1", reason="slow 100 MB variant: set CAPI_LINT_BIG=1"
)


def event() -> dict[str, Any]:
    """A valid event with two findings on its line: E002 (a lowercase standard event
    name) before the huge value and C003 (an unknown currency) after it."""
    ev = website_event(event_name="purchase")
    data = ev["custom_data"]
    del data["currency"]
    data["description"] = _MARK
    data["currency"] = "XYZ"
    return ev


@dataclass
class Big:
    size: int  # bytes in the file
    quote: int  # column of the huge string's opening quote
    after: int  # column of the `"XYZ"` token after it (0 if the line is cut)


def write_big(path: Path, document: Any, *, filler: str = "text", cut: bool = False) -> Big:
    """Write ``document`` with its marker string replaced by a SIZE-byte JSON string.

    With ``cut`` the file ends inside the string (no closing quote, no newline).
    Columns count characters, not bytes (the text filler has non-ASCII letters).
    """
    text = json.dumps(document)
    head, tail = text.split(json.dumps(_MARK))
    chunk = TEXT_CHUNK if filler == "text" else TOKEN_CHUNK
    chars = 0
    with path.open("wb") as out:
        out.write(head.encode() + b'"')
        left = SIZE
        if filler == "token":
            out.write(b"EAA")
            left -= 3
            chars += 3
        per_chunk = len(chunk.decode("utf-8"))
        while left >= len(chunk):
            out.write(chunk)
            left -= len(chunk)
            chars += per_chunk
        # Not a cut chunk: it could end in half an escape or half a UTF-8 sequence.
        out.write((b"." if filler == "text" else b"7") * left)
        chars += left
        if not cut:
            out.write(b'"' + tail.encode() + b"\n")
    # 1-based columns: head, the opening quote, the string, the closing quote, the tail.
    after = len(head) + chars + 3 + tail.index('"XYZ"') if not cut else 0
    return Big(path.stat().st_size, len(head) + 1, after)


@pytest.fixture
def tmp(tmp_path: Path):
    """tmp_path, emptied afterwards: pytest keeps the last runs' directories, and
    these files are 100 MB each."""
    yield tmp_path
    for path in tmp_path.iterdir():
        path.unlink()


def check(capsys: pytest.CaptureFixture[str], *paths: Path) -> tuple[int, dict[str, Any]]:
    """Run the CLI in-process (an exception would fail the test) with JSON output."""
    code = cli.main(["check", "--now", str(NOW), "--format", "json", *map(str, paths)])
    out, err = capsys.readouterr()
    assert len(out) + len(err) < 50_000, "the huge value (or part of it) was printed"
    assert "Traceback" not in err
    return code, json.loads(out)


def by_code(report: dict[str, Any], path: Path) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for f in report["findings"]:
        if f["path"] == str(path):
            out.setdefault(f["code"], []).append(f)
    return out


def assert_found_on_line_1(report: dict[str, Any], path: Path, big: Big, prefix: str) -> None:
    """The event's two findings, and nothing else, located on line 1 by character column."""
    found = by_code(report, path)
    assert sorted(found) == ["C003", "E002"]
    (e002,) = found["E002"]
    (c003,) = found["C003"]
    assert (e002["line"], e002["pointer"]) == (1, f"{prefix}/event_name")
    assert 1 <= e002["column"] < big.quote
    assert (c003["line"], c003["column"]) == (1, big.after)
    assert c003["pointer"] == f"{prefix}/custom_data/currency"


def test_a_100mb_json_lines_line(tmp: Path, capsys) -> None:
    path = tmp / "big.jsonl"
    big = write_big(path, event())
    assert big.size > SIZE
    code, report = check(capsys, path)
    assert code == 1  # C003 is an error
    assert report["summary"]["files"] == 1 and report["summary"]["events"] == 1
    assert_found_on_line_1(report, path, big, "")


def test_a_100mb_line_cut_inside_the_string(tmp: Path, capsys) -> None:
    cut = tmp / "cut.jsonl"
    big = write_big(cut, event(), cut=True)
    small = tmp / "small.json"
    small.write_text(json.dumps({"data": [website_event(event_name="purchase")]}), "utf-8")
    code, report = check(capsys, cut, small)
    assert code == 1
    assert report["summary"]["files"] == 2
    found = by_code(report, cut)
    assert sorted(found) == ["S001"]
    (s001,) = found["S001"]
    assert s001["severity"] == "error"
    # At the string that never ends, on the one line.
    assert (s001["line"], s001["column"]) == (1, big.quote)
    # The next file is still checked.
    assert [f["pointer"] for f in by_code(report, small)["E002"]] == ["/data/0/event_name"]


def test_a_100mb_json_request_body(tmp: Path, capsys) -> None:
    path = tmp / "big.json"
    big = write_big(path, {"data": [event()]})
    code, report = check(capsys, path)
    assert code == 1
    assert report["summary"]["files"] == 1 and report["summary"]["events"] == 1
    assert_found_on_line_1(report, path, big, "/data/0")


@BIG
def test_a_100mb_access_token(tmp: Path, capsys) -> None:
    """The value is one token-shaped string: R003 inspects all of it (about 5 s here)."""
    path = tmp / "token.jsonl"
    big = write_big(path, event(), filler="token")
    code, report = check(capsys, path)
    assert code == 1
    found = by_code(report, path)
    (r003,) = found.pop("R003")
    assert (r003["line"], r003["column"]) == (1, big.quote)
    assert r003["pointer"] == "/custom_data/description"
    assert "EAA" + TOKEN_CHUNK[:8].decode() not in json.dumps(report)  # never shown
    assert sorted(found) == ["C003", "E002"]
