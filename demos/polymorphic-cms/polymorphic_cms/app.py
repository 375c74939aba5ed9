"""The Shapeshifter's Archive on the web: ``GET /`` (the type switcher, the cards, the form),
``/cards`` (the cards alone, what the switcher morphs in) and ``/api/content`` (JSON), all
running the actions of `polymorphic_cms.archive`::

    Video.find().limit(60)                      # SELECT * FROM contents WHERE "type" = ? LIMIT 60
    Content.find(type__in=TYPES, id=i).first()  # ... WHERE "type" IN (...) AND "id" = ? → a Short
    Short(...).save()                           # INSERT INTO contents ("type", ..., "sound") — "type" = 'short'

Every body is read by `demokit.bodies` into `NewContent`, whose ``type`` picks the form: a bad
type or a field that form lacks is a 4xx with a message, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from demokit import web
from demokit.bodies import BadBody, read_asgi
from polymorphic_cms.archive import (
    LIST_LIMIT,
    MAX_BODY,
    MAX_NAME,
    MAX_SOUND,
    MAX_SUMMARY,
    MAX_TITLE,
    RESOLUTIONS,
    TYPES,
    InputError,
    NewContent,
    as_json,
    born,
    counts,
    create,
    forget,
    form_of,
    get,
    listing,
    refusal,
    sync_archive,
)
from polymorphic_cms.looks import LOOKS

templates = web.templates(
    __file__,
    looks=LOOKS,
    types=TYPES,
    born=born,
    class_name=lambda doc: type(doc).__name__,  # the class coodie read the row back as
    list_limit=LIST_LIMIT,
    resolutions=RESOLUTIONS,
    max_title=MAX_TITLE,
    max_name=MAX_NAME,
    max_summary=MAX_SUMMARY,
    max_body=MAX_BODY,
    max_sound=MAX_SOUND,
)
pages = APIRouter(default_response_class=HTMLResponse)
api = APIRouter()
TypeParam = Annotated[str | None, Query(alias="type")]


def create_app(keyspace: str | None = None) -> FastAPI:
    # no `documents=`: the archive syncs its forms itself, in the order coodie 1.9.3 needs
    return web.create_fastapi(__file__, keyspace, documents=[], routers=[pages, api], on_start=sync_archive)


async def read_new(request: Request) -> NewContent:
    try:
        return await read_asgi(request, NewContent)
    except BadBody as exc:
        raise refusal(exc) from None


# --------------------------------------------------------------------------- the pages


def archive_context(kind: str | None) -> dict[str, Any]:
    form = form_of(kind)  # InputError for an unknown type
    chosen = None if form is None else kind
    return {"kind": chosen, "items": listing(chosen), "counts": counts()}


def render(
    request: Request, kind: str | None, error: InputError | BadBody | None = None, form: Any = None
) -> HTMLResponse:
    try:
        context = archive_context(kind)
    except InputError as exc:
        context, error = archive_context(None), error or exc
    values = form or {}
    new_type = values.get("type") if values.get("type") in LOOKS else context["kind"] or "article"
    context |= {"error": str(error) if error else None, "form": values, "new_type": new_type}
    status = error.status if error else 200
    return templates.TemplateResponse(request, "index.html", context, status_code=status)


@pages.get("/")
def page(request: Request, kind: TypeParam = None) -> Response:
    return render(request, kind)


@pages.get("/cards")
def cards(request: Request, kind: TypeParam = None) -> Response:
    """The cards alone: what the type switcher fetches and morphs in."""
    try:
        context = archive_context(kind)
    except InputError as exc:
        return HTMLResponse(f'<p class="dk-error" role="alert">⚠️ {exc}</p>', status_code=exc.status)
    return templates.TemplateResponse(request, "_cards.html", context)


@pages.post("/content")
async def html_create(request: Request) -> Response:
    try:
        data = await read_new(request)
        doc = await run_in_threadpool(create, data)
    except (InputError, BadBody) as exc:
        values = exc.values if isinstance(exc, BadBody) else None
        return await run_in_threadpool(render, request, None, exc, values)
    return RedirectResponse(f"/?type={doc.type}#c-{doc.id}", status_code=303)


@pages.post("/content/{content_id}/delete")
async def html_delete(request: Request, content_id: str) -> Response:
    try:
        await run_in_threadpool(forget, content_id)
    except InputError as exc:
        return await run_in_threadpool(render, request, None, exc)
    kind = request.query_params.get("type")
    return RedirectResponse(f"/?type={kind}" if kind in LOOKS else "/", status_code=303)


# --------------------------------------------------------------------------- the JSON API


async def answer(request: Request, action: Callable[[], Any], status: int = 200) -> Response:
    """Run an action and answer what it returns (204 for None, or a 4xx ``detail``)."""
    try:
        result = await run_in_threadpool(action)
    except InputError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)
    return Response(status_code=204) if result is None else JSONResponse(result, status_code=status)


@api.get("/api/content")
async def api_list(request: Request, kind: TypeParam = None) -> Response:
    def items() -> dict[str, Any]:
        shown = kind if form_of(kind) is not None else "all"
        return {"type": shown, "items": [as_json(doc) for doc in listing(kind)]}

    return await answer(request, items)


@api.get("/api/counts")
async def api_counts(request: Request) -> Response:
    return await answer(request, counts)


@api.post("/api/content")
async def api_create(request: Request) -> Response:
    try:
        data = await read_new(request)
    except BadBody as exc:
        return JSONResponse({"detail": str(exc), "errors": exc.errors}, status_code=exc.status)
    return await answer(request, lambda: as_json(create(data)), 201)


@api.get("/api/content/{content_id}")
async def api_get(request: Request, content_id: str) -> Response:
    return await answer(request, lambda: as_json(get(content_id)))


@api.delete("/api/content/{content_id}")
async def api_delete(request: Request, content_id: str) -> Response:
    return await answer(request, lambda: forget(content_id))


@api.get("/healthz")
def healthz(request: Request) -> dict[str, Any]:
    return {"ok": True, "keyspace": request.state.keyspace, "types": TYPES}
