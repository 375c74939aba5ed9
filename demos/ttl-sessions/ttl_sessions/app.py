"""The Memory Thief's vault on the web: ``GET /`` (forms post back, then a 303) and
``/api/sessions`` (JSON), both running the same actions of `ttl_sessions.vault`::

    MemoryToken(...).save(ttl=N)     # INSERT ... USING TTL N   (no ttl: the table default, 30 s)
    MemoryToken.find(token=t).column_ttl("owner")        # SELECT TTL("owner") ... WHERE token = ?
    MemoryToken.find(token=t).delete()                   # DELETE ... WHERE token = ?

Every body is read by `demokit.bodies` into `NewSession`, `SessionEdit` or `Refresh`: bad input
is a 4xx with a message (in the page, or as JSON ``detail``) and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from demokit import web
from demokit.bodies import BadBody, Body, read_asgi
from ttl_sessions.models import DEFAULT_TTL, MemoryToken
from ttl_sessions.vault import (
    MAX_MEMORY,
    MAX_OWNER,
    MAX_PLANET,
    MAX_TTL,
    REMEMBER_TTL,
    InputError,
    NewSession,
    Refresh,
    SessionEdit,
    create,
    edit,
    forget,
    get,
    refresh,
    vault,
)


def life_hue(life: int, granted: int) -> int:
    """0 (red) when nothing is left … 170 (teal) for a full TTL."""
    return round(max(0.0, min(1.0, life / max(granted, 1))) * 170)


templates = web.templates(
    __file__,
    life_hue=life_hue,
    default_ttl=DEFAULT_TTL,
    remember_ttl=REMEMBER_TTL,
    max_ttl=MAX_TTL,
    max_owner=MAX_OWNER,
    max_memory=MAX_MEMORY,
    max_planet=MAX_PLANET,
)
pages = APIRouter(default_response_class=HTMLResponse)
api = APIRouter()


def create_app(keyspace: str | None = None) -> FastAPI:
    return web.create_fastapi(__file__, keyspace, documents=[MemoryToken], routers=[pages, api])


# --------------------------------------------------------------------------- the page


def render(request: Request, error: InputError | BadBody | None = None, form: Any = None) -> HTMLResponse:
    context = {"sessions": vault(), "error": str(error) if error else None, "form": form or {}}
    status = error.status if error else 200
    return templates.TemplateResponse(request, "index.html", context, status_code=status)


async def html_action(request: Request, action: Callable[[Any], Any], model: type[Body] | None) -> Response:
    """Run a form's action, then a 303 back to ``/`` (or the page with its error)."""
    try:
        await run_in_threadpool(action, await read_asgi(request, model) if model else None)
    except (InputError, BadBody) as exc:
        values = exc.values if isinstance(exc, BadBody) else None
        return await run_in_threadpool(render, request, exc, values)
    return RedirectResponse("/", status_code=303)


@pages.get("/")
def page(request: Request) -> Response:
    return render(request)


@pages.post("/sessions")
async def html_create(request: Request) -> Response:
    return await html_action(request, create, NewSession)


@pages.post("/sessions/{token}/refresh")
async def html_refresh(request: Request, token: str) -> Response:
    return await html_action(request, lambda data: refresh(token, data), Refresh)


@pages.post("/sessions/{token}/edit")
async def html_edit(request: Request, token: str) -> Response:
    return await html_action(request, lambda data: edit(token, data), SessionEdit)


@pages.post("/sessions/{token}/delete")
async def html_delete(request: Request, token: str) -> Response:
    return await html_action(request, lambda _: forget(token), None)


# --------------------------------------------------------------------------- the JSON API


async def answer(
    request: Request, action: Callable[[Any], Any], model: type[Body] | None, status: int = 200
) -> Response:
    """Run an action and answer the session it returns (204 for none, or a 4xx ``detail``)."""
    try:
        result = await run_in_threadpool(action, await read_asgi(request, model) if model else None)
    except (InputError, BadBody) as exc:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)
    if result is None:
        return Response(status_code=204)
    return JSONResponse(result, status_code=status)


@api.get("/api/sessions")
async def api_list(request: Request) -> Response:
    return await answer(
        request, lambda _: {"sessions": [asdict(s) for s in vault()], "default_ttl": DEFAULT_TTL}, None
    )


@api.post("/api/sessions")
async def api_create(request: Request) -> Response:
    return await answer(request, lambda data: asdict(create(data)), NewSession, 201)


@api.get("/api/sessions/{token}")
async def api_get(request: Request, token: str) -> Response:
    return await answer(request, lambda _: asdict(get(token)), None)


@api.patch("/api/sessions/{token}")
async def api_edit(request: Request, token: str) -> Response:
    return await answer(request, lambda data: asdict(edit(token, data)), SessionEdit)


@api.post("/api/sessions/{token}/refresh")
async def api_refresh(request: Request, token: str) -> Response:
    return await answer(request, lambda data: asdict(refresh(token, data)), Refresh)


@api.delete("/api/sessions/{token}")
async def api_delete(request: Request, token: str) -> Response:
    return await answer(request, lambda _: forget(token), None)


@api.get("/healthz")
def healthz(request: Request) -> dict[str, Any]:
    return {"ok": True, "keyspace": request.state.keyspace, "default_ttl": DEFAULT_TTL}
