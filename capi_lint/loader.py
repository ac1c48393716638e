"""Bytes -> documents. Parse failures come back as values, never as exceptions.

The clean path is one ``orjson.loads`` plus a key count; everything slower
(the stdlib parser for exact error positions, the position scanner for
duplicate keys and NaN) runs only on documents that need it.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from capi_lint.mask import key_pointer, mask_key
from capi_lint.model import PointerParts, Severity
from capi_lint.positions import MAX_DEPTH, Locator, scan
from capi_lint.sizes import DEFAULT_MAX_INPUT_SIZE, format_size

JSON_SUFFIXES = (".json",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
_BOM = b"\xef\xbb\xbf"
_WS_RE = re.compile(r"[ \t\n\r]*")
_LEADING_RE = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\n\r]*")
_MISSING = object()
#: Bytes read at a time where the size is not known in advance (stdin, skipped lines).
_CHUNK = 1 << 20


@dataclass
class Problem:
    """A finding produced while reading: code, message and a known position."""

    code: str
    message: str
    line: int | None = None
    column: int | None = None
    where: PointerParts = ()
    severity: Severity | None = None
    fix: str | None = None


class Document:
    """One parsed JSON text: a whole ``.json`` file or one JSON Lines line.

    Built once per JSON Lines line, so it is kept lean: no per-instance dict,
    and the locator (decoded text, line index, scan) is built only when a
    finding or a loader check needs a position.
    """

    __slots__ = ("_locator", "first_line", "line_index", "path", "problems", "root", "text")

    def __init__(
        self,
        path: str,
        root: Any,
        text: str | bytes | None,
        first_line: int = 1,
        line_index: int | None = None,
        problems: list[Problem] | None = None,
    ) -> None:
        self.path = path
        self.root = root
        self.text = text
        self.first_line = first_line
        #: 0-based line number in a JSON Lines file, None for a whole file.
        self.line_index = line_index
        self.problems: list[Problem] = [] if problems is None else problems
        self._locator: Locator | None = None

    def __repr__(self) -> str:
        return f"Document({self.path!r}, line {self.first_line}, parsed={self.parsed})"

    @property
    def parsed(self) -> bool:
        return self.root is not _MISSING

    @property
    def locator(self) -> Locator:
        if self._locator is None:
            text = self.text or ""
            if isinstance(text, bytes):
                text = text.decode("utf-8", "replace")
            self._locator = Locator(text, self.first_line)
        return self._locator


@dataclass
class Source:
    """A file (or stdin) to read: the display path and how to read it."""

    path: str
    jsonl: bool | None  # None: decide from the content (stdin)
    fs_path: Path | None = None  # None for stdin
    data: bytes | None = None
    #: Standard input longer than the maximum input size that starts like JSON
    #: Lines: read on line by line (the bytes already read first), never whole.
    stream: BinaryIO | None = None


# --------------------------------------------------------------------------- discovery


def discover(
    paths: list[str], stdin: Any = None, limit: int = DEFAULT_MAX_INPUT_SIZE
) -> Iterator[Source | Problem | tuple]:
    """The paths' sources as :mod:`capi_lint.files` (the one walker) finds
    them with the default selection (kept for library callers); standard
    input is read up to ``limit`` bytes."""
    from capi_lint import files

    return files.discover(paths, None, stdin, limit)


def _os_reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def special_kind(path: Path) -> str | None:
    """What a FIFO, socket or device is (following symlinks); None for a regular
    file, a directory or a path that cannot be looked at (reading says why)."""
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):
        return None
    return _kind(mode)


def _kind(mode: int) -> str | None:
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "a special file"


def not_regular(kind: str) -> Problem:
    """A FIFO, socket or device named on the command line (S001)."""
    return Problem(
        "S001",
        f"not a regular file ({kind}): not read, as it may wait or never end",
        fix="to check what it produces, pipe it in: `... | capi-lint check -`",
    )


def skipped_special(kind: str) -> Problem:
    """A FIFO, socket or device met while walking a directory (S001, info)."""
    return Problem(
        "S001",
        f"not a regular file ({kind}): skipped",
        severity=Severity.INFO,
        fix="to check what it produces, pipe it in: `... | capi-lint check -`",
    )


# --------------------------------------------------------------------------- reading


_FIX_TOO_LARGE = (
    "split it into smaller files (JSON Lines is read one line at a time: one request body "
    "or event per line), or raise max-input-size (--max-input-size)"
)


def too_large(what: str, limit: int, line: int = 1, then: str = "not checked") -> Problem:
    """S011 at ``line``, column 1: ``what`` ("file is 3000 bytes,", "line is") is over ``limit``."""
    return Problem(
        "S011",
        f"{what} longer than max-input-size ({format_size(limit)}); {then}",
        line,
        1,
        fix=_FIX_TOO_LARGE,
    )


def _too_large_stdin(limit: int) -> Problem:
    return too_large(
        "standard input is", limit, then="reading stopped there and none of it was checked"
    )


def read_at_most(stream: BinaryIO, limit: int) -> tuple[bytes, bool]:
    """Up to ``limit`` bytes of ``stream``: (the bytes, True) at its end, or
    (``limit + 1`` bytes, False) when there is more. Memory never goes past
    the limit, whatever the stream holds."""
    buffer = io.BytesIO()
    total = 0
    while total <= limit:
        chunk = stream.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            return buffer.getvalue(), True
        buffer.write(chunk)
        total += len(chunk)
    return buffer.getvalue(), False


def stdin_source(stream: Any, limit: int) -> Source | tuple[str, Problem]:
    try:
        head, whole = read_at_most(stream, limit)
    except OSError as exc:
        return ("-", Problem("S001", f"cannot read standard input: {exc.strerror}"))
    if whole:
        return Source("-", None, None, head)
    if starts_json_lines(head):
        reader = io.BufferedReader(_Rest(head, stream), buffer_size=_CHUNK)
        return Source("-", True, None, None, stream=reader)
    return ("-", _too_large_stdin(limit))


def starts_json_lines(head: bytes) -> bool:
    """Whether the start of a long stdin is JSON Lines: its first line is a whole
    object or array by itself (a pretty-printed document's first line never is)."""
    start = _LEADING_RE.match(head).end()  # type: ignore[union-attr]  # always matches
    end = head.find(b"\n", start)  # no slicing of the whole head: it would be copied
    if end < 0:
        return False
    try:
        return isinstance(orjson.loads(head[start:end]), (dict, list))
    except orjson.JSONDecodeError:
        return False


class _Rest(io.RawIOBase):
    """The bytes already read from a stream, then the rest of the stream."""

    def __init__(self, head: bytes, stream: Any) -> None:
        self._head: memoryview | None = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head is not None:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:] if size < len(self._head) else None
            return size
        read = getattr(self._stream, "read1", self._stream.read)
        data = read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def open_regular(path: Path) -> BinaryIO | Problem:
    """An open regular file, or the S001 problem that says why not.

    Opened without blocking, then checked: a FIFO swapped in after
    :func:`discover` looked at the path cannot make the open wait for a writer.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        return Problem("S001", "is a directory")
    except OSError as exc:
        return Problem("S001", f"cannot read: {_os_reason(exc)}")
    try:
        mode = os.fstat(fd).st_mode
    except OSError as exc:
        os.close(fd)
        return Problem("S001", f"cannot read: {_os_reason(exc)}")
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = _kind(mode)
        return Problem("S001", "is a directory") if kind is None else not_regular(kind)
    return os.fdopen(fd, "rb")


def read_bytes(source: Source, limit: int = DEFAULT_MAX_INPUT_SIZE) -> bytes | Problem:
    """The whole input, or the problem: unreadable (S001), over ``limit`` (S011)."""
    if source.data is not None:
        return source.data
    if source.stream is not None:  # stdin past the limit: only readable line by line
        return _too_large_stdin(limit)
    assert source.fs_path is not None
    handle = open_regular(source.fs_path)
    if isinstance(handle, Problem):
        return handle
    with handle:
        try:
            size = os.fstat(handle.fileno()).st_size
            if size > limit:
                return too_large(f"file is {size} bytes,", limit)
            data = handle.read(size + 1)  # one buffer of the right size, and one byte more
            if len(data) <= size:
                return data
            # It grew while being read (or its size is not known, as in /proc).
            rest, whole = (
                read_at_most(handle, limit - len(data)) if len(data) <= limit else (b"", False)
            )
            return data + rest if whole else too_large("file is", limit)
        except OSError as exc:
            return Problem("S001", f"cannot read: {_os_reason(exc)}")


# --------------------------------------------------------------------------- parsing


def parse(
    path: str,
    raw: bytes,
    first_line: int = 1,
    line_index: int | None = None,
    offset: int = 0,
) -> Document:
    """Parse one JSON text; the Document's problems say what was wrong.

    ``offset`` is the file's byte offset of ``raw`` (a JSON Lines line), for
    the byte numbers in messages.
    """
    problems: list[Problem] = []
    if raw.startswith(_BOM):
        raw = raw[3:]
        offset += 3
        problems.append(
            Problem(
                "S012",
                "UTF-8 byte order mark at the start of the file was ignored",
                first_line,
                1,
                fix="save the file as UTF-8 without a BOM",
            )
        )
    try:
        root = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _parse_slow(path, raw, first_line, line_index, problems, offset)
    except RecursionError:  # pragma: no cover - orjson limits depth itself
        return _parse_slow(path, raw, first_line, line_index, problems, offset)
    doc = Document(path, root, raw, first_line, line_index, problems)
    _check_exactly(doc, raw)
    return doc


def _check_exactly(doc: Document, raw: bytes) -> None:
    """The wide-integer, duplicate-key and depth checks of one document orjson read.

    Exact, and the reference for :func:`_check_block`'s shortcut.
    """
    root = doc.root
    dumped = reserialised(root)
    doc.root = root = exact_integers(raw, root, dumped)
    if _may_have_duplicates(raw, root, dumped) or (
        len(raw) > 2 * MAX_DEPTH
        and raw.count(b"[") + raw.count(b"{") > MAX_DEPTH
        and _too_deep(root)
    ):
        _report_scan(doc)


def from_object(path: str, root: Any) -> Document:
    """A document for an already parsed value (library calls with a dict/list).

    Such a value has no text, so no positions; but it may nest deeper than any
    JSON text we accept, which the rules are not written for: it is refused
    like a too-deep file (S001).
    """
    doc = Document(path, root, None)
    if type(root) is dict or type(root) is list:
        try:
            orjson.dumps(root)  # C speed; fails past 254 levels (or on odd values)
        except TypeError:
            if _too_deep(root):
                doc.problems.append(Problem("S001", f"value nested deeper than {MAX_DEPTH} levels"))
                doc.root = _MISSING
    return doc


def _too_deep(root: Any) -> bool:
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = node.values() if type(node) is dict else node
        stack.extend((c, depth + 1) for c in children if type(c) is dict or type(c) is list)
    return False


#: An integer literal of 19+ digits: orjson reads those past 64 bits as floats.
_WIDE_INT = re.compile(rb"[:\[,]\s*-?\d{19}")


def reserialised(root: Any) -> bytes | None:
    """orjson's re-serialisation of a dict/list root, None for scalars or what it cannot write."""
    if type(root) is not dict and type(root) is not list:
        return None
    try:
        return orjson.dumps(root)
    except TypeError:  # orjson writes at most 254 levels (it reads 1024)
        return None


def exact_integers(raw: bytes | str, root: Any, dumped: bytes | None) -> Any:
    """``root`` (orjson's reading of ``raw``), or the stdlib's where ``raw``
    writes an integer past 64 bits: orjson makes those floats, which would read
    as "a number with a decimal point".

    ``dumped`` is :func:`reserialised` of ``root``. Only when it holds ``e+``
    (how orjson writes such floats), or when orjson could not write a deep
    root back, is the text searched; most documents return at once.
    """
    if type(root) is not dict and type(root) is not list:
        return root  # a scalar document has no member or item to widen
    if dumped is not None and b"e+" not in dumped:
        return root
    text = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if _WIDE_INT.search(text) is None:
        return root
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # e.g. past int_max_str_digits: keep orjson's
        return root


def _may_have_duplicates(raw: bytes, root: Any, dumped: bytes | None) -> bool:
    # Every member has exactly one `:` outside strings; colons inside strings
    # are written literally both in `raw` and in orjson's re-serialisation of
    # the parsed value, which keeps one member per key. So the two colon counts
    # differ exactly when a key was repeated - unless `raw` escaped a colon as
    # \u003a, where the key walk decides instead.
    if type(root) is not dict and type(root) is not list:
        return False
    count = raw.count(b":")
    if b"\\u003" in raw:
        return raw.count(b'":') != count_keys(root) or _has_space_colon(raw)
    if dumped is None:  # orjson could not write it back: scan instead
        return True
    return count != dumped.count(b":")


def _has_space_colon(raw: bytes) -> bool:
    return b" :" in raw or b"\t:" in raw or b"\n:" in raw or b"\r:" in raw


def count_keys(root: Any) -> int:
    total = 0
    stack = [root]
    pop, extend = stack.pop, stack.extend
    while stack:
        node = pop()
        kind = type(node)
        if kind is dict:
            total += len(node)
            for value in node.values():
                vt = type(value)
                if vt is dict or vt is list:
                    stack.append(value)
        elif kind is list:
            extend(v for v in node if type(v) is dict or type(v) is list)
    return total


def _parse_slow(
    path: str,
    raw: bytes,
    first_line: int,
    line_index: int | None,
    problems: list[Problem],
    offset: int = 0,
) -> Document:
    failed = Document(path, _MISSING, raw, first_line, line_index, problems)
    if not raw.strip():
        problems.append(
            Problem(
                "S001",
                "empty file" if line_index is None else "empty line",
                first_line,
                1,
                fix="a payload file holds one JSON request body, event or array of events",
            )
        )
        return failed
    if _is_utf16_or_32(raw):
        problems.append(
            Problem(
                "S001",
                "file is UTF-16 (or UTF-32) encoded; JSON must be UTF-8",
                first_line,
                1,
                fix="re-save the file as UTF-8",
            )
        )
        return failed
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _byte_position(raw, exc.start, first_line)
        problems.append(
            Problem(
                "S001",
                f"invalid UTF-8 at byte {offset + exc.start}: not a text file, or not UTF-8",
                line,
                col,
                fix="re-save the file as UTF-8",
            )
        )
        return failed
    constants: list[str] = []

    def parse_constant(word: str) -> float:
        constants.append(word)
        return float(word)

    try:
        root = json.loads(
            text,
            parse_constant=parse_constant,
            parse_int=_parse_int,
        )
    except json.JSONDecodeError as exc:
        pos, msg = _trailing_comma(text, exc.pos) or (exc.pos, exc.msg)
        byte = len(text[:pos].encode("utf-8"))
        line, col = Locator(text, first_line).position(pos)
        problems.append(Problem("S001", f"invalid JSON: {msg} (byte {offset + byte})", line, col))
        return failed
    except RecursionError:
        result = scan(text, record_offsets=False)
        offset = result.too_deep_at or 0
        line, col = Locator(text, first_line).position(offset)
        problems.append(Problem("S001", f"JSON nested deeper than {MAX_DEPTH} levels", line, col))
        return failed
    except ValueError as exc:  # pragma: no cover - defensive: the parser's own limits
        problems.append(Problem("S001", f"invalid JSON: {exc}", first_line, 1))
        return failed
    doc = Document(path, root, text, first_line, line_index, problems)
    _report_scan(doc)
    return doc


def _trailing_comma(text: str, pos: int) -> tuple[int, str] | None:
    """A trailing comma at the comma, whatever the Python version.

    Up to 3.12 the parser reports the closing bracket after it ("Expecting
    value" / "Expecting property name"), from 3.13 the comma itself.
    """
    if pos < len(text) and text[pos] == ",":
        comma = pos
    else:
        comma = len(text[:pos].rstrip(" \t\n\r")) - 1
        if comma < 0 or text[comma] != ",":
            return None
    before = text[:comma].rstrip(" \t\n\r")[-1:]
    blank = _WS_RE.match(text, comma + 1)  # always matches (maybe nothing)
    after = blank.end() if blank else comma + 1
    if before not in ("", "[", "{", ",") and after < len(text) and text[after] in "}]":
        kind = "object" if text[after] == "}" else "array"
        return comma, f"trailing comma before the end of the {kind}"
    return None


def _parse_int(text: str) -> int | float:
    # Python refuses int() of more than 4300 digits (CVE-2020-10735 guard);
    # such a number overflows a double anyway, and the scanner reports it (S003).
    try:
        return int(text)
    except ValueError:
        return float(text)


_UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
#: NUL-byte patterns of the first four octets of UTF-16/32 JSON text (RFC 4627
#: §3: the first two characters are ASCII): 16BE, 16LE, 32BE, 32LE.
_UTF16_32_NULS = ((1, 0, 1, 0), (0, 1, 0, 1), (1, 1, 1, 0), (0, 1, 1, 1))


def _is_utf16_or_32(raw: bytes) -> bool:
    if raw.startswith(_UTF16_32_BOMS):
        return True
    nuls = tuple(int(b == 0) for b in raw[:4])
    if len(nuls) == 2:  # one character in UTF-16
        return nuls in ((1, 0), (0, 1))
    return nuls in _UTF16_32_NULS


def _report_scan(doc: Document) -> None:
    """Add duplicate-key, non-finite and too-deep problems found by the scanner."""
    locator = doc.locator
    result = locator.scan
    if result.too_deep_at is not None:
        line, col = locator.position(result.too_deep_at)
        doc.problems.append(
            Problem("S001", f"JSON nested deeper than {MAX_DEPTH} levels", line, col)
        )
        doc.root = _MISSING
        return
    for parent, key, offset in result.duplicates:
        line, col = locator.position(offset)
        doc.problems.append(
            Problem(
                "S002",
                f"key {_show_key(key)} appears twice in the same object; "
                "parsers disagree on which value wins",
                line,
                col,
                where=key_pointer(parent, key),
                fix="keep one of the two members",
            )
        )
    for where, offset, token in result.non_finite:
        line, col = locator.position(offset)
        if token.lstrip("-") in ("NaN", "Infinity"):
            message = f"{token} is not a JSON number (RFC 8259 has no NaN or Infinity)"
        else:
            # A long digit run could be an identifier: its length, not its digits.
            shown = token if len(token) <= 12 else f"a {len(token)}-character number"
            message = f"{shown} overflows to infinity as a double; strict parsers reject it"
        doc.problems.append(
            Problem(
                "S003",
                message,
                line,
                col,
                where=where,
                fix="send a finite number, or leave the key out",
            )
        )


def _show_key(key: str) -> str:
    # A key can be personal data (an email used as a key): mask_key masks it.
    shown = mask_key(key)
    shown = shown if len(shown) <= 40 else shown[:37] + "…"
    return json.dumps(shown, ensure_ascii=True)


def _byte_position(raw: bytes, offset: int, first_line: int) -> tuple[int, int]:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    line = first_line + raw.count(b"\n", 0, offset)
    column = len(raw[line_start:offset].decode("utf-8", "replace")) + 1
    return line, column


def iter_jsonl(
    path: str,
    raw: bytes | BinaryIO,
    part: Part | None = None,
    limit: int = DEFAULT_MAX_INPUT_SIZE,
) -> Iterator[Document]:
    """One document per non-blank line; a bad line does not stop the others.

    ``raw`` is the file's bytes or an open binary file, which is read a block
    at a time so that memory does not grow with the file. A file without any
    non-blank line is one "empty file" document. With ``part``, ``raw`` is an
    open file positioned at ``part.start`` and only that line range is read.
    A line longer than ``limit`` bytes is not kept in memory: it is one
    unparsed document with an S011 problem at its first column.

    Each block's lines are parsed by orjson one by one, then checked together
    (:func:`_check_block`): the exact duplicate-key, wide-integer and depth
    checks of :func:`parse` run only on the lines a block-wide byte test
    cannot clear.
    """
    empty = True
    for number, offset, lines, crlf in _blocks(raw, part, limit):
        if lines is None:
            empty = False
            yield Document(
                path, _MISSING, None, number, number - 1, [too_large("line is", limit, number)]
            )
            continue
        docs = _parse_block(path, lines, number, offset, crlf)
        if docs:
            empty = False
            yield from docs
    if empty and part is None:
        yield parse(path, b"")


#: Bytes read and parsed at a time: enough lines (~70 events) that splitting and
#: the block checks run at C speed, few enough that a block's parsed values stay
#: small (measured on the benchmark traffic: 256 KiB blocks cost ~20 % more,
#: mostly in the garbage collector walking the values held at once).
_BLOCK = 1 << 16
#: A group of lines this small that the block test does not clear is checked line by line.
_SMALL_GROUP = 8


def _parse_block(
    path: str, lines: list[bytes], number: int, offset: int, crlf: bool
) -> list[Document]:
    """The documents of a block's lines (``number``: the first one's line number,
    ``offset``: its byte offset in the file); blank lines have none."""
    docs: list[Document] = []
    fast: list[Document] = []
    loads = orjson.loads
    starts: list[int] | None = None
    for i, line in enumerate(lines):
        if crlf and line.endswith(b"\r"):
            line = line[:-1]
        try:
            root = loads(line)
        except orjson.JSONDecodeError:  # a bad, blank or BOM line: parse() says which
            if not line.strip():
                continue
            if starts is None:
                starts = _line_starts(lines, offset)
            docs.append(parse(path, line, number + i, number + i - 1, starts[i]))
            continue
        doc = Document(path, root, line, number + i, number + i - 1)
        docs.append(doc)
        fast.append(doc)
    _check_block(fast)
    return docs


def _line_starts(lines: list[bytes], offset: int) -> list[int]:
    starts = [offset]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    return starts


def _check_block(docs: list[Document]) -> None:
    """:func:`_check_exactly` for every document of ``docs`` that might need it.

    A group that :func:`_clean_group` clears needs nothing; otherwise it is
    halved to find the few lines that do, down to :data:`_SMALL_GROUP` lines,
    or until both halves are suspect (then every line is checked: the cost
    stays within a few re-serialisations of the block).
    """
    if not docs or _clean_group(docs):
        return
    _narrow(docs)


def _narrow(suspect: list[Document]) -> None:
    if len(suspect) <= _SMALL_GROUP:
        for doc in suspect:
            _check_exactly(doc, doc.text)  # type: ignore[arg-type]  # bytes from _parse_block
        return
    middle = len(suspect) // 2
    halves = [h for h in (suspect[:middle], suspect[middle:]) if not _clean_group(h)]
    if len(halves) == 2:
        for doc in suspect:
            _check_exactly(doc, doc.text)  # type: ignore[arg-type]
        return
    for half in halves:
        _narrow(half)


def _clean_group(docs: list[Document]) -> bool:
    """True when no document of ``docs`` (lines orjson read) can hold a duplicate
    key, an integer past 64 bits or nesting past :data:`MAX_DEPTH`: the exact
    checks would find nothing. False means "maybe": check them.

    orjson writes the group's values back in one call. Written back byte for
    byte, nothing was dropped or widened. Otherwise: every member of the text
    has one `:` outside strings, and the colons inside strings are the same in
    the text and written back (unless the text escapes one as \\u003a), so
    equal colon counts mean no object lost a repeated key (a line never has
    fewer colons than its values written back); and an integer past 64 bits
    reads as a float of magnitude >= 9.2e18, which orjson writes as `<digit>e+`.
    """
    try:
        dumped = orjson.dumps([doc.root for doc in docs])
    except TypeError:  # orjson writes at most 254 levels: maybe too deep
        return False
    joined = b",".join([doc.text for doc in docs])  # type: ignore[misc]  # bytes
    if len(dumped) == len(joined) + 2 and dumped.startswith(joined, 1):
        return True
    if b"\\u003" in joined or joined.count(b":") != dumped.count(b":"):
        return False
    return not _has_big_float(dumped)


def _has_big_float(dumped: bytes) -> bool:
    """Whether orjson's output ``dumped`` may hold a float written with an
    exponent (`1.8446744073709552e+19`); an `e+` inside a string can also say yes."""
    find = dumped.find
    at = find(b"e+", 1)
    while at >= 0:
        if 48 <= dumped[at - 1] <= 57:  # a digit before it
            return True
        at = find(b"e+", at + 2)
    return False


def line_document(
    path: str, line: bytes | None, number: int, limit: int, offset: int = 0
) -> Document | None:
    """Line ``number`` of a JSON Lines file as its Document; None for a blank line.

    ``line`` (without its newline) is None or longer than ``limit`` when it was
    too long to keep: an unparsed document with an S011 problem. The reading of
    one line on its own that the engine's ``check_line``, coverage and the Spark
    executors share (``iter_jsonl`` reads the same way a block at a time, and
    tests/test_loader_blocks.py holds it to :func:`parse`, which this calls).
    """
    if line is None or len(line) > limit:
        return Document(
            path, _MISSING, None, number, number - 1, [too_large("line is", limit, number)]
        )
    if line.endswith(b"\r"):
        line = line[:-1]
    if not line.strip():
        return None
    return parse(path, line, number, number - 1, offset)


@dataclass(frozen=True)
class Part:
    """A range of whole lines of a JSON Lines file: bytes [start, end), from line first_line."""

    start: int
    end: int
    first_line: int


def split_lines(path: Path, parts: int) -> list[Part]:
    """Cut a file into about ``parts`` ranges of equal size at line ends.

    Reads the file once (to number the lines), a chunk at a time.
    """
    size = path.stat().st_size
    cuts: list[int] = []
    with path.open("rb") as handle:
        for k in range(1, parts):
            handle.seek(size * k // parts)
            handle.readline()  # to the end of the line the cut falls in
            cut = handle.tell()
            if cut < size and (not cuts or cut > cuts[-1]):
                cuts.append(cut)
        out = []
        start, line = 0, 1
        handle.seek(0)
        for end in [*cuts, size]:
            out.append(Part(start, end, line))
            left = end - start
            while left > 0:
                chunk = handle.read(min(left, 1 << 22))
                line += chunk.count(b"\n")
                left -= len(chunk)
            start = end
    return out


def _blocks(
    raw: bytes | BinaryIO, part: Part | None = None, limit: int = DEFAULT_MAX_INPUT_SIZE
) -> Iterator[tuple[int, int, list[bytes] | None, bool]]:
    """The lines of ``raw`` a block at a time: (the first line's 1-based number,
    its byte offset, the lines without their newlines, whether any may end in
    `\\r`). ``None`` instead of lines is one line longer than ``limit``: it is
    read past a block at a time, never held whole. Memory stays under about
    twice ``limit`` plus a few blocks (a long line's text and its split copy),
    whatever the file holds.
    """
    handle: Any = io.BytesIO(raw) if isinstance(raw, (bytes, bytearray)) else raw
    offset = part.start if part is not None else 0  # where the next line starts
    number = part.first_line if part is not None else 1
    left = part.end - part.start if part is not None else -1  # -1: to the end
    carry: list[bytes] = []  # the start of a line whose end is not read yet, in pieces
    carried = 0  # its length (joined once, when its end comes: no quadratic copying)
    skipping = False  # inside a line longer than `limit`
    read_to = offset
    while left:
        chunk = handle.read(_BLOCK if left < 0 else min(_BLOCK, left))
        if not chunk:
            break
        read_to += len(chunk)
        if left > 0:
            left -= len(chunk)
        end = chunk.find(b"\n")
        if skipping:
            if end < 0:
                continue
            yield number, offset, None, False
            number += 1
            offset = read_to - len(chunk) + end + 1
            chunk = chunk[end + 1 :]
            end = chunk.find(b"\n")
            skipping = False
        if end < 0:  # no line ends in this chunk
            carry.append(chunk)
            carried += len(chunk)
        else:
            data = b"".join([*carry, chunk]) if carry else chunk
            lines = data.split(b"\n")
            rest = lines.pop()
            crlf = b"\r" in data
            if len(data) > limit:  # only then can a line be too long
                yield from _apart(number, offset, lines, limit, crlf)
            else:
                yield number, offset, lines, crlf
            number += len(lines)
            offset += len(data) - len(rest)
            carry, carried = [rest], len(rest)
        if carried > limit:
            carry, carried = [], 0
            skipping = True
    if skipping:
        yield number, offset, None, False
    elif carried:
        last = b"".join(carry)
        yield number, offset, [last], last.endswith(b"\r")


def _apart(
    number: int, offset: int, lines: list[bytes], limit: int, crlf: bool
) -> Iterator[tuple[int, int, list[bytes] | None, bool]]:
    """A block's lines with each line longer than ``limit`` on its own (None)."""
    start = 0
    start_offset = at = offset
    for i, line in enumerate(lines):
        if len(line) > limit:
            if i > start:
                yield number + start, start_offset, lines[start:i], crlf
            yield number + i, at, None, False
            start, start_offset = i + 1, at + len(line) + 1
        at += len(line) + 1
    if start < len(lines):
        yield number + start, start_offset, lines[start:], crlf


def nonblank_line_numbers(handle: BinaryIO, limit: int = DEFAULT_MAX_INPUT_SIZE) -> Iterator[int]:
    """The numbers of the lines that hold something (a line longer than ``limit``
    does), read a block at a time: memory stays bounded whatever the file."""
    for number, _offset, lines, _crlf in _blocks(handle, None, limit):
        if lines is None:
            yield number
            continue
        for i, line in enumerate(lines):
            if line.strip():
                yield number + i


def is_json_lines(
    raw: bytes | None = None, *, name: str | None = None, declared: bool | None = None
) -> bool:
    """The one answer to "JSON Lines, or one JSON document?" for every reader
    (check, coverage, --fix, the library API, the pytest plugin).

    ``declared`` (a :class:`Source`'s ``jsonl``, when set) is the answer: it
    was decided here from the file's name. Else a file ``name`` decides:
    ``.jsonl`` / ``.ndjson`` (any case) is JSON Lines, any other name one
    document. Else the content ``raw`` does (standard input, a library
    payload): see :func:`looks_like_jsonl`. A standard input too long to hold
    is judged on its start by :func:`starts_json_lines`.
    """
    if declared is not None:
        return declared
    if name is not None:
        return name.lower().endswith(JSONL_SUFFIXES)
    return raw is not None and looks_like_jsonl(raw)


def looks_like_jsonl(raw: bytes) -> bool:
    """Content sniffing for :func:`is_json_lines`: several lines, each starting
    with `{` or `[` (and not one document as a whole) -> JSON Lines."""
    stripped = raw.strip()
    if b"\n" not in stripped:
        return False
    try:
        orjson.loads(stripped)
        return False
    except orjson.JSONDecodeError:
        pass
    try:
        # One document orjson rejects (NaN, a number past 64 bits, an escaped
        # lone surrogate) is still one document.
        json.loads(stripped.removeprefix(_BOM))
        return False
    except (ValueError, RecursionError):
        pass
    lines = [ln.strip() for ln in stripped.split(b"\n") if ln.strip()]
    if len(lines) < 2:
        return False
    if all(ln[:1] in (b"{", b"[") for ln in lines[:5]):
        return True
    # A bad line among good ones: the first line is a whole JSON document by
    # itself (a pretty-printed file's first line never is).
    first = lines[0].removeprefix(_BOM)
    try:
        return isinstance(orjson.loads(first), (dict, list))
    except orjson.JSONDecodeError:
        return False
