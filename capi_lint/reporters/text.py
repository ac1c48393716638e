"""``path:line:col: CODE [severity] message`` lines, then a summary line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from capi_lint.model import Finding, RunResult, Severity

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def format_finding(finding: Finding, color: bool = False) -> str:
    where = finding.path
    if finding.line is not None:
        where += f":{finding.line}:{finding.column}"
    elif finding.pointer:
        where += f":{finding.pointer}"
    code = _paint(finding.code, "1", color)
    level = _paint(f"[{finding.severity.value}]", _COLORS[finding.severity], color)
    return f"{_paint(where, '1', color)}: {code} {level} {finding.message}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(result: RunResult) -> str:
    s = result.summary
    scope = f"{_plural(s.files, 'file')}, {_plural(s.events, 'event')}"
    if not (s.errors or s.warnings or s.infos):
        return f"All checks passed ({scope}).{_baseline_note(s.baseline_matched)}"
    counts = ", ".join(
        [_plural(s.errors, "error"), _plural(s.warnings, "warning"), _plural(s.infos, "info")]
    )
    return f"Found {counts} ({scope}).{_baseline_note(s.baseline_matched)}"


def _baseline_note(matched: int | None) -> str:
    if matched is None:
        return ""
    return f" {_plural(matched, 'known finding')} matched the baseline (not shown)."


def age_note(result: RunResult) -> str | None:
    """The one line that says the date-dependent checks did not run, and how to
    run them (``check`` on files without a reference time)."""
    s = result.summary
    if not s.age_checks_skipped:
        return None
    skipped = s.age_checks_skipped
    where = "" if skipped == s.files else f" in {_plural(skipped, 'file')}"
    codes = ", ".join(s.age_rules)
    return (
        f"Age checks skipped{where}: no reference time, so what compares event_time "
        f"with now ({codes}) was not judged. Pin one with --now TIME "
        "(or `now =` / `[per-file-now]` in config), or use --now clock."
    )


def statistics(result: RunResult) -> list[str]:
    counts = Counter((f.code, f.slug, f.severity.value) for f in result.findings)
    return [
        f"{n:>6}  {code}  {slug} [{level}]"
        for (code, slug, level), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def render(
    result: RunResult,
    *,
    color: bool = False,
    quiet: bool = False,
    show_stats: bool = False,
    show_fixes: bool = False,
    **_options: object,
) -> str:
    return "".join(
        render_chunks(
            result, color=color, quiet=quiet, show_stats=show_stats, show_fixes=show_fixes
        )
    )


def format_fix(finding: Finding, color: bool = False) -> str | None:
    """``--show-fixes``: the finding's suggested fix, indented below it (so
    that tools reading ``path:line:col: CODE`` lines skip it)."""
    if not finding.fix:
        return None
    return f"    {_paint('fix:', '32', color)} {finding.fix}"


def render_chunks(
    result: RunResult,
    *,
    color: bool = False,
    quiet: bool = False,
    show_stats: bool = False,
    show_fixes: bool = False,
    size: int = 1_000,
) -> Iterator[str]:
    """:func:`render`'s text in pieces of at most ``size`` findings, so that the
    CLI writes a long report without holding all of it at once."""
    lines: list[str] = []
    for finding in result.findings:
        lines.append(format_finding(finding, color))
        if show_fixes:
            fix = format_fix(finding, color)
            if fix is not None:
                lines.append(fix)
        if len(lines) >= size:
            yield "\n".join(lines) + "\n"
            lines = []
    if show_stats:
        lines += statistics(result)
    if not quiet:
        lines.append(summary_line(result))
        note = age_note(result)
        if note:
            lines.append(note)
    if lines:
        yield "\n".join(lines) + "\n"
