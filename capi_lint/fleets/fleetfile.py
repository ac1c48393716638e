"""The fleet file (``FLEET.toml``): which datasets one ``capi-lint fleet`` run covers.

```toml
token-env = "META_ACCESS_TOKEN"      # default; per dataset too
agent-name = "acme"                  # optional default for every dataset
history = "fleet.sqlite"             # optional default for --history
[rate-limit]                         # optional: how the pool spaces its calls
slow-at = 75                         # usage % from which calls are spaced out
stop-at = 90                         # usage % at which the pool pauses
cooldown = 60                        # seconds of that pause
[[datasets]]
id = "1234567890"
payloads = "captures/1234567890"     # files or directories of payload samples (optional)
offline = true                       # also fetch the offline block
name = "Shop A"                      # optional label
endpoint = "dataset_quality"         # or "setup_quality"
```

Paths are relative to the fleet file. Every mistake is a :class:`FleetFileError`
naming the file and the entry (TOML syntax errors keep tomllib's line and column).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_TOKEN_ENV = "META_ACCESS_TOKEN"
_ID = re.compile(r"^\d{1,30}$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ENDPOINTS = ("dataset_quality", "setup_quality")
_TOP_KEYS = {"token-env", "agent-name", "history", "rate-limit", "datasets"}
_DATASET_KEYS = {"id", "payloads", "offline", "name", "token-env", "agent-name", "endpoint"}
_RATE_KEYS = {"slow-at", "stop-at", "cooldown"}


class FleetFileError(ValueError):
    """The fleet file cannot be used; ``str()`` names the file and the entry."""


@dataclass(frozen=True)
class RateLimit:
    """When the pool slows down and stops (percent of Meta's advertised usage)."""

    slow_at: float = 75.0
    stop_at: float = 90.0
    cooldown: float = 60.0


@dataclass(frozen=True)
class DatasetSpec:
    dataset_id: str
    name: str | None = None
    payloads: tuple[str, ...] = ()
    offline: bool = False
    token_env: str = DEFAULT_TOKEN_ENV
    agent_name: str | None = None
    endpoint: str = "dataset_quality"

    @property
    def label(self) -> str:
        return self.name or self.dataset_id


@dataclass(frozen=True)
class FleetFile:
    path: str
    datasets: tuple[DatasetSpec, ...]
    history: str | None = None
    rate_limit: RateLimit = field(default_factory=RateLimit)


def load_fleet_file(path: str) -> FleetFile:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise FleetFileError(f"cannot read fleet file {path}: {exc.strerror or exc}") from None
    try:
        table = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FleetFileError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:  # the message names line and column
        raise FleetFileError(f"{path}: invalid TOML: {exc}") from None
    return parse_fleet_table(table, path)


def parse_fleet_table(table: dict[str, Any], path: str = "FLEET.toml") -> FleetFile:
    base = Path(path).parent
    _unknown(table, _TOP_KEYS, path, "")
    token_env = _env(table.get("token-env", DEFAULT_TOKEN_ENV), path, "token-env")
    agent = _text(table.get("agent-name"), path, "agent-name")
    history = _text(table.get("history"), path, "history")
    rate = _rate(table.get("rate-limit", {}), path)
    entries = table.get("datasets")
    if not isinstance(entries, list) or not entries:
        raise FleetFileError(f"{path}: no [[datasets]] entry (each needs an id)")
    datasets: list[DatasetSpec] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"datasets[{index}]"
        if not isinstance(entry, dict):
            raise FleetFileError(f"{path}: {where}: expected a table")
        _unknown(entry, _DATASET_KEYS, path, where + ".")
        dataset_id = str(entry.get("id", "")).strip()
        if not _ID.match(dataset_id):
            raise FleetFileError(f"{path}: {where}.id: expected the dataset id (digits only)")
        if dataset_id in seen:
            raise FleetFileError(f"{path}: {where}.id: dataset {dataset_id} is listed twice")
        seen.add(dataset_id)
        payloads = entry.get("payloads", [])
        if isinstance(payloads, str):
            payloads = [payloads]
        if not isinstance(payloads, list) or not all(isinstance(p, str) for p in payloads):
            raise FleetFileError(f"{path}: {where}.payloads: expected a path or a list of paths")
        offline = entry.get("offline", False)
        if not isinstance(offline, bool):
            raise FleetFileError(f"{path}: {where}.offline: expected true or false")
        endpoint = entry.get("endpoint", "dataset_quality")
        if endpoint not in _ENDPOINTS:
            raise FleetFileError(f"{path}: {where}.endpoint: expected one of {_ENDPOINTS}")
        datasets.append(
            DatasetSpec(
                dataset_id=dataset_id,
                name=_text(entry.get("name"), path, where + ".name"),
                payloads=tuple(str(base / p) for p in payloads),
                offline=offline,
                token_env=_env(entry.get("token-env", token_env), path, where + ".token-env"),
                agent_name=_text(entry.get("agent-name", agent), path, where + ".agent-name"),
                endpoint=endpoint,
            )
        )
    return FleetFile(
        path=path,
        datasets=tuple(datasets),
        history=str(base / history) if history else None,
        rate_limit=rate,
    )


def _unknown(table: dict[str, Any], known: set[str], path: str, where: str) -> None:
    extra = sorted(set(table) - known)
    if extra:
        raise FleetFileError(
            f"{path}: unknown key {where}{extra[0]} (known: {', '.join(sorted(known))})"
        )


def _text(value: Any, path: str, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FleetFileError(f"{path}: {key}: expected a string")
    return value.strip() or None


def _env(value: Any, path: str, key: str) -> str:
    if not isinstance(value, str) or not _ENV.match(value):
        raise FleetFileError(f"{path}: {key}: expected an environment variable name")
    return value


def _rate(value: Any, path: str) -> RateLimit:
    if not isinstance(value, dict):
        raise FleetFileError(f"{path}: rate-limit: expected a table")
    _unknown(value, _RATE_KEYS, path, "rate-limit.")
    numbers: dict[str, float] = {}
    for key in _RATE_KEYS:
        if key in value:
            number = value[key]
            if isinstance(number, bool) or not isinstance(number, (int, float)) or number < 0:
                raise FleetFileError(f"{path}: rate-limit.{key}: expected a number ≥ 0")
            numbers[key.replace("-", "_")] = float(number)
    rate = RateLimit(**numbers)
    if not 0 < rate.slow_at <= rate.stop_at <= 100:
        raise FleetFileError(f"{path}: rate-limit: expected 0 < slow-at ≤ stop-at ≤ 100")
    return rate
