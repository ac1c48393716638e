"""Coverage prediction: exact percentages from payload sets with known counts."""

from __future__ import annotations

import json

import pytest
from helpers import DROP, NOW, app_event, body, sha, store_event, user_data, website_event

from capi_lint.cli import main
from capi_lint.coverage import agent_name, channel_of, predict_coverage


def rows_by(rows: list[dict], **match: object) -> dict:
    found = [r for r in rows if all(r.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (match, rows)
    return found[0]


#: The identifiers of Meta's match_key_feedback and the dedupe keys of
#: dedupe_key_feedback (interface §4a), written out: not read from the code.
IDENTIFIER_NAMES = [
    "email", "phone", "ip_address", "user_agent", "external_id", "fbp", "fbc", "first_name",
    "last_name", "date_of_birth", "gender", "city", "state", "zip", "country", "fb_login_id",
    "lead_id",
]  # fmt: skip
DEDUP_KEY_NAMES = ["event_id", "external_id", "fbp"]


def test_every_identifier_and_dedup_key_is_listed_with_zeros() -> None:
    rows = predict_coverage(body(website_event()), now=NOW)
    assert list(rows[0]["match_keys"]) == IDENTIFIER_NAMES
    assert list(rows[0]["dedup_keys"]) == DEDUP_KEY_NAMES
    assert rows[0]["match_keys"]["lead_id"] == {"present": 0.0, "valid": 0.0}


def test_present_versus_valid_with_known_counts() -> None:
    # 4 website Purchases: email on 3 (one of them an object: present, not valid),
    # phone on 2, IP on all 4.
    events = [
        website_event(),
        website_event(user_data=user_data(ph=DROP)),
        website_event(user_data=user_data(em={"value": "x"}, ph=DROP)),
        website_event(user_data=user_data(em=DROP)),
    ]
    row = rows_by(predict_coverage(body(*events), now=NOW), event_name="Purchase")
    assert row["events"] == 4
    assert row["match_keys"]["email"] == {"present": 75.0, "valid": 50.0}
    assert row["match_keys"]["phone"] == {"present": 50.0, "valid": 50.0}
    assert row["match_keys"]["ip_address"] == {"present": 100.0, "valid": 100.0}


def test_a_list_counts_as_valid_when_one_element_is_valid() -> None:
    events = [
        website_event(user_data=user_data(em=[{"bad": 1}, sha("a@b.com")])),
        website_event(user_data=user_data(em=[{"bad": 1}])),
        website_event(user_data=user_data(em=[])),
    ]
    row = rows_by(predict_coverage(body(*events), now=NOW), event_name="Purchase")
    assert row["match_keys"]["email"] == {"present": 66.7, "valid": 33.3}


def test_appendix_form_hashes_count_as_valid() -> None:
    event = website_event(user_data=user_data(em=[sha("a@b.com") + ".AQ"], ph=sha("1650") + ".Ag"))
    row = predict_coverage(body(event), now=NOW)[0]
    assert row["match_keys"]["email"]["valid"] == 100.0
    assert row["match_keys"]["phone"]["valid"] == 100.0


def test_date_of_birth_from_all_three_sdk_parts() -> None:
    parts = {"dobd": sha("16"), "dobm": sha("02"), "doby": sha("1997")}
    only_two = {"dobd": sha("16"), "dobm": sha("02")}
    events = [
        website_event(user_data=user_data(**parts)),
        website_event(user_data=user_data(**only_two)),
        website_event(user_data=user_data(db=sha("19970216"))),
    ]
    row = predict_coverage(body(*events), now=NOW)[0]
    assert row["match_keys"]["date_of_birth"] == {"present": 66.7, "valid": 66.7}


def test_rows_split_by_channel_action_source_event_name_and_agent() -> None:
    payloads = [
        body(website_event(), website_event(event_name="Lead"), partner_agent="AcmeShop_2_1"),
        body(store_event(), store_event(), partner_agent="acmepos_1_0"),
        body(app_event()),
        body(website_event(action_source="email", event_source_url=DROP)),
    ]
    rows = predict_coverage(payloads, now=NOW)
    keys = [
        (r["channel"], r["action_source"], r["event_name"], r["agent_name"], r["events"])
        for r in rows
    ]
    assert keys == [
        ("app", "app", "AddToCart", None, 1),
        ("email", "email", "Purchase", None, 1),
        ("offline", "physical_store", "Purchase", "acmepos", 2),
        ("web", "website", "Lead", "acmeshop", 1),
        ("web", "website", "Purchase", "acmeshop", 1),
    ]


def test_dedup_key_shares() -> None:
    events = [
        website_event(),
        website_event(event_id=DROP),
        website_event(event_id=DROP, user_data=user_data(fbp=DROP)),
        website_event(user_data=user_data(external_id=DROP, fbp=DROP)),
    ]
    row = predict_coverage(body(*events), now=NOW)[0]
    assert row["dedup_keys"] == {"event_id": 50.0, "external_id": 75.0, "fbp": 50.0}


def test_event_without_any_usable_key_is_unmatchable() -> None:
    events = [
        website_event(),
        website_event(user_data={"em": {"x": 1}}),  # present, but wrong type
        website_event(user_data={}),
    ]
    row = predict_coverage(body(*events), now=NOW)[0]
    assert row["unmatchable_events"] == 2


def test_an_unknown_user_data_key_is_never_a_valid_identifier() -> None:
    # `phone` and `email` are misspellings (S009), not keys Meta matches on: an
    # event that holds nothing else cannot be matched, whatever the values are.
    events = [
        website_event(user_data={"phone": sha("16505551212")}),
        website_event(user_data={"email": sha("jane@example.com"), "phone": sha("1650")}),
        website_event(user_data={"phone": sha("16505551212"), "em": sha("jane@example.com")}),
    ]
    row = predict_coverage(body(*events), now=NOW)[0]
    assert row["events"] == 3
    assert row["unmatchable_events"] == 2
    assert row["match_keys"]["phone"] == {"present": 0.0, "valid": 0.0}
    assert row["match_keys"]["email"] == {"present": 33.3, "valid": 33.3}


def test_app_identifiers_outside_the_mapping_still_match() -> None:
    # `madid` and `anon_id` are known user_data keys (app events) though no
    # match_key_feedback identifier names them: an event with them is matchable.
    event = app_event(user_data={"madid": "38400000-8cf0-11bd-b23e-10b96e40000d"})
    row = predict_coverage(body(event), now=NOW)[0]
    assert row["unmatchable_events"] == 0


def test_json_lines_and_request_bodies_together(tmp_path) -> None:
    (tmp_path / "a.jsonl").write_text(
        "\n".join(json.dumps(website_event(event_name="Lead")) for _ in range(3)) + "\n"
    )
    (tmp_path / "b.json").write_text(json.dumps(body(website_event(event_name="Lead"))))
    (tmp_path / "c.jsonl").write_text("not json\n" + json.dumps(body(website_event())) + "\n")
    rows = predict_coverage([tmp_path], now=NOW)
    assert [(r["event_name"], r["events"]) for r in rows] == [("Lead", 4), ("Purchase", 1)]
    by_file = predict_coverage([tmp_path], now=NOW, by="file")
    assert [(r["file"].rsplit("/", 1)[-1], r["events"]) for r in by_file] == [
        ("a.jsonl", 3),
        ("b.json", 1),
        ("c.jsonl", 1),
    ]
    by_source = predict_coverage([tmp_path], now=NOW, by="action_source")
    assert [(r["action_source"], r["event_name"], r["events"]) for r in by_source] == [
        ("website", None, 5)
    ]


def test_helpers() -> None:
    assert agent_name("AcmeShop_2_1") == "acmeshop"
    assert agent_name("gtmss-1.0.0-0.0.9") == "gtmss-1.0.0-0.0.9"
    assert agent_name("  ") is None
    assert channel_of("website") == "web"
    assert channel_of("physical_store") == "offline"
    assert channel_of("chat") == "chat"
    assert channel_of(None) == "unknown"


@pytest.mark.parametrize("fmt", ["json", "csv", "text"])
def test_cli_formats(tmp_path, capsys, fmt) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(body(website_event(), website_event(user_data=user_data(ph=DROP)))))
    assert main(["coverage", str(path), "--format", fmt, "--now", str(NOW)]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        doc = json.loads(out)
        assert doc["tool"] == "capi-lint"
        assert doc["coverage"][0]["match_keys"]["phone"] == {"present": 50.0, "valid": 50.0}
    elif fmt == "csv":
        lines = out.splitlines()
        assert lines[0].startswith("file,channel,action_source,event_name")
        assert ",web,website,Purchase,,2,0,match_key,phone,50.0,50.0" in lines
        assert len(lines) == 1 + 17 + 3  # header, 17 identifiers, 3 dedup keys
    else:
        header, first = out.splitlines()[:2]
        assert "email" in header and "phone" in header
        assert first.startswith("web/website Purchase")
        assert " 50 " in first + " "


def test_rule_findings_make_present_values_invalid() -> None:
    # A raw email (H001), a private IP (U006), an fbc with a seconds timestamp (U009)
    # are sent, so present, but Meta cannot match them.
    events = [
        website_event(),
        website_event(user_data=user_data(em="jane.doe@example.com")),
        website_event(user_data=user_data(client_ip_address="10.1.2.3")),
        website_event(user_data=user_data(fbc="fb.1.1763799000.IwAR2xYzAbCdEfGhIjKl")),
    ]
    row = predict_coverage(body(*events), now=NOW)[0]
    assert row["match_keys"]["email"] == {"present": 100.0, "valid": 75.0}
    assert row["match_keys"]["ip_address"] == {"present": 100.0, "valid": 75.0}
    assert row["match_keys"]["fbc"] == {"present": 100.0, "valid": 75.0}
    assert row["unmatchable_events"] == 0


def test_invalid_key_combination_is_unmatchable_even_with_valid_values() -> None:
    only_location = {"ge": sha("f"), "ct": sha("menlopark"), "st": sha("ca"), "country": sha("us")}
    events = [
        store_event(),
        store_event(user_data=only_location),  # U003: subset of Meta's invalid set 1
        store_event(user_data={"fn": sha("mary"), "ge": sha("f")}),  # U003: fn + ge
    ]
    row = predict_coverage(body(*events), now=NOW)[0]
    assert row["events"] == 3
    assert row["unmatchable_events"] == 2
    assert row["match_keys"]["gender"] == {"present": 66.7, "valid": 66.7}


def test_unhashed_external_id_stays_valid() -> None:
    # H007 is advice (Meta recommends hashing external_id); the ID still matches.
    row = predict_coverage(body(website_event(user_data=user_data(external_id="crm-42"))), now=NOW)[
        0
    ]
    assert row["match_keys"]["external_id"] == {"present": 100.0, "valid": 100.0}


def test_ip_with_param_builder_appendix_counts_by_its_address() -> None:
    events = [
        website_event(user_data=user_data(client_ip_address="81.2.69.142.AQQAAQMC")),
        website_event(user_data=user_data(client_ip_address="10.0.3.17.AQQAAQMC")),
    ]
    row = rows_by(predict_coverage(body(*events), now=NOW), event_name="Purchase")
    assert row["match_keys"]["ip_address"] == {"present": 100.0, "valid": 50.0}
