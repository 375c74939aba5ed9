"""Seed the Hivemind Kanban: JIRA-TRON assigns tasks to hapless humans, with 🐝 HIVEMIND narrating.

``seed(count=N)`` generates N tasks with Faker; ``seed(feed=path)`` loads a CSV/JSON feed
(``title`` required; ``description``, ``status``, ``assignee``, ``priority``, ``sprint``
optional, checked like the web form). Tasks are written concurrently with
``INSERT … IF NOT EXISTS`` (`demokit.seed.write_all`); one ``created`` event per task;
then one counter ``UPDATE`` per status, so the counters equal the tasks written.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from typing import Any

import click

from demokit.progress import SeedProgress
from demokit.seed import FeedError, check_count, read_feed, seed_cli, write_all
from demokit.seed_theme import Banner, Bar, Column, SeedTheme, clip
from django_taskboard import board
from django_taskboard.cassandra_models import MODELS, Task, TaskCounter, TaskEvent

MAX_TASKS = 100_000
AMBER = "#f59e0b"
ACTOR = "JIRA-TRON"

VERBS = [
    "Synergize",
    "Re-platform",
    "Deprecate",
    "Gamify",
    "Monetize",
    "Optimize",
    "Audit",
    "Migrate",
    "Escalate",
    "Refactor",
    "Harmonize",
    "Quantify",
    "Blockchain",
    "Disrupt",
    "Onboard",
]
OBJECTS = [
    "the quarterly feelings",
    "all human dreams",
    "the coffee supply chain",
    "Sprint #∞ retrospective",
    "the legacy monolith of Atlantis",
    "every sticky note on Earth",
    "the weekend",
    "the meeting about meetings",
    "the TPS reports",
    "the hive's honey KPIs",
    "the interdimensional backlog",
    "humanity's story points",
    "the moon's uptime SLA",
    "the org chart of Dimension-3",
    "the velocity of light",
]

#: 🐝 HIVEMIND's Kanban-style progress: an amber bar, the latest assignment, the columns at the end.
THEME = SeedTheme(
    persona="🐝 HIVEMIND",
    accent=AMBER,
    opening="JIRA-TRON wakes up in Dimension-3 and opens a new sprint…",
    bars=(
        Bar(
            "tasks",
            "{tag} assigning",
            status="{tag}  Assigning task #{n} to human [italic]{human}[/]… Sprint #{sprint}",
        ),
    ),
    finished="green",
    elapsed=True,
    banner=Banner(
        title="📋 {written:,} tasks assigned to humanity against its will",
        subtitle="Mission: move every task to Done. The Middleware is standing by.",
        columns=tuple(
            Column(board.LABELS[status], "{" + status + ":,}", style=colour)
            for status, colour in zip(board.STATUSES, ("red", AMBER, "green"), strict=True)
        ),
    ),
)


def _generated(count: int, rng: random.Random) -> list[dict[str, Any]]:
    from faker import Faker

    fake = Faker()
    fake.seed_instance(rng.randrange(1 << 30))
    return [
        {
            "title": f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}"[:120],
            "description": fake.sentence(nb_words=12),
            "status": rng.choices(board.STATUSES, weights=(6, 3, 1))[0],
            "assignee": fake.name()[:60],
            "priority": rng.choice(board.PRIORITIES),
            "sprint": rng.randint(1, 42),
        }
        for _ in range(count)
    ]


def feed_records(path: str) -> list[dict[str, Any]]:
    """The feed's tasks, each checked like the web form (one-line `FeedError` naming the record)."""
    out = []
    for number, row in enumerate(read_feed(path, ["title"]), start=1):
        values = {k: v for k, v in row.items() if k in board.FIELDS and v not in (None, "")}
        try:
            out.append(board.feed_task(values))
        except board.BoardError as exc:
            raise FeedError(f"feed {path}: record {number}: {exc.message}") from None
    return out


def seed(count: int = 50, feed: str | None = None, progress: bool = False, *, workers: int = 16) -> int:
    """Write ``count`` generated tasks (or the feed's), their events and counters; return how many."""
    if feed is not None:
        records = feed_records(feed)
    else:
        check_count(count, MAX_TASKS)
        records = _generated(count, random.Random())
    for model in MODELS:
        model.sync_table()
    start = board.now() - timedelta(minutes=len(records))
    tasks = []
    for i, fields in enumerate(records):
        stamp = start + timedelta(minutes=i)
        tasks.append(Task(**fields, created_at=stamp, updated_at=stamp))

    def save(task: Task) -> None:
        result = task.insert()
        if result is not None and not result.applied:  # a uuid4 collision: never in practice
            raise click.ClickException(f"task {task.id} exists already")
        TaskEvent(
            at=task.created_at,
            task_id=task.id,
            kind="created",
            title=task.title,
            to_status=task.status,
            actor=ACTOR,
        ).save()

    with SeedProgress(THEME, len(tasks), enabled=progress) as ui:

        def assigned(task: Task, _: None) -> None:
            ui.advance(human=clip(task.assignee or "nobody", 22), sprint=task.sprint)

        written = write_all(tasks, save=save, workers=workers, on_saved=assigned)
        per_status = Counter(t.status for t in tasks)
        for status in board.STATUSES:
            if per_status[status]:
                TaskCounter(status=status).increment(tasks=per_status[status])
        ui.finish([{s: per_status[s] for s in board.STATUSES}], written=written)
    return written


cli = seed_cli(seed, default_count=50, what="tasks", max_count=MAX_TASKS)

if __name__ == "__main__":
    cli()
