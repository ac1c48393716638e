"""Where findings point: line and column (1-based, in characters) of values.

The scanner is checked on its own (offsets, duplicates, non-finite numbers,
depth) and end to end through ``capi_lint.check``, whose positions users see.
"""

from __future__ import annotations

import json

import pytest
from helpers import body, lint, website_event
from hypothesis import given, settings
from hypothesis import strategies as st

from capi_lint.positions import MAX_DEPTH, Locator, scan


def _at(findings, code):
    return [(f.pointer, f.line, f.column) for f in findings if f.code == code]


# --------------------------------------------------------------------------- scanner


def test_scan_records_every_value_offset() -> None:
    text = '{"a": [1, {"b": "x"}], "c": null}'
    offsets = scan(text).offsets
    assert offsets[()] == 0
    assert offsets[("a",)] == text.index("[")
    assert offsets[("a", 0)] == text.index("1")
    assert offsets[("a", 1)] == text.index('{"b"')
    assert offsets[("a", 1, "b")] == text.index('"x"')
    assert offsets[("c",)] == text.index("null")


@pytest.mark.parametrize("literal", ["true", "false", "null", "1e5", "-0.5E-3", '"e"'])
def test_literals_before_a_value_do_not_stop_the_scan(literal: str) -> None:
    # Regression: float("true") raised inside the scanner, so every value after
    # a boolean was located at its nearest recorded ancestor.
    text = f'{{"first": {literal}, "second": {{"third": 3}}}}'
    result = scan(text)
    assert result.complete
    assert result.offsets[("second", "third")] == text.index("3}")


def test_scan_keys_are_decoded() -> None:
    text = '{"a\\/b": 1, "\\u00e9": 2, "t~": 3}'
    offsets = scan(text).offsets
    assert offsets[("a/b",)] == text.index("1")
    assert offsets[("é",)] == text.index("2")
    assert offsets[("t~",)] == text.index("3")


def test_duplicates_point_at_the_second_key() -> None:
    text = '{"user_data": {"em": "a", "ph": "b", "em": "c"}, "em": "top"}'
    result = scan(text)
    second = text.index('"em"', text.index('"ph"'))
    assert result.duplicates == [(("user_data",), "em", second)]


def test_duplicates_found_through_escapes() -> None:
    text = '{"em": "a", "e\\u006d": "b"}'
    assert scan(text).duplicates == [((), "em", text.index('"e\\u006d"'))]


def test_same_key_in_different_objects_is_not_a_duplicate() -> None:
    text = '[{"event_id": "1"}, {"event_id": "1"}]'
    assert scan(text).duplicates == []


@pytest.mark.parametrize(
    ("token", "reported"),
    [
        ("NaN", True),
        ("Infinity", True),
        ("-Infinity", True),
        ("1e999", True),
        ("-1E999", True),
        ("1" + "0" * 400, True),
        ("1e308", False),
        ("1e-999", False),  # underflows to 0.0: finite
        ("1" + "0" * 300, False),  # 1e300 fits in a double
        ('"NaN"', False),
        ('"Infinity"', False),
    ],
)
def test_non_finite_numbers(token: str, reported: bool) -> None:
    text = f'{{"value": {token}}}'
    found = scan(text).non_finite
    if reported:
        assert found == [(("value",), text.index(token), token)]
    else:
        assert found == []


def test_too_deep_is_reported_not_recursed() -> None:
    text = "[" * 100_000 + "]" * 100_000
    result = scan(text)
    assert result.too_deep_at == MAX_DEPTH
    assert not result.complete


def test_broken_text_keeps_what_was_scanned() -> None:
    text = '{"a": 1, "b": [tru'
    result = scan(text)
    assert not result.complete
    assert result.offsets[("a",)] == 6


# --------------------------------------------------------------------------- locator


def test_locator_lines_and_columns() -> None:
    text = '{\n  "a": 1,\n  "b": [\n    "x"\n  ]\n}'
    loc = Locator(text)
    assert loc.locate(()) == (1, 1)
    assert loc.locate(("a",)) == (2, 8)
    assert loc.locate(("b",)) == (3, 8)
    assert loc.locate(("b", 0)) == (4, 5)


def test_locator_missing_key_falls_back_to_the_parent() -> None:
    text = '{"user_data": {"em": "x"}}'
    loc = Locator(text)
    assert loc.locate(("user_data", "client_user_agent")) == loc.locate(("user_data",)) == (1, 15)


def test_locator_first_line_shifts_rows() -> None:
    loc = Locator('{"a": 1}', first_line=7)
    assert loc.locate(("a",)) == (7, 7)


def test_columns_count_characters_not_bytes() -> None:
    text = '{"name": "K\u00e4se \u20ac \U0001f600", "v": 1}'
    loc = Locator(text)
    # 'K', 'ä', 's', 'e', ' ', '€', ' ', '😀' are one column each.
    assert loc.locate(("v",)) == (1, text.index("1}") + 1) == (1, 27)


# --------------------------------------------------------------------------- end to end


def test_pretty_printed_positions() -> None:
    text = json.dumps(body(website_event(event_time="1763799880")), indent=2)
    assert _at(lint(text, select=["E004"]), "E004") == [("/data/0/event_time", 5, 21)]


def test_minified_positions_after_non_ascii() -> None:
    event = website_event(event_name="Käse€😀", event_time="x")
    text = json.dumps(body(event), ensure_ascii=False, separators=(",", ":"))
    expected_col = text.index('"x"') + 1
    assert expected_col == 46  # characters; the UTF-8 bytes before it are 51
    assert len(text[: expected_col - 1].encode()) == 51
    assert _at(lint(text, select=["E004"]), "E004") == [("/data/0/event_time", 1, 46)]


def test_non_ascii_on_earlier_lines_does_not_shift_columns() -> None:
    event = website_event(event_time="x")
    event["custom_data"]["content_name"] = "Crème brûlée 😀"
    text = json.dumps({"data": [event]}, indent=2, ensure_ascii=False)
    got = _at(lint(text, select=["E004"]), "E004")
    line = text[: text.index('"x"')].count("\n") + 1
    assert got == [("/data/0/event_time", line, 21)]


def test_escaped_non_ascii_counts_as_written() -> None:
    # With ensure_ascii the text holds `\u00e4` (6 columns): columns follow the file.
    text = '{"event_name":"K\\u00e4se","event_time":"x","action_source":"website"}'
    assert _at(lint(text, select=["E004"]), "E004") == [("/event_time", 1, text.index('"x"') + 1)]


def test_missing_key_points_at_the_event_object() -> None:
    event = website_event()
    del event["event_name"]
    text = json.dumps(body(event), indent=2)
    assert _at(lint(text, select=["E001"]), "E001") == [("/data/0", 3, 5)]


def test_values_after_booleans_are_located() -> None:
    text = json.dumps(body(website_event(opt_out=False, event_time="soon")), indent=2)
    line = text[: text.index('"soon"')].count("\n") + 1
    assert _at(lint(text, select=["E004"]), "E004") == [("/data/0/event_time", line, 21)]


def test_pointer_escaping_of_keys() -> None:
    event = website_event()
    event["user_data"]["a/b~c"] = "x"
    text = json.dumps(body(event))
    found = _at(lint(text, select=["S009"]), "S009")
    assert found == [("/data/0/user_data/a~1b~0c", 1, text.index('"x"') + 1)]


# --------------------------------------------------------------------------- pointer walk
# A Locator walks only along the pointer (skipping siblings at C speed); the
# full scan is the reference: every pointer must give the offset it gives.

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=20,
)


def _pointers(offsets: dict) -> list[tuple]:
    """Every recorded pointer, plus missing children and parts of the wrong kind."""
    out = []
    for parts in offsets:
        out += [parts, (*parts, "missing"), (*parts, 0), (*parts, "0"), (*parts, 7, "x")]
    return out


def _same_as_full_scan(text: str, walk_only: bool = False) -> None:
    reference = Locator(text)
    for parts in _pointers(reference.scan.offsets):
        walked = Locator(text)  # fresh: no full scan yet
        assert walked.offset_of(parts) == reference.offset_of(parts), (text, parts)
        # Plain JSON is located by the walk alone, never by the full scan.
        assert walked._scan is None or not walk_only
    shared = Locator(text)  # one locator, many pointers: the walk's cache
    for parts in _pointers(reference.scan.offsets):
        assert shared.offset_of(parts) == reference.offset_of(parts), (text, parts)


@settings(max_examples=300, deadline=None)
@given(_values, st.sampled_from([None, 1, 2]), st.booleans())
def test_pointer_walk_matches_the_full_scan(value, indent, ascii_only) -> None:
    _same_as_full_scan(json.dumps(value, indent=indent, ensure_ascii=ascii_only), walk_only=True)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": {"x": 1}, "a": {"y": 2}}',  # repeated key on the way: the full scan decides
        '{"b": [1, {"a": 1, "a": [2, 3]}], "c": {"d": NaN, "e": -Infinity}}',
        ' \n {"a" : [ 1 , 2 ] , "\\u0062" : { } }  ',
        '{"a": [1, 2}',  # broken text: whatever the full scan kept
        "[[[[[]]]]]",
        '"just a string"',
        "",
    ],
)
def test_pointer_walk_matches_the_full_scan_on_odd_text(text: str) -> None:
    _same_as_full_scan(text)


# The find-based walk in strict JSON: keys met as values, inside strings, deeper
# down, in sibling objects, or repeated. Objects are written from lists of
# pairs, so a key may repeat; a small alphabet makes every collision likely.

_near_keys = st.sampled_from(["k", "a", "a/b", "", "ka", " k"])
_near_strings = st.text(alphabet='ka"\\:{}[],/ \n', max_size=6)


def _texts(draw_ws: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    leaves = st.one_of(
        st.integers(-5, 5).map(str),
        st.sampled_from(["true", "null", "1.5e3"]),
        _near_strings.map(json.dumps),
        _near_keys.map(json.dumps),
    )

    def containers(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        members = st.lists(
            st.tuples(_near_keys.map(json.dumps), draw_ws, inner, draw_ws), max_size=4
        )
        return st.one_of(
            st.lists(st.tuples(inner, draw_ws), max_size=4).map(
                lambda items: "[" + ",".join(v + w for v, w in items) + "]"
            ),
            members.map(
                lambda pairs: "{" + ",".join(f"{k}{w1}:{w2}{v}" for k, w1, v, w2 in pairs) + "}"
            ),
        )

    return st.recursive(leaves, containers, max_leaves=25)


@settings(max_examples=400, deadline=None)
@given(_texts(st.sampled_from(["", " ", "\n  "])))
def test_find_walk_matches_the_full_scan(text: str) -> None:
    reference = Locator(text)
    repeated = bool(reference.scan.duplicates)
    pointers = [*_pointers(reference.scan.offsets), ("k",), ("a/b", "k"), (0, "k", "k")]
    for parts in pointers:
        walked = Locator(text)
        assert walked.offset_of(parts) == reference.offset_of(parts), (text, parts)
        # Without a repeated key the walk alone answers, never the full scan.
        assert walked._scan is None or repeated, (text, parts)


def test_find_walk_is_taken_in_strict_json() -> None:
    """The case the walk is for: a member found by str.find, not by the scanner."""
    text = '{"a": {"k": "\\"k\\": 1", "b": [{"k": 2}]}, "k": {"k": "k"}, "z": 3}'
    located = Locator(text)
    assert located.offset_of(("k", "k")) == text.index('"k"}')
    assert located._members == {}  # no container decoded member by member
    assert located._scan is None
    assert located.offset_of(("a", "k")) == text.index('"\\"k')
    assert located.offset_of(("a", "b", 0, "k")) == text.index("2}")
    assert located.offset_of(("z",)) == text.index("3}")
    assert located.offset_of(("missing",)) == 0


@pytest.mark.parametrize(
    "text",
    [
        '{"k": 1, "a": {"k": 2}, "k": 3}',  # repeated after a deeper namesake
        '{"a": "k", "k": {"k": 1}, "b": [{"k": 0}], "k": 2}',
        '{"\\u006b": 1, "k": 2}',  # an escaped namesake: the scanner's walk decides
        '{"a\\/b": 1, "a/b": 2}',
        '{"k": 1} ',
        '{"k": NaN, "a": 1}',  # not strict JSON
        '{"a": [1, 2}, "k": 1}',
    ],
)
def test_find_walk_on_repeated_and_escaped_keys(text: str) -> None:
    reference = Locator(text)
    for parts in [*_pointers(reference.scan.offsets), ("k",), ("k", "k"), ("a/b",)]:
        assert Locator(text).offset_of(parts) == reference.offset_of(parts), (text, parts)
