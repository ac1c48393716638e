"""H013: plain email addresses and phone numbers outside user_data."""

from __future__ import annotations

import json

import pytest
from helpers import NOW, body, codes, lint, pointers, sha, store_event, website_event

H = ["H013"]

#: custom_data of rudder-transformer's facebook_pixel bodies (their `data` items
#: are JSON strings; the events are rebuilt here with the same custom_data).
RUDDER_CUSTOM_DATA = {
    "015": {"additional_bet_index": 0, "email": "abc@gmail.com", "value": 400},
    "016": {"additional_bet_index": 0, "email": "abc@gmail.com", "value": 400},
    "035": {
        "email": "abc@gmail.com",
        "anonymousId": "c82cbdff-e5be-4009-ac78-cdeea09ab4b1",
        "whitelistProp1": "val1",
        "category": "dummy",
        "quantity": 10,
        "value": 100,
        "product_id": "12345",
        "content_type": "product_group",
        "content_ids": ["dummy"],
        "contents": [{"id": "dummy", "quantity": 1}],
        "currency": "USD",
    },
    "043": {"additional_bet_index": 0, "email": "abc@gmail.com", "value": 400},
    "044": {
        "additional_bet_index": 0,
        "email": "abc@gmail.com",
        "phone": "593a6d58f34eb5c3de4f47e38d1faaa7d389fafe332a85400b1e54498391c579",
        "value": 400,
    },
    "047": {
        "phone": "593a6d58f34eb5c3de4f47e38d1faaa7d389fafe332a85400b1e54498391c579",
        "email": "abc@gmail.com",
        "category": "cat 1",
        "list_id": "1234",
        "filters[0].type": "department",
        "sorts[0].value": "desc",
        "testDimension": True,
        "content_ids": ["cat 1"],
        "value": 0,
        "currency": "USD",
    },
}


@pytest.mark.parametrize("number", sorted(RUDDER_CUSTOM_DATA))
def test_rudderstack_email_in_custom_data(number: str) -> None:
    event = website_event(event_name="spin_result", custom_data=RUDDER_CUSTOM_DATA[number])
    # the hashed `phone` of 044 and 047 is not reported
    assert pointers(body(event), "H013", select=H) == ["/data/0/custom_data/email"]


def test_clean_builders() -> None:
    assert codes(body(website_event(), store_event()), select=H) == []


@pytest.mark.parametrize(
    ("key", "value", "flagged"),
    [
        ("email", "ann.lee@example.co.uk", True),
        ("note", "ann.lee@example.co.uk", True),
        ("contact", "+44 20 7946 0958", True),
        ("contact", "+1 (650) 555-1212", True),
        ("phone", "0151 1234567", True),
        ("phoneNumber", "6505551212", True),
        ("customer_mobile", 4915112345678, True),
        ("tel", "030-1234567", True),
        ("email", sha("abc@gmail.com"), False),
        ("phone", sha("16505551212"), False),
        ("order_id", "16505551212", False),
        ("sku", 4915112345678, False),
        ("image", "https://cdn.example.com/logo@2x.png", False),
        ("handle", "@shop", False),
        ("email", "ann@localhost", False),
        ("email", "not-an-email", False),
        ("promo", "+10%", False),
        ("phone", "12345", False),
        ("telemetry", "1234567890", False),
    ],
)
def test_what_counts_as_contact_data(key: str, value, flagged: bool) -> None:
    event = website_event(custom_data={"value": 1.0, "currency": "USD", key: value})
    assert codes(body(event), select=H) == (["H013"] if flagged else [])


def test_nested_properties_and_other_event_keys() -> None:
    event = website_event(
        event_id="ann@example.com",
        custom_data={
            "value": 1.0,
            "currency": "USD",
            "people": [{"phones": ["+33 1 23 45 67 89"]}],
        },
    )
    assert pointers(body(event), "H013", select=H) == [
        "/data/0/event_id",
        "/data/0/custom_data/people/0/phones/0",
    ]


@pytest.mark.parametrize(
    ("url", "flagged"),
    [
        ("https://shop.example.com/thanks?email=ann%40example.com", True),
        ("https://shop.example.com/thanks?utm_source=x#/done?mobile=07946000001", True),
        ("https://shop.example.com/thanks?ph=%2B447946000001", True),
        ("https://shop.example.com/u/ann@example.com/orders", False),
        ("https://shop.example.com/thanks?order=10001&ref=abc", False),
        ("http://[::1", False),
    ],
)
def test_urls_only_their_query(url: str, flagged: bool) -> None:
    event = website_event(event_source_url=url)
    assert codes(body(event), select=H) == (["H013"] if flagged else [])


def test_user_data_is_left_to_the_h_and_n_rules() -> None:
    event = store_event(user_data={"em": ["ann@example.com"], "ph": ["+447946000001"]})
    assert codes(body(event), select=H) == []


def test_messages_and_pointers_never_show_the_value() -> None:
    event = website_event(
        custom_data={"value": 1.0, "currency": "USD", "ann@example.com": "bob@example.org"}
    )
    [finding] = lint(body(event), select=H)
    shown = json.dumps([finding.pointer, finding.message, finding.fix])
    assert "ann@example.com" not in shown and "bob@example.org" not in shown
    assert finding.pointer == "/data/0/custom_data"


def test_deep_and_wide_custom_data_is_bounded() -> None:
    deep: dict = {"email": "ann@example.com"}
    for _ in range(200):
        deep = {"x": deep}
    wide = [{"id": str(i)} for i in range(50_000)] + [{"email": "ann@example.com"}]
    event = website_event(custom_data={"deep": deep, "contents": wide, "value": 1.0})
    event["event_time"] = NOW - 60
    assert codes(body(event), select=H) == []


@pytest.mark.parametrize(
    ("extra", "pointer"),
    [
        # only the member name says phone, in camelCase, deep in a list
        ({"custom_data": {"people": [{"customerMobileNo": "0151 1234567"}]}}, "people/0"),
        # an integer under a phone name
        ({"custom_data": {"contacts": [{"tel": 4915112345678}]}}, "contacts/0/tel"),
        # a list under a top-level member whose name says phone
        ({"PHONE": ["0151 1234567"]}, "PHONE/0"),
        # a `+` number in a list in a list
        ({"custom_data": {"x": [["+44 20 7946 0958"]]}}, "x/0/0"),
        # lists of strings are joined, mixed lists walked
        ({"custom_data": {"x": ["sku-1", "ann@example.com"]}}, "x/1"),
        ({"custom_data": {"x": ["sku-1", 2, "+44 20 7946 0958"]}}, "x/2"),
    ],
)
def test_the_cheap_condition_lets_through_what_the_walk_finds(extra: dict, pointer: str) -> None:
    """H013's condition clears events at C speed; what the walk reports must pass it."""
    event = website_event()
    for key, value in extra.items():
        event[key] = {**event[key], **value} if key == "custom_data" else value
    found = pointers(body(event), "H013", select=H)
    assert len(found) == 1 and pointer in found[0]


def test_the_cheap_condition_is_false_on_clean_events() -> None:
    from capi_lint import envelope, registry
    from capi_lint.config import build_settings
    from capi_lint.engine import Context
    from capi_lint.tiers import holds

    ctx = Context(build_settings({}, now=NOW), NOW, "case.json")
    ctx.kind = envelope.EVENT
    when = registry.get("H013").when
    assert when is not None
    assert not any(holds(when, event, ctx) for event in (website_event(), store_event()))
    assert holds(when, website_event(event_id="ann@example.com"), ctx)
