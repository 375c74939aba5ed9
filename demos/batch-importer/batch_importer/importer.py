"""Importing: rows grouped by partition key (planet), cut into batches of at most
``batch_size`` statements (one partition per batch), each sent as one coodie ``BatchQuery``
— ``BEGIN BATCH`` (logged) or ``BEGIN UNLOGGED BATCH`` — with LOADMASTER narrating.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from coodie.batch import BatchQuery
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from batch_importer.manifest import Reject
from batch_importer.models import CargoItem

ORANGE, STEEL = "#f97316", "#475569"
STEEL_LIGHT = "#94a3b8"
DEFAULT_BATCH_SIZE = 50
MAX_BATCH_SIZE = 100


@dataclass
class ImportReport:
    """What one import did (the final report)."""

    logged: bool
    rows: int = 0
    batches: int = 0
    partitions: int = 0
    seconds: float = 0.0
    rejects: list[Reject] = field(default_factory=list)
    per_planet: dict[str, int] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return "LOGGED" if self.logged else "UNLOGGED"

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def plan_batches(docs: Sequence[CargoItem], batch_size: int) -> list[list[CargoItem]]:
    """One partition per batch, at most ``batch_size`` statements each, in file order."""
    by_planet: dict[str, list[CargoItem]] = defaultdict(list)
    for doc in docs:
        by_planet[doc.planet].append(doc)
    return [rows[i : i + batch_size] for rows in by_planet.values() for i in range(0, len(rows), batch_size)]


def send_batch(docs: Sequence[CargoItem], logged: bool) -> int:
    """One ``BatchQuery``: every row's INSERT, applied together on exit."""
    with BatchQuery(logged=logged) as batch:
        for doc in docs:
            doc.save(batch=batch)
    return len(docs)


def import_rows(
    docs: Sequence[CargoItem],
    *,
    logged: bool = True,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int = 4,
    console: Console | None = None,
) -> ImportReport:
    """Send every document in partition-scoped batches; ``console`` shows the progress bars."""
    report = ImportReport(logged=logged)
    batches = plan_batches(docs, batch_size)
    report.partitions = len({b[0].planet for b in batches})
    colour = ORANGE if logged else STEEL_LIGHT
    progress = (
        Progress(
            TextColumn("{task.description}"),
            BarColumn(complete_style=colour, finished_style=colour),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        )
        if console is not None
        else None
    )
    started = time.perf_counter()
    if progress is not None:
        progress.start()
        overall = progress.add_task(f"[bold {ORANGE}]📦 LOADMASTER[/] cargo rows", total=len(docs))
        last = progress.add_task(f"[{colour}]{report.kind} BATCH #0", total=batch_size)
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            pending = {pool.submit(send_batch, batch, logged): batch for batch in batches}
            while pending:
                done, _ = wait(pending, return_when=FIRST_EXCEPTION)
                for future in done:
                    batch = pending.pop(future)
                    report.rows += future.result()  # re-raises the first failure
                    report.batches += 1
                    planet = batch[0].planet
                    report.per_planet[planet] = report.per_planet.get(planet, 0) + len(batch)
                    if progress is not None:
                        progress.update(overall, completed=report.rows)
                        progress.update(
                            last,
                            description=f"[{colour}]📥 {report.kind} BATCH #{report.batches} · {planet}",
                            completed=len(batch),
                        )
    finally:
        report.seconds = time.perf_counter() - started
        if progress is not None:
            progress.stop()
    return report


def render_report(report: ImportReport, console: Console, *, max_rejects: int = 20) -> None:
    """The final report: rows, rows/s, batches, partitions, rejects (line + reason)."""
    colour = ORANGE if report.logged else STEEL_LIGHT
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column(justify="right")
    summary.add_row("rows imported", f"[bold green]{report.rows:,}")
    summary.add_row("rows rejected", f"[bold {'red' if report.rejects else 'green'}]{len(report.rejects):,}")
    summary.add_row("batches", f"{report.batches:,} × {report.kind}")
    summary.add_row("partitions (planets)", f"{report.partitions:,}")
    summary.add_row("time", f"{report.seconds:.2f} s")
    summary.add_row("throughput", f"[bold {ORANGE}]{report.rows_per_second:,.0f} rows/s")
    console.print(
        Panel(summary, title=f"[bold {ORANGE}]📦 LOADMASTER cargo report", border_style=colour, expand=False)
    )
    for reject in report.rejects[:max_rejects]:  # a reason quotes the file: never read as markup
        console.print(
            f"[bold red]✖ line {reject.line}:[/] {escape(reject.reason)}", soft_wrap=True, highlight=False
        )
    if len(report.rejects) > max_rejects:
        console.print(f"[red]… and {len(report.rejects) - max_rejects:,} more rejected rows")
