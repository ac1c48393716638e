"""``check --fix`` / ``--diff``: hash raw values of hashed ``user_data`` keys in place.

Pure functions (text in -> new text + changes out); the changed files are
written by :mod:`capi_lint.atomic_write`. The file is edited as text, never re-serialised: the
position scanner gives the offset of every value, each fixed JSON string (or
number) token is replaced by the JSON string of its new value, and every other
byte stays as it was (key order, indentation, newline style, escapes, BOM).

What is fixed, in ``user_data`` of every event (and element by element in a
list value), for the hashed keys ``em ph fn ln db ge ct st zp country`` and
the SDK split keys ``f5first f5last fi dobd dobm doby``:

* a raw value that normalises (:func:`capi_lint.normalize.normalize`) becomes
  the SHA-256 of its normalised form;
* 64 hex characters with uppercase ``A-F`` are lowercased (a suffix after the
  64th character is kept as written).

Left as they are (the linter still reports them): valid hashes; other digests
(MD5, SHA-1, SHA-512: the original is needed); values that do not normalise
(a phone without a country code and no region, an ambiguous date, ...);
placeholders (``null``, ``unknown``, ``test``, ...); ZIP codes written as JSON
numbers shorter than five digits (a leading zero may be lost); values of any
other type. ``external_id`` is never hashed: Meta only recommends hashing it
and it must match what the browser pixel sends.

Region (for ``ph``, ``st``, ``zp``): the event's own ``country`` when it names
one country (a raw value that normalises, or the hash of an ISO code), else
``default_region`` -- the same resolution the U/H/N rules use, so a fix hashes
exactly what the rules judged.

Documents are a whole file, or each line of JSON Lines. A document that does
not parse, or has a duplicate key (parsers disagree on which value wins), is
left untouched. ``data`` sent as a JSON-encoded string, and each event sent
as a JSON-encoded string (``facebook_business``'s ``EventRequest``), is fixed
inside the decoded text and re-encoded as one JSON string; other strings stay
byte for byte.

Privacy: a :class:`Change` or :class:`Skipped` never holds a raw value; the
old value is kept only masked, the new one is a hash.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from capi_lint import envelope as env_mod
from capi_lint.atomic_write import Refused, write_atomic
from capi_lint.hashing import (
    PLACEHOLDER_HASHES,
    HashKind,
    classify,
    country_from_hash,
    sha256_hex,
)
from capi_lint.mask import mask
from capi_lint.model import PointerParts, format_pointer
from capi_lint.normalize import REASONS, canonical_region, normalize_or_reason
from capi_lint.positions import Locator, ScanResult, scan, scanstring

__all__ = [
    "HASHED_KEYS",
    "SKIP_REASONS",
    "Change",
    "FixResult",
    "Skipped",
    "fix_bytes",
    "fix_text",
    "render_diff",
    "write_atomic",
]

HASHED_KEYS: frozenset[str] = frozenset(
    {"em", "ph", "fn", "ln", "db", "ge", "ct", "st", "zp", "country"}
    | {"f5first", "f5last", "fi", "dobd", "dobm", "doby"}
)
"""The ``user_data`` keys ``--fix`` hashes (never ``external_id``)."""

_INT_FIELDS = frozenset({"ph", "zp", "db", "dobd", "dobm", "doby"})
_VALID = frozenset({HashKind.SHA256, HashKind.SHA256_APPENDIX})
_INT_TOKEN = re.compile(r"-?[0-9]+")
_BOM = "\ufeff"

SKIP_REASONS: dict[str, str] = {
    **REASONS,
    "placeholder": "a placeholder for missing data; hashing it would hide that it is missing",
    "other-digest": "an MD5, SHA-1 or SHA-512 digest; its SHA-256 needs the original value",
    "unknown-appendix": "a SHA-256 followed by a suffix that is not a param-builder appendix",
    "zip-as-number": "a ZIP code written as a number may have lost a leading zero",
    "not-located": "the value could not be found in the text",
}
"""Why a value was left as it is (the normaliser's reasons, plus fix's own)."""


@dataclass(frozen=True)
class Change:
    """One value replaced in the text. ``old`` is masked; ``new`` is a hash."""

    pointer: str
    line: int
    column: int
    field: str
    #: "hashed" (raw value -> SHA-256) or "lowercased" (uppercase hex).
    action: str
    old: str
    new: str
    #: Offsets of the replaced token in the old text and of its replacement in
    #: the new one (the whole token of an encoded ``data`` string).
    # (dataclasses.field spelled out: `field` is an attribute of this class.)
    start: int = dataclasses.field(default=0, repr=False, compare=False)
    end: int = dataclasses.field(default=0, repr=False, compare=False)
    new_start: int = dataclasses.field(default=0, repr=False, compare=False)
    new_end: int = dataclasses.field(default=0, repr=False, compare=False)


@dataclass(frozen=True)
class Skipped:
    """A value of a hashed key that was left as it is, and why."""

    pointer: str
    line: int | None
    column: int | None
    field: str
    reason: str

    @property
    def description(self) -> str:
        return SKIP_REASONS.get(self.reason, self.reason)


@dataclass
class FixResult:
    """What :func:`fix_text` did to one text."""

    original: str
    text: str
    changes: list[Change] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    #: Whole-document remarks ("line 3: not valid JSON; not fixed"); value-free.
    notices: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.text != self.original


# --------------------------------------------------------------------------- fixing


@dataclass
class _Doc:
    """One document being fixed: its text, where it sits, and its edits."""

    text: str
    base: int  # offset of the document in the whole text
    first_line: int
    label: str  # "" for a whole file, "line N: " for JSON Lines
    default_region: str | None
    #: (hash raw values, lowercase uppercase hex)
    kinds: tuple[bool, bool] = (True, True)
    #: (key, value, region) -> _hash() result, shared by the documents of one text.
    memo: dict[Any, Any] = field(default_factory=dict)
    edits: list[tuple[int, int, str, Change | None]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    #: For a document decoded from a JSON string: the document whose text is the
    #: file's (where every value inside is located), and the pointer of the
    #: outermost string there (``("data",)`` or ``("data", i)``).
    host: _Doc | None = None
    string_at: PointerParts = ()
    #: The pointer of this document's root in the file's document.
    prefix: PointerParts = ()
    _locator: Locator | None = None
    _scan: ScanResult | None = None

    @property
    def locator(self) -> Locator:
        if self._locator is None:
            self._locator = Locator(self.text, self.first_line)
        return self._locator

    @property
    def offsets(self) -> dict[PointerParts, int]:
        """Offsets of every value; the text is scanned only once something needs fixing."""
        if self._scan is None:
            self._scan = scan(self.text)
        return self._scan.offsets

    def check_scan(self) -> bool:
        """False (and the edits dropped) when the text has a duplicate key or could not
        be scanned to the end: offsets could then point at another value than the
        parsed one."""
        result = self._scan
        if result is None or (result.complete and not result.duplicates):
            return True
        self.edits.clear()
        self.skipped.clear()
        if result.duplicates:
            why = "has a duplicate key (parsers disagree on which value wins)"
        else:
            why = "could not be scanned (nested too deep?)"
        self.notices.append(f"{self.label}{why}; not fixed")
        return False


def fix_text(
    text: str,
    *,
    jsonl: bool = False,
    default_region: str | None = None,
    hash_raw: bool = True,
    lowercase: bool = True,
) -> FixResult:
    """Fix one JSON (or JSON Lines) text.

    ``hash_raw`` and ``lowercase`` switch the two kinds of fix (H001, H002).
    Raises ``ValueError`` for an unknown ``default_region``.
    """
    region = canonical_region(default_region)
    result = FixResult(original=text, text=text)
    docs: list[_Doc] = []
    kinds = (hash_raw, lowercase)
    memo: dict[Any, Any] = {}
    if jsonl:
        pos = 0
        for number, line in enumerate(text.split("\n"), start=1):
            body = line[:-1] if line.endswith("\r") else line
            skip = 1 if number == 1 and body.startswith(_BOM) else 0
            if body[skip:].strip():
                docs.append(
                    _Doc(body[skip:], pos + skip, number, f"line {number}: ", region, kinds, memo)
                )
            pos += len(line) + 1
    else:
        start = 1 if text.startswith(_BOM) else 0
        docs.append(_Doc(text[start:], start, 1, "", region, kinds, memo))
    edits: list[tuple[int, int, str, Change | None]] = []
    for doc in docs:
        _fix_document(doc)
        edits.extend((doc.base + s, doc.base + e, new, ch) for s, e, new, ch in doc.edits)
        result.skipped.extend(doc.skipped)
        result.notices.extend(doc.notices)
    if not edits:
        return result
    edits.sort(key=lambda e: e[0])
    pieces: list[str] = []
    pos = 0
    out_len = 0
    for start, end, new, change in edits:
        pieces.append(text[pos:start])
        out_len += start - pos
        pieces.append(new)
        if change is not None:
            result.changes.append(_with_offsets(change, start, end, out_len, out_len + len(new)))
        out_len += len(new)
        pos = end
    pieces.append(text[pos:])
    result.text = "".join(pieces)
    return result


def fix_bytes(raw: bytes, **options: Any) -> tuple[bytes, FixResult]:
    """:func:`fix_text` for file contents (same options); text that is not UTF-8
    is left untouched."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw, FixResult("", "", notices=["not UTF-8 text; not fixed"])
    result = fix_text(text, **options)
    return (result.text.encode("utf-8") if result.changed else raw), result


def _with_offsets(change: Change, start: int, end: int, new_start: int, new_end: int) -> Change:
    return Change(
        change.pointer,
        change.line,
        change.column,
        change.field,
        change.action,
        change.old,
        change.new,
        start,
        end,
        new_start,
        new_end,
    )


def _fix_document(doc: _Doc) -> None:
    root = _parse(doc)
    if root is _UNPARSED:
        return
    envelope = env_mod.read(root)
    if envelope.encoded:
        _fix_encoded(doc, root["data"], ("data",))
    else:
        for index, event in enumerate(envelope.events):
            if type(event) is not dict:
                continue
            parts = envelope.event_parts(index)
            if index in envelope.encoded_items:
                _fix_encoded(doc, root["data"][index], parts)
            else:
                _fix_event(doc, event, parts, ())
    doc.check_scan()


_UNPARSED = object()


def _parse(doc: _Doc) -> Any:
    try:
        return json.loads(doc.text)
    except (ValueError, RecursionError):
        doc.notices.append(f"{doc.label}not valid JSON; not fixed")
        return _UNPARSED


def _fix_encoded(doc: _Doc, inner_text: str, where: PointerParts) -> None:
    """A JSON-encoded string at ``where`` (``data`` as one string: an array of
    events; or one item of ``data``: an event): fix the decoded text, re-encode
    the string."""
    host, at = (doc.host, doc.string_at) if doc.host is not None else (doc, where)
    inner = _Doc(
        inner_text,
        0,
        1,
        doc.label,
        doc.default_region,
        doc.kinds,
        doc.memo,
        host=host,
        string_at=at,
        prefix=(*doc.prefix, *where),
    )
    inner_root = _parse(inner)
    if inner_root is _UNPARSED:
        return
    if type(inner_root) is list:
        for index, event in enumerate(inner_root):
            if type(event) is dict:
                _fix_event(inner, event, (index,), inner.prefix)
            elif type(event) is str:  # the SDK's form post: `data=["{…}"]`
                _fix_encoded(inner, event, (index,))
    elif type(inner_root) is dict:
        _fix_event(inner, inner_root, (), inner.prefix)
    if not inner.check_scan():
        doc.notices.extend(inner.notices)
        return
    doc.skipped.extend(inner.skipped)
    if not inner.edits:
        return
    start = doc.offsets.get(where)
    if start is None or doc.text[start] != '"':  # pragma: no cover - the scanner finds it
        return
    decoded, end = scanstring(doc.text, start + 1)
    if decoded != inner_text:  # pragma: no cover - defensive
        return
    pieces: list[str] = []
    pos = 0
    for s, e, new, _change in sorted(inner.edits, key=lambda x: x[0]):
        pieces.append(inner_text[pos:s])
        pieces.append(new)
        pos = e
    pieces.append(inner_text[pos:])
    token = json.dumps("".join(pieces), ensure_ascii=doc.text[start:end].isascii())
    doc.edits.append((start, end, token, None))
    # One edit in the text, but one Change per value (all located at the string);
    # empty edits at its end carry them.
    for _s, _e, _new, change in inner.edits:
        if change is not None:
            doc.edits.append((end, end, "", change))


def _fix_event(doc: _Doc, event: dict, parts: PointerParts, prefix: PointerParts) -> None:
    """Fix the hashed keys of one event's ``user_data``; ``prefix`` is the pointer
    of the encoded string ``doc`` was decoded from, if any."""
    user_data = event.get("user_data")
    if type(user_data) is not dict:
        return
    # One region per event, as the rules resolve it: its own country, else the default.
    region = _event_country(user_data.get("country")) or doc.default_region
    for key, value in user_data.items():
        if key not in HASHED_KEYS:
            continue
        base = (*parts, "user_data", key)
        if type(value) is list:
            for i, item in enumerate(value):
                _fix_value(doc, key, item, (*base, i), prefix, region)
        else:
            _fix_value(doc, key, value, base, prefix, region)


def _event_country(value: Any) -> str | None:
    """The event's own country as a region code, if it says so unambiguously."""
    values = value if type(value) is list else [value]
    found: set[str] = set()
    for item in values:
        if type(item) is not str:
            continue
        code = country_from_hash(item)
        if code is None:
            code, _reason = normalize_or_reason("country", item)
        if code is not None:
            found.add(code)
    if len(found) != 1:
        return None
    try:
        return canonical_region(found.pop())
    except ValueError:  # pragma: no cover - normalize_country returns ISO codes
        return None


def _fix_value(
    doc: _Doc,
    key: str,
    value: Any,
    parts: PointerParts,
    prefix: PointerParts,
    region: str | None,
) -> None:
    kind = type(value)
    if kind is str:
        shape = classify(value)
        if shape in _VALID:
            return
        if shape is HashKind.UPPERCASE_SHA256:
            if not doc.kinds[1]:
                return
            new, action, reason = value[:64].lower() + value[64:], "lowercased", None
        elif shape is HashKind.SHA256_BAD_APPENDIX:
            new, action, reason = None, "", "unknown-appendix"
        elif shape is not HashKind.NOT_HASH:
            new, action, reason = None, "", "other-digest"
        elif not doc.kinds[0]:
            return
        else:
            new, action, reason = _hash(key, value, region, doc.memo)
    elif kind is int and key in _INT_FIELDS and doc.kinds[0]:
        if key == "zp" and len(str(abs(value))) < 5:
            new, action, reason = None, "", "zip-as-number"
        else:
            new, action, reason = _hash(key, value, region, doc.memo)
    else:
        return  # null, booleans, floats, objects: S010 and friends report them
    pointer = format_pointer((*prefix, *parts))
    offset = doc.offsets.get(parts)
    span = _token_span(doc.text, offset, value) if offset is not None else None
    # Inside an encoded string, every value is located at the (outermost) string.
    host = doc.host if doc.host is not None else doc
    at = host.offsets.get(doc.string_at) if doc.host is not None else offset
    line, column = host.locator.position(at) if at is not None else (None, None)
    if new is None or span is None:
        doc.skipped.append(Skipped(pointer, line, column, key, reason or "not-located"))
        return
    change = Change(pointer, line or 0, column or 0, key, action, _shown_old(value), new)
    doc.edits.append((span[0], span[1], json.dumps(new), change))


def _hash(
    key: str, value: Any, region: str | None, memo: dict[Any, Any]
) -> tuple[str | None, str, str | None]:
    """(new value, "hashed", None) or (None, "", reason). Memoised per text: the
    same customer often appears in many events, and normalising is slow."""
    memo_key = (key, type(value), value, region)
    found = memo.get(memo_key)
    if found is not None:
        return found
    normalised, reason = normalize_or_reason(key, value, region)
    if normalised is None:
        result: tuple[str | None, str, str | None] = (None, "", reason)
    else:
        digest = sha256_hex(normalised)
        result = (
            (None, "", "placeholder") if digest in PLACEHOLDER_HASHES else (digest, "hashed", None)
        )
    memo[memo_key] = result
    return result


def _token_span(text: str, offset: int, value: Any) -> tuple[int, int] | None:
    """Start and end of the token at ``offset``, if it holds exactly ``value``."""
    if type(value) is str:
        if text[offset] != '"':
            return None
        try:
            decoded, end = scanstring(text, offset + 1)
        except ValueError:  # pragma: no cover - the document parsed
            return None
        return (offset, end) if decoded == value else None
    m = _INT_TOKEN.match(text, offset)
    if m is None or int(m.group()) != value:
        return None
    end = m.end()
    if end < len(text) and text[end] in ".eE":
        return None
    return offset, end


def _shown_old(value: Any) -> str:
    if type(value) is str and classify(value) is HashKind.UPPERCASE_SHA256:
        return value[:12] + "…"
    return mask(str(value))


# --------------------------------------------------------------------------- diff


@cache
def _known_keys() -> frozenset[str]:
    from capi_lint import schemas

    out: set[str] = set(schemas.CREDENTIAL_KEYS)

    def walk(spec: Any) -> None:
        for key, fs in spec.properties.items():
            out.add(key)
            for sub in (fs.obj, fs.item_obj):
                if sub is not None:
                    walk(sub)

    for name in schemas.NAMES:
        walk(schemas.table(name))
    return frozenset(out)


_LEX = re.compile(
    r'(?P<s>"(?:[^"\\\n]|\\.)*")'
    r"|(?P<n>-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)"
    r"|(?P<w>[ \t\r\n]+)"
    r"|(?P<p>[{}\[\],:]|true|false|null)"
)
_WITHHELD = "… (line not shown: not JSON)"


def mask_json(text: str, special: dict[int, str] | None = None) -> str:
    """``text`` (JSON, or a JSON fragment that starts outside a string) with every
    string and number masked; known CAPI keys are shown as they are.

    ``special`` maps token offsets to what to show there instead. Text that
    does not lex as JSON is withheld (it may hold anything).
    """
    out: list[str] = []
    pos = 0
    tokens: list[tuple[str, int, int]] = []
    while pos < len(text):
        m = _LEX.match(text, pos)
        if m is None:
            return _WITHHELD
        kind = m.lastgroup or "p"
        tokens.append((kind, m.start(), m.end()))
        pos = m.end()
    for i, (kind, start, end) in enumerate(tokens):
        token = text[start:end]
        if special and start in special:
            out.append(special[start])
        elif kind == "s":
            out.append(_mask_string(token, _is_key(tokens, i, text)))
        elif kind == "n":
            out.append(mask(json.loads(token)) if len(token) > 6 else token)
        else:
            out.append(token)
    return "".join(out)


def _is_key(tokens: list[tuple[str, int, int]], i: int, text: str) -> bool:
    for kind, start, end in tokens[i + 1 :]:
        if kind != "w":
            return text[start:end] == ":"
    return False


def _mask_string(token: str, is_key: bool) -> str:
    try:
        value = json.loads(token)
    except ValueError:
        return '"…"'
    if is_key and value in _known_keys():
        return token
    if not is_key and value[:1] in ("[", "{"):
        # A JSON document inside a string (encoded `data`): mask its contents.
        try:
            json.loads(value)
        except ValueError:
            pass
        else:
            return '"' + mask_json(value).replace("\n", "\\n") + '"'
    return json.dumps(mask(value), ensure_ascii=False)


def _split_lines(text: str) -> list[str]:
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def _line_starts(lines: list[str]) -> list[int]:
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line)
    return starts


def render_diff(path: str, result: FixResult, context: int = 3) -> str:
    """A unified diff of what :func:`fix_text` changed, with every value masked.

    Old raw values are shown through :func:`capi_lint.mask.mask`, new hashes by
    their first twelve characters; unchanged lines are masked the same way.
    Fixes replace tokens inside lines and never add or remove a line, so line
    ``i`` of the old text is line ``i`` of the new one: the diff is linear.
    """
    if not result.changed:
        return ""
    old_lines = _split_lines(result.original)
    new_lines = _split_lines(result.text)
    if len(old_lines) != len(new_lines):  # pragma: no cover - fixes never touch newlines
        raise ValueError("a fix changed the number of lines")
    old_starts = _line_starts(old_lines)
    new_starts = _line_starts(new_lines)
    # Changes inside an encoded `data` string have no token of their own (empty span):
    # that string is shown by masking its decoded contents.
    tokens = [c for c in result.changes if c.end > c.start]
    old_special = _by_line(old_starts, ((c.start, _quoted(c.old)) for c in tokens))
    new_special = _by_line(new_starts, ((c.new_start, _quoted(c.new[:12] + "…")) for c in tokens))

    def show(lines: list[str], special: dict[int, dict[int, str]], i: int) -> str:
        body = lines[i]
        if body.endswith("\n"):
            body = body[:-1]
        if body.endswith("\r"):
            body = body[:-1]
        local = special.get(i)
        if i == 0 and body.startswith(_BOM):
            body = body[1:]
            local = {k - 1: v for k, v in local.items()} if local else None
        return mask_json(body, local)

    changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    out = [f"--- {path}\n", f"+++ {path}\n"]
    k = 0
    while k < len(changed):
        # One hunk: changed lines closer than 2 * context share their context.
        last = k
        while last + 1 < len(changed) and changed[last + 1] - changed[last] <= 2 * context:
            last += 1
        lo = max(0, changed[k] - context)
        hi = min(len(old_lines), changed[last] + context + 1)
        span = _range(lo, hi)
        out.append(f"@@ -{span} +{span} @@\n")
        marked = set(changed[k : last + 1])
        i = lo
        while i < hi:
            if i not in marked:
                out.append(" " + show(old_lines, {}, i) + "\n")
                i += 1
                continue
            run_end = i
            while run_end < hi and run_end in marked:
                run_end += 1
            out.extend("-" + show(old_lines, old_special, n) + "\n" for n in range(i, run_end))
            out.extend("+" + show(new_lines, new_special, n) + "\n" for n in range(i, run_end))
            i = run_end
        k = last + 1
    return "".join(out)


def _by_line(starts: list[int], items: Any) -> dict[int, dict[int, str]]:
    """Token displays keyed by line index, then by offset within the line."""
    out: dict[int, dict[int, str]] = {}
    for offset, shown in items:
        line = bisect_right(starts, offset) - 1
        out.setdefault(line, {})[offset - starts[line]] = shown
    return out


def _quoted(shown: str) -> str:
    return json.dumps(shown, ensure_ascii=False)


def _range(start: int, stop: int) -> str:
    # difflib's unified range format: 1-based start, length (omitted when 1).
    begin, length = start + 1, stop - start
    if length == 1:
        return f"{begin}"
    if not length:
        begin -= 1
    return f"{begin},{length}"


# --------------------------------------------------------------------------- a run


@dataclass
class FileFix:
    """The fix of one input file (``written``: the file was replaced)."""

    path: str
    result: FixResult
    written: bool = False
    #: Why the fixed content could not be written (value-free), if it could not.
    error: str | None = None


@dataclass
class FixRun:
    files: list[FileFix] = field(default_factory=list)
    #: Run-level remarks (value-free), e.g. standard input not fixed in place.
    notices: list[str] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return sum(len(f.result.changes) for f in self.files)

    @property
    def changed_files(self) -> list[FileFix]:
        return [f for f in self.files if f.result.changed]

    def diff(self) -> str:
        return "".join(render_diff(f.path, f.result) for f in self.changed_files)

    @property
    def unwritten(self) -> list[FileFix]:
        """Files whose fixes could not be written: a failure, not a remark."""
        return [f for f in self.files if f.error]

    def messages(self, *, written: bool, quiet: bool = False) -> list[str]:
        """What to tell the user on standard error; never a value.

        ``quiet`` keeps only the failures (fixes that could not be written):
        ``--quiet`` hides progress, never a failure.
        """
        if quiet:
            return [f"{f.path}: {f.error}" for f in self.unwritten]
        out = list(self.notices)
        for f in self.files:
            out.extend(f"{f.path}: {notice}" for notice in f.result.notices)
            for skip in f.result.skipped:
                where = f"{f.path}:{skip.line}:{skip.column}" if skip.line else f.path
                out.append(f"{where}: not fixed: {skip.pointer}: {skip.description}")
            if f.error:
                out.append(f"{f.path}: {f.error}")
        changed = self.changed_files
        n = self.changes
        values = f"{n} value{'' if n == 1 else 's'}"
        files = f"{len(changed)} file{'' if len(changed) == 1 else 's'}"
        if not n:
            out.append("Nothing to fix.")
        elif written:
            done = sum(len(f.result.changes) for f in changed if f.written)
            out.append(f"Fixed {values} in {files}." if done == n else f"Fixed {done} of {values}.")
        else:
            out.append(f"Would fix {values} in {files}.")
        return out


def _wanted(code: str, settings: Any, path: str) -> bool:
    """A fix runs when its rule is enabled for the path (or not registered yet)."""
    from capi_lint import registry

    try:
        registry.get(code)
    except KeyError:
        return True
    return code in settings.enabled and code not in settings.ignored_for(path)


def fix_paths(paths: list[str], settings: Any, *, write: bool, stdin: Any = None) -> FixRun:
    """Fix every input file; replace the changed ones atomically when ``write``.

    Inputs that cannot be read or do not parse are left alone (the lint run
    reports them). Standard input is fixed only for a diff (``write=False``).
    ``settings.pii == "raw"`` means raw values are intended: nothing is hashed.
    Raises ``ValueError`` for an unknown ``settings.default_region``.
    """
    from capi_lint import loader

    canonical_region(settings.default_region)
    run = FixRun()
    if write and "-" in paths:
        run.notices.append("standard input is not fixed (nothing to write back to); use --diff")
        paths = [p for p in paths if p != "-"]
    raw_mode = settings.pii == "raw"
    if raw_mode:
        run.notices.append('pii = "raw": raw values are intended, so none is hashed')
    from capi_lint.files import Finder

    for item in Finder(settings.files).find(paths, stdin=stdin):
        if not isinstance(item, loader.Source):
            continue
        # Taken before the read: a change made after it is seen before the rename.
        seen = _stat(item.fs_path) if write and item.fs_path is not None else None
        raw = loader.read_bytes(item)
        if isinstance(raw, loader.Problem):
            continue
        jsonl = loader.is_json_lines(raw, declared=item.jsonl)
        new, result = fix_bytes(
            raw,
            jsonl=jsonl,
            default_region=settings.default_region,
            hash_raw=not raw_mode and _wanted("H001", settings, item.path),
            lowercase=_wanted("H002", settings, item.path),
        )
        entry = FileFix(item.path, result)
        run.files.append(entry)
        if write and result.changed and item.fs_path is not None:
            try:
                write_atomic(item.fs_path, new, expected=seen)
            except Refused as exc:
                entry.error = f"cannot write the fixes: {exc}; the file is unchanged"
            except OSError as exc:
                reason = (exc.strerror or type(exc).__name__).lower()
                entry.error = f"cannot write the fixes ({reason}); the file is unchanged"
            else:
                entry.written = True
    return run


def _stat(path: os.PathLike[str]) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None  # the read reports it
