"""Prepared statements: bind-marker metadata, result metadata, routing keys, and the
driver's transparent re-prepare when the server has forgotten a statement."""

from __future__ import annotations

from typing import Any

import pytest
from cassandra.cluster import Session
from cassandra.cqltypes import Int32Type, UTF8Type
from cassandra.query import BatchStatement


def markers(cql: Session, query: str) -> list[tuple[str, str]]:
    """(name, CQL type) of each bind marker, as the PREPARED metadata describes it."""
    prepared = cql.prepare(query)
    return [(c.name, cql_type(c.type)) for c in prepared.column_metadata]


def cql_type(codec: Any) -> str:
    """The driver's name of a wire type, with text spelled as in the schema (the wire
    carries text and varchar as one type, which the driver names varchar)."""
    return str(codec.cql_parameterized_type()).replace("varchar", "text")


@pytest.fixture
def tables(cql: Session, keyspace: str) -> str:
    """The test keyspace with t (clustered, every collection kind) and a counter table."""
    cql.execute(
        "CREATE TABLE t (k int, c int, v text, l list<int>, s set<text>, m map<text, int>, "
        "PRIMARY KEY (k, c))"
    )
    cql.execute("CREATE TABLE cnt (k int PRIMARY KEY, n counter)")
    cql.execute("CREATE TABLE comp (a int, b text, c int, v int, PRIMARY KEY ((a, b), c))")
    cql.execute("CREATE TYPE addr (street text, n int)")
    cql.execute("CREATE TABLE u (k int PRIMARY KEY, a addr, tup frozen<tuple<int, text>>)")
    return keyspace


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * FROM t WHERE k = ? AND c = ?", [("k", "int"), ("c", "int")]),
        ("SELECT * FROM t WHERE k IN ?", [("in(k)", "list<int>")]),
        ("SELECT * FROM t WHERE k = ? AND c IN ?", [("k", "int"), ("in(c)", "list<int>")]),
        ("SELECT * FROM t WHERE k IN (?, ?)", [("k", "int"), ("k", "int")]),
        ("SELECT * FROM t WHERE k = ? AND c > ? AND c <= ?", [("k", "int"), ("c", "int"), ("c", "int")]),
        ("SELECT * FROM t WHERE k = ? AND (c) > ?", [("k", "int"), ("(c)", "frozen<tuple<int>>")]),
        ("SELECT * FROM t WHERE k = ? LIMIT ?", [("k", "int"), ("[limit]", "int")]),
        ("SELECT * FROM t PER PARTITION LIMIT ?", [("[per_partition_limit]", "int")]),
        ("SELECT * FROM t WHERE token(k) > ?", [("partition key token", "bigint")]),
        ("SELECT * FROM t WHERE token(k) >= token(?)", [("arg0(system.token)", "int")]),
        ("SELECT * FROM t WHERE k = :key AND c = :cc", [("key", "int"), ("cc", "int")]),
        ("SELECT * FROM t WHERE v = ? ALLOW FILTERING", [("v", "text")]),
        ("SELECT * FROM t WHERE m[?] = ? ALLOW FILTERING", [("key(m)", "text"), ("value(m)", "int")]),
        ("SELECT * FROM t WHERE l CONTAINS ? ALLOW FILTERING", [("value(l)", "int")]),
        ("SELECT * FROM t WHERE m CONTAINS KEY ? ALLOW FILTERING", [("key(m)", "text")]),
        ("INSERT INTO t (k, c, v) VALUES (?, ?, ?)", [("k", "int"), ("c", "int"), ("v", "text")]),
        (
            "INSERT INTO t (v, c, k) VALUES (?, ?, ?) USING TTL ? AND TIMESTAMP ?",
            [("v", "text"), ("c", "int"), ("k", "int"), ("[ttl]", "int"), ("[timestamp]", "bigint")],
        ),
        (
            "UPDATE t USING TIMESTAMP ? AND TTL ? SET v = ? WHERE k = ? AND c = ?",
            [("[timestamp]", "bigint"), ("[ttl]", "int"), ("v", "text"), ("k", "int"), ("c", "int")],
        ),
        (
            "UPDATE t SET m[?] = ? WHERE k = ? AND c = ?",
            [("key(m)", "text"), ("value(m)", "int"), ("k", "int"), ("c", "int")],
        ),
        (
            "UPDATE t SET l[?] = ? WHERE k = ? AND c = ?",
            [("idx(l)", "int"), ("value(l)", "int"), ("k", "int"), ("c", "int")],
        ),
        (
            "UPDATE t SET l = l + ?, s = s - ? WHERE k = ? AND c = ?",
            [("l", "list<int>"), ("s", "set<text>"), ("k", "int"), ("c", "int")],
        ),
        ("UPDATE t SET l = ? + l WHERE k = ? AND c = ?", [("l", "list<int>"), ("k", "int"), ("c", "int")]),
        ("UPDATE t SET m = m - ? WHERE k = ? AND c = ?", [("m", "set<text>"), ("k", "int"), ("c", "int")]),
        (
            "UPDATE t SET l = [?, ?], m = {?: ?} WHERE k = ? AND c = ?",
            [
                ("value(l)", "int"),
                ("value(l)", "int"),
                ("key(m)", "text"),
                ("value(m)", "int"),
                ("k", "int"),
                ("c", "int"),
            ],
        ),
        ("UPDATE cnt SET n = n + ? WHERE k = ?", [("n", "counter"), ("k", "int")]),
        (
            "UPDATE t SET v = ? WHERE k = ? AND c = ? IF v = ?",
            [("v", "text"), ("k", "int"), ("c", "int"), ("v", "text")],
        ),
        ("DELETE m[?] FROM t WHERE k = ? AND c = ?", [("key(m)", "text"), ("k", "int"), ("c", "int")]),
        ("DELETE FROM t USING TIMESTAMP ? WHERE k = ?", [("[timestamp]", "bigint"), ("k", "int")]),
        (
            "UPDATE u SET a.n = ?, tup = (?, ?) WHERE k = ?",
            [("a.n", "int"), ("tup[0]", "int"), ("tup[1]", "text"), ("k", "int")],
        ),
        (
            "INSERT INTO u (k, a) VALUES (?, {street: ?, n: ?})",
            [("k", "int"), ("a.street", "text"), ("a.n", "int")],
        ),
        ("SELECT * FROM t WHERE k = ? AND (c) IN ((?), (?))", [("k", "int"), ("c", "int"), ("c", "int")]),
    ],
)
def test_bind_marker_metadata(cql: Session, tables: str, query: str, expected: list[tuple[str, str]]) -> None:
    assert markers(cql, query) == expected
    prepared = cql.prepare(query)
    assert {(c.keyspace_name, c.table_name) for c in prepared.column_metadata} <= {
        (tables, t) for t in ("t", "cnt", "comp", "u")
    }


def test_named_markers_bind_by_name(cql: Session, tables: str) -> None:
    insert = cql.prepare("INSERT INTO t (k, c, v) VALUES (:key, :cc, :val)")
    cql.execute(insert, {"val": "x", "key": 1, "cc": 2})
    select = cql.prepare("SELECT v FROM t WHERE k = :key AND c = :cc")
    assert cql.execute(select, {"cc": 2, "key": 1}).one().v == "x"


def test_select_result_metadata(cql: Session, tables: str) -> None:
    prepared = cql.prepare("SELECT k, c AS cc, v, writetime(v), l, count(*) FROM t WHERE k = ?")
    assert [(c[0], c[1], c[2], cql_type(c[3])) for c in prepared.result_metadata] == [
        (tables, "t", "k", "int"),
        (tables, "t", "cc", "int"),
        (tables, "t", "v", "text"),
        (tables, "t", "writetime(v)", "bigint"),
        (tables, "t", "l", "list<int>"),
        (tables, "t", "count", "bigint"),
    ]
    star = cql.prepare("SELECT * FROM t WHERE k = ?")
    assert [c[2] for c in star.result_metadata] == ["k", "c", "l", "m", "s", "v"]


def test_modification_has_no_result_metadata(cql: Session, tables: str) -> None:
    prepared = cql.prepare("INSERT INTO t (k, c, v) VALUES (?, ?, ?)")
    assert not prepared.result_metadata


@pytest.mark.parametrize(
    ("query", "values", "key_parts"),
    [
        ("SELECT * FROM comp WHERE a = ? AND b = ?", (7, "seven"), (7, "seven")),
        ("SELECT * FROM comp WHERE b = ? AND a = ? AND c = ?", ("seven", 7, 1), (7, "seven")),
        ("INSERT INTO comp (c, b, v, a) VALUES (?, ?, ?, ?)", (1, "seven", 0, 7), (7, "seven")),
        ("UPDATE comp SET v = ? WHERE a = ? AND b = ? AND c = ?", (0, 7, "seven", 1), (7, "seven")),
    ],
)
def test_routing_key_of_a_composite_partition_key(
    cql: Session, tables: str, query: str, values: tuple[Any, ...], key_parts: tuple[int, str]
) -> None:
    prepared = cql.prepare(query)
    a, b = Int32Type.serialize(key_parts[0], 4), UTF8Type.serialize(key_parts[1], 4)
    composite = b"".join(len(p).to_bytes(2, "big") + p + b"\x00" for p in (a, b))
    assert prepared.bind(values).routing_key == composite
    cql.execute(prepared, values)


def test_routing_key_of_a_single_partition_key(cql: Session, tables: str) -> None:
    prepared = cql.prepare("SELECT * FROM t WHERE c = ? AND k = ?")
    assert prepared.routing_key_indexes == [1]
    assert prepared.bind((1, 42)).routing_key == Int32Type.serialize(42, 4)


def test_no_routing_key_without_the_whole_partition_key(cql: Session, tables: str) -> None:
    partial = cql.prepare("SELECT * FROM comp WHERE a = ? AND b = 'x'")
    assert not partial.routing_key_indexes
    scan = cql.prepare("SELECT * FROM t WHERE token(k) > ?")
    assert not scan.routing_key_indexes


def test_executing_after_the_server_forgets_the_statement_reprepares(
    cql: Session, tables: str, server: Any
) -> None:
    insert = cql.prepare("INSERT INTO t (k, c, v) VALUES (?, ?, ?)")
    select = cql.prepare("SELECT v FROM t WHERE k = ? AND c = ?")
    cql.execute(insert, (1, 1, "before"))
    server.call(server.engine.planner.prepared.clear)
    cql.execute(
        insert, (1, 2, "after")
    )  # the server answers UNPREPARED; the driver prepares again and retries
    assert cql.execute(select, (1, 2)).one().v == "after"
    server.call(server.engine.planner.prepared.clear)
    batch = BatchStatement()
    batch.add(insert, (2, 1, "batched"))
    batch.add(insert, (2, 2, "batched"))
    cql.execute(batch)
    assert [r.v for r in cql.execute("SELECT v FROM t WHERE k = 2")] == ["batched", "batched"]


def test_prepared_ids_are_stable_and_keyspace_scoped(cql: Session, tables: str) -> None:
    first = cql.prepare("SELECT * FROM t WHERE k = ?")
    again = cql.prepare("SELECT * FROM t WHERE k = ?")
    assert first.query_id == again.query_id
    qualified = cql.prepare(f"SELECT * FROM {tables}.t WHERE k = ?")
    assert qualified.query_id != first.query_id


def test_prepared_statement_follows_schema_changes(cql: Session, tables: str) -> None:
    select = cql.prepare("SELECT * FROM t WHERE k = ?")
    cql.execute("INSERT INTO t (k, c, v) VALUES (3, 3, 'x')")
    cql.execute("ALTER TABLE t ADD extra int")
    row = cql.execute(select, (3,)).one()
    assert row.v == "x" and row.extra is None
