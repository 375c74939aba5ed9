"""Materialized views: CREATE/DROP MATERIALIZED VIEW and keeping view rows in step.

A view is a table (`Table.view` set) whose rows are derived from its base table's: one
view row per live base row that has every view key column set and passes the view's
WHERE clause. `ViewMaintainer` rebuilds the view row of each base row the write path
touches (see `derived`), and removes the one it derived before when the row died or
its view key changed.

A view row copies its base cells as they are: values, timestamps and expiry, so it
expires with them. Its liveness (row marker) is, as in ScyllaDB's compute_row_marker,
the cell of the base regular column in the view key when there is one (and a dead
marker then hides the whole row, see `read.live_row`), or else the base row's own
liveness: its marker and every cell, selected or not (ScyllaDB's virtual columns).
"""

from __future__ import annotations

import re

from sortedcontainers import SortedDict

from ..catalog import Catalog, Column, Table, View
from ..cql import ast
from ..errors import AlreadyExists, InvalidRequest
from ..results import Result, SchemaChange, Void
from ..storage import NO_DELETION, Cell, MultiCell, Partition, partition_key_bytes
from . import derived
from .derived import Position
from .options import table_options
from .read import LiveRow, clustering_sort_key
from .terms import Compiler, Execution, term_text
from .where import Restriction, Where, compile_where, matches, matches_clustering

ViewKey = tuple[tuple[bytes, ...], tuple[bytes, ...]]  # (view partition key, view clustering key)


def views_of(catalog: Catalog, table: Table) -> list[Table]:
    ks = catalog.keyspaces.get(table.keyspace)
    if ks is None or table.view is not None:
        return []
    return [t for t in ks.tables.values() if t.view is not None and t.view.base_table == table.name]


class ViewMaintainer:
    """Keeps one view's rows in step with its base table (see `derived`). Its state maps
    each base row's position to the key of the view row derived from it."""

    static = False

    def __init__(self, catalog: Catalog | None, base: Table, view: Table) -> None:
        assert view.view is not None
        self.base = base
        self.view = view
        self.key = f"view:{view.name}"
        self.regular_key = view.view.regular_key
        compiler = Compiler(catalog=catalog, keyspace=base.keyspace)
        self.where: Where = compile_where(compiler, base, view.view.where)
        self.ex = Execution([], 0)
        self.cells = [c for c in view.columns.values() if c.kind == "regular"]

    def new_state(self) -> dict[Position, ViewKey]:
        return {}

    def refresh(
        self, state: dict[Position, ViewKey], part: Partition, pos: Position, live: LiveRow | None, now: int
    ) -> None:
        new = self._key(live) if live is not None and self._selected(live) else None
        row = part.rows.get(pos[2]) if new is not None else None
        marker = self._marker(part, pos, live, now) if new is not None and row is not None else None
        if marker is None:
            new = None
        old = state.get(pos)
        if old is not None and old != new:
            self._remove(old)
        if new is None or row is None or marker is None:
            state.pop(pos, None)
            return
        state[pos] = new
        shadow = max(part.row_shadow(pos[2]), row.deleted)
        vpk, vck = new
        vpart = self.view.data.partition(vpk, create=True)
        assert vpart is not None
        vrow = vpart.row(clustering_sort_key(self.view, vck), vck)
        vrow.marker = marker
        vrow.deleted = NO_DELETION
        vrow.cells = {}
        for col in self.cells:
            copied = _copy(row.cells.get(col.name), shadow, now)
            if copied is not None:
                vrow.cells[col.name] = copied

    def _selected(self, live: LiveRow) -> bool:
        """Is the base row one the view's WHERE clause keeps?"""
        if live.clustering is None:
            return False  # a static-only row: views hold no static data
        ex, where = self.ex, self.where
        for r in where.clustering:
            if not matches_clustering(r, live.clustering, self.base.clustering, ex, r.values(ex)):
                return False
        return all(matches(r, live.values.get(r.column.name), ex) for r in where.partition + where.others)

    def _key(self, live: LiveRow) -> ViewKey | None:
        """The view row's key, or None when a view key column is null."""
        view = self.view
        pk = tuple(live.values.get(c.name) for c in view.partition_key)
        ck = tuple(live.values.get(c.name) for c in view.clustering)
        if any(v is None for v in pk + ck):
            return None
        return pk, ck  # type: ignore[return-value]

    def _marker(self, part: Partition, pos: Position, live: LiveRow | None, now: int) -> Cell | None:
        """The view row's liveness: the view key's base regular cell, or the base row's."""
        if self.regular_key is not None:
            cell = live.cells.get(self.regular_key) if live is not None else None
            return None if cell is None else Cell(b"", cell.ts, cell.ttl, cell.expires)
        row = part.rows[pos[2]]
        shadow = max(part.row_shadow(pos[2]), row.deleted)
        contributors: list[Cell] = []
        if row.marker is not None and row.marker.ts > shadow and row.marker.live(now):
            contributors.append(row.marker)
        for name, cell in row.cells.items():
            col = self.base.columns.get(name)
            if col is None or col.kind != "regular":
                continue
            if isinstance(cell, MultiCell):
                contributors.extend(c for _, c in cell.live_items(now, shadow))
            elif cell.ts > shadow and cell.live(now):
                contributors.append(cell)
        if not contributors:
            return None
        ts = max(c.ts for c in contributors)
        if any(not c.expires for c in contributors):
            return Cell(b"", ts)
        last = max(contributors, key=lambda c: c.expires)
        return Cell(b"", ts, last.ttl, last.expires)

    def _remove(self, key: ViewKey) -> None:
        vpk, vck = key
        data = self.view.data
        vpart = data.partition(vpk)
        if vpart is None:
            return
        vpart.rows.pop(clustering_sort_key(self.view, vck), None)
        if not vpart.rows:
            del data.partitions[(vpart.token, partition_key_bytes(vpk))]


def maintainers_of(catalog: Catalog, table: Table) -> list[derived.Maintainer]:
    """The derived-data family of materialized views (`derived.DerivedData`)."""
    return [ViewMaintainer(catalog, table, view) for view in views_of(catalog, table)]


def _copy(cell: Cell | MultiCell | None, shadow: int, now: int) -> Cell | MultiCell | None:
    """A base cell as the view holds it: its live part, with timestamp and expiry."""
    if cell is None:
        return None
    if isinstance(cell, MultiCell):
        items = SortedDict()
        floor = max(shadow, cell.deleted)
        for sort_key, (kb, c) in cell.items.items():
            if c.ts > floor and c.live(now):
                items[sort_key] = (kb, Cell(c.value, c.ts, c.ttl, c.expires))
        return MultiCell(items) if items else None
    if cell.ts <= shadow or not cell.live(now):
        return None
    return Cell(cell.value, cell.ts, cell.ttl, cell.expires)


# --------------------------------------------------------------------------- DDL


def create_view(catalog: Catalog, keyspace: str | None, stmt: ast.CreateMaterializedView, now: int) -> Result:
    """ScyllaDB's create_view_statement: its checks in its order, then the view is built
    from the base table's data."""
    ks = catalog.keyspace(stmt.keyspace or keyspace)
    options = table_options(stmt.options, is_view=True)
    base = _view_base(catalog, ks.name, stmt)
    included = [base.column(n, UNKNOWN_VIEW_COLUMN) for n in stmt.columns or ()]
    where = compile_where(Compiler(catalog=catalog, keyspace=ks.name), base, stmt.where)
    not_null = {r.lhs.name for r in stmt.where if r.op == "IS NOT" and isinstance(r.lhs, ast.ColumnRef)}
    restricted = not_null | {c.name for r in _restrictions(where) for c in r.columns}
    key, regular_key = _view_key(base, stmt, restricted)
    _check_view_columns(base, stmt, included, key)
    filtered = [c for c in base.star_columns if c.name in {r.column.name for r in _non_key(where)}]
    if filtered and not (len(filtered) == 1 and filtered[0] is regular_key):
        raise InvalidRequest(
            f"Non-primary key columns cannot be restricted in the SELECT statement used for materialized "
            f"view {stmt.name} creation (got restrictions on: {', '.join(c.name for c in filtered)})"
        )
    if stmt.name in ks.tables:
        if stmt.if_not_exists:
            return Void()
        raise AlreadyExists(
            f'Cannot add already existing table "{stmt.name}" to keyspace "{ks.name}"', ks.name, stmt.name
        )
    columns = _view_columns(base, stmt, included)
    view = Table(
        ks.name,
        stmt.name,
        columns,
        options,
        view=View(
            base.name,
            where_clause_text(stmt.where),
            stmt.columns is None,
            tuple(c.name for c in included) if included else tuple(columns),
            stmt.where,
            regular_key.name if regular_key is not None else None,
        ),
    )
    ks.tables[stmt.name] = view
    catalog.bump()
    derived.build(base, ViewMaintainer(catalog, base, view), now // 1_000_000)
    return SchemaChange("CREATED", "TABLE", ks.name, stmt.name)


UNKNOWN_VIEW_COLUMN = "Unknown column name detected in CREATE MATERIALIZED VIEW statement: {name}"


def _view_base(catalog: Catalog, keyspace: str, stmt: ast.CreateMaterializedView) -> Table:
    """The base table, if a view may be made of it."""
    base_ks = stmt.base_keyspace or keyspace
    if base_ks != keyspace:
        raise InvalidRequest(
            f"Cannot create a materialized view on a table in a separate keyspace ('{base_ks}' != '{keyspace}')"
        )
    base = catalog.table(base_ks, stmt.base_table)
    if base.is_counter:
        raise InvalidRequest("Materialized views are not supported on counter tables")
    if base.view is not None:
        raise InvalidRequest("Materialized views cannot be created against other materialized views")
    if base.option("gc_grace_seconds") == 0:
        raise InvalidRequest(
            f"Cannot create materialized view '{stmt.name}' for base table '{base.name}' with "
            "gc_grace_seconds of 0, since this value is used to TTL undelivered updates. Setting "
            "gc_grace_seconds too low might cause undelivered updates to expire before being replayed."
        )
    return base


def _view_key(
    base: Table, stmt: ast.CreateMaterializedView, restricted: set[str]
) -> tuple[list[Column], Column | None]:
    """The view's primary key columns, and the one non-key base column among them if any."""
    key: list[Column] = []
    regular_key: Column | None = None
    for name in stmt.partition_key + stmt.clustering:
        col = base.column(name, UNKNOWN_VIEW_COLUMN)
        if col in key:
            raise InvalidRequest(f"Duplicate entry found in PRIMARY KEY: {name}")
        key.append(col)
        if col.type.multi_cell:
            raise InvalidRequest(f"Cannot use MultiCell column '{name}' in PRIMARY KEY of materialized view")
        if col.type.name == "duration":
            raise InvalidRequest(f"Cannot use Duration column '{name}' in PRIMARY KEY of materialized view")
        if col.kind == "static":
            raise InvalidRequest(f"Cannot use Static column '{name}' in PRIMARY KEY of materialized view")
        if not col.is_primary_key:
            if regular_key is not None:
                raise InvalidRequest(
                    f"Cannot include more than one non-primary key column '{name}' in materialized view primary key"
                )
            regular_key = col
        # a base partition key of one column is never null
        alone = col.kind == "partition_key" and len(base.partition_key) == 1
        if not alone and name not in restricted:
            raise InvalidRequest(f"Primary key column '{name}' is required to be filtered by 'IS NOT NULL'")
    return key, regular_key


def _check_view_columns(
    base: Table, stmt: ast.CreateMaterializedView, included: list[Column], key: list[Column]
) -> None:
    """No static column selected, every base key column in the view's key, and a
    clustering order only for the view's clustering columns."""
    missing = []
    for col in base.partition_key + base.clustering + base.static_columns + base.regular_columns:
        if (not included or col in included) and col.kind == "static":
            raise InvalidRequest(
                f"Unable to include static column '{col.name}' which would be included by Materialized "
                "View SELECT * statement"
            )
        if col.is_primary_key and col not in key:
            missing.append(col.name)
    if missing:
        raise InvalidRequest(
            f"Cannot create Materialized View {stmt.name} without primary key columns from base "
            f"{base.name} ({', '.join(missing)})"
        )
    for name, _ in stmt.clustering_order:
        if name not in stmt.clustering:
            raise InvalidRequest(
                f"CLUSTERING ORDER BY lists {name} which is not a clustering column in the view"
            )


def _view_columns(base: Table, stmt: ast.CreateMaterializedView, included: list[Column]) -> dict[str, Column]:
    """The view's columns: its key in the order given, then the selected base columns."""
    order = dict(stmt.clustering_order)
    columns: dict[str, Column] = {}
    for i, name in enumerate(stmt.partition_key):
        columns[name] = Column(name, base.columns[name].type, "partition_key", i)
    for i, name in enumerate(stmt.clustering):
        columns[name] = Column(name, base.columns[name].type, "clustering", i, order.get(name, True))
    for col in included or base.partition_key + base.clustering + base.regular_columns:
        if col.name not in columns:
            columns[col.name] = Column(col.name, col.type, "regular")
    return columns


def rename_columns(views: list[Table], renames: tuple[tuple[str, str], ...]) -> None:
    """ALTER TABLE RENAME of base key columns: the views' columns (always in their keys)
    and WHERE clauses follow, as in ScyllaDB."""
    for view in views:
        assert view.view is not None
        changed = False
        for old, new in renames:
            col = view.columns.get(old)
            if col is None:
                continue
            col.name = new
            view.columns = {new if n == old else n: c for n, c in view.columns.items()}
            changed = True
        if not changed:
            continue
        mapping = dict(renames)
        v = view.view
        v.where = tuple(_renamed(rel, mapping) for rel in v.where)
        v.where_clause = where_clause_text(v.where)
        v.selected = tuple(mapping.get(n, n) for n in v.selected)


def _renamed(rel: ast.Relation, mapping: dict[str, str]) -> ast.Relation:
    lhs = rel.lhs
    if isinstance(lhs, ast.ColumnRef):
        lhs = ast.ColumnRef(mapping.get(lhs.name, lhs.name))
    elif isinstance(lhs, ast.TupleRef):
        lhs = ast.TupleRef(tuple(mapping.get(c, c) for c in lhs.columns))
    elif isinstance(lhs, ast.TokenRef):
        lhs = ast.TokenRef(tuple(mapping.get(c, c) for c in lhs.columns))
    return ast.Relation(lhs, rel.op, rel.rhs)


def where_clause_text(relations: tuple[ast.Relation, ...]) -> str:
    """The WHERE clause as system_schema.views shows it: ScyllaDB prints each relation
    back (``v IS NOT null AND k = 1``)."""
    out = []
    for rel in relations:
        lhs = rel.lhs
        if isinstance(lhs, ast.ColumnRef):
            left = maybe_quote(lhs.name)
        elif isinstance(lhs, ast.TupleRef):
            left = "(" + ", ".join(maybe_quote(c) for c in lhs.columns) + ")"
        elif isinstance(lhs, ast.TokenRef):
            left = "token(" + ", ".join(maybe_quote(c) for c in lhs.columns) + ")"
        elif isinstance(lhs, ast.ElementRef):
            left = f"{maybe_quote(lhs.column)}[{term_text(lhs.key)}]"
        else:
            left = str(lhs)
        if isinstance(rel.rhs, tuple):
            right = "(" + ", ".join(term_text(t) for t in rel.rhs) + ")"
        else:
            right = term_text(rel.rhs)
        out.append(f"{left} {rel.op} {right}")
    return " AND ".join(out)


def maybe_quote(name: str) -> str:
    return name if re.fullmatch(r"[a-z][a-z0-9_]*", name) else '"' + name.replace('"', '""') + '"'


def _restrictions(where: Where) -> list[Restriction]:
    return where.partition + where.clustering + where.others + where.token


def _non_key(where: Where) -> list[Restriction]:
    return [r for r in where.others if not r.column.is_primary_key]


def drop_view(catalog: Catalog, keyspace: str | None, stmt: ast.DropMaterializedView) -> Result:
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
    base = ks.tables.get(table.view.base_table)
    if base is not None:
        derived.forget(base.data, f"view:{stmt.name}")
    catalog.bump()
    return SchemaChange("DROPPED", "TABLE", ks.name, stmt.name)
