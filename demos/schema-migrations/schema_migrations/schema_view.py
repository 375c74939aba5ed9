"""The live schema (read from ``system_schema``) and the data, read and drawn with rich.

What the walkthrough and ``show`` print after each step: the dispatches table as the database
describes it now — columns, default TTL, indexes — marked against the step before (lime: new,
rose: gone), its rows, the archivists, and an index query once the index exists.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from cassandra import InvalidRequest
from coodie.migrations import diff_schema, discover_migrations, introspect_table
from coodie.schema import build_schema
from rich import box
from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from demokit.coodie_private import table_name, table_options
from schema_migrations.coodie_cli import LEDGER, MIGRATIONS_DIR, applied_migrations
from schema_migrations.models import Archivist, Dispatch
from schema_migrations.palette import LIME, PARCHMENT, ROSE, SLATE

#: how many dispatches a step shows (all of them are counted)
SHOWN_ROWS = 4
_KIND_ORDER = {"partition_key": 0, "clustering": 1, "static": 2, "regular": 3}
_KIND_LABEL = {
    "partition_key": "partition key",
    "clustering": "clustering",
    "static": "static",
    "regular": "",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    kind: str
    position: int


@dataclass(frozen=True)
class Shape:
    """A table as ``system_schema`` describes it (``exists`` False: not there at all)."""

    table: str
    exists: bool = False
    columns: tuple[Column, ...] = ()
    ttl: int = 0
    indexes: dict[str, str] = field(default_factory=dict)  # index name → target column

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def key(self) -> list[str]:
        """The primary key's columns, partition key first."""
        return [c.name for c in self.columns if c.kind in ("partition_key", "clustering")]


def read_shape(driver: Any, keyspace: str, table: str) -> Shape:
    """``table``'s columns, ``default_time_to_live`` and indexes, from ``system_schema``."""
    where = "WHERE keyspace_name = ? AND table_name = ?"
    tables = driver.execute(
        f"SELECT default_time_to_live FROM system_schema.tables {where}", [keyspace, table]
    )
    if not tables:
        return Shape(table)
    rows = driver.execute(
        f"SELECT column_name, type, kind, position FROM system_schema.columns {where}", [keyspace, table]
    )
    columns = sorted(
        (Column(r["column_name"], r["type"], r["kind"], r["position"]) for r in rows),
        key=lambda c: (_KIND_ORDER.get(c.kind, 9), c.position if c.kind != "regular" else 0, c.name),
    )
    indexes = driver.execute(
        f"SELECT index_name, options FROM system_schema.indexes {where}", [keyspace, table]
    )
    return Shape(
        table,
        True,
        tuple(columns),
        tables[0]["default_time_to_live"] or 0,
        {r["index_name"]: dict(r["options"] or {}).get("target", "") for r in indexes},
    )


def read_rows(driver: Any, keyspace: str, shape: Shape) -> list[dict[str, Any]]:
    """Every row of the table (a demo's table is small), the first entry of each partition
    first, then the second of each…: the first rows shown are of every dimension."""
    if not shape.exists:
        return []
    # the columns by name, not *: a statement prepared before an ALTER would keep its old columns
    columns = ", ".join(f'"{name}"' for name in shape.names)
    rows = driver.execute(f"SELECT {columns} FROM {keyspace}.{shape.table}", [])
    return sorted(rows, key=lambda row: tuple(row.get(name) for name in reversed(shape.key())))


def ttl_text(seconds: int) -> str:
    if not seconds:
        return "none"
    days, rest = divmod(seconds, 86_400)
    return f"{days} d" if not rest else f"{seconds:,} s"


def schema_table(shape: Shape, before: Shape | None = None) -> Group:
    """The table's columns, marked against ``before`` (lime ``+`` new, rose ``−`` gone), then its
    default TTL and indexes."""
    table = Table(
        title=f"[bold {PARCHMENT}]{shape.table}[/] [dim](system_schema)[/]",
        title_justify="left",
        border_style=SLATE,
        header_style=f"bold {LIME}",
    )
    table.add_column("column")
    table.add_column("type", style="dim")
    table.add_column("key", style=SLATE)
    earlier = {c.name: c for c in before.columns} if before is not None and before.exists else None
    for column in shape.columns:
        new = earlier is not None and column.name not in earlier
        name = f"[bold {LIME}]+ {column.name}[/]" if new else f"  {column.name}"
        table.add_row(name, column.type, _KIND_LABEL.get(column.kind, column.kind))
    for gone in [c for c in (earlier or {}).values() if c.name not in shape.names]:
        table.add_row(f"[{ROSE}]− [strike]{gone.name}[/strike][/]", f"[{ROSE}]{gone.type}[/]", "[dim]gone[/]")
    return Group(table, Text.from_markup(f"[{SLATE}]{_options(shape, before)}[/]"))


def _options(shape: Shape, before: Shape | None) -> str:
    ttl = f"default_time_to_live {ttl_text(shape.ttl)}"
    if before is not None and before.exists and before.ttl != shape.ttl:
        ttl = f"[bold {LIME if shape.ttl else ROSE}]{ttl}[/] [dim](was {ttl_text(before.ttl)})[/]"
    indexes = ", ".join(f"{name} ({target})" for name, target in sorted(shape.indexes.items())) or "none"
    if before is not None and before.exists and before.indexes != shape.indexes:
        indexes = f"[bold {LIME if shape.indexes else ROSE}]{indexes}[/]"
    return f"{ttl} · indexes: {indexes}"


def rows_table(shape: Shape, rows: list[dict[str, Any]], width: int = 80) -> Table:
    """The first `SHOWN_ROWS` rows, one line each, with every column the table has now (the
    message cut to the room ``width`` leaves it)."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, border_style=SLATE, header_style=f"bold {LIME}")
    shown = rows[:SHOWN_ROWS]
    cells = [[_cell(row.get(name)) for name in shape.names] for row in shown]
    widths = [max([len(name)] + [r[i].cell_len for r in cells]) for i, name in enumerate(shape.names)]
    if "message" in shape.names:
        at = shape.names.index("message")
        room = width - (sum(widths) - widths[at]) - (3 * len(widths) - 1)  # padding and separators
        for r in cells:
            r[at].truncate(max(8, room), overflow="ellipsis")
    for name in shape.names:
        table.add_column(name, no_wrap=True)
    for r in cells:
        table.add_row(*r)
    more = f", {len(shown)} shown" if len(rows) > len(shown) else ""
    table.caption = f"{len(rows)} rows in {shape.table}{more}"
    table.caption_justify = "left"
    return table


def _cell(value: Any) -> Text:
    return Text("null", style="dim") if value is None else Text(str(value))


def index_probe(driver: Any, keyspace: str, shape: Shape, rows: list[dict[str, Any]]) -> str | None:
    """Once ``author`` is indexed: how many dispatches one author wrote, found by the index alone."""
    index = next((name for name, target in shape.indexes.items() if target == "author"), None)
    if index is None or not rows:
        return None
    author = rows[0]["author"]
    try:
        found = driver.execute(f"SELECT author FROM {keyspace}.{shape.table} WHERE author = ?", [author])
    except InvalidRequest:  # ScyllaDB builds an index in the background: until then it is refused
        return f"{index}: still building"
    return f"SELECT … WHERE author = '{escape(author)}' → [bold {LIME}]{len(found)}[/] dispatches (through {index})"


def picture(
    driver: Any, keyspace: str, before: Shape | None = None, width: int = 80
) -> tuple[RenderableType, Shape]:
    """The dispatches' schema and rows (on ``width`` columns) and the archivists' count, now; and
    the shape, for the next step."""
    shape = read_shape(driver, keyspace, "dispatches")
    if not shape.exists:
        gone = f"[{ROSE}]dispatches and archivists do not exist[/]" if before and before.exists else ""
        return Text.from_markup(gone or "[dim]no dispatches table yet[/]"), shape
    rows = read_rows(driver, keyspace, shape)
    archivists = read_shape(driver, keyspace, "archivists")
    parts: list[RenderableType] = [schema_table(shape, before), rows_table(shape, rows, width)]
    notes = [f"archivists: {len(read_rows(driver, keyspace, archivists))} rows"] if archivists.exists else []
    probe = index_probe(driver, keyspace, shape, rows)
    notes += [probe] if probe else []
    parts += [Text.from_markup(f"[{SLATE}]{' · '.join(notes)}[/]")] if notes else []
    return Group(*parts), shape


def ledger_table(driver: Any, keyspace: str) -> Table:
    """coodie's ``_coodie_migrations`` rows beside the files in ``migrations/`` (pending ones dim)."""
    recorded: dict[str, dict[str, Any]] = {}
    if applied_migrations(driver, keyspace):
        rows = driver.execute(
            f'SELECT migration_name, applied_at, description, checksum FROM {keyspace}."{LEDGER}"', []
        )
        recorded = {row["migration_name"]: row for row in rows}
    table = Table(
        title=f"[bold {PARCHMENT}]{LEDGER}[/]",
        title_justify="left",
        border_style=SLATE,
        header_style=f"bold {LIME}",
    )
    table.add_column("")
    table.add_column("migration", no_wrap=True)
    table.add_column("applied at (UTC)", no_wrap=True)
    table.add_column("sha256", no_wrap=True)
    for info in discover_migrations(MIGRATIONS_DIR):
        row = recorded.get(info.name)
        if row is None:
            table.add_row("[dim]·[/]", f"[dim]{info.name}[/]", "[dim]pending[/]", "")
        else:
            applied_at = row["applied_at"].strftime("%Y-%m-%d %H:%M:%S") if row["applied_at"] else ""
            table.add_row(f"[{LIME}]✔[/]", info.name, applied_at, f"[dim]{(row['checksum'] or '')[:8]}[/]")
    return table


def model_drift(driver: Any, keyspace: str) -> list[str]:
    """How the live schema differs from the models, as ``coodie schema-diff --module
    schema_migrations.models`` diffs them (coodie's introspect_table and diff_schema), plus the
    default TTL, which that diff leaves out; empty at the head of history."""
    drift = []
    for model in (Archivist, Dispatch):
        table = table_name(model)
        exists, columns, indexes = asyncio.run(introspect_table(driver, keyspace, table))
        diff = diff_schema(keyspace, table, columns, build_schema(model), indexes, exists)
        if not exists:
            drift.append(f"{table}: missing")
            continue
        drift += [f"{table}: {c.change_type} column {c.name}" for c in diff.column_changes]
        drift += [f"{table}: {c.change_type} index {c.index_name}" for c in diff.index_changes]
        wanted = (table_options(model) or {}).get("default_time_to_live", 0)
        live = read_shape(driver, keyspace, table).ttl
        if live != wanted:
            drift.append(f"{table}: default_time_to_live {ttl_text(live)}, the model says {ttl_text(wanted)}")
    return drift
