"""The schema: keyspaces, tables, columns, user types, indexes and views.

The catalog is the single source of truth for schema; ``system_schema`` tables are
generated from it (see `system_tables`), never stored beside it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .cql import ast
from .errors import InvalidRequest
from .storage import TableData
from .types import NATIVE, CqlType

TABLE_DEFAULTS: dict[str, Any] = {
    "bloom_filter_fp_chance": 0.01,
    "caching": {"keys": "ALL", "rows_per_partition": "ALL"},
    "comment": "",
    "compaction": {"class": "SizeTieredCompactionStrategy"},
    "compression": {"sstable_compression": "org.apache.cassandra.io.compress.LZ4Compressor"},
    "crc_check_chance": 1.0,
    "dclocal_read_repair_chance": 0.0,
    "default_time_to_live": 0,
    "extensions": {},
    "gc_grace_seconds": 864000,
    "max_index_interval": 2048,
    "memtable_flush_period_in_ms": 0,
    "min_index_interval": 128,
    "read_repair_chance": 0.0,
    "speculative_retry": "99.0PERCENTILE",
}
# Options a user may set; a few ScyllaDB-only ones are accepted and kept as given.
SETTABLE_OPTIONS = set(TABLE_DEFAULTS) - {"extensions"} | {
    "cdc",
    "paxos_grace_seconds",
    "tombstone_gc",
    "synchronous_updates",
    "in_memory",
}
MAX_TTL = 630720000  # 20 years, Cassandra's limit


@dataclass
class Column:
    name: str
    type: CqlType
    kind: str  # partition_key, clustering, regular, static
    position: int = -1
    ascending: bool = True

    @property
    def is_primary_key(self) -> bool:
        return self.kind in ("partition_key", "clustering")


@dataclass
class Index:
    name: str
    table: str
    column: str
    target: str  # simple, keys, values, entries, full
    custom_class: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    partition_columns: tuple[str, ...] = ()  # a local index ((pk), col)

    @property
    def target_text(self) -> str:
        """The ``target`` option as system_schema.indexes shows it."""
        col = self.column
        if self.partition_columns:
            pk = ",".join(f'"{c}"' for c in self.partition_columns)
            return f'{{"pk":[{pk}],"ck":["{col}"]}}'
        # ScyllaDB names the collection targets; a full() index is stored as the column
        return col if self.target in ("simple", "full") else f"{self.target}({col})"


@dataclass
class View:
    base_table: str
    where_clause: str
    include_all_columns: bool
    selected: tuple[str, ...]
    # the relations of the view's WHERE clause (the rows it keeps)
    where: tuple[ast.Relation, ...] = ()
    # the base regular column in the view's primary key, if any: its cell alone decides
    # whether a view row is live (ScyllaDB's compute_row_marker)
    regular_key: str | None = None


@dataclass
class Table:
    keyspace: str
    name: str
    columns: dict[str, Column]
    options: dict[str, Any] = field(default_factory=dict)
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    view: View | None = None
    indexes: dict[str, Index] = field(default_factory=dict)
    dropped: dict[str, tuple[CqlType, int]] = field(default_factory=dict)  # name -> (type, drop ts)
    data: TableData = field(default_factory=TableData)
    virtual: Callable[[], list[dict[str, Any]]] | None = None
    compact_storage: bool = False
    # ScyllaDB's schema flag "counter": set by a counter column, never cleared (a counter
    # table whose counters were all dropped stays one: system_schema.tables' flags)
    counter: bool = False

    @property
    def partition_key(self) -> list[Column]:
        return sorted(
            (c for c in self.columns.values() if c.kind == "partition_key"), key=lambda c: c.position
        )

    @property
    def clustering(self) -> list[Column]:
        return sorted((c for c in self.columns.values() if c.kind == "clustering"), key=lambda c: c.position)

    @property
    def static_columns(self) -> list[Column]:
        return [c for c in self.columns.values() if c.kind == "static"]

    @property
    def regular_columns(self) -> list[Column]:
        return [c for c in self.columns.values() if c.kind == "regular"]

    @property
    def star_columns(self) -> list[Column]:
        """``SELECT *`` order (ScyllaDB's ``all_columns_in_select_order``): partition key,
        clustering, then static columns by name, then regular columns by name."""
        by_name = lambda c: c.name  # noqa: E731
        return (
            self.partition_key
            + self.clustering
            + sorted(self.static_columns, key=by_name)
            + sorted(self.regular_columns, key=by_name)
        )

    SELECTED = "Undefined name {name} in selection clause"
    WHERE = "Unrecognized name {name}"
    ASSIGNED = "Unknown identifier {name}"  # INSERT columns, SET, DELETE targets, IF conditions

    @property
    def is_counter(self) -> bool:
        return self.counter or any(c.type.is_counter for c in self.columns.values())

    def option(self, name: str) -> Any:
        return self.options.get(name, TABLE_DEFAULTS.get(name))

    def column(self, name: str, missing: str = "Undefined column name {name} in table {table}") -> Column:
        """The column ``name``; ``missing`` is the error message (ScyllaDB words it by
        where the name appears: ``SELECTED``, ``WHERE``, ``ASSIGNED``)."""
        col = self.columns.get(name)
        if col is None:
            raise InvalidRequest(missing.format(name=name, table=f"{self.keyspace}.{self.name}"))
        return col


@dataclass
class UserType:
    keyspace: str
    name: str
    field_names: list[str]
    field_types: list[CqlType]

    def cql_type(self, frozen: bool) -> CqlType:
        return CqlType(
            "udt",
            tuple(self.field_types),
            frozen,
            keyspace=self.keyspace,
            udt_name=self.name,
            field_names=tuple(self.field_names),
        )


@dataclass
class Keyspace:
    name: str
    replication: dict[str, str]
    durable_writes: bool = True
    tablets: dict[str, Any] | None = None
    tables: dict[str, Table] = field(default_factory=dict)
    types: dict[str, UserType] = field(default_factory=dict)
    virtual: bool = False


def _raw(t: CqlType) -> str:
    """A type as ScyllaDB prints one written by the user (user types keyspace-qualified)."""
    if t.name == "udt":
        return f"{t.keyspace}.{t.udt_name}"
    return t.cql()


def _as_written(expr: ast.TypeExpr, *params: CqlType) -> str:
    """A collection type as ScyllaDB's raw type prints it: ``frozen<set<counter>>``."""
    text = f"{expr.name}<{', '.join(_raw(p) for p in params)}>"
    return f"frozen<{text}>" if expr.frozen else text


class Catalog:
    """Keyspaces by name, plus the schema version every DDL bumps."""

    def __init__(self) -> None:
        self.keyspaces: dict[str, Keyspace] = {}
        self.version = uuid.uuid4()

    def bump(self) -> None:
        self.version = uuid.uuid4()

    def keyspace(self, name: str | None) -> Keyspace:
        if name is None:
            raise InvalidRequest(
                "No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename"
            )
        ks = self.keyspaces.get(name)
        if ks is None:
            raise InvalidRequest(f"Keyspace {name} does not exist")  # ScyllaDB's validate_keyspace
        return ks

    def table(self, keyspace: str | None, name: str) -> Table:
        ks = self.keyspace(keyspace)
        table = ks.tables.get(name)
        if table is None:
            raise InvalidRequest(f"unconfigured table {name}")
        return table

    def find_index(self, keyspace: str, name: str) -> tuple[Table, Index] | None:
        for table in self.keyspace(keyspace).tables.values():
            if name in table.indexes:
                return table, table.indexes[name]
        return None

    def resolve_type(self, expr: ast.TypeExpr, keyspace: str | None, frozen: bool = False) -> CqlType:
        """Turn a parsed type into a CqlType, resolving user types in ``keyspace``."""
        frozen = frozen or expr.frozen
        name = expr.name
        if expr.custom is not None:
            raise InvalidRequest(f"Custom types are not supported: '{expr.custom}'")
        if name == "varchar":
            name = "text"
        if name in NATIVE and not expr.params and expr.keyspace is None:
            return CqlType(name)
        # everything inside a frozen collection is frozen too (frozen<list<frozen<list<int>>>>)
        if name in ("list", "set"):
            self._arity(expr, 1)
            sub = self.resolve_type(expr.params[0], keyspace, frozen)  # type: ignore[arg-type]
            if sub.is_counter:  # ScyllaDB checks this first
                raise InvalidRequest(f"Counters are not allowed inside collections: {_as_written(expr, sub)}")
            if not frozen and sub.multi_cell:
                raise InvalidRequest(
                    "Non-frozen user types or collections are not allowed inside collections: "
                    f"{name}<{_raw(sub)}>"
                )
            return CqlType(name, (sub,), frozen)
        if name == "map":
            self._arity(expr, 2)
            k = self.resolve_type(expr.params[0], keyspace, frozen)  # type: ignore[arg-type]
            v = self.resolve_type(expr.params[1], keyspace, frozen)  # type: ignore[arg-type]
            if v.is_counter:
                raise InvalidRequest(
                    f"Counters are not allowed inside collections: {_as_written(expr, k, v)}"
                )
            if not frozen and (k.multi_cell or v.multi_cell):
                raise InvalidRequest(
                    "Non-frozen user types or collections are not allowed inside collections: "
                    f"map<{_raw(k)}, {_raw(v)}>"
                )
            return CqlType("map", (k, v), frozen)
        if name == "tuple":
            subs = tuple(self.resolve_type(p, keyspace, frozen=True) for p in expr.params)  # type: ignore[arg-type]
            return CqlType("tuple", subs, frozen=True)
        if name == "vector":
            if len(expr.params) != 2 or not isinstance(expr.params[1], int):
                raise InvalidRequest("vector type requires an element type and a dimension")
            sub = self.resolve_type(expr.params[0], keyspace)  # type: ignore[arg-type]
            dim = expr.params[1]
            if not 1 <= dim <= 16000:
                raise InvalidRequest(f"Vectors must have a dimension between 1 and 16000, not {dim}")
            return CqlType("vector", (sub,), frozen=True, size=dim)
        if name == "frozen":
            self._arity(expr, 1)
            return self.resolve_type(expr.params[0], keyspace, frozen=True)  # type: ignore[arg-type]
        ks_name = expr.keyspace or keyspace
        ks = self.keyspaces.get(ks_name or "")
        udt = ks.types.get(name) if ks else None
        if udt is None:
            raise InvalidRequest(f"Unknown type {ks_name}.{name}")
        return udt.cql_type(frozen)

    @staticmethod
    def _arity(expr: ast.TypeExpr, n: int) -> None:
        if len(expr.params) != n:
            raise InvalidRequest(f"Invalid type {expr.name}: expected {n} type parameter(s)")

    def user_types_using(self, keyspace: str, type_name: str) -> list[str]:
        """Tables and types of a keyspace that use a user type (for DROP TYPE)."""
        users: list[str] = []
        ks = self.keyspace(keyspace)

        def uses(t: CqlType) -> bool:
            return (t.name == "udt" and t.udt_name == type_name) or any(uses(p) for p in t.params)

        for table in ks.tables.values():
            if any(uses(c.type) for c in table.columns.values()):
                users.append(table.name)
        for udt in ks.types.values():
            if any(uses(t) for t in udt.field_types):
                users.append(udt.name)
        return users
