"""Issue 18's two tiers: a rule's cheap condition (``when=``) never hides a
finding of its rule.

For every rule that declares a condition, on every event we can find — the
rule fixtures, the ecosystem corpus, and hypothesis's plausible and mutated
events — whenever the precise check reports something, the condition holds.
The checks run directly (not through the engine), with and without a
reference time, under the settings that change what rules report.
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import NOW, ecosystem_file, sha
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capi_lint import envelope, registry, tiers
from capi_lint.config import build_settings
from capi_lint.engine import Context
from capi_lint.registry import Rule, Scope

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import traffic

FIXTURES = Path(__file__).parent / "fixtures" / "rules"

CONDITIONED: list[Rule] = [r for r in registry.all_rules() if r.when is not None]

#: Settings under which rules report differently (pii, region, options).
SETTINGS = {
    "default": {},
    "raw-pii": {"pii": "raw"},
    "region-us": {"default-region": "US"},
}


#: Each variant with and without a reference time, built once (not per event).
_BUILT = [
    (build_settings(table, now=now), now) for table in SETTINGS.values() for now in (NOW, None)
]


def _contexts(action_source: Any) -> Iterator[Context]:
    for built, now in _BUILT:
        ctx = Context(built, now, "case.json")
        ctx.kind = envelope.EVENT
        ctx.action_source = action_source if type(action_source) is str else None
        yield ctx


def hidden(event: dict[str, Any]) -> list[str]:
    """Rules whose condition fails on ``event`` although their check reports on it."""
    wrong = []
    for ctx in _contexts(event.get("action_source")):
        for rule in CONDITIONED:
            assert rule.when is not None
            if ctx.now is None and rule.needs_now is registry.NeedsNow.YES:
                continue
            if rule.action_sources is not None and ctx.action_source not in rule.action_sources:
                continue
            ctx.memo.clear()
            hits = rule.scopes[Scope.EVENT](copy.deepcopy(event), ctx)
            if hits and not tiers.holds(rule.when, event, ctx):
                wrong.append(f"{rule.code} (now={ctx.now}, pii={ctx.settings.pii})")
    return wrong


def _events_of(root: Any) -> Iterator[dict[str, Any]]:
    read = envelope.read(root)
    for event in read.events:
        if type(event) is dict:
            yield event


def _documents(path: Path) -> Iterator[Any]:
    text = path.read_text("utf-8", errors="replace")
    try:
        yield json.loads(text)
    except ValueError:
        for line in text.splitlines():
            try:
                yield json.loads(line)
            except ValueError:
                continue


def fixture_events() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(FIXTURES.glob("*/*.json*")):
        if path.name in ("expected.json",) or path.suffix not in (".json", ".jsonl"):
            continue
        for doc in _documents(path):
            for i, event in enumerate(_events_of(doc)):
                found.append((f"{path.parent.name}/{path.name}#{i}", event))
    return found


def test_every_condition_names_only_what_the_tier_binds() -> None:
    assert CONDITIONED, "no rule declares a condition yet"
    for rule in CONDITIONED:
        assert rule.when is not None
        rule.when.check_names(rule.code)
        assert Scope.EVENT in rule.scopes, rule.code


@pytest.mark.parametrize("case", fixture_events(), ids=lambda c: c[0])
def test_no_condition_hides_a_finding_on_a_rule_fixture(case: tuple[str, dict]) -> None:
    assert hidden(case[1]) == []


def test_no_condition_hides_a_finding_on_the_ecosystem_corpus() -> None:
    root = ecosystem_file("", "INDEX.md").parent
    wrong = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".json", ".jsonl", ".ndjson"):
            continue
        for doc in _documents(path):
            for event in _events_of(doc):
                wrong += [f"{path.name}: {w}" for w in hidden(event)]
    assert wrong == []


# ----------------------------------------------------------------- generated events

#: Values that make rules report: wrong types, raw PII, odd strings, edge numbers.
_ODD_STRINGS = [
    "",
    " ",
    "Someone@Example.com",
    "someone@example.com",
    "+1 (650) 555-1234",
    "6505551234",
    "16505551234",
    sha("someone@example.com"),
    sha("someone@example.com").upper(),
    "12,50",
    "EURO",
    "usd",
    "purchase",
    "Purchase",
    "website",
    "fb.1.1763800000000.AbCdEf",
    "fb.1.1763800000.AbCdEf",
    "fb.1.1763800000000.1234567890",
    "fb.2.1763800000000.1234567890",
    "192.168.0.1",
    "2001:db8::1",
    "999.1.1.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)",
    "curl/8.0",
    "https://shop.example.com/p?email=ann%40example.com",
    "https://shop.example.com/p",
    "shop.example.com",
    "19900101",
    "1990-01-01",
    "m",
    "Male",
    "us",
    "USA",
    "ca",
    "94025",
    "ev-1",
    "a" * 300,
    "\u00e9t\u00e9",
]
_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([NOW, NOW * 1000, NOW - 8 * 86400, NOW + 3600, 0, -1, 1.5, 12.5]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(_ODD_STRINGS),
    st.text(max_size=12),
)
_VALUE = st.recursive(
    _LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["em", "ph", "id", "value", "x", "phone"]), inner, max_size=3
        ),
    ),
    max_leaves=5,
)


def _paths(node: Any, path: tuple = ()) -> Iterator[tuple]:
    if type(node) is dict:
        for key, value in node.items():
            yield (*path, key)
            yield from _paths(value, (*path, key))
    elif type(node) is list:
        for i, value in enumerate(node):
            yield (*path, i)
            yield from _paths(value, (*path, i))


def _set(root: Any, path: tuple, value: Any) -> None:
    node = root
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


def _drop(root: Any, path: tuple) -> None:
    node = root
    for step in path[:-1]:
        node = node[step]
    del node[path[-1]]


@st.composite
def mutated_events(draw: st.DrawFn) -> dict[str, Any]:
    base: dict[str, Any]
    if draw(st.booleans()):
        seed = draw(st.integers(min_value=0, max_value=10_000))
        base = copy.deepcopy(next(traffic.events(1, seed=seed, flawed_share=0.3)))  # shares lists
    else:
        base = copy.deepcopy(draw(st.sampled_from(_FIXTURE_EVENTS)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = list(_paths(base))
        action = draw(st.sampled_from(["set", "drop", "add", "add_ud", "add_cd"]))
        if action == "set" and paths:
            _set(base, draw(st.sampled_from(paths)), draw(_VALUE))
        elif action == "drop" and paths:
            _drop(base, draw(st.sampled_from(paths)))
        elif action == "add":
            key = draw(st.sampled_from([*sorted(tiers.fields()), "email", "Event_Name", "x"]))
            base[key] = draw(_VALUE)
        else:
            holder = "user_data" if action == "add_ud" else "custom_data"
            if type(base.get(holder)) is not dict:
                base[holder] = {}
            keys = sorted(
                {"em", "ph", "fn", "ln", "db", "ge", "ct", "st", "zp", "country", "external_id"}
                | {"client_ip_address", "client_user_agent", "fbc", "fbp", "email", "phone"}
                if holder == "user_data"
                else {"value", "currency", "contents", "content_ids", "num_items", "order_id"}
                | {"predicted_ltv", "net_revenue", "email", "phone", "content_type"}
            )
            base[holder][draw(st.sampled_from(keys))] = draw(_VALUE)
    return base


_FIXTURE_EVENTS = [event for _, event in fixture_events()]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_events())
def test_no_condition_hides_a_finding_on_generated_events(event: dict[str, Any]) -> None:
    assert hidden(event) == []
