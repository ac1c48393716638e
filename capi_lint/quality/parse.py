"""Meta's quality responses -> typed dataclasses. No I/O.

Tolerant of what the API really returns (quality-api.md §1, §6): the body of
``/dataset_quality`` is keyed by channel (``{"web": [...]}``, ``{"offline":
[...]}``) and may be ``{}``; ``/setup_quality`` wraps the same entries in
``{"data": [...], "paging": {}}``. Both spellings ``dedupe_key_feedback`` and
``dedup_key_feedback`` are read; offline ``coverage`` may sit inside
``match_key`` or beside it; scores may be objects or bare numbers; unknown
fields are ignored and unknown identifiers are kept (the cross-check reports
them). Only a body that is not a JSON object, or an entry list that is not a
list, is an error: :class:`QualityParseError`, whose message never repeats the
body.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from capi_lint.model import PointerParts

DATASET_QUALITY = "dataset_quality"
SETUP_QUALITY = "setup_quality"
ENDPOINTS = (DATASET_QUALITY, SETUP_QUALITY)

#: Field names of the dedup feedback list: the examples/SDK spelling first,
#: then the doc table's.
DEDUP_FIELDS = ("dedupe_key_feedback", "dedup_key_feedback")


class QualityParseError(ValueError):
    """The body is not a quality response at all (not JSON, wrong shape)."""


@dataclass(frozen=True)
class Figure:
    """``{percentage, description}`` (or a bare number)."""

    percentage: float | None
    description: str | None = None


@dataclass(frozen=True)
class MatchKey:
    identifier: str
    coverage: float | None
    potential_increase: float | None
    where: PointerParts


@dataclass(frozen=True)
class Diagnostic:
    name: str
    description: str | None
    solution: str | None
    percentage: float | None
    affected_event_count: int | None
    total_event_count: int | None
    where: PointerParts


@dataclass(frozen=True)
class EMQ:
    composite_score: float | None
    score_rating: str | None
    #: None when the response carries no ``match_key_feedback`` (not asked for).
    match_keys: list[MatchKey] | None
    diagnostics: list[Diagnostic] | None
    where: PointerParts


@dataclass(frozen=True)
class DedupKey:
    dedupe_key: str
    browser: float | None
    server: float | None
    overall: float | None
    where: PointerParts


@dataclass(frozen=True)
class EventCoverage:
    percentage: float | None
    goal_percentage: float | None
    potential_increase: float | None
    where: PointerParts


@dataclass(frozen=True)
class WebEvent:
    """One entry of ``web[]`` (or ``data[]`` of ``/setup_quality``)."""

    event_name: str | None
    where: PointerParts
    emq: EMQ | None = None
    event_coverage: EventCoverage | None = None
    dedup_keys: list[DedupKey] | None = None
    upload_frequency: str | None = None
    freshness_where: PointerParts = ()
    acr: float | None = None
    #: ``event_potential_aly_acr_increase``: Meta sees the event from the
    #: pixel only and estimates what sending it via CAPI would add.
    potential_acr: float | None = None

    @property
    def connected(self) -> bool:
        """False for a pixel-only entry (no server-side figure at all)."""
        return not (
            self.emq is None
            and self.event_coverage is None
            and self.dedup_keys is None
            and self.upload_frequency is None
            and self.acr is None
            and self.potential_acr is not None
        )


@dataclass(frozen=True)
class Score:
    score: float | None
    recommendation: str | None
    where: PointerParts


@dataclass(frozen=True)
class OfflineEvent:
    event_name: str | None
    where: PointerParts
    composite: Score | None = None
    match_key: Score | None = None
    frequency: Score | None = None
    freshness: Score | None = None
    #: identifier (``email``, ``phone``, ...) -> (percentage, pointer)
    coverage: dict[str, tuple[float | None, PointerParts]] = field(default_factory=dict)


@dataclass(frozen=True)
class QualityReport:
    endpoint: str
    web: list[WebEvent]
    offline: list[OfflineEvent]
    #: Which channel keys the body had at all (``{}`` has none).
    has_web: bool
    has_offline: bool
    #: Things worth telling the user that are not findings (skipped entries).
    notes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.web and not self.offline


# --------------------------------------------------------------------- helpers


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, str):
        try:
            number = float(value.strip().rstrip("%"))
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _int(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _figure(value: Any, *names: str) -> Figure | None:
    """An object ``{percentage|score: n, description|recommendation: s}`` or a bare number."""
    if value is None:
        return None
    if isinstance(value, dict):
        for name in names or ("percentage",):
            if name in value:
                number = _number(value[name])
                break
        else:
            number = None
        text = _text(value.get("description")) or _text(value.get("recommendation"))
        return Figure(number, text)
    number = _number(value)
    return Figure(number) if number is not None else None


def _percentage(value: Any) -> float | None:
    found = _figure(value, "percentage")
    return found.percentage if found else None


def _list(value: Any) -> list[Any] | None:
    return value if isinstance(value, list) else None


# --------------------------------------------------------------------- parsers


def loads(body: str | bytes) -> Any:
    """JSON text -> value; a clear error (without the body) when it is not JSON."""
    if isinstance(body, bytes):
        if body.startswith(b"\xef\xbb\xbf"):
            body = body[3:]
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            raise QualityParseError("the response is not UTF-8 text") from None
    if not body.strip():
        raise QualityParseError("the response body is empty")
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise QualityParseError(
            f"the response is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise QualityParseError("the response is nested too deeply") from None


def parse_report(body: Any, endpoint: str | None = None) -> QualityReport:
    """A parsed response (dict) or its JSON text -> :class:`QualityReport`.

    ``endpoint`` None detects the shape: a ``data`` list is ``/setup_quality``.
    A Graph error object raises :class:`QualityParseError` (the client maps
    live errors before this; a saved error body lands here).
    """
    if isinstance(body, (str, bytes)):
        body = loads(body)
    if not isinstance(body, dict):
        raise QualityParseError(
            f"expected a JSON object from the quality endpoint, got {_kind(body)}"
        )
    if isinstance(body.get("error"), dict):
        error = body["error"]
        code = error.get("code")
        raise QualityParseError(f"the response is a Graph API error (code {code!r}), not a report")
    if endpoint is None:
        endpoint = SETUP_QUALITY if "data" in body and "web" not in body else DATASET_QUALITY
    notes: list[str] = []
    web: list[WebEvent] = []
    offline: list[OfflineEvent] = []
    if endpoint == SETUP_QUALITY:
        key = "data"
        entries = body.get("data", [])
        has_web = "data" in body
    else:
        key = "web"
        entries = body.get("web", [])
        has_web = "web" in body
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise QualityParseError(f"`{key}` is {_kind(entries)}, expected a list of events")
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            notes.append(f"/{key}/{index} is {_kind(entry)}, not an event entry; skipped")
            continue
        web.append(parse_web_event(entry, (key, index)))
    has_offline = "offline" in body
    raw_offline = body.get("offline")
    if raw_offline is None:
        raw_offline = []
    if not isinstance(raw_offline, list):
        raise QualityParseError(f"`offline` is {_kind(raw_offline)}, expected a list of events")
    for index, entry in enumerate(raw_offline):
        if not isinstance(entry, dict):
            notes.append(f"/offline/{index} is {_kind(entry)}, not an event entry; skipped")
            continue
        offline.append(parse_offline_event(entry, ("offline", index)))
    return QualityReport(endpoint, web, offline, has_web, has_offline, tuple(notes))


def parse_web_event(entry: dict[str, Any], where: PointerParts) -> WebEvent:
    emq = None
    raw_emq = entry.get("event_match_quality")
    if isinstance(raw_emq, dict):
        emq = _parse_emq(raw_emq, (*where, "event_match_quality"))
    elif _number(raw_emq) is not None:  # a bare composite score
        emq = EMQ(_number(raw_emq), None, None, None, (*where, "event_match_quality"))

    coverage = None
    raw_cov = entry.get("event_coverage")
    if raw_cov is not None:
        cov_where = (*where, "event_coverage")
        if isinstance(raw_cov, dict):
            coverage = EventCoverage(
                _number(raw_cov.get("percentage")),
                _number(raw_cov.get("goal_percentage")),
                _percentage(raw_cov.get("potential_aly_acr_increase")),
                cov_where,
            )
        else:
            coverage = EventCoverage(_number(raw_cov), None, None, cov_where)

    dedup = None
    for name in DEDUP_FIELDS:
        items = _list(entry.get(name))
        if items is not None:
            dedup = [
                _parse_dedup(item, (*where, name, i))
                for i, item in enumerate(items)
                if isinstance(item, dict) and isinstance(item.get("dedupe_key"), str)
            ]
            break

    frequency = None
    freshness = entry.get("data_freshness")
    if isinstance(freshness, dict):
        frequency = _text(freshness.get("upload_frequency"))
    elif isinstance(freshness, str):
        frequency = freshness

    return WebEvent(
        event_name=_text(entry.get("event_name")),
        where=where,
        emq=emq,
        event_coverage=coverage,
        dedup_keys=dedup,
        upload_frequency=frequency,
        freshness_where=(*where, "data_freshness"),
        acr=_percentage(entry.get("acr")),
        potential_acr=_percentage(entry.get("event_potential_aly_acr_increase")),
    )


def _parse_emq(raw: dict[str, Any], where: PointerParts) -> EMQ:
    keys = None
    items = _list(raw.get("match_key_feedback"))
    if items is not None:
        keys = []
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("identifier"), str):
                continue
            keys.append(
                MatchKey(
                    identifier=item["identifier"],
                    coverage=_percentage(item.get("coverage")),
                    potential_increase=_percentage(item.get("potential_aly_acr_increase")),
                    where=(*where, "match_key_feedback", i),
                )
            )
    diagnostics = None
    items = _list(raw.get("diagnostics"))
    if items is not None:
        diagnostics = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            diagnostics.append(
                Diagnostic(
                    name=_text(item.get("name")) or "",
                    description=_text(item.get("description")),
                    solution=_text(item.get("solution")),
                    percentage=_number(item.get("percentage")),
                    affected_event_count=_int(item.get("affected_event_count")),
                    total_event_count=_int(item.get("total_event_count")),
                    where=(*where, "diagnostics", i),
                )
            )
    score = _figure(raw.get("composite_score"), "score", "percentage")
    return EMQ(
        composite_score=score.percentage if score else None,
        score_rating=_text(raw.get("score_rating")),
        match_keys=keys,
        diagnostics=diagnostics,
        where=where,
    )


def _parse_dedup(item: dict[str, Any], where: PointerParts) -> DedupKey:
    return DedupKey(
        dedupe_key=item["dedupe_key"],
        browser=_percentage(item.get("browser_events_with_dedupe_key")),
        server=_percentage(item.get("server_events_with_dedupe_key")),
        overall=_percentage(item.get("overall_browser_coverage_from_dedupe_key")),
        where=where,
    )


def _score(entry: dict[str, Any], name: str, where: PointerParts) -> Score | None:
    if name not in entry:
        return None
    found = _figure(entry[name], "score", "percentage")
    if found is None:
        return None
    return Score(found.percentage, found.description, (*where, name))


def parse_offline_event(entry: dict[str, Any], where: PointerParts) -> OfflineEvent:
    coverage: dict[str, tuple[float | None, PointerParts]] = {}
    match_key = entry.get("match_key")
    # The doc's example closes `match_key` before `coverage`: accept both places
    # (nested wins when both exist).
    for holder, base in (
        (entry, where),
        (match_key if isinstance(match_key, dict) else {}, (*where, "match_key")),
    ):
        raw = holder.get("coverage")
        if isinstance(raw, dict):
            for ident, value in raw.items():
                if isinstance(ident, str):
                    coverage[ident] = (_percentage(value), (*base, "coverage", ident))
    return OfflineEvent(
        event_name=_text(entry.get("event_name")),
        where=where,
        composite=_score(entry, "composite", where),
        match_key=_score(entry, "match_key", where),
        frequency=_score(entry, "frequency", where),
        freshness=_score(entry, "freshness", where),
        coverage=coverage,
    )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
