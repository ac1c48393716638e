"""capi-lint: check Meta Conversions API payloads before they are sent.

>>> import capi_lint
>>> findings = capi_lint.check({"data": [...]}, now="2026-11-23T00:00:00Z")
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = [
    "Finding",
    "PayloadError",
    "Settings",
    "Severity",
    "__version__",
    "assert_valid",
    "check",
    "check_file",
    "hash_value",
    "normalize",
]

from capi_lint.api import PayloadError, assert_valid, check, check_file
from capi_lint.config import Settings
from capi_lint.model import Finding, Severity


def normalize(field: str, value: Any, region: str | None = None) -> str:
    """Meta's normalisation of one customer-information value (see capi_lint.normalize)."""
    from capi_lint.normalize import normalize as _normalize

    return _normalize(field, value, region)


def hash_value(field: str, value: Any, region: str | None = None) -> str:
    """Normalise and SHA-256 one value as Meta wants it."""
    from capi_lint.normalize import hash_value as _hash_value

    return _hash_value(field, value, region)
