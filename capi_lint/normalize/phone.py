"""``ph``: digits only, with the country code, no ``+`` (via ``phonenumbers``).

Meta: "Remove symbols, letters, and any leading zeros. Phone numbers must
include a country code ... even if all of your data is from the same
country." Meta's vector: US ``(650)555-1212`` -> ``16505551212``.

How a value is read:

1. NFKC (full-width digits and ``＋`` become ASCII), then a leading ``tel:``
   and a trailing extension (``ext 12``, ``x12``, ``#12``, ``;ext=12``) are
   dropped -- Meta matches the subscriber number, not the extension.
2. What remains may hold only digits, spaces, ``+ - . ( ) /`` (and Unicode
   dashes); any other
   letter or symbol -> ``invalid-phone`` (vanity numbers are not converted).
3. International form: a leading ``+`` or ``00``. The number must be valid
   for its country code (``phonenumbers.is_valid_number``). A kept trunk zero
   (``+44 (0)20 7946 0958``) is removed by phonenumbers -> ``442079460958``;
   Italy's significant leading zero is kept.
4. Otherwise the number has no international prefix. It is accepted
   without a region only if its digits already start with a country code and
   form a valid number for it (``16505551212``, ``442079460958``) -- except
   ten digits that are also a valid NANP number without the ``1``
   (``6505551212``), and anything starting with a trunk ``0``: those raise
   ``no-country-code`` rather than guess. With a region (ISO alpha-2, e.g. from
   ``--default-region``) the number is read as a national number of that
   region first (``phonenumbers.parse(value, region)``, which also understands
   the region's own international prefix such as US ``011``).
5. Fewer than seven or more than seventeen digits -> ``invalid-phone``.

The result is E.164 without the ``+``.
"""

from __future__ import annotations

import re

import phonenumbers

from ._text import nfkc
from .errors import NormalizationError

__all__ = ["normalize_phone"]

_TEL = re.compile(r"tel:\s*", re.IGNORECASE)
_EXTENSION = re.compile(
    r"\s*(?:;\s*ext\s*=|,?\s*(?:ext(?:ension)?|x)\.?:?|#)\s*\d{1,7}\s*\Z", re.IGNORECASE
)
_ALLOWED = re.compile(r"\(?\+?[\d\s().\-/\u2010-\u2015\u2212]*")
_NON_DIGIT = re.compile(r"\D")
_E164 = phonenumbers.PhoneNumberFormat.E164


def _valid_e164(text: str, region: str | None) -> str | None:
    """E.164 digits (no ``+``) if phonenumbers parses ``text`` as a valid number."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, _E164)[1:]


def normalize_phone(text: str, region: str | None = None, field: str = "ph") -> str:
    """Normalise a stripped, non-empty string; ``region`` is an upper-case alpha-2 or None."""
    s = nfkc(text)
    if s[:4].lower() == "tel:":
        s = _TEL.sub("", s, count=1)
    s = _EXTENSION.sub("", s).strip()
    if not s or not _ALLOWED.fullmatch(s) or s.count("+") > 1:
        raise NormalizationError(field, "invalid-phone")
    digits = _NON_DIGIT.sub("", s)
    if not 7 <= len(digits) <= 17:
        raise NormalizationError(field, "invalid-phone")

    if "+" in s or digits.startswith("00"):
        intl = digits[2:] if "+" not in s else digits
        result = _valid_e164("+" + intl, None)
        if result is None:
            raise NormalizationError(field, "invalid-phone")
        return result

    if region is not None and region in phonenumbers.SUPPORTED_REGIONS:
        result = _valid_e164(s, region)
        if result is not None:
            return result
        if not digits.startswith("0"):
            result = _valid_e164("+" + digits, None)
            if result is not None:
                return result
        raise NormalizationError(field, "invalid-phone")

    if digits.startswith("0"):
        raise NormalizationError(field, "no-country-code")
    if len(digits) == 10 and _valid_e164("+1" + digits, None) is not None:
        raise NormalizationError(field, "no-country-code")
    result = _valid_e164("+" + digits, None)
    if result is None:
        raise NormalizationError(field, "no-country-code")
    return result
