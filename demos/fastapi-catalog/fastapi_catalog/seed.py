"""Seed the Infinite Bazaar: MerchBot Prime catalogues cursed artifacts into ScyllaDB.

``seed(count=N)`` generates N artifacts (Faker + a fixed random seed: reproducible);
``seed(feed=path)`` loads a CSV/JSON feed (``name``, ``brand``, ``category`` — slug or
label —, ``price``, optional ``dimension`` and ``description``), every record validated
by the same `ProductIn` the web app uses before anything is written (a bad record is a
one-line `FeedError`). Each artifact is one logged batch over both tables, written
concurrently through async coodie.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

import click
from pydantic import ValidationError

from demokit.seed import FeedError, read_feed, seed_cli
from fastapi_catalog.bazaar import BY_SLUG, ProductIn, artifacts, category_slug, messages
from fastapi_catalog.models import Product, ProductByCategory, now_ms
from fastapi_catalog.service import Bazaar

MAX_PRODUCTS = 100_000
CYAN = "#38bdf8"
CONCURRENCY = 32


def feed_products(path: str) -> list[ProductIn]:
    """The feed's products, validated (one-line `FeedError` naming the record and field)."""
    out = []
    for number, row in enumerate(read_feed(path, ["name", "brand", "category", "price"]), start=1):
        record: dict[str, Any] = {k: v for k, v in row.items() if v not in (None, "")}
        record["category"] = category_slug(str(record["category"]))
        try:
            out.append(ProductIn.model_validate(record, strict=False))  # CSV: text
        except ValidationError as exc:
            raise FeedError(f"feed {path}: record {number}: {'; '.join(messages(exc))}") from None
    return out


def seed(count: int = 50, feed: str | None = None, progress: bool = False) -> int:
    """Write ``count`` generated artifacts (or the feed's); return how many were written."""
    if feed is not None:
        items = [(p, None) for p in feed_products(feed)]
    else:
        if not 1 <= count <= MAX_PRODUCTS:
            raise click.ClickException(f"--count must be between 1 and {MAX_PRODUCTS:,}, not {count}")
        items = list(artifacts(count, now=now_ms()))
    ui = _Ui(len(items)) if progress else None
    try:
        written = asyncio.run(_write(items, ui.row if ui else None))
    finally:
        if ui is not None:
            ui.stop()
    if ui is not None:
        ui.banner(written, items)
    return written


async def _write(
    items: list[tuple[ProductIn, datetime | None]], on_row: Callable[[Product], None] | None
) -> int:
    from coodie.drivers import get_driver

    driver = get_driver()
    await Product.sync_table()
    await ProductByCategory.sync_table()
    bazaar = Bazaar(driver, Product._get_keyspace())
    gate = asyncio.Semaphore(CONCURRENCY)
    done = 0

    async def one(data: ProductIn, created_at: datetime | None) -> None:
        nonlocal done
        async with gate:
            product = await bazaar.create(data, created_at=created_at)
        done += 1
        if on_row is not None:
            on_row(product)

    await asyncio.gather(*(one(data, at) for data, at in items))
    return done


class _Ui:
    """MerchBot Prime's console: a live table of the latest artifacts over a cyan progress bar."""

    ROWS = 12

    def __init__(self, total: int) -> None:
        from rich.console import Console, Group
        from rich.live import Live
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
        from rich.table import Table

        self.console = Console()
        self.console.print(
            f"[bold {CYAN}]⚡ MerchBot Prime[/] [dim]opens the Infinite Bazaar in Dimension-1 — "
            f"{total:,} artifacts to catalogue…[/]"
        )
        self.progress = Progress(
            SpinnerColumn("dots12", style=CYAN),
            TextColumn(f"[bold {CYAN}]Cataloging artifacts from the Infinite Bazaar...[/]"),
            BarColumn(bar_width=36, style="grey23", complete_style=CYAN, finished_style="#34d399"),
            MofNCompleteColumn(),
            console=self.console,
        )
        self.task = self.progress.add_task("catalogue", total=total)
        self.rows: list[tuple[str, str, str, str]] = []
        self._table = Table
        self._group = Group
        self.live = Live(self._render(), console=self.console, refresh_per_second=12, transient=False)
        self.live.start()

    def _render(self) -> Any:
        table = self._table(border_style=CYAN, header_style=f"bold {CYAN}", expand=False)
        table.add_column("⚡ ID", style="dim", no_wrap=True)
        table.add_column("📦 Item", style="bold")
        table.add_column("💰 Price", justify="right", style="#34d399")
        table.add_column("🌀 Dimension", justify="right", style="#818cf8")
        for row in self.rows[-self.ROWS :]:
            table.add_row(*row)
        return self._group(table, self.progress)

    def row(self, product: Product) -> None:
        emoji = BY_SLUG[product.category].emoji if product.category in BY_SLUG else "📦"
        self.rows.append(
            (
                str(product.id)[:8],
                f"{emoji} {product.name}",
                f"${product.price:,.2f}",
                f"D-{product.dimension}",
            )
        )
        self.progress.advance(self.task)
        self.live.update(self._render())

    def stop(self) -> None:
        self.live.stop()
        self.console.print()

    def banner(self, written: int, items: list[tuple[ProductIn, datetime | None]]) -> None:
        from rich.panel import Panel
        from rich.table import Table

        counts: dict[str, int] = {}
        for data, _ in items:
            counts[data.category] = counts.get(data.category, 0) + 1
        grid = Table.grid(padding=(0, 2))
        for slug, n in sorted(counts.items(), key=lambda kv: -kv[1]):
            c = BY_SLUG[slug]
            grid.add_row(f"{c.emoji} [{CYAN}]{c.label}[/]", f"{n:,}")
        self.console.print(
            Panel(
                grid,
                title=f"[bold {CYAN}]🛒 MISSION COMPLETE — {written:,} artifacts catalogued[/]",
                subtitle="[dim]the USB Hub is contained… for now[/]",
                border_style=CYAN,
                expand=False,
            )
        )


cli = seed_cli(seed, default_count=50, what="artifacts")

if __name__ == "__main__":
    cli()
