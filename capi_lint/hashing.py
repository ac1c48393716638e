"""Classify values of hashed ``user_data`` keys and hold the closed hash sets.

Everything here runs on every ``user_data`` value of every event, so the
functions are small: precompiled regular expressions, ``frozenset`` lookups
and no allocation beyond the match object.

Conventions (``rules.md``, "valid hash"; ``requirements.md`` §5.7, §6):

* A **valid hash** is 64 lowercase hex characters, optionally followed by a
  param-builder appendix ``.`` + a 2- or 8-character base64url token.
* Nothing is trimmed or lowercased before classification: ``" <hash>"`` is
  :attr:`HashKind.NOT_HASH` and ``"<HASH>"`` is
  :attr:`HashKind.UPPERCASE_SHA256`; the rules decide what to say about it.
* 32/40/128 hex characters (MD5, SHA-1, SHA-512) are recognised in any case,
  with or without a *valid* appendix (the param builder passes an MD5 through
  and appends one); with any other suffix they are :attr:`HashKind.NOT_HASH`.

The country and US-state hash sets need ``pycountry``'s tables (the country
codes are read from its data file, without its slow import), so they are
built on first use (:func:`country_hashes`,
:func:`us_state_hashes`); ``COUNTRY_HASHES`` and ``US_STATE_HASHES`` are also
available as lazily computed module attributes.
"""

from __future__ import annotations

import enum
import hashlib
import re
from functools import lru_cache
from pathlib import Path

__all__ = [
    "EMPTY_SHA256",
    "GENDER_HASHES",
    "PLACEHOLDERS",
    "PLACEHOLDER_HASHES",
    "HashKind",
    "appendix_part",
    "classify",
    "country_codes",
    "country_from_hash",
    "country_hashes",
    "hash_part",
    "is_appendix",
    "is_valid_hash",
    "sha256_hex",
    "us_state_hashes",
]


def sha256_hex(text: str) -> str:
    """Lowercase hex SHA-256 of ``text`` encoded as UTF-8 (no normalisation)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


EMPTY_SHA256 = sha256_hex("")
"""``e3b0c442…b855``: what Meta's SDKs send when normalisation empties a value."""


class HashKind(enum.Enum):
    """What a value of a hashed field looks like."""

    SHA256 = "sha256"
    """64 lowercase hex characters."""
    SHA256_APPENDIX = "sha256-appendix"
    """64 lowercase hex + ``.`` + 2- or 8-character base64url appendix."""
    SHA256_BAD_APPENDIX = "sha256-bad-appendix"
    """64 lowercase hex + ``.`` + any other suffix (also an empty one)."""
    UPPERCASE_SHA256 = "uppercase-sha256"
    """64 hex characters containing ``A``–``F``, with or without a suffix."""
    MD5 = "md5"
    """32 hex characters (any case), optionally with a valid appendix."""
    SHA1 = "sha1"
    """40 hex characters (any case), optionally with a valid appendix."""
    SHA512 = "sha512"
    """128 hex characters (any case), optionally with a valid appendix."""
    NOT_HASH = "not-hash"
    """Anything else (raw values, hashes with whitespace around them, ...)."""


#: The parameter builder's appendix token: 2 (v1) or 8 (v2) base64url
#: characters. The one definition: hashes, fbc/fbp, the fbclid of a URL and
#: client_ip_address all accept ``.<token>`` at their end (rules.md, "valid hash";
#: Meta's customer-information page: the builder adds "an additional appendix
#: at the end of each param").
_APPENDIX_TOKEN = r"[A-Za-z0-9_-]{2}|[A-Za-z0-9_-]{8}"
_LOWER64 = re.compile(r"[0-9a-f]{64}")
_HEX64 = re.compile(r"[0-9A-Fa-f]{64}")
_LOWER64_APPENDIX = re.compile(rf"[0-9a-f]{{64}}\.(?:{_APPENDIX_TOKEN})")
# hex run, then optionally "." and a suffix (the suffix may contain anything).
_HEX_THEN_SUFFIX = re.compile(r"([0-9A-Fa-f]+)(?:\.(.*))?", re.DOTALL)
_APPENDIX = re.compile(_APPENDIX_TOKEN)
_OTHER_DIGESTS = {32: HashKind.MD5, 40: HashKind.SHA1, 128: HashKind.SHA512}
_VALID_KINDS = frozenset({HashKind.SHA256, HashKind.SHA256_APPENDIX})


def classify(value: str) -> HashKind:
    """Classify ``value`` (see the module docstring for the exact shapes)."""
    if not isinstance(value, str):
        return HashKind.NOT_HASH
    # Fast path: the overwhelmingly common correct value.
    n = len(value)
    if n == 64 and _LOWER64.fullmatch(value):
        return HashKind.SHA256
    if (n == 67 or n == 73) and _LOWER64_APPENDIX.fullmatch(value):
        return HashKind.SHA256_APPENDIX
    m = _HEX_THEN_SUFFIX.fullmatch(value)
    if m is None:
        return HashKind.NOT_HASH
    hexpart, suffix = m.group(1), m.group(2)
    n = len(hexpart)
    if n == 64:
        if not hexpart.islower() and not hexpart.isdigit():
            return HashKind.UPPERCASE_SHA256
        if suffix is None:  # pragma: no cover - the fast path took it
            return HashKind.SHA256
        if _APPENDIX.fullmatch(suffix):
            return HashKind.SHA256_APPENDIX
        return HashKind.SHA256_BAD_APPENDIX
    kind = _OTHER_DIGESTS.get(n)
    if kind is not None and (suffix is None or _APPENDIX.fullmatch(suffix)):
        return kind
    return HashKind.NOT_HASH


def is_appendix(token: str) -> bool:
    """True if ``token`` (the text after the last ``.``) is a parameter-builder appendix."""
    return _APPENDIX.fullmatch(token) is not None


def is_valid_hash(value: str) -> bool:
    """True for :attr:`HashKind.SHA256` and :attr:`HashKind.SHA256_APPENDIX`."""
    return classify(value) in _VALID_KINDS


def hash_part(value: str) -> str | None:
    """The 64-hex part of a value shaped ``<64 hex>[.<suffix>]``, as written.

    Returned for SHA256, SHA256_APPENDIX, SHA256_BAD_APPENDIX and
    UPPERCASE_SHA256 values (case is kept: lowercase it to look it up in the
    sets below); ``None`` for anything else.
    """
    if not isinstance(value, str):
        return None
    if len(value) == 64:
        return value if _HEX64.fullmatch(value) else None
    if len(value) > 64 and value[64] == "." and _HEX64.match(value):
        return value[:64]
    return None


def appendix_part(value: str) -> str | None:
    """The suffix after ``<64 hex>.`` (valid or not), or ``None`` if there is none."""
    if hash_part(value) is None or len(value) == 64:
        return None
    return value[65:]


PLACEHOLDERS: tuple[str, ...] = (
    "null",
    "undefined",
    "none",
    "nan",
    "0",
    "false",
    "true",
    "n/a",
    "na",
    "unknown",
    "test",
    "[object object]",
)
"""Values that stand for "no data" (already lowercased, as normalisation leaves them)."""


def _placeholder_forms() -> frozenset[str]:
    forms = set(PLACEHOLDERS)
    # Name/city normalisation also removes punctuation and spaces:
    # "n/a" -> "na", "[object object]" -> "objectobject".
    forms.update("".join(ch for ch in p if ch.isalnum()) for p in PLACEHOLDERS)
    forms.discard("")
    return frozenset(forms)


PLACEHOLDER_HASHES: frozenset[str] = frozenset(sha256_hex(p) for p in _placeholder_forms())
"""SHA-256 of each placeholder, plus of its punctuation-free form (``objectobject``)."""

GENDER_HASHES: frozenset[str] = frozenset({sha256_hex("m"), sha256_hex("f")})
"""The only two valid hashes of ``ge``."""


@lru_cache(maxsize=1)
def _country_hash_map() -> dict[str, str]:
    return {sha256_hex(code.lower()): code.lower() for code in country_codes()}


def country_codes() -> list[str]:
    """Every ISO 3166-1 alpha-2 code (uppercase), as pycountry lists them.

    Read from pycountry's data file without importing pycountry: its import
    (its version look-up through importlib.metadata, logging, every database)
    costs more than the rest of a first ``capi_lint.check`` of an event with a
    hashed ``country``. ``importlib.util.find_spec`` locates a top-level
    package without running it. Should pycountry move its data, its API
    answers instead.
    """
    from importlib.util import find_spec

    spec = find_spec("pycountry")
    for folder in (spec.submodule_search_locations or ()) if spec else ():
        try:
            import orjson

            entries = orjson.loads((Path(folder) / "databases" / "iso3166-1.json").read_bytes())
            codes = [entry["alpha_2"] for entry in entries["3166-1"]]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if codes and all(isinstance(code, str) and len(code) == 2 for code in codes):
            return codes
    import pycountry

    return [c.alpha_2 for c in pycountry.countries]


def country_hashes() -> frozenset[str]:
    """SHA-256 of every lowercase ISO 3166-1 alpha-2 code (pycountry), cached."""
    return _country_hashes()


@lru_cache(maxsize=1)
def _country_hashes() -> frozenset[str]:
    return frozenset(_country_hash_map())


def country_from_hash(value: str) -> str | None:
    """The alpha-2 code (lowercase) whose SHA-256 is ``value``, if any.

    Accepts the appendix form and uppercase hex; lets a rule learn that a
    hashed ``country`` is ``us`` (US context for ``st``/``zp``).
    """
    part = hash_part(value)
    if part is None:
        return None
    return _country_hash_map().get(part.lower())


@lru_cache(maxsize=1)
def us_state_hashes() -> frozenset[str]:
    """SHA-256 of the lowercase 2-letter code of every US subdivision in pycountry.

    That is the 50 states, DC and the outlying areas (``pr``, ``gu``, ``vi``,
    ``as``, ``mp``, ``um``).
    """
    import pycountry

    return frozenset(
        sha256_hex(s.code.split("-", 1)[1].lower())
        for s in pycountry.subdivisions.get(country_code="US")
    )


def __getattr__(name: str) -> frozenset[str]:
    # PEP 562: COUNTRY_HASHES / US_STATE_HASHES computed on first access.
    if name == "COUNTRY_HASHES":
        return country_hashes()
    if name == "US_STATE_HASHES":
        return us_state_hashes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
