"""``capi-lint fleet --history FILE --report``: trends from the history, without calling Meta."""

from __future__ import annotations

import json
from typing import Any

from capi_lint import __version__
from capi_lint.fleets.history import History


def trend_rows(history: History, last: int = 30) -> list[dict[str, Any]]:
    rows = []
    for (ds, channel, name), series in sorted(history.emq_series(last).items()):
        first, latest = series[0][1], series[-1][1]
        previous = series[-2][1] if len(series) > 1 else None
        rows.append(
            {
                "dataset_id": ds,
                "channel": channel,
                "event_name": name,
                "runs": len(series),
                "emq": [emq for _when, emq in series],
                "first": first,
                "latest": latest,
                "change_since_last": round(latest - previous, 2) if previous is not None else None,
            }
        )
    return rows


def render_trends(history: History, output_format: str = "text", last: int = 30) -> str:
    runs = history.runs()
    rows = trend_rows(history, last)
    if output_format == "json":
        doc = {
            "tool": "capi-lint",
            "version": __version__,
            "runs": [{"id": i, "started_at": when} for i, when in runs[-last:]],
            "trends": rows,
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    lines = [f"{len(runs)} run(s) in {history.path}; EMQ per dataset and event, oldest first"]
    for row in rows:
        change = row["change_since_last"]
        arrow = "" if change is None else (f"  ▼{-change:g}" if change < 0 else f"  ▲{change:g}")
        arrow = "  =" if change == 0 else arrow
        series = " → ".join(f"{v:g}" for v in row["emq"])
        lines.append(f"{row['dataset_id']} {row['channel']} {row['event_name']}: {series}{arrow}")
    failed = [r for r in history.dataset_rows(1) if r[3] != "ok"]
    for _when, ds, name, _status, *_counts in failed:
        lines.append(f"{ds}{f' ({name})' if name else ''}: not read at the last run")
    return "\n".join(lines) + "\n"
