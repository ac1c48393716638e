"""The ``capi-lint`` command. It only parses arguments, builds settings, runs
and picks the exit code: 0 clean, 1 findings at or above ``--fail-on``,
2 usage or configuration error (one line, no traceback)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from capi_lint import __version__, registry
from capi_lint.config import ConfigError, build_settings, find_config, load_config_table
from capi_lint.reporters import CHUNKED, REPORTERS
from capi_lint.reporters import text as text_report

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _emit(text: str, err: bool = False, color: bool | None = None) -> None:
    # Lone surrogates from hostile input must not crash the writer.
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    click.echo(text, nl=False, err=err, color=color)


def _stdin_bytes() -> Any:
    # click.get_binary_stream is deprecated in click 8.5.
    return getattr(sys.stdin, "buffer", sys.stdin)


COLOR_CHOICES = ("auto", "always", "never")


def _use_color(stream: Any, mode: str = "auto") -> bool:
    """``--color``: ``always`` / ``never``; ``auto`` colours a terminal unless
    NO_COLOR is set (FORCE_COLOR colours a pipe too)."""
    if mode != "auto":
        return mode == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _output_options(formats: Sequence[str]) -> Any:
    """``--output-format`` (alias ``--format``), ``--output-file`` and ``--color``."""

    def apply(command: Any) -> Any:
        for option in reversed(
            (
                click.option(
                    "--output-format",
                    "--format",
                    "output_format",
                    type=click.Choice(list(formats)),
                    default="text",
                    show_default=True,
                    help="Output format (`--format` is an alias).",
                ),
                click.option(
                    "--output-file",
                    "-o",
                    type=click.Path(dir_okay=False, writable=True),
                    default=None,
                    metavar="FILE",
                    help="Write the report to FILE instead of standard output.",
                ),
                click.option(
                    "--color",
                    "color_mode",
                    type=click.Choice(COLOR_CHOICES),
                    default="auto",
                    show_default=True,
                    help="Colour the text output: auto = on a terminal, unless NO_COLOR is set.",
                ),
            )
        ):
            command = option(command)
        return command

    return apply


class _Report:
    """Where the report goes: standard output, or ``--output-file`` (UTF-8,
    written as it comes, closed at the end)."""

    def __init__(self, output_file: str | None, color_mode: str) -> None:
        self.path = output_file
        self.handle: Any = None
        if output_file is not None:
            try:
                self.handle = open(output_file, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
            except OSError as exc:
                raise Usage(
                    f"cannot write --output-file {output_file}: {exc.strerror or exc}"
                ) from None
        # A file is not a terminal: colour only when asked for (--color always).
        self.color = (
            color_mode == "always"
            if self.handle is not None
            else _use_color(sys.stdout, color_mode)
        )

    def write(self, text: str) -> None:
        if self.handle is None:
            _emit(text, color=self.color)
        else:
            self.handle.write(text.encode("utf-8", "backslashreplace").decode("utf-8"))

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


def _split(values: Sequence[str]) -> list[str] | None:
    if not values:
        return None
    return [part.strip() for v in values for part in v.split(",") if part.strip()]


def _selection_options(select_example: str, ignore_example: str = "") -> Any:
    """``--select``, ``--ignore`` and ``--extend-select``, as ruff spells them
    (the help names examples of the command's own codes)."""
    ignore_help = "Codes or prefixes to disable" + (
        f" (e.g. {ignore_example})." if ignore_example else "."
    )
    options = (
        click.option(
            "--select",
            multiple=True,
            help=f"Codes or prefixes to enable (e.g. {select_example}).",
        ),
        click.option("--ignore", multiple=True, help=ignore_help),
        click.option(
            "--extend-select", multiple=True, help="Codes or prefixes added to the selection."
        ),
    )

    def apply(command: Any) -> Any:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


def _settings_options(command: Any) -> Any:
    """The options every command that builds Settings shares (see _load_settings)."""
    for option in reversed(
        (
            click.option(
                "--now",
                default=None,
                metavar="TIME",
                help="Reference time for the age checks (E006-E008, ...): unix seconds, "
                "ISO 8601 or `clock`. Without one (here, or `now` / `per-file-now` in "
                "config) `check` and `coverage` skip them; `crosscheck` uses the clock.",
            ),
            click.option(
                "--config",
                "config_file",
                type=click.Path(dir_okay=False),
                default=None,
                help="Config file (.capi-lint.toml or pyproject.toml).",
            ),
            click.option(
                "--default-region", default=None, help="ISO country for phones without a code."
            ),
            click.option(
                "--pii", type=click.Choice(["hashed", "raw"]), default=None, help="PII mode."
            ),
            click.option(
                "--max-input-size",
                default=None,
                metavar="SIZE",
                help="Largest document or JSON Lines line read, in bytes or e.g. 64MiB; "
                "beyond it: S011 [default: 256MiB].",
            ),
        )
    ):
        command = option(command)
    return command


def _file_options(command: Any) -> Any:
    """Which files a directory walk reads (see capi_lint.files); for every
    command that walks directories."""
    for option in reversed(
        (
            click.option(
                "--exclude",
                multiple=True,
                help="Path patterns to skip, replacing the config's `exclude` and the defaults "
                "(.git, .venv, node_modules, build, dist, ...).",
            ),
            click.option(
                "--extend-exclude", multiple=True, help="Path patterns to skip, in addition."
            ),
            click.option(
                "--include",
                multiple=True,
                help="Path patterns a directory walk reads [default: *.json, *.jsonl, *.ndjson].",
            ),
            click.option(
                "--respect-gitignore/--no-respect-gitignore",
                default=None,
                help="Skip what .gitignore files ignore, inside a git work tree [default: on].",
            ),
            click.option(
                "--force-exclude/--no-force-exclude",
                default=None,
                help="Apply exclude, include and .gitignore to the files named on the command "
                "line too (for pre-commit, which names every staged file).",
            ),
        )
    ):
        command = option(command)
    return command


def _file_flags(opts: dict[str, Any]) -> dict[str, Any]:
    """Pop the _file_options values out of a command's keyword arguments."""
    flags = {}
    for key in ("exclude", "extend_exclude", "include"):
        flags[key] = _split(opts.pop(key, ()))
    for key in ("respect_gitignore", "force_exclude"):
        flags[key] = opts.pop(key, None)
    return flags


def _print_skipped(skipped: Sequence[str]) -> None:
    """One notice line per file a walk skipped as not a payload (not a finding:
    it neither fails a run nor goes into a report or a baseline)."""
    _emit(
        "".join(
            f"capi-lint: skipped {path} (no CAPI event key in it: not a payload)\n"
            for path in skipped
        ),
        err=True,
    )


def _load_settings(config_file: str | None, **flags: Any) -> Any:
    """The config file (named, or the nearest one) with the command-line flags
    on top, as Settings; any mistake is a usage error (exit 2)."""
    for key in ("select", "ignore", "extend_select"):
        if key in flags:
            flags[key] = _split(flags[key])
    try:
        config_path = Path(config_file) if config_file else find_config(Path.cwd())
        table = load_config_table(config_path) if config_path else {}
        return build_settings(table, config_path=str(config_path) if config_path else None, **flags)
    except ConfigError as exc:
        raise Usage(str(exc)) from None


#: The flags `_settings_options`, `--select`/`--ignore`/`--extend-select`/`--fail-on`
#: and `--max-input-size` give a command that turns them into Settings.
_SETTING_FLAGS = (
    "select",
    "ignore",
    "extend_select",
    "fail_on",
    "now",
    "default_region",
    "pii",
    "max_input_size",
)


def _pop_setting_flags(opts: dict[str, Any]) -> dict[str, Any]:
    """Take the settings flags out of a command's options (the rest are its own)."""
    return {key: opts.pop(key) for key in _SETTING_FLAGS}


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
@_output_options(sorted(REPORTERS))
@_selection_options("E,U0,H001")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default=None,
    help="Lowest severity that makes the exit code 1 [default: error].",
)
@_settings_options
@click.option(
    "--dedup-scope",
    type=click.Choice(["batch", "file", "run"]),
    default=None,
    help="Where D003 looks for repeated event_id + event_name [default: file].",
)
@click.option(
    "--fix",
    is_flag=True,
    help="Replace raw values of hashed user_data keys (em, ph, fn, ...) by their normalised "
    "SHA-256 and lowercase uppercase hashes, in place (atomic; formatting, owner and mode kept; "
    "read-only, hard-linked or meanwhile changed files are left, with a notice); then report "
    "what remains. external_id is never hashed: Meta only recommends it and it must match "
    "what the browser pixel sends.",
)
@click.option(
    "--diff",
    is_flag=True,
    help="Print a masked unified diff of what --fix would change; change nothing "
    "(exit 1 if something would change).",
)
@click.option("--statistics", is_flag=True, help="Also count findings per rule.")
@click.option(
    "--show-fixes",
    is_flag=True,
    help="Text output: print each finding's suggested fix on an indented line below it "
    "(the other formats always carry it).",
)
@click.option(
    "--exit-zero",
    is_flag=True,
    help="Exit 0 even when there are findings (usage errors still exit 2).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
@click.option(
    "--no-progress",
    is_flag=True,
    help="Never draw the progress bar (it only appears on a terminal, for long runs).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help=(
        "Worker processes for many files, or for the line ranges of one large JSON Lines "
        "file; 0 = one per core. Small runs stay in one process."
    ),
)
@_file_options
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Report only findings that are not in this baseline file (see --write-baseline).",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False),
    default=None,
    help="Record every finding of this run in FILE, to be accepted by later --baseline runs.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default="local",
    show_default=True,
    help="Where the rules run: local = this machine (--jobs processes); spark = Apache Spark "
    "(JSON Lines or .parquet PATHs, findings to --output, summary on stdout; needs "
    "capi-lint[spark]).",
)
@click.option(
    "--master",
    default=None,
    metavar="URL",
    help="--engine spark: the Spark master [spark-submit's or SPARK_* settings, else local[*]].",
)
@click.option(
    "--output",
    "spark_output",
    default=None,
    metavar="PATH",
    help="--engine spark: write the findings to PATH (.jsonl/.json: JSON Lines; "
    "else a Parquet directory).",
)
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
    max_input_size: str | None = None,
    fix: bool = False,
    diff: bool = False,
    no_progress: bool = False,
    jobs: int = 0,
    baseline_file: str | None = None,
    write_baseline: str | None = None,
    output_file: str | None = None,
    color_mode: str = "auto",
    show_fixes: bool = False,
    exit_zero: bool = False,
    engine: str = "local",
    master: str | None = None,
    spark_output: str | None = None,
    **file_opts: Any,
) -> None:
    """Lint payload files (.json, .jsonl, .ndjson), directories or - (stdin);
    without PATH, the current directory."""
    from capi_lint import baseline
    from capi_lint.runner import run

    if engine == "spark":
        unsupported = {
            "--fix": fix,
            "--diff": diff,
            "--baseline": baseline_file,
            "--write-baseline": write_baseline,
            "--output-file (use --output)": output_file,
            "--output-format": output_format != "text",
            "--jobs": jobs,
            "--statistics": statistics,
            "--show-fixes": show_fixes,
        }
        named = [flag for flag, value in unsupported.items() if value]
        if named:
            raise Usage(f"--engine spark does not support {', '.join(named)}")
        if not paths or "-" in paths:
            raise Usage("--engine spark needs PATHs (files, directories or URIs; no stdin)")
        from capi_lint.spark.command import MISSING_PYSPARK, pyspark_missing

        if pyspark_missing():
            raise Usage(MISSING_PYSPARK)
    elif master or spark_output:
        raise Usage("--master and --output need --engine spark (else see --output-file)")
    settings = _load_settings(
        config_file,
        select=select,
        ignore=ignore,
        extend_select=extend_select,
        fail_on=fail_on,
        now=now,
        default_region=default_region,
        pii=pii,
        dedup_scope=dedup_scope,
        files=_file_flags(file_opts),
        baseline=baseline_file,
        max_input_size=max_input_size,
    )
    if engine == "spark":
        from capi_lint.spark.command import run as run_on_spark

        status = run_on_spark(paths, settings, output=spark_output, master=master)
        sys.exit(EXIT_OK if exit_zero else status)
    unwritten = False
    if fix or diff:
        unwritten = _fix_or_diff(list(paths or ["."]), settings, write=not diff, quiet=quiet)
    if write_baseline is not None:  # record everything, then accept it
        settings = replace(settings, baseline=None)
    report = _Report(output_file, color_mode)  # an unwritable file fails before the run
    try:
        try:
            result = run(
                paths or ["."],
                settings,
                stdin=_stdin_bytes(),
                progress=_progress(not no_progress),
                jobs=jobs,
            )
            if write_baseline is not None:
                written = baseline.write(write_baseline, result.findings)
                baseline.apply(result, baseline.Baseline(write_baseline))
        except baseline.BaselineError as exc:
            raise Usage(str(exc)) from None
        if not quiet:
            _print_skipped(result.skipped)
            if write_baseline is not None:
                _emit(f"capi-lint: wrote {written} finding(s) to {write_baseline}\n", err=True)
        if output_format == "text":
            for chunk in text_report.render_chunks(
                result,
                color=report.color,
                quiet=quiet,
                show_stats=statistics,
                show_fixes=show_fixes,
            ):
                report.write(chunk)
        elif output_format in CHUNKED:
            for chunk in CHUNKED[output_format](result, rules=registry.catalogue()):
                report.write(chunk)
        else:
            report.write(
                REPORTERS[output_format](
                    result, fail_on=settings.fail_on, rules=registry.catalogue()
                )
            )
    finally:
        report.close()
    # A fix asked for and not written fails the run even when what remains passes
    # (an uppercase hash is only a warning): the files are not as the user asked.
    failed = (unwritten or result.failed(settings.fail_on)) and not exit_zero
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def _progress(enabled: bool) -> Any:
    """A progress bar on standard error, or None (not a terminal, --no-progress)."""
    from capi_lint import progress

    stderr = sys.stderr  # click.get_text_stream is deprecated in click 8.5
    return progress.Progress(stderr) if progress.wanted(stderr, enabled) else None


def _fix_or_diff(paths: list[str], settings: Any, *, write: bool, quiet: bool) -> bool:
    """``--fix`` (then the check goes on; True if a fix could not be written) or
    ``--diff`` (exits here)."""
    from capi_lint.fix import fix_paths

    stdin = None if write else _stdin_bytes()
    try:
        done = fix_paths(paths, settings, write=write, stdin=stdin)
    except ValueError as exc:  # an unknown --default-region (not personal data)
        raise Usage(str(exc)) from None
    if not write:
        _emit(done.diff())
    messages = done.messages(written=write, quiet=quiet)
    _emit("".join(f"capi-lint: {m}\n" for m in messages), err=True)
    if not write:
        sys.exit(EXIT_FINDINGS if done.changed_files else EXIT_OK)
    return bool(done.unwritten)


@cli.command()
@click.argument("paths", nargs=-1)
@_output_options(["text", "json", "csv"])
@click.option(
    "--by",
    type=click.Choice(["event_name", "action_source", "file"]),
    default="event_name",
    show_default=True,
    help="One row per event name (default), per action source, or per file and event name.",
)
@_settings_options
@click.option("--no-progress", is_flag=True, help="Never draw the progress bar.")
@_file_options
def coverage(
    paths: tuple[str, ...],
    output_format: str,
    by: str,
    now: str | None,
    config_file: str | None,
    default_region: str | None,
    pii: str | None,
    no_progress: bool,
    max_input_size: str | None = None,
    output_file: str | None = None,
    color_mode: str = "auto",
    **file_opts: Any,
) -> None:
    """Predicted match-key coverage per event name (valid vs. present values)."""
    from capi_lint.coverage import CoveragePredictor
    from capi_lint.reporters.coverage_report import RENDERERS

    settings = _load_settings(
        config_file,
        now=now,
        default_region=default_region,
        pii=pii,
        max_input_size=max_input_size,
        files=_file_flags(file_opts),
    )
    predictor = CoveragePredictor(settings, by=by)
    problems = predictor.add_paths(list(paths) or ["."], progress=_progress(not no_progress))
    _print_skipped(predictor.skipped_files)
    for problem in problems:
        _emit(f"capi-lint: {problem.message}\n", err=True)
    rows = predictor.rows()
    report = _Report(output_file, color_mode)
    try:
        if output_format == "text":
            report.write(RENDERERS["text"](rows, color=report.color))
        else:
            report.write(RENDERERS[output_format](rows))
    finally:
        report.close()


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--dataset-id", default=None, help="Dataset (pixel) ID; required for a live call.")
@click.option("--agent-name", default=None, help="Only events sent with this partner agent.")
@click.option(
    "--endpoint",
    type=click.Choice(["dataset_quality", "setup_quality"]),
    default="dataset_quality",
    show_default=True,
    help="The root /dataset_quality node, or the older /{pixel_id}/setup_quality edge.",
)
@click.option("--offline", is_flag=True, help="Also ask for the offline (beta) block.")
@click.option("--graph-url", default=None, help="Graph API base URL [https://graph.facebook.com].")
@click.option("--api-version", default=None, help="Graph API version [v25.0].")
@click.option(
    "--token-env",
    default=None,
    metavar="VAR",
    help="Environment variable holding the access token [META_ACCESS_TOKEN].",
)
@click.option("--token-file", type=click.Path(dir_okay=False), default=None, help="Token file.")
@click.option(
    "--token-in-query",
    is_flag=True,
    help="Send the token as access_token in the URL instead of an Authorization header.",
)
@click.option(
    "--app-secret-env", default=None, metavar="VAR", help="Send appsecret_proof (secret in VAR)."
)
@click.option(
    "--quality-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Cross-check a saved response instead of calling Meta (works offline, in CI).",
)
@click.option(
    "--save-response",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the raw response (without any token) for later --quality-file runs.",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(0, 100),
    default=None,
    help="Percentage points within which coverage agrees [10; options X001/X008].",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1),
    default=30.0,
    show_default=True,
    help="Seconds for each connect and each read.",
)
@click.option(
    "--max-wait",
    type=click.FloatRange(0),
    default=120.0,
    show_default=True,
    help="Seconds to wait in total on rate limits and retries; the whole call is "
    "abandoned after --max-wait + --timeout.",
)
@click.option(
    "--max-response-mib",
    type=click.FloatRange(0.001),
    default=32.0,
    show_default=True,
    help="Largest answer read, in MiB (after decompression).",
)
@_output_options(sorted(REPORTERS))
@_selection_options("X001,X01", "X003,X009")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None)
@_settings_options
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
@_file_options
def crosscheck(paths: tuple[str, ...], **opts: Any) -> None:
    """Hold the payloads' predicted coverage against Meta's /dataset_quality report."""
    from capi_lint.quality.command import run_command

    settings = _load_settings(
        opts.pop("config_file"),
        files=_file_flags(opts),
        **_pop_setting_flags(opts),
    )
    output_format, quiet = opts.pop("output_format"), opts.pop("quiet")
    output_file, color_mode = opts.pop("output_file"), opts.pop("color_mode")
    try:
        result, notes = run_command(list(paths), settings, **opts)
    except (ConfigError, ValueError) as exc:  # messages never hold a token
        raise Usage(str(exc)) from None
    if not quiet:
        _emit("".join(f"capi-lint: {note}\n" for note in notes), err=True)
    report = _Report(output_file, color_mode)
    try:
        if output_format == "text":
            report.write(REPORTERS["text"](result, color=report.color, quiet=quiet))
        else:
            report.write(
                REPORTERS[output_format](
                    result, fail_on=settings.fail_on, rules=registry.catalogue()
                )
            )
    finally:
        report.close()
    sys.exit(EXIT_FINDINGS if result.failed(settings.fail_on) else EXIT_OK)


@cli.command()
@click.argument("fleet_file", required=False, metavar="FLEET.toml")
@click.option("--history", default=None, metavar="FILE", help="SQLite history to compare with.")
@click.option("--report", "report_only", is_flag=True, help="Print trends from --history only.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True)
@click.option("--graph-url", default=None, help="Graph API base URL [https://graph.facebook.com].")
@click.option("--api-version", default=None, help="Graph API version [v25.0].")
@click.option("--token-env", default=None, metavar="VAR", help="Default token variable.")
@click.option("--timeout", type=click.FloatRange(0.1), default=30.0, show_default=True)
@click.option("--max-wait", type=click.FloatRange(0), default=120.0, show_default=True)
@_output_options(["text", "json", "csv", "html"])
@_selection_options("X02", "X003,X009")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None)
@_settings_options
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
def fleet(fleet_file: str | None, **opts: Any) -> None:
    """Cross-check every dataset of FLEET.toml, keep their history, alert on drops."""
    from capi_lint.fleets.command import CommandError, render, run_command

    settings = _load_settings(
        opts.pop("config_file"),
        **_pop_setting_flags(opts),
    )
    output_format, quiet = opts.pop("output_format"), opts.pop("quiet")
    output_file, color_mode = opts.pop("output_file"), opts.pop("color_mode")
    try:
        result = run_command(fleet_file, settings, output_format=output_format, quiet=quiet, **opts)
    except (ConfigError, CommandError) as exc:  # messages never hold a token
        raise Usage(str(exc)) from None
    report = _Report(output_file, color_mode)
    try:
        if isinstance(result, str):
            report.write(result)
            sys.exit(EXIT_OK)
        report.write(render(result, output_format, color=report.color, quiet=quiet))
    finally:
        report.close()
    sys.exit(EXIT_FINDINGS if result.failed(settings.fail_on) else EXIT_OK)


@cli.command()
@click.option(
    "--browser",
    "browser_paths",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="A HAR file, or JSON Lines of recorded fbq('track', ...) calls (repeatable).",
)
@click.option(
    "--server",
    "server_paths",
    multiple=True,
    required=True,
    metavar="PATH",
    help="Conversions API payloads, any form `check` reads (repeatable).",
)
@click.option(
    "--pixel-id",
    default=None,
    help="The pixel the server payloads are posted to [the browser side's only pixel].",
)
@click.option(
    "--quality-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="A saved /dataset_quality response of the pixel: hold the predicted event coverage "
    "and dedupe-key figures against it (X008, X009, X014, X027, X028).",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(0, 100),
    default=None,
    help="Percentage points within which a figure agrees [10; options X008/X027].",
)
@_output_options(["text", "json", "sarif", "github"])
@_selection_options("P001,P00")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None)
@_settings_options
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no table or summary.")
@_file_options
def pair(**opts: Any) -> None:
    """Pair the Pixel's events (HAR / recorded calls) with server events: predicted
    deduplication and event coverage, per pixel and event name."""
    from capi_lint.pair import BrowserReadError, run_pair
    from capi_lint.pair.report import render

    settings = _load_settings(
        opts.pop("config_file"),
        files=_file_flags(opts),
        **_pop_setting_flags(opts),
    )
    try:
        run = run_pair(
            list(opts["browser_paths"]),
            list(opts["server_paths"]),
            settings,
            pixel_id=opts["pixel_id"],
        )
    except BrowserReadError as exc:
        raise Usage(str(exc)) from None
    if opts["quality_file"]:
        _pair_quality(run, settings, opts)
    if not opts["quiet"]:
        _emit("".join(f"capi-lint: {note}\n" for note in run.notes), err=True)
    report = _Report(opts["output_file"], opts["color_mode"])
    try:
        report.write(
            render(
                run,
                opts["output_format"],
                color=report.color,
                quiet=opts["quiet"],
                fail_on=settings.fail_on,
            )
        )
    finally:
        report.close()
    sys.exit(EXIT_FINDINGS if run.result.failed(settings.fail_on) else EXIT_OK)


def _pair_quality(run: Any, settings: Any, opts: dict[str, Any]) -> None:
    """``pair --quality-file``: add the X findings about Meta's report to the run."""
    from capi_lint.pair.quality import PairQualityError, crosscheck_pair
    from capi_lint.quality import QualityParseError, read_report_file

    try:
        source = read_report_file(opts["quality_file"])
        checked = crosscheck_pair(
            run.rows,
            source,
            settings,
            pixel_id=opts["pixel_id"],
            tolerance=opts["tolerance"],
        )
    except (QualityParseError, PairQualityError) as exc:
        raise Usage(str(exc)) from None
    run.notes.extend(source.notes)
    run.result.results.append(checked)
    run.result.summary.files += 1
    run.result.summary.count(checked.findings)


STARTER_CONFIG = """\
# capi-lint configuration (https://github.com/capi-lint/capi-lint#configuration).
# The same keys work under [tool.capi-lint] in pyproject.toml. Flags win.

# Rule codes or prefixes, as in ruff (`capi-lint rules` lists them); default: all.
# select = ["S", "E", "U", "H", "N", "D", "C", "A", "R", "B"]
ignore = []

# Lowest severity that makes `capi-lint check` exit 1: error, warning or info.
fail-on = "error"

# hashed: user_data holds SHA-256 digests (what Meta receives);
# raw: fixtures whose values your SDK hashes before sending.
pii = "hashed"

# Phones without a country code are normalised for this ISO country.
# default-region = "US"

# Files a directory walk reads, besides ruff's default excludes and .gitignore:
# extend-exclude = ["tests/payloads/broken/"]
# baseline = ".capi-lint-baseline.json"    # findings accepted by `check --write-baseline`

# Reference time of the age checks (E006 too old, E007 in the future, E008 delayed).
# Without one, `capi-lint check` skips them so that committed fixtures do not age.
# now = "2026-01-31T12:00:00Z"    # or unix seconds, or "clock"

[per-file-now]
# Fixtures captured on different dates (globs relative to this file):
# "tests/payloads/2023/*.json" = "2023-11-12T15:46:51Z"

[per-file-ignores]
# "tests/payloads/broken/*" = ["S", "E0"]
"""


@cli.command("init")
@click.argument(
    "directory", required=False, default=".", type=click.Path(file_okay=False, exists=True)
)
def init_cmd(directory: str) -> None:
    """Write a starter .capi-lint.toml in DIRECTORY (default: here); never overwrites."""
    from capi_lint.config import CONFIG_FILES, find_config

    target = Path(directory) / CONFIG_FILES[0]
    pyproject = Path(directory) / "pyproject.toml"
    if pyproject.is_file() and find_config(Path(directory)) == pyproject.resolve():
        raise Usage(f"{pyproject} already has a [tool.capi-lint] table; not writing {target}")
    try:
        with target.open("x", encoding="utf-8") as handle:  # fails if it exists
            handle.write(STARTER_CONFIG)
    except FileExistsError:
        raise Usage(f"{target} already exists; not overwriting it") from None
    except OSError as exc:
        raise Usage(f"cannot write {target}: {exc.strerror or exc}") from None
    _emit(f"capi-lint: wrote {target}\n", err=True)


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
    from capi_lint.rule_docs import render_rule

    _emit(render_rule(found))


@cli.command("rules")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    help="markdown: the full catalogue with every rule's doc (docs/rules.md).",
)
def rules_cmd(output_format: str) -> None:
    """List every rule."""
    rules = registry.all_rules()
    if output_format == "markdown":
        from capi_lint.rule_docs import render_catalogue

        _emit(render_catalogue())
        return
    if output_format == "json":
        _emit(json.dumps([r.to_dict() for r in rules], indent=2, ensure_ascii=False) + "\n")
        return
    width = max(len(r.slug) for r in rules)
    lines = [f"{r.code}  {r.slug:<{width}}  {r.severity.value:<7}  {r.summary}" for r in rules]
    _emit("\n".join(lines) + "\n")


@cli.command("hash")
@click.option("--field", "field_name", required=True, help="The user_data key (em, ph, fn, ...).")
@click.option("--region", default=None, help="ISO country for phones without a code (and st/zp).")
@click.option(
    "--show-normalized",
    is_flag=True,
    help="Also print the normalised plaintext (personal data: only where you want to see it).",
)
@click.argument("value", nargs=-1, metavar="VALUE")
def hash_cmd(field_name: str, region: str | None, show_normalized: bool, value: tuple) -> None:
    """Normalise VALUE as Meta wants it for --field and print its SHA-256.

    VALUE `-` reads one line from standard input (keeps the value out of the
    shell history). Errors never repeat the value.
    """
    from capi_lint.hashing import sha256_hex
    from capi_lint.normalize import FIELDS, NormalizationError, canonical_region, normalize

    if field_name not in FIELDS:
        raise Usage(f"unknown --field; expected one of: {', '.join(sorted(FIELDS))}")
    try:
        code = canonical_region(region)
    except (TypeError, ValueError):
        raise Usage("unknown --region; expected an ISO 3166-1 alpha-2 code (e.g. US)") from None
    if len(value) != 1:
        raise Usage("expected exactly one VALUE (quote a value that has spaces; - reads stdin)")
    text = value[0]
    if text == "-":
        text = sys.stdin.readline().rstrip("\r\n")
    try:
        normalised = normalize(field_name, text, code)
    except NormalizationError as exc:  # its message never holds the value
        raise Usage(str(exc)) from None
    digest = sha256_hex(normalised)
    if show_normalized:
        _emit(f"normalized: {normalised}\nsha256: {digest}\n")
    else:
        _emit(digest + "\n")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8787, show_default=True, help="0: any."
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default=None,
    help="Lowest severity that makes the answer a Graph-style 400 [default: error].",
)
@click.option(
    "--now",
    default=None,
    metavar="TIME",
    help="Reference time: unix seconds, ISO 8601 or `clock` [default: the clock].",
)
@click.option("--select", multiple=True, help="Codes or prefixes to enable.")
@click.option("--ignore", multiple=True, help="Codes or prefixes to disable.")
@click.option(
    "--config", "config_file", type=click.Path(dir_okay=False), default=None, help="Config file."
)
@click.option(
    "--record-limit",
    type=click.IntRange(min=1),
    default=None,
    help="Requests kept for GET /_capi_lint/requests; older ones are dropped [default: 1000].",
)
@click.option(
    "--request-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds a request may take to arrive; slower or idle clients are cut off [default: 30].",
)
@click.option(
    "--max-body-size",
    type=click.IntRange(min=1),
    default=None,
    help="Largest request body in bytes; a larger one gets a 413 [default: 33554432 = 32 MiB].",
)
def serve(
    host: str,
    port: int,
    fail_on: str | None,
    now: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_file: str | None,
    record_limit: int | None,
    request_timeout: float | None,
    max_body_size: int | None,
) -> None:
    """Run a local Conversions API endpoint that lints what it receives.

    POST /{version}/{pixel_id}/events answers like Graph (200, or 400 with an
    error object) plus the findings; GET /_capi_lint/requests lists what it
    received (masked), DELETE clears it. Nothing is forwarded anywhere.
    """
    from capi_lint.serve import REQUESTS_PATH, LintServer

    settings = _load_settings(config_file, select=select, ignore=ignore, fail_on=fail_on, now=now)
    try:
        limits = {
            "record_limit": record_limit,
            "request_timeout": request_timeout,
            "max_body_size": max_body_size,
        }
        given: dict[str, Any] = {k: v for k, v in limits.items() if v is not None}
        server = LintServer(settings, host, port, log=sys.stderr, **given)
    except OSError as exc:
        raise Usage(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    _emit(
        f"capi-lint serve: listening on {server.base_url}\n"
        f"  POST {server.base_url}/{{version}}/{{pixel_id}}/events  (lints; never forwards)\n"
        f"  GET|DELETE {server.base_url}{REQUESTS_PATH}\n",
        err=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code instead of raising SystemExit."""
    try:
        rv = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="capi-lint",
            standalone_mode=False,
        )
    except click.ClickException as exc:
        # Bad flags and values too: one line, no usage block (interface §3).
        if type(exc).__name__ == "NoArgsIsHelpError":
            exc.show()
        else:
            click.echo(f"capi-lint: error: {exc.format_message()}", err=True)
        return EXIT_USAGE
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
        return EXIT_FINDINGS
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_USAGE)
    return rv if isinstance(rv, int) else EXIT_OK
