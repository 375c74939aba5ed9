"""The Memory Thief's vault: session tokens that dissolve when their TTL runs out.

Every action is one or two CQL statements through coodie::

    MemoryToken(...).save(ttl=N)     # INSERT ... USING TTL N   (no ttl: the table default, 30 s)
    MemoryToken.find(token=t).first()                    # SELECT ... WHERE token = ? LIMIT 1
    MemoryToken.find(token=t).column_ttl("owner")        # SELECT TTL("owner") ... WHERE token = ?
    doc.save(ttl=REMEMBER_TTL)       # "keep me signed in": the same INSERT again, a fresh TTL
    MemoryToken.find(token=t).delete()                   # DELETE ... WHERE token = ?

The vault page lists every token with its remaining life in one plain query on coodie's own
session (coodie reads ``TTL()`` for one row only): ``SELECT ..., TTL(owner) FROM memory_tokens``.

``GET /`` (HTML, forms post back and redirect) and ``/api/sessions`` (JSON) share the
validation — every body is read by `demokit.bodies` into `NewSession`, `SessionEdit` or
`Refresh` (unknown fields refused, strict types, no control characters): bad input is a 4xx
with a message and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import coodie
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import Field, model_validator
from starlette.concurrency import run_in_threadpool

from demokit import theme
from demokit.bodies import BadBody, Body, FormBlank, read_asgi
from demokit.database import ensure_coodie
from demokit.documents import to_json
from demokit.registry import keyspace_for
from ttl_sessions.models import DEFAULT_TTL, MemoryToken

HERE = Path(__file__).resolve().parent
MAX_OWNER = 40
MAX_MEMORY = 200
MAX_PLANET = 40
MAX_TTL = 7 * 24 * 3600  # a week
REMEMBER_TTL = 3600  # "keep me signed in": an hour more
LIST_LIMIT = 500


class InputError(ValueError):
    """Bad input; the message is shown to the person (and returned as ``detail``)."""

    status = 422


class NotFound(InputError):
    status = 404


@dataclass
class Session:
    token: str
    owner: str
    memory: str
    planet: str
    created_at: str
    granted: int
    remembered: bool
    life: int  # seconds left, from CQL TTL()


# --------------------------------------------------------------------------- what a body may hold

Owner = Annotated[str, Field(min_length=1, max_length=MAX_OWNER)]
Memory = Annotated[str, Field(min_length=1, max_length=MAX_MEMORY)]
Planet = Annotated[str, Field(min_length=1, max_length=MAX_PLANET)]
Ttl = Annotated[Annotated[int, Field(ge=1, le=MAX_TTL)] | None, FormBlank]  # seconds; a blank input: none


class NewSession(Body):
    """A stolen memory to keep: no ``ttl`` → the table's default (or an hour if remembered)."""

    owner: Owner
    memory: Memory
    planet: Annotated[Planet, FormBlank] = "Kepler-442b"
    ttl: Ttl = None
    remember: bool = False  # "keep me signed in" (a form's ticked checkbox sends "on")


class SessionEdit(Body):
    """What changes; the rest is kept (a form's blank input changes nothing)."""

    owner: Annotated[Owner | None, FormBlank] = None
    memory: Annotated[Memory | None, FormBlank] = None
    planet: Annotated[Planet | None, FormBlank] = None

    @model_validator(mode="after")
    def _something_to_change(self) -> SessionEdit:
        if self.owner is None and self.memory is None and self.planet is None:
            raise ValueError("Nothing to change: give an owner, a memory or a planet.")
        return self


class Refresh(Body):
    """ "Keep me signed in": a fresh TTL, an hour unless ``ttl`` says otherwise."""

    ttl: Ttl = None


def _uuid(token: str) -> UUID:
    try:
        return UUID(token)
    except ValueError:
        raise InputError(f"{token[:60]!r} is not a session token (a UUID).") from None


# --------------------------------------------------------------------------- the store


def _session(doc: MemoryToken, life: int | None) -> Session:
    return Session(**to_json(doc), life=life or 0)


def create(data: NewSession) -> Session:
    """``save(ttl=N)`` — or ``save()`` and the table's default TTL when none is given."""
    ttl = data.ttl or (REMEMBER_TTL if data.remember else None)
    doc = MemoryToken(
        owner=data.owner,
        memory=data.memory,
        planet=data.planet,
        created_at=datetime.now(UTC).replace(microsecond=0),
        granted=ttl or DEFAULT_TTL,
        remembered=data.remember,
    )
    if ttl is None:
        doc.save()  # no USING TTL: default_time_to_live (Settings.__default_ttl__) applies
    else:
        doc.save(ttl=ttl)
    return _session(doc, ttl or DEFAULT_TTL)


def load(token: str) -> MemoryToken:
    doc = MemoryToken.find(token=_uuid(token)).first()
    if doc is None:
        raise NotFound(f"No session {token}: it never existed, or its memory has dissolved.")
    return doc


def remaining(doc: MemoryToken) -> int | None:
    """Seconds left, read with ``SELECT TTL("owner")`` through coodie."""
    return MemoryToken.find(token=doc.token).column_ttl("owner")


def get(token: str) -> Session:
    doc = load(token)
    return _session(doc, remaining(doc))


def refresh(token: str, data: Refresh) -> Session:
    """ "Keep me signed in": write the row again with a fresh TTL (default an hour)."""
    ttl = data.ttl or REMEMBER_TTL
    doc = load(token)
    doc.granted, doc.remembered = ttl, True
    doc.save(ttl=ttl)
    return _session(doc, ttl)


def edit(token: str, data: SessionEdit) -> Session:
    """Change the memory; the row keeps the life it had left (``save(ttl=TTL now)``)."""
    doc = load(token)
    life = remaining(doc) or DEFAULT_TTL
    doc.owner, doc.memory, doc.planet = (
        data.owner or doc.owner,
        data.memory or doc.memory,
        data.planet or doc.planet,
    )
    doc.save(ttl=life)
    return _session(doc, life)


def forget(token: str) -> None:
    doc = load(token)
    MemoryToken.find(token=doc.token).delete()


def vault() -> list[Session]:
    """Every live token and its remaining life, shortest first: one plain query on coodie's session."""
    cql = (
        'SELECT "token", "owner", "memory", "planet", "created_at", "granted", "remembered", '
        f'TTL("owner") AS "life" FROM {MemoryToken._get_keyspace()}.{MemoryToken._get_table()} '
        f"LIMIT {LIST_LIMIT}"
    )
    rows = MemoryToken._get_driver().execute(cql, [])
    out = [
        _session(MemoryToken(**{k: v for k, v in row.items() if k != "life"}), row["life"]) for row in rows
    ]
    return sorted(out, key=lambda s: (s.life, s.owner))


# --------------------------------------------------------------------------- the app


def life_hue(life: int, granted: int) -> int:
    """0 (red) when nothing is left … 170 (teal) for a full TTL."""
    return round(max(0.0, min(1.0, life / max(granted, 1))) * 170)


def create_app(keyspace: str | None = None) -> FastAPI:
    keyspace = keyspace or keyspace_for(__file__)  # [tool.coodie-demo], or $SCYLLA_KEYSPACE

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        ensure_coodie(keyspace)
        MemoryToken.sync_table()
        yield {"keyspace": keyspace}

    app = FastAPI(
        title="ttl-sessions — The Memory Thief",
        description="Session tokens that expire: coodie save(ttl=...), __default_ttl__ and CQL TTL().",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI and ReDoc load their JS from a CDN; the demo serves all it shows
        redoc_url=None,
    )
    templates = theme.mount_fastapi(app, HERE)  # shared theme + this demo's look
    templates.env.globals.update(
        life_hue=life_hue,
        default_ttl=DEFAULT_TTL,
        remember_ttl=REMEMBER_TTL,
        max_ttl=MAX_TTL,
        max_owner=MAX_OWNER,
        max_memory=MAX_MEMORY,
        max_planet=MAX_PLANET,
        coodie_version=coodie.__version__,
    )

    def render(request: Request, error: InputError | BadBody | None = None, form: Any = None) -> HTMLResponse:
        context = {"sessions": vault(), "error": str(error) if error else None, "form": form or {}}
        status = error.status if error else 200
        return templates.TemplateResponse(request, "index.html", context, status_code=status)

    add_pages(app, render)
    add_api(app)
    return app


def add_pages(app: FastAPI, render: Callable[..., HTMLResponse]) -> None:
    """The vault page and its forms: each posts, then a 303 back to ``/`` (or the page with its error)."""

    async def html_action(
        request: Request, action: Callable[[Any], Any], model: type[Body] | None
    ) -> Response:
        try:
            await run_in_threadpool(action, await read_asgi(request, model) if model else None)
        except (InputError, BadBody) as exc:
            values = exc.values if isinstance(exc, BadBody) else None
            return await run_in_threadpool(render, request, exc, values)
        return RedirectResponse("/", status_code=303)

    @app.get("/", response_class=HTMLResponse)
    def page(request: Request) -> HTMLResponse:
        return render(request)

    @app.post("/sessions")
    async def html_create(request: Request) -> Response:
        return await html_action(request, create, NewSession)

    @app.post("/sessions/{token}/refresh")
    async def html_refresh(request: Request, token: str) -> Response:
        return await html_action(request, lambda data: refresh(token, data), Refresh)

    @app.post("/sessions/{token}/edit")
    async def html_edit(request: Request, token: str) -> Response:
        return await html_action(request, lambda data: edit(token, data), SessionEdit)

    @app.post("/sessions/{token}/delete")
    async def html_delete(request: Request, token: str) -> Response:
        return await html_action(request, lambda _: forget(token), None)


def add_api(app: FastAPI) -> None:
    """The JSON API: the same actions, each answering the session (or a 4xx ``detail``)."""

    async def api(
        request: Request, action: Callable[[Any], Any], model: type[Body] | None, status: int = 200
    ) -> Response:
        try:
            result = await run_in_threadpool(action, await read_asgi(request, model) if model else None)
        except (InputError, BadBody) as exc:
            return JSONResponse({"detail": str(exc)}, status_code=exc.status)
        if result is None:
            return Response(status_code=204)
        return JSONResponse(result, status_code=status)

    @app.get("/api/sessions")
    async def api_list(request: Request) -> Response:
        return await api(
            request, lambda _: {"sessions": [asdict(s) for s in vault()], "default_ttl": DEFAULT_TTL}, None
        )

    @app.post("/api/sessions")
    async def api_create(request: Request) -> Response:
        return await api(request, lambda data: asdict(create(data)), NewSession, 201)

    @app.get("/api/sessions/{token}")
    async def api_get(request: Request, token: str) -> Response:
        return await api(request, lambda _: asdict(get(token)), None)

    @app.patch("/api/sessions/{token}")
    async def api_edit(request: Request, token: str) -> Response:
        return await api(request, lambda data: asdict(edit(token, data)), SessionEdit)

    @app.post("/api/sessions/{token}/refresh")
    async def api_refresh(request: Request, token: str) -> Response:
        return await api(request, lambda data: asdict(refresh(token, data)), Refresh)

    @app.delete("/api/sessions/{token}")
    async def api_delete(request: Request, token: str) -> Response:
        return await api(request, lambda _: forget(token), None)

    @app.get("/healthz")
    def healthz(request: Request) -> dict[str, Any]:
        return {"ok": True, "keyspace": request.state.keyspace, "default_ttl": DEFAULT_TTL}
