"""GitHub Actions workflow commands: one ``::error`` / ``::warning`` / ``::notice``
annotation per finding, shown on the pull request's changed lines."""

from __future__ import annotations

from typing import Any

from capi_lint.model import Finding, RunResult, Severity

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_finding(finding: Finding) -> str:
    props = [f"file={_escape_property(finding.path)}"]
    if finding.line is not None:
        props.append(f"line={finding.line}")
        if finding.column is not None:
            props.append(f"col={finding.column}")
    props.append(f"title={_escape_property(f'{finding.code} ({finding.slug})')}")
    message = finding.message
    if finding.pointer:
        message += f" [{finding.pointer}]"
    if finding.fix:
        message += f"\nFix: {finding.fix}"
    return f"::{LEVELS[finding.severity]} {','.join(props)}::{_escape_data(message)}"


def render(result: RunResult, **_options: Any) -> str:
    lines = [format_finding(f) for f in result.findings]
    return "\n".join(lines) + ("\n" if lines else "")
