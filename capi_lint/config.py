"""Configuration: ``[tool.capi-lint]`` in pyproject.toml or ``.capi-lint.toml``,
merged with command-line flags (flags win) into one immutable :class:`Settings`.

Any mistake here (unknown key, unknown code, bad value) raises
:class:`ConfigError`, which the CLI turns into a one-line message and exit 2.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from capi_lint import registry
from capi_lint.files import DEFAULT_EXCLUDE, FileSelection, Patterns, absolute
from capi_lint.model import Severity
from capi_lint.sizes import DEFAULT_MAX_INPUT_SIZE, parse_size

CONFIG_FILES = (".capi-lint.toml", "pyproject.toml")
PII_MODES = ("hashed", "raw")
#: ``--now clock`` / ``now = "clock"``: the wall clock, read once per run.
CLOCK = "clock"
#: A reference time as configured: unix seconds, CLOCK, or None (none given).
Now = int | str | None
#: How far D003 looks for an earlier event with the same event_id + event_name.
DEDUP_SCOPES = ("batch", "file", "run")


class ConfigError(ValueError):
    """A usage or configuration mistake (exit code 2)."""


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know, resolved and validated."""

    enabled: frozenset[str] = field(default_factory=lambda: registry.select(None))
    severity: Mapping[str, Severity] = field(default_factory=dict)
    #: (pattern, codes) pairs: findings of these codes are dropped for matching
    #: paths (patterns anchored at the config file's directory).
    per_file_ignores: tuple[tuple[Patterns, frozenset[str]], ...] = ()
    fail_on: Severity = Severity.ERROR
    #: Reference time for the rules that compare with *now* (registry.NeedsNow):
    #: unix seconds, CLOCK, or None (none: those rules do not run, so that
    #: `check` on files gives the same answer every day).
    now: Now = None
    #: (pattern, reference time) pairs for files captured at different dates,
    #: matched as per-file-ignores (relative to the config file's directory);
    #: the first match wins over ``now``.
    per_file_now: tuple[tuple[Patterns, int | str], ...] = ()
    default_region: str | None = None
    pii: str = "hashed"
    #: Rule code -> option name -> value (defaults merged in).
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    config_path: str | None = None
    #: D003's reach: one request (`batch`), one file (`file`: also across the
    #: request lines of a JSON Lines file) or every file of the run (`run`).
    dedup_scope: str = "file"
    #: Which files a directory walk reads (exclude, include, .gitignore).
    files: FileSelection = field(default_factory=FileSelection.default)
    #: (path pattern, ((JSON pointer, codes), ...)): findings of these codes at
    #: or below the pointer are dropped in matching files.
    per_pointer_ignores: tuple[tuple[Patterns, tuple[tuple[str, frozenset[str]], ...]], ...] = ()
    #: Absolute path of a baseline file: its findings are not reported.
    baseline: str | None = None
    #: Bytes: the largest document, or JSON Lines line, that is read (S011 beyond).
    max_input_size: int = DEFAULT_MAX_INPUT_SIZE

    @cached_property
    def resolved_options(self) -> Mapping[str, Mapping[str, Any]]:
        """Every rule's options, defaults merged with config, for O(1) look-ups."""
        return {
            rule.code: {**rule.options, **self.options.get(rule.code, {})}
            for rule in registry.all_rules()
        }

    def resolved_now(self) -> int:
        """The global reference time, the clock when none is set (live traffic)."""
        return self.now if isinstance(self.now, int) else int(time.time())

    # ------------------------------------------------------------ reference time

    def with_clock_default(self) -> Settings:
        """These settings, with the clock as reference time where none is set:
        the default of the library call in sending code and of ``serve``."""
        return self if self.now is not None else self._keeping_cache(replace(self, now=CLOCK))

    def with_clock_read(self) -> Settings:
        """CLOCK replaced by one reading of the clock (one *now* for every file
        and process of a run)."""
        if self.now != CLOCK and all(when != CLOCK for _, when in self.per_file_now):
            return self
        clock = int(time.time())
        # A copy of the fields rather than dataclasses.replace (which runs
        # __init__ again, ~20x slower): a reusable Checker does this per call.
        # It keeps resolved_options, which do not depend on the time.
        other = object.__new__(Settings)
        other.__dict__.update(self.__dict__)
        other.__dict__["now"] = clock if self.now == CLOCK else self.now
        if self.per_file_now:
            other.__dict__["per_file_now"] = tuple(
                (pattern, clock if when == CLOCK else when) for pattern, when in self.per_file_now
            )
        return other

    def _keeping_cache(self, other: Settings) -> Settings:
        """``other`` (these settings at another reference time) with the options
        already resolved here: they do not depend on the time, and a reusable
        Checker reads the clock on every call."""
        resolved = self.__dict__.get("resolved_options")
        if resolved is not None:
            other.__dict__["resolved_options"] = resolved
        return other

    def reference_time(self, path: str) -> int | None:
        """The reference time for ``path`` (per-file first), None if there is none."""
        when: Now = self.now
        if self.per_file_now and path not in ("-", ""):
            full = absolute(path)
            for pattern, value in self.per_file_now:
                if pattern.matches(full):
                    when = value
                    break
        if when == CLOCK:
            return int(time.time())
        return when if isinstance(when, int) else None

    @property
    def has_reference_time(self) -> bool:
        """Whether any file of a run can have a reference time."""
        return self.now is not None or bool(self.per_file_now)

    def option(self, code: str, name: str) -> Any:
        opts = self.options.get(code)
        if opts is not None and name in opts:
            return opts[name]
        return registry.get(code).options[name]

    def ignored_for(self, path: str) -> frozenset[str]:
        """Codes ``per-file-ignores`` drops for ``path`` (as typed: relative to
        the working directory, or absolute)."""
        out: set[str] = set()
        if self.per_file_ignores:
            full = absolute(path)
            for pattern, codes in self.per_file_ignores:
                if pattern.matches(full):
                    out |= codes
        return frozenset(out)

    def ignored_pointers(self, path: str) -> list[tuple[str, frozenset[str]]]:
        """``per-pointer-ignores`` entries (pointer, codes) for ``path``."""
        if not self.per_pointer_ignores:
            return []
        full = absolute(path)
        return [
            entry
            for pattern, entries in self.per_pointer_ignores
            if pattern.matches(full)
            for entry in entries
        ]


def parse_now(value: Any, key: str = "now") -> int | str:
    """A reference time as configured: CLOCK for ``clock``, else unix seconds."""
    if isinstance(value, str) and value.strip().lower() == CLOCK:
        return CLOCK
    try:
        return parse_time(value)
    except ConfigError as exc:
        raise ConfigError(f"{key}: {exc} or `clock`") from None


def _per_file_now(table: Mapping[str, Any], root: str) -> tuple[tuple[Patterns, int | str], ...]:
    """``[per-file-now]``: glob = time (unix seconds, ISO 8601 or "clock"), the
    globs anchored at ``root`` as those of ``per-file-ignores``."""
    value = table.get("per-file-now", {})
    if not isinstance(value, Mapping):
        raise ConfigError("per-file-now: expected a table of glob = time")
    return tuple(
        (Patterns(root, (pattern,)), parse_now(when, f"per-file-now.{pattern}"))
        for pattern, when in value.items()
    )


def parse_time(value: Any) -> int:
    """Unix seconds from an int/float or a numeric / ISO 8601 string."""
    if isinstance(value, bool):
        raise ConfigError(f"invalid time {value!r}: expected unix seconds or ISO 8601")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"invalid time {value!r}: expected unix seconds or ISO 8601")
        return _in_range(int(value))
    if isinstance(value, _dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)
        return int(moment.timestamp())
    text = str(value).strip()
    if text.lstrip("-").isdigit() and len(text) <= 20:
        return _in_range(int(text))
    try:
        moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"invalid time {text!r}: expected unix seconds or ISO 8601 (e.g. 2026-01-31T12:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return int(moment.timestamp())


#: Years 1 to 9999: every reference time can be written as ISO 8601 in messages.
_MIN_TIME, _MAX_TIME = -62_135_596_800, 253_402_300_799


def _in_range(seconds: int) -> int:
    if not _MIN_TIME <= seconds <= _MAX_TIME:
        raise ConfigError(f"invalid time {seconds}: outside the years 1 to 9999")
    return seconds


def _codes(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = value
    else:
        raise ConfigError(f"{key}: expected a list of rule codes")
    return [i.strip() for i in items if i.strip()]


def find_config(start: Path) -> Path | None:
    """The nearest config file at or above ``start``, as ruff looks for it."""
    start = start.resolve()
    for folder in (start, *start.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if candidate.is_file():
                if name == "pyproject.toml" and "capi-lint" not in _tool_table(candidate):
                    continue
                return candidate
    return None


def _tool_table(path: Path) -> dict[str, Any]:
    return _read_toml(path).get("tool", {})


def _read_toml(path: Path) -> dict[str, Any]:
    # Imported here: a library call with no config file never parses TOML.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML in {path}: {exc}") from None


def load_config_table(path: Path) -> dict[str, Any]:
    if path.name == "pyproject.toml":
        table = _tool_table(path).get("capi-lint")
        if table is None:
            raise ConfigError(f"{path} has no [tool.capi-lint] table")
        return table
    return _read_toml(path)


_KNOWN_KEYS = {
    "select",
    "ignore",
    "extend-select",
    "fail-on",
    "now",
    "default-region",
    "pii",
    "severity",
    "per-file-ignores",
    "per-file-now",
    "options",
    "dedup-scope",
    "max-input-size",
}


def build_settings(
    table: Mapping[str, Any] | None = None,
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
    fail_on: str | None = None,
    now: Any = None,
    default_region: str | None = None,
    pii: str | None = None,
    config_path: str | None = None,
    dedup_scope: str | None = None,
    files: Mapping[str, Any] | None = None,
    baseline: str | None = None,
    max_input_size: Any = None,
) -> Settings:
    """Validate a config table and apply command-line values on top of it."""
    table = dict(table or {})
    unknown = set(table) - _KNOWN_KEYS - FILE_KEYS
    if unknown:
        raise ConfigError(
            f"unknown config key(s): {', '.join(sorted(unknown))} "
            f"(known: {', '.join(sorted(_KNOWN_KEYS | FILE_KEYS))})"
        )
    base_select = select if select is not None else table.get("select")
    try:
        enabled = registry.select(
            _codes(base_select, "select") if base_select is not None else None,
            ignore=[
                *_codes(table.get("ignore", []), "ignore"),
                *(ignore or []),
            ],
            extend_select=[
                *_codes(table.get("extend-select", []), "extend-select"),
                *(extend_select or []),
            ],
        )
    except ValueError as exc:
        raise ConfigError(str(exc)) from None

    severity: dict[str, Severity] = {}
    for code, level in _table(table, "severity").items():
        rule = _rule(code, "severity")
        try:
            severity[rule.code] = Severity.parse(str(level))
        except ValueError as exc:
            raise ConfigError(f"severity.{code}: {exc}") from None

    root = project_root(config_path)
    ignores = []
    pfi = table.get("per-file-ignores", {})
    if not isinstance(pfi, Mapping):
        raise ConfigError("per-file-ignores: expected a table of glob = [codes]")
    for pattern, codes in pfi.items():
        key = f"per-file-ignores.{pattern}"
        ignores.append((Patterns(root, (pattern,)), _selected_codes(codes, key)))

    options: dict[str, dict[str, Any]] = {}
    for code, values in _table(table, "options").items():
        rule = _rule(code, "options")
        if not isinstance(values, Mapping):
            raise ConfigError(f"options.{code}: expected a table")
        for name, value in values.items():
            if name not in rule.options:
                known = ", ".join(sorted(rule.options)) or "none"
                raise ConfigError(f"options.{code}: unknown option {name!r} (known: {known})")
            default = rule.options[name]
            if default is not None and not _same_kind(default, value):
                raise ConfigError(
                    f"options.{code}.{name}: expected {type(default).__name__}, "
                    f"got {type(value).__name__}"
                )
            options.setdefault(rule.code, {})[name] = value

    level = fail_on if fail_on is not None else table.get("fail-on", "error")
    try:
        fail_level = Severity.parse(str(level))
    except ValueError as exc:
        raise ConfigError(f"fail-on: {exc}") from None

    when = now if now is not None else table.get("now")
    region = default_region if default_region is not None else table.get("default-region")
    if region is not None:
        region = str(region).strip().upper()
        if len(region) != 2 or not region.isalpha():
            raise ConfigError(
                f"default-region: expected an ISO 3166-1 alpha-2 code, got {region!r}"
            )
    mode = pii if pii is not None else table.get("pii", "hashed")
    if mode not in PII_MODES:
        raise ConfigError(f"pii: expected one of {', '.join(PII_MODES)}, got {mode!r}")

    scope = dedup_scope if dedup_scope is not None else table.get("dedup-scope", "file")
    if scope not in DEDUP_SCOPES:
        raise ConfigError(f"dedup-scope: expected one of {', '.join(DEDUP_SCOPES)}, got {scope!r}")

    size = max_input_size if max_input_size is not None else table.get("max-input-size")
    try:
        limit = parse_size(size) if size is not None else DEFAULT_MAX_INPUT_SIZE
    except ValueError as exc:
        raise ConfigError(f"max-input-size: {exc}") from None

    return Settings(
        enabled=enabled,
        severity=severity,
        per_file_ignores=tuple(ignores),
        fail_on=fail_level,
        now=parse_now(when) if when is not None else None,
        per_file_now=_per_file_now(table, root),
        default_region=region,
        pii=mode,
        options=options,
        config_path=config_path,
        dedup_scope=scope,
        files=file_selection(table, root, files or {}),
        per_pointer_ignores=per_pointer_ignores(table, root),
        baseline=baseline_path(table, root, baseline),
        max_input_size=limit,
    )


def _table(table: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = table.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key}: expected a table")
    return value


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    if isinstance(default, (list, tuple)):
        return isinstance(value, (list, tuple))
    return isinstance(value, type(default))


def _rule(code: str, key: str) -> registry.Rule:
    try:
        return registry.get(code)
    except KeyError:
        raise ConfigError(f"{key}: unknown rule code {code!r}") from None


def with_now(settings: Settings, now: int) -> Settings:
    return replace(settings, now=now)


# ----------------------------------------------------------- files, ignores, baseline
# Which files a run reads and which known findings it accepts. Paths in the
# config file are relative to its directory (the project root), whatever the
# working directory; paths on the command line are relative to the working
# directory.

FILE_KEYS = frozenset(
    {
        "exclude",
        "extend-exclude",
        "include",
        "extend-include",
        "respect-gitignore",
        "force-exclude",
        "per-pointer-ignores",
        "baseline",
    }
)


def project_root(config_path: str | None) -> str:
    """The directory config paths are relative to: the config file's, else the cwd."""
    return os.path.dirname(absolute(config_path)) if config_path else os.getcwd()


def _selected_codes(value: Any, key: str) -> frozenset[str]:
    try:
        return registry.select(_codes(value, key))
    except ConfigError:
        raise
    except ValueError as exc:
        raise ConfigError(f"{key}: {exc}") from None


def _patterns(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key}: expected a list of path patterns")
    return tuple(v for v in value if v.strip())


def _flag(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key}: expected true or false")
    return value


def file_selection(
    table: Mapping[str, Any], root: str, overrides: Mapping[str, Any]
) -> FileSelection:
    """``exclude`` / ``extend-exclude`` / ``include`` / ``extend-include`` /
    ``respect-gitignore`` / ``force-exclude`` from the config, with the
    command line's ``overrides`` (same names, underscores) on top: a
    command-line ``exclude`` or ``include`` replaces the config's, an
    ``extend_exclude`` adds to it."""
    cwd = os.getcwd()

    def sets(key: str) -> list[Patterns]:
        out = []
        if key in table:
            out.append(Patterns(root, _patterns(table[key], key)))
        flag = overrides.get(key.replace("-", "_"))
        if flag is not None and key.startswith("extend-"):
            out.append(Patterns(cwd, _patterns(flag, f"--{key}")))
        return out

    def replaced(key: str, default: tuple[str, ...] | None) -> list[Patterns] | None:
        flag = overrides.get(key)
        if flag is not None:
            return [Patterns(cwd, _patterns(flag, f"--{key}"))]
        if key in table:
            return [Patterns(root, _patterns(table[key], key))]
        return None if default is None else [Patterns(root, default)]

    exclude = replaced("exclude", DEFAULT_EXCLUDE) or []
    include = replaced("include", None)
    gitignore = overrides.get("respect_gitignore")
    force = overrides.get("force_exclude")
    return FileSelection(
        root=root,
        exclude=(*exclude, *sets("extend-exclude")),
        include=tuple(include) if include is not None else None,
        extend_include=tuple(sets("extend-include")),
        respect_gitignore=_flag(
            gitignore if gitignore is not None else table.get("respect-gitignore", True),
            "respect-gitignore",
        ),
        force_exclude=_flag(
            force if force is not None else table.get("force-exclude", False), "force-exclude"
        ),
    )


def per_pointer_ignores(
    table: Mapping[str, Any], root: str
) -> tuple[tuple[Patterns, tuple[tuple[str, frozenset[str]], ...]], ...]:
    """``[per-pointer-ignores]``: ``"path pattern" = {"/json/pointer" = [codes]}``."""
    value = table.get("per-pointer-ignores", {})
    if not isinstance(value, Mapping):
        raise ConfigError(
            'per-pointer-ignores: expected a table of "path" = {"/pointer" = [codes]}'
        )
    out = []
    for pattern, pointers in value.items():
        key = f"per-pointer-ignores.{pattern}"
        if not isinstance(pointers, Mapping):
            raise ConfigError(f'{key}: expected a table of "/pointer" = [codes]')
        entries = []
        for pointer, codes in pointers.items():
            if pointer and not pointer.startswith("/"):
                raise ConfigError(
                    f'{key}: {pointer!r} is not a JSON pointer (e.g. "/data/0/event_time")'
                )
            entries.append((pointer, _selected_codes(codes, f"{key}.{pointer}")))
        out.append((Patterns(root, (pattern,)), tuple(entries)))
    return tuple(out)


def baseline_path(table: Mapping[str, Any], root: str, flag: str | None) -> str | None:
    """``--baseline FILE`` (relative to the cwd) or ``baseline =`` (to the config's directory)."""
    if flag is not None:
        return str(absolute(flag))
    value = table.get("baseline")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("baseline: expected a file path")
    return str(absolute(os.path.join(root, value)))
