"""N rules: raw values judged against Meta's normalisation, with masked results."""

from __future__ import annotations

import pytest
from helpers import NOW, app_event, body, codes, lint, pointers, sha, store_event, user_data
from helpers import website_event as web

N = ["N"]


def raw(**overrides):
    """user_data with raw, already normalised values (a `--pii raw` fixture)."""
    values = {
        "em": ["john_smith@gmail.com"],
        "ph": ["16505551212"],
        "fn": "john",
        "ln": "smith",
        "ct": "menlopark",
        "st": "ca",
        "zp": "94025",
        "country": "us",
        "external_id": ["user-1"],
    }
    values.update(overrides)
    return user_data(**values)


def raw_codes(**overrides) -> list[str]:
    return codes(body(web(user_data=raw(**overrides))), select=N, pii="raw")


@pytest.mark.parametrize("builder", [web, app_event, store_event])
def test_hashed_builders_are_clean(builder) -> None:
    assert codes(body(builder()), select=N) == []
    assert codes(body(builder()), select=N, pii="raw") == []


def test_normalised_raw_values_are_clean() -> None:
    assert raw_codes() == []
    assert raw_codes(ge="f", db="19970216", dobd="16", dobm="02", doby="1997") == []


def test_hashed_mode_judges_the_values_h001_reports() -> None:
    event = web(user_data=user_data(em=[sha("a@b.co"), "mailto:john@example.com"], fn="John"))
    found = {(f.code, f.pointer) for f in lint(body(event), select=["H001", "N"])}
    assert found == {
        ("H001", "/data/0/user_data/em/1"),
        ("N001", "/data/0/user_data/em/1"),
        ("H001", "/data/0/user_data/fn"),
        ("N010", "/data/0/user_data/fn"),
    }


def test_digests_are_never_judged() -> None:
    assert raw_codes(fn=" " + sha("john"), ln=sha("smith").upper()) == []


def test_phone_without_country_code_and_no_region_is_not_guessed() -> None:
    event = web(user_data=raw(ph="(650) 555-1212", country=None))
    (finding,) = lint(body(event), select=N, pii="raw")
    assert finding.code == "N002"
    assert "no region is known" in finding.message
    assert "normalise to" not in finding.message


def test_phone_region_from_default_region() -> None:
    event = web(user_data=raw(ph="(650) 555-1212", country=None))
    (finding,) = lint(body(event), select=N, pii="raw", default_region="US")
    assert finding.code == "N002"
    assert "read as a US number it would normalise to *******1212" in finding.message


def test_phone_region_from_the_events_country_wins() -> None:
    event = web(user_data=raw(ph="020 7946 0958", country="GB", st=None, zp=None))
    findings = lint(body(event), select=["N002"], pii="raw", default_region="US")
    assert ["GB number" in f.message for f in findings] == [True]


def test_phone_region_from_a_hashed_country() -> None:
    event = web(user_data=user_data(ph="020 7946 0958", country=sha("gb")))
    (finding,) = lint(body(event), select=["N002"])
    assert "GB number" in finding.message


def test_conflicting_countries_fall_back_to_the_default_region() -> None:
    event = web(user_data=raw(ph="(650) 555-1212", country=["us", "gb"]))
    (finding,) = lint(body(event), select=["N002"], pii="raw")
    assert "no region is known" in finding.message


def test_unknown_default_region_is_ignored() -> None:
    event = web(user_data=raw(ph="(650) 555-1212", country=None))
    (finding,) = lint(body(event), select=["N002"], pii="raw", default_region="XX")
    assert "no region is known" in finding.message


@pytest.mark.parametrize(
    "phone", ["+1 650 555 1212", "001 650 555 1212", "16505551212", "+39 06 6982 1234"]
)
def test_international_numbers_pass(phone: str) -> None:
    assert raw_codes(ph=phone) == []


def test_trunk_zero_after_the_country_code() -> None:
    assert raw_codes(ph="+44 (0)20 7946 0958") == ["N002"]


def test_phone_junk_is_info() -> None:
    (finding,) = lint(body(web(user_data=raw(ph="+1 650 555 1212 x12"))), select=N, pii="raw")
    assert (finding.code, finding.severity.value) == ("N003", "info")


def test_state_in_us_context_from_default_region() -> None:
    event = web(user_data=raw(st="California", country=None, zp=None))
    assert codes(body(event), select=N, pii="raw", default_region="US") == ["N004"]
    event = web(user_data=raw(st="Ontario", country=None, zp=None))
    assert codes(body(event), select=N, pii="raw", default_region="US") == ["N004"]
    assert codes(body(event), select=N, pii="raw") == ["N010"]


def test_five_digit_zip_alone_is_not_us_context() -> None:
    event = web(user_data=raw(st="berlin", zp="10115", country=None))
    assert codes(body(event), select=N, pii="raw") == []


def test_country_names() -> None:
    assert raw_codes(country="Deutschland") == ["N005"]
    assert raw_codes(country="DE", st="be", zp="10115", ph="+4930901820") == ["N010"]


def test_date_of_birth_after_the_reference_time() -> None:
    event = web(user_data=raw(db="20250101"))
    assert codes(body(event), select=N, pii="raw") == []
    assert codes(body(event), select=N, pii="raw", now=1_700_000_000) == ["N006"]
    assert NOW > 1_735_689_600  # 2025-01-01


def test_n010_is_suppressed_when_another_n_rule_reports_the_value() -> None:
    assert raw_codes(country="USA") == ["N005"]
    assert raw_codes(ge="Male") == ["N007"]
    assert raw_codes(zp="94025 1234") == ["N008"]


def test_nfc_and_case_together() -> None:
    assert raw_codes(fn="Jose\u0301") == ["N009"]


def test_city_that_normalises_to_nothing() -> None:
    findings = lint(body(web(user_data=raw(ct="94025"))), select=N, pii="raw")
    assert [(f.code, f.pointer) for f in findings] == [("N010", "/data/0/user_data/ct")]
    assert "nothing" in findings[0].message


def test_list_values_point_at_the_item() -> None:
    event = web(user_data=raw(em=["john@example.com", "John@Example.com"]))
    assert pointers(body(event), "N010", select=N, pii="raw") == ["/data/0/user_data/em/1"]


def test_normalised_forms_are_masked() -> None:
    event = web(user_data=raw(em=["John_Smith@Gmail.com"], fn="Mary-Ann"))
    for finding in lint(body(event), select=N, pii="raw"):
        assert "john_smith@gmail.com" not in finding.message
        assert "maryann" not in finding.message
        assert "would normalise to" in finding.message


def test_no_raw_pii_in_n_messages() -> None:
    email, phone, name, dob = (
        "Ngozi.Okonkwo@Posteo.de",
        "020 7946 0958",
        "Ó Súilleabháin",
        "1990-04-03",
    )
    secrets = {
        email,
        email.lower(),
        phone,
        "02079460958",
        "442079460958",
        name,
        "ósúilleabháin",
        dob,
        "19900403",
    }
    events = [
        web(user_data=raw(em=[f"mailto:{email}", email], ph=phone, ln=name, fn=f"{name}!", db=dob)),
        web(user_data=raw(ph=[phone, f"+44 (0){phone[1:]}"], country="gb", ct=name, db=f" {dob}")),
        web(user_data=raw(em=email.upper(), ph=f"tel:{phone};ext=12", st=name, zp="SW1A 1AA")),
    ]
    for mode in ("hashed", "raw"):
        for region in (None, "GB"):
            config = {"default_region": region} if region else {}
            findings = lint(body(*events), select=N, pii=mode, **config)
            assert {f.code for f in findings} >= {"N001", "N002", "N003", "N006", "N010"}
            for finding in findings:
                text = f"{finding.message} {finding.fix or ''}"
                leaked = [s for s in secrets if s in text]
                assert not leaked, (mode, region, finding.code)
