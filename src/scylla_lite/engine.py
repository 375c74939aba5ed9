"""The database engine as the protocol layer sees it: text or prepared ids in, results out.

`Engine` owns the catalog, the storage, the clock, the planner (`planner.Planner`) and
the derived data (`execution.derived.DerivedData`), and runs each statement family of
`execution`. Every method is synchronous and runs on the server's event-loop thread, so
each request is atomic with respect to the others; `sync()` is the only await point (the
commit-log barrier). With a data directory, every change is logged as a `records` record,
and the engine is what `durability.CommitLog` snapshots and replays into (`Durable`).
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any, Protocol

from . import system_tables
from .admin import clock_document
from .auth import Auth
from .catalog import Catalog, Table
from .cql import ast
from .durability import CommitLog
from .errors import InvalidRequest, Unauthorized, Unprepared
from .execution import access, ddl, indexes, vectors, views
from .execution.batch import BatchPlan, Item, batch_kind, replay_batch, run_batch, run_batch_statement
from .execution.consistency import CONSISTENCY_NAMES, check_consistency
from .execution.derived import DerivedData
from .execution.lwt import CasRequest, batch_result_columns, result_spec
from .execution.modify import ModifyPlan, check_writable
from .execution.select import SelectPlan
from .execution.terms import Execution
from .planner import Plan, Planner, bind_values, pk_indexes, release
from .records import (
    AuthRecord,
    BatchRecord,
    BatchTextRecord,
    CasWriteRecord,
    ClockRecord,
    Log,
    Record,
    SchemaRecord,
    StatementRecord,
    WriteRecord,
)
from .requests import BatchItem, BatchOptions, ClientState, QueryOptions
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

INTERNAL_PAGE_ROWS = 1000
"""An unpaged read is made this many rows at a time, other clients served in between."""
DERIVED_FAMILIES = (indexes.maintainers_of, vectors.maintainers_of, views.maintainers_of)
"""The kinds of derived data every engine keeps up as it writes."""


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
        self.last = 0  # the last time given out

    def micros(self) -> int:
        """Strictly increasing microseconds, so two writes never share a default timestamp."""
        now = time.time_ns() // 1000 + self.offset_micros
        if now <= self.last:
            now = self.last + 1
        self.last = now
        return now

    def resume_after(self, micros: int) -> None:
        """Give out only times after ``micros`` (a recovered write's clock)."""
        self.last = max(self.last, micros)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset_micros += int(seconds * 1_000_000)


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
        self.planner = Planner(self.catalog)
        self.derived = DerivedData(self.catalog, DERIVED_FAMILIES)
        self._system_cache: dict[tuple[str, str], tuple[Any, Any]] = {}
        system_tables.install(self)
        self.data_dir = data_dir
        self.log: Log | None = None
        if data_dir is not None:
            commit_log = CommitLog(Path(data_dir), self)
            self.log = commit_log
            commit_log.recover()

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
        plan = self.planner.plan(query, client.keyspace)
        return self._run(client, plan, options)

    def prepare(self, client: ClientState, query: str) -> Prepared:
        statement_id, plan = self.planner.prepare(query, client.keyspace)
        return Prepared(statement_id, plan.bind, pk_indexes(plan), result_metadata(plan))

    def execute(self, client: ClientState, statement_id: bytes, options: QueryOptions) -> Result:
        return finish(self.start_execute(client, statement_id, options))

    def start_execute(self, client: ClientState, statement_id: bytes, options: QueryOptions) -> Outcome:
        """`execute` in internal pages, as `start_query`."""
        entry = self.planner.prepared.get(statement_id)
        if entry is None:
            raise Unprepared(
                f"Prepared query with ID {statement_id.hex()} not found (either the query was not "
                "prepared on this host (maybe the host has been restarted?) or you have prepared too "
                "many queries and it has been evicted from the internal cache)",
                statement_id,
            )
        text, keyspace = entry
        plan = self.planner.plan(text, keyspace)
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
        kind = batch_kind(options.kind)
        now = self.clock.micros()
        items = [self._batch_item(client, item, now) for item in options.items]
        return run_batch(kind, items, options, self.logged)

    def _batch_item(self, client: ClientState, item: BatchItem, now: int) -> Item:
        """One statement of a protocol BATCH, planned, authorized and bound."""
        if item.statement_id is not None:
            entry = self.planner.prepared.get(item.statement_id)
            if entry is None:
                raise Unprepared(
                    f"Prepared query with ID {item.statement_id.hex()} not found", item.statement_id
                )
            text, keyspace = entry
        else:
            text, keyspace = item.query or "", client.keyspace
        plan = self.planner.plan(text, keyspace)
        if not isinstance(plan.statement, (ast.Insert, ast.Update, ast.Delete)):
            raise InvalidRequest(
                "Invalid statement in batch: only UPDATE, INSERT and DELETE statements are allowed."
            )
        self.authorize(client, plan.statement, keyspace)
        values = bind_values(plan, item.values, None, batch=True)
        assert isinstance(plan.compiled, ModifyPlan)
        return (plan.compiled, Execution(values, now, self.derived), text, keyspace)

    # ------------------------------------------------------------------ planning
    def plan_ahead(self, text: str, keyspace: str | None) -> Plan | None:
        """`planner.Planner.ahead`: a long statement compiled on a worker thread."""
        return self.planner.ahead(text, keyspace)

    def snapshots_held(self) -> contextlib.AbstractContextManager[None]:
        """No snapshot starts meanwhile (`CommitLog.snapshots_held`)."""
        return contextlib.nullcontext() if self.log is None else self.log.snapshots_held()

    @staticmethod
    def release(plan: Plan | None) -> None:
        """`planner.release`: free a plan made ahead, on a worker thread."""
        release(plan)

    # ------------------------------------------------------------------ running
    def _run(self, client: ClientState, plan: Plan, options: QueryOptions) -> Outcome:
        stmt = plan.statement
        check_consistency(stmt, plan.compiled, options.consistency, options.serial_consistency)
        values = bind_values(plan, options)
        self.authorize(client, stmt, client.keyspace)
        now = self.clock.micros()
        if isinstance(stmt, access.STATEMENTS):
            result = access.run(self.auth, client.user, stmt, client.keyspace, self.catalog)
            if not isinstance(stmt, (ast.ListRoles, ast.ListPermissions)):
                self.auth_changed(now)
            return result
        ex = Execution(values, now, self.derived)
        compiled = plan.compiled
        if isinstance(compiled, SelectPlan):
            return self._select(compiled, ex, options)
        if isinstance(compiled, ModifyPlan):
            return self.run_modify(plan, compiled, ex, options.timestamp)
        if isinstance(compiled, BatchPlan):
            return run_batch_statement(compiled, plan.text, plan.keyspace, ex, options, self.logged)
        if isinstance(stmt, ast.Use):
            if stmt.keyspace not in self.catalog.keyspaces:  # ScyllaDB's set_keyspace quotes the name
                raise InvalidRequest(f"Keyspace '{stmt.keyspace}' does not exist")
            client.keyspace = stmt.keyspace
            return SetKeyspace(stmt.keyspace)
        result = self._schema(client, plan, stmt, now)
        if isinstance(result, SchemaChange):
            self.logged(SchemaRecord(plan.text, client.keyspace, now))
            if access.follow_schema(self.auth, client.user, result):
                self.auth_changed(now)
        return result

    def _select(self, compiled: SelectPlan, ex: Execution, options: QueryOptions) -> Outcome:
        if CONSISTENCY_NAMES.get(options.consistency) in ("SERIAL", "LOCAL_SERIAL"):
            where = compiled.where  # a SERIAL read is a Paxos read of one partition
            keys = where.partition_keys(compiled.table, ex) if where.partition else None
            if keys is None or len(keys) != 1:
                raise InvalidRequest(
                    "SERIAL/LOCAL_SERIAL consistency may only be requested for one partition at a time"
                )
        self._refresh_virtual(compiled.table)
        page_size = options.page_size if options.page_size and options.page_size > 0 else None
        if page_size is None and compiled.resumable:
            return self._in_pages(compiled, ex)
        return compiled.run(ex, page_size, options.paging_state)

    def auth_changed(self, now: int) -> None:
        """Log the whole auth state (hashes, never a password: role statements are not logged as text)."""
        self.auth_changes += 1
        self.logged(AuthRecord(json.dumps(self.auth.state()), now))

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

    def run_modify(self, plan: Plan, compiled: ModifyPlan, ex: Execution, default_ts: int | None) -> Result:
        check_writable(compiled.table)
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
                self.logged(CasWriteRecord(plan.text, plan.keyspace, ex.values, wc.ts, ex.now_micros))
            return request.result(compiled.cas_columns, applied)
        wc = compiled.write_context(ex, default_ts, now_s)
        compiled.apply(ex, wc)
        self.logged(WriteRecord(plan.text, plan.keyspace, ex.values, wc.ts, ex.now_micros))
        return Void()

    def replay_cas_write(self, plan: Plan, ex: Execution, ts: int) -> None:
        """Apply a logged statement of an applied LWT again, without its conditions."""
        assert isinstance(plan.compiled, ModifyPlan)
        wc = plan.compiled.write_context(ex, ts, ex.now_micros // 1_000_000)
        wc.ts = ts  # the transaction's time, even over a statement's USING TIMESTAMP
        plan.compiled.apply(ex, wc)

    def clock_state(self) -> dict[str, Any]:
        """What the admin interface shows of the clock."""
        return clock_document(self.clock.micros(), self.clock.offset_micros)

    def index_states(self) -> list[dict[str, Any]]:
        """What the admin interface shows of the vector indexes (`execution.vectors.describe`)."""
        return vectors.describe(self.catalog)

    def advance_clock(self, seconds: float) -> None:
        """Move the clock forward (admin interface); the offset survives a restart."""
        self.clock.advance(seconds)
        self.logged(ClockRecord(self.clock.offset_micros, self.clock.micros()))

    def logged(self, record: Record) -> None:
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
        """A schema statement or TRUNCATE (`execution.ddl.run`), on a keyspace of the user's."""
        if not isinstance(stmt, ddl.KEYSPACE_STATEMENTS):
            target = getattr(stmt, "keyspace", None) or client.keyspace
            if target in system_tables.SYSTEM_KEYSPACES:
                raise Unauthorized(f"{target} keyspace is not user-modifiable.")
        result = ddl.run(self.catalog, client.keyspace, stmt, now)
        if isinstance(stmt, ast.DropKeyspace) and client.keyspace == stmt.name:
            client.keyspace = None
        if isinstance(stmt, ast.Truncate):
            self.logged(SchemaRecord(plan.text, client.keyspace, now))
        return result

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

    # ------------------------------------------------------------------ durability.Durable
    def snapshot_state(self) -> dict[str, Any]:
        """The user keyspaces (schema and data), auth and the clock, as the snapshot keeps them."""
        return {
            "keyspaces": {name: ks for name, ks in self.catalog.keyspaces.items() if not ks.virtual},
            "auth": self.auth_state(),
            "clock": self.clock.last,
            "clock_offset": self.clock.offset_micros,
        }

    def restore_snapshot(self, state: dict[str, Any]) -> None:
        """Load a snapshot (`snapshot_state`, or an older release's)."""
        self.catalog.keyspaces.update(state["keyspaces"])
        self.restore_auth(state.get("auth"), state.get("roles"))
        self.clock.resume_after(state["clock"])
        self.clock.offset_micros = state.get("clock_offset", 0)
        self.catalog.bump()
        vectors.rebuild(self.catalog, self.clock.micros() // 1_000_000)  # graphs are not pickled

    def replay(self, record: Record) -> None:
        """Apply a logged change again. The clock resumes after the recorded clock; a
        record's timestamp may be a client's USING TIMESTAMP (any value): it moves nothing."""
        self.clock.resume_after(record.now)
        if isinstance(record, ClockRecord):
            self.clock.offset_micros = record.offset
        elif isinstance(record, AuthRecord):
            self.restore_auth(json.loads(record.state))
        elif isinstance(record, BatchRecord):
            replay_batch(record, self._modify_plan, self.derived)
        elif isinstance(record, SchemaRecord):
            plan = self.planner.plan(record.text, record.keyspace)
            self._schema(ClientState(record.keyspace), plan, plan.statement, record.now)
        else:
            self._replay_statement(record)

    def _replay_statement(self, record: StatementRecord) -> None:
        plan = self.planner.plan(record.text, record.keyspace)
        ex = Execution(list(record.values), record.now, self.derived)
        if isinstance(record, BatchTextRecord):
            assert isinstance(plan.compiled, BatchPlan)
            options = QueryOptions(values=list(record.values), timestamp=record.ts)
            finish(run_batch_statement(plan.compiled, plan.text, plan.keyspace, ex, options, self.logged))
        elif isinstance(record, CasWriteRecord):
            self.replay_cas_write(plan, ex, record.ts)
        else:
            assert isinstance(plan.compiled, ModifyPlan)
            self.run_modify(plan, plan.compiled, ex, record.ts)

    def _modify_plan(self, text: str, keyspace: str | None) -> ModifyPlan:
        plan = self.planner.plan(text, keyspace)
        assert isinstance(plan.compiled, ModifyPlan)
        return plan.compiled


def result_metadata(plan: Plan) -> list[ColumnSpec]:
    """The columns a prepared statement's result has (PREPARED's result metadata)."""
    compiled = plan.compiled
    if isinstance(compiled, SelectPlan):
        return compiled.columns
    if isinstance(compiled, ModifyPlan) and compiled.conditional:
        return result_spec(compiled.table, compiled.cas_columns)
    if isinstance(compiled, BatchPlan) and compiled.conditional:
        return result_spec(compiled.children[0].table, batch_result_columns(compiled.children))
    return []


def _without_metadata(result: Result) -> Result:
    """EXECUTE with skip_metadata: rows go without their column metadata."""
    if isinstance(result, Rows):
        result.no_metadata = True
    return result


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
        result = finish(super().start_execute(client, statement_id, options))  # whole: the memo is one result
        entry = self.planner.prepared.get(statement_id)
        keyspace = entry[1] if entry is not None else None
        if keyspace not in system_tables.SYSTEM_KEYSPACES and not isinstance(result, SchemaChange):
            self._memo[statement_id] = result
        return result
