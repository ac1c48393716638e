"""The clean path detects duplicate keys by comparing colon counts (loader.
_may_have_duplicates); these properties hold it to the exact scanner."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from capi_lint import loader
from capi_lint.positions import scan

keys = st.text(alphabet=st.sampled_from('ab:"\\ é'), min_size=1, max_size=4)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(alphabet=st.sampled_from('x:"\\ \n/'))
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(st.tuples(keys, inner), max_size=4),  # members, repeats allowed
    ),
    max_leaves=12,
)


def render(value: object, spaced: bool, escape_colons: bool) -> str:
    """JSON text for ``value``; lists of pairs become objects (keys may repeat)."""
    if isinstance(value, list) and value and all(isinstance(v, tuple) for v in value):
        sep = " : " if spaced else ":"
        members = [
            f"{_string(k, escape_colons)}{sep}{render(v, spaced, escape_colons)}" for k, v in value
        ]
        return "{" + ",".join(members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(render(v, spaced, escape_colons) for v in value) + "]"
    if isinstance(value, str):
        return _string(value, escape_colons)
    return json.dumps(value)


def _string(text: str, escape_colons: bool) -> str:
    out = json.dumps(text, ensure_ascii=False)
    return out.replace(":", "\\u003a") if escape_colons else out


@settings(max_examples=400, deadline=None)
@given(values, st.booleans(), st.booleans())
def test_fast_duplicate_check_agrees_with_scanner(value, spaced, escape_colons) -> None:
    text = render(value, spaced, escape_colons)
    doc = loader.parse("t.json", text.encode("utf-8"))
    assert doc.parsed
    reported = sorted((p.where, p.line, p.column) for p in doc.problems if p.code == "S002")
    expected = scan(text).duplicates
    assert len(reported) == len(expected), text
