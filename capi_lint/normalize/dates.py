"""``db`` (``YYYYMMDD``) and the SDK split keys ``dobd``, ``dobm``, ``doby``.

Meta: ``db`` is ``YYYYMMDD`` -- year 1900 to the current year, month 01-12,
day 01-31. Vector: ``2/16/1997`` -> ``19970216``.

Layouts read (digits may be full-width; separators ``-``, ``/``, ``.`` must
be the same within one date):

* ``YYYYMMDD``; ``YYYY-MM-DD`` (also ``/`` and ``.``, one-digit parts, and an
  ISO time part after ``T`` or a space, which is ignored);
* ``MM/DD/YYYY`` or ``DD/MM/YYYY`` (also ``-`` and ``.``): the order is taken
  from the values -- a part above 12 is the day. When both parts are 12 or
  less and differ (``03/04/1990``) the date is ``ambiguous-date``: we never
  guess, whatever the separator or region;
* English month names or abbreviations: ``16 Feb 1997``, ``February 16, 1997``,
  ``1997-Feb-16``.

Two-digit years are ``ambiguous-date``; a year alone or year+month is
``incomplete-date``; impossible dates (``19901315``, ``1990-02-30``) are
``invalid-date``; years before 1900 are ``year-out-of-range``. Years after
today are NOT rejected here (``normalize`` has no clock): the N006 rule compares
the year with its reference time *T*.
"""

from __future__ import annotations

import datetime as _dt
import re

from ._text import ascii_digits, nfkc
from .errors import NormalizationError

__all__ = ["MONTHS", "normalize_day", "normalize_dob", "normalize_month", "normalize_year"]

MONTHS: dict[str, int] = {}
for _i, _name in enumerate(
    (
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ),
    start=1,
):
    MONTHS[_name] = _i
    MONTHS[_name[:3]] = _i
MONTHS["sept"] = 9
del _i, _name

_EIGHT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_YMD = re.compile(
    r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})"
    r"(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_XYY = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})")
_XY2 = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{2})")
_D_MON_Y = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[\s\-/.]*([a-z]+)\.?[\s\-/.,]*(\d{4})")
_MON_D_Y = re.compile(r"([a-z]+)\.?[\s\-/.]*(\d{1,2})(?:st|nd|rd|th)?,?[\s\-/.]*(\d{4})")
_Y_MON_D = re.compile(r"(\d{4})[\s\-/.]*([a-z]+)\.?[\s\-/.]*(\d{1,2})")
_MON_Y2 = re.compile(
    r"\d{1,2}(?:st|nd|rd|th)?[\s\-/.]*([a-z]+)\.?,?[\s\-/.]*\d{2}"
    r"|([a-z]+)\.?[\s\-/.]*\d{1,2}(?:st|nd|rd|th)?,?[\s\-/.]*\d{2}"
)
_INCOMPLETE = re.compile(r"\d{4}|\d{6}|\d{4}[-/.]\d{1,2}|\d{1,2}[-/.]\d{4}")
_MON_Y = re.compile(r"([a-z]+)\.?[\s\-/.,]*\d{4}|\d{4}[\s\-/.]*([a-z]+)\.?")


def _date(field: str, year: int, month: int, day: int) -> str:
    if year < 1900:
        raise NormalizationError(field, "year-out-of-range")
    try:
        _dt.date(year, month, day)
    except ValueError:
        ok = False
    else:
        ok = True
    if not ok:
        raise NormalizationError(field, "invalid-date")
    return f"{year:04d}{month:02d}{day:02d}"


def _month(field: str, name: str) -> int:
    month = MONTHS.get(name)
    if month is None:
        raise NormalizationError(field, "invalid-date")
    return month


def normalize_dob(text: str, field: str = "db") -> str:
    """Normalise a stripped, non-empty date of birth to ``YYYYMMDD``."""
    s = ascii_digits(nfkc(text)).lower()
    if m := _EIGHT.fullmatch(s):
        return _date(field, int(m[1]), int(m[2]), int(m[3]))
    if m := _YMD.fullmatch(s):
        return _date(field, int(m[1]), int(m[3]), int(m[4]))
    if m := _XYY.fullmatch(s):
        a, b, year = int(m[1]), int(m[3]), int(m[4])
        if a == 0 or b == 0:
            raise NormalizationError(field, "invalid-date")
        if a > 12 >= b:
            return _date(field, year, b, a)
        if b > 12 >= a or a == b:
            return _date(field, year, a, b)
        if a > 12 and b > 12:
            raise NormalizationError(field, "invalid-date")
        raise NormalizationError(field, "ambiguous-date")
    if m := _D_MON_Y.fullmatch(s):
        return _date(field, int(m[3]), _month(field, m[2]), int(m[1]))
    if m := _MON_D_Y.fullmatch(s):
        return _date(field, int(m[3]), _month(field, m[1]), int(m[2]))
    if m := _Y_MON_D.fullmatch(s):
        return _date(field, int(m[1]), _month(field, m[2]), int(m[3]))
    if _INCOMPLETE.fullmatch(s) or ((m := _MON_Y.fullmatch(s)) and (m[1] or m[2]) in MONTHS):
        raise NormalizationError(field, "incomplete-date")
    if _XY2.fullmatch(s) or ((m := _MON_Y2.fullmatch(s)) and (m[1] or m[2]) in MONTHS):
        raise NormalizationError(field, "ambiguous-date")
    raise NormalizationError(field, "invalid-date")


_ONE_OR_TWO = re.compile(r"\d{1,2}")
_FOUR = re.compile(r"\d{4}")


def normalize_day(text: str, field: str = "dobd") -> str:
    """``dobd``: ``1``..``31`` -> two digits (``1`` -> ``01``)."""
    s = ascii_digits(nfkc(text))
    if _ONE_OR_TWO.fullmatch(s) and 1 <= int(s) <= 31:
        return f"{int(s):02d}"
    raise NormalizationError(field, "invalid-day")


def normalize_month(text: str, field: str = "dobm") -> str:
    """``dobm``: ``1``..``12`` or an English month name/abbreviation -> two digits."""
    s = ascii_digits(nfkc(text)).lower().rstrip(".")
    if _ONE_OR_TWO.fullmatch(s) and 1 <= int(s) <= 12:
        return f"{int(s):02d}"
    month = MONTHS.get(s)
    if month is not None:
        return f"{month:02d}"
    raise NormalizationError(field, "invalid-month")


def normalize_year(text: str, field: str = "doby") -> str:
    """``doby``: four digits, 1900 or later (the upper bound is the rule's job)."""
    s = ascii_digits(nfkc(text))
    if not _FOUR.fullmatch(s):
        raise NormalizationError(field, "invalid-year")
    if int(s) < 1900:
        raise NormalizationError(field, "year-out-of-range")
    return s
