"""R rules: partner_agent, test_event_code, leaked credentials, and the batch
that one rejected event sinks (R004, fed by the engine's per-batch review)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import NOW, app_event, body, codes, ecosystem_file, lint, store_event, website_event

import capi_lint
from capi_lint import cli
from capi_lint.engine import Context
from capi_lint.rules.request import _has_eaa, credential_in_payload

R = ["R"]
TOKEN = "EAAGm0PX4ZCpsBAKZCZAq1ZBvQxO2k3ZBZAZAnZAhZB7ZC2qZAbZCZB9xZAm8ZBwN0ZCp4ZAZDZD"


def found(payload, code: str, **kw):
    kw.setdefault("select", R)
    return [f for f in lint(payload, **kw) if f.code == code]


@pytest.mark.parametrize("builder", [website_event, app_event, store_event])
def test_builders_are_clean(builder) -> None:
    assert codes(body(builder(), builder(event_id="other")), select=R) == []


# --------------------------------------------------------------------------- R001


@pytest.mark.parametrize("agent", ["acme_2_1", "shopify_10_0", "Acme_1_12"])
def test_r001_convention_passes(agent: str) -> None:
    assert found(body(website_event(), partner_agent=agent), "R001") == []


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        ("Acme_v2", "acme"),
        ("acme-1.4.2", "acme-1.4.2"),
        ("acme_2_1_beta", "acme"),
        ("acme 2 1", "acme 2 1"),
    ],
)
def test_r001_reports_the_agent_name(agent: str, name: str) -> None:
    hits = found(body(website_event(), partner_agent=agent), "R001")
    assert [f.pointer for f in hits] == ["/partner_agent"]
    assert hits[0].extra["agent_name"] == name and f"agent_name={name!r}" in hits[0].message


def test_r001_empty_and_allow_list() -> None:
    assert "empty" in found(body(website_event(), partner_agent=""), "R001")[0].message
    options = {"R001": {"allow": ["Acme Shop v2"]}}
    payload = body(website_event(), partner_agent="Acme Shop v2")
    assert found(payload, "R001") != []
    assert found(payload, "R001", options=options) == []


@pytest.mark.parametrize(
    "agent",
    ["gtmss-1.0.0-0.0.9", "gtmss-1.0.0-0.0.1", "gtmss-1.0.0-0.0.9-ee", "stape-gtmss-2.1.3",
     "stape-gtmss-2.1.7-ee", "stape-gtmss-2.0.0"],
)  # fmt: skip
def test_r001_server_side_gtm_tag_forms_pass(agent: str) -> None:
    # Meta's own sGTM tag (PARTNER_AGENT in its template.tpl) and Stape's tag.
    assert found(body(website_event(), partner_agent=agent), "R001") == []


@pytest.mark.parametrize(
    "agent", ["gtmss", "gtmss-1.0", "other-gtmss-1.0.0", "stape-gtmss-2.1.3-beta", "gtmss-1.0.0 "]
)
def test_r001_near_tag_forms_are_still_reported(agent: str) -> None:
    assert [f.pointer for f in found(body(website_event(), partner_agent=agent), "R001")] == [
        "/partner_agent"
    ]


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("gtm-capi-tag", "001-requestdata-4b46cf3.json"),
        ("gtm-capi-tag", "002-requestdata-25f6d1c.json"),
        ("stape-facebook-tag", "001-app-event-data-as-source-d47449b.json"),
        ("stape-facebook-tag", "003-appendvalue-d47449b.json"),
    ],
)
def test_r001_real_gtm_tag_bodies_pass(source: str, name: str) -> None:
    text = ecosystem_file(source, name).read_text(encoding="utf-8")
    assert json.loads(text)["partner_agent"] in ("gtmss-1.0.0-0.0.9", "stape-gtmss-2.1.3")
    assert found(text, "R001") == []


def test_r001_only_request_bodies() -> None:
    assert found({**website_event(), "partner_agent": "x"}, "R001") == []


# --------------------------------------------------------------------------- R002


def test_r002_test_event_code() -> None:
    assert [f.pointer for f in found(body(website_event(), test_event_code="TEST1"), "R002")] == [
        "/test_event_code"
    ]
    assert found(body(website_event(), test_event_code=""), "R002") == []


def test_r002_test_paths(tmp_path: Path) -> None:
    import capi_lint

    folder = tmp_path / "fixtures"
    folder.mkdir()
    path = folder / "purchase.json"
    path.write_text(json.dumps(body(website_event(), test_event_code="TEST1")), "utf-8")
    config = {"select": ["R002"]}
    assert [f.code for f in capi_lint.check_file(path, config, now=NOW)] == ["R002"]
    config["options"] = {"R002": {"test-paths": ["*/fixtures/*"]}}
    assert capi_lint.check_file(path, config, now=NOW) == []


# --------------------------------------------------------------------------- R003


def test_r003_everywhere_and_never_printed() -> None:
    event = website_event(event_source_url=f"https://shop.example.com/ty?access_token={TOKEN}")
    event["custom_data"]["meta"] = {"tokens": ["x", f"Bearer {TOKEN}"]}
    event["user_data"]["access_token"] = TOKEN
    payload = body(event, access_token=TOKEN, appsecret_proof="a" * 64)
    hits = found(payload, "R003")
    assert sorted(f.pointer for f in hits) == [
        "/access_token",
        "/appsecret_proof",
        "/data/0/custom_data/meta/tokens/1",
        "/data/0/event_source_url",
        "/data/0/user_data/access_token",
    ]
    for f in hits:
        text = json.dumps(f.to_dict())
        assert TOKEN not in text and TOKEN[:12] not in text and "aaaaaaaa" not in text


def test_r003_never_reaches_cli_output(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "leak.json"
    path.write_text(json.dumps(body(website_event(), access_token=TOKEN)), "utf-8")
    for fmt in ("text", "json"):
        assert cli.main(["check", str(path), "--now", str(NOW), "--format", fmt]) == 1
        out, err = capsys.readouterr()
        assert "R003" in out and TOKEN[:10] not in out + err
        assert "EAA…(redacted)" in out


@pytest.mark.parametrize(
    "value",
    [
        "<ACCESS_TOKEN>",
        "{{ access_token }}",
        "${META_TOKEN}",
        "$META_TOKEN",
        "***",
        "EAAB***",
        "REDACTED",
        "[redacted]",
        "xxx",
        "EAAxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "YOUR_ACCESS_TOKEN",
        "EAA…",
        "",
        None,
    ],
)
def test_r003_placeholders_pass(value) -> None:
    assert found(body(website_event(), access_token=value), "R003") == []


def test_r003_placeholder_forms_are_short_a_long_value_is_judged_a_token() -> None:
    # "EAA…" is a placeholder; a 5,000-character token that ends in "…" is not
    # (a placeholder is never that long, and the pattern is not run on it).
    assert found(body(website_event(), access_token="EAA" + "b" * 200 + "…"), "R003") == []
    long_token = "EAA" + "b" * 5_000 + "…"
    (hit,) = found(body(website_event(), access_token=long_token), "R003")
    assert hit.pointer == "/access_token" and "b" * 20 not in hit.message


def test_r003_token_in_encoded_data_points_into_it() -> None:
    event = website_event()
    event["custom_data"]["debug"] = TOKEN
    payload = {"data": json.dumps([event])}
    assert [f.pointer for f in found(payload, "R003")] == ["/data/0/custom_data/debug"]


def test_r003_short_or_lowercase_eaa_strings_pass() -> None:
    event = website_event(event_id="EAA-order-1")
    event["custom_data"]["note"] = "eaa" + "b" * 40
    assert found(body(event), "R003") == []


def test_r003_big_integers_fall_back_to_the_walk() -> None:
    event = website_event()
    event["custom_data"]["big"] = 10**30
    event["custom_data"]["t"] = TOKEN
    ctx = Context.__new__(Context)
    ctx.kind, ctx.envelope, ctx.text = "event", None, None
    hits = credential_in_payload(event, ctx)
    assert [h.where for h in hits or []] == [("custom_data", "t")]


@pytest.mark.parametrize("escaped", [False, True])
def test_r003_token_in_json_lines_text_with_and_without_escapes(escaped: bool) -> None:
    # The EAA pre-check reads the line as read unless it holds escapes.
    event = website_event()
    event["custom_data"]["t"] = TOKEN
    line = json.dumps(event)
    if escaped:
        line = line.replace(TOKEN, "\\u0045" + TOKEN[1:])
    findings = capi_lint.check(line + "\n" + json.dumps(website_event()) + "\n")
    assert [(f.code, f.line, f.pointer) for f in findings if f.code == "R003"] == [
        ("R003", 1, "/custom_data/t")
    ]


def test_r003_eaa_scan() -> None:
    assert _has_eaa(b'{"a":"Mobile/15E148","b":"EUR"}') is False
    assert _has_eaa(b'{"a":"E","b":"xEAA"}') is True
    assert _has_eaa(b"") is False


# --------------------------------------------------------------------------- R004


def stale(i: int = 1):
    return website_event(event_id=f"old-{i}", event_time=NOW - 8 * 86_400)


def test_r004_one_stale_event_sinks_the_batch() -> None:
    hits = found(
        body(website_event(), stale(), website_event(event_id="o-3")), "R004", select=["R004", "E"]
    )
    assert [f.pointer for f in hits] == ["/data"]
    assert hits[0].extra == {"events": 1, "indexes": [1], "lost": 2}
    assert "E006" in hits[0].message and "2 event(s)" in hits[0].message


def test_r004_other_errors_say_may() -> None:
    bad = website_event(event_id="o-2", event_time="2025-11-22T08:24:40Z")  # E004
    hits = found(body(website_event(), bad), "R004", select=["R004", "E"])
    assert "E004" in hits[0].message and "can make Meta reject" in hits[0].message


def test_r004_array_of_events_points_at_the_root() -> None:
    hits = found([website_event(), stale()], "R004", select=["R004", "E006"])
    assert [f.pointer for f in hits] == [""]


def test_r004_quiet_cases() -> None:
    select = ["R004", "E"]
    assert found(body(stale()), "R004", select=select) == []  # one event
    assert found(body(stale(1), stale(2)), "R004", select=select) == []  # nothing to lose
    assert found(body(website_event(), website_event(event_id="o-2")), "R004", select=select) == []
    # Only the rules that ran count, and with their configured severity.
    assert found(body(website_event(), stale()), "R004", select=["R004"]) == []
    demoted = {"E006": "warning"}
    assert found(body(website_event(), stale()), "R004", select=select, severity=demoted) == []


def test_r004_jsonl_request_lines() -> None:
    text = (
        json.dumps(body(website_event(), stale())) + "\n" + json.dumps(body(website_event())) + "\n"
    )
    hits = found(text, "R004", select=["R004", "E006"])
    assert [(f.pointer, f.line) for f in hits] == [("/data", 1)]


def test_r003_short_test_value_of_access_token_is_not_a_leak() -> None:
    # PostHog's Meta template test posts `"access_token": "accessToken12345"`:
    # a value that cannot authenticate anything, not a leaked credential.
    from helpers import ecosystem_file

    import capi_lint

    path = ecosystem_file("posthog", "005-hog-template-meta-ads-function-works.json")
    assert [f for f in capi_lint.check_file(path, {"select": ["R003"]}) if f.code == "R003"] == []
    assert [f.code for f in lint(body(website_event(), access_token="accessToken12345"))
            if f.code == "R003"] == []  # fmt: skip


@pytest.mark.parametrize(
    "value",
    [
        "EAAB" + "x1Y2z3" * 5,  # a user or system-user token
        "123456789012345|AbCdEfGhIjKlMnOpQrSt",  # an app token
        "a3f1" * 10,  # a long opaque secret (app secret, proof)
    ],
)
def test_r003_secret_shaped_access_token_is_a_leak(value: str) -> None:
    [finding] = [f for f in lint(body(website_event(), access_token=value)) if f.code == "R003"]
    assert finding.pointer == "/access_token" and value not in finding.message
