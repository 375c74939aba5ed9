"""The CQL parser: text -> scylla_lite.cql.ast (no server needed)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scylla_lite.cql import ast as A
from scylla_lite.cql import parse, parse_type
from scylla_lite.cql.parser import MAX_EXPRESSION_NESTING, MAX_TYPE_NESTING, RESERVED_KEYWORDS
from scylla_lite.errors import InvalidRequest, SyntaxException

INT = A.TypeExpr("int")
TEXT = A.TypeExpr("text")
NULL = A.Literal("null", "null")


def stmt(text: str) -> A.Statement:
    return parse(text).statement


def lit(kind: str, value: str) -> A.Literal:
    return A.Literal(kind, value)


def i(n: int) -> A.Literal:
    return A.Literal("integer", str(n))


def s(v: str) -> A.Literal:
    return A.Literal("string", v)


def eq(col: str, rhs: A.Term) -> A.Relation:
    return A.Relation(A.ColumnRef(col), "=", rhs)


def col(name: str, alias: str | None = None) -> A.Selection:
    return A.Selection(A.ColumnSelector(name), alias)


# ------------------------------------------------------------------------------------------ grammar


def test_grammar_has_no_lalr_conflicts() -> None:
    """lark resolves shift/reduce conflicts silently (as shift): the grammar must have none."""
    from lark import Lark
    from lark import logger as lark_logger

    grammar = (Path(A.__file__).with_name("grammar.lark")).read_text(encoding="utf-8")
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect()
    level = lark_logger.level
    lark_logger.addHandler(handler)
    lark_logger.setLevel(logging.WARNING)
    try:
        Lark(grammar, parser="lalr", lexer="basic", start=["start", "type_start"], debug=True)
    finally:
        lark_logger.removeHandler(handler)
        lark_logger.setLevel(level)
    assert [r.getMessage() for r in records if "conflict" in r.getMessage().lower()] == []


def test_results_are_cached_and_immutable() -> None:
    first = parse("SELECT a FROM t WHERE k IN (1, 2)")
    assert parse("SELECT a FROM t WHERE k IN (1, 2)") is first
    assert isinstance(first.statement, A.Select)
    assert isinstance(first.statement.where[0].rhs, tuple)
    hash(first)  # frozen all the way down: tuples, not lists


# ------------------------------------------------------------------------------------------ SELECT


def test_select_star() -> None:
    assert stmt("SELECT * FROM t") == A.Select(None, "t", None)


def test_select_all_clauses() -> None:
    q = (
        "select json distinct a, b AS bee FROM ks.t WHERE a = 1 AND b > 2 GROUP BY a, b "
        "ORDER BY b DESC, c ASC, d PER PARTITION LIMIT 3 LIMIT 10 ALLOW FILTERING BYPASS CACHE "
        "USING TIMEOUT 10s;"
    )
    assert stmt(q) == A.Select(
        "ks",
        "t",
        (col("a"), col("b", "bee")),
        where=(eq("a", i(1)), A.Relation(A.ColumnRef("b"), ">", i(2))),
        json=True,
        distinct=True,
        group_by=("a", "b"),
        order_by=(("b", False), ("c", True), ("d", True)),
        per_partition_limit=i(3),
        limit=i(10),
        allow_filtering=True,
        bypass_cache=True,
        using=A.Using(timeout=lit("duration", "10s")),
    )


def test_select_ann_ordering() -> None:
    assert stmt("SELECT * FROM t ORDER BY v ANN OF [0.5, 1.5] LIMIT 2") == A.Select(
        None,
        "t",
        None,
        ann=A.AnnOrdering("v", A.ListLiteral((lit("float", "0.5"), lit("float", "1.5")))),
        limit=i(2),
    )


def test_selectors() -> None:
    q = (
        "SELECT count(*), COUNT(1), writetime(c), ttl(c), token(a, b), CAST(x AS varchar) AS y, u.f, "
        "m['k'], s[1..3], s[..2], s[1..], m['k'].f, system.now(), toJson(c), "
        "similarity_cosine(v, ?), similarity_cosine(v, [0.1, 0.2]), (int) ?, 'lit' FROM t"
    )
    sel = stmt(q)
    assert isinstance(sel, A.Select)
    assert sel.selections is not None
    got = [x.selector for x in sel.selections]
    m = A.ColumnSelector("m")
    v = A.ColumnSelector("v")
    assert got == [
        A.FunctionSelector("count", (A.StarSelector(),)),
        A.FunctionSelector("count", (A.TermSelector(i(1)),)),
        A.FunctionSelector("writetime", (A.ColumnSelector("c"),)),
        A.FunctionSelector("ttl", (A.ColumnSelector("c"),)),
        A.FunctionSelector("token", (A.ColumnSelector("a"), A.ColumnSelector("b"))),
        A.CastSelector(A.ColumnSelector("x"), TEXT),
        A.FieldSelector(A.ColumnSelector("u"), "f"),
        A.ElementSelector(m, key=s("k")),
        A.ElementSelector(A.ColumnSelector("s"), start=i(1), end=i(3), is_slice=True),
        A.ElementSelector(A.ColumnSelector("s"), end=i(2), is_slice=True),
        A.ElementSelector(A.ColumnSelector("s"), start=i(1), is_slice=True),
        A.FieldSelector(A.ElementSelector(m, key=s("k")), "f"),
        A.FunctionSelector("now", (), "system"),
        A.FunctionSelector("tojson", (A.ColumnSelector("c"),)),
        A.FunctionSelector("similarity_cosine", (v, A.TermSelector(A.BindMarker(0)))),
        A.FunctionSelector(
            "similarity_cosine",
            (v, A.TermSelector(A.ListLiteral((lit("float", "0.1"), lit("float", "0.2"))))),
        ),
        A.TermSelector(A.TypeHint(INT, A.BindMarker(1))),
        A.TermSelector(s("lit")),
    ]
    assert sel.selections[5].alias == "y"


def test_relations() -> None:
    q = (
        "SELECT * FROM t WHERE a IN (1, 2) AND b IN ? AND c IN () AND (d, e) = (1, 2) AND (d, e) > ? "
        "AND (d, e) IN ((1, 2), (3, 4)) AND (d, e) IN ? AND token(a, b) > token(?, ?) AND token(a) <= ? "
        "AND m CONTAINS 1 AND m CONTAINS KEY 'k' AND m['k'] = 3 AND c LIKE 'x%' AND d IS NOT NULL "
        "AND e != 5 AND f < 1 AND g >= 2 AND (h = 3)"
    )
    sel = stmt(q)
    assert isinstance(sel, A.Select)
    de = A.TupleRef(("d", "e"))
    m = A.BindMarker
    assert sel.where == (
        A.Relation(A.ColumnRef("a"), "IN", (i(1), i(2))),
        A.Relation(A.ColumnRef("b"), "IN", m(0)),
        A.Relation(A.ColumnRef("c"), "IN", ()),
        A.Relation(de, "=", A.TupleLiteral((i(1), i(2)))),
        A.Relation(de, ">", m(1)),
        A.Relation(de, "IN", (A.TupleLiteral((i(1), i(2))), A.TupleLiteral((i(3), i(4))))),
        A.Relation(de, "IN", m(2)),
        A.Relation(A.TokenRef(("a", "b")), ">", A.FunctionCall("token", (m(3), m(4)))),
        A.Relation(A.TokenRef(("a",)), "<=", m(5)),
        A.Relation(A.ColumnRef("m"), "CONTAINS", i(1)),
        A.Relation(A.ColumnRef("m"), "CONTAINS KEY", s("k")),
        A.Relation(A.ElementRef("m", s("k")), "=", i(3)),
        A.Relation(A.ColumnRef("c"), "LIKE", s("x%")),
        A.Relation(A.ColumnRef("d"), "IS NOT", NULL),
        A.Relation(A.ColumnRef("e"), "!=", i(5)),
        A.Relation(A.ColumnRef("f"), "<", i(1)),
        A.Relation(A.ColumnRef("g"), ">=", i(2)),
        eq("h", i(3)),
    )


# ------------------------------------------------------------------------------------------ DML


def test_insert() -> None:
    q = "INSERT INTO ks.t (a, b) VALUES (1, 'x') IF NOT EXISTS USING TTL 10 AND TIMESTAMP 123"
    assert stmt(q) == A.Insert(
        "ks", "t", ("a", "b"), (i(1), s("x")), if_not_exists=True, using=A.Using(ttl=i(10), timestamp=i(123))
    )


def test_insert_json() -> None:
    assert stmt("""INSERT INTO t JSON '{"a": 1}' DEFAULT UNSET IF NOT EXISTS""") == A.Insert(
        None, "t", (), (), json=s('{"a": 1}'), json_default_unset=True, if_not_exists=True
    )
    assert stmt("INSERT INTO t JSON ? DEFAULT NULL USING TTL ?") == A.Insert(
        None, "t", (), (), json=A.BindMarker(0), using=A.Using(ttl=A.BindMarker(1))
    )


def test_update() -> None:
    q = (
        "UPDATE t USING TTL 5 AND TIMESTAMP 7 SET a = 1, b = b + 1, c = [1] + c, d = d - {2}, e += 3, "
        "f -= 4, m['k'] = 2, l[1] = 3, u.f = 4, g = g -3 WHERE k = 1 "
        "IF a = 1 AND m['k'] = 2 AND c IN (1, 2) AND c = null AND x != 0"
    )
    assert stmt(q) == A.Update(
        None,
        "t",
        (
            A.Assignment("set", "a", i(1)),
            A.Assignment("add", "b", i(1)),
            A.Assignment("prepend", "c", A.ListLiteral((i(1),))),
            A.Assignment("subtract", "d", A.SetLiteral((i(2),))),
            A.Assignment("add", "e", i(3)),
            A.Assignment("subtract", "f", i(4)),
            A.Assignment("element", "m", i(2), key=s("k")),
            A.Assignment("element", "l", i(3), key=i(1)),
            A.Assignment("field", "u", i(4), field="f"),
            A.Assignment("subtract", "g", i(3)),
        ),
        (eq("k", i(1)),),
        using=A.Using(ttl=i(5), timestamp=i(7)),
        conditions=(
            eq("a", i(1)),
            A.Relation(A.ElementRef("m", s("k")), "=", i(2)),
            A.Relation(A.ColumnRef("c"), "IN", (i(1), i(2))),
            eq("c", NULL),
            A.Relation(A.ColumnRef("x"), "!=", i(0)),
        ),
    )


def test_update_if_exists_and_exists_column() -> None:
    assert stmt("UPDATE t SET a = 1 WHERE k = 1 IF EXISTS") == A.Update(
        None, "t", (A.Assignment("set", "a", i(1)),), (eq("k", i(1)),), if_exists=True
    )
    # `exists` is unreserved: a column named exists in a condition
    assert stmt("UPDATE t SET exists = 1 WHERE k = 1 IF exists = 2") == A.Update(
        None, "t", (A.Assignment("set", "exists", i(1)),), (eq("k", i(1)),), conditions=(eq("exists", i(2)),)
    )


def test_delete() -> None:
    assert stmt("DELETE a, m['k'], u.f FROM ks.t USING TIMESTAMP 5 WHERE k = 1 IF EXISTS") == A.Delete(
        "ks",
        "t",
        (A.DeleteTarget("a"), A.DeleteTarget("m", key=s("k")), A.DeleteTarget("u", field="f")),
        (eq("k", i(1)),),
        using=A.Using(timestamp=i(5)),
        if_exists=True,
    )
    assert stmt("DELETE FROM t WHERE k = 1 IF a = 2") == A.Delete(
        None, "t", (), (eq("k", i(1)),), conditions=(eq("a", i(2)),)
    )


def test_batch_and_marker_numbering() -> None:
    parsed = parse(
        "BEGIN UNLOGGED BATCH USING TIMESTAMP ? "
        "INSERT INTO t (a, b) VALUES (?, :Named) USING TTL ?; "
        "UPDATE t SET a = ? WHERE k IN ? "
        "DELETE FROM t WHERE k = ? IF a = ?; "
        "APPLY BATCH;"
    )
    m = A.BindMarker
    assert parsed.statement == A.Batch(
        "UNLOGGED",
        (
            A.Insert(None, "t", ("a", "b"), (m(1), m(2, "named")), using=A.Using(ttl=m(3))),
            A.Update(
                None, "t", (A.Assignment("set", "a", m(4)),), (A.Relation(A.ColumnRef("k"), "IN", m(5)),)
            ),
            A.Delete(None, "t", (), (eq("k", m(6)),), conditions=(eq("a", m(7)),)),
        ),
        A.Using(timestamp=m(0)),
    )
    assert parsed.markers == (m(0), m(1), m(2, "named"), m(3), m(4), m(5), m(6), m(7))
    assert stmt("BEGIN BATCH APPLY BATCH") == A.Batch("LOGGED", ())
    counter = stmt("BEGIN COUNTER BATCH UPDATE t SET c = c + 1 WHERE k = 1 APPLY BATCH")
    assert isinstance(counter, A.Batch) and counter.kind == "COUNTER"


def test_marker_numbering_in_select_clauses() -> None:
    parsed = parse("SELECT * FROM t WHERE a = ? AND b IN ? AND c IN (?, ?) PER PARTITION LIMIT ? LIMIT :lim")
    assert [(x.index, x.name) for x in parsed.markers] == [
        (0, None),
        (1, None),
        (2, None),
        (3, None),
        (4, None),
        (5, "lim"),
    ]
    sel = parsed.statement
    assert isinstance(sel, A.Select)
    assert sel.per_partition_limit == A.BindMarker(4) and sel.limit == A.BindMarker(5, "lim")


def test_use() -> None:
    assert stmt("USE ks") == A.Use("ks")
    assert stmt('use "MyKs";') == A.Use("MyKs")


# ------------------------------------------------------------------------------------------ DDL


def test_keyspaces() -> None:
    q = (
        "CREATE KEYSPACE IF NOT EXISTS ks WITH replication = {'class': 'SimpleStrategy', "
        "'replication_factor': 1} AND durable_writes = true AND tablets = {'enabled': false}"
    )
    assert stmt(q) == A.CreateKeyspace(
        "ks",
        (
            (
                "replication",
                A.MapLiteral(((s("class"), s("SimpleStrategy")), (s("replication_factor"), i(1)))),
            ),
            ("durable_writes", lit("boolean", "true")),
            ("tablets", A.MapLiteral(((s("enabled"), lit("boolean", "false")),))),
        ),
        if_not_exists=True,
    )
    assert stmt("ALTER KEYSPACE ks WITH durable_writes = false") == A.AlterKeyspace(
        "ks", (("durable_writes", lit("boolean", "false")),)
    )
    assert stmt("DROP KEYSPACE IF EXISTS ks") == A.DropKeyspace("ks", if_exists=True)


def test_create_table() -> None:
    q = (
        "CREATE TABLE IF NOT EXISTS ks.t (a int, b varchar, c frozen<list<int>>, d map<text, frozen<set<int>>>, "
        'e vector<float, 3>, f tuple<int, text>, s int static, key text, "Quoted" ks2.addr, '
        "PRIMARY KEY ((a, b), c, key)) WITH CLUSTERING ORDER BY (c DESC, key ASC) AND comment = 'x' "
        "AND speculative_retry = NONE AND COMPACT STORAGE"
    )
    assert stmt(q) == A.CreateTable(
        "ks",
        "t",
        (
            A.ColumnDef("a", INT),
            A.ColumnDef("b", TEXT),
            A.ColumnDef("c", A.TypeExpr("list", (INT,), frozen=True)),
            A.ColumnDef("d", A.TypeExpr("map", (TEXT, A.TypeExpr("set", (INT,), frozen=True)))),
            A.ColumnDef("e", A.TypeExpr("vector", (A.TypeExpr("float"), 3))),
            A.ColumnDef("f", A.TypeExpr("tuple", (INT, TEXT))),
            A.ColumnDef("s", INT, static=True),
            A.ColumnDef("key", TEXT),
            A.ColumnDef("Quoted", A.TypeExpr("addr", keyspace="ks2")),
        ),
        ("a", "b"),
        ("c", "key"),
        clustering_order=(("c", False), ("key", True)),
        options=(("comment", s("x")), ("speculative_retry", s("NONE"))),
        compact_storage=True,
        if_not_exists=True,
    )


@pytest.mark.parametrize(
    ("text", "partition", "clustering"),
    [
        ("CREATE TABLE t (a int PRIMARY KEY, b int)", ("a",), ()),
        ("CREATE COLUMNFAMILY t (a int, b int, PRIMARY KEY (a))", ("a",), ()),
        ("CREATE TABLE t (a int, b int, PRIMARY KEY ((a)))", ("a",), ()),
        ("CREATE TABLE t (a int, b int, PRIMARY KEY (a, b),)", ("a",), ("b",)),
        ("CREATE TABLE t (a int, b int)", (), ()),  # no key: the executor reports it
    ],
)
def test_create_table_primary_keys(
    text: str, partition: tuple[str, ...], clustering: tuple[str, ...]
) -> None:
    table = stmt(text)
    assert isinstance(table, A.CreateTable)
    assert (table.partition_key, table.clustering) == (partition, clustering)


def test_alter_drop_truncate_table() -> None:
    c_int = A.ColumnDef("c", INT, static=True)
    assert stmt("ALTER TABLE IF EXISTS t ADD IF NOT EXISTS c int STATIC") == A.AlterTable(
        None, "t", "add", columns=(c_int,), if_exists=True, if_column_exists=True
    )
    assert stmt("ALTER TABLE ks.t ADD (c1 int, c2 text)") == A.AlterTable(
        "ks", "t", "add", columns=(A.ColumnDef("c1", INT), A.ColumnDef("c2", TEXT))
    )
    assert stmt("ALTER TABLE t DROP IF EXISTS c") == A.AlterTable(
        None, "t", "drop", names=("c",), if_column_exists=True
    )
    assert stmt("ALTER TABLE t DROP (c1, c2)") == A.AlterTable(None, "t", "drop", names=("c1", "c2"))
    assert stmt("ALTER TABLE t RENAME a TO b AND c TO d") == A.AlterTable(
        None, "t", "rename", renames=(("a", "b"), ("c", "d"))
    )
    assert stmt("ALTER TABLE t ALTER c TYPE blob") == A.AlterTable(
        None, "t", "alter", columns=(A.ColumnDef("c", A.TypeExpr("blob")),)
    )
    assert stmt("ALTER COLUMNFAMILY t WITH gc_grace_seconds = 0 AND comment = 'c'") == A.AlterTable(
        None, "t", "with", options=(("gc_grace_seconds", i(0)), ("comment", s("c")))
    )
    assert stmt("DROP TABLE IF EXISTS ks.t") == A.DropTable("ks", "t", if_exists=True)
    assert stmt("TRUNCATE t") == A.Truncate(None, "t")
    assert stmt("TRUNCATE TABLE ks.t") == A.Truncate("ks", "t")


def test_types() -> None:
    assert stmt("CREATE TYPE IF NOT EXISTS ks.addr (street text, zip int)") == A.CreateType(
        "ks", "addr", (("street", TEXT), ("zip", INT)), if_not_exists=True
    )
    assert stmt("ALTER TYPE addr ADD f int") == A.AlterType(None, "addr", "add", fields=(("f", INT),))
    assert stmt("ALTER TYPE ks.addr RENAME a TO b AND c TO d") == A.AlterType(
        "ks", "addr", "rename", renames=(("a", "b"), ("c", "d"))
    )
    assert stmt("ALTER TYPE addr ALTER f TYPE text") == A.AlterType(
        None, "addr", "alter", fields=(("f", TEXT),)
    )
    assert stmt("DROP TYPE IF EXISTS addr") == A.DropType(None, "addr", if_exists=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CREATE INDEX ON t (c)", A.CreateIndex(None, "t", None, (A.IndexTarget("c"),))),
        (
            "CREATE INDEX IF NOT EXISTS idx ON ks.t (keys(m))",
            A.CreateIndex("ks", "t", "idx", (A.IndexTarget("m", "keys"),), if_not_exists=True),
        ),
        ("CREATE INDEX i ON t (values(m))", A.CreateIndex(None, "t", "i", (A.IndexTarget("m", "values"),))),
        ("CREATE INDEX i ON t (entries(m))", A.CreateIndex(None, "t", "i", (A.IndexTarget("m", "entries"),))),
        ("CREATE INDEX i ON t (full(m))", A.CreateIndex(None, "t", "i", (A.IndexTarget("m", "full"),))),
        ("CREATE INDEX i ON t (keys)", A.CreateIndex(None, "t", "i", (A.IndexTarget("keys"),))),
        (
            "CREATE INDEX i ON t ((a, b), c)",
            A.CreateIndex(None, "t", "i", (A.IndexTarget("c"),), partition_columns=("a", "b")),
        ),
        (
            "CREATE CUSTOM INDEX i ON t (v) USING 'vector_index' WITH OPTIONS = {'similarity_function': 'COSINE'}",
            A.CreateIndex(
                None,
                "t",
                "i",
                (A.IndexTarget("v"),),
                custom_class="vector_index",
                options=(("similarity_function", s("COSINE")),),
            ),
        ),
        ("DROP INDEX IF EXISTS ks.i", A.DropIndex("ks", "i", if_exists=True)),
    ],
)
def test_indexes(text: str, expected: A.Statement) -> None:
    assert stmt(text) == expected


def test_materialized_views() -> None:
    q = (
        "CREATE MATERIALIZED VIEW IF NOT EXISTS ks.v AS SELECT a, b FROM ks.t "
        "WHERE a IS NOT NULL AND b IS NOT NULL PRIMARY KEY (b, a) "
        "WITH CLUSTERING ORDER BY (a DESC) AND comment = 'x'"
    )
    not_null = A.Relation(A.ColumnRef("a"), "IS NOT", NULL), A.Relation(A.ColumnRef("b"), "IS NOT", NULL)
    assert stmt(q) == A.CreateMaterializedView(
        "ks",
        "v",
        "ks",
        "t",
        ("a", "b"),
        not_null,
        ("b",),
        ("a",),
        clustering_order=(("a", False),),
        options=(("comment", s("x")),),
        if_not_exists=True,
    )
    star = stmt("CREATE MATERIALIZED VIEW v AS SELECT * FROM t WHERE a IS NOT NULL PRIMARY KEY ((a), b)")
    assert isinstance(star, A.CreateMaterializedView)
    assert (star.columns, star.partition_key, star.clustering) == (None, ("a",), ("b",))
    assert stmt("ALTER MATERIALIZED VIEW ks.v WITH comment = 'y'") == A.AlterMaterializedView(
        "ks", "v", (("comment", s("y")),)
    )
    assert stmt("DROP MATERIALIZED VIEW IF EXISTS v") == A.DropMaterializedView(None, "v", if_exists=True)


def test_roles_and_users() -> None:
    assert stmt(
        "CREATE ROLE IF NOT EXISTS Alice WITH PASSWORD = 'x' AND LOGIN = true AND SUPERUSER = false"
    ) == (
        A.CreateRole(
            "alice",
            (("password", s("x")), ("login", lit("boolean", "true")), ("superuser", lit("boolean", "false"))),
            if_not_exists=True,
        )
    )
    assert stmt("CREATE ROLE 'Bob'") == A.CreateRole("Bob")
    # CREATE USER keeps the case of the name, and always implies LOGIN (as in Cassandra)
    assert stmt("CREATE USER Carol WITH PASSWORD 'p' SUPERUSER") == A.CreateRole(
        "Carol",
        (("password", s("p")), ("login", lit("boolean", "true")), ("superuser", lit("boolean", "true"))),
    )
    assert stmt("CREATE USER IF NOT EXISTS dave NOSUPERUSER") == A.CreateRole(
        "dave",
        (("login", lit("boolean", "true")), ("superuser", lit("boolean", "false"))),
        if_not_exists=True,
    )
    assert stmt("DROP ROLE IF EXISTS alice") == A.DropRole("alice", if_exists=True)
    assert stmt("DROP USER Carol") == A.DropRole("Carol")


# ------------------------------------------------------------------------------------------ names


def test_identifier_case_rules() -> None:
    sel = stmt('SELECT MixedCase, "MixedCase", "with ""quote""", "select" FROM "Ks"."Tab" WHERE "A" = :"B"')
    assert sel == A.Select(
        "Ks",
        "Tab",
        (col("mixedcase"), col("MixedCase"), col('with "quote"'), col("select")),
        where=(eq("A", A.BindMarker(0, "B")),),
    )
    assert parse("SELECT * FROM t WHERE a = :Named").markers == (A.BindMarker(0, "named"),)
    assert stmt("sElEcT * FrOm T") == A.Select(None, "t", None)


UNRESERVED = [
    "key",
    "keys",
    "type",
    "types",
    "ttl",
    "writetime",
    "timestamp",
    "time",
    "date",
    "text",
    "count",
    "value",
    "values",
    "status",
    "name",
    "filtering",
    "options",
    "custom",
    "json",
    "distinct",
    "login",
    "password",
    "superuser",
    "user",
    "users",
    "role",
    "roles",
    "static",
    "frozen",
    "list",
    "map",
    "tuple",
    "vector",
    "ann",
    "contains",
    "exists",
    "trigger",
    "storage",
    "cluster",
    "clustering",
    "compact",
    "group",
    "partition",
    "per",
    "like",
    "default",
    "unset",
    "counter",
    "timeout",
    "bypass",
    "cache",
    "nosuperuser",
]


@pytest.mark.parametrize("word", UNRESERVED)
def test_unreserved_keywords_are_identifiers(word: str) -> None:
    assert stmt(f"SELECT {word} FROM {word} WHERE {word} = 1") == A.Select(
        None, word, (col(word),), where=(eq(word, i(1)),)
    )
    assert stmt(f"INSERT INTO t ({word}) VALUES (1)") == A.Insert(None, "t", (word,), (i(1),))
    created = stmt(f"CREATE TABLE t ({word} int PRIMARY KEY)")
    assert isinstance(created, A.CreateTable) and created.partition_key == (word,)


def test_unreserved_keywords_in_select_list() -> None:
    assert stmt("SELECT key, type, ttl FROM t") == A.Select(None, "t", (col("key"), col("type"), col("ttl")))
    assert stmt("SELECT json, distinct FROM t") == A.Select(None, "t", (col("json"), col("distinct")))
    assert stmt("SELECT JSON json FROM t") == A.Select(None, "t", (col("json"),), json=True)
    assert stmt("SELECT DISTINCT distinct FROM t") == A.Select(None, "t", (col("distinct"),), distinct=True)


@pytest.mark.parametrize("word", ["select", "from", "where", "token", "set", "and", "grant", "null", "true"])
def test_reserved_keywords_are_not_identifiers(word: str) -> None:
    with pytest.raises(SyntaxException, match=rf"^line 1:15 no viable alternative at input '{word}'"):
        parse(f"INSERT INTO t ({word}) VALUES (1)")
    assert stmt(f'SELECT "{word}" FROM t') == A.Select(None, "t", (col(word),))
    assert word in RESERVED_KEYWORDS


# ------------------------------------------------------------------------------------------ literals


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'it''s'", s("it's")),
        ("''", s("")),
        ("$$dollar's 'quoted'$$", s("dollar's 'quoted'")),
        ("'multi\nline'", s("multi\nline")),
        ("-12", i(-12)),
        ("0", i(0)),
        ("1.5", lit("float", "1.5")),
        ("-1e10", lit("float", "-1e10")),
        ("-2.5E-3", lit("float", "-2.5E-3")),
        ("1e3", lit("float", "1e3")),
        ("NaN", lit("nan", "NaN")),
        ("Infinity", lit("infinity", "Infinity")),
        ("-Infinity", lit("infinity", "-Infinity")),
        ("TRUE", lit("boolean", "true")),
        ("false", lit("boolean", "false")),
        ("null", NULL),
        ("123e4567-e89b-12d3-a456-426614174000", lit("uuid", "123e4567-e89b-12d3-a456-426614174000")),
        ("deadbeef-0000-1111-2222-333344445555", lit("uuid", "deadbeef-0000-1111-2222-333344445555")),
        ("0xCAFE", lit("blob", "cafe")),
        ("0x", lit("blob", "")),
        ("12h30m", lit("duration", "12h30m")),
        ("1y2mo3w4d5h6m7s8ms9us10ns", lit("duration", "1y2mo3w4d5h6m7s8ms9us10ns")),
        ("-3d", lit("duration", "-3d")),
        ("P1DT2H", lit("duration", "P1DT2H")),
        ("P2W", lit("duration", "P2W")),
        ("PT30M", lit("duration", "PT30M")),
        ("P0001-02-03T04:05:06", lit("duration", "P0001-02-03T04:05:06")),
        ("- 5", i(-5)),
        ("-?", A.Negate(A.BindMarker(0))),
        ("[1, 2]", A.ListLiteral((i(1), i(2)))),
        ("[]", A.ListLiteral(())),
        ("{1, 2}", A.SetLiteral((i(1), i(2)))),
        ("{'k': 1}", A.MapLiteral(((s("k"), i(1)),))),
        ("{}", A.MapLiteral(())),
        ("{1: {'a': [1]}}", A.MapLiteral(((i(1), A.MapLiteral(((s("a"), A.ListLiteral((i(1),))),))),))),
        ("(1, 'a')", A.TupleLiteral((i(1), s("a")))),
        ("(1)", A.TupleLiteral((i(1),))),
        ("now()", A.FunctionCall("now", ())),
        ("uuid()", A.FunctionCall("uuid", ())),
        ("currentTimestamp()", A.FunctionCall("currenttimestamp", ())),
        ("toTimestamp(now())", A.FunctionCall("totimestamp", (A.FunctionCall("now", ()),))),
        ("system.now()", A.FunctionCall("now", (), "system")),
        ("blobAsText(0x61)", A.FunctionCall("blobastext", (lit("blob", "61"),))),
        ("minTimeuuid('2013-01-01')", A.FunctionCall("mintimeuuid", (s("2013-01-01"),))),
        ("fromJson(?)", A.FunctionCall("fromjson", (A.BindMarker(0),))),
        ("(int) ?", A.TypeHint(INT, A.BindMarker(0))),
        ("(list<text>)['a']", A.TypeHint(A.TypeExpr("list", (TEXT,)), A.ListLiteral((s("a"),)))),
        ("(ks.addr) {f: 1}", A.TypeHint(A.TypeExpr("addr", keyspace="ks"), A.UdtLiteral((("f", i(1)),)))),
    ],
)
def test_literals(text: str, expected: A.Term) -> None:
    ins = stmt(f"INSERT INTO t (c) VALUES ({text})")
    assert isinstance(ins, A.Insert)
    assert ins.values == (expected,)


def test_udt_versus_map_literals() -> None:
    def value(text: str) -> A.Term:
        ins = stmt(f"INSERT INTO t (c) VALUES ({text})")
        assert isinstance(ins, A.Insert)
        return ins.values[0]

    assert value('{a: 1, "Other": 2, key: 3}') == A.UdtLiteral((("a", i(1)), ("Other", i(2)), ("key", i(3))))
    assert value("{'a': 1}") == A.MapLiteral(((s("a"), i(1)),))
    assert value("{?: 1, now(): 2}") == A.MapLiteral(
        ((A.BindMarker(0), i(1)), (A.FunctionCall("now", ()), i(2)))
    )
    with pytest.raises(SyntaxException):
        value("{a: 1, 'b': 2}")


def test_comments_and_whitespace() -> None:
    assert stmt("SELECT * -- one\nFROM t /* two\n */ WHERE a = 1 // three\n;") == A.Select(
        None, "t", None, where=(eq("a", i(1)),)
    )


# ------------------------------------------------------------------------------------------ types


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "map<text, frozen<list<int>>>",
            A.TypeExpr("map", (TEXT, A.TypeExpr("list", (INT,), frozen=True))),
        ),
        ("vector<float, 384>", A.TypeExpr("vector", (A.TypeExpr("float"), 384))),
        ("frozen<my_udt>", A.TypeExpr("my_udt", frozen=True)),
        ("ks.my_udt", A.TypeExpr("my_udt", keyspace="ks")),
        (
            "'org.apache.cassandra.db.marshal.UTF8Type'",
            A.TypeExpr("custom", custom="org.apache.cassandra.db.marshal.UTF8Type"),
        ),
        ("VARCHAR", TEXT),
        ("TimeStamp", A.TypeExpr("timestamp")),
        ("counter", A.TypeExpr("counter")),
        (
            "set<frozen<tuple<int, text>>>",
            A.TypeExpr("set", (A.TypeExpr("tuple", (INT, TEXT), frozen=True),)),
        ),
    ],
)
def test_parse_type(text: str, expected: A.TypeExpr) -> None:
    assert parse_type(text) == expected


def test_parse_type_errors() -> None:
    with pytest.raises(SyntaxException, match=r"^line 1:\d+ "):
        parse_type("list<int")
    with pytest.raises(SyntaxException):
        parse_type("map<int>")


# ------------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1:0 no viable alternative at input '<EOF>'"),
        (";", "line 1:0 no viable alternative at input ';'"),
        ("SELEC * FROM t", "line 1:0 no viable alternative at input 'SELEC'"),
        ("SELECT * FRM t", "line 1:9 mismatched input 'FRM' expecting K_FROM"),
        ("SELECT * FROM t x", "line 1:16 mismatched input 'x' expecting EOF"),
        ("SELECT * FROM t LIMT 5", "line 1:16 mismatched input 'LIMT' expecting EOF"),
        ("SELECT * FROM t; SELECT * FROM u", "line 1:17 mismatched input 'SELECT' expecting EOF"),
        ("SELECT FROM t", "line 1:7 no viable alternative at input 'FROM'"),
        ("SELECT * FROM", "line 1:13 no viable alternative at input '<EOF>'"),
        ("INSERT INTO t (a) VALUE (1)", "line 1:18 mismatched input 'VALUE' expecting K_VALUES"),
        ("SELECT * FROM t WHERE a = 'abc", "line 1:26 mismatched character '<EOF>' expecting '''"),
        ("SELECT * FROM t WHERE a = #", "line 1:26 token recognition error at: '#'"),
        ("SELECT * FROM t\nWHERE a == 1", "line 2:9 no viable alternative at input '='"),
        ("SELECT grant FROM t", "line 1:7 no viable alternative at input 'grant'"),
        ("SELECT sum(*) FROM t", "line 1:11 no viable alternative at input '*'"),
        (
            "UPDATE t SET a = b + 1 WHERE k = 1",
            "line 1:19 Only expressions of the form X = X + <value> are supported.",
        ),
        (
            "UPDATE t SET a = 1 + b WHERE k = 1",
            "line 1:19 Only expressions of the form X = <value> + X are supported.",
        ),
        ("BEGIN BATCH SELECT * FROM t APPLY BATCH", "line 1:12 no viable alternative at input 'SELECT'"),
        ("SELECT * FROM t USING TTL 1 AND TTL 2", "line 1:32 Multiple definitions of TTL in USING"),
    ],
)
def test_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(SyntaxException) as info:
        parse(text)
    assert str(info.value) == message
    assert info.value.code == 0x2000


@pytest.mark.parametrize(
    "text",
    [
        "UPDATE t SET a = 1",
        "DELETE FROM t",
        "INSERT INTO t (a) VALUES (1",
        "INSERT INTO t (a) VALUES (1) USING TTL 'x'",
        "CREATE TABLE t (a int PRIMARY KEY",
        "SELECT * FROM t WHERE a = 1 AND",
        "SELECT * FROM t ORDER BY",
        'SELECT * FROM t WHERE "" = 1',
        "DROP",
        "USE",
        "SELECT a b FROM t",
        "CREATE KEYSPACE ks",
        "SELECT * FROM t WHERE a IN 1",
        "UPDATE t SET c = c 3 WHERE k = 1",
    ],
)
def test_malformed_statements(text: str) -> None:
    with pytest.raises(SyntaxException, match=r"^line \d+:\d+ "):
        parse(text)


def test_semantic_errors_raised_while_parsing() -> None:
    with pytest.raises(InvalidRequest, match="Multiple PRIMARY KEYs"):
        parse("CREATE TABLE t (a int PRIMARY KEY, b int PRIMARY KEY)")
    with pytest.raises(SyntaxException, match="reserved"):
        parse("CREATE TYPE int (a int)")


# ------------------------------------------------------------------------------------------ properties


_SIMPLE = re.compile(r"[a-z][a-z0-9_]*")
identifiers = st.text(
    alphabet=st.sampled_from('abcxyzABCXYZ019_ "é-.'), min_size=1, max_size=12
) | st.sampled_from(sorted(RESERVED_KEYWORDS) + UNRESERVED)


def quoted(name: str) -> str:
    if _SIMPLE.fullmatch(name) and name not in RESERVED_KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def string_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@settings(max_examples=150, deadline=None)
@given(
    ks=identifiers,
    table=identifiers,
    c1=identifiers,
    c2=identifiers,
    number=st.integers(min_value=-(2**70), max_value=2**70),
    text=st.text(st.characters(codec="utf-8"), max_size=20),
)
def test_generated_statements_round_trip(
    ks: str, table: str, c1: str, c2: str, number: int, text: str
) -> None:
    insert = f"INSERT INTO {quoted(ks)}.{quoted(table)} ({quoted(c1)}, {quoted(c2)}) VALUES ({number}, {string_literal(text)})"
    assert stmt(insert) == A.Insert(ks, table, (c1, c2), (i(number), s(text)))
    select = (
        f"SELECT {quoted(c1)}, {quoted(c2)} AS {quoted(c1)} FROM {quoted(table)} "
        f"WHERE {quoted(c1)} = {number} AND {quoted(c2)} IN ({string_literal(text)}, ?)"
    )
    assert parse(select) == parse(select)
    assert stmt(select) == A.Select(
        None,
        table,
        (col(c1), col(c2, c1)),
        where=(eq(c1, i(number)), A.Relation(A.ColumnRef(c2), "IN", (s(text), A.BindMarker(0)))),
    )


# --------------------------------------------------------------------------- nesting limits

NESTINGS = {  # a term nested `n` deep, `n` counting the innermost value as ScyllaDB does
    "list": lambda n: "[" * (n - 1) + "1" + "]" * (n - 1),
    "tuple": lambda n: "(" * (n - 1) + "1" + ")" * (n - 1),
    "map": lambda n: "{1: " * (n - 1) + "1" + "}" * (n - 1),
    "udt": lambda n: "{a: " * (n - 1) + "1" + "}" * (n - 1),
    "function": lambda n: "f(" * (n - 1) + "1" + ")" * (n - 1),
    "type hint": lambda n: "(int)" * (n - 1) + "1",
}


@pytest.mark.parametrize("shape", NESTINGS)
def test_terms_nest_as_deep_as_scyllas_limit_and_no_deeper(shape: str) -> None:
    """ScyllaDB's max_expression_nesting: 12 terms deep parse, 13 are a SyntaxException,
    raised while parsing (nothing after the parser recurses deeper)."""
    term = NESTINGS[shape]
    stmt(f"INSERT INTO t (k) VALUES ({term(MAX_EXPRESSION_NESTING)})")
    for depth in (MAX_EXPRESSION_NESTING + 1, 500, 5000):
        with pytest.raises(SyntaxException, match=r"^expression nested too deeply$"):
            parse(f"INSERT INTO t (k) VALUES ({term(depth)})")


def test_relations_and_selectors_count_toward_the_nesting_limit() -> None:
    """A relation and a selector each are one level (ScyllaDB's nesting_guard in
    ``relation`` and ``unaliasedSelector``); parentheses around a relation, one more."""
    deep = NESTINGS["list"]
    stmt(f"SELECT * FROM t WHERE k = {deep(MAX_EXPRESSION_NESTING - 1)}")
    stmt("SELECT * FROM t WHERE " + "(" * 10 + "k = 1" + ")" * 10)
    stmt(
        "SELECT " + "f(" * (MAX_EXPRESSION_NESTING - 1) + "v" + ")" * (MAX_EXPRESSION_NESTING - 1) + " FROM t"
    )
    for text in (
        f"SELECT * FROM t WHERE k = {deep(MAX_EXPRESSION_NESTING)}",
        "SELECT * FROM t WHERE " + "(" * 11 + "k = 1" + ")" * 11,
        "SELECT " + "f(" * MAX_EXPRESSION_NESTING + "v" + ")" * MAX_EXPRESSION_NESTING + " FROM t",
        "SELECT " + "CAST(" * 300 + "v" + " AS int)" * 300 + " FROM t",
        f"SELECT m[{deep(MAX_EXPRESSION_NESTING)}] FROM t",
        f"CREATE KEYSPACE ks WITH replication = {NESTINGS['map'](500)}",
    ):
        with pytest.raises(SyntaxException, match=r"^expression nested too deeply$"):
            parse(text)


def test_types_nest_only_so_deep() -> None:
    """No ScyllaDB limit: this one only keeps the recursive type code within Python's stack."""
    nested = "frozen<list<" * (MAX_TYPE_NESTING - 1) + "int" + ">>" * (MAX_TYPE_NESTING - 1)
    assert parse_type(nested).name == "list"
    for text in (
        "list<" * MAX_TYPE_NESTING + "int" + ">" * MAX_TYPE_NESTING,
        "tuple<" * 1000 + "int" + ">" * 1000,
    ):
        with pytest.raises(SyntaxException, match=r"^type nested too deeply$"):
            parse(f"CREATE TABLE t (k int PRIMARY KEY, v {text})")


@pytest.mark.parametrize("value", ["'x'", "true", "null", "[1]", "{1}", "{1: 2}", "{a: 1}"])
def test_only_a_number_follows_a_minus(value: str) -> None:
    """ScyllaDB's grammar knows a minus only as a number's sign."""
    with pytest.raises(SyntaxException, match=r"^line 1:32 no viable alternative at input '-'$"):
        parse(f"INSERT INTO t (k, v) VALUES (1, -{value})")
    assert stmt("INSERT INTO t (k, v) VALUES (1, -?)").values[1] == A.Negate(A.BindMarker(0))


def test_numbers_past_pythons_digit_limit_are_refused_not_crashed_on() -> None:
    with pytest.raises(InvalidRequest, match=r"^Invalid vector dimension: 9{5000}$"):
        parse(f"CREATE TABLE t (k int PRIMARY KEY, v vector<float, {'9' * 5000}>)")
    with pytest.raises(InvalidRequest, match=r'^Invalid INTEGER constant \(9{5000}\) for "\[timestamp\]"'):
        parse(f"ALTER TABLE t DROP v USING TIMESTAMP {'9' * 5000}")
