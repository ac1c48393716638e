"""The view of a run that a rule is given as ``ctx``: what a check may know
besides the value it judges.

Rules type their ``ctx`` parameter with :class:`Context` and import it from
here, never from ``engine`` (rules do not import the engine, loader, CLI or
reporters). The engine's concrete ``engine.Context`` satisfies this protocol;
mypy checks that where the engine defines it.

The members are read-only properties: a rule reads them and never assigns
them. Only ``memo`` (per-event scratch shared by rules deriving the same thing)
and ``shared`` (run-wide state, e.g. D003's store) are mutable, and only their
contents. Adding a member here is adding to what every rule may depend on.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from typing import Any, Protocol


class RuleSettings(Protocol):
    """The part of ``config.Settings`` that rules read."""

    @property
    def pii(self) -> str:
        """``"hashed"`` (the payload as sent) or ``"raw"`` (hashed later, e.g. by the SDK)."""
        ...

    @property
    def default_region(self) -> str | None:
        """Upper-case alpha-2 for national phone numbers, states and ZIPs, or None."""
        ...

    @property
    def enabled(self) -> Set[str]:
        """The codes selected for this run (a rule may defer to a sibling rule)."""
        ...

    @property
    def dedup_scope(self) -> str:
        """D003's reach: ``"batch"``, ``"file"`` or ``"run"``."""
        ...


class EnvelopeView(Protocol):
    """The part of ``envelope.Envelope`` (the document's shape) that rules read."""

    @property
    def kind(self) -> str: ...

    @property
    def events(self) -> Sequence[Any]:
        """The events in document order (may hold non-objects)."""
        ...

    @property
    def request(self) -> dict[str, Any] | None: ...

    @property
    def encoded(self) -> bool:
        """``data`` was one JSON string."""
        ...

    @property
    def encoded_items(self) -> frozenset[int]:
        """Indexes of ``data`` items sent as JSON-encoded event strings."""
        ...

    @property
    def has_encoded(self) -> bool: ...


class Context(Protocol):
    """What a check may know besides the value it is given. Read-only for rules."""

    @property
    def settings(self) -> RuleSettings: ...

    @property
    def now(self) -> int | None:
        """The reference time (unix seconds), or None (date checks are skipped)."""
        ...

    @property
    def path(self) -> str:
        """The file being checked (``<stdin>``, or a label for Python objects)."""
        ...

    @property
    def kind(self) -> str:
        """The document's shape: ``"request"``, ``"event"``, ``"array"`` or ``"other"``."""
        ...

    @property
    def request(self) -> dict[str, Any] | None:
        """The request body (the object holding ``data``), or None."""
        ...

    @property
    def envelope(self) -> EnvelopeView | None: ...

    @property
    def index(self) -> int:
        """The current event's index in its batch."""
        ...

    @property
    def action_source(self) -> str | None:
        """The current event's ``action_source`` when it is a string."""
        ...

    @property
    def text(self) -> str | bytes | None:
        """The document's JSON text as read; None for Python objects."""
        ...

    @property
    def memo(self) -> dict[str, Any]:
        """Per-event scratch space, cleared between events."""
        ...

    @property
    def shared(self) -> dict[str, Any]:
        """Run-wide state owned by the engine; rules keep what they put here bounded."""
        ...

    def option(self, code: str, name: str) -> Any:
        """The value of option ``name`` of rule ``code`` (its default, or the config's)."""
        ...
