"""pytest plugin (entry point ``pytest11``): the database under every spec test.

This module holds the hooks: options choose the backend (``--scylla-backend``: hosts /
Docker / embedded scylla_lite, by the rule in `demokit.backend`) and the driver;
markers ``demo(name)``, ``scylla_only``, ``slow``. The fixtures live in two plugin
modules it loads (as pytest-django's ``plugin.py`` loads its ``fixtures.py``):

* `pytest_scylla.database`: a driver session, fresh keyspaces, coodie initialised on
  them, a clock that moves time forward and a recorder of the CQL sent;
* `pytest_scylla.demo_fixtures`: a demo's seed, app, test client and process.

Demo tests (see `demokit.registry` for the ``[tool.coodie-demo]`` convention)::

    @pytest.mark.demo("fastapi-catalog")
    async def test_the_catalog_lists_products(seed, app_client):
        assert seed(5) == 5
        page = await app_client.get("/products")
        assert page.status_code == 200 and len(page.json()) == 5

``@pytest.mark.demo()`` without a name runs a test once for every demo.
"""

from __future__ import annotations

import importlib.metadata
import os

import pytest

from demokit.backend import CHOICES, BackendError, choose, parse_hosts

from .database import BACKEND_KIND
from .demo_fixtures import demos

#: the fixture modules, registered as plugins when this one is (once, by module name)
pytest_plugins = ["pytest_scylla.database", "pytest_scylla.demo_fixtures"]

DRIVERS = ("scylla", "cassandra", "acsylla")
#: the distribution that provides each ``--scylla-driver``
_DRIVER_DISTRIBUTIONS = {"scylla": "scylla-driver", "cassandra": "cassandra-driver", "acsylla": "acsylla"}


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
        config.stash[BACKEND_KIND] = choose(
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


def pytest_report_header(config: pytest.Config) -> str:
    kind = config.stash[BACKEND_KIND]
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


# --------------------------------------------------------------------------- collection


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    run_slow = config.getoption("--run-slow")
    real = config.stash[BACKEND_KIND] != "embedded"
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


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marks = list(metafunc.definition.iter_markers("demo"))
    if marks and not any(m.args for m in marks):  # demo(): once for every demo
        params = [pytest.param(d, id=d.name, marks=pytest.mark.demo(d.name)) for d in demos(metafunc.config)]
        if not params:
            params = [pytest.param(None, id="no-demos", marks=pytest.mark.skip(reason="no demos yet"))]
        metafunc.parametrize("demo", params)
