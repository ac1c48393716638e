"""B rules: batch statistics in one pass, thresholds as options, findings at
the batch with counts and the first indexes."""

from __future__ import annotations

import json

import pytest
from helpers import (
    DROP,
    NOW,
    app_event,
    body,
    codes,
    lint,
    sha,
    store_event,
    user_data,
    website_event,
)

from capi_lint.config import build_settings
from capi_lint.engine import Context
from capi_lint.registry import Scope, get

B = ["B"]


def store(i: int, **kw):
    base = {
        "event_id": f"pos-{i}",
        "event_time": NOW - 86_400 - i * 3_613,
        "user_data": {"em": [sha(f"s{i}@example.com")], "ph": [sha(f"4420794600{i:02d}")]},
        "custom_data": {"value": 20.0 + i, "currency": "GBP", "order_id": str(20_000 + i)},
    }
    base.update(kw)
    return store_event(**base)


def web(i: int, **kw):
    base = {
        "event_id": f"order-{i}",
        "event_time": NOW - 100 - 41 * i,
        "user_data": user_data(
            em=[sha(f"c{i}@example.com")],
            external_id=[sha(f"user-{i}")],
            fbp=f"fb.1.1763790000000.{1234567890 + i}",
            client_ip_address=f"2a03:2880:f12f:83:face:b00c:{i:x}:25de",
        ),
    }
    base.update(kw)
    event = website_event(**base)
    if "custom_data" in event and "custom_data" not in kw:
        event["custom_data"] = {**event["custom_data"], "order_id": str(i), "value": 10.0 + i}
    return event


def found(payload, code: str, **kw):
    kw.setdefault("select", B)
    return [f for f in lint(payload, **kw) if f.code == code]


def test_clean_batches() -> None:
    assert codes(body(*[web(i) for i in range(30)]), select=B) == []
    assert codes(body(*[store(i) for i in range(30)]), select=B) == []
    assert codes(body(website_event(), app_event(), store_event()), select=B) == []


def test_one_instance_per_batch_one_feed_per_event() -> None:
    calls = []
    cls = get("B004").scopes[Scope.BATCH]

    class Spy(cls):
        def feed(self, index, event):
            calls.append(index)
            return super().feed(index, event)

    ctx = Context(build_settings({}), NOW, "x", {})
    state = Spy(ctx)
    for index, event in enumerate([store(i) for i in range(12)]):
        state.feed(index, event)
    assert state.finish() is None and calls == list(range(12))


# --------------------------------------------------------------------------- B001


def _no_key(event):
    event["user_data"] = {"ct": sha("london"), "country": sha("gb")}
    return event


def test_b001_rate_and_levels() -> None:
    events = [store(i) for i in range(20)]
    _no_key(events[4])
    _no_key(events[11])
    hits = found(body(*events), "B001")
    assert [(f.pointer, f.event_index) for f in hits] == [("/data", None)]
    assert hits[0].extra == {"events": 2, "indexes": [4, 11], "rate": 0.1}
    assert "warning level" in hits[0].message and "index 4, 11" in hits[0].message
    for i in range(12, 20):
        _no_key(events[i])
    assert "error level" in found(body(*events), "B001")[0].message


def test_b001_thresholds() -> None:
    events = [store(i) for i in range(20)]
    _no_key(events[0])  # exactly 5 %
    assert found(body(*events), "B001") == []
    assert found(body(*[_no_key(store(i)) for i in range(9)]), "B001") == []
    options = {"B001": {"min-events": 5, "warn-rate": 0.5}}
    assert found(body(*[_no_key(store(i)) for i in range(6)]), "B001", options=options) != []


@pytest.mark.parametrize(
    "user",
    [
        {"external_id": "crm-1"},
        {"madid": "6D92078A-8246-4BA4-AE5B-76104861E7DC"},
        {"fn": sha("a"), "ln": sha("b"), "zp": sha("94025")},
        {"fn": sha("a"), "ln": sha("b"), "ct": sha("menlopark") + ".AQ"},
        {"ph": ["", sha("16505551212")]},
    ],
)
def test_b001_contact_keys(user: dict) -> None:
    assert found(body(*[store(i, user_data=user) for i in range(10)]), "B001") == []


@pytest.mark.parametrize(
    "user",
    [
        {"em": "john@example.com"},  # not hashed: not well-formed in hashed mode
        {"madid": "00000000-0000-0000-0000-000000000000"},
        {"fn": sha("a"), "ln": sha("b")},
        {"external_id": ""},
    ],
)
def test_b001_not_contact_keys(user: dict) -> None:
    assert found(body(*[store(i, user_data=user) for i in range(10)]), "B001") != []


def test_b001_raw_mode_accepts_raw_values() -> None:
    events = [store(i, user_data={"em": f"s{i}@example.com"}) for i in range(10)]
    assert found(body(*events), "B001", pii="raw") == []


def test_b001_browser_keys_count_for_website_events_only() -> None:
    anon = {"client_ip_address": "2a03:2880::1", "client_user_agent": "Mozilla/5.0 (X11; Linux)"}
    assert found(body(*[web(i, user_data=anon, custom_data=DROP) for i in range(10)]), "B001") == []
    offline = [store(i, user_data={"fbp": "fb.1.1763790000000.1"}) for i in range(10)]
    assert found(body(*offline), "B001") != []


# --------------------------------------------------------------------------- B002


def test_b002_same_value() -> None:
    events = [store(i, custom_data={"value": 1, "currency": "GBP"}) for i in range(10)]
    hits = found(body(*events), "B002")
    assert hits[0].extra["events"] == 10 and "(1)" in hits[0].message
    assert found(body(*events[:9]), "B002") == []


def test_b002_values_differ_or_fixed_price() -> None:
    events = [store(i, custom_data={"value": 9.99, "currency": "GBP"}) for i in range(12)]
    events[7]["custom_data"]["value"] = 19.99
    assert found(body(*events), "B002") == []
    subs = [
        store(i, event_name="Subscribe", custom_data={"value": 9.99, "currency": "GBP"})
        for i in range(12)
    ]
    assert found(body(*subs), "B002") != []
    options = {"B002": {"fixed-price-events": ["Subscribe"]}}
    assert found(body(*subs), "B002", options=options) == []


# --------------------------------------------------------------------------- B003 / B004


def test_b003_date_only() -> None:
    midnight = NOW // 86_400 * 86_400
    events = [store(i, event_time=midnight - (1 + i % 4) * 86_400) for i in range(12)]
    hits = found(body(*events), "B003")
    assert "00:00:00 UTC" in hits[0].message and hits[0].extra["events"] == 12


def test_b003_shifted_date_only_and_a_few_real_times() -> None:
    five_am = NOW // 86_400 * 86_400 + 5 * 3600
    events = [store(i, event_time=five_am - (1 + i % 6) * 86_400) for i in range(20)]
    events[3]["event_time"] -= 1234
    events[9]["event_time"] -= 4321
    hits = found(body(*events), "B003")
    assert "05:00:00" in hits[0].message and "3 distinct" in hits[0].message


def test_b003_bursts_and_spread_pass() -> None:
    burst = [web(i, event_time=NOW - 100 - i // 5) for i in range(20)]
    assert found(body(*burst), "B003") == []
    assert found(body(*[store(i) for i in range(20)]), "B003") == []
    one_stamp = [store(i, event_time=NOW - 3600) for i in range(20)]
    assert found(body(*one_stamp), "B003") == []  # B004's


def test_b004_shared_time() -> None:
    events = [store(i, event_time=NOW - 3600) for i in range(18)] + [store(18), store(19)]
    hits = found(body(*events), "B004")
    assert hits[0].extra["events"] == 18 and "2025-11-22T07:26:40Z" in hits[0].message
    assert found(body(*events[:17], store(17), store(18), store(19)), "B004") == []  # 85 %


def test_b004_small_bursts_and_milliseconds_pass() -> None:
    assert found(body(*[web(i, event_time=NOW - 60) for i in range(9)]), "B004") == []
    ms = [store(i, event_time=(NOW - 60) * 1000) for i in range(12)]
    assert found(body(*ms), "B004") == []  # E005's


# --------------------------------------------------------------------------- B005


def test_b005_repeated_order() -> None:
    events = [store(i) for i in range(5)] + [store(2, event_id="retry"), store(4, event_id="r2")]
    hits = found(body(*events), "B005")
    assert [f.pointer for f in hits] == ["/data"]
    assert hits[0].extra == {"events": 2, "indexes": [5, 6], "first_pair": [2, 5]}
    assert "event 5 repeats event 2" in hits[0].message


def test_b005_other_names_and_item_numbers_pass() -> None:
    checkout = web(0, event_name="InitiateCheckout")
    a, b = store(1), store(1, event_id="line-2")
    a["custom_data"]["item_number"] = "1"
    b["custom_data"]["item_number"] = "2"
    assert found(body(checkout, web(0), a, b), "B005") == []


def test_b005_numbers_and_strings_are_one_order() -> None:
    a, b = store(1), store(1, event_id="x")
    b["custom_data"]["order_id"] = 20_001
    assert found(body(a, b), "B005") != []


# --------------------------------------------------------------------------- B006


def test_b006_server_ip() -> None:
    events = [web(i) for i in range(7)]
    for event in events[1:6]:
        event["user_data"]["client_ip_address"] = "151.101.1.69"
    hits = found(body(*events), "B006")
    assert hits[0].extra == {"events": 5, "indexes": [1, 2, 3, 4, 5]}
    assert "151.101.1.69" not in hits[0].message


def test_b006_one_user_private_or_below_threshold_pass() -> None:
    one_user = [web(i, user_data=user_data(client_ip_address="151.101.1.69")) for i in range(9)]
    private = [
        web(
            i,
            user_data=user_data(
                em=[sha(str(i))], external_id=[sha(str(i))], client_ip_address="10.1.2.3"
            ),
        )
        for i in range(9)
    ]
    four = [web(i) for i in range(4)]
    for event in four:
        event["user_data"]["client_ip_address"] = "151.101.1.69"
    mapped_private = [web(i) for i in range(6)]
    for event in mapped_private:
        event["user_data"]["client_ip_address"] = "::ffff:192.168.0.10"
    for events in (one_user, private, four, mapped_private):
        assert found(body(*events), "B006") == []


def test_b006_counts_an_appendix_ip_as_its_address() -> None:
    # The parameter builder adds a per-visit token; the server's address is still one IP.
    events = [web(i) for i in range(7)]
    for event, token in zip(events[1:6], ["AQ", "Ag", "AQQAAQMC", "AQ", "Ag"], strict=True):
        event["user_data"]["client_ip_address"] = f"151.101.1.69.{token}"
    hits = found(body(*events), "B006")
    assert hits[0].extra == {"events": 5, "indexes": [1, 2, 3, 4, 5]}
    private = [web(i) for i in range(6)]
    for event in private:
        event["user_data"]["client_ip_address"] = "10.1.2.3.AQ"
    assert found(body(*private), "B006") == []


# --------------------------------------------------------------------------- streams


def test_jsonl_event_lines_are_one_batch() -> None:
    events = [store(i, custom_data={"value": 5, "currency": "GBP"}) for i in range(10)]
    text = "".join(json.dumps(e) + "\n" for e in events)
    hits = found(text, "B002")
    assert [(f.pointer, f.line, f.column) for f in hits] == [("", 1, 1)]


def test_jsonl_request_lines_also_run_over_the_whole_file() -> None:
    lines = [
        body(*[store(5 * n + i, custom_data={"value": 5, "currency": "GBP"}) for i in range(5)])
        for n in range(2)
    ]
    text = "".join(json.dumps(line) + "\n" for line in lines)
    hits = found(text, "B002")
    assert len(hits) == 1 and hits[0].extra["events"] == 10
