"""``check --fix`` / ``--diff``: hash raw values of hashed ``user_data`` keys in place.

The jobs live apart: :mod:`capi_lint.fix_plan` decides what to change (text
in -> new text + changes out; see its docstring for what is fixed and what is
left), :mod:`capi_lint.fix_diff` renders the masked diff, :mod:`capi_lint.files`
walks the inputs and :mod:`capi_lint.atomic_write` replaces a changed file.
This module runs them over a command line's paths; the public names of all
of them stay importable from here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from capi_lint.atomic_write import Refused, write_atomic
from capi_lint.fix_diff import mask_json, render_diff
from capi_lint.fix_plan import (
    HASHED_KEYS,
    SKIP_REASONS,
    Change,
    FixResult,
    Skipped,
    fix_bytes,
    fix_text,
)
from capi_lint.normalize import canonical_region

__all__ = [
    "HASHED_KEYS",
    "SKIP_REASONS",
    "Change",
    "FileFix",
    "FixResult",
    "FixRun",
    "Skipped",
    "fix_bytes",
    "fix_paths",
    "fix_text",
    "mask_json",
    "render_diff",
    "write_atomic",
]


# --------------------------------------------------------------------------- a run


@dataclass
class FileFix:
    """The fix of one input file (``written``: the file was replaced)."""

    path: str
    result: FixResult
    written: bool = False
    #: Why the fixed content could not be written (value-free), if it could not.
    error: str | None = None


@dataclass
class FixRun:
    files: list[FileFix] = field(default_factory=list)
    #: Run-level remarks (value-free), e.g. standard input not fixed in place.
    notices: list[str] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return sum(len(f.result.changes) for f in self.files)

    @property
    def changed_files(self) -> list[FileFix]:
        return [f for f in self.files if f.result.changed]

    def diff(self) -> str:
        return "".join(render_diff(f.path, f.result) for f in self.changed_files)

    @property
    def unwritten(self) -> list[FileFix]:
        """Files whose fixes could not be written: a failure, not a remark."""
        return [f for f in self.files if f.error]

    def messages(self, *, written: bool, quiet: bool = False) -> list[str]:
        """What to tell the user on standard error; never a value.

        ``quiet`` keeps only the failures (fixes that could not be written):
        ``--quiet`` hides progress, never a failure.
        """
        if quiet:
            return [f"{f.path}: {f.error}" for f in self.unwritten]
        out = list(self.notices)
        for f in self.files:
            out.extend(f"{f.path}: {notice}" for notice in f.result.notices)
            for skip in f.result.skipped:
                where = f"{f.path}:{skip.line}:{skip.column}" if skip.line else f.path
                out.append(f"{where}: not fixed: {skip.pointer}: {skip.description}")
            if f.error:
                out.append(f"{f.path}: {f.error}")
        changed = self.changed_files
        n = self.changes
        values = f"{n} value{'' if n == 1 else 's'}"
        files = f"{len(changed)} file{'' if len(changed) == 1 else 's'}"
        if not n:
            out.append("Nothing to fix.")
        elif written:
            done = sum(len(f.result.changes) for f in changed if f.written)
            out.append(f"Fixed {values} in {files}." if done == n else f"Fixed {done} of {values}.")
        else:
            out.append(f"Would fix {values} in {files}.")
        return out


def _wanted(code: str, settings: Any, path: str) -> bool:
    """A fix runs when its rule is enabled for the path (or not registered yet)."""
    from capi_lint import registry

    try:
        registry.get(code)
    except KeyError:
        return True
    return code in settings.enabled and code not in settings.ignored_for(path)


def fix_paths(paths: list[str], settings: Any, *, write: bool, stdin: Any = None) -> FixRun:
    """Fix every input file; replace the changed ones atomically when ``write``.

    Inputs that cannot be read or do not parse are left alone (the lint run
    reports them). Standard input is fixed only for a diff (``write=False``).
    ``settings.pii == "raw"`` means raw values are intended: nothing is hashed.
    Raises ``ValueError`` for an unknown ``settings.default_region``.
    """
    from capi_lint import loader

    canonical_region(settings.default_region)
    run = FixRun()
    if write and "-" in paths:
        run.notices.append("standard input is not fixed (nothing to write back to); use --diff")
        paths = [p for p in paths if p != "-"]
    raw_mode = settings.pii == "raw"
    if raw_mode:
        run.notices.append('pii = "raw": raw values are intended, so none is hashed')
    from capi_lint.files import Finder

    for item in Finder(settings.files).find(paths, stdin=stdin):
        if not isinstance(item, loader.Source):
            continue
        # Taken before the read: a change made after it is seen before the rename.
        seen = _stat(item.fs_path) if write and item.fs_path is not None else None
        raw = loader.read_bytes(item)
        if isinstance(raw, loader.Problem):
            continue
        jsonl = loader.is_json_lines(raw, declared=item.jsonl)
        new, result = fix_bytes(
            raw,
            jsonl=jsonl,
            default_region=settings.default_region,
            hash_raw=not raw_mode and _wanted("H001", settings, item.path),
            lowercase=_wanted("H002", settings, item.path),
        )
        entry = FileFix(item.path, result)
        run.files.append(entry)
        if write and result.changed and item.fs_path is not None:
            try:
                write_atomic(item.fs_path, new, expected=seen)
            except Refused as exc:
                entry.error = f"cannot write the fixes: {exc}; the file is unchanged"
            except OSError as exc:
                reason = (exc.strerror or type(exc).__name__).lower()
                entry.error = f"cannot write the fixes ({reason}); the file is unchanged"
            else:
                entry.written = True
    return run


def _stat(path: os.PathLike[str]) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None  # the read reports it
