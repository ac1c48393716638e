"""``capi-lint pair`` output: the JSON document and the text table. Pure functions.

sarif and github reuse the ``check`` reporters on the findings alone.
"""

from __future__ import annotations

import json
from typing import Any

from capi_lint import __version__, registry
from capi_lint.mask import mask, mask_key
from capi_lint.pair import PairRun
from capi_lint.reporters import REPORTERS
from capi_lint.reporters import text as text_report


def document(run: PairRun) -> dict[str, Any]:
    summary = run.result.summary.to_dict()
    summary.update(browser_events=run.browser_events, server_events=run.server_events)
    return {
        "tool": "capi-lint",
        "version": __version__,
        "summary": summary,
        "event_names": [row.to_dict() for row in run.rows],
        "findings": [f.to_dict() for f in run.result.findings],
    }


def render_json(run: PairRun, **_options: Any) -> str:
    return json.dumps(document(run), indent=2, ensure_ascii=False) + "\n"


def _plain(value: str) -> str:
    # Pixel ids and event names as written, unless one looks personal.
    return value if value.isdigit() or mask_key(value) == value else mask(value)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}%"


def render_text(run: PairRun, color: bool = False, quiet: bool = False) -> str:
    lines = [text_report.format_finding(f, color) for f in run.result.findings]
    if not quiet:
        if lines:
            lines.append("")
        header = ("pixel", "event", "browser", "server", "by event_id", "by fbp/ext_id", "coverage")
        table = [header] + [
            (
                _plain(r.pixel_id) if r.pixel_id else "(unknown)",
                _plain(r.event_name),
                str(r.browser_events),
                str(r.server_events),
                str(r.deduplicated_by_event_id),
                str(r.deduplicated_by_external_id_fbp),
                _pct(r.predicted_event_coverage),
            )
            for r in run.rows
        ]
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        for row in table:
            lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        lines.append("")
        lines.append(text_report.summary_line(run.result))
    return "\n".join(lines) + "\n" if lines else ""


def render(
    run: PairRun,
    output_format: str,
    *,
    color: bool = False,
    quiet: bool = False,
    fail_on: Any = None,
) -> str:
    if output_format == "json":
        return render_json(run)
    if output_format == "text":
        return render_text(run, color=color, quiet=quiet)
    return REPORTERS[output_format](run.result, fail_on=fail_on, rules=registry.catalogue())
