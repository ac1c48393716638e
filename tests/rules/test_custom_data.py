"""C rules: Purchase value and currency, ISO 4217, numeric fields, contents,
content_ids, enums, basket consistency (C009) and order_id shape (C010)."""

from __future__ import annotations

import json

import pytest
from helpers import (
    DROP,
    app_event,
    body,
    codes,
    ecosystem_file,
    lint,
    pointers,
    store_event,
    website_event,
)

from capi_lint.model import Severity
from capi_lint.rules.custom_data import iso_currencies

C = ["C"]


def with_custom(**custom):
    """The clean website Purchase with custom_data keys replaced (DROP removes)."""
    event = website_event()
    event["custom_data"].update(custom)
    event["custom_data"] = {k: v for k, v in event["custom_data"].items() if v is not DROP}
    return event


def found(event, code: str, **kw):
    return [f for f in lint(body(event), select=C, **kw) if f.code == code]


@pytest.mark.parametrize("builder", [website_event, app_event, store_event])
def test_builders_are_clean(builder) -> None:
    assert codes(body(builder()), select=C) == []


# --------------------------------------------------------------------------- C001 / C002


def test_c001_missing_value_points_at_custom_data() -> None:
    assert [f.pointer for f in found(with_custom(value=DROP), "C001")] == ["/data/0/custom_data"]


def test_c001_no_custom_data_points_at_the_event() -> None:
    hits = found(website_event(custom_data=DROP), "C001")
    assert [f.pointer for f in hits] == ["/data/0"]


def test_c001_zero_is_a_value_and_other_events_pass() -> None:
    assert found(with_custom(value=0), "C001") == []
    assert found(website_event(event_name="AddToCart", custom_data=DROP), "C001") == []
    # A case variant is a custom event (E002's), not a Purchase.
    assert found(website_event(event_name="purchase", custom_data=DROP), "C001") == []


@pytest.mark.parametrize("currency", [DROP, None, "", "  "])
def test_c002_missing_or_blank_currency(currency) -> None:
    assert len(found(with_custom(currency=currency), "C002")) == 1


def test_c002_any_case_passes() -> None:
    assert found(with_custom(currency="usd"), "C002") == []


# --------------------------------------------------------------------------- C003


@pytest.mark.parametrize(
    ("currency", "hint"),
    [
        ("US$", "USD"),
        ("€", "EUR"),
        ("EURO", "EUR"),
        ("dollars", "USD"),
        ("eu", "EUR"),
        ("£", "GBP"),
    ],
)
def test_c003_symbols_and_names_name_the_code(currency: str, hint: str) -> None:
    hits = found(with_custom(currency=currency), "C003")
    assert [f.pointer for f in hits] == ["/data/0/custom_data/currency"]
    assert hits[0].severity.value == "error"
    assert f"did you mean '{hint}'" in hits[0].message


@pytest.mark.parametrize("currency", ["usd", "USD", "Eur", "chf", "XOF", "ZWG", "sle"])
def test_c003_iso_codes_in_any_case_pass(currency: str) -> None:
    assert found(with_custom(currency=currency), "C003") == []


def test_c003_withdrawn_codes_are_warnings() -> None:
    hits = found(with_custom(currency="DEM"), "C003")
    assert [f.severity.value for f in hits] == ["warning"]
    assert "withdrawn" in hits[0].message


def test_c003_spaces_around_a_code() -> None:
    hits = found(with_custom(currency=" USD "), "C003")
    assert "spaces" in hits[0].message and hits[0].fix == 'send "USD"'


def test_c003_non_strings_and_blanks_are_other_rules() -> None:
    assert found(with_custom(currency=840), "C003") == []
    assert found(with_custom(currency=""), "C003") == []


def test_iso_table_comes_from_pycountry() -> None:
    table = iso_currencies()
    assert {"USD", "EUR", "JPY", "CHF"} <= table and "DEM" not in table


# --------------------------------------------------------------------------- C004


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (" 129.99", "a numeric string"),
        ("1e3", "a numeric string"),
        ("5.000,00", "a locale-formatted string"),
        ("12,50", "a locale-formatted string"),
        ("$12", "a string"),
        (True, "a boolean"),
        ({"amount": 1}, "an object"),
    ],
)
def test_c004_value_not_a_number(value, words: str) -> None:
    hits = found(with_custom(value=value), "C004")
    assert [f.pointer for f in hits] == ["/data/0/custom_data/value"]
    assert words in hits[0].message


def test_c004_numeric_string_fix_shows_the_number() -> None:
    assert found(with_custom(value="130"), "C004")[0].fix == "send the number unquoted: 130"


@pytest.mark.parametrize("value", ["12.5", "130", "-4.25", "0"])
def test_c004_plain_numeric_value_string_is_a_warning_graph_accepts(value: str) -> None:
    # Segment's production destination and Meta's GTM tag send value as a string.
    [finding] = found(with_custom(value=value), "C004")
    assert finding.severity is Severity.WARNING
    assert "numeric string" in finding.message and "accepts" in finding.message


@pytest.mark.parametrize("name", ["001-requestdata-4b46cf3.json", "002-requestdata-25f6d1c.json"])
def test_c004_real_gtm_tag_value_string_is_a_warning(name: str) -> None:
    # Meta's own sGTM tag test body: value, num_items and predicted_ltv are strings.
    text = ecosystem_file("gtm-capi-tag", name).read_text(encoding="utf-8")
    severities = {f.pointer: f.severity for f in lint(text, select=["C004"])}
    assert severities == {
        "/data/0/custom_data/value": Severity.WARNING,
        "/data/0/custom_data/num_items": Severity.ERROR,
        "/data/0/custom_data/predicted_ltv": Severity.ERROR,
    }


def test_c004_numeric_strings_in_other_fields_stay_errors() -> None:
    event = with_custom(predicted_ltv="10", net_revenue="2.5")
    severities = {f.pointer: f.severity for f in found(event, "C004")}
    assert severities == {
        "/data/0/custom_data/predicted_ltv": Severity.ERROR,
        "/data/0/custom_data/net_revenue": Severity.ERROR,
    }
    assert found(with_custom(value="12,50"), "C004")[0].severity is Severity.ERROR


def test_c004_non_finite_from_a_python_dict() -> None:
    hits = found(with_custom(value=float("nan")), "C004", text=False)
    assert [f.pointer for f in hits] == ["/data/0/custom_data/value"]
    assert "finite" in hits[0].message


def test_c004_other_fields() -> None:
    event = with_custom(predicted_ltv="10", net_revenue=[1], num_items=2.5)
    event["custom_data"]["contents"][0]["item_price"] = "99.99"
    assert [f.pointer for f in found(event, "C004")] == [
        "/data/0/custom_data/contents/0/item_price",
        "/data/0/custom_data/predicted_ltv",
        "/data/0/custom_data/net_revenue",
        "/data/0/custom_data/num_items",
    ]


def test_c004_integral_float_num_items_is_info() -> None:
    hits = found(with_custom(num_items=3.0), "C004")
    assert [(f.severity.value, f.fix) for f in hits] == [("info", "send 3")]


def test_c004_numbers_pass() -> None:
    event = with_custom(value=130, predicted_ltv=25.5, net_revenue=0, num_items=3)
    assert found(event, "C004") == []
    assert found(with_custom(value=None), "C004") == []


# --------------------------------------------------------------------------- C005


def test_c005_negative_value() -> None:
    hits = found(with_custom(value=-5), "C005")
    assert [f.pointer for f in hits] == ["/data/0/custom_data/value"]


def test_c005_refund_events_are_configurable() -> None:
    refund = website_event(event_name="Refund", custom_data={"value": -5.0, "currency": "USD"})
    assert found(refund, "C005") == []
    chargeback = website_event(
        event_name="Chargeback", custom_data={"value": -5, "currency": "USD"}
    )
    assert len(found(chargeback, "C005")) == 1
    options = {"C005": {"refund-events": ["Chargeback"]}}
    assert found(chargeback, "C005", options=options) == []


def test_c005_value_and_currency_travel_together() -> None:
    atc = website_event(event_name="AddToCart", custom_data={"value": 10.0})
    view = website_event(event_name="ViewContent", custom_data={"currency": "EUR"})
    assert "without `currency`" in found(atc, "C005")[0].message
    assert "without `value`" in found(view, "C005")[0].message
    assert (
        found(website_event(event_name="Lead", custom_data={"value": 0, "currency": "EUR"}), "C005")
        == []
    )


def test_c005_currency_may_belong_to_net_revenue_or_an_appended_value() -> None:
    margin = website_event(
        event_name="Subscribe", custom_data={"currency": "USD", "net_revenue": 4}
    )
    append = website_event(event_name="AppendValue", custom_data={"currency": "BRL"})
    assert found(margin, "C005") == [] and found(append, "C005") == []
    # Without net_revenue an ordinary event is still reported.
    plain = website_event(event_name="Subscribe", custom_data={"currency": "USD"})
    assert "without `value`" in found(plain, "C005")[0].message


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("stape-facebook-tag", "003-appendvalue-d47449b.json"),
        ("stape-facebook-tag", "006-appendvalue-0921cc8.json"),
        ("action-destinations", "029-purchase-should-handle-net-revenue-field.json"),
    ],
)
def test_c005_real_net_revenue_and_appendvalue_bodies_pass(source: str, name: str) -> None:
    text = ecosystem_file(source, name).read_text(encoding="utf-8")
    custom = json.loads(text)["data"][0]["custom_data"]
    assert "net_revenue" in custom and "currency" in custom
    assert [f for f in lint(text, select=["C005"]) if f.code == "C005"] == []


def test_c005_leaves_purchases_to_c001_c002() -> None:
    assert found(with_custom(currency=DROP), "C005") == []
    assert found(with_custom(value=DROP), "C005") == []


# --------------------------------------------------------------------------- C006 / C007 / C008


def test_c006_item_problems() -> None:
    event = with_custom(
        contents=[{"id": "a", "quantity": -1}, {"id": None, "quantity": 1}, 7, {"id": "b"}]
    )
    assert [f.pointer for f in found(event, "C006")] == [
        "/data/0/custom_data/contents/0/quantity",
        "/data/0/custom_data/contents/1",
        "/data/0/custom_data/contents/2",
    ]


def test_c006_contents_not_an_array() -> None:
    assert [f.pointer for f in found(with_custom(contents={"id": "a"}), "C006")] == [
        "/data/0/custom_data/contents"
    ]


def test_c006_sdk_fields_pass() -> None:
    item = {
        "id": "a",
        "quantity": 1,
        "title": "t",
        "description": "d",
        "brand": "b",
        "category": "c",
    }
    assert found(with_custom(contents=[item], content_ids=["a"]), "C006") == []


@pytest.mark.parametrize("ids", ["sku-1", [], {"0": "sku"}])
def test_c007_not_an_id_array(ids) -> None:
    assert [f.pointer for f in found(with_custom(content_ids=ids), "C007")] == [
        "/data/0/custom_data/content_ids"
    ]


def test_c007_items() -> None:
    hits = found(with_custom(content_ids=["a", 2, 3.0, None, " ", False, {}]), "C007")
    assert [f.pointer.rsplit("/", 1)[1] for f in hits] == ["3", "4", "5", "6"]


def test_c008_hints_and_exact_values() -> None:
    hits = found(
        with_custom(content_type="Product Group", delivery_category="Home-Delivery"), "C008"
    )
    assert ["product_group" in hits[0].message, "home_delivery" in hits[1].message] == [True, True]
    assert found(with_custom(content_type="product", delivery_category="curbside"), "C008") == []
    assert found(with_custom(content_type=5), "C008") == []  # S010's


# --------------------------------------------------------------------------- C009 / C010


def test_c009_ids_disagree() -> None:
    hits = found(with_custom(content_ids=["sku-1", "sku-3"]), "C009")
    assert [f.pointer for f in hits] == ["/data/0/custom_data/content_ids"]
    assert hits[0].severity.value == "info"


def test_c009_order_and_type_do_not_matter() -> None:
    assert found(with_custom(content_ids=["sku-2", "sku-1"]), "C009") == []
    ints = with_custom(
        content_ids=[1, 2], contents=[{"id": "1", "quantity": 1}, {"id": "2", "quantity": 1}]
    )
    assert found(ints, "C009") == []


def test_c009_num_items_is_the_sum_of_quantities() -> None:
    assert found(with_custom(num_items=3), "C009") == []
    hits = found(with_custom(num_items=2), "C009")
    assert [(f.pointer, f.fix) for f in hits] == [
        ("/data/0/custom_data/num_items", "send num_items = 3")
    ]


def test_c009_needs_both_sides() -> None:
    assert found(with_custom(contents=DROP, num_items=7), "C009") == []
    assert found(with_custom(content_ids=DROP), "C009") == []
    partial = with_custom(num_items=9)
    partial["custom_data"]["contents"][1].pop("quantity")
    assert found(partial, "C009") == []


@pytest.mark.parametrize(
    ("order_id", "words"),
    [
        ("", "empty"),
        ("null", "placeholder"),
        ("{{ order.id }}", "template"),
        ("1001 ", "whitespace"),
    ],
)
def test_c010_suspicious(order_id: str, words: str) -> None:
    hits = found(with_custom(order_id=order_id), "C010")
    assert [f.pointer for f in hits] == ["/data/0/custom_data/order_id"]
    assert words in hits[0].message


@pytest.mark.parametrize("order_id", ["10001", "A-10001/2025", "0000123", 10001])
def test_c010_real_order_ids_pass(order_id) -> None:
    assert found(with_custom(order_id=order_id), "C010") == []


def test_custom_data_not_an_object_is_left_to_s010() -> None:
    event = website_event(event_name="AddToCart", custom_data=["value", 10])
    assert codes(body(event), select=C) == []
    assert pointers(body(website_event(custom_data="x")), "C001", select=C) == []
