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
validation: bad input is a 4xx with a message and nothing is written.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl
from uuid import UUID

import coodie
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from demokit import theme
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


# --------------------------------------------------------------------------- validation


def _text(data: dict[str, Any], name: str, limit: int, *, required: bool) -> str | None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InputError(f"{name} is required.")
        return None
    if not isinstance(value, str):
        raise InputError(f"{name} must be text, not {type(value).__name__}.")
    value = " ".join(value.split())
    if len(value) > limit:
        raise InputError(f"{name} is {len(value)} characters long; keep it to {limit}.")
    return value


def _ttl(data: dict[str, Any], default: int | None) -> int | None:
    value = data.get("ttl")
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InputError(f"ttl must be a whole number of seconds, not {value!r}.")
    try:
        seconds = int(value)
    except ValueError:
        raise InputError(f"ttl must be a whole number of seconds, not {value!r}.") from None
    if not 1 <= seconds <= MAX_TTL:
        raise InputError(f"ttl must be between 1 and {MAX_TTL} seconds, not {seconds}.")
    return seconds


def _flag(data: dict[str, Any], name: str) -> bool:
    value = data.get(name)
    if value in (None, "", False):
        return False
    if value in (True, "on", "true", "1", 1):
        return True
    raise InputError(f"{name} must be true or false, not {value!r}.")


def _uuid(token: str) -> UUID:
    try:
        return UUID(token)
    except ValueError:
        raise InputError(f"{token[:60]!r} is not a session token (a UUID).") from None


# --------------------------------------------------------------------------- the store


def _session(doc: MemoryToken, life: int | None) -> Session:
    return Session(**to_json(doc), life=life or 0)


def create(data: dict[str, Any]) -> Session:
    """``save(ttl=N)`` — or ``save()`` and the table's default TTL when none is given."""
    owner = _text(data, "owner", MAX_OWNER, required=True)
    memory = _text(data, "memory", MAX_MEMORY, required=True)
    planet = _text(data, "planet", MAX_PLANET, required=False) or "Kepler-442b"
    remember = _flag(data, "remember")
    ttl = _ttl(data, REMEMBER_TTL if remember else None)
    doc = MemoryToken(
        owner=owner,
        memory=memory,
        planet=planet,
        created_at=datetime.now(UTC).replace(microsecond=0),
        granted=ttl or DEFAULT_TTL,
        remembered=remember,
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


def refresh(token: str, data: dict[str, Any]) -> Session:
    """ "Keep me signed in": write the row again with a fresh TTL (default an hour)."""
    ttl = _ttl(data, REMEMBER_TTL)
    doc = load(token)
    doc.granted, doc.remembered = ttl, True
    doc.save(ttl=ttl)
    return _session(doc, ttl)


def edit(token: str, data: dict[str, Any]) -> Session:
    """Change the memory; the row keeps the life it had left (``save(ttl=TTL now)``)."""
    owner = _text(data, "owner", MAX_OWNER, required=False)
    memory = _text(data, "memory", MAX_MEMORY, required=False)
    planet = _text(data, "planet", MAX_PLANET, required=False)
    if owner is None and memory is None and planet is None:
        raise InputError("Nothing to change: give an owner, a memory or a planet.")
    doc = load(token)
    life = remaining(doc) or DEFAULT_TTL
    doc.owner, doc.memory, doc.planet = owner or doc.owner, memory or doc.memory, planet or doc.planet
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


async def _form(request: Request) -> dict[str, Any]:
    body = await request.body()
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise InputError("The form is not UTF-8 text.") from None


async def _json(request: Request, *, optional: bool = False) -> dict[str, Any]:
    body = await request.body()
    if optional and not body.strip():
        return {}
    try:
        data = await request.json()
    except ValueError:
        raise InputError("The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise InputError("The body must be a JSON object.")
    return data


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

    def render(
        request: Request, error: InputError | None = None, form: dict[str, Any] | None = None
    ) -> HTMLResponse:
        context = {"sessions": vault(), "error": str(error) if error else None, "form": form or {}}
        return templates.TemplateResponse(
            request, "index.html", context, status_code=error.status if error else 200
        )

    def html_action(request: Request, action: Any) -> Response:
        try:
            action()
        except InputError as exc:
            return render(request, exc)
        return RedirectResponse("/", status_code=303)

    @app.get("/", response_class=HTMLResponse)
    def page(request: Request) -> HTMLResponse:
        return render(request)

    @app.post("/sessions")
    async def html_create(request: Request) -> Response:
        form: dict[str, Any] = {}
        try:
            form = await _form(request)
            create(form)
        except InputError as exc:
            return render(request, exc, form)
        return RedirectResponse("/", status_code=303)

    @app.post("/sessions/{token}/refresh")
    async def html_refresh(request: Request, token: str) -> Response:
        form = await _form(request)
        return html_action(request, lambda: refresh(token, form))

    @app.post("/sessions/{token}/edit")
    async def html_edit(request: Request, token: str) -> Response:
        form = await _form(request)
        return html_action(request, lambda: edit(token, form))

    @app.post("/sessions/{token}/delete")
    def html_delete(request: Request, token: str) -> Response:
        return html_action(request, lambda: forget(token))

    def api(action: Any, status: int = 200) -> Response:
        try:
            result = action()
        except InputError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=exc.status)
        if result is None:
            return Response(status_code=204)
        return JSONResponse(result, status_code=status)

    @app.get("/api/sessions")
    def api_list() -> Response:
        return api(lambda: {"sessions": [asdict(s) for s in vault()], "default_ttl": DEFAULT_TTL})

    @app.post("/api/sessions")
    async def api_create(request: Request) -> Response:
        try:
            data = await _json(request)
        except InputError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=exc.status)
        return api(lambda: asdict(create(data)), 201)

    @app.get("/api/sessions/{token}")
    def api_get(token: str) -> Response:
        return api(lambda: asdict(get(token)))

    @app.patch("/api/sessions/{token}")
    async def api_edit(request: Request, token: str) -> Response:
        try:
            data = await _json(request)
        except InputError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=exc.status)
        return api(lambda: asdict(edit(token, data)))

    @app.post("/api/sessions/{token}/refresh")
    async def api_refresh(request: Request, token: str) -> Response:
        try:
            data = await _json(request, optional=True)
        except InputError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=exc.status)
        return api(lambda: asdict(refresh(token, data)))

    @app.delete("/api/sessions/{token}")
    def api_delete(token: str) -> Response:
        return api(lambda: forget(token))

    @app.get("/healthz")
    def healthz(request: Request) -> dict[str, Any]:
        return {"ok": True, "keyspace": request.state.keyspace, "default_ttl": DEFAULT_TTL}

    return app
