"""demokit: the seed CLI conventions, feed validation and the background scylla_lite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import click
import pytest
from cassandra.cluster import Cluster
from click.testing import CliRunner

from demokit.database import LiteState, running_lite, start_lite, stop_lite
from demokit.seed import FeedError, read_feed, seed_cli, write_all

# --------------------------------------------------------------------------- feeds


def test_csv_and_json_feeds_give_the_same_records(tmp_path: Path) -> None:
    (tmp_path / "f.csv").write_text("name,price\nlamp,10\ndesk,99\n")
    (tmp_path / "f.json").write_text(
        json.dumps([{"name": "lamp", "price": "10"}, {"name": "desk", "price": "99"}])
    )
    assert read_feed(tmp_path / "f.csv", ["name"]) == read_feed(tmp_path / "f.json", ["name"])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("f.txt", "x", "use a .csv or .json file, not .txt"),
        ("f.json", "{oops", "not valid JSON (line 1"),
        ("f.json", '{"a": 1}', "expected a list of objects"),
        ("f.json", "[]", "no records"),
        ("f.csv", "name,price\nlamp,10\n,5\n", "record 2 lacks name"),
    ],
)
def test_a_bad_feed_is_one_clear_error(tmp_path: Path, name: str, content: str, message: str) -> None:
    (tmp_path / name).write_text(content)
    with pytest.raises(FeedError) as info:
        read_feed(tmp_path / name, ["name"])
    assert message in info.value.message
    assert "\n" not in info.value.message


def test_a_missing_feed_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FeedError, match="no such file"):
        read_feed(tmp_path / "absent.csv")


# --------------------------------------------------------------------------- writing


def test_write_all_saves_every_document_concurrently() -> None:
    saved: list[int] = []
    threads: set[int] = set()
    lock = threading.Lock()

    def save(doc: int) -> None:
        with lock:
            saved.append(doc)
            threads.add(threading.get_ident())

    assert write_all(range(200), save=save, workers=8) == 200
    assert sorted(saved) == list(range(200))
    assert len(threads) > 1


def test_write_all_stops_on_the_first_failure() -> None:
    def save(doc: int) -> None:
        if doc == 7:
            raise ValueError("row 7 is bad")

    with pytest.raises(ValueError, match="row 7 is bad"):
        write_all(range(20), save=save, workers=1)


# --------------------------------------------------------------------------- the CLI


def _cli(calls: list[dict[str, Any]]) -> click.Command:
    def seed(**kwargs: Any) -> int:
        calls.append(kwargs)
        return 0

    return seed_cli(seed, keyspace="never_used", what="widgets")


@pytest.mark.parametrize("count", ["0", "-3", "2000000"])
def test_seed_cli_refuses_a_bad_count_in_one_line(count: str) -> None:
    calls: list[dict[str, Any]] = []
    result = CliRunner().invoke(_cli(calls), ["--count", count])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: --count must be between 1 and 1000000, not {count}"
    ]
    assert calls == []


def test_seed_cli_checks_the_feed_before_touching_the_database(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("[1, 2]")
    calls: list[dict[str, Any]] = []
    result = CliRunner().invoke(_cli(calls), ["--feed", str(tmp_path / "bad.json")])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "expected a list of objects" in result.output
    assert calls == []


# --------------------------------------------------------------------------- connecting

CONNECT_AND_EXIT = """
import sys
from demokit.database import connect
connect(sys.argv[1]).execute("SELECT release_version FROM system.local")
"""


def test_a_command_that_connects_exits_at_once(scylla: Any, keyspace_factory: Any) -> None:
    """`connect` left its cluster open and on the driver's libev reactor, whose thread the
    interpreter then waited for at exit: ~5 s added to every seed and ``db-up``. Each run
    here connects, queries and exits; none may take that long."""
    env = {**os.environ, "SCYLLA_HOSTS": ",".join(str(e) for e in scylla.endpoints)}
    keyspace = keyspace_factory("connect")
    for _ in range(3):  # the wait came in most runs, not all
        started = time.monotonic()
        subprocess.run([sys.executable, "-c", CONNECT_AND_EXIT, keyspace], env=env, check=True, timeout=60)
        assert time.monotonic() - started < 4.0


# --------------------------------------------------------------------------- background scylla_lite


def test_background_server_is_reused_and_keeps_data_across_restarts(tmp_path: Path) -> None:
    state = start_lite(tmp_path)
    try:
        assert start_lite(tmp_path).pid == state.pid, "a second db-up reuses the running server"
        assert running_lite(tmp_path) == state
        cluster = Cluster([state.host], port=state.port, connect_timeout=10)
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE dk WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        session.execute("CREATE TABLE dk.t (k int PRIMARY KEY, v text)")
        session.execute("INSERT INTO dk.t (k, v) VALUES (1, 'kept')")
        cluster.shutdown()
    finally:
        assert stop_lite(tmp_path)
    assert running_lite(tmp_path) is None
    assert not stop_lite(tmp_path), "stopping twice says nothing was running"

    state = start_lite(tmp_path)
    try:
        cluster = Cluster([state.host], port=state.port, connect_timeout=10)
        assert cluster.connect().execute("SELECT v FROM dk.t WHERE k = 1").one().v == "kept"
        cluster.shutdown()
    finally:
        stop_lite(tmp_path)


def test_a_stale_pid_file_does_not_fool_db_up(tmp_path: Path) -> None:
    LiteState(pid=2**22 + 12345, host="127.0.0.1", port=1, admin_url=None).save(tmp_path)
    assert running_lite(tmp_path) is None
    state = start_lite(tmp_path)
    try:
        assert state.pid != 2**22 + 12345
    finally:
        stop_lite(tmp_path)


def test_db_up_creates_the_demos_keyspace_where_scylla_keyspace_says(
    tmp_path: Path, scylla: Any, cql: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from demokit.__main__ import cli

    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "pyproject.toml").write_text(
        '[tool.coodie-demo]\nkind = "cli"\nkeyspace = "notes"\nseed = "n:seed"\nmodels = ["n"]\n'
    )
    name = f"dbup_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("SCYLLA_HOSTS", ",".join(str(e) for e in scylla.endpoints))
    monkeypatch.setenv("SCYLLA_KEYSPACE", name)
    try:
        result = CliRunner().invoke(cli, ["db-up", "--demo", str(folder)])
        assert result.exit_code == 0, result.output
        assert result.output.strip().endswith(f"· keyspace {name}")
        found = cql.execute(
            "SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = %s", [name]
        )
        assert found.one() is not None
    finally:
        cql.execute(f"DROP KEYSPACE IF EXISTS {name}")


# --------------------------------------------------------------------------- theme


def test_the_base_stylesheet_carries_the_palette_and_demo_accents() -> None:
    from demokit.theme import PALETTE, palette_css, static_dir, templates_dir

    css = (static_dir() / "demokit" / "base.css").read_text()
    for name, value in PALETTE.items():
        assert f"--{name}: {value};" in css
    assert "--accent-2: #f472b6;" in palette_css({"accent-2": "#f472b6"})
    assert "http" not in css, "no CDN: every asset is served by the demo itself"
    base = (templates_dir() / "demokit" / "base.html").read_text()
    assert "/demokit/base.css" in base and "{% block content %}" in base
