"""``kill -9`` of a ``check --jobs N`` run leaves no worker process behind.

A killed parent cannot shut its pool down, and the workers of a fork-started
pool inherit both ends of the pool's pipes: blocked reading the next task,
they would wait forever, adopted by PID 1. Each worker therefore watches its
parent and exits when it is gone.

The run is stopped (SIGSTOP) once its workers exist, so it cannot finish
between finding them and killing it; then it is killed with SIGKILL and the
workers must disappear within a generous bounded wait (polled; how fast they
go is not asserted).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import traffic

PROC = Path("/proc")
pytestmark = pytest.mark.skipif(
    not (PROC / "self" / "stat").exists(), reason="reads the process table from /proc"
)

#: Bounded waits (seconds): far above what is needed, only to fail instead of hanging.
FIND_WORKERS = 60
WORKERS_GONE = 60


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a live process, None once it is gone or a zombie."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    state, ppid = fields[0], int(fields[1])
    return None if state in ("Z", "X") else (state, ppid)


def _children(pid: int) -> set[int]:
    found = set()
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            info = _stat(int(entry.name))
            if info is not None and info[1] == pid:
                found.add(int(entry.name))
    return found


def _poll(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_killed_parent_leaves_no_worker_behind(tmp_path) -> None:
    folder = tmp_path / "traffic"
    folder.mkdir()
    for n in range(12):
        (folder / f"part{n:02d}.jsonl").write_bytes(traffic.jsonl(2000, seed=n))
    parent = subprocess.Popen(
        [sys.executable, "-m", "capi_lint", "check", str(folder), "--jobs", "2", "--no-progress"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: set[int] = set()
    try:
        assert _poll(lambda: len(_children(parent.pid)) >= 2, FIND_WORKERS), "no workers started"
        os.kill(parent.pid, signal.SIGSTOP)  # the run cannot end on its own now
        workers = _children(parent.pid)
        assert len(workers) >= 2, "the run ended before it could be killed: use more input"
        parent.kill()
        parent.wait()
        gone = _poll(lambda: all(_stat(pid) is None for pid in workers), WORKERS_GONE)
        left = sorted(pid for pid in workers if _stat(pid) is not None)
        assert gone, f"workers still alive after their parent was killed: {left}"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        for pid in workers:  # only the workers this test caused, by pid
            if _stat(pid) is not None:
                os.kill(pid, signal.SIGKILL)
