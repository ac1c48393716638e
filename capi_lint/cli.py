"""The ``capi-lint`` command. It only parses arguments, builds settings, runs
and picks the exit code: 0 clean, 1 findings at or above ``--fail-on``,
2 usage or configuration error (one line, no traceback)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from capi_lint import __version__, registry
from capi_lint.config import ConfigError, build_settings, find_config, load_config_table
from capi_lint.reporters import REPORTERS

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _emit(text: str, err: bool = False) -> None:
    # Lone surrogates from hostile input must not crash the writer.
    click.echo(text.encode("utf-8", "backslashreplace").decode("utf-8"), nl=False, err=err)


def _use_color(stream: Any) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _split(values: Sequence[str]) -> list[str] | None:
    if not values:
        return None
    return [part.strip() for v in values for part in v.split(",") if part.strip()]


class Usage(click.ClickException):
    exit_code = EXIT_USAGE

    def show(self, file: Any = None) -> None:
        click.echo(f"capi-lint: error: {self.format_message()}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="capi-lint")
def cli() -> None:
    """Check Meta Conversions API payloads before they are sent."""


@cli.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(REPORTERS)),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--select", multiple=True, help="Codes or prefixes to enable (e.g. E,U0,H001).")
@click.option("--ignore", multiple=True, help="Codes or prefixes to disable.")
@click.option("--extend-select", multiple=True, help="Codes or prefixes added to the selection.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default=None,
    help="Lowest severity that makes the exit code 1 [default: error].",
)
@click.option("--now", default=None, help="Reference time: unix seconds or ISO 8601.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Config file (.capi-lint.toml or pyproject.toml).",
)
@click.option("--default-region", default=None, help="ISO country for phones without a code.")
@click.option("--pii", type=click.Choice(["hashed", "raw"]), default=None, help="PII mode.")
@click.option(
    "--dedup-scope",
    type=click.Choice(["batch", "file", "run"]),
    default=None,
    help="Where D003 looks for repeated event_id + event_name [default: file].",
)
@click.option("--statistics", is_flag=True, help="Also count findings per rule.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
def check(
    paths: tuple[str, ...],
    output_format: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    fail_on: str | None,
    now: str | None,
    config_file: str | None,
    default_region: str | None,
    pii: str | None,
    dedup_scope: str | None,
    statistics: bool,
    quiet: bool,
) -> None:
    """Lint payload files (.json, .jsonl, .ndjson), directories or - (stdin)."""
    from capi_lint.runner import run

    try:
        config_path = Path(config_file) if config_file else find_config(Path.cwd())
        table = load_config_table(config_path) if config_path else {}
        settings = build_settings(
            table,
            select=_split(select),
            ignore=_split(ignore),
            extend_select=_split(extend_select),
            fail_on=fail_on,
            now=now,
            default_region=default_region,
            pii=pii,
            dedup_scope=dedup_scope,
            config_path=str(config_path) if config_path else None,
        )
    except ConfigError as exc:
        raise Usage(str(exc)) from None
    result = run(paths or ["."], settings, stdin=click.get_binary_stream("stdin"))
    stdout = click.get_text_stream("stdout")
    reporter = REPORTERS[output_format]
    if output_format == "text":
        _emit(reporter(result, color=_use_color(stdout), quiet=quiet, show_stats=statistics))
    else:
        _emit(reporter(result))
    sys.exit(EXIT_FINDINGS if result.failed(settings.fail_on) else EXIT_OK)


@cli.command("rule")
@click.argument("code")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
def rule_cmd(code: str, output_format: str) -> None:
    """Show the full doc of one rule (by code or slug)."""
    try:
        found = registry.get(code)
    except KeyError:
        raise Usage(f"unknown rule {code!r}; `capi-lint rules` lists them") from None
    if output_format == "json":
        _emit(json.dumps(found.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return
    header = [
        f"# {found.code} {found.slug}",
        "",
        f"Family: {found.family} ({registry.FAMILIES[found.family]})",
        f"Default severity: {found.severity.value}",
    ]
    if found.action_sources:
        header.append(f"Applies to action_source: {', '.join(sorted(found.action_sources))}")
    if found.options:
        opts = ", ".join(f"{k} = {v!r}" for k, v in found.options.items())
        header.append(f"Options: {opts}")
    header.append(f"Fix available: {'yes (--fix)' if found.fixable else 'no'}")
    _emit("\n".join(header) + "\n\n" + found.doc.render())


@cli.command("rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
def rules_cmd(output_format: str) -> None:
    """List every rule."""
    rules = registry.all_rules()
    if output_format == "json":
        _emit(json.dumps([r.to_dict() for r in rules], indent=2, ensure_ascii=False) + "\n")
        return
    width = max(len(r.slug) for r in rules)
    lines = [f"{r.code}  {r.slug:<{width}}  {r.severity.value:<7}  {r.summary}" for r in rules]
    _emit("\n".join(lines) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code instead of raising SystemExit."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="capi-lint")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_USAGE)
    return EXIT_OK
