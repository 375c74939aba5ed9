"""--data-dir: a crash at any step of the hand-over from a commit log to a snapshot loses
nothing and applies nothing twice.

Counters make a repeat visible: replaying increments that a snapshot already holds
would double them. The crash is injected in the process (the step raises and the
engine is abandoned without a close): what a SIGKILL leaves on disk is exactly what
was written and fsynced before it, which is what these files hold too.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cassandra.cluster import NoHostAvailable

from scylla_lite import durability, forked
from scylla_lite.durability import BACKGROUND_HANDOVER, HANDOVER, CommitLog
from scylla_lite.engine import Engine
from scylla_lite.requests import ClientState, QueryOptions
from scylla_lite.results import Rows
from spec.server_process import ScyllaLiteProcess, private_server

needs_fork = pytest.mark.skipif(not forked.SUPPORTED, reason="background snapshots fork (Linux)")

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("SCYLLA_HOSTS")), reason="crashes the embedded engine's data directory"
)


class Crash(Exception):
    """The process dies here."""


def run(engine: Engine, text: str) -> Any:
    result = engine.query(ClientState(), text, QueryOptions())
    engine.log.flush_now()  # what the server's sync() does before it answers
    return result


def count(engine: Engine) -> int:
    rows = run(engine, "SELECT n FROM d.c WHERE k = 0")
    assert isinstance(rows, Rows)
    return int.from_bytes(rows.rows[0][0] or b"", "big", signed=True)


def increment(engine: Engine, times: int) -> None:
    for _ in range(times):
        run(engine, "UPDATE d.c SET n = n + 1 WHERE k = 0")


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[Callable[[], Engine]]:
    """Open the engine on one data directory, as a restarted server does; the files of
    every engine opened are closed at the end (a crashed one keeps its handle open)."""
    engines: list[Engine] = []

    def open_engine() -> Engine:
        engines.append(Engine(data_dir=tmp_path / "data"))
        return engines[-1]

    yield open_engine
    for engine in engines:
        if engine.log._file is not None:
            engine.log._file.close()


def crash_after(monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    original = getattr(CommitLog, step)

    def step_then_die(self: CommitLog, *args: Any) -> None:
        original(self, *args)
        raise Crash(step)

    monkeypatch.setattr(CommitLog, step, step_then_die)


@pytest.mark.parametrize("step", HANDOVER)
def test_a_crash_after_each_step_of_the_handover_loses_and_repeats_nothing(
    opened: Callable[[], Engine], monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    engine = opened()
    run(engine, "CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    run(engine, "CREATE TABLE d.c (k int PRIMARY KEY, n counter)")
    increment(engine, 1000)
    crash_after(monkeypatch, step)
    with pytest.raises(Crash):
        engine.log.snapshot()
    monkeypatch.undo()

    engine = opened()
    assert count(engine) == 1000
    increment(engine, 500)  # and the log that follows still counts, once

    assert count(opened()) == 1500


def test_a_crash_while_the_snapshot_is_being_written_keeps_the_old_state(
    opened: Callable[[], Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = opened()
    run(engine, "CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    run(engine, "CREATE TABLE d.c (k int PRIMARY KEY, n counter)")
    increment(engine, 300)
    engine.log.snapshot()
    increment(engine, 200)

    def half_written(self: CommitLog, generation: int) -> None:
        self.snapshot_tmp.write_bytes(b"SLSNAP01 torn")
        raise Crash("write_snapshot")

    monkeypatch.setattr(CommitLog, "write_snapshot", half_written)
    with pytest.raises(Crash):
        engine.log.snapshot()
    monkeypatch.undo()

    engine = opened()
    assert count(engine) == 500
    assert not engine.log.snapshot_tmp.exists()


def test_repeated_snapshots_and_restarts_count_exactly(opened: Callable[[], Engine]) -> None:
    engine = opened()
    run(engine, "CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    run(engine, "CREATE TABLE d.c (k int PRIMARY KEY, n counter)")
    for round_ in range(1, 5):
        increment(engine, 100)
        engine.log.snapshot()
        increment(engine, 10)
        engine = opened()  # a crash with a log after the snapshot
        assert count(engine) == round_ * 110


def test_a_log_without_the_snapshot_it_follows_refuses_to_start(opened: Callable[[], Engine]) -> None:
    engine = opened()
    run(engine, "CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    engine.log.snapshot()
    run(engine, "CREATE TABLE d.c (k int PRIMARY KEY, n counter)")
    engine.log.snapshot_path.unlink()  # someone deleted the snapshot: starting empty would lose data
    with pytest.raises(RuntimeError, match="the snapshot it follows is missing"):
        opened()


def test_the_data_files_are_private_to_the_servers_user(opened: Callable[[], Engine]) -> None:
    engine = opened()
    run(engine, "CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    engine.log.snapshot()
    files = [engine.log.snapshot_path, engine.log.path]
    assert [stat.S_IMODE(f.stat().st_mode) for f in files] == [0o600, 0o600]
    assert stat.S_IMODE(engine.log.dir.stat().st_mode) == 0o700


def test_a_clean_stop_with_nothing_logged_since_the_last_snapshot_writes_none(
    opened: Callable[[], Engine],
) -> None:
    """Writing a snapshot of 200k rows takes a clean stop ~2.5 s; after only reads since
    the last one, the one in place already holds everything."""
    engine = opened()
    run(engine, "CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    run(engine, "CREATE TABLE d.c (k int PRIMARY KEY, n counter)")
    increment(engine, 10)
    engine.close()
    snapshot = engine.log.snapshot_path
    written = snapshot.stat()
    engine = opened()
    assert count(engine) == 10  # a read: nothing logged
    engine.close()
    assert (snapshot.stat().st_ino, snapshot.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    engine = opened()
    increment(engine, 1)
    engine.close()
    assert snapshot.stat().st_ino != written.st_ino  # a write since: a new snapshot
    assert count(opened()) == 11


@pytest.mark.parametrize(
    "aside", [pytest.param(True, marks=needs_fork), False], ids=["forked", "on the loop"]
)
def test_snapshots_follow_the_number_of_writes_so_replay_stays_short(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aside: bool
) -> None:
    """Written in the background, a snapshot comes every SNAPSHOT_EVERY_RECORDS records
    (100 here: at 100, 200, 300 of 348 writes), so a crash replays at most that many;
    written on the loop (no fork), once the log holds as many as all logs before it (at
    100 and 200). (Each write waits for a background snapshot to be written: one due
    meanwhile would come later, `test_a_snapshot_due_while_one_is_written_comes_after_it`.)"""
    monkeypatch.setattr(durability, "SNAPSHOT_EVERY_RECORDS", 100)
    monkeypatch.setattr(forked, "SUPPORTED", aside)
    with private_server(data_dir=tmp_path / "data") as (server, s):
        s.execute("CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        s.execute("CREATE TABLE d.t (k int PRIMARY KEY)")
        insert = s.prepare("INSERT INTO d.t (k) VALUES (?)")
        log = server.engine.log  # type: ignore[attr-defined]
        for k in range(348):
            s.execute(insert, (k,))
            wait_for(lambda: log.background is None, "the snapshot writer")
        assert (log.generation, log.records_before) == ((3, 300) if aside else (2, 200))
    engine = Engine(data_dir=tmp_path / "data")
    rows = engine.query(ClientState(), "SELECT count(*) FROM d.t", QueryOptions())
    assert isinstance(rows, Rows) and int.from_bytes(rows.rows[0][0] or b"", "big") == 348
    engine.close()


def test_a_long_text_batch_weighs_as_what_replaying_it_costs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replay parses a text batch again (seconds for a long one): one such record brings
    the next snapshot as surely as many small ones, so a crash never replays it."""
    monkeypatch.setattr(durability, "SNAPSHOT_EVERY_RECORDS", 100)
    with private_server(data_dir=tmp_path / "data") as (server, s):
        s.execute("CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        s.execute("CREATE TABLE d.t (k int PRIMARY KEY)")
        log = server.engine.log  # type: ignore[attr-defined]
        assert log.generation == 0
        s.execute(
            "BEGIN BATCH "
            + " ".join(f"INSERT INTO d.t (k) VALUES ({k});" for k in range(40))
            + " APPLY BATCH"
        )
        assert log.generation == 1


# ---------------------------------------------------------------- in the background
HELD_SERVER = """
import sys, time
from pathlib import Path
from scylla_lite import __main__, durability

release = Path(sys.argv.pop(1))
original = durability.CommitLog.write_snapshot

def held(self, generation):
    deadline = time.monotonic() + 60
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    original(self, generation)

durability.CommitLog.write_snapshot = held
durability.SNAPSHOT_EVERY_RECORDS = 100
sys.exit(__main__.main())
"""
"""``python -m scylla_lite`` whose background snapshot writer waits for a file to appear."""


@needs_fork
def test_the_snapshot_writer_gives_way_to_the_server(tmp_path: Path) -> None:
    """The forked writer runs at a lower CPU priority than the server (on two cores it
    competes with the server and its clients), and without the cyclic collector, whose
    walks would copy the pages it shares with the server."""
    report = tmp_path / "child"

    def work() -> None:
        report.write_text(f"{os.getpriority(os.PRIO_PROCESS, 0)} {gc.isenabled()}")

    async def main() -> bool:
        ended: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        forked.Forked.start(work, ended.set_result)
        return await asyncio.wait_for(ended, 30)

    assert asyncio.run(main())
    priority, collecting = report.read_text().split()
    assert int(priority) >= os.getpriority(os.PRIO_PROCESS, 0) + forked.NICENESS
    assert collecting == "False"
    assert gc.isenabled()  # the server's own collector is untouched


@needs_fork
def test_a_snapshot_falling_due_during_a_long_statement_forks_after_its_plan_is_freed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long statement's plan is freed at its end, on a worker thread; freed just after
    a fork, it would copy every page it touches (~100 ms for 20,000 statements, the loop
    waiting on the GIL). A snapshot falling due meanwhile (another request made the
    batch's record durable) starts once the plan is freed."""
    events: list[str] = []
    release, start = Engine.release, forked.Forked.start

    def slow_release(plan: Any) -> None:
        time.sleep(0.5)  # the reads below come meanwhile
        release(plan)
        events.append("freed")

    def noted_start(cls: type, work: Callable[[], None], on_exit: Callable[[bool], None]) -> Any:
        events.append("forked")
        return start(work, on_exit)

    monkeypatch.setattr(Engine, "release", staticmethod(slow_release))
    monkeypatch.setattr(forked.Forked, "start", classmethod(noted_start))
    monkeypatch.setattr(durability, "SNAPSHOT_EVERY_RECORDS", 100)
    with private_server(data_dir=tmp_path / "data") as (server, s):
        s.execute("CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        s.execute("CREATE TABLE d.t (k int PRIMARY KEY)")
        statements = " ".join(f"INSERT INTO d.t (k) VALUES ({k});" for k in range(600))  # ~21 KB
        batch = s.execute_async(f"BEGIN UNLOGGED BATCH {statements} APPLY BATCH", timeout=60)
        answered = threading.Event()
        batch.add_callbacks(lambda _: answered.set(), lambda _: answered.set())
        while not answered.is_set():
            s.execute("SELECT k FROM d.t WHERE k = 0")
        batch.result()
        log = server.engine.log  # type: ignore[attr-defined]
        wait_for(lambda: log.background is None, "the snapshot writer")
        assert log.generation == 1  # the snapshot came, once
    assert events == ["freed", "forked"]
    assert stored_rows(tmp_path / "data") == (600, False)


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.02)


def hold_snapshots(monkeypatch: pytest.MonkeyPatch, release: Path) -> None:
    """The snapshot writer (the forked child) waits for ``release`` (at most 20 s)."""
    original = CommitLog.write_snapshot

    def held(self: CommitLog, generation: int) -> None:
        wait_for(lambda: release.exists() or time.monotonic() > deadline, "the release")
        original(self, generation)

    deadline = time.monotonic() + 20
    monkeypatch.setattr(CommitLog, "write_snapshot", held)
    monkeypatch.setattr(durability, "SNAPSHOT_EVERY_RECORDS", 100)


def rows_past_a_snapshot(s: Any, rows: int) -> Any:
    """Table d.t with ``rows`` rows, one write a request: past `SNAPSHOT_EVERY_RECORDS`
    (100 here) a snapshot starts. The prepared INSERT, for more."""
    s.execute("CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    s.execute("CREATE TABLE d.t (k int PRIMARY KEY)")
    insert = s.prepare("INSERT INTO d.t (k) VALUES (?)")
    for k in range(rows):
        s.execute(insert, (k,), timeout=10)
    return insert


def stored_keys(data_dir: Path) -> set[int]:
    """The keys of d.t a restart on ``data_dir`` finds."""
    engine = Engine(data_dir=data_dir)
    try:
        return {int.from_bytes(row[0], "big") for row in run(engine, "SELECT k FROM d.t").rows}
    finally:
        engine.close()


def stored_rows(data_dir: Path) -> tuple[int, bool]:
    """What a restart on ``data_dir`` finds: the rows of d.t, and whether a rotated log is left."""
    engine = Engine(data_dir=data_dir)
    try:
        rows = run(engine, "SELECT count(*) FROM d.t").rows[0][0]
        return int.from_bytes(rows, "big"), engine.log.previous_path.exists()
    finally:
        engine.close()


ORDERS = {
    "rotated first": ("write_snapshot", "retire_log", "start_log", "install_snapshot", "drop_previous_log"),
    "installed first": ("write_snapshot", "install_snapshot", "retire_log", "start_log", "drop_previous_log"),
}
"""The writer thread rotates the log while the forked child writes and installs the
state as of the cut: either may finish first (the snapshot's bytes are made at the
fork, so `write_snapshot` comes first here, its file unseen until installed)."""


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("step", BACKGROUND_HANDOVER)
def test_a_crash_at_each_step_of_a_background_snapshot_loses_and_repeats_nothing(
    opened: Callable[[], Engine], monkeypatch: pytest.MonkeyPatch, step: str, order: str
) -> None:
    """10 increments are queued, not yet written, when the log is cut: they count once
    as soon as either the cut log or the snapshot holding them is on disk. The 200 that
    come meanwhile go to the new log; the old one is dropped last."""
    engine = opened()
    run(engine, "CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    run(engine, "CREATE TABLE d.c (k int PRIMARY KEY, n counter)")
    increment(engine, 1000)
    for _ in range(10):
        engine.query(ClientState(), "UPDATE d.c SET n = n + 1 WHERE k = 0", QueryOptions())
    log = engine.log
    cut = log.split_log()
    steps: dict[str, Callable[[], None]] = {
        "write_snapshot": lambda: log.write_snapshot(cut.generation),
        "retire_log": lambda: log.retire_log(cut.pending),
        "start_log": lambda: log.start_log(cut.generation),
        "install_snapshot": lambda: log.install_snapshot(),
        "drop_previous_log": lambda: log.drop_previous_log(),
    }
    crash_after(monkeypatch, step)
    done: list[str] = []
    meanwhile = 0
    with pytest.raises(Crash):
        for name in ORDERS[order]:
            done.append(name)
            steps[name]()
            if name == "start_log":
                increment(engine, 200)
                meanwhile = 200
    monkeypatch.undo()

    queued = 10 if {"retire_log", "install_snapshot"} & set(done) else 0
    engine = opened()
    assert count(engine) == 1000 + queued + meanwhile
    increment(engine, 500)
    assert count(opened()) == 1500 + queued + meanwhile
    assert not engine.log.previous_path.exists()


@needs_fork
def test_the_log_is_rotated_off_the_event_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rotating the log at a snapshot takes four fsyncs (7-30 ms at 200k rows on this
    machine's disk): the writer thread does it while reads go on being served; a write
    waits for it, as its record belongs in the new log, and survives a restart. (A read
    waits too once a write is queued: no reply shows a write before it is durable.)"""
    rotating, release = threading.Event(), threading.Event()
    retire = CommitLog.retire_log

    def held_retire(self: CommitLog, pending: bytes) -> None:
        rotating.set()
        release.wait(20)
        retire(self, pending)

    monkeypatch.setattr(CommitLog, "retire_log", held_retire)
    monkeypatch.setattr(durability, "SNAPSHOT_EVERY_RECORDS", 100)
    with private_server(data_dir=tmp_path / "data") as (server, s):
        insert = rows_past_a_snapshot(s, 0)
        k = 0
        while not rotating.wait(0.05):  # one write a request until a snapshot falls due
            s.execute(insert, (k,), timeout=10)
            k += 1
        for _ in range(20):
            assert s.execute("SELECT k FROM d.t WHERE k = 0", timeout=2).one() == (0,)
        answered = threading.Event()
        write = s.execute_async(insert, (k,), timeout=30)
        write.add_callbacks(lambda _: answered.set(), lambda _: answered.set())
        time.sleep(0.2)
        assert not answered.is_set()
        release.set()
        write.result()
        log = server.engine.log  # type: ignore[attr-defined]
        wait_for(lambda: log.background is None and not log.previous_path.exists(), "the snapshot")
    assert stored_rows(tmp_path / "data") == (k + 1, False)


@needs_fork
def test_the_server_serves_reads_and_writes_while_a_snapshot_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A snapshot held for as long as the test likes does not hold the clients: the
    writes that come meanwhile are acknowledged, read back, and survive a restart."""
    release = tmp_path / "release"
    hold_snapshots(monkeypatch, release)
    with private_server(data_dir=tmp_path / "data") as (server, s):
        insert = rows_past_a_snapshot(s, 120)
        log = server.engine.log  # type: ignore[attr-defined]
        assert log.background is not None and log.previous_path.exists()
        for k in range(120, 150):
            s.execute(insert, (k,), timeout=10)  # while the snapshot is held
        assert s.execute("SELECT count(*) FROM d.t").one()[0] == 150
        release.touch()
        wait_for(lambda: log.background is None, "the snapshot")
        assert not log.previous_path.exists() and log.snapshot_path.exists()
    assert stored_rows(tmp_path / "data") == (150, False)


@needs_fork
def test_a_failed_background_snapshot_keeps_its_log_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: CommitLog, generation: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(CommitLog, "write_snapshot", broken)
    monkeypatch.setattr(durability, "SNAPSHOT_EVERY_RECORDS", 100)
    with private_server(data_dir=tmp_path / "data") as (server, s):
        rows_past_a_snapshot(s, 120)
        log = server.engine.log  # type: ignore[attr-defined]
        wait_for(lambda: log.background is None, "the failed snapshot")
        assert log.previous_path.exists()  # the rotated log is all that holds its writes
        monkeypatch.undo()
    assert stored_rows(tmp_path / "data") == (120, False)  # the clean stop snapshotted on the loop


@needs_fork
def test_a_killed_server_takes_its_snapshot_writer_with_it_and_restarts_exactly(tmp_path: Path) -> None:
    """kill -9 while the child writes: the child dies too (no writer left to rename a
    snapshot under the next server), and the restart replays both logs, once."""
    release = tmp_path / "release"  # never made: the writer is still waiting when the server dies
    data = tmp_path / "data"
    server = ScyllaLiteProcess(data, launcher=("-c", HELD_SERVER, str(release)))
    s = server.connect()
    s.execute("CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    s.execute("CREATE TABLE d.t (k int PRIMARY KEY)")
    insert = s.prepare("INSERT INTO d.t (k) VALUES (?)")
    for k in range(150):
        s.execute(insert, (k,), timeout=10)
    children = Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text().split()
    assert len(children) == 1 and (data / "commitlog.previous").exists()
    assert server.kill() == -signal.SIGKILL
    wait_for(lambda: not Path(f"/proc/{children[0]}").exists(), "the writer to die", seconds=5)

    again = ScyllaLiteProcess(data)
    try:
        assert again.connect().execute("SELECT count(*) FROM d.t").one()[0] == 150
    finally:
        assert again.stop() == 0
    assert not (data / "commitlog.previous").exists()


@needs_fork
def test_a_snapshot_due_while_one_is_written_comes_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One writer at a time: while a snapshot is held, the log grows past the next
    threshold without a second one starting; the first write after it is done starts it."""
    release = tmp_path / "release"
    hold_snapshots(monkeypatch, release)
    with private_server(data_dir=tmp_path / "data") as (server, s):
        insert = rows_past_a_snapshot(s, 350)  # the first snapshot at ~100 records, held
        log = server.engine.log  # type: ignore[attr-defined]
        assert log.generation == 1 and log.background is not None
        release.touch()
        wait_for(lambda: log.background is None, "the first snapshot")
        s.execute(insert, (350,))
        assert log.generation == 2 and log.records_before > 200  # came late, holding more
    assert stored_rows(tmp_path / "data") == (351, False)


# ---------------------------------------------------------------- a failing disk
def write_each(s: Any, insert: Any, keys: range, before: Callable[[int], None] = lambda k: None) -> set[int]:
    """Write each key, one request each; the keys acknowledged (a refusal must say why)."""
    acknowledged = set()
    for k in keys:
        before(k)
        try:
            s.execute(insert, (k,), timeout=10)
        except NoHostAvailable as exc:  # the driver's word for a Server error from its only host
            assert "Failed to make the write durable: the commit log failed" in str(exc)
            continue
        acknowledged.add(k)
    return acknowledged


def test_once_the_log_fails_nothing_more_is_acknowledged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills half-way through a record, then has room again. A torn record ends
    the log at recovery, so a write acknowledged after it would be lost: like ScyllaDB,
    which isolates a node on a commit-log error, the server acknowledges nothing more
    (reads included: they could show what is not durable) until it restarts."""
    write, full = CommitLog._write, threading.Event()

    def write_or_fail(self: CommitLog, data: bytes) -> None:
        if full.is_set():
            self._file.write(data[: len(data) // 2])
            self._file.flush()
            raise OSError(28, "No space left on device")
        write(self, data)

    monkeypatch.setattr(CommitLog, "_write", write_or_fail)
    with private_server(data_dir=tmp_path / "data") as (_, s):
        insert = rows_past_a_snapshot(s, 10)
        acknowledged = write_each(s, insert, range(10, 14), lambda k: full.set() if k == 10 else full.clear())
        with pytest.raises(NoHostAvailable, match="nothing is acknowledged until the server restarts"):
            s.execute("SELECT k FROM d.t WHERE k = 0")
    assert acknowledged == set()
    assert stored_keys(tmp_path / "data") == set(range(10))


@needs_fork
def test_a_failed_rotation_acknowledges_nothing_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer thread cannot rotate the log while the forked child installs the
    snapshot of the cut: a write acknowledged after that, into the log the snapshot
    replaces, would be dropped at restart. Every acknowledged write is there."""

    def broken(self: CommitLog, pending: bytes) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(CommitLog, "retire_log", broken)
    monkeypatch.setattr(durability, "SNAPSHOT_EVERY_RECORDS", 100)
    with private_server(data_dir=tmp_path / "data") as (server, s):
        insert = rows_past_a_snapshot(s, 0)
        acknowledged = write_each(s, insert, range(200))
        log = server.engine.log  # type: ignore[attr-defined]
        wait_for(lambda: log.background is None, "the snapshot writer")
        assert log.snapshot_path.exists() and len(acknowledged) < 200
        monkeypatch.undo()
    assert acknowledged <= stored_keys(tmp_path / "data")
