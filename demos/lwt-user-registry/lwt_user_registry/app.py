"""The Identity Wars' registry: a FastAPI app whose every write is a lightweight transaction.

JSON API (bad input → 4xx ``{"detail": "<message>"}``; refused LWT → 404/409 with a message):

* ``POST   /api/users``              register (``INSERT … IF NOT EXISTS``) → 201 / 409 + the winner
* ``GET    /api/users``              every identity · ``GET /api/users/{username}`` one (404)
* ``PATCH  /api/users/{username}``   edit with ``version`` (``UPDATE … IF version = ?``) → 200 / 409 / 404
* ``DELETE /api/users/{username}``   retire (``DELETE … IF EXISTS``) → 204 / 404
* ``GET    /api/stats``              the battle tally (a counter table)

Pages (plain forms, POST + 303, no JavaScript needed): ``GET /`` registry + register form,
``GET /users/{username}`` profile + edit form (with its version) + delete button. The banner
after a redirect is the server's own message, in a signed cookie (`demokit.flash`): a URL
cannot put words in its mouth. Every body, JSON or form, is read by `demokit.bodies`.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import coodie
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from demokit import flash, theme, tokens
from demokit.bodies import BadBody, read_asgi
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


async def _in_thread(call: Any) -> Any:
    """Run a blocking coodie call off the event loop (the sync driver blocks)."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(call)


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
    key = tokens.secret_key("LWT_REGISTRY_SECRET")  # signs the flash cookie

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        """A page; its banner is the flash the previous response signed, shown once."""
        context.setdefault("tally", registry.tally())
        context.setdefault("flash", flash.take(request, key))
        context.setdefault("error", None)
        context.setdefault("existing", None)
        return flash.clear(request, templates.TemplateResponse(request, name, context, status_code=status))

    def done(url: str, message: str) -> Response:
        """The 303 after a form, carrying the server's message to the next page."""
        return flash.flash(RedirectResponse(url, status_code=303), key, message)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": "; ".join(e["msg"] for e in exc.errors())}, status_code=422)

    add_api(app)
    add_pages(app, page, done)
    return app


def add_api(app: FastAPI) -> None:
    """The JSON API: a body is `Registration` or `ProfileEdit`, read strictly (`demokit.bodies`)."""

    @app.post("/api/users")
    async def api_register(request: Request) -> JSONResponse:
        try:
            form = await read_asgi(request, Registration, limit=MAX_BODY)
        except BadBody as exc:
            return problem(exc)

        def run() -> JSONResponse:
            try:
                return JSONResponse(to_json(registry.register(form)), status_code=201)
            except Outcome as exc:
                return problem(exc)

        return await _in_thread(run)

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
            form = await read_asgi(request, ProfileEdit, limit=MAX_BODY)
        except (Invalid, BadBody) as exc:
            return problem(exc)

        def run() -> JSONResponse:
            try:
                return JSONResponse(registry.edit(username, form))
            except Outcome as exc:
                return problem(exc)

        return await _in_thread(run)

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

    @app.get("/healthz")
    def healthz(request: Request) -> dict[str, Any]:
        return {"ok": True, "keyspace": request.state.keyspace}


def add_pages(app: FastAPI, page: Any, done: Any) -> None:
    """The pages: plain forms that post and get a 303 to the page that shows the result."""

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        return page(request, "index.html", identities=registry.listing(), form={})

    def register_page(
        request: Request, status: int, form: Any, error: str, existing: Any = None
    ) -> HTMLResponse:
        """The registry page again: the form as typed, what went wrong (and who has the name)."""
        identities = registry.listing()
        return page(
            request, "index.html", status, identities=identities, form=form, error=error, existing=existing
        )

    @app.post("/register")
    async def form_register(request: Request) -> Response:
        try:
            form = await read_asgi(request, Registration, limit=MAX_BODY)
        except BadBody as exc:
            return await _in_thread(partial(register_page, request, exc.status, exc.values, str(exc)))

        def run() -> Response:
            try:
                identity = registry.register(form)
            except Outcome as exc:
                return register_page(request, exc.status, form.model_dump(), exc.message, exc.existing)
            message = f"✅ {identity.username} registered — IF NOT EXISTS applied."
            return done(f"/users/{identity.username}", message)

        return await _in_thread(run)

    @app.get("/users/{username}", response_class=HTMLResponse)
    def profile(request: Request, username: str) -> HTMLResponse:
        try:
            identity = registry.get(username)
        except (Invalid, Outcome) as exc:
            status = 422 if isinstance(exc, Invalid) else exc.status
            return page(request, "missing.html", status, error=str(exc))
        return page(request, "profile.html", identity=identity)

    add_profile_forms(app, page, done)


def add_profile_forms(app: FastAPI, page: Any, done: Any) -> None:
    """A profile's forms: edit (with the version it shows) and retire."""

    def profile_error(request: Request, username: str, status: int, message: str) -> HTMLResponse:
        try:
            identity = registry.get(username)
        except (Invalid, Outcome):
            return page(request, "missing.html", status, error=message)
        return page(request, "profile.html", status, identity=identity, error=message)

    @app.post("/users/{username}/edit")
    async def form_edit(request: Request, username: str) -> Response:
        try:
            registry.check_username(username)
            form = await read_asgi(request, ProfileEdit, limit=MAX_BODY)
        except (Invalid, BadBody) as exc:
            status, message = exc.status if isinstance(exc, BadBody) else 422, str(exc)
            return await _in_thread(lambda: profile_error(request, username, status, message))

        def run() -> Response:
            try:
                changed = registry.edit(username, form)
            except Outcome as exc:
                return profile_error(request, username, exc.status, exc.message)
            message = f"✅ Saved — IF version = {form.version} applied; now version {changed['version']}."
            return done(f"/users/{changed['username']}", message)

        return await _in_thread(run)

    @app.post("/users/{username}/delete")
    def form_delete(request: Request, username: str) -> Response:
        try:
            registry.delete(username)
        except (Invalid, Outcome) as exc:
            status = 422 if isinstance(exc, Invalid) else exc.status
            return page(request, "missing.html", status, error=str(exc))
        return done("/", f"🗑️ {username.lower()} retired — DELETE … IF EXISTS applied.")
