"""One JSON object on stdout, exactly interface §4."""

from __future__ import annotations

import json
from typing import Any

from capi_lint import __version__
from capi_lint.model import RunResult


def document(result: RunResult) -> dict[str, Any]:
    return {
        "tool": "capi-lint",
        "version": __version__,
        "summary": result.summary.to_dict(),
        "findings": [f.to_dict() for f in result.findings],
    }


def render(result: RunResult, **_options: Any) -> str:
    return json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"
