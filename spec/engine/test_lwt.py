"""Lightweight transactions: IF NOT EXISTS, IF EXISTS and IF conditions, their
``[applied]`` result as ScyllaDB shapes it, conditional batches, SERIAL reads, and
linearizability per partition under concurrent clients.

ScyllaDB differs from Cassandra here (docs: "How does ScyllaDB LWT differ from Apache
Cassandra"): the result always has the same columns — ``[applied]``, then the old
row's values of every column for IF [NOT] EXISTS, or of the columns the conditions
name, in schema order — whether or not the statement applied, with nulls when there
was no old row; a conditional batch answers one such row per statement.

Every refusal asserts the error class (the ERROR frame's code) and message, and that
nothing was written.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cassandra import ConsistencyLevel, InvalidRequest, WriteTimeout
from cassandra.cluster import Cluster, Session
from cassandra.protocol import SyntaxException
from cassandra.query import UNSET_VALUE, BatchStatement, SimpleStatement
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spec.assertions import refused, snapshot
from spec.concurrency import run_clients


def result(rs: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows, leaving the result set readable (``was_applied``)."""
    return list(rs.column_names), [tuple(r) for r in rs.current_rows]


@pytest.fixture
def lw(cql: Session, keyspace: str) -> str:
    """The test keyspace with kv (key/value) and rows (clustered, with a static column)."""
    cql.execute("CREATE TABLE kv (k int PRIMARY KEY, v int, w text)")
    cql.execute("CREATE TABLE rows (k int, c int, s int static, v int, w text, PRIMARY KEY (k, c))")
    return keyspace


# --------------------------------------------------------------------------- IF NOT EXISTS / IF EXISTS


def test_insert_if_not_exists(cql: Session, lw: str) -> None:
    first = cql.execute("INSERT INTO kv (k, v, w) VALUES (1, 10, 'a') IF NOT EXISTS")
    # every column of the old row, nulls when there was none
    assert result(first) == (["[applied]", "k", "v", "w"], [(True, None, None, None)])
    assert first.was_applied
    again = cql.execute("INSERT INTO kv (k, v) VALUES (1, 20) IF NOT EXISTS")
    assert result(again) == (["[applied]", "k", "v", "w"], [(False, 1, 10, "a")])
    assert not again.was_applied
    assert tuple(cql.execute("SELECT v, w FROM kv WHERE k = 1").one()) == (10, "a")
    # a row kept alive by its primary key only exists too
    cql.execute("INSERT INTO kv (k) VALUES (2)")
    assert result(cql.execute("INSERT INTO kv (k, v) VALUES (2, 1) IF NOT EXISTS"))[1] == [
        (False, 2, None, None)
    ]


def test_insert_if_not_exists_in_a_clustered_table(cql: Session, lw: str) -> None:
    cql.execute("INSERT INTO rows (k, c, s, v) VALUES (1, 1, 7, 10)")
    other_row = cql.execute("INSERT INTO rows (k, c, v, w) VALUES (1, 2, 20, 'b') IF NOT EXISTS")
    assert result(other_row) == (
        ["[applied]", "k", "c", "s", "v", "w"],
        [(True, None, None, None, None, None)],
    )
    same_row = cql.execute("INSERT INTO rows (k, c, v) VALUES (1, 1, 99) IF NOT EXISTS")
    assert result(same_row)[1] == [(False, 1, 1, 7, 10, None)]
    assert [tuple(r) for r in cql.execute("SELECT c, s, v, w FROM rows WHERE k = 1")] == [
        (1, 7, 10, None),
        (2, 7, 20, "b"),
    ]


def test_update_and_delete_if_exists(cql: Session, lw: str) -> None:
    missing = cql.execute("UPDATE kv SET v = 1 WHERE k = 5 IF EXISTS")
    assert result(missing) == (["[applied]", "k", "v", "w"], [(False, None, None, None)])
    assert cql.execute("SELECT * FROM kv WHERE k = 5").one() is None  # no upsert
    cql.execute("INSERT INTO kv (k, v, w) VALUES (5, 1, 'x')")
    # applied: the old row, before the update
    assert result(cql.execute("UPDATE kv SET v = 2 WHERE k = 5 IF EXISTS"))[1] == [(True, 5, 1, "x")]
    assert result(cql.execute("DELETE w FROM kv WHERE k = 5 IF EXISTS"))[1] == [(True, 5, 2, "x")]
    assert result(cql.execute("DELETE FROM kv WHERE k = 5 IF EXISTS"))[1] == [(True, 5, 2, None)]
    assert cql.execute("SELECT * FROM kv WHERE k = 5").one() is None
    assert result(cql.execute("DELETE FROM kv WHERE k = 5 IF EXISTS"))[1] == [(False, None, None, None)]


def test_prepared_conditional_statements_announce_their_result_columns(cql: Session, lw: str) -> None:
    insert = cql.prepare("INSERT INTO kv (k, v) VALUES (?, ?) IF NOT EXISTS")
    assert [c[2] for c in insert.result_metadata] == ["[applied]", "k", "v", "w"]
    update = cql.prepare("UPDATE kv SET v = ? WHERE k = ? IF w = ? AND v > ?")
    assert [c[2] for c in update.result_metadata] == ["[applied]", "v", "w"]  # schema order, not IF order
    assert cql.execute(insert, (3, 30)).one() == (True, None, None, None)
    assert tuple(cql.execute(insert, (3, 31)).one()) == (False, 3, 30, None)
    assert tuple(cql.execute(update, (1, 3, None, 0)).one()) == (True, 30, None)
    assert tuple(cql.execute(update, (1, 3, None, 5)).one()) == (False, 1, None)


# --------------------------------------------------------------------------- IF conditions


@pytest.mark.parametrize(
    ("condition", "applies"),
    [
        ("v = 10", True),
        ("v = 11", False),
        ("v != 11", True),
        ("v != 10", False),
        ("v < 11", True),
        ("v < 10", False),
        ("v <= 10", True),
        ("v <= 9", False),
        ("v > 9", True),
        ("v > 10", False),
        ("v >= 10", True),
        ("v >= 11", False),
        ("v IN (1, 10)", True),
        ("v IN (1, 2)", False),
        ("v IN ()", False),
        ("w = 'a' AND v = 10", True),
        ("w = 'b' AND v = 10", False),
        ("v > 1 AND v < 100 AND v != 50", True),
        ("w = null", False),
        ("w != null", True),
    ],
)
def test_conditions(cql: Session, lw: str, condition: str, applies: bool) -> None:
    cql.execute("INSERT INTO kv (k, v, w) VALUES (1, 10, 'a')")
    rs = cql.execute(f"UPDATE kv SET v = 77 WHERE k = 1 IF {condition}")
    names = sorted({m for m in re.findall(r"\b([vw])\b", condition)})
    # the condition columns once each, in schema order, holding the old values
    assert result(rs) == (["[applied]", *names], [(applies, *[{"v": 10, "w": "a"}[n] for n in names])])
    assert cql.execute("SELECT v FROM kv WHERE k = 1").one().v == (77 if applies else 10)


def test_conditions_with_nulls_and_missing_rows(cql: Session, lw: str) -> None:
    cql.execute("INSERT INTO kv (k, v) VALUES (1, 10)")
    assert tuple(cql.execute("UPDATE kv SET w = 'x' WHERE k = 1 IF w = null").one()) == (True, None)
    assert tuple(cql.execute("UPDATE kv SET w = 'y' WHERE k = 1 IF w = null").one()) == (False, "x")
    assert tuple(cql.execute("UPDATE kv SET v = 11 WHERE k = 1 IF v IN (null, 10)").one()) == (True, 10)
    # a missing row: only != (and = null) hold for its null values
    assert tuple(cql.execute("UPDATE kv SET v = 1 WHERE k = 9 IF v = 5").one()) == (False, None)
    assert tuple(cql.execute("UPDATE kv SET v = 1 WHERE k = 9 IF v > 5").one()) == (False, None)
    assert tuple(cql.execute("UPDATE kv SET v = 2 WHERE k = 9 IF v != 5").one()) == (True, None)
    assert tuple(cql.execute("UPDATE kv SET v = 3 WHERE k = 8 IF v = null").one()) == (True, None)
    assert tuple(cql.execute("DELETE FROM kv WHERE k = 8 IF v IN (null)").one()) == (False, 3)
    assert sorted(tuple(r) for r in cql.execute("SELECT k, v FROM kv")) == [(1, 11), (8, 3), (9, 2)]
    refused(
        cql,
        lw,
        "UPDATE kv SET v = 1 WHERE k = 1 IF v < null",
        InvalidRequest,
        'Invalid comparison with null for operator "<"',
    )


def test_conditions_with_bound_values(cql: Session, lw: str) -> None:
    cql.execute("INSERT INTO kv (k, v, w) VALUES (1, 10, 'a')")
    cas = cql.prepare("UPDATE kv SET v = ? WHERE k = ? IF v = ?")
    assert tuple(cql.execute(cas, (11, 1, 10)).one()) == (True, 10)
    assert tuple(cql.execute(cas, (12, 1, 10)).one()) == (False, 11)
    in_list = cql.prepare("UPDATE kv SET v = ? WHERE k = ? IF v IN ?")
    assert tuple(cql.execute(in_list, (12, 1, [1, 11])).one()) == (True, 11)
    assert tuple(cql.execute(in_list, (13, 1, [1, 2])).one()) == (False, 12)
    # an unset condition value is refused (ScyllaDB and Cassandra word it differently)
    with pytest.raises(InvalidRequest, match=r"(?i)unset.*value"):
        cql.execute(cas, (14, 1, UNSET_VALUE))
    assert cql.execute("SELECT v FROM kv WHERE k = 1").one().v == 12


_keys = itertools.count(1000)
CONDITION_EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
OPS: dict[str, Callable[[int, int], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@CONDITION_EXAMPLES
@given(
    stored=st.one_of(st.none(), st.integers(-3, 3)),
    op=st.sampled_from([*OPS, "IN"]),
    rhs=st.integers(-3, 3),
    in_list=st.lists(st.one_of(st.none(), st.integers(-3, 3)), max_size=3),
)
def test_a_condition_applies_as_compared_in_the_schema_type(
    cql: Session, lw: str, stored: int | None, op: str, rhs: int, in_list: list[int | None]
) -> None:
    """A null cell equals only null and differs from everything else; ordering
    comparisons with a null cell are false."""
    k = next(_keys)  # a fresh row per example
    cql.execute("INSERT INTO kv (k, v, w) VALUES (%s, %s, 'before')", (k, stored))
    if op == "IN":
        listed = ", ".join("null" if v is None else str(v) for v in in_list)
        rs = cql.execute(f"UPDATE kv SET w = 'after' WHERE k = {k} IF v IN ({listed})")
        expected = stored in in_list
    else:
        rs = cql.execute(f"UPDATE kv SET w = 'after' WHERE k = {k} IF v {op} %s", (rhs,))
        expected = op == "!=" if stored is None else OPS[op](stored, rhs)
    assert tuple(rs.one()) == (expected, stored)
    assert cql.execute("SELECT w FROM kv WHERE k = %s", (k,)).one().w == ("after" if expected else "before")


def test_conditions_on_collection_elements(cql: Session, lw: str) -> None:
    cql.execute(
        "CREATE TABLE coll (k int PRIMARY KEY, m map<text, int>, l list<int>, fl frozen<list<int>>, n int)"
    )
    cql.execute("INSERT INTO coll (k, m, l, fl) VALUES (1, {'a': 1, 'b': 2}, [10, 20], [30, 40])")
    m = {"a": 1, "b": 2}
    assert result(cql.execute("UPDATE coll SET n = 1 WHERE k = 1 IF m['a'] = 1")) == (
        ["[applied]", "m"],
        [(True, m)],
    )
    assert tuple(cql.execute("UPDATE coll SET n = 2 WHERE k = 1 IF m['a'] > 1").one()) == (False, m)
    assert cql.execute("UPDATE coll SET n = 3 WHERE k = 1 IF m['zz'] = null").one()[0] is True
    assert cql.execute("UPDATE coll SET n = 4 WHERE k = 1 IF m['b'] IN (5, 2)").one()[0] is True
    marker = cql.prepare("UPDATE coll SET n = ? WHERE k = 1 IF m[?] = ?")
    assert cql.execute(marker, (5, "b", 2)).one()[0] is True
    assert cql.execute(marker, (6, "b", 3)).one()[0] is False
    assert tuple(cql.execute("UPDATE coll SET n = 7 WHERE k = 1 IF l[1] = 20").one()) == (True, [10, 20])
    assert cql.execute("UPDATE coll SET n = 8 WHERE k = 1 IF l[0] = 20").one()[0] is False
    assert cql.execute("UPDATE coll SET n = 9 WHERE k = 1 IF l[5] = null").one()[0] is True  # beyond the end
    assert tuple(cql.execute("UPDATE coll SET n = 10 WHERE k = 1 IF fl[1] >= 40").one()) == (True, [30, 40])
    assert cql.execute("SELECT n FROM coll WHERE k = 1").one().n == 10
    # whole collections compare as values
    assert (
        cql.execute("UPDATE coll SET n = 11 WHERE k = 1 IF m = {'a': 1, 'b': 2} AND l = [10, 20]").one()[0]
        is True
    )
    assert cql.execute("UPDATE coll SET n = 12 WHERE k = 1 IF m = {'a': 1}").one()[0] is False


def test_conditions_on_user_types(cql: Session, lw: str) -> None:
    cql.execute("CREATE TYPE pair (a int, b text)")
    cql.execute("CREATE TABLE ut (k int PRIMARY KEY, u pair, f frozen<pair>, n int)")
    cql.execute("INSERT INTO ut (k, u, f) VALUES (1, {a: 1, b: 'x'}, {a: 2, b: 'y'})")
    assert (
        cql.execute("UPDATE ut SET n = 1 WHERE k = 1 IF u = {a: 1, b: 'x'} AND f = {a: 2, b: 'y'}").one()[0]
        is True
    )
    assert cql.execute("UPDATE ut SET n = 2 WHERE k = 1 IF f = {a: 2, b: 'z'}").one()[0] is False
    assert cql.execute("SELECT n FROM ut WHERE k = 1").one().n == 1
    # ScyllaDB's IF takes no UDT field (scylladb#13624) nor CONTAINS (scylladb#13586)
    refused(
        cql,
        lw,
        "UPDATE ut SET n = 3 WHERE k = 1 IF u.a = 1",
        SyntaxException,
        "no viable alternative at input '.'",
    )
    refused(
        cql,
        lw,
        "UPDATE ut SET n = 3 WHERE k = 1 IF f.a = 1",
        SyntaxException,
        "no viable alternative at input '.'",
    )


CONDITION_REFUSALS = [
    pytest.param(
        "UPDATE kv USING TIMESTAMP 5 SET v = 1 WHERE k = 1 IF v = 1",
        InvalidRequest,
        "Cannot provide custom timestamp for conditional updates",
        id="timestamp with IF",
    ),
    pytest.param(
        "INSERT INTO kv (k, v) VALUES (1, 1) IF NOT EXISTS USING TIMESTAMP 5",
        InvalidRequest,
        "Cannot provide custom timestamp for conditional updates",
        id="timestamp with IF NOT EXISTS",
    ),
    pytest.param(
        "DELETE FROM kv USING TIMESTAMP 5 WHERE k = 1 IF EXISTS",
        InvalidRequest,
        "Cannot provide custom timestamp for conditional updates",
        id="timestamp with IF EXISTS",
    ),
    pytest.param(
        "UPDATE kv SET v = 1 WHERE k = 1 IF k = 1",
        InvalidRequest,
        "PRIMARY KEY column 'k' cannot have IF conditions",
        id="condition on the key",
    ),
    pytest.param(
        "UPDATE kv SET v = 1 WHERE k = 1 IF nope = 1",
        InvalidRequest,
        "Unknown identifier nope",
        id="unknown column",
    ),
    pytest.param(
        "UPDATE kv SET v = 1 WHERE k IN (1, 2) IF v = 1",
        InvalidRequest,
        "IN on the partition key is not supported with conditional updates",
        id="IN on the partition key",
    ),
    pytest.param(
        "DELETE FROM kv WHERE k IN (1) IF EXISTS",
        InvalidRequest,
        "IN on the partition key is not supported with conditional deletions",
        id="IN on the partition key (delete)",
    ),
    pytest.param(
        "UPDATE rows SET v = 1 WHERE k = 1 AND c IN (1, 2) IF v = 1",
        InvalidRequest,
        "IN on the clustering key columns is not supported with conditional updates",
        id="IN on the clustering key",
    ),
    pytest.param(
        "DELETE FROM rows WHERE k = 1 AND c IN (1, 2) IF EXISTS",
        InvalidRequest,
        "IN on the clustering key columns is not supported with conditional deletions",
        id="IN on the clustering key (delete)",
    ),
    pytest.param(
        "DELETE FROM rows WHERE k = 1 IF EXISTS",
        InvalidRequest,
        "DELETE statements must restrict all PRIMARY KEY columns with equality relations in order to delete non static columns",
        id="conditional partition delete",
    ),
    pytest.param(
        "DELETE FROM rows WHERE k = 1 AND c > 0 IF v = 1",
        InvalidRequest,
        "DELETE statements must restrict all PRIMARY KEY columns with equality relations in order to delete non static columns",
        id="conditional range delete",
    ),
    pytest.param(
        "UPDATE rows SET v = 1 WHERE k = 1 IF v = 1",
        InvalidRequest,
        "Missing mandatory PRIMARY KEY part c",
        id="condition without the clustering key",
    ),
    pytest.param(
        "UPDATE kv SET v = 1 WHERE k = 1 IF v[0] = 1",
        InvalidRequest,
        "Invalid element access syntax for non-collection column v",
        id="element of a non-collection",
    ),
    pytest.param(
        "UPDATE kv SET v = 1 WHERE k = 1 IF w CONTAINS 'a'",
        SyntaxException,
        "no viable alternative at input 'CONTAINS'",
        id="CONTAINS",
    ),
]


@pytest.mark.parametrize(("statement", "error", "message"), CONDITION_REFUSALS)
def test_condition_refusals(
    cql: Session, lw: str, statement: str, error: type[Exception], message: str
) -> None:
    cql.execute("INSERT INTO kv (k, v) VALUES (1, 1)")
    cql.execute("INSERT INTO rows (k, c, v) VALUES (1, 1, 1)")
    refused(cql, lw, statement, error, message)


def test_element_access_on_a_set_is_refused(cql: Session, lw: str) -> None:
    cql.execute("CREATE TABLE st (k int PRIMARY KEY, s set<int>, n int)")
    refused(
        cql,
        lw,
        "UPDATE st SET n = 1 WHERE k = 1 IF s[1] = null",
        InvalidRequest,
        "Invalid element access syntax for set column s",
    )


# --------------------------------------------------------------------------- consistency


def test_consistency_levels_of_conditional_statements(cql: Session, lw: str) -> None:
    cql.execute("INSERT INTO kv (k, v) VALUES (1, 1)")
    cas = "UPDATE kv SET v = 2 WHERE k = 1 IF v = 1"
    for serial in (ConsistencyLevel.SERIAL, ConsistencyLevel.LOCAL_SERIAL):
        stmt = SimpleStatement(cas, consistency_level=ConsistencyLevel.ONE, serial_consistency_level=serial)
        assert cql.execute(stmt).was_applied
        assert cql.execute("UPDATE kv SET v = 1 WHERE k = 1 IF v = 2").was_applied
    refused(
        cql,
        lw,
        SimpleStatement(cas, consistency_level=ConsistencyLevel.SERIAL),
        InvalidRequest,
        "SERIAL is not supported as conditional update commit consistency. Use ANY if you mean "
        '"make sure it is accepted but I don\'t care how many replicas commit it for non-SERIAL reads"',
    )
    refused(
        cql,
        lw,
        SimpleStatement("UPDATE kv SET v = 2 WHERE k = 1", consistency_level=ConsistencyLevel.SERIAL),
        InvalidRequest,
        "You must use conditional updates for serializable writes",
    )


def test_serial_reads(cql: Session, lw: str) -> None:
    for level in (ConsistencyLevel.SERIAL, ConsistencyLevel.LOCAL_SERIAL):
        cql.execute("INSERT INTO rows (k, c, v) VALUES (1, 1, 10) IF NOT EXISTS")
        cql.execute("UPDATE rows SET v = 11 WHERE k = 1 AND c = 1 IF v = 10")
        read = SimpleStatement("SELECT c, v FROM rows WHERE k = 1", consistency_level=level)
        assert [tuple(r) for r in cql.execute(read)] == [(1, 11)]
        prepared = cql.prepare("SELECT v FROM rows WHERE k = ? AND c = ?")
        prepared.consistency_level = level
        assert cql.execute(prepared, (1, 1)).one().v == 11
        cql.execute("DELETE FROM rows WHERE k = 1 AND c = 1 IF EXISTS")
        assert list(cql.execute(read)) == []
    for query in ("SELECT * FROM rows", "SELECT * FROM rows WHERE k IN (1, 2)"):
        with pytest.raises(
            InvalidRequest,
            match=re.escape(
                "SERIAL/LOCAL_SERIAL consistency may only be requested for one partition at a time"
            ),
        ):
            cql.execute(SimpleStatement(query, consistency_level=ConsistencyLevel.SERIAL))


# --------------------------------------------------------------------------- conditional batches


def test_conditional_batch_answers_one_row_per_statement(cql: Session, lw: str) -> None:
    cql.execute("INSERT INTO rows (k, c, v, w) VALUES (1, 1, 10, 'a')")
    cql.execute("INSERT INTO rows (k, c, v, w) VALUES (1, 2, 20, 'b')")
    batch = (
        "BEGIN BATCH "
        "UPDATE rows SET v = 11 WHERE k = 1 AND c = 1 IF v = 10; "
        "UPDATE rows SET w = 'bb' WHERE k = 1 AND c = 2 IF w = 'b'; "
        "INSERT INTO rows (k, c, v) VALUES (1, 3, 30) IF NOT EXISTS; "
        "UPDATE rows SET v = 40 WHERE k = 1 AND c = 4; "
        "APPLY BATCH"
    )
    rs = cql.execute(batch)
    # the full primary key plus every statement's result columns; old rows in statement order
    assert result(rs) == (
        ["[applied]", "k", "c", "s", "v", "w"],
        [
            (True, 1, 1, None, 10, "a"),
            (True, 1, 2, None, 20, "b"),
            (True, None, None, None, None, None),  # IF NOT EXISTS: its own row or nothing
            (True, 1, None, None, None, None),  # others fall back to the partition's static row
        ],
    )
    assert rs.was_applied
    assert [tuple(r) for r in cql.execute("SELECT c, v, w FROM rows WHERE k = 1")] == [
        (1, 11, "a"),
        (2, 20, "bb"),
        (3, 30, None),
        (4, 40, None),
    ]
    # one condition fails: nothing is written, not even the unconditional statement
    before = snapshot(cql, lw)
    again = cql.execute(batch.replace("c = 4", "c = 5"))
    rows = result(again)[1]
    assert [r[0] for r in rows] == [False] * 4
    assert [r[1:] for r in rows][:3] == [
        (1, 1, None, 11, "a"),
        (1, 2, None, 20, "bb"),
        (1, 3, None, 30, None),
    ]
    assert snapshot(cql, lw) == before


def test_conditions_of_a_batch_see_the_partition_before_the_batch(cql: Session, lw: str) -> None:
    rs = cql.execute(
        "BEGIN BATCH INSERT INTO kv (k, v) VALUES (1, 1) IF NOT EXISTS; "
        "INSERT INTO kv (k, w) VALUES (1, 'x') IF NOT EXISTS; APPLY BATCH"
    )
    assert [tuple(r) for r in rs] == [(True, None, None, None)] * 2
    assert tuple(cql.execute("SELECT v, w FROM kv WHERE k = 1").one()) == (1, "x")
    # ScyllaDB allows IF EXISTS, IF NOT EXISTS and conditions on one row in one batch
    rs = cql.execute(
        "BEGIN BATCH UPDATE kv SET v = 2 WHERE k = 1 IF EXISTS; "
        "UPDATE kv SET w = 'y' WHERE k = 1 IF v = 1; "
        "INSERT INTO kv (k, v) VALUES (1, 3) IF NOT EXISTS; APPLY BATCH"
    )
    assert [r[0] for r in rs] == [False] * 3
    assert tuple(cql.execute("SELECT v, w FROM kv WHERE k = 1").one()) == (1, "x")


def test_driver_batch_with_conditions(cql: Session, lw: str) -> None:
    cas = cql.prepare("UPDATE kv SET v = ? WHERE k = ? IF v = ?")
    plain = cql.prepare("UPDATE kv SET w = ? WHERE k = ?")
    cql.execute("INSERT INTO kv (k, v) VALUES (1, 1)")
    batch = BatchStatement()
    batch.add(cas, (2, 1, 1))
    batch.add(plain, ("set", 1))
    rs = cql.execute(batch)
    assert rs.was_applied
    # [applied], the primary key, and the condition columns of any statement
    assert result(rs) == (["[applied]", "k", "v"], [(True, 1, 1), (True, 1, 1)])
    assert tuple(cql.execute("SELECT v, w FROM kv WHERE k = 1").one()) == (2, "set")
    assert not cql.execute(batch).was_applied


def test_prepared_conditional_batch(cql: Session, lw: str) -> None:
    batch = cql.prepare(
        "BEGIN BATCH INSERT INTO rows (k, c, v) VALUES (?, ?, ?) IF NOT EXISTS; "
        "UPDATE rows SET s = ? WHERE k = ? IF s = null APPLY BATCH"
    )
    assert [c[2] for c in batch.result_metadata] == ["[applied]", "k", "c", "s", "v", "w"]
    assert [tuple(r) for r in cql.execute(batch, (1, 1, 10, 5, 1))] == [
        (True, None, None, None, None, None)
    ] * 2
    assert [tuple(r) for r in cql.execute(batch, (1, 1, 11, 6, 1))] == [
        (False, 1, 1, 5, 10, None),
        (False, 1, None, 5, None, None),
    ]
    assert tuple(cql.execute("SELECT c, s, v FROM rows WHERE k = 1").one()) == (1, 5, 10)


def test_lwt_writes_carry_the_server_time(cql: Session, lw: str) -> None:
    """The transaction stamps its writes with its own (Paxos ballot) time: a plain
    write from the future still shadows them, so the applied update is not seen."""
    cql.execute("INSERT INTO kv (k, v) VALUES (1, 1)")
    before = cql.execute("SELECT writetime(v) FROM kv WHERE k = 1").one()[0]
    assert cql.execute("UPDATE kv SET v = 2 WHERE k = 1 IF v = 1").was_applied
    assert cql.execute("SELECT writetime(v) FROM kv WHERE k = 1").one()[0] > before
    far = (2**62) // 1000  # centuries ahead, in microseconds
    cql.execute(f"INSERT INTO kv (k, v) VALUES (2, 1) USING TIMESTAMP {far}")
    assert cql.execute("UPDATE kv SET v = 2 WHERE k = 2 IF v = 1").was_applied
    assert tuple(cql.execute("SELECT v, writetime(v) FROM kv WHERE k = 2").one()) == (1, far)


@pytest.mark.skipif(bool(os.environ.get("SCYLLA_HOSTS")), reason="restarts the embedded server on its data")
def test_applied_transactions_replay_after_a_crash(tmp_path: Path) -> None:
    """What a crash leaves (the acknowledged commit log, no snapshot) rebuilds every
    applied transaction, even a batch whose second IF NOT EXISTS only held because
    conditions are checked before any statement of the batch applies."""
    from scylla_lite import serve

    live, crashed = tmp_path / "live", tmp_path / "crashed"
    with serve(port=0, data_dir=live) as srv:
        cluster = Cluster([srv.host], port=srv.port)
        cql = cluster.connect()
        cql.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        cql.execute("CREATE TABLE ks.kv (k int PRIMARY KEY, v int, w text)")
        insert_v = cql.prepare("INSERT INTO ks.kv (k, v) VALUES (?, ?) IF NOT EXISTS")
        insert_w = cql.prepare("INSERT INTO ks.kv (k, w) VALUES (?, ?) IF NOT EXISTS")
        batch = BatchStatement()
        batch.add(insert_v, (1, 1))
        batch.add(insert_w, (1, "x"))
        assert cql.execute(batch).was_applied
        assert cql.execute("UPDATE ks.kv SET v = 2 WHERE k = 1 IF v = 1").was_applied
        assert not cql.execute("UPDATE ks.kv SET v = 3 WHERE k = 1 IF v = 1").was_applied
        assert cql.execute(
            "BEGIN BATCH INSERT INTO ks.kv (k, v) VALUES (2, 1) IF NOT EXISTS; "
            "INSERT INTO ks.kv (k, w) VALUES (2, 'y') IF NOT EXISTS APPLY BATCH"
        ).was_applied
        expected = sorted(tuple(r) for r in cql.execute("SELECT k, v, w FROM ks.kv"))
        shutil.copytree(live, crashed)
        cluster.shutdown()
    assert expected == [(1, 2, "x"), (2, 1, "y")]
    with serve(port=0, data_dir=crashed) as srv:
        cluster = Cluster([srv.host], port=srv.port)
        try:
            got = sorted(tuple(r) for r in cluster.connect().execute("SELECT k, v, w FROM ks.kv"))
        finally:
            cluster.shutdown()
    assert got == expected


# --------------------------------------------------------------------------- concurrency

RACERS = 50
SESSIONS = 5


def test_concurrent_if_not_exists_has_exactly_one_winner(cql: Session, cluster: Cluster, lw: str) -> None:
    """50 clients over several connections insert the same key IF NOT EXISTS at once:
    exactly one applies, the stored row is the winner's, and every loser is told it."""
    sessions = [cluster.connect(lw) for _ in range(SESSIONS)]
    try:
        prepared = [s.prepare("INSERT INTO kv (k, v, w) VALUES (7, ?, ?) IF NOT EXISTS") for s in sessions]
        outcomes: dict[int, tuple[Any, ...]] = {}
        timed_out: set[int] = set()  # a real cluster may time out under contention: retried

        def race(i: int) -> None:
            session, stmt = sessions[i % SESSIONS], prepared[i % SESSIONS]
            while i not in outcomes:
                try:
                    outcomes[i] = tuple(session.execute(stmt, (i, f"racer {i}")).one())
                except WriteTimeout:
                    timed_out.add(i)

        run_clients(race, RACERS, timeout=60)
        winners = [i for i, row in outcomes.items() if row[0] is True]
        assert len(outcomes) == RACERS
        stored = tuple(cql.execute("SELECT k, v, w FROM kv WHERE k = 7").one())
        winner = stored[1]
        assert stored == (7, winner, f"racer {winner}")
        if not timed_out:  # (a timed-out winner learns of its win only as a refusal on retry)
            assert winners == [winner]
            assert outcomes[winner] == (True, None, None, None)
        else:
            assert winners == [winner] or (not winners and winner in timed_out)
        assert all(row == (False, *stored) for i, row in outcomes.items() if i not in winners)
    finally:
        for s in sessions:
            s.shutdown()


CASERS = 6
INCREMENTS_EACH = 20


def test_compare_and_set_increments_are_never_lost(cql: Session, cluster: Cluster, lw: str) -> None:
    """Clients increment one value with compare-and-set, retrying with the value a
    refusal reports: the final value counts every increment that applied, once."""
    cql.execute("INSERT INTO kv (k, v) VALUES (0, 0)")
    sessions = [cluster.connect(lw) for _ in range(CASERS)]
    try:
        applied: list[list[int]] = [[] for _ in range(CASERS)]
        uncertain: set[int] = set()
        serial_read = SimpleStatement(
            "SELECT v FROM kv WHERE k = 0", consistency_level=ConsistencyLevel.SERIAL
        )
        cas = [session.prepare("UPDATE kv SET v = ? WHERE k = 0 IF v = ?") for session in sessions]

        def client(i: int) -> None:
            session = sessions[i]
            seen = 0
            while len(applied[i]) < INCREMENTS_EACH:
                try:
                    row = session.execute(cas[i], (seen + 1, seen)).one()
                except WriteTimeout:  # a real cluster under contention: outcome unknown
                    uncertain.add(seen + 1)
                    seen = session.execute(serial_read).one().v
                    continue
                if row[0]:
                    applied[i].append(seen + 1)
                    seen += 1
                else:
                    seen = row[1]  # the current value, as the refusal reports it

        run_clients(client, CASERS, timeout=120)
        final = cql.execute("SELECT v FROM kv WHERE k = 0").one().v
        confirmed = sorted(v for values in applied for v in values)
        assert len(confirmed) == CASERS * INCREMENTS_EACH
        # every value from 1 to the final one was written by exactly one successful CAS
        assert len(set(confirmed)) == len(confirmed)
        assert set(range(1, final + 1)) - set(confirmed) <= uncertain
        if not uncertain:
            assert confirmed == list(range(1, final + 1))
    finally:
        for s in sessions:
            s.shutdown()
