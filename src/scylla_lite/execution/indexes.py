"""Secondary indexes: CREATE/DROP INDEX, the index data, and index queries.

An index files each base row under the values it indexes: a column's value (``v``,
or a frozen collection as a whole, ``full(f)``), a collection's elements
(``values(l)``; a set's elements are its keys, as ScyllaDB rewrites ``values(s)`` to
``keys(s)``), a map's keys (``keys(m)``) or entries (``entries(m)``). `IndexData`
maps each indexed value to the positions of the rows holding it, kept in scan order
(token, partition key, clustering), which is the order ScyllaDB returns a global
index query in: its index view clusters on the base token, then the base key. A local
index (``((pk), v)``) uses the same data within one partition.

The write path keeps it current through `derived` (`IndexMaintainer`). A query reads
the positions for the looked-up value and checks every candidate against the base
row, so an entry that has gone stale since (its cell expired) is never returned.

`plan_index` is ScyllaDB's statement_restrictions for a SELECT: whether the query uses
an index, which one, and whether it then needs ALLOW FILTERING.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sortedcontainers import SortedSet

from ..catalog import Catalog, Column, Index, Table
from ..codec import split_collection, split_map
from ..cql import ast
from ..errors import InvalidRequest
from ..results import Result, SchemaChange, Void
from ..storage import Partition, partition_key_bytes, token_of
from . import derived, vectors
from .derived import Position
from .options import option_value
from .read import LiveRow, clustering_sort_key, live_row, partition_rows, static_values
from .restrictions import IndexPlan
from .terms import token_value
from .where import Where

if TYPE_CHECKING:
    from .terms import Execution

NAME_LENGTH = 48
# custom index classes the engine implements besides the vector ones (see `vectors`)
KNOWN_INDEX_CLASSES: set[str] = set()


# --------------------------------------------------------------------------- data


@dataclass
class IndexData:
    """``postings``: indexed value (its sort key) → positions of the rows holding it, in
    scan order. ``held``: position → the values it is filed under now."""

    postings: dict[Any, SortedSet] = field(default_factory=dict)
    held: dict[Position, frozenset[Any]] = field(default_factory=dict)


def index_keys(index: Index, col: Column, value: bytes | None) -> frozenset[Any]:
    """The values a row with ``value`` in the indexed column is filed under."""
    if value is None:
        return frozenset()
    t = col.type
    if index.target in ("simple", "full"):
        return frozenset((t.sort_key(value),))
    if index.target == "values":
        if t.name == "list":
            return frozenset(t.params[0].sort_key(v) for v in split_collection(value))
        return frozenset(t.params[1].sort_key(v) for _, v in split_map(value))
    if index.target == "keys":
        if t.name == "set":
            return frozenset(t.params[0].sort_key(v) for v in split_collection(value))
        return frozenset(t.params[0].sort_key(k) for k, _ in split_map(value))
    kt, vt = t.params
    return frozenset((kt.sort_key(k), vt.sort_key(v)) for k, v in split_map(value))


class IndexMaintainer:
    """Keeps an index's `IndexData` in step with its table (see `derived`)."""

    def __init__(self, table: Table, index: Index) -> None:
        self.index = index
        self.column = table.columns[index.column]
        self.key = f"index:{index.name}"
        self.static = self.column.kind == "static"

    def new_state(self) -> IndexData:
        return IndexData()

    def refresh(
        self, state: IndexData, part: Partition, pos: Position, live: LiveRow | None, now: int
    ) -> None:
        keys = index_keys(self.index, self.column, live.values.get(self.column.name) if live else None)
        old = state.held.get(pos, frozenset())
        if keys == old:
            return
        for k in old - keys:
            postings = state.postings[k]
            postings.discard(pos)
            if not postings:
                del state.postings[k]
        for k in keys - old:
            state.postings.setdefault(k, SortedSet()).add(pos)
        if keys:
            state.held[pos] = keys
        else:
            del state.held[pos]


# --------------------------------------------------------------------------- DDL


def maintainers_of(catalog: Catalog, table: Table) -> list[derived.Maintainer]:
    """The derived-data family of secondary indexes (`derived.DerivedData`)."""
    return [IndexMaintainer(table, index) for index in table.indexes.values() if index.custom_class is None]


def create_index(catalog: Catalog, keyspace: str | None, stmt: ast.CreateIndex, now: int) -> Result:
    """ScyllaDB's create_index_statement: its checks in its order, then the index is
    built from the table's data."""
    table = catalog.table(stmt.keyspace or keyspace, stmt.table)
    ks = catalog.keyspace(table.keyspace)
    if not stmt.targets and stmt.custom_class is None:
        raise InvalidRequest("Only CUSTOM indexes can be created without specifying a target column")
    if table.is_counter:
        raise InvalidRequest("Secondary indexes are not supported on counter tables")
    if table.view is not None:
        raise InvalidRequest("Secondary indexes are not supported on materialized views")
    if table.compact_storage and table.clustering:
        raise InvalidRequest(
            "Secondary indexes are not supported on COMPACT STORAGE tables that have clustering columns"
        )
    if stmt.name is not None and len(stmt.name) > NAME_LENGTH:
        raise InvalidRequest(
            f'index names shouldn\'t be more than {NAME_LENGTH} characters long (got "{stmt.name}")'
        )
    if stmt.partition_columns:
        _check_local(table, stmt)
    options = {k: str(_option(v)) for k, v in stmt.options}
    vector = vectors.is_vector_class(stmt.custom_class)
    if vector:
        if not stmt.targets:
            raise InvalidRequest("Vector index must have at least one target column")
        first = table.columns.get(stmt.targets[0].column) if stmt.targets else None
        if (
            stmt.custom_class is not None
            and stmt.custom_class.lower() in vectors.SAI_CLASSES
            and (first is None or not vectors.is_float_vector(first.type))
        ):
            raise InvalidRequest(f"Non-supported custom class '{stmt.custom_class}' provided")
        vectors.check_vector_index(table, stmt, options)
    elif stmt.custom_class is not None and stmt.custom_class.lower() not in KNOWN_INDEX_CLASSES:
        raise InvalidRequest(f"Non-supported custom class '{stmt.custom_class}' provided")
    if len(stmt.targets) > 1 and stmt.custom_class is None:
        raise InvalidRequest("Only CUSTOM indexes support multiple columns")
    names = [t.column for t in stmt.targets]
    for n in names:
        if names.count(n) > 1:
            raise InvalidRequest(f"Duplicate column {n} in index target list")
    target = stmt.targets[0]
    col = table.columns.get(target.column)
    if col is None:
        raise InvalidRequest(f"No column definition found for column {target.column}")
    kind = "simple" if vector else _target_kind(table, col, target.kind, bool(stmt.partition_columns))
    existing_names = {i for t in ks.tables.values() for i in t.indexes}
    if stmt.name is not None and stmt.name in existing_names and not stmt.if_not_exists:
        raise InvalidRequest("Index already exists")
    name = stmt.name or _available_name(ks.tables, table.name, col.name, existing_names)
    index = Index(
        name,
        table.name,
        col.name,
        kind,
        vectors.VECTOR_CLASS if vector else stmt.custom_class,
        options,
        stmt.partition_columns,
    )
    duplicate = next((i for i in table.indexes.values() if _same_target(i, index)), None)
    if duplicate is not None:
        if stmt.if_not_exists:
            return Void()
        raise InvalidRequest(f"Index {name} is a duplicate of existing index {duplicate.name}")
    if name in existing_names or f"{name}_index" in ks.tables:  # the index's backing table
        raise InvalidRequest(f"Index {name} cannot be created, because table {name}_index already exists")
    table.indexes[name] = index
    catalog.bump()
    if index.custom_class is None:
        derived.build(table, IndexMaintainer(table, index), now // 1_000_000)
    elif vector:
        derived.build(table, vectors.VectorIndexMaintainer(table, index), now // 1_000_000)
    return SchemaChange("UPDATED", "TABLE", ks.name, table.name)


def _check_local(table: Table, stmt: ast.CreateIndex) -> None:
    """ScyllaDB's validate_for_local_index: ``((pk...), col)`` names the whole partition key."""
    expected = [c.name for c in table.partition_key]
    seen: list[str] = []
    for name in stmt.partition_columns:
        col = table.columns.get(name)
        if col is None or col.kind != "partition_key":
            raise InvalidRequest(
                f"Local index definition must contain full partition key only. Redundant column: {name}"
            )
        if len(seen) == len(expected):
            raise InvalidRequest(f"Duplicate column definition in local index: {name}")
        if expected[len(seen)] != name:
            break
        seen.append(name)
    if len(seen) != len(expected):
        raise InvalidRequest(
            f"Local index definition must contain full partition key only. Missing column: {expected[len(seen)]}"
        )
    if not stmt.targets:
        raise InvalidRequest("Local index definition must provide an indexed column, not just partition key")
    for target in stmt.targets:
        col = table.columns.get(target.column)
        if col is not None and col.kind == "static":
            raise InvalidRequest("Local indexes containing static columns are not supported.")


TARGET_NAMES = {"keys": "keys()", "entries": "entries()", "values": "values()", "simple": "value"}


def _target_kind(table: Table, col: Column, kind: str, local: bool) -> str:
    """ScyllaDB's checks of one target, and the target it stores (``simple`` for a plain
    column index)."""
    t = col.type
    if t.name == "duration":
        raise InvalidRequest("Secondary indexes are not supported on duration columns")
    if table.compact_storage and col.is_primary_key:
        raise InvalidRequest(
            "Secondary indexes are not supported on PRIMARY KEY columns in COMPACT STORAGE tables"
        )
    if col.kind == "partition_key" and len(table.partition_key) == 1:
        raise InvalidRequest(f"Cannot create secondary index on partition key column {col.name}")
    if t.multi_cell:
        if not t.is_collection:
            raise InvalidRequest(f"Cannot create secondary index on UDT column {col.name}")
        if local:
            raise InvalidRequest(
                f"Local secondary index on collection column {col.name} is not implemented yet."
            )
        if kind == "full":
            raise InvalidRequest("full() indexes can only be created on frozen collections")
        if kind in ("keys", "entries") and t.name != "map":
            raise InvalidRequest(
                f"Cannot create secondary index on {kind} of column {col.name} with non-map type"
            )
        if kind in ("simple", "values"):  # ScyllaDB indexes a set's elements as its keys
            return "keys" if t.name == "set" else "values"
        return kind
    if t.is_collection:
        if kind != "full":
            raise InvalidRequest(
                f"Cannot create index on {TARGET_NAMES[kind]} of frozen collection column {col.name}"
            )
        return kind
    if kind == "full":
        raise InvalidRequest("full() indexes can only be created on frozen collections")
    if kind != "simple":
        name = TARGET_NAMES[kind]
        raise InvalidRequest(
            f"Cannot create index on {name} of column {col.name}; only non-frozen collections support {name} indexes"
        )
    if local and col.kind == "partition_key":
        raise InvalidRequest(
            "Local indexing based on partition key column is not allowed, since whole base partition "
            "key must be used in queries anyway. Use global indexing instead."
        )
    return kind


def _available_name(tables: dict[str, Table], table: str, column: str, taken: set[str]) -> str:
    """ScyllaDB's default index name: ``<table>_<column>_idx`` (non-word characters
    dropped), then ``_1``, ``_2``... while taken."""
    base = f"{table}_{re.sub(r'[^A-Za-z0-9_]', '', column)}_idx"
    name, i = base, 0
    while name in taken or f"{name}_index" in tables:
        i += 1
        name = f"{base}_{i}"
    return name


def _same_target(a: Index, b: Index) -> bool:
    """ScyllaDB's find_index_noname: same kind and options (target included)."""
    return (
        a.column == b.column
        and a.target_text == b.target_text
        and a.custom_class == b.custom_class
        and a.options == b.options
    )


def _option(term: ast.Term) -> Any:

    return option_value(term)


def drop_index(catalog: Catalog, keyspace: str | None, stmt: ast.DropIndex) -> Result:
    ks_name = stmt.keyspace or keyspace
    if ks_name is not None and ks_name not in catalog.keyspaces:
        raise InvalidRequest(f"Keyspace {ks_name} does not exist")
    found = catalog.find_index(ks_name, stmt.name) if ks_name else None
    if found is None:
        if stmt.if_exists:
            return Void()
        raise InvalidRequest(
            f"Index '{stmt.name}' could not be found in any of the tables of keyspace '{ks_name}'"
        )
    table, index = found
    del table.indexes[index.name]
    derived.forget(table.data, f"index:{index.name}")
    catalog.bump()
    return SchemaChange("UPDATED", "TABLE", table.keyspace, table.name)


# --------------------------------------------------------------------------- queries


# --------------------------------------------------------------------------- reading


class Resume(Protocol):
    """Where a page of a query resumes (select's PageState): after row ``clustering``
    (None: after the whole partition) of partition (token, key), ``seen`` rows of which
    were returned."""

    token: int
    key: bytes
    clustering: tuple[bytes, ...] | None
    seen: int


def indexed_rows(
    plan: IndexPlan,
    table: Table,
    where: Where,
    ex: Execution,
    start: Resume | None,
    row_ok: Callable[[LiveRow], bool],
    per_partition: int | None,
    distinct: bool,
) -> Iterator[tuple[LiveRow, int]]:
    """Rows matching the query through the index, in scan order, each with its index
    within its partition (for PER PARTITION LIMIT and paging). Every candidate is read
    from the base table and checked against all restrictions, the indexed one too."""
    now = ex.now_micros // 1_000_000
    state = table.data.__dict__.get("derived", {}).get(f"index:{plan.index.name}")
    value = plan.lookup(ex)
    if state is None or value is None or value not in state.postings:
        return
    postings: SortedSet = state.postings[value]
    allowed: set[tuple[int, bytes]] | None = None
    lo: tuple[int, bytes] | None = None
    if where.partition:  # EQ/IN on the whole partition key: those partitions only
        allowed = {(token_of(k), partition_key_bytes(k)) for k in where.partition_keys(table, ex) or ()}
        if not allowed:
            return
        lo = min(allowed)
    if start is not None and (lo is None or (start.token, start.key) > lo):
        lo = (start.token, start.key)
    token_lo, token_hi = _token_bounds(where, ex)
    static = plan.column.kind == "static"
    current: tuple[int, bytes] | None = None
    part: Partition | None = None
    statics: Any = None
    resume: tuple[Any, ...] | None = None
    seen = 0
    skip: tuple[int, bytes] | None = None  # a partition finished (limit, DISTINCT, earlier page)
    for pos in postings.irange(minimum=lo) if lo is not None else postings:
        at = (pos[0], pos[1])
        if allowed is not None and at not in allowed:
            if at > max(allowed):
                break
            continue
        if not token_lo <= pos[0] <= token_hi or at == skip:
            continue
        if at != current:
            current, resume, seen = at, None, 0
            part = table.data.partitions.get(at)
            if part is None:
                continue
            svalues, scells, _ = static_values(table, part, now)
            statics = (svalues, scells)
            if start is not None and at == (start.token, start.key):
                if start.clustering is None:
                    skip = at
                    continue
                seen = start.seen
                resume = clustering_sort_key(table, start.clustering)
        if part is None:
            continue
        candidates: list[LiveRow] | Iterator[LiveRow]
        if static:  # a static value is filed per partition: every row of it matches
            candidates = partition_rows(table, part, now, start=resume)
        else:
            row = part.rows.get(pos[2])
            if row is None or (resume is not None and not pos[2] > resume):
                continue
            lr = live_row(table, part, pos[2], row, now, statics)
            candidates = [lr] if lr is not None else []
        for lr in candidates:
            if not row_ok(lr):
                continue
            if per_partition is not None and seen >= per_partition:
                skip = at
                break
            yield lr, seen
            seen += 1
            if distinct:
                skip = at
                break


def _token_bounds(where: Where, ex: Execution) -> tuple[int, int]:
    """The token range ``token(...)`` restrictions leave (inclusive bounds)."""
    lo, hi = -(2**63), 2**63 - 1
    for r in where.token:
        raw = r.values(ex)[0]
        if raw is None:
            raise InvalidRequest("Invalid null value for partition key token")
        v = token_value(raw)
        if r.op == ">":
            lo = max(lo, v + 1)
        elif r.op == ">=":
            lo = max(lo, v)
        elif r.op == "<":
            hi = min(hi, v - 1)
        elif r.op == "<=":
            hi = min(hi, v)
        else:
            lo, hi = max(lo, v), min(hi, v)
    return lo, hi
