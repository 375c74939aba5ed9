"""Restriction analysis: what a SELECT's WHERE clause may restrict, and how it is served.

ScyllaDB's statement_restrictions in one place: the rules a SELECT's restrictions must
follow (`check_select_restrictions`: partition key, clustering prefix, ALLOW FILTERING),
and which secondary index, if any, serves them (`plan_index`). `where` compiles the
restrictions; `indexes` reads through the index chosen here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..catalog import Column, Index, Table
from ..errors import InvalidRequest
from .terms import Execution
from .where import FILTERING_MSG, Restriction, Where


def check_select_restrictions(table: Table, where: Where, allow_filtering: bool) -> bool:
    """Apply Cassandra's restriction rules for SELECT. Returns True when rows must be
    filtered after reading (a scan or non-key restriction). Restrictions a secondary
    index serves pass here; `plan_index` then applies ScyllaDB's rules for
    index queries."""
    needs_filter = False
    facts = analysis(table, where)
    pk_cols = table.partition_key
    restricted_pk = {r.column.name for r in where.partition}
    in_pk = [r for r in where.partition]
    if where.token and restricted_pk:
        columns = ", ".join(sorted(restricted_pk))
        raise InvalidRequest(
            f'Columns "{columns}" cannot be restricted by both a normal relation and a token relation'
        )
    if restricted_pk and restricted_pk != {c.name for c in pk_cols}:
        needs_filter = True
        for r in in_pk:
            where.others.append(r)
        where.partition = []
    # clustering prefix rule
    ck = table.clustering
    by_col: dict[str, list[Restriction]] = {}
    in_tuple: set[str] = set()  # the later columns of a multi-column relation
    for r in where.clustering:
        by_col.setdefault(r.columns[0].name, []).append(r)
        in_tuple.update(c.name for c in r.columns[1:])
    previous_ok = True
    for i, c in enumerate(ck):
        if c.name in in_tuple and c.name not in by_col:
            continue
        rs = by_col.get(c.name, [])
        if rs and not previous_ok:
            if not allow_filtering and not (facts is not None and facts.has_ck):
                prev = ck[i - 1].name
                raise InvalidRequest(
                    f'PRIMARY KEY column "{c.name}" cannot be restricted as preceding column '
                    f'"{prev}" is not restricted'
                )
            needs_filter = True
        if not rs or any(r.op not in ("=", "IN") for r in rs):
            previous_ok = False
    scan = not where.partition and not where.token
    if scan and where.clustering and not allow_filtering and not (facts is not None and facts.uses_index()):
        raise InvalidRequest(FILTERING_MSG)
    for r in where.others:
        col = r.column
        if col.type.is_counter and not allow_filtering:
            raise InvalidRequest(FILTERING_MSG)
        if facts is not None and facts.allows(r):
            needs_filter = True
            continue
        if not allow_filtering:
            raise InvalidRequest(FILTERING_MSG)
        needs_filter = True
    return needs_filter


def _support(index: Index, r: Restriction) -> str | None:
    """How ``index`` supports restriction ``r`` (ScyllaDB's supports_expression):
    "plain", "collection", or None."""
    col = r.column
    if index.custom_class is not None or r.multi or index.column != col.name:
        return None
    t = index.target
    if r.element is not None:
        return "collection" if t == "entries" and r.op == "=" else None
    if r.op == "=":
        return "plain" if t in ("simple", "full") else None
    name = col.type.name
    if r.op == "CONTAINS" and (
        (t == "keys" and name == "set") or (t == "values" and name in ("list", "map"))
    ):
        return "collection"
    if r.op == "CONTAINS KEY" and t == "keys" and col.type.name == "map":
        return "collection"
    return None


def _column_supported(index: Index, rs: list[Restriction]) -> bool:
    """ScyllaDB's is_supported_by over all restrictions on one column: a lone
    restriction the index supports, or several it supports plainly."""
    kinds = [_support(index, r) for r in rs]
    if len(kinds) == 1:
        return kinds[0] is not None
    return all(k == "plain" for k in kinds)


@dataclass
class IndexPlan:
    """The index a SELECT reads, and the restriction it looks up."""

    index: Index
    column: Column
    restriction: Restriction

    def lookup(self, ex: Execution) -> Any | None:
        """The indexed value to look up (None: null, which matches nothing)."""
        r, t = self.restriction, self.column.type
        value = r.values(ex)[0]
        if value is None or not isinstance(value, bytes):
            return None
        if r.element is not None:
            key = r.element(ex)
            if key is None or not isinstance(key, bytes):
                return None
            return (t.params[0].sort_key(key), t.params[1].sort_key(value))
        if r.op == "CONTAINS":
            return (t.params[1] if t.name == "map" else t.params[0]).sort_key(value)
        if r.op == "CONTAINS KEY":
            return t.params[0].sort_key(value)
        return t.sort_key(value)


def _groups(where: Where) -> tuple[list[Restriction], list[Restriction], list[Restriction]]:
    """ScyllaDB's partition key, clustering and non-key restrictions (token aside)."""
    pk = list(where.partition)
    ck = list(where.clustering)
    reg: list[Restriction] = []
    for r in where.others:
        kind = r.column.kind
        (pk if kind == "partition_key" else ck if kind == "clustering" else reg).append(r)
    return pk, ck, reg


def _by_column(rs: list[Restriction]) -> dict[str, list[Restriction]]:
    out: dict[str, list[Restriction]] = {}
    for r in rs:
        if not r.multi:
            out.setdefault(r.column.name, []).append(r)
    return out


SLICES = ("<", "<=", ">", ">=")


def _ck_needs_filtering(table: Table, ck: list[Restriction]) -> bool:
    """ScyllaDB's clustering_key_restrictions_need_filtering: the restrictions do not
    form a prefix of EQ/IN ending in at most one slice."""
    if any(r.multi for r in ck):
        return False
    by_col = _by_column(ck)
    position = count = 0
    for col in table.clustering:
        rs = by_col.get(col.name)
        if not rs:
            continue
        if col.position != position or any(r.op not in ("=", "IN", *SLICES) or r.element for r in rs):
            break
        if not any(r.op in SLICES for r in rs):
            position = col.position + 1
        count += 1
    return count < len(by_col)


class Analysis:
    """ScyllaDB's statement_restrictions facts about one SELECT's WHERE clause."""

    def __init__(self, table: Table, where: Where) -> None:
        self.table = table
        self.pk, self.ck, self.reg = _groups(where)
        self.token = bool(where.token)
        pk_cols = {r.column.name for r in self.pk}
        self.pk_all = len(pk_cols) == len(table.partition_key)
        self.pk_all_eq = self.pk_all and all(r.op == "=" for r in self.pk)
        self.pk_has_in = any(r.op == "IN" for r in self.pk)
        self.pk_filtering = (
            bool(self.pk)
            and not self.token
            and (not self.pk_all or any(r.op not in ("=", "IN") or r.element is not None for r in self.pk))
        )
        self.multi = any(r.multi for r in self.ck)
        self.indexes = [i for i in table.indexes.values() if i.custom_class is None]
        self.has_pk = not self.token and self._supported(self.pk)
        self.has_ck = self._supported(self.ck)
        self.has_reg = self._supported(self.reg)

    def eligible(self, index: Index) -> bool:
        return not index.partition_columns or self.pk_all_eq  # a local index needs the partition

    def _supported(self, rs: list[Restriction]) -> bool:
        by_col = _by_column(rs)
        return any(
            self.eligible(i) and i.column in by_col and _column_supported(i, by_col[i.column])
            for i in self.indexes
        )

    def allows(self, r: Restriction) -> bool:
        """Does an index serve the group of restrictions ``r`` belongs to (ScyllaDB's
        has_queriable_*_index), so that ``r`` needs no ALLOW FILTERING by itself?"""
        kind = r.column.kind
        if kind == "partition_key":
            return self.has_pk
        if kind == "clustering":
            return self.has_ck
        return self.has_reg and not self.pk_has_in

    def uses_index(self) -> bool:
        """ScyllaDB's _uses_secondary_indexing."""
        uses = False
        key_range = self.token or not self.pk or self.pk_filtering
        if self.pk_filtering:
            uses = self.has_pk
        if self.ck and _ck_needs_filtering(self.table, self.ck) and self.has_ck:
            uses = True
        if key_range and self.has_ck and not self.multi:
            uses = True
        if self.reg and self.has_reg and not self.pk_has_in:
            uses = True
        return uses

    def needs_filtering(self) -> bool:
        """ScyllaDB's need_filtering, for a query that uses an index."""
        ck_cols = len(_by_column(self.ck)) + (1 if self.multi else 0)
        reg_cols = len(_by_column(self.reg))
        if self.token:
            return ck_cols + reg_cols > 1
        npart = len({r.column.name for r in self.pk})
        if 0 < npart < len(self.table.partition_key):
            return not (npart == 1 and self.has_pk and not self.ck and not self.reg)
        if self.pk_filtering:
            return True
        if reg_cols > 1 or (reg_cols == 1 and not self.has_reg):
            return True
        if reg_cols == 1:
            if npart == 0 and not self.ck:
                return False
            return not self.pk_all_eq or _ck_needs_filtering(self.table, self.ck) or self.multi
        if self.multi:
            return False
        if self.has_ck:
            return ck_cols > 1
        return _ck_needs_filtering(self.table, self.ck)

    def choose(self) -> IndexPlan | None:
        """ScyllaDB's find_idx: the first index with the best score (a local index whose
        partition is named 2, a global one 1) supporting a restriction."""
        best: tuple[int, Index, Restriction] | None = None
        for index in self.indexes:
            score = (2 if self.pk_all_eq else 0) if index.partition_columns else 1
            if score == 0 or (best is not None and score <= best[0]):
                continue
            for group in (self.pk if not self.token else [], self.ck, self.reg):
                rs = _by_column(group).get(index.column)
                if rs and _column_supported(index, rs):
                    best = (score, index, rs[0])
                    break
        if best is None:
            return None
        _, index, r = best
        return IndexPlan(index, self.table.columns[index.column], r)


def analysis(table: Table, where: Where) -> Analysis | None:
    """The index facts of a query on ``table``, or None when it has no usable index."""
    if not any(i.custom_class is None for i in table.indexes.values()):
        return None
    return Analysis(table, where)


def plan_index(table: Table, where: Where, allow_filtering: bool) -> IndexPlan | None:
    """The index a SELECT reads, after ScyllaDB's refusals of index queries: an IN on the
    partition key, or other restrictions that would need ALLOW FILTERING."""
    facts = analysis(table, where)
    if facts is None or not facts.uses_index():
        return None
    if not allow_filtering:
        if facts.pk_has_in:
            raise InvalidRequest(
                "Index cannot be used if the partition key is restricted with IN clause. "
                "This query would require filtering instead."
            )
        if facts.needs_filtering():
            raise InvalidRequest(FILTERING_MSG)
    return facts.choose()
