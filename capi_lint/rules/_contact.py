"""What a plain email address or phone number looks like (H011, H013).

One place for the shapes, so that `external_id` (H011) and the fields outside
`user_data` (H013) judge contact data alike. The shapes are deliberately
narrow: a false "you leak personal data" costs more trust than a missed one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

#: A whole address: a dot-atom local part, hostname labels, an alphabetic TLD.
#: Narrower than RFC 5322 on purpose: no quoted local parts, no IP literals.
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24})"
)
#: File extensions that look like TLDs in asset names (`logo@2x.png`).
_FILE_SUFFIXES = frozenset(
    {"png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "css", "js", "json", "html"}
)
#: `+`, then digits with the usual separators: an international number.
_INTL_PHONE = re.compile(r"\+[\d\s().\-]{8,}")
#: Digits with separators only (a national number, e.g. under a `phone` key).
_PHONE_CHARS = re.compile(r"\+?[\d\s().\-]{7,}")
#: Member names that say "phone number" (compared on lowercased word parts).
_PHONE_WORDS = frozenset(
    {"ph", "phone", "tel", "telephone", "mobile", "cell", "cellphone", "msisdn", "whatsapp"}
)
_WORD_SPLIT = re.compile(r"[^a-z0-9]+|(?<=[a-z])(?=[A-Z])")


def is_email(text: str) -> bool:
    """``text`` (already stripped) is one complete email address."""
    if "@" not in text or len(text) > 254:
        return False
    match = _EMAIL.fullmatch(text)
    return match is not None and match.group(1).lower() not in _FILE_SUFFIXES


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def is_intl_phone(text: str) -> bool:
    """``text`` is an unmistakable international number: ``+`` and 8–15 digits."""
    return (
        text.startswith("+")
        and _INTL_PHONE.fullmatch(text) is not None
        and 8 <= _digits(text) <= 15
    )


@lru_cache(maxsize=2048)
def names_phone(key: Any) -> bool:
    """The member name says it holds a phone number (`phone`, `mobileNumber`, `tel`)."""
    if not isinstance(key, str) or len(key) > 64:
        return False
    words = {w.lower() for w in _WORD_SPLIT.split(key) if w}
    if words & _PHONE_WORDS:
        return True
    lowered = key.lower()
    return "phone" in lowered or "mobile" in lowered


def is_phone_value(value: Any) -> bool:
    """A value shaped like a phone number once its key says it is one: 7–15 digits,
    only digits and phone separators (integers included)."""
    if type(value) is int:
        return 10**6 <= abs(value) < 10**15
    if type(value) is not str:
        return False
    text = value.strip()
    return _PHONE_CHARS.fullmatch(text) is not None and 7 <= _digits(text) <= 15


def may_be_contact(key: Any, value: Any) -> bool:
    """Cheap pre-test for :func:`contact_kind` (most values fail it): an `@`, a
    leading `+`, or a member name that says phone."""
    if type(value) is str:
        return "@" in value or value.lstrip()[:1] == "+" or names_phone(key)
    return type(value) is int and names_phone(key)


def contact_kind(key: Any, value: Any) -> str | None:
    """``"email address"``, ``"phone number"`` or None for one member ``key: value``.

    An email is recognised by its value alone; a phone number by an
    international ``+`` form, or by a phone-like value under a phone-like name.
    """
    if type(value) is str:
        text = value.strip()
        if is_email(text):
            return "email address"
        if is_intl_phone(text):
            return "phone number"
    if names_phone(key) and is_phone_value(value):
        return "phone number"
    return None
