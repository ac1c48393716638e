"""`data` as an array of JSON-encoded event strings: the form Meta's own
facebook_business SDK posts (`EventRequest.get_params()`) and RudderStack sends.

Each string is decoded and its event linted everywhere (check, JSON Lines,
--fix, coverage, serve, the library); pointers go into the decoded event, line
and column are those of the string (interface §2a).
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from helpers import NOW, body, ecosystem_file, lint, sha, user_data, website_event

import capi_lint
from capi_lint.cli import main
from capi_lint.coverage import predict_coverage
from capi_lint.fix import fix_text
from capi_lint.serve import LintServer

NOTE = "inside the JSON-encoded event string"


def sdk_body(*events: dict[str, Any], indent: int | None = 2) -> str:
    """A body as `EventRequest.get_params()` builds it, written out as JSON."""
    return json.dumps({"data": [json.dumps(e) for e in events]}, indent=indent)


def by_code(findings: list[Any], code: str) -> list[Any]:
    return [f for f in findings if f.code == code]


# --------------------------------------------------------------------------- real bodies


def test_meta_sdk_run_body_is_linted_inside_the_strings() -> None:
    path = ecosystem_file("meta-business-sdk", "003-sdk-run-serversideapi.json")
    findings = capi_lint.check_file(path, now="2026-11-23T00:00:00Z")
    assert by_code(findings, "S010") == []
    e009 = by_code(findings, "E009")
    assert [(f.pointer, f.line, f.column, f.event_index) for f in e009] == [("/data/0", 3, 5, 0)]
    assert NOTE in e009[0].message


def test_meta_sdk_crm_example_sends_lead_id_as_a_list() -> None:
    # The SDK declares `lead_id: str`; its own CRM example passes a list, which
    # the SDK serialises as it is. Only decoding the string shows it.
    path = ecosystem_file("meta-business-sdk", "005-sdk-run-adspixelcrmeventspostcustom.json")
    findings = capi_lint.check_file(path, now="2026-11-23T00:00:00Z")
    assert [f.pointer for f in by_code(findings, "S010")] == ["/data/0/user_data/lead_id"]


def test_rudderstack_bodies_get_the_findings_of_their_events() -> None:
    first = ecosystem_file("rudder-transformer", "001-fbc-proc-simple-track-event.json")
    findings = capi_lint.check_file(first.parent, now="2023-11-12T15:46:51Z")
    assert not [f for f in findings if f.code == "S010" and "not an object" in f.message]
    assert len({f.path for f in findings}) == 72
    mine = [f for f in findings if f.path == str(first)]
    got = {(f.code, f.pointer) for f in mine}
    # Placeholder cookies and the missing website fields the decoded event really has.
    assert ("U009", "/data/0/user_data/fbc") in got
    assert ("U013", "/data/0/user_data/fbp") in got
    assert [f.pointer for f in mine if f.code == "E011"] == ["/data/0", "/data/0/user_data"]
    assert all((f.line, f.column) == (3, 5) for f in mine)


# --------------------------------------------------------------------------- positions


def test_pointer_into_the_decoded_event_position_of_the_string() -> None:
    text = sdk_body(website_event(), website_event(event_id="o-2", event_time=NOW * 1000))
    [e005] = by_code(lint(text, select=["E005"]), "E005")
    assert (e005.pointer, e005.line, e005.column, e005.event_index) == (
        "/data/1/event_time",
        4,
        5,
        1,
    )
    assert NOTE in e005.message


def test_clean_events_as_strings_pass_and_count() -> None:
    second = website_event(event_id="o-2")
    second["custom_data"]["order_id"] = "order-2"
    assert lint(sdk_body(website_event(), second)) == []


def test_object_and_string_items_form_one_batch() -> None:
    first = website_event(event_id="same")
    text = json.dumps({"data": [first, json.dumps(website_event(event_id="same"))]})
    [d003] = by_code(lint(text, select=["D003"]), "D003")
    assert (d003.pointer, d003.line, d003.event_index) == ("/data/1/event_id", 1, 1)
    assert d003.column == text.index('"{') + 1


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("AddToCart", "event 1 is not an object (a string that is not JSON)"),
        ('{"event_name": ', "event 1 is not an object (a string that is not JSON)"),
        ("[1, 2]", "event 1 is not an object (a JSON-encoded string that decodes to an array)"),
        ("42", "event 1 is not an object (a JSON-encoded string that decodes to a number)"),
    ],
)
def test_a_string_that_is_not_an_event_is_s010_and_the_rest_still_checked(
    item: str, message: str
) -> None:
    text = json.dumps({"data": [json.dumps(website_event(event_name="purchase")), item]}, indent=2)
    findings = lint(text, select=["S010", "E002"])
    assert [(f.code, f.pointer, f.message) for f in by_code(findings, "S010")] == [
        ("S010", "/data/1", message)
    ]
    assert [f.pointer for f in by_code(findings, "E002")] == ["/data/0/event_name"]


def test_form_encoded_data_of_event_strings_is_decoded_twice() -> None:
    # The SDK's form post: `data=["{…}"]`, captured as its decoded form fields.
    inner = json.dumps([json.dumps(website_event(event_time=NOW * 1000))])
    text = json.dumps({"data": inner}, indent=2)
    findings = lint(text, select=["E005", "S006", "S010"])
    assert [(f.code, f.pointer, f.line) for f in findings] == [
        ("E005", "/data/0/event_time", 2),
        ("S006", "/data", 2),
    ]


def test_token_inside_an_event_string_is_found_once_at_its_pointer() -> None:
    token = "EAABsbCS1iHgBAOZAtestTOKEN1234567890"
    event = website_event(custom_data={"value": 1.0, "currency": "USD", "note": token})
    findings = by_code(lint(sdk_body(event), select=["R003"]), "R003")
    assert [f.pointer for f in findings] == ["/data/0/custom_data/note"]
    assert token not in findings[0].message


def test_json_lines_of_request_bodies_with_event_strings(tmp_path: Path) -> None:
    line = json.dumps({"data": [json.dumps(website_event(event_name="purchase"))]})
    path = tmp_path / "bodies.jsonl"
    path.write_text(line + "\n" + line + "\n")
    findings = capi_lint.check_file(path, {"select": ["E002", "S010"]}, now=NOW)
    assert [(f.pointer, f.line) for f in findings] == [
        ("/data/0/event_name", 1),
        ("/data/0/event_name", 2),
    ]


# --------------------------------------------------------------------------- --fix


def test_fix_re_encodes_only_the_string_it_changed() -> None:
    clean = json.dumps(website_event(event_id="o-1"))
    raw = website_event(event_id="o-2", user_data=user_data(em="John@Example.com"))
    text = json.dumps({"data": [clean, json.dumps(raw)]}, indent=2)
    result = fix_text(text)
    assert [(c.pointer, c.line, c.column) for c in result.changes] == [
        ("/data/1/user_data/em", 4, 5)
    ]
    items = json.loads(result.text)["data"]
    assert items[0] == clean  # untouched, byte for byte
    assert json.loads(items[1])["user_data"]["em"] == sha("john@example.com")
    assert by_code(lint(result.text, select=["H001"]), "H001") == []
    assert fix_text(result.text).changes == []


def test_fix_inside_form_encoded_data_of_event_strings() -> None:
    raw = website_event(user_data=user_data(fn="John"))
    text = json.dumps({"data": json.dumps([json.dumps(raw)])}, indent=2)
    result = fix_text(text)
    assert [(c.pointer, c.line) for c in result.changes] == [("/data/0/user_data/fn", 2)]
    decoded = json.loads(json.loads(json.loads(result.text)["data"])[0])
    assert decoded["user_data"]["fn"] == sha("john")


def test_cli_fix_writes_the_re_encoded_string(tmp_path: Path) -> None:
    path = tmp_path / "sdk.json"
    path.write_text(sdk_body(website_event(user_data=user_data(ln="Smith"))))
    assert main(["check", str(path), "--fix", "--now", str(NOW)]) == 0
    assert json.loads(json.loads(path.read_text())["data"][0])["user_data"]["ln"] == sha("smith")


# --------------------------------------------------------------------------- other front ends


def test_coverage_counts_the_decoded_events() -> None:
    events = [website_event(), website_event(event_id="o-2", user_data=user_data(em=None))]
    [row] = predict_coverage(json.loads(sdk_body(*events)), now=NOW)
    assert row["events"] == 2
    assert row["match_keys"]["email"]["present"] == 50.0


def test_library_check_on_a_dict_with_event_strings() -> None:
    payload = {"data": [json.dumps(website_event(event_name="purchase"))]}
    findings = capi_lint.check(payload, {"select": ["E002"]}, now=NOW)
    assert [f.pointer for f in findings] == ["/data/0/event_name"]
    with pytest.raises(capi_lint.PayloadError):
        late = website_event(event_time=NOW * 1000)
        capi_lint.assert_valid({"data": [json.dumps(late)]}, now=NOW)


def test_serve_lints_a_json_body_of_event_strings() -> None:
    payload = {"data": [json.dumps(website_event(event_time=NOW * 1000))]}
    with LintServer({"now": NOW}) as server:
        request = urllib.request.Request(
            server.url("123") + "?access_token=EAAtesttoken",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            urllib.request.urlopen(request, timeout=10)
            pytest.fail("a millisecond event_time must be rejected")
        except urllib.error.HTTPError as exc:
            assert exc.code == 400
            answer = json.load(exc)
    codes = {(f["code"], f["pointer"]) for f in answer["capi_lint"]["findings"]}
    assert ("E005", "/data/0/event_time") in codes
    assert not any(code == "S010" for code, _ in codes)


def test_body_helper_events_stay_clean() -> None:
    # The string form adds no finding of its own: Meta's SDK sends it.
    assert lint(sdk_body(*body(website_event())["data"])) == []
