"""E, C, D and S009/S010 findings at the edges of their rules' cheap conditions
(``when=``), through the engine's compiled tier: the values a condition must
let through although the clean case is decided without calling the check."""

from __future__ import annotations

import pytest
from helpers import DROP, NOW, assert_clean, assert_finds, event


@pytest.mark.parametrize("value", ["1763799880000", 1763799880000.0])
def test_e005_milliseconds_not_as_an_int(value: object) -> None:
    assert_finds(event(event_time=value), "E005", at="/event_time", message="milliseconds")


def test_e006_reads_its_windows() -> None:
    shrunk = {"E006": {"max-age-days": 0, "physical-store-max-age-days": 0}}
    assert_finds(event(event_time=NOW - 60), "E006", at="/event_time", options=shrunk)
    assert_clean(event(event_time=NOW - 60), "E006")


def test_e007_reads_its_tolerance() -> None:
    assert_finds(event(event_time=NOW), "E007", options={"E007": {"tolerance-seconds": -10}})
    assert_clean(event(event_time=NOW), "E007")


def test_e008_one_hour() -> None:
    assert_finds(event(event_time=NOW - 3601), "E008", at="/event_time")
    assert_clean(event(event_time=NOW - 3600), "E008")


def test_e012_a_referrer_alone() -> None:
    assert_finds(event(referrer_url="ftp://shop.example.com/"), "E012", at="/referrer_url")


def test_e016_append_value_without_original() -> None:
    assert_finds(event(event_name="AppendValue"), "E016", at="")


@pytest.mark.parametrize("event_id", ["\u2003", "0", "ev-{{id}}", "n/a", 12])
def test_d005_suspicious_ids(event_id: object) -> None:
    assert_finds(event(event_id=event_id), "D005", at="/event_id")


def test_d001_blank_event_id() -> None:
    assert_finds(event(event_id=" ", user_data={"em": ["x" * 64]}), "D001", at="")


def test_c002_blank_currency() -> None:
    custom = event()["custom_data"] | {"currency": " "}
    assert_finds(event(custom_data=custom), "C002", at="/custom_data/currency")


def test_c003_padded_common_code() -> None:
    custom = event()["custom_data"] | {"currency": "USD "}
    assert_finds(event(custom_data=custom), "C003", message="spaces")


def test_c005_negative_purchase_value() -> None:
    custom = event()["custom_data"] | {"value": -1}
    assert_finds(event(custom_data=custom), "C005", at="/custom_data/value")


def test_c005_currency_without_value() -> None:
    custom = event()["custom_data"] | {"value": DROP}
    custom = {k: v for k, v in custom.items() if v is not DROP}
    assert_finds(event(event_name="AddToCart", custom_data=custom), "C005", at="/custom_data")


def test_c008_delivery_category_in_contents() -> None:
    custom = event()["custom_data"]
    custom["contents"][1]["delivery_category"] = "home"
    assert_finds(event(custom_data=custom), "C008", at="/custom_data/contents/1/delivery_category")


def test_c011_c012_a_crm_marker_on_a_website_event() -> None:
    custom = event()["custom_data"] | {"lead_event_source": "HubSpot"}
    assert_finds(event(custom_data=custom), "C011", at="/custom_data")
    custom = event()["custom_data"] | {"event_source": "CRM "}
    assert_finds(event(custom_data=custom), "C012", at="/custom_data")


def test_s010_alone_without_s009() -> None:
    # S009's condition fills the shared memo; S010 must find its own way without it.
    assert_finds(event(opt_out="true"), "S010", at="/opt_out")
    assert_finds(event(opt_out="true", Email="x"), "S010", at="/opt_out", select=["S010"])
    assert_finds(event(opt_out="true", Email="x"), "S009", at="/Email", select=["S009"])
