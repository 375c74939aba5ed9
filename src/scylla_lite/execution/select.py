"""SELECT: compile the select list and WHERE clause once, then stream rows in token
and clustering order into pages.

`SelectPlan` compiles, validates and runs; what it is made of lives by concern beside it:
`selectors` (the select list), `aggregates` (aggregate functions), `casts` (CAST),
`clauses` (GROUP BY, DISTINCT, ORDER BY), `ann` (vector search) and `paging` (the paging state).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterator
from typing import Any

from .. import cqljson
from ..catalog import Table
from ..cql import ast
from ..errors import CqlError, InvalidRequest
from ..requests import UNSET
from ..results import ColumnSpec, Rows
from ..storage import NO_DELETION, partition_key_bytes, position_of
from ..types import Desc, native
from .aggregates import Accumulator
from .ann import AnnPlan, plan_ann
from .clauses import check_distinct, group_size, ordering
from .indexes import indexed_rows
from .paging import PageState
from .read import LiveRow, clustering_sort_key, partition_rows
from .restrictions import check_select_restrictions, plan_index
from .selectors import compile_selection
from .terms import Compiler, Execution, Receiver, token_value
from .where import Where, compile_where, matches, matches_clustering

INT, TEXT = native("int"), native("text")


class SelectPlan:
    """A compiled SELECT; `run` is called per execution (per page)."""

    def __init__(self, compiler: Compiler, table: Table, stmt: ast.Select) -> None:
        self.table = table
        self.stmt = stmt
        self.where: Where = compile_where(compiler, table, stmt.where)
        self.ann: AnnPlan | None = None
        if stmt.ann is not None:  # ScyllaDB prepares the ANN ordering before the restrictions
            self.ann = plan_ann(compiler, table, self.where, stmt.ann, stmt.allow_filtering)
            self.filtering, self.index_plan = False, None
        else:
            self.filtering = check_select_restrictions(table, self.where, stmt.allow_filtering)
            self.index_plan = plan_index(table, self.where, stmt.allow_filtering)  # a secondary index to read
        self.positions = self._constant_positions()
        self.outputs = compile_selection(compiler, table, stmt.selections)
        self.aggregating = any(o.acc is not None for o in self.outputs)
        self.post_order: list[tuple[Any, bool]] = []  # ORDER BY over an IN on the partition key
        if stmt.distinct:
            check_distinct(table, stmt, self.where, [name for o in self.outputs for name in o.columns])
        # GROUP BY: rows sharing the values of the first ``group_size`` key columns form a group
        self.group_by = (table.partition_key + table.clustering)[: group_size(table, stmt)]
        self.reverse = False
        if self.ann is None:
            self.reverse, self.post_order = ordering(table, stmt, self.where, self.index_plan is not None)
        self._compile_limits(compiler)
        self.columns = [ColumnSpec(table.keyspace, table.name, o.name, o.type.codec) for o in self.outputs]
        if self.ann is not None:
            self._check_ann()
        if stmt.json:
            self.columns = [ColumnSpec(table.keyspace, table.name, "[json]", TEXT.codec)]

    # ------------------------------------------------------------------ compile
    def _compile_limits(self, compiler: Compiler) -> None:
        """LIMIT and PER PARTITION LIMIT as terms: a bind marker gives them per execution."""
        table, stmt = self.table, self.stmt
        limit_r = Receiver(table.keyspace, table.name, "[limit]", INT)
        self.limit = compiler.term(stmt.limit, limit_r) if stmt.limit is not None else None
        pp_r = Receiver(table.keyspace, table.name, "[per_partition_limit]", INT)
        self.per_partition_limit = (
            compiler.term(stmt.per_partition_limit, pp_r) if stmt.per_partition_limit is not None else None
        )

    def _check_ann(self) -> None:
        """What an ANN query refuses once its selection is compiled, in ScyllaDB's order."""
        if self.stmt.limit is None:
            raise InvalidRequest("Vector ANN queries must have a limit specified")
        if self.stmt.per_partition_limit is not None:
            raise InvalidRequest("Vector ANN queries do not support per-partition limits")
        if self.aggregating or self.group_by:
            raise InvalidRequest("Vector ANN queries cannot be run with aggregation")

    # ------------------------------------------------------------------ run
    def _partitions(self, ex: Execution, start: tuple[int, bytes] | None) -> Iterator[Any]:
        """The partitions to read from ``start`` on, in token order: those the key names, or a token range."""
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
        return ex.memo[memo]

    def _row_ok(
        self,
        r: LiveRow,
        ex: Execution,
        cvals: list[tuple[Any, list[Any]]],
        ovals: list[tuple[Any, list[Any]]],
    ) -> bool:
        """Whether a row passes the clustering and filtering restrictions (``cvals``, ``ovals``
        carry their values, worked out once per execution)."""
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
        """A LIMIT's value for this execution, checked as ScyllaDB's do_get_limit checks it."""
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
        """One page of the result, resuming from ``paging_state``; ANN, aggregating and
        post-ordered queries answer in one page."""
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
            state = PageState.after(*last, remaining, self.stmt.distinct).encode()
        return Rows(self.columns, out, paging_state=state)

    def _ann_run(self, ex: Execution, limit: int | None) -> Rows:
        """An ANN query: the ``limit`` rows nearest the query vector, best first, in one
        page (ScyllaDB does not page vector search: the whole result comes at once)."""
        assert self.ann is not None
        found = self.ann.nearest(self.table, self.where, ex, limit, lambda: (r for r, _ in self.rows(ex)))
        return Rows(self.columns, [self._project(r, ex) for r in found])

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
        """A row as the result sends it."""
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
