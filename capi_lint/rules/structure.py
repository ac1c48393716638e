"""S — file, JSON and envelope structure.

S001–S008 are emitted while a file is read (:mod:`capi_lint.loader`,
:mod:`capi_lint.envelope`); their docs live here. S009 and S010 are driven by
the JSON Schemas in :mod:`capi_lint.schemas`.
"""

from __future__ import annotations

import difflib
import functools
from typing import Any

from capi_lint import schemas
from capi_lint.context import Context
from capi_lint.mask import key_pointer, mask_key
from capi_lint.model import Hit, Severity
from capi_lint.registry import Scope, also, declare, rule
from capi_lint.rules._util import describe_type
from capi_lint.tiers import Condition

declare(
    "S001",
    "invalid-json",
    Severity.ERROR,
    """The file is not readable JSON.

    ## What it does
    Reports a file (or a JSON Lines line) that cannot be read as JSON: a syntax
    error, invalid UTF-8, UTF-16 text, an empty file, nesting deeper than 512
    levels, or a file that cannot be opened. The finding gives the line and
    column of the error and, for syntax errors, the byte offset. A leading
    UTF-8 byte order mark is not an error: it is stripped and noted by S012.

    ## Why is this bad?
    The Graph API rejects a body that is not JSON, and nothing else in the file
    can be checked.

    ## Example
    ```json
    {"data": [{"event_name": "Purchase",}]}
    ```

    ## Fix
    Make the file valid UTF-8 JSON (no trailing commas, no comments, double
    quotes around keys and strings).

    ## Source
    - Meta, Main body parameters: {MAIN}
    - Evidence: stated in Meta's documentation.
    """,
)

declare(
    "S012",
    "utf8-bom",
    Severity.INFO,
    """The file starts with a UTF-8 byte order mark.

    ## What it does
    Notes a file (or the first line of a JSON Lines file) that begins with
    the UTF-8 byte order mark `EF BB BF`. The mark is stripped and the rest
    of the file is checked as usual, with columns counted as without it. A
    UTF-16 or UTF-32 mark is not this: that file is not UTF-8 (S001).

    ## Why is this bad?
    RFC 8259 forbids adding a BOM to JSON sent over a network and lets
    parsers ignore it; a strict parser rejects the body, and tools that
    concatenate or compare files trip over the invisible bytes. It was once
    part of S001 (invalid JSON), which is an error; as its own code it can be
    ignored without ignoring invalid JSON.

    ## Example
    A file whose first bytes are `EF BB BF 7B 22 64 61 74 61 22` (`\ufeff{"data"`).

    ## Fix
    Save the file as UTF-8 without a BOM (most editors: "UTF-8" rather than
    "UTF-8 with BOM").

    ## Source
    - Meta, Main body parameters (the body is JSON): {MAIN}
    - JSON, RFC 8259 section 8.1: https://www.rfc-editor.org/rfc/rfc8259#section-8.1
    - Evidence: the RFC forbids a BOM in JSON text and lets parsers ignore it.
    """,
)

declare(
    "S002",
    "duplicate-key",
    Severity.ERROR,
    """An object has the same member name twice.

    ## What it does
    Reports a repeated member name inside one object, at any depth (also inside
    `user_data`). The finding points at the second occurrence (at the object
    holding it when the key looks like personal data). The same name in
    *different* objects (e.g. `event_id` in two events) is fine.

    ## Why is this bad?
    RFC 8259 says names SHOULD be unique, and parsers disagree on which value
    wins: what you test locally may not be what Meta reads.

    ## Example
    ```json
    {"user_data": {"em": "…hash…", "em": "…other hash…"}}
    ```

    ## Fix
    Keep one member; if both values are wanted, send a list (`"em": [h1, h2]`).

    ## Source
    - JSON, RFC 8259 section 4: https://www.rfc-editor.org/rfc/rfc8259#section-4
    - Evidence: the RFC leaves duplicate names' meaning open; that parsers then
      disagree on the value is capi-lint's inference.
    """,
)

declare(
    "S003",
    "non-finite-number",
    Severity.ERROR,
    """The text contains NaN, Infinity or a number that overflows.

    ## What it does
    Reports the literals `NaN`, `Infinity` and `-Infinity` (accepted by lenient
    parsers such as Python's `json`) and numbers too large for a double
    (`1e999`). The *strings* `"NaN"` and `"Infinity"` are not reported here.

    ## Why is this bad?
    They are not JSON (RFC 8259); strict parsers, including Meta's, reject the
    whole body. They usually come from `json.dumps` of a float that was
    `nan` — a value computed from missing data.

    ## Example
    ```json
    {"custom_data": {"value": NaN, "currency": "USD"}}
    ```

    ## Fix
    Send a finite number, or leave the key out. In Python use
    `json.dumps(..., allow_nan=False)` to catch it at the source.

    ## Source
    - JSON, RFC 8259 section 6: https://www.rfc-editor.org/rfc/rfc8259#section-6
    - Evidence: the RFC does not allow NaN or Infinity in JSON numbers.
    """,
)

declare(
    "S004",
    "top-level-shape",
    Severity.ERROR,
    """The top-level value is not a request body, an event or an array of events.

    ## What it does
    Reports a file whose top-level value is a string, number, boolean or null,
    or an array that holds non-objects. Accepted shapes: a request body
    `{"data": [...]}`, one event object (has `event_name` or `event_time`),
    or an array of event objects.

    ## Why is this bad?
    The Graph API expects a JSON object with a `data` array; anything else is
    rejected before any event is read.

    ## Example
    ```json
    ["Purchase", "AddToCart"]
    ```

    ## Fix
    Wrap the events in a request body: `{"data": [{...}, {...}]}`.

    ## Source
    - Meta, Main body parameters: {MAIN}
    - Evidence: stated in Meta's documentation.
    """,
)

declare(
    "S005",
    "missing-data",
    Severity.ERROR,
    """A request body has no `data`.

    ## What it does
    Reports a top-level object that is not a single event (no `event_name` /
    `event_time`) and has no `data` key, or has `data: null`.

    ## Why is this bad?
    `data` is required: without it Meta has no events to process and rejects
    the request.

    ## Example
    ```json
    {"events": [{"event_name": "Purchase"}], "partner_agent": "acme_1_0"}
    ```

    ## Fix
    Put the events in `"data": [...]`.

    ## Source
    - Meta, Main body parameters: {MAIN}
    - Evidence: stated in Meta's documentation.
    """,
)

declare(
    "S006",
    "data-not-array",
    Severity.ERROR,
    """`data` is not an array.

    ## What it does
    Reports `data` that is an object, number, boolean or a string that does not
    decode to a JSON array. A string that *does* decode to an array is the
    form-encoded style the SDKs post (`data=[…]`): it is reported at info
    level, decoded, and its events are checked; their findings point into the
    decoded value and carry the line and column of the string.

    ## Why is this bad?
    In a JSON body Meta expects `data` to be an array of event objects.

    ## Example
    ```json
    {"data": {"event_name": "Purchase", "event_time": 1700000000}}
    ```

    ## Use instead
    ```json
    {"data": [{"event_name": "Purchase", "event_time": 1700000000}]}
    ```

    ## Fix
    Send `"data": [ {...} ]`, even for one event.

    ## Source
    - Meta, Main body parameters: {MAIN}
    - Meta, Using the Conversions API: {USE}
    - Evidence: stated in Meta's documentation.
    """,
)

declare(
    "S007",
    "empty-data",
    Severity.ERROR,
    """`data` (or a top-level array) holds no events.

    ## What it does
    Reports `"data": []` and a top-level `[]`. One element is enough to pass,
    even an invalid one (other rules judge it).

    ## Why is this bad?
    A request without events is rejected; usually a filter upstream dropped
    every event.

    ## Example
    ```json
    {"data": []}
    ```

    ## Fix
    Do not send the request when there is nothing to send.

    ## Source
    - Meta, Main body parameters: {MAIN}
    - Evidence: stated in Meta's documentation.
    """,
)

declare(
    "S008",
    "too-many-events",
    Severity.ERROR,
    """More than 1000 events in one request.

    ## What it does
    Reports a `data` array (or top-level array) with more than 1000 elements.
    Exactly 1000 is fine.

    ## Why is this bad?
    Meta accepts at most 1000 events per request and rejects larger batches
    whole.

    ## Example
    A body with `"data": [ …1001 events… ]`.

    ## Fix
    Split the batch into requests of at most 1000 events.

    ## Source
    - Meta, Using the Conversions API: {USE}
    - Evidence: stated in Meta's documentation.
    """,
)


declare(
    "S011",
    "input-too-large",
    Severity.ERROR,
    """A document or JSON Lines line is larger than `max-input-size`.

    ## What it does
    Reports a `.json` file, a standard input, a payload passed to the library
    or one JSON Lines line that is longer than `max-input-size` bytes
    (default 256 MiB), at its line and column 1. Reading stops at the limit:
    the input is not checked, and the run goes on with the next line or
    file. A JSON Lines file of any size is fine as long as each line is under
    the limit: it is read one line at a time. So is a standard input whose
    first line is a whole JSON object or array (JSON Lines).

    ## Why is this bad?
    This is capi-lint's own safety limit, not a rule of Meta's: a request
    holds at most 1000 events, a few megabytes even with long `custom_data`,
    so a document of hundreds of megabytes is not a Conversions API body
    (a wrong file, a dump, an endless stream such as `/dev/zero`). Reading it
    whole would take as much memory as it has bytes; the limit keeps a run's
    memory bounded whatever it is given.

    ## Example
    ```sh
    cat /dev/zero | capi-lint check -
    # -:1:1: S011 [error] standard input is longer than max-input-size (256 MiB); ...
    ```

    ## Fix
    Split the input into request bodies of at most 1000 events, or into JSON
    Lines (one request body or event per line). If the file is right as it
    is, raise the limit: `max-input-size = "1GiB"` in the config, or
    `--max-input-size 1GiB` (bytes, or a size with `KiB`, `MiB`, `GiB`; `kB`,
    `MB`, `GB` are powers of 1000).

    ## Options
    `max-input-size` is a top-level config key (not a rule option), also
    `--max-input-size` on `check`, `coverage` and `crosscheck`.

    ## Source
    - Meta, Main body parameters: {MAIN}
    - Evidence: Meta documents at most 1,000 events per request but no byte
      limit; the limit on what capi-lint reads is its own, to bound memory.
    """,
)


# --------------------------------------------------------------------------- S009 / S010

#: Likely intended key for common misspellings (compared case-insensitively,
#: ignoring `_`, `-` and spaces).
_ALIASES = {
    "email": "em",
    "emails": "em",
    "emailaddress": "em",
    "mail": "em",
    "phone": "ph",
    "phonenumber": "ph",
    "mobile": "ph",
    "tel": "ph",
    "firstname": "fn",
    "givenname": "fn",
    "lastname": "ln",
    "surname": "ln",
    "familyname": "ln",
    "dob": "db",
    "birthday": "db",
    "dateofbirth": "db",
    "birthdate": "db",
    "gender": "ge",
    "sex": "ge",
    "city": "ct",
    "state": "st",
    "region": "st",
    "zip": "zp",
    "zipcode": "zp",
    "postcode": "zp",
    "postalcode": "zp",
    "countrycode": "country",
    "ip": "client_ip_address",
    "ipaddress": "client_ip_address",
    "clientip": "client_ip_address",
    "useragent": "client_user_agent",
    "ua": "client_user_agent",
    "clientuseragent": "client_user_agent",
    "userid": "external_id",
    "externalid": "external_id",
    "customerid": "external_id",
    "clickid": "fbc",
    "fbclid": "fbc",
    "eventsourceurl": "event_source_url",
    "url": "event_source_url",
    "pageurl": "event_source_url",
    "eventid": "event_id",
    "eventname": "event_name",
    "eventtime": "event_time",
    "timestamp": "event_time",
    "actionsource": "action_source",
    "userdata": "user_data",
    "customdata": "custom_data",
    "appdata": "app_data",
}

#: Values whose type another rule judges (S010 must not double-report them).
_OWNED_TYPES = {
    ("event_time",): "E004",
    ("custom_data", "value"): "C004",
    ("custom_data", "predicted_ltv"): "C004",
    ("custom_data", "net_revenue"): "C004",
    ("custom_data", "num_items"): "C004",
    ("custom_data", "contents"): "C006",
    ("custom_data", "content_ids"): "C007",
    ("app_data", "extinfo"): "A003",
    ("app_data", "advertiser_tracking_enabled"): "A004",
    ("app_data", "application_tracking_enabled"): "A004",
}
_OWNED_ITEM_KEYS = {"item_price": "C004", "quantity": "C006"}


def _squash(key: str) -> str:
    return "".join(ch for ch in key.lower() if ch not in "_- .")


@functools.lru_cache(maxsize=64)
def _squashed(known: tuple[str, ...]) -> dict[str, str]:
    """Each squashed known key -> the first known key it squashes from."""
    found: dict[str, str] = {}
    for candidate in known:
        found.setdefault(_squash(candidate), candidate)
    return found


@functools.lru_cache(maxsize=1024)
def suggest(key: str, known: tuple[str, ...]) -> str | None:
    """The key the user most likely meant, if any (cached: misspellings repeat)."""
    squashed = _squash(key)
    candidate = _squashed(known).get(squashed)
    if candidate is not None:
        return candidate
    alias = _ALIASES.get(squashed)
    if alias in known:
        return alias
    close = difflib.get_close_matches(key.lower(), known, n=1, cutoff=0.8)
    return close[0] if close else None


def _owned(where: tuple[Any, ...]) -> bool:
    if where in _OWNED_TYPES:
        return True
    # contents[i].item_price / quantity
    return (
        len(where) == 4
        and where[:2] == ("custom_data", "contents")
        and where[3] in _OWNED_ITEM_KEYS
    )


def _problems(event: dict[str, Any], ctx: Context) -> list[schemas.SchemaProblem]:
    memo = ctx.memo
    found = memo.get("schema")
    if found is None:
        spec = schemas.table("event")
        if schemas.suspicious(event, spec):
            # Only the suspicious members are explained.
            narrowed = schemas.narrowed(event, spec)
            found = [p for p in schemas.problems("event", narrowed) if not _owned(p.where)]
        else:
            found = []
        memo["schema"] = found
    return found


def _schema_suspect(event: dict[str, Any], ctx: Context) -> bool:
    """S009's and S010's condition: False only when :func:`_problems` finds nothing.

    The walk is :func:`schemas.suspicious`, done once per event for both rules:
    on a clean event the verdict (no problems) goes to the memo ``_problems``
    reads, so S010's condition reads it there, and so does S010's check when
    S009 is not selected.
    """
    memo = ctx.memo
    found = memo.get("schema")
    if found is not None:
        return bool(found)
    if schemas.suspicious(event, schemas.table("event")):
        return True
    memo["schema"] = []
    return False


def _request_problems(root: Any, ctx: Context) -> list[schemas.SchemaProblem]:
    if ctx.kind != "request" or not isinstance(root, dict):
        return []
    top = {k: v for k, v in root.items() if k != "data"}
    if not schemas.suspicious(top, schemas.table("request")):
        return []
    return schemas.problems("request", top)


def _unknown_hits(problems: list[schemas.SchemaProblem]) -> list[Hit] | None:
    hits = []
    for p in problems:
        if p.kind != "unknown-key":
            continue
        owner = ".".join(str(w) for w in p.where[:-1] if not isinstance(w, int)) or "the event"
        if owner == "the event" and len(p.where) == 1 and p.known and "data" in p.known:
            owner = "the request body"
        # A library caller may pass a dict with non-string keys: no suggestion then.
        hint = suggest(p.key, p.known) if isinstance(p.key, str) else None
        message = f"unknown key {_q(p.key)} in {owner}"
        fix = None
        if hint:
            message += f"; did you mean {_q(hint)}?"
            fix = f"rename it to {_q(hint)}"
        else:
            fix = "remove it, or move custom properties into custom_data"
        hits.append(Hit(key_pointer(p.where[:-1], p.key), message, fix))
    return hits or None


def _q(key: str | None) -> str:
    # A key can be personal data (mask_key masks it) or carry terminal escapes
    # and lone surrogates (escaped); long keys are shortened.
    text = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
        for ch in mask_key(key or "")
    )
    if len(text) > 40:
        text = text[:37] + "…"
    return "`" + text + "`"


_SCHEMA_SUSPECT = Condition("schema_suspect(event, ctx)", names={"schema_suspect": _schema_suspect})


@rule("S009", "unknown-key", Severity.ERROR, Scope.EVENT, when=_SCHEMA_SUSPECT)
def unknown_key(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A key that Meta does not know.

    ## What it does
    Reports a key outside the known set at the top level of the request, in an
    event, in `user_data`, in `app_data`, in `original_event_data` or in a
    `contents` item, and names the likely intended key for case and spelling
    variants (`Event_Name` → `event_name`, `email` → `em`, `phone` → `ph`,
    `client_ip` → `client_ip_address`). Keys inside `custom_data` are custom
    properties and allowed; credential keys are R003's. The known sets are the
    JSON Schemas shipped in `capi_lint/schemas/`. A key that itself looks like
    personal data (an email address, a phone number, a token) is shown masked,
    and the finding then points at the object that holds it, so the key never
    appears in a JSON pointer.

    ## Why is this bad?
    The Graph API rejects the request: `Unexpected key "click_id" on param
    $['data'][0]['user_data']`. A renamed key (`email` instead of `em`) also
    means the value never reaches matching.

    ## Example
    ```json
    {"user_data": {"email": "…hash…", "client_ip": "203.0.113.7"}}
    ```

    ## Fix
    Use Meta's key names (`em`, `client_ip_address`), or move custom properties
    into `custom_data`.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Meta, Conversions API for business messaging: {BM}
    - Evidence: reported by third parties (facebook-for-woocommerce PR #3668); stated in Meta's
      documentation; seen in Meta's own code (Business SDK, tags).
    """
    problems = _problems(event, ctx)
    return _unknown_hits(problems) if problems else None


@also("S009", Scope.DOCUMENT)
def unknown_request_key(root: Any, ctx: Context) -> list[Hit] | None:
    problems = _request_problems(root, ctx)
    return _unknown_hits(problems) if problems else None


def _type_hits(problems: list[schemas.SchemaProblem], prefix: str) -> list[Hit] | None:
    hits = []
    for p in problems:
        if p.kind != "wrong-type":
            continue
        name = prefix + ".".join(str(w) for w in p.where) if p.where else "the event"
        expected = " or ".join(_EXPECTED.get(n, n) for n in p.expected)
        if "array" in p.expected and len(p.expected) > 1:
            expected += " of them"
        hits.append(
            Hit(
                p.where,
                f"{name} is {describe_type(p.instance)}; expected {expected}",
                f"send {expected}",
            )
        )
    return hits or None


_EXPECTED = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean (true/false)",
    "array": "an array",
    "object": "an object",
}


@rule("S010", "wrong-type", Severity.ERROR, Scope.EVENT, when=_SCHEMA_SUSPECT)
def wrong_type(event: dict[str, Any], ctx: Context) -> list[Hit] | None:
    """A known key has the wrong JSON type.

    ## What it does
    Reports a known key whose value has the wrong JSON type per the shipped
    schemas: an event that is not an object, `user_data` as an array,
    `opt_out: "true"`, `data_processing_options` as a string,
    `data_processing_options_country: "1"`, a `user_data` value that is an
    object or a number. Not reported here: nulls (the presence rules judge
    them), `event_time` (E004), `value` and the other numeric `custom_data`
    fields (C004), `contents`/`content_ids` (C006/C007), `extinfo` and the
    tracking flags (A003/A004). `fb_login_id`/`lead_id` may be integers or
    digit strings; hashed keys may be lists of strings.

    ## Why is this bad?
    Meta rejects values of the wrong type (`Invalid parameter`), and SDKs that
    coerce types silently send something else than you think.

    ## Example
    ```json
    {"opt_out": "true", "user_data": {"em": {"value": "…"}}}
    ```

    ## Fix
    Send the documented type: booleans as `true`/`false`, integers unquoted,
    customer keys as a string or an array of strings.

    ## Source
    - Meta, Customer information parameters: {CI}
    - Evidence: stated in Meta's documentation; seen in Meta's own code (Business SDK, tags).
    """
    problems = _problems(event, ctx)
    return _type_hits(problems, "") if problems else None


@also("S010", Scope.DOCUMENT)
def wrong_request_type(root: Any, ctx: Context) -> list[Hit] | None:
    problems = _request_problems(root, ctx)
    return _type_hits(problems, "") if problems else None
