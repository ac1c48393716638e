"""Reading inputs: encodings, broken and hostile files, JSON Lines, directories.

Every unreadable or invalid input is a finding with the best position known;
nothing raises, and the other inputs are still checked.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from helpers import NOW, body, lint, website_event

import capi_lint
from capi_lint import cli, loader
from capi_lint.model import Severity


def _one(findings, code: str):
    found = [f for f in findings if f.code == code]
    assert len(found) == 1, [(f.code, f.pointer, f.message) for f in findings]
    return found[0]


def _check_bytes(tmp_path: Path, name: str, data: bytes, **config):
    path = tmp_path / name
    path.write_bytes(data)
    return capi_lint.check_file(path, config or None, now=NOW)


def _clean_text(**overrides) -> str:
    return json.dumps(body(website_event(**overrides)), indent=2)


# --------------------------------------------------------------------------- empty input


@pytest.mark.parametrize("data", [b"", b"   ", b"\n\n\t \r\n"])
def test_empty_and_whitespace_files(tmp_path: Path, data: bytes) -> None:
    finding = _one(_check_bytes(tmp_path, "empty.json", data), "S001")
    assert finding.severity is Severity.ERROR
    assert (finding.pointer, finding.line, finding.column) == ("", 1, 1)
    assert "empty" in finding.message


def test_empty_stdin_through_the_loader() -> None:
    sources = list(loader.discover(["-"], stdin=io.BytesIO(b"")))
    assert len(sources) == 1 and sources[0].path == "-"
    doc = loader.parse("-", loader.read_bytes(sources[0]))
    assert not doc.parsed
    assert [(p.code, p.line, p.column) for p in doc.problems] == [("S001", 1, 1)]


def test_empty_stdin_through_the_cli(monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    code = cli.main(["check", "-", "--now", str(NOW), "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [(f["path"], f["code"], f["line"], f["column"]) for f in out["findings"]] == [
        ("-", "S001", 1, 1)
    ]


# --------------------------------------------------------------------------- encodings


def test_bom_is_an_info_note_and_the_file_is_still_checked(tmp_path: Path) -> None:
    text = json.dumps({"data": [website_event(event_name="purchase")]})
    findings = _check_bytes(tmp_path, "bom.json", b"\xef\xbb\xbf" + text.encode())
    note = _one(findings, "S012")
    assert note.severity is Severity.INFO
    assert (note.line, note.column) == (1, 1)
    assert "byte order mark" in note.message
    # The rest is checked, columns as without the BOM.
    e002 = _one(findings, "E002")
    assert (e002.pointer, e002.line, e002.column) == (
        "/data/0/event_name",
        1,
        text.index('"purchase"') + 1,
    )


def test_bom_file_with_only_info_exits_zero(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + _clean_text().encode())
    assert cli.main(["check", str(path), "--now", str(NOW)]) == 0
    assert "S012 [info]" in capsys.readouterr().out


def test_invalid_utf8_points_at_the_bad_byte(tmp_path: Path) -> None:
    good = _clean_text().replace('"currency": "USD"', '"currency": "USD", "note": "caf\u00e9 @@"')
    raw = good.encode().replace(b"@@", b"\xe9", 1)  # a Latin-1 e-acute, alone
    bad_at = raw.index(b'\xe9"')
    finding = _one(_check_bytes(tmp_path, "latin1.json", raw), "S001")
    line_start = raw.rfind(b"\n", 0, bad_at) + 1
    assert finding.line == raw.count(b"\n", 0, bad_at) + 1
    # Columns count characters: the valid "é" before it is one column.
    assert finding.column == len(raw[line_start:bad_at].decode()) + 1
    assert f"byte {bad_at}" in finding.message
    assert finding.pointer == ""


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"])
def test_utf16_and_utf32_files(tmp_path: Path, encoding: str) -> None:
    finding = _one(_check_bytes(tmp_path, "wide.json", _clean_text().encode(encoding)), "S001")
    assert "UTF-16" in finding.message
    assert (finding.line, finding.column) == (1, 1)


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)),
        b"\x00\x01\x02garbage\xff\xfe",
        os.urandom(64),
        b"\x89PNG\r\n\x1a\n\x00\x00",
    ],
)
def test_binary_garbage_is_one_finding(tmp_path: Path, data: bytes) -> None:
    findings = _check_bytes(tmp_path, "blob.json", data)
    assert [f.code for f in findings] == ["S001"]
    assert findings[0].line is not None and findings[0].column is not None


def test_binary_garbage_is_not_called_utf16(tmp_path: Path) -> None:
    finding = _one(_check_bytes(tmp_path, "blob.json", bytes(range(256))), "S001")
    assert "UTF-8" in finding.message and "UTF-16" not in finding.message
    assert "byte 128" in finding.message


# --------------------------------------------------------------------------- syntax errors


def test_trailing_comma_points_at_the_comma(tmp_path: Path) -> None:
    # Python 3.13 reports the comma, older versions the bracket after it: we
    # report the comma on every version.
    text = _clean_text().replace('"order_id": "10001"\n', '"order_id": "10001",\n')
    text = text.replace('"USD"', '"USD", "note": "\u00e9"', 1)  # a 2-byte character before it
    finding = _one(_check_bytes(tmp_path, "comma.json", text.encode()), "S001")
    comma = text.index('"10001",') + 7
    assert finding.line == text[:comma].count("\n") + 1
    assert finding.column == comma - text.rfind("\n", 0, comma)
    assert f"(byte {comma + 1})" in finding.message  # bytes: é is two
    assert "trailing comma before the end of the object" in finding.message


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("[1, 2,\n]", 1, 6, "trailing comma before the end of the array"),
        ('{"a": [1,], "b": 2}', 1, 9, "trailing comma before the end of the array"),
        ("[1 2]", 1, 4, "Expecting ',' delimiter"),
        ("[,]", 1, 2, "Expecting value"),
        ('{"a": 1,', 1, 9, "Expecting property name"),
        ('{"a": 1} x', 1, 10, "Extra data"),
        ("{'a': 1}", 1, 2, "Expecting property name"),
        ('{"a": tru}', 1, 7, "Expecting value"),
    ],
)
def test_syntax_errors_are_the_same_on_every_python(
    text: str, line: int, column: int, message: str
) -> None:
    finding = _one(lint(text, select=["S001"]), "S001")
    assert (finding.line, finding.column) == (line, column)
    assert message in finding.message


# --------------------------------------------------------------------------- depth


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        "[" * 100_000,
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        '{"a":' * 100_000,
        '{"data": [' + "[" * 100_000 + "]" * 100_000 + "]}",
    ],
    ids=[
        "balanced-arrays",
        "unbalanced-arrays",
        "balanced-objects",
        "unbalanced-objects",
        "in-data",
    ],
)
def test_deep_nesting_is_a_finding_not_a_crash(text: str) -> None:
    findings = lint(text)
    finding = _one(findings, "S001")
    assert "deeper than" in finding.message
    assert finding.line == 1 and finding.column is not None


def test_moderate_depth_between_the_limits() -> None:
    # Deeper than our limit, shallower than orjson's: the fast path must catch it too.
    findings = lint("[" * 600 + "]" * 600)
    assert "deeper than" in _one(findings, "S001").message


# --------------------------------------------------------------------------- duplicates


def test_duplicate_key_nested_in_user_data_points_at_the_second() -> None:
    text = _clean_text()
    first = text.index('"fn"')
    text = text[:first] + f'"fn": "{"0" * 64}",\n        ' + text[first:]
    second = text.index('"fn"', first + 1)
    finding = _one(lint(text), "S002")
    assert finding.pointer == "/data/0/user_data/fn"
    assert finding.line == text[:second].count("\n") + 1
    assert finding.column == second - text.rfind("\n", 0, second)


def test_duplicate_key_minified_with_spaces_before_colons() -> None:
    text = '{"event_name" : "Purchase", "event_name" : "Lead", "event_time": 1763799880}'
    finding = _one(lint(text, select=["S002"]), "S002")
    assert (finding.pointer, finding.column) == ("/event_name", text.rindex('"event_name"') + 1)


def test_duplicate_inside_a_json_lines_line() -> None:
    line = json.dumps(website_event()).replace(
        '"currency": "USD"', '"currency": "USD", "currency": "EUR"'
    )
    findings = lint(json.dumps(website_event()) + "\n" + line + "\n", select=["S002"])
    finding = _one(findings, "S002")
    assert (finding.pointer, finding.line) == ("/custom_data/currency", 2)
    assert finding.column == line.index('"currency": "EUR"') + 1


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
def test_non_finite_numbers(literal: str) -> None:
    text = _clean_text().replace('"value": 129.99', f'"value": {literal}')
    finding = _one(lint(text), "S003")
    assert finding.pointer == "/data/0/custom_data/value"
    assert finding.column == 18
    assert literal in finding.message


def test_nan_strings_are_not_s003() -> None:
    text = _clean_text().replace('"currency": "USD"', '"currency": "USD", "coupon": "NaN"')
    assert [f for f in lint(text) if f.code == "S003"] == []


@pytest.mark.parametrize("digits", [25, 400, 5000, 20_000])
def test_huge_integers(digits: int) -> None:
    number = "9" * digits
    text = _clean_text().replace('"value": 129.99', f'"value": {number}')
    findings = lint(text)
    s003 = [f for f in findings if f.code == "S003"]
    if digits > 308:
        assert len(s003) == 1 and s003[0].pointer == "/data/0/custom_data/value"
        assert number not in s003[0].message  # shortened
    else:
        assert s003 == []


def test_huge_integer_event_time_is_not_a_crash() -> None:
    text = _clean_text().replace('"event_time": 1763799880', '"event_time": ' + "1" * 5000)
    codes = {f.code for f in lint(text)}
    # Too long for int(): read as infinity, so "not a finite number" (E004).
    assert {"S003", "E004"} <= codes
    text = _clean_text().replace('"event_time": 1763799880', '"event_time": ' + "1" * 400)
    e005 = _one(lint(text), "E005")
    assert "far too large" in e005.message


# --------------------------------------------------------------------------- surrogates


def test_lone_surrogates_in_keys_and_values() -> None:
    text = (
        _clean_text()
        .replace('"currency": "USD"', '"currency": "USD", "\\ud800": "\\udc00x"')
        .replace('"event_id": "order-10001"', '"event_id": "\\udbff"')
    )
    findings = lint(text)
    assert all(f.line is not None for f in findings)
    user_key = '"\\ud83d": "x"'
    text2 = _clean_text().replace('"fbp": ', user_key + ', "fbp": ')
    s009 = _one(lint(text2), "S009")
    # Not identifier-like, so masked and pointed at through its parent object.
    assert s009.pointer == "/data/0/user_data"
    assert s009.line is not None


def test_lone_surrogates_through_the_text_and_json_reporters(tmp_path: Path, capsys) -> None:
    path = tmp_path / "surrogates.json"
    event = '{"event_name": "\\ud800", "event_time": 1763799880, "\\udfff": "\\ud800"}'
    path.write_text(event, "ascii")
    assert cli.main(["check", str(path), "--now", str(NOW)]) == 1
    out = capsys.readouterr().out
    assert "S009" in out
    assert cli.main(["check", str(path), "--now", str(NOW), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    s009 = [f for f in data["findings"] if f["code"] == "S009"]
    assert [f["pointer"] for f in s009] == [""]


# --------------------------------------------------------------------------- JSON Lines


def test_json_lines_line_numbers_and_event_index(tmp_path: Path) -> None:
    lines = [
        json.dumps(website_event(event_id=f"o-{i}", event_name=name))
        for i, name in enumerate(["Purchase", "purchase", "Purchase", "add_to_cart"])
    ]
    findings = _check_bytes(
        tmp_path, "events.jsonl", ("\n".join(lines) + "\n").encode(), select=["E002"]
    )
    got = [(f.pointer, f.line, f.column, f.event_index) for f in findings]
    assert got == [("/event_name", 2, 16, 1), ("/event_name", 4, 16, 3)]


def test_json_lines_blank_lines_and_crlf(tmp_path: Path) -> None:
    one = json.dumps(website_event(event_id="o-1", event_name="purchase"))
    two = json.dumps(website_event(event_id="o-2", event_name="lead"))
    data = f"{one}\r\n\r\n   \r\n{two}\r\n\r\n".encode()
    findings = _check_bytes(tmp_path, "crlf.jsonl", data, select=["E002", "S001"])
    assert [(f.code, f.line, f.column, f.event_index) for f in findings] == [
        ("E002", 1, 16, 0),
        ("E002", 4, 16, 1),
    ]


def test_json_lines_bad_line_in_the_middle(tmp_path: Path) -> None:
    good = json.dumps(body(website_event(event_name="purchase")))
    data = f"{good}\n{good[:40]}\n{good}\n".encode()
    findings = _check_bytes(tmp_path, "batch.ndjson", data, select=["S001", "E002"])
    assert [(f.code, f.line) for f in findings] == [("E002", 1), ("S001", 2), ("E002", 3)]
    bad = findings[1]
    assert bad.severity is Severity.ERROR and bad.pointer == ""
    # The parser reports the start of the unterminated string.
    assert bad.column == good[:40].rindex('"') + 1 == 38


def test_json_lines_from_stdin_with_a_bad_line(monkeypatch, capsys) -> None:
    good = json.dumps(website_event(event_name="purchase"))
    data = f"{good}\nnot json\n{good}\n".encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    code = cli.main(["check", "-", "--now", str(NOW), "--select", "S001,E002", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [(f["code"], f["line"]) for f in out["findings"]] == [
        ("E002", 1),
        ("S001", 2),
        ("E002", 3),
    ]


def test_json_lines_utf8_bom_on_the_first_line(tmp_path: Path) -> None:
    one = json.dumps(website_event(event_id="o-1", event_name="purchase"))
    data = b"\xef\xbb\xbf" + f"{one}\n{one}\n".encode()
    findings = _check_bytes(tmp_path, "bom.jsonl", data, select=["S001", "S012", "E002"])
    assert [(f.code, f.severity.value, f.line, f.column) for f in findings] == [
        ("S012", "info", 1, 1),
        ("E002", "warning", 1, 16),
        ("E002", "warning", 2, 16),
    ]


# --------------------------------------------------------------------------- encoded data


def test_encoded_data_string() -> None:
    inner = json.dumps([website_event(event_name="purchase")])
    text = json.dumps({"data": inner, "partner_agent": "shopify_2_1"}, indent=2)
    findings = lint(text, select=["S006", "E002"])
    s006 = _one(findings, "S006")
    assert s006.severity is Severity.INFO
    assert (s006.pointer, s006.line, s006.column) == ("/data", 2, 11)
    e002 = _one(findings, "E002")
    assert (e002.pointer, e002.line, e002.column, e002.event_index) == (
        "/data/0/event_name",
        2,
        11,
        0,
    )
    assert "JSON-encoded `data`" in e002.message


def test_encoded_data_string_that_is_not_an_array() -> None:
    text = json.dumps({"data": json.dumps(website_event())})
    s006 = _one(lint(text, select=["S006"]), "S006")
    assert s006.severity is Severity.ERROR


# --------------------------------------------------------------------------- directories


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "payloads"
    (root / "b" / "deeper").mkdir(parents=True)
    (root / "a").mkdir()
    clean = _clean_text()
    (root / "z.json").write_text(clean)
    (root / "a" / "one.JSON").write_text(clean)
    (root / "b" / "two.jsonl").write_text(json.dumps(website_event()) + "\n")
    (root / "b" / "deeper" / "three.ndjson").write_text(json.dumps(website_event()) + "\n")
    (root / "b" / "notes.txt").write_text("not a payload")
    (root / "b" / "data.json.bak").write_text("{")
    (root / "README").write_text("{")
    return root


def test_directory_walk_is_recursive_sorted_and_filtered(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    paths = [s.path for s in loader.discover([str(root)]) if isinstance(s, loader.Source)]
    rel = [Path(p).relative_to(root).as_posix() for p in paths]
    assert sorted(rel) == ["a/one.JSON", "b/deeper/three.ndjson", "b/two.jsonl", "z.json"]
    assert rel == sorted(rel, key=lambda p: Path(p).parts)
    kinds = {Path(s.path).name: s.jsonl for s in loader.discover([str(root)])}
    assert kinds == {"one.JSON": False, "three.ndjson": True, "two.jsonl": True, "z.json": False}


def test_directory_walk_through_the_cli(tmp_path: Path, capsys) -> None:
    root = _tree(tmp_path)
    assert cli.main(["check", str(root), "--now", str(NOW), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["files"] == 4
    assert out["summary"]["events"] == 4
    assert out["findings"] == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks on this platform")
def test_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "b" / "loop").symlink_to(root, target_is_directory=True)
    (root / "self.json").symlink_to(root / "self.json")
    items = list(loader.discover([str(root)]))  # returns: the loop is not followed
    paths = [
        Path(i.path).relative_to(root).as_posix() for i in items if isinstance(i, loader.Source)
    ]
    assert len(paths) == len(set(paths))
    assert not any("loop" in p for p in paths)
    assert "self.json" in paths
    # The self-referencing file link is listed and reported, not followed.
    result = capi_lint.check_file(root / "self.json", now=NOW)
    assert [f.code for f in result] == ["S001"]
    assert "cannot read" in result[0].message


def test_unreadable_file_is_a_finding(tmp_path: Path, monkeypatch) -> None:
    # We may run as root, where chmod 000 does not stop reading: simulate EACCES.
    root = _tree(tmp_path)
    locked = root / "a" / "one.JSON"
    real = os.open

    def open_(path, flags, *args, **kw):  # type: ignore[no-untyped-def]
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, flags, *args, **kw)

    monkeypatch.setattr(os, "open", open_)
    findings = capi_lint.check_file(root, now=NOW)
    assert [(Path(f.path).name, f.code, f.line) for f in findings] == [("one.JSON", "S001", None)]
    assert "permission denied" in findings[0].message


def test_unreadable_directory_is_a_finding(tmp_path: Path, monkeypatch) -> None:
    root = _tree(tmp_path)
    locked = str(root / "b")
    real = os.scandir

    def scandir(path=None):
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    findings = capi_lint.check_file(root, now=NOW)
    assert [(f.path, f.code) for f in findings] == [(locked, "S001")]
    assert "permission denied" in findings[0].message


def test_missing_path_is_a_finding_and_the_rest_is_checked(tmp_path: Path, capsys) -> None:
    good = tmp_path / "good.json"
    good.write_text(_clean_text(event_name="purchase"))
    missing = tmp_path / "missing.json"
    code = cli.main(["check", str(missing), str(good), "--now", str(NOW), "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    got = [(f["path"], f["code"]) for f in out["findings"]]
    assert got == [(str(good), "E002"), (str(missing), "S001")]
    assert out["summary"]["files"] == 2


def test_a_directory_named_like_a_payload(tmp_path: Path) -> None:
    folder = tmp_path / "odd.json"
    folder.mkdir()
    (folder / "inner.json").write_text(_clean_text())
    assert capi_lint.check_file(folder, now=NOW) == []


def test_byte_offsets_count_from_the_start_of_the_file(tmp_path: Path) -> None:
    # After a BOM the offset still counts the BOM's three bytes.
    errors = [
        f
        for f in _check_bytes(tmp_path, "bom.json", b'\xef\xbb\xbf{"a": 1,}')
        if f.severity is Severity.ERROR
    ]
    assert [(f.line, f.column) for f in errors] == [(1, 8)]
    assert "(byte 10)" in errors[0].message  # the comma, after the BOM's 3 bytes
    # In JSON Lines: the file offset, not the line's.
    data = b'{"event_name": "Lead", "event_time": 1763799880}\n{"a": \xff}\n[1,]\n'
    found = [f for f in _check_bytes(tmp_path, "x.jsonl", data) if f.code == "S001"]
    assert [(f.line, f.column) for f in found] == [(2, 7), (3, 3)]
    bad_byte, bad_bracket = data.index(b"\xff"), data.rindex(b",")
    assert f"byte {bad_byte}" in found[0].message
    assert f"byte {bad_bracket}" in found[1].message


@pytest.mark.parametrize("data", [b"", b"\n\n", b"\r\n  \r\n", b"\xef\xbb\xbf\n"])
def test_empty_json_lines_file(tmp_path: Path, data: bytes) -> None:
    findings = _check_bytes(tmp_path, "empty.jsonl", data)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    assert [(f.code, f.pointer, f.line, f.column) for f in errors] == [("S001", "", 1, 1)]
    assert "empty" in errors[0].message


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"name": "events.jsonl"}, True),
        ({"name": "EVENTS.NDJSON"}, True),
        ({"name": "events.json"}, False),
        ({"name": "events.txt"}, False),  # an included non-JSON name: one document
        # A declared shape wins over the content (a .json file of two lines).
        ({"raw": b'{"a": 1}\n{"b": 2}\n', "declared": False}, False),
        ({"raw": b'{"a": 1}', "declared": True}, True),
        # No name, nothing declared (stdin, a library payload): the content decides.
        ({"raw": b'{"a": 1}\n{"b": 2}\n'}, True),
        ({"raw": b"[1]\n[2]"}, True),
        ({"raw": b'{\n  "a": 1\n}\n'}, False),  # one pretty-printed document
        ({"raw": b'{"a": 1}'}, False),
        ({"raw": b'{"a": 1}\n{"b": \n'}, True),  # a bad line among good ones
        ({}, False),
    ],
)
def test_one_decision_json_lines_or_one_document(kwargs: dict, expected: bool) -> None:
    assert loader.is_json_lines(**kwargs) is expected
