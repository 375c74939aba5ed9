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
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from demokit.coodie_private import keyspace_name
from demokit.progress import SeedProgress
from demokit.seed import FeedError, check_count, read_feed, seed_cli, write_all_async
from demokit.seed_theme import Banner, Bar, Column, SeedTheme
from fastapi_catalog.bazaar import BY_SLUG, ProductIn, artifacts, category_slug, messages
from fastapi_catalog.models import Product, ProductByCategory, now_ms
from fastapi_catalog.service import Bazaar

MAX_PRODUCTS = 100_000
CYAN = "#38bdf8"
CONCURRENCY = 32

#: MerchBot Prime's console: a live table of the latest artifacts over a cyan progress bar.
THEME = SeedTheme(
    persona="⚡ MerchBot Prime",
    accent=CYAN,
    opening="opens the Infinite Bazaar in Dimension-1 — {total:,} artifacts to catalogue…",
    bars=(Bar("artifacts", "[bold {accent}]Cataloging artifacts from the Infinite Bazaar...[/]"),),
    finished="#34d399",
    bar_width=36,
    columns=(
        Column("⚡ ID", "{id}", style="dim"),
        Column("📦 Item", "{emoji} {name}", style="bold"),
        Column("💰 Price", "${price:,.2f}", style="#34d399", justify="right"),
        Column("🌀 Dimension", "D-{dimension}", style="#818cf8", justify="right"),
    ),
    banner=Banner(
        title="🛒 MISSION COMPLETE — {written:,} artifacts catalogued",
        subtitle="the USB Hub is contained… for now",
        columns=(Column(cell="{emoji} [{accent}]{label}[/]"), Column(cell="{n:,}")),
    ),
)


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
        check_count(count, MAX_PRODUCTS)
        items = list(artifacts(count, now=now_ms()))
    with SeedProgress(THEME, len(items), enabled=progress) as ui:
        written = asyncio.run(_write(items, ui))
        counts: dict[str, int] = {}
        for data, _ in items:
            counts[data.category] = counts.get(data.category, 0) + 1
        rows = [
            {"emoji": BY_SLUG[slug].emoji, "label": BY_SLUG[slug].label, "n": n}
            for slug, n in sorted(counts.items(), key=lambda kv: -kv[1])
        ]
        ui.finish(rows, written=written)
    return written


async def _write(items: list[tuple[ProductIn, datetime | None]], ui: SeedProgress) -> int:
    """Each artifact through the web app's own `Bazaar.create` (a logged batch over both
    tables), ``CONCURRENCY`` at a time, each shown as a row of the live table."""
    from coodie.drivers import get_driver

    driver = get_driver()
    await Product.sync_table()
    await ProductByCategory.sync_table()
    bazaar = Bazaar(driver, keyspace_name(Product))

    async def create(item: tuple[ProductIn, datetime | None]) -> Product:
        return await bazaar.create(item[0], created_at=item[1])

    def shown(_: Any, product: Product) -> None:
        emoji = BY_SLUG[product.category].emoji if product.category in BY_SLUG else "📦"
        ui.advance(
            id=str(product.id)[:8],
            emoji=emoji,
            name=product.name,
            price=product.price,
            dimension=product.dimension,
        )

    return await write_all_async(items, create, concurrency=CONCURRENCY, on_saved=shown)


cli = seed_cli(seed, default_count=50, what="artifacts", max_count=MAX_PRODUCTS)

if __name__ == "__main__":
    cli()
