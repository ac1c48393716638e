"""Conversion Leads (CRM) events: how A010, C011 and C012 recognise one.

Meta's CRM payload specification (registry key CRM) asks every Conversion
Leads event for `action_source: system_generated`, `custom_data.event_source:
"crm"`, `custom_data.lead_event_source` (the CRM's name) and the lead's
`user_data.lead_id`. An ordinary website or app event carries none of these,
so an event is taken for a CRM event only when it shows one of the CRM-only
markers: `custom_data.event_source` "crm", a `custom_data.lead_event_source`,
or a `lead_id` on a `system_generated` event. A `lead_id` alone does not make
one (U015 still judges its format).
"""

from __future__ import annotations

from typing import Any

from capi_lint.rules._util import is_present

CRM_SOURCE = "crm"
CRM_ACTION_SOURCE = "system_generated"


def custom_data(event: dict[str, Any]) -> dict[str, Any] | None:
    data = event.get("custom_data")
    return data if type(data) is dict else None


def says_crm(data: dict[str, Any] | None) -> bool:
    """`custom_data.event_source` is "crm", in any case or padding."""
    if data is None:
        return False
    source = data.get("event_source")
    return type(source) is str and source.strip().lower() == CRM_SOURCE


def has_lead_event_source(data: dict[str, Any] | None) -> bool:
    return data is not None and is_present(data.get("lead_event_source"))


def is_crm_event(event: dict[str, Any]) -> bool:
    """The event declares itself a Conversion Leads (CRM) event."""
    data = event.get("custom_data")
    # Most events carry neither marker key: two dict probes settle custom_data.
    if (
        type(data) is dict
        and ("event_source" in data or "lead_event_source" in data)
        and (says_crm(data) or has_lead_event_source(data))
    ):
        return True
    if event.get("action_source") != CRM_ACTION_SOURCE:
        return False
    user = event.get("user_data")
    return type(user) is dict and is_present(user.get("lead_id"))
