"""docs/rules.md is generated from the registry, kept current, and is where
every finding's doc_url and SARIF helpUri point."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import NOW, body, lint, website_event

from capi_lint import registry
from capi_lint.config import build_settings
from capi_lint.reporters import sarif
from capi_lint.rule_docs import REGENERATE, render_catalogue
from capi_lint.runner import run

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "docs" / "rules.md"


def test_catalogue_is_current() -> None:
    assert CATALOGUE.read_text("utf-8") == render_catalogue(), f"stale: run `{REGENERATE}`"


def test_every_doc_url_names_an_anchor_in_the_catalogue() -> None:
    anchors = set(re.findall(r'<a id="([a-z0-9]+)"></a>', CATALOGUE.read_text("utf-8")))
    rules = registry.all_rules()
    assert len(anchors) == len(rules)
    for rule in rules:
        path, _, anchor = rule.doc_url.partition("#")
        assert path.endswith("/docs/rules.md"), rule.doc_url
        assert anchor == rule.code.lower() and anchor in anchors, rule.code


def test_sarif_help_uri_is_the_rule_doc_url(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(body(website_event(event_name="purchase"))))
    result = run([str(path)], build_settings({"select": ["E002"], "now": NOW}))
    log = json.loads(sarif.render(result, rules=registry.catalogue()))
    [rule] = [r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "E002"]
    assert rule["helpUri"] == registry.get("E002").doc_url
    assert rule["helpUri"].endswith("docs/rules.md#e002")


def _merge(base: dict, patch: dict) -> dict:
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _json_block(section: str) -> dict:
    match = re.search(r"```json\n(.*?)```", section, re.S)
    assert match, section
    return json.loads(match.group(1).replace("…", ""))


AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
USE_INSTEAD = [r for r in registry.all_rules() if r.doc.section("Use instead")]


def test_some_rules_show_the_corrected_payload() -> None:
    assert len(USE_INSTEAD) >= 10


@pytest.mark.parametrize("rule", USE_INSTEAD, ids=lambda r: r.code)
def test_example_triggers_and_use_instead_does_not(rule: registry.Rule) -> None:
    # A bare website event, so the doc's fragment is all that can make the rule fire.
    base = {
        "event_name": "Purchase",
        "event_time": NOW - 60,
        "action_source": "website",
        "event_source_url": "https://shop.example.com/checkout",
        "user_data": {"client_ip_address": "81.2.69.142", "client_user_agent": AGENT},
    }

    def findings(fragment: dict) -> list[str]:
        payload = fragment if "data" in fragment else {"data": [_merge(base, fragment)]}
        return [f.code for f in lint(payload, select=[rule.code])]

    assert rule.code in findings(_json_block(rule.doc.section("Example")))
    assert rule.code not in findings(_json_block(rule.doc.section("Use instead")))
