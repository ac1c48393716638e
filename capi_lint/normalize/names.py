"""``fn``, ``ln`` and the SDK split keys ``f5first``, ``f5last``, ``fi``.

Meta: "Using lowercase only with no punctuation. If using special
characters, the text must be encoded in UTF-8 format." Vectors: ``Mary`` ->
``mary``, ``정`` -> ``정``, ``Valéry`` -> ``valéry``.

Decisions where Meta is silent:

* Unicode NFC, then ``str.lower()`` (not ``casefold``: ``ß`` stays ``ß``,
  as JavaScript's ``toLowerCase`` in the pixel leaves it).
* Only letters, combining marks and digits are kept (Unicode categories L, M,
  N). Punctuation, symbols, **whitespace** and format/control characters go:
  ``van der Berg`` -> ``vanderberg``, ``Mary-Ann`` -> ``maryann``,
  ``O'Brien`` -> ``obrien``. Meta's pixel removes inner spaces from names
  (ConversionsAPI-Tag-for-GoogleTagManager #24) and Meta's param builder
  strips whitespace and punctuation; the Python and Node SDKs keep both,
  which makes their hashes differ from the pixel's.
* Titles and suffixes (``Dr.``, ``Jr.``) are not removed: Meta does not ask
  for it and it would be a guess (``Dr. John`` -> ``drjohn``).
* ``f5first``/``f5last``: the first five code points of the normalised name;
  ``fi``: the first code point (as the SDK slices strings).
"""

from __future__ import annotations

from ._text import keep_categories, lower_nfc
from .errors import NormalizationError

__all__ = ["normalize_first5", "normalize_initial", "normalize_name"]


def normalize_name(text: str, field: str = "fn") -> str:
    """Normalise a stripped, non-empty name; raises :class:`NormalizationError`."""
    result = keep_categories(lower_nfc(text), "LMN")
    if not result:
        raise NormalizationError(field, "empty-after-normalisation")
    return result


def normalize_first5(text: str, field: str = "f5first") -> str:
    return normalize_name(text, field)[:5]


def normalize_initial(text: str, field: str = "fi") -> str:
    return normalize_name(text, field)[:1]
