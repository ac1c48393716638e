"""Small text helpers shared by the field normalisers (internal)."""

from __future__ import annotations

import unicodedata

from .errors import NormalizationError, NormalizationTypeError

_nfc = unicodedata.normalize


def as_text(field: str, value: object, *, allow_int: bool = False) -> str:
    """``value`` as a stripped ``str``; raises for wrong types and blank values.

    ``int`` (never ``bool``) is accepted and converted with ``str()`` where
    ``allow_int`` is set (ph, zp, db, dobd, dobm, doby, external_id).
    """
    if isinstance(value, str):
        text = value
    elif allow_int and isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    else:
        raise NormalizationTypeError(field)
    text = text.strip()
    if not text:
        raise NormalizationError(field, "empty")
    return text


def nfc(text: str) -> str:
    return _nfc("NFC", text) if not text.isascii() else text


def nfkc(text: str) -> str:
    """Compatibility fold (full-width digits and letters become ASCII)."""
    return _nfc("NFKC", text) if not text.isascii() else text


def lower_nfc(text: str) -> str:
    """NFC, lowercase (``str.lower``, as JavaScript's ``toLowerCase``), NFC again."""
    if text.isascii():
        return text.lower()
    return _nfc("NFC", _nfc("NFC", text).lower())


def keep_categories(text: str, prefixes: str) -> str:
    """Keep only characters whose Unicode general category starts with one of ``prefixes``.

    ``"LMN"`` keeps letters, combining marks and digits; ``"LM"`` drops digits.
    A combining mark (category M) is kept only while attached to a kept
    character, so a mark left over from a removed symbol does not survive.
    """
    if text.isascii():
        if "N" in prefixes:
            return "".join(ch for ch in text if ch.isalnum())
        return "".join(ch for ch in text if ch.isalpha())
    cat = unicodedata.category
    keep_marks = "M" in prefixes
    out: list[str] = []
    attached = False
    for ch in text:
        major = cat(ch)[0]
        if major == "M":
            if keep_marks and attached:
                out.append(ch)
            continue
        attached = major in prefixes
        if attached:
            out.append(ch)
    return "".join(out)


def ascii_digits(text: str) -> str:
    """Replace every Unicode decimal digit (Arabic-Indic, full-width, ...) by its ASCII digit."""
    if text.isascii():
        return text
    dec = unicodedata.decimal
    return "".join(str(dec(ch)) if ch.isdecimal() else ch for ch in text)
