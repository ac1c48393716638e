"""D rules: event_id presence and shape, repeated IDs (batch, file and run
scope), reuse across names and users, identical events without an ID."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import (
    DROP,
    NOW,
    app_event,
    body,
    codes,
    ecosystem_file,
    lint,
    pointers,
    sha,
    store_event,
    user_data,
)
from helpers import website_event as _website

from capi_lint import cli
from capi_lint.config import ConfigError, build_settings
from capi_lint.runner import run

D = ["D"]


def website_event(i: int = 0, **kw):
    """The clean website event with its own event_id and user."""
    base = {
        "event_id": f"order-{i}",
        "user_data": user_data(external_id=[sha(f"user-{i}")], em=[sha(f"c{i}@example.com")]),
    }
    base.update(kw)
    return _website(**base)


@pytest.mark.parametrize("builder", [_website, app_event, store_event])
def test_builders_are_clean(builder) -> None:
    assert codes(body(builder()), select=D) == []


def test_mixed_clean_batch() -> None:
    assert (
        codes(body(website_event(0), website_event(1), app_event(), store_event()), select=D) == []
    )


# --------------------------------------------------------------------------- D001 / D002


def test_d001_website_without_id_and_fallback() -> None:
    ev = website_event(event_id=DROP, user_data=user_data(fbp=DROP))
    found = [f for f in lint(body(ev), select=D) if f.code == "D001"]
    assert [f.pointer for f in found] == ["/data/0"]
    assert "Pixel" in found[0].message


@pytest.mark.parametrize("name", [[], {}, ["Purchase"]])
def test_d001_an_event_name_of_the_wrong_type_is_no_crash(name: object) -> None:
    # Found by tests/test_robustness.py: `[] in frozenset(...)` raised TypeError.
    ev = website_event(event_id=DROP, user_data=user_data(fbp=DROP), event_name=name)
    assert "D001" in codes(body(ev), select=D)


def test_d001_external_id_plus_fbp_is_a_valid_setup() -> None:
    ev = website_event(event_id=DROP)
    assert "D001" not in codes(body(ev), select=D)


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_d001_blank_event_id_counts_as_missing(blank) -> None:
    ev = website_event(event_id=blank, user_data=user_data(external_id=DROP))
    assert pointers(body(ev), "D001", select=D) == ["/data/0"]


def test_d001_app_event_has_no_fbp() -> None:
    ev = app_event(event_id=DROP)
    found = [f for f in lint(body(ev), select=D) if f.code == "D001"]
    assert [f.pointer for f in found] == ["/data/0"]
    assert "app event" in found[0].message


@pytest.mark.parametrize("source", ["physical_store", "email", "phone_call", "system_generated"])
def test_d001_offline_sources_pass(source: str) -> None:
    ev = store_event(event_id=DROP, action_source=source)
    assert "D001" not in codes(body(ev), select=["D001"])


@pytest.mark.parametrize("name", ["AppendAttribution", "AppendValue"])
def test_d001_follow_up_events_have_no_browser_twin(name: str) -> None:
    ev = website_event(event_name=name, event_id=DROP, user_data=user_data(fbp=DROP))
    assert "D001" not in codes(body(ev), select=["D001"])
    # D002 still notes the missing event_id (info), since D001 stays quiet.
    assert pointers(body(ev), "D002", select=["D001", "D002"]) == ["/data/0"]


@pytest.mark.parametrize("name", ["003-appendvalue-d47449b.json", "006-appendvalue-0921cc8.json"])
def test_d001_real_stape_appendvalue_sent_as_website_event(name: str) -> None:
    # Stape's AppendValue body (no event_id, no external_id/fbp); its test omits
    # action_source, which a live website container sets, so add it back.
    payload = json.loads(ecosystem_file("stape-facebook-tag", name).read_text(encoding="utf-8"))
    event = payload["data"][0]
    assert event["event_name"] == "AppendValue" and "event_id" not in event
    event["action_source"] = "website"
    assert "D001" not in codes(payload, select=["D001"])
    event["event_name"] = "Purchase"  # the same body as an ordinary conversion is reported
    assert "D001" in codes(payload, select=["D001"])


def test_d002_reports_what_d001_does_not() -> None:
    fallback = website_event(0, event_id=DROP)  # external_id + fbp: D001 quiet
    store = store_event(event_id=DROP)
    bare = website_event(2, event_id=DROP, user_data=user_data(fbp=DROP))  # D001's
    found = lint(body(fallback, store, bare), select=["D001", "D002"])
    assert [(f.code, f.pointer) for f in found if f.code in ("D001", "D002")] == [
        ("D002", "/data/0"),
        ("D002", "/data/1"),
        ("D001", "/data/2"),
    ]


def test_d002_reports_everything_when_d001_is_off() -> None:
    bare = website_event(event_id=DROP, user_data=user_data(fbp=DROP))
    assert pointers(body(bare), "D002", select=["D002"]) == ["/data/0"]


def test_d002_leaves_blank_ids_to_d005() -> None:
    assert "D002" not in codes(body(store_event(event_id="")), select=D)


# --------------------------------------------------------------------------- D003


def test_d003_points_at_the_later_event_and_names_the_earlier() -> None:
    events = [website_event(0), website_event(1), website_event(2, event_id="order-0")]
    found = [f for f in lint(body(*events), select=D) if f.code == "D003"]
    assert [(f.pointer, f.event_index) for f in found] == [("/data/2/event_id", 2)]
    assert "event 0" in found[0].message
    assert found[0].line is not None


def test_d003_number_and_string_ids_are_the_same_id() -> None:
    events = [website_event(0, event_id=12345), website_event(1, event_id="12345")]
    assert pointers(body(*events), "D003", select=D) == ["/data/1/event_id"]


def test_d003_same_id_other_name_is_not_a_duplicate() -> None:
    events = [website_event(0, event_name="InitiateCheckout"), website_event(0)]
    assert "D003" not in codes(body(*events), select=D)


def test_d003_every_later_repeat_is_reported() -> None:
    events = [website_event(i, event_id="constant") for i in range(4)]
    assert pointers(body(*events), "D003", select=["D003"]) == [
        "/data/1/event_id",
        "/data/2/event_id",
        "/data/3/event_id",
    ]


def _jsonl(*docs) -> str:
    return "".join(json.dumps(d) + "\n" for d in docs)


def test_d003_file_scope_spans_request_lines() -> None:
    text = _jsonl(body(website_event(0)), body(website_event(1), website_event(0)))
    found = [f for f in lint(text, select=["D003"]) if f.code == "D003"]
    assert [(f.pointer, f.line) for f in found] == [("/data/1/event_id", 2)]
    assert "request #1 in this file" in found[0].message


def test_d003_batch_scope_stays_inside_one_request() -> None:
    text = _jsonl(body(website_event(0)), body(website_event(1), website_event(0)))
    assert lint(text, select=["D003"], dedup_scope="batch") == []


def test_d003_event_lines_are_one_batch() -> None:
    text = _jsonl(website_event(0), website_event(1), website_event(0))
    found = [f for f in lint(text, select=["D003"]) if f.code == "D003"]
    assert [(f.pointer, f.line, f.event_index) for f in found] == [("/event_id", 3, 2)]


def _write(folder: Path, name: str, payload) -> str:
    path = folder / name
    path.write_text(json.dumps(payload, indent=2), "utf-8")
    return str(path)


def test_d003_run_scope_spans_files(tmp_path: Path) -> None:
    first = _write(tmp_path, "day1.json", body(website_event(0), website_event(1)))
    second = _write(tmp_path, "day2.json", body(website_event(2), website_event(1)))
    settings = build_settings({"select": ["D003"]}, now=NOW, dedup_scope="run")
    found = run([first, second], settings).findings
    assert [(Path(f.path).name, f.pointer) for f in found] == [("day2.json", "/data/1/event_id")]
    assert "day1.json" in found[0].message and "event 1" in found[0].message
    file_scope = build_settings({"select": ["D003"]}, now=NOW)
    assert run([first, second], file_scope).findings == []


def test_d003_run_scope_memory_is_capped(tmp_path: Path) -> None:
    paths = [
        _write(tmp_path, f"day{day}.json", body(*[website_event(10 * day + i) for i in range(3)]))
        for day in range(3)
    ]
    paths.append(_write(tmp_path, "day3.json", body(website_event(0), website_event(20))))
    settings = build_settings(
        {"select": ["D003"], "options": {"D003": {"max-keys": 4}}}, now=NOW, dedup_scope="run"
    )
    found = run(paths, settings).findings
    notes = [f for f in found if f.severity.value == "info"]
    assert len(notes) == 1 and "at most 4" in notes[0].message
    # The first keys were kept: event 0 of day0 is still found, day2's were not kept.
    repeats = [f for f in found if f.severity.value == "warning"]
    assert [(Path(f.path).name, f.pointer) for f in repeats] == [("day3.json", "/data/0/event_id")]


def test_dedup_scope_config_and_cli(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert build_settings({"dedup-scope": "run"}).dedup_scope == "run"
    assert build_settings({}).dedup_scope == "file"
    with pytest.raises(ConfigError, match="dedup-scope"):
        build_settings({"dedup-scope": "everything"})
    first = _write(tmp_path, "a.json", body(website_event(0)))
    second = _write(tmp_path, "b.json", body(website_event(0)))
    args = ["check", first, second, "--select", "D003", "--now", str(NOW), "--format", "json"]
    assert cli.main(args) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []
    code = cli.main([*args, "--dedup-scope", "run"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0  # a warning does not fail the run
    assert [f["code"] for f in out["findings"]] == ["D003"]


# --------------------------------------------------------------------------- D004


def test_d004_checkout_then_purchase_of_one_user_passes() -> None:
    events = [website_event(0, event_name="InitiateCheckout"), website_event(0)]
    assert "D004" not in codes(body(*events), select=D)


def test_d004_three_names_reported_once() -> None:
    names = ["ViewContent", "AddToCart", "InitiateCheckout", "Purchase"]
    events = [website_event(0, event_name=n, event_id="session-1") for n in names]
    found = [f for f in lint(body(*events), select=D) if f.code == "D004"]
    assert [f.pointer for f in found] == ["/data/2/event_id"]
    assert "3 different event names" in found[0].message


def test_d004_different_users() -> None:
    events = [
        website_event(0, event_name="InitiateCheckout", event_id="x-1"),
        website_event(1, event_id="x-1"),
    ]
    found = [f for f in lint(body(*events), select=D) if f.code == "D004"]
    assert [f.pointer for f in found] == ["/data/1/event_id"]
    assert "event 0" in found[0].message and "external_id" in found[0].message


def test_d004_users_that_cannot_be_compared_pass() -> None:
    anonymous = {"client_ip_address": "203.0.113.9", "client_user_agent": "Mozilla/5.0 (X11)"}
    events = [
        website_event(0, event_name="InitiateCheckout", event_id="x-1", user_data=anonymous),
        website_event(1, event_id="x-1"),
    ]
    assert "D004" not in codes(body(*events), select=["D004"])


def test_d004_list_values_sharing_one_entry_are_one_user() -> None:
    shared = sha("c0@example.com")
    a = website_event(0, event_name="InitiateCheckout", event_id="x-1")
    b = website_event(0, event_id="x-1")
    a["user_data"]["em"] = [shared, sha("old@example.com")]
    b["user_data"]["em"] = [shared]
    assert "D004" not in codes(body(a, b), select=["D004"])


# --------------------------------------------------------------------------- D005


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("", "empty"),
        ("  ", "whitespace"),
        ("undefined", "placeholder"),
        ("NULL", "placeholder"),
        ("0", "placeholder"),
        ("[object Object]", "placeholder"),
        ("{{Event ID}}", "template"),
        ("order-${orderId}", "template"),
        ("%event_id%", "template"),
        (12345, "a number"),
        (12.5, "a number"),
        (True, "a boolean"),
        ({"id": 1}, "an object"),
        (["a"], "an array"),
    ],
)
def test_d005_suspicious_values(value, words: str) -> None:
    found = [f for f in lint(body(website_event(event_id=value)), select=D) if f.code == "D005"]
    assert [f.pointer for f in found] == ["/data/0/event_id"]
    assert words in found[0].message


@pytest.mark.parametrize(
    "value", ["12345", "0042", "order-10001", "3f1c2b9e-6a1d-4b8e-9c1e-2f6a7d9e0b11", "50%-off"]
)
def test_d005_real_ids_pass(value: str) -> None:
    assert "D005" not in codes(body(website_event(event_id=value)), select=D)


def test_d005_does_not_echo_the_value() -> None:
    secret_like = "{{ user.email }} john_smith@gmail.com"
    found = [f for f in lint(body(website_event(event_id=secret_like)), select=D)]
    assert all("john_smith" not in f.message for f in found)


# --------------------------------------------------------------------------- D006


def test_d006_identical_events_without_id() -> None:
    a = store_event(event_id=DROP)
    b = store_event(event_id=DROP)
    # Key order inside user_data does not make events different.
    b["user_data"] = dict(reversed(list(b["user_data"].items())))
    found = [f for f in lint(body(a, store_event(event_id="pos-2"), b), select=D)]
    d006 = [f for f in found if f.code == "D006"]
    assert [f.pointer for f in d006] == ["/data/2"]
    assert "event 0" in d006[0].message


def test_d006_any_difference_or_an_id_passes() -> None:
    events = [
        store_event(event_id=DROP),
        store_event(event_id=DROP, event_time=NOW - 30 * 86_400 + 1),
        store_event(event_id=DROP, event_name="Lead"),
        store_event(),
        store_event(),  # same id: D003's, not D006's
    ]
    assert "D006" not in codes(body(*events), select=D)
