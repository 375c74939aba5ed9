"""Seed the Popularity Singularity: items, then LikeBot Omega's votes on their counters.

``seed(count=N)`` invents N items (cat videos, memes, hot takes) with Faker and inflates each
counter by a random amount; ``seed(feed=path)`` loads a CSV/JSON feed of ``name`` and
optionally ``id``, ``emoji``, ``kind``, ``votes`` (a whole number, negative allowed). Items are
upserts; votes are counter deltas, so seeding twice adds LikeBot's votes again — counters
have no "set to".
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from demokit.progress import SeedProgress
from demokit.seed import FeedError, check_count, read_feed, seed_cli, write_all
from demokit.seed_theme import Banner, Bar, Column, SeedTheme
from realtime_counters.models import Item, ItemVotes
from realtime_counters.service import ID_RE, MAX_EMOJI, MAX_KIND, MAX_NAME, auto_ids, slugify

MAX_ITEMS = 10_000
MAX_FEED_VOTES = 1_000_000_000
NEON, RED = "#4ade80", "#f87171"

KINDS = [
    (
        "cat video",
        "🐱",
        ["{adj} Cat Knocks Over {thing}", "{adj} Kitten vs. {thing}", "Cat Discovers {thing}"],
    ),
    (
        "meme",
        "🐸",
        ["{adj} Frog Reacts to {thing}", "Distracted {adj} Boyfriend", "This Is Fine ({thing} Edition)"],
    ),
    ("hot take", "🔥", ["{thing} Is Overrated", "Unpopular Opinion: {adj} {thing}", "Why {thing} Must End"]),
    ("dance", "🕺", ["The {adj} {thing} Challenge", "{adj} Robot Dance", "Moonwalk Over {thing}"]),
    ("dog video", "🐶", ["{adj} Dog Meets {thing}", "Good Boy Guards {thing}", "Corgi Herds {thing}"]),
    ("recipe", "🍕", ["{adj} Pizza with {thing}", "One-Pan {thing}", "Five-Minute {adj} Ramen"]),
]
ADJECTIVES = [
    "Sentient",
    "Grumpy",
    "Quantum",
    "Chonky",
    "Cursed",
    "Galactic",
    "Tiny",
    "Dramatic",
    "Sleepy",
    "Turbo",
]
THINGS = [
    "Vase",
    "Cucumber",
    "Laser Pointer",
    "Roomba",
    "Cardboard Box",
    "Keyboard",
    "Pineapple",
    "Moon",
    "Toaster",
    "Printer",
]


#: LikeBot Omega's narration: a neon bar, a line per counter, the top counters' bar chart at the end.
THEME = SeedTheme(
    persona="🎮 LIKEBOT OMEGA",
    tag="🎮 LIKEBOT",
    accent=NEON,
    opening="wakes up in Dimension-5 and targets {total} items…",
    bars=(Bar("counters", "[{accent}]inflating counters[/]"),),
    spinner=None,
    bar_width=40,
    line="{tag}  Inflating counter #{n}... [{colour}]{delta}[/]  {emoji} {name}",
    banner=Banner(
        title="📊 Top counters (Total after LikeBot's visit)",
        columns=(
            Column(cell="{name}"),
            Column(cell="[{colour}]{bar}[/]"),
            Column(cell="{votes:,}", justify="right"),
        ),
    ),
)


@dataclass(frozen=True)
class Record:
    item: Item
    votes: int


def generate(count: int, rng: random.Random) -> list[Record]:
    """``count`` items with stable ids (``<slug>-<n>``) and LikeBot's random vote inflation."""
    out = []
    for n in range(1, count + 1):
        kind, emoji, patterns = KINDS[(n - 1) % len(KINDS)]
        name = rng.choice(patterns).format(adj=rng.choice(ADJECTIVES), thing=rng.choice(THINGS))
        item_id = f"{slugify(name)[:33].strip('-')}-{n:04d}"
        votes = int(rng.paretovariate(1.2) * 40)  # a few go viral, most stay small
        out.append(Record(Item(id=item_id, name=name, emoji=emoji, kind=kind), min(votes, 250_000)))
    return out


def _text(value: Any, field: str, limit: int, where: str, default: str | None = None) -> str:
    if value in (None, ""):
        if default is None:
            raise FeedError(f"{where}: {field} is required")
        return default
    text = str(value).strip()
    if not text or len(text) > limit:
        raise FeedError(f"{where}: {field} must be 1-{limit} characters")
    return text


def _votes(value: Any, where: str) -> int:
    if value in (None, ""):
        return 0
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise FeedError(f"{where}: votes {value!r} is not a whole number")
    if isinstance(value, str) and not re.fullmatch(r"\s*[+-]?\d+\s*", value):
        raise FeedError(f"{where}: votes {value!r} is not a whole number")
    votes = int(value)
    if abs(votes) > MAX_FEED_VOTES:
        raise FeedError(f"{where}: votes {votes} is beyond ±{MAX_FEED_VOTES:,}")
    return votes


def feed_records(path: str) -> list[Record]:
    """The feed's items, validated (a one-line `FeedError` naming the file and record)."""
    out: list[Record] = []
    seen: set[str] = set()
    for number, row in enumerate(read_feed(path, ["name"]), start=1):
        where = f"feed {path}: record {number}"
        name = _text(row.get("name"), "name", MAX_NAME, where)
        item_id = str(row.get("id") or auto_ids(name)[0]).strip()
        if not ID_RE.match(item_id):
            raise FeedError(f"{where}: id {item_id!r} must be 1-40 lowercase letters, digits and dashes")
        if item_id in seen:
            raise FeedError(f"{where}: id {item_id!r} appears twice")
        seen.add(item_id)
        item = Item(
            id=item_id,
            name=name,
            emoji=_text(row.get("emoji"), "emoji", MAX_EMOJI, where, "🐱"),
            kind=_text(row.get("kind"), "kind", MAX_KIND, where, "cat video"),
        )
        out.append(Record(item, _votes(row.get("votes"), where)))
    return out


def _apply(record: Record) -> None:
    counter = ItemVotes(id=record.item.id)
    if record.votes > 0:
        counter.increment(votes=record.votes)
    elif record.votes < 0:
        counter.decrement(votes=-record.votes)


def seed(count: int = 24, feed: str | None = None, progress: bool = False, *, workers: int = 16) -> int:
    """Write the items and add their votes to the counters; return how many items."""
    if feed is not None:
        records = feed_records(feed)
    else:
        check_count(count, MAX_ITEMS)
        records = generate(count, random.Random(count))
    Item.sync_table()
    ItemVotes.sync_table()
    with SeedProgress(THEME, len(records), enabled=progress) as ui:
        written = write_all([r.item for r in records], workers=workers)
        ui.say("{tag}  {n} items upserted into [bold]items[/]", n=written)

        def inflated(record: Record, _: None) -> None:
            colour = NEON if record.votes > 0 else RED
            ui.advance(
                delta=f"{record.votes:+d}", colour=colour, emoji=record.item.emoji, name=record.item.name
            )

        write_all([r for r in records if r.votes], save=_apply, workers=workers, on_saved=inflated)
        if ui.enabled:
            ui.advance(completed=len(records))
            ui.finish(_top_counters(records))
    return written


def _top_counters(records: list[Record]) -> list[dict[str, Any]]:
    """The banner's bar chart: the ten biggest counters of this seed, read back from the database."""
    ids = {r.item.id for r in records}
    totals = sorted(
        ((row.id, int(row.votes or 0)) for row in ItemVotes.find().all() if row.id in ids),
        key=lambda t: -t[1],
    )[:10]
    names = {r.item.id: f"{r.item.emoji} {r.item.name}" for r in records}
    peak = max((abs(v) for _, v in totals), default=1) or 1
    return [
        {
            "name": names[item_id][:36],
            "bar": "█" * max(1, round(30 * abs(votes) / peak)),
            "colour": NEON if votes >= 0 else RED,
            "votes": votes,
        }
        for item_id, votes in totals
    ]


cli = seed_cli(seed, default_count=24, what="items", max_count=MAX_ITEMS)
