"""Replace a file's contents atomically, keeping what the file is, or refuse.

``--fix`` rewrites users' files; a reader (or a crash) must see either the old
file or the new one, never half of each. So the new contents go to a temporary
file in the same directory, are fsynced, and are renamed over the original
(``os.replace``); the directory is fsynced after the rename.

A rename makes a new file, so what the old one was must be carried over, or
the write refused (:class:`Refused`) and the file left as it was:

* owner, group and permission bits are copied (``fchown`` + ``fchmod``); when
  they cannot be (only root may give a file to another user), refuse;
* a file with more than one name (hard links) is refused: the rename would
  give this name a new file and leave the others holding the old contents;
* a read-only file (no write permission for us, or no write bit at all, which
  root would otherwise ignore) is refused, as editors and ``ruff`` do;
* a file that changed after it was read (``expected``: its stat before the
  read) is refused just before the rename: writing would lose that change.

A symlink is followed: its target is replaced and the link stays as it is.
Messages are value-free (they say what the file is, never what it holds).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

__all__ = ["Refused", "write_atomic"]


class Refused(Exception):
    """The file was left as it is on purpose; ``str()`` says why."""


def write_atomic(
    path: str | os.PathLike[str], data: bytes, *, expected: os.stat_result | None = None
) -> None:
    """Replace the file at ``path`` by ``data``, or leave it as it was.

    ``expected`` is the file's ``os.stat`` taken *before* it was read: a change
    since then (size, times, inode) is refused rather than overwritten. Raises
    :class:`Refused` for the cases above, ``OSError`` when writing fails; the
    original is untouched and the temporary file removed either way.
    """
    target = Path(os.path.realpath(path))
    before = expected if expected is not None else target.stat()
    _check_replaceable(target, before)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            _copy_owner_and_mode(handle.fileno(), tmp, before)
            os.fsync(handle.fileno())
        # As late as possible: what changed before this point is not lost.
        if _identity(target.stat()) != _identity(before):
            raise Refused("the file changed while it was being fixed; run --fix again")
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(target.parent)


def _check_replaceable(target: Path, st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise Refused("not a regular file")
    if st.st_nlink > 1:
        raise Refused(
            f"it has {st.st_nlink} names (hard links), and replacing it would leave "
            "the other names with the old values; make it a file of its own first "
            "(cp FILE COPY && mv COPY FILE)"
        )
    if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise Refused("the file is read-only")
    if _identity(target.stat()) != _identity(st):
        raise Refused("the file changed while it was being fixed; run --fix again")


def _copy_owner_and_mode(fd: int, tmp: str, st: os.stat_result) -> None:
    now = os.fstat(fd)
    # Windows has no owners to give (and no fchown).
    if hasattr(os, "fchown") and (now.st_uid, now.st_gid) != (st.st_uid, st.st_gid):
        try:
            os.fchown(fd, st.st_uid, st.st_gid)
        except PermissionError:
            raise Refused(
                f"its owner or group (uid {st.st_uid}, gid {st.st_gid}) could not be kept "
                "(only root can give a file to another user)"
            ) from None
    # After fchown, which clears the set-user-ID and set-group-ID bits.
    os.chmod(fd if os.chmod in os.supports_fd else tmp, stat.S_IMODE(st.st_mode))


def _identity(st: os.stat_result) -> tuple[int, ...]:
    """What changes when anyone writes, truncates, replaces or chmods the file."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (not possible everywhere: then skip it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
