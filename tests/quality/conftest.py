"""Fixtures of the quality tests (the server itself lives in quality_server.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from quality_server import GraphServer


@pytest.fixture
def graph() -> Iterator[GraphServer]:
    server = GraphServer()
    try:
        yield server
    finally:
        server.close()
