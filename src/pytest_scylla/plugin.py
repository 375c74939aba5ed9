"""pytest plugin (entry point ``pytest11``): the database under every spec test.

Options choose the backend (``--scylla-backend``: hosts / Docker / embedded
scylla_lite, by the rule in `demokit.backend`) and the driver; fixtures give a
driver session, fresh keyspaces, coodie initialised on them, a clock that moves
time forward and a recorder of the CQL sent. Markers: ``demo(name)``,
``scylla_only``, ``slow``.

Demo tests (see `demokit.registry` for the ``[tool.coodie-demo]`` convention)::

    @pytest.mark.demo("fastapi-catalog")
    async def test_the_catalog_lists_products(seed, app_client):
        assert seed(5) == 5
        page = await app_client.get("/products")
        assert page.status_code == 200 and len(page.json()) == 5

``@pytest.mark.demo()`` without a name runs a test once for every demo.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.metadata
import itertools
import os
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NoReturn

import pytest
from cassandra.cluster import Cluster, Session

from demokit.backend import CHOICES, BackendError, Kind, choose, parse_hosts
from demokit.registry import Demo, DemoConfigError, discover

from .backend import ScyllaBackend, ServerClock, start_backend
from .demo_process import DemoProcess, free_port
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
        "--demos-dir",
        default=None,
        metavar="DIR",
        help="where the demos live (default: demos/ under the rootdir)",
    )
    group.addoption(
        "--run-slow",
        action="store_true",
        default=os.environ.get("RUN_SLOW", "") not in ("", "0"),
        help="run tests marked slow (RUN_SLOW=1 does the same)",
    )


def pytest_configure(config: pytest.Config) -> None:
    for line in (
        "demo(name): the test belongs to demo NAME (so -k NAME and -m demo select it); "
        "demo() without a name: the test runs once for every demo",
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
    mark = _demo_mark(request.node)
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
        from demokit.paging import PagingDriver

        driver = PagingDriver(session=session, default_keyspace=keyspace)
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
def cql_recorder(
    cql: Session, coodie_session: Session, keyspace_aliases: dict[str, str]
) -> Iterator[CqlRecorder]:
    """Records every CQL text sent from now on, by ``cql`` and by coodie's fixtures."""
    recorder = CqlRecorder(cql, coodie_session, aliases=keyspace_aliases).start()
    yield recorder
    recorder.close()


# --------------------------------------------------------------------------- demos

_DEMOS = pytest.StashKey[list[Demo]]()


def _fail(message: str) -> NoReturn:
    pytest.fail(message, pytrace=False)


def demos(config: pytest.Config) -> list[Demo]:
    """Every demo under ``--demos-dir`` (default ``<rootdir>/demos``), discovered once per run."""
    if _DEMOS not in config.stash:
        root = config.getoption("--demos-dir") or config.rootpath / "demos"
        try:
            config.stash[_DEMOS] = discover(Path(root))
        except DemoConfigError as exc:
            _fail(str(exc))
    return config.stash[_DEMOS]


def _demo_mark(node: pytest.Item | pytest.Collector) -> pytest.Mark | None:
    return next((m for m in node.iter_markers("demo") if m.args), None)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marks = list(metafunc.definition.iter_markers("demo"))
    if marks and not any(m.args for m in marks):  # demo(): once for every demo
        params = [pytest.param(d, id=d.name, marks=pytest.mark.demo(d.name)) for d in demos(metafunc.config)]
        if not params:
            params = [pytest.param(None, id="no-demos", marks=pytest.mark.skip(reason="no demos yet"))]
        metafunc.parametrize("demo", params)


def _import(demo: Demo, target: str) -> Any:
    try:
        return demo.import_(target)
    except DemoConfigError as exc:
        _fail(str(exc))


@pytest.fixture
def demo(request: pytest.FixtureRequest) -> Demo:
    """The demo named by the test's ``demo(name)`` marker."""
    mark = _demo_mark(request.node)
    if mark is None:
        _fail(f'{request.node.name}: the demo fixtures need @pytest.mark.demo("<demo name>") on the test')
    name = mark.args[0]
    found = demos(request.config)
    for candidate in found:
        if candidate.name == name:
            return candidate
    root = request.config.getoption("--demos-dir") or request.config.rootpath / "demos"
    _fail(
        f"@pytest.mark.demo({name!r}): no such demo in {root} (known: {', '.join(d.name for d in found) or 'none'})"
    )


def _event_loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.fixture
def seed(demo: Demo, coodie_sync: Any) -> Callable[..., int]:
    """``seed(count)`` or ``seed(feed=path)``: the demo's seed function into this test's keyspace."""
    function = _import(demo, demo.seed)

    def run(count: int = 10, *, feed: str | os.PathLike[str] | None = None) -> int:
        call = functools.partial(
            function, count=count, feed=None if feed is None else str(feed), progress=False
        )
        if _event_loop_running():  # an async test: the seed may run its own loop (asyncio.run)
            with ThreadPoolExecutor(1) as pool:
                return pool.submit(call).result()
        return call()

    return run


@pytest.fixture
def demo_app(demo: Demo, keyspace: str, coodie_sync: Any) -> Any:
    """The demo's app, built by its own factory on this test's keyspace."""
    if demo.app is None:
        _fail(f"demo {demo.name} declares no app in its [tool.coodie-demo] table")
    app = _import(demo, demo.app)(keyspace)
    if demo.kind == "django":
        _check_django_settings(demo)
    return app


def _check_django_settings(demo: Demo) -> None:
    from django.conf import settings

    module = sys.modules.get(getattr(settings, "SETTINGS_MODULE", None) or "")
    origin = getattr(module, "__file__", None)
    if origin and not Path(origin).resolve().is_relative_to(demo.path):
        _fail(
            f"demo {demo.name}: Django is already configured by {origin} in this process; "
            "run one Django demo per pytest process (-k / -n)"
        )


@pytest.fixture
def app_client(request: pytest.FixtureRequest, demo: Demo, demo_app: Any) -> Any:
    """A test client on ``demo_app``: httpx.AsyncClient (fastapi), Flask's or Django's test client."""
    if demo.kind == "fastapi":
        return request.getfixturevalue("_asgi_client")
    if demo.kind == "flask":
        demo_app.testing = True  # errors reach the test instead of becoming 500 pages
        return demo_app.test_client()
    if demo.kind == "django":
        return request.getfixturevalue("_django_client")
    from click.testing import CliRunner  # cli: app_client(args...) runs the command

    return functools.partial(CliRunner().invoke, demo_app)


@pytest.fixture
def demo_process(
    demo: Demo, scylla: ScyllaBackend, keyspace: str, tmp_path: Path
) -> Iterator[Callable[..., DemoProcess]]:
    """``run(target="start", env=None, **make_vars)``: ``make TARGET`` in the demo's folder — by
    default ``start``, the real command ``make run`` ends with — in a subprocess, on a free port,
    against this test's backend and keyspace; every process started is stopped after the test."""
    started: list[DemoProcess] = []

    def run(target: str = "start", env: dict[str, str] | None = None, **make_vars: str) -> DemoProcess:
        make_vars = {"HOST": "127.0.0.1", "PORT": str(free_port()), **make_vars}
        database = {"SCYLLA_HOSTS": ",".join(str(e) for e in scylla.endpoints), "SCYLLA_KEYSPACE": keyspace}
        log = tmp_path / f"{demo.name}-{target}-{len(started)}.log"
        started.append(DemoProcess(demo.path, target, log, {**database, **(env or {})}, make_vars))
        return started[-1]

    yield run
    for process in started:
        process.stop()


@pytest.fixture
async def _asgi_client(demo_app: Any) -> AsyncIterator[Any]:
    """httpx.AsyncClient over ASGI, inside the app's lifespan (startup before, shutdown after)."""
    import httpx
    from asgi_lifespan import LifespanManager

    async with LifespanManager(demo_app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@pytest.fixture
def _django_client(demo_app: Any) -> Iterator[Any]:
    """django.test.Client, with Django's test environment set up around it."""
    from django.test import Client
    from django.test.utils import setup_test_environment, teardown_test_environment

    try:
        setup_test_environment()
        ours = True
    except RuntimeError:  # already set up (e.g. by pytest-django)
        ours = False
    yield Client()
    if ours:
        teardown_test_environment()
