"""BATCH, from CQL text (BEGIN ... APPLY BATCH) or the protocol's BATCH message.

All statements of a batch share one write timestamp unless a statement names its
own. Every statement's writes are computed first, against the data as it was before
the batch, and only then applied, which cannot fail: a batch is atomic, and a
statement that fails, however late, leaves nothing written. As in ScyllaDB, the
writes to one partition are applied in isolation (in one step); a long batch across
partitions is applied some partitions a turn (`APPLY_SLICE`), others served between.
The commit log gets the batch as one record (its text, or a protocol BATCH's
statements: `batch_record`), so a restart replays all of it or none. A batch with an
IF condition is one lightweight transaction on one partition (`lwt.CasRequest`):
every condition is checked against the partition as it was before the batch, then
all statements apply or none, at the transaction's time, and the answer has a row
per statement.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..catalog import Catalog, Table
from ..cql import ast
from ..errors import InvalidRequest
from ..records import BatchRecord, BatchTextRecord, Record
from ..requests import BatchOptions, QueryOptions, RawValue
from ..results import Continues, Outcome, Result, Void, finish
from ..types import native
from .consistency import check_write_consistency
from .derived import DerivedData
from .lwt import CasRequest, batch_result_columns
from .modify import ModifyPlan, WriteContext, check_writable, compile_modify
from .terms import Compiler, Execution, Receiver

KINDS = {0: "LOGGED", 1: "UNLOGGED", 2: "COUNTER"}
COMPUTE_SLICE = 250
"""Statements of an unconditional batch whose writes are computed in one turn of the loop
(~5 ms: a small request that comes meanwhile waits about that long, not a 1,000's ~20 ms
or more on a busy machine)."""
APPLY_SLICE = 250
"""About as many statements' writes applied in one turn: whole partitions at a time."""
BATCH_SIZE_FAIL_BYTES = 1024 * 1024
"""ScyllaDB's batch_size_fail_threshold_in_kb (1024 by default): a batch of more than one
partition that is larger is refused, "Batch too large". ScyllaDB weighs the mutations in
memory; here the size is the statements' text and bound values (`check_size`)."""

Item = tuple[ModifyPlan, Execution, str, "str | None"]  # plan, execution, its text (protocol BATCH), keyspace


@dataclass
class BatchPlan:
    kind: str
    children: list[ModifyPlan]
    timestamp: Any = None  # compiled USING TIMESTAMP of the batch

    def __post_init__(self) -> None:
        """What every execution checks, known once (a 100,000-statement batch: ~50 ms a look)."""
        self.conditional = any(c.conditional for c in self.children)
        self.tables: list[Table] = list({id(c.table): c.table for c in self.children}.values())

    def items(self, ex: Execution, keyspace: str | None) -> Iterator[Item]:
        return ((child, ex, "", keyspace) for child in self.children)


def compile_batch(catalog: Catalog, compiler: Compiler, stmt: ast.Batch, keyspace: str | None) -> BatchPlan:
    children = [
        compile_modify(compiler, catalog.table(child.keyspace or keyspace, child.table), child)
        for child in stmt.statements
    ]
    ts = None
    if stmt.using.timestamp is not None:
        ts = compiler.term(stmt.using.timestamp, Receiver("", "", "[timestamp]", native("bigint")))
    plan = BatchPlan(stmt.kind, children, ts)
    check_kinds(plan.kind, plan.children, stmt.using.timestamp is not None, stmt.using.ttl is not None)
    return plan


def check_kinds(kind: str, children: list[ModifyPlan], timestamp: bool = False, ttl: bool = False) -> None:
    """ScyllaDB's batch validation, in its order. ``timestamp``/``ttl``: the batch has a
    USING TIMESTAMP/TTL of its own (a text batch; the protocol's default timestamp is not one)."""
    conditional = any(c.conditional for c in children)
    counters = [c.table.is_counter for c in children]
    if ttl:
        raise InvalidRequest("Global TTL on the BATCH statement is not supported.")
    if timestamp and conditional:
        raise InvalidRequest("Cannot provide custom timestamp for conditional BATCH")
    if timestamp and kind == "COUNTER":
        raise InvalidRequest("Cannot provide custom timestamp for counter BATCH")
    if timestamp and any(counters):
        raise InvalidRequest("Cannot provide custom timestamp for a BATCH containing counters")
    if timestamp and any(c.stmt.using.timestamp is not None for c in children):
        raise InvalidRequest("Timestamp must be set either on BATCH or individual statements")
    if kind == "COUNTER" and not all(counters):
        raise InvalidRequest("Cannot include non-counter statement in a counter batch")
    if kind == "LOGGED" and any(counters):
        raise InvalidRequest("Cannot include a counter statement in a logged batch")
    if any(counters) and not all(counters):
        raise InvalidRequest("Counter and non-counter mutations cannot exist in the same batch")
    if conditional and len({(c.table.keyspace, c.table.name) for c in children}) > 1:
        raise InvalidRequest("BATCH with conditions cannot span multiple tables")


def check_size(items: Iterable[Item], size: int) -> None:
    """Refuse a batch over `BATCH_SIZE_FAIL_BYTES` that writes more than one partition,
    as ScyllaDB's verify_batch_size does, before any of its writes is computed."""
    if size <= BATCH_SIZE_FAIL_BYTES:
        return
    first = None
    for plan, ex, _, _ in items:
        for pk in plan.keys(ex)[0]:
            where = (plan.table.keyspace, plan.table.name, pk)
            if first is None:
                first = where
            elif where != first:
                raise InvalidRequest("Batch too large")


def _bytes(values: list[RawValue]) -> int:
    return sum(len(v) for v in values if isinstance(v, bytes))


def apply_all(items: list[Item], default_ts: int | None, log: Callable[[], None] = lambda: None) -> Outcome:
    """Compute every statement's writes, then apply them all (a conditional batch: if
    its conditions hold), then ``log`` the batch, as one record, if anything was
    written. A long unconditional batch is computed `COMPUTE_SLICE` statements a turn
    (`Continues`), other clients served in between; the writes are then applied whole
    partitions at a time (`by_partition`), so no reader sees part of a partition's."""
    if not items:
        return Void()
    now_micros = items[0][1].now_micros
    now_s = now_micros // 1_000_000
    if any(plan.conditional for plan, _, _, _ in items):
        result, applied = _apply_conditional(items, now_s)
        if applied:
            log()
        return result
    ts = default_ts if default_ts is not None else now_micros
    return _in_slices(items, (ts, now_s), 0, [], log)


def _in_slices(
    items: list[Item],
    when: tuple[int, int],
    start: int,
    done: list[tuple[Any, Callable[[], None]]],
    log: Callable[[], None],
) -> Outcome:
    """The writes of statements ``start`` on, `COMPUTE_SLICE` of them: each one's write
    parameters (``when``: timestamp, now in seconds), partition and mutation."""
    end = start + COMPUTE_SLICE
    done += [
        (_partition_of(plan, ex), plan.mutation(ex, plan.write_context(ex, *when)))
        for plan, ex, _, _ in items[start:end]
    ]
    if end < len(items):
        return Continues(lambda: _in_slices(items, when, end, done, log))
    return _apply_in_slices(by_partition(done), 0, log)


def _partition_of(plan: ModifyPlan, ex: Execution) -> tuple[str, str, tuple[bytes, ...]] | None:
    """The one partition a statement writes (None: several, an IN on the key)."""
    pks, _ = plan.keys(ex)
    return (plan.table.keyspace, plan.table.name, pks[0]) if len(pks) == 1 else None


def by_partition(done: list[tuple[Any, Callable[[], None]]]) -> list[list[Callable[[], None]]]:
    """The computed writes grouped by partition, in statement order within each; one
    group of all when a statement writes several partitions."""
    if any(where is None for where, _ in done):
        return [[apply for _, apply in done]]
    groups: dict[Any, list[Callable[[], None]]] = {}
    for where, apply in done:
        groups.setdefault(where, []).append(apply)
    return list(groups.values())


def _apply_in_slices(groups: list[list[Callable[[], None]]], start: int, log: Callable[[], None]) -> Outcome:
    applied, end = 0, start
    while end < len(groups) and applied < APPLY_SLICE:
        for apply in groups[end]:
            apply()
        applied += len(groups[end])
        end += 1
    if end < len(groups):
        return Continues(lambda: _apply_in_slices(groups, end, log))
    log()
    return Void()


def write_all(items: list[Item], contexts: list[WriteContext]) -> None:
    """Every statement's writes computed (which raises any error, nothing applied
    yet), then all of them applied (which cannot fail): a batch applies whole or not
    at all, and no other request runs in between."""
    mutations = [plan.mutation(ex, wc) for (plan, ex, _, _), wc in zip(items, contexts)]
    for apply in mutations:
        apply()


def _cas_contexts(items: list[Item], now_s: int) -> list[WriteContext]:
    """The write parameters of a transaction's statements: every statement writes at
    the server's time (ScyllaDB's Paxos ballot), neither the client's timestamp nor a
    statement's USING TIMESTAMP."""
    contexts = []
    for plan, ex, _, _ in items:
        wc = plan.write_context(ex, None, now_s)
        wc.ts = ex.now_micros
        contexts.append(wc)
    return contexts


def _apply_conditional(items: list[Item], now_s: int) -> tuple[Result, bool]:
    """One partition's read-check-write, as one synchronous step (nothing else runs
    in between)."""
    plans = [plan for plan, _, _, _ in items]
    first, ex0 = items[0][0], items[0][1]
    pks, _ = first.keys(ex0)
    if len(pks) != 1:
        raise InvalidRequest("BATCH with conditions cannot span multiple partitions")
    request = CasRequest(first.table, pks[0], now_s)
    for plan, ex, _, _ in items:
        request.add(plan, ex)
    contexts = _cas_contexts(items, now_s)
    request.read()
    applied = request.applies()
    if applied:
        write_all(items, contexts)
    return request.result(batch_result_columns(plans), applied), applied


Logged = Callable[[Record], None]
"""Where a batch's record goes once it is applied (the engine's log)."""


def run_batch_statement(
    bplan: BatchPlan, text: str, keyspace: str | None, ex: Execution, options: QueryOptions, logged: Logged
) -> Outcome:
    """A BEGIN ... APPLY BATCH sent as one QUERY/EXECUTE."""
    for table in bplan.tables:
        check_writable(table)
    check_write_consistency(bplan.tables, bplan.conditional, options.consistency, options.serial_consistency)
    default_ts = options.timestamp
    if bplan.timestamp is not None:
        raw = bplan.timestamp(ex)
        if raw is None:
            raise InvalidRequest("Invalid null value of timestamp")
        default_ts = native("bigint").decode(raw)
    check_size(bplan.items(ex, keyspace), len(text) + _bytes(ex.values))
    items = list(bplan.items(ex, keyspace))
    ts = default_ts if default_ts is not None else ex.now_micros
    # a textual batch replays as one unit: its whole text, once
    record = BatchTextRecord(text, keyspace, ex.values, ts, ex.now_micros)
    return apply_all(items, default_ts, lambda: logged(record))


def batch_kind(code: int) -> str:
    """The protocol BATCH's type byte as a kind."""
    kind = KINDS.get(code)
    if kind is None:
        raise InvalidRequest(f"Invalid batch type {code}")
    return kind


def run_batch(kind: str, items: list[Item], options: BatchOptions, logged: Logged) -> Outcome:
    """The protocol's BATCH message, its statements planned and bound (``items``)."""
    bplan = BatchPlan(kind, [p for p, _, _, _ in items])
    check_kinds(kind, bplan.children)
    for table in bplan.tables:
        check_writable(table)
    check_write_consistency(bplan.tables, bplan.conditional, options.consistency, options.serial_consistency)
    check_size(items, sum(len(text) + _bytes(ex.values) for _, ex, text, _ in items))
    return apply_all(items, options.timestamp, lambda: logged(batch_record(kind, items, options.timestamp)))


def batch_record(kind: str, items: list[Item], default_ts: int | None) -> BatchRecord:
    """The commit-log record of a protocol BATCH: one record for the whole batch, so a
    crash keeps all of it or none. The statements (text, keyspace, number of values)
    go in the record's header, their values one after the other in its values."""
    now = items[0][1].now_micros
    header = {
        "kind": kind,
        "conditional": any(plan.conditional for plan, _, _, _ in items),
        "statements": [[text, keyspace, len(ex.values)] for _, ex, text, keyspace in items],
    }
    values = [v for _, ex, _, _ in items for v in ex.values]
    return BatchRecord(json.dumps(header), values, default_ts if default_ts is not None else now, now)


def replay_batch(
    record: BatchRecord, modify_plan: Callable[[str, str | None], ModifyPlan], derived: DerivedData | None
) -> None:
    """Apply a `batch_record` again, as one unit; a conditional batch's statements
    without their conditions (they held when it was logged, against the state replay
    rebuilds), at the transaction's time. ``modify_plan``: the plan of a statement's text."""
    header = json.loads(record.header)
    items: list[Item] = []
    pos = 0
    now = record.now
    for statement, keyspace, count in header["statements"]:
        ex = Execution(list(record.values[pos : pos + count]), now, derived)
        items.append((modify_plan(statement, keyspace), ex, statement, keyspace))
        pos += count
    if header["conditional"]:
        write_all(items, _cas_contexts(items, now // 1_000_000))
    else:
        finish(apply_all(items, record.ts))
