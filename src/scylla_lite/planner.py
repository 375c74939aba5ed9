"""From statement text to a compiled `Plan`, cached; prepared ids; binding values.

The planner only reads the schema, so it may run on a worker thread (`Planner.ahead`):
a plan records the schema version it was compiled against and is made again once the
schema has changed.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any

from .catalog import Catalog, Table
from .cql import ast, parse
from .errors import InvalidRequest
from .execution.batch import BatchPlan, compile_batch
from .execution.modify import ModifyPlan, compile_modify
from .execution.select import SelectPlan
from .execution.terms import Compiler
from .lru import ByteBudgetLRU
from .requests import QueryOptions, RawValue
from .results import ColumnSpec

PLAN_CACHE_BYTES = 64 * 1024 * 1024
"""What the parsed and compiled statements kept for reuse may cost, estimated as
`PLAN_BYTES` each plus `PLAN_BYTES_PER_CHAR` per character of text (measured: ~5 KB for a
small INSERT, ~70 bytes a character for a statement made of literals)."""
PLAN_BYTES = 5 * 1024
PLAN_BYTES_PER_CHAR = 70
PREPARED_CACHE_BYTES = 32 * 1024 * 1024
"""The prepared statements' texts; past it the least recently used answer Unprepared
and the driver prepares them again, as with ScyllaDB's prepared cache."""
PREPARED_ENTRY_BYTES = 256
AHEAD_KEPT = 16
"""Plans made ahead and never taken (a closed connection) beyond this are forgotten."""

SCHEMA_STATEMENTS = (
    ast.CreateKeyspace,
    ast.AlterKeyspace,
    ast.DropKeyspace,
    ast.CreateTable,
    ast.AlterTable,
    ast.DropTable,
    ast.CreateType,
    ast.AlterType,
    ast.DropType,
    ast.CreateIndex,
    ast.DropIndex,
    ast.CreateMaterializedView,
    ast.AlterMaterializedView,
    ast.DropMaterializedView,
)


@dataclass
class Plan:
    """A parsed and compiled statement, cached by (text, keyspace, schema version)."""

    text: str
    statement: ast.Statement
    keyspace: str | None
    version: Any
    bind: list[ColumnSpec]
    names: list[str | None]
    compiled: SelectPlan | ModifyPlan | BatchPlan | None
    table: Table | None


class Planner:
    """The plan and prepared-statement caches of one engine."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.plans: ByteBudgetLRU[tuple[str, str | None], Plan] = ByteBudgetLRU(PLAN_CACHE_BYTES, 20_000)
        self.prepared: ByteBudgetLRU[bytes, tuple[str, str | None]] = ByteBudgetLRU(
            PREPARED_CACHE_BYTES, 200_000
        )
        self._ahead: dict[tuple[str, str | None], Plan] = {}  # `ahead`'s, for `plan`
        self._ahead_lock = threading.Lock()

    def plan(self, text: str, keyspace: str | None) -> Plan:
        """The plan of ``text`` for the current schema: cached, made ahead, or compiled now."""
        key = (text, keyspace)
        plan = self.plans.get(key)
        if plan is not None and plan.version == self.catalog.version:
            return plan
        with self._ahead_lock:
            ahead = self._ahead.pop(key, None)
        if ahead is not None and ahead.version == self.catalog.version:
            return ahead  # not cached: whoever made it frees it (off the loop), and makes it again
        plan = self.compile(text, keyspace, self.catalog.version)  # none ahead, or the schema changed
        self.plans.put(key, plan, PLAN_BYTES + PLAN_BYTES_PER_CHAR * len(text))
        return plan

    def ahead(self, text: str, keyspace: str | None) -> Plan | None:
        """Parse and compile a long statement on a worker thread, for the `plan` of it that
        follows on the event loop (a 100,000-statement batch: seconds of work the loop
        spends serving others). Compiling only reads the schema; the plan records the
        schema version read before it started, and the loop takes it only if that is still
        the version, so a schema change made meanwhile means compiling again. Any error is
        left for the loop's own compile to raise. Returned too: the caller frees it, off the loop."""
        version = self.catalog.version
        try:
            plan = self.compile(text, keyspace, version)
        except Exception:
            return None
        with self._ahead_lock:
            while len(self._ahead) >= AHEAD_KEPT:
                del self._ahead[next(iter(self._ahead))]
            self._ahead[(text, keyspace)] = plan
        return plan

    def prepare(self, text: str, keyspace: str | None) -> tuple[bytes, Plan]:
        """The statement's id (as ScyllaDB's: a hash of text and keyspace) and its plan."""
        plan = self.plan(text, keyspace)
        statement_id = hashlib.md5((text + "\x00" + (keyspace or "")).encode()).digest()
        self.prepared.put(statement_id, (text, keyspace), len(text) + PREPARED_ENTRY_BYTES)
        return statement_id, plan

    def compile(self, text: str, keyspace: str | None, version: Any) -> Plan:
        """Parse and compile ``text``; the bind markers' specs come out of compiling."""
        parsed = parse(text)
        compiler = Compiler(catalog=self.catalog, keyspace=keyspace)
        stmt = parsed.statement
        compiled: SelectPlan | ModifyPlan | BatchPlan | None = None
        table: Table | None = None
        if isinstance(stmt, ast.Select):
            table = self.catalog.table(stmt.keyspace or keyspace, stmt.table)
            compiled = SelectPlan(compiler, table, stmt)
        elif isinstance(stmt, (ast.Insert, ast.Update, ast.Delete)):
            table = self.catalog.table(stmt.keyspace or keyspace, stmt.table)
            compiled = compile_modify(compiler, table, stmt)
        elif isinstance(stmt, ast.Batch):
            compiled = compile_batch(self.catalog, compiler, stmt, keyspace)
        missing = [m.index for m in parsed.markers if m.index not in compiler.specs]
        if missing and not isinstance(stmt, SCHEMA_STATEMENTS):
            raise InvalidRequest("Bind variables are not supported in this position")
        if parsed.markers and isinstance(stmt, SCHEMA_STATEMENTS):
            raise InvalidRequest("Bind variables cannot be used in schema statements")
        bind = [compiler.specs[m.index] for m in parsed.markers]
        names = [m.name for m in parsed.markers]
        return Plan(text, stmt, keyspace, version, bind, names, compiled, table)


def release(plan: Plan | None) -> None:
    """Free a plan `Planner.ahead` made, a statement at a time (on a worker thread).
    Dropped at once, a 100,000-statement batch's plan is freed inside one C call, ~0.3 s
    that holds the GIL and that no thread switch can cut into."""
    if plan is None or not isinstance(plan.statement, ast.Batch):
        return
    children = plan.compiled.children if isinstance(plan.compiled, BatchPlan) else []
    statements = list(plan.statement.statements)  # hold them: the tuple goes cheaply
    plan.compiled = None
    plan.statement = ast.Batch(plan.statement.kind, ())
    while children:
        children.pop()
    while statements:
        statements.pop()


def pk_indexes(plan: Plan) -> list[int]:
    """Which bind markers give the partition key, in its order (PREPARED metadata, for
    the driver's token-aware routing); none unless every key column is bound."""
    table = plan.table
    if table is None or not isinstance(plan.statement, (ast.Select, ast.Insert, ast.Update, ast.Delete)):
        return []
    positions: dict[str, int] = {}
    for i, spec in enumerate(plan.bind):
        if spec.table == table.name and spec.name in table.columns and spec.name not in positions:
            positions[spec.name] = i
    try:
        return [positions[c.name] for c in table.partition_key]
    except KeyError:
        return []


def bind_values(
    plan: Plan,
    options: QueryOptions | list[RawValue],
    names: list[str] | None = None,
    batch: bool = False,
) -> list[RawValue]:
    """The values for ``plan``'s markers, in marker order (named values put in place)."""
    values = options.values if isinstance(options, QueryOptions) else options
    names = options.names if isinstance(options, QueryOptions) else names
    if names:
        by_name = dict(zip(names, values))
        ordered: list[RawValue] = []
        for spec, marker_name in zip(plan.bind, plan.names):
            name = marker_name or spec.name
            if name not in by_name:
                raise InvalidRequest(f"Invalid request: missing value for bound variable {name}")
            ordered.append(by_name[name])
        values = ordered
    if len(values) != len(plan.bind):  # ScyllaDB words it differently for a batch's statements
        if batch:
            raise InvalidRequest(
                f"There were {len(plan.bind)} markers(?) in CQL but {len(values)} bound variables"
            )
        raise InvalidRequest(
            f"Invalid amount of bind variables: expected {len(plan.bind)} received {len(values)}"
        )
    return list(values)
