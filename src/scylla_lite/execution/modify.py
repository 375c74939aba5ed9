"""INSERT, UPDATE, DELETE and BATCH: compile once, then turn each execution into cell
mutations stamped with one write timestamp, plus lightweight-transaction conditions.
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..catalog import MAX_TTL, Column, Table
from ..cql import ast
from ..errors import InvalidRequest
from ..requests import UNSET
from ..results import ColumnSpec, Rows
from ..storage import Cell, Partition, RangeTombstone, Row
from ..types import CqlType, native, set_of
from .read import LiveRow, clustering_sort_key, partition_rows
from .terms import Compiler, Execution, Receiver, TermFn, split_collection, split_fields, split_map
from .where import Restriction, Where, compile_where, matches

BIGINT, INT, BOOLEAN = native("bigint"), native("int"), native("boolean")

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


Op = Callable[[Table, Partition, Row, WriteContext, Execution], None]


@dataclass
class ModifyPlan:
    table: Table
    stmt: ast.Insert | ast.Update | ast.Delete
    where: Where | None
    pk_fns: list[TermFn] = field(default_factory=list)  # INSERT: key values
    ck_fns: list[TermFn] = field(default_factory=list)
    ops: list[tuple[Column, Any]] = field(default_factory=list)  # (column, op builder)
    ttl: TermFn | None = None
    timestamp: TermFn | None = None
    conditions: list[Restriction] = field(default_factory=list)
    condition_columns: list[Column] = field(default_factory=list)

    @property
    def conditional(self) -> bool:
        s = self.stmt
        return bool(getattr(s, "if_not_exists", False) or getattr(s, "if_exists", False) or self.conditions)

    # ------------------------------------------------------------------ keys
    def keys(self, ex: Execution) -> tuple[list[tuple[bytes, ...]], list[Restriction]]:
        """Partition keys, and clustering restrictions (for UPDATE/DELETE)."""
        if self.where is None:
            pk = tuple(_key_value(f(ex), c) for f, c in zip(self.pk_fns, self.table.partition_key))
            return [pk], []
        keys = self.where.partition_keys(self.table, ex)
        assert keys is not None
        return keys, self.where.clustering

    def clusterings(self, ex: Execution, restrictions: list[Restriction]) -> list[tuple[bytes, ...]] | None:
        """Full clustering keys named by EQ/IN, or None when they name only a prefix/range."""
        ck = self.table.clustering
        if self.where is None:
            return [tuple(_key_value(f(ex), c) for f, c in zip(self.ck_fns, ck))]
        by_col = {r.column.name: r for r in restrictions if r.op in ("=", "IN") and len(r.columns) == 1}
        if any(c.name not in by_col for c in ck) or any(r.op not in ("=", "IN") for r in restrictions):
            return None
        choices = [[_key_value(v, c) for v in by_col[c.name].values(ex)] for c in ck]
        return [tuple(k) for k in itertools.product(*choices)]

    # ------------------------------------------------------------------ run
    def write_context(self, ex: Execution, default_ts: int | None, now: int) -> WriteContext:
        ts = default_ts if default_ts is not None else ex.now_micros
        if self.timestamp is not None:
            raw = self.timestamp(ex)
            if raw is None:
                raise InvalidRequest("Invalid null value of timestamp")
            if raw is not UNSET:
                ts = BIGINT.decode(raw)
        ttl = int(self.table.option("default_time_to_live") or 0)
        if self.ttl is not None:
            raw = self.ttl(ex)
            if raw is None:
                raise InvalidRequest("Invalid null value of TTL")
            if raw is not UNSET:
                ttl = INT.decode(raw)
                if ttl < 0:
                    raise InvalidRequest(f"A TTL must be greater or equal to 0, but was {ttl}")
                if ttl > MAX_TTL:
                    raise InvalidRequest(f"ttl is too large. requested ({ttl}) maximum ({MAX_TTL})")
        return WriteContext(ts, ttl, now)

    def apply(self, ex: Execution, wc: WriteContext) -> None:
        table = self.table
        pks, crs = self.keys(ex)
        for pk in pks:
            part = table.data.partition(pk, create=True)
            assert part is not None
            self._apply_partition(ex, wc, part, crs)

    def _apply_partition(self, ex: Execution, wc: WriteContext, part: Partition, crs: list[Restriction]) -> None:
        table, stmt = self.table, self.stmt
        static_only = bool(self.ops) and all(c.kind == "static" for c, _ in self.ops)
        if isinstance(stmt, ast.Delete) and not stmt.targets:
            clusterings = self.clusterings(ex, crs) if table.clustering else [()]
            if not crs:
                part.deleted = max(part.deleted, wc.ts)
                return
            if clusterings is None:
                part.range_tombstones.append(self._range(ex, crs, wc.ts))
                return
            for ck in clusterings:
                row = part.row(clustering_sort_key(table, ck), ck)
                row.deleted = max(row.deleted, wc.ts)
            return
        if static_only and not crs and (self.where is not None or not self.ck_fns):
            targets = [part.static]
        else:
            clusterings = self.clusterings(ex, crs) if table.clustering else [()]
            if clusterings is None:
                missing = [c.name for c in table.clustering if c.name not in {r.column.name for r in crs}]
                raise InvalidRequest(f"Some clustering keys are missing: {', '.join(missing)}" if missing else
                                     "Invalid restrictions on clustering columns since the UPDATE statement modifies only static columns")
            targets = [part.row(clustering_sort_key(table, ck), ck) for ck in clusterings]
        for row in targets:
            if isinstance(stmt, ast.Insert) and row is not part.static:
                row.merge_marker(Cell(b"", wc.ts, wc.ttl, wc.now + wc.ttl if wc.ttl else 0))
            for col, op in self.ops:
                op(table, part, part.static if col.kind == "static" else row, wc, ex)

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
        return RangeTombstone(tuple(start) if start else tuple(prefix), s_incl if start else True,
                              tuple(end) if end else tuple(prefix), e_incl if end else True, ts)

    # ------------------------------------------------------------------ LWT
    def current_row(self, ex: Execution, now: int) -> LiveRow | None:
        pks, crs = self.keys(ex)
        if len(pks) != 1:
            raise InvalidRequest("IN on the partition key is not supported with conditional updates")
        part = self.table.data.partition(pks[0])
        if part is None:
            return None
        clusterings = self.clusterings(ex, crs) if self.table.clustering else [()]
        if clusterings is not None and len(clusterings) > 1:
            raise InvalidRequest("IN on the clustering key columns is not supported with conditional updates")
        for r in partition_rows(self.table, part, now):
            if not clusterings or r.clustering == clusterings[0] or (r.clustering is None and not crs):
                if clusterings and r.clustering != clusterings[0]:
                    continue
                return r
        return None

    def check(self, ex: Execution, current: LiveRow | None) -> bool:
        stmt = self.stmt
        if getattr(stmt, "if_not_exists", False):
            return current is None
        if getattr(stmt, "if_exists", False):
            return current is not None
        for cond in self.conditions:
            value = current.values.get(cond.column.name) if current is not None else None
            vals = cond.values(ex)
            if cond.op in ("=", "!=") and vals and vals[0] is None and cond.element is None:
                ok = (value is None) if cond.op == "=" else (value is not None)
            elif value is None and cond.op == "!=":
                ok = True
            else:
                ok = matches(cond, value, ex, vals)
            if not ok:
                return False
        return True

    def lwt_columns(self, current: LiveRow | None, applied: bool) -> tuple[list[ColumnSpec], list[bytes | None]]:
        """ScyllaDB's LWT result: ``[applied]``, then the old row's values (nulls when it
        did not exist) of every column for IF [NOT] EXISTS, or of the columns named in
        the IF conditions, whatever the outcome, so the metadata never changes between
        executions (ScyllaDB's "LWT differences from Cassandra")."""
        table = self.table
        spec = [ColumnSpec(table.keyspace, table.name, "[applied]", BOOLEAN.codec)]
        row: list[bytes | None] = [BOOLEAN.encode(applied)]
        stmt = self.stmt
        everything = getattr(stmt, "if_exists", False) or getattr(stmt, "if_not_exists", False)
        by_name = lambda c: c.name  # noqa: E731
        ordered = (table.partition_key + table.clustering + sorted(table.static_columns, key=by_name)
                   + sorted(table.regular_columns, key=by_name))
        wanted = {c.name for c in self.condition_columns}
        for c in ordered:
            if everything or c.name in wanted:
                spec.append(ColumnSpec(table.keyspace, table.name, c.name, c.type.codec))
                row.append(current.values.get(c.name) if current is not None else None)
        return spec, row


def _key_value(v: Any, col: Column) -> bytes:
    if v is None:
        raise InvalidRequest(f"Invalid null value in condition for column {col.name}")
    if v is UNSET:
        raise InvalidRequest(f"Invalid unset value for column {col.name}")
    if not v and col.kind == "partition_key" and col.type.name not in ("text", "ascii", "blob"):
        raise InvalidRequest("Key may not be empty")
    if not v and col.kind == "partition_key":
        raise InvalidRequest("Key may not be empty")
    return v  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- cell operations


def _cell(value: bytes | None, wc: WriteContext) -> Cell:
    if value is None:
        return Cell(None, wc.ts, 0, 0)
    return Cell(value, wc.ts, wc.ttl, wc.now + wc.ttl if wc.ttl else 0)


def _items_of(t: CqlType, data: bytes, wc: WriteContext, ex: Execution) -> list[tuple[Any, bytes, Cell]]:
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


def op_set(fn: TermFn) -> Any:
    def run(table: Table, part: Partition, row: Row, wc: WriteContext, ex: Execution, col: Column) -> None:
        value = fn(ex)
        if value is UNSET:
            return
        if col.type.is_counter:
            raise InvalidRequest(f"Cannot set the value of counter column {col.name} (counters can only be "
                                 "incremented/decremented, not set)")
        if col.type.multi_cell:
            mc = row.multi(col.name)
            mc.deleted = max(mc.deleted, wc.ts - 1)
            if value is not None:
                for k, kb, cell in _items_of(col.type, value, wc, ex):
                    mc.items[k] = (kb, cell)
            return
        row.merge_cell(col.name, _cell(value, wc))

    return run


def op_add(fn: TermFn, prepend: bool = False) -> Any:
    def run(table: Table, part: Partition, row: Row, wc: WriteContext, ex: Execution, col: Column) -> None:
        value = fn(ex)
        if value is UNSET:
            return
        t = col.type
        if t.is_counter:
            if value is None:
                raise InvalidRequest("Invalid null value for counter increment")
            current = row.cells.get(col.name)
            total = BIGINT.decode(value)
            if isinstance(current, Cell) and current.value is not None:
                total += BIGINT.decode(current.value)
            ts = max(wc.ts, current.ts) if isinstance(current, Cell) else wc.ts
            row.cells[col.name] = Cell(BIGINT.encode(total), ts)
            return
        if value is None:
            return
        mc = row.multi(col.name)
        if t.name == "list":
            elems = split_collection(value)
            for v in reversed(elems) if prepend else elems:
                k, kb = _list_key(ex, wc.ts, prepend)
                mc.items[k] = (kb, _cell(v, wc))
            return
        for k, kb, cell in _items_of(t, value, wc, ex):
            mc.items[k] = (kb, cell)

    return run


def op_subtract(fn: TermFn) -> Any:
    def run(table: Table, part: Partition, row: Row, wc: WriteContext, ex: Execution, col: Column) -> None:
        value = fn(ex)
        if value is UNSET or value is None:
            return
        t = col.type
        if t.is_counter:
            op_add(lambda ex: BIGINT.encode(-BIGINT.decode(value)))(table, part, row, wc, ex, col)
            return
        mc = row.multi(col.name)
        if t.name == "list":
            doomed = {t.params[0].sort_key(v) for v in split_collection(value)}
            for k, (kb, cell) in list(mc.items.items()):
                if cell.value is not None and t.params[0].sort_key(cell.value) in doomed:
                    mc.items[k] = (kb, Cell(None, wc.ts))
            return
        kt = t.params[0]
        for v in split_collection(value):
            mc.items[kt.sort_key(v)] = (v, Cell(None, wc.ts))

    return run


def _live_list(row: Row, col: Column, wc: WriteContext) -> list[Any]:
    mc = row.cells.get(col.name)
    if mc is None or isinstance(mc, Cell):
        return []
    floor = max(mc.deleted, row.deleted)
    return [k for k, (kb, c) in mc.items.items() if c.ts > floor and c.live(wc.now)]


def op_element(key_fn: TermFn, fn: TermFn | None) -> Any:
    """``m[k] = v``, ``l[i] = v`` and, with ``fn`` None, ``DELETE m[k]`` / ``DELETE l[i]``."""

    def run(table: Table, part: Partition, row: Row, wc: WriteContext, ex: Execution, col: Column) -> None:
        key = key_fn(ex)
        value = fn(ex) if fn is not None else None
        if key is UNSET or value is UNSET:
            return
        if key is None:
            raise InvalidRequest(f"Invalid null value for {'list index' if col.type.name == 'list' else 'map key'}")
        t = col.type
        mc = row.multi(col.name)
        if t.name == "list":
            idx = INT.decode(key)
            live = _live_list(row, col, wc)
            if not live and fn is not None:
                raise InvalidRequest("Attempted to set an element on a list which is null")
            if idx < 0 or idx >= len(live):
                if fn is None:
                    return
                raise InvalidRequest(f"List index {idx} out of bound, list has size {len(live)}")
            k = live[idx]
            kb = mc.items[k][0]
            mc.items[k] = (kb, _cell(value, wc) if fn is not None else Cell(None, wc.ts))
            return
        if t.name == "set":
            mc.items[t.params[0].sort_key(key)] = (key, Cell(None, wc.ts))
            return
        mc.items[t.params[0].sort_key(key)] = (key, _cell(value, wc) if fn is not None else Cell(None, wc.ts))

    return run


def op_field(index: int, fn: TermFn | None) -> Any:
    def run(table: Table, part: Partition, row: Row, wc: WriteContext, ex: Execution, col: Column) -> None:
        value = fn(ex) if fn is not None else None
        if value is UNSET:
            return
        mc = row.multi(col.name)
        mc.items[index] = (index.to_bytes(2, "big"), _cell(value, wc) if value is not None else Cell(None, wc.ts))

    return run


def op_delete() -> Any:
    def run(table: Table, part: Partition, row: Row, wc: WriteContext, ex: Execution, col: Column) -> None:
        if col.type.multi_cell:
            mc = row.multi(col.name)
            mc.deleted = max(mc.deleted, wc.ts)
        else:
            row.merge_cell(col.name, Cell(None, wc.ts))

    return run


# --------------------------------------------------------------------------- compile


def _bind(op: Any, col: Column) -> Op:
    return lambda table, part, row, wc, ex: op(table, part, row, wc, ex, col)


def compile_modify(compiler: Compiler, table: Table, stmt: ast.Insert | ast.Update | ast.Delete) -> ModifyPlan:
    if table.view is not None:
        raise InvalidRequest("Cannot directly modify a materialized view")
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
        if getattr(stmt, "if_not_exists", False) or getattr(stmt, "if_exists", False) or getattr(stmt, "conditions", ()):
            raise InvalidRequest("Cannot provide custom timestamp for conditional updates")
        plan.timestamp = compiler.term(using.timestamp, Receiver(ks, tn, "[timestamp]", BIGINT))
    if isinstance(stmt, ast.Insert):
        _compile_insert(compiler, table, stmt, plan)
    else:
        _compile_where_modify(compiler, table, stmt, plan)
        if isinstance(stmt, ast.Update):
            _compile_assignments(compiler, table, stmt, plan)
        else:
            _compile_delete_targets(compiler, table, stmt, plan)
    if table.is_counter and not isinstance(stmt, ast.Delete):
        if isinstance(stmt, ast.Insert):
            raise InvalidRequest("INSERT statements are not allowed on counter tables, use UPDATE instead")
        if plan.conditional:
            raise InvalidRequest("Conditional updates are not supported on counter tables")
    conditions = getattr(stmt, "conditions", ())
    for cond in conditions:
        lhs = cond.lhs
        name = lhs.column if isinstance(lhs, (ast.ElementRef, ast.FieldRef)) else lhs.name  # type: ignore[union-attr]
        col = table.column(name)
        if col.is_primary_key:
            raise InvalidRequest(f"PRIMARY KEY column '{col.name}' cannot have IF conditions")
        sub = compile_where(compiler, table, (ast.Relation(lhs, cond.op, cond.rhs),))
        plan.conditions.extend(sub.others + sub.clustering + sub.partition)
        if col not in plan.condition_columns:
            plan.condition_columns.append(col)
    order = {c.name: i for i, c in enumerate(table.star_columns)}
    plan.condition_columns.sort(key=lambda c: order[c.name])
    return plan


def _compile_insert(compiler: Compiler, table: Table, stmt: ast.Insert, plan: ModifyPlan) -> None:
    ks, tn = table.keyspace, table.name
    if stmt.json is not None:
        raise InvalidRequest("INSERT JSON is not supported yet")
    if len(stmt.columns) != len(stmt.values):
        raise InvalidRequest("Unmatched column names/values")
    if len(set(stmt.columns)) != len(stmt.columns):
        dup = next(c for c in stmt.columns if stmt.columns.count(c) > 1)
        raise InvalidRequest(f"Multiple definitions found for column {dup}")
    given = dict(zip(stmt.columns, stmt.values))
    for name in stmt.columns:
        table.column(name)
    missing_pk = [c.name for c in table.partition_key if c.name not in given]
    if missing_pk:
        raise InvalidRequest(f"Some partition key parts are missing: {', '.join(missing_pk)}")
    missing_ck = [c.name for c in table.clustering if c.name not in given]
    static_only = any(table.columns[n].kind == "static" for n in given) and all(
        table.columns[n].kind in ("static", "partition_key") for n in given)
    if missing_ck and not (static_only and len(missing_ck) == len(table.clustering)):
        raise InvalidRequest(f"Some clustering keys are missing: {', '.join(missing_ck)}")
    fns = {name: compiler.term(term, Receiver(ks, tn, name, table.columns[name].type)) for name, term in given.items()}
    plan.pk_fns = [fns[c.name] for c in table.partition_key]
    plan.ck_fns = [fns[c.name] for c in table.clustering if c.name in fns]
    for name in stmt.columns:
        col = table.columns[name]
        if col.is_primary_key:
            continue
        if col.type.is_counter:
            raise InvalidRequest("INSERT statements are not allowed on counter tables, use UPDATE instead")
        plan.ops.append((col, _bind(op_set(fns[name]), col)))


def _compile_where_modify(compiler: Compiler, table: Table, stmt: ast.Update | ast.Delete, plan: ModifyPlan) -> None:
    where = compile_where(compiler, table, stmt.where)
    if where.token:
        raise InvalidRequest("The token function cannot be used in WHERE clauses for UPDATE and DELETE statements")
    non_pk = [r for r in where.others if r.column.kind not in ("partition_key",)]
    if non_pk:
        raise InvalidRequest(f"Non PRIMARY KEY columns found in where clause: {non_pk[0].column.name} ")
    pk_given = {r.column.name for r in where.partition}
    missing = [c.name for c in table.partition_key if c.name not in pk_given]
    bad_pk = [r for r in where.others if r.column.kind == "partition_key"]
    if bad_pk:
        raise InvalidRequest(f"Only EQ and IN relation are supported on the partition key (unless you use the "
                             f"token() function) for {type(stmt).__name__.upper()} statements")
    if missing:
        raise InvalidRequest(f"Some partition key parts are missing: {', '.join(missing)}")
    plan.where = where


def _compile_assignments(compiler: Compiler, table: Table, stmt: ast.Update, plan: ModifyPlan) -> None:
    ks, tn = table.keyspace, table.name
    seen: set[str] = set()
    for a in stmt.assignments:
        col = table.column(a.column)
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
            if not (t.is_counter or t.multi_cell):
                sign = "-" if a.kind == "subtract" else "+"
                raise InvalidRequest(f"Invalid operation ({col.name} = {col.name} {sign} ?) for non counter column "
                                     f"{col.name}")
            if a.kind == "prepend" and t.name != "list":
                raise InvalidRequest(f"Invalid operation ({col.name} = ? + {col.name}) for non list column {col.name}")
            vr = r
            if a.kind == "subtract" and t.name == "map":
                vr = r.renamed(col.name, set_of(t.params[0]))
            fn = compiler.term(a.value, vr)
            op = op_subtract(fn) if a.kind == "subtract" else op_add(fn, prepend=a.kind == "prepend")
        elif a.kind == "element":
            if t.name not in ("list", "map") or not t.multi_cell:
                raise InvalidRequest(f"Invalid operation ({col.name}[?] = ?) for non list/map column {col.name}"
                                     if t.name not in ("list", "map") else
                                     f"Invalid operation ({col.name}[?] = ?) for frozen collection column {col.name}")
            kt = INT if t.name == "list" else t.params[0]
            key_fn = compiler.term(a.key, r.renamed("idx(" + col.name + ")" if t.name == "list" else f"key({col.name})", kt))  # type: ignore[arg-type]
            vt = t.params[0] if t.name == "list" else t.params[1]
            op = op_element(key_fn, compiler.term(a.value, r.renamed(f"value({col.name})", vt)))
        else:  # field
            if t.name != "udt" or not t.multi_cell:
                raise InvalidRequest(f"Invalid operation ({col.name}.{a.field} = ?) for "
                                     f"{'frozen UDT' if t.name == 'udt' else 'non-UDT'} column {col.name}")
            if a.field not in t.field_names:
                raise InvalidRequest(f"UDT column {col.name} does not have a field named {a.field}")
            idx = t.field_names.index(a.field)  # type: ignore[arg-type]
            op = op_field(idx, compiler.term(a.value, r.renamed(f"{col.name}.{a.field}", t.params[idx])))
        plan.ops.append((col, _bind(op, col)))
    if table.is_counter and any(not c.type.is_counter for c, _ in plan.ops):
        raise InvalidRequest("Cannot mix counter and non counter columns in the same table")


def _compile_delete_targets(compiler: Compiler, table: Table, stmt: ast.Delete, plan: ModifyPlan) -> None:
    ks, tn = table.keyspace, table.name
    for target in stmt.targets:
        col = table.column(target.column)
        if col.is_primary_key:
            raise InvalidRequest(f"Invalid identifier {col.name} for deletion (should not be a PRIMARY KEY part)")
        r = Receiver(ks, tn, col.name, col.type)
        if target.key is not None:
            t = col.type
            if not t.multi_cell or t.name not in ("list", "map", "set"):
                raise InvalidRequest(f"Invalid operation ({col.name}[?]) for deletion: {col.name} is not a "
                                     "non-frozen collection")
            kt = INT if t.name == "list" else t.params[0]
            op = op_element(compiler.term(target.key, r.renamed(f"key({col.name})", kt)), None)
        elif target.field is not None:
            t = col.type
            if t.name != "udt" or not t.multi_cell or target.field not in t.field_names:
                raise InvalidRequest(f"Invalid field deletion {col.name}.{target.field}")
            op = op_field(t.field_names.index(target.field), None)
        else:
            op = op_delete()
        plan.ops.append((col, _bind(op, col)))


def lwt_result(plans: list[tuple[ModifyPlan, LiveRow | None]], applied: bool) -> Rows:
    """One result row per conditional statement, in statement order (ScyllaDB)."""
    spec: list[ColumnSpec] = []
    rows = []
    for plan, current in plans:
        spec, row = plan.lwt_columns(current, applied)
        rows.append(row)
    return Rows(spec, rows)
