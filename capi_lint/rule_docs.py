"""Rule docs as text: one rule (``capi-lint rule CODE``) and the whole catalogue
(``capi-lint rules --format markdown``, committed as ``docs/rules.md``).

Both come from the registry alone, so the catalogue cannot drift from the
rules: a test regenerates it and compares. Every rule's section starts with an
anchor named after its lower-case code, which is where ``doc_url`` and SARIF's
``helpUri`` point.
"""

from __future__ import annotations

from capi_lint import registry
from capi_lint.registry import Rule

#: How to regenerate the catalogue (printed at its top).
REGENERATE = "capi-lint rules --format markdown > docs/rules.md"


def header_lines(rule: Rule) -> list[str]:
    """What a rule is, besides its doc: family, severity, scope, options, fix."""
    lines = [
        f"Family: {rule.family} ({registry.FAMILIES[rule.family]})",
        f"Default severity: {rule.severity.value}",
    ]
    if rule.action_sources:
        lines.append(f"Applies to action_source: {', '.join(sorted(rule.action_sources))}")
    if rule.options:
        options = ", ".join(f"{k} = {v!r}" for k, v in rule.options.items())
        lines.append(f"Options: {options}")
    lines.append(f"Fix available: {'yes (--fix)' if rule.fixable else 'no'}")
    return lines


def render_rule(rule: Rule) -> str:
    """The text ``capi-lint rule CODE`` prints."""
    head = [f"# {rule.code} {rule.slug}", "", *header_lines(rule)]
    return "\n".join(head) + "\n\n" + rule.doc.render()


def render_catalogue() -> str:
    """``docs/rules.md``: a table of contents, then one section per rule."""
    rules = registry.all_rules()
    out = [
        "# capi-lint rules",
        "",
        f"<!-- Generated from the rule registry by `{REGENERATE}`; do not edit. -->",
        "",
        "Every rule has a code (the public contract: never reused), a slug, a default "
        "severity and the doc below. Select or ignore rules by code or prefix "
        "(`--select U,H001`), change a severity in config.",
        "",
    ]
    for family, name in registry.FAMILIES.items():
        members = [r for r in rules if r.family == family]
        if not members:
            continue
        out += [
            f"## {family} — {name}",
            "",
            "| code | slug | severity | summary |",
            "|---|---|---|---|",
        ]
        for rule in members:
            summary = rule.summary.replace("|", "\\|")
            out.append(
                f"| [{rule.code}](#{rule.code.lower()}) | {rule.slug} | "
                f"{rule.severity.value} | {summary} |"
            )
        out.append("")
    for rule in rules:
        out += [
            f'<a id="{rule.code.lower()}"></a>',
            "",
            f"## {rule.code} {rule.slug}",
            "",
            *(f"{line}  " for line in header_lines(rule)),
            "",
        ]
        body = rule.doc.render()
        # The doc's own sections sit one level below the rule's heading.
        out += [("#" + line if line.startswith("## ") else line) for line in body.splitlines()]
        out.append("")
    return "\n".join(out).rstrip() + "\n"
