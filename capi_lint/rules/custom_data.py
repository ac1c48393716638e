"""C — custom_data: value and currency, numeric fields, contents, enums, order_id,
and the CRM markers of Conversion Leads events."""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from capi_lint.context import Context
from capi_lint.mask import mask_label
from capi_lint.model import Hit, Severity
from capi_lint.registry import Scope, rule
from capi_lint.rules._leads import CRM_ACTION_SOURCE, CRM_SOURCE, is_crm_event, says_crm
from capi_lint.rules._leads import custom_data as leads_custom_data
from capi_lint.rules._util import describe_type, mask
from capi_lint.rules.dedup import suspicious_id
from capi_lint.tiers import Condition

_PURCHASE = "Purchase"
_APPEND_VALUE = "AppendValue"

# --------------------------------------------------------------------------- currency

#: Answered without loading pycountry (both cases Meta's SDKs send).
_COMMON = (
    "USD EUR GBP JPY CAD AUD CHF CNY INR BRL MXN SEK NOK DKK PLN CZK HUF TRY ZAR NZD "
    "SGD HKD KRW TWD THB IDR MYR PHP VND ILS AED SAR RUB UAH RON COP CLP PEN ARS NGN EGP"
)
_COMMON_CURRENCIES = frozenset(c for upper in _COMMON.split() for c in (upper, upper.lower()))

#: Withdrawn ISO 4217 codes still found in old exports (ISO 4217 list three);
#: warned, not errors. Codes pycountry lists as current are dropped at use.
_WITHDRAWN = (
    "ATS BEF CYP DEM EEK ESP FIM FRF GRD HRK IEP ITL LTL LUF LVL MTL NLG PTE SIT SKK XEU "
    "AZM BYR CSD CUC GHC MGF MRO MZM ROL SDD SLL SRG STD TMM TRL VEB VEF YUM ZMK ZWD ZWL"
)
_HISTORIC = frozenset(_WITHDRAWN.split())

#: Frequent non-codes -> the code they most likely mean.
_CURRENCY_HINTS = {
    "$": "USD",
    "US$": "USD",
    "USD$": "USD",
    "DOLLAR": "USD",
    "DOLLARS": "USD",
    "€": "EUR",
    "EURO": "EUR",
    "EUROS": "EUR",
    "EU": "EUR",
    "£": "GBP",
    "UKP": "GBP",
    "POUND": "GBP",
    "POUNDS": "GBP",
    "¥": "JPY",
    "YEN": "JPY",
    "RMB": "CNY",
    "YUAN": "CNY",
    "R$": "BRL",
    "NIS": "ILS",
    "₹": "INR",
    "RS": "INR",
    "CA$": "CAD",
    "C$": "CAD",
    "A$": "AUD",
    "AU$": "AUD",
}


@lru_cache(maxsize=1)
def iso_currencies() -> frozenset[str]:
    """Every current ISO 4217 alphabetic code (uppercase), from pycountry."""
    import pycountry  # slow import: only when an uncommon code is first checked

    return frozenset(c.alpha_3 for c in pycountry.currencies)


def _custom(event: dict[str, Any]) -> dict[str, Any] | None:
    custom = event.get("custom_data")
    return custom if type(custom) is dict else None


@rule(
    "C001",
    "purchase-missing-value",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition(
        "event_name == purchase"
        ' and (type(custom_data) is not dict or custom_data.get("value") is None)',
        names={"purchase": _PURCHASE},
    ),
)
def purchase_missing_value(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A Purchase has no `custom_data.value`.

    ## What it does
    Reports a `Purchase` event whose `custom_data.value` is absent or null (or
    that has no `custom_data`). `value: 0` is present and passes; other event
    names pass (C005 judges their values).

    ## Why is this bad?
    `value` is required for Purchase: Meta rejects the event with subcode
    2804009 "Missing Value for Purchase Event", and value optimisation and ROAS
    reporting need it.

    ## Example
    ```json
    {"event_name": "Purchase", "custom_data": {"currency": "USD"}}
    ```

    ## Fix
    Send the order total as a JSON number in `custom_data.value`.

    ## Source
    - Meta, Custom data parameters: {CD}
    - Evidence: stated in Meta's documentation; reported by third parties (subcode 2804009).
    """
    if event.get("event_name") != _PURCHASE:
        return None
    custom = event.get("custom_data")
    if custom is None:
        return [
            Hit(
                (),
                "Purchase event has no `custom_data`, so no `value`",
                'add "custom_data": {"value": <order total>, "currency": "<ISO 4217>"}',
            )
        ]
    if type(custom) is not dict or custom.get("value") is not None:
        return None
    return [
        Hit(
            ("custom_data",),
            "Purchase event has no `custom_data.value`"
            if "value" not in custom
            else "`custom_data.value` of a Purchase is null",
            "send the order total as a JSON number",
        )
    ]


@rule(
    "C002",
    "purchase-missing-currency",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition(
        "event_name == purchase and (type(custom_data) is not dict"
        ' or type(custom_data.get("currency")) is not str'
        ' or not custom_data.get("currency").strip())',
        names={"purchase": _PURCHASE},
    ),
)
def purchase_missing_currency(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A Purchase has no `custom_data.currency`.

    ## What it does
    Reports a `Purchase` event whose `custom_data.currency` is absent, null,
    empty or blank (or that has no `custom_data`). A currency in any case
    passes here (C003 judges the code).

    ## Why is this bad?
    `currency` is required for Purchase; without it the value cannot be
    converted and the event is rejected or useless for value reporting.

    ## Example
    ```json
    {"event_name": "Purchase", "custom_data": {"value": 129.99}}
    ```

    ## Fix
    Send the ISO 4217 code of the order's currency (`"USD"`).

    ## Source
    - Meta, Custom data parameters: {CD}
    - Evidence: stated in Meta's documentation.
    """
    if event.get("event_name") != _PURCHASE:
        return None
    custom = event.get("custom_data")
    if custom is None:
        return [Hit((), "Purchase event has no `custom_data`, so no `currency`", 'add "currency"')]
    if type(custom) is not dict:
        return None
    currency = custom.get("currency")
    if currency is not None and (type(currency) is not str or currency.strip()):
        return None
    if currency is None:
        message = (
            "Purchase event has no `custom_data.currency`"
            if "currency" not in custom
            else "`custom_data.currency` of a Purchase is null"
        )
        return [Hit(("custom_data",), message, "send the ISO 4217 code, e.g. USD")]
    return [
        Hit(
            ("custom_data", "currency"),
            "`custom_data.currency` of a Purchase is empty",
            "send the ISO 4217 code",
        )
    ]


@rule(
    "C003",
    "invalid-currency",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition(
        'type(custom_data) is dict and type(custom_data.get("currency")) is str'
        ' and custom_data.get("currency") not in common',
        names={"common": _COMMON_CURRENCIES},
    ),
)
def invalid_currency(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`currency` is not an ISO 4217 code.

    ## What it does
    Reports a non-empty `custom_data.currency` that is not a current ISO 4217
    alphabetic code, compared case-insensitively (`usd`, `USD` and `Eur` all
    pass, as Meta's own example sends `"usd"` and its SDKs send either case).
    Symbols and names (`US$`, `€`, `EURO`, `dollars`, `eu`) are errors and the
    message names the likely code; withdrawn codes (`DEM`, `FRF`, `HRK`, …)
    are reported at warning level. The code list is pycountry's ISO 4217
    table. Non-strings are S010's; blank values C002's.

    ## Why is this bad?
    Meta needs a valid three-letter code to read the value; an unknown code
    makes the value unusable (or the event rejected).

    ## Example
    ```json
    {"custom_data": {"value": 10, "currency": "US$"}}
    ```

    ## Fix
    Send the three-letter ISO 4217 code (`USD`, `EUR`, `GBP`).

    ## Source
    - Meta, Custom data parameters: {CD}
    - Evidence: stated in Meta's documentation; seen in Meta's own code (Business SDK, tags).
    """
    custom = event.get("custom_data")
    if type(custom) is not dict:
        return None
    currency = custom.get("currency")
    if type(currency) is not str or currency in _COMMON_CURRENCIES:
        return None
    stripped = currency.strip()
    if not stripped:
        return None
    code = stripped.upper()
    known = iso_currencies()
    if stripped == currency and code in known:
        return None
    where = ("custom_data", "currency")
    if code in known:
        return [
            Hit(
                where,
                "`custom_data.currency` has spaces around the code",
                f'send "{code}"',
            )
        ]
    shown = mask_label(stripped)  # masked before it is cut: no raw prefix
    shown = shown if len(shown) <= 12 else shown[:11] + "…"
    if code in _HISTORIC:
        return [
            Hit(
                where,
                f"`custom_data.currency` {shown!r} is a withdrawn ISO 4217 code",
                "send the currency the amount is in today (e.g. EUR)",
                Severity.WARNING,
            )
        ]
    hint = _CURRENCY_HINTS.get(code.replace(" ", ""))
    message = f"`custom_data.currency` {shown!r} is not an ISO 4217 currency code"
    if hint:
        message += f"; did you mean {hint!r}?"
    return [Hit(where, message, f'send "{hint}"' if hint else "send a three-letter ISO 4217 code")]


def _c005_suspect(custom: dict[str, Any]) -> bool:
    """C005 might report: a negative value (whatever the event and refund-events),
    or a value without a currency or the reverse (whatever the event)."""
    value: Any = custom.get("value")  # a JSON value, dispatched on its exact type
    currency = custom.get("currency")
    if value is None and currency is None:
        return False
    kind = type(value)
    if (kind is int or kind is float) and value < 0:
        return True
    has_currency = bool(currency.strip()) if type(currency) is str else currency is not None
    return (value is not None) != has_currency


_NUMERIC_KEYS = ("value", "predicted_ltv", "net_revenue")
#: A `value` string Graph is known to read as a number: digits, one optional
#: `.` decimal part, an optional minus (no spaces, exponents or separators).
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _number_problem(value: Any) -> tuple[str, str | None] | None:
    """(what it is, fix) when ``value`` is not a finite JSON number."""
    kind = type(value)
    if kind is int:
        return None
    if kind is float:
        if math.isfinite(value):
            return None
        return "not a finite number (NaN or Infinity)", "send a real amount, or leave the key out"
    if kind is str:
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            if any(ch.isdigit() for ch in text) and ("," in text or " " in text):
                return "a locale-formatted string", "send a JSON number with a decimal point"
            return "a string", "send a JSON number"
        if not math.isfinite(number):
            return "a string", "send a JSON number"
        shown = int(number) if number.is_integer() and "." not in text else number
        # A phone number sent as a string parses as a number too.
        return "a numeric string", f"send the number unquoted: {mask(shown)}"
    return describe_type(value), "send a JSON number"


@rule(
    "C004",
    "numeric-field-not-number",
    Severity.ERROR,
    Scope.EVENT,
    when=Condition("type(custom_data) is dict"),
)
def numeric_field_not_number(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A numeric `custom_data` field is not a JSON number.

    ## What it does
    Reports `value`, `predicted_ltv`, `net_revenue` or `contents[].item_price`
    that is not a finite JSON number — a numeric string (`"12.50"`), a
    locale string (`"5.000,00"`), a boolean, an object — and `num_items`
    that is not an integer (`2.0` is reported at info level). Integers are
    numbers and pass for the money fields. A NaN or infinite value (possible
    when a Python dict is checked; in a file S003 reports the literal) is
    reported too. Null values pass (absence is C001's). A `value` that is a
    plain decimal string (`"12.5"`, `"12"`) is reported at warning level: the
    Graph API accepts it and reads the number (Segment's production
    destination sends it); the other fields, and locale or padded strings,
    stay errors.

    ## Why is this bad?
    Meta documents these as numbers; its Python SDK raises on a string and
    other senders pass it through, so the value may be dropped or misread —
    `"5.000,00"` is five thousand in Germany and five elsewhere. A plain
    numeric `value` string works today but relies on Graph's leniency.

    ## Example
    ```json
    {"custom_data": {"value": "12,50", "currency": "EUR", "num_items": 1.5}}
    ```

    ## Fix
    Send plain JSON numbers with a `.` decimal point: `"value": 12.5`; send
    `num_items` as an integer.

    ## Source
    - Meta, Custom data parameters: {CD}
    - Evidence: stated in Meta's documentation; seen in Meta's own code (Business SDK, tags).
    """
    custom = event.get("custom_data")
    if type(custom) is not dict:
        return None
    hits = None
    for key in _NUMERIC_KEYS:
        value = custom.get(key)
        if value is None or type(value) is int or (type(value) is float and value - value == 0):
            continue  # `x - x == 0` is False only for NaN and the infinities
        problem = _number_problem(value)
        if problem is None:
            continue
        hits = hits or []
        if key == "value" and type(value) is str and _PLAIN_DECIMAL.fullmatch(value):
            # Graph reads "12.5" as the number (Segment's destination sends it).
            hits.append(
                Hit(
                    ("custom_data", "value"),
                    "`custom_data.value` is a numeric string; the Graph API accepts it and "
                    "reads the number, but Meta documents a number",
                    problem[1],
                    Severity.WARNING,
                )
            )
        else:
            hits.append(
                Hit(("custom_data", key), f"`custom_data.{key}` is {problem[0]}", problem[1])
            )
    num_items = custom.get("num_items")
    if num_items is not None and type(num_items) is not int:
        if type(num_items) is float and num_items.is_integer():
            hit = Hit(
                ("custom_data", "num_items"),
                "`custom_data.num_items` is written with a decimal point; send an integer",
                f"send {int(num_items)}",
                Severity.INFO,
            )
        else:
            problem = _number_problem(num_items)
            what = problem[0] if problem else "a number with a fractional part"
            hit = Hit(
                ("custom_data", "num_items"),
                f"`custom_data.num_items` is {what}; Meta expects an integer",
                "send the number of items as a JSON integer",
            )
        hits = hits or []
        hits.append(hit)
    contents = custom.get("contents")
    if type(contents) is list:
        for index, item in enumerate(contents):
            if type(item) is not dict:
                continue
            price = item.get("item_price")
            if price is None or type(price) is int or (type(price) is float and price - price == 0):
                continue
            problem = _number_problem(price)
            if problem is not None:
                hits = hits or []
                hits.append(
                    Hit(
                        ("custom_data", "contents", index, "item_price"),
                        f"`item_price` of contents[{index}] is {problem[0]}",
                        problem[1],
                    )
                )
    return hits


@rule(
    "C005",
    "value-implausible",
    Severity.WARNING,
    Scope.EVENT,
    options={"refund-events": ["Refund"]},
    when=Condition(
        "type(custom_data) is dict and c005_suspect(custom_data)",
        names={"c005_suspect": _c005_suspect},
    ),
)
def value_implausible(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`value` is negative, or `value` and `currency` are not sent together.

    ## What it does
    Reports a negative `custom_data.value` (except on the event names listed
    in the option `refund-events`, where a refund is modelled as a custom
    event), and, on events other than `Purchase` (C001/C002 cover those), a
    `value` without `currency` or a `currency` without `value`. `value: 0`
    with a currency passes, and so does a `currency` that belongs to another
    amount: one sent with `net_revenue` (the margin, which Meta documents as a
    money field beside `value`), or on an `AppendValue` event, which appends
    an amount to an earlier conversion named in its `original_event_data`
    instead of reporting a value of its own.

    ## Why is this bad?
    A value without a currency cannot be converted and is ignored; a currency
    without a value carries nothing. Negative values subtract from reported
    revenue: a refund sent as a `Purchase` lowers ROAS instead of being
    tracked separately.

    ## Example
    ```json
    {"event_name": "AddToCart", "custom_data": {"value": 25.0}}
    ```

    ## Use instead
    ```json
    {"event_name": "AddToCart", "custom_data": {"value": 25.0, "currency": "EUR"}}
    ```

    ## Fix
    Send `value` and `currency` together; send refunds as a custom event
    (and list it in `refund-events`) or not at all.

    ## Options
    `refund-events` (`["Refund"]`): event names on which a negative value is
    expected.

    ## Source
    - Meta, Custom data parameters: {CD}
    - Meta, Original event data parameters: {OED}
    - Evidence: stated in Meta's documentation; capi-lint's inference, not stated by Meta.
    """
    custom = event.get("custom_data")
    if type(custom) is not dict:
        return None
    value: Any = custom.get("value")  # a JSON value, dispatched on its exact type
    currency = custom.get("currency")
    if value is None and currency is None:
        return None
    hits = None
    kind = type(value)
    if (
        (kind is int or kind is float)
        and value < 0
        and event.get("event_name") not in ctx.option("C005", "refund-events")
    ):
        hits = [
            Hit(
                ("custom_data", "value"),
                "`custom_data.value` is negative; Meta subtracts it from reported revenue",
                "send refunds as a custom event listed in refund-events, or not at all",
            )
        ]
    if event.get("event_name") == _PURCHASE:
        return hits
    # A non-string currency is S010's, but it is there.
    has_currency = bool(currency.strip()) if type(currency) is str else currency is not None
    if value is not None and not has_currency:
        hits = hits or []
        hits.append(
            Hit(
                ("custom_data",),
                "`custom_data.value` is sent without `currency`, so Meta cannot use it",
                "add the ISO 4217 currency code",
            )
        )
    elif (
        value is None
        and has_currency
        and custom.get("net_revenue") is None
        and event.get("event_name") != _APPEND_VALUE
    ):
        hits = hits or []
        hits.append(
            Hit(
                ("custom_data",),
                "`custom_data.currency` is sent without `value`",
                "add the value, or drop the currency",
            )
        )
    return hits


@rule(
    "C006",
    "contents-invalid",
    Severity.WARNING,
    Scope.EVENT,
    when=Condition('type(custom_data) is dict and custom_data.get("contents") is not None'),
)
def contents_invalid(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`contents` is not a list of items with an `id` and a positive quantity.

    ## What it does
    Reports `custom_data.contents` that is not an array, an item that is not
    an object, an item without `id` (absent, null or blank), and a `quantity`
    that is not a positive integer (`0`, `-1`, `1.5`, `"2"`; `2.0` at info
    level). Items with only `id` and `quantity` pass, and so do the SDK's
    extra fields `title`, `description`, `brand`, `category`; unknown item
    keys are S009's, `item_price` C004's.

    ## Why is this bad?
    Meta matches `contents` to catalog products by `id`; an item without one
    is ignored, and a wrong quantity distorts what was bought.

    ## Example
    ```json
    {"custom_data": {"contents": [{"quantity": 1, "item_price": 9.99},
                                  {"id": "sku-2", "quantity": 0}]}}
    ```

    ## Fix
    Send `[{"id": "<product id>", "quantity": <integer ≥ 1>, "item_price": <number>}, …]`.

    ## Source
    - Meta, Custom data parameters: {CD}
    - Evidence: stated in Meta's documentation; seen in Meta's own code (Business SDK, tags);
      reported by third parties (Segment requires id).
    """
    custom = event.get("custom_data")
    if type(custom) is not dict:
        return None
    contents = custom.get("contents")
    if contents is None:
        return None
    if type(contents) is not list:
        return [
            Hit(
                ("custom_data", "contents"),
                f"`custom_data.contents` is {describe_type(contents)}; "
                "expected an array of objects",
                'send [{"id": "...", "quantity": 1}]',
            )
        ]
    hits = None
    for index, item in enumerate(contents):
        where = ("custom_data", "contents", index)
        hit = None
        if type(item) is not dict:
            hit = Hit(
                where,
                f"contents[{index}] is {describe_type(item)}; expected an object",
                'send {"id": "...", "quantity": 1}',
            )
        else:
            item_id = item.get("id")
            if item_id is None or (type(item_id) is str and (not item_id or item_id.isspace())):
                hits = hits or []
                hits.append(
                    Hit(
                        where,
                        f"contents[{index}] has no `id`",
                        "send the product ID (as in your catalog)",
                    )
                )
            quantity = item.get("quantity")
            if quantity is not None and (type(quantity) is not int or quantity < 1):
                if type(quantity) is float and quantity.is_integer() and quantity >= 1:
                    hit = Hit(
                        (*where, "quantity"),
                        f"`quantity` of contents[{index}] is written with a decimal point",
                        f"send {int(quantity)}",
                        Severity.INFO,
                    )
                else:
                    what = describe_type(quantity) if type(quantity) is not int else f"{quantity}"
                    hit = Hit(
                        (*where, "quantity"),
                        f"`quantity` of contents[{index}] is {what}; expected a positive integer",
                        "send the number of units as an integer ≥ 1",
                    )
        if hit is not None:
            hits = hits or []
            hits.append(hit)
    return hits


@rule(
    "C007",
    "content-ids-invalid",
    Severity.WARNING,
    Scope.EVENT,
    when=Condition('type(custom_data) is dict and custom_data.get("content_ids") is not None'),
)
def content_ids_invalid(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`content_ids` is not a non-empty array of IDs.

    ## What it does
    Reports `custom_data.content_ids` that is not an array (e.g. one string
    `"sku-1"`), an empty array, or an array with items that are not strings
    or numbers (null, booleans, objects) or are empty strings. Arrays of
    strings or integers pass.

    ## Why is this bad?
    Catalog ads match `content_ids` to catalog IDs exactly; a string where an
    array is expected, or empty items, match nothing.

    ## Example
    ```json
    {"custom_data": {"content_ids": "sku-1,sku-2"}}
    ```

    ## Fix
    Send an array of the product IDs: `["sku-1", "sku-2"]`.

    ## Source
    - Meta, Custom data parameters: {CD}
    - Evidence: stated in Meta's documentation.
    """
    custom = event.get("custom_data")
    if type(custom) is not dict:
        return None
    ids = custom.get("content_ids")
    if ids is None:
        return None
    where = ("custom_data", "content_ids")
    if type(ids) is not list:
        return [
            Hit(
                where,
                f"`custom_data.content_ids` is {describe_type(ids)}; expected an array of IDs",
                'send ["sku-1", "sku-2"]',
            )
        ]
    if not ids:
        return [
            Hit(
                where,
                "`custom_data.content_ids` is an empty array",
                "send the product IDs, or leave the key out",
            )
        ]
    hits = None
    for index, item in enumerate(ids):
        kind = type(item)
        if kind is str:
            if item.strip():
                continue
            what = "an empty string"
        elif kind is int or kind is float:
            continue
        else:
            what = describe_type(item)
        hits = hits or []
        hits.append(
            Hit(
                (*where, index),
                f"content_ids[{index}] is {what}; expected a product ID",
                "send product IDs as strings",
            )
        )
    return hits


_CONTENT_TYPES = ("product", "product_group")
_DELIVERY = ("in_store", "curbside", "home_delivery")


def _enum_suspect(custom: dict[str, Any]) -> bool:
    """C008 might report: an enum value other than Meta's, or a delivery_category in contents."""
    # Tuples, not sets: a value may be unhashable (a list).
    if custom.get("content_type") not in (None, *_CONTENT_TYPES):
        return True
    if custom.get("delivery_category") not in (None, *_DELIVERY):
        return True
    contents = custom.get("contents")
    if type(contents) is not list:
        return False
    return any(type(item) is dict and "delivery_category" in item for item in contents)


def _enum_hit(where: tuple[Any, ...], name: str, value: str, allowed: tuple[str, ...]) -> Hit:
    squashed = value.strip().lower().replace(" ", "_").replace("-", "_")
    hint = squashed if squashed in allowed else None
    shown = mask_label(value)
    shown = shown if len(shown) <= 24 else shown[:23] + "…"
    message = f"`{name}` {shown!r} is not one of {', '.join(allowed)}"
    if hint:
        message += f"; did you mean {hint!r}?"
    return Hit(where, message, f'send "{hint}"' if hint else f"send one of: {', '.join(allowed)}")


@rule(
    "C008",
    "enum-invalid",
    Severity.WARNING,
    Scope.EVENT,
    when=Condition(
        "type(custom_data) is dict and enum_suspect(custom_data)",
        names={"enum_suspect": _enum_suspect},
    ),
)
def enum_invalid(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`content_type` or `delivery_category` is not one of Meta's values.

    ## What it does
    Reports `custom_data.content_type` other than `product` or
    `product_group`, and `delivery_category` (in `custom_data` or in a
    `contents` item) other than `in_store`, `curbside` or `home_delivery`.
    Values are exact and lowercase; the message names the intended value for
    case and spacing variants (`Product`, `home delivery`). Non-strings are
    S010's.

    ## Why is this bad?
    Meta uses `content_type` to match `content_ids` to products or product
    groups, and `delivery_category` for delivery reporting; unknown values
    are ignored or rejected.

    ## Example
    ```json
    {"custom_data": {"content_type": "Product", "delivery_category": "delivery"}}
    ```

    ## Fix
    Use the exact lowercase values.

    ## Source
    - Meta, Custom data parameters: {CD}
    - Evidence: stated in Meta's documentation; seen in Meta's own code (Business SDK, tags).
    """
    custom = event.get("custom_data")
    if type(custom) is not dict:
        return None
    hits = None
    content_type = custom.get("content_type")
    if type(content_type) is str and content_type not in _CONTENT_TYPES:
        hits = [
            _enum_hit(("custom_data", "content_type"), "content_type", content_type, _CONTENT_TYPES)
        ]
    category = custom.get("delivery_category")
    if type(category) is str and category not in _DELIVERY:
        hits = hits or []
        hits.append(
            _enum_hit(
                ("custom_data", "delivery_category"), "delivery_category", category, _DELIVERY
            )
        )
    contents = custom.get("contents")
    if type(contents) is list:
        for index, item in enumerate(contents):
            if type(item) is not dict:
                continue
            category = item.get("delivery_category")
            if type(category) is str and category not in _DELIVERY:
                hits = hits or []
                hits.append(
                    _enum_hit(
                        ("custom_data", "contents", index, "delivery_category"),
                        "delivery_category",
                        category,
                        _DELIVERY,
                    )
                )
    return hits


def _id_text(value: Any) -> str | None:
    kind = type(value)
    if kind is str:
        return value.strip() or None
    if kind is int:
        return str(value)
    return None


def _same_order(ids: list[Any], contents: list[Any]) -> bool:
    """Fast path: content_ids lists exactly the contents' ids, in order."""
    try:
        return [item["id"] for item in contents] == ids
    except (TypeError, KeyError, IndexError):
        return False  # an item without id, or not an object


@rule(
    "C009",
    "contents-mismatch",
    Severity.INFO,
    Scope.EVENT,
    when=Condition(
        'type(custom_data) is dict and type(custom_data.get("contents")) is list'
        ' and (type(custom_data.get("content_ids")) is list'
        ' or type(custom_data.get("num_items")) is int)'
    ),
)
def contents_mismatch(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`content_ids`, `contents` and `num_items` disagree.

    ## What it does
    When `custom_data` has both `content_ids` and `contents`, reports product
    IDs that are in one and not in the other (IDs compared as text, so `123`
    and `"123"` agree). When it has `num_items` and `contents` whose items all
    carry an integer `quantity`, reports a `num_items` other than the sum of
    the quantities. Either field alone, and malformed values (C004, C006,
    C007 judge them), pass.

    ## Why is this bad?
    They describe the same basket. When they disagree it is unclear which
    products were bought, and catalog attribution may use the wrong list —
    usually a sign that one of them is built from stale data.

    ## Example
    ```json
    {"custom_data": {"content_ids": ["sku-1"], "contents": [{"id": "sku-2", "quantity": 1}],
                     "num_items": 3}}
    ```

    ## Fix
    Build `content_ids`, `contents` and `num_items` from the same basket.

    ## Source
    - Meta, Custom data parameters: {CD}
    - Evidence: stated in Meta's documentation; capi-lint's inference, not stated by Meta.
    """
    custom = event.get("custom_data")
    if type(custom) is not dict:
        return None
    contents = custom.get("contents")
    if type(contents) is not list or not contents:
        return None
    ids = custom.get("content_ids")
    num_items = custom.get("num_items")
    if type(ids) is not list and type(num_items) is not int:
        return None
    hits = None
    if type(ids) is list and ids and not _same_order(ids, contents):
        listed = {_id_text(i) for i in ids} - {None}
        items = {_id_text(item.get("id")) for item in contents if type(item) is dict} - {None}
        if listed and items and listed != items:
            only_ids, only_contents = len(listed - items), len(items - listed)
            parts = []
            if only_ids:
                parts.append(f"{only_ids} ID(s) only in `content_ids`")
            if only_contents:
                parts.append(f"{only_contents} ID(s) only in `contents`")
            hits = [
                Hit(
                    ("custom_data", "content_ids"),
                    "`content_ids` and `contents` list different products: " + ", ".join(parts),
                    "build both from the same basket",
                )
            ]
    if type(num_items) is int:
        quantities: list[Any] = [item.get("quantity") for item in contents if type(item) is dict]
        if len(quantities) == len(contents) and all(type(q) is int for q in quantities):
            total = sum(quantities)
            if total != num_items:
                hits = hits or []
                hits.append(
                    Hit(
                        ("custom_data", "num_items"),
                        f"`num_items` is {num_items} but the `contents` quantities add up "
                        f"to {total}",
                        f"send num_items = {total}",
                    )
                )
    return hits


@rule(
    "C010",
    "order-id-suspicious",
    Severity.WARNING,
    Scope.EVENT,
    when=Condition('type(custom_data) is dict and type(custom_data.get("order_id")) is str'),
)
def order_id_suspicious(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """`order_id` is empty, a placeholder, an unrendered template or padded.

    ## What it does
    Reports a string `custom_data.order_id` that is empty or blank, a
    placeholder (`undefined`, `null`, `0`, `[object Object]`, …), an
    unrendered template (`{{Order ID}}`, `${orderId}`, `%order_id%`), or has
    leading or trailing whitespace. Any other non-empty string passes,
    numeric strings included; a non-string `order_id` is S010's (it is
    documented as a string).

    ## Why is this bad?
    Meta uses `order_id` to identify the transaction (offline deduplication
    keyed on it in Meta's Offline Conversion File Uploader). A placeholder
    is the same on every event, so distinct orders look like one; padding
    makes the same order look like two.

    ## Example
    ```json
    {"custom_data": {"order_id": "{{transaction_id}}", "value": 10, "currency": "USD"}}
    ```

    ## Fix
    Send the real order number, as a trimmed string.

    ## Source
    - Meta, Custom data parameters: {CD}
    - Evidence: stated in Meta's documentation; seen in Meta's own code (Meta's Offline Conversions
      Uploader).
    """
    custom = event.get("custom_data")
    if type(custom) is not dict:
        return None
    order_id = custom.get("order_id")
    if type(order_id) is not str:
        return None
    problem = suspicious_id(order_id)
    if problem is None:
        if order_id == order_id.strip():
            return None
        problem = "has leading or trailing whitespace"
    return [
        Hit(
            ("custom_data", "order_id"),
            f"`custom_data.order_id` {problem}",
            "send the real order number as a trimmed string",
        )
    ]


# --------------------------------------------------------------------------- CRM (Conversion Leads)

#: is_crm_event's markers, by presence alone: a CRM action_source or one of the
#: CRM keys in custom_data (an ordinary event carries none). C011 and C012.
_MAY_BE_CRM = Condition(
    "action_source == crm_source or (type(custom_data) is dict"
    ' and ("event_source" in custom_data or "lead_event_source" in custom_data))',
    names={"crm_source": CRM_ACTION_SOURCE},
)


@rule(
    "C011",
    "crm-event-source-missing",
    Severity.WARNING,
    Scope.EVENT,
    when=_MAY_BE_CRM,
)
def crm_event_source_missing(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A Conversion Leads (CRM) event lacks `custom_data.event_source: "crm"`.

    ## What it does
    Reports an event recognised as a Conversion Leads event by its other CRM
    markers — a `custom_data.lead_event_source`, or a `user_data.lead_id` on a
    `system_generated` event — whose `custom_data.event_source` is absent,
    empty or not exactly `crm` (`"CRM"` is reported with a hint). Events
    without any CRM marker are never judged. Meta's own CRM example in its
    Business SDK (`AdsPixelCRMEventsPostCustom`) sends `lead_event_source`
    but no `event_source`, and is reported.

    ## Why is this bad?
    Meta's CRM payload specification: `event_source` is "Required. Set this
    parameter to the value crm for all Conversions Leads events", under
    `custom_data`; it marks the event as coming from your CRM for the
    Conversion Leads optimisation.

    ## Example
    ```json
    {"event_name": "QualifiedLead", "action_source": "system_generated",
     "user_data": {"lead_id": 525645896321548},
     "custom_data": {"lead_event_source": "Salesforce"}}
    ```

    ## Fix
    Add `"event_source": "crm"` to `custom_data`.

    ## Source
    - Meta, Conversion Leads integration: Payload Specification: {CRM}
    - Evidence: Meta states it (§ Required parameters, `event_source`); Meta's own
      Business SDK example `AdsPixelCRMEventsPostCustom.py` omits it.
    """
    if not is_crm_event(event):
        return None
    data = leads_custom_data(event)
    source = None if data is None else data.get("event_source")
    if source == CRM_SOURCE:
        return None
    if data is None:
        where: tuple[str, ...] = ()
        what = "has no `custom_data`, so no `event_source`"
    elif source is None or (type(source) is str and not source.strip()):
        where = ("custom_data",)
        what = "has no `custom_data.event_source`"
    else:
        where = ("custom_data", "event_source")
        if says_crm(data):
            what = 'writes `custom_data.event_source` other than exactly "crm" (case or spaces)'
        else:
            what = f'has `custom_data.event_source` {mask(source)}, not "crm"'
    return [
        Hit(
            where,
            f"Conversion Leads (CRM) event {what}; Meta requires it on every CRM event",
            'add "event_source": "crm" to custom_data',
        )
    ]


@rule(
    "C012",
    "crm-lead-event-source-missing",
    Severity.WARNING,
    Scope.EVENT,
    when=_MAY_BE_CRM,
)
def crm_lead_event_source_missing(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A Conversion Leads (CRM) event does not name its CRM in `lead_event_source`.

    ## What it does
    Reports an event recognised as a Conversion Leads event by its other CRM
    markers — `custom_data.event_source` `crm`, or a `user_data.lead_id` on a
    `system_generated` event — whose `custom_data.lead_event_source` is
    absent, empty or not a string. When the name was put at the event's top
    level or in `user_data` instead, the message says so. Events without any
    CRM marker are never judged.

    ## Why is this bad?
    Meta's CRM payload specification: `lead_event_source` is "Required. Set
    this parameter to the name of the tool where the leads are coming from
    (e.g., Hubspot, SAP, Oracle, Dynamics, In-house CRM, etc.), included
    under the custom_data parameter."

    ## Example
    ```json
    {"event_name": "Converted", "action_source": "system_generated",
     "user_data": {"lead_id": 525645896321548}, "custom_data": {"event_source": "crm"}}
    ```

    ## Fix
    Add `"lead_event_source": "<your CRM's name>"` to `custom_data`.

    ## Source
    - Meta, Conversion Leads integration: Payload Specification: {CRM}
    - Evidence: Meta states it (§ Required parameters, `lead_event_source`).
    """
    if not is_crm_event(event):
        return None
    data = leads_custom_data(event)
    value = None if data is None else data.get("lead_event_source")
    if type(value) is str and value.strip():
        return None
    holders = (("the event's top level", event), ("`user_data`", event.get("user_data")))
    misplaced = [
        place
        for place, holder in holders
        if type(holder) is dict and holder.get("lead_event_source") is not None
    ]
    if value is not None and not (type(value) is str and not value.strip()):
        where: tuple[str, ...] = ("custom_data", "lead_event_source")
        what = f"`custom_data.lead_event_source` is {describe_type(value)}, not the CRM's name"
    else:
        where = ("custom_data",) if data is not None else ()
        what = "has no `custom_data.lead_event_source`"
        if misplaced:
            what += f" (it was sent at {misplaced[0]}; it belongs in custom_data)"
    return [
        Hit(
            where,
            f"Conversion Leads (CRM) event {what}; Meta requires the name of the CRM "
            "the leads come from",
            'add "lead_event_source": "<CRM name>" to custom_data',
        )
    ]
