"""Small predicates shared by rule modules."""

from __future__ import annotations

from typing import Any

from capi_lint.mask import mask

__all__ = ["agent_name", "describe_type", "is_present", "mask"]


def agent_name(partner_agent: Any) -> str | None:
    """The ``agent_name`` Meta derives from ``partner_agent``: the partner part of
    ``<partner>_<major>_<minor>``, lowercased (requirements §1.6). For values off
    that convention it is a best guess: the text before the first ``_``."""
    if not isinstance(partner_agent, str) or not partner_agent.strip():
        return None
    return partner_agent.strip().split("_", 1)[0].strip().lower()


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
