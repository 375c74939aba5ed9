"""Importing: rows grouped by partition key (planet), cut into batches of at most
``batch_size`` statements (one partition per batch), each sent as one coodie ``BatchQuery``
— ``BEGIN BATCH`` (logged) or ``BEGIN UNLOGGED BATCH`` — with LOADMASTER narrating.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from coodie.batch import BatchQuery
from rich.console import Console
from rich.markup import escape

from batch_importer.manifest import Reject
from batch_importer.models import CargoItem
from demokit.progress import SeedProgress
from demokit.seed import write_all
from demokit.seed_theme import Banner, Bar, Column, Markup, SeedTheme, show_banner

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


def cargo_theme(logged: bool, batch_size: int = DEFAULT_BATCH_SIZE, opening: str = "") -> SeedTheme:
    """LOADMASTER's look: the overall bar over the latest batch's bar, in orange for logged
    batches and steel for unlogged ones, and the cargo report."""
    colour = ORANGE if logged else STEEL_LIGHT
    kind = "LOGGED" if logged else "UNLOGGED"
    return SeedTheme(
        persona="📦 LOADMASTER",
        accent=ORANGE,
        opening=opening,
        bars=(
            Bar("rows", "[bold {accent}]📦 LOADMASTER[/] cargo rows", colour=colour),
            Bar(
                "batch",
                f"[{colour}]{kind} BATCH #0",
                status=f"[{colour}]📥 {kind} BATCH #{{batch}} · {{planet}}",
                colour=colour,
                total=batch_size,
            ),
        ),
        spinner=None,
        bar_width=40,
        elapsed=True,
        banner=Banner(
            title="📦 LOADMASTER cargo report",
            columns=(Column(cell="{name}", style="bold"), Column(cell="{value}", justify="right")),
            border=colour,
        ),
    )


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
    opening: str = "",
) -> ImportReport:
    """Send every document in partition-scoped batches, ``workers`` at a time; ``console`` shows
    the progress bars (and the ``opening`` line, if any)."""
    report = ImportReport(logged=logged)
    batches = plan_batches(docs, batch_size)
    report.partitions = len({b[0].planet for b in batches})
    theme = cargo_theme(logged, batch_size, opening)
    with SeedProgress(theme, len(docs), console=console, enabled=console is not None) as ui:

        def sent(batch: list[CargoItem], rows: int) -> None:
            report.rows += rows
            report.batches += 1
            planet = batch[0].planet
            report.per_planet[planet] = report.per_planet.get(planet, 0) + rows
            ui.advance("rows", completed=report.rows)
            ui.advance("batch", completed=rows, batch=report.batches, planet=planet)

        started = time.perf_counter()
        try:
            write_all(
                batches, save=partial(send_batch, logged=logged), workers=max(1, workers), on_saved=sent
            )
        finally:
            report.seconds = time.perf_counter() - started
    return report


def render_report(report: ImportReport, console: Console, *, max_rejects: int = 20) -> None:
    """The final report: rows, rows/s, batches, partitions, rejects (line + reason)."""
    bad = "red" if report.rejects else "green"
    summary = [
        ("rows imported", f"[bold green]{report.rows:,}"),
        ("rows rejected", f"[bold {bad}]{len(report.rejects):,}"),
        ("batches", f"{report.batches:,} × {report.kind}"),
        ("partitions (planets)", f"{report.partitions:,}"),
        ("time", f"{report.seconds:.2f} s"),
        ("throughput", f"[bold {ORANGE}]{report.rows_per_second:,.0f} rows/s"),
    ]
    rows = [{"name": name, "value": Markup(value)} for name, value in summary]
    show_banner(console, cargo_theme(report.logged), rows)
    for reject in report.rejects[:max_rejects]:  # a reason quotes the file: never read as markup
        console.print(
            f"[bold red]✖ line {reject.line}:[/] {escape(reject.reason)}", soft_wrap=True, highlight=False
        )
    if len(report.rejects) > max_rejects:
        console.print(f"[red]… and {len(report.rejects) - max_rejects:,} more rejected rows")
