"""SELECT: compile the select list and WHERE clause once, then stream rows in token
and clustering order into pages.
"""

from __future__ import annotations

import bisect
import decimal
import itertools
import math
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from .. import cqljson
from ..catalog import Table
from ..cql import ast
from ..errors import CqlError, InvalidRequest
from ..protocol.types import cass_type_name
from ..requests import UNSET
from ..results import ColumnSpec, Rows
from ..storage import NO_DELETION, partition_key_bytes, position_of, token_of
from ..types import INT_BITS, CqlType, Desc, integer_text, native
from . import functions, vectors
from .indexes import indexed_rows, plan_index
from .read import LiveRow, clustering_sort_key, partition_rows
from .terms import Compiler, Execution, Receiver, token_value
from .where import FILTERING_MSG, Where, check_select_restrictions, compile_where, matches, matches_clustering

BIGINT, INT, TEXT, FLOAT = native("bigint"), native("int"), native("text"), native("float")
SIMILARITY_FUNCTIONS = ("similarity_cosine", "similarity_euclidean", "similarity_dot_product")
AGGREGATES = {"count", "min", "max", "sum", "avg"}

SelectorFn = Callable[[LiveRow, Execution], Any]


@dataclass
class Output:
    """One selector: ``fn`` gives its value for a row. A selector that aggregates (an
    aggregate function, or a function of one) has ``acc``, a factory of accumulators
    that see every row of a group; ``columns`` are the table columns it reads."""

    name: str
    type: CqlType
    fn: SelectorFn
    aggregate: str | None = None  # count/min/max/sum/avg over ``fn``
    count_star: bool = False
    acc: Callable[[], Accumulator] | None = None
    columns: tuple[str, ...] = ()

    def accumulator(self) -> Accumulator:
        """What the selector keeps over a group: a plain column keeps its first row's value."""
        return self.acc() if self.acc is not None else _First(self.fn)


@dataclass
class _AnnPlan:
    """``ORDER BY column ANN OF vector``: the column, its vector index, the query vector."""

    column: Any
    index: Any
    vector: Callable[[Execution], Any]


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
        self.ann: _AnnPlan | None = None
        if stmt.ann is not None:  # ScyllaDB prepares the ANN ordering before the restrictions
            self.ann = self._ann_plan(compiler, stmt.ann)
            self.filtering, self.index_plan = False, None
        else:
            self.filtering = check_select_restrictions(table, self.where, stmt.allow_filtering)
            self.index_plan = plan_index(table, self.where, stmt.allow_filtering)  # a secondary index to read
        self.positions = self._constant_positions()
        self.outputs = self._compile_selection(compiler, stmt)
        self.aggregating = any(o.acc is not None for o in self.outputs)
        self.post_order: list[tuple[Any, bool]] = []  # ORDER BY over an IN on the partition key
        if stmt.distinct:
            self._check_distinct()
        # GROUP BY: rows sharing the values of the first ``group_size`` key columns form a group
        self.group_by = (table.partition_key + table.clustering)[: self._group_size()]
        self.reverse = self._ordering()
        limit_r = Receiver(table.keyspace, table.name, "[limit]", INT)
        self.limit = compiler.term(stmt.limit, limit_r) if stmt.limit is not None else None
        pp_r = Receiver(table.keyspace, table.name, "[per_partition_limit]", INT)
        self.per_partition_limit = (
            compiler.term(stmt.per_partition_limit, pp_r) if stmt.per_partition_limit is not None else None
        )
        self.columns = [ColumnSpec(table.keyspace, table.name, o.name, o.type.codec) for o in self.outputs]
        if self.ann is not None:
            if stmt.limit is None:
                raise InvalidRequest("Vector ANN queries must have a limit specified")
            if stmt.per_partition_limit is not None:
                raise InvalidRequest("Vector ANN queries do not support per-partition limits")
            if self.aggregating or self.group_by:
                raise InvalidRequest("Vector ANN queries cannot be run with aggregation")
        if stmt.json:
            self.columns = [ColumnSpec(table.keyspace, table.name, "[json]", TEXT.codec)]

    # ------------------------------------------------------------------ compile
    def _ann_plan(self, compiler: Compiler, ann: ast.AnnOrdering) -> _AnnPlan:
        """ScyllaDB's get_ann_ordering_info and vector_indexed_table_select_statement's
        checks, in their order (LIMIT's come once the selection is compiled)."""
        table = self.table
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
            raise InvalidRequest(
                "ANN ordering by vector requires the column to be indexed using 'vector_index'"
            )
        refused = InvalidRequest("ANN ordering by vector does not support filtering")
        if self.stmt.allow_filtering:
            raise refused
        try:
            if check_select_restrictions(table, self.where, False) or plan_index(table, self.where, False):
                raise refused
        except InvalidRequest as exc:
            if exc is refused or str(exc) == FILTERING_MSG or str(exc).startswith("PRIMARY KEY column"):
                raise refused from None
            raise
        return _AnnPlan(col, index, vector)

    def _similarity(self, compiler: Compiler, sel: ast.FunctionSelector) -> Output:
        """similarity_cosine/euclidean/dot_product(a, b) of two float vectors (a column, a
        list literal or a bind marker): ScyllaDB's retrieve_vector_arg_types, then the
        value as Cassandra computes it."""
        table = self.table
        fname = f"system.{sel.name}"
        if len(sel.args) != 2:
            raise InvalidRequest(
                f"Invalid number of arguments for function {fname}(vector<float, n>, vector<float, n>)"
            )
        dims: list[int | None] = []
        for a in sel.args:
            if isinstance(a, ast.ColumnSelector):
                col = table.column(a.name, Table.SELECTED)
                if not vectors.is_float_vector(col.type):
                    raise InvalidRequest(
                        f"Function {fname} requires a float vector argument, but found {col.name} "
                        f"of type {col.type.cql()}"
                    )
                dims.append(col.type.size)
            elif isinstance(a, ast.TermSelector):
                dims.append(len(a.term.items) if isinstance(a.term, ast.ListLiteral) else None)
            else:
                inner = self._selector(compiler, a)
                if not vectors.is_float_vector(inner.type):
                    raise InvalidRequest(
                        f"Function {fname} requires a float vector argument, but found {inner.name} "
                        f"of type {inner.type.cql()}"
                    )
                dims.append(inner.type.size)
        known = [d for d in dims if d is not None]
        if not known:
            raise InvalidRequest(
                f"Cannot infer type of argument {_selector_name(sel.args[0])} for function "
                f"{fname}(vector<float, n>, vector<float, n>)"
            )
        if len(known) == 2 and known[0] != known[1]:
            raise InvalidRequest(
                f"All arguments must have the same vector dimensions, but found vector<float, {known[0]}> "
                f"and vector<float, {known[1]}>"
            )
        dim = known[0]
        vtype = CqlType("vector", (FLOAT,), frozen=True, size=dim)
        args: list[Output] = []
        for i, a in enumerate(sel.args):
            if isinstance(a, ast.TermSelector):
                fn = compiler.term(a.term, Receiver(table.keyspace, table.name, f"{fname}(arg{i})", vtype))
                args.append(Output("literal", vtype, _term_fn(fn)))
            else:
                args.append(self._selector(compiler, a))
        metric = sel.name[len("similarity_") :]

        def combine(ex: Execution, vals: list[Any]) -> bytes | None:
            if any(not isinstance(v, bytes) for v in vals):
                return None
            a, b = (vectors.decode_vector(v, dim) for v in vals)
            if a is None or b is None:
                raise InvalidRequest(f"Invalid vector size: expected {4 * dim} bytes for {dim} floats")
            return FLOAT.encode(vectors.similarity(metric, a, b))

        return _lifted(Output(_selector_name(sel), FLOAT, lambda r, ex: None), args, combine)

    def _compile_selection(self, compiler: Compiler, stmt: ast.Select) -> list[Output]:
        table = self.table
        if stmt.selections is None:
            return [Output(c.name, c.type, _column_fn(c.name), columns=(c.name,)) for c in table.star_columns]
        outputs = []
        for selection in stmt.selections:
            out = self._selector(compiler, selection.selector)
            if selection.alias:
                out.name = selection.alias
            outputs.append(out)
        return outputs

    def _selector(self, compiler: Compiler, sel: ast.Selector) -> Output:
        out = self._selector_of(compiler, sel)
        out.columns = tuple(dict.fromkeys(_columns_read(sel)))
        return out

    def _selector_of(self, compiler: Compiler, sel: ast.Selector) -> Output:
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
                return Output(
                    "count",
                    BIGINT,
                    lambda r, ex: b"",
                    aggregate="count",
                    count_star=True,
                    acc=lambda: _Aggregate("count", BIGINT, _column_fn(""), count_star=True),
                )
            if name in AGGREGATES:
                if len(sel.args) != 1:
                    raise InvalidRequest(f"Invalid number of arguments in call to function system.{name}")
                inner = self._selector(compiler, sel.args[0])
                if inner.acc is not None:
                    raise InvalidRequest(
                        "aggregate functions cannot be used as arguments of aggregate functions"
                    )
                rtype = BIGINT if name == "count" else inner.type
                if name in ("sum", "avg") and inner.type.name not in SUMMABLE:
                    known = ", ".join(f"system.{name} : ({t}) -> {t}" for t in SUMMABLE if t != "counter")
                    raise InvalidRequest(
                        f"Invalid call to function {name}, none of its type signatures match "
                        f"(known type signatures: {known})"
                    )
                in_type, in_fn = inner.type, inner.fn
                return Output(
                    f"system.{name}({inner.name})",
                    rtype,
                    inner.fn,
                    aggregate=name,
                    acc=lambda: _Aggregate(name, in_type, in_fn),
                )
            if name in ("writetime", "ttl"):
                arg = sel.args[0] if sel.args else None
                if not isinstance(arg, ast.ColumnSelector):
                    raise InvalidRequest(f"Invalid arguments for {name}: a column is required")
                col = table.column(arg.name, Table.SELECTED)
                # ScyllaDB's prepare_column_mutation_attribute, clustering columns included
                shown = col.name if re.fullmatch(r"[a-z_][a-z0-9_]*", col.name) else f'"{col.name}"'
                if col.type.multi_cell:
                    raise InvalidRequest(
                        f"{name.upper()} expects an atomic column, but {shown} is a non-frozen collection"
                    )
                if col.is_primary_key:
                    raise InvalidRequest(f"{name.upper()} is not legal on partition key component {shown}")
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
            if name == "fromjson":
                raise InvalidRequest("fromJson() can only be called if receiver type is known")
            if name == "tojson":
                if len(sel.args) != 1:
                    raise InvalidRequest(
                        f"Invalid number of arguments in call to function system.tojson: "
                        f"1 required but {len(sel.args)} provided"
                    )
                inner = self._selector(compiler, sel.args[0])
                in_type = inner.type
                return _lifted(
                    Output(_selector_name(sel), TEXT, lambda r, ex: None),
                    [inner],
                    lambda ex, vals: TEXT.encode(cqljson.to_json(in_type, vals[0])),
                )
            if name in SIMILARITY_FUNCTIONS:
                return self._similarity(compiler, sel)
            impl, fn_type, arity = functions.lookup(name)
            args = [self._selector(compiler, a) for a in sel.args]
            if len(args) != arity:
                raise InvalidRequest(
                    f"Invalid number of arguments in call to function system.{name}: "
                    f"{arity} required but {len(args)} provided"
                )
            result_type = fn_type or (args[0].type if args else BIGINT)
            types = [a.type for a in args]
            return _lifted(
                Output(_selector_name(sel), result_type, lambda r, ex: None),
                args,
                lambda ex, vals: impl(ex, list(zip(types, vals)))[1],
            )
        if isinstance(sel, ast.CastSelector):
            inner = self._selector(compiler, sel.selector)
            target = compiler.catalog.resolve_type(sel.type, table.keyspace)
            src = inner.type
            if not castable(src, target):
                raise InvalidRequest(f"{marshal_name(src)} cannot be cast to {marshal_name(target)}")
            return _lifted(
                Output(_selector_name(sel), target, lambda r, ex: None),
                [inner],
                lambda ex, vals: cast(src, target, vals[0]),
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
            return _lifted(
                Output(f"{inner.name}.{sel.field}", inner.type.params[idx], lambda r, ex: None),
                [inner],
                lambda ex, vals: None if vals[0] is None else split_fields(vals[0], count)[idx],
            )
        if isinstance(sel, ast.TermSelector):
            raise InvalidRequest("Literal terms are not supported in the select list yet")
        raise InvalidRequest(f"Unsupported selector {_selector_name(sel)}")

    def _group_size(self) -> int:
        """How many primary-key columns a GROUP BY groups on (ScyllaDB's prepare_group_by):
        its columns must follow the key's order, skipping only columns the WHERE clause
        restricts by equality, and cover the whole partition key."""
        stmt, table = self.stmt, self.table
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

    def _check_distinct(self) -> None:
        """ScyllaDB's validate_distinct_selection: DISTINCT reads partitions (and their
        static rows), so only partition-level restrictions and columns make sense."""
        table, where = self.table, self.where
        if self.stmt.per_partition_limit is not None:
            raise InvalidRequest("PER PARTITION LIMIT is not allowed with SELECT DISTINCT queries")
        if where.clustering or any(r.column.kind != "partition_key" for r in where.others):
            raise InvalidRequest(
                "SELECT DISTINCT with WHERE clause only supports restriction by partition key."
            )
        selected = [name for o in self.outputs for name in o.columns]
        for name in selected:
            if table.columns[name].kind not in ("partition_key", "static"):
                raise InvalidRequest(
                    f"SELECT DISTINCT queries must only request partition key columns and/or "
                    f"static columns (not {name})"
                )
        if not where.partition:  # a range of partitions: every key column must be selected
            for c in table.partition_key:
                if c.name not in selected:
                    raise InvalidRequest(
                        f"SELECT DISTINCT queries must request all the partition key columns (missing {c.name})"
                    )

    def _ordering(self) -> bool:
        order = self.stmt.order_by
        if not order or self.ann is not None:
            return False
        ck = self.table.clustering
        if self.index_plan is not None:
            raise InvalidRequest("ORDER BY with 2ndary indexes is not supported.")
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
        positions = self._key_positions(ex) if self.where.partition else None
        if positions is not None:
            first = 0 if start is None else bisect.bisect_left(positions, start)
            for pos in itertools.islice(positions, first, None):
                if (p := data.partitions.get(pos)) is not None:
                    yield p
            return
        lo, hi = -(2**63), 2**63 - 1
        lo_incl = hi_incl = True
        for r in self.where.token:
            raw = r.values(ex)[0]
            if raw is None:
                raise InvalidRequest("Invalid null value for partition key token")
            v = token_value(raw)
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

    def _constant_positions(self) -> list[tuple[int, bytes]] | None:
        """`_key_positions` when the key is named by literals only: worked out once, when
        compiled (on a worker thread for a long statement; a 50,000-literal IN: ~110 ms
        the event loop would otherwise spend), and kept with the cached plan. An error
        in them is left for the execution to raise."""
        if not self.where.partition or not all(r.constant for r in self.where.partition):
            return None
        try:
            keys = self.where.partition_keys(self.table, Execution([], 0))
        except CqlError:
            return None
        return None if keys is None else sorted(map(position_of, keys))

    def _key_positions(self, ex: Execution) -> list[tuple[int, bytes]] | None:
        """The (token, key bytes) of every partition the key restrictions name, in token
        order; made once per execution, so the internal pages of an unpaged 50,000-key IN
        each start by a bisection instead of sorting the keys again."""
        if self.positions is not None:
            return self.positions
        memo = ("key positions", id(self))
        if memo not in ex.memo:
            keys = self.where.partition_keys(self.table, ex)
            ex.memo[memo] = None if keys is None else sorted(map(position_of, keys))
        return ex.memo[memo]  # type: ignore[no-any-return]

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
        """Matching live rows with their index within their partition (PER PARTITION
        LIMIT counts rows here, except under GROUP BY where it counts groups)."""
        cvals = [(r, r.values(ex)) for r in self.where.clustering]
        ovals = [(r, r.values(ex)) for r in self.where.others]
        ppl = self._int(self.per_partition_limit, ex, "PER PARTITION LIMIT")
        if self.group_by:
            ppl = None
        if self.index_plan is not None:
            yield from indexed_rows(
                self.index_plan,
                self.table,
                self.where,
                ex,
                start,
                lambda r: self._row_ok(r, ex, cvals, ovals),
                ppl,
                self.stmt.distinct,
            )
            return
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
        if n is None:  # an empty value: ScyllaDB's do_get_limit, for a value it cannot read
            raise InvalidRequest("Invalid limit value")
        if n <= 0:
            raise InvalidRequest(f"{what} must be strictly positive")
        return int(n)

    @property
    def resumable(self) -> bool:
        """Whether `run` can stop after any row and go on from its paging state (not an
        ANN search, an aggregate or a result sorted after reading)."""
        return self.ann is None and not (self.aggregating or self.group_by or self.post_order)

    def run(self, ex: Execution, page_size: int | None, paging_state: bytes | None) -> Rows:
        limit = self._int(self.limit, ex, "LIMIT")
        if self.ann is not None:
            return self._ann_run(ex, limit)
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

    def _ann_run(self, ex: Execution, limit: int | None) -> Rows:
        """An ANN query: the ``limit`` rows nearest the query vector, best first, in one
        page (ScyllaDB does not page vector search: the whole result comes at once)."""
        ann = self.ann
        assert ann is not None
        if limit is None:
            raise InvalidRequest("Vector ANN queries must have a limit specified")
        if limit > vectors.MAX_ANN_LIMIT:
            raise InvalidRequest(
                f"Use of ANN OF in an ORDER BY clause requires a LIMIT that is not greater than "
                f"{vectors.MAX_ANN_LIMIT}. LIMIT was {limit}"
            )
        raw = ann.vector(ex)
        if not isinstance(raw, bytes):
            raise InvalidRequest(f"Unsupported null value for column {ann.column.name}")
        dim = ann.column.type.size
        query = vectors.decode_vector(raw, dim)
        assert query is not None
        where = self.where
        if not (where.partition or where.clustering or where.others or where.token):
            found = list(vectors.ann_rows(self.table, ann.index, query, limit, ex.now_micros))
        else:  # restricted to partitions: rank their rows exactly
            metric = vectors._metric(ann.index)
            found = []
            for r, _ in self.rows(ex):
                v = vectors.decode_vector(r.values.get(ann.column.name), dim)
                if v is not None:
                    found.append((r, vectors.similarity(metric, v, query)))
            found.sort(key=lambda f: vectors.sort_key(f[1]))
            found = found[:limit]
        return Rows(self.columns, [self._project(r, ex) for r, _ in found])

    def _post_ordered(self, ex: Execution, page_size: int | None, limit: int | None) -> Rows:
        """ORDER BY with IN on the partition key: rows of all partitions sorted together
        (Cassandra's post-query ordering), which cannot be paged."""
        if page_size is not None and self._may_need_paging(ex, page_size):
            raise InvalidRequest(
                "Cannot page queries with both ORDER BY and a IN restriction on the partition key; "
                "you must either remove the ORDER BY or the IN and sort client side, or disable "
                "paging for this query"
            )
        rows = list(self._ordered_rows(ex))
        if limit is not None:
            rows = rows[:limit]
        return Rows(self.columns, [self._project(r, ex) for r in rows])

    def _may_need_paging(self, ex: Execution, page_size: int) -> bool:
        """ScyllaDB pages unless the key restrictions name at most a page of single rows."""
        keys = self._key_positions(ex) or []
        by_col = {r.column.name: r for r in self.where.clustering if r.op in ("=", "IN") and not r.multi}
        if any(c.name not in by_col for c in self.table.clustering):
            return True
        rows = len(keys)
        for c in self.table.clustering:
            rows *= len(by_col[c.name].values(ex))
        return rows > page_size

    def _project(self, r: LiveRow, ex: Execution) -> list[bytes | None]:
        return self._shaped([o.fn(r, ex) for o in self.outputs])

    def _shaped(self, values: list[bytes | None]) -> list[bytes | None]:
        """A result row as sent: the selectors' values, or for SELECT JSON one text."""
        if not self.stmt.json:
            return values
        texts = [cqljson.to_json(o.type, v) for o, v in zip(self.outputs, values)]
        return [TEXT.encode(cqljson.row([o.name for o in self.outputs], texts))]

    def _aggregate(self, ex: Execution, limit: int | None) -> list[list[bytes | None]]:
        """Aggregating or grouping: one row per group (GROUP BY), or one row for all
        rows; LIMIT and, under GROUP BY, PER PARTITION LIMIT count groups. Not paged:
        ScyllaDB pages aggregation internally and answers in one result."""
        if not self.group_by:
            everything = [o.accumulator() for o in self.outputs]
            for r in self._ordered_rows(ex):
                for a in everything:
                    a.add(r, ex)
            return [self._shaped([a.result(ex) for a in everything])]
        ppl = self._int(self.per_partition_limit, ex, "PER PARTITION LIMIT")
        groups: dict[tuple[bytes | None, ...], list[Accumulator]] = {}
        per_partition: dict[tuple[bytes, ...], int] = {}
        for r in self._ordered_rows(ex):
            gkey = tuple(r.values.get(c.name) for c in self.group_by)
            accs = groups.get(gkey)
            if accs is None:
                if limit is not None and len(groups) >= limit:
                    if self.post_order:
                        continue
                    break  # groups arrive one after the other: the rest are not wanted
                seen = per_partition.get(r.partition.key, 0)
                if ppl is not None and seen >= ppl:
                    continue
                per_partition[r.partition.key] = seen + 1
                accs = groups[gkey] = [o.accumulator() for o in self.outputs]
            for a in accs:
                a.add(r, ex)
        return [self._shaped([a.result(ex) for a in accs]) for accs in groups.values()]

    def _ordered_rows(self, ex: Execution) -> Iterator[LiveRow]:
        """Matching rows in result order: ORDER BY over an IN on the partition key
        sorts the rows of all partitions together."""
        if not self.post_order:
            return (r for r, _ in self.rows(ex))

        def key(r: LiveRow) -> tuple[Any, ...]:
            out = []
            for col, asc in self.post_order:
                k = col.type.sort_key(r.values[col.name])
                out.append(k if asc else Desc(k))
            return tuple(out)

        return iter(sorted((r for r, _ in self.rows(ex)), key=key))


class Accumulator(Protocol):
    """The state a selector keeps over the rows of a group."""

    def add(self, r: LiveRow, ex: Execution) -> None: ...

    def result(self, ex: Execution) -> bytes | None: ...


class _First:
    """A plain selector in an aggregating query: the group's first row's value."""

    def __init__(self, fn: SelectorFn) -> None:
        self.fn = fn
        self.value: bytes | None = None
        self.seen = False

    def add(self, r: LiveRow, ex: Execution) -> None:
        if not self.seen:
            self.value, self.seen = self.fn(r, ex), True

    def result(self, ex: Execution) -> bytes | None:
        return self.value


class _Over:
    """A scalar function (or cast, field) of other selectors, at least one aggregating."""

    def __init__(self, parts: list[Accumulator], combine: Callable[[Execution, list[Any]], Any]) -> None:
        self.parts, self.combine = parts, combine

    def add(self, r: LiveRow, ex: Execution) -> None:
        for p in self.parts:
            p.add(r, ex)

    def result(self, ex: Execution) -> bytes | None:
        return self.combine(ex, [p.result(ex) for p in self.parts])  # type: ignore[no-any-return]


def _lifted(out: Output, args: list[Output], combine: Callable[[Execution, list[Any]], Any]) -> Output:
    """``out`` computed by ``combine`` from its arguments' values: per row, or, when an
    argument aggregates, from the arguments' accumulated results."""
    out.fn = lambda r, ex: combine(ex, [a.fn(r, ex) for a in args])
    if any(a.acc is not None for a in args):
        out.acc = lambda: _Over([a.accumulator() for a in args], combine)
    return out


SUMMABLE = ("tinyint", "smallint", "int", "bigint", "float", "double", "varint", "decimal", "counter")
_EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


class _Aggregate:
    """count/min/max/sum/avg as ScyllaDB computes them (aggregate_fcts.cc): integers sum
    without overflow and fail if the sum does not fit the argument type, floats add in
    their own precision, decimals exactly; avg divides the sum by the count (integers
    truncating, decimals rounding half-even to the sum's scale); over no rows sum and
    avg are 0, min and max null."""

    def __init__(self, kind: str, t: CqlType, fn: SelectorFn, count_star: bool = False) -> None:
        self.kind, self.t, self.fn, self.count_star = kind, t, fn, count_star
        self.count = 0
        self.best: tuple[Any, bytes] | None = None
        self.total: Any = decimal.Decimal(0) if t.name == "decimal" else 0

    def add(self, r: LiveRow, ex: Execution) -> None:
        if self.count_star:
            self.count += 1
            return
        data = self.fn(r, ex)
        if data is None:
            return
        kind = self.kind
        if kind == "count":
            self.count += 1
        elif kind in ("min", "max"):
            key = self.t.sort_key(data)
            if self.best is None or (key < self.best[0] if kind == "min" else key > self.best[0]):
                self.best = (key, data)
        else:
            value = self.t.decode(data)
            if value is None:
                return
            self.count += 1
            if self.t.name == "float":
                self.total = _f32(self.total + value)
            elif self.t.name == "decimal":
                self.total = _EXACT.add(self.total, value)
            else:
                self.total += value

    def result(self, ex: Execution) -> bytes | None:
        kind, t = self.kind, self.t
        if kind == "count":
            return BIGINT.encode(self.count)
        if kind in ("min", "max"):
            return None if self.best is None else self.best[1]
        total = self.total
        if kind == "avg":
            total = _average(t, total, self.count)
        elif t.name in INT_BITS:
            bits = INT_BITS[t.name]
            if not -(2 ** (bits - 1)) <= total < 2 ** (bits - 1):
                raise InvalidRequest("Sum overflow. Values should be casted to a wider type.")
        if t.name in ("float", "double"):
            total = float(total)
        return t.encode(total)


def _average(t: CqlType, total: Any, count: int) -> Any:
    if count == 0:
        return decimal.Decimal(0) if t.name == "decimal" else 0
    if t.name == "float":
        return _f32(total / _f32(count))
    if t.name == "double":
        return total / count
    if t.name == "decimal":
        sign, digits, exponent = total.as_tuple()
        unscaled = int("".join(map(str, digits)) or "0")
        q, r = divmod(unscaled, count)
        if 2 * r > count or (2 * r == count and q % 2 == 1):
            q += 1
        return decimal.Decimal((sign if q else 0, tuple(map(int, str(q))), exponent))
    q = abs(total) // count  # integers: the quotient truncated toward zero
    return q if total >= 0 else -q


def _f32(x: float) -> float:
    """``x`` rounded to single precision (overflowing to an infinity, as a C float does)."""
    try:
        return float(struct.unpack(">f", struct.pack(">f", x))[0])
    except OverflowError:
        return math.copysign(math.inf, x)


def _wrap(t: CqlType, n: Any) -> Any:
    """Integer aggregates overflow like Java's fixed-width arithmetic."""
    bits = INT_BITS.get(t.name)
    if bits is None or not isinstance(n, int):
        return n
    n &= (1 << bits) - 1
    return n - (1 << bits) if n >= 1 << (bits - 1) else n


def _columns_read(sel: ast.Selector) -> Iterator[str]:
    """The table columns a selector reads, in order of appearance."""
    if isinstance(sel, ast.ColumnSelector):
        yield sel.name
    elif isinstance(sel, ast.FunctionSelector):
        for a in sel.args:
            yield from _columns_read(a)
    elif isinstance(sel, (ast.CastSelector, ast.FieldSelector, ast.ElementSelector)):
        yield from _columns_read(sel.selector)


def _term_fn(fn: Callable[[Execution], Any]) -> SelectorFn:
    return lambda r, ex: fn(ex)


def _column_fn(name: str) -> SelectorFn:
    return lambda r, ex: r.values.get(name)


_NUMBERS = frozenset({"tinyint", "smallint", "int", "bigint", "float", "double", "varint", "decimal"})
_TO_TEXT = _NUMBERS | {"timestamp", "date", "time", "timeuuid", "uuid", "boolean", "inet"}
_TO_TIME = {"timestamp": ("date", "timeuuid"), "date": ("timestamp", "timeuuid")}


def castable(src: CqlType, dst: CqlType) -> bool:
    """Whether ScyllaDB's get_castas_fctn (castas_fcts.cc) has a conversion: between
    numbers, to text or ascii from numbers and the scalar types, text from ascii, and
    between timestamp, date and timeuuid; and any type to itself."""
    if src == dst:
        return True
    if dst.name in _NUMBERS:
        return src.name in _NUMBERS
    if dst.name in ("text", "ascii"):
        return src.name in _TO_TEXT or (dst.name, src.name) == ("text", "ascii")
    return src.name in _TO_TIME.get(dst.name, ())


def marshal_name(t: CqlType) -> str:
    """The class name ScyllaDB's abstract_type::name() gives (its CAST errors use it)."""
    return re.sub(r"\bDateType\b", "TimestampType", cass_type_name(t.codec))


def cast(src: CqlType, dst: CqlType, data: bytes | None) -> bytes | None:
    """CAST (of a pair `castable` allows), converting as ScyllaDB's castas_fcts.cc does."""
    if data is None:
        return None
    if src == dst:
        return data
    value = src.decode(data)
    if value is None:
        return None  # an empty value (of a non-string type) reads as null
    try:
        if dst.name in ("text", "ascii"):
            return dst.encode(_cql_text(src, value))
        if dst.name in _NUMBERS:
            return dst.encode(_number(dst, value))
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise InvalidRequest(f"Cannot cast {src.cql()} to {dst.cql()}: {exc}") from None
    fn = functions.FIXED["totimestamp" if dst.name == "timestamp" else "todate"][0]
    return fn(Execution([], 0), [(src, data)])[1]  # type: ignore[no-any-return]


def _number(dst: CqlType, value: Any) -> Any:
    """A number converted to ``dst``: integers truncate and wrap like ScyllaDB's C++ casts."""
    if dst.name in ("float", "double"):
        return float(value)
    if dst.name == "decimal":
        return _to_decimal(value)
    if isinstance(value, decimal.Decimal):
        return _wrap(dst, _integer_part(value, INT_BITS.get(dst.name)))
    return _wrap(dst, int(value))


def _to_decimal(value: Any) -> decimal.Decimal:
    """ScyllaDB parses a float's text as a big_decimal, which refuses inf and nan."""
    if isinstance(value, float) and not math.isfinite(value):
        text = "nan" if math.isnan(value) else "-inf" if value < 0 else "inf"
        raise ValueError(f"marshaling error: big_decimal - incorrect integer: {text}")
    return decimal.Decimal(value if isinstance(value, int) else str(value))


def _integer_part(d: decimal.Decimal, bits: int | None) -> int:
    """trunc(d) without building an integer of a huge exponent's digits: for a fixed-width
    target only the low ``bits`` bits, which are all that wrapping keeps."""
    sign, digits, exponent = d.as_tuple()
    assert isinstance(exponent, int)
    if exponent <= 0:
        return int(d)
    if bits is None and len(digits) + exponent > cqljson.MAX_PLAIN_DIGITS:
        raise ValueError(f"{d} has more than {cqljson.MAX_PLAIN_DIGITS} digits")
    modulus = None if bits is None else 1 << bits
    n = int("".join(map(str, digits))) * pow(10, exponent, modulus)
    return -n if sign else n


def _cql_text(t: CqlType, value: Any) -> str:
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return cqljson.decimal_text(value)  # ScyllaDB's big_decimal::to_string, as toJson
    if isinstance(value, int):
        return integer_text(value)
    return str(value)


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
