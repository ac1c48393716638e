"""D — deduplication: event_id presence and shape, repeated ids, identical events.

Meta deduplicates browser/app and server events on `event_id` + `event_name`
(or, second best, `external_id` + `fbp`), and discards later server events
that repeat an `event_id` + `event_name` within 48 hours (requirements §11).
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from capi_lint.context import Context
from capi_lint.mask import mask_label
from capi_lint.model import Hit, Severity
from capi_lint.registry import Scope, rule
from capi_lint.rules._util import WINDOW, RecentKeys, is_present
from capi_lint.tiers import Condition

#: Sources whose events Meta deduplicates against the Pixel / app SDK (D001).
_PAIRED_SOURCES = frozenset({"website", "app"})
#: Events that append to an earlier conversion (named in `original_event_data`)
#: instead of reporting one the Pixel also sees: there is no browser twin.
_FOLLOW_UP_EVENTS = frozenset({"AppendAttribution", "AppendValue"})

_PLACEHOLDER_IDS = frozenset(
    {"undefined", "null", "none", "nan", "0", "[object object]", "false", "true", "n/a"}
)
#: Unrendered templates: {{…}} (GTM, Liquid, Handlebars), ${…}, %name%, <%…%>, [[…]].
_TEMPLATE = re.compile(r"\{\{.*\}\}|\$\{.*\}|%[A-Za-z_][\w.\-]*%|<%.*%>|\[\[.*\]\]", re.DOTALL)
#: First characters of the placeholders (either case, or leading whitespace).
_PLACEHOLDER_START = frozenset("uUnN0[fFtT \t\r\n")

#: The user_data keys that tell users apart (D004; rules.md "different users").
_USER_KEYS = ("external_id", "em", "fbp")


def _has_id(value: Any) -> bool:
    """event_id is present: not null, not blank (D005 judges the value)."""
    if value is None:
        return False
    if type(value) is str:
        return bool(value) and not value.isspace()
    return value != []


def suspicious_id(value: str) -> str | None:
    """What is wrong with an ID string (event_id, order_id), or None.

    Empty or blank, a placeholder, or an unrendered template; the answer
    completes a sentence such as "`event_id` …".
    """
    if not value:
        return "is empty"
    if value.isspace():
        return "is whitespace only"
    if (
        len(value) <= 15
        and value[0] in _PLACEHOLDER_START
        and value.strip().lower() in _PLACEHOLDER_IDS
    ):
        return f"is the placeholder {value.strip()!r}"
    if ("{" in value or "%" in value or "[" in value or "<" in value) and _TEMPLATE.search(value):
        return "is an unrendered template"
    return None


def _has_fallback(event: dict[str, Any]) -> bool:
    user = event.get("user_data")
    return (
        type(user) is dict and is_present(user.get("external_id")) and is_present(user.get("fbp"))
    )


def _lacks_dedup_key(event: dict[str, Any]) -> bool:
    """D001's judgement for a website/app event (D002 defers to it)."""
    if _has_id(event.get("event_id")) or _has_fallback(event):
        return False
    name = event.get("event_name")
    return not (type(name) is str and name in _FOLLOW_UP_EVENTS)  # a list is unhashable


def _id_key(value: Any) -> str | None:
    """The event_id as Meta compares it (a number is read as its digits), or None."""
    kind = type(value)
    if kind is str:
        return value if value and not value.isspace() else None
    if kind is int or kind is float:
        return str(value)
    return None


#: What ``id_kind`` says of an event: it has an event_id Meta compares (D003,
#: D004 are fed it), or none at all (D006 is fed it); anything else, neither.
WITH_ID = "id"
WITHOUT_ID = "none"


def id_kind(event: dict[str, Any]) -> str | None:
    """Which of the batch rules keyed on event_id can report on ``event``:
    read once per event for all of them (their ``feeds_on``)."""
    value = event.get("event_id")
    if type(value) is str:
        return WITHOUT_ID if not value or value.isspace() else WITH_ID
    if _id_key(value) is not None:
        return WITH_ID
    return None if _has_id(value) else WITHOUT_ID


@rule(
    "D001",
    "no-dedup-key",
    Severity.WARNING,
    Scope.EVENT,
    action_sources=_PAIRED_SOURCES,
    # Not a usable event_id (a str one is the common case; the rest is the check's).
    when=Condition("type(event_id) is not str or not event_id or event_id.isspace()"),
)
def no_dedup_key(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A website or app event has neither `event_id` nor `external_id` + `fbp`.

    ## What it does
    For `action_source` `website` or `app`, reports an event that has no
    `event_id` (absent, null or blank) and does not carry both
    `user_data.external_id` and `user_data.fbp`. An event with `event_id`
    passes, and so does one with `external_id` + `fbp` and no `event_id`
    (Meta's second deduplication method). Other sources pass (there is no
    Pixel or app event to deduplicate against), and so do `AppendAttribution`
    and `AppendValue` events: they append attribution credit or value to an
    original conversion that Meta already received (identified in
    `original_event_data`), so no Pixel or app event duplicates them.

    ## Why is this bad?
    Meta recommends sending the same event from the browser (or app) and the
    server. Without a shared key it cannot tell that both are one conversion,
    so it counts the conversion twice.

    ## Example
    ```json
    {"event_name": "Purchase", "action_source": "website",
     "user_data": {"client_user_agent": "Mozilla/5.0 …", "fbp": "fb.1.1763790000000.1234567890"}}
    ```

    ## Use instead
    ```json
    {"event_name": "Purchase", "action_source": "website", "event_id": "order-10001",
     "user_data": {"client_user_agent": "Mozilla/5.0 …", "fbp": "fb.1.1763790000000.1234567890"}}
    ```

    ## Fix
    Send the Pixel's `eventID` as `event_id` (recommended); otherwise send
    `external_id` and `fbp` with the same values the browser sends.

    ## Source
    - Meta, Deduplicate Pixel and server events: {DEDUP}
    - Meta, Original event data parameters: {OED}
    - Evidence: stated in Meta's documentation.
    """
    if not _lacks_dedup_key(event):
        return None
    return [
        Hit(
            (),
            f"{event.get('action_source')} event has no `event_id` and not both "
            "`external_id` and `fbp`: Meta cannot deduplicate it against the "
            f"{'Pixel' if event.get('action_source') == 'website' else 'app'} event",
            "send the browser's eventID as `event_id` (or external_id + fbp)",
        )
    ]


@rule("D002", "missing-event-id", Severity.INFO, Scope.EVENT, when=Condition("event_id is None"))
def missing_event_id(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """The event has no `event_id`.

    ## What it does
    Reports an event whose `event_id` is absent or null, unless D001 already
    reports it (a website/app event without `external_id` + `fbp`, when D001
    is enabled). A blank `event_id` is D005's. `AppendAttribution` and
    `AppendValue` events, which D001 leaves alone, get this info note.

    ## Why is this bad?
    `event_id` is optional, but Meta's best practices recommend it on every
    event: it is the reliable deduplication key, and it lets a retry of the
    same event be dropped instead of counted twice.

    ## Example
    ```json
    {"event_name": "Purchase", "action_source": "physical_store", "event_time": 1763790000}
    ```

    ## Fix
    Send a unique ID per event (the order number for a purchase).

    ## Source
    - Meta, Server event parameters: {SE}
    - Meta, Conversions API best practices: {BP}
    - Evidence: stated in Meta's documentation.
    """
    value = event.get("event_id")
    if value is not None:
        return None
    if (
        ctx.action_source in _PAIRED_SOURCES
        and "D001" in ctx.settings.enabled
        and _lacks_dedup_key(event)
    ):
        return None
    return [
        Hit(
            (),
            "event has no `event_id`; Meta recommends one on every event",
            "send a unique ID per event (e.g. the order number)",
        )
    ]


class _Store:
    """(event_id, event_name) keys of earlier batches (file or run scope).

    A finished batch hands over its own key dict as it is (no per-key work);
    only when another batch of the same file (or run) starts are those keys
    folded into ``keys``: 64-bit hashes mapped to one int packing (file
    number, batch number, index), about 100 bytes per distinct key, at most
    ``limit`` of them (D003's option ``max-keys``). Python's string hash is
    fixed for the process, which is all a run needs; two different keys share
    a hash with a probability below 1e-7 at a million keys.
    """

    __slots__ = ("batches", "full", "keys", "limit", "path", "paths", "pending", "warned")

    def __init__(self, limit: int) -> None:
        self.keys: dict[int, int] = {}
        #: (hash of (event_id, event_name) -> index, packed file and batch number)
        self.pending: list[tuple[dict[int, int], int]] = []
        self.paths: list[str] = []
        self.path: str | None = None
        self.batches = 0
        self.limit = limit
        self.full = False
        self.warned = False

    def absorb(self) -> None:
        keys, limit = self.keys, self.limit
        for seen, base in self.pending:
            for pair, index in seen.items():
                if len(keys) >= limit:
                    self.full = True
                    break
                keys.setdefault(pair, base | index)
        self.pending.clear()


@rule(
    "D003",
    "duplicate-event-id",
    Severity.WARNING,
    Scope.BATCH,
    options={"max-keys": 1_000_000, "window": WINDOW},
)
class DuplicateEventId:
    """Two events share `event_id` and `event_name`.

    ## What it does
    Reports an event whose `event_id` and `event_name` both equal those of an
    earlier event, at the later event's `event_id`; the message names the
    earlier event. Where Meta would read a number as its digits, `123` and
    `"123"` count as the same ID. The same `event_id` under a different
    `event_name` is not a duplicate (D004 judges reuse).

    How far it looks is `--dedup-scope` (config `dedup-scope`): `batch` (one
    request), `file` (the default: one file, including every request line of
    a JSON Lines file) or `run` (every file of the run, e.g. daily exports).
    Across batches only a 64-bit hash of each key is kept, and at most
    `max-keys` of them (then an info note says later events are compared with
    the keys kept so far), so memory stays bounded.

    ## Why is this bad?
    Meta keeps the first server event with a given `event_id` + `event_name`
    and discards later ones received within 48 hours: two purchases that
    share an ID because of a constant or per-session ID count as one.

    ## Example
    ```json
    {"data": [{"event_name": "Purchase", "event_id": "order-1"},
              {"event_name": "Purchase", "event_id": "order-1"}]}
    ```

    ## Fix
    Give every distinct event its own ID (the order number for purchases; a
    random ID shared by browser and server otherwise). If the second event is
    a retry, drop it before sending.

    ## Options
    `max-keys` (1000000): cap on the keys kept across batches for
    `--dedup-scope file|run`. `window` (20000): within one batch (a request,
    or all the event lines of a JSON Lines file) each event is compared with
    the last `window` distinct keys, so a file of any size is linted in flat
    memory.

    ## Source
    - Meta, Deduplicate Pixel and server events: {DEDUP}
    - Meta, Server event parameters: {SE}
    - Evidence: stated in Meta's documentation.
    """

    __slots__ = ("batch", "path_no", "seen", "store")

    #: Only events with an event_id are fed (read once for D003, D004, D006).
    feeds_on = (id_kind, WITH_ID)

    def __init__(self, ctx: Context) -> None:
        #: hash((event_id, event_name)) -> index of its first event.
        self.seen = RecentKeys(ctx.option("D003", "window"))
        self.store: _Store | None = None
        self.batch = 0
        self.path_no = 0
        scope = ctx.settings.dedup_scope
        if scope == "batch":
            return
        store = ctx.shared.get("D003")
        if store is None or (scope == "file" and store.path != ctx.path):
            store = _Store(ctx.option("D003", "max-keys"))
            ctx.shared["D003"] = store
        if store.path != ctx.path:
            store.path = ctx.path
            store.paths.append(ctx.path)
            store.batches = 0
        if store.pending:
            store.absorb()
        self.store = store
        self.path_no = len(store.paths) - 1

    def feed(self, index: int, event: dict[str, Any]) -> list[Hit] | None:
        key = event.get("event_id")
        if type(key) is str:
            if not key or key.isspace():
                return None
        else:
            key = _id_key(key)
            if key is None:
                return None
        name = event.get("event_name")
        if type(name) is not str:
            return None
        pair = hash((key, name))
        first = self.seen.data.get(pair)
        if first is not None:
            return [self._hit(name, f"event {first}")]
        self.seen.add(pair, index)
        store = self.store
        if store is None:
            return None
        if not self.batch:
            # Numbered on first use: the engine may open a batch that stays empty.
            store.batches += 1
            self.batch = store.batches
        if not store.keys:
            return None
        packed = store.keys.get(pair)
        if packed is None:
            return None
        return [self._hit(name, self._where(packed))]

    def _where(self, packed: int) -> str:
        store = self.store
        assert store is not None
        path_no, batch, index = packed >> 64, (packed >> 32) & 0xFFFFFFFF, packed & 0xFFFFFFFF
        if path_no != self.path_no:
            return f"event {index} in {store.paths[path_no]}"
        return f"event {index} of request #{batch} in this file"

    @staticmethod
    def _hit(name: str, earlier: str) -> Hit:
        return Hit(
            ("event_id",),
            f"`event_id` and `event_name` {mask_label(name)!r} repeat {earlier}; Meta keeps "
            "the first and discards later events with the same pair received within 48 hours",
            "give each event its own event_id (drop the event if it is a retry)",
        )

    def finish(self) -> list[Hit] | None:
        store = self.store
        if store is None or not self.batch:
            return None
        store.pending.append((self.seen.data, (self.path_no << 64) | (self.batch << 32)))
        if store.full and not store.warned:
            store.warned = True
            return [
                Hit(
                    (),
                    f"D003 keeps at most {store.limit} event_id keys across batches; "
                    "later events were compared only with those",
                    "raise options.D003.max-keys, or lint fewer files per run",
                    Severity.INFO,
                )
            ]
        return None


def _user_values(event: dict[str, Any]) -> tuple[Any, ...] | None:
    user = event.get("user_data")
    if type(user) is not dict:
        return None
    return (user.get("external_id"), user.get("em"), user.get("fbp"))


def _as_set(value: Any) -> frozenset[str]:
    if type(value) is str:
        return frozenset((value,)) if value and not value.isspace() else frozenset()
    if type(value) is list:
        return frozenset(v for v in value if type(v) is str and v and not v.isspace())
    return frozenset()


def _different_users(a: tuple[Any, ...] | None, b: tuple[Any, ...] | None) -> str | None:
    """The key that shows two events belong to different people, if any."""
    if a is None or b is None:
        return None
    for key, left, right in zip(_USER_KEYS, a, b, strict=True):
        if left is None or right is None or left == right:
            continue
        one, two = _as_set(left), _as_set(right)
        if one and two and not (one & two):
            return key
    return None


@rule("D004", "event-id-reused", Severity.INFO, Scope.BATCH, options={"window": WINDOW})
class EventIdReused:
    """One `event_id` is used for different events or different people.

    ## What it does
    Reports, once per `event_id`, an ID that appears under three or more
    event names, or on events of different users (both events carry
    `external_id`, `em` or `fbp` and the values have nothing in common). The
    finding points at the `event_id` of the event that showed it; the message
    names the earlier event. The documented pattern of one order number for
    `InitiateCheckout` and `Purchase` of the same user is not reported.

    ## Why is this bad?
    `event_id` must identify one event. A constant or per-session ID (Events
    Manager: "same event_id received for many events") collapses distinct
    conversions: later ones with the same name are discarded, and the ID
    cannot pair browser and server events.

    ## Example
    ```json
    {"data": [{"event_name": "Purchase", "event_id": "1", "user_data": {"external_id": "a1"}},
              {"event_name": "Purchase", "event_id": "1", "user_data": {"external_id": "b2"}}]}
    ```

    ## Fix
    Generate a unique ID per event (order number, or a random UUID shared by
    the browser and server copies of the event).

    ## Options
    `window` (20000): each event is compared with the last `window` distinct
    event IDs of its batch (a request, or all the event lines of a JSON Lines
    file), so a file of any size is linted in flat memory.

    ## Source
    - Meta, Original event data parameters: {OED}
    - Evidence: stated in Meta's documentation; reported by third parties (facebook-for-woocommerce
      #1771).
    """

    __slots__ = ("first", "names", "reported")

    #: Only events with an event_id are fed (read once for D003, D004, D006).
    feeds_on = (id_kind, WITH_ID)

    def __init__(self, ctx: Context) -> None:
        #: event_id -> (index, event_name, user values) of its first event.
        self.first = RecentKeys(ctx.option("D004", "window"))
        #: event_id -> distinct names, only for IDs seen more than once.
        self.names: dict[str, set[Any]] = {}
        self.reported: set[str] = set()

    def feed(self, index: int, event: dict[str, Any]) -> list[Hit] | None:
        key = _id_key(event.get("event_id"))
        if key is None:
            return None
        name = event.get("event_name")
        if type(name) is not str:
            name = None
        first = self.first.data.get(key)
        if first is None:
            self.first.add(key, (index, name, _user_values(event)))
            return None
        if key in self.reported:
            return None
        names = self.names.get(key)
        if names is None:
            names = self.names[key] = {first[1]}
        names.add(name)
        message = None
        if len(names) >= 3:
            message = (
                f"`event_id` is used for {len(names)} different event names "
                f"(first at event {first[0]}); each event should have its own ID"
            )
        else:
            differs = _different_users(first[2], _user_values(event))
            if differs:
                message = (
                    f"`event_id` of event {first[0]} is reused for a different user "
                    f"(`{differs}` differs); constant or per-session IDs collapse "
                    "distinct conversions"
                )
        if message is None:
            return None
        self.reported.add(key)
        return [Hit(("event_id",), message, "generate a unique event_id per event")]

    def finish(self) -> list[Hit] | None:
        return None


@rule(
    "D005",
    "event-id-suspicious",
    Severity.WARNING,
    Scope.EVENT,
    # suspicious_id's first tests, unrolled: empty, whitespace, a placeholder's
    # first character, a template's opening character.
    when=Condition(
        "event_id is not None and (type(event_id) is not str or not event_id"
        " or event_id[0] in starts or event_id[0].isspace() or '{' in event_id"
        " or '%' in event_id or '[' in event_id or '<' in event_id)",
        names={"starts": _PLACEHOLDER_START},
    ),
)
def event_id_suspicious(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`event_id` is empty, a placeholder, an unrendered template or not a string.

    ## What it does
    Reports an `event_id` that is an empty or whitespace string, a placeholder
    (`undefined`, `null`, `none`, `0`, `[object Object]`, `true`, …), an
    unrendered template (`{{Event ID}}`, `${eventId}`, `%event_id%`), or not a
    string at all (a number, boolean, object or array). Any other non-empty
    string passes, numeric strings included. Mixing numbers and strings in one
    batch — a common cause of 0 % deduplication — shows up as a report on each
    numeric ID.

    ## Why is this bad?
    A placeholder or template is the same on every event, so Meta discards
    all but the first. The Pixel's `eventID` is a string: a number on the
    server side may not equal the browser's value (`123` vs `"123"`, `1.0`).

    ## Example
    ```json
    {"event_id": "{{Event ID}}"}
    ```

    ## Fix
    Send the rendered ID as a string, exactly as the browser sends it.

    ## Source
    - Meta, Deduplicate Pixel and server events: {DEDUP}
    - Evidence: seen in Meta's own code (Node SDK #308, GTM tag #25); reported by third parties
      (Node SDK #308, GTM tag #25); capi-lint's inference, not stated by Meta.
    """
    value = event.get("event_id")
    if value is None:
        return None
    kind = type(value)
    if kind is str:
        problem = suspicious_id(value)
        if problem is None:
            return None
        return [
            Hit(
                ("event_id",),
                f"`event_id` {problem}; every such event shares one ID and Meta "
                "discards all but the first",
                "send the real, unique ID of the event",
            )
        ]
    what = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        dict: "an object",
        list: "an array",
    }.get(kind, kind.__name__)
    return [
        Hit(
            ("event_id",),
            f"`event_id` is {what}; the Pixel's eventID is a string, so send it as one "
            "(a number may not match the browser's value)",
            'send it as a string, e.g. "123"',
        )
    ]


@rule("D006", "identical-events-no-id", Severity.WARNING, Scope.BATCH, options={"window": WINDOW})
class IdenticalEventsNoId:
    """Two events without `event_id` are identical.

    ## What it does
    Reports an event without `event_id` (absent, null or blank) whose
    `event_name`, `event_time`, `action_source` and `user_data` are all equal
    to those of an earlier event without `event_id`; it points at the later
    event and names the earlier one. Events that differ in any of those
    fields, or that carry an `event_id` (D003 judges equal IDs), pass.

    ## Why is this bad?
    Without an ID Meta keeps both copies: a retried or doubly exported event
    is counted twice.

    ## Example
    ```json
    {"data": [{"event_name": "Purchase", "event_time": 1763790000,
               "action_source": "physical_store", "user_data": {"em": "…hash…"}},
              {"event_name": "Purchase", "event_time": 1763790000,
               "action_source": "physical_store", "user_data": {"em": "…hash…"}}]}
    ```

    ## Fix
    Remove the duplicate, and send an `event_id` (the order number) so that a
    repeat is dropped by Meta instead of counted.

    ## Options
    `window` (20000): each event is compared with the last `window` distinct
    events without an ID of its batch (a request, or all the event lines of a JSON Lines
    file), so a file of any size is linted in flat memory.

    ## Source
    - Meta, Deduplicate Pixel and server events: {DEDUP}
    - Evidence: stated in Meta's documentation.
    """

    __slots__ = ("seen",)

    #: Only events without an event_id are fed (read once for D003, D004, D006).
    feeds_on = (id_kind, WITHOUT_ID)

    def __init__(self, ctx: Context) -> None:
        #: hash of the compared fields -> index of the first such event.
        self.seen = RecentKeys(ctx.option("D006", "window"))

    def feed(self, index: int, event: dict[str, Any]) -> list[Hit] | None:
        if _has_id(event.get("event_id")):
            return None
        try:
            key = orjson.dumps(
                (
                    event.get("event_name"),
                    event.get("event_time"),
                    event.get("action_source"),
                    event.get("user_data"),
                ),
                option=orjson.OPT_SORT_KEYS,
            )
        except (TypeError, orjson.JSONEncodeError):
            return None
        first = self.seen.setdefault(hash(key), index)
        if first == index:
            return None
        return [
            Hit(
                (),
                f"event is identical to event {first} (name, time, action_source and "
                "user_data) and neither has an `event_id`: Meta counts both",
                "drop the duplicate, and send an event_id so retries are deduplicated",
            )
        ]

    def finish(self) -> list[Hit] | None:
        return None
