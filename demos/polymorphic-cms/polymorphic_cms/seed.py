"""Seed the Shapeshifter's Archive: MORPH-IX generates articles, videos, shorts and podcasts.

``seed(count=N)`` generates N pieces in turn (article, video, podcast, short, …), each saved
through its own class, so coodie writes its discriminator; ``seed(feed=path)`` loads a CSV/JSON
feed whose ``type`` column picks the form. Every record is checked by the same `NewContent` as
the web forms: a bad type or a field not of that type stops the seed with one line.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

from faker import Faker

from demokit.bodies import BadBody, validate_form
from demokit.progress import SeedProgress
from demokit.seed import FeedError, check_count, read_feed, seed_cli, write_all
from demokit.seed_theme import Banner, Bar, Column, Markup, SeedTheme, clip
from polymorphic_cms.archive import NewContent, create, refusal, sync_archive
from polymorphic_cms.looks import LOOKS
from polymorphic_cms.models import Content

MAX_CONTENT = 10_000  # each form is one partition: keep them small
VIOLET = LOOKS["video"].colour
ROTATION = ["article", "video", "podcast", "short", "article", "video"]

TITLES = {
    "article": [
        "The Article That Became a Video Mid-Sentence",
        "Ten Forms I Took Before Breakfast",
        "A Peer-Reviewed Paper That Started as a Meme",
        "Why All Content Is One",
        "How to Classify a Shapeshifter",
        "A Field Guide to Discriminator Columns",
        "Notes From Inside a Shared Table",
    ],
    "video": [
        "Watch Me Turn Into a Podcast (Live)",
        "Unboxing a Discriminator Column",
        "One Table to Hold Them All",
        "Morphing at 60 Frames per Second",
        "The Coodie Corps Try to Pin Me Down",
        "A Day in the Life of a Partition Key",
    ],
    "short": [
        "POV: you are a row in a shared table",
        "Blink and I'm a blog post",
        "Single-table inheritance in 15 seconds",
        "The fastest morph in Dimension-11",
        "Wait for the discriminator…",
    ],
    "podcast": [
        "Pause Me and I Become a Blog Post",
        "Conversations With the Coodie Corps",
        "The Singularity of Undifferentiated Content",
        "Partition Keys and Other Identities",
        "Is a Short Still a Video? A Debate",
    ],
}
SUMMARIES = [
    "Started life as {other}, then thought better of it.",
    "Morph-IX swears this was {other} yesterday.",
    "Do not pause it: it turns into {other}.",
    "Contains traces of {other}.",
    "Filed under type = '{kind}', for now.",
    "Classified by the Coodie Corps on sight.",
    "Peer-reviewed by three shapeshifters and {other}.",
]
OTHER = {"article": "an article", "video": "a video", "short": "a short", "podcast": "a podcast"}
SOUNDS = ["original audio", "morph.wav", "synthwave loop", "dial-up modem remix", "a violin, reversed"]


def theme(totals: Counter[str]) -> SeedTheme:
    """MORPH-IX's progress: a line per form it takes and a bar per type, in that type's colour."""
    bars = [Bar("archive", "{tag}  the archive", colour=VIOLET)]
    bars += [
        Bar(kind, f"{look.icon} {look.plural}", colour=look.colour, total=totals[kind])
        for kind, look in LOOKS.items()
        if totals[kind]
    ]
    return SeedTheme(
        persona="🎭 MORPH-IX",
        accent=VIOLET,
        opening="wakes in Dimension-11. Every form it takes lands in one table…",
        bars=tuple(bars),
        line='{tag}  Generating {kind} #{number}: "{title}"... (discriminator: {disc})',
        lines=12,
        every=25,
        spinner="arc",
        banner=Banner(
            title="🎭 {written} forms archived in {seconds:.1f}s",
            text="One table, [bold]contents[/]; one partition per [bold]type[/] (the discriminator).",
            columns=(
                Column("form", "{form}"),
                Column("rows", "{rows}", justify="right"),
                Column("discriminator", "[dim]type = '{disc}'[/]"),
            ),
        ),
    )


def generate(count: int) -> list[dict[str, Any]]:
    """Deterministic content (Faker seeded: the spec seeds the same rows every run)."""
    fake = Faker()
    fake.seed_instance(11)
    rows: list[dict[str, Any]] = []
    per_kind: Counter[str] = Counter()
    for kind in itertools.islice(itertools.cycle(ROTATION), count):
        per_kind[kind] += 1
        n, titles = per_kind[kind], TITLES[kind]
        take = (n - 1) // len(titles) + 1
        other = fake.random_element([OTHER[k] for k in OTHER if k != kind])
        row: dict[str, Any] = {
            "type": kind,
            "title": titles[(n - 1) % len(titles)] + (f" (take {take})" if take > 1 else ""),
            "author": fake.name(),
            "summary": fake.random_element(SUMMARIES).format(other=other, kind=kind),
        }
        rows.append(row | own_fields(fake, kind, n))
    return rows


def own_fields(fake: Faker, kind: str, n: int) -> dict[str, Any]:
    """The fields only ``kind`` has (a Short: a Video's and its own)."""
    if kind == "article":
        return {"body": fake.paragraph(4), "reading_minutes": fake.random_int(1, 20)}
    if kind == "podcast":
        return {"host": fake.first_name(), "episode": n, "minutes": fake.random_int(12, 90)}
    fields = {
        "duration_s": fake.random_int(5, 60 if kind == "short" else 3600),
        "resolution": fake.random_element(["720p", "1080p", "4K"]),
    }
    return fields | ({"sound": fake.random_element(SOUNDS)} if kind == "short" else {})


def feed_rows(path: str) -> list[dict[str, Any]]:
    """The feed's records, validated as the web forms are (one-line `FeedError` naming the record).
    A blank cell is "not given", so a CSV can hold every form's columns."""
    out = []
    for number, record in enumerate(read_feed(path, ["type", "title"]), start=1):
        given = {name: value for name, value in record.items() if value not in (None, "")}
        try:
            data = validate_form(NewContent, given)
        except BadBody as exc:
            raise FeedError(f"feed {path}: record {number}: {refusal(exc)}") from None
        out.append(data.root.model_dump())
    return out


def seed(count: int = 40, feed: str | None = None, progress: bool = False, *, workers: int = 16) -> int:
    """Save ``count`` generated pieces (or the feed's), each through its own class; return how many."""
    if feed is not None:
        rows = feed_rows(feed)
    else:
        check_count(count, MAX_CONTENT)
        rows = generate(count)
    sync_archive()
    bodies = [NewContent.model_validate(row) for row in rows]
    totals: Counter[str] = Counter()
    numbers: dict[int, int] = {}  # each body's place among its type's (Video #3)
    for body in bodies:
        totals[body.root.type] += 1
        numbers[id(body)] = totals[body.root.type]

    def saved(body: NewContent, doc: Content) -> None:
        look = LOOKS[doc.type]
        kind = Markup(f"[bold {look.colour}]{look.icon} {look.label}[/]")
        ui.advance(kind=kind, number=numbers[id(body)], title=clip(doc.title, 40), disc=doc.type)
        ui.advance(doc.type)

    with SeedProgress(theme(totals), len(bodies), enabled=progress) as ui:
        written = write_all(bodies, save=create, workers=workers, on_saved=saved)
        table = [
            {
                "form": Markup(f"[{look.colour}]{look.icon} {look.label}[/]"),
                "rows": totals[kind],
                "disc": kind,
            }
            for kind, look in LOOKS.items()
            if totals[kind]
        ]
        ui.finish(table, written=written)
    return written


cli = seed_cli(seed, default_count=40, what="pieces of content", max_count=MAX_CONTENT)

if __name__ == "__main__":
    cli()
