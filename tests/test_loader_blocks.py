"""JSON Lines are read a block at a time and checked together (loader._blocks,
_check_block): one re-serialisation clears a whole block of the duplicate-key,
wide-integer and depth checks. These tests hold that shortcut to the exact
per-line path (loader.parse) at its decision boundaries and on generated text."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import given, settings
from hypothesis import strategies as st

from capi_lint import loader


@contextmanager
def block_size(size: int) -> Iterator[None]:
    """Small blocks: lines straddle block ends, and a block holds few lines."""
    saved = loader._BLOCK
    loader._BLOCK = size
    try:
        yield
    finally:
        loader._BLOCK = saved


def seen(raw: bytes, limit: int = 1 << 20) -> list[tuple]:
    """What the block path makes of each line: number, value (repr keeps int vs
    float apart), problems."""
    return [
        (
            d.first_line,
            repr(d.root) if d.parsed else None,
            [(p.code, p.message, p.line, p.column, p.where) for p in d.problems],
        )
        for d in loader.iter_jsonl("t.jsonl", io.BytesIO(raw), limit=limit)
    ]


def exact(raw: bytes) -> list[tuple]:
    """The exact path: every non-blank line through loader.parse on its own."""
    out = []
    offset = 0
    for number, line in enumerate(raw.split(b"\n"), 1):
        text = line[:-1] if line.endswith(b"\r") else line
        if text.strip():
            d = loader.parse("t.jsonl", text, number, number - 1, offset)
            out.append(
                (
                    number,
                    repr(d.root) if d.parsed else None,
                    [(p.code, p.message, p.line, p.column, p.where) for p in d.problems],
                )
            )
        offset += len(line) + 1
    if not out:
        d = loader.parse("t.jsonl", b"")
        out.append((1, None, [(p.code, p.message, p.line, p.column, p.where) for p in d.problems]))
    return out


def codes(raw: bytes) -> list[tuple[int, str]]:
    return [(number, code) for number, _root, problems in seen(raw) for code, *_ in problems]


CLEAN = b'{"event_name":"Purchase","event_time":1763799000,"n":1}'


# --------------------------------------------------------------------------- boundaries


def test_duplicate_key_hidden_behind_an_escape() -> None:
    raw = CLEAN + b"\n" + b'{"a":1,"\\u0061":2}\n' + CLEAN + b"\n"
    assert codes(raw) == [(2, "S002")]


def test_duplicate_whose_colon_an_escaped_colon_makes_up_for() -> None:
    # The line has one member more than its value written back, and one colon
    # fewer in its strings: the colon counts agree, yet the key repeats.
    line = b'{"a":1,"a":2,"s":"\\u003a"}'
    assert codes(CLEAN + b"\n" + line + b"\n") == [(2, "S002")]
    assert codes(line.replace(b"\\u003a", b"\\u003A")) == [(1, "S002")]


def test_a_duplicate_and_an_escaped_colon_on_different_lines_of_one_block() -> None:
    raw = b'{"a":1,"a":2}\n{"s":"\\u003a"}\n' + (CLEAN + b"\n") * 20
    assert codes(raw) == [(1, "S002")]


def test_duplicate_with_spaces_around_colons() -> None:
    raw = b'{"a" : 1, "b" : {"c" : 1, "c" : 2}}\n' + b'{"x" : "y:z"}\n'
    assert codes(raw) == [(1, "S002")]


def test_wide_integers_stay_exact_and_exponents_stay_floats() -> None:
    raw = (
        b'{"n":18446744073709551616}\n'  # past 64 bits: orjson would make it a float
        b'{"n":1e19}\n'  # an exponent is a float in JSON
        b'{"n":1.8446744073709552e+19}\n'
        b'{"n":-9223372036854775809}\n'
        b'{"n":18446744073709551615}\n'  # the widest orjson keeps as an int
        b'{"q":"shoe+laces 5e+3"}\n'  # `e+` inside strings
    )
    assert [root for _n, root, _p in seen(raw)] == [
        "{'n': 18446744073709551616}",
        "{'n': 1e+19}",
        "{'n': 1.8446744073709552e+19}",
        "{'n': -9223372036854775809}",
        "{'n': 18446744073709551615}",
        "{'q': 'shoe+laces 5e+3'}",
    ]


def test_wide_integer_among_many_clean_lines_is_found_in_its_group() -> None:
    lines = [CLEAN] * 100
    lines[57] = b'{"event_name":"Purchase","value":123456789012345678901234}'
    lines[3] = b'{"a":1,"b":{"a":2,"a":3}}'
    with block_size(4096):
        out = seen(b"\n".join(lines) + b"\n")
    assert out[57][1] == "{'event_name': 'Purchase', 'value': 123456789012345678901234}"
    assert [(n, p[0][0], p[0][4]) for n, _r, p in out if p] == [(4, "S002", ("b", "a"))]


def test_too_deep_line_in_a_block_of_clean_ones() -> None:
    deep = b"[" * 600 + b"]" * 600
    raw = CLEAN + b"\n" + deep + b"\n" + CLEAN + b"\n"
    assert codes(raw) == [(2, "S001")]
    assert seen(raw)[1][1] is None


def test_bad_lines_keep_their_byte_offsets_across_blocks() -> None:
    raw = (CLEAN + b"\n") * 30 + b"{bad\n" + (CLEAN + b"\r\n") * 30 + b"\xef\xbb\xbf" + CLEAN
    with block_size(100):
        small = seen(raw)
    assert small == seen(raw) == exact(raw)
    assert [p for _n, _r, p in small if p] == [
        [("S001", "invalid JSON: Expecting property name enclosed in double quotes (byte 1681)",
          31, 2, ())],
        [("S012", "UTF-8 byte order mark at the start of the file was ignored", 62, 1, ())],
    ]  # fmt: skip


def test_long_lines_across_blocks_are_read_past() -> None:
    long = b'{"s":"' + b"x" * 5000 + b'"}'
    raw = CLEAN + b"\n" + long + b"\n" + CLEAN + b"\n" + long
    with block_size(64):
        out = seen(raw, limit=1000)
    assert [(n, r is not None, [p[0] for p in ps]) for n, r, ps in out] == [
        (1, True, []),
        (2, False, ["S011"]),
        (3, True, []),
        (4, False, ["S011"]),
    ]
    assert out == seen(raw, limit=1000)  # the default block size


def test_a_line_range_ends_where_the_part_ends() -> None:
    raw = b"".join(b'{"i":%d}\n' % i for i in range(50))
    start = raw.index(b'{"i":10}')
    end = raw.index(b'{"i":20}')
    handle = io.BytesIO(raw)
    handle.seek(start)
    with block_size(32):
        docs = list(loader.iter_jsonl("t", handle, loader.Part(start, end, 11)))
    assert [(d.first_line, d.root) for d in docs] == [(11 + i, {"i": 10 + i}) for i in range(10)]


def test_nonblank_line_numbers_across_blocks() -> None:
    raw = b"{}\n\n  \n[1]\r\n" + b"x" * 300 + b"\n{}"
    with block_size(16):
        assert list(loader.nonblank_line_numbers(io.BytesIO(raw), limit=100)) == [1, 4, 5, 6]


# --------------------------------------------------------------------------- generated text

KEYS = ["a", "b", "a:b", "e+", "é"]


def _string(text: str, escapes: list[bool]) -> str:
    out = []
    for i, ch in enumerate(text):
        if ch in '"\\' or ord(ch) < 0x20:
            out.append(json.dumps(ch)[1:-1])
        elif escapes[i % len(escapes)]:
            out.append(f"\\u{ord(ch):04{'x' if i % 2 else 'X'}}")  # \u003a or \u003A
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


numbers = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["1e19", "1.5e+300", "-0.0", "2E5", "12345678901234567890e0", "0.5"]),
)
scalars = st.one_of(
    st.sampled_from(["true", "false", "null"]),
    numbers,
    st.tuples(
        st.text(st.sampled_from('a:e+5"\\ é'), max_size=6), st.lists(st.booleans(), min_size=1)
    ),
)


class Members(list):
    """An object as its (key, value) members, in order; keys may repeat."""


values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=4).map(lambda d: Members(d.items())),
        st.lists(st.tuples(st.sampled_from(KEYS), inner), max_size=4).map(Members),
    ),
    max_leaves=10,
)


def render(value: object, space: str, escapes: list[bool]) -> str:
    if isinstance(value, tuple) and isinstance(value[0], str) and isinstance(value[1], list):
        return _string(value[0], value[1])
    if isinstance(value, str):
        return value
    if isinstance(value, Members):
        members = [
            f"{_string(k, escapes)}{space}:{space}{render(v, space, escapes)}" for k, v in value
        ]
        return "{" + ",".join(members) + "}"
    assert isinstance(value, list)
    return "[" + f",{space}".join(render(v, space, escapes) for v in value) + "]"


lines = st.one_of(
    st.builds(
        render,
        values,
        st.sampled_from(["", " ", "\t"]),
        st.lists(st.booleans(), min_size=1, max_size=5),
    ),
    st.sampled_from(["", "  ", "{bad", "\ufeff{}", "[1,]", '{"a":NaN}', "1e400"]),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(lines, max_size=40),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from([1 << 16, 64, 7]),
)
def test_block_path_equals_the_exact_path(texts: list[str], newline: str, size: int) -> None:
    raw = newline.join(texts).encode("utf-8", "surrogatepass")
    with block_size(size):
        assert seen(raw) == exact(raw)


class _Spaces(io.RawIOBase):
    """``size`` bytes of one line that never fits, then a short line; made as read."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.tail = b'\n{"a":1}\n'

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        if self.left:
            size = min(len(buffer), self.left)
            buffer[:size] = b"x" * size
            self.left -= size
            return size
        size = min(len(buffer), len(self.tail))
        buffer[:size], self.tail = self.tail[:size], self.tail[size:]
        return size


def test_a_line_past_the_limit_is_read_past_in_bounded_memory() -> None:
    import tracemalloc

    stream = io.BufferedReader(_Spaces(40 << 20), buffer_size=1 << 16)
    tracemalloc.start()
    try:
        docs = list(loader.iter_jsonl("-", stream, limit=1 << 20))
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(d.first_line, d.parsed, [p.code for p in d.problems]) for d in docs] == [
        (1, False, ["S011"]),
        (2, True, []),
    ]
    assert peak < 4 << 20  # the limit and a few blocks, not the 40 MB line
