"""The Oracle's Mirror on the web: ``GET /`` (forms post back, then a 303) and a JSON API,
both running the actions of `materialized_views.mirror`::

    Product(...).save() / Product.find(sku=s).update(...) / .delete()   # the base table only
    ProductByCategory.find(category=c).all()                          # a view: read-only
    ProductByCategory(...).save()            # refused by coodie: InvalidQueryError, nothing sent
    ProductByCategory.find(...).update(...)  # refused by the server: Cannot directly modify ...

After each write the page shows the base card and every view's partitions with the product in
its new place (and a ghost where it was). Every body is read by `demokit.bodies`: bad input is
a 4xx with a message (in the page, or as JSON ``detail``) and nothing is written; a write to a
view is a 405 carrying both refusals.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from demokit import flash, tokens, web
from demokit.bodies import BadBody, Body, read_asgi
from demokit.documents import to_json
from materialized_views import mirror
from materialized_views.mirror import (
    InputError,
    NewProduct,
    PagePick,
    PageRename,
    ProductEdit,
    Refusal,
    Rename,
    Trace,
)
from materialized_views.models import BANDS, VIEWS, Product
from materialized_views.scene import scene

templates = web.templates(
    __file__,
    bands={band: label for band, _, label in BANDS},
    max_name=mirror.MAX_NAME,
    max_brand=mirror.MAX_BRAND,
    max_category=mirror.MAX_CATEGORY,
    max_price=mirror.MAX_PRICE,
)
pages = APIRouter(default_response_class=HTMLResponse)
api = APIRouter()
READ_ONLY = {"Allow": "GET"}  # a view answers reads only


def create_app(keyspace: str | None = None) -> FastAPI:
    return web.create_fastapi(
        __file__,
        keyspace,
        documents=[Product],  # sync_table() for the base table; the views are sync_view()'s
        routers=[pages, api],
        on_start=mirror.sync_views,
        state={"flash_key": tokens.secret_key("ORACLE_SECRET")},  # signs the banner after a redirect
    )


# --------------------------------------------------------------------------- the page


def render(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    """The mirror: the base card, each reflection, and what the last action did."""
    said = flash.take(request, request.app.state.flash_key)
    last = json.loads(said) if said else {}  # what the previous action did (a signed cookie)
    context.setdefault("error", None)
    context.setdefault("form", {})
    context.setdefault("refusal", None)
    trace = context.pop("trace", None) or last.get("trace")
    query = context.pop("query", None)
    context.update(
        scene(request.state.keyspace, trace, query),
        synced=last.get("synced"),
        trace=trace,
    )
    response = templates.TemplateResponse(request, "index.html", context, status_code=status)
    return flash.clear(request, response)


def told(request: Request, payload: dict[str, Any]) -> Response:
    """The 303 back to the mirror, carrying what happened (signed: a URL cannot fake it)."""
    response = RedirectResponse("/", status_code=303)
    return flash.flash(response, request.app.state.flash_key, json.dumps(payload))


async def html_action(request: Request, action: Callable[[Any], Any], model: type[Body] | None) -> Response:
    """Run a form's action: a `Trace` → 303 with it; a `Refusal` → the page, 405; bad input → the page."""
    try:
        data = await read_asgi(request, model) if model else None
        result = await run_in_threadpool(action, data)
    except (InputError, BadBody) as exc:
        values = exc.values if isinstance(exc, BadBody) and model is NewProduct else {}  # refill "insert"
        return await run_in_threadpool(partial(render, request, exc.status, error=str(exc), form=values))
    if isinstance(result, Refusal):
        return await run_in_threadpool(partial(render, request, 405, refusal=asdict(result)))
    if isinstance(result, Trace):
        return told(request, {"trace": asdict(result)})
    return told(request, {"synced": result})


@pages.get("/")
def page(request: Request, view: str | None = None, key: str | None = None) -> Response:
    """The mirror; ``?view=products_by_category&key=tarot-decks`` also reads that partition."""
    if view is None and key is None:
        return render(request)
    try:
        return render(request, query=(mirror.find_view(view or ""), key or ""))
    except InputError as exc:
        return render(request, exc.status, error=str(exc))


@pages.post("/products")
async def html_create(request: Request) -> Response:
    return await html_action(request, lambda data: mirror.create(data)[1], NewProduct)


@pages.post("/products/{sku}/edit")
async def html_edit(request: Request, sku: str) -> Response:
    return await html_action(request, lambda data: mirror.edit(sku, data)[1], ProductEdit)


@pages.post("/products/{sku}/delete")
async def html_delete(request: Request, sku: str) -> Response:
    return await html_action(request, lambda _: mirror.remove(sku), None)


@pages.post("/views/{view}/rename")
async def html_view_rename(request: Request, view: str) -> Response:
    return await html_action(request, lambda data: mirror.refuse_rename(view, data.sku, data), PageRename)


@pages.post("/views/{view}/delete")
async def html_view_delete(request: Request, view: str) -> Response:
    return await html_action(request, lambda data: mirror.refuse_delete(view, data.sku), PagePick)


@pages.post("/views/sync")
async def html_sync(request: Request) -> Response:
    return await html_action(request, lambda _: mirror.sync_views(), None)


# --------------------------------------------------------------------------- the JSON API


def moved(product: Product | None, trace: Trace) -> dict[str, Any]:
    """An action's answer: the product (if any) and each view's partition before and after."""
    body: dict[str, Any] = {"moves": [asdict(m) for m in trace.moves]}
    if product is not None:
        body["product"] = to_json(product)
    return body


def refused(refusal: Refusal) -> JSONResponse:
    detail = f"{refusal.view} is a materialized view: read-only — the Oracle has spoken. Write to products."
    body = {"detail": detail, "refused_by": {"coodie": refusal.coodie, "server": refusal.server}}
    return JSONResponse({**body, "statement": refusal.statement}, status_code=405, headers=READ_ONLY)


async def answer(
    request: Request, action: Callable[[Any], Any], model: type[Body] | None, status: int = 200
) -> Response:
    """Run an action and answer what it returns as JSON (a `Refusal` as a 405), or a 4xx ``detail``."""
    try:
        data = await read_asgi(request, model) if model else None
        result = await run_in_threadpool(action, data)
    except (InputError, BadBody) as exc:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)
    if isinstance(result, Refusal):
        return refused(result)
    return JSONResponse(result, status_code=status)


@api.get("/api/products")
async def api_products(request: Request) -> Response:
    return await answer(request, lambda _: {"products": [to_json(p) for p in mirror.products()]}, None)


@api.post("/api/products")
async def api_create(request: Request) -> Response:
    return await answer(request, lambda data: moved(*mirror.create(data)), NewProduct, 201)


@api.get("/api/products/{sku}")
async def api_product(request: Request, sku: str) -> Response:
    return await answer(request, lambda _: to_json(mirror.load(sku)), None)


@api.patch("/api/products/{sku}")
async def api_edit(request: Request, sku: str) -> Response:
    return await answer(request, lambda data: moved(*mirror.edit(sku, data)), ProductEdit)


@api.delete("/api/products/{sku}")
async def api_delete(request: Request, sku: str) -> Response:
    return await answer(request, lambda _: moved(None, mirror.remove(sku)), None)


def view_json(view: Any, keyspace: str, key: str | None) -> dict[str, Any]:
    """A view's definition and its partitions — all of them, or the one ``key`` names."""
    info = asdict(mirror.view_info(view, keyspace))
    if key is not None:
        rows = [to_json(r) for r in mirror.partition(view, key)]
        return {**info, "read_only": True, "partitions": {key: rows} if rows else {}}
    groups = {k: [to_json(r) for r in rows] for k, rows in mirror.reflection(view).items()}
    return {**info, "read_only": True, "partitions": groups}


@api.get("/api/views")
async def api_views(request: Request) -> Response:
    keyspace = request.state.keyspace
    return await answer(request, lambda _: {"views": [view_json(v, keyspace, None) for v in VIEWS]}, None)


@api.get("/api/views/{view}")
async def api_view(request: Request, view: str, key: str | None = None) -> Response:
    keyspace = request.state.keyspace
    return await answer(request, lambda _: view_json(mirror.find_view(view), keyspace, key), None)


@api.patch("/api/views/{view}/rows/{sku}")
async def api_view_rename(request: Request, view: str, sku: str) -> Response:
    return await answer(request, lambda data: mirror.refuse_rename(view, sku, data), Rename)


@api.delete("/api/views/{view}/rows/{sku}")
async def api_view_delete(request: Request, view: str, sku: str) -> Response:
    return await answer(request, lambda _: mirror.refuse_delete(view, sku), None)


@api.post("/api/views/sync")
async def api_sync(request: Request) -> Response:
    return await answer(request, lambda _: {"synced": mirror.sync_views()}, None)


@api.get("/healthz")
def healthz(request: Request) -> dict[str, Any]:
    return {"ok": True, "keyspace": request.state.keyspace, "views": [v.Settings.name for v in VIEWS]}
