"""capi-lint: check Meta Conversions API payloads before they are sent.

>>> import capi_lint
>>> findings = capi_lint.check({"data": [...]}, now="2026-11-23T00:00:00Z")

The names below are imported on first use (PEP 562), so ``import capi_lint``
stays cheap for the pytest plugin and the command line.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "check": "capi_lint.api",
    "Checker": "capi_lint.api",
    "check_file": "capi_lint.api",
    "assert_valid": "capi_lint.api",
    "PayloadError": "capi_lint.api",
    "Settings": "capi_lint.config",
    "Finding": "capi_lint.model",
    "Severity": "capi_lint.model",
    "predict_coverage": "capi_lint.coverage",
    "fleet": "capi_lint.fleets",
}

__all__ = [
    "Checker",
    "Finding",
    "PayloadError",
    "Settings",
    "Severity",
    "__version__",
    "assert_valid",
    "check",
    "check_file",
    "fleet",
    "hash_value",
    "normalize",
    "predict_coverage",
]

if TYPE_CHECKING:
    from capi_lint.api import Checker, PayloadError, assert_valid, check, check_file
    from capi_lint.config import Settings
    from capi_lint.coverage import predict_coverage
    from capi_lint.fleets import fleet
    from capi_lint.model import Finding, Severity


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'capi_lint' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


def normalize(field: str, value: Any, region: str | None = None) -> str:
    """Meta's normalisation of one customer-information value (see capi_lint.normalize)."""
    from capi_lint.normalize import normalize as _normalize

    return _normalize(field, value, region)


def hash_value(field: str, value: Any, region: str | None = None) -> str:
    """Normalise and SHA-256 one value as Meta wants it."""
    from capi_lint.normalize import hash_value as _hash_value

    return _hash_value(field, value, region)
