"""Derived data: what secondary indexes and materialized views keep beside a base table.

Both are kept by one hook in the write path. Once a statement's mutation is applied,
`DerivedData.written` (the engine's, reached through the write's `terms.Execution`) gets
the rows it touched (a whole partition for partition and range deletions); it reads
each row as it now is, at the write's clock, and hands it to every *maintainer* of the
table that the engine's families give (`maintainers_of` in `indexes`, `vectors` and
`views`): an index (`indexes.IndexMaintainer`), a vector index or a view
(`views.ViewMaintainer`). A maintainer remembers, per base row, what it derived from
it (the keys an index files the row under, the key of the view row), so refreshing a
row replaces exactly that, whatever the row's earlier state was: an overwritten,
deleted or expired value's index entry goes away, and so does a view row whose key
column changed. Its state lives in the base table's `TableData.derived`, so it is
truncated and snapshotted with the data it comes from.

Expiry needs no hook: view rows carry their base cells' expiry, and index lookups
check every candidate against the base row at read time, as ScyllaDB does.
`build` runs a new maintainer over the existing data (CREATE INDEX / VIEW).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from ..storage import Partition, Row, TableData, partition_key_bytes
from .read import LiveRow, clustering_sort_key, live_row, pk_values, static_values

if TYPE_CHECKING:
    from ..catalog import Catalog, Table

# where a base row is: (token, partition key bytes, clustering sort key; () for the
# static row) - the order a scan reads rows in
Position = tuple[int, bytes, tuple[Any, ...]]


class Maintainer(Protocol):
    """Keeps one kind of derived data of one base table."""

    key: str  # its state's key in the base TableData.derived
    static: bool  # it derives from static rows (an index on a static column), not clustering rows

    def new_state(self) -> Any: ...

    def refresh(self, state: Any, part: Partition, pos: Position, live: LiveRow | None, now: int) -> None:
        """Make the derived data of the base row at ``pos`` match ``live`` (None: the
        row is not live)."""
        ...


def state_of(data: TableData, m: Maintainer) -> Any:
    derived: dict[str, Any] = data.__dict__.setdefault("derived", {})  # snapshots from before
    state = derived.get(m.key)
    if state is None:
        state = derived[m.key] = m.new_state()
    return state


def forget(data: TableData, key: str) -> None:
    """Drop the state of a dropped index or view."""
    data.__dict__.setdefault("derived", {}).pop(key, None)


Family = Callable[["Catalog", "Table"], list[Maintainer]]
"""One kind of derived data (indexes, vector indexes, views): the maintainers it keeps
from a table. `indexes`, `vectors` and `views` each have one (`maintainers_of`)."""


class DerivedData:
    """The derived-data families of one engine, and the maintainers they keep per table.

    The engine gives it the families it serves; writes reach it through their
    `terms.Execution` (`written`), so two engines in one process never share maintainers."""

    CACHED_TABLES = 256

    def __init__(self, catalog: Catalog, families: Iterable[Family] = ()) -> None:
        self.catalog = catalog
        self.families = tuple(families)
        self._cache: dict[tuple[str, str], tuple[Any, Table, list[Maintainer]]] = {}

    def maintainers(self, table: Table) -> list[Maintainer]:
        """The derived data kept from ``table`` (cached per schema version)."""
        key = (table.keyspace, table.name)
        cached = self._cache.get(key)
        if cached is not None and cached[0] == self.catalog.version and cached[1] is table:
            return cached[2]
        found = [m for family in self.families for m in family(self.catalog, table)]
        if len(self._cache) > self.CACHED_TABLES:  # forget dropped tables now and then
            self._cache.clear()
        self._cache[key] = (self.catalog.version, table, found)
        return found

    def written(self, table: Table, touched: Iterable[tuple[Partition, Row | None]], now: int) -> None:
        """The hook: rows of ``table`` were just written (``Row`` None: the whole partition,
        static row included)."""
        found = self.maintainers(table)
        if not found:
            return
        parts: dict[int, tuple[Partition, dict[int, Row] | None, bool]] = {}
        for part, row in touched:
            entry = parts.get(id(part))
            rows = {} if entry is None else entry[1]
            static = False if entry is None else entry[2]
            if row is None or rows is None:
                rows, static = None, True
            elif row is part.static:
                static = True
            else:
                rows[id(row)] = row
            parts[id(part)] = (part, rows, static)
        for part, rows, static in parts.values():
            keys = None if rows is None else [clustering_sort_key(table, r.clustering) for r in rows.values()]
            refresh(table, found, part, keys, static, now)


def refresh(
    table: Table,
    found: list[Maintainer],
    part: Partition,
    keys: list[tuple[Any, ...]] | None,
    static: bool,
    now: int,
) -> None:
    """Refresh rows ``keys`` of a partition (None: all of them) and, with ``static``, its
    static row."""
    svalues, scells, slive = static_values(table, part, now)
    pkb = partition_key_bytes(part.key)
    by_row = [m for m in found if not m.static]
    if by_row:
        for key in list(part.rows.keys()) if keys is None else keys:
            row = part.rows.get(key)
            live = live_row(table, part, key, row, now, (svalues, scells)) if row is not None else None
            for m in by_row:
                m.refresh(state_of(table.data, m), part, (part.token, pkb, key), live, now)
    by_static = [m for m in found if m.static]
    if static and by_static:
        live = None
        if slive:
            values = pk_values(table, part)
            values.update(svalues)
            live = LiveRow(part, None, None, values, scells)
        for m in by_static:
            m.refresh(state_of(table.data, m), part, (part.token, pkb, ()), live, now)


def build(table: Table, m: Maintainer, now: int) -> None:
    """Derive ``m``'s data from everything ``table`` holds (a new index or view)."""
    data: TableData = table.data
    state_of(data, m)
    for part in list(data.partitions.values()):
        refresh(table, [m], part, None, True, now)
