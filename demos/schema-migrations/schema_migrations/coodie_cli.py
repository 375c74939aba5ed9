"""coodie's own ``coodie migrate``, run on the demo's database — whatever port it listens on.

``coodie migrate`` takes ``--hosts`` but no port: its ``init_coodie(hosts=...)`` builds
``Cluster(hosts)``, which dials 9042. `run` calls coodie's ``main()`` unchanged, with the
``Cluster`` options that ``init_coodie`` passes through (its documented ``**kwargs``): the
database's port, and every demo's `demokit.database.cluster_options` (the driver's asyncio
reactor: on libev, the default, a process waits about 5 s at exit). On a database at 9042 the
plain ``coodie migrate`` does the same work.

Before coodie runs, `run` refuses in one line what coodie would get wrong half-way: a
``--target`` that names no pending migration (coodie would apply them all), ``--steps`` below 1
(``--steps -1`` would roll back all but one), a file in ``migrations/`` that coodie would skip
or could not load, a rollback of a migration that has no downgrade. So a bad command changes
nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.util
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from coodie.migrations import Migration, discover_migrations
from coodie.migrations.runner import MigrationInfo

#: the demo's migrations folder (``--migrations-dir`` picks another)
MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"
#: the table where coodie records what is applied
LEDGER = "_coodie_migrations"
_NAME = re.compile(r"^\d{8}_\d{3}_.+\.py$")  # coodie's own rule: YYYYMMDD_NNN_description.py


class MigrateError(click.ClickException):
    """A command refused before coodie ran, or coodie's failure: one ``Error: ...`` line."""


@dataclass(frozen=True)
class Request:
    """The ``coodie migrate`` options `run` checks before handing them over."""

    rollback: bool = False
    status: bool = False
    dry_run: bool = False
    steps: int = 1
    target: str | None = None
    migrations_dir: Path = MIGRATIONS_DIR

    @property
    def changes(self) -> bool:
        """True for an apply or a rollback that writes (not a status, not a dry run)."""
        return not (self.status or self.dry_run)


@dataclass(frozen=True)
class Outcome:
    """What one ``coodie migrate`` printed, the command line it stands for (and the port it was
    handed), and the ledger before and after."""

    code: int
    output: str
    command: str
    port: int
    applied_before: frozenset[str]
    applied_after: frozenset[str]


def parse(args: Sequence[str]) -> Request:
    """The options of ``args`` that `run` checks (coodie parses them all again, its own way)."""
    parser = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    parser.add_argument("--rollback", action="store_true")
    parser.add_argument("--status", action="store_true")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--steps", type=int, default=1)
    parser.add_argument("--target", default=None)
    parser.add_argument("--migrations-dir", type=Path, default=MIGRATIONS_DIR)
    try:
        known, _ = parser.parse_known_args(list(args))
    except argparse.ArgumentError:  # a malformed value (``--steps two``): coodie's parser explains it
        return Request()
    return Request(
        known.rollback, known.status, known.dry_run, known.steps, known.target, known.migrations_dir
    )


def migration_files(directory: Path) -> list[MigrationInfo]:
    """The migrations coodie will see in ``directory``, each checked to load as coodie loads it."""
    if not directory.is_dir():
        raise MigrateError(f"{directory}: no such migrations folder")
    for path in sorted(directory.glob("*.py")):
        if not path.name.startswith("_") and not _NAME.match(path.name):
            raise MigrateError(f"{path.name}: not named YYYYMMDD_NNN_description.py, so coodie would skip it")
    infos = discover_migrations(directory)
    seen: dict[str, str] = {}
    for info in infos:
        if info.sort_key in seen:
            raise MigrateError(
                f"{seen[info.sort_key]} and {info.name} share the prefix {info.sort_key}: their order is undefined"
            )
        seen[info.sort_key] = info.name
    for info in infos:
        load_migration(info)
    return infos


def load_migration(info: MigrationInfo) -> type[Migration]:
    """The ``ForwardMigration`` class of a migration file, imported the way coodie imports it."""
    spec = importlib.util.spec_from_file_location(f"preflight_{info.name}", info.path)
    if spec is None or spec.loader is None:
        raise MigrateError(f"{info.path.name}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # whatever the file raises: a SyntaxError, an ImportError…
        raise MigrateError(f"{info.path.name}: {type(exc).__name__}: {_one_line(exc)}") from None
    cls = getattr(module, "ForwardMigration", None)
    if not (isinstance(cls, type) and issubclass(cls, Migration)):
        raise MigrateError(
            f"{info.path.name}: defines no ForwardMigration(coodie.migrations.Migration) class"
        )
    return cls


def check(request: Request, infos: list[MigrationInfo], applied: frozenset[str]) -> None:
    """Refuse a request coodie would carry out wrongly (see the module's docstring)."""
    if request.status:
        return
    if request.rollback:
        if request.target:
            raise MigrateError("--target chooses how far to apply; a rollback goes back --steps migrations")
        if request.steps < 1:
            raise MigrateError(f"--steps must be at least 1, not {request.steps}")
        undone = [info for info in infos if info.name in applied][::-1][: request.steps]
        for info in undone:
            cls = load_migration(info)
            if not cls.reversible or cls.downgrade is Migration.downgrade:
                raise MigrateError(f"{info.name} cannot be rolled back: it has no downgrade()")
        return
    if request.target:
        pending = [i.name for i in infos if i.name not in applied]
        if any(name.startswith(request.target) for name in pending):
            return
        done = [name for name in sorted(applied) if name.startswith(request.target)]
        if done:
            raise MigrateError(f"--target {request.target}: {done[0]} is already applied")
        known = ", ".join(i.sort_key for i in infos) or "none"
        raise MigrateError(f"--target {request.target} names no migration (known: {known})")


def applied_migrations(driver: Any, keyspace: str) -> frozenset[str]:
    """The names in coodie's ledger table (none while the table does not exist: a read creates nothing)."""
    tables = driver.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", [keyspace])
    if LEDGER not in {row["table_name"] for row in tables}:
        return frozenset()
    rows = driver.execute(f'SELECT migration_name FROM {keyspace}."{LEDGER}"', [])
    return frozenset(row["migration_name"] for row in rows)


def coodie_argv(hosts: Sequence[str], keyspace: str, args: Sequence[str]) -> list[str]:
    """``coodie migrate`` with the demo's hosts, keyspace and migrations folder, then ``args``."""
    return [
        "migrate",
        "--hosts",
        *hosts,
        "--keyspace",
        keyspace,
        "--migrations-dir",
        str(MIGRATIONS_DIR),
        *args,
    ]


def command_line(argv: Sequence[str]) -> str:
    """The command a user would type (the migrations folder relative to the working directory)."""
    shown = []
    for arg in argv:
        path = Path(arg)
        if path.is_absolute() and path.is_relative_to(Path.cwd()):
            arg = str(path.relative_to(Path.cwd())) or "."
        shown.append(arg)
    return "coodie " + " ".join(shown)


@contextlib.contextmanager
def coodie_on_port(port: int) -> Iterator[None]:
    """While it lasts, coodie's ``init_coodie`` adds ``port=`` and demokit's options (the asyncio
    reactor, write timestamps) to the ``Cluster`` it builds; afterwards the coodie driver registered before is the default again
    (``coodie migrate`` registers its own and closes it)."""
    import coodie.drivers as drivers
    from coodie.exceptions import ConfigurationError

    from demokit.database import cluster_options

    try:
        previous = drivers.get_driver()
    except ConfigurationError:
        previous = None
    original = drivers.init_coodie
    drivers.init_coodie = functools.partial(original, port=port, **cluster_options())
    try:
        yield
    finally:
        drivers.init_coodie = original
        if previous is not None:
            drivers.register_driver("default", previous, default=True)


def run(keyspace: str, args: Sequence[str]) -> Outcome:
    """``coodie migrate ARGS`` on the demo's database and ``keyspace``, checked first (`check`);
    a refusal or a failure is a `MigrateError`, after which nothing changed but what coodie had
    finished (its message says what)."""
    from coodie.migrations.cli import main

    from demokit.database import database_up, ensure_coodie

    request = parse(args)
    infos = [] if request.status else migration_files(request.migrations_dir)
    driver = ensure_coodie(keyspace)
    before = applied_migrations(driver, keyspace)
    check(request, infos, before)
    _, endpoints = database_up()
    if len({e.port for e in endpoints}) > 1:
        raise MigrateError("coodie's Cluster takes one port: list contact points on a single port")
    argv = coodie_argv([e.host for e in endpoints], keyspace, args)
    printed = io.StringIO()
    try:
        with (
            coodie_on_port(endpoints[0].port),
            contextlib.redirect_stdout(printed),
            contextlib.redirect_stderr(printed),
        ):
            code = main(argv)
    except SystemExit as exit_:  # coodie's argparse: --help, or a usage error it explained
        code = exit_.code if isinstance(exit_.code, int) else 1
    except Exception as exc:
        after = applied_migrations(driver, keyspace)
        raise MigrateError(
            f"coodie migrate failed: {type(exc).__name__}: {_one_line(exc)}{_done(before, after)}"
        ) from None
    after = applied_migrations(driver, keyspace)
    return Outcome(code, printed.getvalue(), command_line(argv), endpoints[0].port, before, after)


def _done(before: frozenset[str], after: frozenset[str]) -> str:
    """What the ledger says coodie finished before it failed."""
    parts = []
    if after - before:
        parts.append(f"applied {', '.join(sorted(after - before))}")
    if before - after:
        parts.append(f"rolled back {', '.join(sorted(before - after))}")
    if not parts:
        return " (no migration was recorded as applied or rolled back)"
    return f" (before it failed, coodie {' and '.join(parts)})"


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
