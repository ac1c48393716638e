"""AppendAttribution / AppendValue and original_event_data: E014, E015, E016."""

from __future__ import annotations

import json

import pytest
from helpers import DROP, NOW, body, codes, ecosystem_file, lint, pointers, user_data, website_event

APPEND = ["E014", "E015", "E016"]
HOUR = 3600
DAY = 86_400


def append(name: str, original_time=NOW - 6 * HOUR, **kw):
    event = {
        "event_name": name,
        "event_time": NOW - 600,
        "action_source": "website",
        "event_id": f"{name}-1",
        "event_source_url": "https://shop.example.com/thank-you",
        "user_data": user_data(),
        "original_event_data": {
            "event_name": "Purchase",
            "event_time": original_time,
            "order_id": "10001",
            "event_id": "order-10001",
        },
        "custom_data": {"currency": "USD", "predicted_ltv": 420.0},
    }
    event.update(kw)
    return {k: v for k, v in event.items() if v is not DROP}


@pytest.mark.parametrize("name", ["AppendAttribution", "AppendValue"])
def test_complete_append_events_are_clean(name: str) -> None:
    assert codes(body(append(name)), select=APPEND) == []


def test_stapes_appendvalue_has_a_1970_original_time() -> None:
    path = ecosystem_file("stape-facebook-tag", "003-appendvalue-d47449b.json")
    found = [(f.code, f.pointer) for f in lint(path.read_text("utf-8"), select=APPEND, now=NOW)]
    assert found == [("E014", "/data/0/original_event_data/event_time")]


@pytest.mark.parametrize(
    ("value", "flagged"),
    [
        (17555555, True),
        (999_999_999, True),
        (0, True),
        (-1, True),
        ((NOW - HOUR) * 1000, True),
        (1_000_000_000, False),
        (NOW - HOUR, False),
        (float(NOW - HOUR), False),
        (str(NOW - HOUR), False),  # a string is S010's
        (True, False),
    ],
)
def test_e014_original_time(value, flagged: bool) -> None:
    event = append("AppendValue", original_time=value)
    assert codes(body(event), select=["E014"]) == (["E014"] if flagged else [])


def test_e014_on_any_event_with_original_event_data() -> None:
    event = website_event(original_event_data={"event_name": "Purchase", "event_time": 17555555})
    assert codes(body(event), select=["E014"]) == ["E014"]


@pytest.mark.parametrize(
    ("name", "gap", "flagged"),
    [
        ("AppendAttribution", 48 * HOUR, False),
        ("AppendAttribution", 48 * HOUR + 1, True),
        ("AppendAttribution", 0, False),
        ("AppendAttribution", -1, True),
        ("AppendValue", 7 * DAY, False),
        ("AppendValue", 7 * DAY + 1, True),
        ("AppendValue", -HOUR, True),
        ("Purchase", 30 * DAY, False),
    ],
)
def test_e015_window(name: str, gap: int, flagged: bool) -> None:
    event = append(name, original_time=NOW - 600 - gap)
    assert codes(body(event), select=["E015"]) == (["E015"] if flagged else [])


def test_e015_needs_no_reference_time() -> None:
    event = append("AppendAttribution", original_time=NOW - 600 - 83 * HOUR)
    for now in (NOW, NOW + 365 * DAY):
        [finding] = lint(body(event), select=["E015"], now=now)
        assert finding.pointer == "/data/0/event_time"
        assert "83.0 hours" in finding.message and "48 hours" in finding.message


def test_e015_leaves_an_implausible_original_time_to_e014() -> None:
    event = append("AppendValue", original_time=17555555)
    assert codes(body(event), select=APPEND) == ["E014"]


def test_e015_on_metas_own_appendattribution_example() -> None:
    # The web example of Meta's AppendAttribution reference: the append event
    # (1633552688, 2021) is dated years before its original Purchase (1717503323).
    event = {
        "event_name": "AppendAttribution",
        "event_time": 1633552688,
        "event_id": "event.id.123",
        "action_source": "website",
        "event_source_url": "http://jaspers-market.com/product/123",
        "attribution_data": {
            "ad_id": 12345,
            "touchpoint_ts": 1714849203,
            "attribution_share": 0.3,
            "attribution_value": 100.2,
        },
        "original_event_data": {
            "event_name": "Purchase",
            "event_time": 1717503323,
            "order_id": "ORD-2024-0001234",
        },
        "custom_data": {"currency": "USD"},
        "user_data": {"client_user_agent": "Mozilla/5.0", "client_ip_address": "168.212.226.204"},
    }
    [finding] = lint(json.dumps(body(event)), select=APPEND, now=1633552688)
    assert finding.code == "E015" and "before" in finding.message


@pytest.mark.parametrize(
    ("name", "original", "pointer"),
    [
        ("AppendAttribution", DROP, "/data/0"),
        ("AppendValue", DROP, "/data/0"),
        (
            "AppendAttribution",
            {"event_name": "Purchase", "order_id": "1"},
            "/data/0/original_event_data",
        ),
        (
            "AppendAttribution",
            {"event_name": " ", "event_time": NOW - HOUR},
            "/data/0/original_event_data",
        ),
        (
            "AppendValue",
            {"event_name": "Purchase", "event_time": NOW - HOUR},
            "/data/0/original_event_data",
        ),
        ("AppendValue", {"order_id": "1"}, "/data/0/original_event_data"),
    ],
)
def test_e016_incomplete(name: str, original, pointer: str) -> None:
    event = append(name, original_event_data=original)
    assert pointers(body(event), "E016", select=["E016"]) == [pointer]


@pytest.mark.parametrize(
    ("name", "original"),
    [
        ("AppendAttribution", {"event_name": "Purchase", "event_time": NOW - HOUR}),
        ("AppendValue", {"event_name": "Purchase", "order_id": "10001"}),
        ("AppendValue", {"event_name": "Purchase", "event_id": "order-10001"}),
        ("AppendValue", "not an object"),  # S010's
        ("Purchase", DROP),
    ],
)
def test_e016_complete_or_not_judged(name: str, original) -> None:
    event = append(name, original_event_data=original)
    assert codes(body(event), select=["E016"]) == []
