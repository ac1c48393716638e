"""The JSON and SARIF reports written in chunks (issue 18, item 5) are byte for
byte the stdlib's ``json.dumps(document, indent=2, ensure_ascii=False)``, the
way both reports were written before they were streamed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from test_reporters import finding, result_of

from capi_lint import registry
from capi_lint.cli import cli
from capi_lint.config import build_settings
from capi_lint.model import RunResult
from capi_lint.reporters import CHUNKED, REPORTERS, json_report, sarif
from capi_lint.runner import run

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import traffic


def stdlib_json(result: RunResult) -> str:
    return json.dumps(json_report.document(result), indent=2, ensure_ascii=False) + "\n"


def stdlib_sarif(result: RunResult) -> str:
    log = sarif.document(result, registry.catalogue())
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


@pytest.fixture(scope="module")
def traffic_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("traffic") / "events.jsonl"
    path.write_bytes(traffic.jsonl(400, seed=18, flawed_share=0.3))
    return path


@pytest.fixture(scope="module")
def traffic_result(traffic_file: Path) -> RunResult:
    result = run([str(traffic_file)], build_settings({"now": traffic.NOW}))
    assert len(result.findings) > 50  # several chunks of the sizes below
    return result


@pytest.mark.parametrize("size", [1, 7, 1000])
def test_json_chunks_join_to_the_stdlib_report(traffic_result: RunResult, size: int) -> None:
    chunks = list(json_report.render_chunks(traffic_result, size=size))
    assert len(chunks) >= min(len(traffic_result.findings) // size, 3)
    assert "".join(chunks) == stdlib_json(traffic_result)
    assert json_report.render(traffic_result) == stdlib_json(traffic_result)


@pytest.mark.parametrize("size", [1, 7, 1000])
def test_sarif_chunks_join_to_the_stdlib_report(traffic_result: RunResult, size: int) -> None:
    rules = registry.catalogue()
    chunks = list(sarif.render_chunks(traffic_result, rules=rules, size=size))
    assert len(chunks) >= min(len(traffic_result.findings) // size, 3)
    assert "".join(chunks) == stdlib_sarif(traffic_result)
    assert sarif.render(traffic_result, rules=rules) == stdlib_sarif(traffic_result)


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_cli_report_is_the_stdlib_report(
    traffic_file: Path, traffic_result: RunResult, fmt: str
) -> None:
    out = CliRunner().invoke(
        cli, ["check", str(traffic_file), "--now", str(traffic.NOW), "--format", fmt, "--jobs", "1"]
    )
    assert out.exit_code == 1, out.output
    expected = stdlib_json(traffic_result) if fmt == "json" else stdlib_sarif(traffic_result)
    assert out.output == expected


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_an_empty_report_keeps_its_one_line_list(fmt: str) -> None:
    result = result_of(paths=("a.json",))
    whole = "".join(CHUNKED[fmt](result, rules=registry.catalogue()))
    assert whole == (stdlib_json(result) if fmt == "json" else stdlib_sarif(result))
    assert ("[]" in whole) and REPORTERS[fmt](result, rules=registry.catalogue()) == whole


# Values on which orjson and the stdlib disagree (floats such as 1e-05, NaN, ints
# past 64 bits, non-str keys, lone surrogates) must still come out as the stdlib's.
_surrogates = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=2)
_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63 - 2, max_value=2**70)
    | st.floats()
    | st.text(max_size=8)
    | _surrogates
)
_values = st.recursive(
    _leaves,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=4), inner, max_size=3)
        | st.dictionaries(st.integers(), inner, max_size=2)
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(
    extras=st.lists(st.dictionaries(st.text(max_size=6), _values, max_size=3), max_size=6),
    message=st.text(max_size=12) | _surrogates,
    size=st.integers(min_value=1, max_value=4),
)
def test_any_extras_come_out_as_the_stdlib_writes_them(
    extras: list[dict], message: str, size: int
) -> None:
    result = result_of(
        *(finding(line=n, message=message + str(n), extra=e) for n, e in enumerate(extras, 1))
    )
    assert "".join(json_report.render_chunks(result, size=size)) == stdlib_json(result)
    rules = registry.catalogue()[:3]
    expected = json.dumps(sarif.document(result, rules), indent=2, ensure_ascii=False) + "\n"
    assert "".join(sarif.render_chunks(result, rules=rules, size=size)) == expected
