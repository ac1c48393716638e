"""P — the Pixel and the server side by side: deduplication and event coverage.

These rules have no check function over payloads: ``capi-lint pair``
(:mod:`capi_lint.pair`) produces their findings by pairing what a page sent to
the Pixel (a HAR file, or recorded ``fbq('track', …)`` calls) with the server
events of Conversions API payloads. They are registered here so that they share
selection, severity overrides, options, output formats and documentation with
every other rule. Findings point at the HAR entry (or the recorded line) and,
where there is one, at the server event's file, line and pointer.
"""

from __future__ import annotations

from typing import Any

from capi_lint.model import Severity
from capi_lint.registry import Scope, rule

_P = Scope.PAIR


def _verdict(*_args: Any) -> None:
    """Findings come from `capi-lint pair`, not from a payload walk."""
    return None


@rule("P001", "browser-event-without-server-twin", Severity.WARNING, _P)
def browser_event_without_server_twin(*args: Any) -> None:
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
    return _verdict(*args)


@rule("P002", "server-event-id-unknown-to-browser", Severity.WARNING, _P)
def server_event_id_unknown_to_browser(*args: Any) -> None:
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
    return _verdict(*args)


@rule("P003", "twin-event-name-differs", Severity.ERROR, _P)
def twin_event_name_differs(*args: Any) -> None:
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
    return _verdict(*args)


@rule("P004", "twin-user-keys-differ", Severity.WARNING, _P)
def twin_user_keys_differ(*args: Any) -> None:
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
    return _verdict(*args)


@rule("P005", "twins-outside-dedup-window", Severity.ERROR, _P, options={"window-hours": 48})
def twins_outside_dedup_window(*args: Any) -> None:
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
    return _verdict(*args)


@rule("P006", "browser-event-id-reused", Severity.ERROR, _P)
def browser_event_id_reused(*args: Any) -> None:
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
    return _verdict(*args)


@rule("P007", "browser-event-id-inconsistent", Severity.WARNING, _P)
def browser_event_id_inconsistent(*args: Any) -> None:
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
    return _verdict(*args)
