"""How the engine feeds batch rules (rules/_columns.py): declared reads taken in
chunks, routing by event_id. The engine's path must compute what feeding each
event to each rule computes."""

from __future__ import annotations

from typing import Any

from helpers import NOW, sha, store_event, user_data, website_event

from capi_lint.config import build_settings
from capi_lint.engine import Context
from capi_lint.registry import Scope, get
from capi_lint.rules import _columns
from capi_lint.rules._columns import Batch, ColumnRule

COLUMN_CODES = ("B001", "B002", "B003", "B004", "B005", "B006", "R004")


def _flawed_batch(n: int = 300) -> list[dict[str, Any]]:
    """More events than a chunk holds, with what each B rule reports."""
    events = []
    for i in range(n):
        if i % 3 == 0:
            # date-only times (B003), one shared IP for many users (B006)
            event = website_event(
                event_id=f"w-{i}",
                event_time=NOW - 86_400 * (1 + i % 5),
                user_data=user_data(client_ip_address="31.13.64.35", em=[sha(f"u{i}@x.org")]),
                custom_data={"value": 1, "currency": "USD", "order_id": f"o-{i // 6}"},
            )
        else:
            # no contact key at all (B001), the same value everywhere (B002)
            event = store_event(
                event_id=f"s-{i}",
                event_time=NOW - 86_400 * (1 + i % 5),
                user_data={"ct": sha("london")},
                custom_data={"value": 1, "currency": "GBP", "order_id": f"o-{i // 6}"},
            )
        events.append(event)
    return events


def _context(kind: str = "request") -> Context:
    ctx = Context(build_settings({}), NOW, "x.json", {})
    ctx.kind = kind
    return ctx


def _results(states: list[tuple[str, Any]]) -> dict[str, list[tuple[str, Any]]]:
    return {code: [(h.message, h.extra) for h in s.finish() or ()] for code, s in states}


def test_chunked_columns_compute_what_per_event_feeding_computes() -> None:
    events = _flawed_batch()
    assert len(events) > 3 * _columns.CHUNK
    ctx = _context()
    one_by_one = [(code, get(code).scopes[Scope.BATCH](ctx)) for code in COLUMN_CODES]
    for index, event in enumerate(events):
        for _code, state in one_by_one:
            state.feed(index, event)
    engine_states = [(code, get(code).scopes[Scope.BATCH](ctx)) for code in COLUMN_CODES]
    batch = Batch(engine_states)
    for index, event in enumerate(events):
        assert batch.feed(index, event) is None  # statistics report at the end only
    expected = _results(one_by_one)
    assert {code for code, hits in expected.items() if hits} == {
        "B001",
        "B002",
        "B003",
        "B005",
        "B006",
    }
    assert _results(engine_states) == expected


class _CountingEvent(dict):
    """An event that counts the reads of its members."""

    reads: dict[str, int]

    def get(self, key: str, default: Any = None) -> Any:
        self.reads[key] = self.reads.get(key, 0) + 1
        return super().get(key, default)


def test_each_declared_member_is_read_once_per_event_for_all_column_rules() -> None:
    ctx = _context()
    states = [(code, get(code).scopes[Scope.BATCH](ctx)) for code in COLUMN_CODES]
    batch = Batch(states)
    events = []
    for index, plain in enumerate(_flawed_batch(2 * _columns.CHUNK + 5)):
        event = _CountingEvent(plain)
        event.reads = {}
        batch.feed(index, event)
        events.append(event)
        columns = batch.columns
        assert columns is not None
        assert len(columns.index) < _columns.CHUNK  # a full chunk is taken at once
    for event in events:
        assert set(event.reads.values()) == {1}
        assert set(event.reads) == {
            "event_name",
            "event_time",
            "action_source",
            "custom_data",
            "user_data",
        }


def test_dedup_rules_are_fed_only_the_events_they_can_report_on() -> None:
    fed: dict[str, list[int]] = {"D003": [], "D004": [], "D006": []}
    ctx = _context()
    states = []
    for code in fed:
        cls = get(code).scopes[Scope.BATCH]

        class Spy(cls):  # type: ignore[valid-type,misc]
            def feed(self, index: int, event: dict, _code: str = code) -> Any:
                fed[_code].append(index)
                return super().feed(index, event)

        states.append((get(code), Spy(ctx)))
    batch = Batch(states)
    ids: list[Any] = ["a", None, "  ", 7, "", True, "a"]
    for index, event_id in enumerate(ids):
        event = website_event(event_id=event_id)
        if event_id is None:
            del event["event_id"]
        reported = batch.feed(index, event)
        if index == 6:  # "a" again: D003's duplicate
            assert reported is not None and [r.code for r, _ in reported] == ["D003"]
    assert fed["D003"] == fed["D004"] == [0, 3, 6]
    # absent, blank, empty; `True` is an ID (D005 judges it), but not one to compare
    assert fed["D006"] == [1, 2, 4]


def test_a_column_rule_with_nothing_to_do_is_not_fed() -> None:
    # E006's batch part judges requests without a reference time only.
    cls = get("E006").scopes[Scope.BATCH]
    with_now = cls(_context())
    assert isinstance(with_now, ColumnRule) and not with_now.active
    batch = Batch([(get("E006"), with_now)])
    assert batch.columns is None
