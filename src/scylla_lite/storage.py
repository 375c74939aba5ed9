"""Table data: partitions in token order, rows in clustering order, timestamped cells.

This is Cassandra's data model in memory. Every write is a *mutation* of cells that
each carry a write timestamp (microseconds) and optional expiry; reads reconcile by
last-write-wins and let tombstones (partition, row, cell, collection) shadow writes
whose timestamp is not newer. Values are the serialised wire bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cassandra.murmur3 import murmur3
from sortedcontainers import SortedDict

NO_DELETION = -(2**63)


@dataclass(slots=True)
class Cell:
    """One stored value. ``value`` None is a cell tombstone. ``expires`` is the
    server-clock second at which the cell turns into a tombstone (0: never)."""

    value: bytes | None
    ts: int
    ttl: int = 0
    expires: int = 0

    def live(self, now: int) -> bool:
        return self.value is not None and (self.expires == 0 or now < self.expires)

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        # pickled as constructor arguments: a snapshot writes and loads in a third of
        # the time the slots' default state takes (so for the classes below)
        return Cell, (self.value, self.ts, self.ttl, self.expires)


def wins(new: Cell, old: Cell) -> bool:
    """True when ``new`` replaces ``old``: ScyllaDB's compare_atomic_cell_for_merge
    (row markers follow the same order). The newer timestamp wins; on a tie a
    tombstone beats a value; between two values an expiring one beats a permanent
    one (CASSANDRA-14592), then the later expiry, then the smaller TTL (the later
    write), and last the greater value bytes, compared unsigned."""
    if new.ts != old.ts:
        return new.ts > old.ts
    if (new.value is None) != (old.value is None):
        return new.value is None
    if new.value is None or old.value is None:
        return False  # two tombstones of one timestamp read the same
    if bool(new.expires) != bool(old.expires):
        return bool(new.expires)
    if new.expires != old.expires:
        return new.expires > old.expires
    if new.ttl != old.ttl:
        return new.ttl < old.ttl
    return new.value > old.value


@dataclass(slots=True)
class MultiCell:
    """A non-frozen collection or UDT: one cell per element (list: timeuuid-keyed;
    set: value-keyed with empty values; map and UDT: key-keyed), plus the collection's
    own tombstone from whole-value overwrites and deletes."""

    items: SortedDict = field(default_factory=SortedDict)  # sort key -> (key bytes, Cell)
    deleted: int = NO_DELETION

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        return MultiCell, (self.items, self.deleted)

    def merge(self, sort_key: Any, key: bytes, cell: Cell) -> None:
        """Write one element cell, reconciled with the element's current cell (`wins`)."""
        old = self.items.get(sort_key)
        if old is None or wins(cell, old[1]):
            self.items[sort_key] = (key, cell)

    def live_items(self, now: int, shadow: int) -> list[tuple[bytes, Cell]]:
        floor = max(shadow, self.deleted)
        return [(k, c) for k, c in self.items.values() if c.ts > floor and c.live(now)]


@dataclass(slots=True)
class Row:
    """``marker`` is the primary-key liveness an INSERT writes (value b'')."""

    clustering: tuple[bytes, ...]
    marker: Cell | None = None
    deleted: int = NO_DELETION
    cells: dict[str, Cell | MultiCell] = field(default_factory=dict)

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        return Row, (self.clustering, self.marker, self.deleted, self.cells)

    def merge_cell(self, column: str, cell: Cell) -> None:
        old = self.cells.get(column)
        if old is None or isinstance(old, MultiCell) or wins(cell, old):
            self.cells[column] = cell

    def multi(self, column: str) -> MultiCell:
        current = self.cells.get(column)
        if not isinstance(current, MultiCell):
            current = MultiCell()
            self.cells[column] = current
        return current

    def merge_marker(self, cell: Cell) -> None:
        if self.marker is None or wins(cell, self.marker):
            self.marker = cell


@dataclass(slots=True)
class RangeTombstone:
    """Deletes rows whose clustering prefix lies between two bounds (None: open)."""

    start: tuple[Any, ...] | None
    start_inclusive: bool
    end: tuple[Any, ...] | None
    end_inclusive: bool
    ts: int

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        return RangeTombstone, (self.start, self.start_inclusive, self.end, self.end_inclusive, self.ts)

    def covers(self, key: tuple[Any, ...]) -> bool:
        if self.start is not None:
            prefix = key[: len(self.start)]
            if prefix < self.start or (prefix == self.start and not self.start_inclusive):
                return False
        if self.end is not None:
            prefix = key[: len(self.end)]
            if prefix > self.end or (prefix == self.end and not self.end_inclusive):
                return False
        return True


@dataclass(slots=True)
class Partition:
    key: tuple[bytes, ...]
    token: int
    deleted: int = NO_DELETION
    static: Row = field(default_factory=lambda: Row(()))
    rows: SortedDict = field(default_factory=SortedDict)  # clustering sort key -> Row
    range_tombstones: list[RangeTombstone] = field(default_factory=list)

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        return Partition, (self.key, self.token, self.deleted, self.static, self.rows, self.range_tombstones)

    def row(self, sort_key: tuple[Any, ...], clustering: tuple[bytes, ...]) -> Row:
        row = self.rows.get(sort_key)
        if row is None:
            row = self.rows[sort_key] = Row(clustering)
        return row

    def row_shadow(self, sort_key: tuple[Any, ...]) -> int:
        """The newest deletion timestamp covering a row from partition and range tombstones."""
        ts = self.deleted
        for rt in self.range_tombstones:
            if rt.ts > ts and rt.covers(sort_key):
                ts = rt.ts
        return ts


def partition_key_bytes(values: tuple[bytes, ...]) -> bytes:
    """The serialised partition key: the value itself, or for a composite key each
    component as <u16 length><bytes><0x00> (Cassandra's CompositeType)."""
    if len(values) == 1:
        return values[0]
    out = bytearray()
    for v in values:
        out += len(v).to_bytes(2, "big") + v + b"\x00"
    return bytes(out)


def token_of(values: tuple[bytes, ...]) -> int:
    """The Murmur3Partitioner token, as ScyllaDB computes it."""
    return position_of(values)[0]


def position_of(values: tuple[bytes, ...]) -> tuple[int, bytes]:
    """Where a partition sits in a table: (token, key bytes), the order partitions are kept in."""
    key = values[0] if len(values) == 1 else partition_key_bytes(values)
    t = murmur3(key)
    return (t if t != -(2**63) else 2**63 - 1), key


class TableData:
    """All partitions of one table, ordered by (token, key bytes)."""

    def __init__(self) -> None:
        self.partitions: SortedDict = SortedDict()
        # data derived from these partitions (secondary indexes, view bookkeeping),
        # kept by `execution.derived` under the index's or view's key
        self.derived: dict[str, Any] = {}

    def partition(self, key: tuple[bytes, ...], create: bool = False) -> Partition | None:
        pos = position_of(key)
        part = self.partitions.get(pos)
        if part is None and create:
            part = self.partitions[pos] = Partition(key, pos[0])
        return part

    def scan(self, start: tuple[int, bytes] | None = None, inclusive: bool = True) -> Iterator[Partition]:
        """Partitions in token order from ``start`` (a (token, key bytes) position)."""
        if start is None:
            yield from self.partitions.values()
            return
        for pos in self.partitions.irange(minimum=start, inclusive=(inclusive, True)):
            yield self.partitions[pos]

    def clear(self) -> None:
        self.partitions.clear()
        self.derived.clear()

    def __len__(self) -> int:
        return len(self.partitions)
