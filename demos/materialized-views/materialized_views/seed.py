"""Seed the Oracle's Mirror: the ORACLE materializes its two views, then fills the base table.

``seed(count=N)`` syncs ``products``, sends ``sync_view()`` for each view (``CREATE MATERIALIZED
VIEW IF NOT EXISTS``: seeding again is harmless) and saves N generated products, SKUs
``ORC-0001``…, spread over six categories and every price band. The database fills the views.
``seed(feed=path)`` loads a CSV/JSON feed instead: ``name``, ``brand``, ``category``, ``price``
and optionally ``sku``, each checked as the web form checks it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from demokit.bodies import BadBody, validate_form
from demokit.coodie_private import view_definition
from demokit.progress import SeedProgress
from demokit.seed import FeedError, check_count, read_feed, seed_cli, write_all
from demokit.seed_theme import Banner, Bar, Column, SeedTheme
from materialized_views.mirror import InputError, NewProduct, sku_of
from materialized_views.models import VIEWS, Product, price_band

MAX_PRODUCTS = 100_000
PURPLE, SILVER = "#a855f7", "#cbd5e1"

CATEGORIES = {
    "crystal-balls": "Orb",
    "tarot-decks": "Deck",
    "scrying-mirrors": "Mirror",
    "runestones": "Rune Set",
    "oracle-bones": "Bone Kit",
    "star-charts": "Star Chart",
}
ADJECTIVES = ["Moonlit", "Whispering", "Clouded", "Prophetic", "Obsidian", "Gilded", "Veiled", "Astral"]
BRANDS = ["Delphi Works", "Pythia & Co", "Cassandra Labs", "Sibyl Supply", "Nostradamus Ltd"]
PRICES = [7.5, 12.0, 18.99, 24.0, 42.0, 77.7, 99.99, 108.0, 222.0, 333.33, 499.0, 512.0, 888.0, 1313.13]

#: the ORACLE's rich progress: a purple bar of views materialized, then one of products mirrored.
THEME = SeedTheme(
    persona="🔮 ORACLE",
    accent=PURPLE,
    opening="gazes into Dimension-9. Every query deserves a view… or does it?",
    bars=(
        Bar(
            "products",
            "{tag} Filling the base table…",
            status="{tag}  Product #{n}: {sku} → {category} · {band}",
        ),
        Bar("views", "{tag} Views…", status="{tag}  {n} of {total} views materialized", total=len(VIEWS)),
    ),
    palette={"silver": SILVER},
    finished=SILVER,
    spinner="moon",
    banner=Banner(
        title="✨ VIEW SYNCHRONIZED ✨",
        text="[{silver}]{written}[/] products written to [bold]products[/] in {seconds:.1f}s — "
        "and reflected, by the database alone, in:",
        columns=(
            Column(cell="🪞 [bold {accent}]{view}[/]"),
            Column(cell="[dim]by {key}:[/]"),
            Column(cell="{keys}"),
        ),
    ),
)


def generate(count: int) -> list[dict[str, Any]]:
    """Deterministic products (no randomness: the spec seeds the same ones every run)."""
    categories = list(CATEGORIES)
    rows = []
    for n in range(1, count + 1):
        category = categories[(n - 1) % len(categories)]
        rows.append(
            {
                "sku": f"ORC-{n:04d}",
                "name": f"{ADJECTIVES[(n - 1) // len(categories) % len(ADJECTIVES)]} {CATEGORIES[category]}",
                "brand": BRANDS[(n - 1) % len(BRANDS)],
                "category": category,
                "price": PRICES[(n * 5) % len(PRICES)],
            }
        )
    return rows


def feed_rows(path: str) -> list[dict[str, Any]]:
    """The feed's products, each checked as the form checks it (one-line `FeedError` naming the record)."""
    out, seen = [], set()
    for number, record in enumerate(read_feed(path, ["name", "brand", "category", "price"]), start=1):
        where = f"feed {path}: record {number}"
        values = {k: "" if v is None else str(v) for k, v in record.items()}
        sku = values.pop("sku", "").strip() or f"ORC-F{number:04d}"
        try:
            data = validate_form(NewProduct, values)
            sku_of(sku)
        except BadBody as exc:
            raise FeedError(f"{where}: {'; '.join(exc.messages)}") from None
        except InputError as exc:
            raise FeedError(f"{where}: {exc}") from None
        if sku in seen:
            raise FeedError(f"{where}: sku {sku} appears twice")
        seen.add(sku)
        out.append({"sku": sku, **data.model_dump()})
    return out


def seed(count: int = 24, feed: str | None = None, progress: bool = False, *, workers: int = 16) -> int:
    """Materialize the views, then save ``count`` generated products (or the feed's); return how many."""
    if feed is not None:
        rows = feed_rows(feed)
    else:
        check_count(count, MAX_PRODUCTS)
        rows = generate(count)
    docs = [Product(**r, price_band=price_band(round(r["price"], 2))) for r in rows]
    with SeedProgress(THEME, len(docs), enabled=progress) as ui:
        Product.sync_table()
        for n, view in enumerate(VIEWS, start=1):
            ui.say(
                '{tag}  Materializing view #{n}: "{view_name}" FROM "{base_table}"...',
                n=n,
                view_name=view.Settings.name,
                base_table=view_definition(view)["base_table"],
            )
            view.sync_view()
            ui.advance("views", view=view.Settings.name)
        written = write_all(
            docs,
            workers=workers,
            on_saved=lambda doc, _: ui.advance(sku=doc.sku, category=doc.category, band=doc.price_band),
        )
        ui.finish(
            [
                {"view": v.Settings.name, "key": key, "keys": _keys(docs, key)}
                for v, key in zip(VIEWS, ("category", "price_band"), strict=True)
            ],
            written=written,
        )
    return written


def _keys(docs: list[Product], column: str) -> str:
    """ "crystal-balls ×4, tarot-decks ×4, …": the partitions a view got from this seed."""
    counts = Counter(getattr(d, column) for d in docs)
    return ", ".join(f"{key} ×{n}" for key, n in sorted(counts.items()))


cli = seed_cli(seed, default_count=24, what="products", max_count=MAX_PRODUCTS)

if __name__ == "__main__":
    cli()
