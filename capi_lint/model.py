"""The values that flow through capi-lint: severities, rule metadata and findings.

Findings are frozen dataclasses, complete when created (unlike jsonschema's
mutable errors), so they compare, sort and serialise without surprises.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Severity(str, enum.Enum):
    """How bad a finding is; ordered info < warning < error."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(
                f"unknown severity {text!r}; expected one of: error, warning, info"
            ) from None


_RANK = {Severity.INFO: 1, Severity.WARNING: 2, Severity.ERROR: 3}

#: A pointer inside a document, as a tuple of object keys and array indexes.
PointerParts = tuple[Any, ...]


def format_pointer(parts: PointerParts) -> str:
    """RFC 6901 text for a tuple of keys/indexes (``('data', 0)`` -> ``/data/0``)."""
    if not parts:
        return ""
    out = []
    for part in parts:
        text = str(part)
        if "~" in text or "/" in text:
            text = text.replace("~", "~0").replace("/", "~1")
        out.append(text)
    return "/" + "/".join(out)


def parse_pointer(pointer: str) -> PointerParts:
    """Inverse of :func:`format_pointer`; array indexes stay strings."""
    if not pointer:
        return ()
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/"))


class Hit(NamedTuple):
    """What a rule reports: where (relative to what it was given) and why.

    The engine turns a Hit into a :class:`Finding` by completing the pointer,
    locating it in the file and applying the configured severity.
    """

    where: PointerParts
    message: str
    fix: str | None = None
    #: A per-hit severity, for rules whose catalogue entry names a milder case
    #: (e.g. S006 reports a JSON-encoded ``data`` string at info level).
    severity: Severity | None = None
    #: Extra machine-readable fields (cross-check figures, affected indexes, ...).
    extra: Mapping[str, Any] | None = None


class _NoExtra(Mapping[str, Any]):
    """The read-only, empty ``extra`` of most findings: one object shared by
    all of them (a large file can hold tens of thousands of findings)."""

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "{}"

    def __reduce__(self) -> str:
        return "NO_EXTRA"  # unpickles as this module's singleton (--jobs workers)


NO_EXTRA: Mapping[str, Any] = _NoExtra()


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place in one input."""

    code: str
    slug: str
    severity: Severity
    message: str
    path: str
    pointer: str
    line: int | None
    column: int | None
    event_index: int | None
    fix: str | None = None
    doc_url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def sort_key(self) -> tuple[Any, ...]:
        return (self.path, self.line or 0, self.column or 0, self.code, self.pointer)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "slug": self.slug,
            "severity": self.severity.value,
            "message": self.message,
            "path": self.path,
            "pointer": self.pointer,
            "line": self.line,
            "column": self.column,
            "event_index": self.event_index,
        }
        if self.fix is not None:
            out["fix"] = self.fix
        if self.doc_url is not None:
            out["doc_url"] = self.doc_url
        out.update(self.extra)
        return out
