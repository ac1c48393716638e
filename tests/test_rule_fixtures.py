"""Every rule's fixtures: ``tests/fixtures/rules/<CODE>/``.

- ``trigger_*.json`` / ``trigger_*.jsonl``: must produce exactly the findings of
  that code listed in ``expected.json`` (``{file: [[pointer, line, column], ...]}``).
- ``pass_*.json`` / ``pass_*.jsonl``: must produce no finding of that code.
- ``config.toml`` (optional): a config table applied to every file of the folder.

All files are checked with the reference time ``helpers.NOW``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from helpers import NOW

import capi_lint

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).parent / "fixtures" / "rules"


def _cases(prefix: str) -> list[Path]:
    return sorted(
        p for p in ROOT.glob(f"*/{prefix}_*") if p.suffix in (".json", ".jsonl", ".ndjson")
    )


def _config(folder: Path) -> dict:
    cfg = folder / "config.toml"
    return tomllib.loads(cfg.read_text("utf-8")) if cfg.exists() else {}


def _findings(path: Path) -> list:
    code = path.parent.name
    config = _config(path.parent)
    config.setdefault("select", [code])
    return [f for f in capi_lint.check_file(path, config, now=NOW) if f.code == code]


@pytest.mark.parametrize("path", _cases("trigger"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_trigger(path: Path) -> None:
    expected = json.loads((path.parent / "expected.json").read_text("utf-8"))[path.name]
    got = [[f.pointer, f.line, f.column] for f in _findings(path)]
    assert got == expected


@pytest.mark.parametrize("path", _cases("pass"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_pass(path: Path) -> None:
    found = _findings(path)
    assert found == [], [f"{f.pointer}: {f.message}" for f in found]


def test_expected_lists_only_existing_files() -> None:
    for expected in ROOT.glob("*/expected.json"):
        names = set(json.loads(expected.read_text("utf-8")))
        present = {p.name for p in expected.parent.glob("trigger_*")}
        assert names == present, expected.parent.name
