"""Reading stored rows: reconcile cells against tombstones and expiry, and assemble
multi-cell collections back into their wire form.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..catalog import Column, Table
from ..storage import Cell, MultiCell, Partition, Row
from ..types import Desc


@dataclass(slots=True)
class LiveRow:
    """One row as a query sees it. ``values`` maps column name → serialised value (None:
    null); ``cells`` keeps the winning cell of single-cell columns for writetime/ttl."""

    partition: Partition
    clustering: tuple[bytes, ...] | None  # None: a static-only row
    sort_key: tuple[Any, ...] | None
    values: dict[str, bytes | None]
    cells: dict[str, Cell]


def clustering_sort_key(table: Table, clustering: tuple[bytes, ...]) -> tuple[Any, ...]:
    return tuple(
        c.type.sort_key(v) if c.ascending else Desc(c.type.sort_key(v))
        for c, v in zip(table.clustering, clustering)
    )


def assemble(
    column: Column, cell: Cell | MultiCell | None, now: int, shadow: int
) -> tuple[bytes | None, Cell | None]:
    """The value a column reads as, and its winning cell when it is a single cell."""
    if cell is None:
        return None, None
    if isinstance(cell, Cell):
        if cell.ts <= shadow or not cell.live(now):
            return None, None
        return cell.value, cell
    items = cell.live_items(now, shadow)
    if not items:
        return None, None
    t = column.type
    out = [struct.pack(">i", len(items))]
    if t.name == "udt":
        fields = {int.from_bytes(k, "big"): c.value for k, c in items}
        return b"".join(_framed(fields.get(i)) for i in range(len(t.params))), None
    for k, c in items:
        if t.name == "list":
            out.append(_framed(c.value))
        elif t.name == "set":
            out.append(_framed(k))
        else:
            out.append(_framed(k) + _framed(c.value))
    return b"".join(out), None


def _framed(value: bytes | None) -> bytes:
    """A [bytes] element of a serialised collection, tuple or UDT (length -1 is null)."""
    return b"\xff\xff\xff\xff" if value is None else struct.pack(">i", len(value)) + value


def _columns_of(
    row: Row,
    table: Table,
    cols: list[Column],
    now: int,
    shadow: int,
    values: dict[str, bytes | None],
    cells: dict[str, Cell],
) -> bool:
    """Fill values of ``cols`` from ``row``; True when any of them is live."""
    live = False
    for col in cols:
        v, cell = assemble(col, row.cells.get(col.name), now, shadow)
        values[col.name] = v
        if cell is not None:
            cells[col.name] = cell
        if v is not None:
            live = True
    return live


def static_values(
    table: Table, part: Partition, now: int
) -> tuple[dict[str, bytes | None], dict[str, Cell], bool]:
    values: dict[str, bytes | None] = {}
    cells: dict[str, Cell] = {}
    shadow = max(part.deleted, part.static.deleted)
    live = _columns_of(part.static, table, table.static_columns, now, shadow, values, cells)
    return values, cells, live


def pk_values(table: Table, part: Partition) -> dict[str, bytes | None]:
    return {c.name: part.key[c.position] for c in table.partition_key}


def live_row(
    table: Table,
    part: Partition,
    key: tuple[Any, ...],
    row: Row,
    now: int,
    statics: tuple[dict[str, bytes | None], dict[str, Cell]],
) -> LiveRow | None:
    """The row if it is live (a live primary-key marker or any live cell)."""
    shadow = max(part.row_shadow(key), row.deleted)
    values = pk_values(table, part)
    for c, v in zip(table.clustering, row.clustering):
        values[c.name] = v
    cells: dict[str, Cell] = {}
    live = _columns_of(row, table, table.regular_columns, now, shadow, values, cells)
    marker = row.marker
    if marker is not None and marker.ts > shadow and marker.live(now):
        live = True
    elif table.view is not None and table.view.regular_key is not None:
        return None  # ScyllaDB's dead_marker_shadows_row: the view key's base cell died
    if not live:
        return None
    values.update(statics[0])
    cells.update(statics[1])
    return LiveRow(part, row.clustering, key, values, cells)


def partition_rows(
    table: Table, part: Partition, now: int, reverse: bool = False, start: tuple[Any, ...] | None = None
) -> Iterator[LiveRow]:
    """Live rows of a partition in clustering order (or reversed), after ``start`` when
    resuming a page; a partition with live static cells and no live rows yields one
    static-only row (clustering None), as Cassandra does."""
    svalues, scells, slive = static_values(table, part, now)
    any_row = False
    if start is None:
        keys = part.rows.irange(reverse=reverse)
    elif reverse:
        keys = part.rows.irange(maximum=start, inclusive=(True, False), reverse=True)
    else:
        keys = part.rows.irange(minimum=start, inclusive=(False, True))
    for key in keys:
        lr = live_row(table, part, key, part.rows[key], now, (svalues, scells))
        if lr is not None:
            any_row = True
            yield lr
    if not any_row and slive and start is None and table.clustering:
        values = pk_values(table, part)
        for c in table.clustering + table.regular_columns:
            values[c.name] = None
        values.update(svalues)
        yield LiveRow(part, None, None, values, scells)
    elif not table.clustering and not any_row and slive and start is None:
        values = pk_values(table, part)
        values.update(svalues)
        yield LiveRow(part, None, None, values, scells)
