"""U — customer information: presence, invalid combinations, IP, user agent, fbc/fbp, madid,
lead_id."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from socket import AF_INET, AF_INET6, inet_pton
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from capi_lint.context import Context
from capi_lint.hashing import is_appendix
from capi_lint.model import Hit, Severity
from capi_lint.registry import NeedsNow, Scope, rule
from capi_lint.rules._userdata import (
    ANALYSE_NAMES,
    KNOWN_KEYS,
    analyse,
    ip_address_part,
    is_ip,
    label,
    parse_cookie,
    raw_only_digest,
)
from capi_lint.rules._util import mask, reference_time
from capi_lint.tiers import Condition

# --------------------------------------------------------------------------- U001–U004


@rule(
    "U001",
    "missing-user-data",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition("user_data is None"),  # absent or null: exactly when it reports
)
def missing_user_data(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """The event has no `user_data`.

    ## What it does
    Reports an event without a `user_data` key, or with `user_data: null`.
    A `user_data` that is an object passes (U002 judges its contents); one that
    is not an object is S010's.

    ## Why is this bad?
    `user_data` is required for every server event: without customer
    information Meta can match the event to nobody and rejects it.

    ## Example
    ```json
    {"event_name": "Purchase", "event_time": 1763800000, "action_source": "website"}
    ```

    ## Fix
    Send the customer information you have (hashed `em`/`ph`, `external_id`,
    and for website events `client_ip_address`, `client_user_agent`, `fbp`, `fbc`).

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: stated in Meta's documentation.
    """
    if "user_data" not in event:
        return [Hit((), "event has no `user_data`", "send the customer information parameters")]
    if event["user_data"] is None:
        return [
            Hit(("user_data",), "`user_data` is null", "send the customer information parameters")
        ]
    return None


@rule(
    "U002",
    "no-identifier",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition(
        "type(user_data) is dict and not _analyse(event, ctx).present", names=ANALYSE_NAMES
    ),
)
def no_identifier(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`user_data` holds no customer information at all.

    ## What it does
    Reports a `user_data` object with no present key: it is empty (`{}`), or
    every value is null, an empty or blank string, an empty list or a list of
    such items. One present key of any kind passes.

    ## Why is this bad?
    Meta requires at least one customer information parameter with correct
    formatting; an event without one is rejected.

    ## Example
    ```json
    {"user_data": {"em": "", "ph": null, "fbp": []}}
    ```

    ## Fix
    Send at least one identifier; prefer `em`, `ph`, `external_id`, and for
    website events `client_ip_address` + `client_user_agent`, `fbp`, `fbc`.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: stated in Meta's documentation.
    """
    ud = analyse(event, ctx)
    if ud.data is None or ud.present:
        return None
    what = "is empty" if not ud.data else "has no key with a value (all null or empty)"
    return [
        Hit(
            ("user_data",),
            f"`user_data` {what}; Meta needs at least one customer information parameter",
            "send at least one identifier such as a hashed `em` or `external_id`",
        )
    ]


#: Meta's invalid combinations (Graph API v13.0+), in the catalogue's order.
INVALID_SETS: tuple[frozenset[str], ...] = (
    frozenset({"ct", "country", "st", "zp", "ge", "client_user_agent"}),
    frozenset({"db", "client_user_agent"}),
    frozenset({"fn", "ge"}),
    frozenset({"ln", "ge"}),
)
_SET_TEXT = (
    "ct+country+st+zp+ge+client_user_agent",
    "db+client_user_agent",
    "fn+ge",
    "ln+ge",
)
#: SDK split keys counted as the key they are part of (our choice, requirements §4.5).
_SPLIT_AS = {
    "f5first": "fn",
    "fi": "fn",
    "f5last": "ln",
    "dobd": "db",
    "dobm": "db",
    "doby": "db",
}


@rule(
    "U003",
    "invalid-key-combination",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition(
        "type(user_data) is dict and not _analyse(event, ctx).identifying", names=ANALYSE_NAMES
    ),
)
def invalid_key_combination(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """The customer information is only one of Meta's invalid combinations.

    ## What it does
    Takes the set of present, known `user_data` keys and reports it when it is
    a subset of one of Meta's invalid combinations:
    `ct`+`country`+`st`+`zp`+`ge`+`client_user_agent`, `db`+`client_user_agent`,
    `fn`+`ge` or `ln`+`ge` — e.g. only a user agent, `ge`+`ct`+`st`+`country`,
    `db`+`client_user_agent`. Any present key outside the matched set makes the
    event valid (`client_ip_address`+`client_user_agent`, `fbp` alone,
    `fn`+`ln`, `db`+`ge`, `fn`+`ln`+`ge`). An empty set is U002's. The SDK
    split keys count as the key they split (`f5first`, `fi` as `fn`; `f5last`
    as `ln`; `dobd`, `dobm`, `doby` as `db`); unknown keys (S009) are ignored.

    ## Why is this bad?
    Since Graph API v13.0 Meta rejects an event whose customer information
    consists only of one of these sets or a subset of one: such keys cannot
    single out a person.

    ## Example
    ```json
    {"user_data": {"ge": "…hash…", "ct": "…hash…", "st": "…hash…", "country": "…hash…"}}
    ```

    ## Fix
    Add a key that identifies the person: `em`, `ph`, `external_id`,
    `client_ip_address`, `fbp`/`fbc`, or `fn`+`ln`.

    ## Source
    - Meta, Conversions API best practices: {BP}
    - Evidence: stated in Meta's documentation.
    """
    ud = analyse(event, ctx)
    present = ud.present
    if ud.identifying or not present:
        return None  # a known key outside every set (em, ph, ip, fbp, ...), or U002's
    keys = {_SPLIT_AS.get(k, k) for k in present if k in KNOWN_KEYS}
    if not keys:
        return None
    for combo, text in zip(INVALID_SETS, _SET_TEXT, strict=True):
        if keys <= combo:
            shown = "+".join(sorted(k for k in present if k in KNOWN_KEYS))
            return [
                Hit(
                    ("user_data",),
                    f"`user_data` has only {shown}, a subset of Meta's invalid combination "
                    f"{text}; Meta rejects such events (Graph API v13.0+)",
                    "add an identifying key: em, ph, external_id, client_ip_address, "
                    "fbp/fbc, or fn+ln",
                )
            ]
    return None


@rule(
    "U004",
    "empty-value",
    Severity.WARNING,
    Scope.EVENT,
    when=Condition("type(user_data) is dict and _analyse(event, ctx).empties", names=ANALYSE_NAMES),
)
def empty_value(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A `user_data` key is sent with an empty value.

    ## What it does
    Reports a `user_data` key whose value is null, `""`, whitespace only or
    `[]`, and each null, empty or blank item of a list (the pointer names the
    item). Absent keys pass, as do lists whose items all have a value.

    ## Why is this bad?
    An empty value carries no match signal. Sent to be hashed it becomes the
    hash of the empty string (H004); peers (Stape, the param builder) drop such
    keys before sending.

    ## Example
    ```json
    {"user_data": {"em": ["…hash…", null], "ph": ""}}
    ```

    ## Fix
    Leave the key out when there is no value; drop empty list items.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: reported by third parties; capi-lint's inference, not stated by Meta.
    """
    ud = analyse(event, ctx)
    if not ud.empties:
        return None
    hits = []
    for where, value in ud.empties:
        if value is None:
            what = "null"
        elif value == "":
            what = "an empty string"
        elif isinstance(value, list):
            what = "an empty list"
        else:
            what = "whitespace only"
        item = len(where) == 3
        hits.append(
            Hit(
                where,
                f"{label(where)} is {what}; an empty value carries no match signal",
                "remove the empty item" if item else "leave the key out when there is no value",
            )
        )
    return hits


# --------------------------------------------------------------------------- U005–U007

#: Non-public ranges: (network, description).
_RANGES_SPEC = (
    ("0.0.0.0/8", 'an unspecified ("this network")'),
    ("10.0.0.0/8", "a private"),
    ("100.64.0.0/10", "a carrier-grade NAT (CGNAT)"),
    ("127.0.0.0/8", "a loopback"),
    ("169.254.0.0/16", "a link-local"),
    ("172.16.0.0/12", "a private"),
    ("192.0.0.0/24", "an IETF protocol-assignment"),
    ("192.0.2.0/24", "a documentation (TEST-NET-1)"),
    ("192.168.0.0/16", "a private"),
    ("198.18.0.0/15", "a benchmarking"),
    ("198.51.100.0/24", "a documentation (TEST-NET-2)"),
    ("203.0.113.0/24", "a documentation (TEST-NET-3)"),
    ("224.0.0.0/4", "a multicast"),
    ("240.0.0.0/4", "a reserved"),
    ("::/128", "an unspecified"),
    ("::1/128", "a loopback"),
    ("100::/64", "a discard-only"),
    ("2001:db8::/32", "a documentation"),
    ("3fff::/20", "a documentation"),
    ("fc00::/7", "a unique-local (ULA)"),
    ("fe80::/10", "a link-local"),
    ("fec0::/10", "a site-local (deprecated)"),
    ("ff00::/8", "a multicast"),
)
_NETWORKS = [(ipaddress.ip_network(spec), text) for spec, text in _RANGES_SPEC]
#: The ranges by packed address length (4: IPv4, 16: IPv6): (first, last, text, network).
_RANGES_BY_SIZE = {
    size: tuple(
        (int(net.network_address), int(net.broadcast_address), text, str(net))
        for net, text in _NETWORKS
        if net.version == version
    )
    for size, version in ((4, 4), (16, 6))
}
_V4_MAPPED_PREFIX = bytes(10) + b"\xff\xff"
_HOSTNAME = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\.?")
_V4_PORT = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}:\d+")
_WHITESPACE = re.compile(r"\s")


@lru_cache(maxsize=4096)
def ip_problem(value: str) -> tuple[str | None, str | None]:
    """(why it is not one address, which non-public range it is in); both None if public."""
    # Most values are well-formed: the C parser settles them in well under a
    # microsecond, where ``ipaddress`` takes several; the range lookup after it
    # takes a few more, so the verdict is cached (bounded) for the events of
    # one visitor, which share their address.
    if value.isascii() and "%" not in value and "\0" not in value:
        # Only an IPv6 address has a colon, only an IPv4 one has none: one
        # parse, no exception for the family it is not.
        try:
            packed = inet_pton(AF_INET6 if ":" in value else AF_INET, value)
        except OSError:
            packed = None
        if packed is not None:
            return None, _non_public(packed)
    return _ip_problem_slow(value)


#: Non-public ranges by (packed length, first byte): most first bytes have none,
#: so a public address is settled by one dict lookup.
_RANGES_BY_LEAD: dict[tuple[int, int], tuple[tuple[int, int, str, str], ...]] = {}
for _size, _ranges in _RANGES_BY_SIZE.items():
    for _range in _ranges:
        _shift = 8 * (_size - 1)
        for _lead in range(_range[0] >> _shift, (_range[1] >> _shift) + 1):
            _RANGES_BY_LEAD[_size, _lead] = (*_RANGES_BY_LEAD.get((_size, _lead), ()), _range)


def _non_public(packed: bytes) -> str | None:
    if len(packed) == 16 and packed[:12] == _V4_MAPPED_PREFIX:
        packed = packed[12:]
    ranges = _RANGES_BY_LEAD.get((len(packed), packed[0]))
    if ranges is None:
        return None
    number = int.from_bytes(packed, "big")
    for first, last, text, net in ranges:
        if first <= number <= last:
            return f"{text} address ({net})"
    return None


def _ip_problem_slow(value: str) -> tuple[str | None, str | None]:
    """`ip_problem` for what the C parser rejects: say what is wrong with it."""
    address = ip_address_part(value)
    if address is not value:
        # The parameter builder's `<ip>.<appendix>`: judge the address.
        return _ip_problem_slow(address)
    if "," in value:
        return "is a comma-separated list (an X-Forwarded-For chain), not one address", None
    if _WHITESPACE.search(value):
        return "contains whitespace", None
    if "/" in value:
        return "is a network in CIDR notation, not one address", None
    if value.startswith("["):
        return "has brackets (and maybe a port) around the address", None
    if "%" in value:
        return "has an IPv6 zone index (`%…`); send the address without it", None
    if _V4_PORT.fullmatch(value):
        return "has a port after the address", None
    try:
        parsed = ipaddress.ip_address(value)
    except ValueError:
        if _has_address_prefix(value):
            return (
                "has a suffix after the address that is not one parameter-builder "
                "appendix (`.` + 2 or 8 base64url characters)",
                None,
            )
        if _HOSTNAME.fullmatch(value) and any(ch.isalpha() for ch in value):
            return "is a host name, not an IP address", None
        return "is not a valid IPv4 or IPv6 address", None
    return None, _non_public(parsed.packed)


def _has_address_prefix(value: str) -> bool:
    """`<address>.<anything>`: an IP followed by a dot and more text."""
    start = 0
    # An address is at most 45 characters: never scan further (bounded work).
    while (dot := value.find(".", start, 46)) != -1:
        if is_ip(value[:dot]):
            return True
        start = dot + 1
    return False


def _ip_verdict(event: dict[str, Any], ctx: Context) -> tuple[str | None, str | None] | None:
    """`ip_problem` of the event's `client_ip_address`, once per event (U005, U006)."""
    memo = ctx.memo
    if "ip" in memo:
        return memo["ip"]
    value = client_ip(event)
    verdict = memo["ip"] = None if value is None else ip_problem(value)
    return verdict


def is_ipv4(address: str) -> bool:
    """An address U005 accepts is IPv4, or IPv4-mapped IPv6 (``::ffff:a.b.c.d``).

    For the cross-check's share of IPv4 addresses (Meta's "IPv6" diagnostic).
    """
    address = ip_address_part(address)
    try:
        inet_pton(AF_INET, address)
        return True
    except (OSError, ValueError):
        pass
    try:
        return inet_pton(AF_INET6, address)[:12] == _V4_MAPPED_PREFIX
    except (OSError, ValueError):
        return False


def client_ip(event: dict[str, Any]) -> str | None:
    """The event's `client_ip_address` that U005/U006 judge (a non-blank string, not a digest)."""
    user_data = event.get("user_data")
    if type(user_data) is not dict:
        return None
    value = user_data.get("client_ip_address")
    if type(value) is not str or not value or value.isspace() or raw_only_digest(value):
        return None
    return value


def ip_invalid(user_data: Any) -> bool:
    """U005's condition: ``user_data.client_ip_address`` is a string that is not one address."""
    if type(user_data) is not dict:
        return False
    value = user_data.get("client_ip_address")
    return type(value) is str and ip_problem(value)[0] is not None


def ip_non_public(user_data: Any) -> bool:
    """U006's condition: ``user_data.client_ip_address`` is an address in a non-public range."""
    if type(user_data) is not dict:
        return False
    value = user_data.get("client_ip_address")
    return type(value) is str and ip_problem(value)[1] is not None


@rule(
    "U005",
    "invalid-ip",
    Severity.WARNING,
    Scope.EVENT,
    when=Condition("ip_invalid(user_data)", names={"ip_invalid": ip_invalid}),
)
def invalid_ip(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`client_ip_address` is not one IP address.

    ## What it does
    Reports a `client_ip_address` that does not parse as one IPv4 or IPv6
    address: a comma-separated `X-Forwarded-For` chain, a port, brackets,
    whitespace, CIDR notation, an IPv6 zone index, a host name. Valid IPv4,
    compressed or full IPv6, IPv4-mapped IPv6 (`::ffff:a.b.c.d`) and zone-free
    link-local addresses pass (U006 judges the range); a 32/64-hex digest is
    H006's. An address followed by the parameter builder's appendix
    (`81.2.69.142.AQQAAQMC`, `2001:db8::1.AQ`: `.` + 2 or 8 base64url
    characters) is judged by its address part.

    ## Why is this bad?
    Meta needs the customer's real IP address as a valid IPv4 or IPv6 address;
    anything else is not matched (Events Manager reports invalid IP addresses).

    ## Example
    ```json
    {"user_data": {"client_ip_address": "203.0.113.7, 10.0.0.2"}}
    ```

    ## Use instead
    ```json
    {"user_data": {"client_ip_address": "203.0.113.7"}}
    ```

    ## Fix
    Send one address: the first (client) entry of `X-Forwarded-For`, without
    port, brackets or spaces.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Meta, Parameter Builder library: {PBL}
    - Evidence: stated in Meta's documentation.
    """
    verdict = _ip_verdict(event, ctx)
    if verdict is None or verdict[0] is None:
        return None
    problem = verdict[0]
    return [
        Hit(
            ("user_data", "client_ip_address"),
            f"`user_data.client_ip_address` {problem}",
            "send exactly one IPv4 or IPv6 address: the customer's",
        )
    ]


@rule(
    "U006",
    "non-public-ip",
    Severity.WARNING,
    Scope.EVENT,
    when=Condition("ip_non_public(user_data)", names={"ip_non_public": ip_non_public}),
)
def non_public_ip(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`client_ip_address` is not a public address.

    ## What it does
    Reports a `client_ip_address` in a private (10/8, 172.16/12, 192.168/16),
    loopback, link-local, CGNAT (100.64/10), unique-local (fc00::/7),
    multicast, unspecified, reserved, benchmarking or documentation range
    (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20). An
    IPv4-mapped IPv6 address is judged as its IPv4 address, and an address
    with the parameter builder's appendix (`10.0.3.17.AQ`) as its address
    part. Public unicast IPv4 and IPv6 pass.

    ## Why is this bad?
    Such an address is your server's, proxy's or load balancer's, not the
    customer's: Events Manager reports "Server sending mismatched IP addresses"
    and "client IP addresses associated with multiple users", and matching
    suffers.

    ## Example
    ```json
    {"user_data": {"client_ip_address": "10.0.3.17"}}
    ```

    ## Fix
    Take the client address from `X-Forwarded-For` / `X-Real-IP` (the first
    public entry) instead of the socket's peer address.

    ## Source
    - Meta, Dataset Quality API: {DQ}
    - Evidence: stated in Meta's documentation; reported by third parties.
    """
    verdict = _ip_verdict(event, ctx)
    if verdict is None or verdict[1] is None:
        return None
    where = verdict[1]
    return [
        Hit(
            ("user_data", "client_ip_address"),
            f"`user_data.client_ip_address` is {where}, not the customer's public IP",
            "send the client's public address (first public entry of X-Forwarded-For)",
        )
    ]


@rule(
    "U007",
    "website-missing-ip",
    Severity.WARNING,
    Scope.EVENT,
    action_sources={"website"},
    # The check itself, inline: no address (absent or null), or a blank string.
    when=Condition(
        "type(user_data) is dict and ("
        "type(user_data.get('client_ip_address')) is not str"
        " or not user_data['client_ip_address']"
        " or user_data['client_ip_address'].isspace())"
    ),
)
def website_missing_ip(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A website event has no `client_ip_address`.

    ## What it does
    For `action_source = website`, reports `user_data` without a present
    `client_ip_address` (absent, null or empty; U004 also reports an empty
    value). An address that is present but invalid is U005's. Other action
    sources pass.

    ## Why is this bad?
    Meta asks for the IP address and user agent on all website events; the IP
    is one of the highest-weighted match keys.

    ## Example
    ```json
    {"action_source": "website", "user_data": {"client_user_agent": "Mozilla/5.0 (…)"}}
    ```

    ## Fix
    Send the customer's IP address with every website event.

    ## Source
    - Meta, Conversions API best practices: {BP}
    - Evidence: stated in Meta's documentation.
    """
    user_data = event.get("user_data")
    if type(user_data) is not dict:
        return None
    value = user_data.get("client_ip_address")
    if value is not None and (type(value) is not str or (value and not value.isspace())):
        return None
    return [
        Hit(
            ("user_data",),
            "website event has no `client_ip_address`",
            "send the customer's IP address (IPv6 when the customer has one)",
        )
    ]


# --------------------------------------------------------------------------- U008

_UA_PLACEHOLDERS = frozenset(
    {
        "unknown",
        "null",
        "undefined",
        "none",
        "-",
        "n/a",
        "na",
        "0",
        "test",
        "[object object]",
        "mozilla/5.0",
        "mozilla",
        "user-agent",
        "useragent",
        "user agent",
    }
)
#: Lowercase prefixes of server-side HTTP libraries' default user agents.
_UA_LIBRARIES = (
    "python-requests/",
    "python-urllib/",
    "python-httpx/",
    "aiohttp/",
    "axios/",
    "curl/",
    "wget/",
    "go-http-client/",
    "okhttp/",
    "node-fetch",
    "undici",
    "java/",
    "apache-httpclient/",
    "guzzlehttp/",
    "postmanruntime/",
    "faraday v",
    "libwww-perl/",
    "ruby",
)


@lru_cache(maxsize=1024)
def user_agent_problem(value: str) -> str | None:
    """What is wrong with a `client_user_agent` string (U008), or None.

    Cached (bounded): a handful of browser builds send most of the traffic.
    """
    text = value.strip()
    if len(text) >= 12 and text[:8] == "Mozilla/" and text[11:12] == " ":
        return None  # the overwhelmingly common "Mozilla/5.0 (…" form
    if not text or raw_only_digest(text):
        return None
    lowered = text.lower()
    if lowered in _UA_PLACEHOLDERS:
        return "is a placeholder, not a browser's user agent"
    if lowered.startswith(_UA_LIBRARIES):
        library = next(p for p in _UA_LIBRARIES if lowered.startswith(p)).rstrip("/ v(")
        return f"is the default user agent of the HTTP library {library!r}, not the browser's"
    if len(text) < 10:
        return f"is only {len(text)} characters long; a browser's user agent is much longer"
    return None


def user_agent_bad(user_data: Any) -> bool:
    """U008's condition (exact): a string `client_user_agent` with a problem."""
    if type(user_data) is not dict:
        return False
    value = user_data.get("client_user_agent")
    return type(value) is str and user_agent_problem(value) is not None


@rule(
    "U008",
    "invalid-user-agent",
    Severity.WARNING,
    Scope.EVENT,
    when=Condition("user_agent_bad(user_data)", names={"user_agent_bad": user_agent_bad}),
)
def invalid_user_agent(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`client_user_agent` is not a browser's user agent.

    ## What it does
    Reports a `client_user_agent` shorter than 10 characters, a placeholder
    (`unknown`, `null`, `undefined`, `-`, `Mozilla/5.0` alone, …) or the
    default user agent of a server HTTP library (`python-requests/`, `axios/`,
    `curl/`, `Go-http-client/`, `okhttp/`, `node-fetch`, `Java/`, …). Real
    browser and in-app WebView user agents pass, including uncommon browsers
    and bots' full user agent strings. An empty value is U004's.

    ## Why is this bad?
    Meta matches on the browser's user agent; Events Manager reports "Your
    server is sending an invalid … user_agent parameter" for placeholders and
    for the server's own HTTP client.

    ## Example
    ```json
    {"user_data": {"client_user_agent": "python-requests/2.32.3"}}
    ```

    ## Fix
    Forward the `User-Agent` header of the customer's browser request, not the
    one of your server's HTTP client.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: reported by third parties; capi-lint's inference, not stated by Meta.
    """
    user_data = event.get("user_data")
    if type(user_data) is not dict:
        return None
    value = user_data.get("client_user_agent")
    if type(value) is not str:
        return None
    problem = user_agent_problem(value)
    if problem is None:
        return None
    return [
        Hit(
            ("user_data", "client_user_agent"),
            f"`user_data.client_user_agent` {problem}",
            "forward the User-Agent header of the customer's browser request",
        )
    ]


# --------------------------------------------------------------------------- U009–U013


def _cookie(event: dict[str, Any], key: str, ctx: Context) -> tuple[str, Any] | None:
    """(value, parsed) of the event's `fbc` / `fbp`, parsed once per event."""
    memo = ctx.memo
    slot = _COOKIE_SLOT[key]
    if slot in memo:
        return memo[slot]
    found = None
    user_data = event.get("user_data")
    if type(user_data) is dict:
        value = user_data.get(key)
        if type(value) is str and value and not value.isspace():
            parsed = parse_cookie(key, value)
            if parsed is not None:
                found = value, parsed
    memo[slot] = found
    return found


_COOKIE_SLOT = {"fbc": "fbc cookie", "fbp": "fbp cookie"}


def _cookie_format(
    event: dict[str, Any], ctx: Context, key: str, code: str, fix: str
) -> list[Hit] | None:
    """U009 / U013: the cookie's shape, or a creation time in the future."""
    found = _cookie(event, key, ctx)
    if found is None:
        return None
    problem = found[1].problem or _future(found[1], event, ctx, code)
    if problem is None:
        return None
    return [Hit(("user_data", key), f"`user_data.{key}` {problem}", fix)]


def _future(parsed: Any, event: dict[str, Any], ctx: Context, code: str) -> str | None:
    """A creation time after the event happened (whatever the date), or after
    the reference time (only when there is one)."""
    created = parsed.created_ms
    if created is None:
        return None
    tolerance = ctx.option(code, "future-tolerance-seconds")
    when = event.get("event_time")
    if type(when) is int and 0 < when < 10**11:  # seconds; E004/E005 judge the rest
        ahead = created // 1000 - when
        if ahead > tolerance:
            return f"has a creation time {_span(ahead)} after the event's `event_time`"
    if ctx.now is None:
        return None
    ahead = created // 1000 - ctx.now
    if ahead <= tolerance:
        return None
    return f"has a creation time {_span(ahead)} after the reference time {reference_time(ctx.now)}"


#: A plain cookie value :func:`parse_cookie` finds well-formed (problem None,
#: ``created_ms`` the 13 digits): ASCII digits only, an optional base64url-ish
#: fifth segment (an appendix or not: H008's). Anything else runs the check.
_PLAIN_COOKIE = {
    "fbc": re.compile(r"fb\.[0-9]{1,3}\.([0-9]{13})\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?"),
    "fbp": re.compile(r"fb\.[0-9]{1,3}\.([0-9]{13})\.[0-9]+(?:\.[A-Za-z0-9_-]*)?"),
}


def _cookie_suspect(key: str, code: str, user_data: Any, event_time: Any, ctx: Context) -> bool:
    """U009's / U013's condition: False only for a non-string or a plain cookie
    value whose creation time is not after `event_time` or the reference time."""
    if type(user_data) is not dict:
        return False
    value = user_data.get(key)
    if type(value) is not str:
        return False
    plain = _PLAIN_COOKIE[key].fullmatch(value)
    if plain is None:
        return True
    created = int(plain[1]) // 1000
    tolerance = ctx.option(code, "future-tolerance-seconds")
    if type(event_time) is int and 0 < event_time < 10**11 and created - event_time > tolerance:
        return True
    return ctx.now is not None and created - ctx.now > tolerance


def fbc_suspect(user_data: Any, event_time: Any, ctx: Context) -> bool:
    return _cookie_suspect("fbc", "U009", user_data, event_time, ctx)


def fbp_suspect(user_data: Any, event_time: Any, ctx: Context) -> bool:
    return _cookie_suspect("fbp", "U013", user_data, event_time, ctx)


def _span(seconds: int) -> str:
    hours = seconds / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"


@rule(
    "U009",
    "fbc-malformed",
    Severity.ERROR,
    Scope.EVENT,
    options={"future-tolerance-seconds": 86_400},
    needs_now=NeedsNow.PARTLY,
    when=Condition("fbc_suspect(user_data, event_time, ctx)", names={"fbc_suspect": fbc_suspect}),
)
def fbc_malformed(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`fbc` is not `fb.<index>.<creation time ms>.<fbclid>[.<appendix>]`.

    ## What it does
    Reports an `fbc` that does not have that shape: fewer than 4 or more than
    5 dot-separated segments, a prefix other than `fb`, a non-numeric
    subdomain index or creation time, a creation time in seconds (10 digits)
    or of any length but 13, a creation time after the event's `event_time`
    or after the reference time (beyond a tolerance; the reference time part
    only when one is given, as for E006), an fbclid with characters
    outside `[A-Za-z0-9_-]`, the cookie name included (`_fbc=…`), a bare
    fbclid, leading/trailing whitespace. Five segments whose fifth is a
    parameter-builder appendix pass (H008 judges an unknown appendix), as do
    subdomain indexes 0, 1 and 2. A wrapped cookie is U010's, a digest H006's.

    ## Why is this bad?
    Meta rejects a malformed `fbc` with error 2804001 "Click ID Incorrectly
    Formatted" (the whole request fails), or cannot attribute the click.

    ## Example
    ```json
    {"user_data": {"fbc": "fb.1.1763799000.IwAR2xYzAbCdEfGhIjKl"}}
    ```

    ## Use instead
    ```json
    {"user_data": {"fbc": "fb.1.1763799000000.IwAR2xYzAbCdEfGhIjKl"}}
    ```

    ## Fix
    Send the `_fbc` cookie value as is, or build it as
    `fb.1.<milliseconds when the fbclid was first seen>.<fbclid unchanged>`.

    ## Options
    `future-tolerance-seconds` (86400): how far after `event_time` or the
    reference time a creation time may be (browser clocks drift) before it is
    reported.

    ## Source
    - Meta, fbp and fbc parameters: {FBC}
    - Evidence: stated in Meta's documentation; reported by third parties.
    """
    return _cookie_format(
        event,
        ctx,
        "fbc",
        "U009",
        "send the _fbc cookie value, or fb.1.<creation time in ms>.<fbclid>",
    )


@rule(
    "U010",
    "fbc-double-wrapped",
    Severity.ERROR,
    Scope.EVENT,
    # A wrapped value has at least six dots; a cookie value has three (four with an appendix).
    when=Condition(
        "type(user_data) is dict and type(user_data.get('fbc')) is str"
        " and user_data['fbc'].count('.') > 5"
    ),
)
def fbc_double_wrapped(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`fbc` wraps a complete cookie value again.

    ## What it does
    Reports an `fbc` whose fbclid segment itself starts with
    `fb.<index>.<digits>.` (`fb.1.<ts>.fb.1.<ts>.<fbclid>`): a cookie value
    that was wrapped a second time. fbclids that merely contain `fb` elsewhere
    pass.

    ## Why is this bad?
    Meta rejects it with error 2804001 "Click ID Incorrectly Formatted".

    ## Example
    ```json
    {"user_data": {"fbc": "fb.1.1763799000000.fb.1.1763799000000.IwAR2xYzAbCdEfGhIjKl"}}
    ```

    ## Fix
    Send the `_fbc` cookie value as is; build `fb.1.<ms>.<fbclid>` only from
    the raw `fbclid` URL parameter.

    ## Source
    - Meta, fbp and fbc parameters: {FBC}
    - Evidence: reported by third parties.
    """
    found = _cookie(event, "fbc", ctx)
    if found is None or not found[1].double:
        return None
    return [
        Hit(
            ("user_data", "fbc"),
            "`user_data.fbc` wraps a complete fbc cookie value again "
            "(`fb.<index>.<time>.fb.<index>.<time>.…`)",
            "send the _fbc cookie value once, without adding another fb.<index>.<time>. prefix",
        )
    ]


_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")


@lru_cache(maxsize=1024)
def url_fbclid(url: str) -> str | None:
    """The (first, non-empty) `fbclid` query value of ``url``, without a param-builder appendix."""
    if "fbclid=" not in url:
        return None
    try:
        query = urlsplit(url).query
    except ValueError:
        return None
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name == "fbclid" and value:
            head, dot, tail = value.rpartition(".")
            return head if dot and is_appendix(tail) else value
    return None


def _event_url(event: dict[str, Any]) -> str | None:
    url = event.get("event_source_url")
    return url if type(url) is str else None


def fbclid_suspect(user_data: Any, url: Any) -> bool:
    """U011's condition: the URL has an `fbclid`, or the fbc's fbclid (the fourth
    segment, or the whole of a dot-less value) could be encoded or all lowercase."""
    if type(user_data) is not dict:
        return False
    fbc = user_data.get("fbc")
    if type(fbc) is not str:
        return False
    if type(url) is str and "fbclid=" in url:
        return True
    if "%" in fbc or "+" in fbc or " " in fbc:
        return True
    parts = fbc.split(".", 4)
    ident = parts[3] if len(parts) > 3 else fbc if len(parts) == 1 else ""
    return len(ident) >= 20 and ident.islower()


@rule(
    "U011",
    "fbclid-modified",
    Severity.WARNING,
    Scope.EVENT,
    when=Condition(
        "fbclid_suspect(user_data, event_source_url)", names={"fbclid_suspect": fbclid_suspect}
    ),
)
def fbclid_modified(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """The fbclid inside `fbc` looks modified.

    ## What it does
    Reports an `fbc` whose fbclid (fourth segment) differs from the `fbclid`
    query value of the same event's `event_source_url`, is entirely lowercase
    and at least 20 characters long, or contains `%xx`, `+` or a space
    (URL-encoded or decoded). A mixed-case fbclid equal to the URL's passes,
    as do URLs without `fbclid` and differences in the parameter-builder
    appendix.

    ## Why is this bad?
    The fbclid is case-sensitive and must be sent unchanged; Events Manager
    warns "Server sending modified fbclid value in fbc parameter" and the click
    is not attributed.

    ## Example
    ```json
    {"event_source_url": "https://shop.example.com/?fbclid=IwAR2xYzAbCdEfGhIjKl",
     "user_data": {"fbc": "fb.1.1763799000000.iwar2xyzabcdefghijkl"}}
    ```

    ## Fix
    Take the fbclid from the URL or the `_fbc` cookie byte for byte: no
    lowercasing, no URL encoding or decoding, no truncation.

    ## Source
    - Meta, fbp and fbc parameters: {FBC}
    - Evidence: stated in Meta's documentation; reported by third parties.
    """
    found = _cookie(event, "fbc", ctx)
    if found is None:
        return None
    fbclid = found[1].id
    if not fbclid or found[1].double:
        return None
    problem = fbclid_problem(fbclid, _event_url(event))
    if problem is None:
        return None
    return [
        Hit(
            ("user_data", "fbc"),
            f"the fbclid in `user_data.fbc` {problem}",
            "copy the fbclid byte for byte from the URL or the _fbc cookie",
        )
    ]


def fbclid_problem(fbclid: str, url: str | None) -> str | None:
    """Why the fbclid of an `fbc` looks modified (U011), or None."""
    problem = None
    from_url = url_fbclid(url) if url else None
    if from_url is not None and from_url != fbclid:
        if from_url.lower() == fbclid.lower():
            problem = "differs in letter case from the `fbclid` in `event_source_url`"
        elif from_url.startswith(fbclid):
            problem = "is a truncated copy of the `fbclid` in `event_source_url`"
        else:
            problem = "differs from the `fbclid` in `event_source_url`"
    elif _PERCENT.search(fbclid) or "+" in fbclid or " " in fbclid:
        problem = "contains URL encoding (`%xx`, `+` or a space)"
    elif len(fbclid) >= 20 and fbclid.islower():
        problem = "is entirely lowercase; real fbclids are mixed-case"
    return problem


@rule(
    "U012",
    "fbc-missing-with-fbclid",
    Severity.WARNING,
    Scope.EVENT,
    when=Condition("type(event_source_url) is str and 'fbclid=' in event_source_url"),
)
def fbc_missing_with_fbclid(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """The page URL carries an `fbclid` but the event has no `fbc`.

    ## What it does
    Reports an event whose `event_source_url` has a non-empty `fbclid` query
    parameter while `user_data.fbc` is absent (or null/empty). An `fbc` that is
    present passes, even if U011 judges it modified; URLs without `fbclid`
    pass.

    ## Why is this bad?
    The visitor came from a Meta ad click; without `fbc` the conversion cannot
    be attributed to that click. Meta asks to send `fbc` whenever it is
    available, building it from the `fbclid` parameter when there is no
    `_fbc` cookie.

    ## Example
    ```json
    {"event_source_url": "https://shop.example.com/?fbclid=IwAR2xYzAbCdEfGhIjKl",
     "user_data": {"fbp": "fb.1.1763790000000.1234567890"}}
    ```

    ## Fix
    Send the `_fbc` cookie, or `fb.1.<ms when first seen>.<fbclid>` built
    from the URL parameter (Meta's parameter builder does it).

    ## Source
    - Meta, fbp and fbc parameters: {FBC}
    - Evidence: stated in Meta's documentation.
    """
    url = event.get("event_source_url")
    if type(url) is not str or "fbclid=" not in url:
        return None
    user_data = event.get("user_data")
    if type(user_data) is not dict:
        return None
    value = user_data.get("fbc")
    if value is not None and (type(value) is not str or (value and not value.isspace())):
        return None
    if url_fbclid(url) is None:
        return None
    return [
        Hit(
            ("user_data",),
            "`event_source_url` has an `fbclid` parameter but `user_data.fbc` is missing",
            "send the _fbc cookie, or build fb.1.<ms when first seen>.<fbclid>",
        )
    ]


@rule(
    "U013",
    "fbp-malformed",
    Severity.WARNING,
    Scope.EVENT,
    options={"future-tolerance-seconds": 86_400},
    needs_now=NeedsNow.PARTLY,
    when=Condition("fbp_suspect(user_data, event_time, ctx)", names={"fbp_suspect": fbp_suspect}),
)
def fbp_malformed(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`fbp` is not `fb.<index>.<creation time ms>.<random number>[.<appendix>]`.

    ## What it does
    Reports an `fbp` that does not have that shape: fewer than 4 or more than
    5 segments, a prefix other than `fb`, a non-numeric subdomain index or
    creation time, a creation time in seconds (10 digits) or of any length but
    13, a creation time after the event's `event_time` or after the reference
    time (beyond a tolerance; the reference time part only when one is given,
    as for E006), a non-numeric random number (e.g. an `fbc` value sent as
    `fbp`), the cookie name included (`_fbp=…`), leading/trailing whitespace.
    Five segments with a parameter-builder appendix pass (H008 judges an
    unknown appendix); a digest is H006's.

    ## Why is this bad?
    `fbp` identifies the browser for matching and deduplication with the
    Pixel; a malformed value matches nothing.

    ## Example
    ```json
    {"user_data": {"fbp": "_fbp=fb.1.1763790000000.1234567890"}}
    ```

    ## Use instead
    ```json
    {"user_data": {"fbp": "fb.1.1763790000000.1234567890"}}
    ```

    ## Fix
    Send the `_fbp` cookie value as is.

    ## Options
    `future-tolerance-seconds` (86400): how far after `event_time` or the
    reference time a creation time may be (browser clocks drift) before it is
    reported.

    ## Source
    - Meta, fbp and fbc parameters: {FBC}
    - Evidence: stated in Meta's documentation; reported by third parties.
    """
    return _cookie_format(event, ctx, "fbp", "U013", "send the _fbp cookie value unchanged")


# --------------------------------------------------------------------------- U014

_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_ZERO_UUID = "00000000-0000-0000-0000-000000000000"


@rule(
    "U014",
    "madid-invalid",
    Severity.WARNING,
    Scope.EVENT,
    when=Condition("type(user_data) is dict and 'madid' in user_data"),
)
def madid_invalid(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`madid` is not a mobile advertiser ID.

    ## What it does
    Reports a `madid` that is not a UUID (8-4-4-4-12 hex digits), or is the
    all-zero ID that iOS returns when tracking is not authorised. Any non-zero
    UUID passes, in either case; a bare digest is H006's.

    ## Why is this bad?
    `madid` is the Android advertising ID or Apple IDFA, both UUIDs; anything
    else matches no device, and the zero IDFA is shared by every opted-out
    device.

    ## Example
    ```json
    {"user_data": {"madid": "00000000-0000-0000-0000-000000000000"}}
    ```

    ## Fix
    Send the advertising ID as the OS returns it; leave `madid` out when it is
    zero or unavailable.

    ## Source
    - Meta, Conversions API for app events: {APP}
    - Evidence: stated in Meta's documentation; capi-lint's inference, not stated by Meta.
    """
    user_data = event.get("user_data")
    if type(user_data) is not dict:
        return None
    value = user_data.get("madid")
    if type(value) is not str or not value or value.isspace():
        return None
    if _UUID.fullmatch(value):
        if value != _ZERO_UUID:
            return None
        message = "`user_data.madid` is the all-zero advertising ID (tracking not authorised)"
        fix = "leave madid out when the advertising ID is zero"
    elif raw_only_digest(value):
        return None
    else:
        message = "`user_data.madid` is not an advertising ID (a UUID, 8-4-4-4-12 hex digits)"
        fix = "send the Android advertising ID or IDFA as the OS returns it"
    return [Hit(("user_data", "madid"), message, fix)]


# --------------------------------------------------------------------------- U015


def _lead_id_problem(value: Any) -> str | None:
    """Why one `lead_id` value is not a Meta lead ID, or None if it is one (or is
    another rule's: null, a digest for H006, a wrong JSON type for S010)."""
    if type(value) is int:
        digits = str(abs(value))
        if value >= 0 and 15 <= len(digits) <= 16:
            return None
        return f"an integer of {len(digits)} digits" if value >= 0 else "a negative number"
    if type(value) is not str:
        return None
    text = value.strip()
    if not text or raw_only_digest(text):
        return None
    if text.isdigit() and text.isascii():
        if 15 <= len(text) <= 16:
            return None if text == value else "padded with whitespace"
        return f"{len(text)} digits"
    return "not a number"


@rule(
    "U015",
    "lead-id-invalid",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition("type(user_data) is dict and 'lead_id' in user_data"),
)
def lead_id_invalid(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`user_data.lead_id` is not a 15- or 16-digit Meta lead ID.

    ## What it does
    Reports a `lead_id` (an integer, a digit string, or each item of an
    array) that is not 15 or 16 digits: too short or too long, a placeholder
    such as `"lead_id"`, letters, a negative number, whitespace around the
    digits. Hashed values are H006's (lead_id must not be hashed), JSON
    types other than integer and string are S010's, null and empty are
    U004's. Judged on every event that sends `lead_id`.

    ## Why is this bad?
    Meta's CRM payload specification: the lead ID "is a 15 or 16-digit
    number obtained from the leadgen_id field in the lead generation
    Webhook", not hashed, and "please use a valid lead_id or else the system
    will reject the event".

    ## Example
    ```json
    {"user_data": {"lead_id": "lead_id"}}
    ```

    ## Fix
    Send the `leadgen_id` from the lead-ads webhook unchanged (as a number or
    a digit string), or leave `lead_id` out.

    ## Source
    - Meta, Conversion Leads integration: Payload Specification: {CRM}
    - Meta, Customer Information Parameters: {CI}
    - Evidence: Meta states the 15–16 digits and the rejection (Payload
      Specification, § lead_id).
    """
    user = event.get("user_data")
    if type(user) is not dict:
        return None
    value = user.get("lead_id")
    if value is None:
        return None
    items: list[tuple[int | None, Any]] = (
        list(enumerate(value)) if type(value) is list else [(None, value)]
    )
    hits = None
    for index, item in items:
        problem = _lead_id_problem(item)
        if problem is None:
            continue
        where = ("user_data", "lead_id") if index is None else ("user_data", "lead_id", index)
        hits = hits or []
        hits.append(
            Hit(
                where,
                f"{label(where)} is {problem} ({mask(item)}); a Meta lead ID has 15 or 16 "
                "digits, and Meta rejects events with an invalid lead_id",
                "send the leadgen_id from the lead-ads webhook unchanged",
            )
        )
    return hits
