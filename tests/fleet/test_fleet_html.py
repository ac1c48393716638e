"""The HTML report: self-contained, rendered by a real headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fleet_server import TOKEN, Answer, FleetServer, graph_error, web_report
from test_fleet_run import run_cli, write_fleet


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI") or os.environ.get("CAPI_LINT_REQUIRE_CHROMIUM"):
        pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
    pytest.skip("chromium is not installed (apt-get install -y chromium); CI runs this test")


class Rows(HTMLParser):
    """The fleet table's rows as rendered: (dataset id, worst EMQ text) in DOM order."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.sorted_by: str | None = None
        self._in_table = self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("id") == "fleet":
            self._in_table = True
            self.sorted_by = a.get("data-sorted-by")
        elif self._in_table and tag == "tr" and "data-dataset" in a:
            self.rows.append([])
        elif self._in_table and tag == "td" and self.rows:
            self._in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_table = False
        elif tag == "td":
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell and self.rows:
            self.rows[-1][-1] += data.strip()


def test_html_report_renders_in_headless_chromium(
    server: FleetServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    browser = chromium()
    monkeypatch.setenv("META_ACCESS_TOKEN", TOKEN)
    fleet = write_fleet(
        tmp_path,
        [
            {"id": "8001", "name": "Good <b>shop</b>"},
            {"id": "8002", "name": "Weak"},
            {"id": "8003", "name": "Denied"},
        ],
    )
    history = tmp_path / "fleet.sqlite"
    server.set("8001", Answer(body=web_report(9.1, 95.0)))
    server.set("8002", Answer(body=web_report(6.2, 70.0)))
    server.set("8003", graph_error(10, "(#10) no permission", 403))
    common = ["fleet", str(fleet), "--graph-url", server.url, "--history", str(history)]
    run_cli([*common, "--now", "2026-01-01T06:00:00Z", "-q"], capsys)
    server.set("8002", Answer(body=web_report(4.8, 40.0)))
    page = tmp_path / "fleet.html"
    code, _out, _err = run_cli(
        [*common, "--now", "2026-01-02T06:00:00Z", "--format", "html", "-o", str(page)], capsys
    )
    assert code == 1  # X021 for the denied dataset
    html = page.read_text("utf-8")
    # Self-contained: nothing is fetched at view time; names are escaped.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<b>shop</b>" not in html and "Good &lt;b&gt;shop&lt;/b&gt;" in html
    assert TOKEN not in html

    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
    flags += ["--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    rows = Rows()
    rows.feed(dom)
    # The script ran and sorted by worst EMQ, lowest first, no score last.
    assert rows.sorted_by == "Worst EMQ"
    assert [(r[0], r[3]) for r in rows.rows] == [("8002", "4.8"), ("8001", "9.1"), ("8003", "n/a")]
    # The trend of 8002 is drawn from the history: two points, 6.2 then 4.8.
    assert "EMQ of Purchase over 2 run(s), from 6.2 to 4.8" in dom

    shot = tmp_path / "fleet.png"
    subprocess.run(
        [browser, *flags, f"--screenshot={shot}", "--window-size=1200,900", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 900)
    assert len(data) > 10_000  # a rendered page, not a blank canvas
