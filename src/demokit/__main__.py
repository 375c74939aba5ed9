"""``python -m demokit db-up|db-down|db-status``: what the demos' Makefiles call."""

from __future__ import annotations

import sys

import click

from .backend import BackendError, choose
from .registry import KEYSPACE_ENV, DemoConfigError, keyspace_for


@click.group(help="Manage the database the demos share (SCYLLA_HOSTS, Docker, or a background scylla_lite).")
def cli() -> None:
    pass


@cli.command("db-up", help="Start the database (or find it running) and print where it is.")
@click.option(
    "--demo",
    "demo_dir",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help=f"also create the keyspace of the demo in this folder (${KEYSPACE_ENV} picks another)",
)
def db_up(demo_dir: str | None) -> None:
    from .database import create_keyspace, database_up

    kind, endpoints = database_up()
    where = f"{kind}: {', '.join(str(e) for e in endpoints)}"
    if demo_dir is not None:
        keyspace = keyspace_for(demo_dir)
        create_keyspace(keyspace)
        where += f" · keyspace {keyspace}"
    click.echo(where)


@cli.command("db-down", help="Stop the database this tool started.")
@click.option("--wipe", is_flag=True, help="also delete its data")
def db_down(wipe: bool) -> None:
    from .database import database_down

    click.echo(database_down(wipe=wipe))


@cli.command("db-status", help="Say which backend the rule picks and whether it is up.")
def db_status() -> None:
    from .database import running_lite

    kind = choose()
    if kind == "embedded":
        state = running_lite()
        click.echo(f"embedded: {'up on ' + state.host + ':' + str(state.port) if state else 'not running'}")
    else:
        click.echo(kind)


@cli.command("demos", help="List the demos (each demos/<name>/pyproject.toml's [tool.coodie-demo] table).")
@click.option("--root", type=click.Path(file_okay=False), default=None, help="where the demos live")
def list_demos(root: str | None) -> None:
    from .registry import discover

    for demo in discover(root):
        click.echo(f"{demo.name}\t{demo.kind}\tkeyspace {demo.keyspace}")


@cli.command("schema", help="Print the CQL that coodie creates for a demo's models.")
@click.argument("name")
@click.option("--root", type=click.Path(file_okay=False), default=None, help="where the demos live")
def schema(name: str, root: str | None) -> None:
    from .ddl import model_classes, schema_cql
    from .registry import find

    demo = find(name, root)
    click.echo(schema_cql(model_classes(demo.model_modules()), demo.keyspace))


def main() -> int:
    try:
        cli.main(standalone_mode=False)
    except (BackendError, DemoConfigError) as exc:
        click.echo(f"demokit: {exc}", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
