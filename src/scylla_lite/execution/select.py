"""SELECT: compile the select list and WHERE clause once, then stream rows in token
and clustering order into pages.
"""

from __future__ import annotations

import decimal
import itertools
import json
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..catalog import Table
from ..cql import ast
from ..errors import InvalidRequest
from ..requests import UNSET
from ..results import ColumnSpec, Rows
from ..storage import NO_DELETION, partition_key_bytes, token_of
from ..types import CqlType, Desc, native
from . import functions
from .read import LiveRow, clustering_sort_key, partition_rows
from .terms import Compiler, Execution, Receiver
from .where import Where, check_select_restrictions, compile_where, matches, matches_clustering

BIGINT, INT, TEXT = native("bigint"), native("int"), native("text")
AGGREGATES = {"count", "min", "max", "sum", "avg"}

SelectorFn = Callable[[LiveRow, Execution], Any]


@dataclass
class Output:
    name: str
    type: CqlType
    fn: SelectorFn
    aggregate: str | None = None  # count/min/max/sum/avg over ``fn``
    count_star: bool = False


def _selector_name(sel: ast.Selector) -> str:
    if isinstance(sel, ast.ColumnSelector):
        return sel.name
    if isinstance(sel, ast.StarSelector):
        return "*"
    if isinstance(sel, ast.FunctionSelector):
        return f"{sel.keyspace + '.' if sel.keyspace else 'system.'}{sel.name}({', '.join(_selector_name(a) for a in sel.args)})"
    if isinstance(sel, ast.CastSelector):
        return f"cast({_selector_name(sel.selector)} as {sel.type.name})"
    if isinstance(sel, ast.FieldSelector):
        return f"{_selector_name(sel.selector)}.{sel.field}"
    if isinstance(sel, ast.ElementSelector):
        return f"{_selector_name(sel.selector)}[...]"
    return "literal"


class SelectPlan:
    """A compiled SELECT; `run` is called per execution (per page)."""

    def __init__(self, compiler: Compiler, table: Table, stmt: ast.Select) -> None:
        self.table = table
        self.stmt = stmt
        self.where: Where = compile_where(compiler, table, stmt.where)
        self.filtering = check_select_restrictions(table, self.where, stmt.allow_filtering)
        self.outputs = self._compile_selection(compiler, stmt)
        self.aggregating = any(o.aggregate for o in self.outputs)
        self.group_by = [table.column(c) for c in stmt.group_by]
        self.post_order: list[tuple[Any, bool]] = []  # ORDER BY over an IN on the partition key
        self._check_group_by()
        self.reverse = self._ordering()
        limit_r = Receiver(table.keyspace, table.name, "[limit]", INT)
        self.limit = compiler.term(stmt.limit, limit_r) if stmt.limit is not None else None
        pp_r = Receiver(table.keyspace, table.name, "[per_partition_limit]", INT)
        self.per_partition_limit = (
            compiler.term(stmt.per_partition_limit, pp_r) if stmt.per_partition_limit is not None else None
        )
        if stmt.distinct:
            self._check_distinct()
        self.columns = [ColumnSpec(table.keyspace, table.name, o.name, o.type.codec) for o in self.outputs]
        if stmt.json:
            self.columns = [ColumnSpec(table.keyspace, table.name, "[json]", TEXT.codec)]

    # ------------------------------------------------------------------ compile
    def _compile_selection(self, compiler: Compiler, stmt: ast.Select) -> list[Output]:
        table = self.table
        if stmt.selections is None:
            return [Output(c.name, c.type, _column_fn(c.name)) for c in table.star_columns]
        outputs = []
        for selection in stmt.selections:
            out = self._selector(compiler, selection.selector)
            if selection.alias:
                out.name = selection.alias
            outputs.append(out)
        return outputs

    def _selector(self, compiler: Compiler, sel: ast.Selector) -> Output:
        table = self.table
        if isinstance(sel, ast.ColumnSelector):
            col = table.column(sel.name, Table.SELECTED)
            return Output(col.name, col.type, _column_fn(col.name))
        if isinstance(sel, ast.FunctionSelector):
            name = sel.name
            if (
                name == "count"
                and len(sel.args) == 1
                and (
                    isinstance(sel.args[0], ast.StarSelector)
                    or (
                        isinstance(sel.args[0], ast.TermSelector)
                        and isinstance(sel.args[0].term, ast.Literal)
                    )
                )
            ):
                return Output("count", BIGINT, lambda r, ex: b"", aggregate="count", count_star=True)
            if name in AGGREGATES:
                if len(sel.args) != 1:
                    raise InvalidRequest(f"Invalid number of arguments in call to function system.{name}")
                inner = self._selector(compiler, sel.args[0])
                rtype = BIGINT if name == "count" else inner.type
                if name in ("sum", "avg") and inner.type.name not in (
                    "int",
                    "bigint",
                    "smallint",
                    "tinyint",
                    "varint",
                    "float",
                    "double",
                    "decimal",
                    "counter",
                ):
                    raise InvalidRequest(
                        f"Invalid call to function {name}, none of its type signatures match"
                    )
                return Output(f"system.{name}({inner.name})", rtype, inner.fn, aggregate=name)
            if name in ("writetime", "ttl"):
                arg = sel.args[0] if sel.args else None
                if not isinstance(arg, ast.ColumnSelector):
                    raise InvalidRequest(f"Invalid arguments for {name}: a column is required")
                col = table.column(arg.name, Table.SELECTED)
                if col.is_primary_key:
                    raise InvalidRequest(
                        f"Cannot use selection function {name} on PRIMARY KEY part {col.name}"
                    )
                if col.type.multi_cell:
                    raise InvalidRequest(
                        f"Cannot use selection function {name} on non-frozen collection {col.name}"
                    )
                if col.type.is_counter:
                    raise InvalidRequest(f"Cannot use selection function {name} on counter column {col.name}")
                cname = col.name
                if name == "writetime":
                    return Output(
                        f"writetime({cname})",
                        BIGINT,
                        lambda r, ex: BIGINT.encode(r.cells[cname].ts) if cname in r.cells else None,
                    )

                def ttl_fn(r: LiveRow, ex: Execution) -> Any:
                    cell = r.cells.get(cname)
                    if cell is None or not cell.expires:
                        return None
                    return INT.encode(max(0, cell.expires - ex.now_micros // 1_000_000))

                return Output(f"ttl({cname})", INT, ttl_fn)
            if name == "token":
                cols = [c.name for c in table.partition_key]
                if [a.name for a in sel.args if isinstance(a, ast.ColumnSelector)] != cols:
                    raise InvalidRequest(
                        f"Invalid arguments for token: must be the partition key ({', '.join(cols)})"
                    )
                return Output(
                    f"system.token({', '.join(cols)})", BIGINT, lambda r, ex: BIGINT.encode(r.partition.token)
                )
            if name == "tojson":
                inner = self._selector(compiler, sel.args[0])
                return Output(
                    f"system.tojson({inner.name})",
                    TEXT,
                    lambda r, ex: TEXT.encode(json.dumps(to_json_value(inner.type, inner.fn(r, ex)))),
                )
            impl, fn_type, arity = functions.lookup(name)
            args = [self._selector(compiler, a) for a in sel.args]
            if len(args) != arity:
                raise InvalidRequest(
                    f"Invalid number of arguments in call to function system.{name}: "
                    f"{arity} required but {len(args)} provided"
                )
            result_type = fn_type or (args[0].type if args else BIGINT)

            def call(r: LiveRow, ex: Execution) -> Any:
                return impl(ex, [(a.type, a.fn(r, ex)) for a in args])[1]

            return Output(_selector_name(sel), result_type, call)
        if isinstance(sel, ast.CastSelector):
            inner = self._selector(compiler, sel.selector)
            target = compiler.catalog.resolve_type(sel.type, table.keyspace)
            return Output(
                _selector_name(sel), target, lambda r, ex: cast(inner.type, target, inner.fn(r, ex))
            )
        if isinstance(sel, ast.FieldSelector):
            inner = self._selector(compiler, sel.selector)
            if inner.type.name != "udt":
                raise InvalidRequest(
                    f"Invalid field selection: {inner.name} of type {inner.type.cql()} is not a user type"
                )
            if sel.field not in inner.type.field_names:
                raise InvalidRequest(f"{inner.type.udt_name} has no field {sel.field}")
            idx = inner.type.field_names.index(sel.field)
            from .terms import split_fields

            count = len(inner.type.params)
            return Output(
                f"{inner.name}.{sel.field}",
                inner.type.params[idx],
                lambda r, ex: None if (v := inner.fn(r, ex)) is None else split_fields(v, count)[idx],
            )
        if isinstance(sel, ast.TermSelector):
            raise InvalidRequest("Literal terms are not supported in the select list yet")
        raise InvalidRequest(f"Unsupported selector {_selector_name(sel)}")

    def _check_group_by(self) -> None:
        if not self.group_by:
            return
        pk = self.table.partition_key + self.table.clustering
        for i, col in enumerate(self.group_by):
            if i >= len(pk) or pk[i].name != col.name:
                raise InvalidRequest(
                    "Group by currently only support groups of columns following their declared "
                    "order in the PRIMARY KEY"
                )

    def _check_distinct(self) -> None:
        for o in self.outputs:
            col = self.table.columns.get(o.name)
            if col is not None and col.kind not in ("partition_key", "static"):
                raise InvalidRequest(
                    f"SELECT DISTINCT queries must only request partition key columns and/or "
                    f"static columns (not {col.name})"
                )

    def _ordering(self) -> bool:
        order = self.stmt.order_by
        if self.stmt.ann is not None:
            raise InvalidRequest("ANN ordering is not supported on this table")
        if not order:
            return False
        ck = self.table.clustering
        if not self.where.partition:
            raise InvalidRequest(
                "ORDER BY is only supported when the partition key is restricted by an EQ or an IN."
            )
        cols = []
        for name, asc in order:
            col = self.table.column(name, "Order by on unknown column {name}")
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
        # ScyllaDB: every clustering column up to the last ordered one is either ordered, all in
        # the same direction relative to the table's order, or restricted by EQ
        reverse = cols[0][1] != cols[0][0].ascending
        ordered = {c.position: (c, asc) for c, asc in cols}
        eq = {c.name for r in self.where.clustering if r.op == "=" for c in r.columns}
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
        self.post_order = (
            [(c, asc) for c, asc in cols] if any(r.op == "IN" for r in self.where.partition) else []
        )
        return reverse

    # ------------------------------------------------------------------ run
    def _partitions(self, ex: Execution, start: tuple[int, bytes] | None) -> Iterator[Any]:
        data = self.table.data
        keys = self.where.partition_keys(self.table, ex) if self.where.partition else None
        if keys is not None:
            parts = [p for k in keys if (p := data.partition(k)) is not None]
            parts.sort(key=lambda p: (p.token, partition_key_bytes(p.key)))
            for p in parts:
                if start is None or (p.token, partition_key_bytes(p.key)) >= start:
                    yield p
            return
        lo, hi = -(2**63), 2**63 - 1
        lo_incl = hi_incl = True
        for r in self.where.token:
            raw = r.values(ex)[0]
            if raw is None:
                raise InvalidRequest("Invalid null value for partition key token")
            v = BIGINT.decode(raw)
            if r.op in (">", ">=") and (v > lo or (v == lo and r.op == ">")):
                lo, lo_incl = v, r.op == ">="
            elif r.op in ("<", "<=") and (v < hi or (v == hi and r.op == "<")):
                hi, hi_incl = v, r.op == "<="
            elif r.op == "=":
                lo = hi = v
        begin: tuple[int, bytes] = (lo, b"")
        if start is not None and start > begin:
            begin = start
        for p in data.scan(begin):
            if p.token < lo or (p.token == lo and not lo_incl):
                continue
            if p.token > hi or (p.token == hi and not hi_incl):
                break
            yield p

    def _row_ok(
        self,
        r: LiveRow,
        ex: Execution,
        cvals: list[tuple[Any, list[Any]]],
        ovals: list[tuple[Any, list[Any]]],
    ) -> bool:
        if r.clustering is None:
            if cvals:
                return False
        else:
            for restriction, vals in cvals:
                if not matches_clustering(restriction, r.clustering, self.table.clustering, ex, vals):
                    return False
        for restriction, vals in ovals:
            if not matches(restriction, r.values.get(restriction.column.name), ex, vals):
                return False
        return True

    def rows(self, ex: Execution, start: PageState | None = None) -> Iterator[tuple[LiveRow, int]]:
        """Matching live rows with their index within their partition."""
        cvals = [(r, r.values(ex)) for r in self.where.clustering]
        ovals = [(r, r.values(ex)) for r in self.where.others]
        ppl = self._int(self.per_partition_limit, ex, "PER PARTITION LIMIT")
        start_pos = (start.token, start.key) if start else None
        for part in self._partitions(ex, start_pos):
            if part.deleted == NO_DELETION and not part.rows and not self.table.static_columns:
                continue
            resume = None
            seen = 0
            if start is not None and (part.token, partition_key_bytes(part.key)) == start_pos:
                if start.clustering is None:
                    continue  # that partition was finished
                resume = clustering_sort_key(self.table, start.clustering)
                seen = start.seen
            for r in partition_rows(self.table, part, ex.now_micros // 1_000_000, self.reverse, resume):
                if not self._row_ok(r, ex, cvals, ovals):
                    continue
                if ppl is not None and seen >= ppl:
                    break
                yield r, seen
                seen += 1
                if self.stmt.distinct:
                    break

    def _int(self, fn: Any, ex: Execution, what: str) -> int | None:
        if fn is None:
            return None
        raw = fn(ex)
        if raw is UNSET:  # an unset LIMIT means no limit
            return None
        if raw is None:
            raise InvalidRequest("Invalid null value of limit")
        n = INT.decode(raw)
        if n <= 0:
            raise InvalidRequest(f"{what} must be strictly positive")
        return int(n)

    def run(self, ex: Execution, page_size: int | None, paging_state: bytes | None) -> Rows:
        limit = self._int(self.limit, ex, "LIMIT")
        if self.aggregating or self.group_by:
            return Rows(self.columns, self._aggregate(ex, limit))
        if self.post_order:
            return self._post_ordered(ex, page_size, limit)
        start = PageState.decode(paging_state) if paging_state else None
        remaining = start.remaining if start and start.remaining >= 0 else limit
        out: list[list[bytes | None]] = []
        last: tuple[LiveRow, int] | None = None
        more = False
        for r, seen in self.rows(ex, start):
            if remaining is not None and remaining <= 0:
                break
            if page_size is not None and len(out) >= page_size:
                more = True
                break
            out.append(self._project(r, ex))
            last = (r, seen + 1)
            if remaining is not None:
                remaining -= 1
        state = None
        if more and last is not None:
            r, seen = last
            state = PageState(
                r.partition.token,
                partition_key_bytes(r.partition.key),
                r.clustering,
                seen,
                -1 if remaining is None else remaining,
            ).encode()
            if self.stmt.distinct:
                state = PageState(
                    r.partition.token,
                    partition_key_bytes(r.partition.key),
                    None,
                    seen,
                    -1 if remaining is None else remaining,
                ).encode()
        return Rows(self.columns, out, paging_state=state)

    def _post_ordered(self, ex: Execution, page_size: int | None, limit: int | None) -> Rows:
        """ORDER BY with IN on the partition key: rows of all partitions sorted together
        (Cassandra's post-query ordering), which cannot be paged."""
        if page_size is not None and self._may_need_paging(ex, page_size):
            raise InvalidRequest(
                "Cannot page queries with both ORDER BY and a IN restriction on the partition key; "
                "you must either remove the ORDER BY or the IN and sort client side, or disable "
                "paging for this query"
            )

        def key(r: LiveRow) -> tuple[Any, ...]:
            out = []
            for col, asc in self.post_order:
                k = col.type.sort_key(r.values[col.name])
                out.append(k if asc else Desc(k))
            return tuple(out)

        rows = sorted((r for r, _ in self.rows(ex)), key=key)
        if limit is not None:
            rows = rows[:limit]
        return Rows(self.columns, [self._project(r, ex) for r in rows])

    def _may_need_paging(self, ex: Execution, page_size: int) -> bool:
        """ScyllaDB pages unless the key restrictions name at most a page of single rows."""
        keys = self.where.partition_keys(self.table, ex) or []
        by_col = {r.column.name: r for r in self.where.clustering if r.op in ("=", "IN") and not r.multi}
        if any(c.name not in by_col for c in self.table.clustering):
            return True
        rows = len(keys)
        for c in self.table.clustering:
            rows *= len(by_col[c.name].values(ex))
        return rows > page_size

    def _project(self, r: LiveRow, ex: Execution) -> list[bytes | None]:
        values = [o.fn(r, ex) for o in self.outputs]
        if self.stmt.json:
            obj = {
                o.name if o.name.islower() or not o.name.isidentifier() else f'"{o.name}"': to_json_value(
                    o.type, v
                )
                for o, v in zip(self.outputs, values)
            }
            return [TEXT.encode(json.dumps(obj, separators=(", ", ": ")))]
        return values

    def _aggregate(self, ex: Execution, limit: int | None) -> list[list[bytes | None]]:
        groups: dict[Any, list[Any]] = {}
        order: list[Any] = []
        for r, _ in self.rows(ex):
            if self.group_by:
                gkey = tuple(r.values.get(c.name) for c in self.group_by)
            else:
                gkey = ()
            state = groups.get(gkey)
            if state is None:
                state = groups[gkey] = [_AggState(o) for o in self.outputs] + [r]
                order.append(gkey)
            for s in state[:-1]:
                s.add(r, ex)
        if not groups and not self.group_by:
            groups[()] = [_AggState(o) for o in self.outputs] + [None]
            order.append(())
        rows = []
        for gkey in order:
            state = groups[gkey]
            rows.append([s.result() for s in state[:-1]])
            if limit is not None and len(rows) >= limit:
                break
        if self.stmt.json:
            rows = [
                [
                    TEXT.encode(
                        json.dumps({o.name: to_json_value(o.type, v) for o, v in zip(self.outputs, row)})
                    )
                ]
                for row in rows
            ]
        return rows


class _AggState:
    def __init__(self, out: Output) -> None:
        self.out = out
        self.count = 0
        self.acc: Any = None
        self.first: Any = None
        self.seen_first = False

    def add(self, r: LiveRow, ex: Execution) -> None:
        o = self.out
        if o.count_star:
            self.count += 1
            return
        v = o.fn(r, ex)
        if not o.aggregate:
            if not self.seen_first:
                self.first, self.seen_first = v, True
            return
        if v is None:
            return
        self.count += 1
        if o.aggregate == "count":
            return
        if o.aggregate in ("min", "max"):
            key = o.type.sort_key(v)
            if self.acc is None or (key < self.acc[0] if o.aggregate == "min" else key > self.acc[0]):
                self.acc = (key, v)
            return
        value = o.type.decode(v)
        self.acc = value if self.acc is None else self.acc + value

    def result(self) -> bytes | None:
        o = self.out
        if o.count_star or o.aggregate == "count":
            return BIGINT.encode(self.count)
        if not o.aggregate:
            return self.first  # type: ignore[no-any-return]
        if o.aggregate in ("min", "max"):
            return None if self.acc is None else self.acc[1]
        zero: Any = decimal.Decimal(0) if o.type.name == "decimal" else 0
        total = self.acc if self.acc is not None else zero
        if o.aggregate == "sum":
            return o.type.encode(_wrap(o.type, total))
        if self.count == 0:
            return o.type.encode(zero if o.type.name not in ("float", "double") else 0.0)
        if o.type.name in ("float", "double"):
            return o.type.encode(total / self.count)
        if o.type.name == "decimal":
            return o.type.encode(total / self.count)
        return o.type.encode(_wrap(o.type, int(total / self.count)))


def _wrap(t: CqlType, n: Any) -> Any:
    """Integer aggregates overflow like Java's fixed-width arithmetic."""
    bits = {"tinyint": 8, "smallint": 16, "int": 32, "bigint": 64, "counter": 64}.get(t.name)
    if bits is None or not isinstance(n, int):
        return n
    n &= (1 << bits) - 1
    return n - (1 << bits) if n >= 1 << (bits - 1) else n


def _column_fn(name: str) -> SelectorFn:
    return lambda r, ex: r.values.get(name)


def cast(src: CqlType, dst: CqlType, data: bytes | None) -> bytes | None:
    """CAST between native types, following Cassandra's conversion table."""
    if data is None:
        return None
    if src == dst:
        return data
    value = src.decode(data)
    if dst.name in ("text", "ascii"):
        return dst.encode(_cql_text(src, value))
    try:
        if dst.name in ("int", "bigint", "smallint", "tinyint", "varint"):
            return dst.encode(_wrap(dst, int(value)))
        if dst.name in ("float", "double"):
            return dst.encode(float(value))
        if dst.name == "decimal":
            return dst.encode(decimal.Decimal(str(value)))
    except (TypeError, ValueError) as exc:
        raise InvalidRequest(f"Cannot cast {src.cql()} to {dst.cql()}: {exc}") from None
    if dst.name in ("timestamp", "date") and src.name in ("timeuuid", "timestamp", "date"):
        fn = functions.FIXED["totimestamp" if dst.name == "timestamp" else "todate"][0]
        return fn(Execution([], 0), [(src, data)])[1]  # type: ignore[no-any-return]
    raise InvalidRequest(f"{src.cql()} cannot be cast to {dst.cql()}")


def _cql_text(t: CqlType, value: Any) -> str:
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_json_value(t: CqlType, data: bytes | None) -> Any:
    """A value as Cassandra's toJson renders it."""
    if data is None:
        return None
    v = t.decode(data)
    return _json_of(t, v)


def _json_of(t: CqlType, v: Any) -> Any:
    import datetime as dt
    import uuid as uuid_mod

    if v is None:
        return None
    name = t.name
    if name in ("int", "bigint", "smallint", "tinyint", "varint", "counter", "boolean", "text", "ascii"):
        return v
    if name in ("float", "double"):
        return v
    if name == "decimal":
        return float(v)
    if name == "blob":
        return "0x" + bytes(v).hex()
    if name == "timestamp":
        return (
            (v.strftime("%Y-%m-%d %H:%M:%S.") + f"{v.microsecond // 1000:03d}Z")
            if isinstance(v, dt.datetime)
            else v
        )
    if isinstance(v, uuid_mod.UUID) or name in ("date", "time", "inet", "duration"):
        return str(v)
    if name in ("list", "set", "vector"):
        return [_json_of(t.params[0], x) for x in v]
    if name == "map":
        return {
            str(_json_of(t.params[0], k))
            if not isinstance(_json_of(t.params[0], k), str)
            else _json_of(t.params[0], k): _json_of(t.params[1], x)
            for k, x in v.items()
        }
    if name == "tuple":
        return [_json_of(p, x) for p, x in zip(t.params, v)]
    if name == "udt":
        return {f: _json_of(p, getattr(v, f, None)) for f, p in zip(t.field_names, t.params)}
    return str(v)


@dataclass
class PageState:
    """Where the next page starts: after row ``clustering`` of partition (token, key);
    ``clustering`` None means after the whole partition. ``seen`` counts rows already
    returned from that partition (PER PARTITION LIMIT); ``remaining`` the LIMIT left
    (-1: none)."""

    token: int
    key: bytes
    clustering: tuple[bytes, ...] | None
    seen: int
    remaining: int

    def encode(self) -> bytes:
        out = bytearray(struct.pack(">qiii", self.token, self.seen, self.remaining, len(self.key)))
        out += self.key
        if self.clustering is None:
            out += struct.pack(">i", -1)
        else:
            out += struct.pack(">i", len(self.clustering))
            for v in self.clustering:
                out += struct.pack(">i", len(v)) + v
        return bytes(out)

    @classmethod
    def decode(cls, data: bytes) -> PageState:
        try:
            token, seen, remaining, klen = struct.unpack_from(">qiii", data, 0)
            pos = 20
            key = data[pos : pos + klen]
            pos += klen
            (n,) = struct.unpack_from(">i", data, pos)
            pos += 4
            clustering: tuple[bytes, ...] | None = None
            if n >= 0:
                parts = []
                for _ in range(n):
                    (size,) = struct.unpack_from(">i", data, pos)
                    parts.append(data[pos + 4 : pos + 4 + size])
                    pos += 4 + size
                clustering = tuple(parts)
            if pos != len(data) or len(key) != klen:
                raise ValueError("trailing bytes")
            return cls(token, key, clustering, seen, remaining)
        except (struct.error, ValueError):
            raise InvalidRequest("Invalid value for the paging state") from None


def token_for(values: tuple[bytes, ...]) -> int:
    return token_of(values)
