"""The batch rules of a JSON Lines file of events, split across Spark partitions.

Pure Python (no pyspark): the executors and the driver call it, and so can a
test. A single-machine run feeds every event of a file, in order, to one
instance of each batch rule. Here the file's events are spread over
partitions, so each rule's state is split into parts that combine exactly:

- **Keyed rules** (D003, D004, D006, B005, B006) only compare events that share
  a key: the event_id (D003 and D004), the name and time of an event without an
  ID (D006), the order ID (B005), the IP address (B006). Events are grouped by
  that key across partitions; a group of two or more events is replayed, in
  file order, through a fresh instance of the rule itself. The per-event
  findings are exactly the single-machine ones; B005's summary is merged
  from the groups' counts (``merge_b005``). The key here is as coarse as or
  coarser than the rule's own, so events that the rule compares always meet.
- **Counting rules** (B001-B004) keep one instance per partition, fed in
  order; the driver adds their counters up (``merge_stats``) and calls the
  rule's own ``finish``.
- **H009** only changes state at the first hashed and the first raw value of
  each field: each partition marks the events where its own instance's state
  changed (a superset of the file's first occurrences), and the driver
  replays only those, in file order.

Differences from a single machine, all documented in the README: the keyed
rules' `window` (the last N distinct keys) is not applied (Spark compares the
whole file, as the CLI does whenever a file has fewer distinct keys than the
window); the index list quoted by B003/B004 comes from per-partition samples.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from capi_lint import envelope as env_mod
from capi_lint import registry
from capi_lint.config import Settings
from capi_lint.engine import Context
from capi_lint.model import Hit
from capi_lint.registry import Scope
from capi_lint.rules import batch as batch_rules
from capi_lint.rules._userdata import ip_address_part
from capi_lint.rules.dedup import _has_id, _id_key

#: Key family -> the batch rules that compare events sharing that key.
FAMILIES: dict[str, tuple[str, ...]] = {
    "id": ("D003", "D004"),
    "noid": ("D006",),
    "order": ("B005",),
    "ip": ("B006",),
}
COUNTING = ("B001", "B002", "B003", "B004")
#: Batch rules with nothing to say about a JSON Lines file of events (E006's
#: batch part is for requests without a reference time; R004 reviews a request).
INERT = ("E006", "R004")


def keys(event: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(family, key) of every keyed rule that may compare ``event`` with another."""
    event_id = event.get("event_id")
    key = _id_key(event_id)
    if key is not None:
        yield "id", key
    elif not _has_id(event_id):
        with contextlib.suppress(TypeError, orjson.JSONEncodeError):
            yield "noid", orjson.dumps((event.get("event_name"), event.get("event_time"))).decode()
    custom = event.get("custom_data")
    if type(custom) is dict:
        order = custom.get("order_id")
        text = batch_rules._id_text(order)
        if text is not None:
            yield "order", text
    user = event.get("user_data")
    if type(user) is dict:
        ip = user.get("client_ip_address")
        if type(ip) is str and ip:
            yield "ip", ip_address_part(ip)


def new_context(settings: Settings, now: int | None, path: str) -> Context:
    """A batch context as ``Engine.check_jsonl`` opens one (kind set after start)."""
    return Context(settings, now, path, {})


def start(codes: Iterable[str], ctx: Context) -> list[tuple[str, Any]]:
    """Fresh instances of the enabled batch rules ``codes`` (needing ``now`` only with one)."""
    out = []
    for code in codes:
        rule = registry.get(code)
        if code not in ctx.settings.enabled or Scope.BATCH not in rule.scopes:
            continue
        if ctx.now is None and rule.needs_now is registry.NeedsNow.YES:
            continue
        out.append((code, rule.scopes[Scope.BATCH](ctx)))
    ctx.kind = env_mod.EVENT
    return out


def feed(
    states: list[tuple[str, Any]], ctx: Context, index: int, event: dict[str, Any]
) -> list[tuple[str, Hit]]:
    """Feed one event as ``Engine._check_event`` does: context moved, memo cleared."""
    ctx.index = index
    if ctx.memo:
        ctx.memo.clear()
    source = event.get("action_source")
    ctx.action_source = source if type(source) is str else None
    out: list[tuple[str, Hit]] = []
    for code, state in states:
        hits = state.feed(index, event)
        if hits:
            out.extend((code, hit) for hit in hits)
    return out


def h009_changed(state: Any, index: int) -> bool:
    """H009's state took note of event ``index`` (a first hashed or raw value of a field)."""
    return any(slot[0] == index or slot[1] == index for slot in state.seen.values())


# --------------------------------------------------------------------------- merges


def _concat(parts: Iterable[tuple[int, list[int]]], keep: int = batch_rules._KEEP) -> list[int]:
    """Indexes of parts in file order, each shifted by its part's event offset."""
    out: list[int] = []
    for offset, indexes in parts:
        for index in indexes:
            if len(out) == keep:
                return out
            out.append(index + offset)
    return out


def merge_b005(parts: list[tuple[int, int, list[int], tuple[int, int]]], state: Any) -> Any:
    """B005 from its groups' (count, first later index, indexes, pair), already global."""
    state.count = sum(p[0] for p in parts)
    ordered = sorted(parts, key=lambda p: p[1])
    state.pair = ordered[0][3] if ordered else None
    state.indexes = sorted(i for p in parts for i in p[2])[: batch_rules._KEEP]
    return state


def merge_stats(code: str, parts: list[tuple[int, Any]], state: Any) -> Any:
    """Fold per-partition states (event offset, state), in file order, into ``state``."""
    if code == "B001":
        state.count = sum(s.count for _, s in parts)
        state.missing = sum(s.missing for _, s in parts)
        state.indexes = _concat((o, s.indexes) for o, s in parts)
    elif code == "B002":
        used = [(o, s) for o, s in parts if s.count or s.differs]
        state.differs = any(s.differs for _, s in used) or any(
            s.first != used[0][1].first for _, s in used
        )
        state.count = sum(s.count for _, s in used)
        state.first = used[0][1].first if used else None
        state.indexes = _concat((o, s.indexes) for o, s in used)
    elif code == "B003":
        state.count = sum(s.count for _, s in parts)
        _merge_times_of_day(state.tods, parts)
    elif code == "B004":
        state.count = sum(s.count for _, s in parts)
        _merge_counter(state.times, [(o, s.times) for o, s in parts])
    return state


def _items(counts: Any, dense: bool) -> Iterator[tuple[int, int]]:
    if dense:
        return ((k, v) for k, v in enumerate(counts) if v)
    return iter(counts.items())


def _merge_samples(into: dict[int, list[int]], offset: int, samples: dict[int, list[int]]) -> None:
    for value, indexes in samples.items():
        have = into.get(value)
        if have is None:
            if len(into) >= batch_rules._SAMPLED_VALUES:
                continue
            have = into[value] = []
        for index in indexes:
            if len(have) < batch_rules._KEEP:
                have.append(index + offset)


def _merge_times_of_day(tods: Any, parts: list[tuple[int, Any]]) -> None:
    counts: dict[int, int] = {}
    days: dict[int, int] = {}
    spread = False
    for offset, part in parts:
        p = part.tods
        spread = spread or p.spread
        for tod, count in _items(p.counts, p.dense):
            seen = counts.get(tod)
            counts[tod] = count + (seen or 0)
            day = p.days[tod]
            if seen is None:
                days[tod] = day
            elif days[tod] != day:
                spread = True
        _merge_samples(tods.samples, offset, p.samples)
    tods.counts, tods.days, tods.distinct, tods.spread = counts, days, len(counts), spread
    if tods.distinct > tods._DENSE_AFTER:
        tods._densify()


def _merge_counter(counter: Any, parts: list[tuple[int, Any]]) -> None:
    counts: dict[int, int] = {}
    for offset, part in parts:
        for value, count in part.counts.items():
            counts[value] = counts.get(value, 0) + count
        _merge_samples(counter.samples, offset, part.samples)
    counter.counts = counts
