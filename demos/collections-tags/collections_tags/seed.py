"""Seed the Infinite Taxonomy: ``seed(count)`` classifies Faker-made articles (a set of tags,
a list of ancestors, a map of properties, a frozen origin set and a byline UDT);
``seed(feed=path)`` loads a CSV/JSON feed (``title`` required; ``tags`` and ``lineage`` as
lists or comma-separated strings, ``props`` as an object or ``k=v, …``, ``author`` as
``Name <email>``). Every record goes through the same validation as the web API."""

from __future__ import annotations

import random
from typing import Any

import click
from pydantic import ValidationError

from collections_tags.models import Article, Byline
from collections_tags.taxonomy import PALETTE, ArticleIn, parse_byline, parse_items, parse_map, parse_tags
from demokit.bodies import FORM, form_fields, refusal
from demokit.seed import FeedError, read_feed, write_all

MAX_ARTICLES = 100_000
TAGS = (
    "paradox",
    "void",
    "philosophy",
    "quantum",
    "entropy",
    "time",
    "cats",
    "recursion",
    "taxonomy",
    "nothing",
    "infinity",
    "dimension-8",
    "scylladb",
    "cql",
    "collections",
    "frozen",
    "ancient",
    "mythology",
    "cosmos",
    "biology",
    "language",
    "music",
    "machines",
)
LINEAGE = ("Being", "Matter", "Life", "Mind", "Language", "Concept", "Paradox", "Void", "Number", "Star")
MOODS = ("ominous", "serene", "chaotic", "curious", "melancholic", "radiant")
ERAS = ("pre-void", "post-void", "first-cataloguing", "the-great-untangling")


def generate(count: int, seed: int = 8) -> list[dict[str, Any]]:
    from faker import Faker

    fake = Faker()
    fake.seed_instance(seed)
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        tags = set(rng.sample(TAGS, rng.randint(1, 5)))
        start = rng.randrange(len(LINEAGE) - 3)
        out.append(
            {
                "title": f"On the {fake.word().title()} of {rng.choice(LINEAGE)}",
                "tags": tags,
                "lineage": list(LINEAGE[start : start + rng.randint(1, 4)]),
                "props": {
                    "mood": rng.choice(MOODS),
                    "era": rng.choice(ERAS),
                    "labels": str(rng.randint(1, 47_000_000)),
                },
                "author": {"name": fake.name(), "email": fake.email()},
            }
        )
    return out


def feed_records(path: str) -> list[dict[str, Any]]:
    """The feed's articles, each read as the web form reads one (``"a, b"``, ``k=v``, ``Name <email>``)."""
    records = []
    for number, row in enumerate(read_feed(path, ["title"]), start=1):
        body = {k: v for k, v in row.items() if v not in (None, "")}
        try:
            data = form_fields(ArticleIn, body)  # a CSV's text: "a, b" is a list
            records.append(ArticleIn.model_validate(data, strict=False, context={FORM: True}).fields())
        except ValidationError as exc:
            raise FeedError(f"feed {path}: record {number}: {refusal(ArticleIn, exc)}") from None
    return records


def seed(count: int = 120, feed: str | None = None, progress: bool = False, *, workers: int = 16) -> int:
    """Write ``count`` generated articles (or the feed's); return how many."""
    if feed is not None:
        fields = feed_records(feed)
    else:
        if not 1 <= count <= MAX_ARTICLES:
            raise click.ClickException(f"--count must be between 1 and {MAX_ARTICLES:,}, not {count}")
        fields = []
        for raw in generate(count):
            tags = parse_tags(list(raw["tags"]))
            fields.append(
                {
                    "title": raw["title"],
                    "tags": tags,
                    "origin": frozenset(tags),
                    "lineage": parse_items(raw["lineage"]),
                    "props": parse_map(raw["props"]),
                    "author": Byline(**parse_byline(raw["author"])),
                }
            )
    Article.sync_table()
    docs = [Article(**f) for f in fields]
    ui = _Ui(len(docs)) if progress else None

    def save(doc: Article) -> None:
        doc.save()
        if ui is not None:
            ui.classified(doc)

    try:
        written = write_all(docs, save=save, workers=workers)
    finally:
        if ui is not None:
            ui.stop()
    if ui is not None:
        ui.banner(docs)
    return written


class _Ui:
    """TAGMIND's rich output: a rainbow progress bar, one line per entity, a tag tree at the end."""

    def __init__(self, total: int) -> None:
        import threading

        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

        self.lock = threading.Lock()
        self.console = Console()
        self.console.print(
            "[bold #a78bfa]📚 TAGMIND[/] [dim]wakes in Dimension-8 and starts classifying everything…[/]"
        )
        self.progress = Progress(
            SpinnerColumn("dots", style="#f472b6"),
            TextColumn("{task.description}"),
            BarColumn(bar_width=30, complete_style="#a78bfa", finished_style="#34d399"),
            MofNCompleteColumn(),
            console=self.console,
        )
        self.progress.start()
        self.task = self.progress.add_task("[bold #a78bfa][📚 TAGMIND][/] classifying", total=total)
        self.n = 0

    @staticmethod
    def rainbow(tags: Any) -> str:
        return (
            "{" + ", ".join(f"[{PALETTE[sum(t.encode()) % len(PALETTE)]}]{t}[/]" for t in sorted(tags)) + "}"
        )

    def classified(self, doc: Article) -> None:
        with self.lock:
            self.n += 1
            if self.n <= 8 or self.n % 25 == 0:
                props = ", ".join(f"{k}: {v}" for k, v in sorted(doc.props.items()))
                self.progress.console.print(
                    f"[bold #a78bfa][📚 TAGMIND][/]  Classifying entity #{self.n}... "
                    f"tags: {self.rainbow(doc.tags)}, props: [#fb923c]{{{props}}}[/]"
                )
            self.progress.update(self.task, completed=self.n)

    def stop(self) -> None:
        self.progress.stop()

    def banner(self, docs: list[Article]) -> None:
        from collections import Counter

        from rich.tree import Tree

        counts = Counter(t for d in docs for t in d.tags)
        tree = Tree(f"[bold #a78bfa]🌳 The Infinite Taxonomy — {len(docs):,} entities, {len(counts)} tags[/]")
        for tag, n in counts.most_common(12):
            tree.add(f"{self.rainbow([tag])} [dim]× {n}[/]")
        self.console.print(tree)


def _cli() -> click.Command:
    from demokit.seed import seed_cli

    return seed_cli(seed, default_count=120, what="articles")


cli = _cli()

if __name__ == "__main__":
    cli()
