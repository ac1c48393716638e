"""Property tests: nothing escapes, and every finding points into its input.

- arbitrary JSON values (with NaN, infinities, huge integers, lone surrogates)
  through ``capi_lint.check``, as Python objects and as JSON text;
- arbitrary bytes through ``capi_lint.check`` and through the CLI as a
  ``.json`` and a ``.jsonl`` file (exit code 0 or 1, never a traceback);
- structurally plausible CAPI requests (the builders' clean events, mutated).

For a parsed document, each finding's pointer must resolve in the input (a
missing key's pointer is its parent object, which exists), and findings from
text carry a line and a column.
"""

from __future__ import annotations

import copy
import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from helpers import NOW, app_event, store_event, website_event
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import capi_lint
from capi_lint import cli

#: Raise for a deeper local run: CAPI_LINT_EXAMPLES=5000 pytest tests/test_robustness.py
SETTINGS = settings(
    max_examples=int(os.environ.get("CAPI_LINT_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --------------------------------------------------------------------------- resolver


class Unresolved(AssertionError):
    pass


def resolve(document: Any, pointer: str) -> Any:
    """The value at an RFC 6901 pointer; a JSON-encoded ``data`` string is
    decoded on the way (interface §1: findings point into the decoded value)."""
    if pointer == "":
        return document
    if not pointer.startswith("/"):
        raise Unresolved(f"not a JSON pointer: {pointer!r}")
    node = document
    tokens = pointer[1:].split("/")
    for depth, raw in enumerate(tokens):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, str) and depth == 1 and tokens[0] == "data":
            node = json.loads(node)
        if isinstance(node, dict):
            if token not in node:
                raise Unresolved(f"{pointer!r}: no key {token!r}")
            node = node[token]
        elif isinstance(node, list):
            if not token.isdigit() or (token != "0" and token.startswith("0")):
                raise Unresolved(f"{pointer!r}: {token!r} is not an array index")
            if int(token) >= len(node):
                raise Unresolved(f"{pointer!r}: index {token} out of range")
            node = node[int(token)]
        else:
            raise Unresolved(f"{pointer!r}: cannot step into {type(node).__name__}")
    return node


def test_resolver() -> None:
    doc = {"data": [{"a/b": {"~t": [0, 1]}}], "s": '[{"x": 1}]'}
    assert resolve(doc, "") is doc
    assert resolve(doc, "/data/0/a~1b/~0t/1") == 1
    assert resolve({"data": '[{"x": 1}]'}, "/data/0/x") == 1
    for bad in ("/data/1", "/data/00", "/data/0/a/b", "/nope", "data", "/data/-"):
        with pytest.raises(Unresolved):
            resolve(doc, bad)


def assert_located(findings, document: Any, *, text: bool) -> None:
    for f in findings:
        resolve(document, f.pointer)
        if text:
            assert f.line is not None and f.column is not None, f
            assert f.line >= 1 and f.column >= 1, f


def has_parse_error(findings) -> bool:
    return any(f.code == "S001" and f.severity.value == "error" for f in findings)


# --------------------------------------------------------------------------- strategies

ODD_STRINGS = st.sampled_from(
    [
        "",
        " ",
        "\ud800",
        "a\udc00b",
        "\udbff\udfff",
        "\x00",
        "\x1b[31m",
        "NaN",
        "Infinity",
        "1763799880",
        "2025-11-22T08:24:40Z",
        "€😀",
        "~/",
        "true",
        "[]",
        "{}",
        "null",
    ]
)
NUMBERS = (
    st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(
        [
            2**63,
            2**64,
            -(2**63) - 1,
            10**30,
            10**400,
            -(10**400),
            1763799880,
            1763799880000,
            1.5,
            -0.0,
            1e308,
        ]
    )
)
KEYS = st.text(max_size=8) | st.sampled_from(
    [
        "event_name",
        "event_time",
        "action_source",
        "data",
        "user_data",
        "custom_data",
        "em",
        "value",
        "contents",
        "\ud800",
        "a/b",
        "~0",
        "",
    ]
)
SCALARS = st.none() | st.booleans() | NUMBERS | st.text(max_size=12) | ODD_STRINGS
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=25,
)


def _containers(node: Any, path: tuple = ()) -> list[tuple]:
    out = []
    if isinstance(node, dict):
        out.append(path)
        for key, value in node.items():
            out += _containers(value, (*path, key))
    elif isinstance(node, list):
        out.append(path)
        for index, value in enumerate(node):
            out += _containers(value, (*path, index))
    return out


def _get(node: Any, path: tuple) -> Any:
    for part in path:
        node = node[part]
    return node


@st.composite
def capi_payloads(draw) -> Any:
    """The builders' clean events, then a few drops, type changes and odd values."""
    builders = [website_event, app_event, store_event]
    events = [
        copy.deepcopy(draw(st.sampled_from(builders))()) for _ in range(draw(st.integers(1, 3)))
    ]
    for index, event in enumerate(events):
        event["event_id"] = f"evt-{index}"
    shape = draw(st.sampled_from(["request", "event", "array", "encoded"]))
    if shape == "request":
        root: Any = {"data": events}
    elif shape == "event":
        root = events[0]
    elif shape == "array":
        root = events
    else:
        root = {"data": json.dumps(events)}
    for _ in range(draw(st.integers(0, 6))):
        places = _containers(root)
        where = draw(st.sampled_from(places))
        node = _get(root, where)
        action = draw(st.sampled_from(["drop", "replace", "insert"]))
        if isinstance(node, dict):
            if action == "drop" and node:
                del node[draw(st.sampled_from(sorted(node)))]
            elif action == "replace" and node:
                node[draw(st.sampled_from(sorted(node)))] = draw(JSON_VALUES)
            else:
                node[draw(KEYS)] = draw(JSON_VALUES)
        elif isinstance(node, list):
            if action == "drop" and node:
                node.pop(draw(st.integers(0, len(node) - 1)))
            elif action == "replace" and node:
                node[draw(st.integers(0, len(node) - 1))] = draw(JSON_VALUES)
            else:
                node.insert(draw(st.integers(0, len(node))), draw(JSON_VALUES))
    return root


def _as_text(value: Any, indent: int | None, ascii_only: bool) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=ascii_only, allow_nan=True)


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def _parsed(text: str) -> Any:
    """What the linter parsed: the stdlib reading (NaN and huge numbers included)."""
    return json.loads(text, parse_int=lambda s: int(s) if len(s) < 4000 else math.inf)


def _check_object(value: Any) -> None:
    findings = capi_lint.check(value, now=NOW)
    if isinstance(value, (str, bytes)):
        return  # taken as JSON text: covered by the text properties
    assert_located(findings, value, text=False)


def _check_text(value: Any, indent: int | None, ascii_only: bool) -> None:
    text = _as_text(value, indent, ascii_only)
    findings = capi_lint.check(text, now=NOW)
    for f in findings:
        assert f.line is not None and f.column is not None, f
    if has_parse_error(findings):
        # Only raw lone surrogates (not UTF-8 encodable) may stop the parse.
        assert not ascii_only and _has_surrogate(value), findings
        return
    assert_located(findings, _parsed(text), text=True)


# --------------------------------------------------------------------------- properties


@SETTINGS
@given(JSON_VALUES)
def test_arbitrary_json_values_as_objects(value: Any) -> None:
    _check_object(value)


@SETTINGS
@given(JSON_VALUES, st.sampled_from([None, 2]), st.booleans())
def test_arbitrary_json_values_as_text(value: Any, indent: int | None, ascii_only: bool) -> None:
    _check_text(value, indent, ascii_only)


@SETTINGS
@given(capi_payloads())
def test_mutated_capi_payloads_as_objects(payload: Any) -> None:
    _check_object(payload)


@SETTINGS
@given(capi_payloads(), st.sampled_from([None, 2]), st.booleans())
def test_mutated_capi_payloads_as_text(payload: Any, indent: int | None, ascii_only: bool) -> None:
    _check_text(payload, indent, ascii_only)


@SETTINGS
@given(capi_payloads())
def test_mutated_capi_events_as_json_lines(payload: Any) -> None:
    events = payload if isinstance(payload, list) else [payload]
    lines = [json.dumps(e, allow_nan=True) for e in events] * 2
    text = "\n".join(lines) + "\n"
    findings = capi_lint.check(text, now=NOW)
    docs = [_parsed(line) for line in lines]
    for f in findings:
        assert f.line is not None and f.column is not None, f
        if len(lines) > 1 and f.line <= len(lines):
            # Per-line findings point into their line's document; file-wide
            # batch statistics point at the batch (``).
            resolve(docs[f.line - 1], f.pointer)


RAW_BYTES = st.binary(max_size=300) | st.builds(
    lambda text, cut, junk: text[:cut] + junk + text[cut:],
    st.sampled_from(
        [
            json.dumps({"data": [website_event()]}).encode(),
            json.dumps(website_event(), indent=2).encode(),
            (json.dumps(website_event()) + "\n" + json.dumps(app_event()) + "\n").encode(),
        ]
    ),
    st.integers(0, 1500),
    st.binary(max_size=8)
    | st.sampled_from(
        [
            b"\xef\xbb\xbf",
            b"\x00",
            b"NaN",
            b"\n",
            b"\r\n",
            b'"',
            b"{",
            b"]",
            b",",
            b"\\ud800",
            b"\xff",
        ]
    ),
)


@SETTINGS
@given(RAW_BYTES)
def test_arbitrary_bytes_through_check(data: bytes) -> None:
    findings = capi_lint.check(data, now=NOW)
    for f in findings:
        assert f.line is not None and f.column is not None, f


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("robustness")


@SETTINGS
@given(data=RAW_BYTES, suffix=st.sampled_from([".json", ".jsonl"]))
def test_arbitrary_bytes_through_the_cli(scratch: Path, data: bytes, suffix: str) -> None:
    path = scratch / f"payload{suffix}"
    path.write_bytes(data)
    for fmt in ("text", "json"):
        code = cli.main(["check", str(path), "--now", str(NOW), "--format", fmt])
        assert code in (0, 1)
