"""S family: envelope shape (S004–S008), unknown keys (S009) and types (S010).

S001–S003 (reading and parsing) are covered in test_loader.py and
test_positions.py.
"""

from __future__ import annotations

import json

import pytest
from helpers import NOW, app_event, body, codes, lint, pointers, user_data, website_event

import capi_lint
from capi_lint.model import Severity


def only(payload, code: str, **kw):
    return [f for f in lint(payload, select=[code], **kw) if f.code == code]


# --------------------------------------------------------------------------- S004


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ('"{\\"data\\": []}"', "is a string"),
        ("42", "is a number"),
        ("1.5", "is a number"),
        ("true", "is a boolean"),
        ("null", "is null"),
    ],
)
def test_s004_scalars(text: str, what: str) -> None:
    [finding] = only(text, "S004")
    assert (finding.pointer, finding.line, finding.column) == ("", 1, 1)
    assert f"top-level value {what};" in finding.message


def test_s004_array_of_non_objects_is_one_finding_at_the_first() -> None:
    [finding] = only([website_event(), "Purchase", 3, None], "S004")
    assert finding.pointer == "/1"
    assert "3 non-object item(s) (index 1, 2, 3)" in finding.message


def test_s004_long_index_list_is_shortened() -> None:
    [finding] = only(list(range(12)), "S004")
    assert "(index 0, 1, 2, 3, 4 …)" in finding.message


@pytest.mark.parametrize(
    "payload",
    [
        body(website_event()),
        website_event(),
        [website_event(), app_event()],
        {"event_time": NOW},  # one event object: has event_time
        {"event_name": "Purchase"},
        {"data": []},  # S007's
        {},  # S005's
    ],
)
def test_s004_accepted_shapes(payload) -> None:
    assert only(payload, "S004") == []


# --------------------------------------------------------------------------- S005


def test_s005_messages_and_pointer() -> None:
    [absent] = only({"events": [website_event()]}, "S005")
    [null] = only({"data": None}, "S005")
    assert absent.pointer == null.pointer == ""
    assert "no `data`" in absent.message
    assert "`data: null`" in null.message


@pytest.mark.parametrize(
    "payload", [website_event(), {"data": "x"}, {"data": {}}, {"data": 0}, {"data": []}]
)
def test_s005_data_present_with_any_value(payload) -> None:
    assert only(payload, "S005") == []


# --------------------------------------------------------------------------- S006


@pytest.mark.parametrize(
    ("data", "kind"),
    [({"event_name": "Purchase"}, "an object"), (1, "a number"), (True, "a boolean")],
)
def test_s006_kinds(data, kind: str) -> None:
    [finding] = only({"data": data}, "S006")
    assert finding.severity is Severity.ERROR
    assert finding.pointer == "/data"
    assert f"`data` is {kind};" in finding.message


@pytest.mark.parametrize("data", ["Purchase", "{}", '{"event_name": "Purchase"}', "[1,", "NaN"])
def test_s006_string_that_is_not_an_encoded_array(data: str) -> None:
    [finding] = only({"data": data}, "S006")
    assert finding.severity is Severity.ERROR
    assert "does not decode to a JSON array" in finding.message


def test_s006_encoded_array_is_info_and_its_events_are_checked() -> None:
    inner = json.dumps([website_event(event_name="add_to_cart", event_time="x")])
    findings = lint({"data": inner}, select=["S006", "E002", "E004"])
    by_code = {f.code: f for f in findings}
    assert by_code["S006"].severity is Severity.INFO
    assert by_code["E002"].pointer == "/data/0/event_name"
    assert by_code["E004"].pointer == "/data/0/event_time"
    # Located at the string, and saying so.
    for code in ("E002", "E004"):
        assert (by_code[code].line, by_code[code].column) == (2, 11)
        assert "JSON-encoded `data` string" in by_code[code].message
    assert "JSON-encoded `data` string" not in by_code["S006"].message.split(";")[1]


def test_s006_encoded_array_without_text() -> None:
    inner = json.dumps([website_event(event_name="purchase")])
    findings = capi_lint.check({"data": inner}, {"select": ["S006", "E002"]}, now=NOW)
    assert sorted((f.code, f.pointer, f.line) for f in findings) == [
        ("E002", "/data/0/event_name", None),
        ("S006", "/data", None),
    ]


def test_s006_can_be_raised_to_error_by_config() -> None:
    inner = json.dumps([website_event()])
    [finding] = only({"data": inner}, "S006", severity={"S006": "error"})
    assert finding.severity is Severity.ERROR


# --------------------------------------------------------------------------- S007


@pytest.mark.parametrize(
    ("payload", "pointer"), [({"data": []}, "/data"), ([], ""), ({"data": "[]"}, "/data")]
)
def test_s007_empty(payload, pointer: str) -> None:
    assert pointers(payload, "S007", select=["S007"]) == [pointer]


@pytest.mark.parametrize("payload", [{"data": [{}]}, {"data": [None]}, [{}], {"data": ["x"]}])
def test_s007_one_invalid_element_is_enough(payload) -> None:
    assert only(payload, "S007") == []


# --------------------------------------------------------------------------- S008


def _events(n: int) -> list[dict]:
    return [{"event_name": "Lead", "event_time": NOW - i} for i in range(n)]


def test_s008_boundary() -> None:
    assert only({"data": _events(1000)}, "S008") == []
    [finding] = only({"data": _events(1001)}, "S008")
    assert finding.pointer == "/data"
    assert "1001 events" in finding.message


def test_s008_top_level_array_and_encoded() -> None:
    assert pointers(_events(1001), "S008", select=["S008"]) == [""]
    assert pointers({"data": json.dumps(_events(1001))}, "S008", select=["S008"]) == ["/data"]
    assert only(_events(1000), "S008") == []


# --------------------------------------------------------------------------- S009


@pytest.mark.parametrize(
    ("key", "where", "hint"),
    [
        ("email", "user_data", "em"),
        ("phone", "user_data", "ph"),
        ("client_ip", "user_data", "client_ip_address"),
        ("Client_User_Agent", "user_data", "client_user_agent"),
        ("zip", "user_data", "zp"),
        ("Event_Name", "event", "event_name"),
        ("eventTime", "event", "event_time"),
        ("actionSource", "event", "action_source"),
        ("event_source_uri", "event", "event_source_url"),
    ],
)
def test_s009_names_the_intended_key(key: str, where: str, hint: str) -> None:
    event = website_event()
    (event["user_data"] if where == "user_data" else event)[key] = "x"
    [finding] = only(body(event), "S009")
    prefix = "/data/0/user_data/" if where == "user_data" else "/data/0/"
    assert finding.pointer == prefix + key
    assert f"did you mean `{hint}`?" in finding.message
    assert finding.fix == f"rename it to `{hint}`"


def test_s009_unknown_key_without_a_hint() -> None:
    [finding] = only(body(website_event(loyalty_tier="gold")), "S009")
    assert finding.message == "unknown key `loyalty_tier` in the event"
    assert "custom_data" in finding.fix


def test_s009_business_messaging_keys_are_known() -> None:
    # Meta's Conversions API for Business Messaging (WhatsApp): user_data carries
    # the WhatsApp Business Account ID beside the click-to-WhatsApp click ID.
    event = {
        "event_name": "Purchase",
        "event_time": NOW - 60,
        "action_source": "business_messaging",
        "messaging_channel": "whatsapp",
        "user_data": {
            "whatsapp_business_account_id": "104996162345678",
            "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO",
        },
        "custom_data": {"currency": "USD", "value": 12.5},
    }
    assert only(body(event), "S009") == []
    event["user_data"]["whatsapp_business_acount_id"] = "1"  # a misspelling still is one
    assert [f.pointer for f in only(body(event), "S009")] == [
        "/data/0/user_data/whatsapp_business_acount_id"
    ]


def test_whatsapp_business_account_id_is_never_hashed() -> None:
    event = website_event(user_data=user_data(whatsapp_business_account_id="a" * 64))
    assert [f.pointer for f in only(body(event), "H006")] == [
        "/data/0/user_data/whatsapp_business_account_id"
    ]


def test_s009_places() -> None:
    event = website_event(original_event_data={"event_name": "Purchase", "order_ref": "1"})
    event["custom_data"]["contents"][1]["sku"] = "x"
    app = app_event()
    app["app_data"]["idfa"] = "x"
    payload = {"data": [event, app], "dataset": "123"}
    assert pointers(payload, "S009", select=["S009"]) == [
        "/data/0/custom_data/contents/1/sku",
        "/data/0/original_event_data/order_ref",
        "/data/1/app_data/idfa",
        "/dataset",
    ]
    [top] = [f for f in lint(payload, select=["S009"]) if f.pointer == "/dataset"]
    assert "in the request body" in top.message


def test_s009_custom_data_and_credentials_pass() -> None:
    event = website_event()
    event["custom_data"].update({"Email": "x", "coupon": {"code": "A", "nested": [1]}})
    payload = {"data": [event], "access_token": "<ACCESS_TOKEN>", "appsecret_proof": "x"}
    event["access_token"] = "<ACCESS_TOKEN>"
    event["user_data"]["appsecret_proof"] = "x"
    assert only(payload, "S009") == []


def test_s009_all_documented_keys_pass() -> None:
    event = website_event(
        referrer_url="https://www.google.com/",
        opt_out=False,
        data_processing_options=[],
        customer_segmentation="new_customer",
        original_event_data={"event_name": "Purchase", "event_time": NOW, "order_id": "1"},
        messaging_channel="whatsapp",
        attribution_data={},
        advanced_measurement_table="x",
    )
    event["user_data"] = user_data(
        db="x", ge="x", subscription_id="x", fb_login_id=1, lead_id=1, anon_id="x",
        madid="x", page_id="x", page_scoped_user_id="x", ctwa_clid="x", ig_account_id="x",
        ig_sid="x", f5first="x", f5last="x", fi="x", dobd="x", dobm="x", doby="x",
    )  # fmt: skip
    event["custom_data"].update(
        {"content_name": "x", "content_category": "x", "predicted_ltv": 1, "net_revenue": 1,
         "num_items": 1, "search_string": "x", "status": "x", "item_number": "x",
         "delivery_category": "curbside"}
    )  # fmt: skip
    event["custom_data"]["contents"][0].update(
        {"title": "x", "description": "x", "brand": "x", "category": "x",
         "delivery_category": "in_store"}
    )  # fmt: skip
    payload = {
        "data": [event, app_event()],
        "test_event_code": "TEST1",
        "partner_agent": "x_1_0",
        "namespace_id": "1",
        "upload_id": "1",
        "upload_tag": "x",
        "upload_source": "x",
    }
    assert only(payload, "S009") == []


def test_s009_message_masks_and_escapes_keys() -> None:
    event = website_event()
    event["user_data"]["john.smith@example.com"] = "x"
    event["\x1b[31mred"] = 1
    event["k" * 60 + "\ud800"] = 1
    messages = [f.message for f in lint(body(event), select=["S009"])]
    assert len(messages) == 3
    text = " ".join(messages)
    assert "john.smith@example.com" not in text
    assert "\x1b" not in text and "\ud800" not in text
    assert "`\\x1b***`" in text


def test_s009_jsonl_event_lines() -> None:
    lines = [json.dumps(website_event()), json.dumps(website_event(eventid="x"))]
    findings = lint("\n".join(lines) + "\n", select=["S009"])
    assert [(f.pointer, f.line, f.event_index) for f in findings] == [("/eventid", 2, 1)]
    assert "did you mean `event_id`?" in findings[0].message


# --------------------------------------------------------------------------- S010


@pytest.mark.parametrize(
    ("path", "value", "pointer", "message"),
    [
        (("opt_out",), "true", "/data/0/opt_out", "opt_out is a string; expected a boolean"),
        (("user_data",), [{}], "/data/0/user_data", "user_data is an array; expected an object"),
        (("data_processing_options",), "LDU", "/data/0/data_processing_options", "is a string"),
        (("data_processing_options_country",), "1", "/data/0/data_processing_options_country",
         "data_processing_options_country is a string; expected an integer"),
        (("user_data", "em"), {"v": 1}, "/data/0/user_data/em",
         "user_data.em is an object; expected a string or an array of them"),
        (("user_data", "zp"), 94025, "/data/0/user_data/zp", "user_data.zp is an integer"),
        (("user_data", "client_ip_address"), ["1.2.3.4"], "/data/0/user_data/client_ip_address",
         "is an array; expected a string"),
        (("event_name",), 3, "/data/0/event_name", "event_name is an integer"),
        (("custom_data",), "x", "/data/0/custom_data", "custom_data is a string"),
    ],
)  # fmt: skip
def test_s010_wrong_types(path, value, pointer: str, message: str) -> None:
    event = website_event()
    node = event
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    [finding] = only(body(event), "S010")
    assert finding.pointer == pointer
    assert message in finding.message


def test_s010_event_that_is_not_an_object() -> None:
    findings = only({"data": [website_event(), "AddToCart", 7]}, "S010")
    assert [(f.pointer, f.message) for f in findings] == [
        ("/data/1", "event 1 is not an object (a string that is not JSON)"),
        ("/data/2", "event 2 is not an object"),
    ]


@pytest.mark.parametrize(
    "overrides",
    [
        {"user_data": user_data(fb_login_id=100012345678901, lead_id="1234567890123456")},
        {"user_data": user_data(fb_login_id="100012345678901", lead_id=1234567890123456)},
        {"user_data": user_data(fn=["a" * 64, "b" * 64], ct=["c" * 64])},
        {"event_time": "1763799880"},  # E004's
        {"event_time": 1.5},
        {"custom_data": {"value": "12.50", "currency": "USD", "num_items": "2"}},  # C004's
        {"custom_data": {"value": 1, "currency": "USD", "contents": "sku-1"}},  # C006's
        {"custom_data": {"value": 1, "currency": "USD", "content_ids": "sku-1"}},  # C007's
        {"opt_out": None, "event_source_url": None},  # nulls: presence rules judge them
        {"user_data": user_data(em=None, ph=[None])},
    ],
)
def test_s010_not_reported(overrides) -> None:
    assert only(body(website_event(**overrides)), "S010") == []


def test_s010_app_data_types_owned_elsewhere() -> None:
    event = app_event()
    event["app_data"].update(
        {"advertiser_tracking_enabled": "yes", "application_tracking_enabled": 2, "extinfo": "x"}
    )
    assert only(body(event), "S010") == []
    event["app_data"]["consider_views"] = "true"
    assert pointers(body(event), "S010", select=["S010"]) == ["/data/0/app_data/consider_views"]


def test_s010_request_level_types() -> None:
    payload = {"data": [website_event()], "test_event_code": 12345, "partner_agent": ["x"]}
    assert sorted(pointers(payload, "S010", select=["S010"])) == [
        "/partner_agent",
        "/test_event_code",
    ]


def test_s009_and_s010_on_odd_values_do_not_crash() -> None:
    event = website_event()
    event["user_data"] = {"em": [[[]]], "ph": {"a": {"b": None}}, "": 1, "x" * 1000: None}
    event["custom_data"] = {"contents": [None, 1, "x", {"id": {}}], "value": float("nan")}
    assert {"S009", "S010"} <= set(codes(body(event), select=["S"], text=False))


def test_s009_a_non_string_key_from_a_library_caller() -> None:
    # A Python dict may carry an int key: a finding, not a traceback (no suggestion).
    found = [f for f in lint(body(website_event() | {1: "x"}), text=False) if f.code == "S009"]
    assert [(f.pointer, f.message) for f in found] == [("/data/0", "unknown key `1` in the event")]
