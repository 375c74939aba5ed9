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

import click

from demokit.seed import FeedError, read_feed, seed_cli, write_all
from vector_search.catalog import ProductText, generate
from vector_search.models import DIMENSIONS, ProductEmbedding, embedding_text

MAX_PRODUCTS = 100_000
CHUNK = 2_048
PURPLE, PINK = "#7c3aed", "#ec4899"


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
    from vector_search import embeddings

    if feed is not None:
        records: list[Record] | Iterator[Record] = feed_records(feed)
        total = len(records)
    else:
        if not 1 <= count <= MAX_PRODUCTS:
            raise click.ClickException(f"--count must be between 1 and {MAX_PRODUCTS:,}, not {count}")
        records = (Record(t) for t in generate(count))
        total = count
    ProductEmbedding.sync_table()
    stats = SeedStats()
    ui = _Ui(total) if progress else None
    try:
        for chunk in _chunks(records, CHUNK):
            todo = [i for i, r in enumerate(chunk) if r.embedding is None]
            vectors: dict[int, list[float]] = {}
            if todo:
                texts = [embedding_text(chunk[i].text.name, chunk[i].text.description) for i in todo]
                started = time.perf_counter()

                def on_batch(start: int, batch: Any, texts: list[str] = texts) -> None:
                    if ui is not None:
                        ui.embedded(len(batch), stats.embedded + start + len(batch), texts[start], batch[0])

                array = embeddings.encode(texts, on_batch=on_batch)
                stats.embed_seconds += time.perf_counter() - started
                stats.embedded += len(todo)
                vectors = {i: array[n].tolist() for n, i in enumerate(todo)}
            elif ui is not None:
                ui.embedded(len(chunk), stats.embedded, chunk[0].text.name, chunk[0].embedding or [])
            docs = [
                ProductEmbedding(
                    name=r.text.name,
                    description=r.text.description,
                    category=r.text.category,
                    price=r.text.price,
                    embedding=r.embedding if r.embedding is not None else vectors[i],
                )
                for i, r in enumerate(chunk)
            ]
            started = time.perf_counter()
            written = write_all(docs, workers=workers)
            stats.write_seconds += time.perf_counter() - started
            stats.products += written
            for r in chunk:
                stats.categories[r.text.category] = stats.categories.get(r.text.category, 0) + 1
            if ui is not None:
                ui.written(written)
    finally:
        if ui is not None:
            ui.stop()
    last_stats = stats
    if ui is not None:
        ui.banner(stats)
    return stats.products


class _Ui:
    """VECTORMIND's rich progress: a purple embedding bar, a pink writing bar."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = Console()
        self.console.print(
            f"[bold {PURPLE}]🧠 VECTORMIND[/] [dim]awakens in Dimension-12 — loading all-MiniLM-L6-v2 (384-d)…[/]"
        )
        self.progress = Progress(
            SpinnerColumn("dots12", style=PINK),
            TextColumn("{task.description}"),
            BarColumn(bar_width=32, style="grey23", complete_style=PURPLE, finished_style=PINK),
            MofNCompleteColumn(),
            TextColumn("[dim]{task.fields[rate]}[/]"),
            TimeElapsedColumn(),
            console=self.console,
        )
        self.progress.start()
        self.total = total
        self.embed_task = self.progress.add_task(
            f"[bold {PURPLE}][🧠 VECTORMIND][/] embedding", total=total, rate=""
        )
        self.write_task = self.progress.add_task(
            f"[bold {PINK}][💾 SCYLLADB  ][/] writing", total=total, rate=""
        )
        self.started = time.perf_counter()
        self.done_embedding = 0
        self.done_writing = 0

    def embedded(self, n: int, upto: int, text: str, vector: Sequence[float]) -> None:
        self.done_embedding += n
        if len(text) > 38:
            text = text[:37] + "…"
        rate = self.done_embedding / max(time.perf_counter() - self.started, 1e-9)
        self.progress.update(
            self.embed_task,
            completed=self.done_embedding,
            description=f'[bold {PURPLE}][🧠 VECTORMIND][/] Embedding #{upto:,}: [italic]"{text}"[/] → '
            f"[{PINK}]{_preview(list(vector))}[/]",
            rate=f"{rate:,.0f}/s",
        )

    def written(self, n: int) -> None:
        self.done_writing += n
        rate = self.done_writing / max(time.perf_counter() - self.started, 1e-9)
        self.progress.update(self.write_task, completed=self.done_writing, rate=f"{rate:,.0f}/s")

    def stop(self) -> None:
        self.progress.stop()

    def banner(self, stats: SeedStats) -> None:
        from rich.panel import Panel
        from rich.table import Table

        table = Table.grid(padding=(0, 2))
        for name, n in sorted(stats.categories.items()):
            table.add_row(f"[{PINK}]{name}[/]", f"{n:,}")
        self.console.print(
            Panel(
                table,
                title=f"[bold {PURPLE}]🔮 {stats.products:,} embeddings loaded into the Embedding Dimension[/]",
                subtitle=f"[dim]{stats.embeddings_per_second:,.0f} embeddings/s · {stats.rows_per_second:,.0f} rows/s written[/]",
                border_style=PURPLE,
                expand=False,
            )
        )


cli = seed_cli(seed, default_count=2000, what="products")

if __name__ == "__main__":
    cli()
