"""The Cargo Drop command line (the demo's app, kind "cli").

::

    batch-importer generate --rows 10000 manifest.csv     # a deterministic sample manifest
    batch-importer import manifest.csv --unlogged          # BatchQuery, one partition per batch
    batch-importer count                                   # rows per planet, from the database

Bad rows are rejected with their line number and reason; **the good rows are still
imported** and the command exits with status 1 so a script notices. A file that cannot be
used at all (missing, not .csv/.json, malformed JSON, wrong header, no rows) is a one-line
error, exit status 1, and nothing is written.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from batch_importer.importer import (
    DEFAULT_BATCH_SIZE,
    MAX_BATCH_SIZE,
    ORANGE,
    STEEL_LIGHT,
    import_rows,
    render_report,
)
from batch_importer.manifest import MAX_ROWS, generate_records, read_manifest, write_records
from batch_importer.models import CargoItem
from demokit.coodie_private import qualified_table
from demokit.registry import keyspace_for


def _connect(keyspace: str) -> None:
    from demokit.database import ensure_coodie

    ensure_coodie(keyspace)
    CargoItem.sync_table()


_WEB_FONT = re.compile(r',\s*url\("https?://[^"]*"\) format\("[^"]*"\)')


def save_offline_svg(console: Console, path: str) -> None:
    """The recorded output as SVG, minus rich's web-font URLs (a CDN): the demo works
    offline, and the local Fira Code or a monospace fallback renders it."""
    svg = console.export_svg(title="batch-importer — The Dimensional Cargo Drop")
    with open(path, "w", encoding="utf-8") as f:
        f.write(_WEB_FONT.sub("", svg))


def _console(svg: str | None) -> Console:
    return Console(record=svg is not None, highlight=False, width=100 if svg else None)


def create_app(keyspace: str | None = None) -> click.Group:
    """The click group on ``keyspace``; a command connects (`ensure_coodie`) only when it needs to."""
    keyspace = keyspace or keyspace_for(__file__)  # [tool.coodie-demo], or $SCYLLA_KEYSPACE
    return click.Group(
        "batch-importer",
        commands=[generate, import_, count],
        help=f"📦 LOADMASTER — import cargo manifests into keyspace {keyspace} with BatchQuery.",
        context_settings={"obj": keyspace},  # what each command's @click.pass_obj receives
    )


@click.command(help="Write a deterministic sample manifest (.csv or .json) of ROWS rows.")
@click.option("--rows", type=click.IntRange(1, MAX_ROWS), default=10_000, show_default=True)
@click.option("--planets", type=click.IntRange(1, 10), default=10, show_default=True)
@click.argument("path", type=click.Path(dir_okay=False))
def generate(rows: int, planets: int, path: str) -> None:
    if Path(path).suffix.lower() not in (".csv", ".json"):
        raise click.ClickException(f"{path}: use a .csv or .json file name")
    write_records(path, generate_records(rows, planets=planets))
    click.secho(f"✔ wrote {rows:,} rows over {planets} planet(s) to {path}", fg="green")


@click.command("import", help="Import a .csv/.json manifest; bad rows are rejected, good rows imported.")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--logged/--unlogged",
    default=True,
    show_default=True,
    help="BEGIN BATCH (batchlog, all-or-nothing across replicas) or BEGIN UNLOGGED BATCH",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, MAX_BATCH_SIZE),
    default=DEFAULT_BATCH_SIZE,
    show_default=True,
    help="statements per batch (every batch holds one partition)",
)
@click.option("--workers", type=click.IntRange(1, 32), default=4, show_default=True)
@click.option("--svg", type=click.Path(dir_okay=False), default=None, help="also save the output as SVG")
@click.pass_context
def import_(
    ctx: click.Context, path: str, logged: bool, batch_size: int, workers: int, svg: str | None
) -> None:
    console = _console(svg)
    manifest = read_manifest(path)  # a file-level error stops here: nothing written
    colour = ORANGE if logged else STEEL_LIGHT
    kind = "LOGGED" if logged else "UNLOGGED"
    console.print(
        f"[bold {ORANGE}][📦 LOADMASTER][/]  Importing cargo manifest [bold]{escape(Path(path).name)}[/]: "
        f"{manifest.total:,} rows, [{colour}]{kind}[/] batches of ≤ {batch_size}"
    )
    _connect(ctx.obj)
    report = import_rows(
        [doc for _, doc in manifest.rows],
        logged=logged,
        batch_size=batch_size,
        workers=workers,
        console=console,
    )
    report.rejects = manifest.rejects
    render_report(report, console)
    if svg:
        save_offline_svg(console, svg)
    if report.rejects:
        ctx.exit(1)


@click.command(help="Rows per planet, counted by the database (SELECT COUNT(*) per partition).")
@click.pass_obj
def count(keyspace: str) -> None:
    _connect(keyspace)
    Console(highlight=False).print(planet_counts())


def planet_counts() -> Table:
    """Rows per planet, each counted by the database (``SELECT COUNT(*)`` on its partition)."""
    from coodie.drivers import get_driver

    rows = get_driver().execute(f"SELECT DISTINCT planet FROM {qualified_table(CargoItem)}", [])
    table = Table(title=f"[bold {ORANGE}]cargo per planet", border_style=STEEL_LIGHT)
    table.add_column("planet", style="bold")
    table.add_column("rows", justify="right")
    total = 0
    for planet in sorted(r["planet"] for r in rows):
        n = CargoItem.find(planet=planet).count()
        total += n
        table.add_row(escape(planet), f"{n:,}")
    table.add_section()
    table.add_row("total", f"[bold green]{total:,}")
    return table
