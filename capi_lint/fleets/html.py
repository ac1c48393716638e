"""Fleet results -> one self-contained HTML file (jinja2; inline CSS, JS and SVG).

Nothing is fetched when the file is viewed: no fonts, scripts or images from
the network. The template autoescapes, so dataset names and Meta's labels
cannot inject markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from capi_lint import __version__
from capi_lint.fleets.report import sort_worst_first
from capi_lint.fleets.run import ALERT_CODES, FleetResult

TREND_W, TREND_H = 240, 60


@dataclass(frozen=True)
class Trend:
    event_name: str
    points: str  # SVG polyline points
    last: float
    first: float
    runs: int


def _trend(name: str, series: list[tuple[int, float]]) -> Trend:
    n = len(series)
    step = TREND_W / (n - 1) if n > 1 else 0
    pts = " ".join(
        f"{i * step if n > 1 else TREND_W / 2:.1f},{TREND_H - emq / 10 * TREND_H:.1f}"
        for i, (_when, emq) in enumerate(series)
    )
    return Trend(name, pts, series[-1][1], series[0][1], n)


def _bars(result: Any) -> list[dict[str, Any]]:
    rows = []
    for e in result.events:
        keys = []
        for ident, reported in sorted(e.match_keys.items()):
            keys.append(
                {"identifier": ident, "reported": reported, "predicted": e.predicted.get(ident)}
            )
        rows.append(
            {
                "channel": e.channel,
                "event_name": e.event_name,
                "emq": e.emq,
                "event_coverage": e.event_coverage,
                "match_keys": keys,
            }
        )
    return rows


def render_html(result: FleetResult, **_: Any) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("capi_lint.fleets", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    datasets = []
    for d in sort_worst_first(result.datasets):
        counts = d.severities()
        trends = [
            _trend(name, series)
            for (ds, _channel, name), series in sorted(result.trends.items())
            if ds == d.spec.dataset_id and series
        ]
        datasets.append(
            {
                "id": d.spec.dataset_id,
                "name": d.spec.name or "",
                "status": d.status,
                "error_kind": d.error_kind,
                "worst_emq": d.worst_emq,
                "errors": counts["error"],
                "warnings": counts["warning"],
                "alerts": sum(f.code in ALERT_CODES for f in d.findings),
                "findings": d.findings,
                "events": _bars(d),
                "trends": trends,
            }
        )
    when = datetime.fromtimestamp(result.started_at, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return env.get_template("fleet.html.j2").render(
        version=__version__,
        when=when,
        summary=result.summary(),
        datasets=datasets,
        trend_w=TREND_W,
        trend_h=TREND_H,
    )
