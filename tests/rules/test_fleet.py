"""X021-X026: the fleet rules over one dataset's change (this run vs its last run)."""

from __future__ import annotations

from typing import Any

from capi_lint.comparison import CrosscheckContext
from capi_lint.fleet_change import DatasetChange, ReadFailure
from capi_lint.fleets.snapshot import EventSnapshot
from capi_lint.model import Hit
from capi_lint.rules import fleet

SINCE = "2025-11-21 08:26 UTC"
OPTIONS = {
    "X022": {"points": 1.0},
    "X023": {"points": 10.0},
    "X024": {"goal-percentage": 75.0},
}


def _ctx(**options: dict[str, Any]) -> CrosscheckContext:
    return CrosscheckContext({**OPTIONS, **options})


def _purchase(**figures: Any) -> EventSnapshot:
    return EventSnapshot("web", "Purchase", where=("web", 0), **figures)


def _change(now: EventSnapshot, before: EventSnapshot) -> DatasetChange:
    return DatasetChange("1", current=(now,), previous={before.key: before}, since=SINCE)


def _one(hits: list[Hit] | None) -> Hit:
    assert hits is not None and len(hits) == 1, hits
    return hits[0]


def test_x021_names_the_kind_and_the_fix_and_leaves_out_an_absent_code() -> None:
    change = DatasetChange("42", failure=ReadFailure("timeout", "no answer within 30s"))
    hit = _one(fleet.dataset_quality_unavailable(change, _ctx()))
    assert hit.message == (
        "cannot read the quality report of dataset 42 (timeout): no answer within 30s"
    )
    assert hit.fix == "raise --timeout, or run again later"
    assert hit.extra == {"kind": "timeout"}
    ok = DatasetChange("42", current=(_purchase(emq=8.0),))
    assert fleet.dataset_quality_unavailable(ok, _ctx()) is None


def test_x022_drop_of_the_threshold_or_more() -> None:
    hit = _one(fleet.emq_dropped(_change(_purchase(emq=7.1), _purchase(emq=8.4)), _ctx()))
    assert hit.where == ("web", 0, "event_match_quality", "composite_score")
    assert hit.message == (
        "Event Match Quality of `Purchase` dropped by 1.3 points, from 8.4 at the last run "
        "(2025-11-21 08:26 UTC) to 7.1"
    )
    small = _change(_purchase(emq=7.6), _purchase(emq=8.4))
    assert fleet.emq_dropped(small, _ctx()) is None
    assert fleet.emq_dropped(small, _ctx(X022={"points": 0.5})) is not None


def test_x023_skips_keys_without_a_figure_on_either_side() -> None:
    now = _purchase(match_keys={"email": 70.0, "phone": None, "fbp": 10.0})
    before = _purchase(match_keys={"email": 90.0, "phone": 80.0})
    hit = _one(fleet.match_key_coverage_dropped(_change(now, before), _ctx()))
    assert hit.message.startswith("coverage of match key email on `Purchase` dropped by 20 points")
    assert hit.extra == {
        "event_name": "Purchase",
        "identifier": "email",
        "before": 90.0,
        "reported": 70.0,
        "drop": 20.0,
    }


def test_x024_only_when_it_crosses_the_goal_the_report_gives() -> None:
    crossed = _change(
        _purchase(event_coverage=85.0, coverage_goal=90.0),
        _purchase(event_coverage=95.0, coverage_goal=90.0),
    )
    hit = _one(fleet.event_coverage_fell_below_goal(crossed, _ctx()))
    assert "fell below the 90% goal: 95% at the last run" in hit.message
    already_below = _change(_purchase(event_coverage=60.0), _purchase(event_coverage=70.0))
    assert fleet.event_coverage_fell_below_goal(already_below, _ctx()) is None


def test_x025_new_diagnostic_without_a_percentage() -> None:
    now = _purchase(diagnostics={"Old one": 3.0, "Send fbc": None})
    hit = _one(
        fleet.diagnostic_appeared(_change(now, _purchase(diagnostics={"Old one": 1.0})), _ctx())
    )
    assert hit.message == (
        "Meta reports a new diagnostic on `Purchase`: 'Send fbc'; the last run "
        "(2025-11-21 08:26 UTC) did not have it"
    )
    assert hit.extra == {"event_name": "Purchase", "diagnostic": "Send fbc"}


def test_x026_event_gone_and_nothing_on_a_first_run() -> None:
    lead = EventSnapshot("web", "Lead", where=("web", 1))
    change = DatasetChange(
        "1", current=(_purchase(),), previous={("web", "Purchase"): _purchase(), lead.key: lead}
    )
    hit = _one(fleet.event_stopped_reporting(change, _ctx()))
    assert hit.where == ("web",)
    assert hit.extra == {"channel": "web", "event_name": "Lead"}
    first_run = DatasetChange("1", current=(_purchase(emq=1.0),), previous=None)
    for check in (fleet.emq_dropped, fleet.event_stopped_reporting, fleet.diagnostic_appeared):
        assert check(first_run, _ctx()) is None
