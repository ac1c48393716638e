"""Meta-tests: every registered rule is documented and has fixtures both ways."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from capi_lint import registry

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
RULES = registry.all_rules()


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_complete_doc(rule: registry.Rule) -> None:
    for section in ("What it does", "Why is this bad?", "Example", "Fix", "Source"):
        assert rule.doc.section(section).strip(), f"{rule.code}: empty {section}"
    assert rule.summary and not rule.summary.endswith(":")
    source = rule.doc.section("Source")
    # Users have Meta's pages, not our internal spec: cite a public URL.
    assert "https://" in source, f"{rule.code}: cite a public page"
    for internal in ("requirements §", "quality-api.md", "interface §", "rules.md"):
        assert internal not in source, f"{rule.code}: cites internal {internal!r}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_trigger_and_pass_fixtures(rule: registry.Rule) -> None:
    folder = FIXTURES / rule.code
    assert list(folder.glob("trigger_*")), f"{rule.code}: no trigger fixture in {folder}"
    assert list(folder.glob("pass_*")), f"{rule.code}: no pass fixture in {folder}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_checks_take_their_scopes_input(rule: registry.Rule) -> None:
    """A check is a real function of its scope's input, not a ``*args`` placeholder
    (loader rules have none: the loader emits them)."""
    for scope, check in rule.scopes.items():
        target = check.__init__ if isinstance(check, type) else check
        params = inspect.signature(target).parameters.values()
        assert not any(p.kind is p.VAR_POSITIONAL for p in params), (rule.code, scope.value)


def test_codes_and_slugs_are_unique_and_well_formed() -> None:
    codes = [r.code for r in RULES]
    slugs = [r.slug for r in RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(slugs)) == len(slugs)


def test_lookup_by_code_and_slug() -> None:
    assert registry.get("s009").code == "S009"
    assert registry.get("unknown-key").code == "S009"
    with pytest.raises(KeyError):
        registry.get("Z999")


def test_selection_uses_prefixes_like_ruff() -> None:
    assert registry.select(["E00"]) == {f"E00{i}" for i in range(1, 10)}
    assert "E001" not in registry.select(None, ignore=["E"])
    assert registry.select(["S"], extend_select=["E001"]) >= {"S001", "E001"}
    with pytest.raises(ValueError, match="unknown rule code"):
        registry.select(["Q"])
