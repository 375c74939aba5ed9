"""Seed the Memory Thief's vault: EPHEMERA steals memories and stores them with a TTL.

``seed(count=N)`` steals N generated memories; about one in four is saved without a TTL (so
the table's 30 s ``default_time_to_live`` applies), the rest get ``save(ttl=...)`` between
30 s and 10 min so the vault visibly empties while you watch. ``seed(feed=path)`` loads a
CSV/JSON feed: ``owner``, ``memory`` and optionally ``planet`` and ``ttl`` (seconds).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from demokit.progress import SeedProgress
from demokit.seed import FeedError, check_count, read_feed, seed_cli, write_all
from demokit.seed_theme import Banner, Bar, SeedTheme
from ttl_sessions.models import DEFAULT_TTL, MemoryToken
from ttl_sessions.vault import MAX_MEMORY, MAX_OWNER, MAX_PLANET, MAX_TTL

MAX_MEMORIES = 100_000
TEAL, MIST = "#2dd4bf", "#99f6e4"

NAMES = ["Ada", "Bram", "Cyra", "Dov", "Elin", "Faro", "Gael", "Hiro", "Isla", "Juno", "Kade", "Lior"]
PLANETS = ["Kepler-442b", "Proxima b", "TRAPPIST-1e", "Gliese 667Cc", "Luyten b", "Teegarden b"]
MEMORIES = [
    "the smell of rain on the launch pad",
    "my mother's laugh in the hydroponics bay",
    "the first time I saw two sunsets",
    "the name of the river we swam in",
    "learning to whistle in zero gravity",
    "a song my grandfather hummed at night",
    "the colour of the ocean before the dome",
    "my own name, spoken by a friend",
    "the taste of real strawberries",
    "how the stars looked from the old observatory",
]
TTLS = [None, 45, 90, 120, 180, 300, 600, 60]

#: EPHEMERA's rich progress: a teal bar of stolen memories, each with its TTL.
THEME = SeedTheme(
    persona="👻 EPHEMERA",
    accent=TEAL,
    opening="wakes in Dimension-4. Every memory it steals has a TTL…",
    bars=(Bar("memories", "{tag}", status="{tag}  Stealing memory #{n}... TTL: {ttl}s ⏳"),),
    palette={"mist": MIST},
    finished=MIST,
    spinner="moon",
    banner=Banner(
        title="🌫️ {written} memories stolen in {seconds:.1f}s",
        text="[{mist}]{explicit}[/] saved with [bold]save(ttl=…)[/], [{mist}]{defaulted}[/] with the table "
        "default ([bold]__default_ttl__ = {default_ttl}[/]).\n[dim]Open the vault and watch them dissolve.[/]",
    ),
)


def generate(count: int) -> list[dict[str, Any]]:
    """Deterministic stolen memories (no randomness: the spec seeds the same ones every run)."""
    rows = []
    for n, (name, memory, planet, ttl) in enumerate(
        zip(
            itertools.cycle(NAMES), itertools.cycle(MEMORIES), itertools.cycle(PLANETS), itertools.cycle(TTLS)
        ),
        start=1,
    ):
        if n > count:
            break
        rows.append({"owner": f"{name} #{n}", "memory": memory, "planet": planet, "ttl": ttl})
    return rows


def _field(row: dict[str, Any], name: str, limit: int, where: str) -> str:
    value = " ".join(str(row.get(name) or "").split())
    if len(value) > limit:
        raise FeedError(f"{where}: {name} is {len(value)} characters long (at most {limit})")
    return value


def feed_rows(path: str) -> list[dict[str, Any]]:
    """The feed's memories, validated (one-line `FeedError` naming the file and record)."""
    out = []
    for number, row in enumerate(read_feed(path, ["owner", "memory"]), start=1):
        where = f"feed {path}: record {number}"
        ttl = row.get("ttl")
        if ttl in (None, ""):
            ttl = None
        else:
            try:
                ttl = int(ttl)
            except (TypeError, ValueError):
                raise FeedError(f"{where}: ttl {ttl!r} is not a whole number of seconds") from None
            if not 1 <= ttl <= MAX_TTL:
                raise FeedError(f"{where}: ttl {ttl} must be between 1 and {MAX_TTL} seconds")
        out.append(
            {
                "owner": _field(row, "owner", MAX_OWNER, where),
                "memory": _field(row, "memory", MAX_MEMORY, where),
                "planet": _field(row, "planet", MAX_PLANET, where) or "Kepler-442b",
                "ttl": ttl,
            }
        )
    return out


def seed(count: int = 40, feed: str | None = None, progress: bool = False, *, workers: int = 16) -> int:
    """Save ``count`` generated memories (or the feed's), each with its TTL; return how many."""
    if feed is not None:
        rows = feed_rows(feed)
    else:
        check_count(count, MAX_MEMORIES)
        rows = generate(count)
    MemoryToken.sync_table()
    now = datetime.now(UTC).replace(microsecond=0)
    docs = [
        MemoryToken(
            owner=r["owner"],
            memory=r["memory"],
            planet=r["planet"],
            created_at=now,
            granted=r["ttl"] or DEFAULT_TTL,
        )
        for r in rows
    ]
    explicit = {d.token for d, r in zip(docs, rows, strict=True) if r["ttl"] is not None}

    def save(doc: MemoryToken) -> None:
        if doc.token in explicit:
            doc.save(ttl=doc.granted)  # INSERT ... USING TTL n
        else:
            doc.save()  # the table default: __default_ttl__ = 30

    with SeedProgress(THEME, len(docs), enabled=progress) as ui:
        written = write_all(
            docs, save=save, workers=workers, on_saved=lambda doc, _: ui.advance(ttl=doc.granted)
        )
        ui.finish(
            written=written,
            explicit=len(explicit),
            defaulted=written - len(explicit),
            default_ttl=DEFAULT_TTL,
        )
    return written


cli = seed_cli(seed, default_count=40, what="memories", max_count=MAX_MEMORIES)

if __name__ == "__main__":
    cli()
