"""Fleet results -> text, JSON, CSV (pure functions returning str); HTML lives in html.py."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from capi_lint import __version__
from capi_lint.fleets.run import DatasetResult, FleetResult


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}"


def dataset_dict(d: DatasetResult) -> dict[str, Any]:
    counts = d.severities()
    return {
        "dataset_id": d.spec.dataset_id,
        "name": d.spec.name,
        "status": d.status,
        "error_kind": d.error_kind,
        "source": d.source,
        "endpoint": d.endpoint,
        "worst_emq": d.worst_emq,
        "compared_with": d.compared_with,
        "payload_files": d.payload_files,
        "payload_events": d.payload_events,
        "counts": {k: counts[k] for k in ("error", "warning", "info")},
        "events": [
            {
                "channel": e.channel,
                "event_name": e.event_name,
                "emq": e.emq,
                "event_coverage": e.event_coverage,
                "coverage_goal": e.coverage_goal,
                "acr": e.acr,
                "upload_frequency": e.upload_frequency,
                "match_keys": e.match_keys,
                "predicted": e.predicted,
                "dedupe_keys": {
                    k: dict(zip(("browser", "server", "overall", "predicted"), v, strict=True))
                    for k, v in e.dedupe.items()
                },
                "diagnostics": e.diagnostics,
                "offline": e.offline or None,
            }
            for e in d.events
        ],
        "findings": [f.to_dict() for f in d.findings],
        "notes": d.notes,
    }


def render_json(result: FleetResult, **_: Any) -> str:
    doc = {
        "tool": "capi-lint",
        "version": __version__,
        "summary": result.summary(),
        "datasets": [dataset_dict(d) for d in result.datasets],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


CSV_COLUMNS = (
    "dataset_id",
    "name",
    "status",
    "channel",
    "event_name",
    "emq",
    "event_coverage",
    "coverage_goal",
    "errors",
    "warnings",
    "infos",
    "codes",
)


def render_csv(result: FleetResult, **_: Any) -> str:
    """One row per dataset × event name (one row for a dataset without events)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for d in result.datasets:
        counts = d.severities()
        codes = " ".join(sorted({f.code for f in d.findings}))
        base = (d.spec.dataset_id, d.spec.name or "", d.status)
        tail = (counts["error"], counts["warning"], counts["info"], codes)
        if not d.events:
            writer.writerow((*base, "", "", "", "", "", *tail))
        for e in d.events:
            writer.writerow(
                (
                    *base,
                    e.channel,
                    e.event_name,
                    "" if e.emq is None else e.emq,
                    "" if e.event_coverage is None else e.event_coverage,
                    "" if e.coverage_goal is None else e.coverage_goal,
                    *tail,
                )
            )
    return out.getvalue()


def render_text(result: FleetResult, *, quiet: bool = False, **_: Any) -> str:
    lines: list[str] = []
    for d in sorted(result.datasets, key=_worst_first):
        head = f"{d.spec.dataset_id}"
        if d.spec.name:
            head += f" ({d.spec.name})"
        if d.status == "ok":
            head += f": ok, {len(d.events)} event name(s), worst EMQ {_fmt(d.worst_emq)}"
        else:
            head += f": FAILED ({d.error_kind})"
        lines.append(head)
        for f in d.findings:
            lines.append(f"  {f.code} [{f.severity.value}] {f.message}")
    if not quiet:
        s = result.summary()
        lines.append(
            f"{s['datasets']} dataset(s): {s['ok']} read, {s['failed']} failed; "
            f"{s['errors']} error(s), {s['warnings']} warning(s), {s['infos']} info; "
            f"{s['alerts']} alert(s); {s['calls']} call(s), peak usage {s['peak_usage']:g}%"
        )
    return "\n".join(lines) + "\n"


def _worst_first(d: DatasetResult) -> tuple[int, float, str]:
    # Failed datasets first, then the lowest EMQ; no EMQ after every score.
    emq = d.worst_emq
    return (0 if d.status != "ok" else 1, emq if emq is not None else 11.0, d.spec.dataset_id)


def sort_worst_first(datasets: list[DatasetResult]) -> list[DatasetResult]:
    return sorted(datasets, key=_worst_first)
