"""The demo fixtures: a test marked ``@pytest.mark.demo("<name>")`` gets that demo
(see `demokit.registry` for the ``[tool.coodie-demo]`` convention), its seed, its app
built on the test's keyspace, a test client on it, or the demo as ``make start`` runs it.

Loaded by `pytest_scylla.plugin` (its ``pytest_plugins``); the database fixtures they
stand on (``keyspace``, ``coodie_sync``, ``scylla``) are in `pytest_scylla.database`.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NoReturn

import pytest

from demokit.registry import Demo, DemoConfigError, discover

from .backend import ScyllaBackend
from .demo_process import DemoProcess, free_port

_DEMOS = pytest.StashKey[list[Demo]]()


# --------------------------------------------------------------------------- finding demos


def _fail(message: str) -> NoReturn:
    """A set-up mistake (a demo's config, a missing marker): its message alone, no traceback."""
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


def demo_mark(node: pytest.Item | pytest.Collector) -> pytest.Mark | None:
    """The closest ``demo(name)`` marker that names a demo (``demo()`` alone names none)."""
    return next((m for m in node.iter_markers("demo") if m.args), None)


def _import(demo: Demo, target: str) -> Any:
    try:
        return demo.import_(target)
    except DemoConfigError as exc:
        _fail(str(exc))


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def demo(request: pytest.FixtureRequest) -> Demo:
    """The demo named by the test's ``demo(name)`` marker."""
    mark = demo_mark(request.node)
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
    """Django's settings are per process: a second Django demo would run on the first's."""
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
        database = scylla.process_env(keyspace)
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
