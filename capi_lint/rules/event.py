"""E — server event parameters: name, time, action_source, URLs, data processing options."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from capi_lint.context import Context
from capi_lint.mask import mask_key
from capi_lint.model import Hit, Severity
from capi_lint.registry import NeedsNow, Scope, also, rule
from capi_lint.rules._columns import ColumnRule, Columns
from capi_lint.rules._util import is_present, mask, numeric_string_int, reference_time
from capi_lint.tiers import Condition

DAY = 86_400
_INF = float("inf")
_CENTURY = 100 * 365 * DAY

STANDARD_EVENTS = (
    "AddPaymentInfo",
    "AddToCart",
    "AddToWishlist",
    "CompleteRegistration",
    "Contact",
    "CustomizeProduct",
    "Donate",
    "FindLocation",
    "InitiateCheckout",
    "Lead",
    "PageView",
    "Purchase",
    "Schedule",
    "Search",
    "StartTrial",
    "SubmitApplication",
    "Subscribe",
    "ViewContent",
)
_STANDARD_SET = frozenset(STANDARD_EVENTS)
_STANDARD_SQUASHED = {name.lower(): name for name in STANDARD_EVENTS}
_SQUASH = re.compile(r"[\s_\-]+")

ACTION_SOURCES = (
    "website",
    "app",
    "email",
    "phone_call",
    "chat",
    "physical_store",
    "system_generated",
    "business_messaging",
    "other",
)
_ACTION_SET = frozenset(ACTION_SOURCES)
#: Common wrong values -> the enum value they most likely mean.
_ACTION_HINTS = {
    "web": "website",
    "site": "website",
    "browser": "website",
    "offline": "physical_store",
    "store": "physical_store",
    "instore": "physical_store",
    "pos": "physical_store",
    "retail": "physical_store",
    "mobile": "app",
    "mobileapp": "app",
    "phone": "phone_call",
    "call": "phone_call",
    "whatsapp": "business_messaging",
    "messenger": "business_messaging",
    "instagram": "business_messaging",
    "crm": "system_generated",
    "system": "system_generated",
    "sms": "chat",
}

# Events delayed by design: E008 stays quiet for them.
_DELAYED_BY_DESIGN = frozenset({"physical_store", "system_generated"})


def _time_value(event: dict[str, Any]) -> int | None:
    """event_time as a whole number when it is a usable number, else None.

    A numeric string counts: Graph reads it as the number (E004 warns about
    the type), so `"1763800000000"` is still milliseconds and `"1631210000"`
    is still as old as its value.
    """
    return _time_number(event.get("event_time"))


def _time_number(value: Any) -> int | None:
    """``_time_value`` of the event_time ``value`` (a JSON value, dispatched on its exact type)."""
    kind = type(value)
    if kind is int:
        return value
    if kind is float and value.is_integer():
        return int(value)
    if kind is str:
        return numeric_string_int(value)
    return None


def _is_sub_second(value: int) -> bool:
    return value >= 10**11


@rule(
    "E001",
    "missing-event-name",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition(
        "event_name is None or (isinstance(event_name, str) and not event_name.strip())"
    ),
)
def missing_event_name(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """The event has no `event_name`.

    ## What it does
    Reports an event whose `event_name` is absent, null, empty or whitespace
    only. Any non-empty string passes, standard or custom (a non-string is
    S010's).

    ## Why is this bad?
    `event_name` is required; Meta rejects the event, and with it the whole
    request. It is also half of the deduplication key.

    ## Example
    ```json
    {"event_name": " ", "event_time": 1700000000, "action_source": "website"}
    ```

    ## Fix
    Send a standard event name (`Purchase`, `Lead`, …) or your custom name.

    ## Source
    - Meta, Server event parameters: {SE}
    - Evidence: stated in Meta's documentation.
    """
    name = event.get("event_name")
    if name is None:
        message = (
            "event has no `event_name`" if "event_name" not in event else "`event_name` is null"
        )
        return [Hit((), message, 'add the event\'s name, e.g. "Purchase"')]
    if isinstance(name, str) and not name.strip():
        return [Hit(("event_name",), "`event_name` is empty", "send the event's name")]
    return None


@rule(
    "E002",
    "event-name-case-variant",
    Severity.WARNING,
    Scope.EVENT,
    when=Condition(
        "type(event_name) is str and event_name not in standard",
        names={"standard": _STANDARD_SET},
    ),
)
def event_name_case_variant(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`event_name` is a misspelt standard event name.

    ## What it does
    Reports an `event_name` that equals a standard event name when case, spaces,
    `_` and `-` are ignored, but is not spelt exactly (`purchase`,
    `Add To Cart`, `add_to_cart`). Custom names that do not normalise to a
    standard name (`pLTVPurchase`, `B2B Purchase`) pass.

    ## Why is this bad?
    Names are case-sensitive: `purchase` is a *custom* event, so it is not
    optimised or reported as a Purchase, and it does not deduplicate against
    the Pixel's `Purchase`.

    ## Example
    ```json
    {"event_name": "add_to_cart"}
    ```

    ## Use instead
    ```json
    {"event_name": "AddToCart"}
    ```

    ## Fix
    Use the exact standard spelling (`AddToCart`).

    ## Source
    - Meta, Server event parameters: {SE}
    - Evidence: widely repeated; Meta's own text was not located; capi-lint's inference, not stated
      by Meta.
    """
    name = event.get("event_name")
    if type(name) is not str or name in _STANDARD_SET:
        return None
    standard = _STANDARD_SQUASHED.get(_SQUASH.sub("", name).lower())
    if standard is None:
        return None
    return [
        Hit(
            ("event_name",),
            f"`event_name` {name!r} is a variant of the standard event {standard!r}; "
            "names are case-sensitive, so Meta treats it as a custom event",
            f'use "{standard}"',
        )
    ]


@rule(
    "E003",
    "missing-event-time",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition("event_time is None"),
)
def missing_event_time(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """The event has no `event_time`.

    ## What it does
    Reports an event whose `event_time` is absent or null. Any present value
    passes here (E004–E007 judge it).

    ## Why is this bad?
    `event_time` is required; Meta rejects the event and the request with it.

    ## Example
    ```json
    {"event_name": "Purchase", "action_source": "website"}
    ```

    ## Fix
    Send the Unix time in seconds at which the action happened.

    ## Source
    - Meta, Server event parameters: {SE}
    - Evidence: stated in Meta's documentation.
    """
    if event.get("event_time") is None:
        message = (
            "event has no `event_time`" if "event_time" not in event else "`event_time` is null"
        )
        return [Hit((), message, "send the Unix time (seconds) of the action")]
    return None


@rule(
    "E004",
    "event-time-not-integer",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition("event_time is not None and type(event_time) is not int"),
)
def event_time_not_integer(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`event_time` is not an integer.

    ## What it does
    Reports an `event_time` that is a string (numeric or ISO 8601), a boolean,
    an object or array, or a number with a fractional part. An integral float
    such as `1700000000.0` is accepted with an info note. A string of digits
    only (`"1631210000"`) is reported at warning level: the Graph API accepts
    it and reads the number — Segment's production destination sends every
    `event_time` that way — and E005–E008 judge that number (13 digits are
    still milliseconds). ISO 8601 text, signs, spaces and decimals in a string
    stay errors.

    ## Why is this bad?
    Meta documents `event_time` as an integer Unix time in seconds. ISO
    strings and fractions are rejected or misread; Meta's archived uploader
    rejected ISO strings without explanation. A numeric string works today but
    relies on Graph's leniency, which Meta does not document.

    ## Example
    ```json
    {"event_time": "2026-11-20T10:00:00Z"}
    ```

    ## Use instead
    ```json
    {"event_time": 1763632800}
    ```

    ## Fix
    Send whole seconds as a JSON integer: `int(time.time())`.

    ## Source
    - Meta, Server event parameters: {SE}
    - Evidence: stated in Meta's documentation; reported by third parties
      (segmentio/action-destinations).
    """
    value = event.get("event_time")
    kind = type(value)
    if value is None or kind is int:
        return None
    if kind is float:
        if value != value or value in (_INF, -_INF):
            # NaN/Infinity (S003 reports the literal): not "a fraction".
            return [
                Hit(("event_time",), "`event_time` is not a finite number; expected an integer")
            ]
        if value.is_integer():
            return [
                Hit(
                    ("event_time",),
                    "`event_time` is written with a decimal point; send a plain integer",
                    "drop the `.0`",
                    Severity.INFO,
                )
            ]
        return [
            Hit(
                ("event_time",),
                "`event_time` has a fractional part; Meta expects whole seconds",
                "round down to whole seconds",
            )
        ]
    if kind is str:
        if numeric_string_int(value) is not None:
            return [
                Hit(
                    ("event_time",),
                    "`event_time` is a numeric string; the Graph API accepts it and reads "
                    "the number, but Meta documents an integer",
                    "send the Unix time as a JSON integer",
                    Severity.WARNING,
                )
            ]
        what = (
            "a numeric string with a sign or spaces"
            if value.strip().lstrip("-").isdigit()
            else "a string (ISO 8601 or other text)"
        )
        return [
            Hit(
                ("event_time",),
                f"`event_time` is {what}; Meta expects an integer Unix time in seconds",
                "send the Unix time as a JSON integer",
            )
        ]
    what = {bool: "a boolean", list: "an array", dict: "an object"}.get(kind, kind.__name__)
    return [Hit(("event_time",), f"`event_time` is {what}; expected an integer")]


#: An int ``event_time`` in seconds (the clean case) is judged by its size alone;
#: any other type goes to the check (floats and numeric strings count there).
_SECONDS_INT = "type(event_time) is int"


@rule(
    "E005",
    "event-time-milliseconds",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition(
        f"event_time is not None and (not {_SECONDS_INT} or event_time >= 100000000000)"
    ),
)
def event_time_milliseconds(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`event_time` is in milliseconds (or microseconds), not seconds.

    ## What it does
    Reports an integer `event_time` (or a numeric string, which Graph reads as
    the number) of 10^11 or more: 13 digits are milliseconds, 16
    microseconds. Ten-digit second timestamps pass.

    ## Why is this bad?
    Meta reads seconds, so a millisecond time lies thousands of years in the
    future: the event is rejected.

    ## Example
    ```json
    {"event_time": 1763800000000}
    ```

    ## Use instead
    ```json
    {"event_time": 1763800000}
    ```

    ## Fix
    Divide by 1000 (JavaScript: `Math.floor(Date.now() / 1000)`).

    ## Source
    - Meta, Server event parameters: {SE}
    - Evidence: stated in Meta's documentation.
    """
    value = _time_value(event)
    if value is None or not _is_sub_second(value):
        return None
    unit, divisor = ("microseconds", 1_000_000) if value >= 10**14 else ("milliseconds", 1000)
    if value >= 10**20:
        # Not a clock reading in any unit (and str() of a huge int may raise).
        return [
            Hit(
                ("event_time",),
                "`event_time` is far too large to be a Unix time; Meta expects seconds",
                "send the Unix time in seconds",
            )
        ]
    return [
        Hit(
            ("event_time",),
            f"`event_time` looks like {unit} ({len(str(value))} digits); Meta expects seconds",
            f"divide by {divisor}: {value // divisor}",
        )
    ]


@rule(
    "E006",
    "event-time-too-old",
    Severity.ERROR,
    Scope.EVENT,
    options={"max-age-days": 7, "physical-store-max-age-days": 62},
    needs_now=NeedsNow.PARTLY,
    # Older than the shorter of the two windows (options: any int, read per event).
    when=Condition(
        f"now is not None and event_time is not None and (not {_SECONDS_INT} or now - event_time"
        ' > 86400 * min(ctx.option("E006", "max-age-days"),'
        ' ctx.option("E006", "physical-store-max-age-days")))'
    ),
)
def event_time_too_old(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`event_time` is older than Meta accepts.

    ## What it does
    Reports an event more than 7 days older than the reference time *T*, or
    more than 62 days for `action_source = physical_store`. Exactly at the
    boundary passes. Not reported when E005 fired (a millisecond time is not
    "old"). A numeric string (`"1631210000"`) is judged by its number, as
    Graph reads it. The message names *T*.

    *T* is `--now TIME`, `now = …` or the file's `per-file-now` entry in
    config; `clock` means the wall clock. `capi-lint check` on files without
    one skips that comparison (its summary says so), so that a committed
    fixture does not start failing as it ages; `capi-lint serve` and
    `capi_lint.check()` in sending code use the clock. What does not depend on
    the date is still judged then: in a request (or array) of events, the
    oldest event more than the window before the newest one, which Meta
    rejects whenever the request is sent.

    ## Why is this bad?
    If any event in `data` is older than 7 days, Meta rejects the whole
    request and processes none of its events.

    ## Example
    ```json
    {"event_time": 1700000000, "action_source": "website"}
    ```
    (checked with `--now 2026-11-23`)

    ## Fix
    Send events within 7 days (62 for physical_store). Fixtures: give their
    capture time as reference time (`--now`, or `per-file-now` in config).

    ## Options
    `max-age-days` (7), `physical-store-max-age-days` (62; the 62-day window is
    widely cited but Meta's text was not located, requirements §2.5).

    ## Source
    - Meta, Server event parameters: {SE}
    - Evidence: stated in Meta's documentation; reported by third parties; widely repeated; Meta's
      own text was not located.
    """
    if ctx.now is None:
        return None  # the batch check below judges the request without a date
    value = _time_value(event)
    if value is None or _is_sub_second(value):
        return None
    store = event.get("action_source") == "physical_store"
    days = ctx.option("E006", "physical-store-max-age-days" if store else "max-age-days")
    age = ctx.now - value
    if age <= days * DAY:
        return None
    where = " for physical_store events" if store else ""
    # A huge negative time would overflow float division.
    span = f"{age / DAY:.1f} days" if age < _CENTURY else "more than 100 years"
    return [
        Hit(
            ("event_time",),
            f"`event_time` is {span} before the reference time {reference_time(ctx.now)}; "
            f"Meta accepts at most {days} days{where} and rejects the whole request",
            "send events sooner; for a fixture give its capture time as reference time "
            "(--now, or per-file-now in config)",
        )
    ]


@also("E006", Scope.BATCH)
class OldestBeforeNewest(ColumnRule):
    """E006 without a reference time: the events of one request that lie more
    than the window before its newest event. Whatever the date it is sent on,
    the newest event is not in the future, so these are too old and Meta
    rejects the request. Bounded state: the oldest event per window and the
    newest time. Reads event_time and action_source (a column rule)."""

    __slots__ = ("active", "newest", "oldest", "windows")

    def __init__(self, ctx: Context) -> None:
        # With a reference time the event check judges every event; a JSON
        # Lines file of events is a log spanning any time, not one request.
        self.active = ctx.now is None and ctx.kind in ("request", "array")
        self.windows = (
            ctx.option("E006", "max-age-days"),
            ctx.option("E006", "physical-store-max-age-days"),
        )
        self.newest: int | None = None
        #: window (0: other sources, 1: physical_store) -> (event_time, index)
        self.oldest: list[tuple[int, int] | None] = [None, None]

    reads = ("action_source", "event_time")

    def take(self, columns: Columns) -> None:
        if not self.active:
            return
        oldest = self.oldest
        for index, time, source in zip(
            columns.index, columns["event_time"], columns["action_source"], strict=True
        ):
            value = _time_number(time)
            if value is None or _is_sub_second(value):
                continue
            if self.newest is None or value > self.newest:
                self.newest = value
            slot = 1 if source == "physical_store" else 0
            known = oldest[slot]
            if known is None or value < known[0]:
                oldest[slot] = (value, index)

    def result(self) -> list[Hit] | None:
        if self.newest is None:
            return None
        out: list[Hit] = []
        for slot, found in enumerate(self.oldest):
            if found is None:
                continue
            value, index = found
            days = self.windows[slot]
            age = self.newest - value
            if age <= days * DAY:
                continue
            span = f"{age / DAY:.1f} days" if age < _CENTURY else "more than 100 years"
            where = " for physical_store events" if slot else ""
            out.append(
                Hit(
                    (index, "event_time"),
                    f"`event_time` is {span} before the newest event of this request; "
                    f"Meta accepts at most {days} days{where}, so it rejects the whole "
                    "request whenever it is sent",
                    "send events sooner, or drop the stale ones from the request",
                )
            )
        return out or None


@rule(
    "E007",
    "event-time-in-future",
    Severity.WARNING,
    Scope.EVENT,
    options={"tolerance-seconds": 60},
    needs_now=NeedsNow.YES,
    when=Condition(
        f"now is not None and event_time is not None and (not {_SECONDS_INT}"
        ' or event_time - now > ctx.option("E007", "tolerance-seconds"))'
    ),
)
def event_time_in_future(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`event_time` is in the future.

    ## What it does
    Reports an `event_time` more than a tolerance (default 60 s, for clock
    skew) after the reference time *T* (as for E006: `--now`, `now`,
    `per-file-now`; without one `check` skips it). Not reported when E005
    fired. A numeric string is judged by its number, as Graph reads it. The
    message names *T*.

    ## Why is this bad?
    A future time usually means a wrong unit or time zone (local time sent as
    GMT). Meta documents no tolerance; peers reject more than a minute ahead.

    ## Example
    ```json
    {"event_time": 1900000000}
    ```

    ## Fix
    Send the time in UTC seconds, taken when the action happened.

    ## Options
    `tolerance-seconds` (60).

    ## Source
    - Meta, Server event parameters: {SE}
    - Evidence: reported by third parties; capi-lint's inference, not stated by Meta.
    """
    if ctx.now is None:  # not called without one (NeedsNow.YES); narrows the type
        return None
    value = _time_value(event)
    if value is None or _is_sub_second(value):
        return None
    ahead = value - ctx.now
    if ahead <= ctx.option("E007", "tolerance-seconds"):
        return None
    hours = ahead / 3600
    span = f"{hours:.1f} hours" if hours >= 1 else f"{ahead} seconds"
    return [
        Hit(
            ("event_time",),
            f"`event_time` is {span} after the reference time {reference_time(ctx.now)}; "
            "check the unit and time zone",
            "send the UTC Unix time of the action",
        )
    ]


@rule(
    "E008",
    "event-time-delayed",
    Severity.INFO,
    Scope.EVENT,
    needs_now=NeedsNow.YES,
    when=Condition(
        f"now is not None and event_time is not None and (not {_SECONDS_INT}"
        " or now - event_time > 3600)"
    ),
)
def event_time_delayed(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """The event is sent long after it happened.

    ## What it does
    Reports an event more than 1 hour older than the reference time *T* (as
    for E006; without one `check` skips it) that is not yet too old (E006);
    the wording escalates beyond 24 hours. Quiet
    for `physical_store` and `system_generated` events and for events with
    `original_event_data`, which are delayed by design.

    ## Why is this bad?
    Meta asks for events in real time or within an hour: more than 2 hours can
    significantly reduce performance, 24 hours or more may cause significant
    attribution and delivery issues.

    ## Example
    ```json
    {"event_time": 1763700000, "action_source": "website"}
    ```
    (with `--now 1763800000`: 27.8 hours)

    ## Fix
    Send events as they happen, or at least hourly.

    ## Source
    - Meta, End-to-end implementation guide: {E2E}
    - Evidence: stated in Meta's documentation.
    """
    if ctx.now is None:  # not called without one (NeedsNow.YES); narrows the type
        return None
    value = _time_value(event)
    if value is None or _is_sub_second(value):
        return None
    age = ctx.now - value
    if age <= 3600:
        return None
    source = event.get("action_source")
    if (type(source) is str and source in _DELAYED_BY_DESIGN) or "original_event_data" in event:
        return None
    store = source == "physical_store"
    limit = ctx.option("E006", "physical-store-max-age-days" if store else "max-age-days")
    if age > limit * DAY:
        return None
    hours = age / 3600
    if hours >= 24:
        impact = "24 hours or more may cause significant attribution and delivery issues"
    elif hours > 2:
        impact = "more than 2 hours can significantly reduce performance"
    else:
        impact = "Meta recommends sending within 1 hour"
    return [
        Hit(
            ("event_time",),
            f"event is sent {hours:.1f} hours after it happened "
            f"(reference time {reference_time(ctx.now)}); {impact}",
            "send events in real time or at least hourly",
        )
    ]


@rule(
    "E009",
    "missing-action-source",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition(
        "action_source is None or (isinstance(action_source, str) and not action_source.strip())"
    ),
)
def missing_action_source(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """The event has no `action_source`.

    ## What it does
    Reports an event whose `action_source` is absent, null or empty. Any
    present value passes here (E010 judges it).

    ## Why is this bad?
    `action_source` is required for all events; Meta rejects events without it.
    It also decides which other fields are required (website events need a URL
    and a user agent).

    ## Example
    ```json
    {"event_name": "Purchase", "event_time": 1763800000, "user_data": {}}
    ```

    ## Fix
    Send where the conversion happened: `website`, `app`, `physical_store`, …

    ## Source
    - Meta, Conversions API parameters: {PARAMS}
    - Evidence: stated in Meta's documentation.
    """
    value = event.get("action_source")
    if value is None:
        message = (
            "event has no `action_source`"
            if "action_source" not in event
            else "`action_source` is null"
        )
        return [Hit((), message, f"send one of: {', '.join(ACTION_SOURCES)}")]
    if isinstance(value, str) and not value.strip():
        return [Hit(("action_source",), "`action_source` is empty")]
    return None


@rule(
    "E010",
    "invalid-action-source",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition(
        "type(action_source) is str and action_source not in sources",
        names={"sources": _ACTION_SET},
    ),
)
def invalid_action_source(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`action_source` is not one of Meta's values.

    ## What it does
    Reports an `action_source` that is not exactly one of `website`, `app`,
    `email`, `phone_call`, `chat`, `physical_store`, `system_generated`,
    `business_messaging`, `other` (lowercase, case-sensitive), and names the
    likely intended value (`Website` → `website`, `offline` → `physical_store`,
    `whatsapp` → `business_messaging`).

    ## Why is this bad?
    Meta rejects unknown values; the value is an enum in Meta's SDKs.

    ## Example
    ```json
    {"action_source": "offline"}
    ```

    ## Fix
    Use one of the nine values.

    ## Source
    - Meta, Server event parameters: {SE}
    - Evidence: seen in Meta's own code (Business SDK, tags); stated in Meta's documentation.
    """
    value = event.get("action_source")
    if type(value) is not str or value in _ACTION_SET or not value.strip():
        return None
    squashed = _SQUASH.sub("_", value.strip().lower())  # "Phone Call" -> "phone_call"
    hint = squashed if squashed in _ACTION_SET else None
    if hint is None:
        hint = _ACTION_HINTS.get(squashed.replace("_", ""))
    # Shown as written when it is close to a real value or shaped like an
    # identifier; anything else (an email, a name, a phone) only masked.
    shown = value if hint else mask_key(value)
    shown = shown if len(shown) <= 30 else shown[:27] + "…"
    message = f"`action_source` {shown!r} is not one of Meta's values"
    if hint:
        message += f"; did you mean {hint!r}?"
    return [
        Hit(
            ("action_source",),
            message,
            f'use "{hint}"' if hint else f"use one of: {', '.join(ACTION_SOURCES)}",
        )
    ]


@rule(
    "E011",
    "website-missing-required",
    Severity.ERROR,
    Scope.EVENT,
    action_sources={"website"},
    when=Condition(
        "not present(event_source_url) or not isinstance(user_data, dict)"
        ' or not present(user_data.get("client_user_agent"))',
        names={"present": is_present},
    ),
)
def website_missing_required(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A website event lacks `event_source_url` or `client_user_agent`.

    ## What it does
    For `action_source = website`, reports a missing (absent, null or empty)
    `event_source_url` or `user_data.client_user_agent`, naming which.
    Malformed values pass here (E012, U008 judge them).

    ## Why is this bad?
    Both are required for website events; Meta rejects the event without them.

    ## Example
    ```json
    {"action_source": "website", "user_data": {"em": "…hash…"}}
    ```

    ## Fix
    Send the page URL and the browser's user agent with every website event.

    ## Source
    - Meta, Conversions API parameters: {PARAMS}
    - Evidence: stated in Meta's documentation.
    """
    hits = []
    if not is_present(event.get("event_source_url")):
        hits.append(
            Hit(
                (),
                "website event has no `event_source_url`",
                "send the URL of the page where the event happened",
            )
        )
    user_data = event.get("user_data")
    if not isinstance(user_data, dict) or not is_present(user_data.get("client_user_agent")):
        where = ("user_data",) if isinstance(user_data, dict) else ()
        hits.append(
            Hit(
                where,
                "website event has no `user_data.client_user_agent`",
                "send the browser's User-Agent header",
            )
        )
    return hits or None


#: The common, certainly fine shape: http(s), a dotted host name, no whitespace.
_PLAIN_URL = re.compile(
    r"https?://(?:[A-Za-z0-9-]+\.)+[A-Za-z][A-Za-z0-9-]*(?::[0-9]{1,5})?(?:[/?#]\S*)?"
)
_SPACE = re.compile(r"\s")


@lru_cache(maxsize=4096)
def _url_problem(url: str) -> str | None:
    # Cached (bounded): a site's pages come back on many events.
    if _PLAIN_URL.fullmatch(url) and "localhost" not in url:
        return None
    if _SPACE.search(url):
        return "contains whitespace"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "is not a valid URL"
    if not parts.scheme:
        return "has no scheme (relative path or missing https://)"
    if parts.scheme not in ("http", "https"):
        return f"uses the {parts.scheme}: scheme; expected http or https"
    if not host:
        return "has no host"
    if host == "localhost" or host.endswith(".localhost") or host in ("127.0.0.1", "::1"):
        return "points at localhost"
    return None


@rule(
    "E012",
    "invalid-url",
    Severity.WARNING,
    Scope.EVENT,
    # The check's own (cached) verdict per URL.
    when=Condition(
        "(type(event_source_url) is str and event_source_url != ''"
        " and problem(event_source_url) is not None)"
        " or (type(referrer_url) is str and referrer_url != ''"
        " and problem(referrer_url) is not None)",
        names={"problem": _url_problem},
    ),
)
def invalid_url(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`event_source_url` or `referrer_url` is not an absolute web URL.

    ## What it does
    Reports an `event_source_url` or `referrer_url` that is not an absolute
    `http`/`https` URL with a host: a relative path, a missing scheme,
    `localhost`, `file:`, whitespace. URLs with query strings, fragments, IDN
    hosts, and URLs ending in a parameter-builder appendix pass.

    ## Why is this bad?
    Meta uses the URL to attribute and to verify the domain; a relative or
    local URL attributes the event to nothing (and a `localhost` URL is a test
    event that reached production).

    ## Example
    ```json
    {"event_source_url": "/checkout/thank-you"}
    ```

    ## Fix
    Send the full page URL as the browser saw it (`https://shop.example.com/…`).

    ## Source
    - Meta, Server event parameters: {SE}
    - Evidence: stated in Meta's documentation; seen in Meta's own code (Business SDK, tags).
    """
    hits = None
    for key in ("event_source_url", "referrer_url"):
        url = event.get(key)
        if type(url) is not str or not url:
            continue
        problem = _url_problem(url)
        if problem is None:
            continue
        if hits is None:
            hits = []
        hits.append(
            Hit(
                (key,),
                f"`{key}` {problem}",
                "send the absolute http(s) URL of the page",
            )
        )
    return hits


_DPO_COUNTRIES = frozenset({0, 1})
_DPO_STATES = frozenset({0, 1000})


@rule(
    "E013",
    "dpo-invalid",
    Severity.WARNING,
    Scope.EVENT,
    when=Condition(
        "data_processing_options is not None or data_processing_options_country is not None"
        " or data_processing_options_state is not None"
    ),
)
def dpo_invalid(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """Data processing options are inconsistent or undocumented.

    ## What it does
    Reports `data_processing_options` holding anything but `"LDU"` (`"ldu"`,
    `"CCPA"`); a country without a state or the reverse; a country other than
    `0`/`1` or a state other than `0`/`1000` (undocumented codes); and location
    fields sent while the options are empty or absent (they have no effect).
    `["LDU"]` with `0`/`0`, with `1`/`1000`, or with no location fields, and
    `[]` with no location fields, pass.

    `rules.md` also lists "`LDU` without country/state" as a trigger; Meta's
    page says the opposite ("If a business enables Limited Data Use but does
    not set the location parameters … we will determine if the event is from
    one of those states"), so that case is not reported.

    ## Why is this bad?
    Limited Data Use is how advertisers honour US state privacy laws; a
    misspelt option silently turns it off, an unknown code is undefined.

    ## Example
    ```json
    {"data_processing_options": ["ldu"], "data_processing_options_country": 1}
    ```

    ## Fix
    Send `["LDU"]` with `0`/`0` (let Meta geolocate) or `1`/`1000`
    (California), or `[]` with no location fields.

    ## Source
    - Meta, Data processing options: {DPO}
    - Evidence: stated in Meta's documentation; reported by third parties.
    """
    options = event.get("data_processing_options")
    has_country = event.get("data_processing_options_country") is not None
    has_state = event.get("data_processing_options_state") is not None
    if options is None and not has_country and not has_state:
        return None
    hits = []
    if isinstance(options, list):
        for index, item in enumerate(options):
            if item != "LDU":
                shown = mask_key(item) if isinstance(item, str) else mask(item)
                shown = shown if len(shown) <= 20 else shown[:17] + "…"
                hits.append(
                    Hit(
                        ("data_processing_options", index),
                        f"data processing option {shown!r} is not documented; "
                        'the only option is "LDU" (case-sensitive)',
                        'use "LDU"',
                    )
                )
    if has_country != has_state:
        hits.append(
            Hit(
                (),
                "only one of `data_processing_options_country` and `_state` is set",
                "send both (0/0 to let Meta geolocate)",
            )
        )
    country = event.get("data_processing_options_country")
    if has_country and type(country) is int and country not in _DPO_COUNTRIES:
        hits.append(
            Hit(
                ("data_processing_options_country",),
                f"`data_processing_options_country` {country} is not a documented code (0 or 1)",
            )
        )
    state = event.get("data_processing_options_state")
    if has_state and type(state) is int and state not in _DPO_STATES:
        hits.append(
            Hit(
                ("data_processing_options_state",),
                f"`data_processing_options_state` {state} is not a documented code (0 or 1000)",
            )
        )
    if (has_country or has_state) and not (isinstance(options, list) and options):
        hits.append(
            Hit(
                (),
                "location fields are set but `data_processing_options` is empty or absent, "
                "so they have no effect",
                'add "data_processing_options": ["LDU"] or drop the location fields',
            )
        )
    return hits or None


# --------------------------------------------------------------------------- original_event_data

APPEND_ATTRIBUTION = "AppendAttribution"
APPEND_VALUE = "AppendValue"
#: The append events, each with how long after the original event Meta takes it:
#: AppendAttribution "less than 48 hours from the original event" {APPATTR};
#: AppendValue "within 7 days of sending the conversion event" {PLTV}.
APPEND_WINDOWS = {APPEND_ATTRIBUTION: 2 * DAY, APPEND_VALUE: 7 * DAY}
#: 2001-09-09: no Unix time in seconds of an event Meta can still take is smaller.
_MIN_SECONDS = 10**9


def _original_data(event: dict[str, Any]) -> dict[str, Any] | None:
    data = event.get("original_event_data")
    return data if type(data) is dict else None


def _original_time(data: dict[str, Any] | None) -> int | None:
    """original_event_data.event_time as whole seconds when it is a number, else None."""
    return None if data is None else _time_value(data)


def implausible_original_time(value: int) -> bool:
    """E014's judgement: not a Unix time in seconds of a recent event."""
    return value < _MIN_SECONDS or _is_sub_second(value)


@rule(
    "E014",
    "original-event-time-implausible",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition("type(original_event_data) is dict"),
)
def original_event_time_implausible(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`original_event_data.event_time` is not a Unix time in seconds.

    ## What it does
    Reports an `original_event_data.event_time` that is a number but cannot
    be the time of a recent event in Unix seconds: below 1,000,000,000
    (before 2001-09-09: a truncated, made-up or relative value, e.g.
    `17555555` = 1970-07-23) or at least 10^11 (milliseconds or
    microseconds). No reference time is needed. A string or other type is
    S010's; the event's own `event_time` is E004–E007's.

    ## Why is this bad?
    Meta matches an `AppendAttribution` or `AppendValue` event to its
    original conversion through `original_event_data`, whose `event_time`
    is "a Unix timestamp in seconds indicating when the actual event
    occurred" (required for AppendAttribution). A time decades before the
    append event matches no conversion Meta still holds.

    ## Example
    ```json
    {"event_name": "AppendValue", "event_time": 1747945830,
     "original_event_data": {"event_name": "Purchase", "event_time": 17555555, "order_id": "1001"}}
    ```

    ## Fix
    Send the original event's own `event_time` (whole seconds, UTC).

    ## Source
    - Meta, Original Event Data Parameters: {OED}
    - Meta, AppendAttribution event parameters: {APPATTR}
    - Evidence: Meta states the unit (Original Event Data Parameters, § event_time);
      the 2001 floor and the millisecond ceiling are our inference.
    """
    value = _original_time(_original_data(event))
    if value is None or not implausible_original_time(value):
        return None
    if _is_sub_second(value):
        what = "looks like milliseconds"
        fix = "divide by 1000: Meta expects whole seconds"
    else:
        what = f"is {value}, a date before 2001; not a Unix time in seconds of the original event"
        fix = "send the original event's event_time in Unix seconds"
    return [
        Hit(("original_event_data", "event_time"), f"`original_event_data.event_time` {what}", fix)
    ]


@rule(
    "E015",
    "append-event-outside-window",
    Severity.WARNING,
    Scope.EVENT,
    when=Condition(
        "type(event_name) is str and event_name in windows", names={"windows": APPEND_WINDOWS}
    ),
)
def append_event_outside_window(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """An AppendAttribution/AppendValue event is earlier than, or too late after, its original.

    ## What it does
    For `AppendAttribution` and `AppendValue` events, compares the event's
    `event_time` with `original_event_data.event_time` (no reference time is
    needed) and reports an append event that happened before its original
    event, or more than its window after it: 48 hours for
    `AppendAttribution`, 7 days for `AppendValue`. Quiet when either time is
    missing or not a number, and when the original time is implausible
    (E014 reports that).

    ## Why is this bad?
    Meta: "AppendAttribution events must be received less than 48 hours from
    the original event"; events received later are classified as low
    quality. For `AppendValue` (delayed pLTV) the `event_time` "must be
    later than the conversion event's event_time", and the event must be
    sent "within 7 days of sending the conversion event". The append event's
    `event_time` is when it was generated, so it is received no earlier:
    a gap beyond the window is already too late. (For AppendValue the window
    runs from when the conversion was *sent*; a conversion sent late leaves
    correspondingly more time.) That an AppendAttribution event cannot
    precede its original is inferred: the reference's own web example gives
    the append event an `event_time` years before the original's.

    ## Example
    ```json
    {"event_name": "AppendAttribution", "event_time": 1763800000,
     "original_event_data": {"event_name": "Purchase", "event_time": 1763500000}}
    ```
    (83 hours later)

    ## Fix
    Send append events promptly after the original conversion, with the
    original event's real `event_time`.

    ## Source
    - Meta, AppendAttribution event parameters: {APPATTR}
    - Meta, Integration Guidance: Predicted Lifetime Value (pLTV): {PLTV}
    - Evidence: Meta states both windows and the AppendValue order (§ AppendValue
      event parameters); comparing the two event times is our inference.
    """
    name = event.get("event_name")
    window = APPEND_WINDOWS.get(name) if type(name) is str else None
    if window is None:
        return None
    append_time = _time_value(event)
    original = _original_time(_original_data(event))
    if append_time is None or original is None or implausible_original_time(original):
        return None
    gap = append_time - original
    if 0 <= gap <= window:
        return None
    if gap < 0:
        hours = -gap / 3600
        message = (
            f"{name} `event_time` is {hours:.1f} hours before its original event's "
            "(`original_event_data.event_time`); it must come after the conversion"
        )
        fix = "check both times: the append event follows the original conversion"
    else:
        limit = "48 hours" if name == APPEND_ATTRIBUTION else "7 days"
        message = (
            f"{name} is {gap / 3600:.1f} hours after its original event; Meta takes "
            f"{name} only within {limit} of the original"
        )
        fix = f"send {name} within {limit} of the original conversion"
    return [Hit(("event_time",), message, fix)]


@rule(
    "E016",
    "append-original-event-incomplete",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition(
        "event_name == attribution or event_name == value",
        names={"attribution": APPEND_ATTRIBUTION, "value": APPEND_VALUE},
    ),
)
def append_original_event_incomplete(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """An AppendAttribution/AppendValue event does not identify its original event.

    ## What it does
    For `AppendAttribution` and `AppendValue` events, reports a missing
    `original_event_data` object, or one without what Meta requires in it:
    for `AppendAttribution`, `event_name` and `event_time`; for
    `AppendValue`, `event_name` and at least one of `order_id` and
    `event_id`. Present means not null and not blank. Values are judged
    elsewhere (E014, S010). Other events are never judged.

    ## Why is this bad?
    Meta matches the append event to the conversion it extends through
    `original_event_data`. The AppendAttribution reference marks
    `original_event_data.event_name` and `event_time` **Required**; the
    pLTV guide says the `event_id`/`order_id` in `original_event_data` "is
    required" for an AppendValue event ("Meta uses these identifiers to find
    the conversion event"). Without them the appended attribution or value
    attaches to nothing.

    ## Example
    ```json
    {"event_name": "AppendValue", "event_time": 1763800000,
     "original_event_data": {"event_name": "Purchase"},
     "custom_data": {"predicted_ltv": 120.0, "currency": "USD"}}
    ```

    ## Fix
    Copy the original conversion's `event_name`, `event_time`, `order_id`
    and `event_id` into `original_event_data`.

    ## Source
    - Meta, AppendAttribution event parameters: {APPATTR}
    - Meta, Integration Guidance: Predicted Lifetime Value (pLTV): {PLTV}
    - Evidence: Meta states it (AppendAttribution, § Event parameters; pLTV, § Match
      your events).
    """
    name = event.get("event_name")
    if name != APPEND_ATTRIBUTION and name != APPEND_VALUE:
        return None
    data = _original_data(event)
    if data is None:
        if event.get("original_event_data") is not None:
            return None  # a wrong type is S010's
        return [
            Hit(
                (),
                f"{name} event has no `original_event_data`; Meta cannot tell which "
                "conversion it extends",
                "send original_event_data with the original event's event_name, event_time, "
                "order_id and event_id",
            )
        ]
    missing = [] if is_present(data.get("event_name")) else ["no `event_name`"]
    if name == APPEND_ATTRIBUTION:
        if data.get("event_time") is None:
            missing.append("no `event_time`")
    elif not is_present(data.get("order_id")) and not is_present(data.get("event_id")):
        missing.append("neither `order_id` nor `event_id`")
    if not missing:
        return None
    return [
        Hit(
            ("original_event_data",),
            f"{name} `original_event_data` has "
            + " and ".join(missing)
            + "; Meta requires it to find the original conversion",
            "copy them from the original conversion event",
        )
    ]
