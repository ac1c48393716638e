"""Rule modules, one per code family. Importing this package registers them."""

from capi_lint.rules import crosscheck, customer, event, hashed, normalisation, structure

__all__ = ["crosscheck", "customer", "event", "hashed", "normalisation", "structure"]
