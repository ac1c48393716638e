"""The values that flow through capi-lint: severities, hits, findings and results.

Plain data only (check-jsonschema's ``result.py``): this module imports
nothing of capi-lint, so the reporters, which depend on it alone, never load
the engine, the loader, the config or the rule table.

Findings are frozen dataclasses, complete when created (unlike jsonschema's
mutable errors), so they compare, sort and serialise without surprises.
:class:`Selection` is the one place a rule's :class:`Hit` becomes a
:class:`Finding`: it applies the selection (``select``/``ignore``) and the
severity (config override, then the hit's own, then the rule's default).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from capi_lint.mask import mask_label


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


# --------------------------------------------------------------------------- hit -> finding


class RuleRef(Protocol):
    """What turning a hit into a finding needs of a rule (``registry.Rule`` has it)."""

    @property
    def code(self) -> str: ...
    @property
    def slug(self) -> str: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def doc_url(self) -> str: ...


def resolve_severity(
    rule_severity: Severity, hit_severity: Severity | None, override: Severity | None
) -> Severity:
    """The severity a finding is reported at: the user's override (config
    ``severity``), else the hit's own (a rule's milder case), else the rule's."""
    return override or hit_severity or rule_severity


#: Entries a Selection's sharing tables hold before they start afresh.
SHARED_MAX = 4096


@dataclass(frozen=True, slots=True)
class Selection:
    """The run's choice of codes and severities, applied to every hit in one place.

    Built from ``Settings.enabled`` and ``Settings.severity``; the engine
    (check) and the cross-check both turn their hits into findings here.

    A long file can hold hundreds of thousands of findings, and most repeat a
    pointer, a message, a fix or a column of an earlier one: the findings a
    Selection builds share one object for each such value (bounded tables,
    owned by the run, so they go with it), and a repeated pointer is not
    formatted again.
    """

    enabled: frozenset[str]
    overrides: Mapping[str, Severity] = field(default_factory=dict)
    #: Pointer parts -> their RFC 6901 text (parts are str keys and int indexes).
    _pointers: dict[PointerParts, str] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    #: Messages and fixes, each to the first equal one seen.
    _texts: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    #: Line and column numbers past the ones Python shares itself (256).
    _numbers: dict[int, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def selects(self, code: str) -> bool:
        return code in self.enabled

    def severity(self, rule: RuleRef, hit_severity: Severity | None = None) -> Severity:
        return resolve_severity(rule.severity, hit_severity, self.overrides.get(rule.code))

    def finding(
        self,
        rule: RuleRef,
        hit: Hit,
        path: str,
        parts: PointerParts,
        index: int | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> Finding:
        """``hit`` of ``rule`` at the absolute pointer ``parts`` of ``path``."""
        pointer = self._pointers.get(parts)
        if pointer is None:
            pointer = _remember(self._pointers, parts, format_pointer(parts))
        texts = self._texts
        message = texts.get(hit.message) or _remember(texts, hit.message, hit.message)
        fix = hit.fix
        if fix is not None:
            fix = texts.get(fix) or _remember(texts, fix, fix)
        numbers = self._numbers
        if line is not None and line > 256:
            line = numbers.get(line) or _remember(numbers, line, line)
        if column is not None and column > 256:
            column = numbers.get(column) or _remember(numbers, column, column)
        return Finding(
            code=rule.code,
            slug=rule.slug,
            severity=self.severity(rule, hit.severity),
            message=message,
            path=path,
            pointer=pointer,
            line=line,
            column=column,
            event_index=index,
            fix=fix,
            doc_url=rule.doc_url,
            extra=dict(hit.extra) if hit.extra else NO_EXTRA,
        )


def _remember(table: dict[Any, Any], key: Any, value: Any) -> Any:
    """Put ``value`` in the bounded ``table`` under ``key``; return it."""
    if len(table) >= SHARED_MAX:
        table.clear()
    table[key] = value
    return value


# --------------------------------------------------------------------------- results


@dataclass
class FileResult:
    """The findings of one input (a file, standard input, a payload)."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    events: int = 0
    #: Events were checked without a reference time while rules that compare
    #: with one were selected (the run's summary says so once).
    age_checks_skipped: bool = False

    @property
    def failed_to_parse(self) -> bool:
        return any(f.code == "S001" and f.severity is Severity.ERROR for f in self.findings)


@dataclass
class Summary:
    files: int = 0
    events: int = 0
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    #: Findings a baseline accepted (None: no baseline in use).
    baseline_matched: int | None = None
    #: Files whose events were checked without a reference time, so without
    #: the rules in ``age_rules`` (or their date-dependent parts).
    age_checks_skipped: int = 0
    age_rules: tuple[str, ...] = ()

    def add(self, result: FileResult) -> None:
        self.files += 1
        self.events += result.events
        self.age_checks_skipped += result.age_checks_skipped
        self.count(result.findings)

    def count(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            if finding.severity is Severity.ERROR:
                self.errors += 1
            elif finding.severity is Severity.WARNING:
                self.warnings += 1
            else:
                self.infos += 1

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "files": self.files,
            "events": self.events,
            "errors": self.errors,
            "warnings": self.warnings,
            "infos": self.infos,
            "age_checks_skipped": self.age_checks_skipped,
        }
        if self.baseline_matched is not None:
            out["baseline_matched"] = self.baseline_matched
        return out


@dataclass
class RunResult:
    """The results of one run over many inputs: what every reporter renders."""

    results: list[FileResult] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)
    #: Files a directory walk found and skipped: no CAPI event key in them.
    skipped: list[str] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return sorted((f for r in self.results for f in r.findings), key=Finding.sort_key)

    def failed(self, fail_on: Severity) -> bool:
        # Unsorted: a long run holds tens of thousands of findings.
        return any(f.severity.rank >= fail_on.rank for r in self.results for f in r.findings)


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """A rule as a report describes it (SARIF's ``tool.driver.rules``): its
    metadata and rendered doc, without check functions. ``registry.catalogue()``
    lists every rule's."""

    code: str
    slug: str
    severity: Severity
    summary: str
    #: The doc's "What it does" section (empty when it has none).
    description: str
    #: The whole doc, rendered as Markdown.
    help: str
    doc_url: str
    family_name: str


# --------------------------------------------------------------------------- coverage results

#: ``match_key_feedback[].identifier`` -> the user_data keys that carry it
#: (rules.md "Match-key identifiers"; quality-api.md §2). A tuple inside the
#: tuple means "all of these together" (date of birth from the SDK's parts).
IDENTIFIERS: Mapping[str, tuple[Any, ...]] = {
    "email": ("em",),
    "phone": ("ph",),
    "ip_address": ("client_ip_address",),
    "user_agent": ("client_user_agent",),
    "external_id": ("external_id",),
    "fbp": ("fbp",),
    "fbc": ("fbc",),
    "first_name": ("fn", "f5first", "fi"),
    "last_name": ("ln", "f5last"),
    "date_of_birth": ("db", ("dobd", "dobm", "doby")),
    "gender": ("ge",),
    "city": ("ct",),
    "state": ("st",),
    "zip": ("zp",),
    "country": ("country",),
    "fb_login_id": ("fb_login_id",),
    "lead_id": ("lead_id",),
}

#: ``dedupe_key_feedback[].dedupe_key`` -> where the key lives in an event.
DEDUP_KEYS: Mapping[str, tuple[str, ...]] = {
    "event_id": ("event_id",),
    "external_id": ("user_data", "external_id"),
    "fbp": ("user_data", "fbp"),
}


@dataclass
class CoverageRow:
    channel: str
    action_source: str | None
    event_name: str | None
    agent_name: str | None
    file: str | None = None
    events: int = 0
    unmatchable_events: int = 0
    present: dict[str, int] = field(default_factory=lambda: dict.fromkeys(IDENTIFIERS, 0))
    valid: dict[str, int] = field(default_factory=lambda: dict.fromkeys(IDENTIFIERS, 0))
    dedup: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DEDUP_KEYS, 0))

    def percent(self, count: int) -> float:
        return round(100.0 * count / self.events, 1) if self.events else 0.0

    def labels(self) -> dict[str, str | None]:
        """``channel``, ``action_source``, ``event_name`` and ``agent_name`` as
        they may be printed. The sender chose them, and an email or a phone
        number in them is personal data however misplaced: masked (the row
        itself keeps the raw values, which group the events)."""
        return {
            "channel": mask_label(self.channel),
            "action_source": mask_label(self.action_source),
            "event_name": mask_label(self.event_name),
            "agent_name": mask_label(self.agent_name),
        }

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = self.labels()
        if self.file is not None:
            out["file"] = self.file
        out.update(
            events=self.events,
            unmatchable_events=self.unmatchable_events,
            match_keys={
                ident: {
                    "present": self.percent(self.present[ident]),
                    "valid": self.percent(self.valid[ident]),
                }
                for ident in IDENTIFIERS
            },
            dedup_keys={key: self.percent(n) for key, n in self.dedup.items()},
        )
        return out
