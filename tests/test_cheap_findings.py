"""Findings stay cheap to keep: a long file's findings share what repeats.

Most findings of a large file repeat the pointer, message, fix and column of
an earlier one (the same flaw on many lines); they share one object for each,
so memory grows with the distinct findings, not with every copy's text.
"""

from __future__ import annotations

import json

from helpers import lint, website_event

from capi_lint.model import SHARED_MAX, Hit, Selection, Severity


class _Rule:
    code = "S009"
    slug = "unknown-key"
    severity = Severity.ERROR
    doc_url = "https://example.invalid/s009"


def _flawed_lines(count: int) -> str:
    lines = []
    for i in range(count):
        event = website_event(event_id=f"ev-{i:04d}")
        event["user_data"]["email"] = event["user_data"].pop("em")
        lines.append(json.dumps(event))
    return "\n".join(lines) + "\n"


def test_the_same_finding_on_many_lines_shares_its_text_and_position() -> None:
    findings = [f for f in lint(_flawed_lines(300), select=["S009"]) if f.code == "S009"]
    assert len(findings) == 300
    assert len({f.line for f in findings}) == 300
    assert findings[0].column > 256  # a number Python does not share by itself
    for name in ("message", "pointer", "fix", "column"):
        values = [getattr(f, name) for f in findings]
        assert len({id(v) for v in values}) == 1, name


def test_sharing_changes_no_value() -> None:
    selection = Selection(frozenset({"S009"}))
    first = selection.finding(_Rule(), Hit(("a", 0), "m" * 3, "f" * 2), "p", (0, "a"), 1, 300, 400)
    again = selection.finding(_Rule(), Hit(("a", 0), "mmm", "ff"), "p", (0, "a"), 2, 301, 400)
    assert (first.pointer, first.message, first.fix, first.column) == ("/0/a", "mmm", "ff", 400)
    assert (again.line, again.event_index, again.column) == (301, 2, 400)
    assert again.message is first.message and again.pointer is first.pointer


def test_the_sharing_tables_stay_bounded() -> None:
    selection = Selection(frozenset({"S009"}))
    rule = _Rule()
    for i in range(3 * SHARED_MAX):
        found = selection.finding(rule, Hit((), f"message {i}"), "p", ("k", i), None, i, i)
        assert (found.message, found.pointer, found.line) == (f"message {i}", f"/k/{i}", i)
    assert len(selection._texts) <= SHARED_MAX
    assert len(selection._pointers) <= SHARED_MAX
    assert len(selection._numbers) <= SHARED_MAX
