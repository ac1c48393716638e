"""A run over many inputs: sources -> per-file results -> summary.

Shared by the CLI, the library API and (later) the pytest plugin and server,
so that they all produce the same findings for the same input.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from capi_lint import loader
from capi_lint.config import Settings
from capi_lint.engine import Engine, FileResult, apply_file_ignores
from capi_lint.model import Finding, Severity


@dataclass
class Summary:
    files: int = 0
    events: int = 0
    errors: int = 0
    warnings: int = 0
    infos: int = 0

    def add(self, result: FileResult) -> None:
        self.files += 1
        self.events += result.events
        for finding in result.findings:
            if finding.severity is Severity.ERROR:
                self.errors += 1
            elif finding.severity is Severity.WARNING:
                self.warnings += 1
            else:
                self.infos += 1

    def to_dict(self) -> dict[str, int]:
        return {
            "files": self.files,
            "events": self.events,
            "errors": self.errors,
            "warnings": self.warnings,
            "infos": self.infos,
        }


@dataclass
class RunResult:
    results: list[FileResult] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)

    @property
    def findings(self) -> list[Finding]:
        return sorted((f for r in self.results for f in r.findings), key=Finding.sort_key)

    def failed(self, fail_on: Severity) -> bool:
        return any(f.severity.rank >= fail_on.rank for f in self.findings)


def run(
    paths: Iterable[str], settings: Settings, stdin: Any = None, progress: Any = None
) -> RunResult:
    """Check every input; ``progress`` (a :class:`capi_lint.progress.Progress`)
    is told about each file and each JSON Lines line."""
    engine = Engine(settings)
    out = RunResult()
    items: Iterable[Any] = loader.discover(list(paths), stdin=stdin)
    if progress is not None:
        items = progress.track(items)
        engine.line_progress = progress.lines
    for item in items:
        if isinstance(item, tuple):
            path, problem = item
            result = engine.problem_result(path, problem)
        else:
            result = engine.check_source(item)
        result = apply_file_ignores(result, settings)
        out.results.append(result)
        out.summary.add(result)
    return out
