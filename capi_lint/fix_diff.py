"""The masked diff of ``check --diff``: a unified diff of a fix in which no value is shown.

Its own small JSON lexer masks every string and number of the changed lines
(known CAPI keys are shown as they are); text that is not JSON is withheld.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from functools import cache
from typing import Any

from capi_lint.fix_plan import BOM, FixResult
from capi_lint.mask import mask

# --------------------------------------------------------------------------- diff


@cache
def _known_keys() -> frozenset[str]:
    from capi_lint import schemas

    return schemas.property_names() | schemas.CREDENTIAL_KEYS


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
        if i == 0 and body.startswith(BOM):
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
