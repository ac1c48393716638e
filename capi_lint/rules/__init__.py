"""Rule modules, one per code family. Importing this package registers them."""

from capi_lint.rules import (
    action_source,
    batch,
    crosscheck,
    custom_data,
    customer,
    dedup,
    event,
    fleet,
    hashed,
    normalisation,
    pair,
    request,
    structure,
)

__all__ = [
    "action_source",
    "batch",
    "crosscheck",
    "custom_data",
    "customer",
    "dedup",
    "event",
    "fleet",
    "hashed",
    "normalisation",
    "pair",
    "request",
    "structure",
]
