"""Hello, coodie: a short scripted session against the embedded scylla_lite server.

    python examples/hello_coodie.py            # starts scylla_lite on a free port
    SCYLLA_HOSTS=127.0.0.1:9042 python examples/hello_coodie.py   # a real cluster instead

It starts ``scylla_lite.server.serve()``, connects the unmodified scylla-driver,
hands the session to coodie, defines a Document, syncs its table, saves a few
rows and queries them back.  Exit status 0 means every step answered as
ScyllaDB would.  Colour is off when NO_COLOR is set or stdout is not a terminal
(FORCE_COLOR=1 turns it on).
"""

import contextlib
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, cast

from cassandra.cluster import Cluster
from coodie.fields import ClusteringKey, Indexed, PrimaryKey
from coodie.sync import Document, create_keyspace, init_coodie
from pydantic import Field

KEYSPACE = "hello_coodie"
DIMENSION = "Dimension-7"

_COLOR = bool(os.environ.get("FORCE_COLOR")) or (sys.stdout.isatty() and not os.environ.get("NO_COLOR"))


def paint(text: str, code: str) -> str:
    return f"\033[{code}m{text}\033[0m" if _COLOR else text


def accent(text: str) -> str:  # --accent #38bdf8
    return paint(text, "38;2;56;189;248")


def success(text: str) -> str:  # --success #34d399
    return paint(text, "38;2;52;211;153")


def danger(text: str) -> str:  # --danger #f87171
    return paint(text, "38;2;248;113;113")


def dim(text: str) -> str:
    return paint(text, "2")


def step(text: str) -> None:
    print(f"{accent('▸')} {text}")


@contextlib.contextmanager
def cql_endpoint() -> Iterator[tuple[str, int, str]]:
    """Yield (host, port, description): SCYLLA_HOSTS if set, else an embedded scylla_lite."""
    hosts = os.environ.get("SCYLLA_HOSTS", "").strip()
    if hosts:
        first = hosts.split(",")[0].strip()
        host, _, port = first.partition(":")
        yield host, int(port or 9042), f"ScyllaDB cluster at {first} (SCYLLA_HOSTS)"
        return
    from scylla_lite.server import serve

    with serve(host="127.0.0.1", port=0) as server:
        yield server.host, int(server.port), f"embedded scylla_lite on {server.host}:{server.port}"


class Sighting(Document):
    """A hero sighting, newest first within each dimension."""

    dimension: Annotated[str, PrimaryKey()]
    seen_at: Annotated[datetime, ClusteringKey(order="DESC")]
    hero: str
    power_level: Annotated[int, Indexed()] = 0
    tags: list[str] = Field(default_factory=list)

    class Settings:
        name = "sightings"
        keyspace = KEYSPACE


def main() -> int:
    print(
        paint(" coodie × scylla_lite ", "1;38;2;15;23;42;48;2;56;189;248"),
        dim("— the multiverse, in one process"),
    )
    with cql_endpoint() as (host, port, description):
        step(f"server: {accent(description)}")
        cluster = Cluster([host], port=port, connect_timeout=10)
        try:
            session = cluster.connect()
            step("scylla-driver connected")
            init_coodie(session=session, keyspace=KEYSPACE)
            create_keyspace(KEYSPACE, replication_factor=1)
            Sighting.sync_table()
            step(f"table {accent(f'{KEYSPACE}.sightings')} synced")

            start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
            heroes = [
                ("LoadMaster", 9001, ["batch", "importer"]),
                ("JIRA-TRON", 42, ["kanban"]),
                ("The Memory Thief", 7200, ["ttl"]),
            ]
            for minutes, (hero, power, tags) in enumerate(heroes):
                Sighting(
                    dimension=DIMENSION,
                    seen_at=start + timedelta(minutes=minutes),
                    hero=hero,
                    power_level=power,
                    tags=tags,
                ).save()
            step(f"saved {len(heroes)} sightings in {accent(DIMENSION)}")

            rows = cast(list[Sighting], Sighting.find(dimension=DIMENSION).all())
            print(dim(f"  {'seen at':<20} {'hero':<18} {'power':>6}  tags"))
            for row in rows:
                print(
                    f"  {row.seen_at:%Y-%m-%d %H:%M}     {accent(f'{row.hero:<18}')} "
                    f"{success(f'{row.power_level:>6}')}  {', '.join(row.tags)}"
                )

            problems = []
            expected_order = [hero for hero, _, _ in reversed(heroes)]
            if [row.hero for row in rows] != expected_order:
                problems.append(f"rows not newest-first: {[row.hero for row in rows]}")
            strongest = cast(list[Sighting], Sighting.find(dimension=DIMENSION, power_level=9001).all())
            if [row.hero for row in strongest] != ["LoadMaster"]:
                problems.append(f"indexed lookup returned {[row.hero for row in strongest]}")
            else:
                step(f"secondary-index lookup power_level=9001 → {success(strongest[0].hero)}")
            count = Sighting.find(dimension=DIMENSION).count()
            if count != len(heroes):
                problems.append(f"count() returned {count}")

            if problems:
                for problem in problems:
                    print(danger(f"✗ {problem}"))
                return 1
            print(success("✓ the multiverse is saved — coodie, powered by ScyllaDB (or its stunt double)"))
            return 0
        finally:
            cluster.shutdown()


if __name__ == "__main__":
    sys.exit(main())
