"""The JSON Schemas live once, in the top-level `schemas/` folder, and work on
their own: check-jsonschema validates payloads with them offline, and the
package (checkout, editable install or wheel) reads that same copy."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from capi_lint import schemas

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas" / "request.schema.json"


def check_jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    assert tool, "check-jsonschema is a test dependency"
    return subprocess.run(
        [tool, *args], capture_output=True, text=True, check=False, cwd=ROOT, timeout=120
    )


def test_one_copy_at_the_top_level() -> None:
    names = sorted(p.name for p in (ROOT / "schemas").glob("*.schema.json"))
    assert names == sorted(f"{n}.schema.json" for n in schemas.NAMES)
    assert not list((ROOT / "capi_lint" / "schemas").glob("*.json"))
    on_disk = json.loads(SCHEMA.read_text("utf-8"))
    assert schemas.load("request") == on_disk


def test_refs_name_siblings_and_no_id_points_at_a_host() -> None:
    for name in schemas.NAMES:
        schema = json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text("utf-8"))
        assert "$id" not in schema  # resolved against the file that was read
        text = json.dumps(schema)
        assert "http://" not in text.replace("json-schema.org", "")
        assert "capi-lint.dev" not in text


def test_check_jsonschema_validates_the_clean_examples_offline() -> None:
    done = check_jsonschema(
        "--schemafile", "schemas/request.schema.json",
        "examples/website_purchase.json", "examples/store_sales.json",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok -- validation done" in done.stdout


def test_check_jsonschema_follows_the_refs_into_user_and_custom_data() -> None:
    done = check_jsonschema(
        "--schemafile", "schemas/request.schema.json", "examples/broken_website.json"
    )
    assert done.returncode == 1
    # Both errors sit behind a $ref (event -> user_data, event -> custom_data).
    assert "'phone' was unexpected" in done.stdout
    assert "'49,90' is not of type 'number'" in done.stdout


@pytest.mark.slow
def test_the_wheel_carries_the_schemas_and_the_licence(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w",
         str(tmp_path), str(ROOT)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    if done.returncode != 0 and "hatchling" in done.stderr:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path), str(ROOT)],
            capture_output=True, text=True, check=False, timeout=300,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    [wheel] = tmp_path.glob("capi_lint-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        packaged = json.loads(archive.read("capi_lint/schemas/request.schema.json"))
    assert {f"capi_lint/schemas/{n}.schema.json" for n in schemas.NAMES} <= names
    assert packaged == json.loads(SCHEMA.read_text("utf-8"))
    # The licence travels with the wheel.
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), sorted(names)
