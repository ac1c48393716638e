"""The one table of rules: every rule is registered here by its decorator.

A rule is data (code, slug, default severity, doc) plus pure check functions.
``capi-lint rule``, ``capi-lint rules``, SARIF rule metadata and the docs are
all generated from this table, so a rule is never described twice.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from capi_lint.model import RuleInfo, Severity
from capi_lint.tiers import Condition

DOC_URL = "https://github.com/capi-lint/capi-lint/blob/main/docs/rules.md#{code}"

_CAPI = "https://developers.facebook.com/docs/marketing-api/conversions-api/"
#: Meta's newer documentation tree; some pages exist only there.
_DOCS = "https://developers.facebook.com/documentation/ads-commerce/conversions-api/"

#: Page keys of requirements.md §0.2; a rule doc writes ``{CI}`` and gets the URL.
SOURCES: Mapping[str, str] = {
    "PARAMS": _CAPI + "parameters",
    "MAIN": _CAPI + "parameters/main-body",
    "SE": _CAPI + "parameters/server-event",
    "CI": _CAPI + "parameters/customer-information-parameters",
    "CD": _CAPI + "parameters/custom-data",
    "AD": _CAPI + "parameters/app-data",
    "OED": _CAPI + "parameters/original-event",
    "FBC": _CAPI + "parameters/fbp-and-fbc",
    "PBL": _CAPI + "parameter-builder-library",
    "USE": _CAPI + "using-the-api",
    "DEDUP": _CAPI + "deduplicate-pixel-and-server-events",
    "APP": _CAPI + "app-events",
    "OFF": _CAPI + "offline-events",
    "BM": _CAPI + "business-messaging",
    "BP": _CAPI + "best-practices",
    "E2E": _CAPI + "guides/end-to-end-implementation",
    "DPO": "https://developers.facebook.com/docs/marketing-apis/data-processing-options",
    "OMNI": "https://developers.facebook.com/docs/marketing-api/best-practices/omni-optimal-setup-guide",
    "DQ": _CAPI + "dataset-quality-api",
    "SQ": "https://developers.facebook.com/docs/marketing-api/reference/ads-pixel/setup_quality",
    # Not in requirements §0.2: Meta pages read for issue 14's rules.
    "CRM": _CAPI + "conversion-leads-integration/payload-specification",
    "APPATTR": _DOCS + "guides/append-attribution/reference",
    "PLTV": _DOCS + "guides/predicted-lifetime-value",
    # Read for issue 17 (the X rules' docs).
    "DQOFF": _DOCS + "dataset-quality-api/offline-events",
}
_SOURCE_KEY = re.compile(r"\{([A-Z0-9]+)\}")

_CODE = re.compile(r"^[A-Z][0-9]{3}$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

FAMILIES: Mapping[str, str] = {
    "S": "file, JSON and envelope structure",
    "E": "server event parameters",
    "U": "customer information",
    "H": "hashing",
    "N": "normalisation of raw values",
    "D": "deduplication",
    "C": "custom_data",
    "A": "action_source-specific",
    "R": "request level",
    "B": "batch statistics",
    "X": "cross-check against Meta's quality reports",
    "P": "Pixel and server side by side (deduplication, event coverage)",
}


class Scope(str, enum.Enum):
    """What a check function is given."""

    #: Emitted by the loader/envelope reader itself (parse errors, shape);
    #: the rule carries no function, its doc says where it comes from.
    LOADER = "loader"
    #: ``fn(root, ctx)`` once per parsed document (a JSON file, or one line of
    #: JSON Lines); pointers are relative to the document root.
    DOCUMENT = "document"
    #: ``fn(event, ctx)`` once per event; pointers relative to the event.
    EVENT = "event"
    #: A class ``cls(ctx)`` with ``feed(index, event) -> hits | None`` (pointers
    #: relative to that event) and ``finish() -> hits | None`` (pointers
    #: relative to the batch array). One instance per batch, one pass. How the
    #: engine feeds them (declared reads, chunks, routing): rules/_columns.py.
    BATCH = "batch"
    #: ``fn(cmp, ctx)`` once per channel of a quality report (``capi-lint
    #: crosscheck``): ``cmp`` is a :class:`~capi_lint.comparison.ChannelComparison`
    #: (reported vs predicted), ``ctx`` a
    #: :class:`~capi_lint.comparison.CrosscheckContext`; pointers are absolute in
    #: the quality response.
    CROSSCHECK = "crosscheck"
    #: ``fn(pairing, ctx)`` once per ``capi-lint pair`` run: ``pairing`` is a
    #: :class:`~capi_lint.pairing.Pairing` (the Pixel's events, the server's
    #: events and the twins Meta would deduplicate), ``ctx`` a
    #: :class:`~capi_lint.pairing.PairContext`; pointers are those of the event a
    #: hit is about (:func:`capi_lint.pairing.pair_hit`).
    PAIR = "pair"
    #: ``fn(change, ctx)`` once per dataset of a ``capi-lint fleet`` run:
    #: ``change`` is a :class:`~capi_lint.fleet_change.DatasetChange` (a read
    #: failure, or this run's snapshots next to the last run's), ``ctx`` a
    #: :class:`~capi_lint.comparison.CrosscheckContext`; pointers are absolute in
    #: the dataset's quality response.
    FLEET = "fleet"


class NeedsNow(str, enum.Enum):
    """Whether a rule compares event times with the reference time (*now*).

    The one place that knows which judgements change with the date: ``check``
    on files runs the ``YES`` rules only when a reference time is given
    (``--now``, ``now =``, ``per-file-now``), and gives ``PARTLY`` rules
    ``ctx.now = None`` so that they skip just their date-dependent checks.
    """

    NO = "no"
    #: Every check compares with now (age, delay, future): no reference time, no run.
    YES = "yes"
    #: Some checks do; the rule runs always and skips those when ``ctx.now`` is None.
    PARTLY = "partly"


#: Doc sections, in the order ``capi-lint rule`` prints them (ruff's template).
DOC_SECTIONS = (
    "What it does",
    "Why is this bad?",
    "Example",
    "Use instead",
    "Fix",
    "Options",
    "Source",
)
_REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Fix", "Source")


class RuleDoc:
    """A rule's documentation: the summary line and the ``## Section`` bodies of
    its docstring, parsed on first use. A check never reads them, and parsing
    every rule's docstring at import cost each start-up several milliseconds;
    ``tests/test_registry.py`` reads every rule's doc, so a malformed one still
    fails the suite."""

    __slots__ = ("_code", "_parsed", "_text")

    def __init__(self, code: str, text: str) -> None:
        self._code = code
        self._text = text
        self._parsed: tuple[str, Mapping[str, str]] | None = None

    def _doc(self) -> tuple[str, Mapping[str, str]]:
        parsed = self._parsed
        if parsed is None:  # threads may both parse: equal results, either kept
            parsed = self._parsed = _parse_doc_text(self._code, self._text)
        return parsed

    @property
    def parsed(self) -> bool:
        """Whether the docstring has been parsed yet (start-up tests ask)."""
        return self._parsed is not None

    @property
    def summary(self) -> str:
        return self._doc()[0]

    @property
    def sections(self) -> Mapping[str, str]:
        return self._doc()[1]

    def section(self, name: str) -> str:
        return self.sections.get(name, "")

    def render(self) -> str:
        parts = [self.summary, ""]
        for name in DOC_SECTIONS:
            body = self.sections.get(name)
            if body:
                parts += [f"## {name}", body, ""]
        return "\n".join(parts).rstrip() + "\n"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RuleDoc):
            return NotImplemented
        return self._doc() == other._doc()

    def __hash__(self) -> int:
        return hash((self.summary, tuple(self.sections.items())))

    def __repr__(self) -> str:
        return f"RuleDoc({self._code!r}, summary={self.summary!r})"


@functools.cache
def _doc_url(code: str) -> str:
    # One string per rule, shared by all its findings (a large file holds many).
    return DOC_URL.format(code=code.lower())


@dataclass(frozen=True)
class Rule:
    code: str
    slug: str
    severity: Severity
    doc: RuleDoc
    scopes: Mapping[Scope, Callable[..., Any]] = field(default_factory=dict)
    #: Event rules limited to these ``action_source`` values (None: all events).
    action_sources: frozenset[str] | None = None
    #: Option name -> default value, overridable in config.
    options: Mapping[str, Any] = field(default_factory=dict)
    fixable: bool = False
    needs_now: NeedsNow = NeedsNow.NO
    #: The event check's cheap "might fire" test (capi_lint.tiers); None: always called.
    when: Condition | None = None

    @property
    def family(self) -> str:
        return self.code[0]

    @property
    def summary(self) -> str:
        return self.doc.summary

    @property
    def doc_url(self) -> str:
        return _doc_url(self.code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "slug": self.slug,
            "severity": self.severity.value,
            "family": self.family,
            "family_name": FAMILIES.get(self.family, ""),
            "summary": self.summary,
            "scopes": sorted(s.value for s in self.scopes) or [Scope.LOADER.value],
            "action_sources": sorted(self.action_sources) if self.action_sources else None,
            "options": dict(self.options),
            "fixable": self.fixable,
            "needs_now": self.needs_now.value,
            "doc": {name: self.doc.sections.get(name, "") for name in DOC_SECTIONS},
            "doc_url": self.doc_url,
        }


_RULES: dict[str, Rule] = {}
_BY_SLUG: dict[str, str] = {}


def parse_doc(code: str, text: str | None) -> RuleDoc:
    """A rule docstring as its summary line and ``## Section`` bodies (split on
    first use; a missing docstring is refused here)."""
    if not text or not text.strip():
        raise ValueError(f"rule {code} has no doc")
    return RuleDoc(code, text)


def _parse_doc_text(code: str, text: str) -> tuple[str, Mapping[str, str]]:
    """Split a rule docstring into its summary line and ``## Section`` bodies."""
    text = _SOURCE_KEY.sub(lambda m: SOURCES.get(m.group(1), m.group(0)), _dedent(text))
    lines = text.strip("\n").splitlines()
    summary = lines[0].strip()
    sections: dict[str, str] = {}
    current: str | None = None
    body: list[str] = []
    for line in lines[1:]:
        if line.startswith("## "):
            if current is not None:
                sections[current] = "\n".join(body).strip("\n")
            current, body = line[3:].strip(), []
        elif current is not None:
            body.append(line)
    if current is not None:
        sections[current] = "\n".join(body).strip("\n")
    unknown = set(sections) - set(DOC_SECTIONS)
    missing = [s for s in _REQUIRED_SECTIONS if not sections.get(s)]
    if unknown or missing:
        raise ValueError(f"rule {code} doc: unknown sections {sorted(unknown)}, missing {missing}")
    return summary, sections


def _dedent(text: str) -> str:
    # inspect.cleandoc semantics without importing inspect at start-up.
    lines = text.expandtabs().splitlines()
    indents = [len(ln) - len(ln.lstrip()) for ln in lines[1:] if ln.strip()]
    margin = min(indents) if indents else 0
    return "\n".join([lines[0].strip()] + [ln[margin:] for ln in lines[1:]])


def rule(
    code: str,
    slug: str,
    severity: Severity,
    scope: Scope,
    *,
    action_sources: Iterable[str] | None = None,
    options: Mapping[str, Any] | None = None,
    fixable: bool = False,
    needs_now: NeedsNow | bool = NeedsNow.NO,
    when: Condition | None = None,
) -> Callable[[Any], Any]:
    """Register the decorated function (or batch class) as rule ``code``.

    The docstring is the rule's documentation and must have the sections
    What it does / Why is this bad? / Example / Fix / Source. ``needs_now``
    (see :class:`NeedsNow`; ``True`` means ``YES``) says whether it compares
    with the reference time. ``when`` (event rules) is the cheap condition
    under which the check might report (:mod:`capi_lint.tiers`).
    """
    if when is not None and scope is not Scope.EVENT:
        raise ValueError(f"rule {code}: only event checks take a condition")

    def register(fn: Any) -> Any:
        _add(
            code,
            slug,
            severity,
            {scope: fn},
            fn.__doc__,
            action_sources,
            options,
            fixable,
            NeedsNow.YES if needs_now is True else NeedsNow(needs_now or NeedsNow.NO),
            when,
        )
        return fn

    return register


def also(code: str, scope: Scope) -> Callable[[Any], Any]:
    """Attach another check function, at another scope, to an existing rule."""

    def register(fn: Any) -> Any:
        existing = _RULES[code]
        if scope in existing.scopes:
            raise ValueError(f"rule {code} already has a {scope.value} check")
        scopes = dict(existing.scopes)
        scopes[scope] = fn
        _forget_order()
        _RULES[code] = Rule(
            existing.code,
            existing.slug,
            existing.severity,
            existing.doc,
            scopes,
            existing.action_sources,
            existing.options,
            existing.fixable,
            existing.needs_now,
            existing.when,
        )
        return fn

    return register


def declare(code: str, slug: str, severity: Severity, doc: str, **kw: Any) -> None:
    """Register a rule whose findings are emitted by the loader (no function)."""
    _add(code, slug, severity, {}, doc, kw.get("action_sources"), kw.get("options"), False)


def _add(
    code: str,
    slug: str,
    severity: Severity,
    scopes: Mapping[Scope, Any],
    docstring: str | None,
    action_sources: Iterable[str] | None,
    options: Mapping[str, Any] | None,
    fixable: bool,
    needs_now: NeedsNow = NeedsNow.NO,
    when: Condition | None = None,
) -> None:
    if not _CODE.match(code):
        raise ValueError(f"bad rule code {code!r}")
    if not _SLUG.match(slug):
        raise ValueError(f"bad rule slug {slug!r}")
    if code in _RULES:
        raise ValueError(f"rule {code} registered twice")
    if slug in _BY_SLUG:
        raise ValueError(f"slug {slug} already used by {_BY_SLUG[slug]}")
    _forget_order()
    _RULES[code] = Rule(
        code=code,
        slug=slug,
        severity=severity,
        doc=parse_doc(code, docstring),
        scopes=dict(scopes),
        action_sources=frozenset(action_sources) if action_sources is not None else None,
        options=dict(options or {}),
        fixable=fixable,
        needs_now=needs_now,
        when=when,
    )
    _BY_SLUG[slug] = code


def _forget_order() -> None:
    global _SORTED
    _SORTED = None


def _ensure_loaded() -> None:
    # Importing the rule modules runs their decorators.
    from capi_lint import rules  # noqa: F401


def all_rules() -> list[Rule]:
    _ensure_loaded()
    return list(_sorted_rules())


#: The rules in code order, sorted once (registration resets it), not per call.
_SORTED: tuple[Rule, ...] | None = None


def _sorted_rules() -> tuple[Rule, ...]:
    global _SORTED
    ordered = _SORTED
    if ordered is None:
        ordered = _SORTED = tuple(_RULES[c] for c in sorted(_RULES, key=_code_order))
    return ordered


def catalogue() -> list[RuleInfo]:
    """Every rule as plain data, for the reporters (which never import this module)."""
    return [
        RuleInfo(
            code=r.code,
            slug=r.slug,
            severity=r.severity,
            summary=r.summary,
            description=r.doc.section("What it does"),
            help=r.doc.render(),
            doc_url=r.doc_url,
            family_name=FAMILIES.get(r.family, r.family),
        )
        for r in all_rules()
    ]


def get(code_or_slug: str) -> Rule:
    """The rule with this code (any case) or slug; KeyError if none."""
    _ensure_loaded()
    key = code_or_slug.strip()
    if key.upper() in _RULES:
        return _RULES[key.upper()]
    if key.lower() in _BY_SLUG:
        return _RULES[_BY_SLUG[key.lower()]]
    raise KeyError(code_or_slug)


_FAMILY_ORDER = {f: i for i, f in enumerate(FAMILIES)}


def _code_order(code: str) -> tuple[int, str]:
    return (_FAMILY_ORDER.get(code[0], 99), code)


def select(
    select: Iterable[str] | None,
    ignore: Iterable[str] = (),
    extend_select: Iterable[str] = (),
) -> frozenset[str]:
    """Codes enabled by ruff-style code-or-prefix selection.

    ``select`` (default: all) is the base; ``extend_select`` adds to it and
    ``ignore`` removes from it. An unknown code or prefix raises ValueError.
    """
    _ensure_loaded()
    codes = set(_expand(select) if select is not None else _RULES)
    codes |= _expand(extend_select)
    codes -= _expand(ignore)
    return frozenset(codes)


def _expand(prefixes: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for raw in prefixes:
        prefix = raw.strip().upper()
        if not prefix:
            continue
        if prefix == "ALL":
            out.update(_RULES)
            continue
        matched = {c for c in _RULES if c.startswith(prefix)}
        if not matched:
            slug_code = _BY_SLUG.get(raw.strip().lower())
            if slug_code is None:
                raise ValueError(f"unknown rule code or prefix: {raw.strip()!r}")
            matched = {slug_code}
        out |= matched
    return out


def enabled_checks(
    scope: Scope, enabled: Callable[[str], bool]
) -> list[tuple[Rule, Callable[..., Any]]]:
    """(rule, check) of every rule with a check at ``scope`` that ``enabled(code)``
    accepts, in code order: what the cross-check, pair and fleet runs call."""
    _ensure_loaded()
    return [
        (rule, rule.scopes[scope])
        for rule in _sorted_rules()
        if scope in rule.scopes and enabled(rule.code)
    ]


def time_rules(enabled: Iterable[str]) -> list[Rule]:
    """The enabled rules that compare with the reference time (fully or partly)."""
    wanted = set(enabled)
    _ensure_loaded()
    return [r for r in _sorted_rules() if r.code in wanted and r.needs_now is not NeedsNow.NO]


def iter_codes() -> Iterator[str]:
    _ensure_loaded()
    return iter(sorted(_RULES, key=_code_order))
