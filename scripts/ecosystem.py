#!/usr/bin/env python3
"""The ecosystem check, as ruff runs its own: lint real request bodies from other
producers and report, per source, files, crashes and findings per code.

The corpus (``../shared/data/ecosystem/`` beside the repository, or ``--root``,
or ``CAPI_LINT_ECOSYSTEM``) is other projects' material and is never copied into
the repository. Each file is linted by the real command (``capi-lint check
--format json``) with the reference time its source was captured at (the
corpus's ``INDEX.md``); a file whose source gives none is judged against its own
latest ``event_time``, so age rules measure nothing the capture did not.

``--check docs/ecosystem.md`` holds the run to the committed triage: every
(source, code) pair found must be listed there with a verdict, and a pair
judged a false positive (since fixed) must not come back. It exits 1 otherwise,
so CI fails on a new, untriaged finding.

Usage::

    python scripts/ecosystem.py                       # table per source
    python scripts/ecosystem.py --json                # the same as JSON
    python scripts/ecosystem.py --check docs/ecosystem.md
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_ROOT = REPO.parent / "shared" / "data" / "ecosystem"

#: Reference times per file pattern (relative to the corpus root), from the
#: corpus's INDEX.md ("Reference time"): the mocked clocks of the producers'
#: tests. First match wins; files matching none use their own latest event_time.
REFERENCE_TIMES: tuple[tuple[str, str], ...] = (
    ("rudder-transformer/*-fbc-*", "2023-11-12T15:46:51Z"),  # Date.now mock
    ("action-destinations/*", "2021-09-09T18:00:00Z"),  # event_time 1631210000..063
    ("stape-facebook-tag/*", "2025-05-22T20:30:30Z"),  # getTimestampMillis mock
    ("posthog/00[1-4]-*", "2025-01-01T00:00:00Z"),  # Date.now mock (nodejs template)
)

#: Verdicts in the triage table that mean "this must not be reported".
FIXED_PREFIX = "false positive"


@dataclass
class SourceReport:
    files: int = 0
    events: int = 0
    crashes: list[str] = field(default_factory=list)
    codes: Counter[str] = field(default_factory=Counter)


def reference_time(relative: str, path: Path) -> str:
    for pattern, when in REFERENCE_TIMES:
        if fnmatch.fnmatch(relative, pattern):
            return when
    return str(latest_event_time(path))


def latest_event_time(path: Path) -> int:
    """The latest whole-number ``event_time`` in the file (decoding ``data`` given
    as a JSON string or as event strings); 0 when there is none."""
    found: list[int] = []

    def visit(node: Any) -> None:
        if isinstance(node, str) and node[:1] in "[{":
            try:
                visit(json.loads(node))
            except ValueError:
                return
        elif isinstance(node, dict):
            value = node.get("event_time")
            if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
                found.append(int(value))
            for key, child in node.items():
                if key == "data" or isinstance(child, (dict, list)):
                    visit(child)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    try:
        visit(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError):
        return 0
    seconds = [t // 1000 if t >= 10**11 else t for t in found]
    return max(seconds, default=0)


def run(root: Path, command: list[str]) -> dict[str, SourceReport]:
    """One ``capi-lint check`` per (source, reference time)."""
    groups: dict[tuple[str, str], list[Path]] = defaultdict(list)
    reports: dict[str, SourceReport] = defaultdict(SourceReport)
    for path in sorted(root.glob("*/*.json")):
        relative = path.relative_to(root).as_posix()
        groups[(path.parent.name, reference_time(relative, path))].append(path)
        reports[path.parent.name].files += 1
    for (source, now), paths in sorted(groups.items()):
        args = [*command, "check", *map(str, paths), "--now", now]
        args += ["--format", "json", "--no-progress", "--jobs", "1"]
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        report = reports[source]
        if done.returncode not in (0, 1) or "Traceback" in done.stderr:
            report.crashes.append(
                f"exit {done.returncode} on {len(paths)} file(s) at --now {now}: "
                + done.stderr.strip()[-300:]
            )
            continue
        output = json.loads(done.stdout)
        report.events += output["summary"]["events"]
        for finding in output["findings"]:
            report.codes[finding["code"]] += 1
    return dict(sorted(reports.items()))


def render(reports: dict[str, SourceReport]) -> str:
    lines = []
    for source, report in reports.items():
        total = sum(report.codes.values())
        lines.append(
            f"{source}: {report.files} files, {report.events} events, "
            f"{len(report.crashes)} crashes, {total} findings"
        )
        for code, count in sorted(report.codes.items()):
            lines.append(f"    {code}  {count}")
        lines.extend(f"    CRASH {crash}" for crash in report.crashes)
    return "\n".join(lines)


_ROW = re.compile(r"^\|\s*`?([\w.-]+)`?\s*\|\s*([A-Z]\d{3})\s*\|[^|]*\|\s*([^|]+?)\s*\|")


def read_triage(path: Path) -> dict[tuple[str, str], str]:
    """(source, code) -> verdict, from the rows ``| source | code | count | verdict | …``."""
    verdicts: dict[tuple[str, str], str] = {}
    for line in path.read_text("utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            verdicts[(match.group(1), match.group(2))] = match.group(3).lower()
    return verdicts


def check_against(
    reports: dict[str, SourceReport], triage: dict[tuple[str, str], str]
) -> list[str]:
    problems = []
    for source, report in reports.items():
        problems.extend(f"{source}: crash: {crash}" for crash in report.crashes)
        for code, count in sorted(report.codes.items()):
            verdict = triage.get((source, code))
            if verdict is None:
                problems.append(f"{source} {code} ({count}): not triaged in the triage document")
            elif verdict.startswith(FIXED_PREFIX):
                problems.append(f"{source} {code} ({count}): a fixed false positive is back")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=None, help="the corpus directory")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    parser.add_argument("--check", type=Path, metavar="TRIAGE", help="hold the run to a triage")
    parser.add_argument(
        "--command",
        default=f"{sys.executable} -m capi_lint",
        help="how to run capi-lint (default: this Python's `-m capi_lint`)",
    )
    args = parser.parse_args(argv)
    root = args.root or Path(os.environ.get("CAPI_LINT_ECOSYSTEM") or DEFAULT_ROOT)
    if not root.is_dir():
        print(f"ecosystem corpus not found at {root}", file=sys.stderr)
        return 2
    reports = run(root, args.command.split())
    if args.json:
        print(
            json.dumps(
                {
                    source: {
                        "files": r.files,
                        "events": r.events,
                        "crashes": r.crashes,
                        "findings": dict(sorted(r.codes.items())),
                    }
                    for source, r in reports.items()
                },
                indent=2,
            )
        )
    else:
        print(render(reports))
    if args.check is None:
        return 0
    problems = check_against(reports, read_triage(args.check))
    for problem in problems:
        print(f"ecosystem: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
