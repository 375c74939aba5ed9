"""Schema statements: CREATE/ALTER/DROP of keyspaces, tables, types, indexes and views."""

from __future__ import annotations

import time
from typing import Any

from ..catalog import MAX_TTL, SETTABLE_OPTIONS, Catalog, Column, Index, Keyspace, Table, UserType, View
from ..cql import ast
from ..errors import AlreadyExists, ConfigurationException, InvalidRequest, SyntaxException
from ..results import SchemaChange, Void
from ..storage import TableData
from ..types import literal_value, native

TEXT = native("text")


def option_value(term: ast.Term) -> Any:
    """A WITH option's value as Python: maps of strings, numbers, strings, booleans."""
    if isinstance(term, ast.Literal):
        if term.kind == "integer":
            return int(term.value)
        if term.kind == "float":
            return float(term.value)
        if term.kind == "boolean":
            return term.value.lower() == "true"
        return term.value
    if isinstance(term, ast.MapLiteral):
        return {str(option_value(k)): _stringify(option_value(v)) for k, v in term.items}
    if isinstance(term, ast.UdtLiteral):
        return {k: _stringify(option_value(v)) for k, v in term.fields}
    raise SyntaxException(f"Invalid option value {term}")


def _stringify(v: Any) -> Any:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return v


def _replication(options: dict[str, Any]) -> dict[str, str]:
    rep = options.get("replication")
    if not isinstance(rep, dict):
        raise ConfigurationException("Missing mandatory replication strategy class")
    rep = {k: str(v) for k, v in rep.items()}
    cls = rep.get("class", "")
    short = cls.rsplit(".", 1)[-1]
    if short == "SimpleStrategy":
        if "replication_factor" not in rep:
            raise ConfigurationException("SimpleStrategy requires a replication_factor strategy option.")
        _check_rf(rep["replication_factor"])
        unknown = set(rep) - {"class", "replication_factor"}
        if unknown:
            raise ConfigurationException(
                f"Unrecognized strategy option {{{sorted(unknown)[0]}}} passed to SimpleStrategy for keyspace"
            )
    elif short == "NetworkTopologyStrategy":
        for k, v in rep.items():
            if k != "class":
                _check_rf(v)
    elif short in ("LocalStrategy", "EverywhereStrategy"):
        pass
    else:
        raise ConfigurationException(
            f"Unable to find replication strategy class 'org.apache.cassandra.locator.{short}'"
        )
    rep["class"] = f"org.apache.cassandra.locator.{short}"
    return rep


def _check_rf(v: str) -> None:
    try:
        if int(v) < 0:
            raise ValueError
    except ValueError:
        raise ConfigurationException(f"Replication factor must be non-negative integer; found {v}") from None


def create_keyspace(catalog: Catalog, stmt: ast.CreateKeyspace) -> Any:
    if stmt.name in catalog.keyspaces:
        if stmt.if_not_exists:
            return Void()
        raise AlreadyExists(f"Keyspace {stmt.name} already exists", stmt.name)
    _check_name(stmt.name, "Keyspace")
    options = {k: option_value(v) for k, v in stmt.options}
    unknown = set(options) - {"replication", "durable_writes", "tablets"}
    if unknown:
        raise SyntaxException(f"Unknown property '{sorted(unknown)[0]}'")
    ks = Keyspace(
        stmt.name, _replication(options), bool(options.get("durable_writes", True)), options.get("tablets")
    )
    catalog.keyspaces[stmt.name] = ks
    catalog.bump()
    return SchemaChange("CREATED", "KEYSPACE", stmt.name)


def alter_keyspace(catalog: Catalog, stmt: ast.AlterKeyspace) -> Any:
    ks = catalog.keyspaces.get(stmt.name)
    if ks is None:
        if stmt.if_exists:
            return Void()
        raise InvalidRequest(f"Keyspace '{stmt.name}' does not exist")
    _not_system(ks.name)
    options = {k: option_value(v) for k, v in stmt.options}
    if "replication" in options:
        ks.replication = _replication(options)
    if "durable_writes" in options:
        ks.durable_writes = bool(options["durable_writes"])
    if "tablets" in options:
        ks.tablets = options["tablets"]
    catalog.bump()
    return SchemaChange("UPDATED", "KEYSPACE", stmt.name)


def drop_keyspace(catalog: Catalog, stmt: ast.DropKeyspace) -> Any:
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
    import re

    if not re.fullmatch(r"\w+", name) or len(name) > 48:
        raise InvalidRequest(
            f'{what} name must not be empty, more than 48 characters long, or contain non-alphanumeric-underscore characters (got "{name}")'
        )


def table_options(stmt_options: tuple[tuple[str, ast.Term], ...], is_view: bool = False) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for name, term in stmt_options:
        if name not in SETTABLE_OPTIONS:
            raise SyntaxException(f"Unknown property '{name}'")
        value = option_value(term)
        if name == "default_time_to_live":
            if not isinstance(value, int) or value < 0:
                raise ConfigurationException(
                    f"default_time_to_live must be greater than or equal to 0 (got {value})"
                )
            if value > MAX_TTL:
                raise ConfigurationException(
                    f"default_time_to_live must be less than or equal to {MAX_TTL} (got {value})"
                )
            if is_view and value:
                raise InvalidRequest(
                    "Cannot set or alter default_time_to_live for a materialized view. Data in a "
                    "materialized view always expire at the same time than the corresponding "
                    "data in the parent table."
                )
        if name == "gc_grace_seconds" and (not isinstance(value, int) or value < 0):
            raise ConfigurationException(f"gc_grace_seconds must be greater than or equal to 0 (got {value})")
        if name in ("compaction", "compression", "caching") and not isinstance(value, dict):
            raise SyntaxException(f"Invalid value for property '{name}'")
        if name == "compaction" and "class" not in value:
            raise ConfigurationException("Missing sub-option 'class' for the 'compaction' option.")
        if name == "compaction":
            cls = value["class"].rsplit(".", 1)[-1]
            known = {
                "SizeTieredCompactionStrategy",
                "LeveledCompactionStrategy",
                "TimeWindowCompactionStrategy",
                "IncrementalCompactionStrategy",
                "DateTieredCompactionStrategy",
                "NullCompactionStrategy",
            }
            if cls not in known:
                raise ConfigurationException(f"Unable to find compaction strategy class '{value['class']}'")
            value = {**value, "class": cls}
        options[name] = value
    return options


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
                raise InvalidRequest(f"counter type is not supported for PRIMARY KEY column '{d.name}'")
            if t.name == "duration":
                raise InvalidRequest(f"duration type is not supported for PRIMARY KEY column '{d.name}'")
            if d.static:
                raise InvalidRequest(f"Static column {d.name} cannot be part of the PRIMARY KEY")
        if d.name in pk:
            columns[d.name] = Column(d.name, t, "partition_key", pk.index(d.name))
        elif d.name in ck:
            columns[d.name] = Column(d.name, t, "clustering", ck.index(d.name), order.get(d.name, True))
        else:
            if d.static and not ck:
                raise InvalidRequest(
                    f"Static column {d.name} cannot be added to a table without clustering columns"
                )
            columns[d.name] = Column(d.name, t, "static" if d.static else "regular")
        if t.is_counter:
            counters += 1
    if counters and counters != len([c for c in columns.values() if not c.is_primary_key]):
        raise InvalidRequest("Cannot mix counter and non counter columns in the same table")
    return columns


def _check_column_type(t: Any) -> None:
    """A non-frozen user type is stored field by field: its fields cannot be collections
    stored element by element too."""
    if t.name == "udt" and t.multi_cell and any(p.multi_cell for p in t.params):
        raise InvalidRequest("Non-frozen UDTs with nested non-frozen collections are not supported")


def create_table(catalog: Catalog, keyspace: str | None, stmt: ast.CreateTable) -> Any:
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
    ks.tables[stmt.name] = Table(ks.name, stmt.name, columns, options, compact_storage=stmt.compact_storage)
    catalog.bump()
    return SchemaChange("CREATED", "TABLE", ks.name, stmt.name)


def alter_table(catalog: Catalog, keyspace: str | None, stmt: ast.AlterTable, now_micros: int) -> Any:
    ks = catalog.keyspace(stmt.keyspace or keyspace)
    table = ks.tables.get(stmt.name)
    if table is None:
        if stmt.if_exists:
            return Void()
        raise InvalidRequest(f"unconfigured table {stmt.name}")
    if table.view is not None:
        raise InvalidRequest("Cannot use ALTER TABLE on Materialized View")
    if stmt.action == "add":
        for d in stmt.columns:
            if d.name in table.columns:
                if stmt.if_column_exists:
                    continue
                raise InvalidRequest(
                    f"Invalid column name {d.name} because it conflicts with an existing column"
                )
            t = catalog.resolve_type(d.type, ks.name)
            _check_column_type(t)
            if d.static and not table.clustering:
                raise InvalidRequest(
                    "Static columns are only useful (and thus allowed) if the table has at least "
                    "one clustering column"
                )
            if t.is_counter != table.is_counter and table.columns.keys() - {
                c.name for c in table.partition_key + table.clustering
            }:
                raise InvalidRequest(
                    f"Cannot add a counter column ({d.name}) in a non counter column family"
                    if t.is_counter
                    else f"Cannot add a non counter column ({d.name}) in a counter column family"
                )
            dropped = table.dropped.get(d.name)
            if (
                dropped is not None
                and dropped[0].cql() != t.cql()
                and (t.multi_cell or dropped[0].multi_cell) is not False
            ):
                raise InvalidRequest(
                    f"Cannot re-add previously dropped column '{d.name}' of type {t.cql()}, "
                    f"incompatible with previous type {dropped[0].cql()}"
                )
            table.columns[d.name] = Column(d.name, t, "static" if d.static else "regular")
    elif stmt.action == "drop":
        for name in stmt.names:
            col = table.columns.get(name)
            if col is None:
                if stmt.if_column_exists:
                    continue
                raise InvalidRequest(f"Column {name} was not found in table {table.name}")
            if col.is_primary_key:
                raise InvalidRequest(f"Cannot drop PRIMARY KEY part {name}")
            if any(i.column == name for i in table.indexes.values()):
                raise InvalidRequest(f"Cannot drop column {name} because it has dependent secondary indexes")
            del table.columns[name]
            table.dropped[name] = (col.type, now_micros)
            _forget_column(table, name, now_micros)
    elif stmt.action == "rename":
        for old, new in stmt.renames:
            col = table.columns.get(old)
            if col is None:
                raise InvalidRequest(f"Column {old} was not found in table {table.name}")
            if not col.is_primary_key:
                raise InvalidRequest(f"Cannot rename non PRIMARY KEY part {old}")  # ScyllaDB's wording
            if new in table.columns:
                raise InvalidRequest(
                    f"Cannot rename column {old} to {new} in table {table.name}; another column "
                    f"of that name already exist"
                )
            del table.columns[old]
            col.name = new
            table.columns[new] = col
    elif stmt.action == "alter":
        raise InvalidRequest("Altering column types is no longer supported")
    elif stmt.action == "with":
        table.options.update(table_options(stmt.options))
    catalog.bump()
    return SchemaChange("UPDATED", "TABLE", ks.name, table.name)


def _forget_column(table: Table, name: str, ts: int) -> None:
    """A dropped column's data is gone: a later ADD of the same name reads nothing old."""
    for part in table.data.partitions.values():
        part.static.cells.pop(name, None)
        for row in part.rows.values():
            row.cells.pop(name, None)


def drop_table(catalog: Catalog, keyspace: str | None, stmt: ast.DropTable) -> Any:
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


def truncate(catalog: Catalog, keyspace: str | None, stmt: ast.Truncate) -> Any:
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


def create_type(catalog: Catalog, keyspace: str | None, stmt: ast.CreateType) -> Any:
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


def alter_type(catalog: Catalog, keyspace: str | None, stmt: ast.AlterType) -> Any:
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
    from ..types import CqlType, _replace

    def fresh(t: CqlType) -> CqlType:
        """``t`` rebuilt from the current definitions of every user type it uses."""
        if t.name == "udt" and t.udt_name in ks.types:
            t = ks.types[t.udt_name].cql_type(t.frozen)
        params = tuple(fresh(p) for p in t.params)
        return _replace(t, params=params) if params else t

    for other in ks.types.values():  # user types holding the altered one
        other.field_types = [fresh(ft) for ft in other.field_types]
    for table in ks.tables.values():
        for col in table.columns.values():
            col.type = fresh(col.type)


def drop_type(catalog: Catalog, keyspace: str | None, stmt: ast.DropType) -> Any:
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


KNOWN_INDEX_CLASSES: set[str] = set()  # custom index classes the engine implements (vector: a later issue)


def create_index(catalog: Catalog, keyspace: str | None, stmt: ast.CreateIndex) -> Any:
    table = catalog.table(stmt.keyspace or keyspace, stmt.table)
    ks = catalog.keyspace(table.keyspace)
    if table.view is not None:
        raise InvalidRequest("Secondary indexes are not supported on materialized views")
    if len(stmt.targets) != 1:
        raise InvalidRequest("Only CUSTOM indexes support multiple columns")
    target = stmt.targets[0]
    col = table.column(target.column)
    name = stmt.name or f"{table.name}_{col.name}_idx"
    for t in ks.tables.values():
        if name in t.indexes:
            if stmt.if_not_exists:
                return Void()
            raise InvalidRequest(f"Index {name} already exists")
        if t.name == name:
            raise InvalidRequest(f"Index {name} conflicts with table {t.name}")
    if stmt.custom_class is not None and stmt.custom_class not in KNOWN_INDEX_CLASSES:
        raise InvalidRequest(f"Non-supported custom class '{stmt.custom_class}' provided")
    kind = target.kind
    if col.type.multi_cell and kind == "simple":
        kind = "keys" if False else ("values" if col.type.name in ("list", "set", "map") else kind)
    if kind in ("keys", "entries") and col.type.name != "map":
        raise InvalidRequest(f"Cannot create index on {kind} of column {col.name} with non-map type")
    if kind == "full" and not (col.type.frozen and col.type.is_collection):
        raise InvalidRequest("full() indexes can only be created on frozen collections")
    if kind in ("keys", "values", "entries") and not col.type.multi_cell:
        raise InvalidRequest(
            f"Cannot create {kind}() index on frozen column {col.name}. Frozen collections only "
            "support full() indexes"
        )
    if col.kind == "partition_key" and len(table.partition_key) == 1 and not stmt.partition_columns:
        raise InvalidRequest(f"Cannot create secondary index on the only partition key column {col.name}")
    if col.type.is_counter:
        raise InvalidRequest("Cannot create secondary index on counter column")
    for existing in table.indexes.values():
        if (
            existing.column == col.name
            and existing.target == kind
            and existing.partition_columns == stmt.partition_columns
            and stmt.custom_class is None
        ):
            if stmt.if_not_exists:
                return Void()
            raise InvalidRequest(f"Index {existing.name} is a duplicate of existing index {existing.name}")
    options = {k: str(option_value(v)) for k, v in stmt.options}
    table.indexes[name] = Index(
        name, table.name, col.name, kind, stmt.custom_class, options, stmt.partition_columns
    )
    catalog.bump()
    return SchemaChange("UPDATED", "TABLE", ks.name, table.name)


def drop_index(catalog: Catalog, keyspace: str | None, stmt: ast.DropIndex) -> Any:
    ks_name = stmt.keyspace or keyspace
    found = catalog.find_index(ks_name, stmt.name) if ks_name else None
    if found is None:
        if stmt.if_exists:
            return Void()
        raise InvalidRequest(
            f"Index '{stmt.name}' could not be found in any of the tables of keyspace '{ks_name}'"
        )
    table, index = found
    del table.indexes[index.name]
    catalog.bump()
    return SchemaChange("UPDATED", "TABLE", table.keyspace, table.name)


def create_view(
    catalog: Catalog, keyspace: str | None, stmt: ast.CreateMaterializedView, where_text: str
) -> Any:
    ks = catalog.keyspace(stmt.keyspace or keyspace)
    base = catalog.table(stmt.base_keyspace or ks.name, stmt.base_table)
    if base.keyspace != ks.name:
        raise InvalidRequest("Cannot create a materialized view on a table in a separate keyspace")
    if stmt.name in ks.tables:
        if stmt.if_not_exists:
            return Void()
        raise AlreadyExists(
            f'Cannot add already existing table "{stmt.name}" to keyspace "{ks.name}"', ks.name, stmt.name
        )
    if base.view is not None:
        raise InvalidRequest("Materialized views cannot be created against other materialized views")
    if base.is_counter:
        raise InvalidRequest("Materialized views are not supported on counter tables")
    selected = list(stmt.columns) if stmt.columns is not None else [c.name for c in base.star_columns]
    for n in selected:
        base.column(n)
    key = list(stmt.partition_key) + list(stmt.clustering)
    for n in key:
        if (
            n not in selected
            and stmt.columns is not None
            and n not in [c.name for c in base.partition_key + base.clustering]
        ):
            raise InvalidRequest(f"Unknown column name detected in CREATE MATERIALIZED VIEW statement: {n}")
    base_key = [c.name for c in base.partition_key + base.clustering]
    missing = [n for n in base_key if n not in key]
    if missing:
        raise InvalidRequest(
            f"Cannot create Materialized View {stmt.name} without primary key columns from base "
            f"{base.name} ({', '.join(missing)})"
        )
    non_pk = [n for n in key if n not in base_key]
    if len(non_pk) > 1:
        raise InvalidRequest(
            f"Cannot include more than one non-primary key column in materialized view primary "
            f"key (got {', '.join(non_pk)})"
        )
    not_null = {r.lhs.name for r in stmt.where if r.op == "IS NOT" and isinstance(r.lhs, ast.ColumnRef)}
    for n in key:
        if n not in not_null:
            raise InvalidRequest(f"Primary key column '{n}' is required to be filtered by 'IS NOT NULL'")
    defs = []
    for n in dict.fromkeys(key + selected):
        c = base.column(n)
        if c.kind == "static":
            raise InvalidRequest(
                f"Unable to include static column '{n}' which would be included by Materialized "
                f"View SELECT * statement"
                if stmt.columns is None
                else f"Cannot include static column '{n}' in materialized view"
            )
        defs.append(ast.ColumnDef(n, ast.TypeExpr("__resolved__")))
    shim = ast.CreateTable(
        ks.name, stmt.name, tuple(defs), stmt.partition_key, stmt.clustering, stmt.clustering_order
    )
    columns: dict[str, Column] = {}
    order = dict(stmt.clustering_order)
    for d in defs:
        bc = base.columns[d.name]
        if d.name in stmt.partition_key:
            columns[d.name] = Column(d.name, bc.type, "partition_key", stmt.partition_key.index(d.name))
        elif d.name in stmt.clustering:
            columns[d.name] = Column(
                d.name, bc.type, "clustering", stmt.clustering.index(d.name), order.get(d.name, True)
            )
        else:
            columns[d.name] = Column(d.name, bc.type, "regular")
    del shim
    options = table_options(stmt.options, is_view=True)
    view = Table(
        ks.name,
        stmt.name,
        columns,
        options,
        view=View(base.name, where_text, stmt.columns is None, tuple(selected)),
    )
    ks.tables[stmt.name] = view
    catalog.bump()
    return SchemaChange("CREATED", "TABLE", ks.name, stmt.name)


def drop_view(catalog: Catalog, keyspace: str | None, stmt: ast.DropMaterializedView) -> Any:
    ks = catalog.keyspace(stmt.keyspace or keyspace)
    table = ks.tables.get(stmt.name)
    if table is None or table.view is None:
        if stmt.if_exists:
            return Void()
        raise InvalidRequest(
            f"Materialized view '{stmt.name}' could not be found in keyspace '{ks.name}'"
            if table is None
            else "Cannot use DROP MATERIALIZED VIEW on Table"
        )
    del ks.tables[stmt.name]
    catalog.bump()
    return SchemaChange("DROPPED", "TABLE", ks.name, stmt.name)


def alter_view(catalog: Catalog, keyspace: str | None, stmt: ast.AlterMaterializedView) -> Any:
    table = catalog.table(stmt.keyspace or keyspace, stmt.name)
    if table.view is None:
        raise InvalidRequest("Cannot use ALTER MATERIALIZED VIEW on Table")
    table.options.update(table_options(stmt.options, is_view=True))
    catalog.bump()
    return SchemaChange("UPDATED", "TABLE", table.keyspace, table.name)


def drop_time() -> int:
    return time.time_ns() // 1000


__all__ = ["TEXT", "literal_value"]
