"""Parsing what the quality endpoints really return (quality-api.md §1, §6)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from quality_server import load

from capi_lint.quality.parse import QualityParseError, parse_report


def test_full_web_fixture() -> None:
    report = parse_report(load("web_all_fields.json"))
    assert report.endpoint == "dataset_quality" and report.has_web and not report.has_offline
    purchase, lead, search = report.web
    assert purchase.emq is not None and purchase.emq.composite_score == 7.2
    keys = purchase.emq.match_keys or []
    assert [k.identifier for k in keys][:2] == ["email", "ip_address"]
    assert keys[0].coverage == 100 and keys[0].potential_increase == 58.96
    assert keys[1].where == ("web", 0, "event_match_quality", "match_key_feedback", 1)
    diag = (purchase.emq.diagnostics or [])[0]
    assert (diag.percentage, diag.affected_event_count, diag.total_event_count) == (
        59.5,
        18930,
        31830,
    )
    assert purchase.event_coverage is not None and purchase.event_coverage.goal_percentage == 75
    assert [d.dedupe_key for d in purchase.dedup_keys or []] == ["event_id", "fbp"]
    assert (purchase.dedup_keys or [])[1].server == 0
    assert purchase.upload_frequency == "real_time" and purchase.acr == 37.9
    assert lead.emq is not None and lead.emq.diagnostics == [] and lead.dedup_keys is None
    assert search.emq is None and search.potential_acr == 32.9 and not search.connected
    assert purchase.connected and lead.connected


def test_default_projection_has_no_optional_blocks() -> None:
    report = parse_report(load("web_default_projection.json"))
    entry = report.web[0]
    assert entry.event_name == "pLTVPurchase"
    assert entry.emq is not None and entry.emq.diagnostics is None
    assert entry.event_coverage is None and entry.upload_frequency is None


@pytest.mark.parametrize("body", [{}, {"web": []}, {"web": None}, b"{}", "{}\n"])
def test_nothing_to_report(body: Any) -> None:
    report = parse_report(body)
    assert report.empty and report.web == [] and report.notes == ()


def test_tolerance_fixture() -> None:
    entry = parse_report(load("tolerance_cases.json")).web[0]
    keys = entry.emq.match_keys if entry.emq else []
    assert [(k.identifier, k.coverage) for k in keys or []] == [
        ("zip_code", 40),
        ("some_future_key", 3),
        ("fbc", None),
    ]
    dedup = entry.dedup_keys or []
    assert dedup[0].dedupe_key == "external_id" and dedup[0].server == 55
    assert dedup[0].where == ("web", 0, "dedup_key_feedback", 0)
    assert entry.upload_frequency == "weekly"


def test_scores_and_coverage_in_every_documented_shape() -> None:
    body = {
        "web": [
            {
                "event_name": "A",
                "event_match_quality": 6.5,
                "event_coverage": 12,
                "data_freshness": "daily",
                "acr": 3,
            },
            {
                "event_name": "B",
                "event_match_quality": {
                    "composite_score": {"score": 4},
                    "match_key_feedback": [
                        {"identifier": "email", "coverage": 90},
                        {"identifier": "phone", "coverage": {"percentage": "61.5"}},
                        {"identifier": "fbp", "coverage": {"percentage": True}},
                        {"coverage": 5},
                        "junk",
                    ],
                },
                "dedupe_key_feedback": [{"dedupe_key": "event_id"}, {"no_key": 1}],
                "event_spend": {"amount": 0},
                "event_ad_sets": [],
            },
        ]
    }
    a, b = parse_report(body).web
    assert a.emq is not None and a.emq.composite_score == 6.5 and a.emq.match_keys is None
    assert a.event_coverage is not None and a.event_coverage.percentage == 12
    assert a.upload_frequency == "daily" and a.acr == 3
    assert b.emq is not None and b.emq.composite_score == 4
    assert [(k.identifier, k.coverage) for k in b.emq.match_keys or []] == [
        ("email", 90.0),
        ("phone", 61.5),
        ("fbp", None),
    ]
    assert [(d.dedupe_key, d.server) for d in b.dedup_keys or []] == [("event_id", None)]


def test_offline_nested_sibling_and_bare_numbers() -> None:
    nested = parse_report(load("offline.json")).offline[0]
    assert nested.composite is not None and nested.composite.score == 6.6
    assert nested.composite.recommendation and "ok" in nested.composite.recommendation
    assert nested.coverage["email"] == (100.0, ("offline", 0, "match_key", "coverage", "email"))
    sibling = parse_report(
        {
            "offline": [
                {
                    "event_name": "Purchase",
                    "composite": 6.6,
                    "match_key": {"score": 5.6},
                    "coverage": {"email": 100.0, "phone": 90.0},
                    "frequency": 4,
                    "freshness": {"score": 2.2},
                }
            ]
        }
    ).offline[0]
    assert sibling.coverage["phone"] == (90.0, ("offline", 0, "coverage", "phone"))
    assert sibling.composite is not None and sibling.composite.score == 6.6
    assert sibling.frequency is not None and sibling.frequency.where == ("offline", 0, "frequency")


def test_setup_quality_envelope_is_detected() -> None:
    report = parse_report(load("setup_quality.json"))
    assert report.endpoint == "setup_quality"
    assert [e.event_name for e in report.web] == ["Purchase", "PageView"]
    assert report.web[1].emq is not None and report.web[1].emq.score_rating == "ok"
    assert report.web[1].where == ("data", 1)


def test_entries_that_are_not_objects_are_skipped_with_a_note() -> None:
    report = parse_report({"web": [1, {"event_name": "Lead"}], "offline": ["x"]})
    assert [e.event_name for e in report.web] == ["Lead"]
    assert len(report.notes) == 2 and "/web/0" in report.notes[0]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[]", "got an array"),
        ("null", "got null"),
        ('{"web": {}}', "`web` is an object"),
        ('{"offline": 3}', "`offline` is a number"),
        ("{", "not valid JSON"),
        ("", "empty"),
        (b"\xff", "not UTF-8"),
        (json.dumps(load("errors.json")[0]), "Graph API error (code 2500)"),
    ],
)
def test_unusable_bodies_raise_clear_errors(body: Any, message: str) -> None:
    with pytest.raises(QualityParseError) as caught:
        parse_report(body)
    assert message in str(caught.value)


def test_a_leading_bom_is_accepted() -> None:
    assert parse_report(b"\xef\xbb\xbf{}").empty
