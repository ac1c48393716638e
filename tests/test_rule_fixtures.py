"""Every rule's fixtures: ``tests/fixtures/rules/<CODE>/``.

- ``trigger_*.json`` / ``trigger_*.jsonl``: must produce exactly the findings of
  that code listed in ``expected.json`` (``{file: [[pointer, line, column], ...]}``).
- ``pass_*.json`` / ``pass_*.jsonl``: must produce no finding of that code.
- ``config.toml`` (optional): a config table applied to every file of the folder.

X rules (cross-check): the ``trigger_*``/``pass_*`` files are saved quality
responses (``/dataset_quality`` bodies, as ``--quality-file`` reads them) and
the folder's ``payloads.json`` holds the events they are held against; the
expected positions point into the response. Fleet rules (X021-X026): the files
are this run's responses, the folder's ``previous.json`` the last run's. P rules:
the files are the browser side (HAR ``.har``, recorded ``fbq`` calls ``.jsonl`` or a
``.json`` array), the folder's ``server.json`` the server payloads; a finding about
a server event (P002) has its position in ``server.json``.

All files are checked with the reference time ``helpers.NOW``. After a
deliberate change, ``python scripts/regen_expected.py CODE`` rewrites the
folder's ``expected.json`` from the current findings, for review with ``git diff``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import fixture_findings

ROOT = Path(__file__).parent / "fixtures" / "rules"


def _cases(prefix: str) -> list[Path]:
    return sorted(
        p for p in ROOT.glob(f"*/{prefix}_*") if p.suffix in (".json", ".jsonl", ".ndjson", ".har")
    )


@pytest.mark.parametrize("path", _cases("trigger"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_trigger(path: Path) -> None:
    expected = json.loads((path.parent / "expected.json").read_text("utf-8"))[path.name]
    # After a deliberate change: `python scripts/regen_expected.py CODE`, then review the diff.
    assert fixture_findings(path) == expected


@pytest.mark.parametrize("path", _cases("pass"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_pass(path: Path) -> None:
    assert fixture_findings(path) == []


def test_expected_lists_only_existing_files() -> None:
    for expected in ROOT.glob("*/expected.json"):
        names = set(json.loads(expected.read_text("utf-8")))
        present = {p.name for p in expected.parent.glob("trigger_*")}
        assert names == present, expected.parent.name
