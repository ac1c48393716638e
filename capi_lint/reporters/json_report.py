"""One JSON object on stdout, exactly interface §4."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from capi_lint import __version__
from capi_lint.model import Finding, RunResult
from capi_lint.reporters import _stream


def document(result: RunResult, findings: list[Any] | None = None) -> dict[str, Any]:
    """The report as one object (``findings`` given: in place of the findings' dicts)."""
    return {
        "tool": "capi-lint",
        "version": __version__,
        "summary": result.summary.to_dict(),
        "findings": [f.to_dict() for f in result.findings] if findings is None else findings,
    }


def render(result: RunResult, **_options: Any) -> str:
    return "".join(render_chunks(result))


def render_chunks(result: RunResult, *, size: int = 1_000, **_options: Any) -> Iterator[str]:
    """:func:`render`'s text in pieces of at most ``size`` findings: the
    findings' dicts and the text are never all held at once."""
    yield from _stream.stream(
        document(result, findings=[]), ("findings",), result.findings, Finding.to_dict, size=size
    )
