"""capi_lint.Checker: compiled once, reused for many payloads, the same answers
as capi_lint.check (issue 18, item 6)."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import NOW, body, website_event

import capi_lint
from capi_lint.config import ConfigError, build_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import traffic

FLAWED = website_event(event_name="purchase", event_time=NOW * 1000)


def test_checker_gives_the_findings_of_check_on_realistic_traffic() -> None:
    checker = capi_lint.Checker(now=NOW)
    events = list(traffic.events(300, seed=11))
    payloads: list[object] = [e for e in events[:100]]
    payloads += [body(*events[i : i + 25]) for i in range(100, 300, 25)]
    payloads.append("\n".join(json.dumps(e) for e in events[:50]))
    findings = [checker.check(p) for p in payloads]
    assert any(findings)
    assert findings == [capi_lint.check(p, now=NOW) for p in payloads]
    # Reuse changes nothing: a second pass gives the same answers.
    assert findings == [checker.check(p) for p in payloads]


def test_check_accepts_select_and_ignore() -> None:
    everything = {f.code for f in capi_lint.check(FLAWED, now=NOW)}
    assert {"E002", "E005"} <= everything
    assert {f.code for f in capi_lint.check(FLAWED, now=NOW, select=["E002"])} == {"E002"}
    assert "E002" not in {f.code for f in capi_lint.check(FLAWED, now=NOW, ignore=["E002"])}
    assert {f.code for f in capi_lint.check(FLAWED, now=NOW, select=["E0"], ignore=["E002"])} == {
        "E005"
    }


def test_checker_select_applies_on_top_of_settings() -> None:
    settings = build_settings({"ignore": ["E005"]}, now=NOW)
    assert {f.code for f in capi_lint.Checker(settings).check(FLAWED)} == everything_but("E005")
    checker = capi_lint.Checker(settings, select=["E002", "E005"])
    assert {f.code for f in checker.check(FLAWED)} == {"E002", "E005"}


def everything_but(code: str) -> set[str]:
    return {f.code for f in capi_lint.check(FLAWED, now=NOW)} - {code}


def test_an_unknown_code_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        capi_lint.Checker(select=["Z999"])
    with pytest.raises(ConfigError):
        capi_lint.check(FLAWED, now=NOW, ignore=["Z999"])


def test_check_reuses_one_checker_per_set_of_arguments() -> None:
    from capi_lint import api

    capi_lint.check(FLAWED, now=NOW, select=["E002"])
    first = api._checker(None, NOW, ["E002"], None, None)
    assert api._checker(None, NOW, ["E002"], None, None) is first
    assert api._checker(None, NOW, ["E005"], None, None) is not first
    # A config table may change between calls: it is read every time.
    table = {"ignore": ["E002"]}
    assert "E002" not in {f.code for f in capi_lint.check(FLAWED, table, now=NOW)}
    table["ignore"] = ["E005"]
    assert "E002" in {f.code for f in capi_lint.check(FLAWED, table, now=NOW)}


def test_a_checker_without_reference_time_reads_the_clock_on_every_call() -> None:
    # An event a year older than the clock: E006 (too old) whatever day the test runs.
    import time

    old = website_event(event_time=int(time.time()) - 365 * 86_400)
    checker = capi_lint.Checker()
    assert "E006" in {f.code for f in checker.check(old)}
    # The same checker with no reference time stored: a fresh event is not old.
    assert "E006" not in {f.code for f in checker.check(website_event(event_time=int(time.time())))}


def test_one_checker_from_eight_threads_gives_the_serial_findings() -> None:
    checker = capi_lint.Checker(now=NOW)
    events = list(traffic.events(200, seed=5))
    payloads = [body(*events[i : i + 20]) for i in range(0, 200, 20)] + events[:40]
    serial = [checker.check(p) for p in payloads]
    assert any(serial)
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            assert list(pool.map(checker.check, payloads)) == serial


def test_calls_share_no_dedup_state() -> None:
    checker = capi_lint.Checker(now=NOW, config={"dedup-scope": "run"})
    event = website_event(event_id="same")
    assert "D003" not in {f.code for f in checker.check(event)}
    assert "D003" not in {f.code for f in checker.check(event)}


def test_a_clock_checker_reads_the_injected_clock_on_each_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The compiled Engine is reused across calls; the clock must not be.
    import time

    clock = [float(NOW)]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    checker = capi_lint.Checker()
    event = website_event(event_time=NOW - 8 * 86_400)  # 8 days before NOW
    assert "E006" in {f.code for f in checker.check(event)}
    clock[0] = NOW - 7 * 86_400  # now the event is a day old
    assert "E006" not in {f.code for f in checker.check(event)}
    clock[0] = NOW
    assert "E006" in {f.code for f in checker.check(event)}


def test_with_clock_read_equals_replace_at_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # with_clock_read copies the fields (faster than dataclasses.replace): same settings.
    import time
    from dataclasses import replace

    from capi_lint.config import CLOCK

    monkeypatch.setattr(time, "time", lambda: float(NOW))
    settings = build_settings(
        {"ignore": ["E005"], "per-file-now": {"old/*.json": "clock", "x/*.json": NOW - 5}},
        now="clock",
    )
    settings.resolved_options  # noqa: B018 (filled before the copy)
    read = settings.with_clock_read()
    expected = replace(
        settings,
        now=NOW,
        per_file_now=tuple(
            (pattern, NOW if when == CLOCK else when) for pattern, when in settings.per_file_now
        ),
    )
    assert read == expected
    assert read.now == NOW and [when for _, when in read.per_file_now] == [NOW, NOW - 5]
    assert settings.now == CLOCK  # the original is untouched
    assert read.resolved_options is settings.resolved_options
