"""Where values sit in JSON text: pointer -> offset, and offset -> line:column.

Clean documents never come here: the engine builds a :class:`Locator` only for
a document that has something to report. The scanner is iterative, so a
10^5-deep document cannot exhaust the interpreter's stack, and it is also the
exact detector of duplicate keys and non-finite numbers (the parsers in the
fast path do not report either).

A pointer is located by walking only the containers along it. In strict JSON
(what orjson reads) an object member is found with ``str.find`` and checked to
sit directly in its object by the brackets left between them once strings are
cut out (``str.split`` on quotes, or a regex where backslashes are, then
``str.replace`` of matched pairs: all at C speed, nothing decoded); arrays,
and objects in other text, skip their siblings with json's C scanner. Whenever
the walk is unsure (a repeated key on the way, an escaped key, text it cannot
read) the full scan decides, so all give the same offsets.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from json import decoder as _json_decoder
from typing import Any, cast

import orjson

from capi_lint.model import PointerParts

#: json's own string scanner (C-accelerated): ``(text, index after the opening
#: quote) -> (decoded string, index after the closing quote)``. Typeshed's stub
#: of json.decoder leaves it out, though the module has always defined it.
scanstring: Callable[[str, int], tuple[str, int]] = _json_decoder.scanstring  # type: ignore[attr-defined]

_WS = re.compile(r"[ \t\n\r]*")
#: ``_WS`` matches at every index (possibly nothing), so its match() never
#: returns None: typed as such once here, not checked on the hot path.
_ws_match = cast("Callable[[str, int], re.Match[str]]", _WS.match)
_SCALAR = re.compile(
    r"-?Infinity|NaN|true|false|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
)
_NON_FINITE_WORDS = frozenset({"NaN", "Infinity", "-Infinity"})
_DIGITS = frozenset("0123456789")

#: Deeper documents are reported, not walked: no CAPI payload nests past a
#: handful of levels, and pointers of deeper values would cost quadratic memory.
MAX_DEPTH = 512


class TooDeep(ValueError):
    def __init__(self, offset: int) -> None:
        super().__init__("nesting too deep")
        self.offset = offset


@dataclass
class ScanResult:
    offsets: dict[PointerParts, int] = field(default_factory=dict)
    #: (pointer of the object, key, offset of the repeated key's opening quote)
    duplicates: list[tuple[PointerParts, str, int]] = field(default_factory=list)
    #: (pointer of the value, offset, the literal as written)
    non_finite: list[tuple[PointerParts, int, str]] = field(default_factory=list)
    #: False when the text ended or broke before the scan finished.
    complete: bool = True
    #: Offset of the first container nested deeper than MAX_DEPTH, if any.
    too_deep_at: int | None = None


def scan(text: str, record_offsets: bool = True) -> ScanResult:
    """Walk JSON ``text`` once, recording where every value starts."""
    result = ScanResult()
    try:
        _scan(text, result, record_offsets)
    except TooDeep as exc:
        result.complete = False
        result.too_deep_at = exc.offset
    except (IndexError, ValueError):
        result.complete = False
    return result


def _scan(text: str, result: ScanResult, record: bool) -> None:
    ws = _ws_match
    offsets = result.offsets
    # A frame is [is_object, pointer, next_index_or_seen_keys].
    stack: list[list] = []
    parts: PointerParts = ()
    i = ws(text, 0).end()
    while True:
        # Parse one value starting at i.
        if record:
            offsets[parts] = i
        ch = text[i]
        if (ch == "{" or ch == "[") and len(stack) >= MAX_DEPTH:
            raise TooDeep(i)
        if ch == "{":
            i = ws(text, i + 1).end()
            if text[i] == "}":
                i += 1
            else:
                seen: set[str] = set()
                stack.append([True, parts, seen])
                i, parts = _read_key(text, i, parts, seen, result)
                continue
        elif ch == "[":
            i = ws(text, i + 1).end()
            if text[i] == "]":
                i += 1
            else:
                stack.append([False, parts, 0])
                parts = (*parts, 0)
                continue
        elif ch == '"':
            i = scanstring(text, i + 1)[1]
        else:
            m = _SCALAR.match(text, i)
            if m is None:
                raise ValueError("unexpected character")
            token = m.group()
            # `true`/`false` contain an "e" too: only numbers go to float().
            if token in _NON_FINITE_WORDS or (
                token[-1] in _DIGITS
                and ("e" in token or "E" in token or len(token) > 300)
                and math.isinf(float(token))
            ):
                result.non_finite.append((parts, i, token))
            i = m.end()
        # The value ended: close containers until one continues.
        while True:
            if not stack:
                return
            i = ws(text, i).end()
            frame = stack[-1]
            if text[i] == ",":
                i = ws(text, i + 1).end()
                if frame[0]:
                    i, parts = _read_key(text, i, frame[1], frame[2], result)
                else:
                    frame[2] += 1
                    parts = (*frame[1], frame[2])
                break
            i += 1
            stack.pop()


def _read_key(
    text: str, i: int, parent: PointerParts, seen: set[str], result: ScanResult
) -> tuple[int, PointerParts]:
    if text[i] != '"':
        raise ValueError("expected a key")
    key, end = scanstring(text, i + 1)
    if key in seen:
        result.duplicates.append((parent, key, i))
    else:
        seen.add(key)
    end = _ws_match(text, end).end()
    if text[end] != ":":
        raise ValueError("expected ':'")
    return _ws_match(text, end + 1).end(), (*parent, key)


#: Reads one JSON value at an offset at C speed: (value, end). Used to skip siblings.
#: (Typeshed's JSONDecoder stub leaves out the scanner every instance has.)
_read_value: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


class _Unsure(Exception):
    """The pointer walk cannot answer exactly; the full scan will."""


def _members(text: str, at: int) -> dict[str | int, int] | None:
    """Offsets of the members of the container at ``at`` (keys, or indexes),
    None for a scalar. Raises _Unsure on a repeated key or unreadable text."""
    ws = _ws_match
    ch = text[at]
    out: dict[str | int, int] = {}
    if ch == "{":
        i = ws(text, at + 1).end()
        if text[i] == "}":
            return out
        while True:
            if text[i] != '"':
                raise _Unsure
            key, i = scanstring(text, i + 1)
            if key in out:  # which one the full scan records deeper down differs
                raise _Unsure
            i = ws(text, i).end()
            if text[i] != ":":
                raise _Unsure
            i = ws(text, i + 1).end()
            out[key] = i
            i = ws(text, _read_value(text, i)[1]).end()
            if text[i] == ",":
                i = ws(text, i + 1).end()
            elif text[i] == "}":
                return out
            else:
                raise _Unsure
    if ch == "[":
        i = ws(text, at + 1).end()
        if text[i] == "]":
            return out
        index = 0
        while True:
            out[index] = i
            i = ws(text, _read_value(text, i)[1]).end()
            if text[i] == ",":
                i = ws(text, i + 1).end()
                index += 1
            elif text[i] == "]":
                return out
            else:
                raise _Unsure
    return None


#: A JSON string as written (after its opening quote has been matched).
_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"')
#: Everything but brackets and quotes (what is left once strings are cut out).
_NOT_BRACKET = re.compile(r'[^\[\]{}"]++')
#: A key that strict JSON can only write literally, without escapes.
_LITERAL_KEY = re.compile(r'[^"\\\x00-\x1f]*+')


def _brackets_between(text: str, start: int, end: int) -> str | None:
    """The unmatched brackets of ``text[start:end]`` (``start`` outside any
    string, the text strict JSON): closers first, then openers; None when
    ``end`` is inside a string."""
    segment = text[start:end]
    if "\\" in segment:  # escaped quotes, maybe: strings cut out as the grammar says
        left = _NOT_BRACKET.sub("", _STRING.sub("", segment))
        if '"' in left:  # a string opened and not closed before end
            return None
    else:  # every quote opens or closes a string: what lies outside is every other piece
        pieces = segment.split('"')
        if not len(pieces) % 2:  # an odd number of quotes: end is inside a string
            return None
        left = _NOT_BRACKET.sub("", "".join(pieces[::2]))
    return _reduce(left)


def _reduce(brackets: str) -> str:
    while "{}" in brackets or "[]" in brackets:
        brackets = brackets.replace("{}", "").replace("[]", "")
    return brackets


class Locator:
    """Line and column (1-based) of values in one document's text.

    ``first_line`` is the file line the text starts on (JSON Lines documents
    start on their own line); ``first_column`` likewise for the first line.
    """

    def __init__(self, text: str, first_line: int = 1, first_column: int = 1) -> None:
        self.text = text
        self.first_line = first_line
        self.first_column = first_column
        self._scan: ScanResult | None = None
        self._newlines: list[int] | None = None
        #: Container offset -> its members' offsets, for the pointer walk.
        self._members: dict[int, dict[str | int, int] | None] = {}
        #: (object offset, key) -> the member's value offset (None: no such key).
        self._keys: dict[tuple[int, str], int | None] = {}
        #: Whether the text is strict JSON that the find-based walk may read.
        self._strict: bool | None = None

    @property
    def scan(self) -> ScanResult:
        if self._scan is None:
            self._scan = scan(self.text)
        return self._scan

    def offset_of(self, parts: PointerParts) -> int | None:
        """Offset of the value at ``parts``, or of its nearest existing ancestor."""
        if self._scan is None:
            try:
                return self._walk(parts)
            except (_Unsure, StopIteration, IndexError, ValueError, RecursionError):
                pass
        offsets = self.scan.offsets
        while True:
            found = offsets.get(parts)
            if found is not None:
                return found
            if not parts:
                return None
            parts = parts[:-1]

    def _walk(self, parts: PointerParts) -> int:
        """The offset along ``parts``, reading only the containers on the way."""
        text = self.text
        at = _ws_match(text, 0).end()
        if at >= len(text):
            raise _Unsure
        cache = self._members
        for part in parts:
            if (
                type(part) is str
                and text[at] == "{"
                and (self._strict if self._strict is not None else self._check_strict())
                and _LITERAL_KEY.fullmatch(part)
                and ("/" not in part or "\\/" not in text)
            ):
                key = (at, part)
                if key in self._keys:
                    found = self._keys[key]
                else:
                    found = self._keys[key] = self._find_member(at, part)
                if found is None:
                    return at
                at = found
                continue
            if at in cache:
                members = cache[at]
            else:
                members = cache[at] = _members(text, at)
            if members is None:
                return at
            # Object members are keyed by str, array members by int, as in
            # the full scan's pointers: a part of the other kind finds nothing.
            found = members.get(part)
            if found is None:
                return at
            at = found
        return at

    def _check_strict(self) -> bool:
        """Strict JSON (no NaN, no trailing text), shallow enough for the full
        scan to finish, and without ``\\u`` escapes, one of which could spell a
        key (then the scanner's walk decides, which decodes every key)."""
        text = self.text
        strict = "\\u" not in text and text.count("{") + text.count("[") <= MAX_DEPTH
        if strict:
            try:
                orjson.loads(text)
            except (ValueError, TypeError):  # JSONDecodeError is a ValueError
                strict = False
        self._strict = strict
        return strict

    def _find_member(self, at: int, key: str) -> int | None:
        """Offset of the value of ``key`` in the object at ``at`` (strict JSON,
        the key written literally), None when the object has no such member.
        Raises _Unsure when the key is repeated in the object."""
        text = self.text
        quoted = f'"{key}"'
        base, left = at + 1, ""  # left: unmatched brackets from the object's start to base
        found = text.find(quoted, base)
        while found >= 0:
            between = _brackets_between(text, base, found)
            if between is None:  # inside a string: look further, base stays outside
                found = text.find(quoted, found + 1)
                continue
            left = _reduce(left + between)
            if left and left[0] in "}]":  # the object closed before this one
                return None
            base = found
            after = _ws_match(text, found + len(quoted)).end()
            if not left and text[after] == ":":  # a member of this very object
                value = _ws_match(text, after + 1).end()
                self._check_unique(value, quoted)
                return value
            found = text.find(quoted, found + 1)
        return None

    def _check_unique(self, value: int, quoted: str) -> None:
        """Raise _Unsure if the object whose member's value starts at ``value``
        has another member written ``quoted`` after it."""
        text = self.text
        base, left = value, ""
        found = text.find(quoted, base)
        while found >= 0:
            between = _brackets_between(text, base, found)
            if between is not None:
                left = _reduce(left + between)
                if left and left[0] in "}]":
                    return
                base = found
                if not left and text[_ws_match(text, found + len(quoted)).end()] == ":":
                    raise _Unsure
            found = text.find(quoted, found + 1)

    def locate(self, parts: PointerParts) -> tuple[int, int]:
        offset = self.offset_of(parts)
        return self.position(offset if offset is not None else 0)

    def position(self, offset: int) -> tuple[int, int]:
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        row = bisect_right(self._newlines, offset - 1)
        if row == 0:
            return self.first_line, self.first_column + offset
        return self.first_line + row, offset - self._newlines[row - 1]
