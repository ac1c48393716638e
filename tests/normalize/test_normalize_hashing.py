"""capi_lint.hashing: hash-shape classification and the closed hash sets."""

from __future__ import annotations

import hashlib

import pytest

from capi_lint import hashing
from capi_lint.hashing import (
    EMPTY_SHA256,
    GENDER_HASHES,
    PLACEHOLDER_HASHES,
    HashKind,
    appendix_part,
    classify,
    country_from_hash,
    country_hashes,
    hash_part,
    is_valid_hash,
    sha256_hex,
    us_state_hashes,
)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


H = sha("john_smith@gmail.com")  # 64 lowercase hex
assert H == "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"
DIGITS64 = "1" * 64
MD5 = hashlib.md5(b"x").hexdigest()
SHA1 = hashlib.sha1(b"x").hexdigest()
SHA512 = hashlib.sha512(b"x").hexdigest()

KIND_CASES = [
    # SHA256
    (H, HashKind.SHA256),
    (DIGITS64, HashKind.SHA256),
    (EMPTY_SHA256, HashKind.SHA256),
    # SHA256 + param-builder appendix (2 or 8 base64url characters)
    (H + ".AQ", HashKind.SHA256_APPENDIX),
    (H + ".Bg", HashKind.SHA256_APPENDIX),
    (H + ".AQQCAQMC", HashKind.SHA256_APPENDIX),
    (H + ".a-_b-_c9", HashKind.SHA256_APPENDIX),
    # other suffixes
    (H + ".", HashKind.SHA256_BAD_APPENDIX),
    (H + ".A", HashKind.SHA256_BAD_APPENDIX),
    (H + ".AQQ", HashKind.SHA256_BAD_APPENDIX),
    (H + ".AQQCAQMCX", HashKind.SHA256_BAD_APPENDIX),
    (H + ".AQ==", HashKind.SHA256_BAD_APPENDIX),
    (H + ".A+", HashKind.SHA256_BAD_APPENDIX),
    (H + ". AQ", HashKind.SHA256_BAD_APPENDIX),
    (H + ".AQ.AQ", HashKind.SHA256_BAD_APPENDIX),
    (H + ".AQ\n", HashKind.SHA256_BAD_APPENDIX),
    # uppercase hex, with or without a suffix
    (H.upper(), HashKind.UPPERCASE_SHA256),
    ("A" + H[1:], HashKind.UPPERCASE_SHA256),
    (H.upper() + ".AQ", HashKind.UPPERCASE_SHA256),
    (H.upper() + ".whatever", HashKind.UPPERCASE_SHA256),
    # other digests
    (MD5, HashKind.MD5),
    (MD5.upper(), HashKind.MD5),
    (MD5 + ".AQQAAQMC", HashKind.MD5),  # param builder passes MD5 through
    (SHA1, HashKind.SHA1),
    (SHA1 + ".AQ", HashKind.SHA1),
    (SHA512, HashKind.SHA512),
    (SHA512.upper(), HashKind.SHA512),
    # not hashes
    ("", HashKind.NOT_HASH),
    ("john@example.com", HashKind.NOT_HASH),
    ("16505551212", HashKind.NOT_HASH),
    (H[:63], HashKind.NOT_HASH),
    (H + "0", HashKind.NOT_HASH),  # 65 hex
    (H[:63] + "g", HashKind.NOT_HASH),
    (" " + H, HashKind.NOT_HASH),  # never trimmed
    (H + " ", HashKind.NOT_HASH),
    (H + "\n", HashKind.NOT_HASH),
    (MD5 + ".bad suffix", HashKind.NOT_HASH),
    (MD5 + "0", HashKind.NOT_HASH),  # 33 hex
    ("." + H, HashKind.NOT_HASH),
    ("fb.1.1596403881668.1116446470", HashKind.NOT_HASH),
    ("０" * 64, HashKind.NOT_HASH),  # full-width digits are not hex
    ("٣" * 64, HashKind.NOT_HASH),  # nor are Arabic-Indic digits
]


@pytest.mark.parametrize(("value", "kind"), KIND_CASES, ids=lambda v: ascii(v)[:24])
def test_classify(value: str, kind: HashKind) -> None:
    assert classify(value) is kind


@pytest.mark.parametrize("value", [None, 1, 1.0, ["a"], b"a" * 64])
def test_classify_non_strings(value: object) -> None:
    assert classify(value) is HashKind.NOT_HASH  # type: ignore[arg-type]
    assert hash_part(value) is None  # type: ignore[arg-type]
    assert not is_valid_hash(value)  # type: ignore[arg-type]


def test_every_kind_has_a_positive_and_a_negative_case() -> None:
    for kind in HashKind:
        assert any(k is kind for _, k in KIND_CASES), kind
        assert any(k is not kind for _, k in KIND_CASES), kind


@pytest.mark.parametrize(("value", "kind"), KIND_CASES, ids=lambda v: ascii(v)[:24])
def test_is_valid_hash(value: str, kind: HashKind) -> None:
    assert is_valid_hash(value) is (kind in (HashKind.SHA256, HashKind.SHA256_APPENDIX))


def test_hash_part_and_appendix_part() -> None:
    assert hash_part(H) == H
    assert hash_part(H + ".AQ") == H
    assert hash_part(H + ".odd suffix") == H
    assert hash_part(H.upper() + ".AQ") == H.upper()  # kept as written
    assert hash_part(MD5) is None
    assert hash_part(H + "0") is None
    assert hash_part("x" + H[1:]) is None
    assert hash_part(H[:30] + "." + H[:33]) is None  # 64 chars but not 64 hex
    assert hash_part("john@example.com") is None
    assert appendix_part(H) is None
    assert appendix_part(H + ".AQQCAQMC") == "AQQCAQMC"
    assert appendix_part(H + ".") == ""
    assert appendix_part("not a hash") is None


def test_sha256_hex_and_empty() -> None:
    assert sha256_hex("") == EMPTY_SHA256
    assert EMPTY_SHA256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert sha256_hex("valéry") == sha("valéry")
    assert sha256_hex("us") == "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621"


def test_placeholder_hashes() -> None:
    for text in (
        "null",
        "undefined",
        "none",
        "nan",
        "0",
        "false",
        "true",
        "n/a",
        "na",
        "unknown",
        "test",
        "[object object]",
        "objectobject",  # "[object Object]" after name/city normalisation
    ):
        assert sha(text) in PLACEHOLDER_HASHES, text
    assert EMPTY_SHA256 not in PLACEHOLDER_HASHES  # H004 owns it
    assert sha("john") not in PLACEHOLDER_HASHES
    assert sha("NULL") not in PLACEHOLDER_HASHES  # hashes of normalised values only
    assert isinstance(PLACEHOLDER_HASHES, frozenset)
    assert all(is_valid_hash(h) for h in PLACEHOLDER_HASHES)


def test_gender_hashes() -> None:
    assert frozenset({sha("m"), sha("f")}) == GENDER_HASHES
    assert "62c66a7a5dd70c3146618063c344e531e6d4b59e379808443ce962b3abd63c5a" in GENDER_HASHES
    assert "252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111" in GENDER_HASHES
    for other in ("male", "female", "M", "F", "x", ""):
        assert sha(other) not in GENDER_HASHES


def test_country_hashes() -> None:
    hashes = country_hashes()
    assert isinstance(hashes, frozenset)
    assert len(hashes) == 249  # pycountry's ISO 3166-1 list
    assert country_hashes() is hashes  # cached
    for code in ("us", "gb", "de", "kr", "ci"):
        assert sha(code) in hashes
    for bad in ("usa", "US", "united states", "uk", "xx", ""):
        assert sha(bad) not in hashes
    assert hashes == hashing.COUNTRY_HASHES  # lazy module attribute


def test_country_codes_read_from_pycountry_data_are_pycountrys_list() -> None:
    import pycountry

    assert hashing.country_codes() == [c.alpha_2 for c in pycountry.countries]


def test_country_codes_fall_back_to_pycountry_api_without_its_data_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.util

    import pycountry

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert hashing.country_codes() == [c.alpha_2 for c in pycountry.countries]


def test_country_from_hash() -> None:
    assert country_from_hash(sha("us")) == "us"
    assert country_from_hash(sha("us") + ".AQ") == "us"
    assert country_from_hash(sha("us").upper()) == "us"
    assert country_from_hash(sha("usa")) is None
    assert country_from_hash("us") is None


def test_us_state_hashes() -> None:
    hashes = us_state_hashes()
    assert len(hashes) == 57  # 50 states, DC, 6 outlying areas
    for code in ("ca", "ny", "dc", "pr", "wy"):
        assert sha(code) in hashes
    for bad in ("california", "CA", "us", "nsw"):
        assert sha(bad) not in hashes
    assert hashes == hashing.US_STATE_HASHES


def test_unknown_module_attribute() -> None:
    with pytest.raises(AttributeError):
        _ = hashing.NO_SUCH_THING  # type: ignore[attr-defined]


def test_normalised_values_hash_into_the_closed_sets() -> None:
    from capi_lint.normalize import hash_value

    assert hash_value("ge", "Female") in GENDER_HASHES
    assert hash_value("country", "United Kingdom") in country_hashes()
    assert hash_value("st", "New York", "US") in us_state_hashes()
