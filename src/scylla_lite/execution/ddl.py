"""Schema statements: CREATE/ALTER/DROP of keyspaces, tables, types, indexes and views."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..catalog import Catalog, Column, Keyspace, Table, UserType
from ..cql import ast
from ..errors import AlreadyExists, ConfigurationException, InvalidRequest, SyntaxException
from ..results import Result, SchemaChange, Void
from ..storage import TableData
from ..types import CqlType

# CREATE/DROP INDEX and MATERIALIZED VIEW live with the data they derive
from .indexes import KNOWN_INDEX_CLASSES, create_index, drop_index
from .options import get_boolean, map_property, option_value, replication, table_options
from .views import create_view, drop_view
from .views import rename_columns as rename_view_columns


def create_keyspace(catalog: Catalog, stmt: ast.CreateKeyspace) -> Result:
    if stmt.name in catalog.keyspaces:
        if stmt.if_not_exists:
            return Void()
        raise AlreadyExists(f"Keyspace {stmt.name} already exists", stmt.name)
    _check_name(stmt.name, "Keyspace")
    options = {k: option_value(v) for k, v in stmt.options}
    unknown = set(options) - {"replication", "durable_writes", "tablets"}
    if unknown:
        raise SyntaxException(f"Unknown property '{sorted(unknown)[0]}'")
    durable = get_boolean(options["durable_writes"]) if "durable_writes" in options else True
    tablets = map_property("tablets", options["tablets"]) if "tablets" in options else None
    ks = Keyspace(stmt.name, replication(options), durable, tablets)
    catalog.keyspaces[stmt.name] = ks
    catalog.bump()
    return SchemaChange("CREATED", "KEYSPACE", stmt.name)


def alter_keyspace(catalog: Catalog, stmt: ast.AlterKeyspace) -> Result:
    ks = catalog.keyspaces.get(stmt.name)
    if ks is None:
        if stmt.if_exists:
            return Void()
        raise InvalidRequest(f"Keyspace '{stmt.name}' does not exist")
    _not_system(ks.name)
    options = {k: option_value(v) for k, v in stmt.options}
    if "replication" in options:
        ks.replication = replication(options)
    if "durable_writes" in options:
        ks.durable_writes = get_boolean(options["durable_writes"])
    if "tablets" in options:
        ks.tablets = map_property("tablets", options["tablets"])
    catalog.bump()
    return SchemaChange("UPDATED", "KEYSPACE", stmt.name)


def drop_keyspace(catalog: Catalog, stmt: ast.DropKeyspace) -> Result:
    if stmt.name not in catalog.keyspaces:
        if stmt.if_exists:
            return Void()
        raise InvalidRequest(f"Cannot drop non existing keyspace '{stmt.name}'.")
    _not_system(stmt.name)
    del catalog.keyspaces[stmt.name]
    catalog.bump()
    return SchemaChange("DROPPED", "KEYSPACE", stmt.name)


def _not_system(name: str) -> None:
    if name in ("system", "system_schema", "system_auth", "system_distributed", "system_traces"):
        raise Unauthorized_(f"{name} keyspace is not user-modifiable.")


def Unauthorized_(msg: str) -> Exception:
    from ..errors import Unauthorized

    return Unauthorized(msg)


def _check_name(name: str, what: str) -> None:

    if not re.fullmatch(r"\w+", name) or len(name) > 48:
        raise InvalidRequest(
            f'{what} name must not be empty, more than 48 characters long, or contain non-alphanumeric-underscore characters (got "{name}")'
        )


def _columns(
    catalog: Catalog,
    keyspace: str,
    stmt: ast.CreateTable | ast.CreateMaterializedView,
    defs: list[ast.ColumnDef],
) -> dict[str, Column]:
    pk = list(stmt.partition_key)
    ck = list(stmt.clustering)
    names = [d.name for d in defs]
    for n in names:
        if names.count(n) > 1:
            raise InvalidRequest(f"Multiple definition of identifier {n}")
    defined = {d.name: d for d in defs}
    for n in pk + ck:
        if n not in defined:
            raise InvalidRequest(f"Unknown definition {n} referenced in PRIMARY KEY")
    if len(set(pk + ck)) != len(pk + ck):
        dup = next(n for n in pk + ck if (pk + ck).count(n) > 1)
        raise InvalidRequest(f"Multiple definition of identifier {dup}")
    order = dict(stmt.clustering_order)
    for n in order:
        if n not in ck:
            raise InvalidRequest(
                f"Unknown column {n} in CLUSTERING ORDER BY: only clustering columns are allowed"
            )
    if order and list(order) != ck[: len(order)]:
        raise InvalidRequest(
            "The order of columns in the CLUSTERING ORDER directive must be the one of the clustering key"
        )
    columns: dict[str, Column] = {}
    counters = 0
    for d in defs:
        t = catalog.resolve_type(d.type, keyspace)
        _check_column_type(t)
        if d.name in pk or d.name in ck:
            if t.multi_cell:
                raise InvalidRequest(
                    f"Invalid non-frozen collection type for PRIMARY KEY component {d.name}"
                    if t.is_collection
                    else f"Invalid non-frozen user-defined type for PRIMARY KEY component {d.name}"
                )
            if t.is_counter:
                raise InvalidRequest(f"counter type is not supported for PRIMARY KEY part {d.name}")
            if t.name == "duration":
                raise InvalidRequest(f"duration type is not supported for PRIMARY KEY part {d.name}")
            if d.static:
                raise InvalidRequest(f"Static column {d.name} cannot be part of the PRIMARY KEY")
        if d.name in pk:
            columns[d.name] = Column(d.name, t, "partition_key", pk.index(d.name))
        elif d.name in ck:
            columns[d.name] = Column(d.name, t, "clustering", ck.index(d.name), order.get(d.name, True))
        else:
            if d.static and not ck:  # ScyllaDB's create_table_statement wording
                raise InvalidRequest(
                    "Static columns are only useful (and thus allowed) if the table has at least "
                    "one clustering column"
                )
            columns[d.name] = Column(d.name, t, "static" if d.static else "regular")
        if t.is_counter:
            counters += 1
    if counters:
        _refuse_non_counter_columns(columns.values())
    return columns


def _check_column_type(t: Any) -> None:
    """A non-frozen user type is stored field by field: its fields cannot be collections
    stored element by element too."""
    if t.name == "udt" and t.multi_cell and any(p.multi_cell for p in t.params):
        raise InvalidRequest("Non-frozen UDTs with nested non-frozen collections are not supported")


def create_table(catalog: Catalog, keyspace: str | None, stmt: ast.CreateTable) -> Result:
    ks = catalog.keyspace(stmt.keyspace or keyspace)
    if stmt.name in ks.tables:
        if stmt.if_not_exists:
            return Void()
        raise AlreadyExists(f"Table {ks.name}.{stmt.name} already exists", ks.name, stmt.name)
    _check_name(stmt.name, "Table")
    if not stmt.partition_key:
        raise InvalidRequest("No PRIMARY KEY specifed (exactly one required)")
    columns = _columns(catalog, ks.name, stmt, list(stmt.columns))
    options = table_options(stmt.options)
    if any(c.type.is_counter for c in columns.values()) and options.get("default_time_to_live"):
        raise InvalidRequest("Cannot set default_time_to_live on a table with counters")
    ks.tables[stmt.name] = Table(
        ks.name,
        stmt.name,
        columns,
        options,
        compact_storage=stmt.compact_storage,
        counter=any(c.type.is_counter for c in columns.values()),
    )
    catalog.bump()
    return SchemaChange("CREATED", "TABLE", ks.name, stmt.name)


def alter_table(catalog: Catalog, keyspace: str | None, stmt: ast.AlterTable, now_micros: int) -> Result:
    """ALTER TABLE as ScyllaDB's alter_table_statement: every change of the statement is
    checked before any is made, so a refused statement changes nothing."""
    ks = catalog.keyspace(stmt.keyspace or keyspace)
    table = ks.tables.get(stmt.name)
    if table is None:
        if stmt.if_exists:
            return Void()
        raise InvalidRequest(f"unconfigured table {stmt.name}")
    if table.view is not None:
        raise InvalidRequest("Cannot use ALTER TABLE on Materialized View")
    views = [t for t in ks.tables.values() if t.view is not None and t.view.base_table == table.name]
    if stmt.action == "add":
        _add_columns(catalog, table, views, stmt)
    elif stmt.action == "drop":
        _drop_columns(table, views, stmt, now_micros)
    elif stmt.action == "rename":
        _rename_columns(table, stmt)
        rename_view_columns(views, stmt.renames)
    elif stmt.action == "alter":
        _alter_column_type(catalog, table, views, stmt.columns[0])
    elif stmt.action == "with":
        options = table_options(stmt.options)
        if table.is_counter and options.get("default_time_to_live"):
            raise InvalidRequest("Cannot set default_time_to_live on a table with counters")
        if views and options.get("gc_grace_seconds") == 0:
            raise InvalidRequest(
                "Cannot alter gc_grace_seconds of the base table of a materialized view to 0, since this "
                "value is used to TTL undelivered updates. Setting gc_grace_seconds too low might cause "
                "undelivered updates to expire before being replayed."
            )
        table.options.update(options)
    catalog.bump()
    return SchemaChange("UPDATED", "TABLE", ks.name, table.name)


def _refuse_non_counter_columns(columns: Any) -> None:
    """A counter table holds counters only. ScyllaDB has no check of its own for this in
    CREATE or ALTER TABLE: building the new schema refuses it, naming the first static
    column, then regular column, by name, that is not a counter (schema::rebuild)."""
    offenders = sorted(
        (c for c in columns if not c.is_primary_key and not c.type.is_counter),
        key=lambda c: (c.kind != "static", c.name),
    )
    if offenders:
        raise ConfigurationException(
            f"Cannot add a non counter column ({offenders[0].name}) in a counter column family"
        )


def _add_columns(catalog: Catalog, table: Table, views: list[Table], stmt: ast.AlterTable) -> None:
    """ScyllaDB's alter_table_statement::add_column for each column in turn, then the
    checks of building the new schema."""
    added: dict[str, Column] = {}
    for d in stmt.columns:
        t = catalog.resolve_type(d.type, table.keyspace)  # prepared before add_column runs
        _check_column_type(t)
        existing = table.columns.get(d.name) or added.get(d.name)
        if existing is not None and stmt.if_column_exists:
            continue
        if d.static and not table.clustering:
            raise InvalidRequest(
                "Static columns are only useful (and thus allowed) if the table has at least one clustering column"
            )
        if existing is not None:
            raise InvalidRequest(
                f"Invalid column name {d.name} because it conflicts with a PRIMARY KEY part"
                if existing.kind == "partition_key"
                else f"Invalid column name {d.name} because it conflicts with an existing column"
            )
        dropped = table.dropped.get(d.name)
        if table.is_counter and dropped is not None:
            raise InvalidRequest(f"Cannot re-add previously dropped counter column {d.name}")
        if (
            dropped is not None
            and t.is_collection
            and t.multi_cell
            and dropped[0].is_collection
            and dropped[0].multi_cell
            and dropped[0] != t
        ):
            raise InvalidRequest(
                f"Cannot add a collection with the name {d.name} because a collection with the same name "
                "and a different type has already been used in the past"
            )
        if t.is_counter and not table.is_counter:
            raise ConfigurationException(
                f"Cannot add a counter column ({d.name}) in a non counter column family"
            )
        added[d.name] = Column(d.name, t, "static" if d.static else "regular")
    if table.is_counter:
        _refuse_non_counter_columns([*table.columns.values(), *added.values()])
    for name, col in added.items():
        dropped = table.dropped.get(name)
        if dropped is not None and dropped[0] != col.type:
            _forget_column(table, name, None)  # cells kept past the drop were of the old type
        table.columns[name] = col
        for view in views:  # a SELECT * view shows the base's new regular columns too
            assert view.view is not None
            if view.view.include_all_columns and col.kind == "regular":
                view.columns[name] = Column(name, col.type, "regular")


def _drop_columns(table: Table, views: list[Table], stmt: ast.AlterTable, now_micros: int) -> None:
    """The columns go, and with them every value they held; with USING TIMESTAMP only
    the values written at or before it (Cassandra's rule for the dropped_columns time:
    later ones show again if the column is re-added)."""
    doomed: list[Column] = []
    for name in stmt.names:
        col = table.columns.get(name)
        if col is None:
            if stmt.if_column_exists:
                continue
            raise InvalidRequest(f"Column {name} was not found in table {table.name}")
        if col.is_primary_key:
            raise InvalidRequest(f"Cannot drop PRIMARY KEY part {name}")
        needing = _view_needing(table, views, col)
        if needing is not None:
            raise InvalidRequest(
                f"Cannot drop column {name} from base table {table.keyspace}.{table.name}: "
                f"materialized view {needing} needs this column"
            )
        if any(i.column == name for i in table.indexes.values()):
            raise InvalidRequest(f"Cannot drop column {name} because it has dependent secondary indexes")
        doomed.append(col)
    for col in doomed:
        del table.columns[col.name]
        table.dropped[col.name] = (col.type, now_micros if stmt.timestamp is None else stmt.timestamp)
        _forget_column(table, col.name, stmt.timestamp)


def _view_needing(table: Table, views: list[Table], col: Column) -> str | None:
    """The first view of ``table`` that has column ``col`` (ScyllaDB's drop_column looks
    for it among each view's columns), or None.

    Besides the columns a view selects and keys on, a view keyed by base key columns only
    keeps every base regular column it does not select as a "virtual" column, which
    carries the base row's liveness (create_view_statement; alter_table_statement adds
    one for each column added later). A secondary index is such a view too, named
    ``<index>_index``: it has its indexed column, and every regular column when that is
    a primary-key column. (A collection index keys its view on a computed column; its
    dependence stays checked apart.)"""
    regular = col.kind == "regular"
    for view in views:
        assert view.view is not None
        if col.name in view.columns or (regular and view.view.regular_key is None):
            return view.name
    for index in table.indexes.values():
        if index.target not in ("simple", "full"):
            continue
        indexed = table.columns.get(index.column)
        if col.name == index.column or (regular and indexed is not None and indexed.is_primary_key):
            return f"{index.name}_index"
    return None


def _rename_columns(table: Table, stmt: ast.AlterTable) -> None:
    """Only primary-key columns can be renamed (their names are not in the cells)."""
    names = {n: n for n in table.columns}  # current name -> original name
    for old, new in stmt.renames:
        original = names.get(old)
        if original is None:
            raise InvalidRequest(f"Cannot rename unknown column {old} in table {table.name}")
        if new in names:
            raise InvalidRequest(
                f"Cannot rename column {old} to {new} in table {table.name}; another column of that name "
                "already exist"
            )
        if not table.columns[original].is_primary_key:
            raise InvalidRequest(f"Cannot rename non PRIMARY KEY part {old}")
        dependent = [i.name for i in table.indexes.values() if i.column == original]
        if dependent:
            raise InvalidRequest(
                f"Cannot rename column {old} because it has dependent secondary indexes ({', '.join(dependent)})"
            )
        names[new] = names.pop(old)
    columns = {}
    for current, original in names.items():
        col = table.columns[original]
        col.name = current
        columns[current] = col
    table.columns = columns


def _alter_column_type(catalog: Catalog, table: Table, views: list[Table], d: ast.ColumnDef) -> None:
    """ALTER ... TYPE to a type that reads the stored bytes alike (ScyllaDB's validate_alter)."""
    col = table.columns.get(d.name)
    if col is None:
        raise InvalidRequest(f"Column {d.name} was not found in table {table.name}")
    t = catalog.resolve_type(d.type, table.keyspace)
    if col.kind == "partition_key" and t.is_counter:
        raise InvalidRequest(f"counter type is not supported for PRIMARY KEY part {col.name}")
    if col.kind == "clustering":
        if not _order_compatible(t, col.type):
            raise ConfigurationException(
                f"Cannot change {col.name} from type {col.type.cql()} to type {t.cql()}: types are not "
                "order-compatible."
            )
    elif not _value_compatible(t, col.type):
        raise ConfigurationException(
            f"Cannot change {col.name} from type {col.type.cql()} to type {t.cql()}: types are incompatible."
        )
    for owner in [table, *views]:
        if d.name in owner.columns:
            owner.columns[d.name].type = t


_WIDER = {
    "text": {"ascii"},
    "blob": {"ascii", "text"},
    "varint": {"tinyint", "smallint", "int", "bigint"},
    "bigint": {"timestamp"},
    "timestamp": {"bigint"},
}


def _value_compatible(new: Any, old: Any) -> bool:
    """Can values stored as ``old`` be read as ``new``? (a blob reads any atomic value)"""
    if new == old:
        return True
    if new.name == "blob" and not old.multi_cell:
        return True
    return old.name in _WIDER.get(new.name, set()) and not old.params and not new.params


def _order_compatible(new: Any, old: Any) -> bool:
    """Do ``old`` values sort as ``new`` values do? (text, ascii and blob compare bytes)"""
    return new == old or (
        new.name in ("text", "blob") and old.name in ("ascii", "text") and new.name != old.name
    )


def _forget_column(table: Table, name: str, ts: int | None) -> None:
    """Purge a dropped column's cells written at or before ``ts`` (all of them for None),
    so re-adding the column brings none of them back."""
    from ..storage import Cell, MultiCell

    for part in table.data.partitions.values():
        for row in [part.static, *part.rows.values()]:
            cell = row.cells.get(name)
            if cell is None:
                continue
            if ts is None:
                del row.cells[name]
            elif isinstance(cell, Cell):
                if cell.ts <= ts:
                    del row.cells[name]
            elif isinstance(cell, MultiCell):
                for key in [k for k, (_, c) in cell.items.items() if c.ts <= ts]:
                    del cell.items[key]
                cell.deleted = max(cell.deleted, ts)
                if not cell.items:
                    del row.cells[name]


def drop_table(catalog: Catalog, keyspace: str | None, stmt: ast.DropTable) -> Result:
    ks = catalog.keyspace(stmt.keyspace or keyspace)
    table = ks.tables.get(stmt.name)
    if table is None or table.view is not None:
        if stmt.if_exists:
            return Void()
        raise InvalidRequest(
            f"Cannot drop non existing table '{stmt.name}' in keyspace '{ks.name}'."
            if table is None
            else "Cannot use DROP TABLE on Materialized View"
        )
    views = [t.name for t in ks.tables.values() if t.view is not None and t.view.base_table == table.name]
    if views:
        raise InvalidRequest(
            f"Cannot drop table when materialized views still depend on it ({ks.name}.{{{', '.join(views)}}})"
        )
    del ks.tables[stmt.name]
    catalog.bump()
    return SchemaChange("DROPPED", "TABLE", ks.name, stmt.name)


def truncate(catalog: Catalog, keyspace: str | None, stmt: ast.Truncate) -> Result:
    table = catalog.table(stmt.keyspace or keyspace, stmt.name)
    if table.view is not None:
        raise InvalidRequest("Cannot TRUNCATE materialized view directly; must truncate base table instead")
    if table.virtual is not None:
        raise InvalidRequest(f"Cannot truncate the system table {table.keyspace}.{table.name}")
    table.data = TableData()
    for t in catalog.keyspace(table.keyspace).tables.values():
        if t.view is not None and t.view.base_table == table.name:
            t.data = TableData()
    return Void()


def create_type(catalog: Catalog, keyspace: str | None, stmt: ast.CreateType) -> Result:
    ks = catalog.keyspace(stmt.keyspace or keyspace)
    if stmt.name in ks.types:
        if stmt.if_not_exists:
            return Void()
        raise AlreadyExists(f"A user type of name {ks.name}.{stmt.name} already exists", ks.name, stmt.name)
    names = [n for n, _ in stmt.fields]
    for n in names:
        if names.count(n) > 1:
            raise InvalidRequest(f"Duplicate field name {n} in type {stmt.name}")
    types = []
    for _, texpr in stmt.fields:
        t = catalog.resolve_type(texpr, ks.name)
        if t.is_counter:
            raise InvalidRequest("A user type cannot contain counters")
        if (
            t.name == "udt" and t.multi_cell
        ):  # non-frozen collection fields are fine (frozen<type> freezes them)
            raise InvalidRequest("A user type cannot contain non-frozen user type fields")
        types.append(t)
    ks.types[stmt.name] = UserType(ks.name, stmt.name, names, types)
    catalog.bump()
    return SchemaChange("CREATED", "TYPE", ks.name, stmt.name)


def alter_type(catalog: Catalog, keyspace: str | None, stmt: ast.AlterType) -> Result:
    ks = catalog.keyspace(stmt.keyspace or keyspace)
    udt = ks.types.get(stmt.name)
    if udt is None:
        if stmt.if_exists:
            return Void()
        raise InvalidRequest(f"No user type named {stmt.name} exists.")
    if stmt.action == "add":
        for n, texpr in stmt.fields:
            if n in udt.field_names:
                raise InvalidRequest(
                    f"Cannot add new field {n} to type {ks.name}.{udt.name}: a field of the same "
                    "name already exists"
                )
            udt.field_names.append(n)
            udt.field_types.append(catalog.resolve_type(texpr, ks.name))
    elif stmt.action == "rename":
        for old, new in stmt.renames:
            if old not in udt.field_names:
                raise InvalidRequest(f"Unknown field {old} in user type {ks.name}.{udt.name}")
            udt.field_names[udt.field_names.index(old)] = new
    else:
        raise InvalidRequest("Altering field types is no longer supported")
    _refresh_udt_columns(catalog, ks, udt)
    catalog.bump()
    return SchemaChange("UPDATED", "TYPE", ks.name, stmt.name)


def _refresh_udt_columns(catalog: Catalog, ks: Keyspace, udt: UserType) -> None:
    """Columns hold resolved types; re-resolve the ones using an altered type."""

    def fresh(t: CqlType) -> CqlType:
        """``t`` rebuilt from the current definitions of every user type it uses."""
        if t.name == "udt" and t.udt_name in ks.types:
            t = ks.types[t.udt_name].cql_type(t.frozen)
        params = tuple(fresh(p) for p in t.params)
        return t.with_params(params) if params else t

    for other in ks.types.values():  # user types holding the altered one
        other.field_types = [fresh(ft) for ft in other.field_types]
    for table in ks.tables.values():
        for col in table.columns.values():
            col.type = fresh(col.type)


def drop_type(catalog: Catalog, keyspace: str | None, stmt: ast.DropType) -> Result:
    ks = catalog.keyspace(stmt.keyspace or keyspace)
    if stmt.name not in ks.types:
        if stmt.if_exists:
            return Void()
        raise InvalidRequest(f"No user type named {stmt.name} exists.")
    users = catalog.user_types_using(ks.name, stmt.name)
    if users:
        raise InvalidRequest(f"Cannot drop user type {ks.name}.{stmt.name} as it is still used by {users[0]}")
    del ks.types[stmt.name]
    catalog.bump()
    return SchemaChange("DROPPED", "TYPE", ks.name, stmt.name)


def alter_view(catalog: Catalog, keyspace: str | None, stmt: ast.AlterMaterializedView) -> Result:
    table = catalog.table(stmt.keyspace or keyspace, stmt.name)
    if table.view is None:
        raise InvalidRequest("Cannot use ALTER MATERIALIZED VIEW on Table")
    table.options.update(table_options(stmt.options, is_view=True))
    catalog.bump()
    return SchemaChange("UPDATED", "TABLE", table.keyspace, table.name)


__all__ = [
    "KNOWN_INDEX_CLASSES",
    "create_index",
    "create_view",
    "drop_index",
    "drop_view",
]


SchemaRunner = Callable[[Catalog, "str | None", Any, int], Result]
RUNNERS: dict[type, SchemaRunner] = {
    ast.CreateKeyspace: lambda catalog, _keyspace, stmt, _now: create_keyspace(catalog, stmt),
    ast.AlterKeyspace: lambda catalog, _keyspace, stmt, _now: alter_keyspace(catalog, stmt),
    ast.DropKeyspace: lambda catalog, _keyspace, stmt, _now: drop_keyspace(catalog, stmt),
    ast.CreateTable: lambda catalog, keyspace, stmt, _now: create_table(catalog, keyspace, stmt),
    ast.AlterTable: alter_table,
    ast.DropTable: lambda catalog, keyspace, stmt, _now: drop_table(catalog, keyspace, stmt),
    ast.Truncate: lambda catalog, keyspace, stmt, _now: truncate(catalog, keyspace, stmt),
    ast.CreateType: lambda catalog, keyspace, stmt, _now: create_type(catalog, keyspace, stmt),
    ast.AlterType: lambda catalog, keyspace, stmt, _now: alter_type(catalog, keyspace, stmt),
    ast.DropType: lambda catalog, keyspace, stmt, _now: drop_type(catalog, keyspace, stmt),
    ast.CreateIndex: create_index,
    ast.DropIndex: lambda catalog, keyspace, stmt, _now: drop_index(catalog, keyspace, stmt),
    ast.CreateMaterializedView: create_view,
    ast.AlterMaterializedView: lambda catalog, keyspace, stmt, _now: alter_view(catalog, keyspace, stmt),
    ast.DropMaterializedView: lambda catalog, keyspace, stmt, _now: drop_view(catalog, keyspace, stmt),
}
"""Each schema statement's runner: (catalog, the client's keyspace, statement, now in microseconds)."""
KEYSPACE_STATEMENTS = (ast.CreateKeyspace, ast.AlterKeyspace, ast.DropKeyspace)


def run(catalog: Catalog, keyspace: str | None, stmt: ast.Statement, now: int) -> Result:
    """Run a schema statement (or TRUNCATE) on ``catalog``."""
    runner = RUNNERS.get(type(stmt))
    if runner is None:
        raise SyntaxException(f"Unsupported statement {type(stmt).__name__}")
    return runner(catalog, keyspace, stmt, now)
