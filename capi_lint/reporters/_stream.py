"""A JSON document whose one long list is written in chunks, byte for byte what
``json.dumps(document, indent=2, ensure_ascii=False)`` gives.

The list is the document's last value on its path (``findings`` in the JSON
report, ``runs[0].results`` in SARIF), so the text splits into a head (every
key before it), the list's items, and a fixed tail of closing brackets. The
head and tail are small and written by the stdlib; the items, built one chunk
at a time, by orjson, so neither the items' dicts nor the whole text are ever
held at once.

orjson and the stdlib agree on strings, ints, ``None``, booleans, lists and
dicts with ``indent=2`` and ``ensure_ascii=False``, but not everywhere: floats
(``1e-05`` against ``0.00001``), NaN, ints past 64 bits, non-str keys, lone
surrogates. An item holding anything but the agreed types is written by the
stdlib, so the output never depends on which library wrote it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

_PLACEHOLDER = "\x00capi-lint-items\x00"
_INT_RANGE = range(-(2**63), 2**63)
_SCALARS = (str, bool, type(None))


def _plain(value: Any) -> bool:
    """Whether orjson writes ``value`` exactly as the stdlib does."""
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is int:
        return value in _INT_RANGE
    if kind is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if kind is list or kind is tuple:
        return all(_plain(v) for v in value)
    return False


def _stdlib(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _item_text(item: dict[str, Any], orjson: Any) -> str:
    """One item at depth 0."""
    if _plain(item):
        try:
            return str(orjson.dumps(item, option=orjson.OPT_INDENT_2).decode("utf-8"))
        except (orjson.JSONEncodeError, UnicodeDecodeError):  # e.g. a lone surrogate
            pass
    return _stdlib(item)


def _chunk_text(items: list[dict[str, Any]], orjson: Any) -> str:
    """``items`` as the inside of an indented list at depth 1 (two spaces)."""
    if all(_plain(item) for item in items):
        try:
            text = orjson.dumps(items, option=orjson.OPT_INDENT_2).decode("utf-8")
            return str(text[2:-2])  # without "[\n" and "\n]"
        except (orjson.JSONEncodeError, UnicodeDecodeError):
            pass
    return ",\n".join("  " + _item_text(item, orjson).replace("\n", "\n  ") for item in items)


def stream(
    document: dict[str, Any],
    path: tuple[str | int, ...],
    items: Iterable[Any],
    to_dict: Callable[[Any], dict[str, Any]],
    *,
    size: int = 1_000,
) -> Iterator[str]:
    """The text of ``document`` with the list at ``path`` filled by
    ``to_dict(item)`` for each of ``items``, in pieces of at most ``size`` items."""
    import orjson  # only when a JSON report is written

    holder: Any = document
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = [_PLACEHOLDER]
    skeleton = _stdlib(document)
    marker = json.dumps(_PLACEHOLDER)
    before, after = skeleton.split(marker)
    # before ends "[\n" + the items' indentation; after starts "\n" + the closing one.
    pad = before[before.rindex("\n") + 1 :]
    head, tail = before[: -len(pad)], after
    extra = pad[2:]  # _chunk_text indents by two spaces already

    started = False
    chunk: list[dict[str, Any]] = []
    iterator = iter(items)
    while True:
        for item in iterator:
            chunk.append(to_dict(item))
            if len(chunk) >= size:
                break
        if not chunk:
            break
        text = _chunk_text(chunk, orjson)
        if extra:
            text = extra + text.replace("\n", "\n" + extra)
        yield (",\n" if started else head) + text
        started = True
        chunk = []
    if started:
        yield tail + "\n"
    else:  # an empty list is "[]" on one line
        holder[path[-1]] = []
        yield _stdlib(document) + "\n"
