"""One pass over an event's ``user_data``, shared by the U, H and N rules.

:func:`analyse` walks ``user_data`` once per event (cached in ``ctx.memo``):
it classifies every string value of the hashed fields and of
``external_id`` (element by element for lists), records empty values and the
set of present keys. The N rules' work -- normalising raw values, which
needs ``phonenumbers``/``email_validator`` (slow to import) -- is done lazily,
only for events that hold a raw value, and is cached per value.

Terms (``rules.md`` conventions):

* *hashed field*: ``em ph fn ln db ge ct st zp country`` and the SDK split
  keys ``f5first f5last fi dobd dobm doby``;
* *raw-only field*: the never-hash keys listed by H006;
* *present*: not null, not a blank string, not an empty list (a list is
  present when it holds at least one non-blank item).
"""

from __future__ import annotations

import re
from functools import lru_cache
from socket import AF_INET, AF_INET6, inet_pton
from typing import Any

from capi_lint import schemas
from capi_lint.context import Context
from capi_lint.hashing import EMPTY_SHA256, PLACEHOLDER_HASHES, HashKind, classify, is_appendix

__all__ = [
    "DIGEST_KINDS",
    "HASHED_FIELDS",
    "KNOWN_KEYS",
    "RAW_ONLY_FIELDS",
    "Elem",
    "UserData",
    "analyse",
    "ip_address_part",
    "is_digest",
    "is_ip",
    "label",
    "looks_like_uuid",
    "normalise",
    "raw_only_digest",
    "resolve_region",
]

HASHED_FIELDS = frozenset(
    {
        "em",
        "ph",
        "fn",
        "ln",
        "db",
        "ge",
        "ct",
        "st",
        "zp",
        "country",
        "f5first",
        "f5last",
        "fi",
        "dobd",
        "dobm",
        "doby",
    }
)

RAW_ONLY_FIELDS = (
    "client_ip_address",
    "client_user_agent",
    "fbc",
    "fbp",
    "subscription_id",
    "fb_login_id",
    "lead_id",
    "anon_id",
    "madid",
    "page_id",
    "page_scoped_user_id",
    "ctwa_clid",
    "ig_account_id",
    "ig_sid",
    "whatsapp_business_account_id",
)

#: Every user_data key the schema knows (unknown keys are S009's).
KNOWN_KEYS = frozenset(schemas.load("user_data")["properties"])

#: Kinds that are some hex digest (valid or not).
DIGEST_KINDS = frozenset(k for k in HashKind if k is not HashKind.NOT_HASH)
VALID_KINDS = frozenset({HashKind.SHA256, HashKind.SHA256_APPENDIX})

#: Hashes that carry no information: sha256("") and the placeholders.
_SPECIAL_HASHES = PLACEHOLDER_HASHES | {EMPTY_SHA256}

_KEY = "userdata"

#: value -> HashKind of hashed-field values seen lately (bounded, cleared when
#: full): cities, states, countries, genders and returning customers' hashes
#: repeat across events. The value's hash() is computed once per string either
#: way (the special-hash test needs it), so a hit costs one dict lookup.
_KINDS: dict[str, HashKind] = {}
_KINDS_LIMIT = 4096

#: (key, pointer relative to the event, value, kind)
Elem = tuple[str, tuple[Any, ...], str, HashKind]


def is_digest(value: str) -> bool:
    """True if ``value`` is some hex digest shape (valid hash, MD5, uppercase, ...)."""
    return classify(value) is not HashKind.NOT_HASH


_SHA256 = HashKind.SHA256
_APPENDIX_KIND = HashKind.SHA256_APPENDIX
_UPPER = HashKind.UPPERCASE_SHA256
_NOT_HASH = HashKind.NOT_HASH
_MD5 = HashKind.MD5
_BAD_APPENDIX = HashKind.SHA256_BAD_APPENDIX
_HEX32 = re.compile(r"[0-9A-Fa-f]{32}")
_LOWER64 = re.compile(r"[0-9a-f]{64}")


def looks_like_uuid(hex32: str) -> bool:
    """32 hex digits shaped like a dash-less UUID (version 1-8, variant 8-b), not an MD5."""
    return hex32[12] in "12345678" and hex32[16] in "89abAB"


def raw_only_digest(value: str) -> bool:
    """What H006 reports in a never-hash key: 32 or 64 hex characters (any case,
    appendix allowed), except all-digit values and dash-less UUIDs."""
    if len(value) < 32 or _HEX32.match(value) is None or value[:32].isdigit():
        return False  # the cheap test rejects IPs, user agents, cookies at once
    kind = classify(value)
    if kind is _MD5:
        return not looks_like_uuid(value[:32])
    return kind is _SHA256 or kind is _APPENDIX_KIND or kind is _UPPER or kind is _BAD_APPENDIX


def label(where: tuple[Any, ...]) -> str:
    """```user_data.em``` or ```user_data.em[1]``` for a pointer relative to the event."""
    if len(where) == 3:
        return f"`{where[0]}.{where[1]}[{where[2]}]`"
    return "`" + ".".join(str(w) for w in where) + "`"


#: Keys of Meta's invalid combinations (U003), SDK split keys included.
COMBINATION_KEYS = frozenset(
    {"ct", "country", "st", "zp", "ge", "client_user_agent", "db", "fn", "ln"}
    | {"f5first", "f5last", "fi", "dobd", "dobm", "doby"}
)
_IDENTIFYING = KNOWN_KEYS - COMBINATION_KEYS
_CLOSED_SETS = frozenset({"ge", "country", "st"})
_RAW_ONLY = frozenset(RAW_ONLY_FIELDS)


class UserData:
    """What the rules of one event need to know about its ``user_data``."""

    __slots__ = (
        "_region",
        "closed",
        "data",
        "empties",
        "event",
        "ext",
        "ext_odd",
        "ext_raw",
        "has_raw",
        "hashed",
        "identifying",
        "long_raw",
        "n_hits",
        "odd",
        "present",
        "special",
    )

    def __init__(self, event: dict[str, Any]) -> None:
        self.event = event
        data = event.get("user_data")
        #: The user_data object, or None when it is absent or not an object.
        self.data: dict[str, Any] | None = data if type(data) is dict else None
        #: Non-blank string elements of the hashed fields.
        self.hashed: list[Elem] = []
        #: Non-blank string elements of external_id.
        self.ext: list[Elem] = []
        #: Elements of ge, country and st (closed value sets, H010).
        self.closed: list[Elem] = []
        #: (pointer, value) of null / blank / [] values and null / blank list items.
        self.empties: list[tuple[tuple[Any, ...], Any]] = []
        #: Keys with a present value.
        self.present: set[str] = set()
        #: A known key outside Meta's invalid combinations is present (U003 cannot fire).
        self.identifying = False
        #: (key, value) of never-hash keys holding a string of 32+ characters (H006).
        self.long_raw: list[tuple[str, str]] = []
        #: Some hashed-field element is not a plain 64-hex hash.
        self.odd = False
        #: Some hashed-field element is not a digest at all (a raw value).
        self.has_raw = False
        #: Some external_id element is not a plain 64-hex hash / is not a digest at all.
        self.ext_odd = False
        self.ext_raw = False
        #: Elements (hashed fields and external_id) whose digest is sha256("") or a placeholder's.
        self.special: list[Elem] = []
        #: code -> hits of the N rules, filled by the first N rule that runs.
        self.n_hits: dict[str, list[Any]] | None = None
        self._region: Any = _UNSET
        if self.data is not None:
            self._walk(self.data)

    def _walk(self, data: dict[str, Any]) -> None:
        hashed_fields = HASHED_FIELDS
        empties = self.empties
        present = self.present
        identifying = False
        for key, value in data.items():
            kind = type(value)
            if kind is str:
                if value and not value.isspace():
                    present.add(key)
                    if not identifying and key in _IDENTIFYING:
                        identifying = True
                    if key in hashed_fields or key == "external_id":
                        self._add(key, ("user_data", key), value)
                    elif len(value) >= 32 and key in _RAW_ONLY:
                        self.long_raw.append((key, value))
                else:
                    empties.append((("user_data", key), value))
            elif kind is list:
                if not value:
                    empties.append((("user_data", key), value))
                    continue
                tracked = key in hashed_fields or key == "external_id"
                for index, item in enumerate(value):
                    if type(item) is str:
                        if item and not item.isspace():
                            present.add(key)
                            if tracked:
                                self._add(key, ("user_data", key, index), item)
                        else:
                            empties.append((("user_data", key, index), item))
                    elif item is None:
                        empties.append((("user_data", key, index), item))
                    else:
                        present.add(key)
                if not identifying and key in _IDENTIFYING and key in present:
                    identifying = True
            elif value is None:
                empties.append((("user_data", key), value))
            else:
                present.add(key)
                if not identifying and key in _IDENTIFYING:
                    identifying = True
        self.identifying = identifying

    def _add(self, key: str, where: tuple[Any, ...], value: str) -> None:
        kind = _KINDS.get(value)
        if kind is None:
            if len(value) == 64 and _LOWER64.fullmatch(value) is not None:
                kind = _SHA256  # the common case, without the call to classify()
            else:
                kind = classify(value)
            if len(_KINDS) >= _KINDS_LIMIT:
                _KINDS.clear()
            _KINDS[value] = kind
        elem = (key, where, value, kind)
        if key == "external_id":
            self.ext.append(elem)
            if kind is not _SHA256:
                self.ext_odd = True
                if kind is _NOT_HASH:
                    self.ext_raw = True
        else:
            self.hashed.append(elem)
            if key in _CLOSED_SETS:
                self.closed.append(elem)
            if kind is not _SHA256:
                self.odd = True
                if kind is _NOT_HASH:
                    self.has_raw = True
        if kind is _SHA256:
            if value in _SPECIAL_HASHES:
                self.special.append(elem)
        elif kind is _APPENDIX_KIND:
            if value[:64] in _SPECIAL_HASHES:
                self.special.append(elem)
        elif kind is _UPPER and value[:64].lower() in _SPECIAL_HASHES:
            self.special.append(elem)

    # ------------------------------------------------------------------ region

    def region(self, ctx: Context) -> str | None:
        """Upper-case alpha-2 for national numbers, states and ZIPs, or None.

        The event's own ``country`` (raw or hashed) when all its values agree,
        else ``--default-region`` / ``default-region``, else None.
        """
        if self._region is _UNSET:
            self._region = resolve_region(self.hashed, ctx.settings.default_region)
        return self._region


_UNSET = object()


def analyse(event: dict[str, Any], ctx: Context) -> UserData:
    """The (cached) :class:`UserData` of ``event``."""
    memo = ctx.memo
    found = memo.get(_KEY)
    if found is not None and found.event is event:
        return found
    found = UserData(event)
    memo[_KEY] = found
    return found


#: ``names=`` of the conditions that read the analysis (U002-U004, the H and N
#: rules): one binding, so every tier calls one memoised function.
ANALYSE_NAMES = {"_analyse": analyse}


# ---------------------------------------------------------------------- normalisation


@lru_cache(maxsize=8192)
def normalise(field: str, value: str, region: str | None) -> tuple[str | None, str | None]:
    """``normalize_or_reason`` with a cache (values repeat across events)."""
    from capi_lint.normalize import normalize_or_reason

    return normalize_or_reason(field, value, region)


@lru_cache(maxsize=64)
def _canonical(region: str | None) -> str | None:
    if region is None:
        return None
    from capi_lint.normalize import canonical_region

    try:
        return canonical_region(region)
    except ValueError:
        return None


def event_region(event: dict[str, Any], default: str | None) -> str | None:
    """The region of ``event`` as the rules resolve it (:meth:`UserData.region`),
    for code without a rule context (``--fix`` hashes what the rules judged)."""
    return resolve_region(UserData(event).hashed, default)


def resolve_region(hashed: list[Elem], default: str | None) -> str | None:
    codes: set[str] = set()
    for key, _where, value, kind in hashed:
        if key != "country":
            continue
        code: str | None
        if kind is HashKind.NOT_HASH:
            code, _reason = normalise("country", value, None)
        else:
            from capi_lint.hashing import country_from_hash

            code = country_from_hash(value)
        if code is not None:
            codes.add(code)
    if len(codes) == 1:
        return codes.pop().upper()
    return _canonical(default)


_ZIP_PLUS4 = re.compile(r"\d{5}[\s\-\u2010-\u2015\u2212]+\d{4}")


def us_context(ud: UserData, ctx: Context) -> bool:
    """The event is a US one: its region is US, or (no region) a raw ZIP+4 is sent."""
    region = ud.region(ctx)
    if region is not None:
        return region == "US"
    for key, _where, value, kind in ud.hashed:
        if key == "zp" and kind is HashKind.NOT_HASH and _ZIP_PLUS4.fullmatch(value.strip()):
            return True
    return False


# ---------------------------------------------------------------------- client_ip_address


def is_ip(text: str) -> bool:
    """True if ``text`` is exactly one IPv4 or IPv6 address (the C parser's reading)."""
    for family in (AF_INET, AF_INET6):
        try:
            inet_pton(family, text)
        except (OSError, ValueError):  # ValueError: an embedded NUL
            continue
        return True
    return False


def ip_address_part(value: str) -> str:
    """The address of a `client_ip_address`, without the parameter builder's appendix.

    Meta's parameter builder appends ``.<appendix>`` to the IP it returns
    (``81.2.69.142.AQQAAQMC``, ``2001:db8::1.AQ``); the address before it is
    what U005/U006 and B006 judge. A value that is an address as a whole is
    returned unchanged (``1.2.3.45`` keeps its last octet), and so is anything
    whose head is not one address (only one appendix is taken off).
    """
    head, dot, tail = value.rpartition(".")
    if not dot or not is_appendix(tail) or not is_ip(head) or is_ip(value):
        return value
    return head


# ---------------------------------------------------------------------- fbc / fbp

_FBCLID = re.compile(r"[A-Za-z0-9_-]+")
_DOUBLE = re.compile(r"fb\.\d{1,3}\.\d+\.fb\.\d{1,3}\.\d+\.")
_INDEX = re.compile(r"\d{1,3}")


class Cookie:
    """A parsed ``fbc``/``fbp`` value (see :func:`parse_cookie`)."""

    __slots__ = ("bad_appendix", "created_ms", "double", "id", "problem")

    def __init__(
        self,
        problem: str | None = None,
        *,
        id: str | None = None,
        created_ms: int | None = None,
        bad_appendix: bool = False,
        double: bool = False,
    ) -> None:
        #: What is wrong with the format (U009/U013), None if well-formed.
        self.problem = problem
        #: The fourth segment (fbclid / random number), if there is one.
        self.id = id
        #: The creation time when it is a 13-digit millisecond time.
        self.created_ms = created_ms
        #: Five segments whose fifth is not a param-builder appendix (H008).
        self.bad_appendix = bad_appendix
        #: An fbc whose fbclid segment is itself a cookie value (U010).
        self.double = double


@lru_cache(maxsize=4096)
def parse_cookie(key: str, value: str) -> Cookie | None:
    """Parse an ``fbc`` (key ``"fbc"``) or ``fbp`` value; None for a bare digest (H006's).

    Never raises. The problem texts name the key and the segment, never the value.
    Cached (bounded): a visitor's cookies come back on each of their events
    (PageView, AddToCart, Purchase, ...); the returned Cookie is never changed.
    """
    if raw_only_digest(value):
        return None
    name = "fbclid" if key == "fbc" else "random number"
    if value != value.strip():
        return Cookie("has leading or trailing whitespace")
    lowered = value[:5].lower()
    if lowered in ("_fbc=", "_fbp="):
        return Cookie(f"includes the cookie name (`{value[:5]}`); send only the cookie value")
    if key == "fbc" and _DOUBLE.match(value):
        return Cookie(double=True)
    parts = value.split(".")
    if parts[0] != "fb":
        if key == "fbc" and len(parts) == 1 and _FBCLID.fullmatch(value):
            return Cookie(
                "is a bare fbclid, not a cookie value; build `fb.1.<creation time ms>.<fbclid>`",
                id=value,
            )
        return Cookie("does not start with `fb.`")
    count = len(parts)
    if count < 4 or count > 5:
        return Cookie(
            f"has {count} dot-separated segments; expected "
            f"`fb.<subdomain index>.<creation time>.<{name}>` (4, or 5 with an appendix)",
            id=parts[3] if count > 3 else None,
        )
    index, created, ident = parts[1], parts[2], parts[3]
    bad_appendix = count == 5 and not is_appendix(parts[4])
    problem = None
    created_ms = None
    if not _INDEX.fullmatch(index):
        problem = "has a subdomain index that is not a small number (0, 1 or 2)"
    elif not created.isdigit() or not created.isascii():
        problem = "has a creation time that is not a number"
    elif len(created) == 10:
        problem = "has a creation time in seconds (10 digits); it must be milliseconds (13)"
    elif len(created) != 13:
        problem = f"has a {len(created)}-digit creation time; it must be 13-digit milliseconds"
    else:
        created_ms = int(created)
    if problem is None:
        if not ident:
            problem = f"has an empty {name}"
        elif key == "fbc":
            if not _FBCLID.fullmatch(ident):
                problem = "has an fbclid with characters outside A-Z a-z 0-9 _ -"
        elif not (ident.isdigit() and ident.isascii()):
            problem = (
                "has a fourth segment that is not a number (this looks like an fbc value)"
                if _FBCLID.fullmatch(ident)
                else "has a fourth segment that is not a number"
            )
    return Cookie(problem, id=ident, created_ms=created_ms, bad_appendix=bad_appendix)
