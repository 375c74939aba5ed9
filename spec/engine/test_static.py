"""Static columns: one value per partition, shared by its rows; how deletes treat
them; lightweight transactions on them; and the refusals (error class and message
asserted, and nothing written).
"""

from __future__ import annotations

from typing import Any

import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Session

from spec.assertions import refused, rows


def lwt(cql: Session, query: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    rs = cql.execute(query)
    return list(rs.column_names), [tuple(r) for r in rs.current_rows]


@pytest.fixture
def st(cql: Session, keyspace: str) -> str:
    """The test keyspace with t (k, c, static s, v)."""
    cql.execute("CREATE TABLE t (k int, c int, s int static, v int, PRIMARY KEY (k, c))")
    return keyspace


# --------------------------------------------------------------------------- values


def test_one_static_value_per_partition(cql: Session, st: str) -> None:
    cql.execute("INSERT INTO t (k, c, s, v) VALUES (1, 1, 10, 100)")
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 2, 200)")
    cql.execute("INSERT INTO t (k, c, s, v) VALUES (2, 1, 20, 100)")
    assert rows(cql, "SELECT k, c, s, v FROM t WHERE k = 1") == [(1, 1, 10, 100), (1, 2, 10, 200)]
    cql.execute("INSERT INTO t (k, c, s) VALUES (1, 3, 11)")  # written through any row, seen by all
    assert rows(cql, "SELECT c, s FROM t WHERE k = 1") == [(1, 11), (2, 11), (3, 11)]
    cql.execute("UPDATE t SET s = 12 WHERE k = 1")  # the partition key alone names it
    assert rows(cql, "SELECT s FROM t WHERE k = 1 AND c = 2") == [(12,)]
    assert sorted(rows(cql, "SELECT DISTINCT k, s FROM t")) == [(1, 12), (2, 20)]
    assert rows(cql, "SELECT s FROM t WHERE k = 2") == [(20,)]


def test_a_partition_with_only_a_static_value(cql: Session, st: str) -> None:
    cql.execute("INSERT INTO t (k, s) VALUES (1, 10)")
    # read as one row whose clustering and regular columns are null
    assert rows(cql, "SELECT * FROM t") == [(1, None, 10, None)]
    assert rows(cql, "SELECT * FROM t WHERE k = 1 AND c = 1") == []
    cql.execute("UPDATE t SET s = 5 WHERE k = 2")
    assert sorted(rows(cql, "SELECT k, c, s, v FROM t")) == [(1, None, 10, None), (2, None, 5, None)]
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 1, 1)")  # a real row replaces the placeholder
    assert rows(cql, "SELECT * FROM t WHERE k = 1") == [(1, 1, 10, 1)]


# --------------------------------------------------------------------------- deletes


def test_deleting_rows_keeps_the_static_value(cql: Session, st: str) -> None:
    cql.execute("INSERT INTO t (k, c, s, v) VALUES (1, 1, 10, 100)")
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 2, 200)")
    cql.execute("DELETE FROM t WHERE k = 1 AND c = 1")
    assert rows(cql, "SELECT * FROM t WHERE k = 1") == [(1, 2, 10, 200)]
    cql.execute("DELETE FROM t WHERE k = 1 AND c = 2")  # the last row
    assert rows(cql, "SELECT * FROM t WHERE k = 1") == [(1, None, 10, None)]
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 3, 300)")
    cql.execute("DELETE FROM t WHERE k = 1 AND c > 0")  # a range of rows
    assert rows(cql, "SELECT * FROM t WHERE k = 1") == [(1, None, 10, None)]
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 4, 400)")
    cql.execute("DELETE v FROM t WHERE k = 1 AND c = 4")  # a row's regular columns
    assert rows(cql, "SELECT * FROM t WHERE k = 1") == [(1, 4, 10, None)]


def test_deleting_the_static_value(cql: Session, st: str) -> None:
    cql.execute("INSERT INTO t (k, c, s, v) VALUES (1, 1, 10, 100)")
    cql.execute("INSERT INTO t (k, s) VALUES (2, 20)")
    cql.execute("DELETE s FROM t WHERE k = 1")  # by the partition key only; the rows stay
    assert rows(cql, "SELECT * FROM t WHERE k = 1") == [(1, 1, None, 100)]
    cql.execute("DELETE s FROM t WHERE k = 2")  # a partition that only had its static value
    assert rows(cql, "SELECT * FROM t WHERE k = 2") == []


def test_deleting_the_partition_removes_the_static_value(cql: Session, st: str) -> None:
    cql.execute("INSERT INTO t (k, c, s, v) VALUES (1, 1, 10, 100)")
    cql.execute("INSERT INTO t (k, s) VALUES (2, 20)")
    cql.execute("DELETE FROM t WHERE k = 1")
    cql.execute("DELETE FROM t WHERE k = 2")
    assert rows(cql, "SELECT * FROM t") == []
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 1, 1)")  # a new row does not bring it back
    assert rows(cql, "SELECT * FROM t") == [(1, 1, None, 1)]


# --------------------------------------------------------------------------- LWT


def test_conditions_on_static_columns_need_only_the_partition_key(cql: Session, st: str) -> None:
    cql.execute("INSERT INTO t (k, c, s, v) VALUES (1, 1, 10, 100)")
    assert lwt(cql, "UPDATE t SET s = 11 WHERE k = 1 IF s = 10") == (["[applied]", "s"], [(True, 10)])
    assert lwt(cql, "UPDATE t SET s = 12 WHERE k = 1 IF s = 10") == (["[applied]", "s"], [(False, 11)])
    assert lwt(cql, "DELETE s FROM t WHERE k = 1 IF s = 11")[1] == [(True, 11)]
    assert rows(cql, "SELECT * FROM t") == [(1, 1, None, 100)]
    # a partition with rows but no static value, and one that does not exist: s is null
    assert lwt(cql, "UPDATE t SET s = 1 WHERE k = 1 IF s = null")[1] == [(True, None)]
    assert lwt(cql, "UPDATE t SET s = 2 WHERE k = 2 IF s = null")[1] == [(True, None)]
    assert lwt(cql, "UPDATE t SET s = 3 WHERE k = 3 IF s = 5")[1] == [(False, None)]
    assert sorted(rows(cql, "SELECT k, c, s FROM t")) == [(1, 1, 1), (2, None, 2)]


def test_a_static_condition_lets_a_missing_row_be_written(cql: Session, st: str) -> None:
    cql.execute("INSERT INTO t (k, s) VALUES (1, 1)")
    # the row c = 1 does not exist: the condition reads the static value
    assert lwt(cql, "UPDATE t SET v = 5, s = 2 WHERE k = 1 AND c = 1 IF s = 1")[1] == [(True, 1)]
    assert rows(cql, "SELECT * FROM t") == [(1, 1, 2, 5)]
    # a regular column of a missing row is null, beside the static value
    assert lwt(cql, "UPDATE t SET v = 6 WHERE k = 1 AND c = 2 IF s = 2 AND v = null") == (
        ["[applied]", "s", "v"],
        [(True, 2, None)],
    )
    assert lwt(cql, "DELETE v FROM t WHERE k = 1 AND c = 9 IF v = 1 AND s = 2")[1] == [(False, 2, None)]


def test_if_not_exists_with_static_columns(cql: Session, st: str) -> None:
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 1, 1)")
    # without a clustering key it is about the static value: none yet, so it applies
    assert lwt(cql, "INSERT INTO t (k, s) VALUES (1, 10) IF NOT EXISTS") == (
        ["[applied]", "k", "c", "s", "v"],
        [(True, 1, None, None, None)],
    )
    assert lwt(cql, "INSERT INTO t (k, s) VALUES (1, 20) IF NOT EXISTS")[1] == [(False, 1, None, 10, None)]
    # with one it is about that row
    assert lwt(cql, "INSERT INTO t (k, c, s) VALUES (1, 1, 30) IF NOT EXISTS")[1] == [(False, 1, 1, 10, 1)]
    assert lwt(cql, "INSERT INTO t (k, c, s) VALUES (1, 2, 30) IF NOT EXISTS")[1] == [
        (True, None, None, None, None)
    ]
    assert rows(cql, "SELECT * FROM t") == [(1, 1, 30, 1), (1, 2, 30, None)]
    # IF EXISTS without a clustering key: does the static value exist?
    cql.execute("INSERT INTO t (k, c, v) VALUES (2, 1, 1)")
    assert lwt(cql, "UPDATE t SET s = 1 WHERE k = 2 IF EXISTS")[1] == [(False, 2, None, None, None)]
    assert lwt(cql, "UPDATE t SET s = 1 WHERE k = 1 IF EXISTS")[1] == [(True, 1, None, 30, None)]
    assert lwt(cql, "DELETE s FROM t WHERE k = 1 IF EXISTS")[1] == [(True, 1, None, 1, None)]
    assert rows(cql, "SELECT k, c, s FROM t WHERE k = 1") == [(1, 1, None), (1, 2, None)]


def test_conditional_batch_on_static_and_regular_columns(cql: Session, st: str) -> None:
    cql.execute("CREATE TABLE t2 (a int, b int, s1 int static, s2 int static, d int, PRIMARY KEY (a, b))")
    cql.execute("INSERT INTO t2 (a, b, d) VALUES (2, 1, 5)")
    cql.execute("INSERT INTO t2 (a, b, d) VALUES (2, 2, 6)")
    batch = (
        "BEGIN BATCH "
        "UPDATE t2 SET s2 = 202 WHERE a = {a} IF s1 = null; "
        "UPDATE t2 SET s1 = 201 WHERE a = {a} IF s2 = null; "
        "UPDATE t2 SET d = 203 WHERE a = {a} AND b = 1 IF d = 5; "
        "UPDATE t2 SET d = 204 WHERE a = {a} AND b = 2 IF d = 6; "
        "APPLY BATCH"
    )
    assert lwt(cql, batch.format(a=2)) == (
        ["[applied]", "a", "b", "s1", "s2", "d"],
        [
            (True, 2, None, None, None, None),  # the static row
            (True, 2, None, None, None, None),
            (True, 2, 1, None, None, 5),
            (True, 2, 2, None, None, 6),
        ],
    )
    assert rows(cql, "SELECT * FROM t2 WHERE a = 2") == [(2, 1, 201, 202, 203), (2, 2, 201, 202, 204)]
    # a missing partition: every old row is null, and d = 5 fails
    assert lwt(cql, batch.format(a=20))[1] == [(False, None, None, None, None, None)] * 4
    assert rows(cql, "SELECT * FROM t2 WHERE a = 20") == []


# --------------------------------------------------------------------------- refusals

REFUSALS = [
    pytest.param(
        "CREATE TABLE bad (k int PRIMARY KEY, s int static)",
        "Static columns are only useful (and thus allowed) if the table has at least one clustering column",
        id="no clustering columns",
    ),
    pytest.param(
        "CREATE TABLE bad (k int static, c int, v int, PRIMARY KEY (k, c))",
        "Static column k cannot be part of the PRIMARY KEY",
        id="static partition key",
    ),
    pytest.param(
        "CREATE TABLE bad (k int, c int static, v int, PRIMARY KEY (k, c))",
        "Static column c cannot be part of the PRIMARY KEY",
        id="static clustering key",
    ),
    pytest.param(
        "UPDATE t SET s = 1 WHERE k = 1 AND c = 1",
        "Invalid restrictions on clustering columns since the UPDATE statement modifies only static columns",
        id="update a static value by row",
    ),
    pytest.param(
        "DELETE s FROM t WHERE k = 1 AND c = 1",
        "Invalid restrictions on clustering columns since the DELETE statement modifies only static columns",
        id="delete a static value by row",
    ),
    pytest.param(
        "UPDATE t SET s = 1 WHERE k = 1 AND c = 1 IF s = 1",
        "Invalid restrictions on clustering columns since the UPDATE statement modifies only static columns",
        id="conditional update of a static value by row",
    ),
    pytest.param(
        "UPDATE t SET s = 1, v = 1 WHERE k = 1",
        "Missing mandatory PRIMARY KEY part c",
        id="update a regular column without the clustering key",
    ),
    pytest.param(
        "INSERT INTO t (k, s, v) VALUES (1, 1, 1)",
        "Missing mandatory PRIMARY KEY part c",
        id="insert a regular column without the clustering key",
    ),
    pytest.param(
        "DELETE s, v FROM t WHERE k = 1",
        "Primary key column 'c' must be specified in order to modify column 'v'",
        id="delete a regular column without the clustering key",
    ),
    pytest.param(
        "UPDATE t SET s = 1 WHERE k = 1 IF v = 1",
        "Missing mandatory PRIMARY KEY part c",
        id="condition on a regular column without the clustering key",
    ),
    pytest.param(
        "DELETE s FROM t WHERE k = 1 IF v = 1",
        "DELETE statements must restrict all PRIMARY KEY columns with equality relations "
        "in order to use IF condition on non static columns",
        id="conditional delete of a static value on a regular condition",
    ),
    pytest.param(
        "ALTER TABLE plain ADD s2 int static",
        "Static columns are only useful (and thus allowed) if the table has at least one clustering column",
        id="add a static column to a table without clustering columns",
    ),
]


@pytest.mark.parametrize(("statement", "message"), REFUSALS)
def test_static_refusals(cql: Session, st: str, statement: str, message: str) -> None:
    cql.execute("CREATE TABLE plain (k int PRIMARY KEY, v int)")
    cql.execute("INSERT INTO t (k, c, s, v) VALUES (1, 1, 1, 1)")
    refused(cql, st, statement, InvalidRequest, message)  # rows and schema (columns too) unchanged
