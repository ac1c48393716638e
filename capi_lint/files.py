"""Which files a run reads: the one walker behind ``check``, ``coverage``,
``crosscheck`` and ``--fix``.

It finds files the way ruff does:

- ``exclude`` (default :data:`DEFAULT_EXCLUDE`; setting it replaces the
  default) and ``extend-exclude`` prune the walk; ``include`` (default: names
  ending in ``.json``, ``.jsonl``, ``.ndjson``, any case) and
  ``extend-include`` pick the files. Patterns are gitignore-style (pathspec):
  one without a ``/`` matches a name at any depth, one with a ``/`` is
  anchored at the directory of the config file that holds it (at the working
  directory for ``--exclude``/``--include`` on the command line).
- ``.gitignore`` files (nested ones too) and ``.git/info/exclude`` are
  respected inside a git work tree, as ruff does (``respect-gitignore = false``
  / ``--no-respect-gitignore`` turns it off).
- A file found by the walk in which no CAPI event key appears at all
  (``package.json``, ``tsconfig.json``) is skipped and named in
  :attr:`Finder.skipped`, which the CLI prints as one notice line each.
- A path named on the command line is always read, unless ``force_exclude``
  (``--force-exclude``, for pre-commit, which names every staged file): then
  it is selected exactly as if the walk had found it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from capi_lint import loader
from capi_lint.loader import JSON_SUFFIXES, JSONL_SUFFIXES, Problem, Source, is_json_lines
from capi_lint.sizes import DEFAULT_MAX_INPUT_SIZE

#: ruff's default ``exclude`` (tool caches, virtual environments, VCS and build
#: folders, vendored packages), plus ``__pycache__``.
DEFAULT_EXCLUDE = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".git-rewrite",
    ".hg",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pyenv",
    ".pytest_cache",
    ".pytype",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    ".vscode",
    "__pycache__",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
)

#: A file found by a walk is read only if one of these appears in it somewhere
#: (as a key, or inside a JSON-encoded ``data`` string). Every event-shaped
#: object has one, so no payload is ever skipped; a ``package.json`` has none.
EVENT_WORDS = (b"event_name", b"event_time", b"action_source", b"user_data", b"custom_data")
_CHUNK = 1 << 20
#: capi-lint's own JSON reports and baselines (``{"tool": "capi-lint", ...``),
#: SARIF logs and JSON Schemas (``{"$schema": ...``) name event keys without
#: being payloads.
_OWN_OUTPUT = re.compile(
    rb'\A\s*\{\s*(?:"tool"\s*:\s*"capi-lint"|"\$schema"\s*:\s*"[^"]*(?:sarif|json-schema\.org))'
)


@dataclass(frozen=True)
class Patterns:
    """Gitignore-style patterns anchored at ``base`` (an absolute directory)."""

    base: str
    patterns: tuple[str, ...]

    @cached_property
    def _spec(self) -> Any:
        import pathspec

        return pathspec.GitIgnoreSpec.from_lines(self.patterns)

    def matches(self, path: Path, is_dir: bool = False) -> bool:
        """``path`` (absolute) or one of its parent folders below ``base`` matches."""
        if not self.patterns:
            return False
        return bool(self._spec.match_file(_relative(path, Path(self.base), is_dir)))


def _relative(path: Path, base: Path, is_dir: bool) -> str:
    """``path`` as a pattern sees it: relative to ``base``, or, outside it,
    the whole absolute path (so that name patterns still apply)."""
    try:
        rel = path.relative_to(base).as_posix()
    except ValueError:
        rel = path.as_posix().lstrip("/")
    if rel == ".":
        rel = ""
    return rel + "/" if is_dir and rel else rel


def absolute(path: str | os.PathLike[str]) -> Path:
    """An absolute, normalised path without resolving symlinks (a symlinked
    fixture is matched where it is, not where it points)."""
    return Path(os.path.abspath(path))


@dataclass(frozen=True)
class FileSelection:
    """What the walker reads; built by :func:`capi_lint.config.build_settings`."""

    #: The project root: the config file's directory, else the working directory.
    root: str = field(default_factory=os.getcwd)
    exclude: tuple[Patterns, ...] = ()
    #: None: the default suffixes (.json, .jsonl, .ndjson, any case).
    include: tuple[Patterns, ...] | None = None
    extend_include: tuple[Patterns, ...] = ()
    respect_gitignore: bool = True
    force_exclude: bool = False

    @classmethod
    def default(cls, root: str | None = None) -> FileSelection:
        base = root or os.getcwd()
        return cls(root=base, exclude=(Patterns(base, DEFAULT_EXCLUDE),))

    def excluded(self, path: Path, is_dir: bool = False) -> bool:
        return any(p.matches(path, is_dir) for p in self.exclude)

    def included(self, path: Path) -> bool:
        if self.include is None:
            if path.name.lower().endswith(JSON_SUFFIXES + JSONL_SUFFIXES):
                return True
        elif any(p.matches(path) for p in self.include):
            return True
        return any(p.matches(path) for p in self.extend_include)


class _GitIgnores:
    """``.gitignore`` files (and ``.git/info/exclude``) of git work trees, read once each."""

    def __init__(self) -> None:
        self._specs: dict[Path, Any] = {}
        self._trees: dict[Path, Path | None] = {}

    def work_tree(self, folder: Path) -> Path | None:
        if folder not in self._trees:
            if (folder / ".git").exists():
                self._trees[folder] = folder
            else:
                parent = folder.parent
                self._trees[folder] = None if parent == folder else self.work_tree(parent)
        return self._trees[folder]

    def _spec(self, file: Path) -> Any:
        if file not in self._specs:
            spec = None
            try:
                lines = file.read_text("utf-8", "replace").splitlines()
            except OSError:
                lines = []
            if lines:
                import pathspec

                spec = pathspec.GitIgnoreSpec.from_lines(lines)
            self._specs[file] = spec
        return self._specs[file]

    def ignored(self, path: Path, is_dir: bool = False, top: Path | None = None) -> bool:
        """Whether git ignores ``path``: the deepest ``.gitignore`` with a
        matching pattern decides (a ``!pattern`` there re-includes it).
        ``top``: only ``.gitignore`` files at or below this folder count."""
        tree = self.work_tree(path.parent)
        if tree is None:
            return False
        levels = [path.parent, *path.parent.parents]
        levels = levels[: levels.index(tree) + 1]
        if top is not None and top in levels:
            levels = levels[: levels.index(top) + 1]
        checks = [(folder, folder / ".gitignore") for folder in levels]
        checks.append((tree, tree / ".git" / "info" / "exclude"))
        for folder, file in checks:
            spec = self._spec(file)
            if spec is None:
                continue
            verdict = spec.check_file(_relative(path, folder, is_dir)).include
            if verdict is not None:
                return bool(verdict)
        return False


def holds_event_key(path: Path) -> bool:
    """Whether an event key appears anywhere in the file (read in chunks, so
    a large file costs one pass at most and usually one chunk), and it is not
    one of capi-lint's own outputs. A file that cannot be read counts as a
    payload: the lint run reports why."""
    overlap = max(len(w) for w in EVENT_WORDS) - 1
    tail = b""
    opened = loader.open_regular(path)  # never waits on a FIFO swapped in
    if isinstance(opened, Problem):
        return True
    try:
        with opened as handle:
            while chunk := handle.read(_CHUNK):
                if not tail and _OWN_OUTPUT.match(chunk.removeprefix(b"\xef\xbb\xbf")):
                    return False
                window = tail + chunk
                if any(word in window for word in EVENT_WORDS):
                    return True
                tail = window[-overlap:]
    except OSError:
        return True
    return False


class Finder:
    """Expands command-line paths into sources; one instance per run."""

    def __init__(
        self, selection: FileSelection | None = None, limit: int = DEFAULT_MAX_INPUT_SIZE
    ) -> None:
        self.selection = selection if selection is not None else FileSelection.default()
        #: Standard input is read up to this many bytes (``max-input-size``).
        self.limit = limit
        self._gitignores = _GitIgnores()
        self._inside: dict[Path, Patterns] = {}
        #: Files the walk found and skipped: no CAPI event key in them.
        self.skipped: list[str] = []

    def find(self, paths: Iterable[str], stdin: Any = None) -> Iterator[Source | tuple]:
        """Yield :class:`Source` objects, or ``(path, Problem)`` pairs for paths
        that cannot be read at all. Directories are walked recursively, sorted,
        without following symlinked directories (a symlink loop cannot trap
        the walk).

        Standard input is read up to ``limit`` bytes. A FIFO, socket or device
        named here is refused (S001): opening a FIFO waits for a writer, a
        device such as /dev/zero never ends; a walk skips them with an info
        note, before anything opens them."""
        for raw in paths:
            if raw == "-":
                yield loader.stdin_source(
                    stdin if stdin is not None else sys.stdin.buffer, self.limit
                )
                continue
            path = Path(raw)
            try:
                is_dir = path.is_dir()
                exists = is_dir or path.exists()
            except OSError as exc:
                yield (raw, Problem("S001", f"cannot read: {_os_reason(exc)}"))
                continue
            if is_dir:
                yield from self._walk(path)
            elif exists and (kind := loader.special_kind(path)) is not None:
                yield (raw, loader.not_regular(kind))
            elif exists or path.is_symlink():
                if not self.selection.force_exclude or self._selected(path, absolute(path)):
                    yield _source(raw, path)
            else:
                yield (raw, Problem("S001", "no such file or directory"))

    def _selected(self, path: Path, full: Path, inside: Path | None = None) -> bool:
        """A file as the walk judges it (``inside``: see :meth:`_excluded`)."""
        if not self.selection.included(full) or self._excluded(full, False, inside):
            return False
        if not holds_event_key(path):
            self.skipped.append(str(path))
            return False
        return True

    def _excluded(self, full: Path, is_dir: bool, inside: Path | None = None) -> bool:
        """Excluded by a pattern or by git. ``inside``: an excluded folder named
        on the command line, which is walked all the same (as ruff does); below
        it only name patterns and the ``.gitignore`` files inside it count."""
        selection = self.selection
        if inside is None:
            excluded = selection.excluded(full, is_dir)
        else:
            excluded = self._names_only(inside).matches(full, is_dir)
        return excluded or (
            selection.respect_gitignore and self._gitignores.ignored(full, is_dir, inside)
        )

    def _names_only(self, folder: Path) -> Patterns:
        if folder not in self._inside:
            names = tuple(n for s in self.selection.exclude for n in s.patterns if "/" not in n)
            self._inside[folder] = Patterns(str(folder), names)
        return self._inside[folder]

    def _walk(self, root: Path) -> Iterator[Source | tuple]:
        found: list[Path] = []
        errors: list[tuple[str, Problem]] = []
        top = absolute(root)
        inside: Path | None = None
        if self._excluded(top, True):
            if self.selection.force_exclude:
                return
            inside = top

        def onerror(exc: OSError) -> None:
            where = str(exc.filename or root)
            errors.append((where, Problem("S001", f"cannot read directory: {_os_reason(exc)}")))

        special: dict[Path, str] = {}
        for dirpath, dirnames, filenames in os.walk(root, onerror=onerror, followlinks=False):
            here = top / Path(dirpath).relative_to(root)
            dirnames[:] = sorted(
                name for name in dirnames if not self._excluded(here / name, True, inside)
            )
            for name in filenames:
                candidate, full = Path(dirpath) / name, here / name
                if not self.selection.included(full):
                    continue
                # Before _selected, which reads the file: a FIFO would block it.
                kind = loader.special_kind(candidate)
                if kind is not None:
                    if not self._excluded(full, False, inside):
                        special[candidate] = kind
                        found.append(candidate)
                elif self._selected(candidate, full, inside):
                    found.append(candidate)
        yield from errors
        for path in sorted(found):
            if path in special:
                yield (str(path), loader.skipped_special(special[path]))
            else:
                yield _source(str(path), path)


def _source(display: str, path: Path) -> Source:
    return Source(display, is_json_lines(name=path.name), path)


def _os_reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def discover(
    paths: Iterable[str],
    selection: FileSelection | None = None,
    stdin: Any = None,
    limit: int = DEFAULT_MAX_INPUT_SIZE,
) -> Iterator[Source | tuple]:
    """:meth:`Finder.find` for callers that do not need the skipped files."""
    return Finder(selection, limit).find(paths, stdin)
