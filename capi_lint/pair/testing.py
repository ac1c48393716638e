"""Pairing in tests: what the page sent to the Pixel against what the server sent.

The ``capi_lint_pair`` fixture (:mod:`capi_lint.pytest_plugin`) wraps a
:class:`PairRecorder`. It watches the test's ``capi_lint_server``
(:meth:`capi_lint.serve.LintServer.watch`): the server's record masks
``user_data`` (``fbp`` keeps its last digits only), so the recorder keeps, per
server event, only what pairing compares: ``event_name``, ``event_id``,
``event_time``, ``action_source``, ``fbp`` and ``external_id`` as the SHA-256
digests Meta compares (normalised first, as pairing does). No other customer
information is kept, and nothing of it is printed: findings are masked as
everywhere.

:meth:`PairRecorder.assert_pairs` writes both sides to the test's temporary
folder (the browser side as given: a HAR or JSON Lines file, or recorded
``fbq`` calls as a JSON array, one call a line; the server side as
``server_requests.jsonl``, one line per request, so a finding's line is the
request's number) and runs
:func:`capi_lint.pair.run_pair` on them, exactly as ``capi-lint pair`` does.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

from capi_lint.config import Settings
from capi_lint.model import Finding
from capi_lint.pair import PairRun, run_pair
from capi_lint.pair.match import Row
from capi_lint.rules._pair import canonical_external_ids

#: Recorded ``fbq`` calls (dicts, as tests/fixtures/pair/fbq_calls.jsonl holds them).
BrowserInput = str | PathLike[str] | Sequence[Mapping[str, Any]]
#: Server payload files, or request bodies / events as dicts.
ServerInput = str | PathLike[str] | Sequence[Any]

_KEPT = ("event_name", "event_id", "event_time", "action_source")


class PairError(AssertionError):
    """The two sides do not pair: the failing P findings and coverage shortfalls."""

    def __init__(self, findings: list[Finding], shortfalls: list[str], fail_on: str) -> None:
        from capi_lint.reporters.text import format_finding

        self.findings = findings
        self.shortfalls = shortfalls
        lines = [format_finding(f) for f in findings]
        if findings:
            lines.append(f"{len(findings)} pairing finding(s) at or above {fail_on}")
        lines.extend(shortfalls)
        super().__init__("\n".join(lines))


def dedupe_fields(event: Any) -> dict[str, Any] | None:
    """What pairing reads of one server event, ``external_id`` already digested."""
    if isinstance(event, str):
        try:
            event = json.loads(event)
        except ValueError:
            return None
    if not isinstance(event, dict):
        return None
    kept = {key: event[key] for key in _KEPT if key in event}
    user = event.get("user_data")
    if isinstance(user, dict):
        kept_user: dict[str, Any] = {}
        if isinstance(user.get("fbp"), str):
            kept_user["fbp"] = user["fbp"]
        raw = user.get("external_id")
        values = [raw] if isinstance(raw, (str, int)) else raw if isinstance(raw, list) else []
        digests = canonical_external_ids([str(v) for v in values if isinstance(v, (str, int))])
        if digests:
            kept_user["external_id"] = sorted(digests)
        if kept_user:
            kept["user_data"] = kept_user
    return kept


class PairRecorder:
    """Collects the server side from a :class:`~capi_lint.serve.LintServer` and
    pairs it with a browser side on request."""

    def __init__(self, settings: Callable[..., Settings], folder: Path) -> None:
        self._settings = settings
        self.folder = folder
        self._lock = threading.Lock()
        #: (pixel id, events) per events request, in arrival order.
        self._requests: list[tuple[str, list[dict[str, Any]]]] = []

    def watch(self, server: Any) -> None:
        server.watch(self._received)

    def _received(self, pixel_id: str, events: list[Any]) -> None:
        kept = [k for e in events if (k := dedupe_fields(e)) is not None]
        with self._lock:
            self._requests.append((pixel_id, kept))

    @property
    def server_pixels(self) -> list[str]:
        with self._lock:
            return sorted({pixel for pixel, _ in self._requests})

    def pair(
        self,
        browser: BrowserInput,
        server: ServerInput | None = None,
        *,
        pixel_id: str | None = None,
        **options: Any,
    ) -> PairRun:
        """Pair ``browser`` with ``server`` (default: what the server received)."""
        settings = self._settings(**options)
        browser_paths = [self._browser_file(browser)]
        server_paths = self._server_files(server)
        if pixel_id is None and server is None and len(self.server_pixels) == 1:
            pixel_id = self.server_pixels[0]  # the pixel in the URL the server posted to
        return run_pair(browser_paths, server_paths, settings, pixel_id=pixel_id)

    def assert_pairs(
        self,
        browser: BrowserInput,
        server: ServerInput | None = None,
        *,
        min_coverage: float | None = None,
        event_names: Iterable[str] | None = None,
        pixel_id: str | None = None,
        **options: Any,
    ) -> PairRun:
        """Fail the test (:class:`PairError`, an AssertionError) when a pairing
        finding is at or above ``fail_on``, or when the predicted event coverage
        of an event name the browser sent (of ``event_names``, if given) is below
        ``min_coverage`` percent. Returns the run when it passes."""
        __tracebackhide__ = True
        settings = self._settings(**options)
        run = self.pair(browser, server, pixel_id=pixel_id, **options)
        failing = [f for f in run.result.findings if f.severity.rank >= settings.fail_on.rank]
        shortfalls = (
            coverage_shortfalls(run.rows, min_coverage, event_names)
            if min_coverage is not None
            else []
        )
        if failing or shortfalls:
            raise PairError(failing, shortfalls, settings.fail_on.value)
        return run

    # ------------------------------------------------------------ inputs as files

    def _browser_file(self, browser: BrowserInput) -> str:
        if isinstance(browser, (str, PathLike)):
            return str(browser)
        # A JSON array, one call a line (the first on line 2): findings name the line.
        path = self.folder / "browser_calls.json"
        calls = [json.dumps(call, ensure_ascii=False) for call in browser]
        path.write_text("[\n" + ",\n".join(calls) + "\n]\n", "utf-8")
        return str(path)

    def _server_files(self, server: ServerInput | None) -> list[str]:
        if server is None:
            with self._lock:
                requests = list(self._requests)
            lines = [json.dumps({"data": events}, ensure_ascii=False) for _, events in requests]
        elif isinstance(server, (str, PathLike)):
            return [str(server)]
        else:
            lines = [json.dumps(item, ensure_ascii=False) for item in server]
        path = self.folder / "server_requests.jsonl"
        path.write_text("".join(line + "\n" for line in lines), "utf-8")
        return [str(path)]


def coverage_shortfalls(
    rows: Iterable[Row], minimum: float, event_names: Iterable[str] | None = None
) -> list[str]:
    """One line per event name whose predicted coverage is below ``minimum``."""
    rows = list(rows)
    wanted = set(event_names) if event_names is not None else None
    out = [
        f"the Pixel sent no {_shown(name)} event"
        for name in sorted(wanted or ())
        if not any(r.event_name == name and r.browser_events for r in rows)
    ]
    for row in rows:
        if wanted is not None and row.event_name not in wanted:
            continue
        coverage = row.predicted_event_coverage
        if coverage is None or coverage >= minimum:
            continue
        paired = row.deduplicated_by_event_id + row.deduplicated_by_external_id_fbp
        out.append(
            f"predicted event coverage of {_shown(row.event_name)} is {coverage:g}% "
            f"(below {minimum:g}%): {paired} of {row.browser_events} Pixel event(s) have a "
            "server twin"
        )
    return out


def _shown(name: str) -> str:
    from capi_lint.rules._pair import show

    return show(name)
