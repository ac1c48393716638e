"""Renderers for ``capi-lint coverage``: a table for people, JSON and CSV for machines."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from capi_lint import __version__
from capi_lint.model import DEDUP_KEYS, IDENTIFIERS, CoverageRow

_SHORT = {
    "email": "email",
    "phone": "phone",
    "ip_address": "ip",
    "user_agent": "ua",
    "external_id": "ext_id",
    "fbp": "fbp",
    "fbc": "fbc",
    "first_name": "fn",
    "last_name": "ln",
    "date_of_birth": "dob",
    "gender": "ge",
    "city": "ct",
    "state": "st",
    "zip": "zip",
    "country": "country",
    "fb_login_id": "login",
    "lead_id": "lead",
}


def render_json(rows: list[CoverageRow]) -> str:
    doc = {"tool": "capi-lint", "version": __version__, "coverage": [r.to_dict() for r in rows]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_csv(rows: list[CoverageRow]) -> str:
    """Long format: one line per row and key (``kind`` = match_key or dedup_key)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "file",
            "channel",
            "action_source",
            "event_name",
            "agent_name",
            "events",
            "unmatchable_events",
            "kind",
            "key",
            "present",
            "valid",
        ]
    )
    for row in rows:
        names = row.labels()
        head = [
            row.file or "",
            names["channel"],
            names["action_source"] or "",
            names["event_name"] or "",
            names["agent_name"] or "",
            row.events,
            row.unmatchable_events,
        ]
        for ident in IDENTIFIERS:
            writer.writerow(
                [
                    *head,
                    "match_key",
                    ident,
                    row.percent(row.present[ident]),
                    row.percent(row.valid[ident]),
                ]
            )
        for key in DEDUP_KEYS:
            pct = row.percent(row.dedup[key])
            writer.writerow([*head, "dedup_key", key, pct, pct])
    return out.getvalue()


def _cell(row: CoverageRow, ident: str) -> str:
    valid, present = row.percent(row.valid[ident]), row.percent(row.present[ident])
    if present == 0:
        return "-"
    text = f"{valid:.0f}"
    return text if valid == present else f"{text}/{present:.0f}"


def render_text(rows: list[CoverageRow], *, color: bool = False) -> str:
    """Event names as rows, identifiers as columns; a cell is the valid % of
    events, followed by `/present %` where some values are sent but invalid."""
    if not rows:
        return "No events found.\n"
    shown = [i for i in IDENTIFIERS if any(r.present[i] for r in rows)]
    unsent = [i for i in IDENTIFIERS if i not in shown]
    label_rows = []
    for r in rows:
        names = r.labels()
        label = f"{names['channel']}/{names['action_source'] or '?'}"
        if names["event_name"] is not None:
            label += f" {names['event_name']}"
        if names["agent_name"]:
            label += f" [{names['agent_name']}]"
        if r.file:
            label = f"{r.file}: {label}"
        label_rows.append(label)
    header = ["", "events", "unmatch", *(_SHORT[i] for i in shown), "dedup id/ext/fbp"]
    body = []
    for label, r in zip(label_rows, rows, strict=True):
        dedup = "/".join(f"{r.percent(r.dedup[k]):.0f}" for k in DEDUP_KEYS)
        body.append(
            [label, str(r.events), str(r.unmatchable_events), *(_cell(r, i) for i in shown), dedup]
        )
    widths = [max(len(line[c]) for line in [header, *body]) for c in range(len(header))]

    def fmt(line: list[str], bold: bool = False) -> str:
        cells = [line[0].ljust(widths[0])] + [
            cell.rjust(widths[c + 1]) for c, cell in enumerate(line[1:])
        ]
        text = "  ".join(cells).rstrip()
        return f"\x1b[1m{text}\x1b[0m" if bold and color else text

    lines = [fmt(header, bold=True), *(fmt(b) for b in body)]
    lines.append("")
    lines.append(
        "cells: % of events with a valid value (/ % with any value, where they differ); "
        "unmatch: events with no valid key or only an invalid combination"
    )
    if unsent:
        lines.append("never sent: " + ", ".join(unsent))
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Any] = {"text": render_text, "json": render_json, "csv": render_csv}
