"""The Popularity Singularity's scoreboard: vote endpoints and a live dashboard.

``POST /api/items/{id}/increment`` and ``/decrement`` (JSON ``{"amount": n}`` or a form) run
one counter UPDATE each through coodie::

    ItemVotes(id=item_id).increment(votes=n)
    # UPDATE realtime_counters.item_votes SET "votes" = "votes" + ? WHERE "id" = ?

``GET /`` is the dashboard; it re-fetches ``GET /board`` every 2 s with HTMX (served from
``/static``), so totals change without a reload. ``GET /api/items`` is the JSON scoreboard,
``POST /api/items`` summons a new item. Bad input is a 4xx with a message and writes nothing.
"""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from demokit import theme
from demokit.database import ensure_coodie
from demokit.documents import to_json
from demokit.registry import keyspace_for
from realtime_counters import service
from realtime_counters.models import Item, ItemVotes
from realtime_counters.service import MAX_AMOUNT, SINGULARITY, VoteError

HERE = Path(__file__).resolve().parent
POLL_SECONDS = 2


async def _body(request: Request) -> Any:
    """The request's JSON object or form fields; ``{}`` when there is no body."""
    raw = await request.body()
    if not raw.strip():
        return {}
    if "application/x-www-form-urlencoded" in request.headers.get("content-type", ""):
        return dict(parse_qsl(raw.decode("utf-8", "replace")))  # no python-multipart needed
    try:
        return json.loads(raw)
    except ValueError:
        raise VoteError("the body is not valid JSON.", 400) from None


def create_app(keyspace: str | None = None) -> FastAPI:
    keyspace = keyspace or keyspace_for(__file__)  # [tool.coodie-demo], or $SCYLLA_KEYSPACE

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        ensure_coodie(keyspace)
        Item.sync_table()
        ItemVotes.sync_table()
        yield {"keyspace": keyspace}

    app = FastAPI(
        title="realtime-counters — The Popularity Singularity",
        description="Live vote counters: coodie CounterDocument increment()/decrement() on ScyllaDB.",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI and ReDoc load their JS from a CDN; the demo serves all it shows
        redoc_url=None,
    )
    templates = theme.mount_fastapi(app, HERE)  # shared theme + this demo's look
    templates.env.globals.update(poll_seconds=POLL_SECONDS, singularity=SINGULARITY, max_amount=MAX_AMOUNT)

    @app.exception_handler(VoteError)
    async def refused(request: Request, exc: VoteError) -> Response:
        if request.headers.get("hx-request"):
            return HTMLResponse(
                f'<p class="rc-alert dk-error" role="alert">🚫 {exc}</p>', status_code=exc.status
            )
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    def board_context() -> dict[str, Any]:
        tallies = service.scoreboard()
        series = service.throughput.series()
        return {
            "tallies": tallies,
            "total": sum(t.votes for t in tallies),
            "series": series,
            "peak": max(series) or 1,
            "rate": sum(series[-5:]) / 5,
        }

    @app.get("/", response_class=HTMLResponse)
    def dashboard(request: Request) -> Response:
        return templates.TemplateResponse(request, "index.html", board_context())

    @app.get("/board", response_class=HTMLResponse)
    def board(request: Request) -> Response:
        return templates.TemplateResponse(request, "board.html", board_context())

    @app.get("/api/items")
    def list_items() -> dict[str, Any]:
        tallies = service.scoreboard()
        return {"items": [asdict(t) for t in tallies], "total": sum(t.votes for t in tallies)}

    @app.post("/api/items", status_code=201)
    async def create_item(request: Request) -> dict[str, Any]:
        item = service.parse_item(await _body(request))
        await run_in_threadpool(service.create_item, item)
        return {**to_json(item), "votes": 0}

    @app.get("/api/items/{item_id}")
    def get_item(item_id: str) -> dict[str, Any]:
        item = service.require_item(item_id)
        return {**to_json(item), **to_json(service.counter_of(item.id))}

    async def _vote(request: Request, item_id: str, *, up: bool) -> Response:
        body = await _body(request)
        if not isinstance(body, dict):
            raise VoteError('send a JSON object like {"amount": 1}.')
        unknown = sorted(set(body) - {"amount"})
        if unknown:
            raise VoteError(f"unexpected field(s): {', '.join(unknown)}.")
        amount = service.parse_amount(body.get("amount"))
        service.check_id(item_id)
        await run_in_threadpool(service.vote, item_id, amount, up=up)
        if request.headers.get("hx-request"):  # a button on the dashboard: redraw the board
            context = await run_in_threadpool(board_context)
            return templates.TemplateResponse(request, "board.html", context)
        counter = await run_in_threadpool(service.counter_of, item_id)
        return JSONResponse({**to_json(counter), "delta": amount if up else -amount})

    @app.post("/api/items/{item_id}/increment")
    async def increment(request: Request, item_id: str) -> Response:
        return await _vote(request, item_id, up=True)

    @app.post("/api/items/{item_id}/decrement")
    async def decrement(request: Request, item_id: str) -> Response:
        return await _vote(request, item_id, up=False)

    @app.get("/healthz")
    def healthz(request: Request) -> dict[str, Any]:
        return {"ok": True, "keyspace": request.state.keyspace}

    return app
