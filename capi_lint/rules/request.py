"""R — the request as a whole: partner_agent, test_event_code, credentials,
and a batch that one bad event would sink."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

import orjson

from capi_lint.context import Context
from capi_lint.mask import mask, mask_label
from capi_lint.model import Hit, Severity
from capi_lint.registry import Scope, rule
from capi_lint.rules._columns import ColumnRule, Columns
from capi_lint.rules._util import agent_name

_AGENT = re.compile(r"[^_\s]+_\d+_\d+")
#: The server-side GTM tags' own forms, agreed with Meta rather than following
#: the convention: Meta's tag sends `gtmss-1.0.0-0.0.9` (PARTNER_AGENT in
#: facebookincubator/ConversionsAPI-Tag-for-GoogleTagManager, template.tpl),
#: Stape's `stape-gtmss-2.1.3`, with `-ee` when event enhancement is on.
_TAG_AGENT = re.compile(r"(?:stape-)?gtmss-\d+\.\d+\.\d+(?:-\d+\.\d+\.\d+)?(?:-ee)?")


@rule(
    "R001",
    "partner-agent-format",
    Severity.INFO,
    Scope.DOCUMENT,
    options={"allow": []},
)
def partner_agent_format(root: Any, ctx: Context) -> list[Hit] | None:
    """`partner_agent` does not follow `<partner>_<major>_<minor>`.

    ## What it does
    Reports a request's `partner_agent` that is empty or blank, or that does
    not match `<partner>_<major>_<minor>` (`^[^_\\s]+_\\d+_\\d+$`, e.g.
    `acme_2_1`), unless it is listed in the option `allow` or is the form a
    server-side GTM tag sends: Meta's own tag (`gtmss-1.0.0-0.0.9`, the
    `PARTNER_AGENT` of facebookincubator/ConversionsAPI-Tag-for-GoogleTagManager,
    the tag Meta's GTM guide installs) and Stape's (`stape-gtmss-2.1.3`), each
    optionally with `-ee` (event enhancement). The message gives
    the `agent_name` that `/dataset_quality` and `/setup_quality` would need
    (the `<partner>` part in lowercase; for a value off the convention that is
    our best guess: everything before the first `_`). Non-strings are S010's.

    ## Why is this bad?
    Meta normalises a conventional `partner_agent` to its lowercase partner
    name for the `agent_name` filter of the quality APIs; with another shape
    you cannot be sure which `agent_name` shows your traffic. It is advice
    only: Meta asks partners for a unique agent string agreed with their Meta
    representative (requirements §1.5), and its own tag does not follow the
    convention (rules.md lists `gtmss-1.0.0-0.0.9` as
    a value to allow; this rule allows it, and Stape's form, out of the box).

    ## Example
    ```json
    {"data": [{"event_name": "Purchase"}], "partner_agent": "Acme Shop v2"}
    ```

    ## Fix
    Send `<partner>_<major>_<minor>` (`acme_2_1`), or add the string Meta
    agreed with you to `allow`.

    ## Options
    `allow` (`[]`): `partner_agent` values accepted as they are.

    ## Source
    - Meta, Main body parameters: {MAIN}
    - Meta, Conversions API best practices: {BP}
    - Meta, Setup Quality API reference: {SQ}
    - Evidence: stated in Meta's documentation; seen in Meta's own code (Business SDK, tags).
    """
    if type(root) is not dict or ctx.kind != "request":
        return None
    agent = root.get("partner_agent")
    if type(agent) is not str:
        return None
    where = ("partner_agent",)
    if not agent.strip():
        return [Hit(where, "`partner_agent` is empty", "send <partner>_<major>_<minor> or drop it")]
    if _AGENT.fullmatch(agent) or _TAG_AGENT.fullmatch(agent):
        return None
    if agent in ctx.option("R001", "allow"):
        return None
    name = mask_label(agent_name(agent) or "")
    shown = mask_label(agent)
    shown = shown if len(shown) <= 40 else shown[:39] + "…"
    return [
        Hit(
            where,
            f"`partner_agent` {shown!r} does not follow <partner>_<major>_<minor>; "
            f"/dataset_quality would probably need agent_name={name!r}",
            f"send e.g. {name.replace(' ', '') or 'partner'}_1_0, or list the value in "
            "options.R001.allow",
            extra={"agent_name": name},
        )
    ]


@rule(
    "R002",
    "test-event-code-present",
    Severity.WARNING,
    Scope.DOCUMENT,
    options={"test-paths": []},
)
def test_event_code_present(root: Any, ctx: Context) -> list[Hit] | None:
    """The request still carries `test_event_code`.

    ## What it does
    Reports a request body with a top-level `test_event_code` (present: not
    null, not empty). Files whose path matches a glob in the option
    `test-paths` (e.g. `"tests/fixtures/*"`) are test fixtures and pass;
    `per-file-ignores` works too.

    ## Why is this bad?
    `test_event_code` routes events to Events Manager's Test Events tool. It
    is meant for testing only; events sent with it are not dropped — they
    still count for targeting and measurement — so a code left in production
    hides nothing and mixes test traffic into the dataset.

    ## Example
    ```json
    {"data": [{"event_name": "Purchase"}], "test_event_code": "TEST12345"}
    ```

    ## Fix
    Remove `test_event_code` from production payloads (or mark the file as a
    fixture with `test-paths`).

    ## Options
    `test-paths` (`[]`): globs of payload files that are test fixtures.

    ## Source
    - Meta, Main body parameters: {MAIN}
    - Meta, Using the Conversions API: {USE}
    - Evidence: stated in Meta's documentation.
    """
    if type(root) is not dict or ctx.kind != "request":
        return None
    code = root.get("test_event_code")
    if code is None or (type(code) is str and not code.strip()):
        return None
    patterns = ctx.option("R002", "test-paths")
    if patterns:
        posix = PurePath(ctx.path).as_posix()
        if any(fnmatch.fnmatch(ctx.path, p) or fnmatch.fnmatch(posix, p) for p in patterns):
            return None
    return [
        Hit(
            ("test_event_code",),
            "`test_event_code` is set: these events go to Test Events and still count in "
            "the dataset; remove it from production payloads",
            "remove test_event_code (or list the file in options.R002.test-paths)",
        )
    ]


# --------------------------------------------------------------------------- R003

_CREDENTIAL_KEYS = frozenset({"access_token", "appsecret_proof"})
#: A Meta access token (user, page and system-user tokens all start with EAA).
_TOKEN_START = re.compile(r"(?:(?:Bearer|OAuth)\s+)?EAA[A-Za-z0-9]{20,}")
#: A token in a URL query (`…/events?access_token=…`).
_TOKEN_IN_URL = re.compile(r"[?&#;]access_token=([^&#\s\"']+)", re.IGNORECASE)
_PLACEHOLDER = re.compile(
    r"\s*(?:"
    r"<[^<>]*>|\{\{.*\}\}|\$\{.*\}|%[^%]*%|\$[A-Z_][A-Z0-9_]*"
    r"|.*\*{3}.*|.*redacted.*|x{3,}|.*x{6,}.*|\.\.\.|…|.*\.\.\.|.*…"
    r"|(?:your|my)[_\- ]?(?:access[_\- ]?|app[_\- ]?)?(?:token|secret|proof)(?:[_\- ]?here)?"
    r"|(?:access|app)[_\- ]?(?:token|secret)|appsecret[_\- ]?proof|token|secret"
    r"|placeholder|changeme|none|null|undefined|test|dummy|fake|example|todo|tbd"
    r")\s*",
    re.IGNORECASE | re.DOTALL,
)


#: An app access token: ``{app-id}|{app-secret}`` (or the client-token form).
_APP_TOKEN = re.compile(r"\d{5,}\|[A-Za-z0-9_-]{10,}")
#: Meta's secrets are long: user, page and system-user tokens are ~150-250
#: characters, an app secret 32 hex, appsecret_proof 64 hex.
_SECRET_MIN_LENGTH = 32


def _secret_shaped(value: Any) -> bool:
    """Whether a credential key's value could be a real Meta secret: a token
    (``EAA…``), an app token, or a long opaque string. Short words and test
    values (``accessToken12345``) cannot authenticate anything."""
    if type(value) is not str:
        return False
    text = value.strip()
    if _TOKEN_START.match(text) or _APP_TOKEN.fullmatch(text):
        return True
    return len(text) >= _SECRET_MIN_LENGTH and not any(c.isspace() for c in text)


def _has_eaa(blob: bytes) -> bool:
    """Whether the serialised document contains ``EAA`` anywhere.

    Found by jumping from ``E`` to ``E``: a one-byte search is a memchr, ~15x
    faster than a three-byte search, and ``E`` is rare in payloads.
    """
    find = blob.find
    at = find(b"E")
    while at >= 0:
        if blob.startswith(b"AA", at + 1):
            return True
        at = find(b"E", at + 1)
    return False


def _holds_key(node: Any) -> bool:
    return type(node) is dict and ("access_token" in node or "appsecret_proof" in node)


def _event_suspect(event: Any) -> bool:
    """A credential key where one would put it, or a token parameter in a URL."""
    if type(event) is not dict:
        return False
    if "access_token" in event or "appsecret_proof" in event:
        return True
    get = event.get
    if (
        _holds_key(get("user_data"))
        or _holds_key(get("custom_data"))
        or _holds_key(get("app_data"))
    ):
        return True
    url = get("event_source_url")
    if type(url) is str and "ccess_token" in url:
        return True
    url = get("referrer_url")
    return type(url) is str and "ccess_token" in url


def _suspect(root: Any, ctx: Context) -> bool:
    """Cheap test before the walk: a token-shaped ``EAA`` anywhere in the
    serialised document, or a credential key in the request, an event,
    ``user_data``, ``custom_data`` or ``app_data``, or ``access_token`` in an
    event's URL. Keys elsewhere are found when the walk runs for another reason.
    """
    blob = ctx.text
    if type(blob) is not bytes or b"\\" in blob:
        # Without escapes the text as read holds "EAA" exactly where its
        # re-serialisation would; with them (or no text), serialise.
        try:
            blob = orjson.dumps(root)
        except (TypeError, orjson.JSONEncodeError):
            return True  # e.g. an integer beyond 64 bits: walk without the pre-check
    if _has_eaa(blob):
        return True
    if type(root) is not dict:
        return any(_event_suspect(event) for event in root) if type(root) is list else False
    if "access_token" in root or "appsecret_proof" in root:
        return True
    if ctx.kind == "request" and ctx.envelope is not None:
        return any(_event_suspect(event) for event in ctx.envelope.events)
    return _event_suspect(root)


def _placeholder(value: Any) -> bool:
    if value is None:
        return True
    if type(value) is not str:
        return False
    if len(value) > _PLACEHOLDER_MAX:
        # Its `.*x.*` forms backtrack over the whole value: seconds on a 100 MB
        # one. A placeholder is a short word or template, never that long.
        return False
    return not value.strip() or _PLACEHOLDER.fullmatch(value) is not None


_PLACEHOLDER_MAX = 4_096


def _shown(value: Any) -> str:
    # mask() renders an EAA token as "EAA…(redacted)"; never show more of any secret.
    if type(value) is str and value.lstrip().startswith("EAA"):
        return mask(value.strip())
    return "(redacted)"


def _credential_hits(root: Any, skip: frozenset[tuple[Any, ...]]) -> list[Hit]:
    """Credential hits in ``root``, except under the pointers in ``skip`` (at most
    two levels deep: the encoded ``data`` string or event strings)."""
    hits: list[Hit] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(root, ())]
    pop, push = stack.pop, stack.append
    while stack:
        node, parts = pop()
        kind = type(node)
        if kind is dict:
            for key, value in node.items():
                if skip and not parts and (key,) in skip:
                    continue
                if key in _CREDENTIAL_KEYS:
                    if _secret_shaped(value) and not _placeholder(value):
                        hits.append(
                            Hit(
                                (*parts, key),
                                f"`{key}` in the payload: a leaked credential, {_shown(value)}",
                                "remove it and revoke the token; pass it as a query "
                                "parameter from a secret store when sending",
                            )
                        )
                    continue
                vt = type(value)
                if vt is str:
                    if "EAA" in value or "ccess_token" in value:
                        _string_hit(value, (*parts, key), hits)
                elif vt is dict or vt is list:
                    push((value, (*parts, key)))
        elif kind is list:
            skipping = skip and len(parts) == 1
            for index, value in enumerate(node):
                if skipping and (*parts, index) in skip:
                    continue
                vt = type(value)
                if vt is str:
                    if "EAA" in value or "ccess_token" in value:
                        _string_hit(value, (*parts, index), hits)
                elif vt is dict or vt is list:
                    push((value, (*parts, index)))
    return hits


def _string_hit(value: str, where: tuple[Any, ...], hits: list[Hit]) -> None:
    if _TOKEN_START.match(value.strip()) and not _placeholder(value):
        hits.append(
            Hit(
                where,
                f"a Meta access token in the payload ({_shown(value)}): a leaked credential",
                "remove it and revoke the token",
            )
        )
        return
    found = _TOKEN_IN_URL.search(value)
    if found and not _placeholder(found.group(1)):
        hits.append(
            Hit(
                where,
                f"a URL carries an `access_token` query parameter ({_shown(found.group(1))}): "
                "a leaked credential",
                "remove the parameter and revoke the token",
            )
        )


@rule("R003", "credential-in-payload", Severity.ERROR, Scope.DOCUMENT)
def credential_in_payload(root: Any, ctx: Context) -> list[Hit] | None:
    """The payload contains an access token or app secret proof.

    ## What it does
    Reports, anywhere in the document, an `access_token` or `appsecret_proof`
    key (exact spelling; other spellings are S009's unknown keys) whose value
    could be a real secret (a Meta token `EAA…`, an app token
    `{app-id}|{app-secret}`, or an opaque string of 32 or more characters, as
    every Meta token, app secret and proof is) and is not a placeholder; a
    string that is a Meta
    token (`EAA` followed by 20 or more letters and digits, optionally after
    `Bearer `), and a URL with an `access_token=` query parameter.
    Placeholders pass: `<ACCESS_TOKEN>`, `{{…}}`, `${…}`, `%…%`, `$TOKEN`,
    anything with `***`, `REDACTED`, `xxx`, `YOUR_ACCESS_TOKEN`, empty
    values, and short test values such as PostHog's `accessToken12345`. The
    value is never printed: at most `EAA…(redacted)`.

    To stay cheap, the document is walked only when a quick test finds
    something: `EAA` in the document serialised once by orjson, a credential
    key in the request, an event, `user_data`, `custom_data` or `app_data`,
    or `access_token` in an event's URL. So a credential key nested elsewhere
    (e.g. inside a `contents` item) with a value that is not token-shaped is
    reported only if the walk runs anyway.

    ## Why is this bad?
    The access token is a secret that lets anyone send events to (and read)
    your dataset; it belongs in the query string of the POST, read from a
    secret store. A payload file that contains it leaks it to everyone who can
    read the repository, logs or CI artefacts.

    ## Example
    ```json
    {"data": [{"event_name": "Purchase"}], "access_token": "EAAB…"}
    ```

    ## Fix
    Remove it from the file and revoke the token in Business Manager; pass
    the token at send time from an environment variable or secret store.

    ## Source
    - Meta, Using the Conversions API: {USE}
    - Evidence: stated in Meta's documentation; seen in Meta's own code (Business SDK, tags);
      capi-lint's inference, not stated by Meta.
    """
    if not _suspect(root, ctx):
        return None
    envelope = ctx.envelope
    if envelope is None or not envelope.has_encoded:
        return _credential_hits(root, frozenset()) or None
    # Events decoded from JSON strings are walked decoded, not as the strings.
    skip: frozenset[tuple[Any, ...]]
    decoded: Sequence[int]
    if envelope.encoded:
        skip = frozenset({("data",)})
        decoded = range(len(envelope.events))
    else:
        skip = frozenset(("data", index) for index in envelope.encoded_items)
        decoded = sorted(envelope.encoded_items)
    hits = _credential_hits(root, skip)
    for index in decoded:
        for hit in _credential_hits(envelope.events[index], frozenset()):
            hits.append(hit._replace(where=("data", index, *hit.where)))
    return hits or None


# --------------------------------------------------------------------------- R004


def _indexes(indexes: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(i) for i in indexes[:limit])
    return shown + (", …" if len(indexes) > limit else "")


@rule("R004", "batch-rejected-by-one-event", Severity.WARNING, Scope.BATCH)
class BatchRejectedByOneEvent(ColumnRule):
    """One bad event would make Meta reject the whole batch.

    ## What it does
    In a request (or array) of two or more events, reports when some events
    have error-level findings from other rules while others have none; the
    finding points at the batch, lists the failing events and counts the
    events that would be lost with them. An event older than Meta's window
    (E006) certainly fails the whole request; other errors do according to
    peers' reports, and the message says so. Single-event requests and
    batches without error findings pass. It reads the findings of the rules
    that ran, so it says nothing about errors of disabled rules (with a
    severity override, what counts is the configured severity).

    ## Why is this bad?
    Meta processes a request as a whole: if any `event_time` is more than 7
    days old it returns an error and processes **no** event of the request,
    and peers report the same for other per-event errors. One stale or broken
    event sinks every valid event sent with it.

    ## Example
    ```json
    {"data": [{"event_name": "Purchase", "event_time": 1700000000, "…": "…"},
              {"event_name": "Purchase", "event_time": 1763799000, "…": "…"}]}
    ```

    ## Fix
    Validate events before batching and send (or drop) failing ones
    separately, so that valid events are not lost with them.

    ## Source
    - Meta, Server event parameters: {SE}
    - Evidence: stated in Meta's documentation; reported by third parties (drt,
      shopify-capi-validator).
    """

    __slots__ = ("count", "kind")

    def __init__(self, ctx: Context) -> None:
        self.count = 0
        self.kind = ctx.kind

    def take(self, columns: Columns) -> None:
        self.count += len(columns.index)

    def needs_events(self) -> int:
        return 2

    def result(self) -> list[Hit] | None:
        return None

    def review(self, errors: dict[int, list[str]]) -> list[Hit] | None:
        self.flush()
        if self.count < 2 or not errors or self.kind not in ("request", "array"):
            return None
        failing = sorted(errors)
        lost = self.count - len(failing)
        if lost <= 0:
            return None
        stale = [i for i in failing if "E006" in errors[i]]
        if stale:
            message = (
                f"{len(stale)} event(s) are older than Meta accepts (E006, index "
                f"{_indexes(stale)}): Meta rejects the whole request, so the other "
                f"{lost} event(s) without errors are lost with them"
            )
        else:
            codes = sorted({code for i in failing for code in errors[i]})
            message = (
                f"{len(failing)} of {self.count} events have errors (index "
                f"{_indexes(failing)}; {', '.join(codes[:5])}): one bad event can make Meta "
                f"reject the whole request, losing the other {lost} event(s)"
            )
        return [
            Hit(
                (),
                message,
                "fix or remove the failing events before sending the batch",
                extra={"events": len(failing), "indexes": failing[:10], "lost": lost},
            )
        ]
