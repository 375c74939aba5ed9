"""Schema evolution: ALTER TABLE ADD / DROP / RENAME / ALTER TYPE / WITH on tables
holding data, as ScyllaDB's alter_table_statement does it.

* Existing rows read null in an added column; a dropped column's values are gone, and
  re-adding a column of that name brings none back (cells written at or before the
  drop are dead: Cassandra's dropped_columns rule).
* Drops are recorded in ``system_schema.dropped_columns``.
* Only primary-key columns can be renamed; a type can only change to one that reads
  the stored values alike.
* A refused ALTER changes nothing, whichever of its columns is at fault.
* Every change is pushed as a SCHEMA_CHANGE event, so other clients' metadata follows.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Cluster, Session
from cassandra.protocol import ConfigurationException, SyntaxException

from spec.assertions import column_schema, expect, refused, rows


def columns_of(cluster: Cluster, keyspace: str, table: str) -> dict[str, str]:
    meta = cluster.metadata.keyspaces[keyspace].tables[table]
    return {name: col.cql_type for name, col in meta.columns.items()}


@pytest.fixture
def t(cql: Session, keyspace: str) -> str:
    """t (k, c) with v int, w text, l list<int>, s int static; two partitions of two rows."""
    cql.execute("CREATE TABLE t (k int, c int, v int, w text, l list<int>, s int static, PRIMARY KEY (k, c))")
    for k in (1, 2):
        cql.execute("INSERT INTO t (k, s) VALUES (%s, %s)", (k, k * 100))
        for c in (1, 2):
            cql.execute(
                "INSERT INTO t (k, c, v, w, l) VALUES (%s, %s, %s, %s, %s)", (k, c, k * 10 + c, f"w{c}", [c])
            )
    return keyspace


# --------------------------------------------------------------------------- ADD


def test_existing_rows_read_null_in_added_columns(cql: Session, cluster: Cluster, t: str) -> None:
    cql.execute("ALTER TABLE t ADD x int")
    cql.execute("ALTER TABLE t ADD (y set<text>, z frozen<map<int, text>>, st text static)")
    result = cql.execute("SELECT * FROM t WHERE k = 1")
    assert result.column_names == ["k", "c", "s", "st", "l", "v", "w", "x", "y", "z"]
    assert [tuple(r) for r in result] == [
        (1, 1, 100, None, [1], 11, "w1", None, None, None),
        (1, 2, 100, None, [2], 12, "w2", None, None, None),
    ]
    cql.execute("UPDATE t SET x = 5, y = y + {'a'}, st = 'static' WHERE k = 1 AND c = 2")
    assert rows(cql, "SELECT c, x, y, st FROM t WHERE k = 1") == [
        (1, None, None, "static"),
        (2, 5, {"a"}, "static"),
    ]
    assert rows(cql, "SELECT count(x) FROM t") == [(1,)]
    assert columns_of(cluster, t, "t") == {
        "k": "int",
        "c": "int",
        "v": "int",
        "w": "text",
        "l": "list<int>",
        "s": "int",
        "x": "int",
        "y": "set<text>",
        "z": "frozen<map<int, text>>",
        "st": "text",
    }
    assert cluster.metadata.keyspaces[t].tables["t"].columns["st"].is_static
    cql.execute("ALTER TABLE t ADD IF NOT EXISTS x int")  # already there: nothing to do
    cql.execute("ALTER TABLE t ADD IF NOT EXISTS (x int, q int)")
    assert "q" in columns_of(cluster, t, "t")


# --------------------------------------------------------------------------- DROP


def test_dropped_columns_lose_their_data_for_good(cql: Session, cluster: Cluster, t: str) -> None:
    cql.execute("ALTER TABLE t DROP v")
    cql.execute("ALTER TABLE t DROP (w, l, s)")
    result = cql.execute("SELECT * FROM t")
    assert result.column_names == ["k", "c"]
    assert sorted(tuple(r) for r in result) == [(1, 1), (1, 2), (2, 1), (2, 2)]  # the rows themselves stay
    assert list(columns_of(cluster, t, "t")) == ["k", "c"]
    cql.execute("ALTER TABLE t ADD (v int, l list<int>, s int static)")  # same names, same types
    assert rows(cql, "SELECT c, v, l, s FROM t WHERE k = 1") == [(1, None, None, None), (2, None, None, None)]
    cql.execute("ALTER TABLE t ADD w bigint")  # a different type: nothing old to misread either
    assert rows(cql, "SELECT w FROM t WHERE k = 2") == [(None,), (None,)]
    cql.execute("UPDATE t SET v = 7, l = l + [3], w = 8, s = 9 WHERE k = 1 AND c = 1")
    assert rows(cql, "SELECT c, v, l, w, s FROM t WHERE k = 1") == [
        (1, 7, [3], 8, 9),
        (2, None, None, None, 9),
    ]


def test_a_dropped_column_cannot_be_written_or_read(cql: Session, t: str) -> None:
    cql.execute("ALTER TABLE t DROP v")
    refused(
        cql, t, "INSERT INTO t (k, c, v) VALUES (1, 1, 1)", InvalidRequest, "Unknown identifier v", exact=True
    )
    refused(
        cql, t, "UPDATE t SET v = 1 WHERE k = 1 AND c = 1", InvalidRequest, "Unknown identifier v", exact=True
    )
    refused(cql, t, "SELECT v FROM t", InvalidRequest, "Undefined name v in selection clause", exact=True)


def test_drops_are_recorded_in_dropped_columns(cql: Session, t: str) -> None:
    before = server_now(cql)
    cql.execute("ALTER TABLE t DROP (v, l)")
    after = server_now(cql)
    dropped = {
        r.column_name: r
        for r in cql.execute(
            "SELECT column_name, dropped_time, type FROM system_schema.dropped_columns "
            "WHERE keyspace_name = %s AND table_name = 't'",
            (t,),
        )
    }
    assert set(dropped) == {"v", "l"}
    assert (dropped["v"].type, dropped["l"].type) == ("int", "list<int>")
    for r in dropped.values():
        assert before - dt.timedelta(seconds=1) <= r.dropped_time <= after + dt.timedelta(seconds=1)


def server_now(cql: Session) -> dt.datetime:
    """The time on the server's clock (the one a drop is stamped with)."""
    (now,) = cql.execute("SELECT toTimestamp(now()) FROM system.local").one()
    assert isinstance(now, dt.datetime)
    return now


def test_drop_using_timestamp_kills_the_cells_written_until_then(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE d (id int, c1 int, v1 int, todrop int, PRIMARY KEY (id, c1))")
    for i in range(5):
        cql.execute(
            "INSERT INTO d (id, c1, v1, todrop) VALUES (%s, %s, %s, %s) USING TIMESTAMP %s",
            (1, i, i, i, 10000 * i),
        )
    cql.execute("ALTER TABLE d DROP todrop USING TIMESTAMP 20000")
    cql.execute("ALTER TABLE d ADD todrop int")
    cql.execute("INSERT INTO d (id, c1, v1, todrop) VALUES (1, 100, 100, 100) USING TIMESTAMP 30000")
    got = rows(cql, "SELECT c1, v1, todrop FROM d")
    assert got[:3] == [(0, 0, None), (1, 1, None), (2, 2, None)]
    assert got[-1] == (100, 100, 100)


def test_cells_written_after_a_drop_timestamp_show_again_when_re_added(
    cql: Session, keyspace: str, server: Any
) -> None:
    """Cassandra's rule, ScyllaDB's once its memtable is flushed (its cqlpy test
    testDropWithTimestamp flushes first: unflushed cells of a dropped column are
    discarded at the ALTER)."""
    cql.execute("CREATE TABLE d (id int, c1 int, v1 int, todrop int, st int static, PRIMARY KEY (id, c1))")
    for i in range(5):
        cql.execute(
            "INSERT INTO d (id, c1, v1, todrop, st) VALUES (%s, %s, %s, %s, %s) USING TIMESTAMP %s",
            (1, i, i, i, i, 10000 * i),
        )
    cql.execute("ALTER TABLE d DROP (todrop, st) USING TIMESTAMP 20000")
    cql.execute("ALTER TABLE d ADD (todrop int, st int static)")
    assert rows(cql, "SELECT c1, todrop, st FROM d") == [(i, i if i > 2 else None, 4) for i in range(5)]


# --------------------------------------------------------------------------- RENAME


def test_rename_primary_key_columns(cql: Session, cluster: Cluster, t: str) -> None:
    cql.execute("ALTER TABLE t RENAME c TO cc")
    cql.execute("ALTER TABLE t RENAME k TO kk AND cc TO ccc")
    assert rows(cql, "SELECT kk, ccc, v FROM t WHERE kk = 1 AND ccc = 2") == [(1, 2, 12)]
    assert cql.execute("SELECT * FROM t WHERE kk = 2").column_names == ["kk", "ccc", "s", "l", "v", "w"]
    cql.execute("INSERT INTO t (kk, ccc, v) VALUES (3, 3, 33)")
    assert rows(cql, "SELECT v FROM t WHERE kk = 3") == [(33,)]
    table = cluster.metadata.keyspaces[t].tables["t"]
    assert [c.name for c in table.partition_key] == ["kk"]
    assert [c.name for c in table.clustering_key] == ["ccc"]


# --------------------------------------------------------------------------- ALTER TYPE and WITH


def test_alter_type_to_a_compatible_type_keeps_the_data(
    cql: Session, cluster: Cluster, keyspace: str
) -> None:
    cql.execute("CREATE TABLE a (k int PRIMARY KEY, name ascii)")
    cql.execute("INSERT INTO a (k, name) VALUES (1, 'plain')")
    cql.execute("ALTER TABLE a ALTER name TYPE text")
    cql.execute("INSERT INTO a (k, name) VALUES (2, 'pâté')")
    assert sorted(rows(cql, "SELECT k, name FROM a")) == [(1, "plain"), (2, "pâté")]
    assert columns_of(cluster, keyspace, "a")["name"] == "text"


def test_alter_with_options(cql: Session, cluster: Cluster, t: str) -> None:
    cql.execute(
        "ALTER TABLE t WITH comment = 'evolved' AND default_time_to_live = 3600 AND gc_grace_seconds = 100"
    )
    row = cql.execute(
        "SELECT comment, default_time_to_live, gc_grace_seconds FROM system_schema.tables "
        "WHERE keyspace_name = %s AND table_name = 't'",
        (t,),
    ).one()
    assert tuple(row) == ("evolved", 3600, 100)
    options = cluster.metadata.keyspaces[t].tables["t"].options
    assert (options["comment"], options["default_time_to_live"], options["gc_grace_seconds"]) == (
        "evolved",
        3600,
        100,
    )
    cql.execute("INSERT INTO t (k, c, v) VALUES (9, 9, 9)")
    (ttl,) = cql.execute("SELECT ttl(v) FROM t WHERE k = 9").one()
    assert 3500 < ttl <= 3600
    assert rows(cql, "SELECT v FROM t WHERE k = 1 AND c = 1") == [(11,)]  # data untouched


# --------------------------------------------------------------------------- refusals


def test_alter_table_refusals_change_nothing(cql: Session, t: str) -> None:
    cql.execute("CREATE TABLE ct (k int PRIMARY KEY, n counter)")
    cql.execute("CREATE TABLE nock (k int PRIMARY KEY, v int)")
    cql.execute("ALTER TABLE nock DROP v")
    cql.execute("CREATE TABLE coll (k int PRIMARY KEY, m list<text>)")
    cql.execute("ALTER TABLE coll DROP m")
    cases = [
        ("ALTER TABLE t DROP k", InvalidRequest, "Cannot drop PRIMARY KEY part k"),
        ("ALTER TABLE t DROP c", InvalidRequest, "Cannot drop PRIMARY KEY part c"),
        ("ALTER TABLE t DROP (v, c)", InvalidRequest, "Cannot drop PRIMARY KEY part c"),
        ("ALTER TABLE t DROP nope", InvalidRequest, "Column nope was not found in table t"),
        ("ALTER TABLE t DROP (v, nope)", InvalidRequest, "Column nope was not found in table t"),
        (
            "ALTER TABLE t ADD v text",
            InvalidRequest,
            "Invalid column name v because it conflicts with an existing column",
        ),
        (
            "ALTER TABLE t ADD c int",
            InvalidRequest,
            "Invalid column name c because it conflicts with an existing column",
        ),
        (
            "ALTER TABLE t ADD k int",
            InvalidRequest,
            "Invalid column name k because it conflicts with a PRIMARY KEY part",
        ),
        (
            "ALTER TABLE t ADD (x int, v int)",
            InvalidRequest,
            "Invalid column name v because it conflicts with an existing column",
        ),
        (
            "ALTER TABLE nock ADD s int static",
            InvalidRequest,
            "Static columns are only useful (and thus allowed) if the table has at least one clustering column",
        ),
        (
            "ALTER TABLE t ADD n counter",
            ConfigurationException,
            "Cannot add a counter column (n) in a non counter column family",
        ),
        (
            "ALTER TABLE ct ADD v int",
            ConfigurationException,
            "Cannot add a non counter column (v) in a counter column family",
        ),
        (  # checked when the new schema is built: the first non-counter by name is named
            "ALTER TABLE ct ADD (b int, a int, m counter)",
            ConfigurationException,
            "Cannot add a non counter column (a) in a counter column family",
        ),
        (  # ... after every column's own checks
            "ALTER TABLE ct ADD (v int, k int)",
            InvalidRequest,
            "Invalid column name k because it conflicts with a PRIMARY KEY part",
        ),
        (
            "ALTER TABLE t ADD (x int, n counter)",
            ConfigurationException,
            "Cannot add a counter column (n) in a non counter column family",
        ),
        (
            "ALTER TABLE nock ADD s counter static",
            InvalidRequest,
            "Static columns are only useful (and thus allowed) if the table has at least one clustering column",
        ),
        (
            "ALTER TABLE coll ADD m map<int, int>",
            InvalidRequest,
            "Cannot add a collection with the name m because a collection with the same name and a different type "
            "has already been used in the past",
        ),
        ("ALTER TABLE t RENAME v TO vv", InvalidRequest, "Cannot rename non PRIMARY KEY part v"),
        ("ALTER TABLE t RENAME nope TO x", InvalidRequest, "Cannot rename unknown column nope in table t"),
        (
            "ALTER TABLE t RENAME c TO v",
            InvalidRequest,
            "Cannot rename column c to v in table t; another column of that name already exist",
        ),
        ("ALTER TABLE t RENAME c TO cc AND v TO vv", InvalidRequest, "Cannot rename non PRIMARY KEY part v"),
        (
            "ALTER TABLE t ALTER v TYPE text",
            ConfigurationException,
            "Cannot change v from type int to type text: types are incompatible.",
        ),
        ("ALTER TABLE t ALTER nope TYPE text", InvalidRequest, "Column nope was not found in table t"),
        (
            "ALTER TABLE t ALTER c TYPE text",
            ConfigurationException,
            "Cannot change c from type int to type text: types are not order-compatible.",
        ),
        ("ALTER TABLE t WITH nope = 1", SyntaxException, "Unknown property 'nope'"),
        (
            "ALTER TABLE ct WITH default_time_to_live = 10",
            InvalidRequest,
            "Cannot set default_time_to_live on a table with counters",
        ),
        ("ALTER TABLE nosuch ADD x int", InvalidRequest, "unconfigured table nosuch"),
    ]
    for statement, error, message in cases:
        refused(cql, t, statement, error, message, exact=True)


def test_a_counter_table_stays_one_without_counters(cql: Session, keyspace: str) -> None:
    """ScyllaDB's schema keeps its "counter" flag when the last counter column is dropped
    (schema_builder sets it for a counter column and nothing clears it), so the table
    still takes counters only, and not the dropped one back (#7831)."""
    cql.execute("CREATE TABLE cd (k int PRIMARY KEY, n counter)")
    cql.execute("UPDATE cd SET n = n + 1 WHERE k = 1")
    cql.execute("ALTER TABLE cd DROP n")
    flags = cql.execute(
        "SELECT flags FROM system_schema.tables WHERE keyspace_name = %s AND table_name = 'cd'", (keyspace,)
    ).one()[0]
    assert "counter" in flags
    refused(
        cql,
        keyspace,
        "ALTER TABLE cd ADD n counter",
        InvalidRequest,
        "Cannot re-add previously dropped counter column n",
        exact=True,
    )
    refused(
        cql,
        keyspace,
        "ALTER TABLE cd ADD v int",
        ConfigurationException,
        "Cannot add a non counter column (v) in a counter column family",
        exact=True,
    )
    cql.execute("ALTER TABLE cd ADD m counter")
    cql.execute("UPDATE cd SET m = m + 2 WHERE k = 1")
    assert rows(cql, "SELECT * FROM cd") == [(1, 2)]


def test_a_column_a_view_needs_cannot_be_dropped(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE b (k int, c int, v int, w text, PRIMARY KEY (k, c))")
    cql.execute("INSERT INTO b (k, c, v, w) VALUES (1, 1, 1, 'one')")
    cql.execute(
        "CREATE MATERIALIZED VIEW bv AS SELECT * FROM b WHERE k IS NOT NULL AND c IS NOT NULL "
        "AND v IS NOT NULL PRIMARY KEY (v, k, c)"
    )
    for column in ("w", "v"):
        refused(
            cql,
            keyspace,
            f"ALTER TABLE b DROP {column}",
            InvalidRequest,
            f"Cannot drop column {column} from base table {keyspace}.b: materialized view bv needs this column",
            exact=True,
        )
    refused(
        cql,
        keyspace,
        "ALTER TABLE bv ADD x int",
        InvalidRequest,
        "Cannot use ALTER TABLE on Materialized View",
        exact=True,
    )
    # a column added to the base of a SELECT * view shows in the view
    cql.execute("ALTER TABLE b ADD x int")
    cql.execute("INSERT INTO b (k, c, v, w, x) VALUES (2, 2, 2, 'two', 22)")
    wait_for(lambda: rows(cql, "SELECT x FROM bv WHERE v = 2") == [(22,)])


def test_views_keyed_by_base_key_columns_keep_every_regular_column(cql: Session, keyspace: str) -> None:
    """ScyllaDB refuses to drop a column that any view of the table has
    (alter_table_statement::drop_column) — and a view whose key holds no base regular
    column has every regular column: those it does not select it keeps as "virtual"
    columns, which carry the base row's liveness (create_view_statement; a column added
    later is added to the view that way too). Static columns are in no view. A secondary
    index is such a view, named ``<index>_index``: it has the indexed column, and every
    regular column when that is a primary-key column."""
    cql.execute("CREATE TABLE b (k int, c int, v int, w text, s int static, PRIMARY KEY (k, c))")
    cql.execute("INSERT INTO b (k, c, v, w, s) VALUES (1, 1, 10, 'one', 5)")
    cql.execute(
        "CREATE MATERIALIZED VIEW by_c AS SELECT k, c, v FROM b WHERE k IS NOT NULL AND c IS NOT NULL "
        "PRIMARY KEY (c, k)"
    )
    expect(cql, "SELECT c, k, v FROM by_c", [(1, 1, 10)])
    cql.execute("ALTER TABLE b ADD x int")
    for column in ("w", "x", "v"):
        refused(
            cql,
            keyspace,
            f"ALTER TABLE b DROP {column}",
            InvalidRequest,
            f"Cannot drop column {column} from base table {keyspace}.b: materialized view by_c needs this column",
            exact=True,
        )
    cql.execute("ALTER TABLE b DROP s")
    # a view keyed by a base regular column needs only the columns it has
    cql.execute("CREATE TABLE r (k int PRIMARY KEY, v int, w text)")
    cql.execute("INSERT INTO r (k, v, w) VALUES (1, 10, 'one')")
    cql.execute(
        "CREATE MATERIALIZED VIEW by_v AS SELECT k, v FROM r WHERE v IS NOT NULL AND k IS NOT NULL PRIMARY KEY (v, k)"
    )
    expect(cql, "SELECT v, k FROM by_v", [(10, 1)])
    cql.execute("ALTER TABLE r DROP w")
    refused(
        cql,
        keyspace,
        "ALTER TABLE r DROP v",
        InvalidRequest,
        f"Cannot drop column v from base table {keyspace}.r: materialized view by_v needs this column",
        exact=True,
    )
    # secondary indexes
    cql.execute("CREATE TABLE i (k int, c int, v int, w int, PRIMARY KEY (k, c))")
    cql.execute("CREATE TABLE j (k int, c int, v int, PRIMARY KEY (k, c))")
    cql.execute("INSERT INTO i (k, c, v, w) VALUES (1, 1, 10, 100)")
    cql.execute("INSERT INTO j (k, c, v) VALUES (1, 1, 10)")
    cql.execute("CREATE INDEX i_v ON i (v)")
    cql.execute("CREATE INDEX j_c ON j (c)")
    expect(cql, "SELECT k FROM i WHERE v = 10", [(1,)])
    expect(cql, "SELECT k FROM j WHERE c = 1", [(1,)])
    cql.execute("ALTER TABLE i DROP w")
    for statement, column, index in (
        ("ALTER TABLE i DROP v", "v", "i_v"),
        ("ALTER TABLE j DROP v", "v", "j_c"),
    ):
        table = statement.split()[2]
        refused(
            cql,
            keyspace,
            statement,
            InvalidRequest,
            f"Cannot drop column {column} from base table {keyspace}.{table}: "
            f"materialized view {index}_index needs this column",
            exact=True,
        )


def test_renaming_a_key_column_renames_it_in_its_views(cql: Session, keyspace: str) -> None:
    """ALTER TABLE RENAME of a base key column renames it in every view that has it
    (always in the view's key), WHERE clause included (alter_table_statement)."""
    cql.execute("CREATE TABLE b (k int, c int, v int, PRIMARY KEY (k, c))")
    cql.execute("INSERT INTO b (k, c, v) VALUES (1, 1, 10)")
    cql.execute(
        "CREATE MATERIALIZED VIEW bv AS SELECT * FROM b WHERE v IS NOT NULL AND k IS NOT NULL "
        "AND c IS NOT NULL PRIMARY KEY (v, k, c)"
    )
    expect(cql, "SELECT v, k, c FROM bv", [(10, 1, 1)])
    refused(  # checked in full before anything is renamed, in the table or its views
        cql,
        keyspace,
        "ALTER TABLE b RENAME c TO cc AND v TO vv",
        InvalidRequest,
        "Cannot rename non PRIMARY KEY part v",
        exact=True,
    )
    cql.execute("ALTER TABLE b RENAME c TO cc")
    view = cql.execute(
        "SELECT where_clause FROM system_schema.views WHERE keyspace_name = %s AND view_name = 'bv'",
        (keyspace,),
    ).one()
    assert view.where_clause == "v IS NOT null AND k IS NOT null AND cc IS NOT null"
    assert column_schema(cql, "bv", "kind") == {"v": "partition_key", "k": "clustering", "cc": "clustering"}
    assert rows(cql, "SELECT cc FROM bv WHERE v = 10") == [(1,)]
    cql.execute("INSERT INTO b (k, cc, v) VALUES (2, 2, 20)")
    expect(cql, "SELECT v, k, cc FROM bv WHERE v = 20", [(20, 2, 2)])


# --------------------------------------------------------------------------- events


def test_other_clients_see_the_change_through_schema_events(cql: Session, cluster: Cluster, t: str) -> None:
    """A second driver learns of each ALTER from the SCHEMA_CHANGE event the server
    pushes (it never runs the statement, nor asks for a refresh)."""
    other = Cluster(
        cluster.contact_points, port=cluster.port, connect_timeout=10, schema_event_refresh_window=0
    )
    try:
        other.connect()
        assert "x" not in columns_of(other, t, "t")
        cql.execute("ALTER TABLE t ADD x int")
        wait_for(lambda: "x" in columns_of(other, t, "t"))
        cql.execute("ALTER TABLE t DROP w")
        wait_for(lambda: "w" not in columns_of(other, t, "t"))
        cql.execute("ALTER TABLE t RENAME c TO cc")
        wait_for(lambda: [c.name for c in other.metadata.keyspaces[t].tables["t"].clustering_key] == ["cc"])
        cql.execute("ALTER TABLE t WITH comment = 'seen'")
        wait_for(lambda: other.metadata.keyspaces[t].tables["t"].options["comment"] == "seen")
    finally:
        other.shutdown()


def wait_for(condition: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the other client's metadata did not follow"
        time.sleep(0.05)


def test_prepared_statements_follow_the_schema(cql: Session, t: str) -> None:
    select = cql.prepare("SELECT * FROM t WHERE k = ?")
    insert = cql.prepare("INSERT INTO t (k, c, v) VALUES (?, ?, ?)")
    cql.execute("ALTER TABLE t ADD x int")
    cql.execute(insert, (5, 5, 55))
    assert cql.execute(select, (5,)).one().v == 55
    cql.execute("ALTER TABLE t DROP v")
    with pytest.raises(InvalidRequest, match=re.escape("Unknown identifier v")):
        cql.execute(insert, (5, 6, 56))
