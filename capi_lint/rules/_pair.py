"""What the P rules and the pairing share: how names and keys compare, and how they are shown.

``capi_lint.pair.match`` pairs with the same comparisons the rules judge with
(one place each): event names squashed for "the same event, spelled otherwise",
``fbp`` trimmed, ``external_id`` normalised and hashed as Meta compares it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from capi_lint.hashing import hash_part, sha256_hex
from capi_lint.mask import mask, mask_key
from capi_lint.rules.event import STANDARD_EVENTS

_SPACING = re.compile(r"[\s_\-.]+")


def show(value: str | None) -> str:
    """An event name or ID as a message may show it (masked if it looks personal)."""
    if value is None:
        return "(none)"
    return f"`{value}`" if mask_key(value) == value else mask(value)


def squash(name: str) -> str:
    """An event name without case, spacing and punctuation."""
    return _SPACING.sub("", name).lower()


def fbp_of(value: str | None) -> str | None:
    """An ``fbp`` as compared: trimmed, None when empty."""
    return value.strip() if value and value.strip() else None


def canonical_external_ids(values: Sequence[str]) -> frozenset[str]:
    """external_id values as Meta compares them: normalised (Meta's normalisation:
    trim, lowercase), then SHA-256; a value already hashed is its lowercased digest."""
    # Imported here: the normalisers load phonenumbers, which a clean `check` never needs.
    from capi_lint.normalize import normalize_or_reason

    out = set()
    for value in values:
        normalised, _reason = normalize_or_reason("external_id", value)
        if normalised is not None:
            out.add(sha256_hex(normalised))
            continue
        digest = hash_part(value.strip())
        if digest:
            out.add(digest.lower())
    return frozenset(out)


def name_difference(browser: str, server: str) -> str:
    """How two event names differ, in words (P003's message)."""
    if browser.lower() == server.lower():
        return "they differ only in case (event names are case-sensitive)"
    if squash(browser) == squash(server):
        return "they differ only in spacing or punctuation"
    b_std, s_std = browser in STANDARD_EVENTS, server in STANDARD_EVENTS
    if b_std != s_std:
        standard, custom = (browser, server) if b_std else (server, browser)
        return (
            f"one is the standard event {show(standard)}, the other a custom event {show(custom)}"
        )
    return "they are different events"
