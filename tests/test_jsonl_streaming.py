"""JSON Lines files are streamed from disk; the findings must be exactly those
of the in-memory path (line numbers, byte offsets, BOM, CRLF, bad lines)."""

from __future__ import annotations

import io
import json

import pytest
from helpers import NOW, body, website_event

from capi_lint import loader
from capi_lint.config import build_settings
from capi_lint.engine import Engine

EVENT = json.dumps(website_event(event_name="purchase"))
CASES = {
    "plain": f"{EVENT}\n{EVENT}\n",
    "crlf_and_blank_lines": f"{EVENT}\r\n\r\n{EVENT}\r\n",
    "bom_and_bad_line": "\ufeff" + f"{EVENT}\n{{bad,\n{EVENT}",
    "request_lines": f"{json.dumps(body(website_event()))}\n{json.dumps(body(website_event()))}\n",
    "empty": "",
    "blank_only": "\n  \n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_streamed_file_equals_bytes(tmp_path, name: str) -> None:
    raw = CASES[name].encode("utf-8")
    path = tmp_path / f"{name}.jsonl"
    path.write_bytes(raw)
    engine = Engine(build_settings({}, now=NOW))
    from_bytes = engine.check_jsonl(str(path), raw)
    from_file = Engine(build_settings({}, now=NOW)).check_source(
        loader.Source(str(path), True, path)
    )
    assert from_file.findings == from_bytes.findings
    assert from_file.events == from_bytes.events
    if name != "plain":  # every case but the clean one reports something
        assert from_bytes.findings


def test_check_source_does_not_read_jsonl_files_whole(tmp_path, monkeypatch) -> None:
    path = tmp_path / "big.jsonl"
    path.write_text(f"{EVENT}\n" * 50)

    def refuse(_source):  # the whole-file read must not be used for JSON Lines files
        raise AssertionError("read_bytes called for a JSON Lines file")

    monkeypatch.setattr(loader, "read_bytes", refuse)
    result = Engine(build_settings({}, now=NOW)).check_source(loader.Source(str(path), True, path))
    assert result.events == 50
    assert "E002" in {f.code for f in result.findings}


def test_iter_jsonl_accepts_a_binary_stream() -> None:
    docs = list(loader.iter_jsonl("s.jsonl", io.BytesIO(b'{"a": 1}\n\n[1]\r\n')))
    assert [(d.first_line, d.root) for d in docs] == [(1, {"a": 1}), (3, [1])]
