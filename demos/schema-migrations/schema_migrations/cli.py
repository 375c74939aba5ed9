"""The Schema Chronicle's command line (the demo's app, kind "cli").

::

    python -m schema_migrations migrate [coodie migrate options]   # coodie's CLI on the demo's database
    python -m schema_migrations show                               # ledger, live schema and data
    python -m schema_migrations walkthrough                        # rewind and replay history

``migrate`` hands its options to ``coodie migrate`` (``--status``, ``--dry-run``, ``--rollback
--steps N``, ``--target PREFIX``, ``--migrations-dir``, ``--help``), adding the hosts, port and
keyspace of the demo's database; see `schema_migrations.coodie_cli`.
"""

from __future__ import annotations

import re

import click
from rich.console import Console
from rich.markup import escape
from rich.terminal_theme import DEFAULT_TERMINAL_THEME, TerminalTheme

from demokit.registry import keyspace_for
from schema_migrations.coodie_cli import run
from schema_migrations.palette import LIME, PERSONA, SLATE, TITLE
from schema_migrations.schema_view import ledger_table, picture, read_shape

_WEB_FONT = re.compile(r',\s*url\("https?://[^"]*"\) format\("[^"]*"\)')
#: the recording's colours: the demos' dark background (#0f172a) under rich's default palette
_ANSI = [DEFAULT_TERMINAL_THEME.ansi_colors[n] for n in range(16)]
SVG_THEME = TerminalTheme(
    (15, 23, 42),
    (226, 232, 240),
    [(c.red, c.green, c.blue) for c in _ANSI[:8]],
    [(c.red, c.green, c.blue) for c in _ANSI[8:]],
)


def create_app(keyspace: str | None = None) -> click.Group:
    """The click group on ``keyspace`` (default: the demo's, or ``$SCYLLA_KEYSPACE``)."""
    keyspace = keyspace or keyspace_for(__file__)
    return click.Group(
        "schema-migrations",
        commands=[migrate, show, walkthrough_command],
        help=f"{PERSONA} — {TITLE}: coodie's migration CLI on keyspace {keyspace}.",
        context_settings={"obj": keyspace},
    )


@click.command(
    help="Run `coodie migrate` with these options on the demo's database (hosts, port and keyspace added).",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_obj
def migrate(keyspace: str, args: tuple[str, ...]) -> None:
    from demokit.database import ensure_coodie

    console = Console(highlight=False)
    before = read_shape(ensure_coodie(keyspace), keyspace, "dispatches")
    outcome = run(keyspace, list(args))
    port = "" if outcome.port == 9042 else f"   # port {outcome.port}, handed to init_coodie"
    console.print(f"[{SLATE}]$ {escape(outcome.command)}{port}[/]", soft_wrap=True)
    click.echo(outcome.output, nl=False)
    if outcome.code:
        raise SystemExit(outcome.code)
    if outcome.applied_before != outcome.applied_after:  # an apply or a rollback changed the schema
        drawing, _ = picture(ensure_coodie(keyspace), keyspace, before, console.width)
        console.print(drawing)


@click.command(help="Print coodie's ledger, the live schema (system_schema) and the data.")
@click.pass_obj
def show(keyspace: str) -> None:
    from demokit.database import ensure_coodie

    driver = ensure_coodie(keyspace)
    console = Console(highlight=False)
    console.print(ledger_table(driver, keyspace))
    drawing, _ = picture(driver, keyspace, width=console.width)
    console.print(drawing)


@click.command("walkthrough", help="Rewind history to the first migration and replay it, showing each step.")
@click.option("--svg", type=click.Path(dir_okay=False), default=None, help="also save the output as SVG")
@click.pass_obj
def walkthrough_command(keyspace: str, svg: str | None) -> None:
    from schema_migrations.walkthrough import walkthrough

    console = Console(highlight=False, record=svg is not None, width=120 if svg else None)
    walkthrough(keyspace, console)
    if svg:
        exported = console.export_svg(title=f"schema-migrations — {TITLE}", theme=SVG_THEME)
        with open(svg, "w", encoding="utf-8") as f:
            f.write(_WEB_FONT.sub("", exported))  # no web-font URL (a CDN): the SVG works offline
        console.print(f"[{LIME}]✔ saved {escape(svg)}[/]")
