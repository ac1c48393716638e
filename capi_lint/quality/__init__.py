"""Cross-check payloads against Meta's Dataset Quality API (issue 7).

- :mod:`~capi_lint.quality.client`: the Graph client (the only network code;
  imports httpx lazily),
- :mod:`~capi_lint.quality.parse`: response -> dataclasses,
- :mod:`~capi_lint.quality.evidence`: payloads -> predictions and evidence,
- :mod:`~capi_lint.quality.crosscheck`: report + predictions -> X findings.

This module ties them together for the CLI and the library: get a report
(live or from a saved file), predict, compare. Importing it does not import
httpx.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from capi_lint.config import Settings
from capi_lint.files import Finder
from capi_lint.mask import mask_label
from capi_lint.model import Finding, PointerParts
from capi_lint.quality.crosscheck import crosscheck
from capi_lint.quality.evidence import EvidencePredictor, Prediction
from capi_lint.quality.parse import (
    DATASET_QUALITY,
    ENDPOINTS,
    SETUP_QUALITY,
    QualityParseError,
    QualityReport,
    parse_report,
)

__all__ = [
    "DATASET_QUALITY",
    "ENDPOINTS",
    "SETUP_QUALITY",
    "CrosscheckRun",
    "QualityParseError",
    "QualityReport",
    "ReportSource",
    "fetch_report",
    "parse_report",
    "read_report_file",
    "read_token",
    "run_crosscheck",
]


class TokenError(ValueError):
    """No usable access token (a usage error; the message never shows a token)."""


def read_token(env_var: str | None = None, token_file: str | None = None) -> str:
    """The access token from ``token_file`` or the environment variable."""
    from capi_lint.quality.client import DEFAULT_TOKEN_ENV, check_token

    if token_file:
        try:
            raw = Path(token_file).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
            raise TokenError(f"cannot read --token-file {token_file}: {reason}") from None
        source = f"--token-file {token_file}"
    else:
        name = env_var or DEFAULT_TOKEN_ENV
        raw = os.environ.get(name, "")
        source = f"${name}"
        if not raw.strip():
            raise TokenError(
                f"no access token: set {name} (or use --token-env VAR / --token-file FILE), "
                "or cross-check a saved response with --quality-file"
            )
    try:
        return check_token(raw)
    except ValueError as exc:
        raise TokenError(f"{source}: {exc}") from None


@dataclass
class ReportSource:
    """A report and where it came from (``path`` is what findings show)."""

    report: QualityReport
    path: str
    #: The response text (scrubbed), for --save-response and for positions.
    text: str | None = None
    #: Positions are meaningful only for a file the user has.
    locatable: bool = False
    notes: list[str] = field(default_factory=list)

    def locate(self) -> Any:
        if not self.locatable or self.text is None:
            return None
        from capi_lint.positions import Locator

        locator = Locator(self.text)
        return lambda parts: locator.locate(_int_parts(parts))


def _resolved(path: str) -> Path | None:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):
        return None


def _int_parts(parts: PointerParts) -> PointerParts:
    return tuple(int(p) if isinstance(p, str) and p.isdigit() else p for p in parts)


def read_report_file(path: str, endpoint: str | None = None) -> ReportSource:
    """A saved response (``--quality-file``); QualityParseError when unusable."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise QualityParseError(f"cannot read {path}: {exc.strerror}") from None
    text = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    try:
        report = parse_report(text, endpoint)
    except QualityParseError as exc:
        raise QualityParseError(f"{path}: {exc}") from None
    return ReportSource(
        report,
        path,
        text.decode("utf-8", "replace"),
        locatable=True,
        notes=list(report.notes),
    )


def fetch_report(
    *,
    dataset_id: str,
    token: str,
    endpoint: str = DATASET_QUALITY,
    agent_name: str | None = None,
    offline: bool = False,
    graph_url: str | None = None,
    api_version: str | None = None,
    app_secret: str | None = None,
    token_in_query: bool = False,
    timeout: float = 30.0,
    retry: Any = None,
    save_to: str | None = None,
    max_response_bytes: int | None = None,
) -> ReportSource:
    """Call the live endpoint. Raises ``client.GraphError`` (safe to print) or
    QualityParseError; ValueError for a bad id, URL or version."""
    from capi_lint.quality import client as client_mod

    options: dict[str, Any] = {
        "app_secret": app_secret,
        "token_in_query": token_in_query,
        "timeout": timeout,
    }
    if graph_url:
        options["graph_url"] = graph_url
    if api_version:
        options["api_version"] = api_version
    if retry is not None:
        options["retry"] = retry
    if max_response_bytes is not None:
        options["max_response_bytes"] = max_response_bytes
    with client_mod.QualityClient(token, **options) as client:
        if endpoint == SETUP_QUALITY:
            response = client.setup_quality(dataset_id, agent_name=agent_name)
        else:
            response = client.dataset_quality(dataset_id, agent_name=agent_name, offline=offline)
        if save_to:
            _save(save_to, client.scrub(response.text))
        try:
            report = parse_report(response.data, response.endpoint)
        except QualityParseError as exc:
            raise client_mod.GraphError(
                f"malformed response from {response.url}: {exc}", kind="malformed"
            ) from None
    return ReportSource(report, response.url, response.text, notes=list(report.notes))


def _save(path: str, text: str) -> None:
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    try:
        tmp.write_text(text if text.endswith("\n") else text + "\n", "utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        raise QualityParseError(f"cannot write --save-response {path}: {exc.strerror}") from None


@dataclass
class CrosscheckRun:
    findings: list[Finding]
    source: ReportSource
    predictions: dict[tuple[str, str], Prediction]
    files: int
    events: int
    #: Lines for standard error: unreadable inputs, what was not compared.
    notes: list[str]


def run_crosscheck(
    paths: Sequence[str],
    source: ReportSource,
    settings: Settings,
    *,
    agent_name: str | None = None,
    tolerance: float | None = None,
) -> CrosscheckRun:
    """Predict from ``paths`` and hold the prediction against ``source``."""
    predictor = EvidencePredictor(settings)
    # The saved response may sit among the payloads (quality_reports/): not a payload.
    skip = _resolved(source.path) if source.locatable else None
    sources: list[Any] = []
    notes: list[str] = []
    finder = Finder(settings.files)
    for item in finder.find(list(paths) or ["."]):
        if isinstance(item, tuple):
            notes.append(f"{item[0]}: {item[1].message}")
        elif item.path == "-" or skip is None or _resolved(item.path) != skip:
            sources.append(item)
    files = len(sources)
    notes.extend(
        f"skipped {path} (no CAPI event key in it: not a payload)" for path in finder.skipped
    )
    notes.extend(f"{problem.message}" for problem in predictor.add_sources(sources))
    notes.extend(source.notes)
    predictions = predictor.predictions(agent_name)
    events = sum(row.events for row in predictor.rows())
    if agent_name is not None:
        others = sum(
            row.events
            for row in predictor.rows()
            if row.channel in ("web", "offline") and row.agent_name != agent_name
        )
        if others:
            notes.append(
                f"{others} website/physical_store event(s) not sent with a partner_agent of "
                f"agent_name {mask_label(agent_name)!r} are not compared"
            )
    skipped = sum(n for k, n in predictor.skipped.items() if k != "no event_name")
    if skipped:
        source_names = ", ".join(
            sorted(mask_label(k) for k in predictor.skipped if k != "no event_name")
        )
        notes.append(
            f"{skipped} event(s) with action_source {source_names} not compared "
            "(the report covers website events, and physical_store with offline)"
        )
    if not any(code.startswith("X") for code in settings.enabled):
        notes.append("no X rule is selected (see `select` in the config): add --extend-select X")
    if source.report.empty and not any(ch == "web" for ch, _ in predictions):
        notes.append("Meta's report is empty: no events to report for this dataset")
    findings = crosscheck(
        source.report,
        predictions,
        path=source.path,
        settings=settings,
        tolerance=tolerance,
        agent_name=agent_name,
        locate=source.locate(),
    )
    return CrosscheckRun(findings, source, predictions, files, events, notes)
