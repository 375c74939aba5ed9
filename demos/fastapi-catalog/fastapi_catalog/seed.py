"""Seed the Infinite Bazaar: MerchBot Prime catalogues cursed artifacts into ScyllaDB.

``seed(count=N)`` generates N artifacts with 0–4 customer reviews each (Faker + a fixed
random seed: reproducible); ``seed(feed=path)`` loads a CSV/JSON feed (``name``, ``brand``,
``category`` — slug or label —, ``price``, optional ``dimension``, ``description`` and
``reviews``), every record validated by the same `ProductIn` / `ReviewIn` the web app uses
before anything is written (a bad record is a one-line `FeedError`). A feed's ``reviews``
is a JSON list of ``{"author", "rating", "body"}`` objects, or — in a CSV cell — the text
``"5 Ada: It purrs. | 2 Bob: It bit me."`` (``RATING AUTHOR: TEXT``, ``|`` between reviews).
Each artifact is one logged batch over both tables, then one ``INSERT`` per review, written
concurrently through async coodie.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from demokit.coodie_private import keyspace_name
from demokit.progress import SeedProgress
from demokit.seed import FeedError, check_count, read_feed, seed_cli, write_all_async
from demokit.seed_theme import Banner, Bar, Column, SeedTheme
from fastapi_catalog.bazaar import (
    BY_SLUG,
    ProductIn,
    ReviewIn,
    artifacts,
    category_slug,
    customer_reviews,
    messages,
)
from fastapi_catalog.models import Product, ProductByCategory, Review, now_ms
from fastapi_catalog.service import Bazaar

MAX_PRODUCTS = 100_000
MAX_FEED_REVIEWS = 100  # per feed record
CYAN = "#38bdf8"
CONCURRENCY = 32
#: a review in a CSV cell: ``5 Ada Lovelace: It purrs.`` (reviews separated by ``|``)
REVIEW_TEXT = re.compile(r"\s*(\S+)\s+([^:]+?)\s*:\s*(.*?)\s*", re.S)

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
        subtitle="{reviews:,} customer reviews filed · the USB Hub is contained… for now",
        columns=(Column(cell="{emoji} [{accent}]{label}[/]"), Column(cell="{n:,}")),
    ),
)


@dataclass
class Item:
    """One artifact to write, with its reviews (a time of None: now)."""

    product: ProductIn
    created_at: datetime | None = None
    reviews: list[tuple[ReviewIn, datetime | None]] = field(default_factory=list)


def feed_reviews(value: Any, where: str) -> list[tuple[ReviewIn, datetime | None]]:
    """A feed record's ``reviews`` — a JSON list of objects, or the CSV text
    ``"5 Ada: It purrs. | 2 Bob: It bit me."`` — each validated by `ReviewIn`."""
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        value = [piece for piece in value.split("|") if piece.strip()]
    if not isinstance(value, list):
        raise FeedError(f"{where}: reviews: expected a list of reviews or 'RATING AUTHOR: TEXT | …'")
    if len(value) > MAX_FEED_REVIEWS:
        raise FeedError(f"{where}: reviews: {len(value)} reviews; at most {MAX_FEED_REVIEWS} a record")
    out: list[tuple[ReviewIn, datetime | None]] = []
    for number, review in enumerate(value, start=1):
        if isinstance(review, str):
            found = REVIEW_TEXT.fullmatch(review)
            if found is None:
                raise FeedError(
                    f"{where}: review {number}: {review.strip()[:40]!r} is not 'RATING AUTHOR: TEXT' "
                    "(like '5 Ada: It purrs.')"
                )
            review = dict(zip(("rating", "author", "body"), found.groups(), strict=True))
        if not isinstance(review, dict):
            raise FeedError(f"{where}: review {number}: expected an object with author, rating and body")
        try:
            out.append((ReviewIn.model_validate(review, strict=False), None))
        except ValidationError as exc:
            raise FeedError(f"{where}: review {number}: {'; '.join(messages(exc, ReviewIn))}") from None
    return out


def feed_items(path: str) -> list[Item]:
    """The feed's products and reviews, validated (one-line `FeedError` naming the record and field)."""
    out = []
    for number, row in enumerate(read_feed(path, ["name", "brand", "category", "price"]), start=1):
        where = f"feed {path}: record {number}"
        reviews = feed_reviews(row.pop("reviews", None), where)
        record: dict[str, Any] = {k: v for k, v in row.items() if v not in (None, "")}
        record["category"] = category_slug(str(record["category"]))
        try:
            product = ProductIn.model_validate(record, strict=False)  # CSV: text
        except ValidationError as exc:
            raise FeedError(f"{where}: {'; '.join(messages(exc))}") from None
        out.append(Item(product, None, reviews))
    return out


def generated(count: int) -> list[Item]:
    """``count`` artifacts, each with its customers' reviews (Faker, reproducible)."""
    now = now_ms()
    made = artifacts(count, now=now)
    reviews = customer_reviews([at for _, at in made], now=now)
    return [Item(product, at, list(said)) for (product, at), said in zip(made, reviews, strict=True)]


def seed(count: int = 50, feed: str | None = None, progress: bool = False) -> int:
    """Write ``count`` generated artifacts (or the feed's) and their reviews; return how many
    artifacts were written."""
    if feed is not None:
        items = feed_items(feed)
    else:
        check_count(count, MAX_PRODUCTS)
        items = generated(count)
    with SeedProgress(THEME, len(items), enabled=progress) as ui:
        written = asyncio.run(_write(items, ui))
        counts: dict[str, int] = {}
        for item in items:
            counts[item.product.category] = counts.get(item.product.category, 0) + 1
        rows = [
            {"emoji": BY_SLUG[slug].emoji, "label": BY_SLUG[slug].label, "n": n}
            for slug, n in sorted(counts.items(), key=lambda kv: -kv[1])
        ]
        ui.finish(rows, written=written, reviews=sum(len(item.reviews) for item in items))
    return written


async def _write(items: list[Item], ui: SeedProgress) -> int:
    """Each artifact through the web app's own `Bazaar.create` (a logged batch over both
    tables) and its reviews through `Bazaar.add_review`, ``CONCURRENCY`` artifacts at a time,
    each shown as a row of the live table."""
    from coodie.drivers import get_driver

    driver = get_driver()
    for model in (Product, ProductByCategory, Review):
        await model.sync_table()
    bazaar = Bazaar(driver, keyspace_name(Product))

    async def create(item: Item) -> Product:
        product = await bazaar.create(item.product, created_at=item.created_at)
        for review, at in item.reviews:
            await bazaar.add_review(product, review, at=at)
        return product

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
