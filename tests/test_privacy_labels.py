"""Issue 15 defect 4: personal data in fields that are not personal data.

An email or a phone number sent as an event name, an action source, a partner
agent, a currency or a ``custom_data.value`` is still someone's email or phone.
Messages, hints and reports quote those fields; the quoted value goes through
``capi_lint/mask.py`` (:func:`mask_label` keeps the label readable and masks the
personal part). Checked through the CLI, in every output format of ``check``,
``coverage`` and ``crosscheck``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import NOW, body, website_event
from test_privacy import invoke

import capi_lint
from capi_lint.mask import mask_in_text, mask_label
from capi_lint.reporters import REPORTERS

EMAIL = "ngozi.okonkwo@posteo.de"
EMAIL2 = "siobhan_nakamura@gmail.com"
AGENT = "wojciech.kowalczyk@web.de"
PHONE = "6505926323"  # a US number without its country code, as a shop types it
SECRETS = (EMAIL, EMAIL2, AGENT, PHONE, "+1" + PHONE, "1" + PHONE, "650 592 6323")
QUALITY = Path(__file__).parent / "quality" / "data" / "web_all_fields.json"


def assert_clean(output: str, what: str) -> None:
    leaked = [s for s in SECRETS if s in output or s in output.lower()]
    assert not leaked, f"{what}: {len(leaked)} raw value(s) printed"


# --------------------------------------------------------------------------- the masking


def test_mask_in_text_masks_only_the_personal_part() -> None:
    for label in ("Purchase", "Add to cart", "website", "AcmeShop", "Order 1234", "v2.1"):
        assert mask_in_text(label) == label
    assert mask_in_text(EMAIL) == "n***@p***.de"
    assert mask_in_text(f"Lead {EMAIL} form") == "Lead n***@p***.de form"
    assert mask_in_text("+1 (650) 592-6323") == "+1******6323"
    assert mask_in_text("Purchase_19900217") == "Purchase_******17"  # a date of birth?
    assert mask_in_text("EAAB" + "x7Kq2" * 12) == "EAA…(redacted)"
    # agent_name lowercases a partner_agent: a token sent there is still one.
    assert mask_in_text("eaab" + "x7kq2" * 12) == "EAA…(redacted)"
    assert mask_label(None) is None


def test_numbers_that_could_be_a_phone_or_a_birth_date_are_masked_amounts_are_not() -> None:
    from capi_lint.mask import mask

    assert mask(6505926323) == "65******23" and mask(19900217) == "19****17"
    assert mask(1299.99) == "1299.99" and mask(12.5) == "12.5" and mask(94025) == "94025"


# --------------------------------------------------------------------------- check


def check_all_formats(tmp_path: Path, document: Any) -> str:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(document), "utf-8")
    out = []
    for fmt in sorted(REPORTERS):
        output, code = invoke(
            ["check", "--now", str(NOW), "--fail-on", "info", "--format", fmt, str(path)]
        )
        assert code in (0, 1), output
        out.append(output)
    return "\n".join(out)


def test_a_phone_number_as_custom_data_value_is_masked_in_c004s_hint(tmp_path: Path) -> None:
    event = website_event()
    event["custom_data"]["value"] = PHONE
    output = check_all_formats(tmp_path, body(event))
    assert "send the number unquoted: 65******23" in output  # json, sarif, github
    assert_clean(output, "C004")


def test_an_amount_in_c004s_hint_stays_readable() -> None:
    event = website_event()
    event["custom_data"]["value"] = "1299.99"
    (finding,) = [f for f in capi_lint.check(body(event), now=NOW) if f.code == "C004"]
    assert finding.fix == "send the number unquoted: 1299.99"


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("event_name", EMAIL),
        ("action_source", EMAIL),
        ("custom_data.currency", PHONE),
        ("custom_data.currency", EMAIL),
        ("custom_data.content_type", EMAIL),
        ("custom_data.delivery_category", "+1" + PHONE),
        ("custom_data.predicted_ltv", PHONE),
        ("custom_data.contents", [{"id": "sku-1", "quantity": 1, "item_price": PHONE}]),
        ("partner_agent", AGENT),
    ],
)
def test_personal_data_in_labels_is_masked_by_check(tmp_path: Path, where: str, value: Any) -> None:
    event = website_event()
    if where.startswith("custom_data."):
        event["custom_data"][where.split(".", 1)[1]] = value
    elif where != "partner_agent":
        event[where] = value
    document = body(event)  # a copy of the event
    if where == "partner_agent":
        document["partner_agent"] = value
    assert_clean(check_all_formats(tmp_path, document), f"check with {where}")


def test_a_repeated_event_id_names_the_event_masked() -> None:
    events = [website_event(event_id="o1", event_name=EMAIL) for _ in range(2)]
    findings = capi_lint.check(body(*events), now=NOW)
    assert any(f.code.startswith("D") and "n***@p***.de" in f.message for f in findings)
    assert_clean(" ".join(repr(f) for f in findings), "D-rule")


# --------------------------------------------------------------------------- coverage, crosscheck


def labelled_payloads(tmp_path: Path) -> Path:
    events = [
        website_event(event_id="a", event_name=EMAIL),
        website_event(event_id="b", event_name="+1 (650) 592-6323"),
        website_event(event_id="c", action_source=EMAIL2),
        website_event(event_id="d", event_name="Purchase"),
    ]
    path = tmp_path / "payloads.json"
    path.write_text(json.dumps(body(*events, partner_agent=AGENT)), "utf-8")
    return path


def test_coverage_masks_event_names_action_sources_and_agents(tmp_path: Path) -> None:
    path = labelled_payloads(tmp_path)
    for fmt in ("text", "json", "csv"):
        output, code = invoke(["coverage", "--now", str(NOW), "--format", fmt, str(path)])
        assert code == 0, output
        assert_clean(output, f"coverage --format {fmt}")
        assert "n***@p***.de" in output and "Purchase" in output  # masked, not dropped
    rows = capi_lint.predict_coverage(path.read_text("utf-8"), now=NOW)
    assert_clean(json.dumps(rows), "predict_coverage")


def test_crosscheck_masks_names_from_the_payloads_and_the_report(tmp_path: Path) -> None:
    report = json.loads(QUALITY.read_text("utf-8"))
    report["web"].append({**report["web"][0], "event_name": EMAIL2})  # Meta saw it as a name
    quality = tmp_path / "quality.json"
    quality.write_text(json.dumps(report), "utf-8")
    path = labelled_payloads(tmp_path)
    for fmt in sorted(REPORTERS):
        for extra in ([], ["--agent-name", AGENT]):
            args = ["crosscheck", str(path), "--quality-file", str(quality), "--now", str(NOW)]
            output, code = invoke([*args, "--fail-on", "info", "--format", fmt, *extra])
            assert code in (0, 1), output
            assert_clean(output, f"crosscheck --format {fmt} {extra}")
    output, _ = invoke([*args, "--format", "json"])
    assert "n***@p***.de" in output  # the finding is there, with the name masked
