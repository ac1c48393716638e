"""Comparison: payload sets with known coverage against saved responses from
quality-api.md §6 (tests/quality/data), one verdict at a time.

Known coverage is built with the clean builders of tests/helpers.py plus
absent keys (DROP) and S010-invalid values (an object where a string belongs),
so no verdict here depends on the U/H rules.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from helpers import DROP, NOW, body, sha, store_event, user_data, website_event
from quality_server import load

from capi_lint.config import build_settings
from capi_lint.coverage import CoveragePredictor
from capi_lint.model import Finding, Severity
from capi_lint.quality.crosscheck import canonical_identifier, crosscheck, lag_class
from capi_lint.quality.evidence import EvidencePredictor, fbclid_modified, predictions_from_rows
from capi_lint.quality.parse import parse_report

BAD = {"not": "a string"}  # S010: present, never valid


def run(
    payloads: list[Any],
    report: Any,
    *,
    config: dict[str, Any] | None = None,
    agent: str | None = None,
    tolerance: float | None = None,
    now: int = NOW,
) -> list[Finding]:
    settings = build_settings(config or {}, now=now)
    predictor = EvidencePredictor(settings)
    for payload in payloads:
        predictor.add_document(payload)
    return crosscheck(
        parse_report(report),
        predictor.predictions(agent),
        path="quality.json",
        settings=settings,
        tolerance=tolerance,
        agent_name=agent,
    )


def by_code(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


def one(findings: list[Finding], code: str, **extra: Any) -> Finding:
    found = [
        f for f in findings if f.code == code and all(f.extra.get(k) == v for k, v in extra.items())
    ]
    assert len(found) == 1, (code, extra, [(f.code, f.extra) for f in findings])
    return found[0]


def purchases() -> dict[str, Any]:
    """10 website Purchases with known valid shares:
    email 100, phone 80 (2 S010-invalid), ip 50 (5 absent), fbc 0, fbp 100,
    external_id 100, user_agent 100; event_id 100."""
    events = []
    for i in range(10):
        overrides: dict[str, Any] = {"fbc": DROP}
        if i < 2:
            overrides["ph"] = BAD
        if i >= 5:
            overrides["client_ip_address"] = DROP
        events.append(website_event(event_id=f"order-{i}", user_data=user_data(**overrides)))
    return body(*events)


def web_report(**purchase_coverage: float) -> dict[str, Any]:
    report = load("web_all_fields.json")
    for item in report["web"][0]["event_match_quality"]["match_key_feedback"]:
        if item["identifier"] in purchase_coverage:
            item["coverage"]["percentage"] = purchase_coverage[item["identifier"]]
    return report


# ------------------------------------------------------------- identifiers


def test_identifier_verdicts_against_the_full_web_fixture() -> None:
    findings = run([purchases()], web_report())
    # email 100 vs 100, user_agent 100 vs 100, external_id 100 vs 100: agree.
    for ident in ("email", "user_agent", "external_id"):
        found = one(findings, "X003", identifier=ident)
        assert (found.extra["predicted"], found.extra["reported"]) == (100.0, 100)
    # ip_address: 50 predicted, 99.9 reported: over-reported.
    over = one(findings, "X002", identifier="ip_address")
    assert (over.extra["predicted"], over.extra["reported"]) == (50.0, 99.9)
    assert over.pointer == "/web/0/event_match_quality/match_key_feedback/1"
    assert over.severity is Severity.INFO
    # phone: 80 predicted (2 of 10 S010-invalid), 61 reported: under-reported.
    under = one(findings, "X001", identifier="phone")
    assert (under.extra["predicted"], under.extra["reported"]) == (80.0, 61.0)
    assert under.extra["predicted_present"] == 100.0
    assert under.extra["explained_by"] == ["S010"]
    assert "S010 ×2" in under.message and "a further 20% carry an invalid value" in under.message
    assert under.severity is Severity.WARNING
    assert under.pointer == "/web/0/event_match_quality/match_key_feedback/4"
    # fbp: 100 vs 88.4 is outside ±10: under-reported, nothing in the payloads explains it.
    fbp = one(findings, "X001", identifier="fbp")
    assert "no rule finding on `fbp` explains it" in fbp.message
    assert "explained_by" not in fbp.extra
    # fbc: 0 sent, 12.5 seen: over-reported.
    one(findings, "X002", identifier="fbc")
    assert all(f.path == "quality.json" and f.event_index is None for f in findings)


def test_a_direction_error_is_called_a_probable_bug() -> None:
    findings = run([purchases()], web_report(email=3.0))
    under = one(findings, "X001", identifier="email")
    assert "probable mapping or format bug" in under.message


@pytest.mark.parametrize(
    ("tolerance", "config", "fbp_code"),
    [
        (None, None, "X001"),
        (15.0, None, "X003"),
        (None, {"options": {"X001": {"tolerance": 12}}}, "X003"),
    ],
)
def test_tolerance_from_the_flag_or_the_config(
    tolerance: float | None, config: dict[str, Any] | None, fbp_code: str
) -> None:
    findings = run([purchases()], web_report(), tolerance=tolerance, config=config)
    one(findings, fbp_code, identifier="fbp")


def test_over_reported_where_meta_counts_values_capi_lint_calls_invalid() -> None:
    events = [
        website_event(user_data=user_data(em=BAD if i < 5 else [sha(f"u{i}@example.com")]))
        for i in range(10)
    ]
    findings = run([body(*events)], web_report())
    over = one(findings, "X002", identifier="email")
    assert (over.extra["predicted"], over.extra["predicted_present"]) == (50.0, 100.0)
    assert "Meta counts values capi-lint considers invalid" in over.message


def test_over_reported_names_the_agent_filter() -> None:
    payload = purchases()
    payload["partner_agent"] = "AcmeShop_2_1"
    findings = run([payload], web_report())
    over = one(findings, "X002", identifier="ip_address")
    assert "--agent-name acmeshop" in over.message
    filtered = run([payload], web_report(), agent="acmeshop")
    assert (
        "counts agent_name acmeshop only" in one(filtered, "X002", identifier="ip_address").message
    )
    # Rows of another agent are not compared at all.
    other = run([payload], web_report(), agent="someoneelse")
    assert not by_code(other, "X001") and not by_code(other, "X003")


def test_identifiers_sent_but_not_listed_and_items_without_coverage() -> None:
    default = load("web_default_projection.json")  # pLTVPurchase: user_agent + external_id only
    payload = body(*[website_event(event_name="pLTVPurchase") for _ in range(4)])
    findings = run([payload], default)
    missing = {f.extra["identifier"] for f in by_code(findings, "X007")}
    # Documented identifiers only: fn/ln/ct/... are inferred names.
    assert missing == {"email", "phone", "ip_address", "fbp", "fbc"}
    assert all(
        f.pointer == "/web/0/event_match_quality/match_key_feedback"
        for f in by_code(findings, "X007")
    )
    assert {f.extra["identifier"] for f in by_code(findings, "X003")} == {
        "user_agent",
        "external_id",
    }


def test_tolerance_fixture_aliases_unmapped_keys_and_the_doc_table_spelling() -> None:
    report = load("tolerance_cases.json")  # §6.5
    events = [website_event(event_name="AddToCart", event_id=f"c{i}") for i in range(5)]
    findings = run([body(*events)], report)
    # zip_code is an alias of zip: compared (40 reported vs 100 predicted), not unmapped.
    zip_code = one(findings, "X001", identifier="zip_code")
    assert zip_code.extra["predicted"] == 100.0
    assert (
        canonical_identifier("postal_code") == "zip" and canonical_identifier("click_id") == "fbc"
    )
    unmapped = one(findings, "X006", identifier="some_future_key")
    assert unmapped.severity is Severity.INFO and unmapped.extra["reported"] == 3
    assert unmapped.pointer == "/web/0/event_match_quality/match_key_feedback/1"
    no_figure = one(findings, "X007", identifier="fbc")
    assert no_figure.severity is Severity.INFO
    assert no_figure.pointer == "/web/0/event_match_quality/match_key_feedback/2"
    dedup = one(findings, "X008", dedupe_key="external_id")
    assert (dedup.extra["predicted"], dedup.extra["reported"]) == (100.0, 55)
    assert dedup.pointer == "/web/0/dedup_key_feedback/0/server_events_with_dedupe_key"
    weekly = one(findings, "X015")
    assert weekly.extra["reported"] == "weekly" and weekly.severity is Severity.WARNING
    assert not [f for f in findings if f.severity is Severity.ERROR]


def test_crosscheck_also_takes_plain_coverage_predictor_rows() -> None:
    settings = build_settings({}, now=NOW)
    predictor = CoveragePredictor(settings)
    predictor.add_document(purchases())
    predictions = predictions_from_rows(predictor.rows())
    findings = crosscheck(parse_report(web_report()), predictions, path="q.json", settings=settings)
    assert one(findings, "X001", identifier="phone").extra["predicted"] == 80.0


# ------------------------------------------------------------- event names


def test_event_names_missing_on_either_side() -> None:
    payload = body(website_event(), website_event(event_name="ViewContent", event_id="vc-1"))
    findings = run([payload], load("web_all_fields.json"))
    missing = one(findings, "X004", event_name="ViewContent")
    assert missing.pointer == "/web" and missing.extra["events"] == 1
    lead = one(findings, "X010", event_name="Lead")
    assert lead.pointer == "/web/1" and lead.severity is Severity.INFO
    search = one(findings, "X010", event_name="Search")
    assert "pixel only" in search.message and search.extra["reported"] == 32.9


def test_a_pixel_only_entry_for_an_event_the_payloads_send() -> None:
    payload = body(website_event(event_name="Search", event_id="s-1"))
    findings = run([payload], load("web_all_fields.json"))
    found = one(findings, "X004", event_name="Search")
    assert found.pointer == "/web/2" and "pixel only" in found.message


def test_case_mismatch_is_reported_and_not_compared() -> None:
    payload = body(*[website_event(event_name="purchase", event_id=f"o{i}") for i in range(3)])
    findings = run([payload], load("web_all_fields.json"))
    found = one(findings, "X005")
    assert found.pointer == "/web/0/event_name"
    assert found.extra == {"event_name": "Purchase", "payload_event_names": ["purchase"]}
    assert not by_code(findings, "X001") and not by_code(findings, "X003")
    assert not [f for f in by_code(findings, "X004") if f.extra["event_name"] == "purchase"]


def test_case_mismatch_seen_from_the_payload_side() -> None:
    payload = body(website_event(), website_event(event_name="purchase", event_id="o2"))
    findings = run([payload], load("web_all_fields.json"))
    found = one(findings, "X005")
    assert found.extra["payload_event_names"] == ["purchase"]
    assert by_code(findings, "X003")  # Purchase itself is compared


def test_case_mismatch_inside_the_report() -> None:
    report = load("web_all_fields.json")
    report["web"].append({"event_name": "purchase", "event_match_quality": {"composite_score": 2}})
    findings = run([body(website_event())], report)
    found = one(findings, "X005")
    assert found.pointer == "/web/3/event_name" and found.extra["event_name"] == "purchase"


def test_only_website_events_meet_web_entries() -> None:
    app_like = website_event(action_source="app", event_source_url=DROP)
    findings = run([body(app_like)], load("web_all_fields.json"))
    assert not by_code(findings, "X003") and not by_code(findings, "X004")


# ------------------------------------------------------------- dedup keys


def test_dedup_keys_agree_or_mismatch() -> None:
    findings = run([purchases()], load("web_all_fields.json"))
    agrees = one(findings, "X009", dedupe_key="event_id")
    assert (agrees.extra["predicted"], agrees.extra["reported"]) == (100.0, 100)
    assert agrees.pointer == "/web/0/dedupe_key_feedback/0/server_events_with_dedupe_key"
    mismatch = one(findings, "X008", dedupe_key="fbp")
    assert (mismatch.extra["predicted"], mismatch.extra["reported"]) == (100.0, 0)
    assert "drops it" in mismatch.message


def test_dedup_prediction_counts_events_without_event_id() -> None:
    events = [website_event(event_id=DROP if i < 6 else f"o{i}") for i in range(10)]
    findings = run([body(*events)], load("web_all_fields.json"))
    found = one(findings, "X008", dedupe_key="event_id")
    assert found.extra["predicted"] == 40.0
    coverage = one(findings, "X014")
    assert coverage.extra["predicted"] == 40.0 and "caps it" in coverage.message


# ------------------------------------------------------------- diagnostics


def diagnostic_report(*names: str) -> dict[str, Any]:
    report = load("web_all_fields.json")
    emq = report["web"][0]["event_match_quality"]
    template = emq["diagnostics"][0]
    emq["diagnostics"] = [{**template, "name": name, "description": ""} for name in names]
    return report


def test_diagnostics_the_payloads_explain() -> None:
    events = []
    for i in range(10):
        ip = (
            "31.13.71.36"
            if i < 4
            else "10.0.0.12"
            if i < 7
            else "2a03:2880:f12f:83:face:b00c:0:25de"
        )
        fbc = (
            "fb.1.1763799000000.iwar2xyzabcdefghijklmnop" if i < 2 else "fb.1.1763799000000.IwAR2xY"
        )
        events.append(website_event(user_data=user_data(client_ip_address=ip, fbc=fbc)))
    report = diagnostic_report(
        "Update your IPv4 IP addresses to IPv6 IP addresses",
        "Server sending mismatched IP addresses",
        "Server sending modified fbclid value in fbc parameter",
        "Same event_id received for many events",
    )
    findings = run([body(*events)], report)
    ipv4 = one(findings, "X011", diagnostic="Update your IPv4 IP addresses to IPv6 IP addresses")
    assert ipv4.extra["predicted"] == 70.0 and ipv4.severity is Severity.INFO
    assert ipv4.pointer == "/web/0/event_match_quality/diagnostics/0"
    private = one(findings, "X011", diagnostic="Server sending mismatched IP addresses")
    assert private.extra["predicted"] == 30.0 and private.severity is Severity.WARNING
    assert private.fix  # Meta's solution
    fbc = one(findings, "X011", diagnostic="Server sending modified fbclid value in fbc parameter")
    assert fbc.extra["predicted"] == 20.0
    other = one(findings, "X012", diagnostic="Same event_id received for many events")
    assert "cannot predict" in other.message


def test_diagnostics_the_payloads_do_not_explain() -> None:
    findings = run([purchases()], load("web_all_fields.json"))
    names = {f.extra["diagnostic"] for f in by_code(findings, "X012")}
    assert names == {
        "Update your IPv4 IP addresses to IPv6 IP addresses",
        "Server sending mismatched IP addresses",
    }
    assert all(f.extra["predicted"] == 0.0 for f in by_code(findings, "X012"))


def test_fbclid_modification_signs() -> None:
    assert fbclid_modified("fb.1.1763799000000.iwar2xyzabcdefghijklmnop", None)
    assert fbclid_modified("fb.1.1763799000000.IwAR%2Bxy", None)
    assert fbclid_modified("fb.1.1763799000000.IwAR2xY", "https://x.com/?fbclid=IwAR2xZ")
    assert not fbclid_modified("fb.1.1763799000000.IwAR2xY", "https://x.com/?fbclid=IwAR2xY")
    assert not fbclid_modified("fb.1.1763799000000.IwAR2xY.AQ", None)


# ----------------------------------------------------- EMQ, coverage, freshness


def test_low_emq_lists_the_weak_high_weight_keys() -> None:
    lead = website_event(
        event_name="Lead",
        event_id="l-1",
        user_data={"client_user_agent": user_data()["client_user_agent"]},
    )
    findings = run([body(lead)], load("web_all_fields.json"))
    low = one(findings, "X013", event_name="Lead")
    assert (
        low.extra["reported"] == 4.1 and low.pointer == "/web/1/event_match_quality/composite_score"
    )
    assert low.extra["weak_keys"][:2] == ["email", "phone"]
    assert "user_agent" not in low.extra["weak_keys"]
    assert not by_code(
        run(
            [body(lead)],
            load("web_all_fields.json"),
            config={"options": {"X013": {"min-score": 4.0}}},
        ),
        "X013",
    )


def test_setup_quality_score_and_rating() -> None:
    payload = body(website_event(), website_event(event_name="PageView", event_id="p-1"))
    findings = run([payload], load("setup_quality.json"))
    low = one(findings, "X013")
    assert (
        low.extra["event_name"] == "PageView"
        and low.pointer == "/data/1/event_match_quality/composite_score"
    )
    assert low.extra["score_rating"] == "ok"
    rating_only = {
        "data": [{"event_name": "Purchase", "event_match_quality": {"score_rating": "none"}}]
    }
    found = one(run([payload], rating_only), "X013")
    assert found.pointer == "/data/0/event_match_quality" and "rated 'none'" in found.message


def test_event_coverage_below_goal() -> None:
    findings = run([purchases()], load("web_all_fields.json"))
    found = one(findings, "X014")
    assert found.pointer == "/web/0/event_coverage/percentage"
    assert (found.extra["predicted"], found.extra["reported"], found.extra["goal"]) == (
        100.0,
        34.1,
        75,
    )
    assert "never sends" in found.message
    lead = body(website_event(event_name="Lead", event_id="l-1"))
    assert not by_code(run([lead], load("web_all_fields.json")), "X014")  # 80.2 >= 75


def test_freshness_against_the_event_time_lag() -> None:
    report = load("web_all_fields.json")
    recent = body(website_event(event_name="Lead", event_id="l-1", event_time=NOW - 60))
    hourly = one(run([recent], report), "X015")
    assert hourly.extra["reported"] == "hourly" and hourly.extra["predicted"] == "real_time"
    assert (
        "payloads are fresh" in hourly.message
        and hourly.pointer == "/web/1/data_freshness/upload_frequency"
    )
    # Purchase is real_time; events 3 days old lag behind it: info.
    old = body(website_event(event_time=NOW - 3 * 86_400))
    stale = one(run([old], report), "X015")
    assert stale.severity is Severity.INFO and stale.extra["predicted"] == "weekly"
    fresh = body(website_event(event_time=NOW - 30))
    assert not by_code(run([fresh], report), "X015")
    assert lag_class(600, 600) == "real_time" and lag_class(3600, 600) == "hourly"


# ------------------------------------------------------------------ offline


def store_sales(days_ago: list[int], phone_every: int = 1) -> dict[str, Any]:
    events = [
        store_event(
            event_id=f"pos-{i}",
            event_time=NOW - d * 86_400 - 3600,
            user_data=user_data(
                client_ip_address=DROP,
                client_user_agent=DROP,
                fbc=DROP,
                fbp=DROP,
                ph=[sha(f"1650555{i:04d}")] if i % phone_every == 0 else DROP,
            ),
        )
        for i, d in enumerate(days_ago)
    ]
    return body(*events)


def test_offline_scores_and_coverage() -> None:
    findings = run([store_sales([1, 2, 5, 9], phone_every=2)], load("offline.json"))
    email = one(findings, "X003", identifier="email")
    assert email.pointer == "/offline/0/match_key/coverage/email"
    phone = one(findings, "X002", identifier="phone")
    assert (phone.extra["predicted"], phone.extra["reported"]) == (50.0, 90.0)
    composite = one(findings, "X016")
    assert composite.extra["reported"] == 6.6 and composite.pointer == "/offline/0/composite/score"
    match_key = one(findings, "X017")
    assert (match_key.extra["predicted_email"], match_key.extra["predicted_phone"]) == (100.0, 50.0)
    frequency = one(findings, "X018")
    assert frequency.extra["days_with_events"] == 4 and "4 of the 14 days" in frequency.message
    freshness = one(findings, "X019")
    assert freshness.extra["newest_lag_seconds"] == 86_400 + 3600
    # Website checks never run on offline entries.
    assert not by_code(findings, "X013") and not by_code(findings, "X014")


def test_offline_coverage_as_a_sibling_and_scores_as_numbers() -> None:
    report = {
        "offline": [
            {
                "event_name": "Purchase",
                "composite": 9.1,
                "match_key": {"score": 9.0, "recommendation": "ok"},
                "coverage": {"email": 100.0, "phone": 100.0, "madid": 4},
                "frequency": 9,
                "freshness": {"score": 9.5},
            }
        ]
    }
    findings = run([store_sales([0, 1, 2])], report)
    assert one(findings, "X003", identifier="phone").pointer == "/offline/0/coverage/phone"
    assert one(findings, "X006", identifier="madid").severity is Severity.INFO
    assert not [f for f in findings if f.code in ("X016", "X017", "X018", "X019")]


def test_physical_store_events_never_meet_web_entries() -> None:
    findings = run([store_sales([1])], load("web_all_fields.json"))
    assert not by_code(findings, "X003") and not by_code(findings, "X004")


# -------------------------------------------------------------------- empty


@pytest.mark.parametrize("report", [{}, {"web": []}], ids=["{}", "web-empty"])
def test_nothing_to_report_with_website_payloads(report: dict[str, Any]) -> None:
    findings = run([purchases()], report)
    assert [f.code for f in findings] == ["X020"]
    assert findings[0].extra == {"channel": "web", "events": 10}
    assert ("`{}`" in findings[0].message) == (report == {})


def test_nothing_to_report_without_website_payloads() -> None:
    assert run([store_sales([1])], {}) == []


def test_offline_asked_but_empty() -> None:
    findings = run([store_sales([1])], {"web": [], "offline": []})
    assert one(findings, "X020", channel="offline").pointer == "/offline"


# ------------------------------------------------------------ configuration


def test_select_ignore_and_severity_apply_to_x_codes() -> None:
    report = web_report()
    ignored = run([purchases()], report, config={"ignore": ["X003", "X009"]})
    assert not by_code(ignored, "X003") and by_code(ignored, "X001")
    only = run([purchases()], report, config={"select": ["X001"]})
    assert {f.code for f in only} == {"X001"}
    stricter = run([purchases()], report, config={"severity": {"X002": "error"}})
    assert all(f.severity is Severity.ERROR for f in by_code(stricter, "X002"))


def test_messages_hold_no_personal_data() -> None:
    email = "jane.doe@example.com"
    events = [website_event(user_data=user_data(em=email, ph="+1 650 555 1212"))]
    findings = run([body(*events)], web_report())
    text = " ".join(f.message + (f.fix or "") + repr(f.extra) for f in findings)
    assert email not in text and "650 555" not in text and "6505551212" not in text


def test_findings_are_sorted_and_reports_are_not_mutated() -> None:
    report = web_report()
    snapshot = copy.deepcopy(report)
    findings = run([purchases()], report)
    assert findings == sorted(findings, key=Finding.sort_key)
    assert report == snapshot
