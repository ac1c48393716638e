"""One fleet run: every dataset of the fleet file through a bounded pool of workers.

Per dataset: read its token, fetch the quality report through
:class:`capi_lint.quality.client.QualityClient` (behind the shared
:class:`~capi_lint.fleets.gate.RateGate`), cross-check it against its payloads
(:func:`capi_lint.quality.run_crosscheck`, the X rules) when it has some, take
a snapshot, and hold it against the last run in the history (alerts). A
failure of one dataset is its finding (X021); the run goes on.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from capi_lint import __version__
from capi_lint.config import Settings
from capi_lint.fleet_change import DatasetChange, ReadFailure, SnapshotKey
from capi_lint.fleets.findings import fleet_findings
from capi_lint.fleets.fleetfile import DatasetSpec, FleetFile
from capi_lint.fleets.gate import GateStats, RateGate
from capi_lint.fleets.history import History
from capi_lint.fleets.snapshot import EventSnapshot, snapshot
from capi_lint.model import Finding, Severity
from capi_lint.quality import DATASET_QUALITY, SETUP_QUALITY, ReportSource, run_crosscheck
from capi_lint.quality.parse import QualityParseError, parse_report

OK, FAILED = "ok", "failed"


@dataclass(frozen=True)
class FetchOptions:
    graph_url: str | None = None
    api_version: str | None = None
    timeout: float = 30.0
    max_wait: float = 120.0
    concurrency: int = 4


@dataclass
class DatasetResult:
    spec: DatasetSpec
    status: str
    findings: list[Finding] = field(default_factory=list)
    events: list[EventSnapshot] = field(default_factory=list)
    source: str = ""
    endpoint: str | None = None
    error_kind: str | None = None
    notes: list[str] = field(default_factory=list)
    payload_files: int = 0
    payload_events: int = 0
    #: started_at of the run the alerts compared with (None: no earlier run).
    compared_with: int | None = None

    @property
    def worst_emq(self) -> float | None:
        scores = [e.emq for e in self.events if e.emq is not None]
        return min(scores) if scores else None

    def severities(self) -> Counter[str]:
        return Counter(f.severity.value for f in self.findings)


@dataclass
class FleetResult:
    datasets: list[DatasetResult]
    started_at: int
    gate: GateStats
    fleet_path: str = ""
    history_path: str | None = None
    #: (dataset_id, channel, event_name) -> [(started_at, emq), ...] incl. this run.
    trends: dict[tuple[str, str, str], list[tuple[int, float]]] = field(default_factory=dict)

    @property
    def findings(self) -> list[Finding]:
        return [f for d in self.datasets for f in d.findings]

    def failed(self, fail_on: Severity) -> bool:
        return any(f.severity.rank >= fail_on.rank for f in self.findings)

    def summary(self) -> dict[str, Any]:
        counts = Counter(f.severity.value for f in self.findings)
        return {
            "datasets": len(self.datasets),
            "ok": sum(d.status == OK for d in self.datasets),
            "failed": sum(d.status == FAILED for d in self.datasets),
            "errors": counts["error"],
            "warnings": counts["warning"],
            "infos": counts["info"],
            "alerts": sum(f.code in ALERT_CODES for f in self.findings),
            "calls": self.gate.calls,
            "peak_usage": self.gate.peak_usage,
        }


ALERT_CODES = frozenset({"X022", "X023", "X024", "X025", "X026"})


def _day(when: int) -> str:
    return datetime.fromtimestamp(when, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


class _Clients:
    """One QualityClient per worker thread and token variable (httpx pools connections)."""

    def __init__(self, make: Callable[[str], Any]) -> None:
        self._make = make
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    def get(self, token_env: str, token: str) -> Any:
        cache = getattr(self._local, "clients", None)
        if cache is None:
            cache = self._local.clients = {}
        client = cache.get(token_env)
        if client is None:
            client = cache[token_env] = self._make(token)
            with self._lock:
                self._all.append(client)
        return client

    def close(self) -> None:
        for client in self._all:
            client.close()


def run_fleet(
    fleet: FleetFile,
    settings: Settings,
    options: FetchOptions,
    *,
    history: History | None = None,
    environ: dict[str, str] | None = None,
    gate: RateGate | None = None,
    progress: Callable[[DatasetResult], None] | None = None,
) -> FleetResult:
    from capi_lint.quality.client import GraphError, RetryPolicy, check_token

    environ = dict(os.environ) if environ is None else environ
    settings = settings.with_clock_read()
    started_at = settings.resolved_now()
    settings = settings if isinstance(settings.now, int) else _pinned(settings, started_at)
    gate = gate or RateGate(fleet.rate_limit)
    previous = history.previous() if history is not None else {}
    run_id = history.start_run(started_at, __version__) if history is not None else None

    tokens: dict[str, str | None] = {}
    for spec in fleet.datasets:
        if spec.token_env not in tokens:
            try:
                tokens[spec.token_env] = check_token(environ.get(spec.token_env, ""))
            except ValueError:
                tokens[spec.token_env] = None

    def make_client(token: str) -> Any:
        from capi_lint.quality.client import QualityClient

        kwargs: dict[str, Any] = {
            "timeout": options.timeout,
            "retry": RetryPolicy(max_wait=options.max_wait),
            "sleep": gate.hold,
        }
        if options.graph_url:
            kwargs["graph_url"] = options.graph_url
        if options.api_version:
            kwargs["api_version"] = options.api_version
        return QualityClient(token, **kwargs)

    clients = _Clients(make_client)

    def one(spec: DatasetSpec) -> DatasetResult:
        token = tokens.get(spec.token_env)
        shown = f"dataset_quality?dataset_id={spec.dataset_id}"
        if token is None:
            return _failure(
                spec,
                settings,
                shown,
                "no-token",
                f"no usable access token in ${spec.token_env} for dataset {spec.dataset_id}",
            )
        try:
            client = clients.get(spec.token_env, token)
        except ValueError as exc:  # a bad --graph-url / --api-version: same for every dataset
            return _failure(spec, settings, shown, "usage", str(exc))
        endpoint = spec.endpoint
        shown = _shown(client, spec, endpoint)
        try:
            response = _fetch(client, gate, spec, endpoint)
        except GraphError as exc:
            if exc.kind != "unknown-path" or endpoint != DATASET_QUALITY:
                return _failure(spec, settings, shown, exc.kind, str(exc), code=exc.code)
            endpoint = SETUP_QUALITY  # the older edge, where the root node is unknown
            shown = _shown(client, spec, endpoint)
            try:
                response = _fetch(client, gate, spec, endpoint)
            except GraphError as again:
                return _failure(spec, settings, shown, again.kind, str(again), code=again.code)
        try:
            report = parse_report(response.data, response.endpoint)
        except QualityParseError as exc:
            return _failure(spec, settings, response.url, "malformed", f"malformed report: {exc}")
        result = DatasetResult(spec, OK, source=response.url, endpoint=endpoint)
        predictions: dict[Any, Any] = {}
        if spec.payloads:
            source = ReportSource(report, response.url, None, notes=list(report.notes))
            agent = spec.agent_name.lower() if spec.agent_name else None
            run = run_crosscheck(list(spec.payloads), source, settings, agent_name=agent)
            result.findings.extend(run.findings)
            result.notes.extend(run.notes)
            result.payload_files, result.payload_events = run.files, run.events
            predictions = run.predictions
        else:
            result.notes.extend(report.notes)
        result.events = snapshot(report, predictions)
        return result

    def guarded(spec: DatasetSpec) -> DatasetResult:
        try:
            return one(spec)
        except Exception as exc:  # one dataset's surprise must not end the fleet run
            shown = f"dataset_quality?dataset_id={spec.dataset_id}"
            return _failure(spec, settings, shown, "internal", f"{type(exc).__name__}")

    results: list[DatasetResult] = []
    try:
        with ThreadPoolExecutor(max_workers=max(1, options.concurrency)) as pool:
            for result in pool.map(guarded, fleet.datasets):
                before = previous.get(result.spec.dataset_id)
                if before is not None and result.status == OK:
                    last, snaps = before
                    result.compared_with = last.started_at
                    result.findings.extend(
                        alert_findings(
                            result.events,
                            snaps,
                            settings,
                            result.source,
                            since=_day(last.started_at),
                            dataset_id=result.spec.dataset_id,
                        )
                    )
                result.findings.sort(key=Finding.sort_key)
                if history is not None and run_id is not None:
                    history.add_dataset(
                        run_id,
                        result.spec.dataset_id,
                        result.spec.name,
                        result.status,
                        result.error_kind,
                        result.severities(),
                        Counter(f.code for f in result.findings),
                        result.events,
                    )
                results.append(result)
                if progress is not None:
                    progress(result)
    finally:
        clients.close()
        if history is not None:
            history.commit()
    fleet_result = FleetResult(
        results,
        started_at,
        gate.stats,
        fleet_path=fleet.path,
        history_path=history.path if history is not None else None,
    )
    if history is not None:
        fleet_result.trends = history.emq_series()
    return fleet_result


def _pinned(settings: Settings, now: int) -> Settings:
    from capi_lint.config import with_now

    return with_now(settings, now)


def _shown(client: Any, spec: DatasetSpec, endpoint: str) -> str:
    if endpoint == SETUP_QUALITY:
        return client.display_url(f"{spec.dataset_id}/setup_quality", {})
    return client.display_url("dataset_quality", {"dataset_id": spec.dataset_id})


def _fetch(client: Any, gate: RateGate, spec: DatasetSpec, endpoint: str) -> Any:
    gate.acquire()
    usage = None
    try:
        if endpoint == SETUP_QUALITY:
            response = client.setup_quality(spec.dataset_id, agent_name=spec.agent_name)
        else:
            response = client.dataset_quality(
                spec.dataset_id, agent_name=spec.agent_name, offline=spec.offline
            )
        usage = response.usage
        return response
    finally:
        gate.release(usage)


def alert_findings(
    current: list[EventSnapshot],
    previous: Mapping[SnapshotKey, EventSnapshot],
    settings: Settings,
    path: str,
    *,
    since: str,
    dataset_id: str = "",
) -> list[Finding]:
    """The alerts (X022-X026) of this run's snapshots against the last run's, sorted;
    ``since`` names the last run (its date) in messages."""
    change = DatasetChange(dataset_id, current=tuple(current), previous=previous, since=since)
    findings = fleet_findings(change, settings, path)
    findings.sort(key=Finding.sort_key)
    return findings


def _failure(
    spec: DatasetSpec,
    settings: Settings,
    shown: str,
    kind: str,
    message: str,
    code: int | None = None,
) -> DatasetResult:
    result = DatasetResult(spec, FAILED, source=shown, error_kind=kind)
    change = DatasetChange(spec.dataset_id, failure=ReadFailure(kind, message, code))
    result.findings.extend(fleet_findings(change, settings, shown))
    return result
