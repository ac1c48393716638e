"""A rules: what each action_source needs and must not carry."""

from __future__ import annotations

import pytest
from helpers import (
    DROP,
    NOW,
    app_event,
    body,
    codes,
    ecosystem_file,
    lint,
    sha,
    store_event,
    user_data,
    website_event,
)

A = ["A"]


def bm(**kw):
    event = {
        "event_name": "Purchase",
        "event_time": NOW - 300,
        "action_source": "business_messaging",
        "messaging_channel": "whatsapp",
        "event_id": "wa-1",
        "user_data": {"ph": [sha("447946000001")], "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ"},
        "custom_data": {"value": 15.0, "currency": "GBP"},
    }
    event.update(kw)
    return {k: v for k, v in event.items() if v is not DROP}


def found(payload, code: str, **kw):
    return [f for f in lint(payload, select=A, **kw) if f.code == code]


@pytest.mark.parametrize("builder", [website_event, app_event, store_event, bm])
def test_builders_are_clean(builder) -> None:
    assert codes(body(builder()), select=A) == []


@pytest.mark.parametrize(
    "source", ["email", "phone_call", "chat", "system_generated", "other", "physical_store"]
)
def test_offline_sources_need_no_browser_field(source: str) -> None:
    event = store_event(action_source=source)
    assert codes(body(event), select=["A", "E011", "U007"]) == []


def test_physical_store_30_days_old_is_fine() -> None:
    event = store_event(event_time=NOW - 30 * 86_400)
    assert codes(body(event), select=["A", "E006", "E008"]) == []


# --------------------------------------------------------------------------- A001


def test_a001_no_browser_context() -> None:
    bare = website_event(
        event_source_url=DROP,
        user_data=user_data(client_ip_address=DROP, client_user_agent=DROP, fbc=DROP, fbp=DROP),
    )
    assert [f.pointer for f in found(body(bare), "A001")] == ["/data/0"]


@pytest.mark.parametrize(
    "keep", ["event_source_url", "client_user_agent", "client_ip_address", "fbp", "fbc"]
)
def test_a001_any_browser_field_passes(keep: str) -> None:
    drop = {k: DROP for k in ("client_user_agent", "client_ip_address", "fbp", "fbc") if k != keep}
    event = website_event(user_data=user_data(**drop))
    if keep != "event_source_url":
        event.pop("event_source_url")
    assert found(body(event), "A001") == []


def test_a001_upload_fields_once_per_request() -> None:
    payload = body(store_event(), website_event(), website_event(event_id="o-2"), upload_id="u-1")
    hits = found(payload, "A001")
    assert [f.pointer for f in hits] == ["/upload_id"]
    assert "2 event(s)" in hits[0].message and hits[0].extra["indexes"] == [1, 2]


def test_a001_upload_fields_with_offline_events_pass() -> None:
    assert found(body(store_event(), upload_tag="pos-export"), "A001") == []


# --------------------------------------------------------------------------- A002-A004


def test_a002_only_for_app_events() -> None:
    assert found(body(app_event(app_data=DROP)), "A002")[0].pointer == "/data/0"
    assert found(body(website_event()), "A002") == []


def test_a002_names_the_missing_fields() -> None:
    event = app_event(app_data={"application_tracking_enabled": 1})
    hits = found(body(event), "A002")
    assert hits[0].pointer == "/data/0/app_data"
    assert "`advertiser_tracking_enabled`" in hits[0].message and "`extinfo`" in hits[0].message


def _extinfo(**changes):
    event = app_event()
    for index, value in changes.items():
        event["app_data"]["extinfo"][int(index[1:])] = value
    return event


def test_a003_positions() -> None:
    hits = found(body(_extinfo(i0="ios", i4=" ")), "A003")
    assert [f.pointer for f in hits] == [
        "/data/0/app_data/extinfo/0",
        "/data/0/app_data/extinfo/4",
    ]


def test_a003_wrong_length_and_type() -> None:
    short = app_event()
    short["app_data"]["extinfo"] = short["app_data"]["extinfo"][:15]
    assert "15 elements" in found(body(short), "A003")[0].message
    text = app_event()
    text["app_data"]["extinfo"] = "i2,com.example"
    assert "a string" in found(body(text), "A003")[0].message


def test_a003_numbers_and_placeholders_pass() -> None:
    event = _extinfo(i9=1179, i10=2556, i11=3.0, i12=6, i5="", i8="")
    assert found(body(event), "A003") == []


@pytest.mark.parametrize("value", ["1", "true", 2, -1, 1.0, [1], {"v": 1}])
def test_a004_out_of_range(value) -> None:
    event = app_event()
    event["app_data"]["advertiser_tracking_enabled"] = value
    assert [f.pointer for f in found(body(event), "A004")] == [
        "/data/0/app_data/advertiser_tracking_enabled"
    ]


@pytest.mark.parametrize("value", [0, 1, True, False, None])
def test_a004_accepted(value) -> None:
    event = app_event()
    event["app_data"]["application_tracking_enabled"] = value
    assert found(body(event), "A004") == []


# --------------------------------------------------------------------------- A005


def test_a005_store_without_strong_keys() -> None:
    event = store_event(user_data={"fn": sha("john"), "ln": sha("smith"), "zp": sha("94025")})
    assert [f.pointer for f in found(body(event), "A005")] == ["/data/0/user_data"]


@pytest.mark.parametrize("key", ["em", "ph", "madid"])
def test_a005_one_strong_key_is_enough(key: str) -> None:
    value = "6D92078A-8246-4BA4-AE5B-76104861E7DC" if key == "madid" else [sha("x")]
    assert found(body(store_event(user_data={key: value})), "A005") == []


def test_a005_only_physical_store() -> None:
    event = store_event(action_source="phone_call", user_data={"fn": sha("john")})
    assert found(body(event), "A005") == []


# --------------------------------------------------------------------------- A006-A009


def test_a006_each_browser_field() -> None:
    event = bm(event_source_url="https://shop.example.com/")
    event["user_data"].update(client_user_agent="Mozilla/5.0 (X11; Linux)", fbc="fb.1.1.abc")
    assert [f.pointer for f in found(body(event), "A006")] == [
        "/data/0/user_data/client_user_agent",
        "/data/0/user_data/fbc",
        "/data/0/event_source_url",
    ]


def test_a006_empty_values_do_not_count() -> None:
    event = bm(event_source_url="")
    assert found(body(event), "A006") == []


@pytest.mark.parametrize(
    ("channel", "user", "missing"),
    [
        ("whatsapp", {"ph": "x"}, "ctwa_clid"),
        ("WhatsApp", {"ph": "x"}, "ctwa_clid"),
        ("messenger", {"page_scoped_user_id": "5"}, "page_id"),
        ("instagram", {"ig_account_id": "1"}, "ig_sid"),
    ],
)
def test_a007_channel_identifiers(channel: str, user: dict, missing: str) -> None:
    hits = found(body(bm(messaging_channel=channel, user_data=user)), "A007")
    assert [f.pointer for f in hits] == ["/data/0/user_data"]
    assert f"`{missing}`" in hits[0].message


def test_a007_missing_and_unknown_channels() -> None:
    assert found(body(bm(messaging_channel=DROP)), "A007")[0].pointer == "/data/0"
    assert found(body(bm(messaging_channel="telegram", user_data={"ph": "x"})), "A007") == []


def test_a008_mismatches() -> None:
    web = website_event(messaging_channel="whatsapp")
    chat = store_event(action_source="chat", user_data={"ph": [sha("1")], "ig_sid": "123"})
    assert [f.pointer for f in found(body(web, chat), "A008")] == [
        "/data/0/messaging_channel",
        "/data/1/user_data/ig_sid",
    ]


def test_a008_plain_chat_and_business_messaging_pass() -> None:
    chat = store_event(action_source="chat", user_data={"ph": [sha("1")]})
    assert found(body(chat, bm()), "A008") == []


def test_a009_names_and_option() -> None:
    lead = bm(event_name="Lead", custom_data=DROP)
    hits = found(body(lead), "A009")
    assert [f.pointer for f in hits] == ["/data/0/event_name"]
    assert "LeadSubmitted" in hits[0].message
    assert found(body(lead), "A009", options={"A009": {"event-names": ["Lead"]}}) == []
    assert found(body(website_event(event_name="Lead")), "A009") == []


# --------------------------------------------------------------------------- A011


def test_a011_segment_app_event_sent_as_email() -> None:
    path = ecosystem_file(
        "action-destinations", "007-addtocart-should-send-app-events-without.json"
    )
    found = [(f.code, f.pointer) for f in lint(path.read_text("utf-8"), select=["A011"])]
    assert found == [("A011", "/data/0/app_data")]


@pytest.mark.parametrize(
    ("event", "pointer"),
    [
        (app_event(action_source="email"), "/data/0/app_data"),
        (app_event(action_source="website"), "/data/0/app_data"),
        (website_event(user_data=user_data(anon_id="XZ1234567890")), "/data/0/user_data/anon_id"),
    ],
)
def test_a011_app_context_on_website_or_email(event, pointer: str) -> None:
    assert [f.pointer for f in found(body(event), "A011")] == [pointer]


@pytest.mark.parametrize(
    "event",
    [
        app_event(),
        app_event(action_source="other"),
        app_event(action_source="physical_store"),
        website_event(app_data={}),
        website_event(user_data=user_data(madid="6D92078A-8246-4BA4-AE5B-76104861E7DC")),
        store_event(
            action_source="email", user_data=user_data(madid="6D92078A-8246-4BA4-AE5B-76104861E7DC")
        ),
    ],
)
def test_a011_quiet(event) -> None:
    assert found(body(event), "A011") == []
