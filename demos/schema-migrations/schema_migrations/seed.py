"""Seed the Schema Chronicle: ``seed(count=N)`` records N dispatches (and the archivists who
wrote them); ``seed(feed=path)`` loads a CSV/JSON file of dispatches — strictly: one bad record is
a one-line error and nothing is written.

The rows are written through the models, which describe the head of history, so the seed first
brings the schema there with coodie's `MigrationRunner` — the runner ``coodie migrate`` drives —
applying whatever is pending (all six migrations in a new keyspace). It never calls
``sync_table``: in this demo the migrations own the schema.
"""

from __future__ import annotations

import asyncio
import itertools

from coodie.drivers import get_driver
from coodie.migrations import MigrationRunner
from pydantic import ValidationError
from rich.console import Console

from demokit.progress import SeedProgress
from demokit.seed import FeedError, check_count, read_feed, seed_cli, write_all
from demokit.seed_theme import Banner, Bar, SeedTheme
from schema_migrations.coodie_cli import MIGRATIONS_DIR, migration_files
from schema_migrations.migration_helpers import keyspace
from schema_migrations.models import Archivist, Dispatch
from schema_migrations.palette import LIME, PARCHMENT, PERSONA, ROSE

MAX_DISPATCHES = 100_000
FIELDS = ("dimension", "entry_no", "author", "message")  # and, optionally, priority

ARCHIVISTS = [
    Archivist(name="Ada Quill", dimension="dimension-15", rank="Keeper of the Ledger"),
    Archivist(name="Bram Inkwell", dimension="dimension-4", rank="Scribe"),
    Archivist(name="Cyra Folio", dimension="dimension-7", rank="Cartographer"),
    Archivist(name="Dov Palimpsest", dimension="dimension-9", rank="Restorer"),
    Archivist(name="Elin Vellum", dimension="dimension-15", rank="Apprentice"),
]
MESSAGES = [
    "REVISIONIST renamed the sky table again; the old name still echoes",
    "Found a column nobody remembers adding, and no record of who did",
    "The ledger and the replicas agree on the schema version at last",
    "Rolled a bad ALTER back before the dawn shift noticed",
    "A dropped column came back empty, as dropped columns do",
    "Every change now goes through a numbered file and the ledger",
    "Dry run first: the CQL looked right, so we let it run",
    "The index on author is built; the archive answers by name",
    "Someone asked why entry numbers were called seq; nobody knew",
    "Ninety days from now these words will quietly expire",
]

#: the CHRONICLER's rich progress: lime ink, one line per dispatch recorded
THEME = SeedTheme(
    persona=PERSONA,
    accent=LIME,
    opening="opens the Schema Chronicle in Dimension-15 — {total:,} dispatches to record at the head of history…",
    bars=(Bar("dispatches", "{tag}", status="{tag}  Recording dispatch #{n}: {dimension} · entry {entry}"),),
    line="{tag}  [{parchment}]{dimension}[/] #{entry} · {author}: [dim]{message}[/]",
    lines=8,
    every=25,
    palette={"parchment": PARCHMENT, "rose": ROSE},
    spinner="line",
    banner=Banner(
        title="📜 {written} dispatches recorded in {seconds:.1f}s",
        text="by [{parchment}]{archivists}[/] archivists, on a schema at the head of history "
        "([bold]{applied}[/] migration(s) applied now, [bold]{head}[/] in the ledger).\n"
        "[dim]Next: make status · make rollback · make dry-run · make migrate[/]",
    ),
)


def generate(count: int) -> list[Dispatch]:
    """Deterministic dispatches, spread over the archivists' dimensions (same ones every run)."""
    numbers: dict[str, int] = {}
    dispatches = []
    for archivist, message, priority in itertools.islice(
        zip(itertools.cycle(ARCHIVISTS), itertools.cycle(MESSAGES), itertools.cycle([3, 1, 4, 2])), count
    ):
        numbers[archivist.dimension] = numbers.get(archivist.dimension, 0) + 1
        dispatches.append(
            Dispatch(
                dimension=archivist.dimension,
                entry_no=numbers[archivist.dimension],
                author=archivist.name,
                message=message,
                priority=priority,
            )
        )
    return dispatches


def feed_dispatches(path: str) -> list[Dispatch]:
    """The feed's dispatches, each validated by the model (a one-line `FeedError` otherwise)."""
    dispatches: list[Dispatch] = []
    seen: dict[tuple[str, int], int] = {}
    for number, record in enumerate(read_feed(path, FIELDS), start=1):
        where = f"feed {path}: record {number}"
        unknown = sorted(set(record) - {*FIELDS, "priority"})
        if unknown:
            raise FeedError(f"{where}: unknown field(s) {', '.join(unknown)}")
        values = {k: v for k, v in record.items() if v not in (None, "")}
        try:
            dispatch = Dispatch(**values)
        except ValidationError as exc:
            error = exc.errors()[0]
            name = ".".join(str(part) for part in error["loc"]) or "record"
            raise FeedError(f"{where}: {name}: {error['msg']}") from None
        key = (dispatch.dimension, dispatch.entry_no)
        if key in seen:
            raise FeedError(f"{where}: {key[0]} entry {key[1]} is already record {seen[key]}")
        seen[key] = number
        dispatches.append(dispatch)
    return dispatches


def archivists_for(dispatches: list[Dispatch]) -> list[Archivist]:
    """The known archivists who wrote ``dispatches``, and a correspondent for each other author."""
    known = {a.name: a for a in ARCHIVISTS}
    out: dict[str, Archivist] = {}
    for dispatch in dispatches:
        if dispatch.author not in out:
            out[dispatch.author] = known.get(dispatch.author) or Archivist(
                name=dispatch.author, dimension=dispatch.dimension, rank="Correspondent"
            )
    return list(out.values())


def bring_to_head(console: Console | None) -> tuple[int, int]:
    """Apply the pending migrations with coodie's runner; (how many now, how many in the ledger)."""
    migration_files(MIGRATIONS_DIR)  # every file loads, before anything runs
    runner = MigrationRunner(get_driver(), keyspace(), MIGRATIONS_DIR)
    applied = asyncio.run(runner.apply())
    if console is not None:
        for step in applied:
            console.print(
                f"[bold {LIME}][{PERSONA}][/]  applied [bold]{step['name']}[/] [dim]— {step['description']}[/]"
            )
    return len(applied), len(asyncio.run(runner.get_applied()))


def seed(count: int = 12, feed: str | None = None, progress: bool = False) -> int:
    """Bring the schema to head, then record ``count`` generated dispatches (or the feed's)."""
    if feed is not None:
        dispatches = feed_dispatches(feed)
    else:
        check_count(count, MAX_DISPATCHES)
        dispatches = generate(count)
    archivists = archivists_for(dispatches)
    with SeedProgress(THEME, len(dispatches), enabled=progress) as ui:
        applied, head = bring_to_head(ui.console if progress else None)
        write_all(archivists)
        written = write_all(
            dispatches,
            on_saved=lambda d, _: ui.advance(
                dimension=d.dimension, entry=d.entry_no, author=d.author, message=d.message
            ),
        )
        ui.finish(written=written, archivists=len(archivists), applied=applied, head=head)
    return written


cli = seed_cli(seed, default_count=12, what="dispatches", max_count=MAX_DISPATCHES)

if __name__ == "__main__":
    cli()
