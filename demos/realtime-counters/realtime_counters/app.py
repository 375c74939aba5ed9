"""The Popularity Singularity's scoreboard: vote endpoints and a live dashboard.

``POST /api/items/{id}/increment`` and ``/decrement`` (JSON ``{"amount": n}``, a form or no
body at all) run one counter UPDATE each through coodie::

    ItemVotes(id=item_id).increment(votes=n)
    # UPDATE realtime_counters.item_votes SET "votes" = "votes" + ? WHERE "id" = ?

``GET /`` is the dashboard; it re-fetches ``GET /board`` every 2 s with HTMX (served from
``/static``), so totals change without a reload. ``GET /api/items`` is the JSON scoreboard,
``POST /api/items`` summons a new item. Every body is read by `demokit.bodies` (`Vote`,
`NewItem`): bad input is a 4xx with a message and writes nothing.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from demokit import web
from demokit.bodies import BadBody, read_asgi
from demokit.documents import to_json
from realtime_counters import service
from realtime_counters.models import Item, ItemVotes
from realtime_counters.service import MAX_AMOUNT, SINGULARITY, NewItem, Vote, VoteError

POLL_SECONDS = 2

templates = web.templates(__file__, poll_seconds=POLL_SECONDS, singularity=SINGULARITY, max_amount=MAX_AMOUNT)
pages = APIRouter(default_response_class=HTMLResponse)
api = APIRouter()


def create_app(keyspace: str | None = None) -> FastAPI:
    return web.create_fastapi(
        __file__,
        keyspace,
        documents=[Item, ItemVotes],
        routers=[pages, api],
        errors={VoteError: refused, BadBody: refused},
    )


async def refused(request: Request, exc: VoteError | BadBody) -> Response:
    """Bad input: a banner for the dashboard's buttons (HTMX), JSON ``detail`` otherwise."""
    if request.headers.get("hx-request"):
        return HTMLResponse(f'<p class="rc-alert dk-error" role="alert">🚫 {exc}</p>', status_code=exc.status)
    return JSONResponse({"detail": str(exc)}, status_code=exc.status)


def board_context() -> dict[str, Any]:
    """What the dashboard draws: the tallies, their total, and the votes per second."""
    tallies = service.scoreboard()
    series = service.throughput.series()
    return {
        "tallies": tallies,
        "total": sum(t.votes for t in tallies),
        "series": series,
        "peak": max(series) or 1,
        "rate": sum(series[-5:]) / 5,
    }


@pages.get("/")
def dashboard(request: Request) -> Response:
    return templates.TemplateResponse(request, "index.html", board_context())


@pages.get("/board")
def board(request: Request) -> Response:
    return templates.TemplateResponse(request, "board.html", board_context())


@api.get("/api/items")
def list_items() -> dict[str, Any]:
    tallies = service.scoreboard()
    return {"items": [asdict(t) for t in tallies], "total": sum(t.votes for t in tallies)}


@api.post("/api/items", status_code=201)
async def create_item(request: Request) -> dict[str, Any]:
    data = await read_asgi(request, NewItem)
    item = await run_in_threadpool(service.create_item, data)
    return {**to_json(item), "votes": 0}


@api.get("/api/items/{item_id}")
def get_item(item_id: str) -> dict[str, Any]:
    item = service.require_item(item_id)
    return {**to_json(item), **to_json(service.counter_of(item.id))}


async def vote(request: Request, item_id: str, *, up: bool) -> Response:
    """One counter UPDATE; a vote from a dashboard button (HTMX) answers with the board redrawn."""
    amount = (await read_asgi(request, Vote)).amount
    service.check_id(item_id)
    await run_in_threadpool(service.vote, item_id, amount, up=up)
    if request.headers.get("hx-request"):
        context = await run_in_threadpool(board_context)
        return templates.TemplateResponse(request, "board.html", context)
    counter = await run_in_threadpool(service.counter_of, item_id)
    return JSONResponse({**to_json(counter), "delta": amount if up else -amount})


@api.post("/api/items/{item_id}/increment")
async def increment(request: Request, item_id: str) -> Response:
    return await vote(request, item_id, up=True)


@api.post("/api/items/{item_id}/decrement")
async def decrement(request: Request, item_id: str) -> Response:
    return await vote(request, item_id, up=False)


@api.get("/healthz")
def healthz(request: Request) -> dict[str, Any]:
    return {"ok": True, "keyspace": request.state.keyspace}
