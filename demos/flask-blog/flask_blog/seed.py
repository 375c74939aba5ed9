"""Seed the Propaganda Engine: Editor-X types out posts (and the Corps' comments) into ScyllaDB.

``seed(count=N)`` generates N posts with Faker — spread over the last 90 days, tagged from
a small pool so browsing by tag finds several, a quarter of them mind-controlled — each
with 0–4 comments. ``seed(feed=path)`` loads a CSV/JSON feed of posts instead: ``title``
and ``body`` required; ``author``, ``tags`` (``"a, b"`` or a JSON list), ``mind_controlled``
and ``created_at`` (ISO 8601) optional. Every record goes through the same validation as
the web form; a bad one stops the run before anything is written, with one line.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from demokit.seed import FeedError, read_feed, seed_cli, write_all
from flask_blog import store
from flask_blog.forms import CommentInput, FormErrors, PostInput, parse_post
from flask_blog.models import sync_tables

MAX_POSTS = 100_000
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
    records = []
    for _ in range(count):
        title = rng.choice(HEADLINES).format(noun=fake.word().title(), count=rng.randint(3, 12))
        created = now - timedelta(seconds=rng.randint(60, 90 * 86_400))
        created = created.replace(microsecond=created.microsecond // 1000 * 1000)
        body = "\n\n".join(fake.paragraph(nb_sentences=rng.randint(3, 6)) for _ in range(rng.randint(2, 4)))
        post = PostInput(
            title=title[:120],
            body=body,
            author=fake.name()[:40],
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
        if not 1 <= count <= MAX_POSTS:
            raise click.ClickException(f"--count must be between 1 and {MAX_POSTS:,}, not {count}")
        records = generate(count)
    sync_tables()
    if not progress:
        return write_all(records, save=_write, workers=workers)
    ui = _Ui(len(records))
    try:
        written = write_all(records, save=ui.wrap(_write), workers=workers)
    finally:
        ui.stop()
    ui.banner(written, sum(len(r.comments) for r in records), {t for r in records for t in r.post.tags})
    return written


class _Ui:
    """Editor-X's typewriter: a magenta bar and the post being "typed"."""

    def __init__(self, total: int) -> None:
        import threading

        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

        self.console = Console()
        self.console.print(
            f"[bold {MAGENTA}]🧠 Editor-X[/] [dim]seizes the Propaganda Engine of Dimension-2 — "
            "the Coodie Corps will post the truth first…[/]"
        )
        self.progress = Progress(
            SpinnerColumn("dots", style=MAGENTA),
            TextColumn("{task.description}"),
            BarColumn(bar_width=30, style="grey23", complete_style=MAGENTA, finished_style=PURPLE),
            MofNCompleteColumn(),
            TextColumn("[dim]{task.fields[rate]}[/]"),
            console=self.console,
        )
        self.progress.start()
        self.task = self.progress.add_task(
            f"[bold {MAGENTA}][🧠 Editor-X][/] warming up…", total=total, rate=""
        )
        self.lock = threading.Lock()
        self.done = 0
        self.started = time.perf_counter()

    def wrap(self, write: Any) -> Any:
        def run(record: Record) -> int:
            n = write(record)
            with self.lock:
                self.done += 1
                title = record.post.title if len(record.post.title) <= 40 else record.post.title[:39] + "…"
                rate = self.done / max(time.perf_counter() - self.started, 1e-9)
                self.progress.update(
                    self.task,
                    completed=self.done,
                    description=f'[bold {MAGENTA}][🧠 Editor-X][/]  Writing post #{self.done:,}: [italic]"{title}"[/]...',
                    rate=f"{rate:,.0f} posts/s",
                )
            return n

        return run

    def stop(self) -> None:
        self.progress.stop()

    def banner(self, posts: int, comments: int, tags: set[str]) -> None:
        from rich.panel import Panel

        self.console.print(
            Panel(
                f"[{MAGENTA}]{posts:,}[/] posts · [{MAGENTA}]{comments:,}[/] comments · "
                f"[{MAGENTA}]{len(tags)}[/] tags: " + " ".join(f"#{t}" for t in sorted(tags)),
                title=f"[bold {PURPLE}]📣 MISSION COMPLETE — the truth is published, newest first[/]",
                border_style=MAGENTA,
                expand=False,
            )
        )


cli = seed_cli(seed, default_count=50, what="posts")

if __name__ == "__main__":
    cli()
