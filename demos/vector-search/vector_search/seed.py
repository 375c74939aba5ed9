"""Seed the Embedding Dimension: products → all-MiniLM-L6-v2 embeddings → ScyllaDB, with VECTORMIND
narrating.

``seed(count=N)`` generates N products with Faker across clear categories; ``seed(feed=path)``
loads a CSV/JSON feed of texts (``name`` and optionally ``description``, ``category``,
``price``) or of precomputed vectors (an ``embedding`` field of 384 numbers: a JSON list, or a
``[..]``/comma-separated string in CSV). Embedding runs in batches, writing runs concurrently
(`demokit.seed.write_all`), chunk after chunk so 100,000 products never sit in memory at once.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from demokit.progress import SeedProgress
from demokit.seed import FeedError, check_count, read_feed, seed_cli, write_all
from demokit.seed_theme import Banner, Bar, Column, SeedTheme, clip
from vector_search.catalog import ProductText, generate
from vector_search.models import DIMENSIONS, ProductEmbedding, embedding_text

MAX_PRODUCTS = 100_000
CHUNK = 2_048
PURPLE, PINK = "#7c3aed", "#ec4899"

#: VECTORMIND's rich progress: a purple embedding bar, a pink writing bar, the categories at the end.
THEME = SeedTheme(
    persona="🧠 VECTORMIND",
    accent=PURPLE,
    opening="awakens in Dimension-12 — loading all-MiniLM-L6-v2 (384-d)…",
    bars=(
        Bar(
            "embed",
            "{tag} embedding",
            status='{tag} Embedding #{upto:,}: [italic]"{text}"[/] → [{pink}]{vector}[/]',
        ),
        Bar("write", "{tag} writing", tag="💾 SCYLLADB  ", colour=PINK),
    ),
    palette={"pink": PINK},
    finished=PINK,
    spinner_style=PINK,
    bar_width=32,
    rate="{rate:,.0f}/s",
    elapsed=True,
    banner=Banner(
        title="🔮 {products:,} embeddings loaded into the Embedding Dimension",
        subtitle="{embedding_rate:,.0f} embeddings/s · {write_rate:,.0f} rows/s written",
        columns=(Column(cell="{category}", style=PINK), Column(cell="{n:,}")),
    ),
)


@dataclass
class SeedStats:
    """What the last `seed` run measured (the README quotes these figures)."""

    products: int = 0
    embedded: int = 0
    embed_seconds: float = 0.0
    write_seconds: float = 0.0
    categories: dict[str, int] = field(default_factory=dict)

    @property
    def embeddings_per_second(self) -> float:
        return self.embedded / self.embed_seconds if self.embed_seconds else 0.0

    @property
    def rows_per_second(self) -> float:
        return self.products / self.write_seconds if self.write_seconds else 0.0


last_stats = SeedStats()


@dataclass(frozen=True)
class Record:
    text: ProductText
    embedding: list[float] | None = None


# --------------------------------------------------------------------------- feeds


def _vector(value: Any, where: str) -> list[float]:
    if isinstance(value, str):
        text = value.strip()
        try:
            value = (
                json.loads(text)
                if text.startswith("[")
                else [float(x) for x in text.replace(",", " ").split()]
            )
        except ValueError:
            raise FeedError(f"{where}: embedding is not a list of numbers") from None
    if not isinstance(value, list) or not all(
        isinstance(x, int | float) and not isinstance(x, bool) for x in value
    ):
        raise FeedError(f"{where}: embedding is not a list of numbers")
    if len(value) != DIMENSIONS:
        raise FeedError(f"{where}: embedding has {len(value)} values, expected {DIMENSIONS}")
    if not all(math.isfinite(x) for x in value):
        raise FeedError(f"{where}: embedding holds NaN or infinity")
    if not any(value):
        raise FeedError(f"{where}: embedding is all zeros (no direction for cosine similarity)")
    return [float(x) for x in value]


def _price(value: Any, where: str) -> float:
    if value in (None, ""):
        return 0.0
    try:
        price = float(value)
    except (TypeError, ValueError):
        raise FeedError(f"{where}: price {value!r} is not a number") from None
    if not math.isfinite(price) or price < 0:
        raise FeedError(f"{where}: price {value!r} must be a non-negative number")
    return price


def feed_records(path: str) -> list[Record]:
    """The feed's products, validated (one-line `FeedError` naming the file and record)."""
    out = []
    for number, row in enumerate(read_feed(path, ["name"]), start=1):
        where = f"feed {path}: record {number}"
        text = ProductText(
            name=str(row["name"]).strip(),
            description=str(row.get("description") or "").strip(),
            category=str(row.get("category") or "misc").strip() or "misc",
            price=_price(row.get("price"), where),
        )
        vector = row.get("embedding")
        out.append(Record(text, None if vector in (None, "") else _vector(vector, where)))
    return out


# --------------------------------------------------------------------------- seeding


def _chunks(records: Sequence[Record] | Iterator[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _preview(vector: Sequence[float]) -> str:
    return "[" + ", ".join(f"{x:.3f}" for x in vector[:3]) + f", ...] ({len(vector)}-dim)"


def seed(count: int = 200, feed: str | None = None, progress: bool = False, *, workers: int = 16) -> int:
    """Write ``count`` generated products (or the feed's) with their embeddings; return how many."""
    global last_stats
    if feed is not None:
        records: list[Record] | Iterator[Record] = feed_records(feed)
        total = len(records)
    else:
        check_count(count, MAX_PRODUCTS)
        records = (Record(t) for t in generate(count))
        total = count
    ProductEmbedding.sync_table()
    stats = SeedStats()
    with SeedProgress(THEME, total, enabled=progress) as ui:
        for chunk in _chunks(records, CHUNK):
            docs = _embedded(chunk, stats, ui)
            started = time.perf_counter()
            stats.products += write_all(docs, workers=workers, on_saved=lambda *_: ui.advance("write"))
            stats.write_seconds += time.perf_counter() - started
            for r in chunk:
                stats.categories[r.text.category] = stats.categories.get(r.text.category, 0) + 1
        last_stats = stats
        ui.finish(
            [{"category": name, "n": n} for name, n in sorted(stats.categories.items())],
            products=stats.products,
            embedding_rate=stats.embeddings_per_second,
            write_rate=stats.rows_per_second,
        )
    return stats.products


def _embedded(chunk: list[Record], stats: SeedStats, ui: SeedProgress) -> list[ProductEmbedding]:
    """The chunk's documents, each with its feed's vector or one embedded now (in batches, each
    shown on the embedding bar)."""
    from vector_search import embeddings

    todo = [i for i, r in enumerate(chunk) if r.embedding is None]
    vectors: dict[int, list[float]] = {}
    if todo:
        texts = [embedding_text(chunk[i].text.name, chunk[i].text.description) for i in todo]
        started = time.perf_counter()

        def on_batch(start: int, batch: Any) -> None:
            upto = stats.embedded + start + len(batch)
            ui.advance("embed", len(batch), upto=upto, text=clip(texts[start], 38), vector=_preview(batch[0]))

        array = embeddings.encode(texts, on_batch=on_batch)
        stats.embed_seconds += time.perf_counter() - started
        stats.embedded += len(todo)
        vectors = {i: array[n].tolist() for n, i in enumerate(todo)}
    else:
        first = chunk[0]
        ui.advance(
            "embed",
            len(chunk),
            upto=stats.embedded,
            text=clip(first.text.name, 38),
            vector=_preview(first.embedding or []),
        )
    return [
        ProductEmbedding(
            name=r.text.name,
            description=r.text.description,
            category=r.text.category,
            price=r.text.price,
            embedding=r.embedding if r.embedding is not None else vectors[i],
        )
        for i, r in enumerate(chunk)
    ]


cli = seed_cli(seed, default_count=2000, what="products", max_count=MAX_PRODUCTS)

if __name__ == "__main__":
    cli()
