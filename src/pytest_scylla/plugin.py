"""pytest plugin (entry point ``pytest11``): the database under every spec test.

Options choose the backend (``--scylla-backend``: hosts / Docker / embedded
scylla_lite, by the rule in `demokit.backend`) and the driver; fixtures give a
driver session, fresh keyspaces, coodie initialised on them, a clock that moves
time forward and a recorder of the CQL sent. Markers: ``demo(name)``,
``scylla_only``, ``slow``.
"""

from __future__ import annotations

import importlib.metadata
import itertools
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from cassandra.cluster import Cluster, Session

from demokit.backend import CHOICES, BackendError, Kind, choose, parse_hosts

from .backend import ScyllaBackend, ServerClock, start_backend
from .recorder import CqlRecorder

DRIVERS = ("scylla", "cassandra", "acsylla")
#: the distribution that provides each ``--scylla-driver``
_DRIVER_DISTRIBUTIONS = {"scylla": "scylla-driver", "cassandra": "cassandra-driver", "acsylla": "acsylla"}
_keyspace_numbers = itertools.count()


# --------------------------------------------------------------------------- options


def _installed_driver() -> str:
    """scylla-driver and cassandra-driver both install the ``cassandra`` package."""
    for name in ("scylla", "cassandra"):
        try:
            importlib.metadata.version(_DRIVER_DISTRIBUTIONS[name])
            return name
        except importlib.metadata.PackageNotFoundError:
            continue
    return "scylla"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("scylla", "ScyllaDB backend (pytest_scylla)")
    group.addoption(
        "--scylla-hosts",
        default=os.environ.get("SCYLLA_HOSTS") or None,
        metavar="HOST[:PORT],...",
        help="run against this cluster (default: $SCYLLA_HOSTS)",
    )
    group.addoption(
        "--scylla-backend",
        choices=CHOICES,
        default="auto",
        help="auto (default): the hosts if given, else Docker if an engine answers, else embedded scylla_lite",
    )
    group.addoption(
        "--scylla-driver",
        choices=DRIVERS,
        default=_installed_driver(),
        help="driver behind the coodie fixtures: scylla, cassandra or acsylla "
        "(default: whichever provides the `cassandra` package here, scylla-driver first)",
    )
    group.addoption(
        "--run-slow",
        action="store_true",
        default=os.environ.get("RUN_SLOW", "") not in ("", "0"),
        help="run tests marked slow (RUN_SLOW=1 does the same)",
    )


def pytest_configure(config: pytest.Config) -> None:
    for line in (
        "demo(name): the test belongs to demo NAME (so -k NAME and -m demo select it)",
        "scylla_only: needs a real ScyllaDB (a cluster or a container); skipped on scylla_lite",
        "slow: long-running; skipped unless --run-slow (or RUN_SLOW=1)",
    ):
        config.addinivalue_line("markers", line)
    try:
        config.stash[_KIND] = choose(
            config.getoption("--scylla-backend"), config.getoption("--scylla-hosts") or ""
        )
    except BackendError as exc:
        raise pytest.UsageError(str(exc)) from None
    driver = config.getoption("--scylla-driver")
    try:
        importlib.metadata.version(_DRIVER_DISTRIBUTIONS[driver])
    except importlib.metadata.PackageNotFoundError:
        raise pytest.UsageError(
            f"--scylla-driver={driver} needs the {_DRIVER_DISTRIBUTIONS[driver]} package installed"
        ) from None


_KIND = pytest.StashKey[Kind]()


def pytest_report_header(config: pytest.Config) -> str:
    kind = config.stash[_KIND]
    driver = config.getoption("--scylla-driver")
    if kind == "hosts":
        where = ", ".join(str(e) for e in parse_hosts(config.getoption("--scylla-hosts")))
        what = f"ScyllaDB cluster at {where} (version shown by the `scylla` fixture)"
    elif kind == "docker":
        from demokit.backend import SCYLLA_IMAGE

        what = f"ScyllaDB container {SCYLLA_IMAGE} (testcontainers)"
    else:
        from .backend import scylla_lite_version

        what = f"embedded {scylla_lite_version()}, in-process, one per worker"
    return f"scylla backend: {what}; driver: {driver}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    run_slow = config.getoption("--run-slow")
    real = config.stash[_KIND] != "embedded"
    skip_slow = pytest.mark.skip(reason="slow: use --run-slow (or RUN_SLOW=1)")
    skip_real = pytest.mark.skip(reason="scylla_only: needs a real ScyllaDB (SCYLLA_HOSTS or Docker)")
    for item in items:
        for mark in item.iter_markers("demo"):
            if mark.args:  # `-k ttl-sessions` / `-k ttl` select the demo's tests
                item.extra_keyword_matches.add(str(mark.args[0]))
        if not run_slow and item.get_closest_marker("slow"):
            item.add_marker(skip_slow)
        if not real and item.get_closest_marker("scylla_only"):
            item.add_marker(skip_real)


# --------------------------------------------------------------------------- backend


@pytest.fixture(scope="session")
def scylla(pytestconfig: pytest.Config) -> Iterator[ScyllaBackend]:
    """The database for this session (or xdist worker): kind, endpoints, version, clock."""
    with start_backend(pytestconfig.stash[_KIND], pytestconfig.getoption("--scylla-hosts")) as backend:
        yield backend


@pytest.fixture(scope="session")
def clock(scylla: ScyllaBackend) -> ServerClock:
    """``clock.advance(s)``: TTLs expire at once on scylla_lite; a real cluster sleeps."""
    return scylla.clock


@pytest.fixture(scope="session")
def scylla_contact(scylla: ScyllaBackend) -> tuple[str, int]:
    """(host, port) of the first contact point."""
    return scylla.contact.host, scylla.contact.port


@pytest.fixture
def server(scylla: ScyllaBackend) -> Any:
    """The embedded scylla_lite `BackgroundServer`; the test is skipped on a real ScyllaDB."""
    if scylla.server is None:
        pytest.skip("needs the embedded scylla_lite server")
    return scylla.server


@pytest.fixture(scope="session")
def cluster(scylla: ScyllaBackend) -> Iterator[Cluster]:
    """A driver `Cluster` connected to the backend for the whole session."""
    c = scylla.cluster()
    yield c
    c.shutdown()


@pytest.fixture(scope="session")
def cql(cluster: Cluster) -> Session:
    """The session's driver `Session` (its keyspace is set by the ``keyspace`` fixture)."""
    return cluster.connect()


# --------------------------------------------------------------------------- keyspaces


def _keyspace_name(prefix: str) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{prefix}_{worker}_{next(_keyspace_numbers)}_{uuid.uuid4().hex[:6]}"[:48]


def _create_keyspace(cql: Session, name: str) -> None:
    cql.execute(
        f"CREATE KEYSPACE {name} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
    )


@pytest.fixture
def keyspace_factory(cql: Session) -> Iterator[Callable[..., str]]:
    """``make(prefix="spec")`` creates a uniquely named keyspace; all are dropped after the test."""
    made: list[str] = []

    def make(prefix: str = "spec") -> str:
        name = _keyspace_name(prefix)
        _create_keyspace(cql, name)
        made.append(name)
        return name

    yield make
    for name in made:
        cql.execute(f"DROP KEYSPACE IF EXISTS {name}")


@pytest.fixture
def keyspace(cql: Session, keyspace_factory: Callable[..., str]) -> str:
    """A fresh keyspace for this test, set as the ``cql`` session's keyspace."""
    name = keyspace_factory()
    cql.set_keyspace(name)
    return name


@pytest.fixture(scope="module")
def module_keyspace(cql: Session) -> Iterator[str]:
    """One fresh keyspace shared by the tests of a module (not set on the session)."""
    name = _keyspace_name("mod")
    _create_keyspace(cql, name)
    yield name
    cql.execute(f"DROP KEYSPACE IF EXISTS {name}")


# --------------------------------------------------------------------------- coodie


def _forget_coodie_driver(name: str = "default") -> None:
    # coodie has no public unregister; drop ours so no later test reaches a dropped keyspace.
    import coodie.drivers as drivers

    drivers._registry.pop(name, None)
    if drivers._default_driver_name == name:
        drivers._default_driver_name = next(iter(drivers._registry), None)


def _acsylla_driver(scylla: ScyllaBackend, keyspace: str) -> Any:
    import acsylla
    from coodie.drivers.acsylla import AcsyllaDriver

    async def make_session() -> Any:
        cluster = acsylla.create_cluster([e.host for e in scylla.endpoints], port=scylla.contact.port)
        return await cluster.create_session(keyspace=keyspace)

    return AcsyllaDriver.connect(make_session, default_keyspace=keyspace)


@pytest.fixture(scope="session")
def coodie_session(cluster: Cluster) -> Session:
    """The driver session coodie's fixtures use: its own, because coodie switches a
    session's row factory to dicts and ``cql`` must keep returning named tuples."""
    return cluster.connect()


def _register(pytestconfig: pytest.Config, scylla: ScyllaBackend, session: Session, keyspace: str) -> Any:
    from coodie.drivers import register_driver

    if pytestconfig.getoption("--scylla-driver") == "acsylla":
        driver = _acsylla_driver(scylla, keyspace)
    else:
        from coodie.drivers.cassandra import CassandraDriver

        driver = CassandraDriver(session=session, default_keyspace=keyspace)
    register_driver("default", driver, default=True)
    return driver


@pytest.fixture
def coodie_sync(
    pytestconfig: pytest.Config, scylla: ScyllaBackend, coodie_session: Session, keyspace: str
) -> Iterator[Any]:
    """coodie's default driver, on this test's keyspace, for ``coodie.sync`` documents."""
    driver = _register(pytestconfig, scylla, coodie_session, keyspace)
    yield driver
    _forget_coodie_driver()


@pytest.fixture
async def coodie_async(
    pytestconfig: pytest.Config, scylla: ScyllaBackend, coodie_session: Session, keyspace: str
) -> AsyncIterator[Any]:
    """coodie's default driver, on this test's keyspace, for ``coodie.aio`` documents."""
    driver = _register(pytestconfig, scylla, coodie_session, keyspace)
    yield driver
    _forget_coodie_driver()


@pytest.fixture
def cql_recorder(cql: Session, coodie_session: Session) -> Iterator[CqlRecorder]:
    """Records every CQL text sent from now on, by ``cql`` and by coodie's fixtures."""
    recorder = CqlRecorder(cql, coodie_session).start()
    yield recorder
    recorder.close()
