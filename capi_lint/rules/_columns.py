"""What the batch rules read from an event, read once and taken in bulk.

A batch rule that only reports at the end of its batch (the B statistics,
E006's request check, R004) is a :class:`ColumnRule`: instead of being called
per event, it declares the values it reads (the fields of :class:`Columns`)
and takes them a chunk of events at a time (``take``), in a tight loop of
its own. The engine reads those fields once per event for all such rules of
the batch (:class:`Batch`); memory stays flat, as a chunk holds at most
``CHUNK`` events' top-level values (references, not copies).

Rules that report on an event itself (D003, D004, D006, H009) are still fed
per event, and may declare ``feeds_on = (selector, value)``: the batch
evaluates each distinct selector once per event and feeds the rule only
the events for which it returns ``value`` (e.g. only events with an
event_id), so a rule that cannot report on an event costs nothing there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any, NamedTuple

#: Events read before the column rules take them (bounds the memory held).
CHUNK = 64


def _seconds_of(value: Any) -> int | None:
    """event_time as plausible whole seconds (not ms, not negative), else None."""
    from capi_lint.rules._util import numeric_string_int

    kind = type(value)
    if kind is float and value.is_integer():
        value = int(value)
    elif kind is str:
        value = numeric_string_int(value)  # Graph reads "1631210000" as the number
        if value is None:
            return None
    elif kind is not int:
        return None
    return value if 0 <= value < 10**11 else None


#: The parents a declared path may read under (objects of the event).
_OBJECTS = ("custom_data", "user_data")


@lru_cache(maxsize=64)
def _paths(reads: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    """The union of the takers' declared paths, in a fixed order."""
    paths = tuple(sorted({path for declared in reads for path in declared}))
    for path in paths:
        head, _, rest = path.partition(".")
        if rest and (head not in _OBJECTS or "." in rest):
            raise ValueError(f"a column rule reads an unsupported path: {path!r}")
    return paths


@lru_cache(maxsize=64)
def _reader(paths: tuple[str, ...]) -> Callable[..., Callable[[int, dict[str, Any]], None]]:
    """``make(index, flush, chunk, *columns) -> add`` for ``paths``, generated
    and compiled once per process (a batch is often a single event)."""
    scope: dict[str, Any] = {}
    exec(compile(_extractor(paths), "<batch columns>", "exec"), scope)
    return scope["make"]


def _extractor(paths: tuple[str, ...]) -> str:
    """The source of ``make``, whose ``add(index, event)`` reads each path once.

    A path is a top-level member (``"event_time"``: its JSON value, None when
    absent) or ``"<object>.<member>"`` under ``custom_data`` / ``user_data``
    (None when the member is absent or the object is not an object).
    """
    names = {path: f"c{n}" for n, path in enumerate(paths)}
    lines = [f"def make(index_list, flush, chunk{''.join(', ' + n for n in names.values())}):"]
    lines += [f"    {name} = {name}.append" for name in names.values()]
    lines += ["    index_ = index_list.append", "    len_ = len"]
    lines += ["    def add(index, event):", "        index_(index)", "        get = event.get"]
    parents = {p for p in _OBJECTS if any(path.startswith(p + ".") for path in paths)}
    for path in paths:
        if "." not in path and path not in parents:
            lines.append(f"        {names[path]}(get({path!r}))")
    for parent in _OBJECTS:
        members = [p for p in paths if p.startswith(parent + ".")]
        if not members:
            continue
        lines.append(f"        sub = get({parent!r})")
        if parent in names:  # the object itself is read too: once
            lines.append(f"        {names[parent]}(sub)")
        lines.append("        if type(sub) is dict:")
        lines += [f"            {names[p]}(sub.get({p.split('.', 1)[1]!r}))" for p in members]
        lines.append("        else:")
        lines += [f"            {names[p]}(None)" for p in members]
    lines += ["        if len_(index_list) >= chunk:", "            flush()", "    return add"]
    return "\n".join(lines)


class Columns:
    """A chunk of a batch's events as columns: one list per declared path
    (``columns["user_data.client_ip_address"]``), aligned with ``index``.

    The paths are the union of what the takers declare (their ``reads``);
    one generated function reads them from each event (``add``).
    """

    __slots__ = ("_seconds", "add", "data", "index", "taken", "takers")

    def __init__(self, takers: list[Any], paths: tuple[str, ...] | None = None) -> None:
        #: The column rules that take each chunk, in rule order.
        self.takers = takers
        if paths is None:
            paths = _paths(tuple(taker.reads for taker in takers))
        self.index: list[int] = []
        #: Events already taken (chunks before this one).
        self.taken = 0
        self.data: dict[str, list[Any]] = {path: [] for path in paths}
        self._seconds: list[int | None] | None = None
        #: ``add(index, event)``: read the event; hand the chunk to the takers when full.
        self.add = _reader(paths)(self.index, self.flush, CHUNK, *self.data.values())

    def __getitem__(self, path: str) -> list[Any]:
        return self.data[path]

    def seconds(self) -> list[int | None]:
        """event_time per event as plausible whole seconds, else None (B003, B004)."""
        found = self._seconds
        if found is None:
            found = self._seconds = [
                t if type(t) is int and 0 <= t < 10**11 else _seconds_of(t)
                for t in self.data["event_time"]
            ]
        return found

    def flush(self, final: bool = False) -> None:
        """Give the chunk read so far to every taker, then start a new one.

        ``final``: the batch ends here. A batch that is this one chunk skips
        the takers that cannot report on so few events (a request of one
        event, in sending code, pays for no statistic).
        """
        if not self.index:
            return
        few = len(self.index) if final and not self.taken else None
        for taker in self.takers:
            if few is None or few >= taker.needs_events():
                taker.take(self)
        self.taken += len(self.index)
        # Cleared in place: the generated reader holds the lists' appends.
        self.index.clear()
        for column in self.data.values():
            column.clear()
        self._seconds = None


class ColumnRule:
    """Base of the batch rules that read columns: ``take(columns)`` per chunk,
    ``result()`` at the end. ``feed(index, event)`` (the per-event batch
    protocol: tests, the Spark executors, the request lines of a JSON Lines
    file) takes each event as a chunk of one, so both paths compute alike."""

    __slots__ = ("columns",)

    columns: Columns | None

    #: False: the rule has nothing to take in this batch (not fed at all).
    active = True
    #: The paths it reads (see ``Columns``): read once per event for all column rules.
    reads: tuple[str, ...] = ()

    def take(self, columns: Columns) -> None:
        raise NotImplementedError

    def needs_events(self) -> int:
        """The fewest events of a batch on which ``result`` can report anything."""
        return 1

    def result(self) -> Any:
        raise NotImplementedError

    def feed(self, index: int, event: dict[str, Any]) -> None:
        columns = getattr(self, "columns", None)
        if columns is None:
            columns = self.columns = Columns([self])
        columns.add(index, event)
        columns.flush()

    def finish(self) -> Any:
        columns = getattr(self, "columns", None)
        if columns is not None:
            columns.flush(final=True)
        return self.result()

    def flush(self) -> None:
        """Take what the columns hold (shared with other rules in the engine)."""
        columns = getattr(self, "columns", None)
        if columns is not None:
            columns.flush()

    def __getstate__(self) -> dict[str, Any]:
        # Shipped (the Spark executors' partial states) without the columns:
        # flushed first, and their reader is generated code.
        self.flush()
        return {
            name: getattr(self, name)
            for cls in type(self).__mro__
            for name in getattr(cls, "__slots__", ())
            if name != "columns" and hasattr(self, name)
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)


Selector = Callable[[dict[str, Any]], Any]


class _Layout(NamedTuple):
    """How a batch of these rule classes is fed (positions in its states)."""

    takers: tuple[int, ...]
    paths: tuple[str, ...]
    unrouted: tuple[int, ...]
    routed: tuple[tuple[Selector, tuple[tuple[Any, int], ...]], ...]


@lru_cache(maxsize=64)
def _layout(kinds: tuple[tuple[type, bool], ...]) -> _Layout:
    """The layout for states of these (class, active) kinds: the same per
    selection, so worked out once (a batch is often a single event)."""
    takers = tuple(
        i for i, (cls, active) in enumerate(kinds) if issubclass(cls, ColumnRule) and active
    )
    per_event = [i for i, (cls, _) in enumerate(kinds) if not issubclass(cls, ColumnRule)]
    routed: dict[Selector, list[tuple[Any, int]]] = {}
    for i in per_event:
        feeds_on = getattr(kinds[i][0], "feeds_on", None)
        if feeds_on is not None:
            selector, value = feeds_on
            routed.setdefault(selector, []).append((value, i))
    return _Layout(
        takers,
        _paths(tuple(kinds[i][0].reads for i in takers)),  # type: ignore[attr-defined]
        tuple(i for i in per_event if getattr(kinds[i][0], "feeds_on", None) is None),
        tuple((selector, tuple(routes)) for selector, routes in routed.items()),
    )


class Batch:
    """One batch's rule states, each fed as it declares (see the module doc).

    Iterates as ``(rule, state)`` pairs in rule order, for ``finish`` and
    ``review``; a column rule's ``finish`` takes what the columns still hold.
    """

    __slots__ = ("columns", "routed", "states", "unrouted")

    def __init__(self, states: list[tuple[Any, Any]]) -> None:
        self.states = states
        layout = _layout(tuple((type(s), getattr(s, "active", True)) for _, s in states))
        takers = [states[i][1] for i in layout.takers]
        self.columns = Columns(takers, layout.paths) if takers else None
        for state in takers:
            state.columns = self.columns
        #: (rule, state) fed every event.
        self.unrouted = [states[i] for i in layout.unrouted]
        #: (selector, [(value, rule, state)]): fed when the selector returns value.
        self.routed = [
            (selector, [(value, *states[i]) for value, i in routes])
            for selector, routes in layout.routed
        ]

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return iter(self.states)

    def __len__(self) -> int:
        return len(self.states)

    def feed(self, index: int, event: dict[str, Any]) -> list[tuple[Any, Any]] | None:
        """Feed one event; returns the (rule, hits) of the rules that report on it."""
        if self.columns is not None:
            self.columns.add(index, event)
        out = None
        for selector, routes in self.routed:
            got = selector(event)
            for value, rule, state in routes:
                if got == value:
                    hits = state.feed(index, event)
                    if hits:
                        out = out or []
                        out.append((rule, hits))
        for rule, state in self.unrouted:
            hits = state.feed(index, event)
            if hits:
                out = out or []
                out.append((rule, hits))
        return out
