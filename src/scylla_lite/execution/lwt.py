"""Lightweight transactions: IF conditions and the read-check-write of a conditional
statement or batch, as ScyllaDB's ``cas_request`` does it.

A conditional request reads the rows of its one partition that its statements name
(or, when every condition is on static columns, the first live row, so that an
existing partition without static values can be told from a missing one), plus the
static row; checks each statement's conditions against its "old row"; and answers
one result row per statement: ``[applied]``, then the old row's values of the
statement's result columns (all columns for IF [NOT] EXISTS, the condition columns
otherwise), nulls when there was no old row. The result metadata depends on the
statement only, never on the data (ScyllaDB's "LWT differences from Cassandra").

The engine runs each request to completion on the event loop, so the read, the
check and the write of a request are never interleaved with another request; and
the server sends any reply only after `Engine.sync()` has made every write made
before it durable, so no client sees a transaction's effect before it is durable.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..catalog import Column, Table
from ..errors import InvalidRequest
from ..results import ColumnSpec, Rows
from ..types import native
from .conditions import result_columns
from .modify import ModifyPlan
from .read import clustering_sort_key, live_row, static_values
from .terms import Execution

BOOLEAN = native("boolean")


# --------------------------------------------------------------------------- the request


@dataclass
class OldRow:
    """A row the request read: ``values`` holds every column (pk, clustering — None for
    the static row —, static, regular); ``has_static`` is whether any static is live."""

    values: dict[str, bytes | None]
    has_static: bool


@dataclass
class Update:
    plan: ModifyPlan
    ex: Execution
    clustering: tuple[bytes, ...]  # the full clustering key it names, () when none (static row)


class CasRequest:
    """The conditional statements (and the plain ones beside them in a batch) of one
    partition: read, check, and the result set."""

    def __init__(self, table: Table, pk: tuple[bytes, ...], now: int) -> None:
        self.table = table
        self.pk = pk
        self.now = now
        self.updates: list[Update] = []
        self.rows: dict[tuple[bytes, ...], OldRow] = {}

    def add(self, plan: ModifyPlan, ex: Execution) -> None:
        pks, crs = plan.keys(ex)
        if len(pks) != 1 or pks[0] != self.pk:
            raise InvalidRequest("BATCH with conditions cannot span multiple partitions")
        clustering: tuple[bytes, ...] = ()
        keys = plan.clusterings(ex, crs) if self.table.clustering else [()]
        if keys and len(keys) == 1 and len(keys[0]) == len(self.table.clustering):
            clustering = keys[0]
        self.updates.append(Update(plan, ex, clustering))

    # ------------------------------------------------------------------ read
    def read(self) -> None:
        """Fetch the rows the conditions need, as of now."""
        table = self.table
        self.rows = {}
        part = table.data.partition(self.pk)
        if part is None:
            return
        svalues, scells, slive = static_values(table, part, self.now)
        wanted = {
            u.clustering for u in self.updates if u.plan.conditional and not u.plan.static_conditions_only
        }
        found = False
        if wanted:
            for ck in wanted:
                key = clustering_sort_key(table, ck)
                row = part.rows.get(key)
                lr = live_row(table, part, key, row, self.now, (svalues, scells)) if row is not None else None
                if lr is not None:
                    self.rows[ck] = OldRow(lr.values, slive)
                    found = True
        else:  # only static conditions: the first live row tells an existing partition
            for key, row in part.rows.items():
                lr = live_row(table, part, key, row, self.now, (svalues, scells))
                if lr is not None:
                    self.rows[row.clustering] = OldRow(lr.values, slive)
                    found = True
                    break
        if table.clustering and table.static_columns and (found or slive):
            values: dict[str, bytes | None] = {c.name: v for c, v in zip(table.partition_key, self.pk)}
            values.update({c.name: None for c in table.clustering + table.regular_columns})
            values.update(svalues)
            self.rows[()] = OldRow(values, slive)

    def old_row(self, u: Update) -> OldRow | None:
        """The row a statement's conditions see: the row its clustering key names or,
        failing that (and unless it is IF [NOT] EXISTS), the static row."""
        row = self.rows.get(u.clustering)
        if row is None and u.clustering and not u.plan.existence_condition:
            row = self.rows.get(())
        return row

    # ------------------------------------------------------------------ check
    def applies(self) -> bool:
        return all(self._applies(u) for u in self.updates if u.plan.conditional)

    def _applies(self, u: Update) -> bool:
        plan = u.plan
        row = self.old_row(u)
        if plan.static_conditions_only and row is not None and not row.has_static:
            row = None  # a partition with no static values has no "static row" to speak of
        stmt = plan.stmt
        if getattr(stmt, "if_exists", False):
            return row is not None
        if getattr(stmt, "if_not_exists", False):
            return row is None
        values = row.values if row is not None else {}
        return all(c.applies(u.ex, values.get(c.column.name)) for c in plan.cas_conditions)

    # ------------------------------------------------------------------ result
    def result(self, columns: list[Column], applied: bool) -> Rows:
        spec = result_spec(self.table, columns)
        out = []
        for u in self.updates:
            row = self.old_row(u)
            values = row.values if row is not None else {}
            out.append([BOOLEAN.encode(applied)] + [values.get(c.name) for c in columns])
        return Rows(spec, out)


def result_spec(table: Table, columns: list[Column]) -> list[ColumnSpec]:
    spec = [ColumnSpec(table.keyspace, table.name, "[applied]", BOOLEAN.codec)]
    return spec + [ColumnSpec(table.keyspace, table.name, c.name, c.type.codec) for c in columns]


def batch_result_columns(plans: list[ModifyPlan]) -> list[Column]:
    """A conditional batch: the full primary key, plus every statement's result columns."""
    table = plans[0].table
    names = {c.name for c in table.partition_key + table.clustering}
    for p in plans:
        names.update(c.name for c in p.cas_columns)
    return result_columns(table, names)
