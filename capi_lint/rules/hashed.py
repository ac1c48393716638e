"""H — hashing: raw values where a hash is required, malformed digests, hashes where none belongs.

The PII mode decides what a hashed field (``em ph fn ln db ge ct st zp country``
and the SDK split keys) should hold:

* ``--pii hashed`` (default): the payload as it goes on the wire; every hashed
  field must be a valid hash (64 lowercase hex, optionally ``.<appendix>``).
  H001–H005, H008 and H010 judge the hashed fields.
* ``--pii raw``: fixtures for code that hashes later (e.g. through Meta's
  SDK); hashed fields must be raw, the N rules judge them, and a digest in a
  hashed field is H012.

``external_id`` (H002, H004, H005, H008, H011) and the never-hash keys (H006)
are judged the same way in both modes, except H007 (hashed mode only).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from capi_lint.context import Context
from capi_lint.hashing import (
    EMPTY_SHA256,
    GENDER_HASHES,
    PLACEHOLDER_HASHES,
    PLACEHOLDERS,
    HashKind,
    classify,
    country_hashes,
    sha256_hex,
    us_state_hashes,
)
from capi_lint.mask import key_pointer, mask_key
from capi_lint.model import Hit, Severity
from capi_lint.registry import Scope, rule
from capi_lint.rules._contact import (
    contact_kind,
    is_email,
    is_intl_phone,
    may_be_contact,
    names_phone,
)
from capi_lint.rules._userdata import (
    ANALYSE_NAMES,
    HASHED_FIELDS,
    Elem,
    analyse,
    is_digest,
    label,
    parse_cookie,
    raw_only_digest,
)
from capi_lint.rules._util import mask
from capi_lint.tiers import Condition

NOT_HASH = HashKind.NOT_HASH
UPPER = HashKind.UPPERCASE_SHA256
BAD_APPENDIX = HashKind.SHA256_BAD_APPENDIX
_OTHER_DIGESTS = {HashKind.MD5: "MD5", HashKind.SHA1: "SHA-1", HashKind.SHA512: "SHA-512"}
_SHA256_SHAPES = frozenset(
    {HashKind.SHA256, HashKind.SHA256_APPENDIX, HashKind.SHA256_BAD_APPENDIX, UPPER}
)

FIELD_NAMES = {
    "em": "email address",
    "ph": "phone number",
    "fn": "first name",
    "ln": "last name",
    "db": "date of birth",
    "ge": "gender",
    "ct": "city",
    "st": "state",
    "zp": "ZIP/postal code",
    "country": "country",
    "f5first": "first name (first 5 letters)",
    "f5last": "last name (first 5 letters)",
    "fi": "first initial",
    "dobd": "day of birth",
    "dobm": "month of birth",
    "doby": "year of birth",
    "external_id": "external ID",
}


def _hashed_mode(ctx: Context) -> bool:
    return ctx.settings.pii != "raw"


# Conditions (the engine's cheap tier, capi_lint/tiers.py). Each reads the flags
# of the per-event user_data walk (``analyse``, shared with the U and N rules and
# memoised per event) that its check returns early on; all are false on clean,
# hashed traffic. ``_u`` is a local of the condition (walrus), not a shared name.

#: ``_hashed_mode`` spelled inline: no call in the generated tier.
_HASHED = 'ctx.settings.pii != "raw"'
_ODD_OR_EXT_ODD = Condition("(_u := _analyse(event, ctx)).odd or _u.ext_odd", names=ANALYSE_NAMES)
_SPECIAL = Condition("_analyse(event, ctx).special", names=ANALYSE_NAMES)


def _hash_fix(key: str) -> str:
    return (
        f"normalise the {FIELD_NAMES.get(key, key)} as Meta documents and send the lowercase "
        f'hex SHA-256 (capi_lint.hash_value("{key}", value) computes it)'
    )


# --------------------------------------------------------------------------- H001

_HEX = re.compile(r"[0-9A-Fa-f]+")
_PHONEISH = re.compile(r"[\d\s()+\-.]{7,}")


def _describe_raw(key: str, value: str) -> tuple[str, str]:
    """(what the value looks like, fix) for a hashed-field value that is not a digest."""
    stripped = value.strip()
    if stripped != value and stripped and is_digest(stripped):
        return "a hash with whitespace around it", "strip the whitespace around the hash"
    if "@" in value:
        return "a plain email address", _hash_fix(key)
    if key == "ph" and _PHONEISH.fullmatch(stripped):
        return "a plain phone number", _hash_fix(key)
    if len(stripped) >= 16 and _HEX.fullmatch(stripped):
        return (
            f"{len(stripped)} hex digits, which is no digest length (SHA-256 has 64)",
            "send the complete 64-character SHA-256 digest",
        )
    if len(stripped) == 64:
        return "64 characters that are not all hex digits", _hash_fix(key)
    return f"a plain (unhashed) {FIELD_NAMES.get(key, key)}", _hash_fix(key)


@rule(
    "H001",
    "unhashed-value",
    Severity.ERROR,
    Scope.EVENT,
    fixable=True,
    when=Condition(f"_analyse(event, ctx).has_raw and {_HASHED}", names=ANALYSE_NAMES),
)
def unhashed_value(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A hashed field holds a raw value instead of a SHA-256 hash.

    ## What it does
    In `--pii hashed` mode (the default), reports each value of a hashed
    field (`em ph fn ln db ge ct st zp country`, and the SDK split keys
    `f5first f5last fi dobd dobm doby`) that is not a valid hash and not a
    digest of another shape: an `@`, letters outside hex, spaces (also around
    a hash), a wrong length. List values are checked item by item. A valid
    hash, with or without a parameter-builder appendix (`<64hex>.AQ`), passes;
    uppercase hex is H002's, 32/40/128 hex H003's. In `--pii raw` mode raw
    values are expected and the N rules judge them.

    ## Why is this bad?
    Meta requires these keys hashed with SHA-256 after normalisation; its
    systems are designed not to accept unhashed contact information. The
    value does not match, and personal data travels in plain text.

    ## Example
    ```json
    {"user_data": {"em": "John_Smith@gmail.com"}}
    ```

    ## Use instead
    ```json
    {"user_data": {"em": "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"}}
    ```

    ## Fix
    Normalise the value as Meta documents, then send the lowercase hex SHA-256
    (`capi_lint.hash_value(field, value)` does both). If the payload is a
    fixture for code that hashes later, lint it with `--pii raw`.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: stated in Meta's documentation.
    """
    ud = analyse(event, ctx)
    if not ud.has_raw or not _hashed_mode(ctx):
        return None
    hits = []
    for key, where, value, kind in ud.hashed:
        if kind is not NOT_HASH:
            continue
        what, fix = _describe_raw(key, value)
        hits.append(
            Hit(
                where,
                f"{label(where)} holds {what} ({mask(value)}); Meta requires the SHA-256 "
                "of the normalised value",
                fix,
            )
        )
    return hits or None


#: (new value, action, None) when --fix edits a value, (None, "", reason) when it leaves it.
FixEdit = tuple[str | None, str, str | None]
#: Keys whose JSON numbers --fix hashes as their digits (a ZIP needs 5 of them).
_FIX_INT_FIELDS = frozenset({"ph", "zp", "db", "dobd", "dobm", "doby"})
_VALID = frozenset({HashKind.SHA256, HashKind.SHA256_APPENDIX})


def fix_edit(
    key: str,
    value: Any,
    region: str | None,
    *,
    hash_raw: bool = True,
    lowercase: bool = True,
    memo: dict[Any, Any] | None = None,
) -> FixEdit | None:
    """The edit ``--fix`` makes for H001 (hash the normalised raw value) or H002
    (lowercase the hex digest) on one value of a hashed key, judged by the same
    classification as the rules; None when there is nothing to fix.

    ``hash_raw`` / ``lowercase`` switch the two edits (their rules' selection).
    """
    kind = type(value)
    if kind is str:
        shape = classify(value)
        if shape in _VALID:
            return None
        if shape is HashKind.UPPERCASE_SHA256:
            return (value[:64].lower() + value[64:], "lowercased", None) if lowercase else None
        if shape is HashKind.SHA256_BAD_APPENDIX:
            return None, "", "unknown-appendix"
        if shape is not HashKind.NOT_HASH:
            return None, "", "other-digest"
        return _hash_edit(key, value, region, memo) if hash_raw else None
    if kind is int and key in _FIX_INT_FIELDS and hash_raw:
        if key == "zp" and len(str(abs(value))) < 5:
            return None, "", "zip-as-number"
        return _hash_edit(key, value, region, memo)
    return None  # null, booleans, floats, objects: S010 and friends report them


def _hash_edit(key: str, value: Any, region: str | None, memo: dict[Any, Any] | None) -> FixEdit:
    """Memoised per text by the caller: the same customer often appears in many
    events, and normalising is slow."""
    memo_key = (key, type(value), value, region)
    found = memo.get(memo_key) if memo is not None else None
    if found is not None:
        return found
    from capi_lint.normalize import normalize_or_reason  # lazily: start-up time

    normalised, reason = normalize_or_reason(key, value, region)
    if normalised is None:
        result: FixEdit = (None, "", reason)
    else:
        digest = sha256_hex(normalised)
        result = (
            (None, "", "placeholder") if digest in PLACEHOLDER_HASHES else (digest, "hashed", None)
        )
    if memo is not None:
        memo[memo_key] = result
    return result


# --------------------------------------------------------------------------- H002–H005


def _odd_elements(ud: Any, ctx: Context, with_external_id: bool = True) -> list[Elem]:
    """Hashed-field elements (hashed mode only) plus external_id elements."""
    out: list[Elem] = []
    if ud.odd and _hashed_mode(ctx):
        out.extend(ud.hashed)
    if with_external_id and ud.ext_odd:
        out.extend(ud.ext)
    return out


@rule("H002", "uppercase-hash", Severity.WARNING, Scope.EVENT, fixable=True, when=_ODD_OR_EXT_ODD)
def uppercase_hash(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A SHA-256 hash is written in uppercase hex.

    ## What it does
    Reports a value of a hashed field (hashed mode) or of `external_id` that
    is 64 hex characters containing `A`–`F` (with or without an appendix).
    All-lowercase hex passes; mixed-case values in never-hash keys are H006's.

    ## Why is this bad?
    Every digest Meta documents is lowercase hex; an uppercase digest is a
    different string and is not documented to match. Some tools uppercase
    hex by default (`.ToString("X2")`, `hexdigest().upper()`).

    ## Example
    ```json
    {"user_data": {"em": "62A14E44F765419D10FEA99367361A727C12365E2520F32218D505ED9AA0F62F"}}
    ```

    ## Fix
    Lowercase the hex digest (`.ToString("x2")`, `hexdigest()`).

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: capi-lint's inference, not stated by Meta.
    """
    ud = analyse(event, ctx)
    if not (ud.odd or ud.ext_odd):
        return None
    hits = None
    for _key, where, _value, kind in _odd_elements(ud, ctx):
        if kind is UPPER:
            if hits is None:
                hits = []
            hits.append(
                Hit(
                    where,
                    f"{label(where)} is a SHA-256 digest in uppercase hex; Meta's hashes are "
                    "lowercase",
                    "lowercase the hex digest",
                )
            )
    return hits


@rule(
    "H003",
    "wrong-digest-length",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition(f"_analyse(event, ctx).odd and {_HASHED}", names=ANALYSE_NAMES),
)
def wrong_digest_length(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A hashed field holds an MD5, SHA-1 or SHA-512 digest.

    ## What it does
    In hashed mode, reports a value of a hashed field that is 32 (MD5), 40
    (SHA-1) or 128 (SHA-512) hex characters, in any case, with or without a
    parameter-builder appendix. 64 hex characters pass; `external_id` is never
    reported (free-form IDs may be any hex length).

    ## Why is this bad?
    Meta documents SHA-256 only. Its Python SDK passes a 32-hex value through
    as "already hashed", but an MD5 matches nobody's SHA-256.

    ## Example
    ```json
    {"user_data": {"em": "6e6bc4e49dd477ebc98ef4046c067b5f"}}
    ```

    ## Fix
    Hash the normalised value with SHA-256.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: seen in Meta's own code (Business SDK, tags); capi-lint's inference, not stated by
      Meta.
    """
    ud = analyse(event, ctx)
    if not ud.odd or not _hashed_mode(ctx):
        return None
    hits = None
    for _key, where, value, kind in ud.hashed:
        algo = _OTHER_DIGESTS.get(kind)
        if algo is None:
            continue
        if hits is None:
            hits = []
        length = len(value.split(".", 1)[0])
        hits.append(
            Hit(
                where,
                f"{label(where)} is {length} hex characters, the length of an {algo} digest; "
                "Meta requires SHA-256 (64)",
                "hash the normalised value with SHA-256",
            )
        )
    return hits


def _special(ud: Any, ctx: Context) -> list[Elem]:
    if not ud.special:
        return []
    if _hashed_mode(ctx):
        return ud.special
    return [e for e in ud.special if e[0] == "external_id"]


def _part(value: str) -> str:
    return value[:64].lower()


@rule("H004", "empty-string-hash", Severity.ERROR, Scope.EVENT, when=_SPECIAL)
def empty_string_hash(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A hashed value is the SHA-256 of the empty string.

    ## What it does
    Reports a value of a hashed field (hashed mode) or of `external_id` whose
    digest is `e3b0c442…b855`, the SHA-256 of `""` (also with an appendix or
    in uppercase). Other hashes pass.

    ## Why is this bad?
    Nothing was hashed: the source value was empty, or normalisation emptied
    it (Meta's SDKs hash `""` for `ct = "94025"`). It matches nobody and every
    such event looks like the same person.

    ## Example
    ```json
    {"user_data": {"ct": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}
    ```

    ## Fix
    Leave the key out when there is no value; check what the field held
    before hashing.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: seen in Meta's own code (Business SDK, tags); capi-lint's inference, not stated by
      Meta.
    """
    ud = analyse(event, ctx)
    hits = None
    for _key, where, value, _kind in _special(ud, ctx):
        if _part(value) != EMPTY_SHA256:
            continue
        if hits is None:
            hits = []
        hits.append(
            Hit(
                where,
                f"{label(where)} is the SHA-256 of the empty string: no value was hashed",
                "leave the key out when there is no value",
            )
        )
    return hits


def _placeholder_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for text in PLACEHOLDERS:
        for form in (text, "".join(ch for ch in text if ch.isalnum())):
            if form:
                names.setdefault(sha256_hex(form), form)
    return names


_PLACEHOLDER_NAMES = _placeholder_names()
#: Placeholders that are also genuine values of a field: `na` is Namibia's
#: country code, Na and Nan are real names.
_GENUINE = {
    "country": frozenset({"na"}),
    "fn": frozenset({"na", "nan"}),
    "ln": frozenset({"na", "nan"}),
    "f5first": frozenset({"na", "nan"}),
    "f5last": frozenset({"na", "nan"}),
}
_NO_GENUINE: frozenset[str] = frozenset()


def _placeholder(key: str, value: str) -> str | None:
    text = _PLACEHOLDER_NAMES.get(_part(value))
    if text is None or text in _GENUINE.get(key, _NO_GENUINE):
        return None
    return text


@rule("H005", "placeholder-hash", Severity.WARNING, Scope.EVENT, when=_SPECIAL)
def placeholder_hash(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A hashed value is the hash of a placeholder such as `null` or `undefined`.

    ## What it does
    Reports a value of a hashed field (hashed mode) or of `external_id` whose
    digest is the SHA-256 of a placeholder after normalisation: `null`,
    `undefined`, `none`, `nan`, `0`, `false`, `true`, `n/a`/`na`, `unknown`,
    `test`, `[object object]`/`objectobject`. Genuine values are not
    reported: `na` as `country` (Namibia), `na`/`nan` as a name. The empty
    string's hash is H004's.

    ## Why is this bad?
    The source had no value and the code hashed the word it printed instead
    (JavaScript `undefined`, Python `None`, ...). It matches nobody, and
    every such event looks like the same person.

    ## Example
    ```json
    {"user_data": {"fn": "eb045d78d273107348b0300c01d29b7552d622abbc6faf81b3ec55359aa9950c"}}
    ```
    (the SHA-256 of `undefined`)

    ## Fix
    Leave the key out when the source value is missing; never hash a
    stringified null.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: capi-lint's inference, not stated by Meta.
    """
    ud = analyse(event, ctx)
    hits = None
    for key, where, value, _kind in _special(ud, ctx):
        text = _placeholder(key, value)
        if text is None:
            continue
        if hits is None:
            hits = []
        hits.append(
            Hit(
                where,
                f'{label(where)} is the SHA-256 of the placeholder "{text}", not of a real value',
                "leave the key out when the source value is missing",
            )
        )
    return hits


# --------------------------------------------------------------------------- H006, H007


def _hex_head(long_raw: list[tuple[str, str]]) -> bool:
    """Some never-hash value starts with 32 alphanumerics (hex digits are; user
    agents, IPs and cookies fail within a few characters). A loop, not any(): no
    generator per event on the hot path."""
    for _key, value in long_raw:  # noqa: SIM110
        if value[:32].isalnum():
            return True
    return False


@rule(
    "H006",
    "hash-in-raw-only-field",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition(
        "(_u := _analyse(event, ctx)).long_raw and _hex_head(_u.long_raw)",
        names={**ANALYSE_NAMES, "_hex_head": _hex_head},
    ),
)
def hash_in_raw_only_field(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A never-hash key holds a hex digest.

    ## What it does
    Reports `client_ip_address`, `client_user_agent`, `fbc`, `fbp`,
    `subscription_id`, `fb_login_id`, `lead_id`, `anon_id`, `madid`,
    `page_id`, `page_scoped_user_id`, `ctwa_clid`, `ig_account_id`, `ig_sid`
    or `whatsapp_business_account_id` when it is 32 or 64 hex characters (any
    case, with or without an appendix). UUIDs (also without dashes), mixed alphanumeric IDs, numeric
    IDs and `fbc`/`fbp` in their documented format pass. Same in both PII modes.

    ## Why is this bad?
    Meta documents these keys as never hashed (`client_ip_address` "must never
    be hashed"); a hashed IP, user agent or cookie matches nothing.

    ## Example
    ```json
    {"user_data": {"client_ip_address":
                   "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"}}
    ```

    ## Fix
    Send these values raw: hash only `em ph fn ln db ge ct st zp country` (and
    optionally `external_id`).

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: stated in Meta's documentation.
    """
    ud = analyse(event, ctx)
    if not ud.long_raw:
        return None
    hits = None
    for key, value in ud.long_raw:
        if not raw_only_digest(value):
            continue
        if hits is None:
            hits = []
        hits.append(
            Hit(
                (("user_data", key)),
                f"`user_data.{key}` is a hex digest; Meta documents this key as never hashed",
                "send the raw value",
            )
        )
    return hits


@rule(
    "H007",
    "external-id-unhashed",
    Severity.INFO,
    Scope.EVENT,
    when=Condition(f"_analyse(event, ctx).ext_odd and {_HASHED}", names=ANALYSE_NAMES),
)
def external_id_unhashed(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`external_id` is sent unhashed.

    ## What it does
    In hashed mode, reports each `external_id` value that is not a valid hash
    (uppercase hex is H002's, an unknown appendix H008's). Hashed values pass.
    Quiet in `--pii raw` mode. H009 reports an external_id hashed in some
    events and raw in others.

    ## Why is this bad?
    Meta recommends hashing `external_id`. It is optional: what matters most
    is that the Pixel and the server send it in the same format.

    ## Example
    ```json
    {"user_data": {"external_id": "user-1"}}
    ```

    ## Fix
    Send the SHA-256 of the ID — on every channel, the Pixel included.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: stated in Meta's documentation.
    """
    ud = analyse(event, ctx)
    if not ud.ext_odd or not _hashed_mode(ctx):
        return None
    hits = None
    for _key, where, _value, kind in ud.ext:
        if kind is not NOT_HASH and kind not in _OTHER_DIGESTS:
            continue
        if hits is None:
            hits = []
        hits.append(
            Hit(
                where,
                f"{label(where)} is not hashed; Meta recommends its SHA-256, sent the same way "
                "on every channel",
                "hash it with SHA-256, identically in the Pixel and on the server",
            )
        )
    return hits


# --------------------------------------------------------------------------- H008

_APPENDIX_HELP = "a parameter-builder appendix is 2 or 8 base64url characters"


def _five_segment_cookie(user_data: Any) -> bool:
    """``user_data`` holds an fbc or fbp of five dot-separated segments."""
    if type(user_data) is not dict:
        return False
    for key in ("fbc", "fbp"):
        cookie = user_data.get(key)
        if type(cookie) is str and cookie.count(".") == 4:
            return True
    return False


@rule(
    "H008",
    "unknown-appendix",
    Severity.WARNING,
    Scope.EVENT,
    when=Condition(
        "(_u := _analyse(event, ctx)).odd or _u.ext_odd or _five(user_data)",
        names={**ANALYSE_NAMES, "_five": _five_segment_cookie},
    ),
)
def unknown_appendix(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A value ends in a suffix that is not a parameter-builder appendix.

    ## What it does
    Reports a hashed-field value (hashed mode) or `external_id` of the shape
    `<64 hex>.<suffix>`, and a five-segment `fbc`/`fbp`, whose suffix is not a
    2- or 8-character base64url token. Documented appendix tokens (`AQ`, `Ag`,
    `Aw`, `BA`, `BQ`, `Bg`, any 8-character base64url) pass.

    ## Why is this bad?
    Meta's parameter builder adds `.<appendix>` to the values it builds; any
    other suffix is not a documented format and the value may not be read as
    a hash or cookie.

    ## Example
    ```json
    {"user_data": {"em":
                   "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f.appendix1"}}
    ```

    ## Fix
    Send the parameter builder's value unchanged, or the bare hash / cookie.

    ## Source
    - Meta, Parameter Builder library: {PBL}
    - Evidence: stated in Meta's documentation; seen in Meta's own code (Business SDK, tags).
    """
    ud = analyse(event, ctx)
    hits = []
    for _key, where, value, kind in _odd_elements(ud, ctx) if ud.odd or ud.ext_odd else ():
        if kind is BAD_APPENDIX:
            suffix = value[65:]
            what = f"a {len(suffix)}-character suffix" if suffix else "a dot"
            hits.append(
                Hit(
                    where,
                    f"{label(where)} ends in {what} after the hash; {_APPENDIX_HELP}",
                    "send the bare hash or the parameter builder's value unchanged",
                )
            )
    data = ud.data
    if data is not None:
        for key in ("fbc", "fbp"):
            cookie = data.get(key)
            if type(cookie) is not str or cookie.count(".") != 4:
                continue
            parsed = parse_cookie(key, cookie)
            if parsed is not None and parsed.bad_appendix:
                suffix = cookie.rsplit(".", 1)[1]
                hits.append(
                    Hit(
                        ("user_data", key),
                        f"`user_data.{key}` has a fifth segment of {len(suffix)} characters "
                        f"that is not a parameter-builder appendix; {_APPENDIX_HELP}",
                        f"send the _{key} cookie value or the parameter builder's value unchanged",
                    )
                )
    return hits or None


# --------------------------------------------------------------------------- H009


#: H009 remembers at most this many user_data keys as settled (memory stays flat).
_NOTED_KEYS = 256
#: The keys H009 checks, in hashed and in raw mode.
_CHECKED = HASHED_FIELDS | {"external_id"}
_CHECKED_RAW_MODE = frozenset({"external_id"})


@rule("H009", "inconsistent-hashing", Severity.WARNING, Scope.BATCH)
class InconsistentHashing:
    """A field is hashed in some events and raw in others.

    ## What it does
    Within one batch (a request's `data`, or the events of a JSON Lines
    file), reports the first value of a field that is raw where an earlier
    value of the same field was hashed, or the reverse; once per field. In
    hashed mode it checks the hashed fields and `external_id`, in `--pii raw`
    mode `external_id` only. A field consistently hashed (or, for
    `external_id`, consistently raw) passes. The finding points at the later
    value and names the earlier event.

    ## Why is this bad?
    Meta asks for the same format on every channel and event: the same person
    then has two different keys, and matching and deduplication suffer. It
    usually means one code path skips hashing.

    ## Example
    ```json
    {"data": [
      {"user_data": {"external_id":
                     "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}},
      {"user_data": {"external_id": "user-1"}}
    ]}
    ```

    ## Fix
    Hash the field the same way wherever events are built.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: stated in Meta's documentation; reported by third parties (RudderStack #5351).
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.hashed_mode = _hashed_mode(ctx)
        #: field -> [first index where hashed, first index where raw, reported]
        self.seen: dict[str, list[Any]] = {}
        #: Some value was raw: from then on every element is compared.
        self.any_raw = False
        #: user_data keys for which a hashed value changes nothing: first
        #: hashed ones already noted, and keys this rule does not check.
        self.noted: set[str] = set()
        #: The keys this rule checks.
        self.checked = _CHECKED if self.hashed_mode else _CHECKED_RAW_MODE

    def feed(self, index: int, event: dict[str, Any]) -> list[Hit] | None:
        ud = analyse(event, self.ctx)
        hashed_mode = self.hashed_mode
        if not ud.ext_raw and not (ud.has_raw and hashed_mode):
            # Every checked value here is hashed: usually each of its keys
            # was hashed before, and then nothing changes.
            if ud.present <= self.noted:
                return None
            if not self.any_raw:
                # Everything hashed so far: only note where each key was first hashed.
                seen = self.seen
                for elems in (ud.hashed if hashed_mode else (), ud.ext):
                    for elem in elems:
                        if elem[0] not in seen:
                            seen[elem[0]] = [index, None, False]
                noted = self.noted
                if len(noted) < _NOTED_KEYS:  # made-up keys: bounded, merely slower
                    # No raw value yet: every key in `seen` has its first hashed index.
                    present = ud.present
                    noted.update(present - self.checked, present & seen.keys())
                return None
        hits = None
        if hashed_mode and ud.hashed:
            hits = self._check(index, ud.hashed, hits)
        if ud.ext:
            hits = self._check(index, ud.ext, hits)
        self._note(ud.present)
        return hits

    def _note(self, present: set[str]) -> None:
        """Add the keys of ``present`` on which a hashed value can change nothing more."""
        seen = self.seen
        noted = self.noted
        if len(noted) >= _NOTED_KEYS:  # made-up keys: bounded, merely slower
            return
        checked = self.checked
        for key in present:
            state = seen.get(key)
            if (state is not None and state[0] is not None) or key not in checked:
                noted.add(key)

    def _check(self, index: int, elems: list[Elem], hits: list[Hit] | None) -> list[Hit] | None:
        seen = self.seen
        for key, where, value, kind in elems:
            hashed = kind is not NOT_HASH or is_digest(value.strip())
            slot = 0 if hashed else 1
            if not hashed:
                self.any_raw = True
            state = seen.get(key)
            if state is None:
                state = seen[key] = [None, None, False]
            elif state[2]:
                continue
            if state[slot] is None:
                state[slot] = index
            other = state[1 - slot]
            if other is None:
                continue
            state[2] = True
            now, before = ("hashed", "raw") if hashed else ("raw", "hashed")
            earlier = "earlier in this event" if other == index else f"in event {other}"
            if hits is None:
                hits = []
            hits.append(
                Hit(
                    where,
                    f"{label(where)} is {now} here but {before} {earlier}; hash each field "
                    "the same way in every event",
                    "hash the field the same way wherever events are built",
                )
            )
        return hits

    def finish(self) -> list[Hit] | None:
        return None


# --------------------------------------------------------------------------- H010


@lru_cache(maxsize=1)
def _known_wrong() -> dict[str, dict[str, str]]:
    """field -> {hash of a common wrong form: what it is}."""
    import pycountry

    country: dict[str, str] = {}
    for c in pycountry.countries:
        country.setdefault(sha256_hex(c.alpha_2), "an uppercase country code")
        country.setdefault(sha256_hex(c.alpha_3.lower()), "a three-letter (alpha-3) code")
        country.setdefault(sha256_hex(c.alpha_3), "a three-letter (alpha-3) code")
        country.setdefault(sha256_hex(c.name.lower()), "a country name")
        country.setdefault(sha256_hex(c.name.lower().replace(" ", "")), "a country name")
    for alias in ("uk", "usa", "u.s.", "u.s.a.", "united states", "unitedstates"):
        country.setdefault(sha256_hex(alias), "a country name or alias")
    gender = {
        sha256_hex("M"): "an uppercase letter",
        sha256_hex("F"): "an uppercase letter",
        sha256_hex("male"): "a full word",
        sha256_hex("female"): "a full word",
        sha256_hex("Male"): "a full word",
        sha256_hex("Female"): "a full word",
    }
    state = {
        sha256_hex(s.code.split("-", 1)[1]): "an uppercase state code"
        for s in pycountry.subdivisions.get(country_code="US")
    }
    for s in pycountry.subdivisions.get(country_code="US"):
        state.setdefault(sha256_hex(s.name.lower()), "a full state name")
        state.setdefault(sha256_hex(s.name.lower().replace(" ", "")), "a full state name")
    return {"country": country, "ge": gender, "st": state}


_VALUE_SETS: dict[str, tuple[str, Callable[[], frozenset[str]]]] = {
    "ge": ("the hash of `m` or `f`", lambda: GENDER_HASHES),
    "country": ("the hash of a lowercase ISO 3166-1 alpha-2 code", country_hashes),
    "st": ("the hash of a lowercase US state code", us_state_hashes),
}


def _not_all_in(value: Any, allowed: frozenset[str]) -> bool:
    """A string of ``value`` (a string or a list's items) is not in ``allowed``."""
    if type(value) is str:
        return value not in allowed
    if type(value) is list:
        for item in value:
            if type(item) is str and item not in allowed:
                return True
    return False


def _outside_value_set(user_data: Any, ctx: Context) -> bool:
    """H010's condition: a `ge` or `country` that is not an allowed hash, or any
    `st` when `check-us-states` is on. Reads user_data directly (no walk)."""
    if type(user_data) is not dict:
        return False
    ge = user_data.get("ge")
    if ge is not None and _not_all_in(ge, GENDER_HASHES):
        return True
    country = user_data.get("country")
    if country is not None and _not_all_in(country, country_hashes()):
        return True
    return user_data.get("st") is not None and bool(ctx.option("H010", "check-us-states"))


@rule(
    "H010",
    "hash-outside-value-set",
    Severity.WARNING,
    Scope.EVENT,
    options={"check-us-states": False},
    when=Condition(
        f"{_HASHED} and _outside(user_data, ctx)", names={"_outside": _outside_value_set}
    ),
)
def hash_outside_value_set(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A hashed `ge` or `country` is not the hash of any allowed value.

    ## What it does
    In hashed mode, reports a hashed `ge` that is neither sha256(`f`) nor
    sha256(`m`), and a hashed `country` that is not the hash of any lowercase
    ISO 3166-1 alpha-2 code — it catches `US`, `usa`, `united states` hashed
    without normalisation, and names the likely mistake. Values with an
    appendix are judged by their hash part. `st` is not checked by default
    (non-US states are free text); with the option `check-us-states` a hashed
    `st` of a US event (event `country` or `--default-region` US) must be the
    hash of a lowercase US state code. Empty-string and placeholder hashes are
    H004's and H005's.

    ## Why is this bad?
    These fields have closed value sets, so a hash outside them is certainly
    the hash of a non-normalised value, which matches nobody.

    ## Example
    ```json
    {"user_data": {"country": "9b202ecbc6d45c6d8901d989a918878397a3eb9d00e8f48022fc051b19d21a1d"}}
    ```
    (the SHA-256 of `US`, uppercase)

    ## Fix
    Normalise before hashing: `ge` to `m`/`f`, `country` to the lowercase
    two-letter code (`us`), `st` (US) to the lowercase two-letter code.

    ## Options
    `check-us-states` (false): also check hashed `st` of US events.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: capi-lint's inference, not stated by Meta.
    """
    ud = analyse(event, ctx)
    if not ud.closed or not _hashed_mode(ctx):
        return None
    hits = None
    states = None
    for key, where, value, kind in ud.closed:
        if kind is HashKind.SHA256:
            if key == "ge":
                if value in GENDER_HASHES:
                    continue
            elif key == "country" and value in country_hashes():
                continue
        elif kind not in _SHA256_SHAPES:
            continue
        if key == "st":
            if states is None:
                states = bool(ctx.option("H010", "check-us-states")) and ud.region(ctx) == "US"
            if not states:
                continue
        part = _part(value)
        if part == EMPTY_SHA256 or _placeholder(key, value) is not None:
            continue
        allowed, members = _VALUE_SETS[key]
        if part in members():
            continue
        what = _known_wrong()[key].get(part)
        detail = f" (it is the hash of {what})" if what else ""
        if hits is None:
            hits = []
        hits.append(
            Hit(
                where,
                f"{label(where)} is not {allowed}{detail}; the value was not normalised "
                "before hashing",
                _VALUE_FIX[key],
            )
        )
    return hits


_VALUE_FIX = {
    "ge": "normalise to `m` or `f` before hashing",
    "country": "normalise to the lowercase two-letter ISO code (e.g. `us`) before hashing",
    "st": "normalise to the lowercase two-letter state code (e.g. `ca`) before hashing",
}


# --------------------------------------------------------------------------- H011


@rule(
    "H011",
    "pii-in-external-id",
    Severity.WARNING,
    Scope.EVENT,
    when=Condition("_analyse(event, ctx).ext_raw", names=ANALYSE_NAMES),
)
def pii_in_external_id(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`external_id` is a plain email address or phone number.

    ## What it does
    Reports an `external_id` value that is not a valid hash and has the shape
    of an email address (`local@domain.tld`) or of an international phone
    number (`+` then 8–15 digits, separators allowed). Opaque IDs pass: UUIDs,
    numeric customer numbers without `+`, slugs, hashed values. Same in both
    PII modes.

    ## Why is this bad?
    Contact data is sent in plain text where Meta recommends a hash and
    expects an opaque ID; hashed `em`/`ph` are the keys for contact data.

    ## Example
    ```json
    {"user_data": {"external_id": "john.smith@example.com"}}
    ```

    ## Fix
    Use your own customer ID (hashed) as `external_id`, and send the email or
    phone hashed as `em`/`ph`.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: stated in Meta's documentation; capi-lint's inference, not stated by Meta.
    """
    ud = analyse(event, ctx)
    if not ud.ext_raw:
        return None
    hits = None
    for _key, where, value, kind in ud.ext:
        if kind is not NOT_HASH:
            continue
        text = value.strip()
        if is_email(text):
            what, fix = "an email address", "send the email hashed as `em`, not as external_id"
        elif is_intl_phone(text):
            what, fix = "a phone number", "send the phone number hashed as `ph`, not as external_id"
        else:
            continue
        if hits is None:
            hits = []
        hits.append(
            Hit(
                where,
                f"{label(where)} looks like {what} ({mask(value)}) sent in plain text; "
                "external_id should be an opaque (hashed) customer ID",
                fix,
            )
        )
    return hits


# --------------------------------------------------------------------------- H012


@rule(
    "H012",
    "hash-in-raw-mode",
    Severity.WARNING,
    Scope.EVENT,
    when=Condition('ctx.settings.pii == "raw"'),
)
def hash_in_raw_mode(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """In `--pii raw` mode, a hashed field already holds a digest.

    ## What it does
    Only in `--pii raw` mode (fixtures for code that hashes later, e.g.
    through Meta's SDK): reports a value of a hashed field that is already a
    hex digest of any shape (SHA-256 with or without appendix, uppercase,
    MD5, SHA-1, SHA-512, also with whitespace around it). Raw values pass;
    the N rules judge them. Quiet in hashed mode.

    ## Why is this bad?
    The code under test will normalise and hash the value again: Meta's Python
    SDK hashes most such keys a second time (or raises for `em`, `ph`,
    `country` with an appendix), so the result matches nobody. Or the fixture
    is meant for hashed mode.

    ## Example
    ```json
    {"user_data": {"em": "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"}}
    ```
    (with `--pii raw`)

    ## Fix
    Put the raw value in the fixture, or lint the payload with `--pii hashed`
    if it is what goes on the wire.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: seen in Meta's own code (Business SDK, tags).
    """
    if _hashed_mode(ctx):
        return None
    ud = analyse(event, ctx)
    hits = None
    for _key, where, value, kind in ud.hashed:
        if kind is NOT_HASH and not is_digest(value.strip()):
            continue
        if hits is None:
            hits = []
        hits.append(
            Hit(
                where,
                f"{label(where)} is already a hex digest, but `--pii raw` expects the raw value; "
                "code that hashes it will hash a hash",
                "put the raw value in the fixture, or lint with --pii hashed",
            )
        )
    return hits


# --------------------------------------------------------------------------- H013

#: URL fields: only their query string and fragment are searched (`?email=…`).
_URL_KEYS = ("event_source_url", "referrer_url")
#: Bounds of the walk through one event (custom properties may nest deeply).
_MAX_DEPTH = 8
_MAX_NODES = 5_000
_CONTACT_FIX = {
    "email address": "remove it, or send it hashed as `user_data.em`",
    "phone number": "remove it, or send it hashed as `user_data.ph`",
}


def _path_label(path: tuple[Any, ...]) -> str:
    parts = []
    for step in path:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        else:
            parts.append(("." if parts else "") + mask_key(step))
    return "`" + "".join(parts) + "`"


def _printable_pointer(path: tuple[Any, ...]) -> tuple[Any, ...]:
    """``path`` cut before the first key that must not be printed (mask.key_pointer)."""
    for index, step in enumerate(path):
        if isinstance(step, str) and key_pointer((), step) == ():
            return path[:index]
    return path


def _contact_hit(path: tuple[Any, ...], kind: str, value: Any, where: str = "") -> Hit:
    return Hit(
        _printable_pointer(path),
        f"{_path_label(path)}{where} holds a plain {kind} ({mask(value)}) outside "
        "`user_data`: personal data sent unhashed",
        _CONTACT_FIX[kind],
    )


#: Cheap test before a URL is parsed: something in it could be contact data.
_URL_HINT = re.compile(
    r"@|%40|=(?:%2B|\+)|phone|mobile|msisdn|whatsapp|cell|[?&#](?:tel|ph)=", re.I
)


def _url_may_hint(url: str) -> bool:
    """Cheap pre-test before ``_URL_HINT`` (whose case-insensitive alternation is
    slow): true for every URL whose query or fragment can hold what H013 reports,
    since that needs an `@`, a `%` (`%40`, `%2B`, an encoded name), a `+`, or a
    member name that says phone (in ASCII letters)."""
    if "@" in url or "%" in url or "+" in url:
        return True
    low = url.lower()
    return (
        "ph" in low
        or "tel" in low
        or "cell" in low
        or "mobile" in low
        or "msisdn" in low
        or "whatsapp" in low
    )


def _url_contacts(path: tuple[Any, ...], url: str) -> list[Hit] | None:
    if "=" not in url or not _url_may_hint(url) or _URL_HINT.search(url) is None:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    hits = None
    for section in (parts.query, parts.fragment.partition("?")[2] or parts.fragment):
        if "=" not in section:
            continue
        for name, value in parse_qsl(section, keep_blank_values=False):
            kind = contact_kind(name, value.strip())
            if kind is not None:
                hits = hits or []
                hits.append(
                    _contact_hit(path, kind, value, f" (query parameter `{mask_key(name)}`)")
                )
    return hits


#: Member names ``names_phone`` rejected, so that a dict's keys are cleared at C
#: speed (``issuperset``); bounded, since names come from the input.
_NOT_PHONE: set[str] = set()
_NOT_PHONE_MAX = 4096


def _phone_key(node: dict[str, Any]) -> bool:
    """Some key of ``node`` says phone (names_phone); the others are remembered."""
    for key in node:
        if key not in _NOT_PHONE:
            if names_phone(key):
                return True
            if type(key) is str and len(_NOT_PHONE) < _NOT_PHONE_MAX:
                _NOT_PHONE.add(key)
    return False


def _container_may_hold(value: dict[str, Any] | list[Any]) -> bool:
    """A string in ``value`` holds an `@` or a `+`, or one of its member names
    says phone: what :func:`may_be_contact` needs before H013's walk looks closer.
    Past the walk's node bound it answers True and lets the walk decide."""
    stack: list[Any] = [value]
    budget = _MAX_NODES
    while stack:
        budget -= 1
        if budget < 0:
            return True
        node = stack.pop()
        if type(node) is dict:
            if not _NOT_PHONE.issuperset(node) and _phone_key(node):
                return True
            node = node.values()
        elif node and type(node[0]) is str:
            try:  # a list of strings (ids, extinfo): one C-speed join, no loop
                text = "".join(node)
            except TypeError:  # mixed after all: the loop below
                pass
            else:
                if "@" in text or "+" in text:
                    return True
                continue
        for item in node:
            kind = type(item)
            if kind is str:
                if "@" in item or "+" in item:
                    return True
            elif kind is dict or kind is list:
                stack.append(item)
    return False


def _may_hold_contact(event: dict[str, Any]) -> bool:
    """H013's condition: outside ``user_data``, a member name says phone, a string
    holds an `@` or a `+`, or a URL key's value has a query and may hold a hint.
    No call per value: most events are cleared by C-speed tests."""
    if not _NOT_PHONE.issuperset(event) and _phone_key(event):
        return True
    for key, value in event.items():
        kind = type(value)
        if kind is str:
            if key in _URL_KEYS:
                if "=" in value and _url_may_hint(value):
                    return True
            elif ("@" in value or "+" in value) and key != "user_data":
                return True
        elif (kind is dict or kind is list) and key != "user_data" and _container_may_hold(value):
            return True
    return False


@rule(
    "H013",
    "contact-data-outside-user-data",
    Severity.WARNING,
    Scope.EVENT,
    when=Condition("_may_hold_contact(event)", names={"_may_hold_contact": _may_hold_contact}),
)
def contact_data_outside_user_data(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A plain email address or phone number is sent outside `user_data`.

    ## What it does
    Searches every part of the event except `user_data` — `custom_data` and
    its nested custom properties, `original_event_data`, `app_data`,
    `event_id` and the other event keys — for a value that is a complete
    email address (`local@domain.tld`; asset names such as `logo@2x.png`
    excepted), an international phone number (`+` then 8–15 digits), or,
    under a member whose name says phone (`phone`, `mobile`, `tel`, `ph`,
    `phoneNumber`, …), a national number of 7–15 digits. In
    `event_source_url` and `referrer_url` only the query string and the
    fragment are searched (`?email=ann%40example.com`), since the page
    address itself is expected there. Hashed values, partial addresses,
    numbers without `+` under other names (order numbers, SKUs) and
    everything inside `user_data` (the H and N rules judge it) pass. The
    value is shown masked.

    ## Why is this bad?
    Meta's systems are designed not to accept unhashed contact information;
    email addresses and phone numbers belong, normalised and hashed, in
    `user_data.em` and `user_data.ph`, where they are used for matching
    only. A raw address in `custom_data` or in a URL is personal data sent
    in plain text: it is never used for matching, and it is stored with the
    event. A business's own contact (a store phone number) is reported too;
    ignore the rule for such files.

    ## Example
    ```json
    {"event_name": "ViewContent", "user_data": {"em": "…hash…"},
     "custom_data": {"email": "abc@gmail.com", "value": 100}}
    ```

    ## Fix
    Drop the field, or move the value into `user_data` as a normalised
    SHA-256 (`em`, `ph`).

    ## Source
    - Meta, Customer Information Parameters: {CI}
    - Evidence: Meta states that its systems do not accept unhashed contact
      information (§ introduction); the shapes recognised are our inference.
    """
    hits: list[Hit] = []
    budget = [_MAX_NODES]
    for key, value in event.items():
        if key == "user_data" or value is None:
            continue
        if key in _URL_KEYS and type(value) is str:
            found = _url_contacts((key,), value)
            if found:
                hits += found
            continue
        if type(value) is dict or type(value) is list or may_be_contact(key, value):
            _scan(value, key, (key,), 0, hits, budget)
    return hits or None


def _scan(
    value: Any, name: Any, path: tuple[Any, ...], depth: int, hits: list[Hit], budget: list[int]
) -> None:
    """Report contact data in ``value`` (held by member ``name`` at ``path``); the
    walk stops at depth _MAX_DEPTH and after _MAX_NODES values per event."""
    budget[0] -= 1
    if budget[0] < 0:
        return
    kind_of = type(value)
    if kind_of is dict:
        if depth < _MAX_DEPTH:
            for key, item in value.items():
                if type(item) is dict or type(item) is list or may_be_contact(key, item):
                    _scan(item, key, (*path, key), depth + 1, hits, budget)
    elif kind_of is list:
        if depth < _MAX_DEPTH:
            for index, item in enumerate(value):
                if type(item) is dict or type(item) is list or may_be_contact(name, item):
                    _scan(item, name, (*path, index), depth + 1, hits, budget)
    elif may_be_contact(name, value):
        kind = contact_kind(name, value)
        if kind is not None:
            hits.append(_contact_hit(path, kind, value))
