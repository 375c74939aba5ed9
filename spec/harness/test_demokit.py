"""demokit: the seed CLI conventions, feed validation and the background scylla_lite."""

from __future__ import annotations

import asyncio
import io
import json
import os
import socket
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
from rich.console import Console

from demokit.database import LiteState, port_free, running_lite, start_lite, stop_lite
from demokit.progress import SeedProgress
from demokit.seed import FeedError, check_count, read_feed, seed_cli, write_all, write_all_async
from demokit.seed_theme import Banner, Bar, Column, Markup, SeedTheme, clip

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


def test_write_all_hands_each_result_to_on_saved_in_the_callers_thread() -> None:
    seen: list[tuple[int, int, int]] = []
    written = write_all(
        range(50),
        save=lambda doc: doc * 10,
        workers=4,
        on_saved=lambda doc, result: seen.append((doc, result, threading.get_ident())),
    )
    assert written == 50
    assert sorted((doc, result) for doc, result, _ in seen) == [(d, d * 10) for d in range(50)]
    assert {thread for _, _, thread in seen} == {threading.get_ident()}


def test_write_all_does_not_start_the_saves_left_after_a_failure() -> None:
    started: list[int] = []

    def save(doc: int) -> None:
        started.append(doc)
        if doc == 3:
            raise ValueError("row 3 is bad")
        time.sleep(0.001)

    with pytest.raises(ValueError, match="row 3 is bad"):
        write_all(range(500), save=save, workers=2)
    assert len(started) < 100, "the queued saves were cancelled"


async def test_write_all_async_keeps_at_most_concurrency_saves_in_flight() -> None:
    in_flight = peak = 0
    saved: list[int] = []

    async def save(item: int) -> int:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.001)
        in_flight -= 1
        return item * 2

    written = await write_all_async(
        range(60), save, concurrency=4, on_saved=lambda item, result: saved.append(result - item)
    )
    assert written == 60
    assert peak == 4
    assert sorted(saved) == list(range(60))


async def test_write_all_async_raises_the_first_failure_and_cancels_the_rest() -> None:
    started: list[int] = []
    cancelled: list[int] = []

    async def save(item: int) -> None:
        started.append(item)
        if item == 5:
            raise ValueError("item 5 is bad")
        try:
            await asyncio.sleep(0.01 if item < 5 else 10)
        except asyncio.CancelledError:
            cancelled.append(item)
            raise

    with pytest.raises(ValueError, match="item 5 is bad"):
        async with asyncio.timeout(5):  # saves left running would sleep 10 s each
            await write_all_async(range(100), save, concurrency=3)
    assert len(started) < 20
    assert cancelled, "the saves in flight were cancelled, not left running"
    assert asyncio.all_tasks() == {asyncio.current_task()}


# --------------------------------------------------------------------------- the themed progress

THEME = SeedTheme(
    persona="🤖 TESTBOT",
    accent="#38bdf8",
    opening="wakes up with {total} widgets to seed…",
    bars=(
        Bar("widgets", "{tag} warming up", status="{tag}  Writing widget #{n}: {name}"),
        Bar("rivals", "{tag} lurking", status="{tag}  Copying {name}", tag="😈 RIVAL", colour="#dc2626"),
    ),
    line="{tag}  Widget #{n} of {total} is {name}",
    lines=2,
    every=5,
    banner=Banner(
        title="🏁 MISSION COMPLETE — {written} widgets",
        subtitle="the bench is clear… for now, and this subtitle is much longer than the rows",
        columns=(Column("Kind", "{kind}"), Column("Count", "{n:,}", justify="right")),
    ),
)


def _recorded(theme: SeedTheme, run: Any) -> str:
    console = Console(record=True, width=100)
    run(console)
    return console.export_text()


def test_the_themed_progress_draws_persona_bars_lines_and_banner() -> None:
    def run(console: Console) -> None:
        with SeedProgress(THEME, 12, console=console) as ui:
            for n in range(12):
                ui.advance(name=f"gear-{n + 1}")
                ui.advance("rivals", name=f"gear-{n + 1}")
            ui.finish([{"kind": "gears", "n": 12_000}], written=12)

    text = _recorded(THEME, run)
    assert "🤖 TESTBOT wakes up with 12 widgets to seed…" in text
    assert "[🤖 TESTBOT]  Writing widget #12: gear-12" in text and "12/12" in text
    assert "[😈 RIVAL]  Copying gear-12" in text
    printed = [line for line in text.splitlines() if "Widget #" in line]
    assert printed == [f"[🤖 TESTBOT]  Widget #{n} of 12 is gear-{n}" for n in (1, 2, 5, 10)]
    assert "🏁 MISSION COMPLETE — 12 widgets" in text
    assert "the bench is clear… for now, and this subtitle is much longer than the rows" in text
    assert "Kind" in text and "gears" in text and "12,000" in text


def test_a_live_table_shows_only_the_latest_rows() -> None:
    theme = SeedTheme(
        persona="⚡ TABLEBOT",
        accent="#38bdf8",
        opening="",
        bars=(Bar("rows", "[bold {accent}]Cataloguing…[/]"),),
        columns=(Column("⚡ ID", "{id}"), Column("💰 Price", "${price:,.2f}", justify="right")),
        rows=3,
        banner=Banner(title="done"),
    )

    def run(console: Console) -> None:
        with SeedProgress(theme, 5, console=console) as ui:
            for n in range(1, 6):
                ui.advance(id=f"id-{n}", price=n * 1000.5)

    text = _recorded(theme, run)
    assert "⚡ ID" in text and "Cataloguing…" in text and "5/5" in text
    assert [f"id-{n}" in text for n in range(1, 6)] == [False, False, True, True, True]
    assert "$5,002.50" in text


@pytest.mark.parametrize("columns", [(), (Column("⚡ ID", "{id}"),)], ids=["bars", "live table"])
def test_the_banner_starts_on_a_line_of_its_own_in_a_log(columns: tuple[Column, ...]) -> None:
    """Piped to a file (``make run | tee``, a CI log), rich does not end the bars' last line
    itself: the banner must not be glued to it."""
    theme = SeedTheme(
        persona="P",
        accent="cyan",
        opening="",
        bars=(Bar("rows", "writing"),),
        columns=columns,
        banner=Banner(title="MISSION COMPLETE"),
    )
    log = io.StringIO()
    with SeedProgress(theme, 2, console=Console(file=log, width=100)) as ui:
        ui.advance(id="a")
        ui.advance(id="b")
        ui.finish()
    (bar_line,) = [line for line in log.getvalue().splitlines() if "2/2" in line]
    assert bar_line.rstrip().endswith("2/2")
    assert any(line.startswith("╭─ MISSION COMPLETE") for line in log.getvalue().splitlines())


def test_a_fed_string_is_text_and_markup_is_markup() -> None:
    def run(console: Console) -> None:
        with SeedProgress(THEME, 2, console=console) as ui:
            ui.advance(name="[bold]crate[/] [/]")
            ui.advance(name=Markup("[green]shiny[/]"))

    text = _recorded(THEME, run)
    assert "Widget #1 of 2 is [bold]crate[/] [/]" in text
    assert "Widget #2 of 2 is shiny" in text


def test_a_step_without_fields_only_moves_the_bar() -> None:
    def run(console: Console) -> None:
        with SeedProgress(THEME, 3, console=console) as ui:
            ui.advance(name="cog")
            ui.advance(completed=3)

    text = _recorded(THEME, run)
    assert "Widget #1 of 3 is cog" in text and "Widget #3" not in text
    assert "Writing widget #1: cog" in text and "3/3" in text


def test_a_disabled_progress_draws_nothing() -> None:
    def run(console: Console) -> None:
        with SeedProgress(THEME, 3, console=console, enabled=False) as ui:
            ui.advance(name="x")
            ui.say("{tag} hello")
            ui.finish(written=3)

    assert _recorded(THEME, run) == ""


def test_a_failed_seed_stops_the_bars_without_a_banner() -> None:
    def run(console: Console) -> None:
        with pytest.raises(RuntimeError), SeedProgress(THEME, 3, console=console) as ui:
            ui.advance(name="x")
            raise RuntimeError("the database went away")

    text = _recorded(THEME, run)
    assert "1/3" in text and "MISSION COMPLETE" not in text


def test_clip_marks_a_cut_with_an_ellipsis() -> None:
    assert clip("short", 10) == "short"
    assert clip("a very long title", 8) == "a very …"
    assert len(clip("a very long title", 8)) == 8


# --------------------------------------------------------------------------- the CLI


@pytest.mark.parametrize(("count", "refused"), [(0, True), (1, False), (500, False), (501, True), (-3, True)])
def test_check_count_accepts_one_to_the_maximum(count: int, refused: bool) -> None:
    if not refused:
        check_count(count, 500)
        return
    with pytest.raises(click.ClickException) as info:
        check_count(count, 500)
    assert info.value.message == f"--count must be between 1 and 500, not {count}"


def test_seed_cli_checks_the_count_against_the_demos_maximum() -> None:
    calls: list[dict[str, Any]] = []

    def seed(**kwargs: Any) -> int:
        calls.append(kwargs)
        return 0

    command = seed_cli(seed, keyspace="never_used", what="widgets", max_count=500)
    result = CliRunner().invoke(command, ["--count", "501"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == ["Error: --count must be between 1 and 500, not 501"]
    assert calls == []


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


CLAIM_THEN_RELEASE = """
import sys
from demokit.database import connect
locks = f"{sys.argv[1]}.locks"
session = connect(sys.argv[1])
session.execute(f"INSERT INTO {locks} (name, owner) VALUES ('migrate', 'me') IF NOT EXISTS")  # server-stamped
session.execute(f"DELETE FROM {locks} WHERE name = 'migrate'")  # stamped by this process
"""


def test_a_process_the_harness_starts_keeps_its_writes_in_order_after_the_clock_moved(
    scylla: Any, clock: Any, cql: Any, keyspace: str
) -> None:
    """coodie's migration lock, as `coodie migrate` takes and frees it: an LWT insert (stamped
    by the server), then a plain delete (stamped by the client). Once the tests have moved
    scylla_lite's clock, a process on wall time stamps the delete before the insert and the lock
    stays; `ScyllaBackend.process_env` tells the process how far ahead to stamp."""
    cql.execute("CREATE TABLE locks (name text PRIMARY KEY, owner text)")
    clock.advance(3)
    env = {**os.environ, **scylla.process_env(keyspace)}
    subprocess.run([sys.executable, "-c", CLAIM_THEN_RELEASE, keyspace], env=env, check=True, timeout=60)
    assert cql.execute("SELECT * FROM locks").all() == []


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


def test_a_port_is_free_again_once_its_server_stopped_with_connections_open() -> None:
    """``make db-down`` then ``make db-up``: the old server's connections linger in TIME_WAIT on
    its port, which must not push the new server off 9042 (coodie's migrate CLI dials 9042)."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    served, _ = listener.accept()
    assert not port_free("127.0.0.1", port), "a listening port is taken"
    served.close()  # the server closes first: its side of the connection waits in TIME_WAIT
    listener.close()
    client.close()
    assert port_free("127.0.0.1", port)


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
