"""Fleet verdicts -> Findings, with the run's selection and severity overrides."""

from __future__ import annotations

from typing import Any

from capi_lint import registry
from capi_lint.config import Settings
from capi_lint.model import Finding, Severity, format_pointer


def make_finding(
    settings: Settings,
    code: str,
    path: str,
    message: str,
    *,
    where: tuple[Any, ...] = (),
    fix: str | None = None,
    severity: Severity | None = None,
    **extra: Any,
) -> Finding | None:
    """The finding, or None when ``code`` is not selected."""
    if code not in settings.enabled:
        return None
    rule = registry.get(code)
    return Finding(
        code=rule.code,
        slug=rule.slug,
        severity=settings.severity.get(rule.code) or severity or rule.severity,
        message=message,
        path=path,
        pointer=format_pointer(where),
        line=None,
        column=None,
        event_index=None,
        fix=fix,
        doc_url=rule.doc_url,
        extra={k: v for k, v in extra.items() if v is not None},
    )
