"""Rule modules, one per code family. Importing this package registers them."""

from capi_lint.rules import customer, event, hashed, normalisation, structure

__all__ = ["customer", "event", "hashed", "normalisation", "structure"]
