"""The Identity Wars' registry: a FastAPI app whose every write is a lightweight transaction.

JSON API (bad input → 4xx ``{"detail": "<message>"}``; refused LWT → 404/409 with a message):

* ``POST   /api/users``              register (``INSERT … IF NOT EXISTS``) → 201 / 409 + the winner
* ``GET    /api/users``              every identity · ``GET /api/users/{username}`` one (404)
* ``PATCH  /api/users/{username}``   edit with ``version`` (``UPDATE … IF version = ?``) → 200 / 409 / 404
* ``DELETE /api/users/{username}``   retire (``DELETE … IF EXISTS``) → 204 / 404
* ``GET    /api/stats``              the battle tally (a counter table)

Pages (`lwt_user_registry.pages`: plain forms, POST + 303, no JavaScript needed): ``GET /``
registry + register form, ``GET /users/{username}`` profile + edit form (with its version) +
delete button. The guarded writes themselves are in `lwt_user_registry.registry`. Every body,
JSON or form, is read by `demokit.bodies`.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from demokit import tokens, web
from lwt_user_registry.api import api
from lwt_user_registry.models import BattleStats, Identity
from lwt_user_registry.pages import pages


def create_app(keyspace: str | None = None) -> FastAPI:
    return web.create_fastapi(
        __file__,
        keyspace,
        documents=[Identity, BattleStats],
        routers=[api, pages],
        errors={RequestValidationError: invalid_request},
        state={"flash_key": tokens.secret_key("LWT_REGISTRY_SECRET")},  # signs the flash cookie
    )


async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's own refusals (a path parameter) as one ``detail`` line, like every other 4xx."""
    return JSONResponse({"detail": "; ".join(e["msg"] for e in exc.errors())}, status_code=422)
