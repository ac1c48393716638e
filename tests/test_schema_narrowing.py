"""S009/S010 validate only an event's suspicious members (issue 18): the
problems the full validation of the narrowed event finds are exactly, and in
the same order, those of the whole event -- on every rule fixture and on
mutated plausible events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from test_robustness import SETTINGS, capi_payloads

from capi_lint import schemas

FIXTURES = Path(__file__).parent / "fixtures" / "rules"


def events_in(root: Any) -> list[dict[str, Any]]:
    if isinstance(root, dict) and "data" in root:
        data = root["data"]
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                return []
        return [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []
    if isinstance(root, dict):
        return [root]
    if isinstance(root, list):
        return [e for e in root if isinstance(e, dict)]
    return []


def fixture_events() -> list[dict[str, Any]]:
    found = []
    for path in sorted(FIXTURES.glob("*/*")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".json":
            roots = [text]
        elif path.suffix in (".jsonl", ".ndjson"):
            roots = text.splitlines()
        else:
            continue
        for raw in roots:
            try:
                root = json.loads(raw)
            except ValueError:
                continue
            found += events_in(root)
    return found


def assert_same_problems(event: dict[str, Any]) -> None:
    spec = schemas.table("event")
    whole = list(schemas.explain("event", event))
    if not schemas.suspicious(event, spec):
        assert whole == []  # the guard S009 relies on; nothing is validated then
        return
    assert list(schemas.explain("event", schemas.narrowed(event, spec))) == whole


def test_fixtures_give_the_problems_of_the_full_validation() -> None:
    events = fixture_events()
    assert len(events) > 200
    flawed = 0
    for event in events:
        assert_same_problems(event)
        flawed += bool(list(schemas.explain("event", event)))
    assert flawed > 20  # unknown keys and wrong types among them


@pytest.mark.parametrize(
    "event",
    [
        {"event_name": "Purchase", "Event_Time": 1, "user_data": {"email": "x", "em": ["a"]}},
        {"event_name": 5, "user_data": "nope", "custom_data": {"value": "1", "x": {"y": 1}}},
        {"custom_data": {"contents": [{"id": "a"}, {"id": 1, "colour": "red"}]}},
        {"user_data": {"ph": [1, None, "x"], "client_ip": "1.2.3.4"}, "app_data": {"x": 1}},
    ],
)
def test_hand_made_flaws(event: dict[str, Any]) -> None:
    assert list(schemas.explain("event", event))
    assert_same_problems(event)


@SETTINGS
@given(capi_payloads())
def test_mutated_events_give_the_problems_of_the_full_validation(root: Any) -> None:
    for event in events_in(root):
        assert_same_problems(event)
