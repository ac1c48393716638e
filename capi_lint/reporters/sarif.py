"""SARIF 2.1.0 (OASIS), the format GitHub code scanning and other SAST viewers read.

One run; ``tool.driver.rules`` comes from the rule catalogue the caller passes
(``rules=registry.catalogue()``: summary, doc, help URI), so a viewer shows
each rule's full documentation next to its results.
Results carry the rule, the level, the message (plus the fix), the file
region (line and column, 1-based code points) and the JSON pointer, both as a
logical location and in ``properties``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import PurePath, PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

from capi_lint import __version__
from capi_lint.model import Finding, RuleInfo, RunResult, Severity
from capi_lint.reporters import _stream

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/capi-lint/capi-lint"
#: GitHub code scanning rejects rule descriptions longer than this.
MAX_DESCRIPTION = 1000

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _description(rule: RuleInfo) -> str:
    text = rule.description.strip() or rule.summary
    if len(text) > MAX_DESCRIPTION:
        text = text[: MAX_DESCRIPTION - 1].rstrip() + "…"
    return text


def rule_descriptor(rule: RuleInfo) -> dict[str, Any]:
    doc = rule.help
    return {
        "id": rule.code,
        "name": rule.slug,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _description(rule)},
        "help": {"text": doc, "markdown": doc},
        "helpUri": rule.doc_url,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": ["capi", rule.family_name],
            "precision": "high",
        },
    }


def artifact_uri(path: str) -> str:
    """A URI reference for a finding's path: relative paths stay relative (GitHub
    resolves them against the repository root), absolute ones become file URIs."""
    scheme = urlsplit(path).scheme
    if len(scheme) > 1:  # already a URL (cross-check sources); one letter is a drive
        return path
    pure = PurePath(path)
    if pure.is_absolute():
        return pure.as_uri()
    return quote(PurePosixPath(pure.as_posix()).as_posix(), safe="/-._~")


def _fingerprint(finding: Finding) -> str:
    key = "\x00".join((finding.code, finding.path, finding.pointer, finding.message))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def result_object(finding: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    text = finding.message
    if finding.fix:
        text += f" Fix: {finding.fix}"
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(finding.path)}}
    if finding.line is not None:
        region: dict[str, Any] = {"startLine": finding.line}
        if finding.column is not None:
            region["startColumn"] = finding.column
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.pointer:
        name = finding.pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
        location["logicalLocations"] = [{"name": name, "fullyQualifiedName": finding.pointer}]
    properties: dict[str, Any] = {"pointer": finding.pointer, "slug": finding.slug}
    if finding.event_index is not None:
        properties["eventIndex"] = finding.event_index
    for key, value in finding.extra.items():
        properties.setdefault(key, value)
    out: dict[str, Any] = {
        "ruleId": finding.code,
        "level": LEVELS[finding.severity],
        "message": {"text": text},
        "locations": [location],
        "partialFingerprints": {"capiLintFinding/v1": _fingerprint(finding)},
        "properties": properties,
    }
    if finding.code in rule_index:
        out["ruleIndex"] = rule_index[finding.code]
    return out


def document(
    result: RunResult, rules: Sequence[RuleInfo] = (), results: list[Any] | None = None
) -> dict[str, Any]:
    """The SARIF log of ``result``; ``rules`` (``registry.catalogue()``) fills
    ``tool.driver.rules`` and the results' ``ruleIndex`` (``results`` given:
    in place of the findings' result objects)."""
    rule_index = {r.code: i for i, r in enumerate(rules)}
    if results is None:
        results = [result_object(f, rule_index) for f in result.findings]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "capi-lint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [rule_descriptor(r) for r in rules],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render(result: RunResult, *, rules: Sequence[RuleInfo] = (), **_options: Any) -> str:
    return "".join(render_chunks(result, rules=rules))


def render_chunks(
    result: RunResult, *, rules: Sequence[RuleInfo] = (), size: int = 1_000, **_options: Any
) -> Iterator[str]:
    """:func:`render`'s text in pieces of at most ``size`` results: the
    results' dicts and the text are never all held at once."""
    rule_index = {r.code: i for i, r in enumerate(rules)}
    yield from _stream.stream(
        document(result, rules, results=[]),
        ("runs", 0, "results"),
        result.findings,
        lambda finding: result_object(finding, rule_index),
        size=size,
    )
