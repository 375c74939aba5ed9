"""A data directory as a released scylla_lite wrote it, and what reads back from it.

`python -m spec.engine.release_data DIR` (run on the release's own checkout) writes one:
a snapshot, then a commit log holding a record of every kind (schema, write, LWT write,
text and protocol batches, a conditional batch, the clock, the role table), ended by a
crash. `expected.json` beside it is what that release read back just before the crash (the
fixture's was read again, in this JSON form, by 70e932a recovering the same directory).
`test_release_data.py` recovers a copy with the code as it is now and compares: the on-disk
format and replay must not change under a refactor.
"""

from __future__ import annotations

import base64
import json
import shutil
import sys
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from cassandra.cluster import Session
from cassandra.query import BatchStatement, BatchType

from demokit.documents import plain
from spec.server_process import ScyllaLiteProcess

LOGIN = ("cassandra", "cassandra")
ARGS = ("--auth",)
TABLES = ("r.users", "r.hits", "r.events", "r.docs", "r.by_city", "r.kv")
LONG_TTL = 600_000_000  # 19 years: still live whenever the spec runs


def first_half(s: Session) -> None:
    """Schema and writes that end up inside the snapshot."""
    s.execute("CREATE KEYSPACE r WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    s.execute("CREATE TYPE r.address (city text, zip int)")
    s.execute(
        "CREATE TABLE r.users (id int PRIMARY KEY, name text, city text, tags set<text>, "
        "attrs map<text, int>, home frozen<address>, seen list<int>)"
    )
    s.execute("CREATE INDEX users_name ON r.users (name)")
    s.execute(
        "CREATE MATERIALIZED VIEW r.by_city AS SELECT * FROM r.users WHERE city IS NOT NULL "
        "AND id IS NOT NULL PRIMARY KEY (city, id)"
    )
    s.execute("CREATE TABLE r.hits (page text PRIMARY KEY, n counter)")
    s.execute(
        "CREATE TABLE r.events (sensor int, at int, shard text static, v double, PRIMARY KEY (sensor, at))"
    )
    s.execute("CREATE TABLE r.docs (id int PRIMARY KEY, body text, embedding vector<float, 3>)")
    s.execute("CREATE CUSTOM INDEX docs_ann ON r.docs (embedding) USING 'vector_index'")
    s.execute("CREATE TABLE r.kv (k text PRIMARY KEY, v text, u uuid, t timeuuid)")
    insert = s.prepare(
        "INSERT INTO r.users (id, name, city, tags, attrs, home, seen) VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    for i in range(20):
        s.execute(insert, (i, f"user{i}", ["Oslo", "Lima", "Pune"][i % 3], {f"t{i}"}, {"a": i}, None, [i]))
    s.execute("UPDATE r.users SET home = {city: 'Oslo', zip: 150} WHERE id = 1")
    s.execute("UPDATE r.hits SET n = n + 5 WHERE page = 'home'")
    for i in range(5):
        s.execute(
            "INSERT INTO r.docs (id, body, embedding) VALUES (%s, %s, %s)", (i, f"doc {i}", [i, 1.0, 0.5])
        )


def second_half(s: Session, admin_url: str) -> None:
    """A record of every kind, left in the commit log by the crash."""
    s.execute("INSERT INTO r.kv (k, v, u, t) VALUES ('gen', 'x', uuid(), now())")  # replay regenerates both
    s.execute(f"INSERT INTO r.kv (k, v) VALUES ('ttl', 'long') USING TTL {LONG_TTL}")
    s.execute("UPDATE r.users SET seen = seen + [7, 8], tags = tags - {'t2'} WHERE id = 2")
    s.execute("DELETE attrs['a'] FROM r.users WHERE id = 3")
    s.execute("DELETE FROM r.users WHERE id = 4")
    s.execute("UPDATE r.users SET city = 'Lima' WHERE id = 0")  # moves the view row
    s.execute("UPDATE r.hits SET n = n + 2 WHERE page = 'home'")
    s.execute("INSERT INTO r.kv (k, v) VALUES ('lwt', 'first') IF NOT EXISTS")
    s.execute("UPDATE r.kv SET v = 'second' WHERE k = 'lwt' IF v = 'first'")
    s.execute("UPDATE r.kv SET v = 'never' WHERE k = 'lwt' IF v = 'first'")  # not applied: not logged
    s.execute(
        "BEGIN BATCH INSERT INTO r.events (sensor, at, shard, v) VALUES (1, 1, 's1', 0.5); "
        "INSERT INTO r.events (sensor, at, v) VALUES (1, 2, 1.5); APPLY BATCH"
    )
    batch = BatchStatement(batch_type=BatchType.UNLOGGED)
    event = s.prepare("INSERT INTO r.events (sensor, at, v) VALUES (?, ?, ?)")
    for at in range(3, 8):
        batch.add(event, (2, at, at / 2))
    batch.add("INSERT INTO r.events (sensor, at, shard) VALUES (2, 0, 's2')")
    s.execute(batch)
    cas = BatchStatement()
    cas.add("INSERT INTO r.events (sensor, at, v) VALUES (3, 1, 9.5) IF NOT EXISTS")
    cas.add("UPDATE r.events SET shard = 's3' WHERE sensor = 3")
    s.execute(cas)
    s.execute("ALTER TABLE r.docs ADD tag text")
    s.execute("UPDATE r.docs SET tag = 'late', embedding = [9.0, 9.0, 9.0] WHERE id = 0")
    s.execute("CREATE ROLE reader WITH PASSWORD = 'secret-pw' AND LOGIN = true")
    s.execute("GRANT SELECT ON KEYSPACE r TO reader")
    admin(admin_url, "/clock/advance", {"seconds": 90})
    s.execute("INSERT INTO r.kv (k, v) VALUES ('after-clock', 'y')")


def admin(url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call the admin interface as the default superuser (GET, or POST ``body``)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data, method="GET" if body is None else "POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", "Basic " + base64.b64encode(":".join(LOGIN).encode()).decode())
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def row_json(row: Any) -> str:
    """A row as canonical JSON: the driver's types made plain (`demokit.documents.plain`),
    sets sorted, UUIDs as text."""
    return json.dumps(plain(row._asdict()), sort_keys=True, default=jsonable)


def jsonable(value: Any) -> Any:
    """What json.dumps cannot take of `plain`'s output: a set (sorted), a UUID (its text)."""
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"no JSON for {value!r}")


def read_back(s: Session, admin_url: str) -> dict[str, Any]:
    """Every table's rows, an index lookup, an ANN query, the clock offset and the roles."""
    state: dict[str, Any] = {}
    for table in TABLES:
        rows = s.execute(f"SELECT * FROM {table}")
        state[table] = sorted(row_json(r) for r in rows)
    state["index"] = [r.id for r in s.execute("SELECT id FROM r.users WHERE name = 'user7'")]
    ann = s.execute("SELECT id FROM r.docs ORDER BY embedding ANN OF [1.0, 1.0, 0.5] LIMIT 3")
    state["ann"] = [r.id for r in ann]
    state["writetime"] = s.execute("SELECT writetime(v) FROM r.kv WHERE k = 'ttl'").one()[0]
    state["roles"] = sorted(r.role for r in s.execute("SELECT role FROM system_auth.roles"))
    state["clock_offset_seconds"] = admin(admin_url, "/clock")["offset_seconds"]
    return state


def write(target: Path) -> None:
    """Make the data directory and `expected.json` in ``target`` with the code on sys.path."""
    data = target / "data"
    shutil.rmtree(data, ignore_errors=True)
    server = ScyllaLiteProcess(data, admin=True, args=ARGS)
    try:
        first_half(server.connect(LOGIN))
    finally:
        assert server.stop() == 0  # a clean stop: the snapshot
    server = ScyllaLiteProcess(data, admin=True, args=ARGS)
    try:
        s = server.connect(LOGIN)
        second_half(s, server.admin_url)
        expected = read_back(s, server.admin_url)
    finally:
        server.kill()
    (target / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    write(Path(sys.argv[1]))
