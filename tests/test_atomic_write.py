"""``capi_lint.atomic_write``: replace a file atomically, keep what it is, or refuse."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import pytest

from capi_lint import atomic_write
from capi_lint.atomic_write import Refused, write_atomic

needs_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="changing users needs root"
)
NOBODY = 65534


def old_file(tmp_path: Path, data: bytes = b"old") -> Path:
    target = tmp_path / "p.json"
    target.write_bytes(data)
    return target


def test_replaces_and_keeps_mode(tmp_path: Path) -> None:
    target = old_file(tmp_path)
    target.chmod(0o640)
    inode = target.stat().st_ino
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_ino != inode  # a new file, renamed over the old one
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["p.json"]


@needs_root
def test_keeps_another_users_owner_and_group_and_setgid_bit(tmp_path: Path) -> None:
    target = old_file(tmp_path)
    os.chown(target, NOBODY, NOBODY - 1)
    target.chmod(0o2640)
    write_atomic(target, b"new")
    st = target.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (NOBODY, NOBODY - 1, 0o2640)


def test_follows_a_symlink(tmp_path: Path) -> None:
    target = old_file(tmp_path)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_atomic(link, b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"


def test_refuses_a_file_with_two_names(tmp_path: Path) -> None:
    target = old_file(tmp_path)
    os.link(target, tmp_path / "other.json")
    with pytest.raises(Refused, match=r"2 names \(hard links\)"):
        write_atomic(target, b"new")
    assert target.read_bytes() == (tmp_path / "other.json").read_bytes() == b"old"
    assert target.stat().st_nlink == 2


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o000])
def test_refuses_a_read_only_file_even_for_root(tmp_path: Path, mode: int) -> None:
    target = old_file(tmp_path)
    target.chmod(mode)
    with pytest.raises(Refused, match="read-only"):
        write_atomic(target, b"new")
    target.chmod(0o600)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["p.json"]


def test_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(Refused, match="not a regular file"):
        write_atomic(fifo, b"new")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.parametrize("change", ["append", "same-size rewrite", "replace", "chmod"])
def test_refuses_a_file_that_changed_since_it_was_read(tmp_path: Path, change: str) -> None:
    target = old_file(tmp_path, b"line 1\n")
    seen = os.stat(target)
    if change == "append":
        with target.open("ab") as handle:
            handle.write(b"line 2\n")
    elif change == "same-size rewrite":
        # A later mtime, as a write a moment later gets (set explicitly: no clock).
        target.write_bytes(b"LINE 1\n")
        os.utime(target, ns=(seen.st_atime_ns, seen.st_mtime_ns + 1_000_000))
    elif change == "replace":
        (tmp_path / "new").write_bytes(b"line 1\n")
        os.replace(tmp_path / "new", target)
    else:
        target.chmod(0o600 if stat.S_IMODE(seen.st_mode) != 0o600 else 0o640)
    after = target.read_bytes()
    with pytest.raises(Refused, match="changed while it was being fixed"):
        write_atomic(target, b"fixed\n", expected=seen)
    assert target.read_bytes() == after
    assert os.listdir(tmp_path) == ["p.json"]


def test_a_change_during_the_write_is_seen_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = old_file(tmp_path, b"line 1\n")
    seen = os.stat(target)
    real_fsync = os.fsync

    def append_then_fsync(fd: int) -> None:
        with target.open("ab") as handle:  # another writer, while the temp file is synced
            handle.write(b"line 2\n")
        monkeypatch.setattr(os, "fsync", real_fsync)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", append_then_fsync)
    with pytest.raises(Refused, match="changed while it was being fixed"):
        write_atomic(target, b"fixed\n", expected=seen)
    assert target.read_bytes() == b"line 1\nline 2\n"
    assert os.listdir(tmp_path) == ["p.json"]


@needs_root
@pytest.mark.parametrize(
    ("owner", "mode", "reason"),
    [
        (0, 0o666, "owner or group (uid 0, gid 0) could not be kept"),
        (0, 0o644, "read-only"),
    ],
)
def test_as_another_user_refuses_what_it_cannot_keep(owner: int, mode: int, reason: str) -> None:
    """Run as nobody: a file of root's it may write but not give back to root is
    refused (sed -i would hand it to nobody); one it may not write is read-only."""
    with tempfile.TemporaryDirectory() as where:  # pytest's tmp_path is root's alone
        directory = Path(where)
        directory.chmod(0o777)
        target = old_file(directory)
        os.chown(target, owner, owner)
        target.chmod(mode)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child reports through the pipe
            os.close(read_end)
            said = "no refusal"
            try:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
                write_atomic(target, b"new")
            except Refused as exc:
                said = str(exc)
            except BaseException as exc:
                said = f"{type(exc).__name__}: {exc}"
            finally:
                os.write(write_end, said.encode())
                os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            said = pipe.read().decode()
        os.waitpid(pid, 0)
        assert reason in said
        assert target.read_bytes() == b"old" and target.stat().st_uid == owner
        assert os.listdir(directory) == ["p.json"]


@pytest.mark.parametrize("where", ["replace", "fsync", "write"])
def test_failure_mid_write_leaves_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    target = old_file(tmp_path, b'{"data": []}')

    def boom(*_a: Any, **_k: Any) -> None:
        raise OSError(28, "No space left on device")

    if where == "write":
        real_fdopen = os.fdopen

        class Half:
            def __init__(self, handle: Any) -> None:
                self.handle = handle

            def __enter__(self) -> Half:
                return self

            def __exit__(self, *exc: Any) -> None:
                self.handle.close()

            def write(self, data: bytes) -> None:
                self.handle.write(data[: len(data) // 2])
                raise OSError(28, "No space left on device")

        monkeypatch.setattr(atomic_write.os, "fdopen", lambda fd, mode: Half(real_fdopen(fd, mode)))
    else:
        monkeypatch.setattr(atomic_write.os, where, boom)
    with pytest.raises(OSError):
        write_atomic(target, b"{}")
    assert target.read_bytes() == b'{"data": []}'
    assert os.listdir(tmp_path) == ["p.json"]
