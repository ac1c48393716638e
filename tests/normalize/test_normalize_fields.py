"""Per-field behaviour beyond the oracle cases: regions, types, layouts, edges."""

from __future__ import annotations

import threading

import pytest

from capi_lint.normalize import (
    FIELDS,
    REASONS,
    REGION_FIELDS,
    NormalizationError,
    NormalizationTypeError,
    canonical_region,
    hash_value,
    normalize,
    normalize_or_reason,
)


def reason(field: str, value: object, region: str | None = None) -> str | None:
    return normalize_or_reason(field, value, region)[1]  # type: ignore[arg-type]


# (field, value, region) -> expected normalised value, or "!<reason>"
CASES = [
    # --- em
    ("em", "X@xn--exmple-cua.de", None, "x@exämple.de"),  # punycode -> Unicode domain
    ("em", "user@ＥＸＡＭＰＬＥ.com", None, "user@example.com"),
    ("em", "a@b.co", None, "a@b.co"),
    ("em", "first.last@sub.example.co.uk", None, "first.last@sub.example.co.uk"),
    ("em", "JOSE\u0301@EXAMPLE.COM", None, "josé@example.com"),
    ("em", "x@example.test", None, "!invalid-email"),  # special-use domain
    ("em", "x@[192.0.2.1]", None, "!invalid-email"),
    ("em", '"a b"@example.com', None, "!invalid-email"),
    ("em", "x..y@example.com", None, "!invalid-email"),
    ("em", "John Smith <john@example.com>", None, "!invalid-email"),
    # --- ph with a region
    ("ph", "(650)555-1212", "US", "16505551212"),
    ("ph", "650.555.1212", "us", "16505551212"),
    ("ph", "16505551212", "US", "16505551212"),
    ("ph", "020 7946 0958", "GB", "442079460958"),
    ("ph", "020 7946 0958", "uk", "442079460958"),  # UK alias for GB
    ("ph", "0612345678", "FR", "33612345678"),
    ("ph", "011 44 20 7946 0958", "US", "442079460958"),  # US international prefix
    ("ph", "442079460958", "US", "442079460958"),  # already international
    ("ph", "0171/1234567", "DE", "491711234567"),
    ("ph", "555-1212", "US", "!invalid-phone"),  # no area code
    ("ph", "1-800-FLOWERS", "US", "!invalid-phone"),  # letters are not converted
    ("ph", "6505551212", "AQ", "!no-country-code"),  # region without a numbering plan
    # --- ph international forms
    ("ph", "+49 (0)30 1234567", None, "49301234567"),
    ("ph", "0049 30 12345678", None, "493012345678"),
    ("ph", "+39 06 1234 5678", None, "390612345678"),  # Italian leading zero kept
    ("ph", "(+44) 20 7946 0958", None, "442079460958"),
    ("ph", "+1 650 555 1212 x12", None, "16505551212"),
    ("ph", "+1 (650) 555-1212 #34", None, "16505551212"),
    ("ph", "tel:+1-650-555-1212;ext=12", None, "16505551212"),
    ("ph", "TEL:+16505551212", None, "16505551212"),
    ("ph", "+٩٧١٥٠١٢٣٤٥٦٧", None, "971501234567"),  # Arabic-Indic digits
    ("ph", "+1 650–555–1212", None, "16505551212"),  # en dashes
    ("ph", "+1 555 555 5555", None, "!invalid-phone"),  # no such area code
    ("ph", "+12", None, "!invalid-phone"),
    ("ph", "+123456789012345678", None, "!invalid-phone"),
    ("ph", "+1 650 555 1212 +1", None, "!invalid-phone"),
    ("ph", "phone: 6505551212", None, "!invalid-phone"),
    ("ph", 16505551212, None, "16505551212"),  # int accepted for ph
    # --- names
    ("fn", "Anne Marie", None, "annemarie"),
    ("fn", "İsmail", None, "i̇smail"),  # str.lower, as JavaScript toLowerCase
    ("fn", "ß", None, "ß"),  # lower, not casefold
    ("fn", "ÉLODIE", None, "élodie"),
    ("fn", "देवनागरी", None, "देवनागरी"),  # combining marks are kept
    ("fn", "Ｊｏｈｎ", None, "ｊｏｈｎ"),  # NFC only: full-width letters stay
    ("fn", "John3", None, "john3"),
    ("fn", "---", None, "!empty-after-normalisation"),
    ("fn", "\u200e\u00ad", None, "!empty-after-normalisation"),  # bidi mark, soft hyphen
    ("f5first", "Mary Ann", None, "marya"),
    ("f5last", "O'Neill-Smith", None, "oneil"),
    ("fi", "élodie", None, "é"),
    ("fi", "...", None, "!empty-after-normalisation"),
    # --- ct
    ("ct", "NEW YORK", None, "newyork"),
    ("ct", "Cinco-de-Mayo 2", None, "cincodemayo"),
    ("ct", "서울", None, "서울"),
    ("ct", "!!", None, "!empty-after-normalisation"),
    # --- st
    ("st", "California", "US", "ca"),
    ("st", "ca", "us", "ca"),
    ("st", " C.A. ", "US", "ca"),
    ("st", "District of Columbia", "US", "dc"),
    ("st", "Washington DC", "US", "dc"),
    ("st", "Puerto Rico", "US", "pr"),
    ("st", "Virgin Islands, U.S.", "US", "vi"),
    ("st", "US-CA", "US", "ca"),
    ("st", "us-ny", None, "ny"),
    ("st", "US-XX", "US", "!unknown-us-state"),
    ("st", "Calif.", "US", "!unknown-us-state"),
    ("st", "06", "US", "!unknown-us-state"),
    ("st", "NSW", "US", "!unknown-us-state"),
    ("st", "New York", "GB", "newyork"),  # not US: no mapping
    ("st", "California", "CA", "california"),
    ("st", "Île-de-France", "FR", "îledefrance"),
    ("st", "13", "JP", "!empty-after-normalisation"),
    ("st", "Georgia", None, "ga"),  # no region: US state names map
    # --- zp
    ("zp", "94025-1234", "US", "94025"),
    ("zp", "940251234", "US", "94025"),
    ("zp", "94025", "us", "94025"),
    ("zp", "1234", "US", "!invalid-zip"),  # lost leading zero: never padded
    ("zp", "SW1A 1AA", "US", "!invalid-zip"),
    ("zp", "M1 1AE", "GB", "m11ae"),  # Meta's UK example
    ("zp", "m1 1ae", None, "m11ae"),
    ("zp", "94025 1234", "GB", "940251234"),  # not US: no ZIP+4 cut
    ("zp", "01310-100", None, "01310100"),  # Brazilian CEP
    ("zp", "９４０２５", None, "94025"),
    ("zp", "---", None, "!empty-after-normalisation"),
    ("zp", 94025, None, "94025"),  # int accepted for zp
    # --- country
    ("country", "United Kingdom", None, "gb"),
    ("country", "united states of america", None, "us"),
    ("country", "South Korea", None, "kr"),
    ("country", "Cote d'Ivoire", None, "ci"),
    ("country", "Côte d'Ivoire", None, "ci"),
    ("country", "The Netherlands", None, "nl"),
    ("country", "Türkiye", None, "tr"),
    ("country", "Turkey", None, "tr"),
    ("country", "u.s.a.", None, "us"),
    ("country", "ＵＳ", None, "us"),
    ("country", "England", None, "gb"),
    ("country", "DEU", None, "de"),
    ("country", "840", None, "!unknown-country"),  # numeric codes rejected
    ("country", "Deutschland", None, "!unknown-country"),
    ("country", "EU", None, "!unknown-country"),
    ("country", "...", None, "!unknown-country"),
    # --- db
    ("db", "2/16/1997", None, "19970216"),
    ("db", "16/2/1997", None, "19970216"),
    ("db", "16-02-1997", None, "19970216"),
    ("db", "1997/02/16", None, "19970216"),
    ("db", "1997.2.16", None, "19970216"),
    ("db", "1997-02-16T00:00:00Z", None, "19970216"),
    ("db", "1997-02-16 10:30:00+02:00", None, "19970216"),
    ("db", "16 Feb 1997", None, "19970216"),
    ("db", "16th February 1997", None, "19970216"),
    ("db", "February 16, 1997", None, "19970216"),
    ("db", "Sept. 5, 1997", None, "19970905"),
    ("db", "1997-Feb-16", None, "19970216"),
    ("db", "２/１６/１９９７", None, "19970216"),
    ("db", 19970216, None, "19970216"),
    ("db", "12/12/1990", None, "19901212"),  # same day and month: unambiguous
    ("db", "03/04/1990", None, "!ambiguous-date"),
    ("db", "03.04.1990", None, "!ambiguous-date"),  # separator does not decide
    ("db", "03/04/1990", "US", "!ambiguous-date"),  # neither does the region
    ("db", "2/16/97", None, "!ambiguous-date"),  # two-digit year
    ("db", "Feb 16 97", None, "!ambiguous-date"),
    ("db", "Feb 1997", None, "!incomplete-date"),
    ("db", "1990-5", None, "!incomplete-date"),
    ("db", "5/1990", None, "!incomplete-date"),
    ("db", "1990-02-30", None, "!invalid-date"),
    ("db", "2023-02-29", None, "!invalid-date"),
    ("db", "2024-02-29", None, "20240229"),
    ("db", "0/5/1990", None, "!invalid-date"),
    ("db", "13/13/1990", None, "!invalid-date"),
    ("db", "32/01/1990", None, "!invalid-date"),
    ("db", "1990/01-15", None, "!invalid-date"),  # mixed separators
    ("db", "abc1990", None, "!invalid-date"),
    ("db", "16 Foo 1997", None, "!invalid-date"),
    ("db", "1899-12-31", None, "!year-out-of-range"),
    ("db", "3000-01-01", None, "30000101"),  # the future is the rule's business
    # --- dob parts
    ("dobd", "٣", None, "03"),
    ("dobd", "31", None, "31"),
    ("dobd", "001", None, "!invalid-day"),
    ("dobm", "12", None, "12"),
    ("dobm", "Sept.", None, "09"),
    ("dobm", "december", None, "12"),
    ("dobm", "0", None, "!invalid-month"),
    ("doby", "1899", None, "!year-out-of-range"),
    ("doby", 1990, None, "1990"),
    # --- ge
    ("ge", "F.", None, "f"),
    ("ge", " MALE ", None, "m"),
    ("ge", "Woman", None, "f"),
    ("ge", "man", None, "m"),
    ("ge", "1", None, "!invalid-gender"),
    ("ge", "unknown", None, "!invalid-gender"),
    ("ge", "mf", None, "!invalid-gender"),
    # --- external_id
    ("external_id", "  AbC-123 ", None, "abc-123"),
    ("external_id", "a b", None, "a b"),  # inner characters are opaque
    ("external_id", "550E8400E29B41D4A716446655440000", None, "550e8400e29b41d4a716446655440000"),
    ("external_id", 12345, None, "12345"),
    ("external_id", "A" * 64, None, "!already-hashed"),
    ("external_id", "a" * 64 + ".AQ", None, "!already-hashed"),
    # --- already hashed, every field
    ("fn", "a" * 64, None, "!already-hashed"),
    ("ct", "A" * 64 + ".AQQCAQMC", None, "!already-hashed"),
    ("zp", "1" * 32, None, "!already-hashed"),
    ("ln", "b" * 40, None, "!already-hashed"),
    ("st", "c" * 128, None, "!already-hashed"),
    ("db", "a" * 64 + ".bad suffix", None, "!already-hashed"),
]


@pytest.mark.parametrize(("field", "value", "region", "expected"), CASES)
def test_field_case(field: str, value: object, region: str | None, expected: str) -> None:
    result, why = normalize_or_reason(field, value, region)  # type: ignore[arg-type]
    if expected.startswith("!"):
        assert (result, why) == (None, expected[1:])
    else:
        assert (result, why) == (expected, None)


def test_field_list_and_region_fields() -> None:
    assert {
        "em",
        "ph",
        "fn",
        "ln",
        "ge",
        "db",
        "ct",
        "st",
        "zp",
        "country",
        "external_id",
        "f5first",
        "f5last",
        "fi",
        "dobd",
        "dobm",
        "doby",
    } == FIELDS
    assert REGION_FIELDS < FIELDS


@pytest.mark.parametrize("field", sorted(FIELDS))
@pytest.mark.parametrize("value", ["", "   ", "\t\n"])
def test_blank_values(field: str, value: str) -> None:
    assert reason(field, value) == "empty"


@pytest.mark.parametrize("field", sorted(FIELDS))
@pytest.mark.parametrize("value", [None, True, 1.5, b"abc", ["a"], {"a": 1}])
def test_wrong_types(field: str, value: object) -> None:
    with pytest.raises(NormalizationTypeError) as info:
        normalize(field, value)  # type: ignore[arg-type]
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, ValueError)
    assert info.value.reason == "not-a-string"
    assert info.value.field == field
    assert reason(field, value) == "not-a-string"


@pytest.mark.parametrize("field", ["em", "fn", "ln", "ct", "st", "country", "ge", "fi"])
def test_ints_only_where_documented(field: str) -> None:
    assert reason(field, 12345678) == "not-a-string"


def test_unknown_field_names_field_not_value() -> None:
    with pytest.raises(ValueError, match="'email'") as info:
        normalize("email", "secret.person@example.com")
    assert "secret" not in str(info.value)
    assert not isinstance(info.value, NormalizationError)
    with pytest.raises(ValueError):
        normalize_or_reason("currency", "USD")


@pytest.mark.parametrize("region", ["xx", "", "USA", "U", "eu"])
def test_unknown_region(region: str) -> None:
    with pytest.raises(ValueError, match="unknown region"):
        normalize("ph", "+16505551212", region)


def test_region_type() -> None:
    with pytest.raises(TypeError):
        normalize("ph", "+16505551212", 1)  # type: ignore[arg-type]


def test_canonical_region() -> None:
    assert canonical_region(None) is None
    assert canonical_region(" us ") == "US"
    assert canonical_region("uk") == "GB"
    assert canonical_region("De") == "DE"


def test_region_ignored_by_other_fields() -> None:
    assert normalize("fn", "Mary", "FR") == "mary"
    assert normalize("db", "2/16/1997", "GB") == "19970216"


def test_error_attributes_and_message() -> None:
    with pytest.raises(NormalizationError) as info:
        normalize("ph", "(650) 555-1212")
    err = info.value
    assert err.field == "ph"
    assert err.reason == "no-country-code"
    assert str(err) == f"ph: {REASONS['no-country-code']} (no-country-code)"
    assert err.__cause__ is None and err.__context__ is None


def test_error_is_picklable() -> None:
    import pickle

    err = pickle.loads(pickle.dumps(NormalizationError("em", "invalid-email")))
    assert (err.field, err.reason) == ("em", "invalid-email")
    terr = pickle.loads(pickle.dumps(NormalizationTypeError("ph")))
    assert isinstance(terr, TypeError) and terr.reason == "not-a-string"


def test_unknown_reason_slug_is_a_bug() -> None:
    with pytest.raises(ValueError):
        NormalizationError("em", "no-such-reason")


def test_reason_descriptions_have_no_digits_or_at() -> None:
    for slug, text in REASONS.items():
        assert not any(ch.isdigit() for ch in slug + text), slug
        assert "@" not in text


def test_hash_value_is_lowercase_sha256_of_normalised_utf8() -> None:
    import hashlib

    digest = hash_value("ct", "Zürich")
    assert digest == hashlib.sha256("zürich".encode()).hexdigest()
    assert digest == digest.lower() and len(digest) == 64


def test_hash_value_raises_like_normalize() -> None:
    with pytest.raises(NormalizationError):
        hash_value("ct", "94025")


def test_thread_safety_same_answers() -> None:
    inputs = [(f, v, r) for f, v, r, _ in CASES]
    expected = [normalize_or_reason(f, v, r) for f, v, r in inputs]  # type: ignore[arg-type]
    failures: list[object] = []

    def work() -> None:
        for _ in range(3):
            got = [normalize_or_reason(f, v, r) for f, v, r in inputs]  # type: ignore[arg-type]
            if got != expected:
                failures.append(got)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
