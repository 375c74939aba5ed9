"""Seed the Infinite Taxonomy: ``seed(count)`` classifies Faker-made articles (a set of tags,
a list of ancestors, a map of properties, a frozen origin set and a byline UDT);
``seed(feed=path)`` loads a CSV/JSON feed (``title`` required; ``tags`` and ``lineage`` as
lists or comma-separated strings, ``props`` as an object or ``k=v, …``, ``author`` as
``Name <email>``). Every record goes through the same validation as the web API."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from rich.markup import escape

from collections_tags.models import Article, Byline
from collections_tags.taxonomy import PALETTE, ArticleIn, parse_byline, parse_items, parse_map, parse_tags
from demokit.bodies import FORM, form_fields, refusal
from demokit.progress import SeedProgress
from demokit.seed import FeedError, check_count, read_feed, seed_cli, write_all
from demokit.seed_theme import Banner, Bar, Column, Markup, SeedTheme

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

#: TAGMIND's rich output: a violet bar, one line per entity (the first 8, then every 25th), a tag tree.
THEME = SeedTheme(
    persona="📚 TAGMIND",
    accent="#a78bfa",
    opening="wakes in Dimension-8 and starts classifying everything…",
    bars=(Bar("entities", "{tag} classifying"),),
    palette={"orange": "#fb923c"},
    finished="#34d399",
    spinner="dots",
    spinner_style="#f472b6",
    line="{tag}  Classifying entity #{n}... tags: {tags}, props: [{orange}]{{{props}}}[/]",
    lines=8,
    every=25,
    banner=Banner(
        title="🌳 The Infinite Taxonomy — {entities:,} entities, {tag_count} tags",
        text="[dim]the most used tags[/]",
        columns=(Column(cell="{tags}"), Column(cell="[dim]× {n}[/]")),
        tree=True,
    ),
)


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
        check_count(count, MAX_ARTICLES)
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
    with SeedProgress(THEME, len(docs), enabled=progress) as ui:

        def classified(doc: Article, _: None) -> None:
            props = ", ".join(f"{k}: {v}" for k, v in sorted(doc.props.items()))
            ui.advance(tags=rainbow(doc.tags), props=props)

        written = write_all(docs, workers=workers, on_saved=classified)
        counts = Counter(t for d in docs for t in d.tags)
        rows = [{"tags": rainbow([tag]), "n": n} for tag, n in counts.most_common(12)]
        ui.finish(rows, entities=len(docs), tag_count=len(counts))
    return written


def rainbow(tags: Iterable[str]) -> Markup:
    """``{a, b}`` with each tag in its own pastel (the colour the web page gives it)."""
    coloured = (f"[{PALETTE[sum(t.encode()) % len(PALETTE)]}]{escape(t)}[/]" for t in sorted(tags))
    return Markup("{" + ", ".join(coloured) + "}")


cli = seed_cli(seed, default_count=120, what="articles", max_count=MAX_ARTICLES)

if __name__ == "__main__":
    cli()
