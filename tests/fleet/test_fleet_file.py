"""The fleet file and the rate gate, without a network."""

from __future__ import annotations

from pathlib import Path

import pytest

from capi_lint.fleets.fleetfile import FleetFileError, RateLimit, load_fleet_file
from capi_lint.fleets.gate import RateGate


def test_fleet_file_defaults_and_relative_paths(tmp_path: Path) -> None:
    path = tmp_path / "FLEET.toml"
    path.write_text(
        'agent-name = "acme"\nhistory = "h.sqlite"\n'
        '[[datasets]]\nid = "1"\npayloads = "cap"\nname = "A"\noffline = true\n'
        '[[datasets]]\nid = "2"\ntoken-env = "OTHER"\nagent-name = "b"\n',
        "utf-8",
    )
    fleet = load_fleet_file(str(path))
    a, b = fleet.datasets
    assert (a.token_env, a.agent_name, a.offline, a.payloads) == (
        "META_ACCESS_TOKEN",
        "acme",
        True,
        (str(tmp_path / "cap"),),
    )
    assert (b.token_env, b.agent_name) == ("OTHER", "b")
    assert fleet.history == str(tmp_path / "h.sqlite")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[datasets]]\nid = "1"\nid2 = 3 =\n', "invalid TOML.*line 3"),
        ("x = 1\n", "unknown key x"),
        ('[[datasets]]\nid = "12a"\n', r"datasets\[0\]\.id: expected the dataset id"),
        ('[[datasets]]\nid = "1"\n[[datasets]]\nid = "1"\n', "listed twice"),
        ('[[datasets]]\nid = "1"\noffline = "yes"\n', "offline: expected true or false"),
        ("[rate-limit]\nstop-at = 50\n[[datasets]]\nid = '1'\n", "slow-at ≤ stop-at"),
        ('token-env = "META TOKEN"\n[[datasets]]\nid = "1"\n', "environment variable"),
    ],
)
def test_fleet_file_mistakes_name_the_file_and_entry(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "FLEET.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(FleetFileError, match=message) as info:
        load_fleet_file(str(path))
    assert str(path) in str(info.value)


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_gate_spaces_calls_from_slow_at_and_pauses_at_stop_at() -> None:
    t = FakeTime()
    gate = RateGate(RateLimit(slow_at=75, stop_at=90, cooldown=60), clock=t.clock, sleep=t.sleep)
    assert [gate.spacing(u) for u in (10, 75, 80, 89.999, 90, 100)][:3] == [0.0, 0.0, 20.0]
    assert gate.spacing(90) == gate.spacing(100) == 60
    gate.acquire()
    gate.release(50.0)
    gate.acquire()  # below slow-at: no wait
    assert t.slept == []
    gate.release(90.0)
    started = t.now
    gate.acquire()  # at stop-at: one call per cooldown
    assert t.now - started == pytest.approx(60.0)
    gate.release(20.0)
    gate.hold(30.0)  # a Retry-After holds the pool
    before = t.now
    gate.acquire()
    assert t.now == before  # the hold was slept by the worker that read it
    assert gate.stats.holds == [30.0] and gate.stats.delayed == 1
