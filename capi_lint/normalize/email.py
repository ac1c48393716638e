"""``em``: trim, lowercase, and check the syntax Meta can match.

Meta (customer-information parameters): "Trim any leading and trailing
spaces. Convert all characters to lowercase." The syntax check uses
``email_validator.validate_email(..., check_deliverability=False)`` -- syntax
only, never DNS. It rejects what cannot belong to a mailbox: spaces inside,
``mailto:``, ``<...>`` display forms, two ``@``, a trailing dot, a domain
without a dot/TLD, quoted local parts, IP-literal domains and special-use
domains (``.test``, ``.invalid``, ``.local``, ``localhost``, ...).

Decisions where Meta is silent:

* Unicode (SMTPUTF8) local parts and IDN domains are accepted. The result is
  NFC, lowercase, with the domain in its Unicode form as ``email_validator``
  normalises it (IDNA/UTS-46), so ``x@xn--exmple-cua.de`` and
  ``X@Exämple.de`` both give ``x@exämple.de``. This is what the Python SDK
  hashes for Unicode input; the Node SDK rejects such addresses.
* No provider-specific rewriting (Gmail dots, ``+tag``): Meta documents none.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from ._text import lower_nfc
from .errors import NormalizationError

__all__ = ["normalize_email"]


def normalize_email(text: str, field: str = "em") -> str:
    """Normalise a stripped, non-empty string; raises :class:`NormalizationError`."""
    candidate = lower_nfc(text)
    ok = True
    try:
        result = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError:
        # Never chain: email_validator's messages quote parts of the address.
        ok = False
    if not ok:
        raise NormalizationError(field, "invalid-email")
    return lower_nfc(f"{result.local_part}@{result.domain}")
