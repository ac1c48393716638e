"""The P rules' input: the Pixel's events, the server's events and the twins. Plain data, no I/O.

The P rules (:mod:`capi_lint.rules.pair`) are pure functions over one
:class:`Pairing` per ``capi-lint pair`` run: what a page sent to the Pixel
(:class:`~capi_lint.pair.browser.BrowserEvent`), the Conversions API events
(:class:`~capi_lint.pair.server.ServerEvent`), and the :class:`Twin` pairs
:mod:`capi_lint.pair.match` found the way Meta deduplicates (same event ID,
else the same ``fbp`` / ``external_id``, within the window). ``capi-lint pair``
(:mod:`capi_lint.pair`) builds the pairing and runs the selected rules through
:class:`~capi_lint.model.Selection`, like ``crosscheck`` does.

A P hit is about a browser event, a server event or both; :func:`pair_hit`
makes it point at the first of them and records both locations in its extra
(``browser``, ``server``), where :func:`hit_location` finds the file, line and
column for the finding. This module imports nothing but the model at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from capi_lint.model import Hit, Severity

if TYPE_CHECKING:  # types only: the pair package imports the config and the registry
    from capi_lint.pair.browser import BrowserEvent
    from capi_lint.pair.server import ServerEvent

#: How a twin paired: by ``event_id`` and name; by ``fbp`` / ``external_id``
#: (``fallback``); by ID and name but outside the window (``window``, P005); by
#: ID with another name (``name``, P003). Only the first two deduplicate.
HOW = ("event_id", "fallback", "window", "name")


@dataclass(frozen=True)
class Twin:
    """A browser event and the server event paired with it (indexes into the pairing)."""

    browser: int
    server: int
    how: str
    #: ``fallback`` twins: the keys both sides send with equal values.
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pairing:
    """Both sides of one ``capi-lint pair`` run and their twins."""

    browser: tuple[BrowserEvent, ...]
    server: tuple[ServerEvent, ...]
    #: In the order they paired (ID twins in server order, then the fallback ones).
    twins: tuple[Twin, ...]
    #: The pixel the server events are for (``--pixel-id``, else the browser's only one).
    default_pixel: str | None
    #: The deduplication window in seconds (P005's ``window-hours``).
    window: float
    _by_browser: dict[int, Twin] = field(init=False, repr=False, compare=False)
    _by_server: dict[int, Twin] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_browser", {t.browser: t for t in self.twins})
        object.__setattr__(self, "_by_server", {t.server: t for t in self.twins})

    def browser_twin(self, index: int) -> Twin | None:
        return self._by_browser.get(index)

    def server_twin(self, index: int) -> Twin | None:
        return self._by_server.get(index)

    def pixel_of_server(self, index: int) -> str | None:
        """A server event's pixel: its twin's, else the default one."""
        twin = self._by_server.get(index)
        if twin is not None:
            return self.browser[twin.browser].pixel_id
        return self.default_pixel

    def twins_by(self, how: str) -> list[tuple[BrowserEvent, ServerEvent]]:
        """The (browser, server) twins that paired ``how``, in pairing order."""
        return [
            (self.browser[t.browser], self.server[t.server]) for t in self.twins if t.how == how
        ]


def apart(browser: BrowserEvent, server: ServerEvent) -> float | None:
    """Seconds between the two events, or None when one has no time."""
    if browser.time is None or server.time is None:
        return None
    return abs(browser.time - server.time)


@dataclass(frozen=True)
class PairContext:
    """What a P rule may know besides the pairing. Read-only for rules."""

    #: Rule code -> option name -> value (config applied).
    options: Mapping[str, Mapping[str, Any]]

    def option(self, code: str, name: str) -> Any:
        return self.options[code][name]


def pair_hit(
    message: str,
    fix: str | None,
    *,
    browser: BrowserEvent | None = None,
    server: ServerEvent | None = None,
    severity: Severity | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Hit:
    """A hit about ``browser`` and/or ``server``: it points at the browser event when
    there is one, and its extra says where both are (``browser``, ``server``)."""
    at = browser if browser is not None else server
    if at is None:
        raise ValueError("a pair hit is about a browser or a server event")
    out = dict(extra or {})
    if browser is not None:
        out["browser"] = browser.location()
    if server is not None:
        out["server"] = server.location()
    return Hit(at.pointer, message, fix, severity, out)


def hit_location(hit: Hit) -> tuple[str, int | None, int | None]:
    """(path, line, column) of the event a :func:`pair_hit` points at."""
    extra = hit.extra or {}
    at = extra.get("browser") or extra["server"]
    return at["path"], at["line"], at["column"]
