"""Documents x enabled rules -> findings.

The engine completes the relative pointers that rules return, locates them in
the text (only for documents that have something to report), applies the
configured severity and sorts. Rules are called per event through a
compiled tier for that event's ``action_source`` (:mod:`capi_lint.tiers`), so
disabled or inapplicable rules cost nothing on the hot path, and a rule whose
cheap condition does not hold is not called.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

from capi_lint import envelope as env_mod
from capi_lint import loader, registry, tiers
from capi_lint.config import Settings
from capi_lint.context import Context as RuleContext

# FileResult lives in model (plain data); importable from here as before.
from capi_lint.model import FileResult, Finding, Hit, PointerParts, Selection, Severity
from capi_lint.registry import Rule, Scope
from capi_lint.rules._columns import Batch


class Context:
    """What a check may know besides the value it is given. Read-only for rules.

    One instance per batch; the engine moves ``index`` and ``action_source``
    from event to event (rules must not keep references across calls).
    """

    __slots__ = (
        "action_source",
        "envelope",
        "index",
        "kind",
        "memo",
        "now",
        "path",
        "request",
        "settings",
        "shared",
        "text",
    )

    def __init__(
        self,
        settings: Settings,
        now: int | None,
        path: str,
        shared: dict[str, Any] | None = None,
    ) -> None:
        self.settings = settings
        #: The reference time (unix seconds), or None: then the rules that need
        #: it (registry.NeedsNow.YES) are not called, and PARTLY ones skip
        #: their date-dependent checks.
        self.now = now
        self.path = path
        #: Run-wide state owned by the Engine (one per run: every file of a
        #: `capi-lint check`, one `capi_lint.check` call), for checks that span
        #: files, e.g. D003 with `--dedup-scope run`. Rules keep it bounded.
        self.shared: dict[str, Any] = shared if shared is not None else {}
        self.request: dict[str, Any] | None = None
        self.kind: str = env_mod.OTHER
        self.envelope: env_mod.Envelope | None = None
        self.index: int = 0
        self.action_source: Any = None
        #: Per-event scratch space shared by rules that derive the same thing
        #: (e.g. the schema walk behind S009 and S010); cleared between events.
        self.memo: dict[str, Any] = {}
        #: The document's JSON text as read (bytes or str), None for Python objects.
        self.text: str | bytes | None = None

    def option(self, code: str, name: str) -> Any:
        return self.settings.resolved_options[code][name]


if TYPE_CHECKING:
    # mypy proves that this context is the view rules are typed against.
    _RULE_CONTEXT: type[RuleContext] = Context


# A finding before it is located: rule, absolute pointer, where to locate, hit, event index.
_Pending = tuple[Rule, PointerParts, PointerParts, Hit, "int | None"]
EventCheck = Callable[[dict, Context], "Iterable[Hit] | None"]


@dataclass(frozen=True)
class _Plan:
    """The enabled rules split by scope: derived from the selection alone, so
    built once per selection and shared (read-only) by every Engine using it."""

    #: Codes that compare with the reference time; without one they are skipped.
    dated: frozenset[str]
    undated: frozenset[str]
    rules: dict[str, Rule]
    document_checks: tuple[tuple[Rule, Any], ...]
    event_rules: tuple[tuple[Rule, Any], ...]
    batch_rules: tuple[tuple[Rule, Any], ...]
    #: Batch rules that also look at the other rules' error findings of the
    #: batch (a ``review(errors)`` method; R004). False: no per-batch cost.
    reviewing: bool
    #: (action_source, dated) -> the compiled tier of event checks; filled on
    #: first use. Threads may fill one key twice with equal functions, which is harmless.
    by_source: dict[tuple[Any, bool], tiers.Tier]


#: Plans by selection; a handful in practice (bounded all the same).
_PLANS: dict[frozenset[str], _Plan] = {}
_MAX_PLANS = 64


def _plan(enabled: frozenset[str]) -> _Plan:
    plan = _PLANS.get(enabled)
    if plan is not None:
        return plan
    every = registry.all_rules()
    rules = [r for r in every if r.code in enabled]
    batch_rules = tuple((r, r.scopes[Scope.BATCH]) for r in rules if Scope.BATCH in r.scopes)
    plan = _Plan(
        dated=frozenset(r.code for r in registry.time_rules(enabled)),
        undated=frozenset(r.code for r in rules if r.needs_now is not registry.NeedsNow.YES),
        rules={r.code: r for r in every},
        document_checks=tuple(
            (r, r.scopes[Scope.DOCUMENT]) for r in rules if Scope.DOCUMENT in r.scopes
        ),
        event_rules=tuple((r, r.scopes[Scope.EVENT]) for r in rules if Scope.EVENT in r.scopes),
        batch_rules=batch_rules,
        reviewing=any(hasattr(cls, "review") for _, cls in batch_rules),
        by_source={},
    )
    if len(_PLANS) >= _MAX_PLANS:
        _PLANS.clear()
    _PLANS[enabled] = plan
    return plan


class Engine:
    """Runs the enabled rules over documents. What ``__init__`` derives from the
    settings is read-only, shared by :meth:`for_next_run`'s copies; the state of
    one run (what may change while it checks) is set in :meth:`_start_run`."""

    def __init__(self, settings: Settings) -> None:
        #: As given: a CLOCK in it is read again by each :meth:`for_next_run`.
        self._given = settings
        settings = settings.with_clock_read()
        self.settings = settings
        #: The global reference time (None: none given); see :meth:`now_for`.
        self.now: int | None = settings.now if isinstance(settings.now, int) else None
        plan = _plan(settings.enabled)
        self._dated = plan.dated
        self._undated = plan.undated
        self._rules = plan.rules
        self._enabled = settings.enabled
        #: Selection and severity: the one place hits become findings.
        self._selection = Selection(settings.enabled, settings.severity)
        self._document_checks = plan.document_checks
        self._event_rules = plan.event_rules
        self._batch_rules = plan.batch_rules
        self._reviewing = plan.reviewing
        self._by_source = plan.by_source
        self._start_run()

    def _start_run(self) -> None:
        """The state of one run: everything a check may change goes here."""
        self.shared: dict[str, Any] = {}
        self._now_path: str | None = None
        self._now_value: int | None = None
        #: Optional ``(line, total_lines)`` callback while reading JSON Lines (progress bar).
        self.line_progress: Callable[[int, int], None] | None = None
        #: Set by the runner for a split file: lines of event lines that had findings.
        self.event_lines_found: set[int] | None = None
        #: Event lines seen by the last `check_jsonl` (a split file's index offsets).
        self.event_lines_seen = 0

    def for_next_run(self) -> Engine:
        """A new Engine for another run with these settings, as ``Engine(settings)``
        would build but without deriving the tables again (a reusable Checker
        makes one per call): they are shared, the run state is fresh, and a
        CLOCK reference time is read again."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        if self._given is not self.settings:  # a CLOCK: one reading per run
            settings = new.settings = self._given.with_clock_read()
            new.now = settings.now if isinstance(settings.now, int) else None
        new._start_run()
        return new

    # ----------------------------------------------------------------- dispatch

    def now_for(self, path: str) -> int | None:
        """The reference time for the file ``path`` (per-file-now, then now)."""
        if path != self._now_path:
            self._now_path = path
            self._now_value = self.settings.reference_time(path)
        return self._now_value

    def _runs(self, rule: Rule, ctx: Context) -> bool:
        """A rule that needs the reference time runs only when there is one."""
        return ctx.now is not None or rule.code in self._undated

    def _tier_for(self, action_source: Any, dated: bool = True) -> tiers.Tier:
        """The event checks for this ``action_source``, compiled into one function."""
        key = action_source if isinstance(action_source, str) else None
        tier = self._by_source.get((key, dated))
        if tier is None:
            tier = tiers.compile_tier(
                [
                    (r, fn)
                    for r, fn in self._event_rules
                    if (r.action_sources is None or key in r.action_sources)
                    and (dated or r.code in self._undated)
                ]
            )
            self._by_source[(key, dated)] = tier
        return tier

    def mark_undated(self, result: FileResult) -> FileResult:
        """Note on ``result`` whether its events were checked without a reference
        time while rules that need one are selected."""
        if result.events and self._dated and self.now_for(result.path) is None:
            result.age_checks_skipped = True
        return result

    # ----------------------------------------------------------------- sources

    def check_source(self, source: loader.Source) -> FileResult:
        limit = self.settings.max_input_size
        if source.stream is not None:  # stdin past the limit, read on line by line
            return self.check_jsonl(source.path, source.stream)
        if source.jsonl and source.fs_path is not None and source.data is None:
            return self._check_jsonl_file(source)
        raw = loader.read_bytes(source, limit)
        if isinstance(raw, loader.Problem):
            return self.problem_result(source.path, raw)
        if loader.is_json_lines(raw, declared=source.jsonl):
            return self.check_jsonl(source.path, raw)
        return self.check_document(loader.parse(source.path, raw))

    def _check_jsonl_file(self, source: loader.Source) -> FileResult:
        """A JSON Lines file streamed from disk: memory does not grow with it."""
        assert source.fs_path is not None
        handle = loader.open_regular(source.fs_path)
        if isinstance(handle, loader.Problem):
            return self.problem_result(source.path, handle)
        with handle:
            try:
                return self.check_jsonl(source.path, handle)
            except OSError as exc:  # e.g. EIO while reading
                reason = (exc.strerror or type(exc).__name__).lower()
                return self.problem_result(
                    source.path, loader.Problem("S001", f"cannot read: {reason}")
                )

    def problem_result(self, path: str, problem: loader.Problem) -> FileResult:
        result = FileResult(path)
        self._add_problems(result, [problem], None)
        return result

    def check_document(self, doc: loader.Document) -> FileResult:
        result = FileResult(doc.path)
        pending: list[_Pending] = []
        if doc.parsed:
            result.events = self._run_document(doc, pending)
        self._add_problems(result, doc.problems, doc.line_index)
        self._locate(result, doc, pending)
        result.findings.sort(key=Finding.sort_key)
        return self.mark_undated(result)

    def check_jsonl(
        self, path: str, raw: bytes | BinaryIO, part: loader.Part | None = None
    ) -> FileResult:
        """Stream a JSON Lines file: event lines form one batch over the file;
        request lines are each a batch, and the B statistics also run over all
        of them together.

        With ``part`` only that line range of the open file ``raw`` is read
        (the runner's split of one large file); event indexes then count from
        the range's first event line, and the line numbers of event lines with
        findings are put in ``self.event_lines_found`` so the runner can shift
        those indexes.
        """
        result = FileResult(path)
        now = self.now_for(path)
        ctx = Context(self.settings, now, path, self.shared)
        event_batch = self._start_batch(self._batch_rules, ctx)
        stats_rules = [(r, cls) for r, cls in self._batch_rules if r.family == "B"]
        request_stats = self._start_batch(
            stats_rules, Context(self.settings, now, path, self.shared)
        )
        event_lines = 0
        request_lines = 0
        request_events = 0
        tick = self.line_progress
        if tick is None:
            where = total = None
        elif isinstance(raw, (bytes, bytearray)):
            total = raw.count(b"\n") + 1
            where = None
        else:  # an open file: the share of its bytes read so far
            try:
                total = os.fstat(raw.fileno()).st_size or 1
                where = raw.tell
            except (OSError, ValueError):  # stdin read on (no file behind it): no share
                tick = where = total = None
        found_lines = self.event_lines_found
        document_checks = self._document_checks
        pending: list[_Pending] = []  # reused: most lines have nothing to report
        for doc in loader.iter_jsonl(path, raw, part, self.settings.max_input_size):
            if tick is not None and total is not None:  # both set, or neither
                tick(doc.first_line if where is None else where(), total)
            root = doc.root
            if type(root) is dict and ("event_name" in root or "event_time" in root):
                ctx.kind = env_mod.EVENT
                ctx.text = doc.text
                if document_checks:
                    self._run_document_checks(root, ctx, pending)
                self._check_event(root, (), event_lines, ctx, pending, event_batch)
                if pending and found_lines is not None:
                    found_lines.add(doc.first_line)
                event_lines += 1
                result.events += 1
            elif doc.parsed:
                request_lines += 1
                count = self._run_document(doc, pending)
                result.events += count
                if request_stats and isinstance(root, dict):
                    envelope = env_mod.read(root)
                    for event in envelope.events:
                        if isinstance(event, dict):
                            request_stats.feed(request_events, event)
                            request_events += 1
            if doc.problems:
                self._add_problems(result, doc.problems, doc.line_index)
            if pending:
                self._locate(result, doc, pending)
                pending = []
        self.event_lines_seen = event_lines
        if event_lines:
            self._finish_batch(event_batch, (), result)
        if request_lines > 1:
            self._finish_batch(request_stats, (), result)
        result.findings.sort(key=Finding.sort_key)
        return self.mark_undated(result)

    def check_line(
        self, path: str, raw: bytes, line: int, event_index: int
    ) -> tuple[FileResult, dict | None]:
        """One JSON Lines line on its own, as ``check_jsonl`` checks it, except
        that an event line's batch rules are left to the caller (who sees the
        other lines: the Spark driver). A request line is checked whole.

        Returns the findings and, for an event line, the parsed event.
        """
        result = FileResult(path)
        doc = loader.line_document(path, raw, line, self.settings.max_input_size)
        if doc is None:
            return result, None
        pending: list[_Pending] = []
        event = None
        if doc.parsed:
            root = doc.root
            if isinstance(root, dict) and ("event_name" in root or "event_time" in root):
                ctx = Context(self.settings, self.now_for(path), path, self.shared)
                ctx.kind = env_mod.EVENT
                ctx.text = doc.text
                self._run_document_checks(root, ctx, pending)
                self._check_event(root, (), event_index, ctx, pending, None)
                result.events = 1
                event = root
            else:
                result.events = self._run_document(doc, pending)
        self._add_problems(result, doc.problems, doc.line_index)
        self._locate(result, doc, pending)
        result.findings.sort(key=Finding.sort_key)
        return result, event

    # ----------------------------------------------------------------- documents

    def _run_document(self, doc: loader.Document, pending: list[_Pending]) -> int:
        envelope = env_mod.read(doc.root)
        ctx = Context(self.settings, self.now_for(doc.path), doc.path, self.shared)
        ctx.kind = envelope.kind
        ctx.request = envelope.request
        ctx.envelope = envelope
        ctx.text = doc.text
        for code, hit in envelope.hits:
            rule = self._rules[code]
            if self._selection.selects(code):
                pending.append((rule, hit.where, envelope.locate_parts(hit.where), hit, None))
        self._run_document_checks(doc.root, ctx, pending)
        batch = self._start_batch(self._batch_rules, ctx)
        count = 0
        for index, event in enumerate(envelope.events):
            if type(event) is not dict:
                continue
            count += 1
            self._check_event(event, envelope.event_parts(index), index, ctx, pending, batch)
        if batch and count:
            batch_hits: list[_Pending] = []
            for rule, state in batch:
                for hit in state.finish() or ():
                    parts = (*envelope.prefix, *hit.where)
                    batch_hits.append((rule, parts, envelope.locate_parts(parts), hit, None))
            if self._reviewing:
                self._review_batch(batch, envelope, pending, batch_hits)
            pending.extend(batch_hits)
        # Encoded `data` or event strings: every pointer into one is located at its string.
        if envelope.has_encoded:
            pending[:] = [
                (r, parts, envelope.locate_parts(parts), envelope.annotate(parts, h), i)
                for r, parts, _, h, i in pending
            ]
        return count

    def _run_document_checks(self, root: Any, ctx: Context, pending: list[_Pending]) -> None:
        for rule, fn in self._document_checks:
            if not self._runs(rule, ctx):
                continue
            hits = fn(root, ctx)
            if hits:
                for hit in hits:
                    pending.append((rule, hit.where, hit.where, hit, None))

    def _check_event(
        self,
        event: dict,
        parts: PointerParts,
        index: int,
        ctx: Context,
        pending: list[_Pending],
        batch: Batch | None,
    ) -> None:
        ctx.index = index
        reported = self._event_reports(event, ctx)
        batched = batch.feed(index, event) if batch else None
        if batched:
            reported.extend(batched)
        for rule, hits in reported:
            for hit in hits:
                where = (*parts, *hit.where)
                pending.append((rule, where, where, hit, index))

    def event_hits(self, event: dict, ctx: Context) -> list[tuple[Rule, Hit]]:
        """The enabled event rules' hits for one event (pointers relative to it).

        For consumers that judge events one by one (coverage prediction); no
        batch rules, no locating.
        """
        return [(rule, hit) for rule, hits in self._event_reports(event, ctx) for hit in hits]

    def _event_reports(self, event: dict, ctx: Context) -> list[tuple[Rule, Iterable[Hit]]]:
        """What the compiled event tier reports on ``event``: (rule, hits) per rule."""
        if ctx.memo:
            ctx.memo.clear()
        source = event.get("action_source")
        # Rules get a str or None: a list/dict here is unhashable and unprintable.
        ctx.action_source = source if type(source) is str else None
        reported: list[tuple[Rule, Iterable[Hit]]] = []
        self._tier_for(source, ctx.now is not None)(event, ctx, reported)
        return reported

    # ----------------------------------------------------------------- batches

    def _review_batch(
        self,
        batch: Batch,
        envelope: env_mod.Envelope,
        pending: list[_Pending],
        out: list[_Pending],
    ) -> None:
        """Give ``review``-ing batch rules the batch's error findings per event."""
        errors: dict[int, list[str]] = {}
        for rule, _parts, _locate, hit, index in pending:
            if index is None:
                continue
            if self._selection.severity(rule, hit.severity) is Severity.ERROR:
                errors.setdefault(index, []).append(rule.code)
        for rule, state in batch:
            review = getattr(state, "review", None)
            if review is None:
                continue
            for hit in review(errors) or ():
                parts = (*envelope.prefix, *hit.where)
                out.append((rule, parts, envelope.locate_parts(parts), hit, None))

    def _start_batch(self, rules: Iterable[tuple[Rule, Any]], ctx: Context) -> Batch:
        """The batch rules' states, fed as they declare (rules/_columns.py)."""
        return Batch([(rule, cls(ctx)) for rule, cls in rules if self._runs(rule, ctx)])

    def _finish_batch(
        self,
        batch: Batch,
        prefix: PointerParts,
        result: FileResult,
    ) -> None:
        for rule, state in batch:
            for hit in state.finish() or ():
                result.findings.append(self._finding(rule, result.path, prefix, hit, None, 1, 1))

    # ----------------------------------------------------------------- findings

    def _add_problems(
        self, result: FileResult, problems: list[loader.Problem], line_index: int | None
    ) -> None:
        for problem in problems:
            if not self._selection.selects(problem.code):
                continue
            rule = self._rules[problem.code]
            hit = Hit(problem.where, problem.message, problem.fix, problem.severity)
            result.findings.append(
                self._finding(
                    rule, result.path, problem.where, hit, None, problem.line, problem.column
                )
            )

    def _locate(self, result: FileResult, doc: loader.Document, pending: list[_Pending]) -> None:
        if not pending:
            return
        located = doc.text is not None
        for rule, parts, locate_parts, hit, index in pending:
            line = column = None
            if located:
                line, column = doc.locator.locate(locate_parts)
            result.findings.append(
                self._finding(rule, result.path, parts, hit, index, line, column)
            )

    def finding(
        self,
        code: str,
        path: str,
        hit: Hit,
        index: int | None = None,
        line: int | None = None,
        column: int | None = None,
        *,
        parts: PointerParts | None = None,
    ) -> Finding:
        """The finding of rule ``code``'s ``hit`` in ``path``, with the run's
        severity (``model.Selection``): for callers that run parts of a rule
        themselves (the Spark driver and executors finish batch rules fed
        across partitions). ``parts``: the absolute pointer, the hit's own
        by default."""
        where = hit.where if parts is None else parts
        return self._finding(self._rules[code], path, where, hit, index, line, column)

    def _finding(
        self,
        rule: Rule,
        path: str,
        parts: PointerParts,
        hit: Hit,
        index: int | None,
        line: int | None,
        column: int | None,
    ) -> Finding:
        return self._selection.finding(rule, hit, path, parts, index, line, column)


def apply_file_ignores(result: FileResult, settings: Settings) -> FileResult:
    """Drop what ``per-file-ignores`` and ``per-pointer-ignores`` accept for the file."""
    ignores = FileIgnores.of(settings, result.path)
    if ignores is not None and result.findings:
        result.findings = [f for f in result.findings if not ignores.accept(f.code, f.pointer)]
    return result


@dataclass(frozen=True)
class FileIgnores:
    """What ``per-file-ignores`` and ``per-pointer-ignores`` accept in one file:
    resolved once (where the path is known as typed) and applied to findings,
    or to the Spark engine's finding rows elsewhere."""

    codes: frozenset[str]
    pointers: tuple[tuple[str, frozenset[str]], ...]

    @classmethod
    def of(cls, settings: Settings, path: str) -> FileIgnores | None:
        """The file's ignores; None when nothing is ignored in it."""
        codes = settings.ignored_for(path)
        pointers = tuple(settings.ignored_pointers(path))
        return cls(codes, pointers) if codes or pointers else None

    def accept(self, code: str, at: str) -> bool:
        """A finding of ``code`` at pointer ``at`` is ignored: its code for the
        whole file, or at its pointer or at a parent of it."""
        return code in self.codes or any(
            code in codes and (at == pointer or at.startswith(pointer + "/"))
            for pointer, codes in self.pointers
        )
