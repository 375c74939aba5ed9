"""The FastAPI app every web demo is built on, so its ``create_app`` names only what is its own.

`create_fastapi` gives an app whose lifespan starts coodie on the demo's keyspace
(`demokit.database.ensure_coodie`: the test harness's driver when there is one) and syncs
the demo's tables; it serves the shared theme and the demo's ``static/`` itself, and turns
off Swagger UI and ReDoc (they load their scripts from a CDN). The routes live on the demo's
module-level ``APIRouter``s and reach the database through ``request.state`` (``driver``,
``keyspace``) or coodie's models; `templates` is the demo's module-level Jinja2 loader::

    templates = web.templates(__file__, demo_title="The Infinite Bazaar")
    pages = APIRouter()

    def create_app(keyspace: str | None = None) -> FastAPI:
        return web.create_fastapi(__file__, keyspace, documents=[Product], routers=[pages, api])
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

import jinja2
from fastapi import APIRouter, FastAPI
from fastapi.templating import Jinja2Templates

from . import theme
from .database import ensure_coodie
from .registry import demo_at, keyspace_for

ErrorHandler = Callable[..., Any]


def templates(package_file: str, **globals: Any) -> Jinja2Templates:
    """The demo's templates (its own ``templates/`` first, then demokit's ``base.html``), with
    ``coodie_version`` and the demo's ``globals`` available to every page."""
    package_dir = Path(package_file).resolve().parent
    loader = jinja2.FileSystemLoader([package_dir / "templates", theme.templates_dir()])
    env = jinja2.Environment(loader=loader, autoescape=True)
    env.globals.update(coodie_version=version("coodie"), **globals)
    return Jinja2Templates(env=env)


async def sync_tables(documents: Sequence[Any]) -> None:
    """``sync_table()`` each document class in order, sync or async coodie alike."""
    for document in documents:
        result = document.sync_table()
        if inspect.isawaitable(result):
            await result


def create_fastapi(
    package_file: str,
    keyspace: str | None,
    *,
    documents: Sequence[Any],
    routers: Sequence[APIRouter],
    errors: Mapping[type[Exception], ErrorHandler] | None = None,
    state: Mapping[str, Any] | None = None,
    on_start: Callable[[], Any] | None = None,
) -> FastAPI:
    """A demo's app on ``keyspace`` (None: the demo's own, `demokit.registry.keyspace_for`),
    titled and described by its ``pyproject.toml`` (``description = "<story>: <what it shows>"``).

    ``documents`` are synced at start-up, then ``on_start`` runs (a model to load, say);
    ``errors`` maps exception classes to handlers; ``state`` is set on ``app.state`` (a
    signing key per app). Requests see ``request.state.driver`` and ``.keyspace``.
    """
    name = keyspace or keyspace_for(package_file)  # [tool.coodie-demo], or $SCYLLA_KEYSPACE

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        driver = ensure_coodie(name)
        await sync_tables(documents)
        if on_start is not None:
            on_start()
        yield {"driver": driver, "keyspace": name}

    demo = demo_at(package_file)
    app = FastAPI(
        title=demo.title, description=demo.summary, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    for key, value in (state or {}).items():
        setattr(app.state, key, value)
    theme.mount_fastapi(app, Path(package_file).resolve().parent)
    for exception, handler in (errors or {}).items():
        app.add_exception_handler(exception, handler)
    for router in routers:
        app.include_router(router)
    return app
