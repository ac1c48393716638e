"""The JSON Schemas (Draft 2020-12) of a CAPI request, and fast tables derived from them.

The schemas are the single source of truth for known keys and their JSON
types, and are usable on their own::

    from capi_lint import schemas
    schemas.validator("event").iter_errors(event)

Running a full jsonschema validation on every event costs ~80x a parse, so the
S009/S010 rules first walk an event with :func:`suspicious`, which uses
tables derived from these same schemas at import time, and ask jsonschema to
explain (:func:`explain`) only the events that walk flagged.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

NAMES = ("request", "event", "user_data", "custom_data", "app_data")

#: Keys that are credentials: R003 reports them wherever they are, S009 never.
CREDENTIAL_KEYS = frozenset({"access_token", "appsecret_proof"})

#: Every JSON type, for keys the schema does not constrain.
_ANY: frozenset[type] = frozenset({str, int, float, bool, list, dict, type(None)})

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


def load(name: str) -> dict[str, Any]:
    """The schema document ``<name>.schema.json`` as a dict."""
    if name not in NAMES:
        raise KeyError(name)
    return json.loads(_schema_file(f"{name}.schema.json").read_text("utf-8"))


def _schema_file(filename: str) -> Traversable:
    """The one copy of a schema: the repository's top-level ``schemas/`` folder.

    A wheel carries that folder inside this package (``pyproject.toml``,
    ``force-include``); an editable install or a checkout reads it where it is.
    They carry no ``$id`` and refer to each other by file name
    (``"$ref": "event.schema.json"``): a validator resolves those against the
    file it read, so the five resolve to each other offline, here (registered
    under their file names) and in ``check-jsonschema --schemafile``.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / filename, here.parent.parent / "schemas" / filename):
        if candidate.is_file():
            return candidate
    # Not on the file system (a zip import): importlib.resources reads it there.
    # Imported only here: it costs a first check ~7 ms (tempfile, zipfile, ...).
    from importlib import resources

    return resources.files(__name__).joinpath(filename)


@cache
def _all() -> dict[str, dict[str, Any]]:
    return {name: load(name) for name in NAMES}


@cache
def validator(name: str) -> Any:
    """A jsonschema Draft 2020-12 validator for ``name``, with $refs resolved."""
    import jsonschema
    from referencing import Registry, Resource

    registry = Registry().with_resources(
        (f"{name}.schema.json", Resource.from_contents(schema)) for name, schema in _all().items()
    )
    return jsonschema.Draft202012Validator(_all()[name], registry=registry)


# --------------------------------------------------------------------------- fast tables


@dataclass
class FieldSpec:
    type_names: tuple[str, ...]
    types: frozenset[type]
    item_types: frozenset[type] | None = None
    item_type_names: tuple[str, ...] = ()
    obj: ObjectSpec | None = None
    item_obj: ObjectSpec | None = None
    #: ``item_types`` and null: the items :func:`suspicious` lets pass.
    item_allowed: frozenset[type] = frozenset()


@dataclass
class ObjectSpec:
    name: str
    properties: dict[str, FieldSpec] = field(default_factory=dict)
    additional: bool = False
    #: Derived by :meth:`seal` for :func:`suspicious`: the keys whose value is
    #: judged by its type alone (-> allowed types, null included), and the rest.
    keyset: frozenset[str] = frozenset()
    simple: dict[str, frozenset[type]] = field(default_factory=dict)
    nested: dict[str, FieldSpec] = field(default_factory=dict)
    #: Per known key: (the value types that pass, null included; the spec of
    #: its contents when they must be walked, else None) -- one look-up a member.
    walk: dict[str, tuple[frozenset[type], FieldSpec | None]] = field(default_factory=dict)
    #: Keys whose value passes when it is a string (the common case, tested first).
    str_ok: frozenset[str] = frozenset()

    @property
    def known(self) -> tuple[str, ...]:
        return tuple(self.properties)

    def seal(self) -> ObjectSpec:
        self.keyset = frozenset(self.properties) | CREDENTIAL_KEYS
        for key, fs in self.properties.items():
            if fs.obj is None and fs.item_types is None:
                self.simple[key] = fs.types | {type(None)} if fs.types else _ANY
            else:
                self.nested[key] = fs
            allowed = fs.types | {type(None)} if fs.types else _ANY
            inner = fs if fs.obj is not None or fs.item_types is not None else None
            self.walk[key] = (allowed, inner)
        self.str_ok = frozenset(key for key, (allowed, _) in self.walk.items() if str in allowed)
        return self


def _types(schema: dict[str, Any]) -> tuple[str, ...]:
    kind = schema.get("type")
    if kind is None and "$ref" in schema:
        return ("object",)
    if kind is None:
        return ()
    return (kind,) if isinstance(kind, str) else tuple(kind)


def _py(names: tuple[str, ...]) -> frozenset[type]:
    return frozenset(t for n in names for t in _PY_TYPES[n])


def _resolve(schema: dict[str, Any], doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    ref = schema.get("$ref")
    if ref is None:
        return schema, doc
    if ref.startswith("#/$defs/"):
        return doc["$defs"][ref[len("#/$defs/") :]], doc
    target = _all()[ref.removesuffix(".schema.json")]
    return target, target


def _object_spec(name: str, schema: dict[str, Any], doc: dict[str, Any]) -> ObjectSpec:
    spec = ObjectSpec(name, additional=schema.get("additionalProperties", True) is not False)
    for key, sub in schema.get("properties", {}).items():
        sub, sub_doc = _resolve(sub, doc)
        names = _types(sub)
        fs = FieldSpec(type_names=names, types=_py(names) if names else frozenset())
        if "object" in names and "properties" in sub:
            fs.obj = _object_spec(f"{name}.{key}" if name else key, sub, sub_doc)
        items = sub.get("items")
        if "array" in names and isinstance(items, dict):
            items, items_doc = _resolve(items, sub_doc)
            fs.item_type_names = _types(items)
            fs.item_types = _py(fs.item_type_names) if fs.item_type_names else None
            fs.item_allowed = (fs.item_types or _ANY) | {type(None)}
            if "properties" in items:
                fs.item_obj = _object_spec(f"{name}.{key}[]", items, items_doc)
        spec.properties[key] = fs
    return spec.seal()


@cache
def table(name: str) -> ObjectSpec:
    """Known keys and allowed Python types of schema ``name``, for fast checks."""
    schema = _all()[name]
    return _object_spec("" if name in ("request", "event") else name, schema, schema)


@cache
def property_names() -> frozenset[str]:
    """Every key any of the schemas names, at any depth (for showing keys unmasked)."""
    names: set[str] = set()

    def walk(spec: ObjectSpec) -> None:
        for name, fs in spec.properties.items():
            names.add(name)
            for sub in (fs.obj, fs.item_obj):
                if sub is not None:
                    walk(sub)

    for name in NAMES:
        walk(table(name))
    return frozenset(names)


def suspicious(value: dict[str, Any], spec: ObjectSpec) -> bool:
    """True if ``value`` may have an unknown key or a wrongly typed value.

    Nulls are never suspicious: "absent" rules judge them. May say True where
    jsonschema finds nothing (e.g. 1.0 for an integer); never the reverse for
    type and additionalProperties.
    """
    if not spec.additional and not value.keys() <= spec.keyset:
        return True
    walk = spec.walk
    str_ok = spec.str_ok
    for key, item in value.items():
        kind = type(item)
        if kind is str and key in str_ok:
            continue
        entry = walk.get(key)
        if entry is None:
            continue  # a custom property (additional keys are allowed here)
        if kind not in entry[0]:
            return True
        fs = entry[1]
        if fs is None:
            continue
        if kind is dict:
            if fs.obj is not None and suspicious(item, fs.obj):
                return True
        elif kind is list and fs.item_types is not None:
            allowed = fs.item_allowed
            sub = fs.item_obj
            if sub is None:
                for element in item:
                    if type(element) not in allowed:
                        return True
                continue
            for element in item:
                if type(element) not in allowed:
                    return True
                if element is not None and suspicious(element, sub):
                    return True
    return False


def narrowed(value: dict[str, Any], spec: ObjectSpec) -> dict[str, Any]:
    """``value`` without the members :func:`suspicious` clears, for :func:`explain`.

    The schemas have no conditionals (no ``if``, ``anyOf``, ``dependencies``),
    so a member's type and unknown-key errors depend on that member alone: the
    full validation of the kept members gives the same problems, in the same
    order, as that of ``value`` (``required`` errors, which :func:`explain`
    does not report, are the only new ones). Unknown keys are kept, and a
    suspicious object is narrowed in turn; a suspicious array is kept whole
    (its indexes are in the problems' paths).
    """
    out: dict[str, Any] = {}
    keyset = spec.keyset
    simple = spec.simple
    nested = spec.nested
    for key, item in value.items():
        if key not in keyset:
            if not spec.additional:
                out[key] = item
            continue
        allowed = simple.get(key)
        if allowed is not None:
            if type(item) not in allowed:
                out[key] = item
            continue
        fs = nested.get(key)
        if fs is None or item is None:
            continue
        kind = type(item)
        if fs.types and kind not in fs.types:
            out[key] = item
        elif kind is dict:
            if fs.obj is not None and suspicious(item, fs.obj):
                out[key] = narrowed(item, fs.obj)
        elif kind is list and fs.item_types is not None:
            types, sub = fs.item_types, fs.item_obj
            for element in item:
                if element is not None and (
                    type(element) not in types or (sub is not None and suspicious(element, sub))
                ):
                    out[key] = item
                    break
    return out


@dataclass(frozen=True)
class SchemaProblem:
    kind: str  # "unknown-key" or "wrong-type"
    where: tuple[Any, ...]
    key: str | None
    expected: tuple[str, ...]
    instance: Any
    known: tuple[str, ...] = ()


def explain(name: str, instance: Any) -> Iterator[SchemaProblem]:
    """Unknown keys and wrong types in ``instance``, from a full jsonschema validation.

    The reference :func:`problems` is held to (tests/test_schema_problems.py).
    """
    for error in validator(name).iter_errors(instance):
        yield from _map(error)


def _map(error: Any) -> Iterator[SchemaProblem]:
    where = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        props = error.schema.get("properties", {})
        for key in error.instance:
            if key not in props and key not in CREDENTIAL_KEYS:
                yield SchemaProblem(
                    "unknown-key", (*where, key), key, (), error.instance[key], tuple(props)
                )
    elif error.validator == "type" and error.instance is not None:
        expected = error.validator_value
        names = (expected,) if isinstance(expected, str) else tuple(expected)
        yield SchemaProblem("wrong-type", where, None, names, error.instance)
    elif error.context:
        for sub in error.context:
            yield from _map(sub)


# ----------------------------------------------------------------- explain from the tables


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Number)


#: Draft 2020-12's type checks, exactly as jsonschema's: isinstance (subclasses
#: count), 1.0 is an integer, a bool is no number, any ``numbers.Number`` is one.
_IS: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def _typed(value: Any, names: tuple[str, ...]) -> bool:
    return not names or any(_IS[name](value) for name in names)


def problems(name: str, instance: Any) -> list[SchemaProblem]:
    """What :func:`explain` yields for ``instance``, in the same order, from the
    fast tables instead of a jsonschema validation (~100x cheaper).

    The schemas use only ``type``, ``properties``, ``additionalProperties``
    (after ``properties``), ``items`` and a lone ``$ref`` as applicators; the
    other keywords (``enum``, ``pattern``, ``required``, ``minItems``, …)
    give errors :func:`explain` drops. jsonschema yields a schema's errors
    keyword by keyword: a wrong type (then nothing below it: ``properties``
    needs an object, ``items`` an array), then each property in the schema's
    order, then the unknown keys in the instance's order.
    tests/test_schema_problems.py holds the schemas to that shape and this
    function to :func:`explain` on every fixture, the ecosystem corpus and
    generated events.
    """
    out: list[SchemaProblem] = []
    root = FieldSpec(type_names=_types(_all()[name]), types=frozenset(), obj=table(name))
    _field(instance, root, (), out)
    return out


def _field(value: Any, fs: FieldSpec, where: tuple[Any, ...], out: list[SchemaProblem]) -> None:
    if not _typed(value, fs.type_names):
        if value is not None:
            out.append(SchemaProblem("wrong-type", where, None, fs.type_names, value))
        return
    if fs.obj is not None and isinstance(value, dict):
        _object(value, fs.obj, where, out)
    elif (fs.item_type_names or fs.item_obj is not None) and isinstance(value, list):
        item = FieldSpec(fs.item_type_names, frozenset(), obj=fs.item_obj)
        for index, element in enumerate(value):
            _field(element, item, (*where, index), out)


def _object(
    value: dict[Any, Any], spec: ObjectSpec, where: tuple[Any, ...], out: list[SchemaProblem]
) -> None:
    properties = spec.properties
    for key, fs in properties.items():
        if key in value:
            _field(value[key], fs, (*where, key), out)
    if not spec.additional:
        known = spec.known
        for key in value:
            if key not in properties and key not in CREDENTIAL_KEYS:
                out.append(SchemaProblem("unknown-key", (*where, key), key, (), value[key], known))
