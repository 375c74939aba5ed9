"""BATCH: LOGGED, UNLOGGED and COUNTER batches from CQL text and the protocol's BATCH
message; one shared write timestamp unless a statement or the batch names one;
atomic and isolated per partition; and the refusals ScyllaDB makes (error class and
message asserted, and nothing written).

Counter batches are covered with the other counter rules in ``test_counters``, the
``[applied]`` rows of conditional batches in ``test_lwt``.
"""

from __future__ import annotations

import re
import threading

import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Cluster, Session
from cassandra.concurrent import execute_concurrent
from cassandra.protocol import SyntaxException
from cassandra.query import BatchStatement, BatchType, SimpleStatement

from spec.assertions import refused


@pytest.fixture
def tables(cql: Session, keyspace: str) -> str:
    """The test keyspace with a (key/value), b (clustered) and l (a list), and a row in a."""
    cql.execute("CREATE TABLE a (k int PRIMARY KEY, v int, w text)")
    cql.execute("CREATE TABLE b (k int, c int, v int, PRIMARY KEY (k, c))")
    cql.execute("CREATE TABLE l (k int PRIMARY KEY, l list<int>)")
    cql.execute("INSERT INTO a (k, v) VALUES (0, 0)")
    return keyspace


def writetimes(cql: Session) -> set[int]:
    stamps = {r[0] for r in cql.execute("SELECT writetime(v) FROM a") if r[0] is not None}
    return stamps | {r[0] for r in cql.execute("SELECT writetime(v) FROM b")}


# --------------------------------------------------------------------------- timestamps


@pytest.mark.parametrize("kind", ["", "UNLOGGED "])  # (there is no BEGIN LOGGED BATCH)
def test_every_statement_of_a_batch_shares_one_timestamp(cql: Session, tables: str, kind: str) -> None:
    cql.execute("TRUNCATE a")
    cql.execute(
        f"BEGIN {kind}BATCH "
        "INSERT INTO a (k, v) VALUES (1, 1); "
        "UPDATE a SET v = 2 WHERE k = 2; "
        "INSERT INTO b (k, c, v) VALUES (1, 1, 1); "
        "UPDATE b SET v = 2 WHERE k = 9 AND c = 2; "
        "APPLY BATCH"
    )
    assert len(writetimes(cql)) == 1
    assert sorted(tuple(r) for r in cql.execute("SELECT k, v FROM a")) == [(1, 1), (2, 2)]


def test_batch_and_statement_timestamps(cql: Session, tables: str) -> None:
    cql.execute("TRUNCATE a")
    cql.execute(
        "BEGIN BATCH USING TIMESTAMP 1000 INSERT INTO a (k, v) VALUES (1, 1); "
        "INSERT INTO b (k, c, v) VALUES (1, 1, 1) APPLY BATCH"
    )
    assert writetimes(cql) == {1000}
    # a statement's own timestamp applies to it alone; the others share the batch's
    cql.execute(
        "BEGIN UNLOGGED BATCH INSERT INTO a (k, v) VALUES (2, 2) USING TIMESTAMP 5; "
        "UPDATE a USING TIMESTAMP 7 SET v = 3 WHERE k = 3; "
        "INSERT INTO a (k, v) VALUES (4, 4); INSERT INTO a (k, v) VALUES (5, 5) APPLY BATCH"
    )
    stamps = {r.k: r.t for r in cql.execute("SELECT k, writetime(v) AS t FROM a")}
    assert stamps[2] == 5 and stamps[3] == 7
    assert stamps[4] == stamps[5] > 1000
    # a bound batch timestamp, and older writes losing to newer ones
    prepared = cql.prepare("BEGIN BATCH USING TIMESTAMP ? UPDATE a SET v = ? WHERE k = 2 APPLY BATCH")
    cql.execute(prepared, (4, 40))  # older than the 5 it meets: ignored
    cql.execute(prepared, (6, 60))
    assert tuple(cql.execute("SELECT v, writetime(v) FROM a WHERE k = 2").one()) == (60, 6)


def test_driver_batch_shares_the_client_timestamp(cql: Session, tables: str) -> None:
    insert = cql.prepare("INSERT INTO b (k, c, v) VALUES (?, ?, ?)")
    batch = BatchStatement(batch_type=BatchType.UNLOGGED)
    for i in range(10):
        batch.add(insert, (i % 3, i, i))
    batch.add(SimpleStatement("UPDATE a SET v = 99 WHERE k = 0"))
    cql.execute(batch)
    assert len(writetimes(cql)) == 1
    assert len(list(cql.execute("SELECT * FROM b"))) == 10


def test_statements_of_a_batch_reconcile_as_equals(cql: Session, tables: str) -> None:
    """One timestamp for all: on a tie the greater value wins and a tombstone beats a
    write, whatever the statements' order."""
    cql.execute("BEGIN BATCH UPDATE a SET v = 5 WHERE k = 1; UPDATE a SET v = 3 WHERE k = 1 APPLY BATCH")
    assert cql.execute("SELECT v FROM a WHERE k = 1").one().v == 5
    cql.execute(
        "BEGIN BATCH INSERT INTO b (k, c, v) VALUES (1, 1, 1); DELETE FROM b WHERE k = 1 AND c = 1 APPLY BATCH"
    )
    assert cql.execute("SELECT * FROM b WHERE k = 1").one() is None
    cql.execute("BEGIN BATCH DELETE FROM b WHERE k = 2; INSERT INTO b (k, c, v) VALUES (2, 1, 1) APPLY BATCH")
    assert cql.execute("SELECT * FROM b WHERE k = 2").one() is None
    # with its own, newer timestamp the insert survives the partition delete
    cql.execute(
        "BEGIN BATCH DELETE FROM b USING TIMESTAMP 100 WHERE k = 3; "
        "INSERT INTO b (k, c, v) VALUES (3, 1, 1) USING TIMESTAMP 101 APPLY BATCH"
    )
    assert tuple(cql.execute("SELECT c, v FROM b WHERE k = 3").one()) == (1, 1)


def test_list_appends_keep_the_statement_order(cql: Session, tables: str) -> None:
    cql.execute(
        "BEGIN BATCH UPDATE l SET l = l + [1] WHERE k = 0; UPDATE l SET l = l + [2] WHERE k = 0; "
        "UPDATE l SET l = l + [3] WHERE k = 0; APPLY BATCH"
    )
    cql.execute(
        "BEGIN BATCH UPDATE l SET l = [1] + l WHERE k = 1; UPDATE l SET l = [2] + l WHERE k = 1; "
        "UPDATE l SET l = [3] + l WHERE k = 1; APPLY BATCH"
    )
    assert sorted(tuple(r) for r in cql.execute("SELECT k, l FROM l WHERE k IN (0, 1)")) == [
        (0, [1, 2, 3]),
        (1, [3, 2, 1]),
    ]


def test_empty_and_prepared_batches(cql: Session, tables: str) -> None:
    assert list(cql.execute("BEGIN BATCH APPLY BATCH")) == []
    prepared = cql.prepare(
        "BEGIN BATCH INSERT INTO a (k, v) VALUES (?, ?); UPDATE b SET v = ? WHERE k = ? AND c = ? APPLY BATCH"
    )
    cql.execute(prepared, (5, 50, 7, 5, 1))
    assert cql.execute("SELECT v FROM a WHERE k = 5").one().v == 50
    assert cql.execute("SELECT v FROM b WHERE k = 5 AND c = 1").one().v == 7


# --------------------------------------------------------------------------- atomicity and isolation


def test_a_batch_with_a_failing_statement_writes_nothing(cql: Session, tables: str) -> None:
    insert = cql.prepare("INSERT INTO a (k, v) VALUES (?, ?)")
    batch = BatchStatement()
    batch.add(insert, (10, 10))
    batch.add(insert, (None, 11))  # a null partition key, found after the first statement
    refused(cql, tables, batch, InvalidRequest, "Invalid null value")
    refused(
        cql,
        tables,
        "BEGIN BATCH INSERT INTO a (k, v) VALUES (10, 10); UPDATE l SET l[3] = 1 WHERE k = 0 APPLY BATCH",
        InvalidRequest,
        "Attempted to set an element on a list which is null",
    )
    long_batch = " ".join(f"INSERT INTO a (k, v) VALUES ({k}, {k});" for k in range(1500))
    refused(  # a long batch is computed a slice at a time: a bad TTL in its last one
        cql,
        tables,
        f"BEGIN UNLOGGED BATCH {long_batch} INSERT INTO a (k, v) VALUES (0, 0) USING TTL -1; APPLY BATCH",
        InvalidRequest,
        "A TTL must be greater or equal to 0",
    )


BATCHES = 1000
ROWS = 10


def test_a_reader_never_sees_half_a_batch(cql: Session, cluster: Cluster, tables: str) -> None:
    """1,000 batches each set every row of one partition to the batch's number while
    another client reads the partition as fast as it can: every read shows all the
    rows with one number (or none before the first batch)."""
    writer = cluster.connect(tables)
    reader = cluster.connect(tables)
    try:
        update = writer.prepare("UPDATE b SET v = ? WHERE k = 42 AND c = ?")
        batches = []
        for i in range(BATCHES):
            batch = BatchStatement(batch_type=BatchType.UNLOGGED if i % 2 else BatchType.LOGGED)
            for c in range(ROWS):
                batch.add(update, (i, c))
            batches.append((batch, ()))
        done = threading.Event()
        seen: list[list[int]] = []
        errors: list[BaseException] = []

        def read() -> None:
            select = reader.prepare("SELECT v FROM b WHERE k = 42")
            try:
                while not done.is_set():  # a few reads in flight at once
                    futures = [reader.execute_async(select) for _ in range(8)]
                    seen.extend([r.v for r in f.result()] for f in futures)
            except BaseException as exc:  # reported below
                errors.append(exc)

        thread = threading.Thread(target=read)
        thread.start()
        try:
            results = execute_concurrent(writer, batches, concurrency=16, raise_on_first_error=True)
        finally:
            done.set()
            thread.join(30)
        assert not errors, errors[0]
        assert all(ok for ok, _ in results)
        torn = [values for values in seen if values and (len(values) != ROWS or len(set(values)) != 1)]
        assert not torn, torn[:3]
        assert len({values[0] for values in seen if values}) > 1, "the reader never ran beside the writer"
        final = [r.v for r in cql.execute("SELECT v FROM b WHERE k = 42")]
        assert len(final) == ROWS and len(set(final)) == 1
    finally:
        writer.shutdown()
        reader.shutdown()


# --------------------------------------------------------------------------- refusals

BATCH_REFUSALS = [
    pytest.param(
        "BEGIN BATCH SELECT * FROM a APPLY BATCH",
        SyntaxException,
        re.compile(r"line 1:12 .*'SELECT'"),
        id="SELECT inside",
    ),
    pytest.param(
        "BEGIN BATCH CREATE TABLE x (k int PRIMARY KEY) APPLY BATCH",
        SyntaxException,
        re.compile(r"line 1:12 .*'CREATE'"),
        id="DDL inside",
    ),
    pytest.param(
        "BEGIN BATCH USING TTL 5 INSERT INTO a (k, v) VALUES (1, 1) APPLY BATCH",
        InvalidRequest,
        "Global TTL on the BATCH statement is not supported.",
        id="batch TTL",
    ),
    pytest.param(
        "BEGIN BATCH USING TIMESTAMP 5 INSERT INTO a (k, v) VALUES (1, 1) USING TIMESTAMP 6 APPLY BATCH",
        InvalidRequest,
        "Timestamp must be set either on BATCH or individual statements",
        id="two timestamps",
    ),
    pytest.param(
        "BEGIN BATCH UPDATE a SET v = 1 WHERE k = 1 IF v = 0; UPDATE a SET v = 1 WHERE k = 2 APPLY BATCH",
        InvalidRequest,
        "BATCH with conditions cannot span multiple partitions",
        id="conditions over two partitions",
    ),
    pytest.param(
        "BEGIN BATCH UPDATE a SET v = 1 WHERE k = 0 IF v = 0; UPDATE b SET v = 1 WHERE k = 0 AND c = 0 APPLY BATCH",
        InvalidRequest,
        "BATCH with conditions cannot span multiple tables",
        id="conditions over two tables",
    ),
    pytest.param(
        "BEGIN BATCH UPDATE a SET v = 1 WHERE k = 0 IF v = 0; UPDATE a SET w = 'x' WHERE k IN (0, 1) APPLY BATCH",
        InvalidRequest,
        "BATCH with conditions cannot span multiple partitions",
        id="conditions and IN on the partition key",
    ),
    pytest.param(
        "BEGIN BATCH UPDATE a SET v = 1 WHERE k = 0 IF v = 0; UPDATE a SET w = 'x' WHERE k IN (0, 1) IF v = 0 APPLY BATCH",
        InvalidRequest,
        "IN on the partition key is not supported with conditional updates",
        id="conditional IN on the partition key",
    ),
    pytest.param(
        "BEGIN BATCH USING TIMESTAMP 5 UPDATE a SET v = 1 WHERE k = 0 IF v = 0 APPLY BATCH",
        InvalidRequest,
        "Cannot provide custom timestamp for conditional BATCH",
        id="timestamp on a conditional batch",
    ),
    pytest.param(
        "BEGIN BATCH UPDATE a USING TIMESTAMP 5 SET v = 1 WHERE k = 0 IF v = 0 APPLY BATCH",
        InvalidRequest,
        "Cannot provide custom timestamp for conditional updates",
        id="timestamp on a conditional statement",
    ),
]


@pytest.mark.parametrize(("statement", "error", "message"), BATCH_REFUSALS)
def test_batch_refusals(
    cql: Session, tables: str, statement: str, error: type[Exception], message: str | re.Pattern[str]
) -> None:
    refused(cql, tables, statement, error, message)


def test_protocol_batch_refuses_a_select(cql: Session, tables: str) -> None:
    batch = BatchStatement()
    batch.add(SimpleStatement("INSERT INTO a (k, v) VALUES (1, 1)"))
    batch.add(SimpleStatement("SELECT * FROM a"))
    refused(
        cql,
        tables,
        batch,
        InvalidRequest,
        "Invalid statement in batch: only UPDATE, INSERT and DELETE statements are allowed.",
    )


# --------------------------------------------------------------------------- a late failure

# (batch kind, statements with %s markers and their values, the third one's refusal):
# the third statement is refused only once it meets the data (a list index out of
# bounds) or its values (the negation of -2^63), after the first two were computed
LATE_FAILURES = {
    "LOGGED": (
        [
            ("INSERT INTO a (k, v) VALUES (%s, %s)", (20, 20)),
            ("UPDATE b SET v = %s WHERE k = %s AND c = %s", (20, 20, 1)),
            ("UPDATE l SET l[%s] = %s WHERE k = %s", (5, 1, 0)),
        ],
        "List index 5 out of bound, list has size 2",
    ),
    "UNLOGGED": (
        [
            ("UPDATE l SET l = l + %s WHERE k = %s", ([3], 0)),
            ("DELETE FROM a WHERE k = %s", (0,)),
            ("DELETE l[%s] FROM l WHERE k = %s", (2, 0)),
        ],
        "List index 2 out of bound, list has size 2",
    ),
    "COUNTER": (
        [
            ("UPDATE n SET n = n + %s WHERE k = %s", (1, 0)),
            ("UPDATE n SET n = n + %s WHERE k = %s", (1, 1)),
            ("UPDATE n SET n = n - %s WHERE k = %s", (-(2**63), 0)),
        ],
        "The negation of -9223372036854775808 overflows supported counter precision (signed 8 bytes integer)",
    ),
    "CONDITIONAL": (
        [
            ("UPDATE l SET l = l + %s WHERE k = %s IF l = [1, 2]", ([3], 0)),
            ("UPDATE l SET l = %s + l WHERE k = %s", ([0], 0)),
            ("UPDATE l SET l[%s] = %s WHERE k = %s", (2, 9, 0)),
        ],
        "List index 2 out of bound, list has size 2",
    ),
}
PROTOCOL_KINDS = {
    "LOGGED": BatchType.LOGGED,
    "UNLOGGED": BatchType.UNLOGGED,
    "COUNTER": BatchType.COUNTER,
    "CONDITIONAL": BatchType.LOGGED,
}


@pytest.mark.parametrize("form", ["text", "protocol"])
@pytest.mark.parametrize("kind", list(LATE_FAILURES))
def test_a_statement_refused_late_leaves_the_batch_unapplied(
    cql: Session, tables: str, kind: str, form: str
) -> None:
    """The first two statements are fine, the third is refused: the client gets its
    InvalidRequest and none of the three is applied (every statement's writes are
    computed before the first is applied)."""
    cql.execute("CREATE TABLE n (k int PRIMARY KEY, n counter)")
    cql.execute("UPDATE n SET n = n + 1 WHERE k = 0")
    cql.execute("INSERT INTO l (k, l) VALUES (0, [1, 2])")
    statements, message = LATE_FAILURES[kind]
    if form == "text":
        prefix = {"UNLOGGED": "UNLOGGED ", "COUNTER": "COUNTER "}.get(kind, "")
        text = f"BEGIN {prefix}BATCH " + "; ".join(s for s, _ in statements) + " APPLY BATCH"
        values = tuple(v for _, vs in statements for v in vs)
        refused(cql, tables, SimpleStatement(text), InvalidRequest, message, params=values, exact=True)
        return
    batch = BatchStatement(batch_type=PROTOCOL_KINDS[kind])
    for statement, vs in statements:
        batch.add(cql.prepare(statement.replace("%s", "?")), vs)
    refused(cql, tables, batch, InvalidRequest, message, exact=True)


# --------------------------------------------------------------------------- size


BIG = "x" * 60_000  # 20 of them: 1.2 MB, over ScyllaDB's default batch_size_fail_threshold_in_kb (1024)


@pytest.mark.parametrize("sent_as", ["text", "protocol"])
def test_a_batch_over_the_size_limit_across_partitions_is_refused(
    cql: Session, tables: str, sent_as: str
) -> None:
    def send() -> None:
        if sent_as == "text":
            cql.execute(
                "BEGIN UNLOGGED BATCH "
                + " ".join(f"INSERT INTO a (k, w) VALUES ({k}, '{BIG}');" for k in range(20))
                + " APPLY BATCH"
            )
            return
        batch = BatchStatement(BatchType.UNLOGGED)
        insert = cql.prepare("INSERT INTO a (k, w) VALUES (?, ?)")
        for k in range(20):
            batch.add(insert, (k, BIG))
        cql.execute(batch)

    refused(cql, tables, send, InvalidRequest, "Batch too large", exact=True)


def test_a_large_batch_within_one_partition_is_applied(cql: Session, tables: str) -> None:
    """ScyllaDB weighs only batches that span partitions: one partition's is one mutation."""
    cql.execute(
        "BEGIN UNLOGGED BATCH "
        + " ".join(f"UPDATE a SET w = '{BIG}{k}' WHERE k = 1;" for k in range(20))
        + " APPLY BATCH"
    )
    # one timestamp for all: the greatest value wins the tie, as for any batch
    assert cql.execute("SELECT w FROM a WHERE k = 1").one().w == max(BIG + str(k) for k in range(20))
