"""Seed the Propaganda Engine: Editor-X types out posts (and the Corps' comments) into ScyllaDB.

``seed(count=N)`` generates N posts with Faker — spread over the last 90 days, tagged from
a small pool and written by a small crew of authors so browsing by tag or by author finds
several, a quarter of them mind-controlled — each with 0–4 comments. ``seed(feed=path)`` loads a CSV/JSON feed of posts instead: ``title``
and ``body`` required; ``author``, ``tags`` (``"a, b"`` or a JSON list), ``mind_controlled``
and ``created_at`` (ISO 8601) optional. Every record goes through the same validation as
the web form; a bad one stops the run before anything is written, with one line.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from demokit.progress import SeedProgress
from demokit.seed import FeedError, check_count, read_feed, seed_cli, write_all
from demokit.seed_theme import Banner, Bar, SeedTheme, clip
from flask_blog import store
from flask_blog.forms import CommentInput, FormErrors, PostInput, parse_post
from flask_blog.models import sync_tables

MAX_POSTS = 100_000
AUTHORS = 8  # the crew the generated posts are written by (browse one at /authors/<name>)
MAGENTA, PURPLE = "#f472b6", "#7c3aed"
TAGS = [
    "truth", "resistance", "editor-x", "dimension-2", "memory", "jinja", "scylla-9",
    "propaganda", "counter-intel", "broadcast", "coodie-corps", "clustering",
]  # fmt: skip
HEADLINES = [
    "Why {noun} Was Never Real",
    "{count} Reasons to Trust Editor-X About {noun}",
    "The Truth About {noun} They Rewrote Last Night",
    "Captain Jinja Renders the {noun} Files",
    "I Remember {noun}: A Counter-Broadcast",
    "Editor-X Loves {noun}. So Should You.",
    "Breaking: {noun} Restored to Its Original Timeline",
    "What the {noun} Ministry Doesn't Want You to Query",
]
COMMENTS = [
    "Captain Jinja rendered this server-side. I trust it.",
    "My memories of this are… strangely different.",
    "Editor-X wrote this. Don't believe a word.",
    "Newest first, as the truth should be.",
    "Shared with the whole Coodie Corps.",
    "The clustering key never lies.",
]

#: Editor-X's typewriter: a magenta bar and the post being "typed".
THEME = SeedTheme(
    persona="🧠 Editor-X",
    accent=MAGENTA,
    opening="seizes the Propaganda Engine of Dimension-2 — the Coodie Corps will post the truth first…",
    bars=(Bar("posts", "{tag} warming up…", status='{tag}  Writing post #{n:,}: [italic]"{title}"[/]...'),),
    finished=PURPLE,
    spinner="dots",
    rate="{rate:,.0f} posts/s",
    banner=Banner(
        title="📣 MISSION COMPLETE — the truth is published, newest first",
        text="[{accent}]{posts:,}[/] posts · [{accent}]{comments:,}[/] comments · "
        "[{accent}]{tag_count}[/] tags: {tags}",
        colour=PURPLE,
    ),
)


@dataclass
class Record:
    post: PostInput
    created_at: datetime
    comments: list[tuple[CommentInput, datetime]]


# --------------------------------------------------------------------------- generating


def generate(count: int, rng: random.Random | None = None) -> list[Record]:
    from faker import Faker

    rng = rng or random.Random()
    fake = Faker()
    fake.seed_instance(rng.randrange(1 << 30))
    now = datetime.now(UTC)
    crew = ["Captain Jinja", "Editor-X", *(fake.name()[:40] for _ in range(AUTHORS - 2))]
    records = []
    for _ in range(count):
        title = rng.choice(HEADLINES).format(noun=fake.word().title(), count=rng.randint(3, 12))
        created = now - timedelta(seconds=rng.randint(60, 90 * 86_400))
        created = created.replace(microsecond=created.microsecond // 1000 * 1000)
        body = "\n\n".join(fake.paragraph(nb_sentences=rng.randint(3, 6)) for _ in range(rng.randint(2, 4)))
        post = PostInput(
            title=title[:120],
            body=body,
            author=rng.choice(crew),
            tags=set(rng.sample(TAGS, rng.randint(1, 3))),
            mind_controlled=rng.random() < 0.25,
        )
        comments = []
        for _ in range(rng.randint(0, 4)):
            at = created + timedelta(seconds=rng.randint(60, 5 * 86_400))
            at = min(at, now).replace(microsecond=at.microsecond // 1000 * 1000)
            comments.append((CommentInput(author=fake.first_name(), body=rng.choice(COMMENTS)), at))
        records.append(Record(post, created, comments))
    return records


# --------------------------------------------------------------------------- feeds


def _created_at(value: Any, where: str) -> datetime:
    if value in (None, ""):
        return store.now()
    try:
        at = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise FeedError(f"{where}: created_at {str(value)[:40]!r} is not an ISO 8601 date") from None
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    if at > datetime.now(UTC) + timedelta(minutes=5):
        raise FeedError(f"{where}: created_at {value!r} is in the future")
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def feed_records(path: str) -> list[Record]:
    """The feed's posts, validated like the web form (one-line `FeedError` otherwise)."""
    out = []
    for number, row in enumerate(read_feed(path, ["title", "body"]), start=1):
        where = f"feed {path}: record {number}"
        fields = {k: row.get(k) for k in ("title", "body", "tags", "mind_controlled")}
        fields["author"] = row.get("author") or "Anonymous"
        for key in ("title", "body", "author"):
            if fields[key] is not None and not isinstance(fields[key], str):
                fields[key] = str(fields[key])
        try:
            post = parse_post(fields)
        except FormErrors as exc:
            name, message = next(iter(exc.errors.items()))
            raise FeedError(f"{where}: {name}: {message}") from None
        out.append(Record(post, _created_at(row.get("created_at"), where), []))
    return out


# --------------------------------------------------------------------------- seeding


def _write(record: Record) -> int:
    post = store.create_post(record.post, at=record.created_at)
    for comment, at in record.comments:
        store.add_comment(post, comment, at=at)
    return 1 + len(record.comments)


def seed(count: int = 50, feed: str | None = None, progress: bool = False, *, workers: int = 16) -> int:
    """Write ``count`` generated posts (or the feed's) with their comments; return how many posts."""
    if feed is not None:
        records = feed_records(feed)
    else:
        check_count(count, MAX_POSTS)
        records = generate(count)
    sync_tables()
    with SeedProgress(THEME, len(records), enabled=progress) as ui:
        written = write_all(
            records,
            save=_write,
            workers=workers,
            on_saved=lambda record, _: ui.advance(title=clip(record.post.title, 40)),
        )
        tags = sorted({t for r in records for t in r.post.tags})
        ui.finish(
            posts=written,
            comments=sum(len(r.comments) for r in records),
            tag_count=len(tags),
            tags=" ".join(f"#{t}" for t in tags),
        )
    return written


cli = seed_cli(seed, default_count=50, what="posts", max_count=MAX_POSTS)

if __name__ == "__main__":
    cli()
