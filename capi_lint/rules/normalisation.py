"""N — normalisation of raw values in hashed fields.

The N rules judge raw values: in `--pii hashed` mode the values H001 reports
(a raw value where a hash belongs), in `--pii raw` mode every value of a
hashed field that is not already a digest. They use capi-lint's reference
normaliser (:mod:`capi_lint.normalize`) and say what the value would
normalise to, always masked.

All N findings of an event are computed at once, the first time one of the
rules asks, and kept with the event's :class:`~capi_lint.rules._userdata.UserData`.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from functools import lru_cache
from typing import Any

from capi_lint.context import Context
from capi_lint.hashing import HashKind
from capi_lint.model import Hit, Severity
from capi_lint.registry import NeedsNow, Scope, rule
from capi_lint.rules._userdata import (
    ANALYSE_NAMES,
    analyse,
    is_digest,
    label,
    normalise,
    us_context,
)
from capi_lint.rules._util import mask, reference_time
from capi_lint.tiers import Condition

_NFC_FIELDS = frozenset({"fn", "ln", "ct", "st", "em", "f5first", "f5last"})
_NAME_LIKE = frozenset({"fn", "ln", "f5first", "f5last", "fi", "ct"})
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_PHONE_OK = frozenset("0123456789+() " + _DASHES)
_PHONE_EXT = re.compile(
    r"(?:;\s*ext\s*=|,?\s*(?:ext(?:ension)?|x)\.?:?|#)\s*\d{1,7}\s*\Z", re.IGNORECASE
)
_ZIP_SEP = re.compile("[\\s" + re.escape(_DASHES) + "]")
_SPLIT_DOB = {"dobd": "day (01–31)", "dobm": "month (01–12)", "doby": "year (YYYY)"}
_DOB_REASON = {
    "ambiguous-date": "its day/month order (or two-digit year) is ambiguous",
    "incomplete-date": "it lacks a day or a month",
    "invalid-date": "it is not a valid calendar date",
    "year-out-of-range": "its year is before 1900",
}


def _would(norm: str | None) -> str:
    return f"; it would normalise to {mask(norm)}" if norm else ""


def _not_nfc(value: str) -> bool:
    return not value.isascii() and not unicodedata.is_normalized("NFC", value)


@lru_cache(maxsize=16)
def _today(now: int) -> str:
    return _dt.datetime.fromtimestamp(now, _dt.timezone.utc).strftime("%Y%m%d")


# --------------------------------------------------------------------------- per field

Found = dict[str, tuple[str, str]]


def _email(value: str, found: Found) -> str | None:
    norm, reason = normalise("em", value, None)
    if reason != "invalid-email":
        return norm
    s = value.strip()
    low = s.lower()
    if low.startswith("mailto:"):
        hint = "starts with `mailto:`"
    elif "<" in s or ">" in s:
        hint = "is wrapped in `<…>` or has a display name"
    elif any(ch.isspace() for ch in s):
        hint = "contains spaces"
    elif s.count("@") > 1:
        hint = "has more than one `@`"
    elif "@" not in s:
        hint = "has no `@`"
    elif s.endswith("."):
        hint = "ends with a dot"
    elif "." not in s.rpartition("@")[2]:
        hint = "has a domain without a TLD"
    else:
        hint = "is not a valid address"
    found["N001"] = (
        f"{hint}: not an email address Meta can match ({mask(value)})",
        "send the bare address, local@domain.tld",
    )
    return None


def _phone_junk(value: str) -> list[str]:
    kinds: list[str] = []
    s = value.strip()
    if s[:4].lower() == "tel:":
        kinds.append("a `tel:` prefix")
        s = s[4:]
    m = _PHONE_EXT.search(s)
    if m is not None:
        kinds.append("an extension")
        s = s[: m.start()]
    seen: set[str] = set()
    for ch in s:
        if ch in _PHONE_OK:
            continue
        if ch.isalpha():
            what = "letters"
        elif ch == ".":
            what = "dots"
        elif not ch.isascii() and (ch.isdigit() or unicodedata.normalize("NFKC", ch) in _PHONE_OK):
            what = "non-ASCII (e.g. full-width) digits or signs"
        elif ch.isspace():
            continue
        else:
            what = "other symbols"
        if what not in seen:
            seen.add(what)
            kinds.append(what)
    return kinds


def _trunk_zero(value: str, norm: str) -> bool:
    """`+44 (0)20…`: the digits as written keep a national 0 after the country code."""
    s = value.strip()
    digits = "".join(ch for ch in s if ch.isdigit())
    if "+" not in s:
        if not digits.startswith("00"):
            return False
        digits = digits[2:]
    if digits == norm or len(digits) != len(norm) + 1:
        return False
    for k in (1, 2, 3):
        if digits[:k] == norm[:k] and digits[k] == "0" and digits[k + 1 :] == norm[k:]:
            return True
    return False


def _phone(value: str, ud: Any, ctx: Context, found: Found) -> None:
    junk = _phone_junk(value)
    if junk:
        found["N003"] = (
            f"contains {', '.join(junk)} ({mask(value)}), which normalisers treat inconsistently",
            "send digits with the country code only, e.g. +16505551212",
        )
    norm, reason = normalise("ph", value, None)
    if reason == "no-country-code":
        region = ud.region(ctx)
        if region is None:
            found["N002"] = (
                f"has no country code ({mask(value)}) and no region is known (the event's "
                "`country` or --default-region), so it is not normalised; Meta requires the "
                "country code even if all data is from one country",
                "write the number in international form (+<country code>…), "
                "or set --default-region",
            )
            return
        in_region, _why = normalise("ph", value, region)
        if in_region is None:
            found["N002"] = (
                f"has no country code ({mask(value)}) and is not a valid {region} number either",
                "write the number in international form (+<country code>…)",
            )
            return
        found["N002"] = (
            f"has no country code ({mask(value)}); read as a {region} number it would "
            f"normalise to {mask(in_region)}, but Meta's libraries hash it without the "
            "country code",
            "write the number in international form (+<country code>…)",
        )
    elif reason == "invalid-phone":
        if "N003" not in found:
            found["N002"] = (
                f"is not a valid phone number for its country code ({mask(value)}): wrong "
                "length or an unassigned range",
                "send the full international number, +<country code><number>",
            )
    elif norm is not None and _trunk_zero(value, norm):
        found["N002"] = (
            f"keeps the national trunk 0 after the country code ({mask(value)}); it normalises "
            f"to {mask(norm)}, but Meta's libraries keep the 0",
            "drop the (0) after the country code",
        )


def _state(value: str, ud: Any, ctx: Context, found: Found) -> str | None:
    s = value.strip()
    two_letters = len(s) == 2 and s.isalpha()
    if us_context(ud, ctx):
        norm, reason = normalise("st", value, "US")
        if reason == "unknown-us-state":
            found["N004"] = (
                f"is not a US state code or name ({mask(value)}) in a US event",
                "send the two-letter state code, e.g. `ca`",
            )
            return None
        if norm is not None and not two_letters:
            found["N004"] = (
                f"is not the two-letter state code{_would(norm)}",
                "send the two-letter state code, e.g. `ca`",
            )
            return None
        return norm
    region = ud.region(ctx)
    norm, reason = normalise("st", value, region)
    if any(not (ch.isalnum() or unicodedata.category(ch)[0] == "M") for ch in s):
        found["N004"] = (
            f"contains spaces or punctuation{_would(norm)}",
            "send the region as lowercase letters only (US: the two-letter code)",
        )
        return None
    if region is None and norm is not None and len(norm) == 2 and not two_letters:
        found["N004"] = (
            f"is a US state name, not the two-letter code{_would(norm)}",
            "send the two-letter state code, e.g. `ca`",
        )
        return None
    if reason == "empty-after-normalisation":
        found["N010"] = ("normalises to nothing (no letters left)", "leave the key out")
        return None
    return norm


def _zip(value: str, ud: Any, ctx: Context, found: Found) -> str | None:
    s = value.strip()
    us = us_context(ud, ctx)
    norm, reason = normalise("zp", value, "US" if us else ud.region(ctx))
    if _ZIP_SEP.search(s):
        found["N008"] = (
            f"contains spaces or a dash{_would(norm)}",
            "remove spaces and dashes (US: the first 5 digits only)",
        )
        return None
    if us and (reason == "invalid-zip" or (s.isdigit() and len(s) > 5)):
        found["N008"] = (
            f"is not a 5-digit US ZIP code{_would(norm)}",
            "send the first 5 digits of the ZIP code",
        )
        return None
    if reason == "empty-after-normalisation":
        found["N010"] = ("normalises to nothing", "leave the key out")
        return None
    return norm


def _country(value: str, found: Found) -> str | None:
    s = value.strip()
    norm, reason = normalise("country", value, None)
    if reason is not None:
        found["N005"] = (
            f"is not an ISO 3166-1 country code or name ({mask(value)})",
            "send the lowercase two-letter ISO code, e.g. `us`",
        )
        return None
    if not (len(s) == 2 and s.isascii() and s.isalpha() and s.lower() == norm):
        found["N005"] = (
            f"is not a two-letter ISO 3166-1 code{_would(norm)}",
            "send the lowercase two-letter ISO code, e.g. `us`",
        )
        return None
    return norm


def _gender(value: str, found: Found) -> str | None:
    norm, reason = normalise("ge", value, None)
    if value.strip().lower() in ("m", "f"):
        return norm
    if reason is not None:
        found["N007"] = ("is neither `m` nor `f`; Meta documents no other value", "send m or f")
    else:
        found["N007"] = (f"is not `m` or `f`{_would(norm)}", "send m or f")
    return None


def _dob(value: str, ctx: Context, found: Found) -> str | None:
    s = value.strip()
    norm, reason = normalise("db", value, None)
    if reason is not None:
        why = _DOB_REASON.get(reason, "it is not a valid date")
        found["N006"] = (f"is not a valid YYYYMMDD date: {why}", "send the date as YYYYMMDD")
        return None
    if norm is not None and ctx.now is not None and norm > _today(ctx.now):
        found["N006"] = (
            f"is a date after the reference time {reference_time(ctx.now)}",
            "send the date of birth as YYYYMMDD",
        )
        return None
    if not (len(s) == 8 and s.isascii() and s.isdigit()):
        found["N006"] = (f"is not written as YYYYMMDD{_would(norm)}", "send the date as YYYYMMDD")
        return None
    return norm


def _dob_part(key: str, value: str, ctx: Context, found: Found) -> str | None:
    norm, reason = normalise(key, value, None)
    what = _SPLIT_DOB[key]
    if reason is not None:
        found["N006"] = (f"is not a valid {what}", f"send the {what.split(' ')[0]} as digits")
        return None
    if key == "doby" and norm is not None and ctx.now is not None and norm > _today(ctx.now)[:4]:
        found["N006"] = (
            f"is a year after the reference time {reference_time(ctx.now)}",
            "send the year of birth",
        )
        return None
    return norm


def _check_value(key: str, value: str, ud: Any, ctx: Context) -> Found:
    found: Found = {}
    norm: str | None
    if key == "em":
        norm = _email(value, found)
    elif key == "ph":
        _phone(value, ud, ctx, found)
        return found  # phone formatting is N002/N003's, never N010's
    elif key in _NAME_LIKE:
        norm, reason = normalise(key, value, None)
        if reason == "empty-after-normalisation":
            left = "letters" if key == "ct" else "letters or digits"
            found["N010"] = (f"normalises to nothing (no {left} left)", "leave the key out")
    elif key == "st":
        norm = _state(value, ud, ctx, found)
    elif key == "zp":
        norm = _zip(value, ud, ctx, found)
    elif key == "country":
        norm = _country(value, found)
    elif key == "ge":
        norm = _gender(value, found)
    elif key == "db":
        norm = _dob(value, ctx, found)
    elif key in _SPLIT_DOB:
        norm = _dob_part(key, value, ctx, found)
    else:  # pragma: no cover - every hashed field is handled above
        return found
    if key in _NFC_FIELDS and _not_nfc(value):
        found["N009"] = (
            f"is not in Unicode NFC (decomposed accents){_would(norm)}",
            "convert the text to NFC before hashing (unicodedata.normalize('NFC', …))",
        )
    if not found and norm is not None and norm != value:
        found["N010"] = (
            f"is not normalised ({_change(key, value, norm)}){_would(norm)}",
            "normalise it as Meta documents before hashing",
        )
    return found


def _change(key: str, value: str, norm: str) -> str:
    parts = []
    s = value.strip()
    if s != value:
        parts.append("whitespace around it")
    if s != s.lower():
        parts.append("uppercase letters")
    if key in _NAME_LIKE and any(not ch.isalnum() for ch in s):
        parts.append("spaces or punctuation")
    return ", ".join(parts) or "it differs from its normalised form"


def _get(ud: Any, ctx: Context, code: str) -> list[Hit] | None:
    """The hits of N rule ``code`` for this event; all N rules are computed on first use."""
    found = ud.n_hits
    if found is None:
        found = {}
        for key, where, value, kind in ud.hashed:
            if kind is not HashKind.NOT_HASH or is_digest(value.strip()):
                continue
            for n_code, (problem, fix) in _check_value(key, value, ud, ctx).items():
                found.setdefault(n_code, []).append(Hit(where, f"{label(where)} {problem}", fix))
        ud.n_hits = found
    return found.get(code)


# --------------------------------------------------------------------------- rules

#: Every N rule judges raw values only: it might report only when some hashed
#: field holds a value that is no digest (``UserData.has_raw``, false on
#: hashed traffic). ``analyse`` is the per-event walk the U and H rules share.
_HAS_RAW = Condition("_analyse(event, ctx).has_raw", names=ANALYSE_NAMES)


def _raw_in(*keys: str) -> Condition:
    """``_HAS_RAW`` for a rule that judges only ``keys``: a dict lookup first, as
    most events lack them (no call then)."""
    present = " or ".join(f"{key!r} in user_data" for key in keys)
    return Condition(
        f"type(user_data) is dict and ({present}) and _analyse(event, ctx).has_raw",
        names=ANALYSE_NAMES,
    )


@rule("N001", "email-invalid", Severity.WARNING, Scope.EVENT, when=_HAS_RAW)
def email_invalid(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A raw `em` is not an email address Meta can match.

    ## What it does
    Reports a raw `em` that is not `local@domain.tld` after trimming and
    lowercasing: spaces inside, `mailto:`, `<…>` display forms, two `@`, a
    trailing dot, no TLD, special-use domains (`.test`, `localhost`).
    Plus-addressing, subdomains, IDN domains pass; uppercase is N010's.
    Judges raw values (hashed mode: values H001 reports; `--pii raw`: every
    value that is not a digest), item by item for lists.

    ## Why is this bad?
    The hash of a malformed address matches nobody: Meta hashes the address as
    written and compares digests.

    ## Example
    ```json
    {"user_data": {"em": "mailto:john_smith@gmail.com"}}
    ```

    ## Fix
    Send the bare address (trimmed, lowercased), then hash it.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: stated in Meta's documentation; reported by third parties.
    """
    ud = analyse(event, ctx)
    return _get(ud, ctx, "N001") if ud.has_raw else None


@rule("N002", "phone-not-international", Severity.WARNING, Scope.EVENT, when=_raw_in("ph"))
def phone_not_international(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A raw `ph` has no country code, or is not a valid international number.

    ## What it does
    Reports a raw `ph` without a country code: no `+`/`00` prefix and a
    national pattern (a leading trunk `0`, ten NANP digits without the `1`).
    When a region is known — the event's own `country`, else
    `--default-region` / `default-region` — the message says what the number
    would normalise to in that region; without one it is reported and never
    guessed. Also reports a kept trunk zero after the country code
    (`+44 (0)20…`, which naive normalisers turn into `4402…`) and numbers that
    are not valid for their country code. `+`/`00`-prefixed numbers without a
    trunk zero, and digit strings that already start with a valid country code
    and have a valid length for it, pass. Judges raw values (hashed mode:
    values H001 reports; `--pii raw`: every value that is not a digest).

    ## Why is this bad?
    Meta requires the country code "even if all of your data is from the same
    country"; its SDKs and the param builder hash the digits as written, so
    `(650)555-1212` becomes `6505551212`, which matches nobody. A known
    region does not help: the libraries do not add the code.

    ## Example
    ```json
    {"user_data": {"ph": "(650) 555-1212", "country": "us"}}
    ```

    ## Fix
    Store and send numbers in international form (`+16505551212`).

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: stated in Meta's documentation; seen in Meta's own code (the Business SDK's
      normalisation).
    """
    ud = analyse(event, ctx)
    return _get(ud, ctx, "N002") if ud.has_raw else None


@rule("N003", "phone-junk", Severity.INFO, Scope.EVENT, when=_raw_in("ph"))
def phone_junk(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A raw `ph` contains letters, an extension, `tel:`, dots or non-ASCII digits.

    ## What it does
    Reports a raw `ph` with letters (vanity numbers), an extension (`ext 12`,
    `x12`, `#12`), a `tel:` prefix, dots, non-ASCII digits (full-width,
    Arabic-Indic) or other symbols. Spaces, `-`, `(`, `)` and a leading `+`
    pass: Meta documents them as removable. Judges raw values (hashed mode:
    values H001 reports; `--pii raw`: every value that is not a digest).

    ## Why is this bad?
    Normalisers differ on these: Meta's SDKs drop every non-digit (an
    extension's digits are kept and the number no longer matches), others
    reject the value or keep the letters.

    ## Example
    ```json
    {"user_data": {"ph": "tel:+1-650-555-1212;ext=12"}}
    ```

    ## Fix
    Send only the digits with the country code: `+16505551212`.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: stated in Meta's documentation; seen in Meta's own code (the Business SDK's
      normalisation).
    """
    ud = analyse(event, ctx)
    return _get(ud, ctx, "N003") if ud.has_raw else None


@rule("N004", "state-not-code", Severity.WARNING, Scope.EVENT, when=_raw_in("st"))
def state_not_code(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A raw `st` is not a two-letter state code (US) or has spaces/punctuation.

    ## What it does
    In a US event (the event's `country` is `us`, else `--default-region US`,
    else a raw ZIP+4 such as `94025-1234`), reports a raw `st` that is a full
    state name (`California`, `New York`) or not a US state at all. In any
    event, reports an `st` with spaces or punctuation (`Île-de-France`,
    `N.Y.`), and (no region known) a US state name. Two-letter codes in either
    case pass (N010 covers case), as do non-US free-text regions without
    punctuation (`bayern`). A 5-digit ZIP alone is not US context (many
    countries use 5-digit postcodes). Judges raw values (hashed mode: values
    H001 reports; `--pii raw`: every value that is not a digest).

    ## Why is this bad?
    Meta wants the 2-character ANSI abbreviation for US states and lowercase
    letters without punctuation or spaces elsewhere; any other form hashes to
    a value nobody matches.

    ## Example
    ```json
    {"user_data": {"st": "California", "country": "us"}}
    ```

    ## Fix
    US: send the two-letter code (`ca`); elsewhere: lowercase letters only.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: stated in Meta's documentation.
    """
    ud = analyse(event, ctx)
    return _get(ud, ctx, "N004") if ud.has_raw else None


@rule("N005", "country-not-alpha2", Severity.WARNING, Scope.EVENT, when=_raw_in("country"))
def country_not_alpha2(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A raw `country` is not an ISO 3166-1 alpha-2 code.

    ## What it does
    Reports a raw `country` that is not an assigned two-letter ISO 3166-1
    code: `USA`, `UK` (the code is `GB`), `United States`, `U.S.`, `XX`. The
    message says which code it would normalise to when it can tell. Any
    assigned alpha-2 code in either case passes (N010 covers case). Judges
    raw values (hashed mode: values H001 reports; `--pii raw`: every value
    that is not a digest).

    ## Why is this bad?
    Meta wants the lowercase alpha-2 code; a name or alpha-3 code hashes to a
    value nobody matches.

    ## Example
    ```json
    {"user_data": {"country": "USA"}}
    ```

    ## Fix
    Send the two-letter code, lowercase (`us`, `gb`).

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: stated in Meta's documentation.
    """
    ud = analyse(event, ctx)
    return _get(ud, ctx, "N005") if ud.has_raw else None


@rule(
    "N006",
    "dob-not-yyyymmdd",
    Severity.WARNING,
    Scope.EVENT,
    needs_now=NeedsNow.PARTLY,
    when=_raw_in("db", "dobd", "dobm", "doby"),
)
def dob_not_yyyymmdd(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A raw `db` is not a `YYYYMMDD` date of birth.

    ## What it does
    Reports a raw `db` that is not 8 digits `YYYYMMDD` (`1928-02-16`,
    `2/16/1928`), an impossible date (`19901315`, `19900230`), a year before
    1900, a date after the reference time *T*, or an ambiguous one
    (`03/04/1928`). Also reports SDK split keys that are not a valid day
    (`dobd`, 01–31), month (`dobm`, 01–12) or year (`doby`, 1900 to *T*).
    *T* is `--now`, `now` or `per-file-now` (as for E006); without one `check`
    skips only the "after *T*" part, and the message names *T*.
    A valid `YYYYMMDD` passes, as do `dobd`/`dobm`/`doby` in their own formats.
    Judges raw values (hashed mode: values H001 reports; `--pii raw`: every
    value that is not a digest).

    ## Why is this bad?
    Meta hashes the date as written: any other layout matches nobody.

    ## Example
    ```json
    {"user_data": {"db": "1928-02-16"}}
    ```

    ## Fix
    Send `YYYYMMDD` (`19280216`).

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: stated in Meta's documentation.
    """
    ud = analyse(event, ctx)
    return _get(ud, ctx, "N006") if ud.has_raw else None


@rule("N007", "gender-not-m-f", Severity.WARNING, Scope.EVENT, when=_raw_in("ge"))
def gender_not_m_f(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A raw `ge` is not `m` or `f`.

    ## What it does
    Reports a raw `ge` other than `m` or `f` in either case: `male`, `M.`,
    `x`, `1`. `m`, `f`, `M`, `F` pass (N010 covers case). Judges raw values
    (hashed mode: values H001 reports; `--pii raw`: every value that is not a
    digest).

    ## Why is this bad?
    Meta documents only the lowercase initials `f` and `m`; anything else
    hashes to a value nobody matches.

    ## Example
    ```json
    {"user_data": {"ge": "female"}}
    ```

    ## Fix
    Send `f` or `m`; leave the key out otherwise.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: stated in Meta's documentation.
    """
    ud = analyse(event, ctx)
    return _get(ud, ctx, "N007") if ud.has_raw else None


@rule("N008", "zip-format", Severity.INFO, Scope.EVENT, when=_raw_in("zp"))
def zip_format(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A raw `zp` has spaces, a dash or a US ZIP+4.

    ## What it does
    Reports a raw `zp` that contains spaces or a dash (`94025-1234`,
    `W1A 0AX`), or in a US event (event `country` or `--default-region` US)
    more than 5 digits or no valid ZIP. 5-digit US ZIP codes, UK postcodes
    without the space (`m11ae`) and other countries' codes without spaces
    pass. Judges raw values (hashed mode: values H001 reports; `--pii raw`:
    every value that is not a digest).

    ## Why is this bad?
    Meta wants lowercase, no spaces, no dash, and for the US the first 5
    digits only; Meta's SDKs cut at the first dash, so `100-0001` becomes
    `100`.

    ## Example
    ```json
    {"user_data": {"zp": "94025-1234", "country": "us"}}
    ```

    ## Fix
    Remove spaces and dashes; US: send the first 5 digits.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: stated in Meta's documentation.
    """
    ud = analyse(event, ctx)
    return _get(ud, ctx, "N008") if ud.has_raw else None


@rule("N009", "not-nfc", Severity.WARNING, Scope.EVENT, when=_HAS_RAW)
def not_nfc(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A raw text value is not in Unicode NFC.

    ## What it does
    Reports a raw `fn`, `ln`, `ct`, `st`, `em` (or `f5first`/`f5last`) that is
    not in Unicode normal form C: decomposed accents (`e` + U+0301 instead of
    `é`), as macOS file names and some form libraries produce. ASCII-only and
    NFC values pass. Judges raw values (hashed mode: values H001 reports;
    `--pii raw`: every value that is not a digest).

    ## Why is this bad?
    NFC and NFD forms of `José` are different bytes and hash differently;
    Meta's libraries do not normalise the form, so the browser's and the
    server's hashes disagree.

    ## Example
    ```json
    {"user_data": {"fn": "Jose\\u0301"}}
    ```

    ## Fix
    Apply NFC before normalising and hashing (`unicodedata.normalize("NFC", s)`,
    `s.normalize("NFC")`).

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: capi-lint's inference, not stated by Meta.
    """
    ud = analyse(event, ctx)
    return _get(ud, ctx, "N009") if ud.has_raw else None


@rule("N010", "not-normalised", Severity.INFO, Scope.EVENT, when=_HAS_RAW)
def not_normalised(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A raw value would change under Meta's documented normalisation.

    ## What it does
    Reports a raw value that normalisation would change — uppercase letters,
    leading/trailing whitespace, punctuation or spaces in `fn`/`ln`/`ct`, an
    uppercase two-letter `country`/`st`, `M`/`F` — and says what it would
    normalise to (masked), or a location value that normalises to nothing
    (`ct = "94025"`, `st = "06"`). Values already normalised pass; values
    another N rule reports are not reported again, and `ph` formatting is
    N002's and N003's. Judges raw values (hashed mode: values H001 reports;
    `--pii raw`: every value that is not a digest).

    ## Why is this bad?
    Meta matches the hash of the *normalised* value; if the code that hashes
    does not normalise exactly as documented, the hash matches nobody. A
    value that normalises to nothing is hashed as the empty string by Meta's
    SDKs (H004).

    ## Example
    ```json
    {"user_data": {"fn": "Mary-Ann ", "ct": "94025"}}
    ```

    ## Fix
    Normalise before hashing (lowercase, trim, no punctuation where Meta says
    so), or leave out a value with nothing left.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: stated in Meta's documentation.
    """
    ud = analyse(event, ctx)
    return _get(ud, ctx, "N010") if ud.has_raw else None
