"""The database fixtures: the backend, driver sessions, fresh keyspaces, coodie on them,
a clock that moves the server's time and a recorder of the CQL sent.

Loaded by `pytest_scylla.plugin` (its ``pytest_plugins``), which chooses the backend
at configure time and leaves the choice in ``config.stash[BACKEND_KIND]``.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from cassandra.cluster import Cluster, Session

from demokit.backend import Kind

from .backend import ScyllaBackend, ServerClock, start_backend
from .coodie_registry import registered
from .demo_fixtures import demo_mark, demos
from .recorder import CqlRecorder

#: the backend `pytest_scylla.plugin` chose for this run (by the rule in `demokit.backend`)
BACKEND_KIND = pytest.StashKey[Kind]()
_keyspace_numbers = itertools.count()


# --------------------------------------------------------------------------- backend


@pytest.fixture(scope="session")
def scylla(pytestconfig: pytest.Config) -> Iterator[ScyllaBackend]:
    """The database for this session (or xdist worker): kind, endpoints, version, clock."""
    kind = pytestconfig.stash[BACKEND_KIND]
    with start_backend(kind, pytestconfig.getoption("--scylla-hosts")) as backend:
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
    """Unique across xdist workers and runs, so tests never share or collide on a keyspace."""
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
def keyspace_aliases() -> dict[str, str]:
    """Generated keyspace names → the stable names `CqlRecorder.normalised` shows instead."""
    return {}


@pytest.fixture
def keyspace(
    request: pytest.FixtureRequest,
    cql: Session,
    keyspace_factory: Callable[..., str],
    keyspace_aliases: dict[str, str],
) -> str:
    """A fresh keyspace for this test, set as the ``cql`` session's keyspace (a demo test's is
    named after the demo's keyspace, and recorded CQL shows it as that)."""
    mark = demo_mark(request.node)
    known = {d.name: d.keyspace for d in demos(request.config)} if mark else {}
    demo_keyspace = known.get(mark.args[0]) if mark else None
    name = keyspace_factory(demo_keyspace or "spec")
    if demo_keyspace:
        keyspace_aliases[name] = demo_keyspace
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


def _coodie_driver(
    pytestconfig: pytest.Config, scylla: ScyllaBackend, session: Session, keyspace: str
) -> Any:
    """The coodie driver ``--scylla-driver`` asks for, on ``keyspace``."""
    if pytestconfig.getoption("--scylla-driver") == "acsylla":
        return _acsylla_driver(scylla, keyspace)
    from demokit.paging import PagingDriver

    return PagingDriver(session=session, default_keyspace=keyspace)


@pytest.fixture
def coodie_sync(
    pytestconfig: pytest.Config, scylla: ScyllaBackend, coodie_session: Session, keyspace: str
) -> Iterator[Any]:
    """coodie's default driver, on this test's keyspace, for ``coodie.sync`` documents."""
    with registered(_coodie_driver(pytestconfig, scylla, coodie_session, keyspace)) as driver:
        yield driver


@pytest.fixture
async def coodie_async(
    pytestconfig: pytest.Config, scylla: ScyllaBackend, coodie_session: Session, keyspace: str
) -> AsyncIterator[Any]:
    """coodie's default driver, on this test's keyspace, for ``coodie.aio`` documents."""
    with registered(_coodie_driver(pytestconfig, scylla, coodie_session, keyspace)) as driver:
        yield driver


@pytest.fixture
def cql_recorder(
    cql: Session, coodie_session: Session, keyspace_aliases: dict[str, str]
) -> Iterator[CqlRecorder]:
    """Records every CQL text sent from now on, by ``cql`` and by coodie's fixtures."""
    recorder = CqlRecorder(cql, coodie_session, aliases=keyspace_aliases).start()
    yield recorder
    recorder.close()
