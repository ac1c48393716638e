"""Known findings accepted as they are, as SwiftLint's and detekt's baselines do.

``check --write-baseline FILE`` records every finding of the run; ``check
--baseline FILE`` (or ``baseline =`` in config) then reports only findings
that are not in it. An entry is the finding's code, its file (relative to the
baseline file's directory, so the baseline works from any working directory
and in any checkout), its JSON pointer, and a SHA-256 of its code and message.
Messages show values only masked, and the file holds only their hash: a
baseline never holds a raw value. A finding whose message changes (the value
changed, say) is new. Each entry accepts one finding: two identical findings
need two entries.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from capi_lint.files import absolute
from capi_lint.model import Finding

FORMAT = 1
Key = tuple[str, str, str, str]


class BaselineError(ValueError):
    """The baseline file is missing or not one capi-lint wrote (exit 2)."""


def message_hash(finding: Finding) -> str:
    return hashlib.sha256(f"{finding.code}\n{finding.message}".encode()).hexdigest()[:20]


def _file(path: str, folder: Path) -> str:
    if path == "-":
        return path
    return Path(os.path.relpath(absolute(path), folder)).as_posix()


def key(finding: Finding, folder: Path) -> Key:
    return (finding.code, _file(finding.path, folder), finding.pointer, message_hash(finding))


def write(path: str | os.PathLike[str], findings: Iterable[Finding]) -> int:
    """Record ``findings``; returns how many. The file is replaced atomically."""
    from capi_lint.atomic_write import Refused, write_atomic

    target = absolute(path)
    keys = sorted(key(f, target.parent) for f in findings)
    document = {
        "tool": "capi-lint",
        "baseline_format": FORMAT,
        "findings": [dict(zip(("code", "path", "pointer", "hash"), k, strict=True)) for k in keys],
    }
    created = False
    try:
        if not target.exists():  # write_atomic replaces a file: give it one
            target.touch()
            created = True
        write_atomic(target, (json.dumps(document, indent=2) + "\n").encode())
    except (OSError, Refused) as exc:
        if created:
            target.unlink(missing_ok=True)
        reason = str(exc) if isinstance(exc, Refused) else (exc.strerror or type(exc).__name__)
        raise BaselineError(f"cannot write baseline {path}: {reason.lower()}") from None
    return len(keys)


class Baseline:
    """A loaded baseline: :meth:`accepts` each finding it holds, once."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = absolute(path)
        self._left: Counter[Key] = Counter(self._read())
        self.matched = 0

    def _read(self) -> list[Key]:
        try:
            document = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            raise BaselineError(
                f"baseline {self.path} not found; create it with `capi-lint check "
                f"--write-baseline {self.path.name}`"
            ) from None
        except OSError as exc:
            reason = (exc.strerror or type(exc).__name__).lower()
            raise BaselineError(f"cannot read baseline {self.path}: {reason}") from None
        except ValueError:
            raise BaselineError(f"baseline {self.path} is not JSON") from None
        entries = document.get("findings") if isinstance(document, dict) else None
        if not isinstance(entries, list) or document.get("tool") != "capi-lint":
            raise BaselineError(f"baseline {self.path} was not written by capi-lint")
        out: list[Key] = []
        for entry in entries:
            fields = [entry.get(n) if isinstance(entry, dict) else None for n in _FIELDS]
            if not all(isinstance(v, str) for v in fields):
                raise BaselineError(f"baseline {self.path}: malformed entry {entry!r:.80}")
            out.append(tuple(fields))  # type: ignore[arg-type]
        return out

    def accepts(self, finding: Finding) -> bool:
        found = key(finding, self.path.parent)
        if self._left[found] > 0:
            self._left[found] -= 1
            self.matched += 1
            return True
        return False


_FIELDS = ("code", "path", "pointer", "hash")


def apply(result: Any, baseline: Baseline) -> None:
    """Drop the findings ``baseline`` accepts from a :class:`~capi_lint.runner.RunResult`
    and recount its summary (files, events and the skipped age checks stay)."""
    from dataclasses import replace

    summary = replace(result.summary, errors=0, warnings=0, infos=0)
    for file_result in result.results:
        file_result.findings = [f for f in file_result.findings if not baseline.accepts(f)]
        summary.count(file_result.findings)
    summary.baseline_matched = baseline.matched
    result.summary = summary
