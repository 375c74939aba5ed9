"""The clauses of a SELECT that shape its result (GROUP BY, DISTINCT, ORDER BY): ScyllaDB's
checks of each, in its order and words, and what each decides for the run.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from ..catalog import Column, Table
from ..cql import ast
from ..errors import InvalidRequest
from .where import Where


def group_size(table: Table, stmt: ast.Select) -> int:
    """How many primary-key columns a GROUP BY groups on (ScyllaDB's prepare_group_by):
    its columns must follow the key's order, skipping only columns the WHERE clause
    restricts by equality, and cover the whole partition key."""
    if not stmt.group_by:
        return 0
    key = table.partition_key + table.clustering
    eq = {r.lhs.name for r in stmt.where if r.op == "=" and isinstance(r.lhs, ast.ColumnRef)}
    size = 0  # the next key column expected
    for name in stmt.group_by:
        col = table.columns.get(name)
        if col is None:
            raise InvalidRequest(f"Group by unknown column {name}")
        if not col.is_primary_key:
            raise InvalidRequest(f"Group by non-primary-key column {name}")
        while size < len(key) and key[size].name != name and key[size].name in eq:
            size += 1
        if size >= len(key) or key[size].name != name:
            raise InvalidRequest(f"Group by column {name} is out of order")
        size += 1
    if size < len(table.partition_key):
        raise InvalidRequest("GROUP BY must include the entire partition key")
    if stmt.distinct and size > len(table.partition_key):
        raise InvalidRequest("Grouping on clustering columns is not allowed for SELECT DISTINCT queries")
    return size


def check_distinct(table: Table, stmt: ast.Select, where: Where, selected: Iterable[str]) -> None:
    """ScyllaDB's validate_distinct_selection: DISTINCT reads partitions (and their
    static rows), so only partition-level restrictions and columns make sense."""
    if stmt.per_partition_limit is not None:
        raise InvalidRequest("PER PARTITION LIMIT is not allowed with SELECT DISTINCT queries")
    if where.clustering or any(r.column.kind != "partition_key" for r in where.others):
        raise InvalidRequest("SELECT DISTINCT with WHERE clause only supports restriction by partition key.")
    names = list(selected)
    for name in names:
        if table.columns[name].kind not in ("partition_key", "static"):
            raise InvalidRequest(
                f"SELECT DISTINCT queries must only request partition key columns and/or "
                f"static columns (not {name})"
            )
    if not where.partition:  # a range of partitions: every key column must be selected
        for c in table.partition_key:
            if c.name not in names:
                raise InvalidRequest(
                    f"SELECT DISTINCT queries must request all the partition key columns (missing {c.name})"
                )


def ordering(
    table: Table, stmt: ast.Select, where: Where, indexed: bool
) -> tuple[bool, list[tuple[Column, bool]]]:
    """ORDER BY: whether rows are read in reverse clustering order, and the (column,
    ascending) pairs to sort by after reading, which only an IN on the partition key
    needs (Cassandra's post-query ordering); ``indexed``: a secondary index is read."""
    cols = _ordered_columns(table, stmt, where, indexed)
    if not cols:
        return False, []
    # ScyllaDB: every clustering column up to the last ordered one is either ordered, all in
    # the same direction relative to the table's order, or restricted by EQ
    ck = table.clustering
    reverse = cols[0][1] != cols[0][0].ascending
    ordered = {c.position: (c, asc) for c, asc in cols}
    eq = {c.name for r in where.clustering if r.op == "=" for c in r.columns}
    for pos in range(cols[-1][0].position + 1):
        if pos in ordered:
            c, asc = ordered[pos]
            if (asc != c.ascending) != reverse:
                raise InvalidRequest(
                    f"Unsupported order by relation - only reversing all columns is supported, "
                    f"but column {c.name} has opposite ordering"
                )
        elif ck[pos].name not in eq:
            raise InvalidRequest(
                f"Unsupported order by relation - column {ck[pos].name} doesn't have an ordering "
                "or EQ relation."
            )
    post_order = list(cols) if any(r.op == "IN" for r in where.partition) else []
    return reverse, post_order


def _ordered_columns(
    table: Table, stmt: ast.Select, where: Where, indexed: bool
) -> list[tuple[Column, bool]]:
    """The ORDER BY columns, once ScyllaDB's checks of where they may be used pass."""
    if not stmt.order_by:
        return []
    if indexed:
        raise InvalidRequest("ORDER BY with 2ndary indexes is not supported.")
    if not where.partition:
        raise InvalidRequest(
            "ORDER BY is only supported when the partition key is restricted by an EQ or an IN."
        )
    cols = []
    for name, asc in stmt.order_by:
        col = table.column(name, "Order by on unknown column {name}")
        if col.kind != "clustering":
            raise InvalidRequest(
                f"Order by is currently only supported on the clustered columns of the PRIMARY "
                f"KEY, got {name}"
            )
        cols.append((col, asc))
    if any(a.position >= b.position for (a, _), (b, _) in itertools.pairwise(cols)):
        raise InvalidRequest(
            "Order by currently only supports the ordering of columns following their "
            "declared order in the PRIMARY KEY"
        )
    return cols
