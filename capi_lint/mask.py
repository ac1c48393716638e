"""The one place that turns a value into something safe to print.

Every message that mentions a value goes through :func:`mask`: interface §2
forbids raw emails, phones, names, dates of birth, street data and tokens in
any output. A masked value keeps enough shape to recognise the mistake
(``j***@e***.com``, ``+1******1212``, ``EAA…(redacted)``) and nothing more.
"""

from __future__ import annotations

import re
from typing import Any

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_TOKEN = re.compile(r"EAA[A-Za-z0-9]{6,}")


def mask(value: Any, *, keep: int = 1) -> str:
    """A printable, non-identifying rendering of ``value``.

    Numbers, booleans and null are shown as JSON; containers by their size.
    Strings keep their first ``keep`` character, their shape (``@``, ``.``,
    ``+`` and digit groups for phones) and their last few digits at most.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _mask_number(value)
    if isinstance(value, dict):
        return f"{{object with {len(value)} keys}}"
    if isinstance(value, list):
        return f"[array of {len(value)}]"
    if not isinstance(value, str):
        return f"<{type(value).__name__}>"
    return _mask_text(value, keep)


def _mask_number(value: int | float) -> str:
    text = repr(value)
    # Long integers can be phone numbers or dates of birth written as numbers.
    if len(text) > 6:
        return text[:2] + "*" * (len(text) - 4) + text[-2:]
    return text


def _mask_text(value: str, keep: int) -> str:
    if value == "":
        return '""'
    stripped = value.strip()
    if not stripped:
        return "(whitespace)"
    if _TOKEN.match(stripped):
        return "EAA…(redacted)"
    if _HEX64.fullmatch(stripped):
        # A digest identifies nobody by itself; a short prefix helps find it.
        return stripped[:8] + "…"
    if "@" in stripped:
        local, _, domain = stripped.rpartition("@")
        host, dot, tld = domain.rpartition(".")
        if not dot:
            host, tld = domain, ""
        masked_domain = _stars(host, keep) + (f".{tld}" if dot and len(tld) <= 6 else "")
        return f"{_stars(local, keep)}@{masked_domain}"
    digits = sum(ch.isdigit() for ch in stripped)
    if digits >= 7 and digits >= len(stripped) * 0.6:
        # Phone-like: keep a leading + and country digit, and the last four digits.
        head = "+" if stripped.startswith("+") else ""
        body = [ch for ch in stripped if ch.isdigit()]
        lead = body[:1] if head else []
        tail = body[-4:] if len(body) > 8 else body[-2:]
        hidden = len(body) - len(lead) - len(tail)
        return head + "".join(lead) + "*" * max(hidden, 3) + "".join(tail)
    return _stars(stripped, keep)


def _stars(text: str, keep: int) -> str:
    if not text:
        return ""
    shown = text[:keep] if len(text) > keep + 1 else ""
    return shown + "***"


def mask_token(_value: Any) -> str:
    """Credentials never show even a prefix beyond the token family."""
    return "(redacted)"


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-/~]{0,63}")


def mask_key(key: Any) -> str:
    """A member name as it may be printed in a message.

    Keys are usually identifiers (``emial``, ``Event_Name``) and showing them
    is the point of an unknown-key or duplicate-key message, so they are kept
    as written -- unless they look like personal data or a credential: an
    ``@``, a phone-like run of digits, an ``EAA…`` token, whitespace or any
    other character an identifier does not have. Those go through :func:`mask`.
    A bare name used as a key (``"Ngozi"``) cannot be told from an identifier.
    """
    if not isinstance(key, str):
        return mask(key)
    if _IDENTIFIER.fullmatch(key) and not _TOKEN.match(key) and sum(ch.isdigit() for ch in key) < 7:
        return key
    return mask(key)


def key_pointer(parent: tuple[Any, ...], key: Any) -> tuple[Any, ...]:
    """Where a finding about member ``key`` of ``parent`` points.

    The member itself, unless the key looks like personal data or a token
    (see :func:`mask_key`): then the object that holds it, so that the key
    never appears in a JSON pointer of any output format.
    """
    return (*parent, key) if isinstance(key, str) and mask_key(key) == key else parent


_URL_HEAD = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*)([^?#]*)([?#].*)?$", re.DOTALL)


def mask_url(url: Any) -> str:
    """A URL as it may be printed: scheme, host and path, never the query.

    A page URL can carry an email or a phone in its query (``?email=…``) or in
    a path segment (``/users/jane@example.com``): the query and fragment
    become ``?…`` and a path segment that looks personal goes through
    :func:`mask`. Anything that is not an absolute URL is masked whole.
    """
    if not isinstance(url, str):
        return mask(url)
    match = _URL_HEAD.match(url.strip())
    if match is None:
        return mask(url)
    head, path, rest = match.groups()
    if "@" in head:  # user:password@host
        head = head.split("://", 1)[0] + "://" + head.rpartition("@")[2]
    segments = [_safe_segment(part) for part in path.split("/")]
    return head + "/".join(segments) + ("?…" if rest else "")


def _safe_segment(part: str) -> str:
    if not part or (mask_key(part) == part and "%40" not in part.lower()):
        return part
    return mask(part)
