"""``capi-lint hash --field KEY [--region CC] [--show-normalized] VALUE``."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from helpers import sha

from capi_lint.cli import cli
from capi_lint.normalize import hash_value


def runner() -> CliRunner:
    """stdout and stderr apart on every click version this project supports."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        return CliRunner()  # click >= 8.2 always keeps stderr apart


def run(*args: str, input: str | None = None) -> Any:
    return runner().invoke(cli, ["hash", *args], input=input)


@pytest.mark.parametrize(
    ("args", "plain"),
    [
        (["--field", "em", "  John_Smith@Gmail.com "], "john_smith@gmail.com"),
        (["--field", "ph", "+1 (650) 555-1212"], "16505551212"),
        (["--field", "ph", "--region", "us", "(650) 555-1212"], "16505551212"),
        (["--field", "ph", "--region", "UK", "020 7946 0958"], "442079460958"),
        (["--field", "fn", "Jörg"], "jörg"),
        (["--field", "ct", "Menlo Park"], "menlopark"),
        (["--field", "st", "California"], "ca"),
        (["--field", "zp", "94025-1234"], "94025"),
        (["--field", "country", "United States"], "us"),
        (["--field", "db", "1990-03-04"], "19900304"),
        (["--field", "ge", "Female"], "f"),
        (["--field", "external_id", "CUST-1"], "cust-1"),
    ],
)
def test_prints_the_sha256_of_the_normalised_value(args: list[str], plain: str) -> None:
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert result.stdout == sha(plain) + "\n"
    assert result.stderr == ""


def test_matches_the_library() -> None:
    result = run("--field", "em", "A@Example.com")
    assert result.stdout.strip() == hash_value("em", "A@Example.com")


def test_show_normalized() -> None:
    result = run("--field", "em", "--show-normalized", " A@Example.com")
    assert result.exit_code == 0
    assert result.stdout == f"normalized: a@example.com\nsha256: {sha('a@example.com')}\n"


def test_value_from_stdin() -> None:
    result = run("--field", "fn", "-", input="Johnathan\r\n")
    assert result.exit_code == 0
    assert result.stdout == sha("johnathan") + "\n"


def assert_usage_error(result: Any, *secrets: str) -> None:
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("capi-lint: error: ")
    assert "Traceback" not in result.stderr
    for secret in secrets:
        assert secret not in result.stderr


def test_unknown_field_does_not_echo_it() -> None:
    result = run("--field", "john.smith@example.com", "x")
    assert_usage_error(result, "john.smith@example.com")
    assert "expected one of: " in result.stderr and "em" in result.stderr


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("em", "Johnathan Smithers at example", "invalid-email"),
        ("ph", "(650) 555-1212", "no-country-code"),
        ("db", "03/04/1990", "ambiguous-date"),
        ("ge", "Genderqueer", "invalid-gender"),
        ("fn", sha("john"), "already-hashed"),
        ("fn", "   ", "empty"),
    ],
)
def test_invalid_value_is_one_line_without_the_value(field: str, value: str, reason: str) -> None:
    result = run("--field", field, value)
    assert_usage_error(result, value.strip() or "   ", value[:12] if len(value) > 4 else value)
    assert f"({reason})" in result.stderr


def test_bad_region_is_a_usage_error() -> None:
    assert_usage_error(run("--field", "ph", "--region", "Narnia", "+16505551212"), "Narnia")


def test_several_values_are_refused_without_echo() -> None:
    # An unquoted full name arrives as two arguments; click would echo the extra one.
    assert_usage_error(run("--field", "fn", "Johnathan", "Smithers"), "Johnathan", "Smithers")


def test_missing_value() -> None:
    assert_usage_error(run("--field", "fn"))
