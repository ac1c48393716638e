"""The U and A rules' cheap conditions (``when=``) are false on clean events,
so the engine skips their precise checks there (issue 18's first tier).

That no condition hides a finding is tests/test_conditions.py's job; this
file guards the other side: a condition that drifts to "always true" would
still be correct, and silently cost every event its check again.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import NOW, app_event, store_event, website_event

from capi_lint import envelope, registry, tiers
from capi_lint.config import build_settings
from capi_lint.engine import Context

CODES = [f"U{i:03d}" for i in range(1, 16)] + [f"A{i:03d}" for i in (1, 2, 3, 4, 5, 6, 8, 10, 11)]
#: Conditions that hold on a clean event of that source by design: the field
#: they gate on is what that source sends (the check then finds it clean).
HOLDS_BY_DESIGN = {("app", "A003"), ("app", "A004"), ("app", "U014")}


def _ctx(event: dict[str, Any], now: int | None, table: dict[str, Any]) -> Context:
    ctx = Context(build_settings(table, now=now), now, "case.json")
    ctx.kind = envelope.EVENT
    ctx.action_source = event["action_source"]
    return ctx


@pytest.mark.parametrize("make", [website_event, app_event, store_event])
@pytest.mark.parametrize("now", [NOW, None])
@pytest.mark.parametrize("table", [{}, {"pii": "raw"}, {"default-region": "US"}])
def test_conditions_are_false_on_clean_events(make: Any, now: int | None, table: dict) -> None:
    event = make()
    ctx = _ctx(event, now, table)
    holding = []
    for code in CODES:
        rule = registry.get(code)
        assert rule.when is not None, f"{code} has no condition"
        if (event["action_source"], code) in HOLDS_BY_DESIGN:
            continue
        if rule.action_sources is not None and ctx.action_source not in rule.action_sources:
            continue  # the engine does not call it for this source at all
        if tiers.holds(rule.when, event, ctx):
            holding.append(code)
    assert holding == []


def test_a_typical_cookie_in_the_future_makes_the_condition_hold() -> None:
    event = website_event()
    event["user_data"]["fbp"] = f"fb.1.{(NOW + 2 * 86_400) * 1000}.1234567890"
    rule = registry.get("U013")
    assert rule.when is not None
    assert tiers.holds(rule.when, event, _ctx(event, NOW, {}))
    assert not tiers.holds(rule.when, website_event(), _ctx(event, NOW, {}))
