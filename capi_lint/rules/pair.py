"""P — the Pixel and the server side by side: deduplication and event coverage.

Each rule is a pure function ``fn(pairing, ctx) -> list[Hit] | None`` over one
:class:`~capi_lint.pairing.Pairing` per ``capi-lint pair`` run: what a page
sent to the Pixel (a HAR file, or recorded ``fbq('track', …)`` calls), the
server events of Conversions API payloads, and the twins
:mod:`capi_lint.pair.match` paired the way Meta deduplicates.
``capi-lint pair`` (:mod:`capi_lint.pair`) builds the pairing and runs the
selected rules through :class:`~capi_lint.model.Selection`, so they share
selection, severity overrides, options, output formats and documentation with
every other rule. Hits (:func:`~capi_lint.pairing.pair_hit`) point at the HAR
entry (or the recorded line) and, where there is one, name the server event's
file, line and pointer.
"""

from __future__ import annotations

from capi_lint.mask import mask
from capi_lint.model import Hit, Severity
from capi_lint.pairing import PairContext, Pairing, apart, pair_hit
from capi_lint.registry import Scope, rule
from capi_lint.rules._pair import canonical_external_ids, fbp_of, name_difference, show, squash

_P = Scope.PAIR

_Name = tuple[str | None, str]


@rule("P001", "browser-event-without-server-twin", Severity.WARNING, _P)
def browser_event_without_server_twin(pairing: Pairing, ctx: PairContext) -> list[Hit] | None:
    """A Pixel event has no server event Meta would deduplicate it with.

    ## What it does
    For each event the page sent to the Pixel (`ev` of a request to
    `https://www.facebook.com/tr`), looks for a server event of the same
    pixel with the identical `event_name` and either the same `event_id`
    (the Pixel's `eid`) or, when one side has no ID, the same `fbp` and/or
    `external_id`. Triggers for each browser event of a name the server also
    sends that has no such twin. For a name the server never sends, it
    reports once per name, at info level (coverage 0 %): a Pixel-only event
    needs no deduplication, but it is not covered by the Conversions API.
    Twins whose names differ (P003) or that lie outside the window (P005) are
    reported by those rules instead. Meta's automatic events (`microdata`,
    `SubscribedButtonClick`) are not paired.

    ## Why is this bad?
    Meta's `event_coverage` is the share of Pixel events also received via the
    Conversions API with shared deduplication keys (goal: 75 %). A Pixel event
    without a twin is either lost server-side (no recovery when the browser is
    blocked) or sent with keys Meta cannot pair, so it is counted twice.

    ## Example
    The Pixel sends `ev=Purchase&eid=order-1001`; the server's `Purchase`
    events carry `event_id` `order-1002` and `order-1003` only.

    ## Fix
    Send the same event from the server with the Pixel's `eventID` as
    `event_id` (order number for purchases, a random ID shared with the
    browser otherwise), or at least the same `fbp` and `external_id`.

    ## Source
    - Meta, Handling Duplicate Pixel and Conversions API Events: {DEDUP}
    - Meta, Dataset Quality API (`event_coverage`, goal 75 %): {DQ}
    - Evidence: Meta states the redundant setup and both keys; coverage as
      defined by `event_coverage`.
    """
    server_names: dict[_Name, list[int]] = {}
    for si, s in enumerate(pairing.server):
        server_names.setdefault((pairing.pixel_of_server(si), squash(s.event_name)), []).append(si)
    out = []
    told: set[_Name] = set()
    for bi, b in enumerate(pairing.browser):
        if pairing.browser_twin(bi) is not None:
            continue
        pixel = b.pixel_id or pairing.default_pixel
        same = server_names.get((pixel, squash(b.event_name))) or server_names.get(
            (None, squash(b.event_name))
        )
        if not same:
            key = (pixel, b.event_name)
            if key in told:
                continue
            told.add(key)
            count = sum(
                1
                for x in pairing.browser
                if x.event_name == b.event_name and (x.pixel_id or pairing.default_pixel) == pixel
            )
            out.append(
                pair_hit(
                    f"the server sends no {show(b.event_name)} event: the {count} Pixel "
                    f"event(s) of that name (first: {b.label}) have no Conversions API twin "
                    "(predicted event coverage 0%)",
                    f"send {show(b.event_name)} from the server too, with the Pixel's eventID",
                    browser=b,
                    severity=Severity.INFO,
                    extra={"event_name": b.event_name, "browser_events": count},
                )
            )
            continue
        spelled = sorted({pairing.server[si].event_name for si in same} - {b.event_name})
        why = (
            "the server sends it as " + ", ".join(show(n) for n in spelled)
            if spelled and not any(pairing.server[si].event_name == b.event_name for si in same)
            else (
                "the Pixel sends no eid and no server event shares its fbp / external_id"
                if b.event_id is None
                else f"no server event has event ID {show(b.event_id)} (nor, without an "
                "ID, the same fbp / external_id)"
            )
        )
        out.append(
            pair_hit(
                f"Pixel event {show(b.event_name)} ({b.label}) has no server twin: {why}",
                "send the server event with the Pixel's eventID as event_id and the same "
                "event name",
                browser=b,
                extra={"event_name": b.event_name},
            )
        )
    return out or None


@rule("P002", "server-event-id-unknown-to-browser", Severity.WARNING, _P)
def server_event_id_unknown_to_browser(pairing: Pairing, ctx: PairContext) -> list[Hit] | None:
    """A server event's `event_id` was never sent by the Pixel.

    ## What it does
    Triggers for a server event with an `event_id` when the Pixel recording
    holds events of the same name (ignoring case and spacing) but none with
    that `eid`, and no Pixel event without an ID pairs with it through `fbp` /
    `external_id`. Server events of names the Pixel never sends are
    server-only events and are not reported.

    ## Why is this bad?
    Meta deduplicates a Pixel event and a server event only when the Pixel's
    `eventID` equals the server's `event_id` (and the names match). A server
    that makes up its own ID (a new UUID, a database key, a timestamp) never
    matches: every conversion is counted twice.

    ## Example
    The Pixel sends `ev=Purchase&eid=order-1001`; the server sends
    `{"event_name": "Purchase", "event_id": "7c9e6679-…"}`.

    ## Fix
    Generate the ID once, where the action happens, and pass it to both the
    `fbq('track', …, {eventID: id})` call and the server event.

    ## Source
    - Meta, Handling Duplicate Pixel and Conversions API Events: {DEDUP}
    - Meta, Server Event Parameters (`event_id`): {SE}
    - Evidence: Meta states the matching rule; third parties report the
      mismatched-ID failure (facebook-nodejs-business-sdk #308,
      ConversionsAPI-Tag-for-GoogleTagManager #25).
    """
    browser_names = {(b.pixel_id, squash(b.event_name)) for b in pairing.browser}
    browser_names |= {(pairing.default_pixel, squash(b.event_name)) for b in pairing.browser}
    out = []
    for si, s in enumerate(pairing.server):
        if pairing.server_twin(si) is not None or s.event_id is None:
            continue
        if (pairing.pixel_of_server(si), squash(s.event_name)) not in browser_names:
            continue  # a server-only event
        out.append(
            pair_hit(
                f"server event {show(s.event_name)} has event ID "
                f"{show(s.event_id)}, which the Pixel never sent: Meta cannot deduplicate it",
                "pass the Pixel's eventID to the server instead of making up a new ID",
                server=s,
                extra={"event_name": s.event_name},
            )
        )
    return out or None


@rule("P003", "twin-event-name-differs", Severity.ERROR, _P)
def twin_event_name_differs(pairing: Pairing, ctx: PairContext) -> list[Hit] | None:
    """The same ID is sent with different event names by the Pixel and the server.

    ## What it does
    Triggers when a Pixel event and a server event share an event ID but not
    the exact event name, and no event of that ID has the identical name. The
    message says whether the names differ only in case (`Purchase` vs
    `purchase`), only in spacing or punctuation (`Add To Cart` vs
    `AddToCart`), or are different events (a custom name against a standard
    one).

    ## Why is this bad?
    Meta deduplicates only when the Pixel's `event` matches the Conversions
    API's `event_name` as well as the ID. Event names are case-sensitive, so
    both events are counted, and they land in two rows of Events Manager.

    ## Example
    The Pixel sends `ev=Purchase&eid=order-1001`; the server sends
    `{"event_name": "purchase", "event_id": "order-1001"}`.

    ## Fix
    Use exactly the same event name on both sides (the standard event's
    spelling for standard events).

    ## Source
    - Meta, Handling Duplicate Pixel and Conversions API Events: {DEDUP}
    - Meta, Server Event Parameters (`event_name`): {SE}
    - Evidence: Meta states that the name must match.
    """
    return [
        pair_hit(
            f"event ID {show(b.event_id)} is sent as {show(b.event_name)} by the Pixel "
            f"({b.label}) and as {show(s.event_name)} by the server ({s.label}): "
            f"{name_difference(b.event_name, s.event_name)}, so Meta does not "
            "deduplicate them",
            "use exactly the same event name on both sides",
            browser=b,
            server=s,
            extra={"browser_event_name": b.event_name, "server_event_name": s.event_name},
        )
        for b, s in pairing.twins_by("name")
    ] or None


@rule("P004", "twin-user-keys-differ", Severity.WARNING, _P)
def twin_user_keys_differ(pairing: Pairing, ctx: PairContext) -> list[Hit] | None:
    """Twins carry a different `fbp` or `external_id` on each side.

    ## What it does
    For each pair of twins (same ID and name), compares the Pixel's `fbp`
    (the `fbp` parameter, else the `_fbp` cookie) with the server's
    `user_data.fbp`, and the Pixel's `ud[external_id]` with the server's
    `user_data.external_id`. `fbp` is compared as text (trimmed);
    `external_id` after Meta's normalisation (trim, lowercase) and hashing, so
    a raw ID on one side and its SHA-256 on the other agree. Triggers when
    both sides send the key and the values differ.

    ## Why is this bad?
    `fbp` and `external_id` are the second deduplication method and strong
    match keys. A server `fbp` that is not the browser's cookie (made up on
    the server, read from another domain, or stale) breaks the fallback
    deduplication and attributes the event to another browser.

    ## Example
    The Pixel sends `fbp=fb.1.1558571054389.1098115397`; the server twin has
    `"user_data": {"fbp": "fb.1.1558571054389.5550199042"}`.

    ## Fix
    Forward the browser's `_fbp` cookie value unchanged to the server event,
    and use one `external_id` (the same raw ID, hashed the same way) on both
    sides.

    ## Source
    - Meta, Handling Duplicate Pixel and Conversions API Events: {DEDUP}
    - Meta, fbp and fbc Parameters: {FBC}
    - Meta, Customer Information Parameters (`external_id`): {CI}
    - Evidence: Meta states that fbp and external_id must be used consistently
      across browser and server events.
    """
    out = []
    for b, s in pairing.twins_by("event_id"):
        bf, sf = fbp_of(b.fbp), fbp_of(s.fbp)
        if bf and sf and bf != sf:
            out.append(
                pair_hit(
                    f"{show(b.event_name)} with event ID {show(b.event_id)}: the server's "
                    f"`user_data.fbp` ({s.label}) is not the browser's `fbp` ({b.label}): "
                    f"{mask(sf)} vs {mask(bf)}",
                    "forward the browser's _fbp cookie value unchanged to the server event",
                    browser=b,
                    server=s,
                    extra={"dedupe_key": "fbp"},
                )
            )
        be, se = canonical_external_ids(b.external_id), canonical_external_ids(s.external_id)
        if be and se and not be & se:
            out.append(
                pair_hit(
                    f"{show(b.event_name)} with event ID {show(b.event_id)}: the server's "
                    f"`user_data.external_id` ({s.label}) differs from the Pixel's "
                    f"`ud[external_id]` ({b.label}) even after normalising and hashing",
                    "send one external_id (the same ID, normalised and hashed the same way) "
                    "on both sides",
                    browser=b,
                    server=s,
                    extra={"dedupe_key": "external_id"},
                )
            )
    return out or None


@rule("P005", "twins-outside-dedup-window", Severity.ERROR, _P, options={"window-hours": 48})
def twins_outside_dedup_window(pairing: Pairing, ctx: PairContext) -> list[Hit] | None:
    """Twins lie further apart in time than Meta's deduplication window.

    ## What it does
    For each pair of twins, compares the Pixel event's time (`ts`, else the
    HAR entry's `startedDateTime`, or the recorded `time`) with the server's
    `event_time`. Triggers when they are more than the window apart (48 hours
    by default); such twins are not counted as deduplicated.

    ## Why is this bad?
    Meta deduplicates matching events sent within 48 hours of each other.
    A server event sent later (a nightly batch, a retry queue) is counted a
    second time.

    ## Example
    The Pixel's `Purchase` has `ts=1763700000000`; the server twin has
    `"event_time": 1763900000` (55.6 hours later).

    ## Fix
    Send the server event in real time (or at least within hours), with the
    time of the action as `event_time`.

    ## Options
    `window-hours` (48): the deduplication window.

    ## Source
    - Meta, Server Event Parameters (`event_name`, 48 hours): {SE}
    - Meta, Handling Duplicate Pixel and Conversions API Events: {DEDUP}
    - Evidence: Meta states the 48-hour window.
    """
    out = []
    for b, s in pairing.twins_by("window"):
        gap = apart(b, s) or 0.0
        out.append(
            pair_hit(
                f"{show(b.event_name)} with event ID {show(b.event_id)}: the Pixel "
                f"event ({b.label}) and the server event ({s.label}) are "
                f"{gap / 3600:.1f} hours apart, beyond Meta's "
                f"{pairing.window / 3600:g}-hour deduplication window: both are counted",
                "send the server event in real time, with the action's time as event_time",
                browser=b,
                server=s,
                extra={"hours_apart": round(gap / 3600, 1)},
            )
        )
    return out or None


@rule("P006", "browser-event-id-reused", Severity.ERROR, _P)
def browser_event_id_reused(pairing: Pairing, ctx: PairContext) -> list[Hit] | None:
    """The Pixel sends one `eid` on several events.

    ## What it does
    Triggers on each Pixel event after the first that reuses the `eid` of an
    earlier Pixel event of the same pixel (same name: a repeat Meta drops;
    another name: one ID for different events).

    ## Why is this bad?
    An event ID must distinguish one action from another. Meta keeps the
    first of the events that share an ID and name and discards the others
    (distinct purchases disappear), and a server twin can pair with only one
    of them. A constant or per-page ID is a common template bug.

    ## Example
    Two `Purchase` requests in one HAR, both with `eid=checkout`.

    ## Fix
    Give each action its own ID (the order number for a purchase, a fresh
    random value otherwise) and send it with that action only.

    ## Source
    - Meta, Original Event Data (`event_id`): {OED}
    - Meta, Handling Duplicate Pixel and Conversions API Events: {DEDUP}
    - Evidence: Meta states that the ID must uniquely distinguish events;
      Events Manager's "same event_id received for many events" is reported
      by third parties (facebook-for-woocommerce #1771).
    """
    out = []
    first: dict[tuple[str | None, str], int] = {}
    for bi, b in enumerate(pairing.browser):
        if b.event_id is None:
            continue
        earlier = first.setdefault((b.pixel_id, b.event_id), bi)
        if earlier == bi:
            continue
        e = pairing.browser[earlier]
        same = e.event_name == b.event_name
        out.append(
            pair_hit(
                f"the Pixel sends `eid` {show(b.event_id)} again on {b.label}, "
                f"already sent on {e.label}"
                + (
                    f" for the same event {show(b.event_name)}: Meta keeps the first and "
                    "discards the later one"
                    if same
                    else f" for {show(e.event_name)}, now for {show(b.event_name)}: one ID "
                    "for different events"
                ),
                "give each action its own eventID (the order number, or a fresh random value)",
                browser=b,
                extra={"first_har_entry": e.index} if e.url is not None else None,
            )
        )
    return out or None


@rule("P007", "browser-event-id-inconsistent", Severity.WARNING, _P)
def browser_event_id_inconsistent(pairing: Pairing, ctx: PairContext) -> list[Hit] | None:
    """The Pixel sends `eid` on some events of a name but not on others.

    ## What it does
    For each pixel and event name, triggers once when some of its Pixel
    events carry an `eid` and others do not, pointing at the first event
    without one.

    ## Why is this bad?
    The events without an ID can be deduplicated only through `fbp` /
    `external_id`, and only if the server sends those; usually one code path
    (a second template, a tag manager trigger, an SPA route) forgets the
    `eventID` option of `fbq('track', …)`.

    ## Example
    Three `AddToCart` requests, two with `eid=…`, one without.

    ## Fix
    Pass `{eventID: id}` as the fourth argument of every `fbq('track', …)`
    call of the event, and send the same ID from the server.

    ## Source
    - Meta, Handling Duplicate Pixel and Conversions API Events: {DEDUP}
    - Evidence: Meta states the fourth argument of the track call; the
      inconsistency is our inference.
    """
    groups: dict[_Name, list[int]] = {}
    for bi, b in enumerate(pairing.browser):
        groups.setdefault((b.pixel_id, b.event_name), []).append(bi)
    out = []
    for (_pixel, name), indexes in groups.items():
        without = [bi for bi in indexes if pairing.browser[bi].event_id is None]
        if not without or len(without) == len(indexes):
            continue
        b = pairing.browser[without[0]]
        out.append(
            pair_hit(
                f"the Pixel sends `eid` on {len(indexes) - len(without)} of {len(indexes)} "
                f"{show(name)} events; the first without one is {b.label}",
                "pass {eventID: id} to every fbq('track', …) call of this event",
                browser=b,
                extra={
                    "event_name": name,
                    "with_eid": len(indexes) - len(without),
                    "without_eid": len(without),
                },
            )
        )
    return out or None
