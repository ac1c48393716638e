"""B — batch statistics, computed in the engine's one pass over a batch.

The ideas (not the code) and most thresholds come from the batch checks of
Meta's archived Offline Conversion File Uploader (OCU, requirements §9.7;
peers.md §1.6): Meta publishes no thresholds for CAPI batches, so OCU's levels
are the defaults, and every threshold is an option. Each finding points at the
batch array (`/data`, or the root of a top-level array / JSON Lines file),
says how many events are affected and lists the first indexes (also in the
JSON output as `events` and `indexes`).

The classes are column rules (rules/_columns.py): the engine reads the
fields they declare once per event for all of them, and each takes a chunk of
events at a time. They keep counters and, where a rule must compare events,
one small entry per distinct value (time, order, IP): memory grows with the
batch, never with the events' size.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import math
from array import array
from operator import itemgetter
from typing import Any

from capi_lint.context import Context
from capi_lint.hashing import is_valid_hash
from capi_lint.mask import mask
from capi_lint.model import Hit, Severity
from capi_lint.registry import Scope, rule
from capi_lint.rules._columns import ColumnRule, Columns
from capi_lint.rules._userdata import ip_address_part
from capi_lint.rules._util import WINDOW, RecentKeys

#: How many indexes a finding lists (message shows the first five).
_KEEP = 10
#: Per-value samples of indexes are kept for this many distinct values only.
_SAMPLED_VALUES = 64


def _indexes(indexes: list[int], total: int | None = None) -> str:
    shown = ", ".join(str(i) for i in indexes[:5])
    more = (total if total is not None else len(indexes)) > 5
    return shown + (", …" if more else "")


def _extra(count: int, indexes: list[int], **more: Any) -> dict[str, Any]:
    return {"events": count, "indexes": indexes[:_KEEP], **more}


# --------------------------------------------------------------------------- B001

_ZERO_MADID = "00000000-0000-0000-0000-000000000000"


def _well_formed(value: Any, raw: bool) -> bool:
    """A hashed key's value (or list of values) holds a usable entry."""
    if type(value) is list:
        for item in value:
            if type(item) is str and (is_valid_hash(item) or (raw and item.strip())):
                return True
        return False
    if type(value) is str:
        return is_valid_hash(value) or (raw and bool(value.strip()))
    return False


def _present(value: Any) -> bool:
    if type(value) is str:
        return bool(value) and not value.isspace()
    if type(value) is list:
        return any(type(item) is str and item and not item.isspace() for item in value)
    return value is not None and type(value) is not dict


def _has_contact_key(user: dict[str, Any], source: Any, raw: bool) -> bool:
    """The event's ``user_data`` (and ``action_source``) hold a usable contact key."""
    # Cheapest first: external_id needs no hash check (the usual one-item list
    # is also judged inline by LowPiiRate.take).
    external_id = user.get("external_id")
    if _present(external_id):
        return True
    if _well_formed(user.get("em"), raw) or _well_formed(user.get("ph"), raw):
        return True
    madid = user.get("madid")
    if type(madid) is str and madid.strip() and madid.strip() != _ZERO_MADID:
        return True
    if (
        _well_formed(user.get("fn"), raw)
        and _well_formed(user.get("ln"), raw)
        and (_well_formed(user.get("zp"), raw) or _well_formed(user.get("ct"), raw))
    ):
        return True
    if source == "website":
        # Browser identifiers are match keys too (Meta's highest-weighted list).
        if _present(user.get("fbc")) or _present(user.get("fbp")):
            return True
        if _present(user.get("client_ip_address")) and _present(user.get("client_user_agent")):
            return True
    return False


@rule(
    "B001",
    "low-pii-rate",
    Severity.WARNING,
    Scope.BATCH,
    options={"min-events": 10, "warn-rate": 0.05, "error-rate": 0.35},
)
class LowPiiRate(ColumnRule):
    """Too many events have no usable contact key.

    ## What it does
    Counts the events without a present, well-formed contact key — `em`,
    `ph`, `external_id`, a non-zero `madid`, or `fn` + `ln` + (`zp` or
    `ct`) — and reports the batch when their share exceeds `warn-rate` (5 %);
    above `error-rate` (35 %) the message says it is at OCU's error level.
    "Well-formed" for the hashed keys means a valid SHA-256 hash
    (`hashing.is_valid_hash`, appendix form included), or with `pii = "raw"`
    any non-blank value; `external_id` counts when present in any form. For
    `website` events the browser identifiers also count (`fbc`, `fbp`, or IP
    + user agent: Meta's highest-weighted keys), so ordinary anonymous web
    traffic is not reported. Batches under `min-events` (10) pass.

    ## Why is this bad?
    Only matched events are used for attribution and optimisation. Offline
    and CRM events have no cookie: without email, phone or a customer ID they
    match nobody. Meta's Offline Conversion File Uploader warned above 5 % and
    failed uploads above 35 %.

    ## Example
    A batch of 20 store sales where 4 carry only `ct` and `country`.

    ## Fix
    Send a hashed email or phone (or your customer ID) with every event;
    drop events that have none if they cannot be matched anyway.

    ## Options
    `min-events` (10), `warn-rate` (0.05), `error-rate` (0.35).

    ## Source
    - Meta, Omni-channel optimal setup guide: {OMNI}
    - Evidence: seen in Meta's own code (Meta's Offline Conversions Uploader `LowPiiRate`); stated
      in Meta's documentation.
    """

    __slots__ = ("_options", "count", "indexes", "missing", "raw")

    def __init__(self, ctx: Context) -> None:
        self.raw = ctx.settings.pii == "raw"
        self.count = 0
        self.missing = 0
        self.indexes: list[int] = []
        self._options = (
            ctx.option("B001", "min-events"),
            ctx.option("B001", "warn-rate"),
            ctx.option("B001", "error-rate"),
        )

    reads = ("action_source", "user_data", "user_data.external_id")

    def take(self, columns: Columns) -> None:
        raw = self.raw
        missing = 0
        indexes = self.indexes
        for index, external_id, user, source in zip(
            columns.index,
            columns["user_data.external_id"],
            columns["user_data"],
            columns["action_source"],
            strict=True,
        ):
            # The usual one-item external_id list, inline.
            if type(external_id) is list and external_id:
                first = external_id[0]
                if type(first) is str and first and not first.isspace():
                    continue
            if type(user) is dict and _has_contact_key(user, source, raw):
                continue
            missing += 1
            if len(indexes) < _KEEP:
                indexes.append(index)
        self.count += len(columns.index)
        self.missing += missing

    def needs_events(self) -> int:
        return int(self._options[0])

    def result(self) -> list[Hit] | None:
        minimum, warn, error = self._options
        if self.count < minimum or self.missing <= warn * self.count:
            return None
        rate = self.missing / self.count
        level = (
            f"above the {error:.0%} at which Meta's offline uploader failed the upload "
            "(error level)"
            if rate > error
            else f"above the {warn:.0%} warning level of Meta's offline uploader"
        )
        return [
            Hit(
                (),
                f"{self.missing} of {self.count} events ({rate:.0%}) have no usable contact "
                f"key (em, ph, external_id, madid, or fn+ln+zp/ct), {level}; "
                f"index {_indexes(self.indexes, self.missing)}",
                "send a hashed email or phone (or external_id) with every event",
                extra=_extra(self.missing, self.indexes, rate=round(rate, 4)),
            )
        ]


# --------------------------------------------------------------------------- B002


@rule(
    "B002",
    "same-value-everywhere",
    Severity.WARNING,
    Scope.BATCH,
    options={"min-values": 10, "fixed-price-events": []},
)
class SameValueEverywhere(ColumnRule):
    """Every event of the batch has the same `value`.

    ## What it does
    Reports a batch in which every event with a numeric `custom_data.value`
    has the same value, when there are at least `min-values` (10) such
    events. Events whose name is listed in `fixed-price-events` (e.g. a
    subscription at one price) are left out of the count.

    ## Why is this bad?
    Real order values differ. One value everywhere is usually a default or a
    placeholder (`0`, `1`) filled in by the export, which breaks value
    optimisation and ROAS. Meta's Offline Conversion File Uploader flagged it
    (`SameValue`).

    ## Example
    A batch of 25 Purchases, each with `"value": 1`.

    ## Fix
    Send each order's real total; if the price really is fixed, list the
    event name in `fixed-price-events`.

    ## Options
    `min-values` (10), `fixed-price-events` (`[]`).

    ## Source
    - Meta, Offline events: {OFF}
    - Evidence: seen in Meta's own code (Meta's Offline Conversions Uploader `SameValue`).
    """

    __slots__ = ("count", "differs", "first", "fixed", "indexes", "minimum")

    def __init__(self, ctx: Context) -> None:
        self.minimum = ctx.option("B002", "min-values")
        self.fixed = frozenset(ctx.option("B002", "fixed-price-events"))
        self.count = 0
        self.first: Any = None
        self.differs = False
        self.indexes: list[int] = []

    reads = ("custom_data.value", "event_name")

    def take(self, columns: Columns) -> None:
        if self.differs:
            return
        fixed = self.fixed
        indexes = self.indexes
        for index, value, name in zip(
            columns.index, columns["custom_data.value"], columns["event_name"], strict=True
        ):
            kind = type(value)
            if kind is not int and kind is not float:
                continue
            # A name that is not a string is in no list of names (and unhashable if a list).
            if fixed and type(name) is str and name in fixed:
                continue
            if self.count == 0:
                self.first = value
            elif value != self.first:
                self.differs = True
                return
            self.count += 1
            if len(indexes) < _KEEP:
                indexes.append(index)

    def needs_events(self) -> int:
        return int(self.minimum)

    def result(self) -> list[Hit] | None:
        if self.differs or self.count < self.minimum:
            return None
        if type(self.first) is float and not math.isfinite(self.first):
            return None
        return [
            Hit(
                (),
                f"all {self.count} events with a value have the same `value` "
                f"({mask(self.first)}): probably a default, not the order total; "
                f"index {_indexes(self.indexes, self.count)}",
                "send each order's real value (or list fixed-price events in "
                "options.B002.fixed-price-events)",
                extra=_extra(self.count, self.indexes),
            )
        ]


# --------------------------------------------------------------------------- B003 / B004


class _ValueCounter:
    """Counts per value, plus the first indexes of the first distinct values.

    Exact up to ``2 * limit`` distinct values; past that, only the ``limit``
    most frequent are kept, so memory stays flat and a count can only come
    out short (a rule that fires on a large count never fires wrongly).
    """

    __slots__ = ("counts", "limit", "samples")

    def __init__(self, limit: int = WINDOW) -> None:
        self.counts: dict[int, int] = {}
        self.samples: dict[int, list[int]] = {}
        self.limit = limit

    def add(self, value: int, index: int) -> None:
        counts = self.counts
        seen = counts.get(value)
        if seen is None:
            counts[value] = 1
            if len(self.samples) < _SAMPLED_VALUES:
                self.samples[value] = [index]
            if len(counts) > 2 * self.limit:
                # The most frequent, ties in first-seen order (as heapq.nlargest
                # keeps them); a stable sort of mostly equal counts is ~5x faster.
                ranked = sorted(counts.items(), key=itemgetter(1), reverse=True)
                self.counts = dict(ranked[: self.limit])
            return
        counts[value] = seen + 1
        sample = self.samples.get(value)
        if sample is not None and len(sample) < _KEEP:
            sample.append(index)

    def add_many(self, values: list[int | None], indexes: list[int]) -> None:
        """``add`` each value that is not None, in order (one chunk of events)."""
        counts = self.counts
        samples = self.samples
        for value, index in zip(values, indexes, strict=True):
            if value is None:
                continue
            seen = counts.get(value)
            if seen is None:
                self.add(value, index)
                counts = self.counts  # a new value may have pruned the table
                continue
            counts[value] = seen + 1
            if samples:
                sample = samples.get(value)
                if sample is not None and len(sample) < _KEEP:
                    sample.append(index)

    def top(self) -> tuple[int, int, list[int]]:
        value = max(self.counts, key=self.counts.__getitem__)
        return value, self.counts[value], self.samples.get(value, [])


class _TimesOfDay:
    """Events per UTC time of day (hh:mm:ss), and whether one recurs on another date.

    Dicts while few times of day are seen (most batches); past
    ``_DENSE_AFTER`` of them, two arrays of 86,400 slots: about 700 KB
    however long the file.
    """

    __slots__ = ("counts", "days", "dense", "distinct", "samples", "spread")

    _DENSE_AFTER = 2_048

    def __init__(self) -> None:
        #: time of day -> events (0 = none in the dense form)
        self.counts: Any = {}
        #: time of day -> 1 + the day number of its first event
        self.days: Any = {}
        self.dense = False
        self.distinct = 0
        #: Some time of day occurs on two different dates.
        self.spread = False
        self.samples: dict[int, list[int]] = {}

    def add(self, seconds: int, index: int) -> None:
        tod = seconds % 86_400
        day = seconds // 86_400 + 1
        counts = self.counts
        seen = counts[tod] if self.dense else counts.get(tod, 0)
        if not seen:
            counts[tod] = 1
            self.days[tod] = day
            self.distinct += 1
            if len(self.samples) < _SAMPLED_VALUES:
                self.samples[tod] = [index]
            if not self.dense and self.distinct > self._DENSE_AFTER:
                self._densify()
            return
        counts[tod] = seen + 1
        if not self.spread and self.days[tod] != day:
            self.spread = True
        sample = self.samples.get(tod)
        if sample is not None and len(sample) < _KEEP:
            sample.append(index)

    def add_many(self, seconds: list[int | None], indexes: list[int]) -> None:
        """``add`` each time that is not None, in order (one chunk of events)."""
        samples = self.samples
        for value, index in zip(seconds, indexes, strict=True):
            if value is None:
                continue
            tod = value % 86_400
            counts = self.counts
            seen = counts[tod] if self.dense else counts.get(tod, 0)
            if not seen:
                self.add(value, index)
                continue
            counts[tod] = seen + 1
            if not self.spread and self.days[tod] != value // 86_400 + 1:
                self.spread = True
            if samples:
                sample = samples.get(tod)
                if sample is not None and len(sample) < _KEEP:
                    sample.append(index)

    def _densify(self) -> None:
        counts = array("I", bytes(4 * 86_400))
        days = array("I", bytes(4 * 86_400))
        for tod, count in self.counts.items():
            counts[tod] = count
            days[tod] = self.days[tod]
        self.counts, self.days, self.dense = counts, days, True

    def top(self) -> tuple[int, int, list[int]]:
        counts = self.counts
        keys = range(86_400) if self.dense else counts
        tod = max(keys, key=counts.__getitem__)
        return tod, counts[tod], self.samples.get(tod, [])


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


@rule(
    "B003",
    "single-time-of-day",
    Severity.WARNING,
    Scope.BATCH,
    options={"min-events": 10, "min-distinct-share": 0.25},
)
class SingleTimeOfDay(ColumnRule):
    """The events' times of day repeat: dates without times.

    ## What it does
    Reports a batch (of at least `min-events`, 10) whose events have fewer
    distinct UTC times of day (hh:mm:ss) than `min-distinct-share` (25 %) of
    the events (of the 86,400 times a day has, when there are more events),
    while the same time of day occurs on different dates — the
    mark of date-only source data (every sale at 00:00:00, or at 05:00:00
    after a time-zone shift). A burst of real-time events within one day has
    as many distinct times as distinct timestamps and passes; one timestamp
    on every event is B004's.

    ## Why is this bad?
    `event_time` should be when the action happened. Midnight timestamps
    shift conversions by up to a day, hurt attribution windows and make
    events look delayed or too old. Meta's Offline Conversion File Uploader
    flagged it (`InaccurateEventTime`).

    ## Example
    Ten store sales over a week, each at `…T00:00:00Z`.

    ## Fix
    Export the full transaction time (with time zone) and convert it to UTC
    Unix seconds.

    ## Options
    `min-events` (10), `min-distinct-share` (0.25).

    ## Source
    - Meta, Server event parameters: {SE}
    - Evidence: seen in Meta's own code (Meta's Offline Conversions Uploader `InaccurateEventTime`);
      stated in Meta's documentation.
    """

    __slots__ = ("count", "minimum", "share", "tods")

    def __init__(self, ctx: Context) -> None:
        self.minimum = ctx.option("B003", "min-events")
        self.share = ctx.option("B003", "min-distinct-share")
        self.count = 0
        self.tods = _TimesOfDay()

    reads = ("event_time",)

    def take(self, columns: Columns) -> None:
        seconds = columns.seconds()
        self.count += len(seconds) - seconds.count(None)
        self.tods.add_many(seconds, columns.index)

    def needs_events(self) -> int:
        return int(self.minimum)

    def result(self) -> list[Hit] | None:
        tods = self.tods
        distinct = tods.distinct
        # A day has 86,400 times of day: past that many events, real times
        # cannot spread further, and the share is taken of what is possible.
        possible = min(self.count, 86_400)
        if self.count < self.minimum or distinct >= self.share * possible or not tods.spread:
            return None
        tod, top, indexes = tods.top()
        where = f"; index {_indexes(indexes, top)}" if indexes else ""
        return [
            Hit(
                (),
                f"{self.count} events have only {distinct} distinct time(s) of day, "
                f"recurring on different dates; {top} are at {_clock(tod)} UTC: "
                f"the source looks date-only{where}",
                "send the real time of each action, not just its date",
                extra=_extra(top, indexes, distinct_times_of_day=distinct),
            )
        ]


@rule(
    "B004",
    "shared-event-time",
    Severity.WARNING,
    Scope.BATCH,
    options={"min-events": 10, "max-share": 0.9},
)
class SharedEventTime(ColumnRule):
    """Almost every event has the same `event_time`.

    ## What it does
    Reports a batch (of at least `min-events`, 10) in which one `event_time`
    is shared by `max-share` (90 %) or more of the events: a sync or ingest
    time stamped on every row instead of the time of each action. Smaller
    batches pass (a burst of a few website events in one second is real).

    ## Why is this bad?
    Meta attributes and optimises on when the action happened. A batch job's
    timestamp moves every conversion to the moment of the upload — later
    than the click, sometimes outside the attribution window.

    ## Example
    A nightly export of 500 Purchases, each with `"event_time": 1763769600`.

    ## Fix
    Send each event's own time (order time, call time) rather than the time
    the batch was built.

    ## Options
    `min-events` (10), `max-share` (0.9).

    ## Source
    - Meta, Server event parameters: {SE}
    - Evidence: seen in Meta's own code (Meta's Offline Conversions Uploader); stated in Meta's
      documentation; reported by third parties (drt #1087).
    """

    __slots__ = ("count", "minimum", "share", "times")

    def __init__(self, ctx: Context) -> None:
        self.minimum = ctx.option("B004", "min-events")
        self.share = ctx.option("B004", "max-share")
        self.count = 0
        # Only a value held by `max-share` of the events matters, and the
        # most frequent values are never pruned: a small table suffices.
        self.times = _ValueCounter(limit=1_024)

    reads = ("event_time",)

    def take(self, columns: Columns) -> None:
        seconds = columns.seconds()
        self.count += len(seconds) - seconds.count(None)
        self.times.add_many(seconds, columns.index)

    def needs_events(self) -> int:
        return int(self.minimum)

    def result(self) -> list[Hit] | None:
        if self.count < self.minimum:
            return None
        value, top, indexes = self.times.top()
        if top < self.share * self.count:
            return None
        when = _dt.datetime.fromtimestamp(value, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return [
            Hit(
                (),
                f"{top} of {self.count} events share one `event_time` ({value} = {when}): "
                f"probably a sync or upload time, not when each action happened; "
                f"index {_indexes(indexes, top)}",
                "send each event's own time",
                extra=_extra(top, indexes),
            )
        ]


# --------------------------------------------------------------------------- B005


def _id_text(value: Any) -> str | None:
    kind = type(value)
    if kind is str:
        return value if value.strip() else None
    if kind is int:
        return str(value)
    return None


@rule("B005", "duplicate-order-id", Severity.WARNING, Scope.BATCH, options={"window": WINDOW})
class DuplicateOrderId(ColumnRule):
    """The same `order_id` appears on two events with the same name.

    ## What it does
    Reports a batch in which a `custom_data.order_id` repeats on events with
    the same `event_name` (and, when present, the same
    `custom_data.item_number`); the message counts the repeating events,
    names the first pair and lists their indexes. The same order across
    different event names (`InitiateCheckout` → `Purchase`) passes, and so do
    different item numbers of one order. IDs compare as text (`123` = `"123"`).

    ## Why is this bad?
    An order happens once: a repeat is a duplicate export or a retry, and
    without `event_id` Meta counts it twice. Meta's offline tools
    deduplicated on order ID (+ item number) and flagged non-unique ones
    (OCU `NonUniqueOrderIdItemNum`).

    ## Example
    ```json
    {"data": [{"event_name": "Purchase", "custom_data": {"order_id": "A-1"}},
              {"event_name": "Purchase", "custom_data": {"order_id": "A-1"}}]}
    ```

    ## Fix
    Send each order once, and use the order ID as `event_id` so Meta drops
    repeats.

    ## Options
    `window` (20000): each event is compared with the last `window` distinct
    orders of its batch (a request, or all the event lines of a JSON Lines
    file), so a file of any size is linted in flat memory.

    ## Source
    - Meta, Offline events: {OFF}
    - Evidence: seen in Meta's own code (Meta's Offline Conversions Uploader
      `NonUniqueOrderIdItemNum`).
    """

    __slots__ = ("count", "indexes", "pair", "seen")

    def __init__(self, ctx: Context) -> None:
        #: hash((order_id, event_name, item_number)) -> index of its first event.
        self.seen = RecentKeys(ctx.option("B005", "window"))
        self.count = 0
        self.indexes: list[int] = []
        self.pair: tuple[int, int] | None = None

    reads = ("custom_data.item_number", "custom_data.order_id", "event_name")

    def take(self, columns: Columns) -> None:
        seen = self.seen
        for index, order, item, name in zip(
            columns.index,
            columns["custom_data.order_id"],
            columns["custom_data.item_number"],
            columns["event_name"],
            strict=True,
        ):
            if type(order) is not str or not order or order.isspace():
                order = _id_text(order)
                if order is None:
                    continue
            if type(name) is not str:
                continue
            key = hash((order, name, item if item is None else _id_text(item)))
            first = seen.data.get(key)
            if first is None:
                seen.add(key, index)
                continue
            self.count += 1
            if self.pair is None:
                self.pair = (first, index)
            if len(self.indexes) < _KEEP:
                self.indexes.append(index)

    def needs_events(self) -> int:
        return 2  # a repeat

    def result(self) -> list[Hit] | None:
        if not self.count or self.pair is None:
            return None
        first, later = self.pair
        return [
            Hit(
                (),
                f"{self.count} event(s) repeat the `order_id` of an earlier event with the "
                f"same event_name (first: event {later} repeats event {first}); "
                f"index {_indexes(self.indexes, self.count)}",
                "send each order once; use the order ID as event_id so repeats are dropped",
                extra=_extra(self.count, self.indexes, first_pair=[first, later]),
            )
        ]


# --------------------------------------------------------------------------- B006


def _user_value(value: Any) -> Any:
    if type(value) is str:
        return value if value.strip() else None
    if type(value) is list:
        for item in value:
            if type(item) is str and item.strip():
                return item
    return None


def _public(ip: str) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False  # U005's
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_global and not address.is_multicast


class _IpUsers:
    __slots__ = ("count", "flagged", "indexes", "last", "values")

    def __init__(self) -> None:
        #: distinct values of external_id, em, fbp seen on this IP: lists, as
        #: they stop at min-users entries (a set would take three times the memory).
        self.values: tuple[list[Any], list[Any], list[Any]] = ([], [], [])
        self.indexes: list[int] = []
        self.count = 0
        self.flagged = False
        #: the previous event's raw values: a user's next event usually repeats them.
        self.last: tuple[Any, ...] | None = None


@rule(
    "B006",
    "shared-ip-many-users",
    Severity.WARNING,
    Scope.BATCH,
    options={"min-users": 5, "window": WINDOW},
)
class SharedIpManyUsers(ColumnRule):
    """One IP address is used by many different users.

    ## What it does
    Reports each `client_ip_address` that appears on events of at least
    `min-users` (5) distinct users, counting users by distinct `external_id`,
    `em` or `fbp` (whichever shows the most; lists count by their first
    value). One user with many events from one IP passes; private, loopback,
    CGNAT and other non-public addresses are U006's and are not counted, and
    unparseable ones are U005's. An address with the parameter builder's
    appendix (`203.0.113.7.AQ`) counts as its address.

    ## Why is this bad?
    The IP should be the customer's: one address on many users is usually the
    server's or a proxy's (`X-Forwarded-For` read wrong). Events Manager warns
    about "client IP addresses associated with multiple users", and a shared
    IP makes matching worse for everyone behind it.

    ## Example
    Five purchases by five different `external_id`s, all with
    `"client_ip_address": "203.0.113.7"` — the shop server.

    ## Fix
    Send the IP of the customer's browser (the first address of
    `X-Forwarded-For` set by your own proxy), not the server's.

    ## Options
    `min-users` (5). `window` (20000): the IPs of the last `window` distinct
    addresses are followed (an IP that reached `min-users` always is), so a
    JSON Lines file of any size is linted in flat memory.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: stated in Meta's documentation; reported by third parties (Adsmurai #15).
    """

    __slots__ = ("first", "flagged", "ips", "minimum")

    def __init__(self, ctx: Context) -> None:
        self.minimum = ctx.option("B006", "min-users")
        #: IP -> (index, external_id, em, fbp) of its first event, until a second one.
        self.first = RecentKeys(ctx.option("B006", "window"))
        #: IP -> its users, for IPs seen more than once.
        self.ips = RecentKeys(ctx.option("B006", "window"))
        #: The IPs that reached min-users (kept whatever the window).
        self.flagged: dict[str, _IpUsers] = {}

    reads = (
        "user_data.client_ip_address",
        "user_data.em",
        "user_data.external_id",
        "user_data.fbp",
    )

    def take(self, columns: Columns) -> None:
        flagged = self.flagged
        ips = self.ips.data
        firsts = self.first
        for index, ip, external_id, em, fbp in zip(
            columns.index,
            columns["user_data.client_ip_address"],
            columns["user_data.external_id"],
            columns["user_data.em"],
            columns["user_data.fbp"],
            strict=True,
        ):
            if type(ip) is not str or not ip:
                continue
            # The parameter builder appends a per-visit token: count the address.
            ip = ip_address_part(ip)
            state = flagged.get(ip) or ips.get(ip)
            if state is None:
                first = firsts.data.get(ip)
                if first is None:
                    # Most IPs occur once: keep references, normalise only on a repeat.
                    firsts.add(ip, (index, external_id, em, fbp))
                    continue
                # The entry in `first` is shadowed from now on and ages out of the window.
                state = _IpUsers()
                self.ips.add(ip, state)
                ips = self.ips.data
                self._add(state, first[0], first[1:])
            self._add(state, index, (external_id, em, fbp))
            if state.flagged and ip not in flagged:
                flagged[ip] = state

    def _add(self, state: _IpUsers, index: int, values: tuple[Any, ...]) -> None:
        state.count += 1
        if len(state.indexes) < _KEEP:
            state.indexes.append(index)
        if state.flagged or values == state.last:
            return
        state.last = values
        for seen, raw in zip(state.values, values, strict=True):
            value = _user_value(raw)
            if value is not None and value not in seen:
                seen.append(value)
                if len(seen) >= self.minimum:
                    state.flagged = True

    def needs_events(self) -> int:
        return 2  # a repeat

    def result(self) -> list[Hit] | None:
        hits = None
        for ip, state in self.flagged.items():
            if not _public(ip.strip()):
                continue
            hits = hits or []
            hits.append(
                Hit(
                    (),
                    f"one `client_ip_address` ({mask(ip)}) is used by at least {self.minimum} "
                    f"different users ({state.count} events, index "
                    f"{_indexes(state.indexes, state.count)}): probably a server or proxy "
                    "address, not the customer's",
                    "send the IP of the customer's browser, not your server's",
                    extra=_extra(state.count, state.indexes),
                )
            )
        return hits
