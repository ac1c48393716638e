"""``check --fix`` / ``--diff``: the pure text fixer and the CLI (the writer: test_atomic_write)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import NOW, body, sha, store_event, user_data, website_event

from capi_lint import fix as fix_mod
from capi_lint import registry
from capi_lint.cli import cli
from capi_lint.fix import fix_bytes, fix_text, mask_json, render_diff
from capi_lint.normalize import hash_value

UPPER = sha("john_smith@gmail.com").upper()


def event_with(**ud: Any) -> dict[str, Any]:
    return website_event(user_data=user_data(**ud))


def dump(payload: Any, **kw: Any) -> str:
    return json.dumps(payload, indent=2, **kw) + "\n"


def only_spans_changed(old: str, result: fix_mod.FixResult) -> bool:
    """Every byte outside the replaced tokens is as it was, in order."""
    pos_old = pos_new = 0
    for change in sorted(result.changes, key=lambda c: c.start):
        if old[pos_old : change.start] != result.text[pos_new : change.new_start]:
            return False
        pos_old, pos_new = change.end, change.new_end
    return old[pos_old:] == result.text[pos_new:]


def new_user_data(result: fix_mod.FixResult, index: int = 0) -> dict[str, Any]:
    return json.loads(result.text)["data"][index]["user_data"]


# --------------------------------------------------------------------------- what is fixed


def test_raw_values_become_normalised_sha256() -> None:
    text = dump(
        body(
            event_with(
                em="  John_Smith@Gmail.com ",
                ph="+1 (650) 555-1212",
                fn="John",
                ln="Smith",
                ct="Menlo Park",
                st="California",
                zp="94025-1234",
                country="US",
                ge="Male",
                db="1990-03-04",
            )
        )
    )
    result = fix_text(text)
    ud = new_user_data(result)
    assert ud["em"] == hash_value("em", "John_Smith@Gmail.com")
    assert ud["ph"] == sha("16505551212")
    assert ud["fn"] == sha("john")
    assert ud["ln"] == sha("smith")
    assert ud["ct"] == sha("menlopark")
    assert ud["st"] == sha("ca")
    assert ud["zp"] == sha("94025")
    assert ud["country"] == sha("us")
    assert ud["ge"] == sha("m")
    assert ud["db"] == sha("19900304")
    assert {c.field for c in result.changes} == {
        "em", "ph", "fn", "ln", "ct", "st", "zp", "country", "ge", "db"
    }  # fmt: skip
    assert all(c.action == "hashed" for c in result.changes)
    assert only_spans_changed(text, result)
    assert result.skipped == []


def test_sdk_split_keys_are_hashed() -> None:
    text = dump(body(event_with(f5first="Johnny", f5last="Smithers", fi="J", doby="1990")))
    ud = new_user_data(fix_text(text))
    assert ud["f5first"] == sha("johnn")
    assert ud["f5last"] == sha("smith")
    assert ud["fi"] == sha("j")
    assert ud["doby"] == sha("1990")


def test_list_values_are_fixed_element_by_element() -> None:
    valid = sha("a@example.com")
    text = dump(body(event_with(em=["B@Example.com", valid, UPPER, "not an email"])))
    result = fix_text(text)
    assert new_user_data(result)["em"] == [
        sha("b@example.com"),
        valid,
        UPPER.lower(),
        "not an email",
    ]
    assert [c.pointer for c in result.changes] == [
        "/data/0/user_data/em/0",
        "/data/0/user_data/em/2",
    ]
    assert [(s.pointer, s.reason) for s in result.skipped] == [
        ("/data/0/user_data/em/3", "invalid-email")
    ]


def test_uppercase_hex_is_lowercased_and_appendix_kept() -> None:
    text = dump(body(event_with(fn=UPPER + ".AQ", ln=UPPER)))
    result = fix_text(text)
    ud = new_user_data(result)
    assert ud["fn"] == UPPER.lower() + ".AQ"
    assert ud["ln"] == UPPER.lower()
    assert {c.action for c in result.changes} == {"lowercased"}


def test_clean_payload_is_unchanged() -> None:
    text = dump(body(website_event(), store_event()))
    result = fix_text(text)
    assert result.text == text and not result.changed
    assert result.changes == [] and result.skipped == [] and result.notices == []


def test_external_id_and_keys_outside_user_data_are_never_hashed() -> None:
    event = event_with(external_id=["john@example.com", "CUST-1"])
    event["custom_data"]["em"] = "john@example.com"
    event["em"] = "john@example.com"
    text = dump(body(event))
    result = fix_text(text)
    assert result.text == text


def test_other_digests_and_bad_appendix_are_left_and_listed() -> None:
    md5 = "5f4dcc3b5aa765d61d8327deb882cf99"
    text = dump(body(event_with(fn=md5, ln=sha("smith") + ".zz!")))
    result = fix_text(text)
    assert result.text == text
    assert sorted((s.field, s.reason) for s in result.skipped) == [
        ("fn", "other-digest"),
        ("ln", "unknown-appendix"),
    ]


@pytest.mark.parametrize("value", ["unknown", "N/A", "null", "test"])
def test_placeholders_are_not_hashed(value: str) -> None:
    text = dump(body(event_with(fn=value)))
    result = fix_text(text)
    assert result.text == text
    assert [s.reason for s in result.skipped] == ["placeholder"]


def test_other_types_are_left_to_other_rules() -> None:
    text = dump(body(event_with(fn=None, ln=True, ct=1.5, st={"a": 1}, ge=7)))
    result = fix_text(text)
    assert result.text == text and result.skipped == []


def test_ambiguous_date_is_left_and_reported() -> None:
    text = dump(body(event_with(db="03/04/1990")))
    result = fix_text(text)
    assert result.text == text
    [skip] = result.skipped
    line = 1 + next(i for i, ln in enumerate(text.splitlines()) if '"db"' in ln)
    assert (skip.pointer, skip.reason, skip.line) == (
        "/data/0/user_data/db",
        "ambiguous-date",
        line,
    )
    assert skip.column == text.splitlines()[line - 1].index('"03') + 1
    assert "ambiguous" in skip.description


# --------------------------------------------------------------------------- regions


def test_phone_without_region_is_left() -> None:
    text = dump(body(event_with(ph="(650) 555-1212", country=sha("zz-not-a-country"))))
    result = fix_text(text)
    assert result.text == text
    assert [s.reason for s in result.skipped] == ["no-country-code"]


def test_phone_uses_default_region_when_the_event_has_no_country() -> None:
    text = dump(body(event_with(ph="020 7946 0958", country=sha("zz-not-a-country"))))
    ud = new_user_data(fix_text(text, default_region="gb"))
    assert ud["ph"] == sha("442079460958")


def test_the_events_country_wins_over_the_default_region() -> None:
    text = dump(body(event_with(ph="020 7946 0958", country="GB")))
    ud = new_user_data(fix_text(text, default_region="us"))
    assert ud["ph"] == sha("442079460958")


@pytest.mark.parametrize("country", ["GB", "United Kingdom", sha("gb"), [sha("gb")]])
def test_phone_uses_the_events_country(country: Any) -> None:
    text = dump(body(event_with(ph="020 7946 0958", country=country)))
    ud = new_user_data(fix_text(text))
    assert ud["ph"] == sha("442079460958")


def test_two_different_countries_give_no_region() -> None:
    text = dump(body(event_with(ph="020 7946 0958", country=[sha("gb"), sha("us")])))
    result = fix_text(text)
    assert [s.reason for s in result.skipped] == ["no-country-code"]


def test_zip_uses_the_events_country_before_the_default_region() -> None:
    text = dump(body(event_with(zp="SW1A 1AA", country="gb")))
    ud = new_user_data(fix_text(text, default_region="us"))
    assert ud["zp"] == sha("sw1a1aa")


def test_unknown_default_region_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="region"):
        fix_text("{}", default_region="XX")


# --------------------------------------------------------------------------- numbers


def test_integer_phone_and_date_become_hash_strings() -> None:
    text = dump(body(event_with(ph=16505551212, db=19900304)))
    result = fix_text(text)
    ud = new_user_data(result)
    assert ud["ph"] == sha("16505551212")
    assert ud["db"] == sha("19900304")
    assert only_spans_changed(text, result)


def test_integer_zip_shorter_than_five_digits_is_left() -> None:
    text = dump(body(event_with(zp=2134)))
    result = fix_text(text)
    assert result.text == text
    assert [s.reason for s in result.skipped] == ["zip-as-number"]


# --------------------------------------------------------------------------- formatting


def test_formatting_is_preserved_byte_for_byte() -> None:
    text = (
        '{"data":[{"event_name":"Purchase","event_time":1763799000,\t"action_source" :"website",'
        '"user_data":{ "em" : "J\\u006fhn@Example.com",  "client_user_agent":"x",'
        '"fn":"J\\u00f6rg"}}],\r\n"partner_agent":"x"}\r\n'
    )
    result = fix_text(text)
    assert json.loads(result.text)["data"][0]["user_data"]["em"] == sha("john@example.com")
    assert json.loads(result.text)["data"][0]["user_data"]["fn"] == sha("jörg")
    assert only_spans_changed(text, result)
    assert result.text.endswith("}\r\n")
    assert '"action_source" :"website"' in result.text


def test_key_order_and_indentation_kept() -> None:
    event = event_with(em="a@example.com")
    text = json.dumps(body(event), indent="\t")
    result = fix_text(text)
    assert list(json.loads(result.text)["data"][0]) == list(event)
    assert result.text.splitlines()[1:3] == text.splitlines()[1:3]
    assert only_spans_changed(text, result)


def test_bom_is_kept() -> None:
    raw = b"\xef\xbb\xbf" + dump(body(event_with(fn="John"))).encode()
    new, result = fix_bytes(raw)
    assert new.startswith(b"\xef\xbb\xbf")
    assert json.loads(new[3:])["data"][0]["user_data"]["fn"] == sha("john")
    line = 1 + next(i for i, ln in enumerate(raw.decode().splitlines()) if '"fn"' in ln)
    assert result.changes[0].line == line


def test_not_utf8_and_not_json_are_untouched() -> None:
    raw = b'{"data": [{"user_data": {"fn": "J\xf6rg"}}]}'
    assert fix_bytes(raw)[0] == raw
    text = '{"data": [{"user_data": {"fn": "John"}}'
    result = fix_text(text)
    assert result.text == text and result.notices == ["not valid JSON; not fixed"]


def test_duplicate_keys_leave_the_document_untouched() -> None:
    text = '{"data": [{"event_name": "x", "user_data": {"fn": "John", "fn": "Jane"}}]}'
    result = fix_text(text)
    assert result.text == text
    assert "duplicate key" in result.notices[0]


def test_single_event_and_array_documents() -> None:
    event = event_with(fn="John")
    for payload, pointer in ((event, "/user_data/fn"), ([event, event], "/1/user_data/fn")):
        result = fix_text(dump(payload))
        assert pointer in [c.pointer for c in result.changes]


# --------------------------------------------------------------------------- JSON Lines


def test_jsonl_is_fixed_line_by_line() -> None:
    good = json.dumps(event_with(fn="John"))
    clean = json.dumps(website_event())
    text = f"{good}\r\n\r\n{{broken\r\n{clean}\r\n{json.dumps(body(event_with(ln='Smith')))}"
    result = fix_text(text, jsonl=True)
    lines = result.text.split("\r\n")
    assert json.loads(lines[0])["user_data"]["fn"] == sha("john")
    assert lines[1:4] == ["", "{broken", clean]
    assert json.loads(lines[4])["data"][0]["user_data"]["ln"] == sha("smith")
    assert result.notices == ["line 3: not valid JSON; not fixed"]
    assert [(c.pointer, c.line) for c in result.changes] == [
        ("/user_data/fn", 1),
        ("/data/0/user_data/ln", 5),
    ]
    assert only_spans_changed(text, result)


def test_jsonl_with_a_bom_fixes_the_first_line() -> None:
    text = "\ufeff" + json.dumps(event_with(fn="John")) + "\n"
    result = fix_text(text, jsonl=True)
    assert result.text.startswith("\ufeff{")
    assert json.loads(result.text[1:])["user_data"]["fn"] == sha("john")


def test_duplicate_keys_inside_encoded_data_leave_it_untouched() -> None:
    inner = '[{"event_name": "x", "user_data": {"fn": "John", "fn": "Jane"}}]'
    text = json.dumps({"data": inner})
    result = fix_text(text)
    assert result.text == text and "duplicate key" in result.notices[0]


# --------------------------------------------------------------------------- encoded data


def test_json_encoded_data_is_fixed_inside_the_string() -> None:
    events = [event_with(em="John@Example.com"), event_with(fn="Jörg")]
    inner = json.dumps(events, ensure_ascii=False)
    text = dump({"data": inner, "test_event_code": "TEST1"}, ensure_ascii=False)
    result = fix_text(text)
    outer = json.loads(result.text)
    assert outer["test_event_code"] == "TEST1"
    decoded = json.loads(outer["data"])
    assert decoded[0]["user_data"]["em"] == sha("john@example.com")
    assert decoded[1]["user_data"]["fn"] == sha("jörg")
    assert [(c.pointer, c.line) for c in result.changes] == [
        ("/data/0/user_data/em", 2),
        ("/data/1/user_data/fn", 2),
    ]
    assert fix_text(result.text).changes == []
    diff = render_diff("p.json", result)
    assert "John" not in diff and "Jörg" not in diff
    body_lines = diff.splitlines()[2:]
    [old_line] = [ln for ln in body_lines if ln.startswith("-")]
    [new_line] = [ln for ln in body_lines if ln.startswith("+")]
    assert "J***@E***.com" in old_line and sha("john@example.com")[:8] in new_line


# --------------------------------------------------------------------------- switches


def test_switches_for_each_kind_of_fix() -> None:
    text = dump(body(event_with(fn="John", ln=UPPER)))
    only_lower = fix_text(text, hash_raw=False)
    assert [c.field for c in only_lower.changes] == ["ln"]
    only_hash = fix_text(text, lowercase=False)
    assert [c.field for c in only_hash.changes] == ["fn"]


# --------------------------------------------------------------------------- privacy of results


def test_changes_skips_and_diff_hold_no_raw_value() -> None:
    raw = ["John_Smith@Gmail.com", "+1 650 555 1212", "Johnathan", "03/04/1990", "Smithson"]
    text = dump(body(event_with(em=raw[0], ph=raw[1], fn=raw[2], db=raw[3], ln=raw[4])))
    result = fix_text(text)
    rendered = repr(result.changes) + repr(result.skipped) + render_diff("p.json", result)
    for value in raw:
        assert value not in rendered
    diff = render_diff("p.json", result)
    assert diff.startswith("--- p.json\n+++ p.json\n@@ ")
    assert '-        "fn": "J***",\n' in diff
    assert f'+        "fn": "{sha("johnathan")[:12]}…",\n' in diff


def test_diff_hunks_and_context() -> None:
    lines = [json.dumps(website_event(event_id=f"e{i}")) for i in range(30)]
    lines[2] = json.dumps(event_with(fn="Johnathan"))
    lines[5] = json.dumps(event_with(ln="Smithers"))  # close to line 3: same hunk
    lines[25] = json.dumps(event_with(ct="Wuppertal"))  # far away: its own hunk
    diff = render_diff("p.jsonl", fix_text("\n".join(lines) + "\n", jsonl=True))
    hunks = [ln for ln in diff.splitlines() if ln.startswith("@@")]
    assert hunks == ["@@ -1,9 +1,9 @@", "@@ -23,7 +23,7 @@"]
    body_lines = [ln for ln in diff.splitlines()[2:] if not ln.startswith("@@")]
    assert [ln[0] for ln in body_lines] == list("  -+  -+   ") + list("   -+   ")
    assert "Johnathan" not in diff and "Wuppertal" not in diff


def test_diff_of_many_identical_lines_is_linear() -> None:
    # difflib would be quadratic here (every line equal to every other one).
    line = json.dumps({"event_name": "Lead", "user_data": {"ln": UPPER}})
    result = fix_text("\n".join([line] * 5000), jsonl=True)
    diff = render_diff("p.jsonl", result)
    assert diff.count("\n@@") == 1 and len(result.changes) == 5000


def test_diff_masks_context_values_and_unknown_keys() -> None:
    event = event_with(fn="John")
    event["custom_data"]["Ingrid.Bergman@example.org"] = "Ingrid Bergman"
    text = json.dumps(body(event))  # one line: the whole document is the changed line
    diff = render_diff("p.json", fix_text(text))
    assert "Ingrid" not in diff and "Bergman" not in diff
    assert '"user_data": {' in diff and '"custom_data": {' in diff


def test_mask_json_withholds_what_does_not_lex() -> None:
    assert "Bergman" not in mask_json('"fn": "Ingrid Bergman')
    assert mask_json('{"fn": "Ingrid"}') == '{"fn": "I***"}'


# --------------------------------------------------------------------------- idempotence


@pytest.mark.parametrize("jsonl", [False, True])
def test_second_fix_changes_nothing(jsonl: bool) -> None:
    events = [
        event_with(em=["A@Example.com", UPPER], ph="+44 20 7946 0958", fn="Ann", db="1990-01-02"),
        event_with(ph="(650) 555-1212", db="03/04/1990"),
    ]
    text = "\n".join(json.dumps(e) for e in events) if jsonl else dump(body(*events))
    first = fix_text(text, jsonl=jsonl)
    assert first.changed
    second = fix_text(first.text, jsonl=jsonl)
    assert second.text == first.text and second.changes == []
    assert [s.reason for s in second.skipped] == [s.reason for s in first.skipped]


# --------------------------------------------------------------------------- the CLI


def runner() -> CliRunner:
    """stdout and stderr apart on every click version this project supports."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        return CliRunner()  # click >= 8.2 always keeps stderr apart


def run_cli(*args: str, input: bytes | None = None) -> Any:
    return runner().invoke(cli, ["check", "--now", str(NOW), *args], input=input)


def test_cli_fix_rewrites_and_reports_what_remains(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(dump(body(event_with(em="John@Example.com", db="03/04/1990"))))
    result = run_cli("--fix", "--format", "json", str(path))
    assert result.exception is None or isinstance(result.exception, SystemExit)
    fixed = json.loads(path.read_text())["data"][0]["user_data"]
    assert fixed["em"] == sha("john@example.com") and fixed["db"] == "03/04/1990"
    report = json.loads(result.stdout)  # stdout holds the report only
    assert report["summary"]["files"] == 1
    assert "Fixed 1 value in 1 file." in result.stderr
    assert "not fixed: /data/0/user_data/db" in result.stderr
    assert "John" not in result.stdout + result.stderr
    again = run_cli("--fix", str(path))
    assert "Nothing to fix." in again.stderr


def test_cli_fix_leaves_clean_files_byte_identical_and_unwritten(tmp_path: Path) -> None:
    paths = []
    raws = [
        dump(body(website_event(), store_event())).encode(),
        (json.dumps(website_event()) + "\r\n" + json.dumps(store_event()) + "\r\n").encode(),
        b"\xef\xbb\xbf" + json.dumps(body(website_event()), indent="\t").encode(),
        b"{ not json",
        b"",
    ]
    for i, raw in enumerate(raws):
        path = tmp_path / (f"f{i}.jsonl" if i == 1 else f"f{i}.json")
        path.write_bytes(raw)
        paths.append(path)
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in paths}
    result = run_cli("--fix", str(tmp_path))
    assert "Nothing to fix." in result.stderr
    for path, raw in zip(paths, raws, strict=True):
        assert path.read_bytes() == raw
        assert (path.stat().st_ino, path.stat().st_mtime_ns) == before[path]


def test_cli_fix_on_real_example_files_is_idempotent(tmp_path: Path) -> None:
    examples = Path(__file__).resolve().parent.parent / "examples"
    files = sorted(examples.glob("*.json*")) if examples.is_dir() else []
    if not files:
        pytest.skip("no example payloads")
    for src in files:
        (tmp_path / src.name).write_bytes(src.read_bytes())
    run_cli("--fix", str(tmp_path))
    first = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    result = run_cli("--fix", str(tmp_path))
    assert "Nothing to fix." in result.stderr
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == first


def test_cli_write_failure_keeps_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "p.json"
    original = dump(body(event_with(fn="John"))).encode()
    path.write_bytes(original)

    def boom(*_a: Any) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", boom)
    result = run_cli("--fix", str(path))
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["p.json"]
    assert "cannot write the fixes (permission denied); the file is unchanged" in result.stderr
    assert "Fixed 0 of 1 value." in result.stderr


def test_cli_diff_changes_nothing_and_is_masked(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    original = dump(body(event_with(em="Ingrid.Bergman@example.org", ln="Bergman")))
    path.write_text(original)
    result = run_cli("--diff", str(path))
    assert result.exit_code == 1
    assert path.read_text() == original
    assert result.stdout.startswith(f"--- {path}\n+++ {path}\n")
    assert '-        "em": "I***@e***.org",' in result.stdout
    assert "Bergman" not in result.stdout + result.stderr
    assert "Would fix 2 values in 1 file." in result.stderr
    clean = tmp_path / "clean.json"
    clean.write_text(dump(body(website_event())))
    nothing = run_cli("--diff", str(clean))
    assert (nothing.exit_code, nothing.stdout) == (0, "")


def test_cli_diff_reads_stdin_and_fix_leaves_it(tmp_path: Path) -> None:
    data = dump(body(event_with(fn="Johnathan"))).encode()
    diff = run_cli("--diff", "-", input=data)
    assert diff.exit_code == 1 and "--- -\n+++ -\n" in diff.stdout
    fixed = run_cli("--fix", "-", input=data)
    assert "standard input is not fixed" in fixed.stderr
    assert "Johnathan" not in diff.stdout + diff.stderr + fixed.stdout + fixed.stderr


def test_cli_fix_bad_default_region_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(dump(body(event_with(fn="John"))))
    result = run_cli("--fix", "--default-region", "XX", str(path))
    assert result.exit_code == 2
    assert "fn" in path.read_text() and sha("john") not in path.read_text()


def test_cli_fix_in_raw_pii_mode_hashes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    original = dump(body(event_with(fn="John")))
    path.write_text(original)
    result = run_cli("--fix", "--pii", "raw", str(path))
    assert path.read_text() == original
    assert 'pii = "raw"' in result.stderr


@pytest.mark.skipif(
    "H001" not in {r.code for r in registry.all_rules()}, reason="H001 not written yet"
)
def test_cli_fix_respects_ignored_rules(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    original = dump(body(event_with(fn="John", ln=UPPER)))
    path.write_text(original)
    run_cli("--fix", "--ignore", "H001", str(path))
    ud = json.loads(path.read_text())["data"][0]["user_data"]
    assert ud["fn"] == "John"
    if "H002" in {r.code for r in registry.all_rules()}:
        assert ud["ln"] == UPPER.lower()


# --------------------------------------------------------------------------- --fix edges (issue 15)

needs_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file away needs root"
)


def raw_file(tmp_path: Path, name: str = "p.json", **ud: Any) -> tuple[Path, bytes]:
    path = tmp_path / name
    original = dump(body(event_with(**(ud or {"fn": "John"})))).encode()
    path.write_bytes(original)
    return path, original


@needs_root
def test_cli_fix_keeps_another_users_owner_group_and_mode(tmp_path: Path) -> None:
    path, _ = raw_file(tmp_path)
    os.chown(path, 65534, 65533)
    path.chmod(0o640)
    result = run_cli("--fix", str(path))
    assert "Fixed 1 value in 1 file." in result.stderr
    assert sha("john") in path.read_text()
    st = path.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (65534, 65533, 0o640)


def test_cli_fix_refuses_a_hard_linked_file_and_names_it(tmp_path: Path) -> None:
    path, original = raw_file(tmp_path)
    other = tmp_path / "other-name.json"
    os.link(path, other)
    result = run_cli("--fix", str(path))
    assert path.read_bytes() == original and other.read_bytes() == original
    assert path.stat().st_ino == other.stat().st_ino  # still one file
    assert f"{path}: cannot write the fixes: it has 2 names (hard links)" in result.stderr
    assert result.exit_code == 1


def test_cli_fix_refuses_a_read_only_file(tmp_path: Path) -> None:
    # Only an uppercase hash (H002, a warning): the check alone would pass, so the
    # exit code shows the unapplied fix.
    path, original = raw_file(tmp_path, ln=UPPER)
    path.chmod(0o444)
    inode = path.stat().st_ino
    result = run_cli("--fix", str(path))
    assert path.read_bytes() == original and path.stat().st_ino == inode
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert f"{path}: cannot write the fixes: the file is read-only" in result.stderr
    assert result.exit_code == 1
    assert run_cli(str(path)).exit_code == 0  # the same file, checked without --fix


def test_cli_fix_refuses_when_the_file_changed_after_it_was_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, original = raw_file(tmp_path)
    appended = json.dumps(website_event()).encode() + b"\n"
    real_fix_bytes = fix_mod.fix_bytes

    def fix_then_append(*args: Any, **kw: Any) -> Any:
        out = real_fix_bytes(*args, **kw)
        with path.open("ab") as handle:  # another process appends meanwhile
            handle.write(appended)
        return out

    monkeypatch.setattr(fix_mod, "fix_bytes", fix_then_append)
    result = run_cli("--fix", str(path))
    assert path.read_bytes() == original + appended
    assert f"{path}: cannot write the fixes: the file changed while it was being fixed" in (
        result.stderr
    )
    assert result.exit_code == 1
    assert os.listdir(tmp_path) == ["p.json"]


def test_cli_quiet_still_shows_an_unwritten_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, original = raw_file(tmp_path, ln=UPPER)

    def full(*_a: Any) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", full)
        result = run_cli("--fix", "-q", str(path))
    assert path.read_bytes() == original
    assert f"{path}: cannot write the fixes (no space left on device)" in result.stderr
    assert "Fixed 0 of 1 value." not in result.stderr  # progress stays quiet
    assert result.exit_code == 1  # H002 alone is a warning: the check would pass
    quiet = run_cli("--fix", "-q", str(path))
    assert quiet.stderr == "" and quiet.exit_code == 0
    assert UPPER.lower() in path.read_text()


def test_cli_fix_through_a_symlink_fixes_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    target, _ = raw_file(tmp_path, "real.json")
    link = tmp_path / "link.json"
    link.symlink_to(target.name)  # relative, as people write them
    result = run_cli("--fix", str(link))
    assert "Fixed 1 value in 1 file." in result.stderr
    assert link.is_symlink() and os.readlink(link) == "real.json"
    assert sha("john") in target.read_text()
    assert sorted(os.listdir(tmp_path)) == ["link.json", "real.json"]
