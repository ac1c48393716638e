"""docs/rules.md is generated from the registry, kept current, and is where
every finding's doc_url and SARIF helpUri point."""

from __future__ import annotations

import json
import re
from pathlib import Path

from helpers import NOW, body, website_event

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
    log = json.loads(sarif.render(result))
    [rule] = [r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "E002"]
    assert rule["helpUri"] == registry.get("E002").doc_url
    assert rule["helpUri"].endswith("docs/rules.md#e002")
