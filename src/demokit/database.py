"""Bring a demo's database up, reach it, and take it down, following the backend rule.

``SCYLLA_HOSTS`` → that cluster; else Docker → the shared ScyllaDB container of
``demos/docker-compose.yml``; else a persistent scylla_lite started in the
background (``python -m scylla_lite`` with a data dir and a pid file), reused by
every demo and every ``make`` target until ``db-down``.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .backend import DEFAULT_PORT, BackendError, Endpoint, Kind, choose, parse_hosts

COMPOSE_FILE = Path(__file__).resolve().parents[2] / "demos" / "docker-compose.yml"
READY_TIMEOUT = 120.0
#: seconds the database's clock runs ahead of this machine's. Set by a test harness that moved
#: scylla_lite's clock forward (pytest_scylla's ``clock``) for the processes it starts.
CLOCK_AHEAD_ENV = "SCYLLA_CLOCK_AHEAD"
_opened: list[Any] = []  # the clusters `connect` opened, shut down by `close`


def state_dir() -> Path:
    """Where the background scylla_lite keeps its data, pid file and log."""
    base = os.environ.get("COODIE_DEMOS_STATE") or os.path.join(
        os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state"), "coodie-demos"
    )
    return Path(base) / "scylla_lite"


@dataclass
class LiteState:
    """What ``server.json`` records about the running background server."""

    pid: int
    host: str
    port: int
    admin_url: str | None

    @classmethod
    def load(cls, directory: Path) -> LiteState | None:
        try:
            return cls(**json.loads((directory / "server.json").read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def save(self, directory: Path) -> None:
        (directory / "server.json").write_text(json.dumps(asdict(self)))


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):  # our own child: reap it if it has exited
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _answers(endpoint: Endpoint, timeout: float = 1.0) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((endpoint.host, endpoint.port), timeout):
        return True
    return False


def port_free(host: str, port: int) -> bool:
    """True when a server could listen on ``host:port`` now. It binds as scylla_lite binds, with
    SO_REUSEADDR: the connections of a server just stopped (TIME_WAIT) leave the port free for
    the next one, and the next ``make db-up`` keeps 9042, where coodie's migrate CLI looks."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def running_lite(directory: Path | None = None) -> LiteState | None:
    """The background scylla_lite, when its pid is alive and its port answers."""
    directory = directory or state_dir()
    state = LiteState.load(directory)
    if state is None or not _alive(state.pid) or not _answers(Endpoint(state.host, state.port)):
        return None
    return state


def start_lite(directory: Path | None = None, host: str = "127.0.0.1") -> LiteState:
    """Start (or reuse) the background scylla_lite; its data survives restarts."""
    directory = directory or state_dir()
    (directory / "data").mkdir(parents=True, exist_ok=True)
    with open(directory / "start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two `make run`s at once start one server
        state = running_lite(directory)
        return state if state is not None else _spawn_lite(directory, host)


def _spawn_lite(directory: Path, host: str) -> LiteState:
    port = DEFAULT_PORT if port_free(host, DEFAULT_PORT) else 0
    log_path = directory / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scylla_lite",
                "--host",
                host,
                "--port",
                str(port),
                "--admin-port",
                "0",
                "--data-dir",
                str(directory / "data"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # outlives the make target that started it
        )
    line = _ready_line(proc, log_path)
    address = line.split("listening on ", 1)[1].split(" ", 1)[0]
    bound_host, _, bound_port = address.rpartition(":")
    admin = line.rsplit("admin ", 1)[1].rstrip(")") if "admin " in line else None
    state = LiteState(proc.pid, bound_host.strip("[]"), int(bound_port), admin)
    state.save(directory)
    return state


def _ready_line(proc: subprocess.Popen[bytes], log_path: Path, timeout: float = 60.0) -> str:
    """Wait for "scylla_lite X listening on H:P (..., admin URL)" in the server's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log_path.read_text(errors="replace").splitlines():
            if " listening on " in line:
                return line.strip()
        if proc.poll() is not None:
            lines = log_path.read_text(errors="replace").strip().splitlines()
            raise BackendError(
                f"scylla_lite did not start: {lines[-1] if lines else 'no output'} (log: {log_path})"
            )
        time.sleep(0.05)
    proc.terminate()
    raise BackendError(f"scylla_lite was not ready after {timeout:.0f} s (log: {log_path})")


def stop_lite(directory: Path | None = None, timeout: float = 30.0) -> bool:
    """Stop the background scylla_lite (SIGTERM: it syncs and snapshots); False if none ran."""
    directory = directory or state_dir()
    state = LiteState.load(directory)
    if state is None or not _alive(state.pid):
        (directory / "server.json").unlink(missing_ok=True)
        return False
    os.kill(state.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(state.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    (directory / "server.json").unlink(missing_ok=True)
    return True


def _compose(*args: str) -> None:
    if not COMPOSE_FILE.exists():
        raise BackendError(f"{COMPOSE_FILE} is missing")
    subprocess.run(["docker", "compose", "-f", str(COMPOSE_FILE), *args], check=True)


def _wait_for_cql(endpoint: Endpoint, timeout: float = READY_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not _answers(endpoint):
        if time.monotonic() > deadline:
            raise BackendError(f"nothing answers CQL on {endpoint} after {timeout:.0f} s")
        time.sleep(1)


def database_up(kind: Kind | None = None) -> tuple[Kind, list[Endpoint]]:
    """Make sure the database the rule picks is up; return it and its contact points."""
    kind = kind or choose()
    if kind == "hosts":
        return kind, parse_hosts(os.environ.get("SCYLLA_HOSTS"))
    if kind == "docker":
        _compose("up", "-d")
        endpoint = Endpoint("127.0.0.1", DEFAULT_PORT)
        _wait_for_cql(endpoint)
        return kind, [endpoint]
    state = start_lite()
    return kind, [Endpoint(state.host, state.port)]


def database_down(kind: Kind | None = None, *, wipe: bool = False) -> str:
    """Stop what `database_up` started (a cluster named by SCYLLA_HOSTS is left alone)."""
    kind = kind or choose()
    if kind == "hosts":
        return "SCYLLA_HOSTS names an external cluster: left running"
    if kind == "docker":
        _compose("down", *(["-v"] if wipe else []))
        return "ScyllaDB container stopped"
    stopped = stop_lite()
    if wipe:
        import shutil

        shutil.rmtree(state_dir() / "data", ignore_errors=True)
    return "scylla_lite stopped" if stopped else "scylla_lite was not running"


class WriteTimestamps:
    """The driver's write timestamps (a ``Cluster``'s ``timestamp_generator``), ``ahead`` seconds
    ahead of this machine's clock. A database whose clock runs ahead stamps its own writes (LWT)
    later than a client's plain writes that follow them, which then lose: a client as far ahead
    keeps the order a real cluster keeps, where both clocks agree."""

    def __init__(self, ahead: float = 0.0) -> None:
        from cassandra.timestamps import MonotonicTimestampGenerator

        self.ahead = ahead
        self._clock = MonotonicTimestampGenerator()

    def __call__(self) -> int:
        return int(self._clock() + self.ahead * 1_000_000)


def cluster_options() -> dict[str, Any]:
    """The driver ``Cluster`` options of every demo process (``Cluster(hosts, port=, **these)``).

    The asyncio reactor: with the driver's default one (libev) a process waits up to 5 s at
    exit for the reactor's thread, even after ``shutdown()``, whenever a request timer is still
    armed — a pause at the end of every seed, ``db-up`` and management command. With
    ``SCYLLA_CLOCK_AHEAD`` (`CLOCK_AHEAD_ENV`), write timestamps that far ahead (`WriteTimestamps`).
    """
    from cassandra.io.asyncioreactor import AsyncioConnection

    options: dict[str, Any] = {"connect_timeout": 10, "connection_class": AsyncioConnection}
    ahead = os.environ.get(CLOCK_AHEAD_ENV)
    if ahead:
        try:
            options["timestamp_generator"] = WriteTimestamps(float(ahead))
        except ValueError:
            raise BackendError(f"{CLOCK_AHEAD_ENV}={ahead!r} is not a number of seconds") from None
    return options


def _cluster(**cluster_kwargs: Any) -> Any:
    """A driver ``Cluster`` on the database the rule picks, brought up first (`cluster_options`)."""
    from cassandra.cluster import Cluster

    _, endpoints = database_up()
    return Cluster(
        [e.host for e in endpoints], port=endpoints[0].port, **{**cluster_options(), **cluster_kwargs}
    )


def _create_keyspace(session: Any, keyspace: str) -> None:
    session.execute(
        f"CREATE KEYSPACE IF NOT EXISTS {keyspace} "
        "WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
    )


def create_keyspace(keyspace: str) -> None:
    """Bring the database up and create ``keyspace`` if it is missing (``make db-up``)."""
    cluster = _cluster()
    try:
        _create_keyspace(cluster.connect(), keyspace)
    finally:
        cluster.shutdown()


def connect(keyspace: str, **cluster_kwargs: Any) -> Any:
    """A driver session on the demo's keyspace (created if missing), the database brought up
    first; coodie's default driver is registered on it (a `PagingDriver`) so the demo's
    models work at once. The cluster is shut down by `close`: when the app stops, or at exit."""
    from coodie.drivers import register_driver

    from .paging import PagingDriver

    cluster = _cluster(**cluster_kwargs)
    if not _opened:
        atexit.register(close)
    _opened.append(cluster)
    session = cluster.connect()
    _create_keyspace(session, keyspace)
    register_driver("default", PagingDriver(session=session, default_keyspace=keyspace), default=True)
    return session


def close() -> None:
    """Shut down every cluster `connect` opened (an app's shutdown; also run at exit)."""
    while _opened:
        _opened.pop().shutdown()


def ensure_coodie(keyspace: str) -> Any:
    """coodie's default driver on ``keyspace``: the one already registered there (the test
    harness registers one on each test keyspace), else a new connection (`connect`).

    A demo's app factory calls this instead of ``init_coodie``, so the same app runs
    against the demo's database (``make run``) and inside a test's keyspace.
    """
    from coodie.drivers import get_driver
    from coodie.exceptions import ConfigurationError

    from .coodie_private import driver_keyspace

    try:
        driver = get_driver()
    except ConfigurationError:
        driver = None
    if driver is not None and driver_keyspace(driver) == keyspace:
        return driver
    connect(keyspace)
    return get_driver()
