"""Bad requests: the exact error class and ScyllaDB's message, and nothing changed.

The driver picks the exception class from the ERROR frame's code (InvalidRequest 0x2200,
SyntaxException 0x2000, Unauthorized 0x2100, ConfigurationException 0x2300,
AlreadyExists 0x2400), so asserting the exact class asserts the code.

Each case runs against a keyspace holding a few rows in several tables, reads every
table and the keyspace's schema before and after, and requires both to be unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from cassandra import AlreadyExists, InvalidRequest, Unauthorized
from cassandra.cluster import Session
from cassandra.protocol import ConfigurationException, SyntaxException
from cassandra.query import BatchStatement, SimpleStatement

from spec.assertions import FILTERING_MESSAGE, keyspace_names, refused


@pytest.fixture
def data(cql: Session, keyspace: str) -> str:
    """The test keyspace with a few rows in each of the tables the bad requests aim at."""
    cql.execute(
        "CREATE TABLE t (k int, c int, v int, s int static, l frozen<list<int>>, m map<int, text>, "
        "PRIMARY KEY (k, c))"
    )
    cql.execute("CREATE TABLE t2 (k int, a int, b int, v int, PRIMARY KEY (k, a, b))")
    cql.execute("CREATE TABLE ct (k int PRIMARY KEY, n counter)")
    cql.execute("CREATE TYPE u (a int, b text)")
    cql.execute("CREATE TABLE tu (k int PRIMARY KEY, u frozen<u>)")
    cql.execute("CREATE TABLE tl (k int PRIMARY KEY, l list<int>, s set<int>)")
    cql.execute("INSERT INTO tl (k, l, s) VALUES (0, [1, 2], {1})")
    for k in range(3):
        for c in range(3):
            cql.execute(
                "INSERT INTO t (k, c, v, s, l, m) VALUES (%s, %s, %s, %s, %s, %s)",
                (k, c, k * 10 + c, k, [c, c], {c: "x"}),
            )
            cql.execute("INSERT INTO t2 (k, a, b, v) VALUES (%s, %s, %s, %s)", (k, c, c, c))
        cql.execute("UPDATE ct SET n = n + %s WHERE k = %s", (k + 1, k))
        cql.execute("INSERT INTO tu (k, u) VALUES (%s, {a: %s, b: 'b'})", (k, k))
    return keyspace


@dataclass(frozen=True)
class Bad:
    id: str
    statement: str | Callable[[Session, str], Any]
    error: type[Exception]
    message: str | re.Pattern[str]  # a substring of ScyllaDB's message, or a pattern it matches


def _paged_in_order_by(cql: Session, ks: str) -> Any:
    return cql.execute(SimpleStatement("SELECT * FROM t WHERE k IN (1, 2) ORDER BY c DESC", fetch_size=100))


def _prepared_with_a_value_missing(cql: Session, ks: str) -> Any:
    ps = cql.prepare("INSERT INTO t (k, c, v) VALUES (?, ?, ?)")
    bound = ps.bind((7, 7, 7))
    bound.values = bound.values[
        :2
    ]  # the driver pads short binds with UNSET; send two values for three markers
    return cql.execute(bound)


def _markers_without_values(cql: Session, ks: str) -> Any:
    return cql.execute(SimpleStatement("INSERT INTO t (k, c, v) VALUES (?, ?, ?)"))


def _create_existing_keyspace(cql: Session, ks: str) -> Any:
    return cql.execute(
        f"CREATE KEYSPACE {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
    )


CASES = [
    Bad(
        "list element deleted past the end",
        "DELETE l[7] FROM tl WHERE k = 0",
        InvalidRequest,
        "List index 7 out of bound, list has size 2",
    ),
    Bad(
        "list element deleted from a null list",
        "DELETE l[0] FROM tl WHERE k = 5",
        InvalidRequest,
        "Attempted to delete an element from a list which is null",
    ),
    Bad(
        "set element assigned by key",
        "UPDATE tl SET s[1] = 2 WHERE k = 0",
        InvalidRequest,
        "Invalid operation (s[1] = 2) for set column s",
    ),
    Bad(
        "list prepend with a pre-2010 timestamp",
        "UPDATE tl USING TIMESTAMP 1000 SET l = [9] + l WHERE k = 0",
        InvalidRequest,
        "List prepend custom timestamp must be greater than Jan 1 2010 00:00:00",
    ),
    Bad("filtering on a regular column", "SELECT * FROM t WHERE v = 1", InvalidRequest, FILTERING_MESSAGE),
    Bad(
        "filtering on a clustering column without the partition",
        "SELECT * FROM t WHERE c = 1",
        InvalidRequest,
        FILTERING_MESSAGE,
    ),
    Bad(
        "unknown column selected",
        "SELECT k, nope FROM t",
        InvalidRequest,
        "Undefined name nope in selection clause",
    ),
    Bad(
        "unknown column inserted",
        "INSERT INTO t (k, c, nope) VALUES (1, 1, 1)",
        InvalidRequest,
        "Unknown identifier nope",
    ),
    Bad(
        "unknown column updated",
        "UPDATE t SET nope = 1 WHERE k = 1 AND c = 1",
        InvalidRequest,
        "Unknown identifier nope",
    ),
    Bad(
        "unknown column in WHERE",
        "SELECT * FROM t WHERE nope = 1 ALLOW FILTERING",
        InvalidRequest,
        "Unrecognized name nope",
    ),
    Bad(
        "UPDATE without the partition key",
        "UPDATE t SET v = 1 WHERE c = 1",
        InvalidRequest,
        "Missing mandatory PRIMARY KEY part k",
    ),
    Bad(
        "INSERT without the partition key",
        "INSERT INTO t (c, v) VALUES (1, 1)",
        InvalidRequest,
        "Missing mandatory PRIMARY KEY part k",
    ),
    Bad(
        "INSERT without the clustering key",
        "INSERT INTO t (k, v) VALUES (1, 1)",
        InvalidRequest,
        "Missing mandatory PRIMARY KEY part c",
    ),
    Bad(
        "UPDATE without the clustering key",
        "UPDATE t SET v = 1 WHERE k = 1",
        InvalidRequest,
        "Missing mandatory PRIMARY KEY part c",
    ),
    Bad(
        "DELETE of a column without the clustering key",
        "DELETE v FROM t WHERE k = 1",
        InvalidRequest,
        "Primary key column 'c' must be specified in order to modify column 'v'",
    ),
    Bad(
        "DELETE of a column over a range of rows",
        "DELETE v FROM t WHERE k = 1 AND c > 0",
        InvalidRequest,
        "Range deletions are not supported for specific columns",
    ),
    Bad(
        "primary key column in SET",
        "UPDATE t SET c = 2 WHERE k = 1 AND c = 1",
        InvalidRequest,
        "PRIMARY KEY part c found in SET part",
    ),
    Bad("unknown table", "SELECT * FROM nope", InvalidRequest, "unconfigured table nope"),
    Bad("unknown keyspace", "SELECT * FROM nope_ks.t", InvalidRequest, "Keyspace nope_ks does not exist"),
    Bad(
        "CREATE TABLE of an existing table",
        "CREATE TABLE t (k int PRIMARY KEY)",
        AlreadyExists,
        re.compile(r"Table '\w+\.t' already exists"),
    ),  # the driver's words, from the frame's keyspace and table
    Bad(
        "CREATE KEYSPACE of an existing keyspace",
        _create_existing_keyspace,
        AlreadyExists,
        re.compile(r"Keyspace '\w+' already exists"),
    ),
    Bad(
        "DROP TABLE of a missing table",
        "DROP TABLE nope",
        InvalidRequest,
        re.compile(r"unconfigured table nope|Cannot drop non existing table 'nope' in keyspace"),
    ),
    Bad(
        "string literal for an int",
        "INSERT INTO t (k, c, v) VALUES (1, 1, 'x')",
        InvalidRequest,
        'Invalid STRING constant (x) for "v" of type int',
    ),
    Bad("syntax error", "SELEC * FROM t", SyntaxException, "no viable alternative at input 'SELEC'"),
    Bad(
        "counter and non-counter columns in one table",
        "CREATE TABLE mix (k int PRIMARY KEY, n counter, v int)",
        ConfigurationException,  # ScyllaDB: its schema builder refuses the table
        "Cannot add a non counter column (v) in a counter column family",
    ),
    Bad(
        "INSERT into a counter table",
        "INSERT INTO ct (k, n) VALUES (1, 1)",
        InvalidRequest,
        "INSERT statement are not allowed on counter tables, use UPDATE instead",
    ),
    Bad(
        "setting a counter",
        "UPDATE ct SET n = 5 WHERE k = 1",
        InvalidRequest,
        "Cannot set the value of counter column n (counters can only be incremented/decremented, not set)",
    ),
    Bad(
        "TTL too large",
        "INSERT INTO t (k, c, v) VALUES (1, 1, 1) USING TTL 630720001",
        InvalidRequest,
        "ttl is too large. requested (630720001) maximum (630720000)",
    ),
    Bad(
        "negative TTL",
        "UPDATE t USING TTL -1 SET v = 5 WHERE k = 1 AND c = 1",
        InvalidRequest,
        "A TTL must be greater or equal to 0",
    ),
    Bad(
        "ORDER BY a regular column",
        "SELECT * FROM t WHERE k = 1 ORDER BY v",
        InvalidRequest,
        "Order by is currently only supported on the clustered columns of the PRIMARY KEY, got v",
    ),
    Bad(
        "ORDER BY without a partition restriction",
        "SELECT * FROM t ORDER BY c DESC",
        InvalidRequest,
        "ORDER BY is only supported when the partition key is restricted by an EQ or an IN.",
    ),
    Bad(
        "ORDER BY skipping an unrestricted clustering column",
        "SELECT * FROM t2 WHERE k = 1 ORDER BY b DESC",
        InvalidRequest,
        "Unsupported order by relation - column a doesn't have an ordering or EQ relation.",
    ),
    Bad(
        "clustering column restricted without the preceding one",
        "SELECT * FROM t2 WHERE k = 1 AND b = 1",
        InvalidRequest,
        'PRIMARY KEY column "b" cannot be restricted as preceding column "a" is not restricted',
    ),
    Bad(
        "IN on the partition key with ORDER BY, paged",
        _paged_in_order_by,
        InvalidRequest,
        "Cannot page queries with both ORDER BY and a IN restriction on the partition key",
    ),
    Bad(
        "IN on the partition key of a conditional update",
        "UPDATE t SET v = 1 WHERE k IN (1, 2) AND c = 1 IF EXISTS",
        InvalidRequest,
        "IN on the partition key is not supported with conditional updates",
    ),
    Bad(
        "IN on a clustering column of a conditional update",
        "UPDATE t SET v = 1 WHERE k = 1 AND c IN (1, 2) IF v = 1",
        InvalidRequest,
        "IN on the clustering key columns is not supported with conditional updates",
    ),
    Bad(
        "DDL in system_schema",
        "ALTER TABLE system_schema.tables WITH comment = 'x'",
        Unauthorized,
        "system_schema keyspace is not user-modifiable.",
    ),
    Bad(
        "table created in system_schema",
        "CREATE TABLE system_schema.mine (k int PRIMARY KEY)",
        Unauthorized,
        "system_schema keyspace is not user-modifiable.",
    ),
    Bad("USE of a missing keyspace", "USE nope_ks", InvalidRequest, "Keyspace 'nope_ks' does not exist"),
    Bad(
        "ALTER TABLE DROP of a primary key column",
        "ALTER TABLE t DROP c",
        InvalidRequest,
        "Cannot drop PRIMARY KEY part c",
    ),
    Bad(
        "ALTER TABLE RENAME of a regular column",
        "ALTER TABLE t RENAME v TO w",
        InvalidRequest,
        "Cannot rename non PRIMARY KEY part v",
    ),
    Bad("LIMIT 0", "SELECT * FROM t LIMIT 0", InvalidRequest, "LIMIT must be strictly positive"),
    Bad(
        "PER PARTITION LIMIT 0",
        "SELECT * FROM t PER PARTITION LIMIT 0",
        InvalidRequest,
        "PER PARTITION LIMIT must be strictly positive",
    ),
    Bad(
        "too few bound values for a prepared statement",
        _prepared_with_a_value_missing,
        InvalidRequest,
        "Invalid amount of bind variables: expected 3 received 2",
    ),
    Bad(
        "markers without values",
        _markers_without_values,
        InvalidRequest,
        "Invalid amount of bind variables: expected 3 received 0",
    ),
    Bad(
        "element update of a frozen collection",
        "UPDATE t SET l[0] = 1 WHERE k = 1 AND c = 1",
        InvalidRequest,
        "Invalid operation (l[0] = 1) for frozen collection column l",
    ),
    Bad(
        "append to a frozen collection",
        "UPDATE t SET l = l + [3] WHERE k = 1 AND c = 1",
        InvalidRequest,
        "Invalid operation (l = l + [3]) for frozen collection column l",
    ),
    Bad(
        "increment of a non-counter",
        "UPDATE t SET v = v + 1 WHERE k = 1 AND c = 1",
        InvalidRequest,
        "Invalid operation (v = v + 1) for non counter column v",
    ),
    Bad(
        "duplicate column in INSERT",
        "INSERT INTO t (k, c, v, v) VALUES (1, 1, 1, 1)",
        InvalidRequest,
        "Multiple definitions found for column v",
    ),
    Bad(
        "unknown UDT field",
        "INSERT INTO tu (k, u) VALUES (1, {nope: 1})",
        InvalidRequest,
        "Unknown field 'nope' in value of user defined type u",
    ),
    Bad(
        "SELECT DISTINCT of a clustering column",
        "SELECT DISTINCT k, c FROM t",
        InvalidRequest,
        "SELECT DISTINCT queries must only request partition key columns and/or static columns (not c)",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_request(cql: Session, data: str, case: Bad) -> None:
    keyspaces = keyspace_names(cql)
    statement = case.statement
    refused(
        cql,
        data,
        (lambda: statement(cql, data)) if callable(statement) else statement,
        case.error,
        case.message,
    )
    cql.set_keyspace(data)  # a failed USE must not have moved the session
    assert keyspace_names(cql) == keyspaces


def test_already_exists_names_the_table_and_keyspace(cql: Session, data: str) -> None:
    with pytest.raises(AlreadyExists) as table:
        cql.execute("CREATE TABLE t (k int PRIMARY KEY)")
    assert (table.value.keyspace, table.value.table) == (data, "t")
    with pytest.raises(AlreadyExists) as keyspace:
        _create_existing_keyspace(cql, data)
    assert (keyspace.value.keyspace, keyspace.value.table) == (data, "")


def test_configuration_exception_for_a_bad_replication_strategy(cql: Session, data: str) -> None:
    keyspaces = keyspace_names(cql)
    refused(
        cql,
        data,
        "CREATE KEYSPACE bad_strategy WITH replication = {'class': 'NoSuchStrategy'}",
        ConfigurationException,
        "Unable to find replication strategy class",
    )
    assert keyspace_names(cql) == keyspaces


def test_a_failing_statement_of_a_batch_applies_nothing(cql: Session, data: str) -> None:
    cql.execute("CREATE TABLE lists (k int PRIMARY KEY, l list<int>)")
    cql.execute("INSERT INTO lists (k, l) VALUES (1, [1, 2])")
    refused(
        cql,
        data,
        "BEGIN BATCH INSERT INTO t (k, c, v) VALUES (9, 9, 9); "
        "INSERT INTO t (k, c, v) VALUES (9, 8, 'x'); APPLY BATCH",
        InvalidRequest,
        'Invalid STRING constant (x) for "v" of type int',
    )
    refused(
        cql,
        data,
        "BEGIN BATCH INSERT INTO t (k, c, v) VALUES (9, 9, 9); "
        "UPDATE lists SET l = l + [3] WHERE k = 1; "
        "UPDATE lists SET l[5] = 0 WHERE k = 1; APPLY BATCH",
        InvalidRequest,
        "List index 5 out of bound, list has size 2",
    )
    insert = cql.prepare("INSERT INTO t (k, c, v) VALUES (?, ?, ?)")
    batch = BatchStatement()
    batch.add(insert, (9, 9, 9))
    bad = insert.bind((9, 8, 0))
    bad.values[2] = b"\x00"  # one byte for an int: the server must refuse the whole batch
    batch.add(bad)
    refused(cql, data, batch, InvalidRequest, "Exception while binding column v")
