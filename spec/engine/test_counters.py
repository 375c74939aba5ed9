"""Counters: increments and decrements, the counter-table rules and their errors,
counter batches, exact totals under concurrent clients, and 64-bit wraparound.

The driver picks the exception class from the ERROR frame's code (InvalidRequest
0x2200, ConfigurationException 0x2300, SyntaxException 0x2000), so asserting the
class asserts the code. Each refusal also checks that nothing was written.
"""

from __future__ import annotations

from typing import Any

import pytest
from cassandra import ConsistencyLevel, InvalidRequest
from cassandra.cluster import Cluster, Session
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.protocol import ConfigurationException
from cassandra.query import UNSET_VALUE, BatchStatement, BatchType, SimpleStatement
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spec.assertions import refused, table_contents
from spec.concurrency import run_clients


@pytest.fixture
def counts(cql: Session, keyspace: str) -> str:
    """The test keyspace with counter table c (hits, misses; one hit count of 5) and a plain table."""
    cql.execute("CREATE TABLE c (k int, r int, hits counter, misses counter, PRIMARY KEY (k, r))")
    cql.execute("CREATE TABLE plain (k int PRIMARY KEY, v int)")
    cql.execute("UPDATE c SET hits = hits + 5 WHERE k = 1 AND r = 1")
    return keyspace


def value(cql: Session, column: str, k: int, r: int) -> Any:
    row = cql.execute(f"SELECT {column} FROM c WHERE k = {k} AND r = {r}").one()
    return None if row is None else row[0]


# --------------------------------------------------------------------------- arithmetic


def test_increments_and_decrements(cql: Session, counts: str) -> None:
    cql.execute("UPDATE c SET hits = hits + 10, misses = misses - 3 WHERE k = 2 AND r = 1")
    assert tuple(cql.execute("SELECT hits, misses FROM c WHERE k = 2 AND r = 1").one()) == (10, -3)
    add = cql.prepare("UPDATE c SET hits = hits + ? WHERE k = ? AND r = ?")
    sub = cql.prepare("UPDATE c SET hits = hits - ? WHERE k = ? AND r = ?")
    cql.execute(add, (7, 2, 1))
    cql.execute(sub, (2, 2, 1))
    cql.execute(sub, (-4, 2, 1))  # minus a negative
    cql.execute("UPDATE c SET hits += 1, misses -= 1 WHERE k = 2 AND r = 1")
    assert tuple(cql.execute("SELECT hits, misses FROM c WHERE k = 2 AND r = 1").one()) == (20, -4)
    # an unset delta changes nothing; a counter never written reads null
    cql.execute(add, (UNSET_VALUE, 2, 1))
    assert value(cql, "hits", 2, 1) == 20
    cql.execute("UPDATE c SET hits = hits + 1 WHERE k = 3 AND r = 1")
    assert tuple(cql.execute("SELECT hits, misses FROM c WHERE k = 3 AND r = 1").one()) == (1, None)
    # the whole 64-bit range
    cql.execute(add, (2**63 - 1, 4, 1))
    assert value(cql, "hits", 4, 1) == 2**63 - 1


def test_in_on_the_clustering_key_increments_each_row(cql: Session, counts: str) -> None:
    cql.execute("UPDATE c SET hits = hits + 2 WHERE k = 1 AND r IN (1, 2, 3)")
    assert [tuple(r) for r in cql.execute("SELECT r, hits FROM c WHERE k = 1")] == [(1, 7), (2, 2), (3, 2)]


COUNTER_EXAMPLES = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@COUNTER_EXAMPLES
@given(
    ops=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(["hits", "misses"]), st.integers(-(2**31), 2**31)),
        min_size=1,
        max_size=25,
    )
)
def test_counters_hold_the_sum_of_their_deltas(
    cql: Session, counts: str, ops: list[tuple[int, str, int]]
) -> None:
    """Any sequence of increments and decrements over a few rows and columns."""
    cql.execute("TRUNCATE c")
    model: dict[tuple[int, str], int] = {}
    statements = {
        (col, sign): cql.prepare(f"UPDATE c SET {col} = {col} {sign} ? WHERE k = 9 AND r = ?")
        for col in ("hits", "misses")
        for sign in "+-"
    }
    for i, (r, col, delta) in enumerate(ops):
        sign = "+" if i % 2 else "-"
        cql.execute(statements[(col, sign)], (delta if sign == "+" else -delta, r))
        model[(r, col)] = model.get((r, col), 0) + delta
    got = {
        (row.r, col): getattr(row, col)
        for row in cql.execute("SELECT * FROM c WHERE k = 9")
        for col in ("hits", "misses")
    }
    expected = {(r, col): model.get((r, col)) for r in {r for r, _ in model} for col in ("hits", "misses")}
    assert got == expected


# --------------------------------------------------------------------------- deletes


def test_deleting_counters(cql: Session, counts: str) -> None:
    cql.execute("UPDATE c SET hits = hits + 1, misses = misses + 2 WHERE k = 1 AND r = 2")
    cql.execute("UPDATE c SET hits = hits + 1 WHERE k = 2 AND r = 1")
    cql.execute("DELETE misses FROM c WHERE k = 1 AND r = 2")  # one counter
    assert tuple(cql.execute("SELECT hits, misses FROM c WHERE k = 1 AND r = 2").one()) == (1, None)
    cql.execute("DELETE FROM c WHERE k = 1 AND r = 1")  # a row
    assert [tuple(r) for r in cql.execute("SELECT r, hits FROM c WHERE k = 1")] == [(2, 1)]
    cql.execute("DELETE FROM c WHERE k = 1")  # a partition
    assert list(cql.execute("SELECT * FROM c WHERE k = 1")) == []
    assert [tuple(r) for r in cql.execute("SELECT k, r, hits FROM c")] == [(2, 1, 1)]


def test_a_deleted_counter_stays_deleted(cql: Session, counts: str) -> None:
    """A counter's tombstone wins over every live value of it, whatever their
    timestamps (ScyllaDB's counter_cell_view::apply, as Cassandra's counter
    reconciliation): increments after a DELETE of the counter are accepted and lost,
    until the tombstone is purged. The row's other counters go on counting."""
    cql.execute("UPDATE c SET hits = hits + 5, misses = misses + 1 WHERE k = 7 AND r = 1")
    cql.execute("UPDATE c SET hits = hits + 2 WHERE k = 7 AND r = 2")
    cql.execute("DELETE hits FROM c WHERE k = 7 AND r = 1")
    cql.execute("DELETE hits FROM c WHERE k = 7 AND r = 2")
    before = table_contents(cql, counts)
    cql.execute("UPDATE c SET hits = hits + 3 WHERE k = 7 AND r = 1")
    cql.execute("UPDATE c SET hits = hits - 1 WHERE k = 7 AND r = 2")
    assert table_contents(cql, counts) == before
    cql.execute("UPDATE c SET hits = hits + 3, misses = misses + 1 WHERE k = 7 AND r = 1")
    # row 2 had no other counter: it is gone, and stays gone
    assert [tuple(r) for r in cql.execute("SELECT r, hits, misses FROM c WHERE k = 7")] == [(1, None, 2)]


def test_an_increment_after_a_row_delete_counts_from_zero(cql: Session, counts: str, server: Any) -> None:
    """After a row or partition delete, what an increment makes of the counter is what
    Cassandra's documentation calls intrinsically limited: ScyllaDB builds the new shard
    from what a read sees (nothing) and merges it with whatever the replica still stores
    of the old, shadowed one, so the answer depends on compaction. scylla_lite answers
    as once the old one is purged — the delta alone, never the old value plus the delta
    (embedded server only)."""
    cql.execute("UPDATE c SET hits = hits + 5 WHERE k = 8 AND r = 1")
    cql.execute("UPDATE c SET hits = hits + 5 WHERE k = 9 AND r = 1")
    cql.execute("DELETE FROM c WHERE k = 8 AND r = 1")
    cql.execute("DELETE FROM c WHERE k = 9")
    cql.execute("UPDATE c SET hits = hits + 3 WHERE k = 8 AND r = 1")
    cql.execute("UPDATE c SET hits = hits + 3 WHERE k = 9 AND r = 1")
    assert sorted(tuple(r) for r in cql.execute("SELECT k, hits FROM c WHERE k IN (8, 9)")) == [
        (8, 3),
        (9, 3),
    ]


# --------------------------------------------------------------------------- refusals

DML_REFUSALS = [
    pytest.param(
        "INSERT INTO c (k, r, hits) VALUES (1, 1, 1)",
        "INSERT statement are not allowed on counter tables, use UPDATE instead",
        id="insert",
    ),
    pytest.param(
        "UPDATE c SET hits = 5 WHERE k = 1 AND r = 1",
        "Cannot set the value of counter column hits (counters can only be incremented/decremented, not set)",
        id="set a value",
    ),
    pytest.param(
        "UPDATE c USING TTL 10 SET hits = hits + 1 WHERE k = 1 AND r = 1",
        "Cannot provide custom TTL for counter updates",
        id="ttl",
    ),
    pytest.param(
        "UPDATE c USING TIMESTAMP 10 SET hits = hits + 1 WHERE k = 1 AND r = 1",
        "Cannot provide custom timestamp for counter updates",
        id="timestamp",
    ),
    pytest.param(
        "DELETE FROM c USING TIMESTAMP 10 WHERE k = 1",
        "Cannot provide custom timestamp for counter updates",
        id="delete with a timestamp",
    ),
    pytest.param(
        "UPDATE c SET hits = hits + 1 WHERE k = 1 AND r = 1 IF hits = 5",
        "Conditional updates are not supported on counter tables",
        id="condition",
    ),
    pytest.param(
        "UPDATE c SET hits = hits + 1 WHERE k = 1 AND r = 1 IF EXISTS",
        "Conditional updates are not supported on counter tables",
        id="if exists",
    ),
    pytest.param(
        "DELETE FROM c WHERE k = 1 AND r = 1 IF EXISTS",
        "Conditional updates are not supported on counter tables",
        id="conditional delete",
    ),
    pytest.param(
        "UPDATE c SET hits = hits + null WHERE k = 1 AND r = 1",
        "Invalid null value for counter increment",
        id="null delta",
    ),
    pytest.param(
        "UPDATE c SET hits = hits + 1 WHERE k = 1",
        "Missing mandatory PRIMARY KEY part r",
        id="no clustering key",
    ),
    pytest.param(
        "BEGIN COUNTER BATCH USING TIMESTAMP 5 UPDATE c SET hits = hits + 1 WHERE k = 1 AND r = 1 APPLY BATCH",
        "Cannot provide custom timestamp for counter BATCH",
        id="counter batch with a timestamp",
    ),
    pytest.param(
        "BEGIN UNLOGGED BATCH USING TIMESTAMP 5 UPDATE c SET hits = hits + 1 WHERE k = 1 AND r = 1 APPLY BATCH",
        "Cannot provide custom timestamp for a BATCH containing counters",
        id="unlogged batch of counters with a timestamp",
    ),
    pytest.param(
        "BEGIN COUNTER BATCH USING TTL 5 UPDATE c SET hits = hits + 1 WHERE k = 1 AND r = 1 APPLY BATCH",
        "Global TTL on the BATCH statement is not supported.",
        id="counter batch with a ttl",
    ),
    pytest.param(
        "BEGIN BATCH UPDATE c SET hits = hits + 1 WHERE k = 1 AND r = 1 APPLY BATCH",
        "Cannot include a counter statement in a logged batch",
        id="logged batch",
    ),
    pytest.param(
        "BEGIN COUNTER BATCH UPDATE c SET hits = hits + 1 WHERE k = 1 AND r = 1; "
        "INSERT INTO plain (k, v) VALUES (1, 1) APPLY BATCH",
        "Cannot include non-counter statement in a counter batch",
        id="counter batch with a non-counter statement",
    ),
    pytest.param(
        "BEGIN UNLOGGED BATCH UPDATE c SET hits = hits + 1 WHERE k = 1 AND r = 1; "
        "INSERT INTO plain (k, v) VALUES (1, 1) APPLY BATCH",
        "Counter and non-counter mutations cannot exist in the same batch",
        id="unlogged batch mixing counters and others",
    ),
]


@pytest.mark.parametrize(("statement", "message"), DML_REFUSALS)
def test_counter_statement_refusals(cql: Session, counts: str, statement: str, message: str) -> None:
    refused(cql, counts, statement, InvalidRequest, message)


def test_driver_batches_keep_counters_apart(cql: Session, counts: str) -> None:
    bump = cql.prepare("UPDATE c SET hits = hits + ? WHERE k = ? AND r = ?")
    insert = cql.prepare("INSERT INTO plain (k, v) VALUES (?, ?)")
    logged = BatchStatement(batch_type=BatchType.LOGGED)
    logged.add(bump, (1, 1, 1))
    refused(
        cql,
        counts,
        logged,
        InvalidRequest,
        "Cannot include a counter statement in a logged batch",
    )
    counter = BatchStatement(batch_type=BatchType.COUNTER)
    counter.add(bump, (1, 1, 1))
    counter.add(insert, (1, 1))
    refused(
        cql,
        counts,
        counter,
        InvalidRequest,
        "Cannot include non-counter statement in a counter batch",
    )
    unlogged = BatchStatement(batch_type=BatchType.UNLOGGED)
    unlogged.add(insert, (1, 1))
    unlogged.add(bump, (1, 1, 1))
    refused(
        cql,
        counts,
        unlogged,
        InvalidRequest,
        "Counter and non-counter mutations cannot exist in the same batch",
    )


def test_counter_consistency_refusals(cql: Session, counts: str) -> None:
    serial = SimpleStatement(
        "UPDATE c SET hits = hits + 1 WHERE k = 1 AND r = 1", consistency_level=ConsistencyLevel.SERIAL
    )
    refused(cql, counts, serial, InvalidRequest, "Counter operations are inherently non-serializable")
    anyone = SimpleStatement(
        "UPDATE c SET hits = hits + 1 WHERE k = 1 AND r = 1", consistency_level=ConsistencyLevel.ANY
    )
    refused(
        cql, counts, anyone, InvalidRequest, "Consistency level ANY is not yet supported for counter table c"
    )


DDL_REFUSALS = [
    pytest.param(
        "CREATE TABLE bad (k int PRIMARY KEY, n counter, v int)",
        ConfigurationException,
        "Cannot add a non counter column (v) in a counter column family",
        id="counter beside a regular column",
    ),
    pytest.param(
        "CREATE TABLE bad (k int PRIMARY KEY, n counter, s set<text>)",
        ConfigurationException,
        "Cannot add a non counter column (s) in a counter column family",
        id="counter beside a collection",
    ),
    pytest.param(
        "CREATE TABLE bad (k counter PRIMARY KEY, n counter)",
        InvalidRequest,
        "counter type is not supported for PRIMARY KEY part k",
        id="counter partition key",
    ),
    pytest.param(
        "CREATE TABLE bad (k int, c counter, n counter, PRIMARY KEY (k, c))",
        InvalidRequest,
        "counter type is not supported for PRIMARY KEY part c",
        id="counter clustering key",
    ),
    pytest.param(
        "CREATE TABLE bad (k int PRIMARY KEY, l list<counter>)",
        InvalidRequest,
        "Counters are not allowed inside collections: list<counter>",
        id="counter in a list",
    ),
    pytest.param(
        "CREATE TABLE bad (k int PRIMARY KEY, l frozen<set<counter>>)",
        InvalidRequest,
        "Counters are not allowed inside collections",
        id="counter in a frozen set",
    ),
    pytest.param(
        "CREATE TABLE bad (k int PRIMARY KEY, n counter) WITH default_time_to_live = 5",
        InvalidRequest,
        "Cannot set default_time_to_live on a table with counters",
        id="default ttl",
    ),
]


@pytest.mark.parametrize(("statement", "error", "message"), DDL_REFUSALS)
def test_counter_table_refusals(
    cql: Session, counts: str, statement: str, error: type[Exception], message: str
) -> None:
    refused(cql, counts, statement, error, message)
    assert (
        cql.execute(
            "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s AND table_name = 'bad'",
            (counts,),
        ).one()
        is None
    )


# --------------------------------------------------------------------------- batches


def test_counter_batches(cql: Session, counts: str) -> None:
    cql.execute(
        "BEGIN COUNTER BATCH "
        "UPDATE c SET hits = hits + 1 WHERE k = 1 AND r = 1; "
        "UPDATE c SET hits = hits + 1 WHERE k = 1 AND r = 1; "  # the same counter twice: both count
        "UPDATE c SET hits = hits - 10, misses = misses + 1 WHERE k = 7 AND r = 1; "
        "APPLY BATCH"
    )
    assert value(cql, "hits", 1, 1) == 7
    assert tuple(cql.execute("SELECT hits, misses FROM c WHERE k = 7 AND r = 1").one()) == (-10, 1)
    # an UNLOGGED batch of counter statements only is a counter batch too
    cql.execute(
        "BEGIN UNLOGGED BATCH UPDATE c SET misses = misses + 4 WHERE k = 1 AND r = 1; "
        "UPDATE c SET misses = misses + 4 WHERE k = 1 AND r = 1; APPLY BATCH"
    )
    assert value(cql, "misses", 1, 1) == 8
    bump = cql.prepare("UPDATE c SET hits = hits + ? WHERE k = ? AND r = ?")
    batch = BatchStatement(batch_type=BatchType.COUNTER)
    for r in range(3):
        batch.add(bump, (r + 1, 8, r))
    batch.add(bump, (100, 8, 0))
    cql.execute(batch)
    assert [tuple(r) for r in cql.execute("SELECT r, hits FROM c WHERE k = 8")] == [(0, 101), (1, 2), (2, 3)]


def test_a_failing_counter_batch_applies_nothing(cql: Session, counts: str) -> None:
    refused(
        cql,
        counts,
        "BEGIN COUNTER BATCH UPDATE c SET hits = hits + 1 WHERE k = 1 AND r = 1; "
        "UPDATE c SET hits = hits + 1 WHERE k = 1 AND r = null APPLY BATCH",
        InvalidRequest,
        "Invalid null value",
    )


# --------------------------------------------------------------------------- concurrency

CLIENTS = 8
INCREMENTS = 1000


def test_concurrent_clients_increment_to_the_exact_total(cql: Session, cluster: Cluster, counts: str) -> None:
    """8 clients, each with its own connections, each send 1,000 increments (and a few
    decrements) to the same counters at once; no update is lost."""
    sessions = [cluster.connect(counts) for _ in range(CLIENTS)]
    try:
        statements = [
            (s, s.prepare("UPDATE c SET hits = hits + ?, misses = misses - ? WHERE k = 100 AND r = ?"))
            for s in sessions
        ]
        expected = {0: [0, 0], 1: [0, 0]}
        plans = []
        for client in range(CLIENTS):
            args = [(client + i % 7 - 2, 1, i % 2) for i in range(INCREMENTS)]
            for delta, miss, r in args:
                expected[r][0] += delta
                expected[r][1] -= miss
            plans.append(args)

        def run(client: int) -> None:
            session, statement = statements[client]
            results = execute_concurrent_with_args(session, statement, plans[client], concurrency=64)
            assert all(ok for ok, _ in results)

        run_clients(run, CLIENTS, timeout=120)
        got = {
            row.r: [row.hits, row.misses]
            for row in cql.execute("SELECT r, hits, misses FROM c WHERE k = 100")
        }
        assert got == expected
    finally:
        for s in sessions:
            s.shutdown()


# --------------------------------------------------------------------------- overflow

MAX, MIN = 2**63 - 1, -(2**63)
NEGATION = f"The negation of {MIN} overflows supported counter precision (signed 8 bytes integer)"


def test_counters_wrap_around_at_64_bits(cql: Session, counts: str) -> None:
    """ScyllaDB adds counter deltas in two's complement (counter_shard::update): past
    2^63 - 1 a counter goes on from -2^63, and back. scylladb#2225 asked for an error
    instead and was closed as won't fix; scylla-dtest's counter test_int_rollover pins
    the rollover."""
    cql.execute(f"UPDATE c SET hits = hits + {MAX} WHERE k = 5 AND r = 1")
    cql.execute("UPDATE c SET hits = hits + 1 WHERE k = 5 AND r = 1")
    assert value(cql, "hits", 5, 1) == MIN
    cql.execute("UPDATE c SET hits = hits - 1 WHERE k = 5 AND r = 1")
    assert value(cql, "hits", 5, 1) == MAX
    cql.execute(f"UPDATE c SET hits = hits + {MAX} WHERE k = 5 AND r = 1")  # the largest delta, twice
    assert value(cql, "hits", 5, 1) == -2
    add = cql.prepare("UPDATE c SET misses = misses + ? WHERE k = ? AND r = ?")
    cql.execute(add, (MIN, 5, 1))  # adding the smallest bigint is fine
    cql.execute("UPDATE c SET misses = misses - 3 WHERE k = 5 AND r = 1")  # below -2^63
    assert value(cql, "misses", 5, 1) == MAX - 2


def test_the_deltas_of_a_batch_add_up_and_wrap_around(cql: Session, counts: str) -> None:
    """The third increment of the batch takes the counter past 2^63 - 1: every one
    applies, and the sum wraps."""
    bump = cql.prepare("UPDATE c SET hits = hits + ? WHERE k = ? AND r = ?")
    batch = BatchStatement(batch_type=BatchType.COUNTER)
    for delta, r in ((MAX, 1), (1, 2), (MAX, 1), (3, 1)):
        batch.add(bump, (delta, 6, r))
    cql.execute(batch)
    assert [tuple(r) for r in cql.execute("SELECT r, hits FROM c WHERE k = 6")] == [(1, 1), (2, 1)]
    cql.execute(
        "BEGIN COUNTER BATCH UPDATE c SET hits = hits + 1 WHERE k = 6 AND r = 2; "
        f"UPDATE c SET hits = hits + {MAX} WHERE k = 6 AND r = 2; "
        f"UPDATE c SET hits = hits + {MAX} WHERE k = 6 AND r = 1 APPLY BATCH"
    )
    assert [tuple(r) for r in cql.execute("SELECT r, hits FROM c WHERE k = 6")] == [(1, MIN), (2, MIN + 1)]


def test_subtracting_the_smallest_bigint_is_refused(cql: Session, counts: str) -> None:
    """``n - x`` adds -x, and -(-2^63) is no bigint: ScyllaDB's constants::subtracter
    refuses it (InvalidRequest) before anything is written, in a batch too."""
    refused(
        cql,
        counts,
        f"UPDATE c SET hits = hits - {MIN} WHERE k = 1 AND r = 1",
        InvalidRequest,
        NEGATION,
        exact=True,
    )
    sub = cql.prepare("UPDATE c SET hits = hits - ? WHERE k = ? AND r = ?")
    refused(cql, counts, sub, InvalidRequest, NEGATION, params=(MIN, 1, 1), exact=True)
    refused(
        cql,
        counts,
        "BEGIN COUNTER BATCH UPDATE c SET hits = hits + 1 WHERE k = 1 AND r = 1; "
        f"UPDATE c SET misses = misses - {MIN} WHERE k = 1 AND r = 1 APPLY BATCH",
        InvalidRequest,
        NEGATION,
        exact=True,
    )
    assert value(cql, "hits", 1, 1) == 5
