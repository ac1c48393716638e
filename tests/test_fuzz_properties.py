"""Property tests on structurally plausible CAPI payloads with raw personal data.

The payloads are :func:`test_robustness.capi_payloads` (the builders' clean
events, mutated), and then raw personal data is put into ``user_data``: unhashed
emails, phones, names, dates of birth, ZIP codes, cities, states, countries and
genders, uppercase digests, sometimes inside lists, sometimes as JSON numbers
(``ph``, ``zp``, ``db``) -- so that ``--fix`` has work to do. Properties:

* findings are sorted and deterministic, and a payload checked as an object
  gives the same (code, pointer) multiset as the same payload checked as text;
* the fixer is idempotent, leaves no H001/H002 finding it did not own up to as
  skipped, and changes exactly the leaves it says it changed;
* no injected raw value reaches the text or JSON report, the fixer's changes,
  skips, notices or its masked diff;
* nor ``serve``'s answers, recording endpoint or log (section d), nor
  ``coverage`` or ``crosscheck --quality-file`` in any output format, with
  personal data also in event names, action sources, partner agents, keys and
  Meta's report (section e).

A long run: ``CAPI_LINT_EXAMPLES=10000 pytest tests/test_fuzz_properties.py``.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from helpers import NOW, sha, website_event
from hypothesis import assume, given
from hypothesis import strategies as st
from test_privacy import assert_private, invoke, secret_forms
from test_robustness import SETTINGS, capi_payloads, resolve

import capi_lint
from capi_lint import envelope
from capi_lint.fix import HASHED_KEYS, FixResult, fix_bytes, fix_text, render_diff
from capi_lint.hashing import country_from_hash
from capi_lint.model import Finding, format_pointer, parse_pointer
from capi_lint.normalize import normalize_or_reason
from capi_lint.reporters import REPORTERS
from capi_lint.reporters.coverage_report import RENDERERS

#: The codes ``--fix`` claims (capi_lint/fix.py: ``hash_raw`` -> H001, ``lowercase`` -> H002).
FIXED_CODES = frozenset({"H001", "H002"})
MIN_LEN = 4  # as in test_privacy: shorter strings ("US", "CA", "m") occur by chance

# --------------------------------------------------------------------------- raw personal data


def _upper(text: str) -> str:
    return sha(text).upper()


#: Raw values per hashed key: strings, and JSON numbers where Meta's SDKs send them;
#: uppercase digests (H002), and values the fixer must leave (ambiguous dates, a phone
#: without a country code outside the US, a ZIP number that lost its leading zero, ...).
RAW: dict[str, list[Any]] = {
    "em": [
        "Alex.Miller@Example.COM",
        "  priya.raman+ads@posteo.de ",
        "JOSE.GARCIA@GMAIL.COM",
        "not-an-email",
        _upper("alex.miller@example.com"),
    ],
    "ph": [
        "+1 (650) 555-0123",
        "+44 20 7946 0958",
        "(650) 555-0188",  # no country code: hashed only with a US country, else skipped
        "tel:+49-30-901820",
        16505550147,
        4930901820,
        _upper("16505550123") + ".AQ",
    ],
    "fn": ["Alex", "Zoë", "Siobhán", " Priya ", _upper("alex")],
    "ln": ["Miller", "Ó Súilleabháin", "Castellanos-Ruiz"],
    "db": ["1990-02-17", "02/17/1990", "03/04/1991", "17.02.1988", 19900217, 19850430],
    "zp": ["94025", "94025-1234", "SW1A 1AA", 94107, 2134],  # 2134: a number that lost its 0
    "ct": ["Menlo Park", "São Paulo", "Kraków"],
    "st": ["California", "CA", "Bavaria"],
    "country": ["US", "us", "United States", "Germany", "XX", _upper("us"), sha("de")],
    "ge": ["Male", "f", "Female", "x"],
    # Never fixed: H002 and H007 keep reporting these.
    "external_id": ["customer-4711", _upper("customer-4711")],
}
#: Integers at the edges of 64 bits (orjson's integer range is -2**63 .. 2**64 - 1).
EDGE_INTEGERS = [2**63 - 1, 2**63, 2**64 - 1, 2**64, 10**20, -(2**63), -(2**63) - 1]
DIGESTS = {v for values in RAW.values() for v in values if isinstance(v, str) and len(v) >= 64}


@dataclass
class Injected:
    """A payload and the raw values put into it (which must never be printed)."""

    payload: Any
    raw: list[tuple[str, Any]] = field(default_factory=list)

    def secrets(self) -> set[str]:
        """The raw strings, their stripped and normalised forms, at least MIN_LEN long."""
        out: set[str] = set()
        for key, value in self.raw:
            if str(value) in DIGESTS:
                continue  # a digest is no secret (its prefix is shown on purpose)
            out |= secret_forms(key, value)
        # mask() shows numbers of up to six characters as they are (prices, quantities,
        # line numbers): a ZIP code sent as a JSON number (94025, 2134) is among them.
        return {s for s in out if len(s) >= MIN_LEN and not (s.isdigit() and len(s) <= 6)}


@st.composite
def with_raw_pii(draw: st.DrawFn) -> Injected:
    """:func:`capi_payloads`, then raw personal data in some events' ``user_data``
    (the events the linter and the fixer find, inside an encoded ``data`` string too)."""
    payload = draw(capi_payloads())
    encoded = envelope.read(payload).encoded
    inner = json.loads(payload["data"]) if encoded else payload
    events = [e for e in envelope.read(inner).events if type(e) is dict]
    injected = Injected(payload)
    if not events:
        return injected
    first = draw(st.integers(0, len(events) - 1))
    for index, event in enumerate(events):
        if index != first and not draw(st.booleans()):
            continue
        if type(event.get("user_data")) is not dict:
            event["user_data"] = {}
        ud = event["user_data"]
        for key in draw(
            st.lists(st.sampled_from(sorted(RAW)), min_size=1, max_size=8, unique=True)
        ):
            values = draw(st.lists(st.sampled_from(RAW[key]), min_size=1, max_size=3))
            ud[key] = values if draw(st.booleans()) else values[0]
            injected.raw += [(key, v) for v in values[: len(values) if ud[key] is values else 1]]
    if draw(st.integers(0, 4)) == 0:
        events[first]["event_time"] = draw(st.sampled_from(EDGE_INTEGERS))
    if encoded:
        payload["data"] = json.dumps(inner)
    return injected


def _text(payload: Any, indent: int | None, ascii_only: bool) -> str:
    return json.dumps(payload, indent=indent, ensure_ascii=ascii_only, allow_nan=True)


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


TEXT_FORMS = st.tuples(st.sampled_from([None, 2]), st.booleans())

# --------------------------------------------------------------------------- (a) findings


def _key(f: Finding) -> tuple[str, str]:
    return f.code, f.pointer


def _dicts(findings: list[Finding]) -> list[str]:
    # Via JSON, so that a NaN in a finding's extra fields compares equal to itself.
    return [json.dumps(f.to_dict(), sort_keys=True, default=repr) for f in findings]


@SETTINGS
@given(with_raw_pii(), TEXT_FORMS)
def test_findings_are_sorted_and_deterministic(case: Injected, form: tuple) -> None:
    text = _text(case.payload, *form)
    for payload in (case.payload, text):
        first = capi_lint.check(payload, now=NOW)
        assert first == sorted(first, key=Finding.sort_key)
        assert _dicts(capi_lint.check(payload, now=NOW)) == _dicts(first)


def _has_wide_int(value: Any) -> bool:
    """An integer outside -2**63 .. 2**64 - 1 (in the value itself, not in encoded `data`)."""
    if type(value) is int:
        return not -(2**63) <= value < 2**64
    if type(value) is dict:
        return any(_has_wide_int(v) for v in value.values())
    if type(value) is list:
        return any(_has_wide_int(v) for v in value)
    return False


@SETTINGS
@given(with_raw_pii(), TEXT_FORMS)
def test_text_and_object_give_the_same_findings(case: Injected, form: tuple) -> None:
    """Same (code, pointer) multiset, except where text and object truly differ:
    S003 (NaN, Infinity, a number that overflows a double) is about how the text
    spells a number, which a parsed object cannot show; and a raw lone surrogate
    makes the text not UTF-8 at all (S001)."""
    text = _text(case.payload, *form)
    if _has_surrogate(text):
        assert "S001" in {f.code for f in capi_lint.check(text, now=NOW)}
        return
    as_object = Counter(map(_key, capi_lint.check(case.payload, now=NOW)))
    as_text = Counter(map(_key, capi_lint.check(text, now=NOW)))
    text_only = Counter({k: n for k, n in as_text.items() if k[0] == "S003"})
    assert as_object == as_text - text_only


@pytest.mark.parametrize("value", [2**64, -(2**63) - 1, 10**30])
@pytest.mark.parametrize("shape", ["event", "jsonl", "encoded"])
def test_an_integer_beyond_64_bits_in_text_is_an_integer(value: int, shape: str) -> None:
    # orjson reads such integers as floats; the loader must not report a decimal point.
    event = website_event(event_time=value)
    payload: Any = {"data": json.dumps([event])} if shape == "encoded" else event
    text = json.dumps(payload) + ("\n" + json.dumps(website_event()) if shape == "jsonl" else "")
    assert str(value) + "," in text  # no decimal point
    as_text = {
        (f.code, f.pointer)
        for f in capi_lint.check(text, now=NOW)
        if f.code != "S006" and f.line == 1 and f.pointer  # the first line's own findings
    }
    assert not {code for code, _ in as_text} & {"E004"}
    as_object = {(f.code, f.pointer) for f in capi_lint.check(payload, now=NOW)}
    assert {c for c, _ in as_text} == {c for c, p in as_object if c != "S006" and p}


def test_one_pretty_printed_document_is_not_read_as_json_lines() -> None:
    value = [[[[[10**400]]]]]  # valid JSON; the number overflows a double (S003)
    text = json.dumps(value, indent=2)
    assert json.loads(text) == value
    findings = capi_lint.check(text, now=NOW)
    assert "S001" not in {f.code for f in findings}
    assert {f.code for f in findings} == {"S003", "S004"}


# --------------------------------------------------------------------------- (b) --fix


def _documents(text: str, jsonl: bool) -> list[tuple[int, str]]:
    """(first line, text) of each document the fixer sees."""
    if not jsonl:
        return [(1, text)]
    return [(n, line) for n, line in enumerate(text.split("\n"), 1) if line.strip()]


def _forms(payload: Any, indent: int | None, ascii_only: bool) -> list[tuple[str, bool]]:
    """The payload as one JSON text and, for an array, as JSON Lines (one item a line)."""
    forms = [(_text(payload, indent, ascii_only), False)]
    if isinstance(payload, list) and payload:
        lines = [_text(item, None, ascii_only) for item in payload]
        forms.append(("\n".join(lines) + "\n", True))
    return forms


def _decoded(root: Any) -> Any:
    """The document with an encoded ``data`` string decoded (the fixer edits inside it)."""
    if type(root) is dict and envelope.read(root).encoded:
        return {**root, "data": json.loads(root["data"])}
    return root


def _same(a: Any, b: Any) -> bool:
    if type(a) is float and type(b) is float and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def _changed_leaves(old: Any, new: Any, path: tuple = ()) -> list[tuple]:
    """Paths of the leaves that differ; the containers must have the same shape."""
    if type(old) is dict:
        assert type(new) is dict and list(old) == list(new), f"keys changed at {path}"
        return [p for k in old for p in _changed_leaves(old[k], new[k], (*path, k))]
    if type(old) is list:
        assert type(new) is list and len(old) == len(new), f"array changed at {path}"
        return [p for i, v in enumerate(old) for p in _changed_leaves(v, new[i], (*path, i))]
    return [] if _same(old, new) else [path]


def _assert_only_claimed_leaves_changed(result: FixResult, jsonl: bool) -> None:
    old_docs = _documents(result.original, jsonl)
    new_docs = _documents(result.text, jsonl)
    assert [n for n, _ in old_docs] == [n for n, _ in new_docs]  # no line added or lost
    for (number, old_text), (_, new_text) in zip(old_docs, new_docs, strict=True):
        old = _decoded(json.loads(old_text))
        new = _decoded(json.loads(new_text))  # still valid JSON
        mine = [c for c in result.changes if c.line == number or not jsonl]
        changes = {c.pointer: c for c in mine}
        assert len(changes) == len(mine), "a value changed twice"
        changed = {format_pointer(p) for p in _changed_leaves(old, new)}
        assert changed == set(changes), (number, changed, set(changes))
        for pointer, change in changes.items():
            before, after = resolve(old, pointer), resolve(new, pointer)
            assert change.field in HASHED_KEYS and _field_of(pointer) == change.field, change
            assert after == change.new, change
            if change.action == "lowercased":  # a parameter-builder appendix is kept
                assert after == before[:64].lower() + before[64:], change
            else:
                assert change.action == "hashed" and type(before) in (str, int), change
                assert after in _possible_hashes(old, pointer, change.field, before), change
            if change.end > change.start:  # a token of its own (not inside encoded `data`)
                assert _same(json.loads(result.original[change.start : change.end]), before)
                assert result.text[change.new_start : change.new_end] == json.dumps(after)


def _possible_hashes(doc: Any, pointer: str, key: str, value: Any) -> set[str]:
    """SHA-256 of the value normalised without a region or with its event's own country
    (any of its country values: the fixer may use one only when they agree)."""
    parts = pointer.split("/")
    ud = resolve(doc, "/".join(parts[: parts.index("user_data") + 1]))
    countries = ud.get("country")
    regions: set[str | None] = {None}
    for item in countries if type(countries) is list else [countries]:
        if type(item) is str:
            code = country_from_hash(item) or normalize_or_reason("country", item)[0]
            regions.add(code.upper() if code else None)
    out = set()
    for region in regions:
        normalised, _reason = normalize_or_reason(key, value, region)
        if normalised is not None:
            out.add(sha(normalised))
    return out


def _field_of(pointer: str) -> str:
    """The user_data key a pointer names (``/data/0/user_data/em/1`` -> ``em``)."""
    parts = parse_pointer(pointer)
    at = len(parts) - 1 - parts[::-1].index("user_data")
    return parts[at + 1]


def _assert_nothing_fixable_left(result: FixResult, jsonl: bool) -> None:
    """Re-checked, the fixed text has no H001/H002 the fixer did not report as skipped."""
    for number, doc in _documents(result.text, jsonl):
        if _has_surrogate(doc):
            continue  # not UTF-8: the linter stops at S001
        skipped = {s.pointer for s in result.skipped if s.line == number or not jsonl}
        for f in capi_lint.check(doc, now=NOW):
            if f.code not in FIXED_CODES or f.pointer in skipped:
                continue
            # external_id is never hashed or lowercased by --fix (H002 still reports it).
            assert f.code == "H002" and _field_of(f.pointer) == "external_id", (number, f)


@SETTINGS
@given(with_raw_pii(), TEXT_FORMS)
def test_fix_is_idempotent_complete_and_minimal(case: Injected, form: tuple) -> None:
    for text, jsonl in _forms(case.payload, *form):
        result = fix_text(text, jsonl=jsonl)
        assert result.original == text and not result.notices, result.notices
        assert result.changed == bool(result.changes)
        again = fix_text(result.text, jsonl=jsonl)
        assert again.text == result.text and not again.changes and not again.changed
        assert Counter((s.pointer, s.reason) for s in again.skipped) == Counter(
            (s.pointer, s.reason) for s in result.skipped
        )
        if not _has_surrogate(text):
            raw = text.encode("utf-8")
            new, same = fix_bytes(raw, jsonl=jsonl)
            assert new == result.text.encode("utf-8") and same.changes == result.changes
            assert fix_bytes(new, jsonl=jsonl)[0] == new
        _assert_only_claimed_leaves_changed(result, jsonl)
        _assert_nothing_fixable_left(result, jsonl)


# --------------------------------------------------------------------------- (c) privacy


def _assert_no_raw_value(output: str, case: Injected, what: str) -> None:
    secrets = case.secrets()
    emails = {s.lower() for s in secrets if "@" in s}
    assert_private(output, secrets - emails, what)
    assert_private(output.lower(), emails, f"{what} (emails, any case)")


def _fix_output(result: FixResult, path: str) -> str:
    """Everything a FixResult can show: changes, skips with their reasons, notices, the diff."""
    parts = [repr(c) for c in result.changes]
    parts += [f"{s!r} {s.description}" for s in result.skipped]
    parts += result.notices
    parts.append(render_diff(path, result))
    return "\n".join(parts)


@SETTINGS
@given(with_raw_pii(), TEXT_FORMS)
def test_no_injected_raw_value_in_any_output(case: Injected, form: tuple) -> None:
    assume(case.raw)
    for text, jsonl in _forms(case.payload, *form):
        if _has_surrogate(text):
            continue  # standard input must be UTF-8
        for fmt in ("text", "json"):
            output, code = invoke(
                ["check", "--now", str(NOW), "--fail-on", "info", "--format", fmt, "-"],
                input=text,
            )
            assert code in (0, 1), output
            _assert_no_raw_value(output, case, f"check --format {fmt}")
        result = fix_text(text, jsonl=jsonl)
        work = [v for k, v in case.raw if k != "external_id" and str(v) != sha("de")]
        if work and not jsonl:
            assert result.changes or result.skipped  # the raw values gave the fixer work
        _assert_no_raw_value(_fix_output(result, "p.json"), case, "fix")


# --------------------------------------------------------------------------- (d) serve
#
# The same payloads, POSTed to a real `capi-lint serve` on 127.0.0.1 with personal
# data also in keys at any depth, in the path (as the pixel id), in query-parameter
# names and values, in custom properties, in app_data.extinfo and in fields that are
# shown as sent (an email as `event_name`, a phone number as `custom_data.value`), as
# JSON, form or multipart bodies, the token in the query, the body or an
# Authorization header. Nothing injected may reach the answer, the recording
# endpoint or the log; every request gets a Graph-shaped answer (never a 500).


@dataclass
class ServeCase:
    case: Injected
    pixel: str
    query: list[tuple[str, str]]
    encoding: str
    auth: str
    extra: list[str] = field(default_factory=list)  # injected outside user_data

    def secrets(self) -> set[str]:
        out = set(self.case.secrets())
        for text in self.extra:
            out |= {text, text.strip()} | secret_forms("em" if "@" in text else "fn", text)
        return {s for s in out if len(s) >= MIN_LEN and not (s.isdigit() and len(s) <= 6)}


def _dicts_in(value: Any, depth: int = 0) -> list[dict]:
    if depth > 12:
        return []
    if type(value) is dict:
        return [value, *(d for v in value.values() for d in _dicts_in(v, depth + 1))]
    if type(value) is list:
        return [d for v in value for d in _dicts_in(v, depth + 1)]
    return []


@st.composite
def serve_cases(draw: st.DrawFn) -> ServeCase:
    from test_privacy import personal_strings, shaped_strings

    case = draw(with_raw_pii())
    extra: list[str] = []
    encoded = type(case.payload) is dict and envelope.read(case.payload).encoded
    root = json.loads(case.payload["data"]) if encoded else case.payload
    places = _dicts_in(root)
    for _ in range(draw(st.integers(0, 4))):  # keys at any depth
        key = draw(personal_strings)
        target = draw(st.sampled_from(places)) if places else None
        if target is not None:
            target[key] = draw(st.one_of(st.just(1), personal_strings))
            extra.append(key)
            if type(target[key]) is str:
                extra.append(target[key])
    events = [e for e in envelope.read(root).events if type(e) is dict]
    for event in events[: draw(st.integers(0, len(events)))]:
        where = draw(st.sampled_from(["event_name", "value", "custom", "extinfo"]))
        if where == "event_name":
            event["event_name"] = draw(shaped_strings)
            extra.append(event["event_name"])
        elif where == "value" and type(event.get("custom_data")) is dict:
            event["custom_data"]["value"] = draw(shaped_strings)
            extra.append(event["custom_data"]["value"])
        elif where == "custom" and type(event.get("custom_data")) is dict:
            event["custom_data"]["customer_note"] = draw(personal_strings)
            extra.append(event["custom_data"]["customer_note"])
        elif where == "extinfo" and type(event.get("app_data")) is dict:
            extinfo = event["app_data"].get("extinfo")
            if type(extinfo) is list and len(extinfo) > 5:
                extinfo[5] = draw(personal_strings)
                extra.append(extinfo[5])
    if encoded:
        case.payload["data"] = json.dumps(root)
    # A digits-only pixel id is a Graph id and shown as sent; the rest must not be.
    pixel = draw(
        st.one_of(st.just("1234567890"), personal_strings.filter(lambda s: not s.isdigit()))
    )
    if pixel != "1234567890":
        extra.append(pixel)
    query = []
    for _ in range(draw(st.integers(0, 3))):
        name, value = draw(personal_strings), draw(personal_strings)
        query.append((name, value))
        extra += [name, value]
    if draw(st.booleans()):
        code = draw(shaped_strings)
        query.append(("test_event_code", code))
        extra.append(code)
    encoding = draw(st.sampled_from(["json", "form", "multipart"]))
    auth = draw(st.sampled_from(["query", "body", "bearer", "oauth"]))
    return ServeCase(case, pixel, query, encoding, auth, extra)


SERVE_TOKEN = "EAABsbCS1iHgBAOZAfuzzTOKEN1234567890"


def _serve_request(c: ServeCase) -> tuple[str, bytes, dict[str, str]]:
    import urllib.parse

    payload = c.case.payload
    request = payload if type(payload) is dict and "data" in payload else {"data": payload}
    if type(request["data"]) is not str and type(request["data"]) is not list:
        request = {"data": [request["data"]]}
    query = list(c.query)
    headers: dict[str, str] = {}
    if c.auth == "query":
        query.append(("access_token", SERVE_TOKEN))
    elif c.auth in ("bearer", "oauth"):
        headers["Authorization"] = f"{'Bearer' if c.auth == 'bearer' else 'OAuth'} {SERVE_TOKEN}"
    fields = {k: v if type(v) is str else json.dumps(v, allow_nan=True) for k, v in request.items()}
    if c.auth == "body":
        fields["access_token"] = SERVE_TOKEN
        request = {**request, "access_token": SERVE_TOKEN}
    if c.encoding == "json":
        raw = json.dumps(request, allow_nan=True).encode()
        headers["Content-Type"] = "application/json"
    elif c.encoding == "form":
        raw = urllib.parse.urlencode(fields, errors="surrogatepass").encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    else:
        boundary = "----WebKitFormBoundaryFuzZ7xQ"
        raw = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}'.encode(
                "utf-8", "surrogatepass"
            )
            + b"\r\n"
            for k, v in fields.items()
        )
        raw += f"--{boundary}--\r\n".encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    path = f"/v24.0/{urllib.parse.quote(c.pixel, safe='')}/events"
    if query:
        path += "?" + urllib.parse.urlencode(query)
    return path, raw, headers


@pytest.fixture(scope="module")
def fuzz_server() -> Any:
    import io

    from capi_lint.serve import LintServer

    log = io.StringIO()
    with LintServer({"now": NOW}, log=log, record_limit=5) as server:
        yield server, log


def _exchange(server: Any, method: str, path: str, raw: bytes | None, headers: dict) -> tuple:
    import http.client

    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        connection.request(method, path, body=raw, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        connection.close()


@SETTINGS
@given(serve_cases())
def test_serve_shows_no_injected_value_in_answer_record_or_log(
    fuzz_server: Any, c: ServeCase
) -> None:
    server, log = fuzz_server
    server.clear()  # earlier examples' records hold other values (shown or not)
    log.seek(0)
    log.truncate()
    path, raw, headers = _serve_request(c)
    status, answer = _exchange(server, "POST", path, raw, headers)
    assert status in (200, 400), answer
    assert "error" in json.loads(answer) or status == 200
    assert "-> " in log.getvalue()  # the request was logged (masked)
    listed_status, listed = _exchange(server, "GET", "/_capi_lint/requests", None, {})
    assert listed_status == 200 and len(json.loads(listed)["requests"]) <= 5
    output = "\n".join([answer, listed, log.getvalue(), repr(server.findings)])
    secrets = c.secrets() | {SERVE_TOKEN}
    emails = {s.lower() for s in secrets if "@" in s}
    assert_private(output, secrets - emails, "serve")
    assert_private(output.lower(), emails, "serve (emails, any case)")
    import urllib.parse

    quoted = {urllib.parse.quote(s) for s in secrets} | {
        urllib.parse.quote_plus(s) for s in secrets
    }
    assert_private(output, {q for q in quoted if len(q) >= MIN_LEN}, "serve (URL-encoded)")


# ------------------------------------------------------------------ (e) coverage, crosscheck
#
# The same payloads, with personal data also where a payload has no field for it
# but the reports quote what was sent: an email, a phone number or a token as
# `event_name`, `action_source`, `partner_agent`, `custom_data.currency` and
# `custom_data.value`, as keys at any depth (names with a space, birth dates,
# emails, phones, tokens: the shapes a key can be told apart by), and as event
# names in Meta's report itself. `coverage` and `crosscheck --quality-file` run
# through the CLI in an output format drawn per example (every format is drawn in
# a long run); nothing injected may reach standard output or standard error.

QUALITY_FIXTURE = Path(__file__).parent / "quality" / "data" / "web_all_fields.json"
COVERAGE_FORMATS = sorted(RENDERERS)
CHECK_FORMATS = sorted(REPORTERS)


def _label_values() -> st.SearchStrategy[str]:
    """Values a printed label gives away by their shape: emails, phone numbers, tokens."""
    from test_privacy import shaped_strings

    return shaped_strings


def _key_values() -> st.SearchStrategy[str]:
    """Personal data as a key: a bare first name cannot be told from an identifier."""
    from test_privacy import birth_dates, first_names, last_names

    full_names = st.builds(lambda a, b: f"{a} {b}", first_names, last_names)
    return st.one_of(_label_values(), full_names, birth_dates())


@dataclass
class Labelled:
    """A payload with raw personal data in values, labels and keys, and a report."""

    case: Injected
    report: dict[str, Any]
    agent: str | None
    labels: list[tuple[str, str]] = field(default_factory=list)  # (kind, value)

    def secrets(self) -> set[str]:
        out = set(self.case.secrets())
        for kind, value in self.labels:
            out |= secret_forms(kind, value)
        return {s for s in out if len(s) >= MIN_LEN and not (s.isdigit() and len(s) <= 6)}


@st.composite
def labelled_payloads(draw: st.DrawFn) -> Labelled:
    case = draw(with_raw_pii())
    labels: list[tuple[str, str]] = []

    def label() -> str:
        value = draw(_label_values())
        labels.append(("em" if "@" in value else "ph" if "EAA" not in value else "fn", value))
        return value

    encoded = type(case.payload) is dict and envelope.read(case.payload).encoded
    root = json.loads(case.payload["data"]) if encoded else case.payload
    events = [e for e in envelope.read(root).events if type(e) is dict]
    names: list[str] = []
    for event in events:
        for where in draw(st.sets(st.sampled_from(["event_name", "action_source", "custom"]))):
            if where == "custom":
                custom = event.get("custom_data")
                if type(custom) is dict:
                    custom[draw(st.sampled_from(["value", "currency"]))] = label()
            else:
                event[where] = label()
                if where == "event_name":
                    names.append(event[where])
    places = _dicts_in(root)
    for _ in range(draw(st.integers(0, 3))):  # keys at any depth
        if places:
            key = draw(_key_values())
            labels.append(("em" if "@" in key else "fn", key))
            draw(st.sampled_from(places))[key] = draw(st.sampled_from([1, "x", None]))
    agent = None
    if type(case.payload) is dict and draw(st.booleans()):
        case.payload["partner_agent"] = label()
        if draw(st.booleans()):
            agent = case.payload["partner_agent"]
    if encoded:
        case.payload["data"] = json.dumps(root)
    # Meta's report: some entries renamed to the payloads' event names (compared,
    # so quoted by many X rules) or to other personal data (reported, not sent).
    report = json.loads(QUALITY_FIXTURE.read_text("utf-8"))
    for entry in report["web"]:
        if draw(st.integers(0, 2)) == 0:
            entry["event_name"] = draw(st.sampled_from(names)) if names else label()
    return Labelled(case, report, agent, labels)


def _run_cli(args: list[str], what: str, c: Labelled) -> None:
    output, code = invoke(args)
    assert code in (0, 1), output
    if "--format" in args and args[args.index("--format") + 1] == "sarif":
        # The rules' docs are constant text (a country named in an example, ...).
        start = output.index("{")
        sarif, end = json.JSONDecoder().raw_decode(output, start)
        for run in sarif["runs"]:
            run["tool"]["driver"].pop("rules", None)
        output = output[:start] + json.dumps(sarif, ensure_ascii=False) + output[end:]
    secrets = c.secrets()
    emails = {s.lower() for s in secrets if "@" in s}
    assert_private(output, secrets - emails, what)
    assert_private(output.lower(), emails, f"{what} (emails, any case)")


def _write(tmp: str, c: Labelled, form: tuple) -> tuple[str, str]:
    payload = Path(tmp) / "payloads" / "p.json"
    payload.parent.mkdir()
    payload.write_bytes(_text(c.case.payload, *form).encode("utf-8", "surrogatepass"))
    quality = Path(tmp) / "quality.json"
    quality.write_text(json.dumps(c.report), "utf-8")
    return str(payload), str(quality)


@SETTINGS
@given(labelled_payloads(), TEXT_FORMS, st.sampled_from(COVERAGE_FORMATS))
def test_coverage_shows_no_injected_value(c: Labelled, form: tuple, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        payload, _ = _write(tmp, c, form)
        args = ["coverage", "--now", str(NOW), "--format", fmt, payload]
        _run_cli(args, f"coverage --format {fmt}", c)


@SETTINGS
@given(labelled_payloads(), TEXT_FORMS, st.sampled_from(CHECK_FORMATS), st.booleans())
def test_crosscheck_shows_no_injected_value(
    c: Labelled, form: tuple, fmt: str, by_agent: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        payload, quality = _write(tmp, c, form)
        args = ["crosscheck", payload, "--quality-file", quality, "--now", str(NOW)]
        args += ["--fail-on", "info", "--format", fmt]
        if by_agent and c.agent:
            args += ["--agent-name", c.agent]
        _run_cli(args, f"crosscheck --format {fmt}", c)
