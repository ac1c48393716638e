"""A — what each `action_source` needs, and what it must not carry.

requirements §3: `website` needs a page URL and a user agent (E011), `app`
needs `app_data` (§8), `physical_store` has a 62-day window (E006) and needs
no browser field, `business_messaging` has its own identifiers (§10);
`email`, `phone_call`, `chat`, `system_generated` and `other` need nothing
beyond the always-required fields. Two rules judge the source against the
event's content instead: CRM (Conversion Leads) events must be
`system_generated` (A010), and app events must not say `website` or `email`
(A011).
"""

from __future__ import annotations

from typing import Any

from capi_lint.context import Context
from capi_lint.mask import mask_label
from capi_lint.model import Hit, Severity
from capi_lint.registry import Scope, also, rule
from capi_lint.rules._leads import CRM_ACTION_SOURCE, is_crm_event
from capi_lint.rules._util import describe_type, is_present
from capi_lint.tiers import Condition

#: Fields only a browser can supply (A001: any one of them is browser context).
_BROWSER_USER_KEYS = ("client_user_agent", "client_ip_address", "fbp", "fbc")
#: Top-level request fields of offline uploads (requirements §1.8).
_UPLOAD_KEYS = ("upload_tag", "upload_id", "upload_source")


def _present_str(value: Any) -> bool:
    if type(value) is str:
        return bool(value) and not value.isspace()
    return is_present(value)


def _indexes(indexes: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(i) for i in indexes[:limit])
    return shown + (", …" if len(indexes) > limit else "")


@rule(
    "A001",
    "offline-labelled-website",
    Severity.WARNING,
    Scope.EVENT,
    action_sources={"website"},
    # Reports only without a page URL: a non-blank string settles it.
    when=Condition(
        "type(event_source_url) is not str or not event_source_url or event_source_url.isspace()"
    ),
)
def offline_labelled_website(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """An offline event is labelled `action_source = website`.

    ## What it does
    Reports a `website` event with no browser context at all: none of
    `event_source_url`, `user_data.client_user_agent`, `client_ip_address`,
    `fbp`, `fbc` is present. Also reports, once per request, a request that
    carries the offline-upload fields `upload_tag`, `upload_id` or
    `upload_source` while some of its events say `website` (pointing at the
    upload field and listing those events). Any one browser field is enough
    to pass (E011 may still ask for the URL and user agent).

    ## Why is this bad?
    Meta asks for an accurate `action_source` and says offline events should
    not be `website`. Mislabelled store sales are rejected for lacking web
    fields (E011), or pollute website attribution and Event Match Quality.

    ## Example
    ```json
    {"event_name": "Purchase", "action_source": "website",
     "user_data": {"em": "…hash…", "ph": "…hash…"}}
    ```

    ## Fix
    Use the source where the conversion happened: `physical_store`,
    `phone_call`, `email`, `system_generated`, `other`.

    ## Source
    - Meta, Offline events: {OFF}
    - Evidence: stated in Meta's documentation.
    """
    if _present_str(event.get("event_source_url")):
        return None
    user = event.get("user_data")
    if type(user) is dict:
        for key in _BROWSER_USER_KEYS:
            if _present_str(user.get(key)):
                return None
    return [
        Hit(
            (),
            "website event has no browser context (no event_source_url, user agent, IP, "
            "fbp or fbc): it looks like an offline event labelled website",
            "set action_source to where it happened (physical_store, phone_call, …)",
        )
    ]


@also("A001", Scope.DOCUMENT)
def upload_fields_on_website(root: Any, ctx: Context) -> list[Hit] | None:
    if type(root) is not dict or ctx.kind != "request":
        return None
    found = [key for key in _UPLOAD_KEYS if _present_str(root.get(key))]
    if not found or ctx.envelope is None:
        return None
    website = [
        index
        for index, event in enumerate(ctx.envelope.events)
        if type(event) is dict and event.get("action_source") == "website"
    ]
    if not website:
        return None
    return [
        Hit(
            (found[0],),
            f"the request carries `{found[0]}` (an offline upload field) but "
            f"{len(website)} event(s) are labelled website (index {_indexes(website)})",
            "label offline events physical_store (or another non-web source)",
            extra={"events": len(website), "indexes": website[:10]},
        )
    ]


_APP_REQUIRED = ("advertiser_tracking_enabled", "extinfo")


@rule(
    "A002",
    "app-data-missing",
    Severity.ERROR,
    Scope.EVENT,
    action_sources={"app"},
    when=Condition(
        "app_data is None or type(app_data) is dict and ("
        "app_data.get('advertiser_tracking_enabled') is None or app_data.get('extinfo') is None)"
    ),
)
def app_data_missing(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """An app event lacks `app_data` or its required fields.

    ## What it does
    For `action_source = app`, reports a missing (absent or null) `app_data`,
    or an `app_data` without `advertiser_tracking_enabled` or `extinfo`
    (absent or null). Values are A003's and A004's; a non-object `app_data`
    is S010's.

    ## Why is this bad?
    Meta requires `app_data` with both fields on app events: without them the
    event cannot be attributed to the app install and is rejected.

    ## Example
    ```json
    {"event_name": "AddToCart", "action_source": "app", "app_data": {"extinfo": ["i2", "…"]}}
    ```

    ## Fix
    Send `app_data` with `advertiser_tracking_enabled` (0/1) and the
    16-element `extinfo` array.

    ## Source
    - Meta, App data parameters: {AD}
    - Evidence: stated in Meta's documentation.
    """
    app = event.get("app_data")
    if type(app) is dict:
        missing = [key for key in _APP_REQUIRED if app.get(key) is None]
        if not missing:
            return None
        return [
            Hit(
                ("app_data",),
                "`app_data` has no " + " and no ".join(f"`{key}`" for key in missing),
                "send advertiser_tracking_enabled (0/1) and the 16-element extinfo array",
            )
        ]
    if app is not None:
        return None
    return [
        Hit(
            (),
            "app event has no `app_data`",
            "send app_data with advertiser_tracking_enabled and extinfo",
        )
    ]


_EXTINFO_VERSIONS = ("a2", "i2")


@rule(
    "A003",
    "extinfo-malformed",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition("type(app_data) is dict and app_data.get('extinfo') is not None"),
)
def extinfo_malformed(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`app_data.extinfo` is not the 16-element array Meta expects.

    ## What it does
    Reports an `extinfo` that is not an array (a JSON-encoded string
    included), does not have exactly 16 elements, whose element 0 (extinfo
    version) is not `a2` (Android) or `i2` (iOS), or whose element 4 (OS
    version) is empty. Empty strings as placeholders for the optional
    positions pass, and so do numbers in numeric positions (screen size,
    CPU cores, storage).

    ## Why is this bad?
    `extinfo` is positional: a missing element shifts every later value, and
    Meta rejects app events without a valid version and OS version.

    ## Example
    ```json
    {"app_data": {"advertiser_tracking_enabled": 1, "extinfo": ["i2", "com.example", "17.0"]}}
    ```

    ## Fix
    Send all 16 values in order, with `""` for the ones you do not have:
    `["i2", package, short version, long version, OS version, device model,
    locale, timezone abbr., carrier, width, height, density, CPU cores,
    storage GB, free storage GB, device timezone]`.

    ## Source
    - Meta, App data parameters: {AD}
    - Evidence: stated in Meta's documentation; reported by third parties.
    """
    app = event.get("app_data")
    if type(app) is not dict:
        return None
    extinfo = app.get("extinfo")
    if extinfo is None:
        return None
    where = ("app_data", "extinfo")
    if type(extinfo) is not list:
        what = describe_type(extinfo)
        if type(extinfo) is str and extinfo.lstrip().startswith("["):
            what = "a JSON-encoded string"
        return [
            Hit(where, f"`extinfo` is {what}; expected an array of 16 values", "send a JSON array")
        ]
    if len(extinfo) != 16:
        return [
            Hit(
                where,
                f"`extinfo` has {len(extinfo)} elements; Meta expects exactly 16, in order",
                'fill unknown positions with ""',
            )
        ]
    hits = None
    version = extinfo[0]
    if version not in _EXTINFO_VERSIONS:
        hint = (
            version.strip().lower()
            if type(version) is str and version.strip().lower() in _EXTINFO_VERSIONS
            else None
        )
        hits = [
            Hit(
                (*where, 0),
                "`extinfo[0]` (extinfo version) must be a2 (Android) or i2 (iOS)"
                + (f"; did you mean {hint!r}?" if hint else ""),
                f'send "{hint}"' if hint else 'send "a2" or "i2"',
            )
        ]
    os_version = extinfo[4]
    if os_version is None or (type(os_version) is str and not os_version.strip()):
        hits = hits or []
        hits.append(
            Hit(
                (*where, 4),
                "`extinfo[4]` (OS version) is empty; Meta requires it",
                'send the OS version, e.g. "17.0"',
            )
        )
    return hits


_FLAGS = ("advertiser_tracking_enabled", "application_tracking_enabled")


@rule(
    "A004",
    "tracking-flag-invalid",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition("type(app_data) is dict"),
)
def tracking_flag_invalid(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A tracking flag in `app_data` is not 0, 1, true or false.

    ## What it does
    Reports `app_data.advertiser_tracking_enabled` or
    `application_tracking_enabled` that is not `0`, `1`, `true` or `false`:
    strings (`"1"`, `"true"`), other numbers (`2`, `1.0`), objects. Null is
    absence (A002 judges the required one).

    ## Why is this bad?
    The flags carry the user's ATT and app-level consent; Meta documents them
    as `0`/`1` (typed boolean). Any other value is rejected as out of range
    or misread as consent.

    ## Example
    ```json
    {"app_data": {"advertiser_tracking_enabled": "1"}}
    ```

    ## Fix
    Send `1` (enabled) or `0` (disabled) as a JSON number; `true`/`false`
    also pass (requirements §8.2 notes that some senders saw booleans
    rejected, so `0`/`1` is the safer choice).

    ## Source
    - Meta, App data parameters: {AD}
    - Evidence: stated in Meta's documentation; reported by third parties (RevenueCat
      purchases-flutter #1530).
    """
    app = event.get("app_data")
    if type(app) is not dict:
        return None
    hits = None
    for key in _FLAGS:
        value = app.get(key)
        if value is None:
            continue
        kind = type(value)
        if kind is bool or (kind is int and (value == 0 or value == 1)):
            continue
        what = repr(value) if kind is int else describe_type(value)
        hits = hits or []
        hits.append(
            Hit(
                ("app_data", key),
                f"`{key}` is {what}; expected 0 or 1 (or true/false)",
                "send 1 (enabled) or 0 (disabled)",
            )
        )
    return hits


_STORE_KEYS = ("em", "ph", "madid")


@rule(
    "A005",
    "physical-store-no-contact-key",
    Severity.WARNING,
    Scope.EVENT,
    action_sources={"physical_store"},
    # An email, the usual store key, settles it.
    when=Condition(
        "type(user_data) is dict and not present_str(user_data.get('em'))",
        names={"present_str": _present_str},
    ),
)
def physical_store_no_contact_key(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A store event has no email, phone or mobile advertiser ID.

    ## What it does
    For `action_source = physical_store`, reports `user_data` with none of
    `em`, `ph`, `madid` present. Browser fields are never required for store
    events (and E006 allows them 62 days); a missing `user_data` is U001's.

    ## Why is this bad?
    Store sales have no cookie or browser to match on: Meta names email,
    phone and mobile advertiser ID the strong offline match keys, and the
    offline data-quality score rewards email and phone. Without them most
    store events match nobody.

    ## Example
    ```json
    {"action_source": "physical_store", "user_data": {"fn": "…hash…", "ct": "…hash…"}}
    ```

    ## Fix
    Collect and send the customer's email or phone (hashed) at checkout or
    from the loyalty account.

    ## Source
    - Meta, Omni-channel optimal setup guide: {OMNI}
    - Evidence: stated in Meta's documentation.
    """
    user = event.get("user_data")
    if type(user) is not dict:
        return None
    for key in _STORE_KEYS:
        if _present_str(user.get(key)):
            return None
    return [
        Hit(
            ("user_data",),
            "store event has no email (`em`), phone (`ph`) or `madid`: the strong "
            "offline match keys",
            "send the customer's hashed email or phone",
        )
    ]


_WEB_FIELDS = ("client_ip_address", "client_user_agent", "fbc", "fbp")


@rule(
    "A006",
    "business-messaging-web-fields",
    Severity.WARNING,
    Scope.EVENT,
    action_sources={"business_messaging"},
    when=Condition(
        "event_source_url is not None"
        " or type(user_data) is dict and not user_data.keys().isdisjoint(web_fields)",
        names={"web_fields": _WEB_FIELDS},
    ),
)
def business_messaging_web_fields(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A business-messaging event carries browser fields.

    ## What it does
    For `action_source = business_messaging`, reports each present
    `event_source_url`, `user_data.client_ip_address`, `client_user_agent`,
    `fbc` and `fbp`.

    ## Why is this bad?
    These events come from a chat thread, not a browser: web context does not
    belong on them (Stape's tag strips it), and mixing it in suggests the
    event was copied from a website event with the wrong source.

    ## Example
    ```json
    {"action_source": "business_messaging", "messaging_channel": "whatsapp",
     "event_source_url": "https://shop.example.com/", "user_data": {"ctwa_clid": "…"}}
    ```

    ## Fix
    Drop the browser fields; send the channel's identifiers instead (A007).

    ## Source
    - Meta, Conversions API for business messaging: {BM}
    - Evidence: reported by third parties (stape-io/facebook-tag); widely repeated; Meta's own text
      was not located.
    """
    hits = None
    if _present_str(event.get("event_source_url")):
        hits = [Hit(("event_source_url",), "business_messaging event carries `event_source_url`")]
    user = event.get("user_data")
    if type(user) is dict:
        for key in _WEB_FIELDS:
            if _present_str(user.get(key)):
                hits = hits or []
                hits.append(
                    Hit(
                        ("user_data", key),
                        f"business_messaging event carries the browser field `{key}`",
                        "remove it",
                    )
                )
    return hits


#: messaging_channel -> the user_data identifiers that channel provides.
_CHANNEL_IDS = {
    "whatsapp": ("ctwa_clid",),
    "messenger": ("page_id", "page_scoped_user_id"),
    "instagram": ("ig_account_id", "ig_sid"),
}


@rule(
    "A007",
    "business-messaging-ids",
    Severity.WARNING,
    Scope.EVENT,
    action_sources={"business_messaging"},
)
def business_messaging_ids(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A business-messaging event lacks its channel or the channel's identifiers.

    ## What it does
    For `action_source = business_messaging`, reports a missing
    `messaging_channel`, and for a known channel the identifiers it needs in
    `user_data`: `whatsapp` → `ctwa_clid`; `messenger` → `page_id` +
    `page_scoped_user_id`; `instagram` → `ig_account_id` + `ig_sid`. Channel
    names are compared case-insensitively; other channel values are not
    judged (only `whatsapp` is confirmed in Meta's SDK).

    ## Why is this bad?
    Meta attributes these events to the ad that opened the chat through the
    channel's click or user ID; without it the conversion matches nothing.

    ## Example
    ```json
    {"action_source": "business_messaging", "messaging_channel": "whatsapp",
     "user_data": {"ph": "…hash…"}}
    ```

    ## Fix
    Send `messaging_channel` and the IDs from the channel's webhook.

    ## Source
    - Meta, Conversions API for business messaging: {BM}
    - Meta, Customer information parameters: {CI}
    - Evidence: seen in Meta's own code (Business SDK, tags); stated in Meta's documentation;
      capi-lint's inference, not stated by Meta.
    """
    channel = event.get("messaging_channel")
    if not _present_str(channel):
        return [
            Hit(
                (),
                "business_messaging event has no `messaging_channel`",
                'send the channel, e.g. "whatsapp"',
            )
        ]
    if type(channel) is not str:
        return None
    needed = _CHANNEL_IDS.get(channel.strip().lower())
    if needed is None:
        return None
    user = event.get("user_data")
    if type(user) is not dict:
        return None
    missing = [key for key in needed if not _present_str(user.get(key))]
    if not missing:
        return None
    return [
        Hit(
            ("user_data",),
            f"{channel.strip().lower()} event has no "
            + " and no ".join(f"`{key}`" for key in missing),
            "send the identifiers from the channel's webhook",
        )
    ]


_CHAT_IDS = ("ctwa_clid", "page_scoped_user_id", "ig_sid")


@rule(
    "A008",
    "messaging-source-mismatch",
    Severity.WARNING,
    Scope.EVENT,
    when=Condition("messaging_channel is not None or action_source == 'chat'"),
)
def messaging_source_mismatch(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """Messaging fields and `action_source` disagree.

    ## What it does
    Reports `messaging_channel` on an event whose `action_source` is not
    `business_messaging`, and a `chat` event that carries a business-messaging
    identifier (`ctwa_clid`, `page_scoped_user_id`, `ig_sid`). Plain `chat`
    events and `business_messaging` events with channel fields pass.

    ## Why is this bad?
    `chat` is the generic messaging source; conversations through Meta's
    business-messaging products (click-to-WhatsApp, Messenger, Instagram
    Direct) are `business_messaging`, and only that source uses the channel
    fields for attribution.

    ## Example
    ```json
    {"action_source": "chat", "user_data": {"ctwa_clid": "…"}}
    ```

    ## Fix
    Use `business_messaging` for chats started from Meta's messaging ads.

    ## Source
    - Meta, Conversions API for business messaging: {BM}
    - Evidence: seen in Meta's own code (Business SDK, tags); capi-lint's inference, not stated by
      Meta.
    """
    source = ctx.action_source
    channel = event.get("messaging_channel")
    if channel is None and source != "chat":
        return None
    hits = None
    if source != "business_messaging" and _present_str(channel):
        hits = [
            Hit(
                ("messaging_channel",),
                f"`messaging_channel` is set but `action_source` is {mask_label(source)!r}, "
                "not business_messaging",
                "use action_source business_messaging, or drop messaging_channel",
            )
        ]
    if source == "chat":
        user = event.get("user_data")
        if type(user) is dict:
            for key in _CHAT_IDS:
                if _present_str(user.get(key)):
                    hits = hits or []
                    hits.append(
                        Hit(
                            ("user_data", key),
                            f"`chat` event carries the business-messaging identifier `{key}`",
                            "use action_source business_messaging",
                        )
                    )
    return hits


_BM_EVENTS = ["LeadSubmitted", "Purchase", "AddToCart", "InitiateCheckout", "ViewContent"]


@rule(
    "A009",
    "business-messaging-event-name",
    Severity.WARNING,
    Scope.EVENT,
    action_sources={"business_messaging"},
    options={"event-names": _BM_EVENTS},
)
def business_messaging_event_name(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A business-messaging event has a name Meta reportedly rejects there.

    ## What it does
    For `action_source = business_messaging`, reports an `event_name` not in
    the option `event-names` (default `LeadSubmitted`, `Purchase`,
    `AddToCart`, `InitiateCheckout`, `ViewContent`). A missing name is E001's.

    ## Why is this bad?
    One integrator reports that Graph v25.0 rejects other names — `Lead`
    included — with subcode 2804066 "Messaging Event Invalid Event Type".
    Meta's own text was not found, hence a configurable list.

    ## Example
    ```json
    {"event_name": "Lead", "action_source": "business_messaging", "messaging_channel": "whatsapp"}
    ```

    ## Fix
    Use `LeadSubmitted` for leads; extend `event-names` if Meta accepts more
    names for your account.

    ## Options
    `event-names` (the five names above).

    ## Source
    - Meta, Conversions API for business messaging: {BM}
    - Evidence: reported by third parties (Zernio API docs); widely repeated; Meta's own text was
      not located.
    """
    name = event.get("event_name")
    if type(name) is not str or not name.strip():
        return None
    allowed = ctx.option("A009", "event-names")
    if name in allowed:
        return None
    hint = ' (use "LeadSubmitted")' if name == "Lead" else ""
    shown = mask_label(name)
    shown = shown if len(shown) <= 40 else shown[:39] + "…"
    return [
        Hit(
            ("event_name",),
            f"event name {shown!r} is reportedly rejected for business_messaging "
            f"(subcode 2804066){hint}",
            f"use one of: {', '.join(allowed)}",
        )
    ]


@rule(
    "A010",
    "crm-event-not-system-generated",
    Severity.WARNING,
    Scope.EVENT,
    # Off system_generated, only custom_data's markers make a CRM event.
    when=Condition(
        "type(custom_data) is dict and ("
        "'event_source' in custom_data or 'lead_event_source' in custom_data)"
    ),
)
def crm_event_not_system_generated(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A Conversion Leads (CRM) event is not `action_source = system_generated`.

    ## What it does
    Reports an event that declares itself a Conversion Leads event — its
    `custom_data.event_source` is `crm` or it carries a
    `custom_data.lead_event_source` — while its `action_source` is another
    value (`website`, `other`, `phone_call`, …). A missing or invalid
    `action_source` is E009's or E010's; events without those CRM markers
    are never judged (a `lead_id` alone does not make a CRM event).

    ## Why is this bad?
    Meta's CRM payload specification: `action_source` is "Required. Set this
    parameter to the value system_generated for all Conversion Leads
    events." An event labelled otherwise is counted as that source and does
    not feed the Conversion Leads optimisation.

    ## Example
    ```json
    {"event_name": "Qualified", "action_source": "website",
     "custom_data": {"event_source": "crm", "lead_event_source": "HubSpot"},
     "user_data": {"lead_id": 525645896321548}}
    ```

    ## Fix
    Send `"action_source": "system_generated"` on every CRM stage event.

    ## Source
    - Meta, Conversion Leads integration: Payload Specification: {CRM}
    - Evidence: Meta states it (§ Required parameters, `action_source`).
    """
    source = event.get("action_source")
    if type(source) is not str or source == CRM_ACTION_SOURCE or not source.strip():
        return None
    if not is_crm_event(event):
        return None
    shown = source if len(source) <= 40 else source[:39] + "…"
    return [
        Hit(
            ("action_source",),
            f"Conversion Leads (CRM) event has `action_source` {shown!r}; Meta requires "
            "system_generated for all Conversion Leads events",
            'send "action_source": "system_generated"',
        )
    ]


#: `user_data` keys that only an app supplies (requirements §8.6: `anon_id` is for app events only).
_APP_ONLY_USER_KEYS = ("anon_id",)
_NOT_APP_SOURCES = frozenset({"website", "email"})


@rule(
    "A011",
    "app-event-wrong-source",
    Severity.WARNING,
    Scope.EVENT,
    action_sources=_NOT_APP_SOURCES,
    when=Condition(
        "type(app_data) is dict and app_data"
        " or type(user_data) is dict and not user_data.keys().isdisjoint(app_only)",
        names={"app_only": _APP_ONLY_USER_KEYS},
    ),
)
def app_event_wrong_source(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """An app event is labelled `website` or `email`.

    ## What it does
    For `action_source` `website` or `email`, reports an event that carries
    app context: a non-empty `app_data` object (tracking flags, `extinfo`,
    …) or `user_data.anon_id` (the app install ID). Points at the first of
    them. `madid` alone does not trigger (it is also an offline match key,
    see A005), and neither do other sources: `physical_store`, `other` and
    the rest may legitimately carry device IDs. A002 judges real `app`
    events; A001 and E011 judge website events without browser context.

    ## Why is this bad?
    Meta asks for an accurate `action_source` ("you agree that the
    action_source parameter is accurate to the best of your knowledge");
    `app_data` is the container for app events and `anon_id` is for app
    events only. An app conversion labelled website or email is attributed
    to the wrong channel, misses the app's attribution (advertiser tracking,
    install referrer) and, as website, fails the web requirements (E011).

    ## Example
    ```json
    {"event_name": "AddToCart", "action_source": "email",
     "app_data": {"advertiser_tracking_enabled": 0, "extinfo": ["i2", "…"]}}
    ```

    ## Fix
    Send `"action_source": "app"` for events from the app, or drop the app
    fields from events that really happened on the web or over email.

    ## Source
    - Meta, Parameters: {PARAMS}
    - Meta, App Data Parameters: {AD}
    - Meta, Customer Information Parameters: {CI}
    - Evidence: Meta states that `action_source` must be accurate (Parameters), that
      `app_data` is required for app events (App Data Parameters) and that `anon_id` is
      for app events only (Customer Information Parameters, § anon_id); that app
      context on a website or email event means the source is wrong is our inference.
    """
    app = event.get("app_data")
    where: tuple[str, ...] | None = None
    if type(app) is dict and app:
        where = ("app_data",)
    else:
        user = event.get("user_data")
        if type(user) is dict:
            for key in _APP_ONLY_USER_KEYS:
                if _present_str(user.get(key)):
                    where = ("user_data", key)
                    break
    if where is None:
        return None
    source = ctx.action_source
    return [
        Hit(
            where,
            f"event carries app context (`{'.'.join(where)}`) but `action_source` is {source!r}",
            'send "action_source": "app" for app events, or drop the app fields',
        )
    ]
