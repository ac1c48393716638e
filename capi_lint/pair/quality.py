"""``capi-lint pair --quality-file``: the pairing's figures held against Meta's report.

Pairing predicts, per event name, what ``/dataset_quality`` reports for the
pixel: ``event_coverage`` and the three ``dedupe_key_feedback`` figures. They
become :class:`~capi_lint.comparison.Prediction` objects (the server events'
key shares as ``dedup``, the browser side as
:class:`~capi_lint.comparison.PairFigures`) and the X rules that judge these
figures run over them through :func:`capi_lint.quality.crosscheck.crosscheck`,
exactly as ``capi-lint crosscheck`` runs them: X008/X009 (server events with a
dedupe key), X014 (coverage below Meta's goal) and X027/X028 (the coverage and
browser-side figures pairing predicts). The other X rules judge match keys and
freshness, which a pairing does not predict, so they are not run here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from capi_lint.comparison import PairFigures, Prediction
from capi_lint.config import Settings
from capi_lint.model import DEDUP_KEYS, FileResult, Finding
from capi_lint.pair.match import Row
from capi_lint.quality import ReportSource
from capi_lint.quality.crosscheck import crosscheck

#: The X rules that judge what a pairing predicts.
PAIR_CODES = frozenset({"X008", "X009", "X014", "X027", "X028"})


class PairQualityError(ValueError):
    """The report cannot be held against this pairing (a usage error)."""


@dataclass
class _Counts:
    browser: int = 0
    server: int = 0
    deduplicated: int = 0

    def __post_init__(self) -> None:
        self.server_with = dict.fromkeys(DEDUP_KEYS, 0)
        self.browser_with = dict.fromkeys(DEDUP_KEYS, 0)
        self.deduplicated_with = dict.fromkeys(DEDUP_KEYS, 0)

    def add(self, row: Row) -> None:
        self.browser += row.browser_events
        self.server += row.server_events
        self.deduplicated += row.deduplicated_by_event_id + row.deduplicated_by_external_id_fbp
        for key in DEDUP_KEYS:
            self.server_with[key] += row.server_with.get(key, 0)
            self.browser_with[key] += row.browser_with.get(key, 0)
            self.deduplicated_with[key] += row.deduplicated_with.get(key, 0)


def dataset_rows(rows: Iterable[Row], pixel_id: str | None) -> list[Row]:
    """The rows of the pixel the report is about: ``pixel_id``, else the only one."""
    rows = list(rows)
    if pixel_id is not None:
        return [r for r in rows if r.pixel_id in (pixel_id, None)]
    pixels = sorted({r.pixel_id for r in rows if r.pixel_id is not None})
    if len(pixels) > 1:
        raise PairQualityError(
            f"the browser files hold {len(pixels)} pixels ({', '.join(pixels)}): name the "
            "dataset of --quality-file with --pixel-id"
        )
    return rows


def predictions(rows: Iterable[Row]) -> dict[tuple[str, str], Prediction]:
    """One website prediction per event name, from the pairing's rows."""
    counts: dict[str, _Counts] = {}
    for row in rows:
        counts.setdefault(row.event_name, _Counts()).add(row)
    out: dict[tuple[str, str], Prediction] = {}
    for name, c in counts.items():
        pred = Prediction(
            "web",
            name,
            events=c.server,
            pair=PairFigures(c.browser, c.deduplicated, c.browser_with, c.deduplicated_with),
        )
        pred.dedup.update(c.server_with)
        out[("web", name)] = pred
    return out


def crosscheck_pair(
    rows: Iterable[Row],
    source: ReportSource,
    settings: Settings,
    *,
    pixel_id: str | None = None,
    tolerance: float | None = None,
) -> FileResult:
    """The selected X findings of :data:`PAIR_CODES`, pointing into the report."""
    chosen = predictions(dataset_rows(rows, pixel_id))
    findings: list[Finding] = crosscheck(
        source.report,
        chosen,
        path=source.path,
        settings=settings,
        tolerance=tolerance,
        locate=source.locate(),
        codes=PAIR_CODES,
    )
    return FileResult(source.path, findings, 0)
