"""The rule-test helpers fail when they should: a broken helper would make
every test written with it pass vacuously."""

from __future__ import annotations

import pytest
from helpers import assert_clean, assert_finds, body, event


def test_the_base_event_is_clean_and_a_changed_value_is_found() -> None:
    assert_clean(event(), "E005")
    [finding] = assert_finds(event(event_time=1763799880000), "E005", at="/event_time")
    assert finding.pointer == "/data/0/event_time"  # `at` is relative to the event


def test_assert_finds_fails_on_a_clean_event() -> None:
    with pytest.raises(AssertionError, match="E005 found nothing"):
        assert_finds(event(), "E005")


def test_assert_finds_fails_on_the_wrong_pointer_message_or_severity() -> None:
    late = event(event_time=1763799880000)
    with pytest.raises(AssertionError, match="expected"):
        assert_finds(late, "E005", at="/event_name")
    with pytest.raises(AssertionError):
        assert_finds(late, "E005", message="microseconds")
    with pytest.raises(AssertionError):
        assert_finds(late, "E005", severity="info")


def test_assert_clean_fails_when_the_code_reports() -> None:
    with pytest.raises(AssertionError, match="/event_time"):
        assert_clean(event(event_time=1763799880000), "E005")


def test_documents_keep_their_own_pointers() -> None:
    assert_finds(body(event(), event(event_time=1763799880000)), "E005", at="/data/1/event_time")
