"""``ge``: ``m`` or ``f``.

Meta: "Use lowercase initial: f for female, m for male." We accept, in any
case and with punctuation or spaces around (``Male``, ``M``, ``F.``):
``m``/``male``/``man`` -> ``m`` and ``f``/``female``/``woman`` -> ``f``.
Anything else (``x``, ``1``, ``unknown``) raises ``invalid-gender``: Meta
documents no other value, and a hash of anything else matches nobody.
"""

from __future__ import annotations

from ._text import keep_categories, lower_nfc, nfkc
from .errors import NormalizationError

__all__ = ["normalize_gender"]

_GENDERS = {
    "m": "m",
    "male": "m",
    "man": "m",
    "f": "f",
    "female": "f",
    "woman": "f",
}


def normalize_gender(text: str, field: str = "ge") -> str:
    result = _GENDERS.get(keep_categories(lower_nfc(nfkc(text)), "L"))
    if result is None:
        raise NormalizationError(field, "invalid-gender")
    return result
