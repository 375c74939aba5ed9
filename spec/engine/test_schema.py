"""Schema statements and what the driver's ``cluster.metadata`` and ``system_schema`` show."""

from __future__ import annotations

from typing import Any

import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Cluster, Session


def meta(cluster: Cluster, keyspace: str) -> Any:
    cluster.refresh_schema_metadata()
    return cluster.metadata.keyspaces[keyspace]


def column_types(table: Any) -> dict[str, str]:
    return {name: col.cql_type for name, col in table.columns.items()}


# --------------------------------------------------------------------------- keyspaces


def test_keyspaces_in_metadata_and_system_schema(cql: Session, cluster: Cluster) -> None:
    cql.execute(
        "CREATE KEYSPACE IF NOT EXISTS schema_nts WITH replication = "
        "{'class': 'NetworkTopologyStrategy', 'datacenter1': 1} AND durable_writes = false"
    )
    try:
        cql.execute(
            "CREATE KEYSPACE IF NOT EXISTS schema_nts WITH replication = "
            "{'class': 'SimpleStrategy', 'replication_factor': 3}"
        )  # exists: nothing changes
        ks = meta(cluster, "schema_nts")
        assert ks.replication_strategy.export_for_schema() == (
            "{'class': 'NetworkTopologyStrategy', 'datacenter1': '1'}"
        )
        assert ks.durable_writes is False
        row = cql.execute("SELECT * FROM system_schema.keyspaces WHERE keyspace_name = 'schema_nts'").one()
        assert row.replication == {
            "class": "org.apache.cassandra.locator.NetworkTopologyStrategy",
            "datacenter1": "1",
        }
        assert row.durable_writes is False
        cql.execute(
            "ALTER KEYSPACE schema_nts WITH replication = {'class': 'NetworkTopologyStrategy', "
            "'datacenter1': 3} AND durable_writes = true"
        )
        ks = meta(cluster, "schema_nts")
        assert ks.replication_strategy.export_for_schema() == (
            "{'class': 'NetworkTopologyStrategy', 'datacenter1': '3'}"
        )
        assert ks.durable_writes is True
    finally:
        cql.execute("DROP KEYSPACE IF EXISTS schema_nts")
    assert "schema_nts" not in meta_keyspaces(cluster)
    cql.execute("DROP KEYSPACE IF EXISTS schema_nts")  # a second time: no error
    names = {r.keyspace_name for r in cql.execute("SELECT keyspace_name FROM system_schema.keyspaces")}
    assert {"system", "system_schema"} <= names and "schema_nts" not in names
    assert set(cluster.metadata.keyspaces) == names  # the driver sees exactly the keyspaces that exist


def meta_keyspaces(cluster: Cluster) -> set[str]:
    cluster.refresh_schema_metadata()
    return set(cluster.metadata.keyspaces)


def test_tablets_option_is_accepted(cql: Session, cluster: Cluster) -> None:
    cql.execute(
        "CREATE KEYSPACE schema_tablets WITH replication = {'class': 'NetworkTopologyStrategy', "
        "'replication_factor': 1} AND tablets = {'enabled': false}"
    )
    try:
        assert "schema_tablets" in meta_keyspaces(cluster)
        cql.execute("CREATE TABLE schema_tablets.t (k int PRIMARY KEY, v int)")
        cql.execute("INSERT INTO schema_tablets.t (k, v) VALUES (1, 1)")
        assert cql.execute("SELECT v FROM schema_tablets.t WHERE k = 1").one().v == 1
    finally:
        cql.execute("DROP KEYSPACE schema_tablets")


# --------------------------------------------------------------------------- tables


def test_table_metadata(cql: Session, cluster: Cluster, keyspace: str) -> None:
    cql.execute("CREATE TYPE addr (street text, zip int)")
    cql.execute(
        "CREATE TABLE IF NOT EXISTS t (a int, b text, c timeuuid, d int, s text static, "
        "l list<int>, fl frozen<list<int>>, m map<text, frozen<set<int>>>, u addr, fu frozen<addr>, "
        "tup tuple<int, text>, vec vector<float, 3>, PRIMARY KEY ((a, b), c, d)) "
        "WITH CLUSTERING ORDER BY (c DESC, d ASC)"
    )
    cql.execute("CREATE TABLE IF NOT EXISTS t (x int PRIMARY KEY)")  # exists: unchanged
    ks = meta(cluster, keyspace)
    assert set(ks.tables) == {"t"} and set(ks.user_types) == {"addr"} and ks.views == {} and ks.indexes == {}
    table = ks.tables["t"]
    assert [c.name for c in table.partition_key] == ["a", "b"]
    assert [c.name for c in table.clustering_key] == ["c", "d"]
    assert [c.is_reversed for c in table.clustering_key] == [True, False]
    assert table.columns["s"].is_static and not table.columns["l"].is_static
    assert column_types(table) == {
        "a": "int",
        "b": "text",
        "c": "timeuuid",
        "d": "int",
        "s": "text",
        "l": "list<int>",
        "fl": "frozen<list<int>>",
        "m": "map<text, frozen<set<int>>>",
        "u": "addr",
        "fu": "frozen<addr>",
        "tup": "frozen<tuple<int, text>>",
        "vec": "vector<float, 3>",
    }
    # the driver lists the key, then the other columns in system_schema.columns order (by name)
    assert list(table.columns) == ["a", "b", "c", "d", "fl", "fu", "l", "m", "s", "tup", "u", "vec"]
    export = table.export_as_string()
    assert "PRIMARY KEY ((a, b), c, d)" in export
    assert "CLUSTERING ORDER BY (c DESC, d ASC)" in export


def test_system_schema_columns(cql: Session, keyspace: str) -> None:
    cql.execute(
        "CREATE TABLE t (k int, c text, s int static, v map<int, text>, PRIMARY KEY (k, c)) "
        "WITH CLUSTERING ORDER BY (c DESC)"
    )
    got = cql.execute(
        "SELECT column_name, clustering_order, kind, position, type FROM system_schema.columns "
        "WHERE keyspace_name = %s AND table_name = %s",
        (keyspace, "t"),
    )
    assert [tuple(r) for r in got] == [
        ("c", "desc", "clustering", 0, "text"),
        ("k", "none", "partition_key", 0, "int"),
        ("s", "none", "static", -1, "int"),
        ("v", "none", "regular", -1, "map<int, text>"),
    ]
    prepared = cql.prepare("SELECT * FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?")
    assert {r.column_name for r in cql.execute(prepared, (keyspace, "t"))} == {"k", "c", "s", "v"}
    tables = cql.execute(
        "SELECT table_name, flags FROM system_schema.tables WHERE keyspace_name = %s", (keyspace,)
    )
    assert [(r.table_name, set(r.flags)) for r in tables] == [("t", {"compound"})]


def test_table_options_are_kept_and_echoed(cql: Session, cluster: Cluster, keyspace: str) -> None:
    cql.execute(
        "CREATE TABLE o (k int PRIMARY KEY, v int) WITH default_time_to_live = 3600 "
        "AND comment = 'it''s mine' AND gc_grace_seconds = 7200 "
        "AND compaction = {'class': 'LeveledCompactionStrategy', 'sstable_size_in_mb': 160}"
    )
    options = meta(cluster, keyspace).tables["o"].options
    assert options["default_time_to_live"] == 3600
    assert options["comment"] == "it's mine"
    assert options["gc_grace_seconds"] == 7200
    assert options["compaction"] == {"class": "LeveledCompactionStrategy", "sstable_size_in_mb": "160"}
    row = cql.execute(
        "SELECT default_time_to_live, comment, gc_grace_seconds, compaction FROM system_schema.tables "
        "WHERE keyspace_name = %s AND table_name = 'o'",
        (keyspace,),
    ).one()
    assert tuple(row) == (
        3600,
        "it's mine",
        7200,
        {"class": "LeveledCompactionStrategy", "sstable_size_in_mb": "160"},
    )
    cql.execute("ALTER TABLE o WITH comment = 'changed' AND default_time_to_live = 0")
    options = meta(cluster, keyspace).tables["o"].options
    assert (options["comment"], options["default_time_to_live"], options["gc_grace_seconds"]) == (
        "changed",
        0,
        7200,
    )
    cql.execute("INSERT INTO o (k, v) VALUES (1, 1)")
    assert cql.execute("SELECT ttl(v) FROM o WHERE k = 1").one()[0] is None


def test_default_time_to_live_applies_to_writes(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE d (k int PRIMARY KEY, v int) WITH default_time_to_live = 1000")
    cql.execute("INSERT INTO d (k, v) VALUES (1, 1)")
    cql.execute("INSERT INTO d (k, v) VALUES (2, 2) USING TTL 50")
    assert 990 <= cql.execute("SELECT ttl(v) FROM d WHERE k = 1").one()[0] <= 1000
    assert 40 <= cql.execute("SELECT ttl(v) FROM d WHERE k = 2").one()[0] <= 50


def test_alter_table(cql: Session, cluster: Cluster, keyspace: str) -> None:
    cql.execute("CREATE TABLE t (k int, c int, v int, w text, PRIMARY KEY (k, c))")
    cql.execute("INSERT INTO t (k, c, v, w) VALUES (1, 1, 1, 'w')")
    cql.execute("ALTER TABLE t ADD x list<int>")
    cql.execute("ALTER TABLE t ADD (y int, z frozen<set<text>>)")
    assert column_types(meta(cluster, keyspace).tables["t"]) == {
        "k": "int",
        "c": "int",
        "v": "int",
        "w": "text",
        "x": "list<int>",
        "y": "int",
        "z": "frozen<set<text>>",
    }
    assert tuple(cql.execute("SELECT * FROM t").one()) == (1, 1, 1, "w", None, None, None)
    cql.execute("ALTER TABLE t DROP w")
    cql.execute("ALTER TABLE t DROP (x, y)")
    assert list(meta(cluster, keyspace).tables["t"].columns) == ["k", "c", "v", "z"]
    assert cql.execute("SELECT * FROM t").column_names == ["k", "c", "v", "z"]
    cql.execute("ALTER TABLE t ADD w text")  # re-added: the old values stay dropped
    assert cql.execute("SELECT w FROM t WHERE k = 1").one().w is None
    cql.execute("ALTER TABLE t RENAME c TO cc")
    table = meta(cluster, keyspace).tables["t"]
    assert [c.name for c in table.clustering_key] == ["cc"]
    assert cql.execute("SELECT cc, v FROM t WHERE k = 1 AND cc = 1").one() == (1, 1)
    dropped = cql.execute(
        "SELECT column_name, type FROM system_schema.dropped_columns WHERE keyspace_name = %s "
        "AND table_name = 't'",
        (keyspace,),
    )
    assert {(r.column_name, r.type) for r in dropped} >= {("x", "list<int>"), ("y", "int")}


def test_drop_and_truncate_table(cql: Session, cluster: Cluster, keyspace: str) -> None:
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, v int)")
    for k in range(10):
        cql.execute("INSERT INTO t (k, v) VALUES (%s, %s)", (k, k))
    cql.execute("TRUNCATE t")
    assert list(cql.execute("SELECT * FROM t")) == []
    cql.execute("INSERT INTO t (k, v) VALUES (1, 1)")
    cql.execute("TRUNCATE TABLE t")
    assert list(cql.execute("SELECT * FROM t")) == []
    assert "t" in meta(cluster, keyspace).tables
    cql.execute("DROP TABLE t")
    assert "t" not in meta(cluster, keyspace).tables
    cql.execute("DROP TABLE IF EXISTS t")
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, other text)")  # recreated: empty, new columns
    assert list(cql.execute("SELECT * FROM t")) == []
    assert column_types(meta(cluster, keyspace).tables["t"]) == {"k": "int", "other": "text"}


# --------------------------------------------------------------------------- user types


def test_user_types(cql: Session, cluster: Cluster, keyspace: str) -> None:
    cql.execute("CREATE TYPE addr (street text, zip int)")
    cql.execute("CREATE TYPE IF NOT EXISTS addr (other int)")
    cql.execute("CREATE TYPE person (name text, home frozen<addr>, phones list<text>)")
    types = meta(cluster, keyspace).user_types
    assert (types["addr"].field_names, types["addr"].field_types) == (["street", "zip"], ["text", "int"])
    assert types["person"].field_types == ["text", "frozen<addr>", "list<text>"]
    cql.execute("ALTER TYPE addr ADD city text")
    cql.execute("ALTER TYPE addr RENAME zip TO postcode")
    addr = meta(cluster, keyspace).user_types["addr"]
    assert (addr.field_names, addr.field_types) == (["street", "postcode", "city"], ["text", "int", "text"])
    rows = cql.execute(
        "SELECT type_name, field_names, field_types FROM system_schema.types WHERE keyspace_name = %s",
        (keyspace,),
    )
    assert {r.type_name: (list(r.field_names), list(r.field_types)) for r in rows} == {
        "addr": (["street", "postcode", "city"], ["text", "int", "text"]),
        "person": (["name", "home", "phones"], ["text", "frozen<addr>", "list<text>"]),
    }
    with pytest.raises(InvalidRequest):
        cql.execute("DROP TYPE addr")  # still used by person
    cql.execute("DROP TYPE person")
    cql.execute("DROP TYPE addr")
    cql.execute("DROP TYPE IF EXISTS addr")
    assert meta(cluster, keyspace).user_types == {}


def test_udt_column_values_follow_alter_type(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TYPE pt (x int)")
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, p frozen<pt>, q pt)")
    cql.execute("INSERT INTO t (k, p, q) VALUES (1, {x: 1}, {x: 2})")
    cql.execute("ALTER TYPE pt ADD y int")
    cql.execute("INSERT INTO t (k, p, q) VALUES (2, {x: 3, y: 4}, {x: 5, y: 6})")
    got = {r.k: (r.p, r.q) for r in cql.execute("SELECT k, p, q FROM t")}
    assert (got[1][0].x, got[1][1].x, got[1][1].y) == (1, 2, None)
    assert (got[2][0].x, got[2][0].y, got[2][1].x, got[2][1].y) == (3, 4, 5, 6)


# --------------------------------------------------------------------------- indexes and views


def test_indexes_and_views_in_metadata(cql: Session, cluster: Cluster, keyspace: str) -> None:
    cql.execute("CREATE TABLE base (k int, c int, v int, m map<text, int>, PRIMARY KEY (k, c))")
    cql.execute("CREATE INDEX IF NOT EXISTS base_v ON base (v)")
    cql.execute("CREATE INDEX IF NOT EXISTS base_v ON base (v)")
    cql.execute("CREATE INDEX ON base (keys(m))")
    cql.execute(
        "CREATE MATERIALIZED VIEW IF NOT EXISTS by_v AS SELECT * FROM base "
        "WHERE v IS NOT NULL AND k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (v, k, c)"
    )
    ks = meta(cluster, keyspace)
    indexes = ks.tables["base"].indexes
    assert set(indexes) == {"base_v", "base_m_idx"}
    assert indexes["base_v"].index_options["target"] == "v"
    assert indexes["base_m_idx"].index_options["target"] == "keys(m)"
    assert set(ks.indexes) == {"base_v", "base_m_idx"}
    view = ks.views["by_v"]
    assert view.base_table_name == "base" and view.include_all_columns
    assert [c.name for c in view.partition_key] == ["v"]
    assert [c.name for c in view.clustering_key] == ["k", "c"]
    assert set(ks.tables["base"].views) == {"by_v"}
    rows = cql.execute(
        "SELECT index_name, kind, options FROM system_schema.indexes WHERE keyspace_name = %s "
        "AND table_name = 'base'",
        (keyspace,),
    )
    assert {r.index_name: (r.kind, r.options["target"]) for r in rows} == {
        "base_v": ("COMPOSITES", "v"),
        "base_m_idx": ("COMPOSITES", "keys(m)"),
    }
    cql.execute("DROP INDEX base_v")
    cql.execute("DROP INDEX IF EXISTS base_v")
    cql.execute("DROP MATERIALIZED VIEW by_v")
    cql.execute("DROP MATERIALIZED VIEW IF EXISTS by_v")
    ks = meta(cluster, keyspace)
    assert set(ks.tables["base"].indexes) == {"base_m_idx"}
    assert ks.views == {} and ks.tables["base"].views == {}


def test_schema_changes_reach_the_driver_without_a_manual_refresh(
    cql: Session, cluster: Cluster, keyspace: str
) -> None:
    """Schema-change results (and events) keep the driver's metadata current: a DDL
    through the session waits for agreement and refreshes before returning."""
    cql.execute("CREATE TABLE ev (k int PRIMARY KEY)")
    assert "ev" in cluster.metadata.keyspaces[keyspace].tables
    cql.execute("ALTER TABLE ev ADD v text")
    assert "v" in cluster.metadata.keyspaces[keyspace].tables["ev"].columns
    cql.execute("DROP TABLE ev")
    assert "ev" not in cluster.metadata.keyspaces[keyspace].tables
