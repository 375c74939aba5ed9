"""The seed CLI every demo shares: ``python seed.py --count N`` or ``--feed file.csv|json``.

A demo writes one plain function, ``seed(count=..., feed=...) -> int``, that builds
its documents (from a generator or from feed records) and hands them to
`write_all` (or `write_all_async`); `seed_cli` wraps it in the click command with the
database brought up first. The spec calls the same function directly on its test
keyspace. What the seed shows while it writes is `demokit.progress`.
"""

from __future__ import annotations

import asyncio
import csv
import inspect
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import click

from .progress import SeedProgress
from .registry import KEYSPACE_ENV, DemoConfigError, keyspace_for
from .seed_theme import Banner, Bar, SeedTheme
from .theme import PALETTE

MAX_COUNT = 1_000_000


class FeedError(click.ClickException):
    """A feed file that cannot be used; click prints it as one ``Error: ...`` line."""


def check_count(count: int, maximum: int = MAX_COUNT) -> None:
    """Refuse a ``--count`` outside 1..``maximum`` in one ``Error: ...`` line: the one check the
    CLI makes before the database is touched and a seed makes when the spec calls it directly."""
    if not 1 <= count <= maximum:
        raise click.ClickException(f"--count must be between 1 and {maximum}, not {count}")


def read_feed(path: str | Path, required: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Records of a ``.csv`` (header row) or ``.json`` (a list of objects) feed file,
    each checked to have the ``required`` fields."""
    path = Path(path)
    if not path.is_file():
        raise FeedError(f"feed {path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with open(path, newline="", encoding="utf-8") as f:
                records: Any = list(csv.DictReader(f))
        elif suffix == ".json":
            records = json.loads(path.read_text(encoding="utf-8"))
        else:
            raise FeedError(f"feed {path}: use a .csv or .json file, not {suffix or 'no extension'}")
    except (UnicodeDecodeError, csv.Error) as exc:
        raise FeedError(f"feed {path}: cannot read it ({exc})") from None
    except json.JSONDecodeError as exc:
        raise FeedError(f"feed {path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise FeedError(f"feed {path}: expected a list of objects")
    if not records:
        raise FeedError(f"feed {path}: no records")
    for number, record in enumerate(records, start=1):
        missing = [name for name in required if record.get(name) in (None, "")]
        if missing:
            raise FeedError(f"feed {path}: record {number} lacks {', '.join(missing)}")
    return records


def write_all(
    documents: Iterable[Any],
    *,
    save: Callable[[Any], Any] = lambda doc: doc.save(),
    workers: int = 16,
    label: str = "seeding",
    progress: bool = False,
    on_saved: Callable[[Any, Any], None] | None = None,
) -> int:
    """Save documents concurrently, at most ``workers`` at a time (the driver is thread-safe);
    return how many were written. ``on_saved(doc, result)`` runs in the caller's thread after
    each save (a themed progress's step, a report's count); ``progress`` alone draws a plain
    `SeedProgress` bar labelled ``label``. The first failure cancels the saves not yet
    started and is raised."""
    docs = list(documents)
    theme = SeedTheme(
        persona="", accent=PALETTE["accent"], opening="", bars=(Bar("records", label),), banner=Banner("")
    )
    with (
        SeedProgress(theme, len(docs), enabled=progress) as ui,
        ThreadPoolExecutor(max_workers=workers) as pool,
    ):
        futures: dict[Future[Any], Any] = {pool.submit(save, doc): doc for doc in docs}
        pending = set(futures)
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for fut in finished:
                    result = fut.result()  # re-raises the first failure
                    if on_saved is not None:
                        on_saved(futures[fut], result)
                    ui.advance()
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise
    return len(docs)


async def write_all_async(
    items: Iterable[Any],
    save: Callable[[Any], Awaitable[Any]],
    *,
    concurrency: int = 32,
    on_saved: Callable[[Any, Any], None] | None = None,
) -> int:
    """`write_all` for an async driver: ``concurrency`` workers take the items in order, so no
    more than that many saves are in flight (and no coroutine waits per item); return how many
    were written. The first failure cancels the other saves and is raised."""
    source = iter(items)
    done = 0

    async def worker() -> None:
        nonlocal done
        for item in source:  # one iterator: each item is taken by one worker
            result = await save(item)
            done += 1
            if on_saved is not None:
                on_saved(item, result)

    workers = [asyncio.ensure_future(worker()) for _ in range(max(1, concurrency))]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for running in workers:
            running.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    return done


def seed_cli(
    seed: Callable[..., int],
    *,
    keyspace: str | None = None,
    default_count: int = 50,
    what: str = "records",
    max_count: int = MAX_COUNT,
) -> click.Command:
    """The demo's ``seed.py`` command around its ``seed(count=, feed=, progress=)`` function;
    ``--count`` is checked against ``max_count`` (`check_count`) before anything is touched.

    The keyspace is the demo's own (`demokit.registry.keyspace_for` the seed's module, so
    ``$SCYLLA_KEYSPACE`` moves it), read when the command runs; ``keyspace`` fixes one instead.
    """

    @click.command(
        help=f"Seed the demo's keyspace (${KEYSPACE_ENV} picks another) with sample {what} (or a CSV/JSON feed)."
    )
    @click.option("--count", default=default_count, show_default=True, help=f"how many {what} to generate")
    @click.option("--feed", type=str, default=None, help="a .csv or .json file of real data instead")
    def command(count: int, feed: str | None) -> None:
        check_count(count, max_count)
        if feed is not None:
            read_feed(feed)  # fail fast, before the database is touched
        from .database import connect

        name = keyspace or _keyspace_of(seed)
        connect(name)
        written = seed(count=count, feed=feed, progress=True)
        click.secho(f"✔ {written} {what} written to keyspace {name}", fg="green")

    return command


def _keyspace_of(function: Callable[..., Any]) -> str:
    try:
        return keyspace_for(inspect.getfile(function))
    except DemoConfigError as exc:
        raise click.ClickException(str(exc)) from None
