"""Small predicates shared by rule modules."""

from __future__ import annotations

from collections import deque
from typing import Any

from capi_lint.mask import mask

__all__ = [
    "WINDOW",
    "RecentKeys",
    "agent_name",
    "describe_type",
    "is_present",
    "mask",
    "numeric_string_int",
    "reference_time",
]


def reference_time(seconds: int) -> str:
    """The reference time as time-rule messages name it: ISO 8601 UTC
    (``2025-11-22T08:26:40Z``). Config keeps it within years 1 to 9999."""
    import datetime as dt

    try:
        moment = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=seconds)
    except OverflowError:
        return f"{seconds} (unix seconds)"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


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


def numeric_string_int(value: Any) -> int | None:
    """The integer a string of ASCII digits spells (``"1631210000"`` -> 1631210000), else None.

    The Graph API reads such a string as the number (Segment's production
    destination sends `event_time` this way on every event), so the time rules
    judge its value and E004 only warns about the type. Signs, spaces,
    decimals and anything beyond 19 digits (past a 64-bit integer) are not
    numbers Graph is known to accept: None.
    """
    if type(value) is str and 0 < len(value) <= 19 and value.isascii() and value.isdigit():
        return int(value)
    return None


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


#: Default of the `window` option: distinct keys a comparing rule remembers per batch.
WINDOW = 20_000


class RecentKeys:
    """A dict that keeps only its ``limit`` most recently added keys.

    The rules that compare each event with earlier ones keep their per-key
    state here, so memory stays flat on a JSON Lines file of any size: each
    event is compared with the last ``limit`` distinct keys (the rule option
    ``window``). A request holds at most 1,000 events, so a request body is
    always compared whole.
    """

    __slots__ = ("_order", "data", "limit")

    def __init__(self, limit: int) -> None:
        self.data: dict[Any, Any] = {}
        self._order: deque[Any] = deque()
        self.limit = limit

    def __len__(self) -> int:
        return len(self.data)

    def get(self, key: Any) -> Any:
        return self.data.get(key)

    def add(self, key: Any, value: Any) -> None:
        """Remember ``key`` (not already present), forgetting the oldest key past the limit."""
        self.data[key] = value
        order = self._order
        order.append(key)
        if len(order) > self.limit:
            self.data.pop(order.popleft(), None)

    def setdefault(self, key: Any, value: Any) -> Any:
        found = self.data.get(key)
        if found is None:
            self.add(key, value)
            return value
        return found
