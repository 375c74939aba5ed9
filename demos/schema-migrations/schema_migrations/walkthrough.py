"""What ``make run`` shows: history rewound to its first migration and replayed, one ``coodie
migrate`` at a time, with the live schema and the data printed after every step.

1. the ledger (``coodie migrate --status``);
2. ⏪ ``--rollback --steps 1`` until only the first migration is applied — the tables and their
   rows stay (a migration's downgrade keeps what it can: the dropped word_count comes back,
   recomputed);
3. 👻 ``--dry-run``: the CQL the pending migrations would run, nothing run;
4. ⏩ ``--target <name>`` for each pending migration, in order;
5. the ledger (the ``_coodie_migrations`` rows), coodie's schema diff against the models
   (nothing left), and whether every dispatch survived the round trip.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from schema_migrations.coodie_cli import MIGRATIONS_DIR, MigrateError, Outcome, migration_files, run
from schema_migrations.palette import LIME, PARCHMENT, PERSONA, ROSE, SLATE, TITLE, VILLAIN
from schema_migrations.schema_view import Shape, ledger_table, model_drift, picture, read_rows, read_shape

#: the columns a dispatch keeps through every migration (the clustering key's name changes)
SURVIVORS = ("dimension", "author", "message")


def coodie_step(console: Console, keyspace: str, title: str, colour: str, args: list[str]) -> Outcome:
    """Run one ``coodie migrate``; print its command line and what coodie printed, in a panel."""
    console.print(Rule(f"[bold {colour}]{title}[/]", style=colour))
    outcome = run(keyspace, args)
    port = "" if outcome.port == 9042 else f"   [dim]# port {outcome.port}, handed to init_coodie[/]"
    console.print(f"[{SLATE}]$ {escape(outcome.command)}[/]{port}", soft_wrap=True)
    printed = outcome.output.rstrip() or "(no output)"
    if max(len(line) for line in printed.splitlines()) + 4 <= console.width:
        console.print(Panel(escape(printed), border_style=colour, expand=False))
    else:  # coodie's --status table is 110 characters wide: as it is, the terminal wraps it
        console.print(Text(printed, style=colour), soft_wrap=True)
    edited = [line.split()[1] for line in outcome.output.splitlines() if "[CHECKSUM MISMATCH]" in line]
    if outcome.code == 1 and edited:  # --status: files edited since they were applied
        console.print(
            f"[{ROSE}]Edited since applied (the ledger keeps each file's SHA-256): {', '.join(edited)}. "
            "What the walkthrough rolls back and applies again is recorded as it is now.[/]"
        )
    elif outcome.code:
        raise MigrateError(f"coodie migrate exited with status {outcome.code}")
    return outcome


def show(console: Console, driver: Any, keyspace: str, before: Shape | None) -> Shape:
    """Print the schema and the data as they are now; return the shape for the next step."""
    drawing, shape = picture(driver, keyspace, before, console.width)
    console.print(drawing)
    return shape


def fingerprint(driver: Any, keyspace: str) -> set[tuple[Any, ...]]:
    """Each dispatch by partition, clustering value, author and message (whatever the key is called)."""
    shape = read_shape(driver, keyspace, "dispatches")
    clustering = next((c.name for c in shape.columns if c.kind == "clustering"), "")
    return {(row[clustering], *(row[n] for n in SURVIVORS)) for row in read_rows(driver, keyspace, shape)}


def walkthrough(keyspace: str, console: Console) -> None:
    """Rewind to the first migration, dry-run, replay to the head; raise `MigrateError` if a
    dispatch did not survive or the head differs from the models."""
    from demokit.database import ensure_coodie

    files = migration_files(MIGRATIONS_DIR)
    driver = ensure_coodie(keyspace)
    console.print(
        f"[bold {LIME}]{PERSONA}[/] [bold {PARCHMENT}]— {TITLE}[/]\n"
        f"[dim]{VILLAIN} rewrites history and keeps no record. The CHRONICLER keeps one — coodie's "
        f"_coodie_migrations — and proves it by unwinding {len(files)} migrations and writing them again.[/]"
    )
    outcome = coodie_step(console, keyspace, "📜 The ledger", LIME, ["--status"])
    shape = show(console, driver, keyspace, None)
    kept = fingerprint(driver, keyspace) if shape.exists else set()
    applied = len(outcome.applied_after)
    while applied > 1:
        outcome = coodie_step(console, keyspace, "⏪ Rewind one step", ROSE, ["--rollback", "--steps", "1"])
        applied = len(outcome.applied_after)
        shape = show(console, driver, keyspace, shape)
    pending = [info for info in files if info.name not in outcome.applied_after]
    if pending:
        coodie_step(console, keyspace, "👻 Dry run: what the replay will send", SLATE, ["--dry-run"])
    for info in pending:
        coodie_step(console, keyspace, f"⏩ Replay {info.name}", LIME, ["--target", info.name])
        shape = show(console, driver, keyspace, shape)
    console.print(Rule(f"[bold {LIME}]📜 The ledger, at the head of history[/]", style=LIME))
    console.print(ledger_table(driver, keyspace))
    verdict(console, driver, keyspace, kept)


def verdict(console: Console, driver: Any, keyspace: str, kept: set[tuple[Any, ...]]) -> None:
    """The head matches the models, and every dispatch seen before the rewind is still there."""
    drift = model_drift(driver, keyspace)
    now = fingerprint(driver, keyspace)
    lost = kept - now
    lines = [
        f"[{LIME}]✔ the live schema is the models' (coodie's schema diff finds nothing to change)[/]"
        if not drift
        else f"[{ROSE}]✖ the live schema differs from the models: {escape('; '.join(drift))}[/]",
        f"[{LIME}]✔ {len(kept)} dispatches before the rewind, all {len(kept)} after the replay: every "
        "dimension, entry, author and message kept[/]"
        if not lost
        else f"[{ROSE}]✖ {len(lost)} of {len(kept)} dispatches did not survive the round trip[/]",
    ]
    console.print(
        Panel(
            "\n".join(lines),
            title=f"[bold {LIME}]{PERSONA}: history replayed[/]",
            border_style=LIME,
            expand=False,
        )
    )
    if drift or lost:
        raise MigrateError("the chronicle did not come back as it was (see above)")
