"""Materialized views: CREATE/DROP MATERIALIZED VIEW and view rows kept in step.

A view row exists while its base row is live, has every view key column set and passes
the view's WHERE clause. A real ScyllaDB updates views asynchronously, so every read of
a view that follows a base write goes through `eventually` (at once on scylla_lite).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from cassandra import AlreadyExists, InvalidRequest
from cassandra.cluster import Cluster, Session
from cassandra.query import BatchStatement, SimpleStatement

from spec.assertions import eventually, expect, refused, rows

BY_V = (
    "CREATE MATERIALIZED VIEW by_v AS SELECT * FROM t "
    "WHERE v IS NOT NULL AND k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (v, k, c)"
)


def view_order(cql: Session, view: str, columns: str) -> list[tuple[Any, ...]]:
    """The rows of ``view`` sorted by the token of its partition key ``v``, then by its
    clustering columns: the order a full read must return them in."""
    got = [tuple(r) for r in cql.execute(f"SELECT token(v), {columns} FROM {view}")]
    return [r[1:] for r in sorted(got)]


def views(cql: Session, keyspace: str) -> set[str]:
    got = cql.execute("SELECT view_name FROM system_schema.views WHERE keyspace_name = %s", (keyspace,))
    return {r.view_name for r in got}


@pytest.fixture
def t(cql: Session, keyspace: str) -> str:
    """Table t (k, c, v, x) holding three partitions of two rows; returns its name."""
    cql.execute("CREATE TABLE t (k int, c int, v int, x text, PRIMARY KEY (k, c))")
    for k in range(3):
        for c in range(2):
            cql.execute("INSERT INTO t (k, c, v, x) VALUES (%s, %s, %s, %s)", (k, c, 10 * k + c, f"x{k}{c}"))
    return "t"


# --------------------------------------------------------------------------- upkeep


def test_view_is_built_from_existing_rows_and_read_in_view_order(cql: Session, keyspace: str, t: str) -> None:
    cql.execute(BY_V)
    expected = sorted((10 * k + c, k, c, f"x{k}{c}") for k in range(3) for c in range(2))

    def check() -> None:
        got = rows(cql, "SELECT v, k, c, x FROM by_v")
        assert sorted(got) == expected
        assert got == view_order(cql, "by_v", "v, k, c, x")

    eventually(check)
    # SELECT on the view takes the usual restrictions, paging included
    assert rows(cql, "SELECT k, c, x FROM by_v WHERE v = 21") == [(2, 1, "x21")]
    assert rows(cql, "SELECT x FROM by_v WHERE v = 21 AND k = 2 AND c >= 1") == [("x21",)]
    assert rows(cql, "SELECT x FROM by_v WHERE v = 21 AND k = 1") == []
    assert rows(cql, "SELECT v FROM by_v WHERE x = 'x10' ALLOW FILTERING") == [(10,)]
    paged = list(cql.execute(SimpleStatement("SELECT v, k, c, x FROM by_v", fetch_size=2)))
    assert [tuple(r) for r in paged] == view_order(cql, "by_v", "v, k, c, x")
    assert len(rows(cql, "SELECT v FROM by_v LIMIT 4")) == 4


def test_view_follows_inserts_updates_and_deletes(cql: Session, keyspace: str, t: str) -> None:
    cql.execute(BY_V)
    expect(cql, "SELECT count(*) FROM by_v", [(6,)])
    cql.execute("INSERT INTO t (k, c, v, x) VALUES (5, 0, 50, 'new')")
    cql.execute("UPDATE t SET x = 'changed' WHERE k = 0 AND c = 0")
    cql.execute("UPDATE t SET v = 99 WHERE k = 0 AND c = 1")  # the view key changes: the old row goes
    expect(cql, "SELECT k, c, x FROM by_v WHERE v = 50", [(5, 0, "new")])
    expect(cql, "SELECT k, c, x FROM by_v WHERE v = 0", [(0, 0, "changed")])
    expect(cql, "SELECT k, c, x FROM by_v WHERE v = 99", [(0, 1, "x01")])
    expect(cql, "SELECT k, c FROM by_v WHERE v = 1", [])
    cql.execute("DELETE v FROM t WHERE k = 5 AND c = 0")  # no view key: no view row
    cql.execute("DELETE FROM t WHERE k = 0 AND c = 0")  # a row
    cql.execute("DELETE FROM t WHERE k = 1 AND c > 0")  # a range
    cql.execute("DELETE FROM t WHERE k = 2")  # a partition
    remaining = [(10, 1, 0, "x10"), (99, 0, 1, "x01")]
    eventually(lambda: assert_sorted(rows(cql, "SELECT v, k, c, x FROM by_v"), remaining))
    assert rows(cql, "SELECT v, k, c, x FROM by_v") == view_order(cql, "by_v", "v, k, c, x")
    assert rows(cql, "SELECT k, c, v, x FROM t WHERE k = 5") == [(5, 0, None, "new")]
    cql.execute("INSERT INTO t (k, c, v) VALUES (2, 0, 20)")  # written again after its deletion
    expect(cql, "SELECT k, c, x FROM by_v WHERE v = 20", [(2, 0, None)])
    cql.execute("UPDATE t SET v = 10 WHERE k = 2 AND c = 0")  # a second base row under view key v = 10
    expect(cql, "SELECT k, c FROM by_v WHERE v = 10", [(1, 0), (2, 0)])


def test_view_keyed_by_base_key_columns_only(cql: Session, keyspace: str, t: str) -> None:
    """With no base regular column in its key, a view row lives as long as the base row
    does, whatever keeps the base row alive (its marker or any cell, selected or not)."""
    cql.execute(
        "CREATE MATERIALIZED VIEW by_c AS SELECT k, c, v FROM t WHERE c IS NOT NULL PRIMARY KEY (c, k)"
    )
    expect(cql, "SELECT k, v FROM by_c WHERE c = 1", [(0, 1), (1, 11), (2, 21)])
    cql.execute("UPDATE t SET x = 'only x' WHERE k = 7 AND c = 1")  # a row without a marker, x unselected
    expect(cql, "SELECT k, v FROM by_c WHERE c = 1 AND k = 7", [(7, None)])
    cql.execute("DELETE x FROM t WHERE k = 7 AND c = 1")  # its last cell: the row is gone
    expect(cql, "SELECT k, v FROM by_c WHERE c = 1 AND k = 7", [])
    cql.execute("DELETE v, x FROM t WHERE k = 0 AND c = 1")  # the marker keeps this one
    expect(cql, "SELECT k, v FROM by_c WHERE c = 1 AND k = 0", [(0, None)])


def test_view_filters_on_key_columns(cql: Session, keyspace: str, t: str) -> None:
    cql.execute(
        "CREATE MATERIALIZED VIEW f AS SELECT k, c, v FROM t "
        "WHERE v IS NOT NULL AND v < 20 AND k IS NOT NULL AND c = 1 PRIMARY KEY (v, k, c)"
    )
    expect(cql, "SELECT v, k, c FROM f", view_order(cql, "f", "v, k, c"))
    assert sorted(rows(cql, "SELECT v, k, c FROM f")) == [(1, 0, 1), (11, 1, 1)]
    cql.execute("UPDATE t SET v = 25 WHERE k = 0 AND c = 1")  # leaves the view's range
    cql.execute("UPDATE t SET v = 5 WHERE k = 2 AND c = 1")  # enters it
    cql.execute("UPDATE t SET v = 6 WHERE k = 2 AND c = 0")  # another clustering key
    expect(cql, "SELECT v, k, c FROM f", view_order(cql, "f", "v, k, c"))
    assert sorted(rows(cql, "SELECT v, k, c FROM f")) == [(5, 2, 1), (11, 1, 1)]


# --------------------------------------------------------------------------- expiry


def test_view_row_expires_with_its_base_row(cql: Session, keyspace: str, t: str, clock: Any) -> None:
    cql.execute(BY_V)
    cql.execute("INSERT INTO t (k, c, v, x) VALUES (8, 0, 80, 'short') USING TTL 2")
    expect(cql, "SELECT k, c, x FROM by_v WHERE v = 80", [(8, 0, "short")])
    # a view cell carries its base cell's expiry
    base_ttl = cql.execute("SELECT ttl(x) FROM t WHERE k = 8 AND c = 0").one()[0]
    view_ttl = cql.execute("SELECT ttl(x) FROM by_v WHERE v = 80").one()[0]
    assert base_ttl is not None and view_ttl is not None and abs(base_ttl - view_ttl) <= 1
    clock.advance(3)
    expect(cql, "SELECT k, c, x FROM by_v WHERE v = 80", [])
    assert rows(cql, "SELECT * FROM t WHERE k = 8") == []
    assert len(rows(cql, "SELECT * FROM by_v")) == 6


def test_view_row_expires_with_its_key_cell(cql: Session, keyspace: str, t: str, clock: Any) -> None:
    """When the view key holds a base regular column, that cell decides: the view row
    goes when it expires, though the base row and the view's other cells live on."""
    cql.execute(BY_V)
    cql.execute("UPDATE t USING TTL 2 SET v = 70 WHERE k = 0 AND c = 0")
    expect(cql, "SELECT k, c, x FROM by_v WHERE v = 70", [(0, 0, "x00")])
    expect(cql, "SELECT k, c FROM by_v WHERE v = 0", [])
    clock.advance(3)
    expect(cql, "SELECT k, c, x FROM by_v WHERE v = 70", [])
    assert rows(cql, "SELECT k, c, v, x FROM t WHERE k = 0 AND c = 0") == [(0, 0, None, "x00")]
    assert len(rows(cql, "SELECT * FROM by_v")) == 5


def test_view_row_of_an_expiring_unselected_cell(cql: Session, keyspace: str, t: str, clock: Any) -> None:
    """A base row kept alive only by a cell the view does not select still has its view
    row, until that cell expires."""
    cql.execute("CREATE MATERIALIZED VIEW by_c AS SELECT k, c FROM t WHERE c IS NOT NULL PRIMARY KEY (c, k)")
    cql.execute("UPDATE t USING TTL 2 SET x = 'brief' WHERE k = 9 AND c = 0")
    expect(cql, "SELECT k FROM by_c WHERE c = 0 AND k = 9", [(9,)])
    clock.advance(3)
    expect(cql, "SELECT k FROM by_c WHERE c = 0 AND k = 9", [])
    assert len(rows(cql, "SELECT * FROM by_c")) == 6


# --------------------------------------------------------------------------- refusals


def test_writes_to_a_view_are_refused(cql: Session, keyspace: str, t: str) -> None:
    cql.execute(BY_V)
    expected = sorted((10 * k + c, k, c, f"x{k}{c}") for k in range(3) for c in range(2))
    eventually(lambda: assert_sorted(rows(cql, "SELECT v, k, c, x FROM by_v"), expected))
    for query in (
        "INSERT INTO by_v (v, k, c, x) VALUES (1, 1, 1, 'no')",
        "UPDATE by_v SET x = 'no' WHERE v = 0 AND k = 0 AND c = 0",
        "DELETE FROM by_v WHERE v = 0",
    ):
        refused(
            cql, keyspace, query, InvalidRequest, "Cannot directly modify a materialized view", exact=True
        )
    assert sorted(rows(cql, "SELECT v, k, c, x FROM by_v")) == expected


def test_a_write_to_a_view_prepares_and_is_refused_when_it_runs(cql: Session, keyspace: str, t: str) -> None:
    """ScyllaDB refuses it in modification_statement::validate, which runs at EXECUTE (and
    for each statement of a BATCH), not at PREPARE: the prepare succeeds."""
    cql.execute(BY_V)
    expected = sorted((10 * k + c, k, c, f"x{k}{c}") for k in range(3) for c in range(2))
    eventually(lambda: assert_sorted(rows(cql, "SELECT v, k, c, x FROM by_v"), expected))
    update = cql.prepare("UPDATE by_v SET x = ? WHERE v = ? AND k = ? AND c = ?")
    delete = cql.prepare("DELETE FROM by_v WHERE v = ?")
    base = cql.prepare("INSERT INTO t (k, c, v, x) VALUES (?, ?, ?, ?)")
    message = "Cannot directly modify a materialized view"
    refused(cql, keyspace, update, InvalidRequest, message, params=("no", 0, 0, 0), exact=True)
    refused(cql, keyspace, delete, InvalidRequest, message, params=(0,), exact=True)

    def batch() -> None:
        statements = BatchStatement()
        statements.add(base, (7, 0, 70, "x70"))
        statements.add(update, ("no", 0, 0, 0))
        cql.execute(statements)

    refused(cql, None, batch, InvalidRequest, message, exact=True)
    assert rows(cql, "SELECT k FROM t WHERE k = 7") == []  # the batch wrote nothing, base included
    assert sorted(rows(cql, "SELECT v, k, c, x FROM by_v")) == expected


def assert_sorted(got: list[tuple[Any, ...]], expected: list[tuple[Any, ...]]) -> None:
    assert sorted(got) == expected


def test_drop_table_is_refused_while_views_exist(cql: Session, keyspace: str, t: str) -> None:
    cql.execute(BY_V)
    cql.execute(
        "CREATE MATERIALIZED VIEW by_x AS SELECT * FROM t WHERE x IS NOT NULL AND c IS NOT NULL PRIMARY KEY (x, k, c)"
    )
    with pytest.raises(
        InvalidRequest, match=r"Cannot drop table when materialized views still depend on it \("
    ) as e:
        cql.execute("DROP TABLE t")
    assert re.search(rf"\({keyspace}\.\{{(by_v, by_x|by_x, by_v)\}}\)", str(e.value))
    assert len(rows(cql, "SELECT * FROM t")) == 6 and views(cql, keyspace) == {"by_v", "by_x"}
    cql.execute("DROP MATERIALIZED VIEW by_v")
    cql.execute("DROP MATERIALIZED VIEW IF EXISTS by_v")
    refused(
        cql,
        None,
        "DROP TABLE t",
        InvalidRequest,
        f"Cannot drop table when materialized views still depend on it ({keyspace}.{{by_x}})",
        exact=True,
    )
    cql.execute("DROP MATERIALIZED VIEW by_x")
    cql.execute("DROP TABLE t")
    assert views(cql, keyspace) == set()


def test_refused_views_create_nothing(cql: Session, keyspace: str, t: str) -> None:
    cql.execute("CREATE TABLE s (k int, c int, s int static, v int, l list<int>, PRIMARY KEY (k, c))")
    cql.execute("CREATE TABLE n (k int PRIMARY KEY, n counter)")
    cql.execute("CREATE TABLE g (k int PRIMARY KEY, v int) WITH gc_grace_seconds = 0")
    cql.execute(BY_V)
    before = eventually(lambda: _assert_views(cql, keyspace, {"by_v"}))
    view = "CREATE MATERIALIZED VIEW bad AS SELECT {cols} FROM {table} WHERE {where} PRIMARY KEY ({key})"
    cases = [
        (
            view.format(cols="*", table="t", where="k IS NOT NULL AND c IS NOT NULL", key="v, k, c"),
            "Primary key column 'v' is required to be filtered by 'IS NOT NULL'",
        ),
        (
            view.format(cols="*", table="t", where="v IS NOT NULL AND k IS NOT NULL", key="v, k, c"),
            "Primary key column 'c' is required to be filtered by 'IS NOT NULL'",
        ),
        (
            view.format(
                cols="*",
                table="t",
                where="v IS NOT NULL AND x IS NOT NULL AND c IS NOT NULL",
                key="v, x, k, c",
            ),
            "Cannot include more than one non-primary key column 'x' in materialized view primary key",
        ),
        (
            view.format(cols="*", table="t", where="v IS NOT NULL AND k IS NOT NULL", key="v, k"),
            "Cannot create Materialized View bad without primary key columns from base t (c)",
        ),
        (
            view.format(cols="k, c, nope", table="t", where="c IS NOT NULL", key="c, k"),
            "Unknown column name detected in CREATE MATERIALIZED VIEW statement: nope",
        ),
        (
            view.format(cols="*", table="t", where="c IS NOT NULL AND x = 'a'", key="c, k"),
            "Non-primary key columns cannot be restricted in the SELECT statement used for materialized "
            "view bad creation (got restrictions on: x)",
        ),
        (
            view.format(cols="*", table="s", where="c IS NOT NULL", key="c, k"),
            "Unable to include static column 's' which would be included by Materialized View SELECT * statement",
        ),
        (
            view.format(cols="k, c", table="s", where="l IS NOT NULL AND c IS NOT NULL", key="l, k, c"),
            "Cannot use MultiCell column 'l' in PRIMARY KEY of materialized view",
        ),
        (
            view.format(cols="k, c", table="s", where="s IS NOT NULL AND c IS NOT NULL", key="s, k, c"),
            "Cannot use Static column 's' in PRIMARY KEY of materialized view",
        ),
        (
            view.format(cols="*", table="n", where="k IS NOT NULL", key="k"),
            "Materialized views are not supported on counter tables",
        ),
        (
            view.format(
                cols="*",
                table="by_v",
                where="v IS NOT NULL AND k IS NOT NULL AND c IS NOT NULL",
                key="k, c, v",
            ),
            "Materialized views cannot be created against other materialized views",
        ),
        (
            view.format(cols="*", table="g", where="v IS NOT NULL", key="v, k"),
            "Cannot create materialized view 'bad' for base table 'g' with gc_grace_seconds of 0, since this "
            "value is used to TTL undelivered updates. Setting gc_grace_seconds too low might cause "
            "undelivered updates to expire before being replayed.",
        ),
        (
            view.format(cols="*", table="t", where="c IS NOT NULL", key="c, k")
            + " WITH default_time_to_live = 5",
            "Cannot set or alter default_time_to_live for a materialized view. Data in a materialized view "
            "always expire at the same time than the corresponding data in the parent table.",
        ),
        (
            f"CREATE MATERIALIZED VIEW {keyspace}_o.bad AS SELECT * FROM {keyspace}.t "
            "WHERE c IS NOT NULL PRIMARY KEY (c, k)",
            f"Cannot create a materialized view on a table in a separate keyspace ('{keyspace}' != '{keyspace}_o')",
        ),
    ]
    cql.execute(
        f"CREATE KEYSPACE {keyspace}_o WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
    )
    try:
        for query, message in cases:
            refused(cql, None, query, InvalidRequest, message, exact=True)
        assert views(cql, f"{keyspace}_o") == set()
    finally:
        cql.execute(f"DROP KEYSPACE {keyspace}_o")
    with pytest.raises(AlreadyExists) as exists:  # the driver words this error itself
        cql.execute(BY_V)
    assert (exists.value.keyspace, exists.value.table) == (keyspace, "by_v")
    cql.execute(BY_V.replace("VIEW", "VIEW IF NOT EXISTS"))
    assert _assert_views(cql, keyspace, {"by_v"}) == before


def _assert_views(cql: Session, keyspace: str, expected: set[str]) -> list[Any]:
    assert views(cql, keyspace) == expected
    tables = cql.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s", (keyspace,))
    assert not any(r.table_name == "bad" for r in tables)
    return sorted(
        map(tuple, cql.execute("SELECT * FROM system_schema.views WHERE keyspace_name = %s", (keyspace,))),
        key=repr,
    )


# --------------------------------------------------------------------------- schema


def test_views_in_system_schema_and_driver_metadata(
    cql: Session, cluster: Cluster, keyspace: str, t: str
) -> None:
    cql.execute(BY_V)
    cql.execute(
        "CREATE MATERIALIZED VIEW part AS SELECT k, c, x FROM t "
        "WHERE c IS NOT NULL AND x IS NOT NULL AND k = 1 PRIMARY KEY ((x, k), c) WITH CLUSTERING ORDER BY (c DESC)"
    )
    by_name = {
        r.view_name: r
        for r in cql.execute("SELECT * FROM system_schema.views WHERE keyspace_name = %s", (keyspace,))
    }
    assert set(by_name) == {"by_v", "part"}
    base_id = (
        cql.execute(
            "SELECT id FROM system_schema.tables WHERE keyspace_name = %s AND table_name = 't'", (keyspace,)
        )
        .one()
        .id
    )
    assert by_name["by_v"].base_table_name == "t" and by_name["by_v"].base_table_id == base_id
    assert by_name["by_v"].include_all_columns is True and by_name["part"].include_all_columns is False
    assert by_name["by_v"].where_clause == "v IS NOT null AND k IS NOT null AND c IS NOT null"
    assert by_name["part"].where_clause == "c IS NOT null AND x IS NOT null AND k = 1"
    cluster.refresh_schema_metadata()
    meta = cluster.metadata.keyspaces[keyspace]
    assert set(meta.views) == {"by_v", "part"} and set(meta.tables["t"].views) == {"by_v", "part"}
    part = meta.views["part"]
    assert [c.name for c in part.partition_key] == ["x", "k"]
    assert [c.name for c in part.clustering_key] == ["c"]
    assert set(part.columns) == {"x", "k", "c"}
    expect(cql, "SELECT c FROM part WHERE x = 'x10' AND k = 1", [(0,)])
    cql.execute("INSERT INTO t (k, c, x) VALUES (1, 5, 'x10')")
    expect(cql, "SELECT c FROM part WHERE x = 'x10' AND k = 1", [(5,), (0,)])  # clustering DESC
