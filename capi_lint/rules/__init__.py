"""Rule modules, one per code family. Importing this package registers them."""

from capi_lint.rules import event, structure

__all__ = ["event", "structure"]
