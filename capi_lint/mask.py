"""The one place that turns a value into something safe to print.

Every message that mentions a value goes through :func:`mask`: interface §2
forbids raw emails, phones, names, dates of birth, street data and tokens in
any output. A masked value keeps enough shape to recognise the mistake
(``j***@e***.com``, ``+1******1212``, ``EAA…(redacted)``) and nothing more.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_TOKEN = re.compile(r"EAA[A-Za-z0-9]{6,}")


def mask(value: Any, *, keep: int = 1) -> str:
    """A printable, non-identifying rendering of ``value``.

    Numbers, booleans and null are shown as JSON; containers by their size.
    Strings keep their first ``keep`` character, their shape (``@``, ``.``,
    ``+`` and digit groups for phones) and their last few digits at most.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _mask_number(value)
    if isinstance(value, dict):
        return f"{{object with {len(value)} keys}}"
    if isinstance(value, list):
        return f"[array of {len(value)}]"
    if not isinstance(value, str):
        return f"<{type(value).__name__}>"
    return _mask_text(value, keep)


def _mask_number(value: int | float) -> str:
    text = repr(value)
    # Seven digits or more can be a phone number or a date of birth written as a
    # number; amounts such as 1299.99 have fewer and stay readable.
    if sum(ch.isdigit() for ch in text) >= 7:
        return text[:2] + "*" * (len(text) - 4) + text[-2:]
    return text


def _mask_text(value: str, keep: int) -> str:
    if value == "":
        return '""'
    stripped = value.strip()
    if not stripped:
        return "(whitespace)"
    if _TOKEN.match(stripped):
        return "EAA…(redacted)"
    if _HEX64.fullmatch(stripped):
        # A digest identifies nobody by itself; a short prefix helps find it.
        return stripped[:8] + "…"
    if "@" in stripped:
        local, _, domain = stripped.rpartition("@")
        host, dot, tld = domain.rpartition(".")
        if not dot:
            host, tld = domain, ""
        masked_domain = _stars(host, keep) + (f".{tld}" if dot and len(tld) <= 6 else "")
        return f"{_stars(local, keep)}@{masked_domain}"
    digits = sum(ch.isdigit() for ch in stripped)
    if digits >= 7 and digits >= len(stripped) * 0.6:
        # Phone-like: keep a leading + and country digit, and the last four digits.
        head = "+" if stripped.startswith("+") else ""
        body = [ch for ch in stripped if ch.isdigit()]
        lead = body[:1] if head else []
        tail = body[-4:] if len(body) > 8 else body[-2:]
        hidden = len(body) - len(lead) - len(tail)
        return head + "".join(lead) + "*" * max(hidden, 3) + "".join(tail)
    return _stars(stripped, keep)


def _stars(text: str, keep: int) -> str:
    if not text:
        return ""
    shown = text[:keep] if len(text) > keep + 1 else ""
    return shown + "***"


def mask_token(_value: Any) -> str:
    """Credentials never show even a prefix beyond the token family."""
    return "(redacted)"


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-/~]{0,63}")


def mask_key(key: Any) -> str:
    """A member name as it may be printed in a message.

    Keys are usually identifiers (``emial``, ``Event_Name``) and showing them
    is the point of an unknown-key or duplicate-key message, so they are kept
    as written -- unless they look like personal data or a credential: an
    ``@``, a phone-like run of digits, an ``EAA…`` token, whitespace or any
    other character an identifier does not have. Those go through :func:`mask`.
    A bare name used as a key (``"Ngozi"``) cannot be told from an identifier.
    """
    if not isinstance(key, str):
        return mask(key)
    if _IDENTIFIER.fullmatch(key) and not _TOKEN.match(key) and sum(ch.isdigit() for ch in key) < 7:
        return key
    return mask(key)


def key_pointer(parent: tuple[Any, ...], key: Any) -> tuple[Any, ...]:
    """Where a finding about member ``key`` of ``parent`` points.

    The member itself, unless the key looks like personal data or a token
    (see :func:`mask_key`): then the object that holds it, so that the key
    never appears in a JSON pointer of any output format.
    """
    return (*parent, key) if isinstance(key, str) and mask_key(key) == key else parent


_URL_HEAD = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*)([^?#]*)([?#].*)?$", re.DOTALL)


def mask_url(url: Any) -> str:
    """A URL as it may be printed: scheme, host and path, never the query.

    A page URL can carry an email or a phone in its query (``?email=…``) or in
    a path segment (``/users/jane@example.com``): the query and fragment
    become ``?…`` and a path segment that looks personal goes through
    :func:`mask`. Anything that is not an absolute URL is masked whole.
    """
    if not isinstance(url, str):
        return mask(url)
    match = _URL_HEAD.match(url.strip())
    if match is None:
        return mask(url)
    head, path, rest = match.groups()
    if "@" in head:  # user:password@host
        head = head.split("://", 1)[0] + "://" + head.rpartition("@")[2]
    segments = [_safe_segment(part) for part in path.split("/")]
    return head + "/".join(segments) + ("?…" if rest else "")


def _safe_segment(part: str) -> str:
    if not part or (mask_key(part) == part and "%40" not in part.lower()):
        return part
    return mask(part)


# --------------------------------------------------------------------------- a process boundary
#
# `capi-lint serve` hands back what it received (GET /_capi_lint/requests),
# answers with findings and writes a log line per request. Everything that
# leaves it is built by one Redactor per request: `payload`, `key`, `path` and
# `pixel` render the request's parts masked and remember every raw value they
# hid; `scrub` is then applied to every string that leaves (answer, record,
# log line) and masks any remembered value, email or token still in it -- so a
# finding that quotes a value, or a rule that forgets to mask, cannot leak it.

#: Keys whose values are personal data wherever they appear (user_data keys,
#: the same keys misplaced elsewhere, device data and free text typed by people).
PERSONAL_KEYS = frozenset(
    {
        "user_data", "em", "ph", "fn", "ln", "db", "ge", "ct", "st", "zp", "country",
        "external_id", "client_ip_address", "client_user_agent", "fbc", "fbp", "madid",
        "anon_id", "subscription_id", "fb_login_id", "lead_id", "ctwa_clid",
        "page_scoped_user_id", "ig_account_id", "ig_sid", "email", "phone", "first_name",
        "last_name", "date_of_birth", "gender", "city", "state", "zip", "street", "address",
        "extinfo", "search_string",
    }
)  # fmt: skip
CREDENTIAL_KEYS = frozenset({"access_token", "appsecret_proof"})
URL_KEYS = frozenset({"event_source_url", "referrer_url", "url"})
#: Numbers shown whole wherever they are (unix times have 10 digits).
TIME_KEYS = frozenset({"event_time", "creation_time", "upload_time"})
#: Graph's own request parameters and path words (a form or query may carry them).
GRAPH_WORDS = frozenset(
    {
        "data", "test_event_code", "partner_agent", "namespace_id", "upload_id", "upload_tag",
        "upload_source", "method", "format", "suppress_http_code", "pretty", "debug",
        "events", "_capi_lint", "requests",
    }
)  # fmt: skip
#: How deep a recorded value is rendered; deeper containers show as their size.
MAX_DEPTH = 64

_EXTINFO_VERSIONS = frozenset({"a2", "i2"})
_VERSION = re.compile(r"v\d+\.\d+")
_EMAIL_IN_TEXT = re.compile(r"[\w.%+'-]+@[\w-]+(?:\.[\w-]+)*")
#: A token as issued, or lowercased on the way (``agent_name`` lowercases).
_TOKEN_IN_TEXT = re.compile(r"EAA[A-Za-z0-9]{6,}|(?i:eaa)[A-Za-z0-9]{20,}")
#: Digits with the separators of phone numbers and dates (``03/04/1991``).
_DIGIT_RUN = re.compile(r"\+?\(?\d[\d\s().\-/]{5,}\d")
#: Longer strings, and JSON texts, are not what a readable field holds: masked.
_SHOWN_LENGTH = 256
_URL_SAFE = re.compile(r"[A-Za-z0-9_.~-]*")
_NON_DIGITS = re.compile(r"\D+")
_PLAIN_WORD = re.compile(r"[a-z_][a-z0-9_.\-]*")


def known_keys() -> frozenset[str]:
    """Every key the CAPI schemas name, Graph's parameters and the keys above."""
    return _known_keys()


@functools.cache
def _known_keys() -> frozenset[str]:
    from capi_lint import schemas

    return schemas.property_names() | PERSONAL_KEYS | CREDENTIAL_KEYS | URL_KEYS | GRAPH_WORDS


def looks_personal(text: str) -> bool:
    """An email, a token, or a run of 7+ digits (a phone number, maybe inside a note)."""
    if "@" in text or _TOKEN.search(text):
        return True
    return any(sum(c.isdigit() for c in run) >= 7 for run in _DIGIT_RUN.findall(text))


def _plain_key(key: str) -> bool:
    """An identifier that names a field rather than a person: ``mask_key`` keeps it
    and it is not a bare capitalised word (``Okonkwo``) -- snake_case, digits or
    all lower case (``loyalty_tier``, ``emial``, ``sku2``)."""
    if mask_key(key) != key:
        return False
    return "_" in key or any(c.isdigit() for c in key) or not any(c.isupper() for c in key)


def _shown_segment(segment: str) -> bool:
    """A path segment that is an id, a Graph version or a plain lowercase word."""
    if not segment or (segment.isdigit() and segment.isascii()):
        return True
    if _VERSION.fullmatch(segment) or segment in _known_keys():
        return True
    plain = _PLAIN_WORD.fullmatch(segment) is not None and len(segment) <= 40
    return plain and not looks_personal(segment)


class Redactor:
    """What one request may show of itself, and the raw values it must never show."""

    def __init__(self) -> None:
        self._hidden = _Needles()
        self._seen: set[str] = set()

    # ------------------------------------------------------------ rendering parts

    def payload(self, value: Any, key: str | None = None, *, personal: bool = False) -> Any:
        """A masked copy of a request body (or a parameter's value under ``key``).

        Credentials are redacted. Personal data (under ``user_data``, a customer
        information key, ``extinfo``) is masked; so is any string that looks like
        an email, a phone number or a token, and every string under a key the
        schemas do not know (custom properties can hold names). Event names,
        times, currencies, ids and values stay readable; URLs lose their query.
        Unknown keys are kept when they are plain identifiers, masked otherwise.
        """
        return self._render(value, key, personal, 0)

    def key(self, key: Any, taken: Any = ()) -> str:
        """A member or parameter name as it may be shown (``taken``: names already used)."""
        if isinstance(key, str) and (key in _known_keys() or _plain_key(key)):
            shown = key
        else:
            shown = self._hide(key)
        if shown in taken:
            n = 2
            while f"{shown} ({n})" in taken:
                n += 1
            shown = f"{shown} ({n})"
        return shown

    def pixel(self, pixel_id: str) -> str:
        """A pixel (dataset) id: Graph ids are digits; anything else is masked."""
        return pixel_id if pixel_id.isdigit() and pixel_id.isascii() else self._hide(pixel_id)

    def path(self, path: str) -> str:
        """A URL path with every segment that is not a version, an id or a plain word masked."""
        from urllib.parse import unquote

        shown = []
        for raw in path.split("/"):
            segment = unquote(raw)
            if _shown_segment(segment):
                shown.append(segment)
            else:
                self._remember(raw)
                shown.append(self._hide(segment))
        return "/".join(shown)

    # ------------------------------------------------------------ the boundary

    def scrub(self, value: Any, _depth: int = 0) -> Any:
        """``value`` with every remembered raw value, email and token masked, in
        every string, keys included, at any depth (deeper than MAX_DEPTH: its size)."""
        if isinstance(value, str):
            return self._scrub_text(value)
        if isinstance(value, dict):
            if _depth >= MAX_DEPTH:
                return mask(value)
            return {self._scrub_text(str(k)): self.scrub(v, _depth + 1) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            if _depth >= MAX_DEPTH:
                return mask(list(value))
            return [self.scrub(v, _depth + 1) for v in value]
        return value

    def _scrub_text(self, text: str) -> str:
        text = self._hidden.replace(text, mask)
        if "@" in text:
            text = _EMAIL_IN_TEXT.sub(lambda m: mask(m.group()), text)
        if "EAA" in text:
            text = _TOKEN_IN_TEXT.sub("EAA…(redacted)", text)
        return text

    # ------------------------------------------------------------ internals

    def _render(self, value: Any, key: str | None, personal: bool, depth: int) -> Any:
        if key in CREDENTIAL_KEYS:
            self._remember(value)
            return mask_token(value)
        personal = personal or key in PERSONAL_KEYS
        if isinstance(value, dict):
            if depth >= MAX_DEPTH:
                return mask(value)
            out: dict[str, Any] = {}
            for k, v in value.items():
                out[self.key(k, out)] = self._render(v, str(k), personal, depth + 1)
            return out
        if isinstance(value, list):
            if depth >= MAX_DEPTH:
                return mask(value)
            return [self._render(v, key, personal, depth + 1) for v in value]
        if value is None or isinstance(value, bool):
            return value
        if personal:
            if key == "extinfo" and value in _EXTINFO_VERSIONS:
                return value  # extinfo[0]: which layout the array has, not who
            return self._hide(value)
        known = key is None or key in _known_keys()
        if isinstance(value, (int, float)):
            if known and (key in TIME_KEYS or abs(value) < 10**6):
                return value
            return self._hide(value) if len(repr(value)) > 6 else value
        if not isinstance(value, str):
            return self._hide(value)
        if key in URL_KEYS:
            return self._url(value)
        personal_looking = looks_personal(value)
        if (
            known
            and not personal_looking
            and len(value) <= _SHOWN_LENGTH
            and not value.startswith(("{", "["))
        ):
            return value
        # Under an unknown key, a lowercase word ("gold") is masked in the record but
        # not hunted down elsewhere: it would mask the answer's own words ("error").
        remember = personal_looking or not _PLAIN_WORD.fullmatch(value)
        return self._hide(value, remember=remember)

    def _url(self, value: str) -> str:
        from urllib.parse import parse_qsl, urlsplit

        parts = urlsplit(value)
        if not (parts.scheme and parts.netloc) or looks_personal(parts.netloc + parts.path):
            return self._hide(value)
        for name, item in parse_qsl(parts.query, keep_blank_values=True):
            self._remember(name)
            self._remember(item)
        self._remember(parts.query)
        self._remember(parts.fragment)
        cut = value.split("?", 1)[0].split("#", 1)[0]
        return cut + ("?…" if parts.query or parts.fragment else "")

    def _hide(self, value: Any, *, remember: bool = True) -> str:
        if remember:
            self._remember(value)
        return mask(value)

    def _remember(self, value: Any) -> None:
        """Keep ``value`` (and the forms it may be printed in) out of every output."""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return
        text = str(value)
        if text in self._seen:
            return
        self._seen.add(text)
        forms = {text, text.strip()}
        if not _URL_SAFE.fullmatch(text):  # how it reads in a path or a query string
            from urllib.parse import quote, quote_plus

            raw = text.encode("utf-8", "surrogatepass")  # a lone surrogate is a value too
            forms |= {quote(raw, safe=""), quote_plus(raw), quote(raw)}
        digits = _NON_DIGITS.sub("", text)
        if len(digits) >= 7:
            forms.add(digits)
        for form in forms:
            if len(form) < _Needles.PREFIX or _HEX64.fullmatch(form) or form in _known_keys():
                continue  # too short to be anyone; a digest; a field name
            self._hidden.add(form)


class _Needles:
    """Many fixed strings, found and replaced in a text at once, ignoring case.

    Indexed by their first four characters, then by length: at each position of
    the text one dict look-up, and a set look-up per length of the strings that
    start so (a regular expression with thousands of alternatives tries them
    one by one, and hashed ids share prefixes such as ``fb.1.``).
    """

    PREFIX = 4

    def __init__(self) -> None:
        # prefix -> (lengths, longest first; the strings)
        self._by_prefix: dict[str, tuple[list[int], set[str]]] = {}

    def add(self, needle: str) -> None:
        needle = _lower(needle)
        lengths, needles = self._by_prefix.setdefault(needle[: self.PREFIX], ([], set()))
        if needle in needles:
            return
        needles.add(needle)
        if len(needle) not in lengths:
            lengths.append(len(needle))
            lengths.sort(reverse=True)  # the longest match wins

    def replace(self, text: str, render: Callable[[str], str]) -> str:
        if not self._by_prefix or len(text) < self.PREFIX:
            return text
        low = _lower(text)
        find = self._by_prefix.get
        size = self.PREFIX
        parts: list[str] = []
        last = i = 0
        end = len(text) - size
        while i <= end:
            bucket = find(low[i : i + size])
            if bucket is not None:
                lengths, needles = bucket
                for length in lengths:
                    if low[i : i + length] in needles:
                        parts += (text[last:i], render(text[i : i + length]))
                        i = last = i + length
                        break
                else:
                    i += 1
            else:
                i += 1
        if not parts:
            return text
        parts.append(text[last:])
        return "".join(parts)


def _lower(text: str) -> str:
    """Lower case, one character for one (``İ`` lowers to two characters)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower()[:1] or c for c in text)


# --------------------------------------------------------------------------- labels
#
# Event names, action sources and partner agents are chosen by the sender and
# printed as they are (`check` messages, `coverage` rows, `crosscheck`
# findings), because they are what a report is about. Sometimes they carry
# personal data by mistake (an email in event_name, a phone number in a custom
# event): that part is masked, the rest kept.


def mask_in_text(text: str) -> str:
    """``text`` with every email address, ``EAA…`` token and run of seven or
    more digits (a phone number, a date of birth) in it masked by :func:`mask`;
    the rest is kept as written. Names cannot be told from words: a bare
    ``Ngozi`` is kept."""
    if "eaa" in text.lower():
        text = _TOKEN_IN_TEXT.sub("EAA…(redacted)", text)
    if "@" in text:
        text = _EMAIL_IN_TEXT.sub(lambda m: mask(m.group()), text)
    if sum(ch.isdigit() for ch in text) >= 7:
        text = _DIGIT_RUN.sub(_mask_digit_run, text)
    return text


def _mask_digit_run(match: re.Match[str]) -> str:
    run = match.group()
    return mask(run) if sum(ch.isdigit() for ch in run) >= 7 else run


def mask_label(value: Any) -> Any:
    """An event name, action source or agent name as it may be printed: as
    written, with any personal data in it masked (:func:`mask_in_text`).
    ``None`` stays ``None``; a value that is not a string goes through :func:`mask`."""
    if value is None:
        return None
    if not isinstance(value, str):
        return mask(value)
    return mask_in_text(value)
