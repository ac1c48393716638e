"""The one exception type of :mod:`capi_lint.normalize` and its reason slugs.

Privacy is a hard requirement: a :class:`NormalizationError` message is a pure
function of ``(field, reason)``. It never contains the input value or any part
of it, so it is safe to log, print or put into a finding. The messages also
contain no digits and no ``@`` (a property the tests rely on).
"""

from __future__ import annotations

__all__ = ["REASONS", "NormalizationError", "NormalizationTypeError"]

REASONS: dict[str, str] = {
    "not-a-string": "the value is not a string",
    "empty": "the value is empty or only whitespace",
    "empty-after-normalisation": "nothing is left after normalisation",
    "already-hashed": "the value already looks like a hex digest; it must not be hashed again",
    "invalid-email": "not an email address Meta can match (local part, at sign, domain with a TLD)",
    "no-country-code": (
        "the phone number has no country code; write it with + or the international prefix, "
        "or pass a region"
    ),
    "invalid-phone": "not a valid phone number",
    "unknown-us-state": "not a US state, district or territory name or two-letter code",
    "invalid-zip": "not a US ZIP code (five digits, optionally plus four)",
    "unknown-country": "not an ISO country code or country name",
    "ambiguous-date": "the date is ambiguous (day and month order, or a two-digit year)",
    "incomplete-date": "the date lacks a day or a month",
    "invalid-date": "not a recognisable calendar date",
    "year-out-of-range": "the year is before nineteen hundred",
    "invalid-day": "not a day of the month",
    "invalid-month": "not a month",
    "invalid-year": "not a four-digit year",
    "invalid-gender": "not a gender Meta accepts (only m or f)",
}
"""Every reason slug :class:`NormalizationError` can carry, with its description."""


class NormalizationError(ValueError):
    """A value that cannot be normalised for ``field``.

    ``.field`` is the ``user_data`` key and ``.reason`` a slug from
    :data:`REASONS`. The message never contains the value.
    """

    field: str
    reason: str

    def __init__(self, field: str, reason: str) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown reason slug {reason!r}")
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {REASONS[reason]} ({reason})")

    def __reduce__(self) -> tuple[type[NormalizationError], tuple[str, str]]:
        # keep pickling (multiprocessing) working
        return (type(self), (self.field, self.reason))


class NormalizationTypeError(NormalizationError, TypeError):
    """Raised for non-string values (reason ``not-a-string``); also a ``TypeError``."""

    def __init__(self, field: str, reason: str = "not-a-string") -> None:
        super().__init__(field, reason)
