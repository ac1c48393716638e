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

import builtins
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import CodeType
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
        # A SyntaxError at import, not at run time; compile(), not the ast module,
        # which a first check would otherwise import (~10 ms).
        code = compile(self.expr, "<condition>", "eval")
        clash = set(self.names) & (_CONTEXT_NAMES | {"out", "get", "hits"})
        if clash:
            raise ValueError(f"condition names shadow the engine's: {sorted(clash)}")
        object.__setattr__(self, "_code", code)

    @property
    def code(self) -> CodeType:
        code: CodeType = self.__dict__["_code"]
        return code

    def fields_read(self) -> set[str]:
        """The members the expression reads: every name of its bytecode that is
        a member and not one of its own (an attribute of the same spelling is
        read needlessly, which is harmless)."""
        return {n for n in _code_names(self.code) if n in fields() and n not in self.names}

    def check_names(self, code: str) -> None:
        """Raise if the expression reads a name the tier does not bind (tests call it)."""
        import ast

        read: set[str] = set()
        bound: set[str] = set()
        for node in ast.walk(ast.parse(self.expr, mode="eval")):
            if isinstance(node, ast.Name):
                (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
            elif isinstance(node, ast.Lambda):
                bound.update(a.arg for a in node.args.args)
        unknown = {
            n
            for n in read - bound
            if n not in fields()
            and n not in _CONTEXT_NAMES
            and n not in self.names
            and not hasattr(builtins, n)
        }
        if unknown:
            raise ValueError(f"rule {code}: condition names unknown {sorted(unknown)}")


def _code_names(code: CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):  # a comprehension or lambda
            names |= _code_names(const)
    return names


def _source(condition: Condition, prefix: str) -> str:
    """The expression with the condition's own names prefixed: only for a
    condition whose names clash with another's (ast is imported only then)."""
    import ast

    rename = {name: f"{prefix}{name}" for name in condition.names}

    class _Rename(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            new = rename.get(node.id)
            return ast.copy_location(ast.Name(new, node.ctx), node) if new else node

    return ast.unparse(_Rename().visit(ast.parse(condition.expr, mode="eval")))


_GENERATED = re.compile(r"_[rfc]\d")


def _shares_names(condition: Condition, namespace: Mapping[str, Any]) -> bool:
    """The condition's names can join the tier's globals as they are: none is
    bound there to another object, none is a member or a name the tier uses."""
    return all(
        (name not in namespace or namespace[name] is value)
        and name not in fields()
        and not _GENERATED.match(name)
        for name, value in condition.names.items()
    )


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
        read |= condition.fields_read()
        if _shares_names(condition, namespace):
            namespace.update(condition.names)
            source = condition.expr
        else:  # a name another condition binds to something else: this one's are renamed
            prefix = f"_c{i}_"
            namespace.update({prefix + k: v for k, v in condition.names.items()})
            source = _source(condition, prefix)
        body.append(f"if {source}:")
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
    return bool(eval(condition.code, namespace))
