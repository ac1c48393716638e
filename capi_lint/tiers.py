"""The engine's two tiers: every enabled event rule's cheap condition, compiled
into one function per ``action_source``, calls the precise check only where
the condition holds.

A rule declares ``when=Condition("…")``: a Python expression that is true
whenever the rule might report something. It is *conservative*: it may hold
on an event the rule then finds clean, it must never fail on an event the rule
would report (tests/test_conditions.py holds every condition to that on every
rule fixture, the ecosystem corpus and generated events). Its names are

- the event's top-level members, each bound once to ``event.get(name)``
  (``None`` when absent): ``user_data``, ``custom_data``, ``event_time``, …;
- ``event`` (the dict), ``now`` (the reference time or None), ``ctx``;
- builtins, and the names the rule passes in ``Condition(names=…)`` (its
  constants and cheap helpers; renamed per rule in the generated code, so two
  rules may use the same name for different things).

A rule without a condition is called on every event, as before: migration
goes rule by rule, the most expensive first. Generated code, not closures:
one function reads each member once and tests every condition inline, with
no call per rule that does not run.
"""

from __future__ import annotations

import ast
import builtins
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from capi_lint.model import Hit
    from capi_lint.registry import Rule

#: ``fn(event, ctx)`` of an event rule.
EventCheck = Callable[[dict, Any], "Iterable[Hit] | None"]
#: The compiled tier: ``fn(event, ctx, out)`` appends ``(rule, hits)`` per rule that reports.
Tier = Callable[[dict, Any, list], None]

#: Names a condition may use besides fields, builtins and its own names.
_CONTEXT_NAMES = frozenset({"event", "now", "ctx"})


@functools.cache
def fields() -> frozenset[str]:
    """The event members a condition may name (the event schema's properties)."""
    from capi_lint import schemas

    return frozenset(k for k in schemas.table("event").properties if k.isidentifier())


@dataclass(frozen=True, eq=False)  # hashed by identity (names is a dict)
class Condition:
    """A rule's "might fire" test; see the module doc for what it may name."""

    expr: str
    names: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        tree = ast.parse(self.expr, mode="eval")  # a SyntaxError at import, not at run time
        clash = set(self.names) & (_CONTEXT_NAMES | {"out", "get"})
        if clash:
            raise ValueError(f"condition names shadow the engine's: {sorted(clash)}")
        object.__setattr__(self, "_tree", tree)
        object.__setattr__(self, "_free", _free_names(tree))

    @property
    def tree(self) -> ast.Expression:
        tree: ast.Expression = self.__dict__["_tree"]
        return tree

    def free_names(self) -> frozenset[str]:
        """Names read by the expression that it does not bind itself."""
        free: frozenset[str] = self.__dict__["_free"]
        return free

    def fields_read(self) -> set[str]:
        return {n for n in self.free_names() if n in fields() and n not in self.names}

    def check_names(self, code: str) -> None:
        unknown = {
            n
            for n in self.free_names()
            if n not in fields()
            and n not in _CONTEXT_NAMES
            and n not in self.names
            and not hasattr(builtins, n)
        }
        if unknown:
            raise ValueError(f"rule {code}: condition names unknown {sorted(unknown)}")


def _free_names(tree: ast.AST) -> frozenset[str]:
    read: set[str] = set()
    bound: set[str] = set()
    for node in ast.walk(tree):  # one walk: conditions are compiled into every tier
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.Lambda):
            bound.update(a.arg for a in node.args.args)
    return frozenset(read - bound)


class _Rename(ast.NodeTransformer):
    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.AST:
        new = self.names.get(node.id)
        return ast.copy_location(ast.Name(new, node.ctx), node) if new else node


@functools.lru_cache(maxsize=1024)
def _source(condition: Condition, prefix: str) -> str:
    """The expression with the condition's own names prefixed (unparse needs no
    line numbers, so the renamed nodes get none: cheaper, and tiers are
    compiled once per action_source and selection)."""
    if not condition.names:
        return condition.expr
    rename = {name: f"{prefix}{name}" for name in condition.names}
    return ast.unparse(_Rename(rename).visit(ast.parse(condition.expr, mode="eval")))


def compile_tier(checks: Sequence[tuple[Rule, EventCheck]]) -> Tier:
    """One function calling ``checks`` in order, each behind its rule's condition."""
    namespace: dict[str, Any] = {}
    read: set[str] = set()
    body: list[str] = []
    for i, (rule, fn) in enumerate(checks):
        namespace[f"_r{i}"] = rule
        namespace[f"_f{i}"] = fn
        call = [
            f"hits = _f{i}(event, ctx)",
            "if hits:",
            f"    out.append((_r{i}, hits))",
        ]
        condition = rule.when
        if condition is None:
            body += call
            continue
        condition.check_names(rule.code)
        prefix = f"_c{i}_"
        namespace.update({prefix + k: v for k, v in condition.names.items()})
        read |= condition.fields_read()
        body.append(f"if {_source(condition, prefix)}:")
        body += ["    " + line for line in call]
    head = ["get = event.get", "now = ctx.now"]
    head += [f"{name} = get({name!r})" for name in sorted(read)]
    lines = ["def tier(event, ctx, out):"] + ["    " + line for line in head + body]
    code = compile("\n".join(lines) + "\n", "<capi-lint tier>", "exec")
    exec(code, namespace)  # our own generated source, from registered conditions only
    tier: Tier = namespace["tier"]
    return tier


def holds(condition: Condition, event: dict, ctx: Any) -> bool:
    """The condition on one event, evaluated on its own (the tests' reference)."""
    namespace: dict[str, Any] = dict(condition.names)
    namespace.update({name: event.get(name) for name in condition.fields_read()})
    namespace.update(event=event, ctx=ctx, now=ctx.now)
    return bool(eval(compile(condition.tree, "<condition>", "eval"), namespace))
