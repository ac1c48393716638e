"""Issue 18's safety net: the speed work changes no finding, no order and no
byte of the text and JSON reports on the benchmark traffic.

The golden files were written by the engine as it was before the two-tier
work (commit 8a7a027) with ``python tests/test_golden_output.py --write``; a
difference is a behaviour change to explain, not a file to regenerate.
"""

from __future__ import annotations

import gzip
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from capi_lint.cli import cli

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import traffic

GOLDEN = Path(__file__).resolve().parent / "data" / "golden"

#: (name, events, seed, flawed share): the benchmark's default mix and an
#: all-but-clean-free one, so that most rules' slow paths report something.
TRAFFIC = [
    ("bench", 3000, 20261123, 0.03),
    ("flawed", 1500, 18, 0.6),
]
FORMATS = ["text", "json"]


def report(tmp: Path, name: str, n: int, seed: int, share: float, fmt: str) -> str:
    path = tmp / f"{name}.jsonl"
    if not path.exists():
        path.write_bytes(traffic.jsonl(n, seed=seed, flawed_share=share))
    runner = CliRunner()
    args = ["check", path.name, "--now", str(traffic.NOW), "--format", fmt, "--jobs", "1"]
    here = os.getcwd()
    os.chdir(tmp)  # the report names the file as given: relative
    try:
        out = runner.invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(here)
    assert out.exit_code == 1, out.output[-2000:]
    return out.output


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("name", "n", "seed", "share"), TRAFFIC)
def test_report_is_byte_identical_to_the_golden_one(
    tmp_path: Path, name: str, n: int, seed: int, share: float, fmt: str
) -> None:
    expected = gzip.decompress((GOLDEN / f"{name}.{fmt}.gz").read_bytes()).decode()
    actual = report(tmp_path, name, n, seed, share, fmt)
    if actual != expected:
        got, want = actual.splitlines(), expected.splitlines()
        first = next(
            (i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
            min(len(got), len(want)),
        )
        pytest.fail(
            f"{name}.{fmt}: {len(got)} lines vs {len(want)} golden; first difference at "
            f"line {first + 1}:\n  got:    {got[first : first + 1]}\n"
            f"  golden: {want[first : first + 1]}"
        )


if __name__ == "__main__" and "--write" in sys.argv:
    import tempfile

    GOLDEN.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, n, seed, share in TRAFFIC:
            for fmt in FORMATS:
                text = report(Path(tmp), name, n, seed, share, fmt)
                (GOLDEN / f"{name}.{fmt}.gz").write_bytes(gzip.compress(text.encode(), mtime=0))
                print(name, fmt, len(text.splitlines()), "lines")
