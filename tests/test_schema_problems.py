"""S009/S010's problems come from the fast tables (``schemas.problems``), not
from a jsonschema validation: on every event we can find, they are exactly,
and in the same order, what jsonschema's full validation explains
(``schemas.explain``) -- and the schemas keep the shape that makes this so."""

from __future__ import annotations

import collections
import decimal
import fractions
import json
from typing import Any

import pytest
from helpers import NOW, ecosystem_file
from hypothesis import HealthCheck, given, settings
from test_conditions import _documents, _events_of, mutated_events
from test_robustness import SETTINGS, capi_payloads
from test_schema_narrowing import events_in, fixture_events

from capi_lint import schemas
from capi_lint.config import build_settings
from capi_lint.engine import Context
from capi_lint.rules import structure

#: The keywords :func:`schemas.problems` models; all others only give errors
#: that ``explain`` drops (no ``anyOf``/``oneOf``/``if``: no error context).
APPLICATORS = {"type", "properties", "additionalProperties", "items", "$ref"}
DROPPED = {"enum", "pattern", "required", "minItems", "maxItems", "exclusiveMinimum"}
ANNOTATIONS = {"$schema", "$defs", "title", "description"}


def assert_same(name: str, instance: Any) -> None:
    assert schemas.problems(name, instance) == list(schemas.explain(name, instance))


def _subschemas(schema: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(schema, dict):
        found.append(schema)
        for key, value in schema.items():
            if key == "properties" or key == "$defs":
                for sub in value.values():
                    found += _subschemas(sub)
            elif key == "items":
                found += _subschemas(value)
    return found


@pytest.mark.parametrize("name", schemas.NAMES)
def test_the_schemas_use_only_what_problems_models(name: str) -> None:
    for sub in _subschemas(schemas.load(name)):
        keys = list(sub)
        assert set(keys) <= APPLICATORS | DROPPED | ANNOTATIONS, keys
        if "$ref" in sub:
            assert keys == ["$ref"], keys  # no siblings: the tables read the target only
        kinds = sub.get("type", [])
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if "properties" in sub:
            assert "object" in kinds
            if "additionalProperties" in sub:
                assert keys.index("properties") < keys.index("additionalProperties")
            assert isinstance(sub.get("additionalProperties", True), bool)
        if "items" in sub:
            assert "array" in kinds and isinstance(sub["items"], dict)


def test_fixture_events() -> None:
    events = fixture_events()
    flawed = 0
    for event in events:
        assert_same("event", event)
        assert_same("event", schemas.narrowed(event, schemas.table("event")))
        flawed += bool(schemas.problems("event", event))
    assert flawed > 20


def test_ecosystem_corpus() -> None:
    root = ecosystem_file("", "INDEX.md").parent
    seen = 0
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".json", ".jsonl", ".ndjson"):
            continue
        for doc in _documents(path):
            if isinstance(doc, dict):
                assert_same("request", {k: v for k, v in doc.items() if k != "data"})
            for event in _events_of(doc):
                assert_same("event", event)
                seen += 1
    assert seen > 100


ODD: list[dict[str, Any]] = [
    # JSON types in the wrong places, nulls, unknown and credential keys
    {"event_name": None, "event_time": 1.0, "opt_out": 1, "access_token": "x", "Email": "a"},
    {"event_time": 1.5, "data_processing_options": ["LDU", None, 1, ["x"]], "x": None},
    {"data_processing_options_country": True, "data_processing_options": "LDU"},
    {"user_data": [], "custom_data": "x", "app_data": 3, "original_event_data": []},
    {"user_data": {"em": [None, 1, "a", {}], "ph": 5, "fbc": ["x"], "zz": 1, "em2": []}},
    {"custom_data": {"contents": [None, 1, {"id": 1, "quantity": "2", "x": 1}, []]}},
    {"custom_data": {"content_ids": [1, 1.0, 1.5, True, None, "a"], "value": True}},
    {"app_data": {"extinfo": ["a", 1, None, {}], "advertiser_tracking_enabled": 1.0, "q": 1}},
    {"original_event_data": {"event_time": "1", "order_id": 5, "zz": 1, "event_id": None}},
    {"attribution_data": [], "customer_segmentation": 3, "messaging_channel": None},
    # Python values a library caller may pass: subclasses and other numbers
    {"event_time": decimal.Decimal(1), "custom_data": {"value": decimal.Decimal("1.5")}},
    {"custom_data": {"value": fractions.Fraction(1, 3), "num_items": 2.0}},
    {"user_data": collections.OrderedDict(em=("a",), ph=collections.UserString("x"))},
    {"event_name": type("S", (str,), {})("Purchase"), "opt_out": type("I", (int,), {})(1)},
    {1: "int key", None: "null key", ("t",): "tuple key", "event_name": "x"},
    {"custom_data": {"contents": ({"id": "a"},), "content_ids": ("a",)}},
]


@pytest.mark.parametrize("event", ODD, ids=range(len(ODD)))
def test_odd_values(event: dict[str, Any]) -> None:
    assert_same("event", event)


@pytest.mark.parametrize("root", [[], "x", None, 1, {"data": [], "upload_tag": 1, "zz": None}])
def test_roots_that_are_not_events(root: Any) -> None:
    assert_same("event", root)
    assert_same("request", root)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_events())
def test_generated_events(event: dict[str, Any]) -> None:
    assert_same("event", event)
    assert_same("event", schemas.narrowed(event, schemas.table("event")))


@SETTINGS
@given(capi_payloads())
def test_mutated_payloads(root: Any) -> None:
    for event in events_in(root):
        assert_same("event", event)
    if isinstance(root, dict):
        assert_same(
            "request", json.loads(json.dumps({k: v for k, v in root.items() if k != "data"}))
        )


def _suspect_holds_where_s009_s010_report(event: dict[str, Any]) -> None:
    # test_conditions evaluates a condition after the check filled the memo;
    # here the condition runs first, on a fresh memo, as in the engine.
    for now in (NOW, None):
        ctx = Context(build_settings({}, now=now), now, "case.json")
        suspect = structure._schema_suspect(event, ctx)
        ctx.memo.clear()
        reported = bool(structure.unknown_key(event, ctx)) or bool(structure.wrong_type(event, ctx))
        assert suspect or not reported
        if not suspect:  # what it leaves in the memo is what the checks would find
            ctx.memo.clear()
            assert structure._schema_suspect(event, ctx) is False
            assert structure.unknown_key(event, ctx) is None
            assert structure.wrong_type(event, ctx) is None


def test_s009_s010_condition_on_fixtures() -> None:
    for event in fixture_events():
        _suspect_holds_where_s009_s010_report(event)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_events())
def test_s009_s010_condition_on_generated_events(event: dict[str, Any]) -> None:
    _suspect_holds_where_s009_s010_report(event)
