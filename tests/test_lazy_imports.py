"""Start-up stays cheap: `import capi_lint`, a clean one-file `capi-lint check`
(the pre-commit case) and the first `capi_lint.Checker(...).check(event)` of a
process (issue 18: first call <= 150 ms) do not import the slow or
network-only dependencies.

Each case runs in a fresh interpreter (sys.executable, this checkout first on
sys.path), since this test process has long since imported everything. A
meta-path hook in the child records the stack of the first import of each
watched module, so a failure names the importer.

httpx is needed only by the quality/crosscheck commands; phonenumbers and
email_validator only once a raw phone or email is normalised (capi_lint.normalize);
jsonschema only by capi_lint.schemas' validator. pycountry is not imported
either, although examples/website_purchase.json has a hashed ``country`` that
H010 compares against capi_lint.hashing.country_hashes(): the codes are read
from pycountry's data file (its import alone cost ~25 ms). The library call
also leaves out the command line (click), the fleet HTML report (jinja2), the
directory walk (pathspec) and what only a config file (tomllib), a zip-imported package
(importlib.resources) or package metadata (importlib.metadata) needs, and
parses no rule docstring (registry.RuleDoc: parsed when a doc is shown).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "examples/website_purchase.json"
NOW = "2026-11-20T12:00:00Z"  # as .ci/run

HEAVY = ("httpx", "phonenumbers", "jsonschema", "email_validator", "pycountry")
#: Not needed by a library call without a config file (see the module docstring).
NOT_FOR_A_LIBRARY_CALL = (
    "click",
    "jinja2",
    "pathspec",
    "tomllib",
    "importlib.resources",
    "importlib.metadata",
)

MARK = "@@lazy-imports"

PRELUDE = """
import json, sys, traceback
WATCH = set(sys.argv[1].split(","))
ORIGINS = {}

class FirstImport:
    # Asked only for modules not yet in sys.modules: the first import of each.
    def find_spec(self, name, path=None, target=None):
        if name in WATCH and name not in ORIGINS:
            frames = [f for f in traceback.extract_stack()[:-1] if "<frozen" not in f.filename]
            ORIGINS[name] = "".join(traceback.format_list(frames))
        return None

sys.meta_path.insert(0, FirstImport())

def report(**extra):
    import capi_lint
    found = [name for name in sorted(WATCH) if name in sys.modules]
    print(MARK + json.dumps({
        "imported": found,
        "origins": {name: ORIGINS.get(name, "?") for name in found},
        "capi_lint": capi_lint.__file__,
        "modules": sorted(sys.modules),
        **extra,
    }))
"""

IMPORT_ONLY = """
import capi_lint
report()
"""

CLEAN_CHECK = """
from capi_lint.cli import main
try:
    main(sys.argv[2:])
    code = 0
except SystemExit as exc:
    code = exc.code
report(exit=code)
"""


LIBRARY_CHECK = """
import capi_lint
from capi_lint import hashing, registry
payload = json.loads(open(sys.argv[2], "rb").read())
findings = capi_lint.Checker(now=sys.argv[3]).check(payload)
report(
    findings=[f.code for f in findings],
    docs_parsed=sum(rule.doc.parsed for rule in registry.all_rules()),
    country_hashes_built=hashing._country_hashes.cache_info().currsize,
)
"""


def run_child(body: str, *args: str, watch: tuple[str, ...] = HEAVY) -> dict[str, Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("PYTHONSTARTUP", None)
    code = f"MARK = {MARK!r}\n{PRELUDE}\n{body}"
    out = subprocess.run(
        [sys.executable, "-c", code, ",".join(watch), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith(MARK)]
    assert lines, f"child failed (exit {out.returncode}):\n{out.stdout}\n{out.stderr}"
    result = json.loads(lines[-1][len(MARK) :])
    result["stdout"] = out.stdout
    # The child must have used this checkout, not some other installed capi_lint.
    assert Path(result["capi_lint"]).resolve().is_relative_to(ROOT), result["capi_lint"]
    return result


def explain(result: dict[str, Any], name: str) -> str:
    return f"{name} was imported; first imported from:\n{result['origins'].get(name, '?')}"


@pytest.fixture(scope="module")
def clean_check() -> dict[str, Any]:
    result = run_child(CLEAN_CHECK, "check", EXAMPLE, "--now", NOW)
    # Not vacuous: the check ran the rules over the file and found nothing.
    assert result["exit"] == 0, result["stdout"]
    assert "All checks passed" in result["stdout"], result["stdout"]
    assert "capi_lint.rules" in result["modules"]
    return result


def test_import_capi_lint_imports_no_heavy_dependency() -> None:
    result = run_child(IMPORT_ONLY)
    for name in HEAVY:
        assert name not in result["imported"], explain(result, name)


@pytest.mark.parametrize("name", HEAVY)
def test_clean_one_file_check_does_not_import(clean_check: dict[str, Any], name: str) -> None:
    assert name not in clean_check["imported"], explain(clean_check, name)


@pytest.fixture(scope="module")
def library_check() -> dict[str, Any]:
    result = run_child(LIBRARY_CHECK, EXAMPLE, NOW, watch=HEAVY + NOT_FOR_A_LIBRARY_CALL)
    # Not vacuous: every rule ran over the events, H010 on their hashed country.
    assert result["findings"] == [], result["stdout"]
    assert "capi_lint.rules" in result["modules"]
    assert result["country_hashes_built"] == 1
    return result


@pytest.mark.parametrize("name", HEAVY + NOT_FOR_A_LIBRARY_CALL)
def test_first_library_check_does_not_import(library_check: dict[str, Any], name: str) -> None:
    assert name not in library_check["imported"], explain(library_check, name)


def test_first_library_check_parses_no_rule_doc(library_check: dict[str, Any]) -> None:
    assert library_check["docs_parsed"] == 0
