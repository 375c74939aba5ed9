"""The seed CLI every demo shares: ``python seed.py --count N`` or ``--feed file.csv|json``.

A demo writes one plain function, ``seed(count=..., feed=...) -> int``, that builds
its documents (from a generator or from feed records) and hands them to
`write_all`; `seed_cli` wraps it in the click command with the database brought up
first. The spec calls the same function directly on its test keyspace.
"""

from __future__ import annotations

import csv
import inspect
import json
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import click

from .registry import KEYSPACE_ENV, DemoConfigError, keyspace_for

MAX_COUNT = 1_000_000


class FeedError(click.ClickException):
    """A feed file that cannot be used; click prints it as one ``Error: ...`` line."""


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
) -> int:
    """Save documents concurrently (the driver is thread-safe); return how many were written.
    The first failure stops the run and is raised."""
    docs = list(documents)
    done = 0
    bar: Any = None
    if progress:
        from rich.progress import Progress

        bar = Progress(transient=False)
        bar.start()
        task = bar.add_task(label, total=len(docs))
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures: set[Future[Any]] = {pool.submit(save, doc) for doc in docs}
            while futures:
                finished, futures = wait(futures, return_when=FIRST_EXCEPTION)
                for fut in finished:
                    fut.result()  # re-raises the first failure
                done += len(finished)
                if bar is not None:
                    bar.update(task, completed=done)
    finally:
        if bar is not None:
            bar.stop()
    return done


def seed_cli(
    seed: Callable[..., int], *, keyspace: str | None = None, default_count: int = 50, what: str = "records"
) -> click.Command:
    """The demo's ``seed.py`` command around its ``seed(count=, feed=, progress=)`` function.

    The keyspace is the demo's own (`demokit.registry.keyspace_for` the seed's module, so
    ``$SCYLLA_KEYSPACE`` moves it), read when the command runs; ``keyspace`` fixes one instead.
    """

    @click.command(
        help=f"Seed the demo's keyspace (${KEYSPACE_ENV} picks another) with sample {what} (or a CSV/JSON feed)."
    )
    @click.option("--count", default=default_count, show_default=True, help=f"how many {what} to generate")
    @click.option("--feed", type=str, default=None, help="a .csv or .json file of real data instead")
    def command(count: int, feed: str | None) -> None:
        if not 1 <= count <= MAX_COUNT:
            raise click.ClickException(f"--count must be between 1 and {MAX_COUNT}, not {count}")
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
