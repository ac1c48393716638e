"""A progress bar on standard error for long runs (many files, large JSON Lines).

Only on a terminal, never in CI logs or pipes, and never on standard output
(which belongs to the report). It appears only for runs that are big enough
(:data:`MANY_FILES` files or :data:`LARGE_BYTES` of JSON Lines) and only once
the run has lasted :data:`DELAY` seconds, redraws at most ten times a second,
and erases itself when the run ends.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

MANY_FILES = 20
LARGE_BYTES = 8 * 1024 * 1024
DELAY = 0.3
INTERVAL = 0.1
WIDTH = 24


def wanted(stream: Any, enabled: bool = True) -> bool:
    """Whether a bar may be drawn on ``stream`` at all."""
    if not enabled or os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):
        return False


def _size(item: Any) -> tuple[int, bool]:
    """(bytes, is JSON Lines) of a discovered source; problems weigh nothing."""
    data = getattr(item, "data", None)
    if data is not None:
        return len(data), bool(getattr(item, "jsonl", False))
    fs_path = getattr(item, "fs_path", None)
    if fs_path is None:
        return 0, False
    try:
        return os.stat(fs_path).st_size, bool(getattr(item, "jsonl", False))
    except OSError:
        return 0, False


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


class Progress:
    """Tracks files and bytes done; draws ``[####....]  12/40 files  3.1/9.8 MB``."""

    def __init__(self, stream: TextIO, *, clock: Any = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.files_total = 0
        self.bytes_total = 0
        self.files_done = 0
        self.bytes_done = 0
        self._current = 0  # size of the file being checked
        self._partial = 0.0  # fraction of it done (JSON Lines)
        self._active = False
        self._started = 0.0
        self._last_draw = 0.0
        self._drawn = False
        self._calls = 0

    # ---------------------------------------------------------------- runner hooks

    def track(self, items: Iterable[Any]) -> Iterator[Any]:
        """Yield the discovered sources, counting each as done when the next is asked for."""
        listed = list(items)
        sizes = [_size(item) for item in listed]
        self.files_total = len(listed)
        self.bytes_total = sum(size for size, _ in sizes)
        jsonl_bytes = sum(size for size, jsonl in sizes if jsonl)
        self._active = self.files_total >= MANY_FILES or jsonl_bytes >= LARGE_BYTES
        self._started = self.clock()
        try:
            for item, (size, _jsonl) in zip(listed, sizes, strict=True):
                self._current, self._partial = size, 0.0
                yield item
                self.files_done += 1
                self.bytes_done += size
                self._current, self._partial = 0, 0.0
                self._maybe_draw()
        finally:
            self.close()

    def lines(self, line: int, total: int) -> None:
        """Within a JSON Lines file: ``line`` of ``total`` lines read."""
        self._calls += 1
        if self._calls & 63:  # look at the clock every 64 lines only
            return
        if total > 0:
            self._partial = min(line / total, 1.0)
        self._maybe_draw()

    # ---------------------------------------------------------------- drawing

    def _maybe_draw(self) -> None:
        if not self._active:
            return
        now = self.clock()
        if now - self._started < DELAY or now - self._last_draw < INTERVAL:
            return
        self._last_draw = now
        self.stream.write("\r" + self.render() + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def render(self) -> str:
        done = self.bytes_done + self._current * self._partial
        if self.bytes_total:
            fraction = min(done / self.bytes_total, 1.0)
        else:
            fraction = self.files_done / self.files_total if self.files_total else 1.0
        filled = int(fraction * WIDTH)
        bar = "#" * filled + "." * (WIDTH - filled)
        return (
            f"capi-lint [{bar}] {fraction * 100:3.0f}%  "
            f"{self.files_done}/{self.files_total} files  "
            f"{_human(done)}/{_human(self.bytes_total)}"
        )

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False
