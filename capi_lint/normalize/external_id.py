"""``external_id``: trim, lowercase, NFC.

Meta: any unique advertiser ID; hashing recommended; it must be in the same
format on every channel. Meta gives no normalisation, so we follow what its
normalising libraries do: the Python SDK's ``Normalize`` (lowercase + strip)
and the param builder (lowercase; ``User123`` -> ``user123`` in both). Inner
characters are kept as they are (no punctuation or space removal: an ID is
opaque). Note that the Python SDK's ``UserData`` sends ``external_id`` raw,
neither normalised nor hashed, and the Node SDK does not touch it.
"""

from __future__ import annotations

from ._text import lower_nfc

__all__ = ["normalize_external_id"]


def normalize_external_id(text: str, field: str = "external_id") -> str:
    return lower_nfc(text)
