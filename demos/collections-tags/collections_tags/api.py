"""The taxonomy's JSON API: ``GET/POST /api/articles``, ``GET/DELETE /api/articles/{id}``,
``POST /api/articles/{id}/mutations`` (``{"column", "op", "value"}``), ``GET /api/tags``.
Bodies are `ArticleIn` and `MutationIn`, read strictly by `demokit.bodies`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from collections_tags.store import articles, as_json, create, load, mutate, tag_cloud
from collections_tags.taxonomy import (
    ArticleIn,
    MutationIn,
    NotFound,
    TaxonomyError,
    parse_id,
    parse_tags,
    status_of,
)
from demokit.bodies import JSON, BadBody, read_asgi

api = APIRouter()


def error(exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=status_of(exc))


@api.get("/api/articles")
def api_list(tag: str | None = None) -> JSONResponse:
    try:
        found = articles(next(iter(parse_tags([tag]))) if tag is not None else None)
    except TaxonomyError as exc:
        return error(exc)
    return JSONResponse({"tag": tag, "articles": [as_json(d) for d in found]})


@api.post("/api/articles")
async def api_create(request: Request) -> JSONResponse:
    try:
        doc = create((await read_asgi(request, ArticleIn, accept=(JSON,))).fields())
    except BadBody as exc:
        return error(exc)
    return JSONResponse(as_json(doc), status_code=201)


@api.get("/api/articles/{article_id}")
def api_get(article_id: str) -> JSONResponse:
    try:
        return JSONResponse(as_json(load(parse_id(article_id))))
    except (TaxonomyError, NotFound) as exc:
        return error(exc)


@api.delete("/api/articles/{article_id}")
def api_delete(article_id: str) -> Response:
    try:
        load(parse_id(article_id)).delete()
    except (TaxonomyError, NotFound) as exc:
        return error(exc)
    return Response(status_code=204)


@api.post("/api/articles/{article_id}/mutations")
async def api_mutate(request: Request, article_id: str) -> JSONResponse:
    try:
        body = await read_asgi(request, MutationIn, accept=(JSON,))
        return JSONResponse(mutate(parse_id(article_id), body.mutation()))
    except (TaxonomyError, NotFound, BadBody) as exc:
        return error(exc)


@api.get("/api/tags")
def api_tags() -> JSONResponse:
    return JSONResponse({"tags": [{"tag": t, "count": n} for t, n in tag_cloud()]})


@api.get("/healthz")
def healthz(request: Request) -> dict[str, Any]:
    return {"ok": True, "keyspace": request.state.keyspace}
