"""Fixtures of the fleet tests (the server lives in fleet_server.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fleet_server import FleetServer


@pytest.fixture
def server() -> Iterator[FleetServer]:
    srv = FleetServer()
    try:
        yield srv
    finally:
        srv.close()
