"""Small predicates shared by rule modules."""

from __future__ import annotations

from typing import Any

from capi_lint.mask import mask

__all__ = ["describe_type", "is_present", "mask"]


def is_present(value: Any) -> bool:
    """The catalogue's "present": not null, not an empty/blank string, not []."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list):
        return bool(value)
    return True


_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    list: "an array",
    dict: "an object",
    type(None): "null",
}


def describe_type(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return "a number with a decimal point"
    return _TYPE_NAMES.get(type(value), type(value).__name__)
