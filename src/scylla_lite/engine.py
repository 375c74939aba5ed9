"""The database engine as the protocol layer sees it: text or prepared ids in, results out.

`Engine` owns the catalog, the storage, the clock and the statement caches. Every
method is synchronous and runs on the server's event-loop thread, so each request is
atomic with respect to the others; `sync()` is the only await point (the commit-log
barrier).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from . import system_tables
from .auth import Auth
from .catalog import Catalog, Table
from .cql import ast, parse
from .errors import InvalidRequest, SyntaxException, Unauthorized, Unprepared
from .execution import access, ddl
from .execution.lwt import CasRequest, batch_result_columns, result_spec
from .execution.modify import ModifyPlan, compile_modify
from .execution.select import SelectPlan
from .execution.terms import Compiler, Execution
from .lru import ByteBudgetLRU
from .requests import BatchOptions, ClientState, QueryOptions, RawValue
from .results import (
    ColumnSpec,
    Continues,
    Outcome,
    Prepared,
    Result,
    Rows,
    SchemaChange,
    SetKeyspace,
    Void,
    finish,
    then,
)

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
INTERNAL_PAGE_ROWS = 1000
"""An unpaged read is made this many rows at a time, other clients served in between."""


class EngineAPI(Protocol):
    """What `scylla_lite.protocol` needs from an engine (the real one or the null one)."""

    auth_enabled: bool

    def query(self, client: ClientState, query: str, options: QueryOptions) -> Result: ...

    def prepare(self, client: ClientState, query: str) -> Prepared: ...

    def execute(self, client: ClientState, statement_id: bytes, options: QueryOptions) -> Result: ...

    def batch(self, client: ClientState, options: BatchOptions) -> Result: ...

    def authenticate(self, user: str, password: str) -> bool: ...

    async def sync(self) -> None:
        """Return once every write acknowledged so far is durable (no-op in memory)."""
        ...


class Clock:
    """The server clock: wall time plus an offset tests may move forward (TTL expiry)."""

    def __init__(self) -> None:
        self.offset_micros = 0
        self._last = 0

    def micros(self) -> int:
        """Strictly increasing microseconds, so two writes never share a default timestamp."""
        now = time.time_ns() // 1000 + self.offset_micros
        if now <= self._last:
            now = self._last + 1
        self._last = now
        return now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset_micros += int(seconds * 1_000_000)


@dataclass
class Plan:
    """A parsed and compiled statement, cached by (text, keyspace, schema version)."""

    text: str
    statement: ast.Statement
    keyspace: str | None
    version: Any
    bind: list[ColumnSpec]
    names: list[str | None]
    compiled: SelectPlan | ModifyPlan | None
    table: Table | None


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


class Engine:
    """The real engine: catalog + storage + statement execution."""

    def __init__(
        self, *, data_dir: Path | None = None, auth: bool = False, advertised_address: str = "127.0.0.1"
    ) -> None:
        self.catalog = Catalog()
        self.clock = Clock()
        self.auth_enabled = auth
        self.advertised_address = advertised_address
        self.started_at = int(time.time())
        self.auth = Auth()
        self.auth_changes = 0  # bumped by every change of roles or permissions
        self._plans: ByteBudgetLRU[tuple[str, str | None], Plan] = ByteBudgetLRU(PLAN_CACHE_BYTES, 20_000)
        self._prepared: ByteBudgetLRU[bytes, tuple[str, str | None]] = ByteBudgetLRU(
            PREPARED_CACHE_BYTES, 200_000
        )
        self._system_cache: dict[tuple[str, str], tuple[Any, Any]] = {}
        self._ahead: dict[tuple[str, str | None], Plan] = {}  # `plan_ahead`'s, for `_plan`
        self._ahead_lock = threading.Lock()
        system_tables.install(self)
        self.data_dir = data_dir
        self.log: Any = None
        if data_dir is not None:
            from .durability import CommitLog

            self.log = CommitLog(Path(data_dir), self)
            self.log.recover()

    # ------------------------------------------------------------------ API
    def authenticate(self, user: str, password: str) -> bool:
        """bcrypt's check: slow on purpose, so the server runs it off its event loop."""
        return self.auth.authenticate(user, password)

    def is_superuser_login(self, user: str, password: str) -> bool:
        """The admin interface's check of HTTP Basic credentials under --auth."""
        return self.auth.authenticate(user, password) and self.auth.is_superuser(user)

    def auth_state(self) -> dict[str, Any]:
        """Roles (hashed passwords) and permissions, for the snapshot."""
        return self.auth.state()

    def restore_auth(self, state: dict[str, Any] | None, legacy_roles: dict[str, Any] | None = None) -> None:
        """Load a snapshot's auth state (``legacy_roles``: a snapshot from before hashes)."""
        if state is not None:
            self.auth.restore(state)
        elif legacy_roles:
            self.auth.restore_legacy(legacy_roles)
        self.auth_changes += 1

    async def sync(self) -> None:
        if self.log is not None:
            await self.log.sync()

    def close(self) -> None:
        if self.log is not None:
            self.log.close()

    def query(self, client: ClientState, query: str, options: QueryOptions) -> Result:
        return finish(self.start_query(client, query, options))

    def start_query(self, client: ClientState, query: str, options: QueryOptions) -> Outcome:
        """`query`, but a long request may answer `Continues`: its next slices run
        between other clients' requests (the server's side of `scylla_lite.results.Continues`)."""
        plan = self._plan(query, client.keyspace)
        return self._run(client, plan, options)

    def prepare(self, client: ClientState, query: str) -> Prepared:
        plan = self._plan(query, client.keyspace)
        statement_id = hashlib.md5((query + "\x00" + (client.keyspace or "")).encode()).digest()
        self._prepared.put(statement_id, (query, client.keyspace), len(query) + PREPARED_ENTRY_BYTES)
        pk_indexes = self._pk_indexes(plan)
        result: list[ColumnSpec] = []
        if isinstance(plan.compiled, SelectPlan):
            result = plan.compiled.columns
        elif isinstance(plan.compiled, ModifyPlan) and plan.compiled.conditional:
            result = result_spec(plan.compiled.table, plan.compiled.cas_columns)
        elif isinstance(plan.statement, ast.Batch):
            from .execution.batch import BatchPlan

            if isinstance(plan.compiled, BatchPlan) and plan.compiled.conditional:  # type: ignore[unreachable]
                children = plan.compiled.children  # type: ignore[unreachable]
                result = result_spec(children[0].table, batch_result_columns(children))
        return Prepared(statement_id, plan.bind, pk_indexes, result)

    def execute(self, client: ClientState, statement_id: bytes, options: QueryOptions) -> Result:
        return finish(self.start_execute(client, statement_id, options))

    def start_execute(self, client: ClientState, statement_id: bytes, options: QueryOptions) -> Outcome:
        """`execute` in internal pages, as `start_query`."""
        entry = self._prepared.get(statement_id)
        if entry is None:
            raise Unprepared(
                f"Prepared query with ID {statement_id.hex()} not found (either the query was not "
                "prepared on this host (maybe the host has been restarted?) or you have prepared too "
                "many queries and it has been evicted from the internal cache)",
                statement_id,
            )
        text, keyspace = entry
        plan = self._plan(text, keyspace)
        outcome = self._run(ClientState(keyspace or client.keyspace, client.user), plan, options)
        return then(outcome, _without_metadata) if options.skip_metadata else outcome

    def authorize(self, client: ClientState, stmt: ast.Statement, keyspace: str | None) -> None:
        """With --auth, refuse ``stmt`` unless the client's role holds what it needs."""
        if self.auth_enabled:
            access.authorize(self.auth, client.user, stmt, keyspace, self.catalog)

    def batch(self, client: ClientState, options: BatchOptions) -> Result:
        return finish(self.start_batch(client, options))

    def start_batch(self, client: ClientState, options: BatchOptions) -> Outcome:
        """`batch`, a long one computed in slices (`scylla_lite.results.Continues`)."""
        from .execution.batch import run_batch

        return run_batch(self, client, options)

    # ------------------------------------------------------------------ planning
    def _plan(self, text: str, keyspace: str | None) -> Plan:
        key = (text, keyspace)
        plan = self._plans.get(key)
        if plan is not None and plan.version == self.catalog.version:
            return plan
        with self._ahead_lock:
            ahead = self._ahead.pop(key, None)
        if ahead is not None and ahead.version == self.catalog.version:
            return ahead  # not cached: whoever made it frees it (off the loop), and makes it again
        plan = self._compile(text, keyspace, self.catalog.version)  # none ahead, or the schema changed
        self._plans.put(key, plan, PLAN_BYTES + PLAN_BYTES_PER_CHAR * len(text))
        return plan

    def plan_ahead(self, text: str, keyspace: str | None) -> Plan | None:
        """Parse and compile a long statement on a worker thread, for the `_plan` of it that
        follows on the event loop (a 100,000-statement batch: seconds of work the loop
        spends serving others). Compiling only reads the schema; the plan records the
        schema version read before it started, and the loop takes it only if that is still
        the version, so a schema change made meanwhile means compiling again. Any error is
        left for the loop's own compile to raise. Returned too: the caller frees it, off the loop."""
        version = self.catalog.version
        try:
            plan = self._compile(text, keyspace, version)
        except Exception:
            return None
        with self._ahead_lock:
            while len(self._ahead) >= 16:  # never taken (a closed connection): forget the oldest
                del self._ahead[next(iter(self._ahead))]
            self._ahead[(text, keyspace)] = plan
        return plan

    def snapshots_held(self) -> contextlib.AbstractContextManager[None]:
        """No snapshot starts meanwhile (`CommitLog.snapshots_held`)."""
        return contextlib.nullcontext() if self.log is None else self.log.snapshots_held()

    @staticmethod
    def release(plan: Plan | None) -> None:
        """Free a plan `plan_ahead` made, a statement at a time (on a worker thread).
        Dropped at once, a 100,000-statement batch's plan is freed inside one C call, ~0.3 s
        that holds the GIL and that no thread switch can cut into."""
        if plan is None or not isinstance(plan.statement, ast.Batch):
            return
        children = getattr(plan.compiled, "children", [])
        statements = list(plan.statement.statements)  # hold them: the tuple goes cheaply
        plan.compiled = plan.statement = None  # type: ignore[assignment]
        while children:
            children.pop()
        while statements:
            statements.pop()

    def _compile(self, text: str, keyspace: str | None, version: Any) -> Plan:
        parsed = parse(text)
        compiler = Compiler(catalog=self.catalog, keyspace=keyspace)
        stmt = parsed.statement
        compiled: SelectPlan | ModifyPlan | None = None
        table: Table | None = None
        if isinstance(stmt, ast.Select):
            table = self.catalog.table(stmt.keyspace or keyspace, stmt.table)
            compiled = SelectPlan(compiler, table, stmt)
        elif isinstance(stmt, (ast.Insert, ast.Update, ast.Delete)):
            table = self.catalog.table(stmt.keyspace or keyspace, stmt.table)
            compiled = compile_modify(compiler, table, stmt)
        elif isinstance(stmt, ast.Batch):
            from .execution.batch import compile_batch

            compiled = compile_batch(self, compiler, stmt, keyspace)  # type: ignore[assignment]
        missing = [m.index for m in parsed.markers if m.index not in compiler.specs]
        if missing and not isinstance(stmt, SCHEMA_STATEMENTS):
            raise InvalidRequest("Bind variables are not supported in this position")
        if parsed.markers and isinstance(stmt, SCHEMA_STATEMENTS):
            raise InvalidRequest("Bind variables cannot be used in schema statements")
        bind = [compiler.specs[m.index] for m in parsed.markers]
        names = [m.name for m in parsed.markers]
        return Plan(text, stmt, keyspace, version, bind, names, compiled, table)

    def compile_child(
        self, compiler: Compiler, stmt: ast.Insert | ast.Update | ast.Delete, keyspace: str | None
    ) -> ModifyPlan:
        table = self.catalog.table(stmt.keyspace or keyspace, stmt.table)
        return compile_modify(compiler, table, stmt)

    def _pk_indexes(self, plan: Plan) -> list[int]:
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

    # ------------------------------------------------------------------ running
    def bind_values(
        self,
        plan: Plan,
        options: QueryOptions | list[RawValue],
        names: list[str] | None = None,
        batch: bool = False,
    ) -> list[RawValue]:
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

    def _run(self, client: ClientState, plan: Plan, options: QueryOptions) -> Outcome:
        stmt = plan.statement
        check_consistency(stmt, plan.compiled, options.consistency, options.serial_consistency)
        values = self.bind_values(plan, options)
        self.authorize(client, stmt, client.keyspace)
        now = self.clock.micros()
        if isinstance(stmt, access.STATEMENTS):
            result = access.run(self.auth, client.user, stmt, client.keyspace, self.catalog)
            if not isinstance(stmt, (ast.ListRoles, ast.ListPermissions)):
                self.auth_changed(now)
            return result
        ex = Execution(values, now, self)
        if isinstance(stmt, ast.Select):
            assert isinstance(plan.compiled, SelectPlan)
            if CONSISTENCY_NAMES.get(options.consistency) in ("SERIAL", "LOCAL_SERIAL"):
                where = plan.compiled.where  # a SERIAL read is a Paxos read of one partition
                keys = where.partition_keys(plan.compiled.table, ex) if where.partition else None
                if keys is None or len(keys) != 1:
                    raise InvalidRequest(
                        "SERIAL/LOCAL_SERIAL consistency may only be requested for one partition at a time"
                    )
            self._refresh_virtual(plan.compiled.table)
            page_size = options.page_size if options.page_size and options.page_size > 0 else None
            if page_size is None and plan.compiled.resumable:
                return self._in_pages(plan.compiled, ex)
            return plan.compiled.run(ex, page_size, options.paging_state)
        if isinstance(stmt, (ast.Insert, ast.Update, ast.Delete)):
            assert isinstance(plan.compiled, ModifyPlan)
            return self.run_modify(plan, plan.compiled, ex, options.timestamp, options.values, client)
        if isinstance(stmt, ast.Batch):
            from .execution.batch import run_batch_statement

            return run_batch_statement(self, client, plan, ex, options)
        if isinstance(stmt, ast.Use):
            if stmt.keyspace not in self.catalog.keyspaces:  # ScyllaDB's set_keyspace quotes the name
                raise InvalidRequest(f"Keyspace '{stmt.keyspace}' does not exist")
            client.keyspace = stmt.keyspace
            return SetKeyspace(stmt.keyspace)
        result = self._schema(client, plan, stmt, now)
        if isinstance(result, SchemaChange):
            self.logged(("schema", plan.text, client.keyspace, now))
            if access.follow_schema(self.auth, client.user, result):
                self.auth_changed(now)
        return result

    def auth_changed(self, now: int) -> None:
        """Log the whole auth state (hashes, never a password: role statements are not logged as text)."""
        self.auth_changes += 1
        self.logged(("auth", json.dumps(self.auth.state()), None, [], 0, now))

    def _in_pages(self, compiled: SelectPlan, ex: Execution) -> Outcome:
        """An unpaged read, `INTERNAL_PAGE_ROWS` at a time: each page resumes from the last
        one's position, so the writes of other clients served in between are safe."""
        rows: list[list[bytes | None]] = []

        def step(state: bytes | None) -> Outcome:
            page = compiled.run(ex, INTERNAL_PAGE_ROWS, state)
            rows.extend(page.rows)
            after = page.paging_state
            if after is None:
                return Rows(compiled.columns, rows)
            return Continues(lambda: step(after))

        return step(None)

    def run_modify(
        self,
        plan: Plan,
        compiled: ModifyPlan,
        ex: Execution,
        default_ts: int | None,
        raw_values: list[RawValue],
        client: ClientState,
    ) -> Result:
        now_s = ex.now_micros // 1_000_000
        if compiled.conditional:
            # read, check and write in this one synchronous call: no other request runs
            # in between. The write is stamped with the server's time (ScyllaDB's Paxos
            # ballot), never the client's default timestamp.
            wc = compiled.write_context(ex, None, now_s)
            request = CasRequest(compiled.table, compiled.keys(ex)[0][0], now_s)
            request.add(compiled, ex)
            request.read()
            applied = request.applies()
            if applied:
                compiled.apply(ex, wc)
                self.logged(("cas_write", plan.text, plan.keyspace, ex.values, wc.ts, ex.now_micros))
            return request.result(compiled.cas_columns, applied)
        wc = compiled.write_context(ex, default_ts, now_s)
        compiled.apply(ex, wc)
        self.logged(("write", plan.text, plan.keyspace, ex.values, wc.ts, ex.now_micros))
        return Void()

    def replay_cas_write(self, plan: Plan, ex: Execution, ts: int) -> None:
        """Apply a logged statement of an applied LWT again, without its conditions."""
        assert isinstance(plan.compiled, ModifyPlan)
        wc = plan.compiled.write_context(ex, ts, ex.now_micros // 1_000_000)
        wc.ts = ts  # the transaction's time, even over a statement's USING TIMESTAMP
        plan.compiled.apply(ex, wc)

    def clock_state(self) -> dict[str, Any]:
        """What the admin interface shows of the clock."""
        from .admin import clock_document

        return clock_document(self.clock.micros(), self.clock.offset_micros)

    def index_states(self) -> list[dict[str, Any]]:
        """What the admin interface shows of the vector indexes (`execution.vectors.describe`)."""
        from .execution.vectors import describe

        return describe(self.catalog)

    def advance_clock(self, seconds: float) -> None:
        """Move the clock forward (admin interface); the offset survives a restart."""
        self.clock.advance(seconds)
        self.logged(("clock", "", None, [], self.clock.offset_micros, self.clock.micros()))

    def logged(self, record: tuple[Any, ...]) -> None:
        if self.log is not None:
            self.log.append(record)

    def _refresh_virtual(self, table: Table) -> None:
        if table.virtual is None:
            return
        key = (table.keyspace, table.name)
        cached = self._system_cache.get(key)
        stamp = (self.catalog.version, table.keyspace == "system_auth" and self.auth_changes)
        if cached is not None and cached[0] == stamp:
            table.data = cached[1]
            return
        table.data = system_tables.materialise(table, table.virtual())
        self._system_cache[key] = (stamp, table.data)

    def _schema(self, client: ClientState, plan: Plan, stmt: ast.Statement, now: int) -> Result:
        ks = client.keyspace
        cat = self.catalog
        if isinstance(stmt, ast.CreateKeyspace):
            return ddl.create_keyspace(cat, stmt)  # type: ignore[no-any-return]
        if isinstance(stmt, ast.AlterKeyspace):
            return ddl.alter_keyspace(cat, stmt)  # type: ignore[no-any-return]
        if isinstance(stmt, ast.DropKeyspace):
            result = ddl.drop_keyspace(cat, stmt)
            if client.keyspace == stmt.name:
                client.keyspace = None
            return result  # type: ignore[no-any-return]
        self._not_system(stmt, ks)
        if isinstance(stmt, ast.CreateTable):
            return ddl.create_table(cat, ks, stmt)  # type: ignore[no-any-return]
        if isinstance(stmt, ast.AlterTable):
            return ddl.alter_table(cat, ks, stmt, now)  # type: ignore[no-any-return]
        if isinstance(stmt, ast.DropTable):
            return ddl.drop_table(cat, ks, stmt)  # type: ignore[no-any-return]
        if isinstance(stmt, ast.Truncate):
            result = ddl.truncate(cat, ks, stmt)
            self.logged(("schema", plan.text, ks, now))
            return result  # type: ignore[no-any-return]
        if isinstance(stmt, ast.CreateType):
            return ddl.create_type(cat, ks, stmt)  # type: ignore[no-any-return]
        if isinstance(stmt, ast.AlterType):
            return ddl.alter_type(cat, ks, stmt)  # type: ignore[no-any-return]
        if isinstance(stmt, ast.DropType):
            return ddl.drop_type(cat, ks, stmt)  # type: ignore[no-any-return]
        if isinstance(stmt, ast.CreateIndex):
            return ddl.create_index(cat, ks, stmt, now)  # type: ignore[no-any-return]
        if isinstance(stmt, ast.DropIndex):
            return ddl.drop_index(cat, ks, stmt)  # type: ignore[no-any-return]
        if isinstance(stmt, ast.CreateMaterializedView):
            return ddl.create_view(cat, ks, stmt, now)  # type: ignore[no-any-return]
        if isinstance(stmt, ast.AlterMaterializedView):
            return ddl.alter_view(cat, ks, stmt)  # type: ignore[no-any-return]
        if isinstance(stmt, ast.DropMaterializedView):
            return ddl.drop_view(cat, ks, stmt)  # type: ignore[no-any-return]
        raise SyntaxException(f"Unsupported statement {type(stmt).__name__}")

    def _not_system(self, stmt: Any, ks: str | None) -> None:
        target = getattr(stmt, "keyspace", None) or ks
        if target in system_tables.SYSTEM_KEYSPACES:
            raise Unauthorized(f"{target} keyspace is not user-modifiable.")

    def roles_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "role": name,
                "can_login": r.login,
                "is_superuser": r.superuser,
                "member_of": set(r.member_of) or None,
                "salted_hash": r.salted_hash,
            }
            for name, r in self.auth.roles.items()
        ]


def _without_metadata(result: Result) -> Result:
    """EXECUTE with skip_metadata: rows go without their column metadata."""
    if isinstance(result, Rows):
        result.no_metadata = True
    return result


CONSISTENCY_NAMES = {
    0: "ANY",
    1: "ONE",
    2: "TWO",
    3: "THREE",
    4: "QUORUM",
    5: "ALL",
    6: "LOCAL_QUORUM",
    7: "EACH_QUORUM",
    8: "SERIAL",
    9: "LOCAL_SERIAL",
    10: "LOCAL_ONE",
}


def check_consistency(
    stmt: ast.Statement, compiled: Any, consistency: int, serial: int | None = None
) -> None:
    """The consistency levels Cassandra refuses for a kind of statement."""
    name = CONSISTENCY_NAMES.get(consistency)
    if name is None:
        raise InvalidRequest(f"Unknown consistency level {consistency}")
    if isinstance(stmt, ast.Select) and name in ("ANY", "EACH_QUORUM"):
        raise InvalidRequest(f"{name} ConsistencyLevel is only supported for writes")
    if isinstance(stmt, (ast.Insert, ast.Update, ast.Delete)) and isinstance(compiled, ModifyPlan):
        check_write_consistency([compiled.table], compiled.conditional, consistency, serial)


def check_write_consistency(
    tables: list[Table], conditional: bool, consistency: int, serial: int | None
) -> None:
    """ScyllaDB's validate_for_write / validate_counter_for_write, and for a conditional
    statement or batch its Paxos (serial) and commit consistency levels, for writes to
    ``tables``."""
    name = CONSISTENCY_NAMES.get(consistency, str(consistency))
    is_serial = name in ("SERIAL", "LOCAL_SERIAL")
    if conditional:
        if serial is not None and CONSISTENCY_NAMES.get(serial) not in ("SERIAL", "LOCAL_SERIAL"):
            raise InvalidRequest(
                "Invalid consistency for conditional update. Must be one of SERIAL or LOCAL_SERIAL"
            )
        if is_serial:
            raise InvalidRequest(
                f"{name} is not supported as conditional update commit consistency. Use ANY if you mean "
                '"make sure it is accepted but I don\'t care how many replicas commit it for non-SERIAL reads"'
            )
        return
    counters = [t for t in tables if t.is_counter]
    if counters and name == "ANY":
        raise InvalidRequest(
            f"Consistency level ANY is not yet supported for counter table {counters[0].name}"
        )
    if counters and is_serial:
        raise InvalidRequest("Counter operations are inherently non-serializable")
    if is_serial:
        raise InvalidRequest("You must use conditional updates for serializable writes")


class NullStorageEngine(Engine):
    """The protocol ceiling, for benchmarks: a prepared statement on a user table runs
    for real once, and every later EXECUTE gets that first result back without
    touching storage or compiling anything. The wire work (decode the request, encode
    the same result) is what remains, so real/null throughput is storage's share."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._memo: dict[bytes, Result] = {}

    def start_execute(self, client: ClientState, statement_id: bytes, options: QueryOptions) -> Result:
        memo = self._memo.get(statement_id)
        if memo is not None:
            if isinstance(memo, Rows):
                return Rows(memo.columns, memo.rows, None, options.skip_metadata)
            return memo
        result = super().execute(client, statement_id, options)  # whole: the memo is one result
        entry = self._prepared.get(statement_id)
        keyspace = entry[1] if entry is not None else None
        if keyspace not in system_tables.SYSTEM_KEYSPACES and not isinstance(result, SchemaChange):
            self._memo[statement_id] = result
        return result
