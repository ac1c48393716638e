"""Configuration: ``[tool.capi-lint]`` in pyproject.toml or ``.capi-lint.toml``,
merged with command-line flags (flags win) into one immutable :class:`Settings`.

Any mistake here (unknown key, unknown code, bad value) raises
:class:`ConfigError`, which the CLI turns into a one-line message and exit 2.
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import math
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from capi_lint import registry
from capi_lint.model import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_FILES = (".capi-lint.toml", "pyproject.toml")
PII_MODES = ("hashed", "raw")
#: How far D003 looks for an earlier event with the same event_id + event_name.
DEDUP_SCOPES = ("batch", "file", "run")


class ConfigError(ValueError):
    """A usage or configuration mistake (exit code 2)."""


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know, resolved and validated."""

    enabled: frozenset[str] = field(default_factory=lambda: registry.select(None))
    severity: Mapping[str, Severity] = field(default_factory=dict)
    #: (glob, codes) pairs: findings of these codes are dropped for matching paths.
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    fail_on: Severity = Severity.ERROR
    #: Reference time for every time rule, unix seconds; None = the clock at run start.
    now: int | None = None
    default_region: str | None = None
    pii: str = "hashed"
    #: Rule code -> option name -> value (defaults merged in).
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    config_path: str | None = None
    #: D003's reach: one request (`batch`), one file (`file`: also across the
    #: request lines of a JSON Lines file) or every file of the run (`run`).
    dedup_scope: str = "file"

    @cached_property
    def resolved_options(self) -> Mapping[str, Mapping[str, Any]]:
        """Every rule's options, defaults merged with config, for O(1) look-ups."""
        return {
            rule.code: {**rule.options, **self.options.get(rule.code, {})}
            for rule in registry.all_rules()
        }

    def resolved_now(self) -> int:
        return self.now if self.now is not None else int(time.time())

    def option(self, code: str, name: str) -> Any:
        opts = self.options.get(code)
        if opts is not None and name in opts:
            return opts[name]
        return registry.get(code).options[name]

    def ignored_for(self, path: str) -> frozenset[str]:
        out: set[str] = set()
        for pattern, codes in self.per_file_ignores:
            if fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(Path(path).as_posix(), pattern):
                out |= codes
        return frozenset(out)


def parse_time(value: Any) -> int:
    """Unix seconds from an int/float or a numeric / ISO 8601 string."""
    if isinstance(value, bool):
        raise ConfigError(f"invalid time {value!r}: expected unix seconds or ISO 8601")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"invalid time {value!r}: expected unix seconds or ISO 8601")
        return int(value)
    if isinstance(value, _dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)
        return int(moment.timestamp())
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"invalid time {text!r}: expected unix seconds or ISO 8601 (e.g. 2026-01-31T12:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return int(moment.timestamp())


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
    "options",
    "dedup-scope",
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
) -> Settings:
    """Validate a config table and apply command-line values on top of it."""
    table = dict(table or {})
    unknown = set(table) - _KNOWN_KEYS
    if unknown:
        raise ConfigError(
            f"unknown config key(s): {', '.join(sorted(unknown))} "
            f"(known: {', '.join(sorted(_KNOWN_KEYS))})"
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

    ignores = []
    pfi = table.get("per-file-ignores", {})
    if not isinstance(pfi, Mapping):
        raise ConfigError("per-file-ignores: expected a table of glob = [codes]")
    for pattern, codes in pfi.items():
        try:
            ignores.append((pattern, registry.select(_codes(codes, f"per-file-ignores.{pattern}"))))
        except ConfigError:
            raise
        except ValueError as exc:
            raise ConfigError(f"per-file-ignores.{pattern}: {exc}") from None

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

    return Settings(
        enabled=enabled,
        severity=severity,
        per_file_ignores=tuple(ignores),
        fail_on=fail_level,
        now=parse_time(when) if when is not None else None,
        default_region=region,
        pii=mode,
        options=options,
        config_path=config_path,
        dedup_scope=scope,
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
