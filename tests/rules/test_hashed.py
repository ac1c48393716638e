"""H rules: hashing of user_data in both PII modes."""

from __future__ import annotations

import hashlib
import json

import pytest
from helpers import DROP, app_event, body, codes, lint, pointers, sha, store_event, user_data
from helpers import website_event as web

from capi_lint.hashing import EMPTY_SHA256

H = ["H"]
E = sha("john_smith@gmail.com")


@pytest.mark.parametrize("builder", [web, app_event, store_event])
def test_builders_are_clean(builder) -> None:
    assert codes(body(builder(), builder(), builder()), select=H) == []


def test_raw_values_in_hashed_mode() -> None:
    event = web(user_data=user_data(em=[E, "John@Example.com"], ph="+1 650 555 1212", ge="f"))
    assert pointers(body(event), "H001", select=["H001"]) == [
        "/data/0/user_data/em/1",
        "/data/0/user_data/ph",
        "/data/0/user_data/ge",
    ]


@pytest.mark.parametrize(
    "value",
    [E, E + ".AQ", E + ".Bg", E + ".AQAAAAAB", E + ".a-_9ZZzz"],
)
def test_valid_hash_forms_pass_h001(value: str) -> None:
    event = web(user_data=user_data(em=value, fn=value))
    assert codes(body(event), select=H) == []


def test_whitespace_around_a_hash_is_h001_with_its_own_message() -> None:
    (finding,) = lint(body(web(user_data=user_data(fn=f" {sha('john')}"))), select=["H001"])
    assert "whitespace" in finding.message and "strip" in (finding.fix or "")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (E.upper(), "H002"),
        (E[:20] + E[20:].upper() + ".AQ", "H002"),
        (hashlib.md5(b"x").hexdigest(), "H003"),
        (hashlib.sha1(b"x").hexdigest(), "H003"),
        (hashlib.sha512(b"x").hexdigest().upper(), "H003"),
        (hashlib.md5(b"x").hexdigest() + ".AQ", "H003"),
        (EMPTY_SHA256, "H004"),
        (EMPTY_SHA256 + ".AQ", "H004"),
        (sha("undefined"), "H005"),
        (sha("[object object]"), "H005"),
        (E + ".toolong", "H008"),
        (E + ".", "H008"),
    ],
)
def test_digest_shapes_in_a_hashed_field(value: str, code: str) -> None:
    assert codes(body(web(user_data=user_data(ln=value))), select=H) == [code]


def test_external_id_any_hex_length_is_not_h003() -> None:
    event = web(user_data=user_data(external_id=hashlib.md5(b"crm-1").hexdigest()))
    assert codes(body(event), select=["H003"]) == []
    assert codes(body(event), select=["H007"]) == ["H007"]


def test_external_id_uppercase_empty_and_placeholder_hashes() -> None:
    event = web(user_data=user_data(external_id=[E.upper(), EMPTY_SHA256, sha("null")]))
    found = {(f.code, f.pointer) for f in lint(body(event), select=H)}
    assert found == {
        ("H002", "/data/0/user_data/external_id/0"),
        ("H004", "/data/0/user_data/external_id/1"),
        ("H005", "/data/0/user_data/external_id/2"),
    }


@pytest.mark.parametrize(("key", "value"), [("country", "na"), ("fn", "nan"), ("ln", "na")])
def test_placeholders_that_are_genuine_values(key: str, value: str) -> None:
    assert codes(body(web(user_data=user_data(**{key: sha(value)}))), select=H) == []


def test_never_hash_keys() -> None:
    ud = user_data(
        client_ip_address=sha("31.13.64.35"),
        subscription_id="6d92078a82464ba4ae5b76104861e7dc",  # dash-less UUID: not a digest
        anon_id=hashlib.md5(b"install").hexdigest(),
        page_id="1" * 32,  # all digits: an ID, not a digest
    )
    assert pointers(body(web(user_data=ud)), "H006", select=["H006"]) == [
        "/data/0/user_data/client_ip_address",
        "/data/0/user_data/anon_id",
    ]


def test_h006_runs_in_raw_mode_too() -> None:
    event = web(user_data=user_data(fbp=sha("x")))
    assert codes(body(event), select=["H006"], pii="raw") == ["H006"]


def test_inconsistent_hashing_once_per_field_at_the_later_value() -> None:
    payload = body(
        web(user_data=user_data(em=[E], external_id="crm-1")),
        web(user_data=user_data(em=["john_smith@gmail.com"], external_id="crm-2")),
        web(user_data=user_data(em=["other@example.com"], external_id=sha("crm-3"))),
    )
    findings = lint(payload, select=["H009"])
    assert [(f.pointer, f.event_index) for f in findings] == [
        ("/data/1/user_data/em/0", 1),
        ("/data/2/user_data/external_id", 2),
    ]
    assert "event 0" in findings[0].message


def test_inconsistent_hashing_within_one_event() -> None:
    event = web(user_data=user_data(em=[E, "john_smith@gmail.com"]))
    findings = lint(body(event), select=["H009"])
    assert [f.pointer for f in findings] == ["/data/0/user_data/em/1"]
    assert "earlier in this event" in findings[0].message


def test_inconsistent_hashing_over_json_lines() -> None:
    lines = [web(user_data=user_data(ct="menlopark")), web()]
    text = "".join(json.dumps(e) + "\n" for e in lines)
    assert pointers(text, "H009", select=["H009"]) == ["/user_data/ct"]


def test_inconsistent_hashing_raw_mode_checks_external_id_only() -> None:
    payload = body(
        web(user_data=user_data(em="john_smith@gmail.com", external_id="crm-1")),
        web(user_data=user_data(em=[E], external_id=sha("crm-2"))),
    )
    assert pointers(payload, "H009", select=["H009"], pii="raw") == [
        "/data/1/user_data/external_id"
    ]


def test_value_sets() -> None:
    payload = body(
        web(user_data=user_data(ge=sha("female"), country=sha("gb"))),
        web(user_data=user_data(ge=sha("f") + ".AQ", country=sha("GB"))),
    )
    findings = lint(payload, select=["H010"])
    assert [f.pointer for f in findings] == ["/data/0/user_data/ge", "/data/1/user_data/country"]
    assert "full word" in findings[0].message
    assert "uppercase country code" in findings[1].message


def test_us_state_hashes_only_with_the_option() -> None:
    event = web(user_data=user_data(st=sha("california")))
    assert codes(body(event), select=["H010"]) == []
    opts = {"H010": {"check-us-states": True}}
    assert codes(body(event), select=["H010"], options=opts) == ["H010"]
    foreign = web(user_data=user_data(st=sha("bayern"), country=sha("de")))
    assert codes(body(foreign), select=["H010"], options=opts) == []


@pytest.mark.parametrize(
    ("value", "flagged"),
    [
        ("anna.berg@gmail.com", True),
        ("+44 20 7946 0958", True),
        ("+16505551212", True),
        ("16505551212", False),
        ("6d92078a-8246-4ba4-ae5b-76104861e7dc", False),
        ("cust-anna-01", False),
        ("user@localhost", False),
    ],
)
def test_pii_in_external_id(value: str, flagged: bool) -> None:
    event = web(user_data=user_data(external_id=value))
    assert codes(body(event), select=["H011"]) == (["H011"] if flagged else [])


def test_raw_mode_expects_raw_values() -> None:
    raw = user_data(
        em="John_Smith@gmail.com",
        ph="+1 650 555 1212",
        fn=" " + sha("john"),
        ln=sha("smith").upper(),
        ct="Menlo Park",
        external_id="crm-1",
    )
    found = {(f.code, f.pointer) for f in lint(body(web(user_data=raw)), select=H, pii="raw")}
    assert found == {
        ("H012", "/data/0/user_data/fn"),
        ("H012", "/data/0/user_data/ln"),
        ("H012", "/data/0/user_data/st"),
        ("H012", "/data/0/user_data/zp"),
        ("H012", "/data/0/user_data/country"),
    }


def test_raw_mode_leaves_hashed_builders_to_h012_only() -> None:
    found = {f.code for f in lint(body(web()), select=H, pii="raw")}
    assert found == {"H012"}


def test_hashed_mode_never_reports_h012() -> None:
    event = web(user_data=user_data(em="john_smith@gmail.com"))
    assert "H012" not in codes(body(event))


def test_missing_user_data_does_not_crash() -> None:
    payload = body(web(user_data=DROP), web(user_data=None), web(user_data=[1, 2]))
    assert codes(payload, select=H) == []


def test_no_raw_pii_in_h_messages() -> None:
    email, phone, name, dob = "Ngozi.Okonkwo@Posteo.de", "+44 20 7946 0958", "Okonkwo", "03/04/1990"
    raw = user_data(
        em=[email], ph=phone, ln=name, fn=f"{name} ", db=dob, external_id=[email, phone]
    )
    for mode in ("hashed", "raw"):
        payload = body(web(user_data=raw), web())
        for finding in lint(payload, select=H, pii=mode):
            text = f"{finding.message} {finding.fix or ''}"
            for secret in (email, email.lower(), phone, "442079460958", name, name.lower(), dob):
                assert secret not in text, (mode, finding.code)
