"""Privacy: a NormalizationError never carries the value it refused.

Two properties, checked with hypothesis:

1. for PII-shaped invalid inputs (emails, phones, names, dates), the raw input
   (length >= 4) appears nowhere in the exception's message, args or repr, and
   the exception has no chained context (a traceback would print the context,
   and email_validator's own messages quote parts of the address);
2. for *any* text, the message of a NormalizationError is a pure function of
   ``(field, reason)``, so it cannot depend on the value at all.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from capi_lint.normalize import FIELDS, REASONS, NormalizationError, normalize

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_private(field: str, value: object, region: str | None = None) -> NormalizationError:
    with pytest.raises(NormalizationError) as info:
        normalize(field, value, region)  # type: ignore[arg-type]
    err = info.value
    text = str(value)
    if len(text) >= 4:
        for rendered in (str(err), repr(err), *map(str, err.args)):
            assert text not in rendered
            assert text.strip() not in rendered
    assert err.__context__ is None and err.__cause__ is None
    assert set(vars(err)) == {"field", "reason"}
    return err


# --- emails -------------------------------------------------------------------

local_parts = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._+-", min_size=1, max_size=20)
labels = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)


@st.composite
def invalid_emails(draw: st.DrawFn) -> str:
    local = draw(local_parts)
    domain = draw(labels) + "." + draw(st.sampled_from(["com", "de", "co.uk", "io", "org"]))
    email = draw(st.sampled_from([str.lower, str.upper, str.title]))(f"{local}@{domain}")
    mangle = draw(st.integers(0, 6))
    if mangle == 0:
        return f"{local} x@{domain}"  # space inside
    if mangle == 1:
        return f"mailto:{email}"
    if mangle == 2:
        return f"<{email}>"
    if mangle == 3:
        return f"{local}@@{domain}"
    if mangle == 4:
        return f"{email}."  # trailing dot
    if mangle == 5:
        return f"{local}@{draw(labels)}"  # no TLD
    return f"{local}@{domain} {draw(labels)}@{domain}"  # two addresses


@SETTINGS
@given(invalid_emails(), st.booleans())
def test_invalid_email_never_echoed(value: str, pad: bool) -> None:
    err = assert_private("em", f"  {value} " if pad else value)
    assert err.reason == "invalid-email"


@SETTINGS
@given(st.emails())
def test_valid_emails_normalise(value: str) -> None:
    # hypothesis' own addresses: either normalised, or refused without echo.
    try:
        result: str | None = normalize("em", value)
    except NormalizationError:
        result = None
    if result is None:
        assert_private("em", value)
    else:
        assert result == result.lower().strip()


# --- phones -------------------------------------------------------------------

subscriber = st.text(alphabet="0123456789", min_size=7, max_size=11)


@st.composite
def invalid_phones(draw: st.DrawFn) -> tuple[str, str | None]:
    digits = draw(subscriber)
    mangle = draw(st.integers(0, 4))
    if mangle == 0:
        return "0" + digits, None  # national number, trunk zero, no region
    if mangle == 1:
        sep = draw(st.sampled_from([" ", "-", "."]))
        return f"({digits[:3]}){sep}{digits[3:6]}{sep}{digits[6:]}", None
    if mangle == 2:
        return f"+{digits[:2]} {draw(labels)}x{digits[2:]}", None  # letters inside
    if mangle == 3:
        return f"+0{digits}", None  # no country code starts with 0
    return digits[:3], draw(st.sampled_from([None, "US", "GB"]))  # too short


@SETTINGS
@given(invalid_phones())
def test_invalid_phone_never_echoed(case: tuple[str, str | None]) -> None:
    value, region = case
    try:
        normalize("ph", value, region)
    except NormalizationError:
        refused = True
    else:
        refused = False
    # A "(ddd) ddd dddd" string may happen to start with a valid country code.
    assume(refused)
    # Outside the except block, so that a chained context would be visible.
    err = assert_private("ph", value, region)
    assert err.reason in {"no-country-code", "invalid-phone"}


# --- names ----------------------------------------------------------------------

junk_only = st.text(
    alphabet=st.characters(categories=["P", "S", "Zs"], exclude_characters="\x00"),
    min_size=4,
    max_size=30,
)


@SETTINGS
@given(junk_only, st.sampled_from(["fn", "ln", "ct", "f5first", "f5last", "fi"]))
def test_junk_names_never_echoed(value: str, field: str) -> None:
    err = assert_private(field, value)
    assert err.reason in {"empty", "empty-after-normalisation"}


@SETTINGS
@given(
    st.text(alphabet="0123456789abcdefABCDEF", min_size=64, max_size=64),
    st.sampled_from(sorted(FIELDS)),
)
def test_digests_never_echoed(value: str, field: str) -> None:
    err = assert_private(field, value)
    assert err.reason == "already-hashed"


# --- dates ------------------------------------------------------------------------

dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 12, 31))


@st.composite
def invalid_dates(draw: st.DrawFn) -> str:
    d = draw(dates)
    sep = draw(st.sampled_from(["/", "-", "."]))
    mangle = draw(st.integers(0, 3))
    if mangle == 0:
        assume(d.day <= 12 and d.day != d.month)
        return f"{d.month:02d}{sep}{d.day:02d}{sep}{d.year}"  # ambiguous order
    if mangle == 1:
        return f"{d.month}{sep}{d.day}{sep}{d.year % 100:02d}"  # two-digit year
    if mangle == 2:
        return f"{d.year}{13 + d.month % 87:02d}{d.day:02d}"  # month 13..99
    return f"{d.year - 1000}{sep}{d.month:02d}{sep}{d.day:02d}"  # year before 1900


@SETTINGS
@given(invalid_dates())
def test_invalid_dates_never_echoed(value: str) -> None:
    err = assert_private("db", value)
    assert err.reason in {"ambiguous-date", "invalid-date", "year-out-of-range"}


# --- any text, any field ----------------------------------------------------------


@SETTINGS
@given(st.sampled_from(sorted(FIELDS)), st.text(max_size=40), st.sampled_from([None, "US", "FR"]))
def test_message_depends_only_on_field_and_reason(field: str, value: str, region: str | None):
    try:
        normalize(field, value, region)
    except NormalizationError as err:
        assert str(err) == f"{field}: {REASONS[err.reason]} ({err.reason})"
        assert err.args == (str(err),)
        assert err.field == field
        assert err.__context__ is None


def test_typical_messages_are_readable() -> None:
    err = assert_private("em", "Jane.Doe@@Example.com")
    assert str(err).startswith("em: not an email address")
    err = assert_private("ph", "(650) 555-1212")
    assert "country code" in str(err)
    assert "1212" not in str(err) and "650" not in str(err)
