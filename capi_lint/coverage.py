"""Predicted match-key coverage per event name, the way Events Manager and
``/dataset_quality`` report it — computed offline from the payloads.

A key is *present* when it is there and non-empty, and *valid* when, in
addition, no format rule (families U and H, and S010) reports it: validity is
decided by the rules themselves, never re-implemented here. Streams: memory is
one counter set per row, whatever the number of events.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from capi_lint import envelope as env_mod
from capi_lint import loader, schemas
from capi_lint.config import Settings, build_settings
from capi_lint.engine import Context, Engine
from capi_lint.files import Finder
from capi_lint.model import DEDUP_KEYS, IDENTIFIERS, CoverageRow
from capi_lint.rules._util import agent_name, is_present

#: Findings that say a value is unusable for matching. Advice about a key that
#: still matches (an unhashed external_id, contact data in external_id,
#: inconsistent hashing across events) does not make it invalid.
_NOT_INVALIDATING = frozenset({"H007", "H009", "H011", "U004"})
_UNMATCHABLE = frozenset({"U002", "U003"})

#: Only a key Meta knows can match anyone: an unknown key (`phone`, `email`,
#: S009's) is never a valid identifier, whatever its value. Schema-derived, so
#: app and messaging keys (`madid`, `anon_id`, `page_scoped_user_id`, ...) count.
_KNOWN_USER_DATA_KEYS = frozenset(schemas.table("user_data").known)


def channel_of(action_source: Any) -> str:
    """``web`` for website, ``offline`` for physical_store, else the source itself."""
    if action_source == "website":
        return "web"
    if action_source == "physical_store":
        return "offline"
    return action_source if isinstance(action_source, str) and action_source else "unknown"


BY = ("event_name", "action_source", "file")


class CoveragePredictor:
    """Feed events (or whole inputs); read ``rows()`` at the end."""

    def __init__(self, settings: Settings | None = None, by: str = "event_name") -> None:
        if by not in BY:
            raise ValueError(f"by must be one of {', '.join(BY)}")
        base = settings or build_settings({})
        # Only the format rules decide validity; nothing else needs to run.
        from capi_lint import registry

        format_codes = frozenset(
            r.code for r in registry.all_rules() if r.family in "UH" or r.code == "S010"
        )
        self.settings = replace(base, enabled=format_codes)
        self.engine = Engine(self.settings)
        self.by = by
        self._rows: dict[tuple[Any, ...], CoverageRow] = {}
        #: Files the directory walks found and skipped: no CAPI event key in them.
        self.skipped_files: list[str] = []

    # ------------------------------------------------------------------ input

    def add_paths(self, paths: Iterable[str], progress: Any = None) -> list[loader.Problem]:
        """Read files/directories (found as ``check`` finds them); returns the
        problems of inputs that could not be read.

        ``progress`` is an optional :class:`capi_lint.progress.Progress`.
        """
        finder = Finder(self.settings.files, self.settings.max_input_size)
        problems = self.add_sources(finder.find(list(paths)), progress)
        self.skipped_files.extend(finder.skipped)
        return problems

    def add_sources(self, items: Iterable[Any], progress: Any = None) -> list[loader.Problem]:
        """Read what :class:`capi_lint.files.Finder` found."""
        problems: list[loader.Problem] = []
        limit = self.settings.max_input_size
        if progress is not None:
            items = progress.track(items)
        for item in items:
            if isinstance(item, tuple):
                problems.append(item[1])
                continue
            if item.stream is not None or (item.jsonl and item.fs_path is not None):
                problems.extend(self._add_jsonl(item, limit, progress))
                continue
            raw = loader.read_bytes(item, limit)
            if isinstance(raw, loader.Problem):
                problems.append(raw)
                continue
            jsonl = loader.is_json_lines(raw, declared=item.jsonl)
            docs = (
                loader.iter_jsonl(item.path, raw, limit=limit)
                if jsonl
                else [loader.parse(item.path, raw)]
            )
            total = raw.count(b"\n") + 1 if jsonl and progress is not None else 0
            for doc in docs:
                if total:
                    progress.lines(doc.first_line, total)
                if doc.parsed:
                    self.add_document(doc.root, item.path)
        return problems

    def _add_jsonl(self, item: loader.Source, limit: int, progress: Any) -> list[loader.Problem]:
        """A JSON Lines file (or stdin past the limit) read line by line, as `check` does."""
        handle = item.stream
        size = 0
        if handle is None:
            assert item.fs_path is not None
            opened = loader.open_regular(item.fs_path)
            if isinstance(opened, loader.Problem):
                return [opened]
            handle = opened
            size = os.fstat(handle.fileno()).st_size if progress is not None else 0
        with handle:
            for doc in loader.iter_jsonl(item.path, handle, limit=limit):
                if size:
                    progress.lines(handle.tell(), size)
                if doc.parsed:
                    self.add_document(doc.root, item.path)
        return []

    def add_line(self, path: str, raw: bytes, line: int = 1) -> None:
        """One JSON Lines line of the file ``path``, read as ``add_paths`` reads it
        (a Spark row: :func:`capi_lint.spark.coverage`)."""
        doc = loader.line_document(path, raw, line, self.settings.max_input_size)
        if doc is not None and doc.parsed:
            self.add_document(doc.root, path)

    def add_document(self, root: Any, path: str | None = None) -> None:
        envelope = env_mod.read(root)
        where = path or "<payload>"
        ctx = Context(self.settings, self.engine.now_for(where), where)
        ctx.kind = envelope.kind
        ctx.request = envelope.request
        ctx.envelope = envelope
        agent = agent_name(envelope.request.get("partner_agent")) if envelope.request else None
        for index, event in enumerate(envelope.events):
            if isinstance(event, dict):
                ctx.index = index
                self.add_event(event, ctx, agent, path)

    def add_event(
        self, event: dict[str, Any], ctx: Context, agent: str | None, path: str | None
    ) -> None:
        source = event.get("action_source")
        source_key = source if isinstance(source, str) else None
        name = event.get("event_name")
        name_key = name if isinstance(name, str) else None
        channel = channel_of(source)
        if self.by == "event_name":
            key: tuple[Any, ...] = (channel, source_key, name_key, agent)
        elif self.by == "action_source":
            key = (channel, source_key, None, agent)
        else:
            key = (path, channel, source_key, name_key, agent)
        row = self._rows.get(key)
        if row is None:
            row = CoverageRow(
                channel,
                source_key,
                name_key if self.by != "action_source" else None,
                agent,
                file=path if self.by == "file" else None,
            )
            self._rows[key] = row
        row.events += 1

        user_data = event.get("user_data")
        user = user_data if isinstance(user_data, dict) else {}
        invalid, unmatchable = self._invalid_keys(event, ctx)
        any_valid = False
        for key_name, value in user.items():
            if (
                key_name in _KNOWN_USER_DATA_KEYS
                and is_present(value)
                and _has_valid_element(value, invalid.get(key_name))
            ):
                any_valid = True
                break
        for ident, carriers in IDENTIFIERS.items():
            present = valid = False
            for carrier in carriers:
                names = carrier if isinstance(carrier, tuple) else (carrier,)
                values = [user.get(n) for n in names]
                if all(is_present(v) for v in values):
                    present = True
                    if all(
                        _has_valid_element(v, invalid.get(n))
                        for n, v in zip(names, values, strict=True)
                    ):
                        valid = True
                        break
            row.present[ident] += present
            row.valid[ident] += valid
        if unmatchable or not any_valid:
            row.unmatchable_events += 1
        for dedup, path_keys in DEDUP_KEYS.items():
            holder: Any = event
            for part in path_keys:
                holder = holder.get(part) if isinstance(holder, dict) else None
            row.dedup[dedup] += is_present(holder)

    def _invalid_keys(
        self, event: dict[str, Any], ctx: Context
    ) -> tuple[dict[str, set[Any]], bool]:
        """user_data key -> invalid element indexes (``None`` = the whole value)."""
        invalid: dict[str, set[Any]] = {}
        unmatchable = False
        for rule, hit in self.engine.event_hits(event, ctx):
            if rule.code in _UNMATCHABLE:
                unmatchable = True
                continue
            if rule.code in _NOT_INVALIDATING:
                continue
            where = hit.where
            if len(where) >= 2 and where[0] == "user_data":
                element = where[2] if len(where) >= 3 and isinstance(where[2], int) else None
                invalid.setdefault(where[1], set()).add(element)
        return invalid, unmatchable

    # ----------------------------------------------------------------- partial runs

    def counts(self) -> list[tuple[tuple[Any, ...], CoverageRow]]:
        """The raw counters by row key, to be combined with other predictors'
        (:meth:`merge`): a Spark partition's share of the coverage."""
        return list(self._rows.items())

    def merge(self, counts: Iterable[tuple[tuple[Any, ...], CoverageRow]]) -> None:
        """Add the :meth:`counts` of predictors that read other parts of the input."""
        for key, row in counts:
            mine = self._rows.get(key)
            self._rows[key] = combine(mine, row) if mine is not None else combine(row)

    # ----------------------------------------------------------------- output

    def rows(self) -> list[CoverageRow]:
        return sorted(
            self._rows.values(),
            key=lambda r: (
                r.file or "",
                r.channel,
                r.action_source or "",
                r.event_name or "",
                r.agent_name or "",
            ),
        )


def combine(row: CoverageRow, *others: CoverageRow) -> CoverageRow:
    """A new row counting the events of ``row`` and ``others`` (rows of one key):
    every figure is a count, so partial runs add up exactly."""
    out = replace(row, present=dict(row.present), valid=dict(row.valid), dedup=dict(row.dedup))
    for other in others:
        out.events += other.events
        out.unmatchable_events += other.unmatchable_events
        for mine, theirs in (
            (out.present, other.present),
            (out.valid, other.valid),
            (out.dedup, other.dedup),
        ):
            for name, count in theirs.items():
                mine[name] += count
    return out


def _has_valid_element(value: Any, invalid: set[Any] | None) -> bool:
    if not invalid:
        return True
    if None in invalid:
        return False
    if isinstance(value, list):
        return any(is_present(item) and index not in invalid for index, item in enumerate(value))
    return True


def predict_coverage(
    payloads: Any,
    config: Settings | Mapping[str, Any] | None = None,
    now: Any = None,
    *,
    by: str = "event_name",
) -> list[dict[str, Any]]:
    """Coverage rows (interface §4a) for payloads: a dict, JSON text/bytes, a
    path, or an iterable of those (a list of events counts as events)."""
    from capi_lint.api import _settings

    predictor = CoveragePredictor(_settings(config, now), by=by)
    for item in _iter_payloads(payloads):
        if isinstance(item, Path):
            predictor.add_paths([str(item)])
        elif isinstance(item, (bytes, str)):
            raw = item.encode("utf-8") if isinstance(item, str) else item
            docs = (
                loader.iter_jsonl("<payload>", raw)
                if loader.is_json_lines(raw)
                else [loader.parse("<payload>", raw)]
            )
            for doc in docs:
                if doc.parsed:
                    predictor.add_document(doc.root)
        else:
            predictor.add_document(item)
    return [row.to_dict() for row in predictor.rows()]


def _iter_payloads(payloads: Any) -> Iterator[Any]:
    if isinstance(payloads, (dict, str, bytes, Path)):
        yield payloads
    else:
        yield from payloads
