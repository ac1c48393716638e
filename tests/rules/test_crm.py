"""Conversion Leads (CRM) events: A010, C011, C012 (recognition and messages) and U015."""

from __future__ import annotations

import json

import pytest
from helpers import DROP, NOW, body, codes, ecosystem_file, lint, pointers, sha, website_event

CRM_CODES = ["A010", "C011", "C012", "U015"]


def crm(**kw):
    event = {
        "event_name": "QualifiedLead",
        "event_time": NOW - 3600,
        "action_source": "system_generated",
        "event_id": "crm-2",
        "user_data": {"lead_id": 525645896321548, "em": [sha("ann@example.com")]},
        "custom_data": {"event_source": "crm", "lead_event_source": "Salesforce"},
    }
    event.update(kw)
    return {k: v for k, v in event.items() if v is not DROP}


def test_complete_crm_event_is_clean() -> None:
    assert codes(body(crm()), select=CRM_CODES) == []


def test_metas_own_sdk_crm_sample_lacks_event_source() -> None:
    # examples/AdsPixelCRMEventsPostCustom.py run through EventRequest.get_params():
    # each event is a JSON string; decoded here so that only the CRM rules are tested.
    raw = json.loads(
        ecosystem_file(
            "meta-business-sdk", "005-sdk-run-adspixelcrmeventspostcustom.json"
        ).read_text("utf-8")
    )
    events = [json.loads(item) for item in raw["data"]]
    found = [(f.code, f.pointer) for f in lint({"data": events}, select=CRM_CODES, now=1795392000)]
    assert found == [("C011", "/data/0/custom_data")]


def test_ordinary_events_are_never_crm_events() -> None:
    lead = website_event(
        event_name="Lead", custom_data={"event_source": "footer-form", "content_name": "x"}
    )
    lead_id_only = crm(action_source="other", custom_data={"value": 1.0, "currency": "USD"})
    assert codes(body(lead, lead_id_only), select=["A010", "C011", "C012"]) == []


def test_a_lead_id_on_a_system_generated_event_makes_it_a_crm_event() -> None:
    event = crm(custom_data=DROP)
    assert codes(body(event), select=CRM_CODES) == ["C011", "C012"]


@pytest.mark.parametrize("source", ["website", "other", "phone_call"])
def test_a010_crm_event_with_another_source(source: str) -> None:
    assert pointers(body(crm(action_source=source)), "A010", select=["A010"]) == [
        "/data/0/action_source"
    ]


def test_a010_leaves_a_missing_source_to_e009() -> None:
    assert codes(body(crm(action_source=DROP)), select=["A010", "E009"]) == ["E009"]


def test_c011_case_variant_has_its_own_message() -> None:
    event = crm(custom_data={"event_source": "CRM", "lead_event_source": "Dynamics"})
    [finding] = lint(body(event), select=["C011"])
    assert finding.pointer == "/data/0/custom_data/event_source"
    assert "exactly" in finding.message


def test_c011_other_value_is_masked() -> None:
    event = crm(custom_data={"event_source": "ann@example.com", "lead_event_source": "Zoho"})
    [finding] = lint(body(event), select=["C011"])
    assert "ann@example.com" not in finding.message


def test_c012_says_where_the_name_was_sent_instead() -> None:
    event = crm(custom_data={"event_source": "crm"}, lead_event_source="Pipedrive")
    [finding] = lint(body(event), select=["C012"])
    assert finding.pointer == "/data/0/custom_data"
    assert "top level" in finding.message


@pytest.mark.parametrize(
    ("value", "flagged"),
    [
        (525645896321548, False),
        (1234567890123456, False),
        ("525645896321548", False),
        (["525645896321548", "1234567890123456"], False),
        (12345678901234567, True),
        (12345, True),
        (-525645896321548, True),
        (" 525645896321548", True),
        ("lead_id", True),
        ("５２５６４５８９６３２１５４８", True),
        (sha("525645896321548"), False),  # H006: never hash a lead_id
        (True, False),  # a wrong type is S010's
    ],
)
def test_u015_lead_id_format(value, flagged: bool) -> None:
    event = crm(user_data={"lead_id": value, "em": [sha("ann@example.com")]})
    assert codes(body(event), select=["U015"]) == (["U015"] if flagged else [])


def test_u015_points_at_the_bad_item_of_a_list() -> None:
    event = crm(user_data={"lead_id": ["525645896321548", "lead_id"]})
    assert pointers(body(event), "U015", select=["U015"]) == ["/data/0/user_data/lead_id/1"]


def test_u015_on_rudderstack_placeholder_without_crm_rules() -> None:
    # rudder-transformer 055: a spin_result event (action_source other) whose
    # lead_id is the placeholder "lead_id"; it is no CRM event.
    event = {
        "event_name": "spin_result",
        "event_time": NOW - 60,
        "action_source": "other",
        "user_data": {"em": sha("abc@gmail.com"), "lead_id": "lead_id", "fb_login_id": "fb_id"},
        "custom_data": {"additional_bet_index": 0, "value": 400},
    }
    assert codes(body(event), select=CRM_CODES) == ["U015"]
