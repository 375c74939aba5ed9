"""The Identity Wars' JSON API: every write a lightweight transaction.

Bad input → 4xx ``{"detail": "<message>"}``; a refused LWT → 404/409 with a message (and
``existing``, the row the condition was compared with). Bodies are `Registration` or
`ProfileEdit`, read strictly by `demokit.bodies`; blocking coodie calls run off the event loop.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from demokit.bodies import BadBody, read_asgi
from demokit.documents import to_json
from lwt_user_registry import registry
from lwt_user_registry.registry import MAX_BODY, Invalid, Outcome, ProfileEdit, Registration

api = APIRouter()


def problem(exc: Invalid | Outcome | BadBody) -> JSONResponse:
    """A refusal as JSON: ``{"detail": message}`` (and ``existing``, what the LWT compared)."""
    if isinstance(exc, BadBody):
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)
    if isinstance(exc, Invalid):
        return JSONResponse({"detail": str(exc)}, status_code=422)
    body: dict[str, Any] = {"detail": exc.message}
    if exc.existing is not None:
        body["existing"] = exc.existing
    return JSONResponse(body, status_code=exc.status)


@api.post("/api/users")
async def api_register(request: Request) -> JSONResponse:
    """``INSERT … IF NOT EXISTS`` → 201, or 409 and the identity that won."""
    try:
        form = await read_asgi(request, Registration, limit=MAX_BODY)
    except BadBody as exc:
        return problem(exc)

    def run() -> JSONResponse:
        try:
            return JSONResponse(to_json(registry.register(form)), status_code=201)
        except Outcome as exc:
            return problem(exc)

    return await run_in_threadpool(run)


@api.get("/api/users")
def api_list() -> list[dict[str, Any]]:
    return [to_json(i) for i in registry.listing()]


@api.get("/api/users/{username}")
def api_get(username: str) -> JSONResponse:
    try:
        return JSONResponse(to_json(registry.get(username)))
    except (Invalid, Outcome) as exc:
        return problem(exc)


@api.patch("/api/users/{username}")
async def api_edit(username: str, request: Request) -> JSONResponse:
    """``UPDATE … IF version = ?`` → 200, 409 (someone saved first) or 404."""
    try:
        registry.check_username(username)
        form = await read_asgi(request, ProfileEdit, limit=MAX_BODY)
    except (Invalid, BadBody) as exc:
        return problem(exc)

    def run() -> JSONResponse:
        try:
            return JSONResponse(registry.edit(username, form))
        except Outcome as exc:
            return problem(exc)

    return await run_in_threadpool(run)


@api.delete("/api/users/{username}")
def api_delete(username: str) -> Response:
    """``DELETE … IF EXISTS`` → 204 or 404."""
    try:
        registry.delete(username)
    except (Invalid, Outcome) as exc:
        return problem(exc)
    return Response(status_code=204)


@api.get("/api/stats")
def api_stats() -> dict[str, int]:
    return to_json(registry.tally(), exclude={"board"})


@api.get("/healthz")
def healthz(request: Request) -> dict[str, Any]:
    return {"ok": True, "keyspace": request.state.keyspace}
