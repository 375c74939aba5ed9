"""IF conditions of a conditional statement, compiled; what its result shows.

`modify` compiles a statement's conditions with these; `lwt` checks them against the
rows a lightweight transaction reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..catalog import Column, Table
from ..codec import split_collection, split_map
from ..cql import ast
from ..errors import InvalidRequest
from ..requests import UNSET
from ..types import native
from .terms import Compiler, Execution, Receiver, TermFn
from .where import compare_values, rhs_values

INT = native("int")


COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")


@dataclass
class Condition:
    """``col op value``, ``col IN (...)``, ``m[key] op value`` or ``l[index] op value``."""

    column: Column
    op: str
    values: Callable[[Execution], list[Any]]  # the right side (IN: every listed value)
    element: TermFn | None = None

    @property
    def static(self) -> bool:
        return self.column.kind == "static"

    def applies(self, ex: Execution, value: bytes | None) -> bool:
        """ScyllaDB's column_condition::applies_to: null is an ordinary value (no
        three-valued logic); an empty non-frozen collection is null."""
        t = self.column.type
        if self.element is not None:
            t = t.params[1] if t.name == "map" else t.params[0]
            value = self._element(ex, value)
        rhs = self.values(ex)
        if any(v is UNSET for v in rhs):
            raise InvalidRequest(f"Invalid unset value for column {self.column.name}")
        if self.op == "IN":
            if value is None:
                return any(v is None or v == b"" for v in rhs)
            key = t.sort_key(value)
            return any(v is not None and t.sort_key(v) == key for v in rhs)
        other = rhs[0]
        if other is None:
            if self.op == "=":
                return value is None
            if self.op == "!=":
                return value is not None
            raise InvalidRequest(f'Invalid comparison with null for operator "{self.op}"')
        if value is None:
            return self.op == "!="
        return compare_values(t, value, self.op, other)

    def _element(self, ex: Execution, value: bytes | None) -> bytes | None:
        assert self.element is not None
        key = self.element(ex)
        if key is UNSET:
            raise InvalidRequest(f"Invalid unset value for column {self.column.name}")
        if value is None or key is None:
            return None
        t = self.column.type
        if t.name == "map":
            kt = t.params[0]
            wanted = kt.sort_key(key)
            return next((v for k, v in split_map(value) if kt.sort_key(k) == wanted), None)
        index = INT.decode(key)
        items = split_collection(value)
        return items[index] if 0 <= index < len(items) else None  # ScyllaDB: out of range is null


def compile_conditions(
    compiler: Compiler, table: Table, relations: tuple[ast.Relation, ...]
) -> list[Condition]:
    """The IF conditions of a statement, checked as ScyllaDB prepares them."""
    out = []
    for rel in relations:
        lhs = rel.lhs
        name = lhs.column if isinstance(lhs, ast.ElementRef) else lhs.name  # type: ignore[union-attr]
        col = table.column(name, Table.ASSIGNED)
        if col.is_primary_key:
            raise InvalidRequest(f"PRIMARY KEY column '{col.name}' cannot have IF conditions")
        if col.type.is_counter:
            raise InvalidRequest("Conditions on counters are not supported")
        receiver = Receiver(table.keyspace, table.name, col.name, col.type)
        element = None
        if isinstance(lhs, ast.ElementRef):
            t = col.type
            if not t.is_collection:
                raise InvalidRequest(f"Invalid element access syntax for non-collection column {col.name}")
            if t.name == "set":
                raise InvalidRequest(f"Invalid element access syntax for set column {col.name}")
            if t.name == "list":
                element = compiler.term(lhs.key, receiver.renamed(f"idx({col.name})", INT))
                receiver = receiver.renamed(f"value({col.name})", t.params[0])
            else:
                element = compiler.term(lhs.key, receiver.renamed(f"key({col.name})", t.params[0]))
                receiver = receiver.renamed(f"value({col.name})", t.params[1])
        if rel.op not in COMPARISONS and rel.op != "IN":
            raise InvalidRequest(f"Unsupported operator type {rel.op} in a condition ")
        if rel.op in ("<", "<=", ">", ">=") and receiver.type.name == "duration":
            raise InvalidRequest("Slice conditions are not supported on durations")
        out.append(Condition(col, rel.op, rhs_values(compiler, rel, receiver), element))
    return out


def result_columns(table: Table, names: set[str]) -> list[Column]:
    """Columns in ScyllaDB's ``all_columns`` order: keys, then static and regular by name."""
    return [c for c in table.star_columns if c.name in names]
