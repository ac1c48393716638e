"""E family: event_name, event_time windows, action_source, URLs, data processing options."""

from __future__ import annotations

import pytest
from helpers import (
    NOW,
    app_event,
    assert_clean,
    assert_finds,
    body,
    ecosystem_file,
    event,
    lint,
    store_event,
    user_data,
    website_event,
)

import capi_lint
from capi_lint.model import Severity

DAY = 86_400


def hits(code: str, *events, text: bool = True, **config):
    payload = body(*events)
    return [f for f in lint(payload, select=[code], text=text, **config) if f.code == code]


def where(code: str, *events, **config) -> list[str]:
    return [f.pointer for f in hits(code, *events, **config)]


def without(event: dict, key: str) -> dict:
    return {k: v for k, v in event.items() if k != key}


# --------------------------------------------------------------------------- E001


def test_e001_absent_null_empty_blank() -> None:
    found = hits(
        "E001",
        without(website_event(event_id="o-1"), "event_name"),
        website_event(event_id="o-2", event_name=None),
        website_event(event_id="o-3", event_name=""),
        website_event(event_id="o-4", event_name=" \t\n"),
    )
    assert [(f.pointer, f.message) for f in found] == [
        ("/data/0", "event has no `event_name`"),
        ("/data/1", "`event_name` is null"),
        ("/data/2/event_name", "`event_name` is empty"),
        ("/data/3/event_name", "`event_name` is empty"),
    ]
    assert all(f.event_index == i for i, f in enumerate(found))


@pytest.mark.parametrize("name", ["Purchase", "pLTVPurchase", "x", "Newsletter signup", 3, []])
def test_e001_any_present_value_passes(name) -> None:
    assert hits("E001", website_event(event_name=name)) == []


# --------------------------------------------------------------------------- E002


@pytest.mark.parametrize(
    ("name", "standard"),
    [
        ("purchase", "Purchase"),
        ("PURCHASE", "Purchase"),
        ("Add To Cart", "AddToCart"),
        ("add_to_cart", "AddToCart"),
        ("view-content", "ViewContent"),
        (" Lead ", "Lead"),
        ("complete_registration", "CompleteRegistration"),
    ],
)
def test_e002_variants(name: str, standard: str) -> None:
    [finding] = hits("E002", website_event(event_name=name))
    assert finding.pointer == "/data/0/event_name"
    assert finding.severity is Severity.WARNING
    assert f"standard event {standard!r}" in finding.message
    assert finding.fix == f'use "{standard}"'


#: Meta's standard events, written out here (not imported from the rule it checks):
#: https://developers.facebook.com/docs/meta-pixel/reference
STANDARD = [
    "AddPaymentInfo", "AddToCart", "AddToWishlist", "CompleteRegistration", "Contact",
    "CustomizeProduct", "Donate", "FindLocation", "InitiateCheckout", "Lead", "PageView",
    "Purchase", "Schedule", "Search", "StartTrial", "SubmitApplication", "Subscribe",
    "ViewContent",
]  # fmt: skip


@pytest.mark.parametrize("name", [*STANDARD, "pLTVPurchase", "B2B Purchase", "Purchases"])
def test_e002_exact_and_custom_names_pass(name: str) -> None:
    assert hits("E002", website_event(event_name=name)) == []


# --------------------------------------------------------------------------- E003


def test_e003_absent_and_null() -> None:
    found = hits(
        "E003",
        without(website_event(event_id="o-1"), "event_time"),
        website_event(event_id="o-2", event_time=None),
    )
    assert [(f.pointer, f.message) for f in found] == [
        ("/data/0", "event has no `event_time`"),
        ("/data/1", "`event_time` is null"),
    ]


@pytest.mark.parametrize("value", [0, "x", False, [], 1.5])
def test_e003_any_present_value_passes(value) -> None:
    assert hits("E003", website_event(event_time=value)) == []


# --------------------------------------------------------------------------- E004


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1763799880", "a numeric string with a sign or spaces"),
        (" 1763799880", "a numeric string with a sign or spaces"),
        ("2025-11-22T08:24:40Z", "a string (ISO 8601 or other text)"),
        ("1763799880.5", "a string (ISO 8601 or other text)"),
        (True, "a boolean"),
        ([NOW], "an array"),
        ({"seconds": NOW}, "an object"),
        (NOW - 120.5, "has a fractional part"),
    ],
)
def test_e004_errors(value, message: str) -> None:
    [finding] = hits("E004", website_event(event_time=value))
    assert finding.severity is Severity.ERROR
    assert finding.pointer == "/data/0/event_time"
    assert message in finding.message


def test_e004_integral_float_is_info_only() -> None:
    [finding] = hits("E004", website_event(event_time=float(NOW - 120)))
    assert finding.severity is Severity.INFO
    assert "decimal point" in finding.message
    # ... and the time rules still judge it as a number of seconds.
    assert hits("E006", website_event(event_time=float(NOW - 8 * DAY)))


def test_e004_numeric_string_is_a_warning_that_says_graph_accepts_it() -> None:
    # Segment's production destination sends every event_time as a digit string.
    [finding] = hits("E004", website_event(event_time=str(NOW - 120)))
    assert finding.severity is Severity.WARNING
    assert "numeric string" in finding.message and "accepts" in finding.message
    assert finding.fix == "send the Unix time as a JSON integer"


def test_numeric_string_event_time_is_judged_by_its_value() -> None:
    # 13 digits are still milliseconds; an old or future number is still old or future.
    assert hits("E005", website_event(event_time=str((NOW - 120) * 1000)))
    assert hits("E006", website_event(event_time=str(NOW - 8 * DAY)))
    assert hits("E007", website_event(event_time=str(NOW + 3600)))
    assert hits("E008", website_event(event_time=str(NOW - 3 * 3600)))
    fresh = website_event(event_time=str(NOW - 120))
    assert [f.code for f in lint(body(fresh), select=["E005", "E006", "E007", "E008"])] == []


def test_numeric_string_millisecond_time_stays_an_error() -> None:
    event = website_event(event_time=str((NOW - 120) * 1000))
    found = {f.code: f.severity for f in lint(body(event), select=["E004", "E005"])}
    assert found == {"E004": Severity.WARNING, "E005": Severity.ERROR}


@pytest.mark.parametrize(
    ("source", "name", "now"),
    [
        ("action-destinations", "001-addtocart-should-handle-a-basic-event.json", 1631210400),
        ("gtm-capi-tag", "001-requestdata-4b46cf3.json", 123456789),
        ("posthog", "005-hog-template-meta-ads-function-works.json", 1728812163),
    ],
)
def test_real_numeric_string_event_times_are_warnings(source: str, name: str, now: int) -> None:
    # Segment's production destination, Meta's GTM tag test and PostHog's Hog
    # template send event_time as a digit string; Graph reads the number.
    text = ecosystem_file(source, name).read_text(encoding="utf-8")
    found = [f for f in lint(text, now=now, select=["E"]) if f.code.startswith("E00")]
    assert [(f.code, f.severity) for f in found] == [("E004", Severity.WARNING)]
    # ... and the time rules judge the number: a week later it is too old.
    later = [f.code for f in lint(text, now=now + 8 * DAY, select=["E006"])]
    assert later == ["E006"]


def test_real_iso_event_time_stays_an_error() -> None:
    text = ecosystem_file(
        "action-destinations", "011-custom-should-map-a-standard-identify-ev.json"
    ).read_text(encoding="utf-8")
    [finding] = [f for f in lint(text, now=1631210400, select=["E004"])]
    assert finding.severity is Severity.ERROR and "ISO 8601" in finding.message


def test_iso_event_time_is_not_judged_by_the_time_rules() -> None:
    event = website_event(event_time="2015-02-23T22:28:55.111Z")
    assert [f.code for f in lint(body(event), select=["E004", "E005", "E006", "E007"])] == ["E004"]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_e004_non_finite(value: float) -> None:
    [finding] = hits("E004", website_event(event_time=value), text=False)
    assert "not a finite number" in finding.message


@pytest.mark.parametrize("value", [NOW, 0, -5, None])
def test_e004_integers_pass(value) -> None:
    assert hits("E004", website_event(event_time=value)) == []


# --------------------------------------------------------------------------- E005


def test_e005_milliseconds_and_microseconds() -> None:
    # NOW is 1763800000; the event happened two minutes earlier.
    assert_finds(
        event(event_time=1763799880000),
        "E005",
        at="/event_time",
        message="milliseconds (13 digits)",
        severity="error",
    )
    [us] = assert_finds(event(event_time=1763799880000000), "E005", at="/event_time")
    assert "microseconds (16 digits)" in us.message
    assert us.fix == "divide by 1000000: 1763799880"


def test_e005_says_what_to_divide_by() -> None:
    [ms] = assert_finds(event(event_time=1763799880000), "E005")
    assert ms.fix == "divide by 1000: 1763799880"


def test_e005_boundary_and_floats() -> None:
    assert_finds(event(event_time=100_000_000_000), "E005")  # 10**11: 12 digits
    assert_clean(event(event_time=99_999_999_999), "E005")
    assert_finds(event(event_time=1763799880000.0), "E005")


def test_e005_huge_values_do_not_crash() -> None:
    [finding] = hits("E005", website_event(event_time=10**5000), text=False)
    assert "far too large" in finding.message
    assert len(finding.message) < 200 and len(finding.fix) < 200


@pytest.mark.parametrize("value", [NOW, NOW - 30 * DAY, NOW + DAY, 1, "2025-11-22T08:24:40Z"])
def test_e005_seconds_pass(value) -> None:
    assert_clean(event(event_time=value), "E005")


# --------------------------------------------------------------------------- E006


def test_e006_website_boundary() -> None:
    assert_clean(event(event_time=NOW - 7 * DAY), "E006")
    assert_finds(
        event(event_time=NOW - 7 * DAY - 1), "E006", at="/event_time", message="at most 7 days"
    )


def test_e006_physical_store_window() -> None:
    assert_clean(store_event(), "E006")  # 30 days
    assert_clean(store_event(event_time=NOW - 62 * DAY), "E006")
    assert_finds(
        store_event(event_time=NOW - 62 * DAY - 1), "E006", message="62 days for physical_store"
    )
    # The long window is for physical_store only.
    assert_finds(app_event(event_time=NOW - 30 * DAY), "E006")


def test_e006_quiet_when_e005_fired() -> None:
    in_ms = website_event(event_time=(NOW - 30 * DAY) * 1000)
    assert [f.code for f in lint(body(in_ms), select=["E005", "E006"])] == ["E005"]


def test_e006_options() -> None:
    four_days = event(event_time=NOW - 4 * DAY)
    assert_clean(four_days, "E006")
    assert_finds(four_days, "E006", options={"E006": {"max-age-days": 3}})
    store = store_event(event_time=NOW - 40 * DAY)
    assert_finds(store, "E006", options={"E006": {"physical-store-max-age-days": 31}})


def test_e006_reference_time_comes_from_now() -> None:
    assert_finds(event(event_time=NOW - 120), "E006", now=NOW + 8 * DAY)


@pytest.mark.parametrize("value", [-(10**5000), -1e300, -5], ids=["huge", "float", "small"])
def test_e006_absurd_past_values(value) -> None:
    [finding] = hits("E006", website_event(event_time=value), text=False)
    assert "days before" in finding.message or "more than 100 years" in finding.message


# --------------------------------------------------------------------------- E007


def test_e007_tolerance() -> None:
    assert_clean(event(event_time=NOW + 60), "E007")
    assert_finds(event(event_time=NOW + 61), "E007", message="61 seconds after", severity="warning")
    assert_finds(event(event_time=NOW + 5400), "E007", message="1.5 hours after")


def test_e007_tolerance_option() -> None:
    half_an_hour_ahead = event(event_time=NOW + 1800)
    assert_finds(half_an_hour_ahead, "E007")
    assert_clean(half_an_hour_ahead, "E007", options={"E007": {"tolerance-seconds": 3600}})


def test_e007_quiet_for_milliseconds() -> None:
    in_ms = website_event(event_time=(NOW + 3600) * 1000)
    assert [f.code for f in lint(body(in_ms), select=["E005", "E007"])] == ["E005"]


# --------------------------------------------------------------------------- E008


@pytest.mark.parametrize(
    ("age", "wording"),
    [
        (3600 + 1, "Meta recommends sending within 1 hour"),
        (3 * 3600, "more than 2 hours can significantly reduce performance"),
        (30 * 3600, "24 hours or more may cause significant attribution"),
    ],
)
def test_e008_wording_escalates(age: int, wording: str) -> None:
    [finding] = hits("E008", website_event(event_time=NOW - age))
    assert finding.severity is Severity.INFO
    assert wording in finding.message


@pytest.mark.parametrize(
    "event",
    [
        website_event(event_time=NOW - 3600),
        website_event(event_time=NOW - 1800),
        store_event(event_time=NOW - 3 * DAY),
        store_event(event_time=NOW - 5 * 3600, action_source="system_generated"),
        website_event(
            event_time=NOW - 5 * 3600,
            original_event_data={"event_name": "Purchase", "event_time": NOW - 5 * 3600},
        ),
        website_event(event_time=NOW - 8 * DAY),  # E006's
    ],
)
def test_e008_quiet(event) -> None:
    assert hits("E008", event) == []


@pytest.mark.parametrize("source", [[], {}, ["physical_store"], 3, None])
def test_time_rules_with_odd_action_source(source) -> None:
    # Regression: a list action_source made E008's set membership test raise.
    event = website_event(event_time=NOW - 5 * 3600, action_source=source)
    assert [f.code for f in lint(body(event), select=["E006", "E007", "E008"])] == ["E008"]


# --------------------------------------------------------------------------- E009 / E010


def test_e009() -> None:
    found = hits(
        "E009",
        without(website_event(event_id="o-1"), "action_source"),
        website_event(event_id="o-2", action_source=None),
        website_event(event_id="o-3", action_source=""),
        website_event(event_id="o-4", action_source="  "),
        website_event(event_id="o-5", action_source="Website"),  # E010's
    )
    assert [(f.pointer, f.message) for f in found] == [
        ("/data/0", "event has no `action_source`"),
        ("/data/1", "`action_source` is null"),
        ("/data/2/action_source", "`action_source` is empty"),
        ("/data/3/action_source", "`action_source` is empty"),
    ]
    assert "website" in found[0].fix


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("Website", "website"),
        ("WEBSITE", "website"),
        (" website", "website"),
        ("web", "website"),
        ("offline", "physical_store"),
        ("store", "physical_store"),
        ("in-store", "physical_store"),
        ("whatsapp", "business_messaging"),
        ("Phone Call", "phone_call"),
        ("physical-store", "physical_store"),
        ("facebook", None),
        ("crm", "system_generated"),
    ],
)
def test_e010_hints(value: str, hint: str | None) -> None:
    [finding] = hits("E010", website_event(action_source=value))
    assert finding.pointer == "/data/0/action_source"
    if hint:
        assert f"did you mean {hint!r}?" in finding.message
        assert finding.fix == f'use "{hint}"'
    else:
        assert "did you mean" not in finding.message


def test_e010_long_value_is_shortened() -> None:
    [finding] = hits("E010", website_event(action_source="x" * 200))
    assert "x" * 31 not in finding.message


@pytest.mark.parametrize("value", ["jo@x.io", "John Smith", "+16505551212", "EAAB" + "x7Kq2" * 8])
def test_e010_masks_values_that_are_not_identifiers(value: str) -> None:
    [finding] = hits("E010", website_event(action_source=value))
    assert value not in finding.message
    assert value not in (finding.fix or "")


#: Meta's action_source values, written out here (server-event parameters page,
#: https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/server-event).
ACTION_SOURCE_VALUES = [
    "website", "app", "email", "phone_call", "chat", "physical_store", "system_generated",
    "business_messaging", "other",
]  # fmt: skip


@pytest.mark.parametrize("value", [*ACTION_SOURCE_VALUES, None, "", 3, ["website"]])
def test_e010_passes(value) -> None:
    assert hits("E010", store_event(action_source=value)) == []


# --------------------------------------------------------------------------- E011


def test_e011_names_what_is_missing() -> None:
    found = hits(
        "E011",
        without(website_event(event_id="o-1"), "event_source_url"),
        website_event(event_id="o-2", user_data=user_data(client_user_agent=None)),
        website_event(event_id="o-3", event_source_url=" "),
        without(without(website_event(event_id="o-4"), "user_data"), "event_source_url"),
        website_event(event_id="o-5", user_data=[1]),
    )
    assert [(f.pointer, f.message) for f in found] == [
        ("/data/0", "website event has no `event_source_url`"),
        ("/data/1/user_data", "website event has no `user_data.client_user_agent`"),
        ("/data/2", "website event has no `event_source_url`"),
        ("/data/3", "website event has no `event_source_url`"),
        ("/data/3", "website event has no `user_data.client_user_agent`"),
        ("/data/4", "website event has no `user_data.client_user_agent`"),
    ]


def test_e011_other_sources_and_malformed_values_pass() -> None:
    assert hits("E011", app_event(), store_event(), store_event(action_source="other")) == []
    malformed = website_event(
        event_source_url="/checkout", user_data=user_data(client_user_agent="x")
    )
    assert hits("E011", malformed) == []


# --------------------------------------------------------------------------- E012


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("/checkout/thank-you", "has no scheme"),
        ("shop.example.com/checkout", "has no scheme"),
        ("//shop.example.com/checkout", "has no scheme"),
        ("http://localhost:3000/x", "points at localhost"),
        ("https://app.localhost/x", "points at localhost"),
        ("http://127.0.0.1/x", "points at localhost"),
        ("file:///C:/thank-you.html", "file: scheme"),
        ("ftp://shop.example.com/x", "ftp: scheme"),
        ("https://shop.example.com/a b", "contains whitespace"),
        ("https://shop.example.com/\n", "contains whitespace"),
        (" https://shop.example.com/", "contains whitespace"),
        ("https://", "has no host"),
        ("https://[::1/x", "not a valid URL"),
    ],
)
def test_e012_bad_urls(url: str, problem: str) -> None:
    [finding] = hits("E012", website_event(event_source_url=url))
    assert finding.pointer == "/data/0/event_source_url"
    assert problem in finding.message
    assert url.strip() not in finding.message or not url.strip()


def test_e012_referrer_url() -> None:
    found = hits("E012", website_event(referrer_url="/landing"))
    assert [f.pointer for f in found] == ["/data/0/referrer_url"]


@pytest.mark.parametrize(
    "url",
    [
        "https://shop.example.com/checkout?step=3&utm_source=fb#summary",
        "https://bücher.example/warenkorb",
        "https://xn--bcher-kva.example/warenkorb",
        "https://shop.example.com/thank-you.AQ",
        "https://shop.example.com/p?fbclid=IwAR2xYz.Ag1b2C3d",
        "http://shop.example.com:8080/p/42",
        "https://203.0.113.7/checkout",
        "HTTPS://SHOP.EXAMPLE.COM/",
    ],
)
def test_e012_good_urls(url: str) -> None:
    assert hits("E012", website_event(event_source_url=url, referrer_url=url)) == []


@pytest.mark.parametrize("value", [None, "", 3, ["https://x.example/"]])
def test_e012_non_strings_are_other_rules(value) -> None:
    assert hits("E012", website_event(event_source_url=value)) == []


# --------------------------------------------------------------------------- E013


def dpo(options=..., country=..., state=...) -> dict:
    extra = {}
    if options is not ...:
        extra["data_processing_options"] = options
    if country is not ...:
        extra["data_processing_options_country"] = country
    if state is not ...:
        extra["data_processing_options_state"] = state
    return website_event(**extra)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (dpo(["ldu"], 1, 1000), [("/data/0/data_processing_options/0", "'ldu' is not documented")]),
        (dpo(["LDU", "CCPA"], 1, 1000),
         [("/data/0/data_processing_options/1", "'CCPA' is not documented")]),
        (dpo(["LDU"], 1), [("/data/0", "only one of")]),
        (dpo(["LDU"], state=1000), [("/data/0", "only one of")]),
        (dpo(["LDU"], 2, 6), [("/data/0/data_processing_options_country", "2 is not a documented"),
                              ("/data/0/data_processing_options_state", "6 is not a documented")]),
        (dpo([], 0, 0), [("/data/0", "have no effect")]),
        (dpo(country=1, state=1000), [("/data/0", "have no effect")]),
    ],
)  # fmt: skip
def test_e013_triggers(event, expected) -> None:
    found = hits("E013", event)
    assert len(found) == len(expected), [f.message for f in found]
    for finding, (pointer, text) in zip(found, expected, strict=True):
        assert finding.pointer == pointer
        assert text in finding.message


@pytest.mark.parametrize(
    "event",
    [
        dpo(["LDU"], 0, 0),
        dpo(["LDU"], 1, 1000),
        dpo([]),
        dpo(),
        dpo(["LDU"]),  # documented: Meta geolocates
        dpo(None, None, None),
    ],
)
def test_e013_passes(event) -> None:
    assert hits("E013", event) == []


def test_e013_masks_odd_option_values() -> None:
    for value in ("john.smith@example.com", "jo@x.io", "Jo Li"):
        [finding] = hits("E013", dpo([value], 1, 1000))
        assert value not in finding.message
    [finding] = hits("E013", dpo([{"LDU": True}], 1, 1000))
    assert "object with 1 keys" in finding.message


def test_clean_builders_are_clean_under_every_e_rule() -> None:
    events = [website_event(), app_event(), store_event()]
    assert capi_lint.check(body(*events), {"select": ["E"]}, now=NOW) == []
