"""Compiling CQL terms (literals, markers, collections, function calls) for a receiver.

A term compiles once per statement text into a closure over the bound values that
returns the serialised value; compiling also records, for each bind marker, the
column spec a driver needs in the PREPARED metadata. One walk serves both.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..codec import (
    serialize_collection,
    serialize_collection_fields,
    serialize_map,
    serialize_set,
    serialize_vector,
)
from ..cql import ast
from ..errors import InvalidRequest
from ..requests import UNSET, RawValue
from ..results import ColumnSpec
from ..types import NUMERIC_TYPES, CqlType, canonical, literal_value, native, validate_value
from .derived import DerivedData

Bound = list[RawValue]
TermFn = Callable[["Execution"], Any]  # returns bytes, None or UNSET


@dataclass
class Execution:
    """What a compiled closure may read while running: bound values and the clock.

    Everything an execution generates (``uuid()``, ``now()``, list cell keys) derives
    from ``now_micros`` and a sequence, so replaying a logged write reproduces it."""

    values: Bound
    now_micros: int
    derived: DerivedData | None = None  # the engine's derived data, kept up by writes
    seq: int = 0
    memo: dict[Any, Any] = field(default_factory=dict)  # per-execution results (a parsed INSERT JSON)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def random_bits(self, bits: int) -> int:
        import random

        return random.Random(self.now_micros * 1000 + self.next_seq()).getrandbits(bits)


@dataclass(frozen=True)
class Receiver:
    """Where a term's value goes: the spec a marker in that place is described by."""

    keyspace: str
    table: str
    name: str
    type: CqlType

    def spec(self) -> ColumnSpec:
        return ColumnSpec(self.keyspace, self.table, self.name, self.type.codec)

    def renamed(self, name: str, type_: CqlType | None = None) -> Receiver:
        return Receiver(self.keyspace, self.table, name, type_ or self.type)


@dataclass
class Compiler:
    """Collects marker specs while terms of one statement compile."""

    specs: dict[int, ColumnSpec] = field(default_factory=dict)
    names: dict[int, str | None] = field(default_factory=dict)
    catalog: Any = None
    keyspace: str | None = None

    def marker(self, marker: ast.BindMarker, receiver: Receiver) -> ColumnSpec:
        spec = receiver.spec()
        if marker.name is not None:
            spec = ColumnSpec(spec.keyspace, spec.table, marker.name, spec.type)
        self.specs[marker.index] = spec
        self.names[marker.index] = marker.name
        return spec

    def term(self, term: ast.Term, receiver: Receiver) -> TermFn:
        """Compile ``term`` to a closure giving its serialised value for ``receiver``."""
        t = receiver.type
        if isinstance(term, ast.Literal):
            value = literal_value(t, term.kind, term.value, receiver.name)
            data = t.encode(value)
            return lambda ex: data
        if isinstance(term, ast.BindMarker):
            self.marker(term, receiver)
            index = term.index

            def bound(ex: Execution) -> Any:
                v = ex.values[index] if index < len(ex.values) else UNSET
                if isinstance(v, bytes):
                    validate_value(t, v, receiver.name)
                    v = canonical(t, v)
                return v

            return bound
        if isinstance(term, ast.TypeHint):
            hinted = (
                self.catalog.resolve_type(term.type, self.keyspace)
                if self.catalog
                else native(term.type.name)
            )
            if hinted.cql(False) != t.cql(False) and not (
                hinted.name in ("text", "ascii") and t.name in ("text", "ascii")
            ):
                raise InvalidRequest(
                    f"Type error: {term.type.name} cannot be passed as argument 0 of "
                    f"function for {receiver.name} of type {t.cql()}"
                )
            return self.term(term.term, receiver)
        if isinstance(term, ast.FunctionCall):
            from .functions import compile_call

            return compile_call(self, term, receiver)
        if isinstance(term, ast.Negate):
            return self._negate(term, receiver)
        return self._collection(term, receiver)

    def _negate(self, term: ast.Negate, receiver: Receiver) -> TermFn:
        """``-x`` of a number only (ScyllaDB's grammar knows no other minus than a number's
        sign), and only while the negated value still fits the type."""
        t = receiver.type
        if t.name not in NUMERIC_TYPES:
            raise InvalidRequest(
                f"Invalid negation for {receiver.name} of type {t.cql()}: only a number can be negated"
            )
        inner = self.term(term.term, receiver)

        def negate(ex: Execution) -> Any:
            data = inner(ex)
            if not isinstance(data, bytes) or not data:  # null, unset and empty stay as they are
                return data
            value = -t.decode(data)
            try:
                return t.encode(value)
            except (struct.error, OverflowError, ValueError):
                raise InvalidRequest(
                    f"Invalid negation for {receiver.name}: {value} is out of range for type {t.cql()}"
                ) from None

        return negate

    def _collection(self, term: ast.Term, receiver: Receiver) -> TermFn:
        t = receiver.type
        name = receiver.name
        if isinstance(term, ast.ListLiteral) and t.name in ("list", "set", "vector"):
            elem = receiver.renamed(f"value({name})" if t.name != "vector" else name, t.params[0])
            items = [self.term(i, elem) for i in term.items]
            if t.name == "vector":
                if len(items) != t.size:
                    raise InvalidRequest(
                        f"Invalid vector literal for {name} of type {t.cql()}; "
                        f"expected {t.size} elements, but given {len(items)}"
                    )
                return lambda ex: serialize_vector(t, [f(ex) for f in items], name)
            if t.name == "set":
                return lambda ex: serialize_set(t, [f(ex) for f in items], name)
            return lambda ex: serialize_collection([f(ex) for f in items], name)
        if isinstance(term, ast.SetLiteral) and t.name == "set":
            elem = receiver.renamed(f"value({name})", t.params[0])
            items = [self.term(i, elem) for i in term.items]
            return lambda ex: serialize_set(t, [f(ex) for f in items], name)
        if isinstance(term, ast.MapLiteral) and t.name == "set" and not term.items:
            return lambda ex: serialize_collection([], name)
        if isinstance(term, ast.MapLiteral) and t.name == "map":
            kr = receiver.renamed(f"key({name})", t.params[0])
            vr = receiver.renamed(f"value({name})", t.params[1])
            pairs = [(self.term(k, kr), self.term(v, vr)) for k, v in term.items]
            return lambda ex: serialize_map(t, [(k(ex), v(ex)) for k, v in pairs], name)
        if isinstance(term, ast.MapLiteral) and t.name == "udt" and not term.items:
            return lambda ex: serialize_collection_fields([None] * len(t.params))
        if isinstance(term, ast.UdtLiteral) and t.name == "udt":
            given = dict(term.fields)
            unknown = set(given) - set(t.field_names)
            if unknown:
                raise InvalidRequest(
                    f"Unknown field '{sorted(unknown)[0]}' in value of user defined type {t.udt_name}"
                )
            fns: list[TermFn | None] = []
            for fname, ftype in zip(t.field_names, t.params):
                fns.append(
                    self.term(given[fname], receiver.renamed(f"{name}.{fname}", ftype))
                    if fname in given
                    else None
                )
            return lambda ex: serialize_collection_fields([f(ex) if f else None for f in fns])
        if isinstance(term, ast.UdtLiteral) and t.name == "map":
            raise InvalidRequest(f"Invalid map literal for {name}: field names are not valid map keys")
        if isinstance(term, ast.TupleLiteral) and t.name == "tuple":
            if len(term.items) > len(t.params):
                raise InvalidRequest(
                    f"Invalid tuple literal for {name}: too many elements. Type {t.cql()} "
                    f"expects {len(t.params)} but got {len(term.items)}"
                )
            fns2 = [
                self.term(i, receiver.renamed(f"{name}[{n}]", p))
                for n, (i, p) in enumerate(zip(term.items, t.params))
            ]
            pad = len(t.params) - len(fns2)
            return lambda ex: serialize_collection_fields([f(ex) for f in fns2] + [None] * pad)
        kind = type(term).__name__.replace("Literal", "").lower()
        raise InvalidRequest(f"Invalid {kind} literal for {name} of type {t.cql()}")


def token_value(raw: bytes) -> int:
    """A token bound in ``token(k) > ?``: ScyllaDB's dht::token::from_bytes takes only 8
    bytes (binding refused any other length but 0, an empty bigint)."""
    if len(raw) != 8:
        raise InvalidRequest(f"Invalid token. Should have size 8, has size {len(raw)}")
    return int(struct.unpack(">q", raw)[0])


def term_text(term: ast.Term) -> str:
    """A term as CQL text, the way ScyllaDB quotes an operation in its error messages
    (``Invalid operation (l[0] = 1) for frozen collection column l``)."""
    if isinstance(term, ast.Literal):
        if term.kind == "string":
            return "'" + term.value.replace("'", "''") + "'"
        if term.kind == "blob":
            return "0x" + term.value
        return term.value
    if isinstance(term, ast.BindMarker):
        return f":{term.name}" if term.name else "?"
    if isinstance(term, ast.ListLiteral):
        return "[" + ", ".join(term_text(t) for t in term.items) + "]"
    if isinstance(term, ast.SetLiteral):
        return "{" + ", ".join(term_text(t) for t in term.items) + "}"
    if isinstance(term, ast.MapLiteral):
        return "{" + ", ".join(f"{term_text(k)}: {term_text(v)}" for k, v in term.items) + "}"
    if isinstance(term, ast.UdtLiteral):
        return "{" + ", ".join(f"{f}: {term_text(v)}" for f, v in term.fields) + "}"
    if isinstance(term, ast.TupleLiteral):
        return "(" + ", ".join(term_text(t) for t in term.items) + ")"
    if isinstance(term, ast.FunctionCall):
        return f"{term.name}({', '.join(term_text(a) for a in term.args)})"
    if isinstance(term, ast.Negate):
        return "-" + term_text(term.term)
    if isinstance(term, ast.TypeHint):
        return f"({term.type.name}){term_text(term.term)}"
    return str(term)
