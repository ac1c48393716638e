"""Fix planning for ``check --fix`` / ``--diff``: what to change, as text edits.

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
import re
from dataclasses import dataclass, field
from typing import Any

from capi_lint import envelope as env_mod
from capi_lint.hashing import (
    HashKind,
    classify,
)
from capi_lint.mask import mask
from capi_lint.model import PointerParts, format_pointer
from capi_lint.normalize import REASONS, canonical_region
from capi_lint.positions import Locator, ScanResult, scan, scanstring
from capi_lint.rules._userdata import event_region
from capi_lint.rules.hashed import fix_edit

HASHED_KEYS: frozenset[str] = frozenset(
    {"em", "ph", "fn", "ln", "db", "ge", "ct", "st", "zp", "country"}
    | {"f5first", "f5last", "fi", "dobd", "dobm", "doby"}
)
"""The ``user_data`` keys ``--fix`` hashes (never ``external_id``)."""

_INT_TOKEN = re.compile(r"-?[0-9]+")
#: A byte-order mark at the start of a file: kept, never part of a document.
BOM = "\ufeff"

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
            skip = 1 if number == 1 and body.startswith(BOM) else 0
            if body[skip:].strip():
                docs.append(
                    _Doc(body[skip:], pos + skip, number, f"line {number}: ", region, kinds, memo)
                )
            pos += len(line) + 1
    else:
        start = 1 if text.startswith(BOM) else 0
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
    region = event_region(event, doc.default_region)
    for key, value in user_data.items():
        if key not in HASHED_KEYS:
            continue
        base = (*parts, "user_data", key)
        if type(value) is list:
            for i, item in enumerate(value):
                _fix_value(doc, key, item, (*base, i), prefix, region)
        else:
            _fix_value(doc, key, value, base, prefix, region)


def _fix_value(
    doc: _Doc,
    key: str,
    value: Any,
    parts: PointerParts,
    prefix: PointerParts,
    region: str | None,
) -> None:
    planned = fix_edit(
        key, value, region, hash_raw=doc.kinds[0], lowercase=doc.kinds[1], memo=doc.memo
    )
    if planned is None:
        return
    new, action, reason = planned
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
