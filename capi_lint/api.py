"""The library API (interface §5): no network; the only state kept between
calls is the compiled :class:`Checker` that :func:`check` reuses per set of
arguments (immutable once built, so calls do not influence each other)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from capi_lint import loader, registry
from capi_lint.config import ConfigError, Settings, build_settings, parse_now
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
    config: Settings | Mapping[str, Any] | None,
    now: Any,
    *,
    clock: bool = False,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
) -> Settings:
    """``clock``: without a reference time (``now``, or in ``config``) use the
    clock, as sending code wants for the events it is about to send.
    ``select`` / ``ignore`` / ``extend_select`` apply on top of ``config`` as
    the command-line flags do (an unknown code is a ConfigError)."""
    if isinstance(config, Settings):
        settings = config
        if select is not None or ignore or extend_select:
            base = list(select) if select is not None else sorted(settings.enabled)
            try:
                enabled = registry.select(
                    base, ignore=ignore or (), extend_select=extend_select or ()
                )
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
            settings = replace(settings, enabled=enabled)
    else:
        settings = build_settings(
            config or {}, select=select, ignore=ignore, extend_select=extend_select
        )
    if now is not None:
        settings = replace(settings, now=parse_now(now))
    return settings.with_clock_default() if clock else settings


class Checker:
    """A reusable checker for event-sending code: the settings are validated and
    the rules compiled once, then :meth:`check` judges one payload at a time.

    >>> checker = Checker(select=["E", "U"], now="clock")
    >>> checker.check({"event_name": "Purchase", ...})

    Thread-safe: a call keeps its state to itself (run-wide D003 memory
    included), the compiled rule tables are shared read-only. Without a
    reference time (``now``, or in ``config``) every call reads the clock, as
    :func:`check` does.
    """

    def __init__(
        self,
        config: Settings | Mapping[str, Any] | None = None,
        *,
        select: Iterable[str] | None = None,
        ignore: Iterable[str] | None = None,
        extend_select: Iterable[str] | None = None,
        now: Any = None,
        path: str = DEFAULT_PATH,
    ) -> None:
        self.settings = _settings(
            config, now, clock=True, select=select, ignore=ignore, extend_select=extend_select
        )
        self.path = path
        # Compile now rather than on the first event: the rule tables, the options.
        self.settings.resolved_options  # noqa: B018 (a cached property, filled once)
        #: Read-only once built; each call runs a copy with its own run state.
        self._engine = Engine(self.settings)
        #: per-file / per-pointer ignores can drop findings (else nothing to apply).
        self._ignores = bool(self.settings.per_file_ignores or self.settings.per_pointer_ignores)

    def check(self, payload: Any, *, path: str | None = None) -> list[Finding]:
        """Findings for one payload, as :func:`check` describes."""
        settings = self.settings
        path = self.path if path is None else path
        engine = self._engine.for_next_run()
        if isinstance(payload, str):
            payload = payload.encode("utf-8", "surrogatepass")
        if isinstance(payload, (bytes, bytearray, memoryview)):
            raw = bytes(payload)
            if len(raw) > settings.max_input_size and not loader.starts_json_lines(raw):
                problem = loader.too_large(f"payload is {len(raw)} bytes,", settings.max_input_size)
                return apply_file_ignores(engine.problem_result(path, problem), settings).findings
            if loader.is_json_lines(raw):
                result = engine.check_jsonl(path, raw)
            else:
                result = engine.check_document(loader.parse(path, raw))
        else:
            payload = _from_sdk(payload)
            result = engine.check_document(loader.from_object(path, payload))
        if self._ignores:
            result = apply_file_ignores(result, settings)
        return result.findings


#: Default Checkers of :func:`check`, by its arguments; bounded.
_CHECKERS: dict[Hashable, tuple[Any, Checker]] = {}
_MAX_CHECKERS = 32


def _checker(
    config: Settings | Mapping[str, Any] | None,
    now: Any,
    select: Iterable[str] | None,
    ignore: Iterable[str] | None,
    extend_select: Iterable[str] | None,
) -> Checker:
    """The cached Checker for these arguments. A config table (a dict) is not
    cached: it could change between calls. A Settings object is immutable and
    is cached by identity (kept alive by the cache, so its id is not reused)."""
    options = {"select": select, "ignore": ignore, "extend_select": extend_select, "now": now}
    if config is not None and not isinstance(config, Settings):
        return Checker(config, **options)
    try:
        key: Hashable = (
            id(config),
            now,
            *(None if codes is None else tuple(codes) for codes in (select, ignore, extend_select)),
        )
        hash(key)
    except TypeError:  # e.g. a datetime subclass that is not hashable: build one
        return Checker(config, **options)
    entry = _CHECKERS.get(key)
    if entry is None or entry[0] is not config:
        if len(_CHECKERS) >= _MAX_CHECKERS:
            _CHECKERS.clear()
        entry = (config, Checker(config, **options))
        _CHECKERS[key] = entry
    return entry[1]


def check(
    payload: Any,
    config: Settings | Mapping[str, Any] | None = None,
    now: Any = None,
    *,
    path: str = DEFAULT_PATH,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
) -> list[Finding]:
    """Findings for one payload: a dict/list (already parsed) or JSON text/bytes.

    Text and bytes get line and column; parsed objects have no text, so their
    findings carry the pointer only. ``config`` is a :class:`Settings` or a
    config table as in ``[tool.capi-lint]``; ``now`` pins the reference time
    (unix seconds, ISO 8601 or ``"clock"``). Without one, here in sending code,
    the clock is the reference time: an event older than Meta accepts is
    reported (unlike ``capi-lint check`` on files, which skips age checks).
    ``select`` / ``ignore`` / ``extend_select`` choose rules as the flags do.
    Repeated calls reuse one compiled :class:`Checker` per set of arguments.
    """
    return _checker(config, now, select, ignore, extend_select).check(payload, path=path)


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
