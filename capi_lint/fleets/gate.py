"""One rate-limit gate shared by every worker of a fleet run.

Meta reports usage on each answer (``X-App-Usage``, ``X-Business-Use-Case-Usage``,
as percentages of the limit) and asks for pauses (``Retry-After``,
``estimated_time_to_regain_access``); the client turns them into
``QualityResponse.usage`` and into the waits it sleeps before a retry. The
gate makes the whole pool obey them, not just the worker that read them:

- below ``slow_at`` %: calls go out as fast as the pool allows;
- from ``slow_at`` %: one call in flight at a time, spaced by a share of
  ``cooldown`` that grows linearly up to ``stop_at`` %;
- at ``stop_at`` % (90 by default) and above: one call per ``cooldown``;
- a wait the headers asked for (the client sleeps it through :meth:`hold`)
  holds every worker until it has passed.

Meta: "Use the rate limiting header to dynamically balance your call volume"
(https://developers.facebook.com/docs/graph-api/overview/rate-limiting).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from capi_lint.fleets.fleetfile import RateLimit


@dataclass
class GateStats:
    """What the gate did (for the report and the tests; no wall-clock figures)."""

    calls: int = 0
    peak_usage: float = 0.0
    #: Calls that waited for spacing or a pause before going out.
    delayed: int = 0
    #: Waits the headers asked for (seconds), in the order they arrived.
    holds: list[float] = field(default_factory=list)


class RateGate:
    def __init__(
        self,
        limits: RateLimit | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limits = limits or RateLimit()
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._usage = 0.0
        self._resume_at = 0.0
        self._last_start = float("-inf")
        self._in_flight = 0
        self.stats = GateStats()

    # ------------------------------------------------------------- workers

    def spacing(self, usage: float) -> float:
        """Seconds between two calls at this usage."""
        slow, stop, cooldown = self.limits.slow_at, self.limits.stop_at, self.limits.cooldown
        if usage < slow:
            return 0.0
        if usage >= stop or stop <= slow:
            return cooldown
        return cooldown * (usage - slow) / (stop - slow)

    def acquire(self) -> None:
        """Block until this worker may send its next call."""
        delayed = False
        while True:
            with self._lock:
                now = self._clock()
                wait = self._resume_at - now
                throttled = self._usage >= self.limits.slow_at
                if wait <= 0:
                    if throttled and self._in_flight:
                        wait = 0.01  # one call at a time near the limit
                    else:
                        wait = self._last_start + self.spacing(self._usage) - now
                if wait <= 0:
                    self._last_start = now
                    self._in_flight += 1
                    self.stats.calls += 1
                    self.stats.delayed += delayed
                    return
            delayed = True
            self._sleep(min(wait, 0.25))  # short naps: a fresh answer may lift the gate

    def release(self, usage: float | None) -> None:
        """The call is over; ``usage`` is what its answer reported (None: no figure)."""
        with self._lock:
            self._in_flight -= 1
            if usage is not None:
                self._usage = usage
                self.stats.peak_usage = max(self.stats.peak_usage, usage)

    def hold(self, seconds: float) -> None:
        """Pause the whole pool for ``seconds`` (a Retry-After, a BUC wait) and
        sleep it here; given to the client as its ``sleep``."""
        with self._lock:
            self._resume_at = max(self._resume_at, self._clock() + seconds)
            self.stats.holds.append(seconds)
        self._sleep(seconds)
