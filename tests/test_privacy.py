"""Privacy (interface §2): no raw personal data or token ever reaches the output.

A hypothesis property: realistic emails, phones (phonenumbers' example numbers),
names, dates of birth, cities, postcodes and access tokens are put into
payloads -- in the keys Meta hashes (em, ph, fn, ln, db, ct, zp), in wrong
places (external_id, custom_data, the event_source_url query string, unknown
keys, as keys themselves) and tokens anywhere -- and the CLI runs over them
in every output format of ``REPORTERS``, with ``--diff`` and ``--fix``, plus
``hash`` and the library's ``assert_valid``. None of the raw strings (at least
four characters long), nor their normalised forms, may appear in standard
output, standard error or the text of any exception.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
from click.testing import CliRunner
from helpers import NOW, website_event
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

import capi_lint
from capi_lint.cli import cli
from capi_lint.normalize import normalize_or_reason
from capi_lint.reporters import REPORTERS

# Every output format at the time the test runs, so new reporters are covered too.
FORMATS = sorted(REPORTERS)
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MIN_LEN = 4

# --------------------------------------------------------------------------- strategies

FIRST = [
    "Siobhán", "Wojciech", "Ngozi", "Haruto", "Zoë", "Björn", "Aurelio", "Oluwaseun",
    "Thandiwe", "Dmitri", "Ifeoma", "Kazimierz", "Renée", "Ximena", "Ljubica", "Saoirse",
]  # fmt: skip
LAST = [
    "Ó Súilleabháin", "Brzęczyszczykiewicz", "Nakamura", "Okonkwo", "Van der Berg",
    "Castellanos-Ruiz", "Papadopoulos", "Abernathy", "Szymańska", "Lindqvist", "O'Hare",
    "Zubiaurre", "Kowalczyk", "Mbeki-Dlamini", "Yamaguchi", "Fitzgerald",
]  # fmt: skip
CITIES = [
    "Wuppertal", "São Paulo", "Kraków", "Ouagadougou", "Reykjavík", "Tiruchirappalli",
    "Llanfairpwllgwyngyll", "Saint-Étienne", "Ljubljana", "Quetzaltenango",
]  # fmt: skip
SYLLABLES = ["ka", "zu", "mi", "ro", "tsu", "lev", "qua", "bri", "xan", "dor", "yel", "phi"]
TLDS = ["com", "de", "co.uk", "io", "org", "com.br"]
REGIONS = ["US", "GB", "DE", "FR", "BR", "IN", "JP", "NG", "AU", "PL", "ZA", "MX", "SE", "KR"]
PHONE_TYPES = [PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE]
PHONE_FORMATS = [
    PhoneNumberFormat.E164,
    PhoneNumberFormat.INTERNATIONAL,
    PhoneNumberFormat.NATIONAL,
]


invented = st.lists(st.sampled_from(SYLLABLES), min_size=2, max_size=4).map(
    lambda parts: "".join(parts).capitalize()
)
first_names = st.one_of(st.sampled_from(FIRST), invented)
last_names = st.one_of(st.sampled_from(LAST), invented)
cities = st.sampled_from(CITIES)


@st.composite
def emails(draw: st.DrawFn) -> str:
    first = draw(first_names).lower().replace(" ", "").replace("'", "")
    last = draw(last_names).lower().replace(" ", "").replace("'", "")
    local = draw(st.sampled_from([f"{first}.{last}", f"{first}_{last}", f"{first[0]}{last}"]))
    local = local.encode("ascii", "ignore").decode() or "kazu"
    local += draw(st.sampled_from(["", str(draw(st.integers(1, 9999)))]))
    domain = draw(st.sampled_from(["gmail", "yahoo", "posteo", "web"])) + draw(
        st.sampled_from(["", "-" + draw(st.sampled_from(SYLLABLES))])
    )
    email = f"{local}@{domain}.{draw(st.sampled_from(TLDS))}"
    return draw(st.sampled_from([email, email.upper(), email.title(), f" {email} "]))


@st.composite
def phones(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(REGIONS))
    number = phonenumbers.example_number_for_type(region, draw(st.sampled_from(PHONE_TYPES)))
    assert number is not None
    digits = str(number.national_number)
    tail = draw(st.integers(0, 999))
    number.national_number = int(digits[:-3] + f"{tail:03d}")
    text = phonenumbers.format_number(number, draw(st.sampled_from(PHONE_FORMATS)))
    return draw(st.sampled_from([text, text.replace(" ", "-"), f"({text})", f"tel:{text}"]))


@st.composite
def birth_dates(draw: st.DrawFn) -> str:
    day = draw(st.dates(dt.date(1930, 1, 1), dt.date(2006, 12, 31)))
    fmt = draw(st.sampled_from(["%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%Y%m%d", "%d %B %Y"]))
    return day.strftime(fmt)


postcodes = st.one_of(
    st.builds(lambda a, b: f"{a:05d}-{b:04d}", st.integers(10000, 99999), st.integers(0, 9999)),
    st.sampled_from(["SW1A 1AA", "EC1A 1BB", "M1 1AE", "B33 8TH", "CR2 6XH"]),
)
tokens = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", min_size=40).map(
    lambda s: "EAA" + s[:150]
)


@dataclass
class Person:
    email: str
    email2: str
    phone: str
    first: str
    last: str
    dob: str
    city: str
    postcode: str
    token: str
    secrets: set[str] = field(default_factory=set)


people = st.builds(
    Person,
    emails(),
    emails(),
    phones(),
    first_names,
    last_names,
    birth_dates(),
    cities,
    postcodes,
    tokens,
)

#: One raw personal value of any kind, for the places a payload has no field for
#: it: keys at any depth, URL paths, query-parameter names and values.
full_names = st.builds(lambda first, last: f"{first} {last}", first_names, last_names)
personal_strings = st.one_of(
    emails(), phones(), first_names, last_names, full_names, birth_dates(), cities, tokens
)
#: The ones a printed text gives away by their shape alone (an email, a phone
#: number, a token): these may be sent even in fields that are shown as sent
#: (``event_name``, ``test_event_code``), which mask anything looking like them.
shaped_strings = st.one_of(emails(), phones(), tokens)


# --------------------------------------------------------------------------- payloads


def secrets_of(person: Person) -> set[str]:
    """Every string that must never be printed: raw, stripped and normalised forms."""
    raw = {
        "em": [person.email, person.email2],
        "ph": [person.phone],
        "fn": [person.first],
        "ln": [person.last],
        "db": [person.dob],
        "ct": [person.city],
        "zp": [person.postcode],
    }
    out = {person.token, f"{person.first} {person.last}"}
    for key, values in raw.items():
        for value in values:
            out |= secret_forms(key, value)
    return {s for s in out if len(s) >= MIN_LEN}


def secret_forms(key: str, value: Any) -> set[str]:
    """A raw value as sent, stripped and normalised: none may reach any output."""
    text = str(value)
    out = {text, text.strip()}
    if key == "zp":
        return out  # a bare 5-digit ZIP could turn up inside a hash prefix by chance
    for region in (None, "US"):
        normalised, _reason = normalize_or_reason(key, value, region)
        if normalised:
            out.add(normalised)
    return out


def event_for(person: Person, index: int) -> dict[str, Any]:
    event = website_event(event_id=f"order-{index}")
    event["event_source_url"] = (
        f"https://shop.example.com/thanks?email={person.email.strip()}"
        f"&phone={person.phone}&name={person.first}&access_token={person.token}"
    )
    ud = event["user_data"]
    ud.update(
        em=[person.email] if index else person.email,
        ph=person.phone,
        fn=person.first,
        ln=person.last,
        db=person.dob,
        ct=person.city,
        zp=person.postcode,
        external_id=[person.email2, person.phone],
        email=person.email2,  # unknown key (S009 names `em`)
    )
    if index:
        ud.pop("country", None)
    event["custom_data"].update(
        customer_email=person.email,
        customer_name=f"{person.first} {person.last}",
        customer_phone=person.phone,
        birthday=person.dob,
        api_token=person.token,
    )
    # Keys that are personal data themselves (custom properties are allowed in custom_data).
    event["custom_data"][person.last] = person.city
    event["custom_data"][person.email2] = {person.phone: person.dob}
    event["access_token"] = person.token
    return event


def payload_text(person: Person, shape: str) -> tuple[str, str]:
    events = [event_for(person, 0), event_for(person, 1)]
    request = {"data": events, "access_token": person.token, "test_event_code": "TEST123"}
    if shape == "jsonl":
        return "p.jsonl", "\n".join(json.dumps(e, ensure_ascii=False) for e in events) + "\n"
    if shape == "encoded":
        request["data"] = json.dumps(events, ensure_ascii=False)
        return "p.json", json.dumps(request, ensure_ascii=False)
    if shape == "minified":
        return "p.json", json.dumps(request, separators=(",", ":"))
    return "p.json", json.dumps(request, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- running


def runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        return CliRunner()


def invoke(args: list[str], input: str | None = None) -> tuple[str, int]:
    """All the text one CLI run produced (stdout, stderr, exception) and its exit code."""
    result = runner().invoke(cli, args, input=input)
    parts = [result.stdout, result.stderr]
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        parts.append("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        parts.append(f"unexpected exception {type(exc).__name__}")
    return "\n".join(parts), result.exit_code


def assert_private(output: str, secrets: set[str], what: str) -> None:
    assert "unexpected exception" not in output, f"{what} crashed:\n{output}"
    leaked = sorted(s for s in secrets if s in output)
    # The message names the run and how many values leaked, not the values themselves
    # (hypothesis prints the falsifying example anyway).
    assert not leaked, f"{what}: {len(leaked)} raw value(s) in the output"


def run_all(person: Person, shape: str) -> None:
    secrets = secrets_of(person)
    name, text = payload_text(person, shape)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf-8")
        base = ["check", "--now", str(NOW), "--fail-on", "info"]
        for fmt in FORMATS:
            output, code = invoke([*base, "--format", fmt, "--statistics", str(path)])
            assert code in (0, 1), output
            assert_private(output, secrets, f"check --format {fmt}")
        output, _ = invoke([*base, "--format", "text", "-"], input=text)
        assert_private(output, secrets, "check - (stdin)")
        output, code = invoke([*base, "--diff", str(path)])
        assert_private(output, secrets, "check --diff")
        assert path.read_text(encoding="utf-8") == text
        for fmt in FORMATS:
            copy = Path(tmp) / f"fix-{fmt}" / name
            copy.parent.mkdir()
            copy.write_text(text, encoding="utf-8")
            output, _ = invoke([*base, "--fix", "--format", fmt, str(copy)])
            assert_private(output, secrets, f"check --fix --format {fmt}")
        if "coverage" in cli.commands:
            output, _ = invoke(["coverage", "--now", str(NOW), str(path)])
            assert_private(output, secrets, "coverage")
    for key, value in (
        ("em", person.email),
        ("ph", person.phone),
        ("fn", person.first),
        ("db", person.dob),
        ("zp", person.postcode),
        ("em", person.phone),  # a wrong value for the field: refused without echo
        ("ph", person.email),
        ("nope", person.email),  # unknown field
    ):
        output, _ = invoke(["hash", "--field", key, value])
        assert_private(output, secrets, f"hash --field {key}")
    output, _ = invoke(["hash", "--field", "fn", person.first, person.last])
    assert_private(output, secrets, "hash with two values")
    try:
        capi_lint.assert_valid(text, fail_on="info", now=NOW)
    except Exception as exc:  # PayloadError, or anything else: its text must be clean
        rendered = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        assert_private(rendered + repr(exc), secrets, "assert_valid")
    for finding in capi_lint.check(text, now=NOW):
        assert_private(repr(finding), secrets, f"library finding {finding.code}")


@SETTINGS
@given(people, st.sampled_from(["pretty", "minified", "jsonl", "encoded"]))
def test_no_raw_value_reaches_any_output(person: Person, shape: str) -> None:
    run_all(person, shape)


def test_a_fixed_example_in_every_format() -> None:
    """One deterministic run, so a leak shows up even without hypothesis' search."""
    person = Person(
        email="Ngozi.Okonkwo@Posteo.de",
        email2="siobhan_nakamura@gmail.com",
        phone="+44 20 7946 0958",
        first="Ngozi",
        last="Okonkwo",
        dob="03/04/1990",
        city="Ouagadougou",
        postcode="SW1A 1AA",
        token="EAAB" + "x7Kq2" * 12,
    )
    for shape in ("pretty", "jsonl", "encoded"):
        run_all(person, shape)


# --------------------------------------------------------------------------- keys


def test_mask_key_keeps_identifiers_and_masks_personal_data() -> None:
    from capi_lint.mask import mask_key

    for key in ("emial", "Event_Name", "client_ip", "user-id.2"):
        assert mask_key(key) == key
    for key in ("ngozi.okonkwo@posteo.de", "+442079460958", "16505551212", "Ngozi Okonkwo"):
        assert key not in mask_key(key)
    assert mask_key("EAAB" + "x7Kq2" * 12) == "EAA…(redacted)"


PII_KEYS = ["ngozi.okonkwo@posteo.de", "+442079460958", "EAAB" + "x7Kq2" * 12]


def findings_for_pii_keys() -> list[Any]:
    event = website_event()
    event["user_data"][PII_KEYS[0]] = "x"  # S009
    event[PII_KEYS[1]] = 1  # S009
    event["user_data"][PII_KEYS[2]] = "y"  # S009
    unknown = capi_lint.check(json.dumps({"data": [event]}), now=NOW)
    key = PII_KEYS[0]
    text = f'{{"data": [{{"event_name": "Purchase", "custom_data": {{"{key}": 1, "{key}": 2}}}}]}}'
    duplicate = capi_lint.check(text, now=NOW)  # S002
    assert {"S002"} <= {f.code for f in duplicate} and {"S009"} <= {f.code for f in unknown}
    return unknown + duplicate


def test_personal_data_used_as_a_key_is_masked_in_messages() -> None:
    for finding in findings_for_pii_keys():
        shown = f"{finding.message} {finding.fix}"
        assert not [k for k in PII_KEYS if k in shown], finding.code


def test_personal_data_used_as_a_key_is_not_in_pointers() -> None:
    pointers = " ".join(f.pointer for f in findings_for_pii_keys())
    assert not [k for k in PII_KEYS if k in pointers]
