"""Seeded, realistic CAPI traffic for benchmarks: a website / app / physical_store
mix with hashed user_data, and a few percent of flawed events."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from typing import Any

NOW = 1_763_800_000
UAS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
]
NAMES = ["PageView", "ViewContent", "AddToCart", "InitiateCheckout", "Purchase", "Lead", "Search"]
EXTINFO = [
    "a2",
    "com.example.shop",
    "3.4",
    "3.4.0 (120)",
    "14",
    "Pixel 8",
    "en_US",
    "CET",
    "Carrier",
    "1080",
    "2400",
    "2.75",
    "8",
    "128",
    "64",
    "Europe/Berlin",
]


def _h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _user(rng: random.Random, i: int, web: bool) -> dict[str, Any]:
    user: dict[str, Any] = {
        "em": [_h(f"user{i}@example.org")],
        "external_id": [_h(f"crm-{i}")],
    }
    if rng.random() < 0.7:
        user["ph"] = [_h(f"1650555{i % 10000:04d}")]
    if rng.random() < 0.5:
        user.update(
            fn=_h("alex"),
            ln=_h("miller"),
            ct=_h("menlopark"),
            st=_h("ca"),
            zp=_h("94025"),
            country=_h("us"),
        )
    if web:
        user["client_ip_address"] = f"2a03:2880:f12f:83:face:b00c:{i % 65536:x}:25de"
        user["client_user_agent"] = rng.choice(UAS)
        user["fbp"] = f"fb.1.{(NOW - 86_400) * 1000 + i}.{1_000_000_000 + i}"
        if rng.random() < 0.4:
            user["fbc"] = f"fb.1.{(NOW - 3600) * 1000}.IwAR{i:08d}AbCdEfGhIjKl"
    return user


def _flaw(rng: random.Random, event: dict[str, Any]) -> None:
    kind = rng.randrange(6)
    if kind == 0:
        event["event_time"] *= 1000
    elif kind == 1:
        event["user_data"]["em"] = "Someone@Example.com"
    elif kind == 2:
        event["event_name"] = event["event_name"].lower()
    elif kind == 3:
        event["user_data"]["email"] = event["user_data"].pop("em")
    elif kind == 4:
        event.pop("action_source")
    else:
        event["custom_data"] = {"value": "12,50", "currency": "EURO"}


def event(rng: random.Random, i: int, flawed_share: float = 0.03) -> dict[str, Any]:
    roll = rng.random()
    source = "website" if roll < 0.7 else "app" if roll < 0.85 else "physical_store"
    name = "Purchase" if source == "physical_store" else rng.choice(NAMES)
    age = (
        rng.randrange(60, 3000)
        if source != "physical_store"
        else rng.randrange(86_400, 20 * 86_400)
    )
    ev: dict[str, Any] = {
        "event_name": name,
        "event_time": NOW - age,
        "action_source": source,
        "event_id": f"ev-{i:08d}",
        "user_data": _user(rng, i, source == "website"),
    }
    if source == "website":
        ev["event_source_url"] = f"https://shop.example.com/p/{i % 997}?utm_source=fb"
    if source == "app":
        ev["app_data"] = {
            "advertiser_tracking_enabled": 1,
            "application_tracking_enabled": 1,
            "extinfo": EXTINFO,
        }
    if name in ("Purchase", "AddToCart", "InitiateCheckout", "ViewContent"):
        price = round(rng.uniform(5, 200), 2)
        ev["custom_data"] = {
            "value": price,
            "currency": rng.choice(["USD", "EUR", "GBP"]),
            "content_ids": [f"sku-{i % 500}"],
            "contents": [{"id": f"sku-{i % 500}", "quantity": 1, "item_price": price}],
            "content_type": "product",
        }
        if name == "Purchase":
            ev["custom_data"]["order_id"] = f"o-{i}"
    if rng.random() < flawed_share:
        _flaw(rng, ev)
    return ev


def events(
    n: int, seed: int = 20261123, start: int = 0, flawed_share: float = 0.03
) -> Iterator[dict[str, Any]]:
    """``n`` events numbered from ``start`` (their event_id, order_id and user)."""
    rng = random.Random(seed)
    for i in range(start, start + n):
        yield event(rng, i, flawed_share)


def jsonl(n: int, seed: int = 20261123, start: int = 0, flawed_share: float = 0.03) -> bytes:
    return b"".join(
        json.dumps(e, separators=(",", ":")).encode() + b"\n"
        for e in events(n, seed, start, flawed_share)
    )
