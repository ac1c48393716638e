"""``ct``, ``st``, ``zp``, ``country`` and the ``region`` argument.

Meta (customer-information parameters):

* ``ct``: "lowercase only with no punctuation, no special characters, and no
  spaces" (``newyork``); UTF-8 for other scripts.
* ``st``: US: the 2-character ANSI abbreviation in lowercase (``ca``);
  outside the US: lowercase, no punctuation, special characters or spaces.
* ``zp``: lowercase, no spaces, no dash; US: first 5 digits only; UK: area,
  district and sector (Meta's example ``m11ae`` keeps the whole postcode).
* ``country``: lowercase ISO 3166-1 alpha-2 (``us``).

Decisions where Meta is silent:

* ``ct`` and non-US ``st`` keep letters and combining marks only (Unicode
  categories L, M; NFC, lowercase): digits are dropped as every Meta library
  drops them, so ``ct = "94025"`` (a ZIP in the city field) and
  ``st = "06"`` (a numeric FIPS code) raise ``empty-after-normalisation``
  instead of hashing the empty string. Non-Latin letters are kept
  (``zürich``, ``sãopaulo``), as the docs' UTF-8 note implies.
* How ``st``/``zp`` know "US": the ``region`` argument (the caller passes the
  event's ``country`` when it is readable, else ``--default-region``).
  ``region="US"``: ``st`` must be a US state/DC/territory code or name
  (pycountry ``US-XX`` subdivisions) -> 2-letter code, else
  ``unknown-us-state``; ``zp`` must be 5 or 5+4 digits -> first 5, else
  ``invalid-zip``. Another region: free-text rules, no mapping.
  ``region=None``: a full US state name (``California``, ``New York``) or an
  ISO 3166-2 code (``US-CA``) still maps to its code, any other value gets the
  free-text rule; a ZIP+4 written
  ``12345-6789`` or ``12345 6789`` is cut to 5 digits, other postcodes keep
  all letters and digits (``100-0001`` -> ``1000001``; Meta's SDKs cut at the
  first dash and produce ``100``).
* ``country`` accepts alpha-2 (any case, punctuation ignored: ``U.S.``),
  alpha-3 (``USA``), English names, official and common names from pycountry
  (``United States``, ``United States of America``, ``South Korea``), a few
  aliases (``UK``/``Great Britain``/``England``... -> ``gb``, ``UAE``), with or
  without accents (``Cote d'Ivoire``). Numeric codes and digits are rejected.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ._text import ascii_digits, keep_categories, lower_nfc, nfkc
from .errors import NormalizationError

__all__ = [
    "canonical_region",
    "normalize_city",
    "normalize_country",
    "normalize_state",
    "normalize_zip",
]


def _squash(text: str) -> str:
    """Lowercase letters only (for name lookups)."""
    return keep_categories(lower_nfc(text), "LM")


def _fold(text: str) -> str:
    """Drop combining marks (``côte`` -> ``cote``) for accent-insensitive lookups."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# --- country ----------------------------------------------------------------

_COUNTRY_ALIASES = {
    "uk": "gb",
    "greatbritain": "gb",
    "britain": "gb",
    "england": "gb",
    "scotland": "gb",
    "wales": "gb",
    "northernireland": "gb",
    "uae": "ae",
    "russia": "ru",
    "turkey": "tr",
    "czechrepublic": "cz",
    "ivorycoast": "ci",
    "capeverde": "cv",
    "macedonia": "mk",
    "swaziland": "sz",
    "burma": "mm",
    "holland": "nl",
    "vatican": "va",
    "brunei": "bn",
    "palestine": "ps",
    "micronesia": "fm",
    "easttimor": "tl",
}


@lru_cache(maxsize=1)
def _country_tables() -> tuple[frozenset[str], dict[str, str], dict[str, str]]:
    """(alpha-2 set, alpha-3 -> alpha-2, squashed name -> alpha-2), all lowercase."""
    import pycountry

    alpha2: set[str] = set()
    alpha3: dict[str, str] = {}
    names: dict[str, str] = {}
    ambiguous: set[str] = set()
    for c in pycountry.countries:
        a2 = c.alpha_2.lower()
        alpha2.add(a2)
        alpha3[c.alpha_3.lower()] = a2
        for attr in ("name", "official_name", "common_name"):
            label = getattr(c, attr, None)
            if not label:
                continue
            for key in {_squash(label), _fold(_squash(label))}:
                if names.get(key, a2) != a2:
                    ambiguous.add(key)
                names[key] = a2
    for key in ambiguous:
        del names[key]
    for key, a2 in _COUNTRY_ALIASES.items():
        names.setdefault(key, a2)
    return frozenset(alpha2), alpha3, names


def _lookup_country(squashed: str) -> str | None:
    alpha2, alpha3, names = _country_tables()
    if len(squashed) == 2:
        if squashed in alpha2:
            return squashed
        return _COUNTRY_ALIASES.get(squashed)
    if len(squashed) == 3 and squashed in alpha3:
        return alpha3[squashed]
    hit = names.get(squashed) or names.get(_fold(squashed))
    if hit is None and squashed.startswith("the"):
        hit = names.get(squashed[3:]) or names.get(_fold(squashed[3:]))
    return hit


def normalize_country(text: str, field: str = "country") -> str:
    s = nfkc(text)
    if any(ch.isdigit() for ch in s):
        raise NormalizationError(field, "unknown-country")
    squashed = _squash(s)
    code = _lookup_country(squashed) if squashed else None
    if code is None:
        raise NormalizationError(field, "unknown-country")
    return code


def canonical_region(region: str | None) -> str | None:
    """``region`` as an upper-case ISO 3166-1 alpha-2 code (``UK`` -> ``GB``).

    Raises ``ValueError`` (naming the region, which is configuration, not PII)
    for anything that is not an assigned alpha-2 code.
    """
    if region is None:
        return None
    if not isinstance(region, str):
        raise TypeError("region must be an ISO 3166-1 alpha-2 string or None")
    code = region.strip().lower()
    if code == "uk":
        code = "gb"
    if len(code) != 2 or code not in _country_tables()[0]:
        raise ValueError(f"unknown region {region!r}: expected an ISO 3166-1 alpha-2 code")
    return code.upper()


# --- city and state -----------------------------------------------------------


def normalize_city(text: str, field: str = "ct") -> str:
    result = _squash(text)
    if not result:
        raise NormalizationError(field, "empty-after-normalisation")
    return result


@lru_cache(maxsize=1)
def _us_states() -> tuple[frozenset[str], dict[str, str]]:
    """(2-letter codes, squashed name -> code), lowercase."""
    import pycountry

    codes: set[str] = set()
    names: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code="US"):
        code = sub.code.split("-", 1)[1].lower()
        codes.add(code)
        names[_squash(sub.name)] = code
    # Common spellings pycountry does not list.
    names.setdefault("washingtondc", "dc")
    names.setdefault("usvirginislands", "vi")
    names.setdefault("virginislands", "vi")
    return frozenset(codes), names


_ISO_US_SUBDIVISION = re.compile(r"us[-_ ]?([a-z]{2})", re.IGNORECASE)


def normalize_state(text: str, region: str | None = None, field: str = "st") -> str:
    squashed = _squash(text)
    m = _ISO_US_SUBDIVISION.fullmatch(text) if region in ("US", None) else None
    if m is not None and m[1].lower() in _us_states()[0]:
        return m[1].lower()  # ISO 3166-2 form "US-CA"
    if region == "US":
        codes, names = _us_states()
        if squashed in codes:
            return squashed
        code = names.get(squashed)
        if code is None:
            raise NormalizationError(field, "unknown-us-state")
        return code
    if not squashed:
        raise NormalizationError(field, "empty-after-normalisation")
    if region is None:
        code = _us_states()[1].get(squashed)
        if code is not None:
            return code
    return squashed


# --- zip / postal code ------------------------------------------------------------

_US_ZIP_PLUS4 = re.compile(r"(\d{5})[\s\-\u2010-\u2015\u2212]+\d{4}")
_US_ZIP = re.compile(r"(\d{5})(?:\d{4})?")


def normalize_zip(text: str, region: str | None = None, field: str = "zp") -> str:
    s = ascii_digits(nfkc(text))
    if region is None:
        m = _US_ZIP_PLUS4.fullmatch(s)
        if m is not None:
            return m.group(1)
    compact = keep_categories(lower_nfc(s), "LN")
    if not compact:
        raise NormalizationError(field, "empty-after-normalisation")
    if region == "US":
        m = _US_ZIP.fullmatch(compact)
        if m is None:
            raise NormalizationError(field, "invalid-zip")
        return m.group(1)
    return compact
