"""The pytest plugin, exercised with pytester: fixture, marker, opt-in payload
collection, the server fixture, and the README's pytest snippets."""

from __future__ import annotations

import json
import re
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from helpers import NOW, body, sha, website_event

from capi_lint.pytest_plugin import glob_regex

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
RAW_EMAIL = "john.smith.private@example.com"


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # In-process; hypothesis' plugin would re-import hypothesis in every inner run (~2 s).
    return pytester.runpytest("-p", "no:cacheprovider", "-p", "no:hypothesispytest", *args)


def readme_block(name: str) -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    match = re.search(rf"<!-- snippet: {re.escape(name)} -->\s*```[\w-]*\n(.*?)```", text, re.S)
    assert match, f"README has no snippet {name!r}"
    return match.group(1)


def write_payloads(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "clean.json").write_text(json.dumps(body(website_event()), indent=2))
    broken = website_event(event_time=NOW * 1000)
    broken["user_data"]["phone"] = "+1 650 555 1212"  # unknown key, raw value: never shown
    (folder / "broken.json").write_text(json.dumps(body(broken), indent=2))
    lines = [json.dumps(website_event(event_id=f"e{i}")) for i in range(3)]
    lines[1] = json.dumps(website_event(event_id="e1", event_time=NOW * 1000))
    (folder / "events.jsonl").write_text("\n".join(lines) + "\n\n")


# --------------------------------------------------------------------------- loading


def test_registered_as_a_pytest11_entry_point() -> None:
    found = [ep for ep in entry_points(group="pytest11") if ep.name == "capi_lint"]
    assert [ep.value for ep in found] == ["capi_lint.pytest_plugin"]


def test_plugin_imports_nothing_heavy() -> None:
    import subprocess

    code = (
        "import sys, capi_lint.pytest_plugin as p; "
        "print(sorted(m for m in ('capi_lint.serve', 'capi_lint.rules', 'capi_lint.reporters', "
        "'http.server', 'facebook_business') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_installing_changes_nobodys_collection(pytester: pytest.Pytester) -> None:
    write_payloads(pytester.path / "payloads")
    result = pytester.runpytest("payloads")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.capi_lint(*"])


# --------------------------------------------------------------------------- fixture


def test_fixture_check_and_assert_valid(pytester: pytest.Pytester) -> None:
    clean = body(website_event())
    broken = body(website_event(event_time=NOW * 1000))
    broken["data"][0]["user_data"]["em"] = RAW_EMAIL  # raw PII: must never be printed
    pytester.makepyfile(
        test_payloads=f"""
        import pytest
        CLEAN = {clean!r}
        BROKEN = {broken!r}

        def test_clean(capi_lint):
            findings = capi_lint.assert_valid(CLEAN, now={NOW})
            assert all(f.severity.value != "error" for f in findings)

        def test_check_returns_findings(capi_lint):
            codes = {{f.code for f in capi_lint.check(BROKEN, now={NOW})}}
            assert "E005" in codes

        def test_broken(capi_lint):
            capi_lint.assert_valid(BROKEN, now={NOW}, path="purchase.json")
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    assert re.search(r"PayloadError: \d+ finding\(s\) at or above error:", out)
    assert re.search(
        r"purchase\.json:/data/0/event_time: E005 \[error\] `event_time` looks like millis", out
    )
    assert RAW_EMAIL not in result.stdout.str()
    assert "john.smith.private" not in result.stdout.str()


def test_marker_options_apply_to_the_test(pytester: pytest.Pytester) -> None:
    variant = body(website_event(event_name="purchase"))  # E002, a warning
    pytester.makepyfile(
        test_marker=f"""
        import pytest
        BODY = {variant!r}

        @pytest.mark.capi_lint(now={NOW}, select="E002")
        def test_selected_only(capi_lint):
            assert [f.code for f in capi_lint.check(BODY)] == ["E002"]
            capi_lint.assert_valid(BODY)  # a warning does not fail at error level

        @pytest.mark.capi_lint(now={NOW}, fail_on="warning")
        def test_fail_on_warning(capi_lint):
            capi_lint.assert_valid(BODY)

        @pytest.mark.capi_lint(now={NOW}, fail_on="warning")
        def test_call_options_win(capi_lint):
            capi_lint.assert_valid(BODY, ignore=["E002"])

        @pytest.mark.capi_lint(now={NOW}, ignore=["E002"])
        class TestClassMarker:
            @pytest.mark.capi_lint(fail_on="warning")
            def test_closest_and_class_markers_combine(self, capi_lint):
                capi_lint.assert_valid(BODY)

        def test_unknown_option(capi_lint):
            with pytest.raises(TypeError, match="unknown capi_lint option"):
                capi_lint.check(BODY, sellect="E")
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=4, failed=1)
    assert re.search(r"FAILED .*test_fail_on_warning", result.stdout.str())
    assert "E002 [warning]" in result.stdout.str()


def test_fixture_uses_the_project_config(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", **{".capi-lint": f'now = {NOW}\nselect = ["E005"]\n'})
    ms = body(website_event(event_time=NOW * 1000, event_name="purchase"))
    pytester.makepyfile(
        test_config=f"""
        def test_config(capi_lint):
            assert [f.code for f in capi_lint.check({ms!r})] == ["E005"]
        """
    )
    run(pytester).assert_outcomes(passed=1)


# --------------------------------------------------------------------------- collection


def test_payload_files_become_items(pytester: pytest.Pytester) -> None:
    write_payloads(pytester.path / "payloads")
    pytester.makefile(".toml", **{".capi-lint": f"now = {NOW}\n"})
    result = run(pytester, "-v", "--capi-lint-payloads", "payloads/*.json*")
    result.assert_outcomes(passed=4, failed=2)
    result.stdout.fnmatch_lines_random(
        [
            "payloads/clean.json::capi-lint PASSED*",
            "payloads/broken.json::capi-lint FAILED*",
            "payloads/events.jsonl::line-1 PASSED*",
            "payloads/events.jsonl::line-2 FAILED*",
            "payloads/events.jsonl::line-3 PASSED*",
            "payloads/events.jsonl::batch PASSED*",
        ]
    )
    out = result.stdout.str()
    # The failure is the findings in the text format, not a traceback.
    assert re.search(r"payloads/broken\.json:\d+:\d+: E005 \[error\] ", out)
    assert re.search(r"payloads/events\.jsonl:2:\d+: E005 \[error\] ", out)
    assert "S009 [error] unknown key `phone`" in out
    assert "650 555" not in out and "6505551212" not in out
    assert "Traceback" not in out and "def runtest" not in out


def test_payload_items_carry_the_marker_and_the_ini_option(pytester: pytest.Pytester) -> None:
    write_payloads(pytester.path / "tests" / "payloads")
    pytester.makeini("[pytest]\ncapi_lint_payloads = tests/payloads/**/*.json\n")
    pytester.makefile(".toml", **{".capi-lint": f"now = {NOW}\n"})
    pytester.makepyfile(test_other="def test_unrelated():\n    pass\n")
    result = run(pytester, "-m", "capi_lint")
    result.assert_outcomes(passed=1, failed=1, deselected=1)


def test_unreadable_or_broken_files_are_failed_items_not_collection_errors(
    pytester: pytest.Pytester,
) -> None:
    folder = pytester.path / "payloads"
    folder.mkdir()
    (folder / "notjson.json").write_text("{not json")
    (folder / "empty.jsonl").write_text("")
    (folder / "bad.jsonl").write_text('{"event_name": \n' + json.dumps(website_event()) + "\n")
    pytester.makefile(".toml", **{".capi-lint": f"now = {NOW}\n"})
    result = run(pytester, "--capi-lint-payloads", "payloads")
    result.assert_outcomes(passed=3, failed=2)  # empty.jsonl: only its batch item
    out = result.stdout.str()
    assert "payloads/notjson.json:1:2: S001 [error] invalid JSON" in out
    assert re.search(r"payloads/bad\.jsonl:1:\d+: S001 \[error\]", out)


def test_batch_item_holds_findings_that_span_lines(pytester: pytest.Pytester) -> None:
    from capi_lint import registry
    from capi_lint.registry import Scope

    if "B004" not in [r.code for r in registry.all_rules() if Scope.BATCH in r.scopes]:
        pytest.skip("B004 (shared-event-time) is not registered")
    events = [
        website_event(
            event_id=f"e{i}",
            event_time=NOW - 3600,  # every event at one time: B004 over the whole file
            custom_data={"value": 10.0 + i, "currency": "USD", "order_id": f"o{i}"},
        )
        for i in range(40)
    ]
    folder = pytester.path / "payloads"
    folder.mkdir()
    (folder / "same_time.jsonl").write_text("\n".join(json.dumps(e) for e in events) + "\n")
    pytester.makefile(".toml", **{".capi-lint": f'now = {NOW}\nfail-on = "warning"\n'})
    result = run(pytester, "-v", "--capi-lint-payloads", "payloads/*.jsonl")
    result.assert_outcomes(passed=40, failed=1)
    result.stdout.fnmatch_lines(["*payloads/same_time.jsonl::batch FAILED*"])
    assert re.search(r"same_time\.jsonl:1:1: B004 \[warning\] 40 of 40 events", result.stdout.str())


@pytest.mark.parametrize(
    ("glob", "path", "matches"),
    [
        ("payloads/*.json", "payloads/a.json", True),
        ("payloads/*.json", "payloads/sub/a.json", False),
        ("payloads/**/*.json", "payloads/a.json", True),
        ("payloads/**/*.json", "payloads/x/y/a.json", True),
        ("**/*.jsonl", "a/b.jsonl", True),
        ("./payloads", "payloads/x/a.json", True),
        ("payloads", "payloads2/a.json", False),
        ("p?y/[ab].json", "pay/b.json", True),
        ("p?y/[!ab].json", "pay/b.json", False),
    ],
)
def test_globs(glob: str, path: str, matches: bool) -> None:
    assert bool(glob_regex(glob).match(path)) is matches


# --------------------------------------------------------------------------- server fixture


def test_server_fixture(pytester: pytest.Pytester) -> None:
    ms = body(website_event(event_time=NOW * 1000))
    pytester.makepyfile(
        test_server=f"""
        import json, urllib.request, urllib.error
        import pytest

        def post(url, payload):
            request = urllib.request.Request(
                url + "?access_token=EAAtest1234567890", data=json.dumps(payload).encode(),
                headers={{"Content-Type": "application/json"}}, method="POST")
            try:
                with urllib.request.urlopen(request) as response:
                    return response.status, json.load(response)
            except urllib.error.HTTPError as exc:
                return exc.code, json.load(exc)

        @pytest.mark.capi_lint(now={NOW})
        def test_server(capi_lint_server):
            assert capi_lint_server.base_url.startswith("http://127.0.0.1:")
            status, answer = post(capi_lint_server.url("1234567890"), {ms!r})
            assert status == 400 and answer["error"]["code"] == 100
            assert [f.code for f in capi_lint_server.findings] == ["E005"]
            assert capi_lint_server.requests[0]["params"]["access_token"] == "(redacted)"
        """
    )
    run(pytester).assert_outcomes(passed=1)


# --------------------------------------------------------------------------- README


def test_readme_pytest_fixture_snippet(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_readme=readme_block("pytest-fixture"))
    run(pytester).assert_outcomes(passed=2)


def test_readme_pytest_collection_snippet(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject=readme_block("pytest-payloads"))
    write_payloads(pytester.path / "tests" / "payloads")
    result = run(pytester, "tests")
    result.assert_outcomes(passed=4, failed=2)


def test_hash_helper_matches_the_builders() -> None:
    import capi_lint

    assert capi_lint.hash_value("em", " John_Smith@Gmail.com ") == sha("john_smith@gmail.com")
