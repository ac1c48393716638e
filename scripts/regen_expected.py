"""Rewrite fixture folders' ``expected.json`` from the current findings.

    python scripts/regen_expected.py E005 [U012 ...]    # or --all

For a deliberate change of a fixture or of a rule's pointers: the folder's
``trigger_*`` files are checked as ``tests/test_rule_fixtures.py`` checks them
(``tests/helpers.py::fixture_findings``) and their ``[pointer, line, column]``
lists are written back. Nothing is judged here: review the result with
``git diff tests/fixtures/rules/`` before committing it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
ROOT = TESTS / "fixtures" / "rules"
SUFFIXES = (".json", ".jsonl", ".ndjson", ".har")


def render(expected: dict[str, list[list[object]]]) -> str:
    """One line per file, as most folders already have it (diffs stay small)."""
    lines = [
        f"  {json.dumps(name)}: {json.dumps(found, ensure_ascii=False)}"
        for name, found in expected.items()
    ]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def regenerate(folder: Path) -> bool:
    """Rewrite ``folder/expected.json``; True when it changed."""
    sys.path.insert(0, str(TESTS))
    from helpers import fixture_findings

    triggers = sorted(p for p in folder.glob("trigger_*") if p.suffix in SUFFIXES)
    text = render({p.name: fixture_findings(p) for p in triggers})
    target = folder / "expected.json"
    old = target.read_text("utf-8") if target.exists() else None
    if old == text:
        return False
    target.write_text(text, "utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("codes", nargs="*", metavar="CODE", help="fixture folders to rewrite")
    parser.add_argument("--all", action="store_true", help="every fixture folder")
    args = parser.parse_args(argv)
    if args.all:
        folders = sorted(p.parent for p in ROOT.glob("*/trigger_*"))
        folders = sorted(set(folders))
    else:
        folders = [ROOT / code.upper() for code in args.codes]
    if not folders:
        parser.error("name at least one CODE (or --all)")
    for folder in folders:
        if not folder.is_dir():
            print(f"no fixture folder {folder.relative_to(ROOT.parent.parent.parent)}")
            return 2
        if regenerate(folder):
            print(f"rewrote {folder.name}/expected.json (review: git diff {folder})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
