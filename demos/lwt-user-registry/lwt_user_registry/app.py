"""The Identity Wars' registry: a FastAPI app whose every write is a lightweight transaction.

JSON API (bad input → 422 ``{"detail": "<message>"}``; refused LWT → 404/409 with a message):

* ``POST   /api/users``              register (``INSERT … IF NOT EXISTS``) → 201 / 409 + the winner
* ``GET    /api/users``              every identity · ``GET /api/users/{username}`` one (404)
* ``PATCH  /api/users/{username}``   edit with ``version`` (``UPDATE … IF version = ?``) → 200 / 409 / 404
* ``DELETE /api/users/{username}``   retire (``DELETE … IF EXISTS``) → 204 / 404
* ``GET    /api/stats``              the battle tally (a counter table)

Pages (plain forms, POST + 303, no JavaScript needed): ``GET /`` registry + register form,
``GET /users/{username}`` profile + edit form (with its version) + delete button.
"""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

import coodie
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from demokit import theme
from demokit.database import ensure_coodie
from demokit.documents import to_json
from demokit.registry import keyspace_for
from lwt_user_registry import registry
from lwt_user_registry.models import BattleStats, Identity
from lwt_user_registry.registry import Invalid, Outcome, ProfileEdit, Registration

HERE = Path(__file__).resolve().parent
MAX_BODY = 4096

CQL = {
    "register": "INSERT INTO identities (username, display_name, email, bio, version, registered_at)\n"
    "  VALUES (?, ?, ?, ?, 1, ?) IF NOT EXISTS;",
    "edit": 'UPDATE identities SET display_name = ?, email = ?, bio = ?, "version" = ?\n'
    '  WHERE username = ? IF "version" = ?;',
    "delete": "DELETE FROM identities WHERE username = ? IF EXISTS;",
}


async def _body(request: Request) -> dict[str, Any]:
    """The request's fields: a JSON object or an urlencoded form (`Invalid` otherwise)."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise Invalid(f"the request is {len(raw)} bytes; at most {MAX_BODY}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("the request is not UTF-8 text") from None
    if "json" in request.headers.get("content-type", ""):
        try:
            data = json.loads(text or "null")
        except json.JSONDecodeError as exc:
            raise Invalid(f"the body is not valid JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise Invalid("send a JSON object with the fields")
        return data
    return dict(parse_qsl(text, keep_blank_values=True))


def _form_edit(data: dict[str, Any]) -> dict[str, Any]:
    """A form posts every field; blank optional ones mean "leave as is" (bio may be emptied)."""
    return {k: v for k, v in data.items() if not (k in ("display_name", "email") and v == "")}


def create_app(keyspace: str | None = None) -> FastAPI:
    keyspace = keyspace or keyspace_for(__file__)  # [tool.coodie-demo], or $SCYLLA_KEYSPACE

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        ensure_coodie(keyspace)
        Identity.sync_table()
        BattleStats.sync_table()
        yield {"keyspace": keyspace}

    app = FastAPI(
        title="lwt-user-registry — The Identity Wars",
        description="Unique registration and optimistic locking with coodie's lightweight transactions.",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI and ReDoc load their JS from a CDN; the demo serves all it shows
        redoc_url=None,
    )
    templates = theme.mount_fastapi(app, HERE)  # shared theme + this demo's look
    templates.env.globals.update(
        cql=CQL,
        coodie_version=coodie.__version__ if hasattr(coodie, "__version__") else "1.9.3",
        demo_title="🔒 The Identity Wars",
        demo_tagline="every identity exists once per universe — IF NOT EXISTS",
    )

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("tally", registry.tally())
        context.setdefault("flash", request.query_params.get("flash"))
        context.setdefault("error", None)
        context.setdefault("existing", None)
        return templates.TemplateResponse(request, name, context, status_code=status)

    def problem(exc: Invalid | Outcome) -> JSONResponse:
        if isinstance(exc, Invalid):
            return JSONResponse({"detail": str(exc)}, status_code=422)
        body: dict[str, Any] = {"detail": exc.message}
        if exc.existing is not None:
            body["existing"] = exc.existing
        return JSONResponse(body, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": "; ".join(e["msg"] for e in exc.errors())}, status_code=422)

    # ------------------------------------------------------------------ JSON API

    @app.post("/api/users")
    async def api_register(request: Request) -> JSONResponse:
        try:
            form = registry.parse(Registration, await _body(request))
        except Invalid as exc:
            return problem(exc)
        return await _in_thread(request, lambda: _api_register(form))

    def _api_register(form: Registration) -> JSONResponse:
        try:
            identity = registry.register(form)
        except Outcome as exc:
            return problem(exc)
        return JSONResponse(to_json(identity), status_code=201)

    @app.get("/api/users")
    def api_list() -> list[dict[str, Any]]:
        return [to_json(i) for i in registry.listing()]

    @app.get("/api/users/{username}")
    def api_get(username: str) -> JSONResponse:
        try:
            return JSONResponse(to_json(registry.get(username)))
        except (Invalid, Outcome) as exc:
            return problem(exc)

    @app.patch("/api/users/{username}")
    async def api_edit(username: str, request: Request) -> JSONResponse:
        try:
            registry.check_username(username)
            form = registry.parse(ProfileEdit, await _body(request))
        except Invalid as exc:
            return problem(exc)

        def run() -> JSONResponse:
            try:
                return JSONResponse(registry.edit(username, form))
            except Outcome as exc:
                return problem(exc)

        return await _in_thread(request, run)

    @app.delete("/api/users/{username}")
    def api_delete(username: str) -> Response:
        try:
            registry.delete(username)
        except (Invalid, Outcome) as exc:
            return problem(exc)
        return Response(status_code=204)

    @app.get("/api/stats")
    def api_stats() -> dict[str, int]:
        return to_json(registry.tally(), exclude={"board"})

    # ------------------------------------------------------------------ pages

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        return page(request, "index.html", identities=registry.listing(), form={})

    @app.post("/register")
    async def form_register(request: Request) -> Response:
        data: dict[str, Any] = {}
        try:
            data = await _body(request)
            form = registry.parse(Registration, data)
        except Invalid as exc:
            message = str(exc)
            return await _in_thread(
                request,
                lambda: page(
                    request, "index.html", 422, identities=registry.listing(), form=data, error=message
                ),
            )

        def run() -> Response:
            try:
                identity = registry.register(form)
            except Outcome as exc:
                return page(
                    request,
                    "index.html",
                    exc.status,
                    identities=registry.listing(),
                    form=data,
                    error=exc.message,
                    existing=exc.existing,
                )
            flash = f"✅ {identity.username} registered — IF NOT EXISTS applied."
            return RedirectResponse(f"/users/{identity.username}?flash={quote(flash)}", status_code=303)

        return await _in_thread(request, run)

    @app.get("/users/{username}", response_class=HTMLResponse)
    def profile(request: Request, username: str) -> HTMLResponse:
        try:
            identity = registry.get(username)
        except (Invalid, Outcome) as exc:
            status = 422 if isinstance(exc, Invalid) else exc.status
            return page(request, "missing.html", status, error=str(exc))
        return page(request, "profile.html", identity=identity)

    @app.post("/users/{username}/edit")
    async def form_edit(request: Request, username: str) -> Response:
        try:
            registry.check_username(username)
            form = registry.parse(ProfileEdit, _form_edit(await _body(request)))
        except Invalid as exc:
            message = str(exc)
            return await _in_thread(request, lambda: _profile_error(request, username, 422, message))

        def run() -> Response:
            try:
                changed = registry.edit(username, form)
            except Outcome as exc:
                return _profile_error(request, username, exc.status, exc.message)
            flash = f"✅ Saved — IF version = {form.version} applied; now version {changed['version']}."
            return RedirectResponse(f"/users/{changed['username']}?flash={quote(flash)}", status_code=303)

        return await _in_thread(request, run)

    def _profile_error(request: Request, username: str, status: int, message: str) -> HTMLResponse:
        try:
            identity = registry.get(username)
        except (Invalid, Outcome):
            return page(request, "missing.html", status, error=message)
        return page(request, "profile.html", status, identity=identity, error=message)

    @app.post("/users/{username}/delete")
    def form_delete(request: Request, username: str) -> Response:
        try:
            registry.delete(username)
        except (Invalid, Outcome) as exc:
            status = 422 if isinstance(exc, Invalid) else exc.status
            return page(request, "missing.html", status, error=str(exc))
        flash = f"🗑️ {username.lower()} retired — DELETE … IF EXISTS applied."
        return RedirectResponse(f"/?flash={quote(flash)}", status_code=303)

    @app.get("/healthz")
    def healthz(request: Request) -> dict[str, Any]:
        return {"ok": True, "keyspace": request.state.keyspace}

    return app


async def _in_thread(request: Request, call: Any) -> Any:
    """Run a blocking coodie call off the event loop (the sync driver blocks)."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(call)
