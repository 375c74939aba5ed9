"""``ORDER BY column ANN OF vector``: ScyllaDB's checks of a vector search and the ranking
of rows by similarity, apart from the plain SELECT's paging, which ANN does not use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..catalog import Column, Index, Table
from ..cql import ast
from ..errors import InvalidRequest
from . import vectors
from .read import LiveRow
from .restrictions import check_select_restrictions, plan_index
from .terms import Compiler, Execution, Receiver
from .where import FILTERING_MSG, Where


@dataclass
class AnnPlan:
    """``ORDER BY column ANN OF vector``: the column, its vector index, the query vector."""

    column: Column
    index: Index
    vector: Callable[[Execution], Any]

    def nearest(
        self,
        table: Table,
        where: Where,
        ex: Execution,
        limit: int | None,
        rows: Callable[[], Iterator[LiveRow]],
    ) -> list[LiveRow]:
        """The ``limit`` rows nearest the query vector, best first: from the index, or, when
        the WHERE clause names partitions, ``rows`` (the matching rows) ranked exactly."""
        if limit is None:
            raise InvalidRequest("Vector ANN queries must have a limit specified")
        if limit > vectors.MAX_ANN_LIMIT:
            raise InvalidRequest(
                f"Use of ANN OF in an ORDER BY clause requires a LIMIT that is not greater than "
                f"{vectors.MAX_ANN_LIMIT}. LIMIT was {limit}"
            )
        raw = self.vector(ex)
        if not isinstance(raw, bytes):
            raise InvalidRequest(f"Unsupported null value for column {self.column.name}")
        dim = self.column.type.size
        query = vectors.decode_vector(raw, dim)
        assert query is not None
        if not (where.partition or where.clustering or where.others or where.token):
            return [r for r, _ in vectors.ann_rows(table, self.index, query, limit, ex.now_micros)]
        metric = vectors.metric_of(self.index)  # restricted to partitions: rank their rows exactly
        found = []
        for r in rows():
            v = vectors.decode_vector(r.values.get(self.column.name), dim)
            if v is not None:
                found.append((r, vectors.similarity(metric, v, query)))
        found.sort(key=lambda f: vectors.sort_key(f[1]))
        return [r for r, _ in found[:limit]]


def plan_ann(
    compiler: Compiler, table: Table, where: Where, ann: ast.AnnOrdering, allow_filtering: bool
) -> AnnPlan:
    """ScyllaDB's get_ann_ordering_info and vector_indexed_table_select_statement's
    checks, in their order (LIMIT's come once the selection is compiled)."""
    col = table.columns.get(ann.column)
    if col is None:
        raise InvalidRequest(f"Undefined column name {ann.column}")
    if not vectors.is_float_vector(col.type):
        raise InvalidRequest("ANN ordering is only supported on float vector indexes")
    vector = compiler.term(ann.vector, Receiver(table.keyspace, table.name, col.name, col.type))
    index = next(
        (i for i in table.indexes.values() if vectors.is_vector_index(i) and i.column == col.name), None
    )
    if index is None:
        raise InvalidRequest("ANN ordering by vector requires the column to be indexed using 'vector_index'")
    refused = InvalidRequest("ANN ordering by vector does not support filtering")
    if allow_filtering:
        raise refused
    try:
        if check_select_restrictions(table, where, False) or plan_index(table, where, False):
            raise refused
    except InvalidRequest as exc:
        if exc is refused or str(exc) == FILTERING_MSG or str(exc).startswith("PRIMARY KEY column"):
            raise refused from None
        raise
    return AnnPlan(col, index, vector)
