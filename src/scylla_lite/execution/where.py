"""WHERE clauses: which partitions and rows a statement touches, and Cassandra's rules
about which restrictions are allowed (key prefixes, slices, ALLOW FILTERING).
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..catalog import Column, Table
from ..codec import serialize_collection_fields, split_collection, split_fields, split_map
from ..cql import ast
from ..errors import InvalidRequest
from ..requests import UNSET
from ..types import CqlType, list_of, native
from .terms import Compiler, Execution, Receiver, TermFn

FILTERING_MSG = (
    "Cannot execute this query as it might involve data filtering and thus may have unpredictable "
    "performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING"
)
BIGINT = native("bigint")


@dataclass
class Restriction:
    """``op`` on one column (or a column tuple for multi-column relations)."""

    columns: list[Column]
    op: str
    values: Callable[[Execution], list[Any]]  # the right-hand side, as a list of serialised values
    element: TermFn | None = None  # m[key] relations
    multi: bool = False  # a (c1, c2, ...) relation: values are serialised tuples, even of one column
    constant: bool = False  # the values are literals: the same in every execution

    @property
    def column(self) -> Column:
        return self.columns[0]


@dataclass
class Where:
    partition: list[Restriction] = field(default_factory=list)
    token: list[Restriction] = field(default_factory=list)
    clustering: list[Restriction] = field(default_factory=list)
    others: list[Restriction] = field(default_factory=list)  # regular/static columns and filters

    def partition_keys(self, table: Table, ex: Execution) -> list[tuple[bytes, ...]] | None:
        """Every partition key the EQ/IN restrictions name, or None when they do not
        name all key columns (a scan is needed)."""
        by_col = {r.column.name: r for r in self.partition if r.op in ("=", "IN")}
        pk = table.partition_key
        if any(c.name not in by_col for c in pk):
            return None
        choices = []
        for c in pk:
            vals = by_col[c.name].values(ex)
            for v in vals:
                if v is None:
                    raise InvalidRequest(f"Invalid null value in condition for column {c.name}")
                if v is UNSET:
                    raise InvalidRequest(f"Invalid unset value for column {c.name}")
            choices.append(_dedupe(c.type, vals))
        return [check_key_length(tuple(k)) for k in itertools.product(*choices)]


MAX_KEY_LENGTH = 65535


def check_key_length(values: tuple[bytes, ...]) -> tuple[bytes, ...]:
    """Keys are limited to 16 bits, as in ScyllaDB and Cassandra: a single-column key's
    value, or a compound key's components with two length bytes each (ScyllaDB's
    compound format), at most 65,535 bytes; the message is Cassandra's (ScyllaDB's
    is an internal error there, its issue #12247)."""
    length = len(values[0]) if len(values) == 1 else sum(len(v) + 2 for v in values)
    if length > MAX_KEY_LENGTH:
        raise InvalidRequest(f"Key length of {length} is longer than maximum of {MAX_KEY_LENGTH}")
    return values


def _dedupe(t: CqlType, vals: list[bytes]) -> list[bytes]:
    seen: dict[Any, bytes] = {}
    for v in vals:
        seen.setdefault(t.sort_key(v), v)
    return [seen[k] for k in sorted(seen)]


def compile_where(compiler: Compiler, table: Table, relations: tuple[ast.Relation, ...]) -> Where:
    where = Where()
    for rel in relations:
        lhs = rel.lhs
        if isinstance(lhs, ast.TokenRef):
            pk_names = [c.name for c in table.partition_key]
            if list(lhs.columns) != pk_names:
                raise InvalidRequest(
                    f"The token function arguments must be in the partition key order: {', '.join(pk_names)}"
                )
            rhs = rel.rhs
            if isinstance(rhs, ast.FunctionCall) and rhs.name == "token":
                cols = table.partition_key
                fns = [
                    compiler.term(a, Receiver(table.keyspace, table.name, f"arg{i}(system.token)", c.type))
                    for i, (a, c) in enumerate(zip(rhs.args, cols))
                ]

                values = _token_of_terms(fns)
            else:
                values = _single(
                    compiler.term(rhs, Receiver(table.keyspace, table.name, "partition key token", BIGINT))  # type: ignore[arg-type]
                )
            if rel.op not in ("=", "<", "<=", ">", ">="):
                raise InvalidRequest(f'Unsupported "{rel.op}" relation on token')
            where.token.append(Restriction(table.partition_key, rel.op, values))
            continue
        if isinstance(lhs, ast.TupleRef):
            cols = [table.column(n, Table.WHERE) for n in lhs.columns]
            if any(c.kind != "clustering" for c in cols):
                bad = next(c for c in cols if c.kind != "clustering")
                raise InvalidRequest(
                    f"Multi-column relations can only be applied to clustering columns but was "
                    f"applied to: {bad.name}"
                )
            tuple_t = CqlType("tuple", tuple(c.type for c in cols), True)
            receiver = Receiver(
                table.keyspace, table.name, "(" + ",".join(c.name for c in cols) + ")", tuple_t
            )
            where.clustering.append(
                Restriction(cols, rel.op, _tuple_rhs(compiler, table, rel, cols, receiver), multi=True)
            )
            continue
        name = lhs.column if isinstance(lhs, (ast.ElementRef, ast.FieldRef)) else lhs.name
        col = table.column(name, Table.WHERE)
        element = None
        receiver = Receiver(table.keyspace, table.name, col.name, col.type)
        if isinstance(lhs, ast.ElementRef):
            if col.type.name != "map":
                raise InvalidRequest(f"Column {col.name} cannot be used as a map")
            element = compiler.term(lhs.key, receiver.renamed(f"key({col.name})", col.type.params[0]))
            receiver = receiver.renamed(f"value({col.name})", col.type.params[1])
        if rel.op == "CONTAINS":
            if not col.type.is_collection:
                raise InvalidRequest(f"Cannot use CONTAINS on non-collection column {col.name}")
            et = col.type.params[-1] if col.type.name == "map" else col.type.params[0]
            receiver = receiver.renamed(f"value({col.name})", et)
        elif rel.op == "CONTAINS KEY":
            if col.type.name != "map":
                raise InvalidRequest(f"Cannot use CONTAINS KEY on non-map column {col.name}")
            receiver = receiver.renamed(f"key({col.name})", col.type.params[0])
        r = Restriction(
            [col], rel.op, rhs_values(compiler, rel, receiver), element, constant=_literal(rel.rhs)
        )
        if rel.op == "IS NOT":
            continue  # only meaningful in materialized view definitions
        if col.kind == "partition_key" and element is None and rel.op in ("=", "IN"):
            where.partition.append(r)
        elif col.kind == "partition_key":
            where.others.append(r)
        elif col.kind == "clustering" and rel.op in ("=", "IN", "<", "<=", ">", ">="):
            where.clustering.append(r)
        else:
            where.others.append(r)
    return where


def _literal(rhs: ast.Term | tuple[ast.Term, ...]) -> bool:
    """Is ``rhs`` a literal, or a list of literals (what a long IN list is)?"""
    if isinstance(rhs, tuple):
        return all(isinstance(t, ast.Literal) for t in rhs)
    return isinstance(rhs, ast.Literal)


def _tuple_rhs(
    compiler: Compiler, table: Table, rel: ast.Relation, cols: list[Column], receiver: Receiver
) -> Callable[[Execution], list[Any]]:
    """The right side of a multi-column relation: a tuple literal's elements are bound
    to the columns themselves (a marker in it is described as that column)."""

    def one(term: Any) -> TermFn:
        if isinstance(term, ast.TupleLiteral) and len(term.items) == len(cols):
            fns = [
                compiler.term(t, Receiver(table.keyspace, table.name, c.name, c.type))
                for t, c in zip(term.items, cols)
            ]
            return lambda ex: serialize_collection_fields([f(ex) for f in fns])
        return compiler.term(term, receiver)

    if rel.op == "IN" and not isinstance(rel.rhs, ast.BindMarker):
        items = [one(t) for t in rel.rhs]  # type: ignore[union-attr]
        return lambda ex: [f(ex) for f in items]
    if rel.op == "IN":
        return rhs_values(compiler, rel, receiver)
    fn = one(rel.rhs)
    return lambda ex: [fn(ex)]


def rhs_values(compiler: Compiler, rel: ast.Relation, receiver: Receiver) -> Callable[[Execution], list[Any]]:
    if rel.op == "IN":
        if isinstance(rel.rhs, ast.BindMarker):
            in_receiver = receiver.renamed(f"in({receiver.name})", list_of(receiver.type))
            fn = compiler.term(rel.rhs, in_receiver)

            def in_marker(ex: Execution) -> list[Any]:
                data = fn(ex)
                if data is None:
                    raise InvalidRequest(f"Invalid null value for {receiver.name}")
                if data is UNSET:
                    raise InvalidRequest(f"Invalid unset value for {receiver.name}")
                return split_collection(data)

            return in_marker
        fns = [compiler.term(t, receiver) for t in rel.rhs]  # type: ignore[union-attr]
        return lambda ex: [f(ex) for f in fns]
    if rel.op == "IS NOT":
        return lambda ex: []
    fn = compiler.term(rel.rhs, receiver)  # type: ignore[arg-type]
    return lambda ex: [fn(ex)]


# --------------------------------------------------------------------------- validation


def matches(r: Restriction, value: bytes | None, ex: Execution, vals: list[Any] | None = None) -> bool:
    """Does a (decoded-by-type) column value satisfy one restriction?"""
    t = r.column.type
    rhs = vals if vals is not None else r.values(ex)
    if r.element is not None:
        if value is None:
            return False
        key = r.element(ex)
        found = next(
            (v for k, v in split_map(value) if t.params[0].sort_key(k) == t.params[0].sort_key(key)), None
        )
        return _compare(t.params[1], found, r.op, rhs)
    if r.op == "CONTAINS":
        if value is None:
            return False
        if t.name == "map":
            elems = [v for _, v in split_map(value)]
            et = t.params[1]
        else:
            elems = split_collection(value)
            et = t.params[0]
        return any(et.sort_key(e) == et.sort_key(rhs[0]) for e in elems if rhs[0] is not None)
    if r.op == "CONTAINS KEY":
        if value is None:
            return False
        kt = t.params[0]
        return any(kt.sort_key(k) == kt.sort_key(rhs[0]) for k, _ in split_map(value) if rhs[0] is not None)
    return _compare(t, value, r.op, rhs)


def _compare(t: CqlType, value: bytes | None, op: str, rhs: list[Any]) -> bool:
    if op == "IN":
        if value is None:
            return False
        key = t.sort_key(value)
        return any(v is not None and not isinstance(v, type(UNSET)) and t.sort_key(v) == key for v in rhs)
    other = rhs[0] if rhs else None
    if other is None or other is UNSET:
        if op == "=":
            return False
        if op == "!=":
            return value is not None
        raise InvalidRequest("Invalid null value for comparison")
    if value is None:
        return False
    if op == "LIKE":
        pattern = t.decode(other)
        regex = "^" + re.escape(pattern).replace("%", ".*").replace("_", ".") + "$"
        return re.match(regex, t.decode(value), re.S) is not None
    return compare_values(t, value, op, other)


_ORDER_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def compare_values(t: CqlType, value: bytes, op: str, other: bytes) -> bool:
    """``value op other`` for two serialised, non-null values of ``t``, in ``t``'s order
    (the one comparison WHERE restrictions and IF conditions share)."""
    return _ORDER_OPERATORS[op](t.sort_key(value), t.sort_key(other))


def matches_clustering(
    r: Restriction, clustering: tuple[bytes, ...], table_ck: list[Column], ex: Execution, vals: list[Any]
) -> bool:
    """A clustering restriction, single- or multi-column, against a row's clustering values."""
    if not r.multi:
        return _compare(r.column.type, clustering[r.column.position], r.op, vals)
    # multi-column: compare tuples in each column's natural order
    cols = r.columns
    row_key = tuple(c.type.sort_key(clustering[c.position]) for c in cols)
    keys = []
    for v in vals:
        parts = split_fields(v, len(cols))
        keys.append(tuple(c.type.sort_key(p) if p is not None else None for c, p in zip(cols, parts)))
    if r.op == "IN":
        return row_key in keys
    other = keys[0]
    n = len([x for x in other if x is not None])
    a, b = row_key[:n], other[:n]
    return {"=": a == b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[r.op]


def _single(fn: TermFn) -> Callable[[Execution], list[Any]]:
    """Values of a one-term relation, in the shape multi-value relations use."""
    return lambda ex: [fn(ex)]


def _token_of_terms(fns: list[TermFn]) -> Callable[[Execution], list[Any]]:
    """Values of ``token(pk) <op> token(a, b)``: the token of the bound terms."""
    from ..storage import token_of

    return lambda ex: [BIGINT.encode(token_of(tuple(f(ex) for f in fns)))]
