"""Secondary indexes: CREATE/DROP INDEX, queries through them, and their upkeep.

An index must answer for the data as it is now: a value overwritten, deleted or expired
is never found. A real ScyllaDB updates its indexes asynchronously, so every read that
follows a write goes through `eventually` (which returns at once on scylla_lite).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Session
from cassandra.query import SimpleStatement

from spec.assertions import FILTERING_MESSAGE, eventually, expect, refused, rows


def indexes(cql: Session, keyspace: str) -> dict[str, str]:
    rows = cql.execute(
        "SELECT index_name, options FROM system_schema.indexes WHERE keyspace_name = %s", (keyspace,)
    )
    return {r.index_name: r.options["target"] for r in rows}


@pytest.fixture
def t(cql: Session, keyspace: str) -> str:
    """Four partitions of three rows; v = c % 2, w = k."""
    cql.execute("CREATE TABLE t (k int, c int, v int, w int, PRIMARY KEY (k, c))")
    for k in range(4):
        for c in range(3):
            cql.execute("INSERT INTO t (k, c, v, w) VALUES (%s, %s, %s, %s)", (k, c, c % 2, k))
    return "t"


def in_scan_order(cql: Session, matching: Callable[[Any], bool]) -> list[tuple[int, int]]:
    """(k, c) of the rows of t that match, in token then clustering order."""
    rows = [r for r in cql.execute("SELECT token(k), k, c, v, w FROM t") if matching(r)]
    return [(r.k, r.c) for r in sorted(rows, key=lambda r: (r[0], r.c))]


# --------------------------------------------------------------------------- queries


def test_global_index_answers_in_token_then_clustering_order(cql: Session, keyspace: str, t: str) -> None:
    cql.execute("CREATE INDEX ON t (v)")  # existing rows are indexed too
    expect(cql, "SELECT k, c FROM t WHERE v = 0", in_scan_order(cql, lambda r: r.v == 0))
    expect(cql, "SELECT k, c FROM t WHERE v = 1", in_scan_order(cql, lambda r: r.v == 1))
    assert rows(cql, "SELECT k, c FROM t WHERE v = 7") == []
    # prepared and paged: the same rows in the same order
    prepared = cql.prepare("SELECT k, c FROM t WHERE v = ?")
    prepared.fetch_size = 3
    result = cql.execute(prepared, (0,))
    assert len(result.current_rows) == 3 and result.has_more_pages
    assert [tuple(r) for r in result] == in_scan_order(cql, lambda r: r.v == 0)
    paged = SimpleStatement("SELECT k, c FROM t WHERE v = 1 PER PARTITION LIMIT 1", fetch_size=1)
    assert [tuple(r) for r in cql.execute(paged)] == in_scan_order(cql, lambda r: r.v == 1)
    assert rows(cql, "SELECT count(*) FROM t WHERE v = 0") == [(8,)]
    assert len(rows(cql, "SELECT k FROM t WHERE v = 0 LIMIT 3")) == 3


def test_an_index_never_returns_an_overwritten_or_deleted_value(cql: Session, keyspace: str, t: str) -> None:
    cql.execute("CREATE INDEX ON t (v)")
    cql.execute("UPDATE t SET v = 5 WHERE k = 0 AND c = 1")  # overwritten
    cql.execute("DELETE v FROM t WHERE k = 1 AND c = 1")  # cell deleted
    cql.execute("DELETE FROM t WHERE k = 2 AND c = 1")  # row deleted
    expect(cql, "SELECT k, c FROM t WHERE v = 1", [(3, 1)])
    expect(cql, "SELECT k, c FROM t WHERE v = 5", [(0, 1)])
    cql.execute("DELETE FROM t WHERE k = 3")  # partition deleted
    cql.execute("DELETE FROM t WHERE k = 0 AND c >= 1")  # range deleted
    expect(cql, "SELECT k, c FROM t WHERE v = 1", [])
    expect(cql, "SELECT k, c FROM t WHERE v = 5", [])
    expect(cql, "SELECT k, c FROM t WHERE v = 0", in_scan_order(cql, lambda r: r.v == 0))
    cql.execute("INSERT INTO t (k, c, v) VALUES (3, 1, 1)")  # written again after the deletion
    expect(cql, "SELECT k, c FROM t WHERE v = 1", [(3, 1)])


def test_an_index_never_returns_an_expired_value(cql: Session, keyspace: str, clock: Any) -> None:
    cql.execute("CREATE TABLE e (k int PRIMARY KEY, v int, x int)")
    cql.execute("CREATE INDEX ON e (v)")
    cql.execute("INSERT INTO e (k, v, x) VALUES (1, 7, 1)")
    cql.execute("UPDATE e USING TTL 2 SET v = 7 WHERE k = 2")
    cql.execute("INSERT INTO e (k, v, x) VALUES (3, 7, 3) USING TTL 2")
    cql.execute("INSERT INTO e (k, v, x) VALUES (4, 7, 4)")
    cql.execute("UPDATE e USING TTL 2 SET v = 8 WHERE k = 4")  # 7 overwritten by a value that expires
    by_token = sorted(cql.execute("SELECT token(k), k FROM e"))
    expect(cql, "SELECT k FROM e WHERE v = 7", [(k,) for _, k in by_token if k != 4])
    expect(cql, "SELECT k FROM e WHERE v = 8", [(4,)])
    clock.advance(3)
    expect(cql, "SELECT k, x FROM e WHERE v = 7", [(1, 1)])
    expect(cql, "SELECT k, x FROM e WHERE v = 8", [])
    assert rows(cql, "SELECT k, v, x FROM e WHERE k = 4") == [(4, None, 4)]


def test_collection_indexes(cql: Session, keyspace: str) -> None:
    cql.execute(
        "CREATE TABLE c (k int PRIMARY KEY, l list<int>, s set<text>, m map<text, int>, f frozen<list<int>>)"
    )
    cql.execute("INSERT INTO c (k, l, s, m, f) VALUES (1, [1, 2], {'a'}, {'x': 1, 'y': 2}, [1, 2])")
    cql.execute("INSERT INTO c (k, l, s, m, f) VALUES (2, [2, 3], {'b'}, {'y': 1}, [2, 3])")
    cql.execute("CREATE INDEX ON c (l)")
    cql.execute("CREATE INDEX ON c (s)")
    cql.execute("CREATE INDEX ON c (keys(m))")
    cql.execute("CREATE INDEX mv ON c (values(m))")
    cql.execute("CREATE INDEX me ON c (entries(m))")
    cql.execute("CREATE INDEX ON c (full(f))")

    def ks(query: str) -> list[int]:
        return sorted(r.k for r in cql.execute(query))

    def check() -> None:
        assert ks("SELECT k FROM c WHERE l CONTAINS 2") == [1, 2]
        assert ks("SELECT k FROM c WHERE l CONTAINS 3") == [2]
        assert ks("SELECT k FROM c WHERE s CONTAINS 'a'") == [1]
        assert ks("SELECT k FROM c WHERE m CONTAINS KEY 'y'") == [1, 2]
        assert ks("SELECT k FROM c WHERE m CONTAINS 1") == [1, 2]
        assert ks("SELECT k FROM c WHERE m['y'] = 1") == [2]
        assert ks("SELECT k FROM c WHERE f = [2, 3]") == [2]
        assert ks("SELECT k FROM c WHERE f = [2]") == []

    eventually(check)
    # elements removed, added and overwritten: the index follows
    cql.execute("UPDATE c SET l = l - [2], s = s + {'c'}, m['y'] = 5, f = [9] WHERE k = 1")
    cql.execute("DELETE m['y'] FROM c WHERE k = 2")

    def after() -> None:
        assert ks("SELECT k FROM c WHERE l CONTAINS 2") == [2]
        assert ks("SELECT k FROM c WHERE s CONTAINS 'c'") == [1]
        assert ks("SELECT k FROM c WHERE m CONTAINS KEY 'y'") == [1]
        assert ks("SELECT k FROM c WHERE m CONTAINS 1") == [1]
        assert ks("SELECT k FROM c WHERE m CONTAINS 5") == [1]
        assert ks("SELECT k FROM c WHERE m['y'] = 1") == []
        assert ks("SELECT k FROM c WHERE m['y'] = 5") == [1]
        assert ks("SELECT k FROM c WHERE f = [1, 2]") == []
        assert ks("SELECT k FROM c WHERE f = [9]") == [1]

    eventually(after)
    targets = indexes(cql, keyspace)
    # ScyllaDB indexes a set's elements as its keys
    assert {targets[n] for n in ("c_l_idx", "c_s_idx", "c_m_idx", "mv", "me")} == {
        "values(l)",
        "keys(s)",
        "keys(m)",
        "values(m)",
        "entries(m)",
    }


def test_indexes_on_key_columns(cql: Session, keyspace: str) -> None:
    """An index on a later clustering column or on one column of a composite partition
    key serves a query that would otherwise need ALLOW FILTERING."""
    cql.execute("CREATE TABLE p (a int, b int, c1 int, c2 int, v int, PRIMARY KEY ((a, b), c1, c2))")
    for a in range(2):
        for c1 in range(2):
            for c2 in range(2):
                cql.execute("INSERT INTO p (a, b, c1, c2, v) VALUES (%s, %s, %s, %s, 0)", (a, a + 10, c1, c2))
    refused(
        cql,
        None,
        "SELECT * FROM p WHERE c2 = 1",
        InvalidRequest,
        'PRIMARY KEY column "c2" cannot be restricted as preceding column "c1" is not restricted',
        exact=True,
    )
    refused(cql, None, "SELECT * FROM p WHERE b = 10", InvalidRequest, FILTERING_MESSAGE, exact=True)
    cql.execute("CREATE INDEX ON p (c2)")
    cql.execute("CREATE INDEX ON p (b)")

    def check() -> None:
        got = rows(cql, "SELECT a, c1, c2 FROM p WHERE c2 = 1")
        assert sorted(got) == [(a, c1, 1) for a in range(2) for c1 in range(2)]
        assert rows(cql, "SELECT a, c1, c2 FROM p WHERE b = 10") == [
            (0, 0, 0),
            (0, 0, 1),
            (0, 1, 0),
            (0, 1, 1),
        ]

    eventually(check)
    refused(
        cql, None, "SELECT * FROM p WHERE b = 10 AND c2 = 1", InvalidRequest, FILTERING_MESSAGE, exact=True
    )
    assert rows(cql, "SELECT a, c1 FROM p WHERE b = 10 AND c2 = 1 ALLOW FILTERING") == [(0, 0), (0, 1)]


def test_local_index(cql: Session, keyspace: str, t: str) -> None:
    cql.execute("CREATE INDEX local_v ON t ((k), v)")
    assert indexes(cql, keyspace) == {"local_v": '{"pk":["k"],"ck":["v"]}'}
    expect(cql, "SELECT k, c FROM t WHERE k = 2 AND v = 0", [(2, 0), (2, 2)])
    cql.execute("UPDATE t SET v = 0 WHERE k = 2 AND c = 1")
    expect(cql, "SELECT k, c FROM t WHERE k = 2 AND v = 0", [(2, 0), (2, 1), (2, 2)])
    # without the whole partition key a local index cannot be used
    refused(cql, None, "SELECT * FROM t WHERE v = 0", InvalidRequest, FILTERING_MESSAGE, exact=True)
    got = rows(cql, "SELECT k, c FROM t WHERE v = 1 ALLOW FILTERING")
    assert got == in_scan_order(cql, lambda r: r.v == 1)


# --------------------------------------------------------------------------- ALLOW FILTERING


def test_which_index_queries_need_allow_filtering(cql: Session, keyspace: str, t: str) -> None:
    cql.execute("CREATE INDEX ON t (v)")
    cql.execute("CREATE TABLE l (k int PRIMARY KEY, l list<int>)")
    expect(cql, "SELECT k, c FROM t WHERE v = 1", in_scan_order(cql, lambda r: r.v == 1))
    # one indexed restriction, alone or with the whole partition key or a token range
    assert rows(cql, "SELECT k, c FROM t WHERE k = 2 AND v = 1") == [(2, 1)]
    assert rows(cql, "SELECT k, c FROM t WHERE k = 2 AND c = 1 AND v = 1") == [(2, 1)]
    token = cql.execute("SELECT token(k) FROM t WHERE k = 2").one()[0]
    got = rows(cql, f"SELECT k, c FROM t WHERE token(k) >= {token} AND v = 1")
    assert got == in_scan_order(cql, lambda r: r[0] >= token and r.v == 1)
    # anything more would filter what the index returns
    for query in (
        "SELECT * FROM t WHERE v = 1 AND w = 2",
        "SELECT * FROM t WHERE c = 1 AND v = 1",
        "SELECT * FROM t WHERE v = 1 AND c > 0",
        "SELECT * FROM t WHERE k IN (1, 2) AND v = 1",
        "SELECT * FROM l WHERE l CONTAINS 1",
    ):
        refused(cql, None, query, InvalidRequest, FILTERING_MESSAGE, exact=True)
    assert rows(cql, "SELECT k, c FROM t WHERE v = 1 AND w = 2 ALLOW FILTERING") == [(2, 1)]
    assert rows(cql, "SELECT k, c FROM t WHERE v = 0 AND c > 0 ALLOW FILTERING") == in_scan_order(
        cql, lambda r: r.v == 0 and r.c > 0
    )
    assert rows(cql, "SELECT k, c FROM t WHERE k IN (1, 2) AND v = 1 ALLOW FILTERING") == in_scan_order(
        cql, lambda r: r.k in (1, 2) and r.v == 1
    )
    refused(
        cql,
        None,
        "SELECT * FROM t WHERE k = 1 AND v = 1 ORDER BY c DESC",
        InvalidRequest,
        "ORDER BY with 2ndary indexes is not supported.",
        exact=True,
    )


# --------------------------------------------------------------------------- CREATE and DROP


def test_index_names_if_not_exists_and_drop(cql: Session, keyspace: str, t: str) -> None:
    cql.execute("CREATE INDEX ON t (v)")
    cql.execute("CREATE INDEX IF NOT EXISTS ON t (v)")  # the same index: nothing happens
    cql.execute("CREATE INDEX IF NOT EXISTS named ON t (w)")
    cql.execute("CREATE INDEX IF NOT EXISTS named ON t (w)")
    assert indexes(cql, keyspace) == {"t_v_idx": "v", "named": "w"}
    cql.execute("DROP INDEX t_v_idx")
    cql.execute("DROP INDEX IF EXISTS t_v_idx")
    cql.execute(f"DROP INDEX {keyspace}.named")
    assert indexes(cql, keyspace) == {}
    refused(
        cql, None, "SELECT * FROM t WHERE v = 1", InvalidRequest, FILTERING_MESSAGE, exact=True
    )  # the index is gone
    refused(
        cql,
        None,
        "DROP INDEX t_v_idx",
        InvalidRequest,
        f"Index 't_v_idx' could not be found in any of the tables of keyspace '{keyspace}'",
        exact=True,
    )
    cql.execute("CREATE INDEX ON t (v)")  # and can be created again, over the current data
    expect(cql, "SELECT k, c FROM t WHERE v = 1", in_scan_order(cql, lambda r: r.v == 1))


def test_refused_indexes_create_nothing(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TYPE u (a int)")
    cql.execute(
        "CREATE TABLE r (k int, c int, v int, d duration, l list<int>, f frozen<list<int>>, u u, "
        "PRIMARY KEY (k, c))"
    )
    cql.execute("CREATE TABLE n (k int PRIMARY KEY, n counter)")
    cql.execute("CREATE INDEX ON r (v)")
    cql.execute(
        "CREATE MATERIALIZED VIEW rv AS SELECT * FROM r WHERE c IS NOT NULL AND v IS NOT NULL PRIMARY KEY (v, k, c)"
    )
    before = indexes(cql, keyspace)
    cases = [
        ("CREATE INDEX ON r (v)", "Index r_v_idx_1 is a duplicate of existing index r_v_idx"),
        ("CREATE INDEX again ON r (v)", "Index again is a duplicate of existing index r_v_idx"),
        ("CREATE INDEX r_v_idx ON r (c)", "Index already exists"),
        ("CREATE INDEX ON r (k)", "Cannot create secondary index on partition key column k"),
        ("CREATE INDEX ON r (nope)", "No column definition found for column nope"),
        ("CREATE INDEX ON r (d)", "Secondary indexes are not supported on duration columns"),
        (
            "CREATE INDEX ON r (keys(l))",
            "Cannot create secondary index on keys of column l with non-map type",
        ),
        (
            "CREATE INDEX ON r (entries(l))",
            "Cannot create secondary index on entries of column l with non-map type",
        ),
        ("CREATE INDEX ON r (full(l))", "full() indexes can only be created on frozen collections"),
        ("CREATE INDEX ON r (full(v))", "full() indexes can only be created on frozen collections"),
        ("CREATE INDEX ON r (f)", "Cannot create index on value of frozen collection column f"),
        ("CREATE INDEX ON r (values(f))", "Cannot create index on values() of frozen collection column f"),
        (
            "CREATE INDEX ON r (keys(v))",
            "Cannot create index on keys() of column v; only non-frozen collections support keys() indexes",
        ),
        ("CREATE INDEX ON r (u)", "Cannot create secondary index on UDT column u"),
        (
            "CREATE INDEX ON r ((k), l)",
            "Local secondary index on collection column l is not implemented yet.",
        ),
        (
            "CREATE INDEX ON r ((c), v)",
            "Local index definition must contain full partition key only. Redundant column: c",
        ),
        ("CREATE INDEX ON n (n)", "Secondary indexes are not supported on counter tables"),
        ("CREATE INDEX ON rv (k)", "Secondary indexes are not supported on materialized views"),
        ("CREATE CUSTOM INDEX ON r (c) USING 'x'", "Non-supported custom class 'x' provided"),
    ]
    for query, message in cases:
        refused(cql, None, query, InvalidRequest, message, exact=True)
    assert indexes(cql, keyspace) == before == {"r_v_idx": "v"}
