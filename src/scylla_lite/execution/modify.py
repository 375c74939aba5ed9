"""INSERT, UPDATE, DELETE and BATCH: compile once, then turn each execution into cell
mutations stamped with one write timestamp, plus lightweight-transaction conditions.
"""

from __future__ import annotations

import dataclasses
import functools
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..catalog import MAX_TTL, Column, Table
from ..codec import split_collection, split_fields, split_map
from ..cql import ast
from ..errors import InvalidRequest
from ..requests import UNSET
from ..storage import Cell, MultiCell, Partition, RangeTombstone, Row
from ..types import CqlType, native, set_of
from .conditions import Condition, compile_conditions, result_columns
from .read import clustering_sort_key
from .terms import Compiler, Execution, Receiver, TermFn, term_text
from .where import Restriction, Where, check_key_length, compile_where

BIGINT, INT, BOOLEAN = native("bigint"), native("int"), native("boolean")


#: 2010-01-01T00:00:00Z in microseconds: list prepends need a write time past it.
LIST_PREPEND_EPOCH_MICROS = 1_262_304_000_000_000


def _list_key(ex: Execution, ts: int, prepend: bool) -> tuple[tuple[int, ...], bytes]:
    """A fresh list-element key, like Cassandra's timeuuid cell names: appends sort
    after every existing element, prepends before. Derived from the execution, not a
    random source, so replaying the commit log rebuilds the same list."""
    seq = ex.next_seq()
    sign = -1 if prepend else 1
    key = (sign, sign * ts, sign * ex.now_micros, sign * seq)
    return key, struct.pack(">bqqq", *key)


@dataclass
class WriteContext:
    """One execution's write parameters, shared by every statement of a batch."""

    ts: int
    ttl: int
    now: int  # seconds on the server clock


RowWrite = Callable[[Partition, Row], None]
"""One assignment's write into one row, computed beforehand: it only merges cells
already built, so it cannot fail (a counter's sum wraps around, as ScyllaDB's does)."""

Part = Partition | None
Target = Row | None
Editor = Callable[[Table, Part, Target, WriteContext, Execution], RowWrite]
"""Computes one assignment for one row from the data as it stands before the statement
or its batch (None: no such partition or row yet): makes every check ScyllaDB makes
(list index bounds, ...) and builds every cell, list keys included, so that nothing
is left to fail once the first write of a batch is applied."""


@dataclass
class Staged:
    """One assignment with its terms evaluated; ``edit`` None: nothing to write (an
    unset value)."""

    edit: Editor | None


Stager = Callable[[Execution, Column], Staged]
Op = Callable[[Execution], Staged]
Keyed = list[tuple[tuple[Any, ...], tuple[bytes, ...]]]  # (clustering sort key, clustering key)


@dataclass
class RowEdit:
    """A computed write and where it goes: a partition key, and a row's clustering
    sort key and clustering key (None and (): the static row)."""

    pk: tuple[bytes, ...]
    sort_key: tuple[Any, ...] | None
    clustering: tuple[bytes, ...]
    write: RowWrite


@dataclass
class ModifyPlan:
    table: Table
    stmt: ast.Insert | ast.Update | ast.Delete
    where: Where | None
    pk_fns: list[TermFn] = field(default_factory=list)  # INSERT: key values
    ck_fns: list[TermFn] = field(default_factory=list)
    ops: list[tuple[Column, Op]] = field(default_factory=list)  # (column, staging op)
    ttl: TermFn | None = None
    timestamp: TermFn | None = None
    # LWT (see `lwt`): the IF conditions, the columns of the [applied] result, and
    # whether every condition is on static columns (IF [NOT] EXISTS counts as static
    # when the table has static columns and the statement names no clustering key)
    cas_conditions: list[Condition] = field(default_factory=list)
    cas_columns: list[Column] = field(default_factory=list)
    static_conditions_only: bool = False

    @property
    def existence_condition(self) -> bool:
        s = self.stmt
        return bool(getattr(s, "if_not_exists", False) or getattr(s, "if_exists", False))

    @functools.cached_property
    def conditional(self) -> bool:
        """Cached: a long batch asks it of each of its statements (conditions are fixed once compiled)."""
        return self.existence_condition or bool(self.cas_conditions)

    @property
    def regular_conditions(self) -> bool:
        return any(not c.static for c in self.cas_conditions)

    @property
    def static_only(self) -> bool:
        """ScyllaDB's applies_only_to_static_columns: sets static columns only, and has
        no condition on a regular column."""
        return bool(self.ops) and all(c.kind == "static" for c, _ in self.ops) and not self.regular_conditions

    # ------------------------------------------------------------------ keys
    def keys(self, ex: Execution) -> tuple[list[tuple[bytes, ...]], list[Restriction]]:
        """Partition keys, and clustering restrictions (for UPDATE/DELETE)."""
        if self.where is None:
            pk = tuple(_key_value(f(ex), c) for f, c in zip(self.pk_fns, self.table.partition_key))
            return [_valid_key(self.table, pk)], []
        keys = self.where.partition_keys(self.table, ex)
        assert keys is not None
        return [_valid_key(self.table, k) for k in keys], self.where.clustering

    def clusterings(self, ex: Execution, restrictions: list[Restriction]) -> list[tuple[bytes, ...]] | None:
        """Full clustering keys named by EQ/IN, or None when they name only a prefix/range."""
        ck = self.table.clustering
        if self.where is None:
            return [check_key_length(tuple(_key_value(f(ex), c) for f, c in zip(self.ck_fns, ck)))]
        if any(r.op not in ("=", "IN") for r in restrictions):
            return None
        by_first = {r.column.name: r for r in restrictions}
        keys: list[tuple[bytes, ...]] = [()]
        pos = 0
        while pos < len(ck):  # each restriction extends the prefix by its column(s)
            r = by_first.get(ck[pos].name)
            if r is None:
                return None
            cols = r.columns
            if r.multi:  # (c1, c2) = (..) / IN ((..), (..)): whole tuples
                tuples = [
                    tuple(_key_value(v, c) for v, c in zip(split_fields(t, len(cols)), cols))
                    for t in r.values(ex)
                    if t is not None
                ]
            else:
                tuples = [(_key_value(v, cols[0]),) for v in r.values(ex)]
            keys = [k + t for k in keys for t in tuples]
            pos += len(cols)
        return [check_key_length(k) for k in keys]

    # ------------------------------------------------------------------ run
    def write_context(self, ex: Execution, default_ts: int | None, now: int) -> WriteContext:
        ts = default_ts if default_ts is not None else ex.now_micros
        if self.timestamp is not None:
            raw = self.timestamp(ex)
            if raw is None:
                raise InvalidRequest("Invalid null value of timestamp")
            if raw is not UNSET:
                ts = _attribute(BIGINT, raw, "timestamp")
        ttl = int(self.table.option("default_time_to_live") or 0)
        if self.ttl is not None:
            raw = self.ttl(ex)
            if raw is None:
                raise InvalidRequest("Invalid null value of TTL")
            if raw is not UNSET:
                ttl = _attribute(INT, raw, "TTL")
                if ttl < 0:
                    raise InvalidRequest("A TTL must be greater or equal to 0")
                if ttl > MAX_TTL:
                    raise InvalidRequest(f"ttl is too large. requested ({ttl}) maximum ({MAX_TTL})")
        return WriteContext(ts, ttl, now)

    def stage(self, ex: Execution) -> list[tuple[Column, Staged]]:
        """Evaluate every assigned term (bound values, null checks) before any write."""
        return [(col, op(ex)) for col, op in self.ops]

    def apply(self, ex: Execution, wc: WriteContext) -> None:
        """Compute the statement's writes, then apply them."""
        self.mutation(ex, wc)()

    def mutation(
        self, ex: Execution, wc: WriteContext, staged: list[tuple[Column, Staged]] | None = None
    ) -> Callable[[], None]:
        """Compute the statement's writes in full without touching storage (keys, terms,
        every check against the data as it stands, every cell) and return what applies
        them. Applying only merges what was computed and cannot fail, so a failing
        statement, or a batch with a failing statement, writes nothing."""
        table = self.table
        pks, crs = self.keys(ex)
        if staged is None:
            staged = self.stage(ex)
        if isinstance(self.stmt, ast.Delete) and not self.stmt.targets:
            return self._deletion(ex, wc, pks, crs)
        keys = [(clustering_sort_key(table, ck), ck) for ck in self._written_clusterings(ex, crs)]
        edits: list[RowEdit] = []
        for pk in pks:
            part = table.data.partition(pk)
            for col, op in staged:
                if op.edit is None:
                    continue
                if col.kind == "static":
                    static = None if part is None else part.static
                    edits.append(RowEdit(pk, None, (), op.edit(table, part, static, wc, ex)))
                    continue
                for sk, ck in keys:
                    row = None if part is None else part.rows.get(sk)
                    edits.append(RowEdit(pk, sk, ck, op.edit(table, part, row, wc, ex)))
        return self._applier(ex, wc, pks, keys, edits)

    def _written_clusterings(self, ex: Execution, crs: list[Restriction]) -> list[tuple[bytes, ...]]:
        """The full clustering keys an INSERT or UPDATE writes ([]: static columns only);
        naming a prefix or a range of them is refused."""
        table = self.table
        static_only = bool(self.ops) and all(c.kind == "static" for c, _ in self.ops)
        if static_only and not crs and (self.where is not None or not self.ck_fns):
            return []
        clusterings: list[tuple[bytes, ...]] | None = self.clusterings(ex, crs) if table.clustering else [()]
        if clusterings is None:
            missing = [c.name for c in table.clustering if c.name not in {r.column.name for r in crs}]
            raise InvalidRequest(
                f"Missing mandatory PRIMARY KEY part {missing[0]}"
                if missing
                else "Invalid restrictions on clustering columns since the UPDATE statement modifies only static columns"
            )
        return clusterings

    def _applier(
        self, ex: Execution, wc: WriteContext, pks: list[tuple[bytes, ...]], keys: Keyed, edits: list[RowEdit]
    ) -> Callable[[], None]:
        """What applies computed writes: an INSERT's row markers, each write in
        statement order, then the indexes and views of the rows they touched."""
        table, insert = self.table, isinstance(self.stmt, ast.Insert)

        def apply() -> None:
            touched: list[tuple[Partition, Row | None]] = []  # for indexes and views (`derived`)
            for pk in pks:
                part = table.data.partition(pk, create=True)
                assert part is not None
                for sk, ck in keys:
                    row = part.row(sk, ck)
                    touched.append((part, row))
                    if insert:
                        row.merge_marker(Cell(b"", wc.ts, wc.ttl, wc.now + wc.ttl if wc.ttl else 0))
            for edit in edits:
                part = table.data.partition(edit.pk, create=True)
                assert part is not None
                row = part.static if edit.sort_key is None else part.row(edit.sort_key, edit.clustering)
                edit.write(part, row)
                touched.append((part, row))
            if ex.derived is not None:
                ex.derived.written(table, touched, wc.now)

        return apply

    def _deletion(
        self, ex: Execution, wc: WriteContext, pks: list[tuple[bytes, ...]], crs: list[Restriction]
    ) -> Callable[[], None]:
        """A DELETE of rows, a range or whole partitions: its keys and range bounds are
        computed before it applies."""
        table = self.table
        clusterings = self.clusterings(ex, crs) if table.clustering else [()]
        rt = self._range(ex, crs, wc.ts) if crs and clusterings is None else None
        keys = [(clustering_sort_key(table, ck), ck) for ck in clusterings or ()]

        def apply() -> None:
            touched = self._delete_rows(wc, pks, bool(crs), keys, rt)
            if ex.derived is not None:
                ex.derived.written(table, touched, wc.now)

        return apply

    def _delete_rows(
        self,
        wc: WriteContext,
        pks: list[tuple[bytes, ...]],
        restricted: bool,
        keys: Keyed,
        rt: RangeTombstone | None,
    ) -> list[tuple[Partition, Row | None]]:
        """Write the deletion (``restricted``: clustering restrictions name rows or a
        range); returns the rows it touched (None: the whole partition)."""
        table = self.table
        touched: list[tuple[Partition, Row | None]] = []
        for pk in pks:
            part = table.data.partition(pk, create=True)
            assert part is not None
            if not restricted:
                part.deleted = max(part.deleted, wc.ts)
                touched.append((part, None))
            elif rt is not None:
                part.range_tombstones.append(dataclasses.replace(rt))
                touched.append((part, None))
            else:
                for sk, ck in keys:
                    row = part.row(sk, ck)
                    row.deleted = max(row.deleted, wc.ts)
                    touched.append((part, row))
        return touched

    def _range(self, ex: Execution, crs: list[Restriction], ts: int) -> RangeTombstone:
        """A range tombstone from EQ restrictions on a clustering prefix plus an optional slice."""
        from ..types import Desc

        ck = self.table.clustering
        prefix: list[Any] = []
        start: list[Any] | None = None
        end: list[Any] | None = None
        s_incl = e_incl = True
        by_col: dict[str, list[Restriction]] = {}
        for r in crs:
            by_col.setdefault(r.column.name, []).append(r)
        for c in ck:
            rs = by_col.get(c.name)
            if not rs:
                break
            eq = [r for r in rs if r.op == "="]
            if eq:
                v = eq[0].values(ex)[0]
                k = c.type.sort_key(_key_value(v, c))
                prefix.append(k if c.ascending else Desc(k))
                continue
            for r in rs:
                v = c.type.sort_key(_key_value(r.values(ex)[0], c))
                key = v if c.ascending else Desc(v)
                lower = (r.op in (">", ">=")) == c.ascending
                if lower:
                    start, s_incl = [*prefix, key], r.op in (">=", "<=")
                else:
                    end, e_incl = [*prefix, key], r.op in (">=", "<=")
            break
        return RangeTombstone(
            tuple(start) if start else tuple(prefix),
            s_incl if start else True,
            tuple(end) if end else tuple(prefix),
            e_incl if end else True,
            ts,
        )


def _key_value(v: Any, col: Column) -> bytes:
    if v is None:
        raise InvalidRequest(f"Invalid null value in condition for column {col.name}")
    if v is UNSET:
        raise InvalidRequest(f"Invalid unset value for column {col.name}")
    return v


def _valid_key(table: Table, pk: tuple[bytes, ...]) -> tuple[bytes, ...]:
    """ScyllaDB's validate_cql_key (validation.cc), for every statement that writes: only
    a single-column key may not be empty (a composite key's components may)."""
    if len(pk) == 1 and not pk[0]:
        raise InvalidRequest("Key may not be empty")
    return check_key_length(pk)


def _attribute(t: CqlType, raw: bytes, what: str) -> int:
    """A bound USING TTL / TIMESTAMP value: an empty one is no number (ScyllaDB's
    attributes.cc refuses a value it cannot read as "Invalid TTL value")."""
    value = t.decode(raw)
    if value is None:
        raise InvalidRequest(f"Invalid {what} value")
    return int(value)


# --------------------------------------------------------------------------- cell operations


def _cell(value: bytes | None, wc: WriteContext) -> Cell:
    if value is None:
        return Cell(None, wc.ts, 0, 0)
    return Cell(value, wc.ts, wc.ttl, wc.now + wc.ttl if wc.ttl else 0)


def items_of(t: CqlType, data: bytes, wc: WriteContext, ex: Execution) -> list[tuple[Any, bytes, Cell]]:
    """Element cells of a whole collection / UDT value, keyed for storage."""
    if t.name == "list":
        out = []
        for v in split_collection(data):
            k, kb = _list_key(ex, wc.ts, False)
            out.append((k, kb, _cell(v, wc)))
        return out
    if t.name == "set":
        return [(t.params[0].sort_key(v), v, _cell(b"", wc)) for v in split_collection(data)]
    if t.name == "map":
        return [(t.params[0].sort_key(k), k, _cell(v, wc)) for k, v in split_map(data)]
    fields = split_fields(data, len(t.params))
    return [(i, i.to_bytes(2, "big"), _cell(v, wc)) for i, v in enumerate(fields) if v is not None]


NOOP = Staged(None)


def wrap_int64(n: int) -> int:
    """``n`` as a signed 64-bit integer. ScyllaDB adds counter deltas in two's
    complement (counter_shard::update): a counter past 2^63 - 1 goes on from -2^63,
    and back (scylladb#2225 asked for an error; closed as won't fix)."""
    return (n + 2**63) % 2**64 - 2**63


def _merge_items(name: str, items: list[tuple[Any, bytes, Cell]], floor: int | None = None) -> RowWrite:
    """A write of element cells into a collection or UDT (``floor``: its tombstone first)."""

    def write(part: Partition, row: Row) -> None:
        mc = row.multi(name)
        if floor is not None:
            mc.deleted = max(mc.deleted, floor)
        for k, kb, cell in items:
            mc.merge(k, kb, cell)

    return write


def _merge_cell(name: str, cell: Cell) -> RowWrite:
    return lambda part, row: row.merge_cell(name, cell)


def op_set(fn: TermFn) -> Stager:
    def stage(ex: Execution, col: Column) -> Staged:
        value = fn(ex)
        if value is UNSET:
            return NOOP
        if col.type.is_counter:
            raise InvalidRequest(
                f"Cannot set the value of counter column {col.name} (counters can only be "
                "incremented/decremented, not set)"
            )

        def edit(table: Table, part: Part, row: Target, wc: WriteContext, ex: Execution) -> RowWrite:
            if not col.type.multi_cell:
                return _merge_cell(col.name, _cell(value, wc))
            items = [] if value is None else items_of(col.type, value, wc, ex)
            return _merge_items(col.name, items, wc.ts - 1)

        return Staged(edit)

    return stage


def _counter_add(col: Column, delta: int) -> Staged:
    """An increment, as ScyllaDB's counter write applies it: read the counter's current
    value (what a read would see: nothing under a newer row or partition tombstone),
    add the delta, wrapping around at 64 bits, and merge the result with what is
    stored — where a deleted counter (a cell tombstone) wins over any live value
    whatever the timestamps (counter_cell_view::apply), so a deleted counter stays
    deleted. The value is read as the write applies, so the deltas of a batch add up."""

    def edit(table: Table, part: Part, row: Target, wc: WriteContext, ex: Execution) -> RowWrite:
        def write(part: Partition, row: Row) -> None:
            current = row.cells.get(col.name)
            if isinstance(current, Cell) and current.value is None:
                return  # the counter's tombstone swallows the update
            if row is part.static:
                shadow = part.deleted
            else:
                shadow = max(part.row_shadow(clustering_sort_key(table, row.clustering)), row.deleted)
            total, ts = delta, wc.ts
            if isinstance(current, Cell) and current.ts > shadow:
                total += BIGINT.decode(current.value)
                ts = max(wc.ts, current.ts)
            row.cells[col.name] = Cell(BIGINT.encode(wrap_int64(total)), ts)

        return write

    return Staged(edit)


def op_add(fn: TermFn, prepend: bool = False) -> Stager:
    def stage(ex: Execution, col: Column) -> Staged:
        value = fn(ex)
        if value is UNSET:
            return NOOP
        t = col.type
        if t.is_counter:
            if value is None:
                raise InvalidRequest("Invalid null value for counter increment")
            return _counter_add(col, BIGINT.decode(value))
        if value is None:
            return NOOP
        elems = split_collection(value) if t.name == "list" else None

        def edit(table: Table, part: Part, row: Target, wc: WriteContext, ex: Execution) -> RowWrite:
            if elems is None:
                return _merge_items(col.name, items_of(t, value, wc, ex))
            # Prepended elements take keys below every existing one, derived from the
            # write time; ScyllaDB needs that time past its reference epoch.
            if prepend and wc.ts < LIST_PREPEND_EPOCH_MICROS:
                raise InvalidRequest("List prepend custom timestamp must be greater than Jan 1 2010 00:00:00")
            items = []
            for v in reversed(elems) if prepend else elems:
                k, kb = _list_key(ex, wc.ts, prepend)
                items.append((k, kb, _cell(v, wc)))
            return _merge_items(col.name, items)

        return Staged(edit)

    return stage


def op_subtract(fn: TermFn) -> Stager:
    def stage(ex: Execution, col: Column) -> Staged:
        value = fn(ex)
        if value is UNSET:
            return NOOP
        t = col.type
        if t.is_counter:
            if value is None:
                raise InvalidRequest("Invalid null value for counter increment")
            delta = BIGINT.decode(value)
            if delta == -(2**63):  # ScyllaDB's constants::subtracter
                raise InvalidRequest(
                    f"The negation of {delta} overflows supported counter precision (signed 8 bytes integer)"
                )
            return _counter_add(col, -delta)
        if value is None:
            return NOOP
        elems = split_collection(value)

        def edit(table: Table, part: Part, row: Target, wc: WriteContext, ex: Execution) -> RowWrite:
            et = t.params[0]
            if t.name != "list":
                return _merge_items(col.name, [(et.sort_key(v), v, Cell(None, wc.ts)) for v in elems])
            # the list as it was before the statement (or batch): its elements equal to one given
            doomed = {et.sort_key(v) for v in elems}
            mc = None if row is None else row.cells.get(col.name)
            found = mc.items.items() if isinstance(mc, MultiCell) else ()
            return _merge_items(
                col.name,
                [
                    (k, kb, Cell(None, wc.ts))
                    for k, (kb, cell) in found
                    if cell.value is not None and et.sort_key(cell.value) in doomed
                ],
            )

        return Staged(edit)

    return stage


def _live_list(
    table: Table, part: Part, row: Target, col: Column, wc: WriteContext
) -> list[tuple[Any, bytes]]:
    """The list's live elements (sort key, key bytes), as a read sees them: after every
    tombstone covering the row (partition, range, row, the list's own) and expiry."""
    mc = None if row is None else row.cells.get(col.name)
    if part is None or row is None or not isinstance(mc, MultiCell):
        return []
    if row is part.static:
        shadow = part.deleted
    else:
        shadow = part.row_shadow(clustering_sort_key(table, row.clustering))
    floor = max(mc.deleted, row.deleted, shadow)
    return [(k, kb) for k, (kb, c) in mc.items.items() if c.ts > floor and c.live(wc.now)]


def op_element(key_fn: TermFn, fn: TermFn | None) -> Stager:
    """``m[k] = v``, ``l[i] = v`` and, with ``fn`` None, ``DELETE m[k]`` / ``DELETE l[i]``."""

    def stage(ex: Execution, col: Column) -> Staged:
        key = key_fn(ex)
        value = fn(ex) if fn is not None else None
        if key is UNSET or value is UNSET:
            return NOOP
        if key is None:
            raise InvalidRequest(
                f"Invalid null value for {'list index' if col.type.name == 'list' else 'map key'}"
            )
        t = col.type
        if t.name == "list":
            idx = INT.decode(key)

            def edit_list(table: Table, part: Part, row: Target, wc: WriteContext, ex: Execution) -> RowWrite:
                live = _live_list(table, part, row, col, wc)  # before the statement or batch
                if not live:
                    what = "set an element on" if fn is not None else "delete an element from"
                    raise InvalidRequest(f"Attempted to {what} a list which is null")
                if idx < 0 or idx >= len(live):
                    raise InvalidRequest(f"List index {idx} out of bound, list has size {len(live)}")
                k, kb = live[idx]
                return _merge_items(
                    col.name, [(k, kb, _cell(value, wc) if fn is not None else Cell(None, wc.ts))]
                )

            return Staged(edit_list)

        def edit(table: Table, part: Part, row: Target, wc: WriteContext, ex: Execution) -> RowWrite:
            cell = _cell(value, wc) if fn is not None and t.name != "set" else Cell(None, wc.ts)
            return _merge_items(col.name, [(t.params[0].sort_key(key), key, cell)])

        return Staged(edit)

    return stage


def op_field(index: int, fn: TermFn | None) -> Stager:
    def stage(ex: Execution, col: Column) -> Staged:
        value = fn(ex) if fn is not None else None
        if value is UNSET:
            return NOOP

        def edit(table: Table, part: Part, row: Target, wc: WriteContext, ex: Execution) -> RowWrite:
            cell = _cell(value, wc) if value is not None else Cell(None, wc.ts)
            return _merge_items(col.name, [(index, index.to_bytes(2, "big"), cell)])

        return Staged(edit)

    return stage


def op_delete() -> Stager:
    def stage(ex: Execution, col: Column) -> Staged:
        def edit(table: Table, part: Part, row: Target, wc: WriteContext, ex: Execution) -> RowWrite:
            if col.type.multi_cell:
                return _merge_items(col.name, [], wc.ts)
            return _merge_cell(col.name, Cell(None, wc.ts))

        return Staged(edit)

    return stage


# --------------------------------------------------------------------------- compile


def _bind(op: Stager, col: Column) -> Op:
    return lambda ex: op(ex, col)


def check_writable(table: Table) -> None:
    """ScyllaDB's modification_statement::validate, run when a write executes (not when it is
    prepared: a write to a view prepares, and is refused each time it runs)."""
    if table.view is not None:
        raise InvalidRequest("Cannot directly modify a materialized view")


def compile_modify(
    compiler: Compiler, table: Table, stmt: ast.Insert | ast.Update | ast.Delete
) -> ModifyPlan:
    if table.virtual is not None:
        raise InvalidRequest(f"Cannot modify the system table {table.keyspace}.{table.name}")
    ks, tn = table.keyspace, table.name
    using = stmt.using
    plan = ModifyPlan(table, stmt, None)
    if using.ttl is not None:
        if isinstance(stmt, ast.Delete):
            raise InvalidRequest("TTL is not supported on DELETE statements")
        if table.is_counter:
            raise InvalidRequest("Cannot provide custom TTL for counter updates")
        plan.ttl = compiler.term(using.ttl, Receiver(ks, tn, "[ttl]", INT))
    if using.timestamp is not None:
        if (
            getattr(stmt, "if_not_exists", False)
            or getattr(stmt, "if_exists", False)
            or getattr(stmt, "conditions", ())
        ):
            raise InvalidRequest("Cannot provide custom timestamp for conditional updates")
        plan.timestamp = compiler.term(using.timestamp, Receiver(ks, tn, "[timestamp]", BIGINT))
    if isinstance(stmt, ast.Insert):
        _compile_insert(compiler, table, stmt, plan)
        _compile_conditions(compiler, table, stmt, plan)
    else:  # as ScyllaDB: the assignments, the conditions, then the WHERE clause
        if isinstance(stmt, ast.Update):
            _compile_assignments(compiler, table, stmt, plan)
        else:
            _compile_delete_targets(compiler, table, stmt, plan)
        _compile_conditions(compiler, table, stmt, plan)
        _compile_where_modify(compiler, table, stmt, plan)
    if plan.conditional:
        _check_conditional_where(table, stmt, plan)
    if table.is_counter and using.timestamp is not None:
        raise InvalidRequest("Cannot provide custom timestamp for counter updates")
    return plan


def _compile_conditions(
    compiler: Compiler, table: Table, stmt: ast.Insert | ast.Update | ast.Delete, plan: ModifyPlan
) -> None:
    """ScyllaDB's prepare_conditions: refusals first, then the conditions, the columns
    of the [applied] result, and whether the conditions are on static columns only."""
    conditions = getattr(stmt, "conditions", ())
    exists = getattr(stmt, "if_not_exists", False) or getattr(stmt, "if_exists", False)
    if not (exists or conditions):
        return
    if table.is_counter:
        raise InvalidRequest("Conditional updates are not supported on counter tables")
    if stmt.using.timestamp is not None:
        raise InvalidRequest("Cannot provide custom timestamp for conditional updates")
    plan.cas_conditions = compile_conditions(compiler, table, conditions)
    if exists:
        plan.cas_columns = list(table.star_columns)
        if isinstance(stmt, ast.Insert):
            names_clustering = bool(plan.ck_fns)
        else:
            names_clustering = any(
                isinstance(r.lhs, ast.TupleRef)
                or (isinstance(r.lhs, ast.ColumnRef) and r.lhs.name in {c.name for c in table.clustering})
                for r in stmt.where
            )
        plan.static_conditions_only = bool(table.static_columns) and not names_clustering
    else:
        plan.cas_columns = result_columns(table, {c.column.name for c in plan.cas_conditions})
        plan.static_conditions_only = all(c.static for c in plan.cas_conditions)


def _check_conditional_where(
    table: Table, stmt: ast.Insert | ast.Update | ast.Delete, plan: ModifyPlan
) -> None:
    """ScyllaDB's validate_where_clause_for_conditions: one row (or static row) only."""
    if plan.where is None:
        return
    what = "deletions" if isinstance(stmt, ast.Delete) else "updates"
    if any(r.op == "IN" for r in plan.where.partition):  # even of one value
        raise InvalidRequest(f"IN on the partition key is not supported with conditional {what}")
    if any(r.op == "IN" for r in plan.where.clustering):
        raise InvalidRequest(f"IN on the clustering key columns is not supported with conditional {what}")
    if not isinstance(stmt, ast.Delete):
        return
    eq = {c.name for r in plan.where.clustering if r.op == "=" for c in r.columns}
    if all(c.name in eq for c in table.clustering) and all(r.op == "=" for r in plan.where.clustering):
        return
    if not plan.ops or any(c.kind != "static" for c, _ in plan.ops):
        raise InvalidRequest(
            "DELETE statements must restrict all PRIMARY KEY columns with equality relations "
            "in order to delete non static columns"
        )
    if plan.regular_conditions:
        raise InvalidRequest(
            "DELETE statements must restrict all PRIMARY KEY columns with equality relations "
            "in order to use IF condition on non static columns"
        )


def _compile_insert(compiler: Compiler, table: Table, stmt: ast.Insert, plan: ModifyPlan) -> None:
    ks, tn = table.keyspace, table.name
    if table.is_counter:  # ScyllaDB's wording, checked before anything else
        raise InvalidRequest("INSERT statement are not allowed on counter tables, use UPDATE instead")
    if stmt.json is not None:
        _compile_insert_json(compiler, table, stmt, plan)
        return
    if len(stmt.columns) != len(stmt.values):
        raise InvalidRequest("Unmatched column names/values")
    if len(set(stmt.columns)) != len(stmt.columns):
        dup = next(c for c in stmt.columns if stmt.columns.count(c) > 1)
        raise InvalidRequest(f"Multiple definitions found for column {dup}")
    given = dict(zip(stmt.columns, stmt.values))
    for name in stmt.columns:
        table.column(name, Table.ASSIGNED)
    missing_ck = [c.name for c in table.clustering if c.name not in given]
    static_only = any(table.columns[n].kind == "static" for n in given) and all(
        table.columns[n].kind in ("static", "partition_key") for n in given
    )
    if missing_ck and not (static_only and len(missing_ck) == len(table.clustering)):
        raise InvalidRequest(f"Missing mandatory PRIMARY KEY part {missing_ck[0]}")
    missing_pk = [c.name for c in table.partition_key if c.name not in given]
    if missing_pk:
        raise InvalidRequest(f"Missing mandatory PRIMARY KEY part {missing_pk[0]}")
    fns = {
        name: compiler.term(term, Receiver(ks, tn, name, table.columns[name].type))
        for name, term in given.items()
    }
    plan.pk_fns = [fns[c.name] for c in table.partition_key]
    plan.ck_fns = [fns[c.name] for c in table.clustering if c.name in fns]
    for name in stmt.columns:
        col = table.columns[name]
        if col.is_primary_key:
            continue
        plan.ops.append((col, _bind(op_set(fns[name]), col)))


def _compile_insert_json(compiler: Compiler, table: Table, stmt: ast.Insert, plan: ModifyPlan) -> None:
    """``INSERT INTO t JSON '<map>' [DEFAULT NULL | DEFAULT UNSET]``: every column comes
    from the document (parsed once per execution); a column it leaves out is written
    null, or with DEFAULT UNSET left alone."""
    from .. import cqljson

    assert stmt.json is not None
    source = compiler.term(stmt.json, Receiver(table.keyspace, table.name, "[json]", native("text")))

    def document(ex: Execution) -> dict[str, bytes | None]:
        if source not in ex.memo:
            ex.memo[source] = cqljson.insert_values(table, source(ex))
        return ex.memo[source]

    def key(col: Column) -> TermFn:
        def value(ex: Execution) -> bytes:
            v = document(ex).get(col.name)
            if v is None:
                raise InvalidRequest(f"Missing mandatory PRIMARY KEY part {col.name}")
            return v

        return value

    absent = UNSET if stmt.json_default_unset else None

    def column(col: Column) -> TermFn:
        return lambda ex: document(ex).get(col.name, absent)

    plan.pk_fns = [key(c) for c in table.partition_key]
    plan.ck_fns = [key(c) for c in table.clustering]
    for col in table.star_columns:
        if not col.is_primary_key:
            plan.ops.append((col, _bind(op_set(column(col)), col)))


def _compile_where_modify(
    compiler: Compiler, table: Table, stmt: ast.Update | ast.Delete, plan: ModifyPlan
) -> None:
    where = compile_where(compiler, table, stmt.where)
    if where.token:
        raise InvalidRequest(
            "The token function cannot be used in WHERE clauses for UPDATE and DELETE statements"
        )
    non_pk = [r for r in where.others if r.column.kind not in ("partition_key",)]
    if non_pk:
        raise InvalidRequest(f"Non PRIMARY KEY columns found in where clause: {non_pk[0].column.name} ")
    bad_pk = [r for r in where.others if r.column.kind == "partition_key"]
    if bad_pk:
        raise InvalidRequest(
            f"Only EQ and IN relation are supported on the partition key (unless you use the "
            f"token() function) for {type(stmt).__name__.upper()} statements"
        )
    # ScyllaDB's process_where_clause: the clustering key, then the partition key
    full: set[str] = set()
    for r in where.clustering:
        if r.op in ("=", "IN"):
            full.update(c.name for c in r.columns)
    unrestricted = next((c.name for c in table.clustering if c.name not in full), None)
    static_only = plan.static_only
    if static_only and where.clustering:  # "sounds like you don't really understand what you are doing"
        raise InvalidRequest(
            "Invalid restrictions on clustering columns since the "
            f"{type(stmt).__name__.upper()} statement modifies only static columns"
        )
    if unrestricted is not None and not static_only:
        if isinstance(stmt, ast.Update):
            raise InvalidRequest(f"Missing mandatory PRIMARY KEY part {unrestricted}")
        regular = next((c for c, _ in plan.ops if c.kind != "static"), None)
        if regular is not None and all(r.op in ("=", "IN") for r in where.clustering):
            raise InvalidRequest(
                f"Primary key column '{unrestricted}' must be specified in order to modify "
                f"column '{regular.name}'"
            )
    pk_given = {r.column.name for r in where.partition}
    missing = [c.name for c in table.partition_key if c.name not in pk_given]
    if missing:
        raise InvalidRequest(f"Missing mandatory PRIMARY KEY part {missing[0]}")
    if isinstance(stmt, ast.Delete) and stmt.targets and where.clustering and unrestricted is not None:
        raise InvalidRequest("Range deletions are not supported for specific columns")
    plan.where = where


def _compile_assignments(compiler: Compiler, table: Table, stmt: ast.Update, plan: ModifyPlan) -> None:
    ks, tn = table.keyspace, table.name
    seen: set[str] = set()
    for a in stmt.assignments:
        col = table.column(a.column, Table.ASSIGNED)
        if col.is_primary_key:
            raise InvalidRequest(f"PRIMARY KEY part {col.name} found in SET part")
        if a.kind in ("set",) and col.name in seen:
            raise InvalidRequest(f"Multiple incompatible setting of column {col.name}")
        seen.add(col.name)
        r = Receiver(ks, tn, col.name, col.type)
        t = col.type
        if a.kind == "set":
            op = op_set(compiler.term(a.value, r))
        elif a.kind in ("add", "prepend", "subtract"):
            value = term_text(a.value)
            text = {
                "add": f"{col.name} = {col.name} + {value}",
                "prepend": f"{col.name} = {value} + {col.name}",
                "subtract": f"{col.name} = {col.name} - {value}",
            }[a.kind]
            if not (t.is_counter or t.is_collection):
                raise InvalidRequest(f"Invalid operation ({text}) for non counter column {col.name}")
            if not (t.is_counter or t.multi_cell):
                raise InvalidRequest(f"Invalid operation ({text}) for frozen collection column {col.name}")
            if a.kind == "prepend" and t.name != "list":
                raise InvalidRequest(f"Invalid operation ({text}) for non list column {col.name}")
            vr = r
            if a.kind == "subtract" and t.name == "map":
                vr = r.renamed(col.name, set_of(t.params[0]))
            fn = compiler.term(a.value, vr)
            op = op_subtract(fn) if a.kind == "subtract" else op_add(fn, prepend=a.kind == "prepend")
        elif a.kind == "element":
            assert a.key is not None, "the parser gives every element assignment a key"
            if not t.is_collection or not t.multi_cell or t.name == "set":
                text = f"{col.name}[{term_text(a.key)}] = {term_text(a.value)}"
                kind = (
                    "non collection"
                    if not t.is_collection
                    else "frozen collection"
                    if not t.multi_cell
                    else "set"
                )
                raise InvalidRequest(f"Invalid operation ({text}) for {kind} column {col.name}")
            kt = INT if t.name == "list" else t.params[0]
            key_fn = compiler.term(
                a.key, r.renamed("idx(" + col.name + ")" if t.name == "list" else f"key({col.name})", kt)
            )
            vt = t.params[0] if t.name == "list" else t.params[1]
            op = op_element(key_fn, compiler.term(a.value, r.renamed(f"value({col.name})", vt)))
        else:  # field
            if t.name != "udt" or not t.multi_cell:
                raise InvalidRequest(
                    f"Invalid operation ({col.name}.{a.field} = {term_text(a.value)}) for "
                    f"{'frozen UDT' if t.name == 'udt' else 'non-UDT'} column {col.name}"
                )
            if a.field not in t.field_names:
                raise InvalidRequest(f"UDT column {col.name} does not have a field named {a.field}")
            idx = t.field_names.index(a.field)
            op = op_field(idx, compiler.term(a.value, r.renamed(f"{col.name}.{a.field}", t.params[idx])))
        plan.ops.append((col, _bind(op, col)))
    if table.is_counter and any(not c.type.is_counter for c, _ in plan.ops):
        raise InvalidRequest("Cannot mix counter and non counter columns in the same table")


def _compile_delete_targets(compiler: Compiler, table: Table, stmt: ast.Delete, plan: ModifyPlan) -> None:
    ks, tn = table.keyspace, table.name
    for target in stmt.targets:
        col = table.column(target.column, Table.ASSIGNED)
        if col.is_primary_key:
            raise InvalidRequest(
                f"Invalid identifier {col.name} for deletion (should not be a PRIMARY KEY part)"
            )
        r = Receiver(ks, tn, col.name, col.type)
        if target.key is not None:
            t = col.type
            if not t.multi_cell or t.name not in ("list", "map", "set"):
                raise InvalidRequest(
                    f"Invalid operation ({col.name}[?]) for deletion: {col.name} is not a "
                    "non-frozen collection"
                )
            kt = INT if t.name == "list" else t.params[0]
            key_name = f"idx({col.name})" if t.name == "list" else f"key({col.name})"
            op = op_element(compiler.term(target.key, r.renamed(key_name, kt)), None)
        elif target.field is not None:
            t = col.type
            if t.name != "udt" or not t.multi_cell or target.field not in t.field_names:
                raise InvalidRequest(f"Invalid field deletion {col.name}.{target.field}")
            op = op_field(t.field_names.index(target.field), None)
        else:
            op = op_delete()
        plan.ops.append((col, _bind(op, col)))
