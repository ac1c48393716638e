"""Conditions that read rule options (E006, E007) or ignore them (E008, C005)
hold under options far from the defaults: no condition hides a finding when
the windows shrink to nothing, the tolerance goes negative or no event is a
refund (test_conditions.py checks the default options)."""

from __future__ import annotations

import copy
from typing import Any

from helpers import NOW
from hypothesis import HealthCheck, given, settings
from test_conditions import fixture_events, mutated_events

from capi_lint import envelope, registry, tiers
from capi_lint.config import build_settings
from capi_lint.engine import Context
from capi_lint.registry import Scope

OPTIONS = [
    {
        "E006": {"max-age-days": 0, "physical-store-max-age-days": -1},
        "E007": {"tolerance-seconds": -(10**9)},
        "C005": {"refund-events": []},
    },
    {
        "E006": {"max-age-days": -5, "physical-store-max-age-days": 10**6},
        "E007": {"tolerance-seconds": 0},
        "C005": {"refund-events": ["Purchase", "Refund"]},
    },
]
CODES = ("E006", "E007", "E008", "C005")


def hidden(event: dict[str, Any]) -> list[str]:
    wrong = []
    for options in OPTIONS:
        for now in (NOW, None, NOW + 10 * 86400):
            ctx = Context(build_settings({"options": options}, now=now), now, "case.json")
            ctx.kind = envelope.EVENT
            source = event.get("action_source")
            ctx.action_source = source if type(source) is str else None
            for code in CODES:
                rule = registry.get(code)
                assert rule.when is not None
                if now is None and rule.needs_now is registry.NeedsNow.YES:
                    continue
                ctx.memo.clear()
                if rule.scopes[Scope.EVENT](copy.deepcopy(event), ctx) and not tiers.holds(
                    rule.when, event, ctx
                ):
                    wrong.append(f"{code} ({options}, now={now})")
    return wrong


def test_options_are_read() -> None:
    # The first variant makes E006 report any event older than the reference time.
    event = {"event_name": "Lead", "event_time": NOW - 60, "action_source": "website"}
    ctx = Context(build_settings({"options": OPTIONS[0]}, now=NOW), NOW, "case.json")
    assert registry.get("E006").scopes[Scope.EVENT](event, ctx)
    assert hidden(event) == []


def test_fixtures() -> None:
    wrong = [f"{name}: {w}" for name, event in fixture_events() for w in hidden(event)]
    assert wrong == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_events())
def test_generated_events(event: dict[str, Any]) -> None:
    assert hidden(event) == []
