"""The library API (interface §5): pure functions, no network, no global state."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from capi_lint import loader
from capi_lint.config import Settings, build_settings, parse_now
from capi_lint.engine import Engine, apply_file_ignores
from capi_lint.model import Finding, Severity

DEFAULT_PATH = "<payload>"


class PayloadError(AssertionError):
    """Raised by :func:`assert_valid`; ``findings`` holds what failed."""

    def __init__(self, findings: list[Finding], fail_on: Severity) -> None:
        self.findings = findings
        self.fail_on = fail_on
        from capi_lint.reporters import text

        lines = [text.format_finding(f) for f in findings]
        super().__init__(
            f"{len(findings)} finding(s) at or above {fail_on.value}:\n" + "\n".join(lines)
        )


def _settings(
    config: Settings | Mapping[str, Any] | None, now: Any, *, clock: bool = False
) -> Settings:
    """``clock``: without a reference time (``now``, or in ``config``) use the
    clock, as sending code wants for the events it is about to send."""
    settings = config if isinstance(config, Settings) else build_settings(config or {})
    if now is not None:
        from dataclasses import replace

        settings = replace(settings, now=parse_now(now))
    return settings.with_clock_default() if clock else settings


def check(
    payload: Any,
    config: Settings | Mapping[str, Any] | None = None,
    now: Any = None,
    *,
    path: str = DEFAULT_PATH,
) -> list[Finding]:
    """Findings for one payload: a dict/list (already parsed) or JSON text/bytes.

    Text and bytes get line and column; parsed objects have no text, so their
    findings carry the pointer only. ``config`` is a :class:`Settings` or a
    config table as in ``[tool.capi-lint]``; ``now`` pins the reference time
    (unix seconds, ISO 8601 or ``"clock"``). Without one, here in sending code,
    the clock is the reference time: an event older than Meta accepts is
    reported (unlike ``capi-lint check`` on files, which skips age checks).
    """
    settings = _settings(config, now, clock=True)
    engine = Engine(settings)
    if isinstance(payload, str):
        payload = payload.encode("utf-8", "surrogatepass")
    if isinstance(payload, (bytes, bytearray, memoryview)):
        raw = bytes(payload)
        if len(raw) > settings.max_input_size and not loader.starts_json_lines(raw):
            problem = loader.too_large(f"payload is {len(raw)} bytes,", settings.max_input_size)
            return apply_file_ignores(engine.problem_result(path, problem), settings).findings
        if loader.looks_like_jsonl(raw):
            result = engine.check_jsonl(path, raw)
        else:
            result = engine.check_document(loader.parse(path, raw))
    else:
        payload = _from_sdk(payload)
        result = engine.check_document(loader.from_object(path, payload))
    return apply_file_ignores(result, settings).findings


SDK_HINT = "pip install 'capi-lint[sdk]'"


def _from_sdk(payload: Any) -> Any:
    """facebook_business ``EventRequest`` / ``Event`` objects (the ``sdk`` extra)
    become the request body / event the SDK sends, through their ``normalize()``;
    a list may hold ``Event`` objects. Other non-JSON values are a TypeError."""
    if isinstance(payload, dict) or payload is None or isinstance(payload, (int, float)):
        return payload
    if isinstance(payload, list):
        if any(_is_sdk(item) for item in payload):
            return [_sdk_value(item) if _is_sdk(item) else item for item in payload]
        return payload
    if _is_sdk(payload):
        return _sdk_value(payload)
    raise TypeError(
        "capi_lint.check() takes a request body, an event or an array of events (dict, list, "
        "JSON str or bytes), or a facebook_business Event / EventRequest "
        f"({SDK_HINT}); got {type(payload).__name__}"
    )


def _is_sdk(value: Any) -> bool:
    return not isinstance(value, (dict, list, str, bytes)) and callable(
        getattr(value, "normalize", None)
    )


def _sdk_value(obj: Any) -> Any:
    value = obj.normalize()
    params = getattr(obj, "get_request_params", None)
    if callable(params):  # EventRequest: normalize() gives the events as JSON strings
        import json

        body = dict(params())
        body["data"] = [json.loads(e) if isinstance(e, str) else e for e in value]
        return body
    return value


def check_file(
    path: str | Path,
    config: Settings | Mapping[str, Any] | None = None,
    now: Any = None,
) -> list[Finding]:
    """The same findings the CLI reports for this file: age checks (E006, ...)
    run only with a reference time (``now``, or ``now`` / ``per-file-now`` in
    ``config``), so that a committed fixture does not fail as it ages."""
    settings = _settings(config, now)
    from capi_lint.runner import run

    return run([str(path)], settings).findings


def assert_valid(
    payload: Any,
    fail_on: str | Severity = "error",
    config: Settings | Mapping[str, Any] | None = None,
    now: Any = None,
) -> list[Finding]:
    """Raise :class:`PayloadError` if any finding is at or above ``fail_on``.

    Returns all findings (including milder ones) when it passes.
    """
    level = fail_on if isinstance(fail_on, Severity) else Severity.parse(fail_on)
    findings = check(payload, config, now)
    failing = [f for f in findings if f.severity.rank >= level.rank]
    if failing:
        raise PayloadError(failing, level)
    return findings
