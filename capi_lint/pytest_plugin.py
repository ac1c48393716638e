"""pytest plugin (``pytest11`` entry point ``capi_lint``).

- fixture ``capi_lint``: ``.check(payload, **options)`` and
  ``.assert_valid(payload, **options)`` (fails with the findings in the text
  format; messages never hold raw personal data);
- marker ``@pytest.mark.capi_lint(select=..., ignore=..., fail_on=..., now=...)``:
  options for those calls (and for ``capi_lint_server``) within the test;
- ``--capi-lint-payloads GLOB`` / ini ``capi_lint_payloads``: collect payload
  files as test items, one per JSON file, one per line of a JSON Lines file
  plus one for findings that span its lines;
- fixture ``capi_lint_server``: a real local Conversions API endpoint
  (:mod:`capi_lint.serve`) for the test, with ``.base_url``, ``.url()``,
  ``.requests``, ``.findings`` and ``.facebook_api()``;
- fixture ``capi_lint_pair``: ``.assert_pairs(browser=HAR path or recorded
  fbq calls, server=None, min_coverage=None)`` pairs what the page sent to the
  Pixel with what the server sent to ``capi_lint_server`` (as ``capi-lint
  pair`` does) and fails listing the P findings at or above ``fail_on``
  (:mod:`capi_lint.pair.testing`).

The fixtures lint what the code under test sends, so without ``now`` their
reference time is the clock (as ``capi_lint.check()``); collected payload
files are committed fixtures, checked as ``capi-lint check`` checks them.

Installing capi-lint changes nobody's test run: collection happens only when
a glob is given, and this module imports nothing of capi-lint until a
fixture or a payload item is used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from capi_lint.config import Settings
    from capi_lint.model import Finding
    from capi_lint.pair.testing import PairRecorder
    from capi_lint.serve import LintServer

PAYLOAD_SUFFIXES = (".json", ".jsonl", ".ndjson")
MARKER = "capi_lint"
_OPTIONS = ("select", "ignore", "extend_select", "fail_on", "now", "pii", "default_region")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("capi-lint", "capi-lint (Meta Conversions API payloads)")
    group.addoption(
        "--capi-lint-payloads",
        action="append",
        default=[],
        metavar="GLOB",
        help="collect payload files matching GLOB (relative to rootdir; ** spans folders) "
        "as capi-lint test items; repeatable. Overrides the capi_lint_payloads ini value.",
    )
    parser.addini(
        "capi_lint_payloads",
        type="args",
        default=[],
        help="globs of payload files to collect as capi-lint test items",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "capi_lint(select=None, ignore=None, extend_select=None, fail_on=None, now=None, "
        "pii=None, default_region=None, config=None): options for the capi_lint and "
        "capi_lint_server fixtures in this test; also set on collected payload items.",
    )
    globs = config.getoption("capi_lint_payloads") or config.getini("capi_lint_payloads")
    if globs:
        config.pluginmanager.register(PayloadCollector(config, list(globs)), "capi_lint_payloads")


# --------------------------------------------------------------------------- settings


def _project_table(config: pytest.Config) -> tuple[dict[str, Any], str | None]:
    from capi_lint.config import find_config, load_config_table

    cached = config.stash.get(_TABLE_KEY, None)
    if cached is None:
        path = find_config(Path(config.rootpath))
        cached = (load_config_table(path) if path else {}, str(path) if path else None)
        config.stash[_TABLE_KEY] = cached
    return cached


_TABLE_KEY = pytest.StashKey[tuple[dict[str, Any], "str | None"]]()


def _codes(value: Any) -> list[str] | None:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(v).strip() for v in items if str(v).strip()]


def build_test_settings(
    config: pytest.Config, node: pytest.Item | None, options: Mapping[str, Any]
) -> Settings:
    """Project config ([tool.capi-lint] / .capi-lint.toml at rootdir), then the
    ``capi_lint`` marker's options, then the call's options."""
    from capi_lint.config import build_settings

    merged: dict[str, Any] = {}
    if node is not None:
        for mark in reversed(list(node.iter_markers(MARKER))):  # closest marker wins
            merged.update(mark.kwargs)
    merged.update(options)
    unknown = set(merged) - set(_OPTIONS) - {"config"}
    if unknown:
        raise TypeError(f"unknown capi_lint option(s): {', '.join(sorted(unknown))}")
    table, config_path = _project_table(config)
    if "config" in merged:
        override = merged["config"]
        if isinstance(override, (str, Path)):
            from capi_lint.config import load_config_table

            config_path = str(override)
            table = load_config_table(Path(override))
        else:
            table = dict(override or {})
    return build_settings(
        table,
        select=_codes(merged.get("select")),
        ignore=_codes(merged.get("ignore")),
        extend_select=_codes(merged.get("extend_select")),
        fail_on=merged.get("fail_on"),
        now=merged.get("now"),
        pii=merged.get("pii"),
        default_region=merged.get("default_region"),
        config_path=config_path,
    )


# --------------------------------------------------------------------------- fixture


class CapiLint:
    """The ``capi_lint`` fixture: the library API with the test's options."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self._request = request

    def settings(self, **options: Any) -> Settings:
        return build_test_settings(self._request.config, self._request.node, options)

    def check(self, payload: Any, *, path: str = "<payload>", **options: Any) -> list[Finding]:
        """All findings for a payload (dict, list, JSON text, bytes, SDK objects)."""
        from capi_lint import api

        return api.check(payload, self.settings(**options), path=path)

    def assert_valid(
        self, payload: Any, *, path: str = "<payload>", **options: Any
    ) -> list[Finding]:
        """Fail the test (``capi_lint.PayloadError``, an AssertionError) listing the
        findings at or above ``fail_on``; return all findings when it passes."""
        __tracebackhide__ = True
        from capi_lint import api

        settings = self.settings(**options)
        findings = api.check(payload, settings, path=path)
        failing = [f for f in findings if f.severity.rank >= settings.fail_on.rank]
        if failing:
            raise api.PayloadError(failing, settings.fail_on)
        return findings


@pytest.fixture()
def capi_lint(request: pytest.FixtureRequest) -> CapiLint:
    """Lint payloads in a test: ``capi_lint.assert_valid(body)``."""
    return CapiLint(request)


@pytest.fixture()
def capi_lint_server(request: pytest.FixtureRequest) -> Iterator[LintServer]:
    """A local Conversions API endpoint on 127.0.0.1 (any free port) for this test."""
    from capi_lint.serve import LintServer

    server = LintServer(build_test_settings(request.config, request.node, {})).start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture()
def capi_lint_pair(
    request: pytest.FixtureRequest, capi_lint_server: LintServer, tmp_path: Path
) -> PairRecorder:
    """Pair the page's Pixel events with what the server sent to ``capi_lint_server``:
    ``capi_lint_pair.assert_pairs(browser="page.har", min_coverage=100)``."""
    from capi_lint.pair.testing import PairRecorder

    def settings(**options: Any) -> Settings:
        return build_test_settings(request.config, request.node, options)

    recorder = PairRecorder(settings, tmp_path / "capi-lint-pair")
    recorder.folder.mkdir()
    recorder.watch(capi_lint_server)
    return recorder


# --------------------------------------------------------------------------- collection


def glob_regex(pattern: str) -> re.Pattern[str]:
    """``*`` and ``?`` stay within a folder, ``**/`` spans folders; a pattern
    without wildcards also matches the files under that folder."""
    pattern = pattern.replace("\\", "/")
    while pattern.startswith("./"):
        pattern = pattern[2:]
    if not any(ch in pattern for ch in "*?["):
        return re.compile(re.escape(pattern.rstrip("/")) + r"(?:/.*)?\Z")
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape("["))
                i += 1
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


class PayloadCollector:
    """Registered only when globs are given: turns matching files into items."""

    def __init__(self, config: pytest.Config, globs: list[str]) -> None:
        self.root = Path(config.rootpath)
        self.patterns = []
        for glob in globs:
            path = Path(glob)
            if path.is_absolute():
                try:
                    glob = path.relative_to(self.root).as_posix()
                except ValueError:
                    glob = path.as_posix()
            self.patterns.append(glob_regex(glob))

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> Any:
        if not file_path.name.lower().endswith(PAYLOAD_SUFFIXES):
            return None
        try:
            shown = file_path.relative_to(self.root).as_posix()
        except ValueError:
            shown = file_path.as_posix()
        if any(p.match(shown) for p in self.patterns):
            return PayloadFile.from_parent(parent, path=file_path, display=shown)
        return None


class PayloadFindings(Exception):
    """Raised by a payload item: its findings, already formatted."""


class PayloadFile(pytest.File):
    def __init__(self, *, display: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.display = display
        self._findings: list[Finding] | None = None
        self._fail_on: Any = None

    @property
    def jsonl(self) -> bool:
        from capi_lint import loader

        return loader.is_json_lines(name=self.path.name)

    def collect(self) -> Iterator[PayloadItem]:
        # Only lines are counted here; reading and linting happen in runtest, so
        # a broken file is a failed item, not a collection error.
        if not self.jsonl:
            yield PayloadItem.from_parent(self, name="capi-lint", line=None)
            return
        from capi_lint import loader

        # Line by line, never the whole file (nor a FIFO: open_regular refuses it).
        handle = loader.open_regular(self.path)
        if isinstance(handle, loader.Problem):
            yield PayloadItem.from_parent(self, name="capi-lint", line=None)
            return
        with handle:
            try:
                numbers = list(loader.nonblank_line_numbers(handle))
            except OSError:
                numbers = None
        if numbers is None:
            yield PayloadItem.from_parent(self, name="capi-lint", line=None)
            return
        for number in numbers:
            yield PayloadItem.from_parent(self, name=f"line-{number}", line=number)
        yield PayloadItem.from_parent(self, name="batch", line=0)

    def findings(self) -> tuple[list[Finding], Any]:
        """Lint the whole file once (batch rules span its lines), as the CLI does."""
        if self._findings is None:
            from capi_lint import loader
            from capi_lint.engine import Engine, apply_file_ignores

            settings = build_test_settings(self.config, None, {})
            source = loader.Source(self.display, self.jsonl, self.path)
            result = apply_file_ignores(Engine(settings).check_source(source), settings)
            self._findings, self._fail_on = result.findings, settings.fail_on
        return self._findings, self._fail_on


def _spans_lines(finding: Finding) -> bool:
    """A finding about the file's lines together (batch statistics, kept at 1:1)."""
    from capi_lint import registry
    from capi_lint.registry import Scope

    if finding.line is None:
        return True
    if finding.event_index is not None or finding.pointer.startswith("/data"):
        return False
    try:
        return Scope.BATCH in registry.get(finding.code).scopes
    except KeyError:
        return False


class PayloadItem(pytest.Item):
    parent: PayloadFile

    def __init__(self, *, line: int | None, **kw: Any) -> None:
        super().__init__(**kw)
        #: None: the whole file; 0: findings spanning the lines; n: line n.
        self.line = line
        self.add_marker(MARKER)

    def mine(self, findings: list[Finding]) -> list[Finding]:
        if self.line is None:
            return findings
        if self.line == 0:
            return [f for f in findings if _spans_lines(f)]
        return [f for f in findings if f.line == self.line and not _spans_lines(f)]

    def runtest(self) -> None:
        from capi_lint.reporters.text import format_finding

        try:
            findings, fail_on = self.parent.findings()
        except ValueError as exc:  # ConfigError: a bad [tool.capi-lint]
            raise PayloadFindings(f"capi-lint configuration error: {exc}") from None
        mine = self.mine(findings)
        if any(f.severity.rank >= fail_on.rank for f in mine):
            lines = [format_finding(f) for f in mine]
            failing = sum(f.severity.rank >= fail_on.rank for f in mine)
            lines.append(f"{failing} finding(s) at or above {fail_on.value}")
            raise PayloadFindings("\n".join(lines))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, PayloadFindings):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        where = self.parent.display
        if self.line:
            where += f":{self.line}"
        return self.path, (self.line - 1 if self.line else None), f"capi-lint {where}"
