"""The comparing batch rules keep flat memory on JSON Lines files of any size.

Each remembers the last `window` distinct keys (rules/_util.RecentKeys); a
duplicate inside the window is found, one further back is not, and what a
rule has already concluded (an IP that reached min-users) is never forgotten.
"""

from __future__ import annotations

import json

from helpers import lint, sha, user_data, website_event

from capi_lint.rules._util import RecentKeys
from capi_lint.rules.batch import _ValueCounter


def _jsonl(events: list[dict]) -> str:
    return "".join(json.dumps(e) + "\n" for e in events)


def _event(i: int, **overrides) -> dict:
    return website_event(event_id=f"ev-{i}", **overrides)


def test_recent_keys_forgets_the_oldest_past_the_limit() -> None:
    recent = RecentKeys(3)
    for key in "abcd":
        assert recent.setdefault(key, key.upper()) == key.upper()
    assert len(recent) == 3
    assert recent.get("a") is None
    assert recent.setdefault("b", "other") == "B"
    assert [recent.get(k) for k in "bcd"] == ["B", "C", "D"]


def _duplicate_at_distance(distance: int, window: int) -> list[str]:
    events = [_event(i) for i in range(distance)]
    events.append(_event(0))
    config = {"select": ["D003"], "options": {"D003": {"window": window}}}
    return [f"{f.line}:{f.pointer}" for f in lint(_jsonl(events), **config)]


def test_d003_finds_a_duplicate_inside_the_window() -> None:
    assert _duplicate_at_distance(5, window=5) == ["6:/event_id"]


def test_d003_forgets_keys_beyond_the_window() -> None:
    assert _duplicate_at_distance(6, window=5) == []


def test_b005_window_bounds_the_order_ids_compared() -> None:
    def events(gap: int) -> str:
        rows = [_event(0, custom_data={"order_id": "o-1", "value": 1, "currency": "USD"})]
        rows += [
            _event(i, custom_data={"order_id": f"o-x{i}", "value": 1, "currency": "USD"})
            for i in range(1, gap)
        ]
        rows.append(_event(gap, custom_data={"order_id": "o-1", "value": 2, "currency": "USD"}))
        return _jsonl(rows)

    config = {"select": ["B005"], "options": {"B005": {"window": 4}}}
    assert [f.code for f in lint(events(4), **config)] == ["B005"]
    assert lint(events(6), **config) == []


def test_b006_keeps_a_flagged_ip_after_it_leaves_the_window() -> None:
    shared = "31.13.64.35"
    rows = [
        _event(i, user_data=user_data(client_ip_address=shared, em=sha(f"u{i}@example.org")))
        for i in range(5)
    ]
    # Many other addresses push the shared one out of a window of 3.
    rows += [
        _event(10 + i, user_data=user_data(client_ip_address=f"31.13.65.{i}")) for i in range(10)
    ]
    config = {"select": ["B006"], "options": {"B006": {"window": 3}}}
    assert [f.code for f in lint(_jsonl(rows), **config)] == ["B006"]


def test_value_counter_stays_bounded_and_keeps_the_dominant_value() -> None:
    counter = _ValueCounter(limit=10)
    for index in range(1000):
        counter.add(index, index)  # 1000 distinct values...
        counter.add(-1, index)  # ...and one that dominates
    assert len(counter.counts) <= 20
    value, count, _ = counter.top()
    assert (value, count) == (-1, 1000)


class _Options:
    def option(self, code: str, name: str) -> object:
        return {"min-events": 10, "min-distinct-share": 0.25}[name]


def test_b003_counts_every_time_of_day_in_a_long_file() -> None:
    # More distinct times of day than the window: B003 must still see them all.
    from capi_lint.rules.batch import SingleTimeOfDay

    rule = SingleTimeOfDay(_Options())
    for index in range(60_000):
        rule.feed(index, {"event_time": 1_763_000_000 + index})
    assert rule.tods.distinct == 60_000 and rule.tods.dense
    assert rule.finish() is None


def test_b003_real_times_over_more_events_than_a_day_has_seconds_pass() -> None:
    # 400,000 events over 30 days: every time of day is taken, and 86,400 is
    # far below 25 % of the events. The share is of the times a day can have.
    from capi_lint.rules.batch import SingleTimeOfDay

    rule = SingleTimeOfDay(_Options())
    for index in range(400_000):
        rule.feed(index, {"event_time": 1_760_000_000 + index * 6 + index % 7})
    assert rule.tods.distinct == 86_400
    assert rule.finish() is None


def test_b003_date_only_times_in_a_long_file_are_found_in_the_dense_table() -> None:
    # 3,000 fixed times of day (past the dict form), repeated over 100 days;
    # the most frequent one is not among the first sampled, so no indexes.
    from capi_lint.rules.batch import SingleTimeOfDay

    rule = SingleTimeOfDay(_Options())
    index = 0
    for day in range(100):
        for slot in range(3_000):
            rule.feed(index, {"event_time": 1_700_006_400 + day * 86_400 + slot * 7})
            index += 1
    for _ in range(50):  # one time of day (slot 2,999) gets the most events
        rule.feed(index, {"event_time": 1_700_006_400 + 2_999 * 7})
        index += 1
    assert rule.tods.dense
    (hit,) = rule.finish()
    assert "3000 distinct time(s) of day" in hit.message
    assert "150 are at" in hit.message and "index" not in hit.message
    assert hit.extra["events"] == 150 and hit.extra["indexes"] == []


def test_value_caches_stay_bounded_and_give_each_value_its_own_verdict() -> None:
    # Verdicts on values that repeat across events (a visitor's cookies and
    # address, a site's URLs) are cached; a file of distinct values must not
    # grow the caches, and a cached verdict is the value's own.
    from capi_lint.rules._userdata import parse_cookie
    from capi_lint.rules.customer import ip_problem
    from capi_lint.rules.event import _url_problem

    for cache in (parse_cookie, ip_problem, _url_problem):
        cache.cache_clear()
    for i in range(6_000):
        parse_cookie("fbp", f"fb.1.1763713600{i % 1000:03d}.{1_000_000 + i}")
        ip_problem(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
        _url_problem(f"https://shop.example.com/p/{i}")
    for cache in (parse_cookie, ip_problem, _url_problem):
        info = cache.cache_info()
        assert info.maxsize is not None and info.currsize <= info.maxsize < 6_000
    assert ip_problem("10.0.0.1")[1] is not None and ip_problem("8.8.8.8") == (None, None)
    assert parse_cookie("fbp", "fb.1.1763713600123.1000000").problem is None  # type: ignore[union-attr]
    assert parse_cookie("fbp", "fb.1.1763713600.1000000").problem is not None  # type: ignore[union-attr]
    assert _url_problem("https://localhost/x") is not None
