"""capi-lint's reference normaliser for Meta's hashed customer-information keys.

One function per field kind lives in a module of this package (``email``,
``phone``, ``names``, ``location``, ``dates``, ``gender``, ``external_id``);
this module dispatches on the ``user_data`` key:

>>> normalize("em", "  John_Smith@gmail.com ")
'john_smith@gmail.com'
>>> normalize("ph", "(650)555-1212", region="us")
'16505551212'
>>> hash_value("country", "United States")
'79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621'

Everything is pure (no I/O, no mutable global state; the only caches are
``functools.lru_cache`` tables built from pycountry) and thread-safe.

Rules for every field:

* Input must be a ``str``; an ``int`` (not ``bool``) is also accepted for
  ``ph``, ``zp``, ``db``, ``dobd``, ``dobm``, ``doby`` and ``external_id`` and
  read as ``str(value)`` (note that an ``int`` ZIP has already lost any
  leading zero). Anything else raises :class:`NormalizationTypeError`
  (a :class:`NormalizationError` and a ``TypeError``, reason ``not-a-string``).
* Leading/trailing whitespace is ignored; a blank value raises ``empty``.
* Text is Unicode NFC before and after lowercasing (Meta documents UTF-8 but
  no normal form; NFC is our documented choice, §6.7).
* A value that already looks like a hex digest (64 hex with or without an
  appendix, any case; for every field but ``external_id`` also 32/40/128
  hex) raises ``already-hashed``: hashing it again would be the SDKs'
  double-hash bug. ``external_id`` may legitimately be a 32-hex UUID.
* ``region`` is an ISO 3166-1 alpha-2 code in any case (``UK`` means ``GB``);
  it is used by ``ph`` (national numbers), ``st`` and ``zp`` (US rules) and
  ignored by the other fields. An unknown region raises ``ValueError``.
* Failures raise :class:`NormalizationError` with ``.field`` and ``.reason``
  (a slug from :data:`REASONS`); the message never contains the value.
"""

from __future__ import annotations

from collections.abc import Callable

from ..hashing import HashKind, classify, sha256_hex
from ._text import as_text
from .dates import normalize_day, normalize_dob, normalize_month, normalize_year
from .errors import REASONS, NormalizationError, NormalizationTypeError
from .external_id import normalize_external_id
from .gender import normalize_gender
from .location import (
    canonical_region,
    normalize_city,
    normalize_country,
    normalize_state,
    normalize_zip,
)
from .names import normalize_first5, normalize_initial, normalize_name

__all__ = [
    "FIELDS",
    "REASONS",
    "REGION_FIELDS",
    "NormalizationError",
    "NormalizationTypeError",
    "canonical_region",
    "hash_value",
    "normalize",
    "normalize_or_reason",
]

# field -> (normaliser(text, region, field), accepts int)
_Normaliser = Callable[[str, "str | None", str], str]


# Imported on first use: email_validator compiles its grammar and phonenumbers
# loads its metadata on import (~40 ms each), and a run whose raw values hold
# no email (or no phone) should not pay for it.
def _email(text: str, region: str | None, field: str) -> str:
    from .email import normalize_email

    return normalize_email(text, field)


def _phone(text: str, region: str | None, field: str) -> str:
    from .phone import normalize_phone

    return normalize_phone(text, region, field)


_DISPATCH: dict[str, tuple[_Normaliser, bool]] = {
    "em": (_email, False),
    "ph": (_phone, True),
    "fn": (lambda t, r, f: normalize_name(t, f), False),
    "ln": (lambda t, r, f: normalize_name(t, f), False),
    "f5first": (lambda t, r, f: normalize_first5(t, f), False),
    "f5last": (lambda t, r, f: normalize_first5(t, f), False),
    "fi": (lambda t, r, f: normalize_initial(t, f), False),
    "ge": (lambda t, r, f: normalize_gender(t, f), False),
    "db": (lambda t, r, f: normalize_dob(t, f), True),
    "dobd": (lambda t, r, f: normalize_day(t, f), True),
    "dobm": (lambda t, r, f: normalize_month(t, f), True),
    "doby": (lambda t, r, f: normalize_year(t, f), True),
    "ct": (lambda t, r, f: normalize_city(t, f), False),
    "st": (normalize_state, False),
    "zp": (normalize_zip, True),
    "country": (lambda t, r, f: normalize_country(t, f), False),
    "external_id": (lambda t, r, f: normalize_external_id(t, f), True),
}

FIELDS: frozenset[str] = frozenset(_DISPATCH)
"""Every key :func:`normalize` accepts."""

REGION_FIELDS: frozenset[str] = frozenset({"ph", "st", "zp"})
"""Keys whose result depends on ``region``."""

_DIGESTS = frozenset(
    {
        HashKind.SHA256,
        HashKind.SHA256_APPENDIX,
        HashKind.SHA256_BAD_APPENDIX,
        HashKind.UPPERCASE_SHA256,
        HashKind.MD5,
        HashKind.SHA1,
        HashKind.SHA512,
    }
)
_SHA256_SHAPES = frozenset(
    {
        HashKind.SHA256,
        HashKind.SHA256_APPENDIX,
        HashKind.SHA256_BAD_APPENDIX,
        HashKind.UPPERCASE_SHA256,
    }
)


def normalize(field: str, value: str, region: str | None = None) -> str:
    """Meta's documented normalisation of ``value`` for the ``user_data`` key ``field``.

    Raises :class:`NormalizationError` (a ``ValueError``) when the value cannot
    be normalised, ``ValueError`` for an unknown ``field`` or ``region``.
    """
    entry = _DISPATCH.get(field)
    if entry is None:
        raise ValueError(f"no normalisation for field {field!r}")
    func, allow_int = entry
    code = canonical_region(region)
    text = as_text(field, value, allow_int=allow_int)
    kind = classify(text)
    if kind is not HashKind.NOT_HASH and kind in (
        _SHA256_SHAPES if field == "external_id" else _DIGESTS
    ):
        raise NormalizationError(field, "already-hashed")
    return func(text, code, field)


def normalize_or_reason(
    field: str, value: str, region: str | None = None
) -> tuple[str | None, str | None]:
    """``(normalised, None)`` or ``(None, reason_slug)``; never raises for bad values.

    Unknown ``field`` or ``region`` still raise ``ValueError`` (caller bugs).
    """
    try:
        return normalize(field, value, region), None
    except NormalizationError as exc:
        return None, exc.reason


def hash_value(field: str, value: str, region: str | None = None) -> str:
    """Lowercase hex SHA-256 of ``normalize(field, value, region)`` encoded as UTF-8."""
    return sha256_hex(normalize(field, value, region))
