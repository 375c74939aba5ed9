"""The ``system`` and ``system_schema`` keyspaces, generated from the live catalog.

Their tables are declared in CQL (as Cassandra 3 / ScyllaDB define them) and marked
virtual: a read materialises rows from the catalog, then runs as any other SELECT.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Protocol

from cassandra import util as cutil

from .catalog import TABLE_DEFAULTS, Catalog, Keyspace, Table
from .cql import ast, parse
from .execution import ddl
from .execution.modify import WriteContext, items_of
from .execution.read import clustering_sort_key
from .execution.terms import Execution
from .storage import Cell, TableData

RELEASE_VERSION = "3.0.8"  # what ScyllaDB reports; it selects the driver's schema parser (V3)
CQL_VERSION = "3.3.1"
NATIVE_PROTOCOL_VERSION = "4"
CLUSTER_NAME = "scylla_lite"
DATACENTER = "datacenter1"
RACK = "rack1"
HOST_ID = uuid.UUID("5c1c3b7e-7ab4-4c5f-9a62-5ee9a9f8e0a1")

_TABLE_OPTION_COLUMNS = """
    bloom_filter_fp_chance double, caching frozen<map<text, text>>, comment text,
    compaction frozen<map<text, text>>, compression frozen<map<text, text>>, crc_check_chance double,
    dclocal_read_repair_chance double, default_time_to_live int, extensions frozen<map<text, blob>>,
    gc_grace_seconds int, max_index_interval int, memtable_flush_period_in_ms int, min_index_interval int,
    read_repair_chance double, speculative_retry text"""

SCHEMA = {
    "system_schema": [
        "CREATE TABLE keyspaces (keyspace_name text PRIMARY KEY, durable_writes boolean, "
        "replication frozen<map<text, text>>)",
        f"CREATE TABLE tables (keyspace_name text, table_name text, {_TABLE_OPTION_COLUMNS}, "
        "flags frozen<set<text>>, id uuid, PRIMARY KEY (keyspace_name, table_name))",
        "CREATE TABLE columns (keyspace_name text, table_name text, column_name text, clustering_order text, "
        "column_name_bytes blob, kind text, position int, type text, "
        "PRIMARY KEY (keyspace_name, table_name, column_name))",
        "CREATE TABLE dropped_columns (keyspace_name text, table_name text, column_name text, "
        "dropped_time timestamp, type text, PRIMARY KEY (keyspace_name, table_name, column_name))",
        "CREATE TABLE indexes (keyspace_name text, table_name text, index_name text, kind text, "
        "options frozen<map<text, text>>, PRIMARY KEY (keyspace_name, table_name, index_name))",
        "CREATE TABLE triggers (keyspace_name text, table_name text, trigger_name text, "
        "options frozen<map<text, text>>, PRIMARY KEY (keyspace_name, table_name, trigger_name))",
        "CREATE TABLE types (keyspace_name text, type_name text, field_names frozen<list<text>>, "
        "field_types frozen<list<text>>, PRIMARY KEY (keyspace_name, type_name))",
        f"CREATE TABLE views (keyspace_name text, view_name text, base_table_id uuid, base_table_name text, "
        f"include_all_columns boolean, where_clause text, {_TABLE_OPTION_COLUMNS}, id uuid, "
        "PRIMARY KEY (keyspace_name, view_name))",
        "CREATE TABLE functions (keyspace_name text, function_name text, argument_types frozen<list<text>>, "
        "argument_names frozen<list<text>>, body text, called_on_null_input boolean, language text, "
        "return_type text, PRIMARY KEY (keyspace_name, function_name, argument_types))",
        "CREATE TABLE aggregates (keyspace_name text, aggregate_name text, argument_types frozen<list<text>>, "
        "final_func text, initcond text, return_type text, state_func text, state_type text, "
        "PRIMARY KEY (keyspace_name, aggregate_name, argument_types))",
        "CREATE TABLE scylla_tables (keyspace_name text, table_name text, cdc frozen<map<text, text>>, "
        "partitioner text, version uuid, PRIMARY KEY (keyspace_name, table_name))",
    ],
    "system": [
        "CREATE TABLE local (key text PRIMARY KEY, bootstrapped text, broadcast_address inet, cluster_name text, "
        "cql_version text, data_center text, gossip_generation int, host_id uuid, listen_address inet, "
        "native_protocol_version text, partitioner text, rack text, release_version text, rpc_address inet, "
        "schema_version uuid, supported_features text, tokens set<text>, truncated_at map<uuid, blob>)",
        "CREATE TABLE peers (peer inet PRIMARY KEY, data_center text, host_id uuid, preferred_ip inet, rack text, "
        "release_version text, rpc_address inet, schema_version uuid, supported_features text, tokens set<text>)",
        "CREATE TABLE peers_v2 (peer inet, peer_port int, data_center text, host_id uuid, native_address inet, "
        "native_port int, preferred_ip inet, preferred_port int, rack text, release_version text, "
        "schema_version uuid, supported_features text, tokens set<text>, PRIMARY KEY (peer, peer_port))",
        "CREATE TABLE size_estimates (keyspace_name text, table_name text, range_start text, range_end text, "
        "mean_partition_size bigint, partitions_count bigint, "
        "PRIMARY KEY (keyspace_name, table_name, range_start, range_end))",
    ],
    "system_auth": [
        "CREATE TABLE roles (role text PRIMARY KEY, can_login boolean, is_superuser boolean, "
        "member_of set<text>, salted_hash text)",
    ],
    "system_distributed": [],
    "system_traces": [
        "CREATE TABLE sessions (session_id uuid PRIMARY KEY, client inet, command text, coordinator inet, "
        "duration int, parameters map<text, text>, request text, started_at timestamp)",
        "CREATE TABLE events (session_id uuid, event_id timeuuid, activity text, source inet, "
        "source_elapsed int, thread text, PRIMARY KEY (session_id, event_id))",
    ],
}
SYSTEM_KEYSPACES = tuple(SCHEMA)
LOCAL_REPLICATION = {"class": "org.apache.cassandra.locator.LocalStrategy"}


class Node(Protocol):
    """What the system tables show of the server they run in (the engine)."""

    catalog: Catalog
    advertised_address: str
    started_at: int

    def roles_rows(self) -> list[dict[str, Any]]: ...


def install(engine: Node) -> None:
    """Create the system keyspaces and bind each table to its row generator."""
    catalog = engine.catalog
    for ks_name, statements in SCHEMA.items():
        replication = (
            LOCAL_REPLICATION
            if ks_name in ("system", "system_schema")
            else {"class": "org.apache.cassandra.locator.SimpleStrategy", "replication_factor": "1"}
        )
        catalog.keyspaces[ks_name] = Keyspace(ks_name, dict(replication), True, virtual=True)
        for text in statements:
            statement = parse(text).statement
            assert isinstance(statement, ast.CreateTable)
            ddl.create_table(catalog, ks_name, statement)
    generators: dict[tuple[str, str], Callable[[], list[dict[str, Any]]]] = {
        ("system", "local"): lambda: _local(engine),
        ("system_schema", "keyspaces"): lambda: _keyspaces(catalog),
        ("system_schema", "tables"): lambda: _tables(catalog, views=False),
        ("system_schema", "views"): lambda: _tables(catalog, views=True),
        ("system_schema", "columns"): lambda: _columns(catalog),
        ("system_schema", "dropped_columns"): lambda: _dropped(catalog),
        ("system_schema", "indexes"): lambda: _indexes(catalog),
        ("system_schema", "types"): lambda: _types(catalog),
        ("system_schema", "scylla_tables"): lambda: _scylla_tables(catalog),
        ("system_auth", "roles"): lambda: engine.roles_rows(),
    }
    for ks_name in SCHEMA:
        for table in catalog.keyspaces[ks_name].tables.values():
            table.virtual = generators.get((ks_name, table.name), list)


def materialise(table: Table, rows: list[dict[str, Any]]) -> TableData:
    """Store generated rows in a fresh TableData so SELECT reads them like any table."""
    data = TableData()
    for values in rows:
        pk = tuple(bytes(c.type.encode(values[c.name]) or b"") for c in table.partition_key)
        ck = tuple(bytes(c.type.encode(values[c.name]) or b"") for c in table.clustering)
        part = data.partition(pk, create=True)
        assert part is not None
        row = part.row(clustering_sort_key(table, ck), ck)
        row.marker = Cell(b"", 0)
        for col in table.regular_columns + table.static_columns:
            v = values.get(col.name)
            if v is None:
                continue
            target = part.static if col.kind == "static" else row
            encoded = col.type.encode(v)
            if col.type.multi_cell and encoded is not None:
                mc = target.multi(col.name)
                for k, kb, cell in items_of(col.type, encoded, WriteContext(0, 0, 0), Execution([], 0)):
                    mc.items[k] = (kb, cell)
            else:
                target.cells[col.name] = Cell(encoded, 0)
    return data


# --------------------------------------------------------------------------- generators


def _local(engine: Node) -> list[dict[str, Any]]:
    host = engine.advertised_address
    return [
        {
            "key": "local",
            "bootstrapped": "COMPLETED",
            "broadcast_address": host,
            "cluster_name": CLUSTER_NAME,
            "cql_version": CQL_VERSION,
            "data_center": DATACENTER,
            "gossip_generation": engine.started_at,
            "host_id": HOST_ID,
            "listen_address": host,
            "native_protocol_version": NATIVE_PROTOCOL_VERSION,
            "partitioner": "org.apache.cassandra.dht.Murmur3Partitioner",
            "rack": RACK,
            "release_version": RELEASE_VERSION,
            "rpc_address": host,
            "schema_version": engine.catalog.version,
            "supported_features": "",
            "tokens": {"-9223372036854775808"},
        }
    ]


def _user_keyspaces(catalog: Catalog) -> list[Keyspace]:
    return list(catalog.keyspaces.values())


def _keyspaces(catalog: Catalog) -> list[dict[str, Any]]:
    return [
        {"keyspace_name": ks.name, "durable_writes": ks.durable_writes, "replication": ks.replication}
        for ks in _user_keyspaces(catalog)
    ]


def _options(table: Table) -> dict[str, Any]:
    out = {}
    for name, default in TABLE_DEFAULTS.items():
        value = table.options.get(name, default)  # compaction class unqualified, as ScyllaDB stores it
        out[name] = value if name == "extensions" else _as_column(value, default)
    return out


def _as_column(value: Any, default: Any) -> Any:
    """``value`` as the type of its system_schema column (the type of ``default``), or the
    default: options are checked when set, but a data directory written before those
    checks may hold one of another type, and one such value must not make every read
    of system_schema.tables fail (and with it every new driver connection)."""
    if isinstance(default, dict):
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else default
    if isinstance(value, (bool, dict)):
        return default
    if isinstance(default, str):
        return str(value) if isinstance(value, (str, int, float)) else default
    try:
        number = float(value) if isinstance(default, float) else int(value)
    except (TypeError, ValueError, OverflowError):
        return default
    if isinstance(number, int) and not -(2**31) <= number < 2**31:
        return default
    return number


def _tables(catalog: Catalog, views: bool) -> list[dict[str, Any]]:
    rows = []
    for ks in _user_keyspaces(catalog):
        for t in ks.tables.values():
            if (t.view is not None) != views:
                continue
            row = {"keyspace_name": ks.name, **_options(t), "id": t.id}
            if views:
                assert t.view is not None
                base = ks.tables.get(t.view.base_table)
                row.update(
                    {
                        "view_name": t.name,
                        "base_table_name": t.view.base_table,
                        "base_table_id": base.id if base else None,
                        "include_all_columns": t.view.include_all_columns,
                        "where_clause": t.view.where_clause,
                    }
                )
            else:
                row.update(
                    {"table_name": t.name, "flags": {"compound"} if not t.compact_storage else {"dense"}}
                )
                if t.is_counter:
                    row["flags"] = row["flags"] | {"counter"}
            rows.append(row)
    return rows


def _columns(catalog: Catalog) -> list[dict[str, Any]]:
    rows = []
    for ks in _user_keyspaces(catalog):
        for t in ks.tables.values():
            for c in t.columns.values():
                order = ("asc" if c.ascending else "desc") if c.kind == "clustering" else "none"
                rows.append(
                    {
                        "keyspace_name": ks.name,
                        "table_name": t.name,
                        "column_name": c.name,
                        "clustering_order": order,
                        "column_name_bytes": c.name.encode(),
                        "kind": c.kind,
                        "position": c.position,
                        "type": c.type.cql(),
                    }
                )
    return rows


def _dropped(catalog: Catalog) -> list[dict[str, Any]]:
    rows = []
    for ks in _user_keyspaces(catalog):
        for t in ks.tables.values():
            for name, (ctype, ts) in t.dropped.items():
                rows.append(
                    {
                        "keyspace_name": ks.name,
                        "table_name": t.name,
                        "column_name": name,
                        "dropped_time": ts // 1000,
                        "type": ctype.cql(),
                    }
                )
    return rows


def _indexes(catalog: Catalog) -> list[dict[str, Any]]:
    rows = []
    for ks in _user_keyspaces(catalog):
        for t in ks.tables.values():
            for i in t.indexes.values():
                options = {"target": i.target_text, **i.options}
                kind = "COMPOSITES"
                if i.custom_class:
                    kind = "CUSTOM"
                    options["class_name"] = i.custom_class
                rows.append(
                    {
                        "keyspace_name": ks.name,
                        "table_name": t.name,
                        "index_name": i.name,
                        "kind": kind,
                        "options": options,
                    }
                )
    return rows


def _types(catalog: Catalog) -> list[dict[str, Any]]:
    return [
        {
            "keyspace_name": ks.name,
            "type_name": u.name,
            "field_names": list(u.field_names),
            "field_types": [ft.cql() for ft in u.field_types],
        }
        for ks in _user_keyspaces(catalog)
        for u in ks.types.values()
    ]


def _scylla_tables(catalog: Catalog) -> list[dict[str, Any]]:
    return [
        {"keyspace_name": ks.name, "table_name": t.name, "version": catalog.version}
        for ks in _user_keyspaces(catalog)
        for t in ks.tables.values()
    ]


__all__ = ["cutil", "install", "materialise"]
