"""Shared test builders: clean events for each action source, request bodies,
and a lint call with a pinned reference time.

The clean events must stay clean under *every* rule: test_examples.py
asserts it, so a rule that fires on them is caught at once.
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import capi_lint
from capi_lint.model import Finding

#: Reference time for every test: 2025-11-22T08:26:40Z.
NOW = 1_763_800_000


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def user_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "em": [sha("john_smith@gmail.com")],
        "ph": [sha("16505551212")],
        "fn": sha("john"),
        "ln": sha("smith"),
        "ct": sha("menlopark"),
        "st": sha("ca"),
        "zp": sha("94025"),
        "country": sha("us"),
        "external_id": [sha("user-1")],
        "client_ip_address": "2a03:2880:f12f:83:face:b00c:0:25de",
        "client_user_agent": (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
        ),
        "fbc": "fb.1.1763799000000.IwAR2xYzAbCdEfGhIjKl",
        "fbp": "fb.1.1763790000000.1234567890",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not _DROP}


_DROP = object()
#: Pass as a value to remove a key from a builder's result.
DROP = _DROP


def _apply(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not _DROP}


def website_event(**overrides: Any) -> dict[str, Any]:
    return _apply(
        {
            "event_name": "Purchase",
            "event_time": NOW - 120,
            "action_source": "website",
            "event_id": "order-10001",
            "event_source_url": "https://shop.example.com/checkout/thank-you",
            "user_data": user_data(),
            "custom_data": {
                "value": 129.99,
                "currency": "USD",
                "content_ids": ["sku-1", "sku-2"],
                "contents": [
                    {"id": "sku-1", "quantity": 1, "item_price": 99.99},
                    {"id": "sku-2", "quantity": 2, "item_price": 15.0},
                ],
                "content_type": "product",
                "order_id": "10001",
            },
        },
        overrides,
    )


def app_event(**overrides: Any) -> dict[str, Any]:
    extinfo = [
        "i2",
        "com.example.shop",
        "2.1",
        "2.1.0 (45)",
        "17.0",
        "iPhone15,2",
        "en_US",
        "PST",
        "Carrier",
        "1179",
        "2556",
        "3.0",
        "6",
        "128",
        "64",
        "America/Los_Angeles",
    ]
    return _apply(
        {
            "event_name": "AddToCart",
            "event_time": NOW - 60,
            "action_source": "app",
            "event_id": "cart-77",
            "user_data": user_data(
                client_user_agent=DROP,
                fbc=DROP,
                fbp=DROP,
                madid="6D92078A-8246-4BA4-AE5B-76104861E7DC",
                anon_id="XZ1234567890",
            ),
            "app_data": {
                "advertiser_tracking_enabled": 1,
                "application_tracking_enabled": 1,
                "extinfo": extinfo,
            },
            "custom_data": {"value": 12.5, "currency": "EUR", "content_ids": ["sku-9"]},
        },
        overrides,
    )


def store_event(**overrides: Any) -> dict[str, Any]:
    return _apply(
        {
            "event_name": "Purchase",
            "event_time": NOW - 30 * 86_400,
            "action_source": "physical_store",
            "event_id": "pos-20001",
            "user_data": user_data(
                client_ip_address=DROP, client_user_agent=DROP, fbc=DROP, fbp=DROP
            ),
            "custom_data": {"value": 42.0, "currency": "GBP", "order_id": "20001"},
        },
        overrides,
    )


def body(*events: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"data": [copy.deepcopy(e) for e in events], **top}


def lint(payload: Any, *, now: int = NOW, text: bool = True, **config: Any) -> list[Finding]:
    """Findings for a payload; as JSON text (with positions) unless text=False.

    ``config`` keys use the config-file spelling with `_` for `-`
    (``select=["E"]``, ``fail_on="warning"``).
    """
    table = {k.replace("_", "-"): v for k, v in config.items()}
    if text and not isinstance(payload, (str, bytes)):
        payload = json.dumps(payload, indent=2)
    return capi_lint.check(payload, table, now=now)


def codes(payload: Any, **kw: Any) -> list[str]:
    return sorted(f.code for f in lint(payload, **kw))


def pointers(payload: Any, code: str, **kw: Any) -> list[str]:
    return [f.pointer for f in lint(payload, **kw) if f.code == code]


def ecosystem_file(source: str, name: str) -> Any:
    """A real request body from ``../shared/data/ecosystem/`` (beside the repository).

    The corpus is other producers' material and is not copied into the repository.
    CI lays it beside the clone, so there its absence is a failure; elsewhere the
    test is skipped. ``CAPI_LINT_ECOSYSTEM`` points at another copy.
    """
    import os
    from pathlib import Path

    import pytest

    root = Path(
        os.environ.get("CAPI_LINT_ECOSYSTEM")
        or Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "ecosystem"
    )
    path = root / source / name
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"ecosystem corpus file missing: {path}")
        pytest.skip(f"ecosystem corpus not found at {root}")
    return path
