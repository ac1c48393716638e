"""capi_lint.spark in Spark local mode: the same findings as `capi-lint check`.

One Spark session (one JVM) for the whole test session. The files are split
into several partitions by byte ranges (order kept), so repeated event_ids,
orders and IPs fall into different partitions than their first events.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from helpers import NOW, sha, website_event

from capi_lint import runner
from capi_lint.config import build_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import traffic

pyspark = pytest.importorskip(
    "pyspark", reason="pyspark is not installed (pip install -e '.[spark]'); CI installs it"
)

pytestmark = pytest.mark.spark

#: Byte size of a file split: a few dozen events per partition.
SPLIT_BYTES = 48 * 1024


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("capi-lint-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "4")
        .config("spark.sql.files.maxPartitionBytes", str(SPLIT_BYTES))
        .config("spark.sql.files.openCostInBytes", "0")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _line(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()


def _traffic_file(path: Path) -> Path:
    """Realistic traffic with repeats for every keyed batch rule, far apart."""
    lines = traffic.jsonl(1200).splitlines()
    lines += traffic.jsonl(150).splitlines()  # D003 and B005: same ids and orders, late
    reused = website_event(event_id="shared-1", event_name="Purchase")
    lines[10:10] = [_line(reused)]
    lines.append(_line({**reused, "user_data": {**reused["user_data"], "em": [sha("b@x.org")]}}))
    no_id = website_event()
    no_id.pop("event_id", None)
    lines[20:20] = [_line(no_id)]
    lines.append(_line(no_id))  # D006
    for n in range(6):  # B006: six users behind one public IP, spread over the file
        user = {"client_ip_address": "8.8.4.4", "external_id": [sha(f"ip-user-{n}")]}
        event = website_event(event_id=f"ip-{n}")
        event["user_data"].update(user)
        lines.insert(200 * n + 5, _line(event))
    raw = website_event(event_id="raw-email")
    raw["user_data"]["em"] = ["someone@example.org"]  # H009: raw late, hashed early
    lines.append(_line(raw))
    lines[700:700] = [b"{not json", b"", b"[1, 2"]  # malformed lines are findings
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _stats_file(path: Path) -> Path:
    """Every event at one time, one value, without contact keys: B001-B004."""
    lines = []
    for n in range(400):
        event = website_event(event_id=f"s-{n}", event_time=NOW - 86_400 * (n % 20 == 0))
        event["user_data"] = {"client_user_agent": "Mozilla/5.0"}
        event["custom_data"] = {"currency": "USD", "value": 9.99}
        lines.append(_line(event))
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _cli(paths: list[Path]) -> list[tuple[Any, ...]]:
    result = runner.run([str(p) for p in paths], build_settings({}, now=NOW), jobs=1)
    return sorted(_key(f.to_dict()) for f in result.findings)


def _key(f: dict[str, Any]) -> tuple[Any, ...]:
    # S001's message quotes the file's byte offset, which a Spark row does not know.
    message = f["message"].split(" (byte")[0] if f["code"] == "S001" else f["message"]
    return (f["path"], f["code"], f["line"], f["column"], f["pointer"], f["event_index"], message)


def _spark_findings(df) -> list[tuple[Any, ...]]:
    from capi_lint import spark as capi_spark

    findings = capi_spark.lint(df, now=NOW)
    rows = findings.collect()
    findings.unpersist()
    return sorted(_key(row.asDict()) for row in rows)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("spark")
    return [_traffic_file(folder / "traffic.jsonl"), _stats_file(folder / "stats.jsonl")]


def test_spark_findings_equal_the_cli_split_across_partitions(spark, files) -> None:
    from pyspark.sql import functions as F

    path = str(files[0])
    df = spark.read.text(path)
    assert df.rdd.getNumPartitions() >= 8  # repeats land in other partitions than their firsts
    expected = _cli([files[0]])
    got = _spark_findings(df.withColumn("file", F.lit(path)))
    assert Counter(k[1] for k in got) == Counter(k[1] for k in expected)
    for code in ("D003", "D004", "D006", "B005", "B006", "H009", "S001"):
        assert any(k[1] == code for k in expected), f"the traffic must trigger {code}"
    assert got == expected


def test_spark_batch_statistics_equal_the_cli_over_two_files(spark, files) -> None:
    from pyspark.sql import functions as F

    frames = [spark.read.text(str(p)).withColumn("file", F.lit(str(p))) for p in files]
    df = frames[0].union(frames[1])
    expected = _cli(files)
    assert {"B001", "B002", "B003", "B004"} <= {k[1] for k in expected}
    assert _spark_findings(df) == expected


def test_a_malformed_line_is_a_finding_not_a_failed_job(spark, tmp_path) -> None:
    path = tmp_path / "bad.jsonl"
    good = _line(website_event(event_id="ok"))
    path.write_bytes(good + b'\n{"event_name": \n\xff\xfe not utf-8\n' + good + b"\n")
    got = _spark_findings(spark.read.text(str(path)))
    s001 = [k for k in got if k[1] == "S001"]
    assert [k[2] for k in s001] == [2, 3]
    expected = [k[1:] for k in _cli([path]) if k[1] == "D003"]
    assert [k[1:] for k in got if k[1] == "D003"] == expected


def test_a_struct_column_is_linted_as_its_json(spark) -> None:
    from capi_lint import spark as capi_spark

    event = website_event(event_id="dup", event_name="Purchase")
    df = spark.read.json(spark.sparkContext.parallelize([json.dumps(event)] * 2))
    df = df.selectExpr("struct(*) AS event")
    rows = capi_spark.lint(df, now=NOW, select=["D003"]).collect()
    assert [(r.code, r.line, r.pointer, r.event_index) for r in rows] == [
        ("D003", 2, "/event_id", 1)
    ]


def test_check_engine_spark_writes_json_lines_and_prints_the_summary(
    spark, files, tmp_path, capsys, monkeypatch
):
    from capi_lint import cli

    monkeypatch.chdir(tmp_path)  # no capi-lint config above
    out = tmp_path / "findings.jsonl"
    args = ["check", "--engine", "spark", str(files[0]), "--now", str(NOW), "--output", str(out)]
    status = cli.main(args)  # the session fixture's (local) Spark: getOrCreate finds it
    written = [json.loads(line) for line in out.read_text().splitlines()]
    expected = _cli([files[0]])
    assert status == 1  # S001 errors
    assert sorted(_key(f) for f in written) == expected
    summary = capsys.readouterr().out
    assert f"D003: {sum(k[1] == 'D003' for k in expected)}" in summary


def _cli_coverage(paths: list[Path], *flags: str) -> list[dict[str, Any]]:
    from click.testing import CliRunner

    from capi_lint.cli import cli

    args = ["coverage", *map(str, paths), "--format", "json", "--now", str(NOW), *flags]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["coverage"]


def test_spark_coverage_equals_the_cli_over_partitions_and_files(spark, files) -> None:
    from pyspark.sql import functions as F

    from capi_lint import spark as capi_spark

    frames = [spark.read.text(str(p)).withColumn("file", F.lit(str(p))) for p in files]
    df = frames[0].union(frames[1])
    assert df.rdd.getNumPartitions() >= 8
    expected = _cli_coverage(files)
    # 1361 traffic events (1350 generated, 11 added) + 400; the malformed lines count for none
    assert sum(row["events"] for row in expected) == 1761
    got = capi_spark.coverage(df, now=NOW).collect()
    assert [row.asDict(recursive=True) for row in got] == expected
    assert {row["match_keys"]["email"]["valid"] for row in expected} - {0.0, 100.0}
    per_file = capi_spark.coverage(df, now=NOW, by="file").collect()
    assert [row.asDict(recursive=True) for row in per_file] == _cli_coverage(files, "--by", "file")


def _persistent_rdds(spark) -> set[int]:
    return {int(key) for key in spark.sparkContext._jsc.getPersistentRDDs().keySet()}


def test_lint_leaves_only_its_findings_cached(spark, files) -> None:
    from capi_lint import spark as capi_spark

    before = _persistent_rdds(spark)
    findings = capi_spark.lint(spark.read.text(str(files[0])), now=NOW, select=["D003", "S001"])
    assert len(_persistent_rdds(spark) - before) == 1  # the findings' cache, nothing else
    assert {row.code for row in findings.collect()} == {"D003", "S001"}
    findings.unpersist(blocking=True)
    assert _persistent_rdds(spark) == before


def test_per_pointer_ignores_apply_as_in_the_cli(spark, tmp_path, monkeypatch) -> None:
    from pyspark.sql import functions as F

    from capi_lint import spark as capi_spark

    monkeypatch.chdir(tmp_path)  # the patterns are relative to the working directory
    event = _line(website_event(event_id="dup", event_name="Purchase"))
    (tmp_path / "day.jsonl").write_bytes(event + b"\n" + event + b"\n{bad\n")
    config = {"per-pointer-ignores": {"day.jsonl": {"/event_id": ["D003"]}}}
    df = spark.read.text(str(tmp_path / "day.jsonl")).withColumn("file", F.lit("day.jsonl"))
    findings = capi_spark.lint(df, now=NOW, config=config, select=["D003", "S001"])
    got = [(row.code, row.line) for row in findings.collect()]
    findings.unpersist()
    assert got == [("S001", 3)]  # D003 at line 2 is accepted
    settings = build_settings(config, now=NOW, select=["D003", "S001"])
    cli = runner.run(["day.jsonl"], settings, jobs=1).findings
    assert [(f.code, f.line) for f in cli] == got
