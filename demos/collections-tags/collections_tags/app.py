"""The Infinite Taxonomy: articles with set/list/map/frozen/UDT columns, mutated in place.

Pages: ``GET /`` (tag cloud, ``?tag=`` filter through the secondary index, new-article form),
``GET /articles/{id}`` (one article, a form per collection mutation, the CQL it sent).
JSON: ``GET/POST /api/articles``, ``GET/DELETE /api/articles/{id}``,
``POST /api/articles/{id}/mutations`` (``{"column", "op", "value"}``), ``GET /api/tags``.

Every mutation is one coodie ``update()``: ``article.update(tags__add={"x"})`` →
``UPDATE articles SET "tags" = "tags" + ? WHERE "id" = ?``. Every body is read by
`demokit.bodies` (`ArticleIn`, `MutationIn`; the pages' `ArticleForm`, `MutationForm`): bad
input is a 4xx with a message, checked before anything is sent to the database.
"""

from __future__ import annotations

from collections import Counter
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from collections_tags.models import Article, Byline
from collections_tags.taxonomy import (
    COLUMNS,
    OPS,
    ArticleForm,
    ArticleIn,
    Mutation,
    MutationForm,
    MutationIn,
    NotFound,
    TaxonomyError,
    cql_text,
    literal,
    parse_id,
    parse_tags,
    tag_colour,
)
from demokit import theme
from demokit.bodies import FORM, JSON, BadBody, read_asgi
from demokit.database import ensure_coodie
from demokit.documents import native, to_json
from demokit.registry import keyspace_for

HERE = Path(__file__).resolve().parent
MAX_LIST = 500  # articles on one page / one API answer
CLOUD_SCAN = 10_000


# --------------------------------------------------------------------------- data


def _stamp(when: datetime | None) -> str | None:
    """UTC, to the millisecond: what a CQL timestamp keeps (the driver reads it back naive)."""
    if when is None:
        return None
    when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    return when.isoformat(timespec="milliseconds")


def as_json(doc: Article) -> dict[str, Any]:
    """The article as JSON: demokit's `to_json` (sets sorted), ``created_at`` as `_stamp` writes it."""
    return {**to_json(doc, exclude={"created_at"}), "created_at": _stamp(doc.created_at)}


def load(article_id: UUID) -> Article:
    doc = Article.find(id=article_id).first()
    if doc is None:
        raise NotFound(f"No article {article_id} in the taxonomy.")
    return native(doc)  # Python types again: the UDT a Byline, not the driver's named tuple


def articles(tag: str | None = None) -> list[Article]:
    query = Article.find(tags__contains=tag) if tag else Article.find()
    docs = [native(doc) for doc in query.limit(MAX_LIST).all()]
    return sorted(docs, key=lambda d: (d.created_at, str(d.id)), reverse=True)


def tag_cloud() -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for doc in Article.find().only("tags").limit(CLOUD_SCAN).all():
        counts.update(doc.tags or ())
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def create(fields: dict[str, Any]) -> Article:
    doc = Article(**fields)
    doc.save()
    return doc


def mutate(article_id: UUID, mutation: Mutation) -> dict[str, Any]:
    doc = load(article_id)
    before = as_json(doc)
    kwargs = mutation.kwargs
    if mutation.column == "author":
        kwargs = {"author": Byline(**mutation.value)}
    doc.update(**kwargs)
    after = as_json(load(article_id))
    table = f"{Article._get_keyspace()}.{Article._get_table()}"
    return {
        "column": mutation.column,
        "op": mutation.op,
        "before": before[mutation.column],
        "after": after[mutation.column],
        "article": after,
        "cql": cql_text(table, mutation, article_id),
    }


# --------------------------------------------------------------------------- app


def create_app(keyspace: str | None = None) -> FastAPI:
    keyspace = keyspace or keyspace_for(__file__)  # [tool.coodie-demo], or $SCYLLA_KEYSPACE

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        ensure_coodie(keyspace)
        Article.sync_table()  # CREATE TYPE byline, TABLE articles, INDEX articles_tags_idx
        yield {"keyspace": keyspace}

    app = FastAPI(
        title="collections-tags — The Infinite Taxonomy",
        description="list, set, map, frozen and UDT columns, mutated in place with coodie.",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI and ReDoc load their JS from a CDN
        redoc_url=None,
    )
    templates = theme.mount_fastapi(app, HERE)  # shared theme + this demo's look
    templates.env.globals.update(tag_colour=tag_colour, ops=OPS, columns=COLUMNS, literal=literal)

    def index_page(request: Request, tag: str | None, err: str | None = None, status: int = 200) -> Response:
        context: dict[str, Any] = {"tag": tag, "error": err, "articles": [], "cloud": tag_cloud()}
        if tag:
            try:
                (tag,) = parse_tags([tag])
                context["tag"] = tag
                context["articles"] = articles(tag)
            except TaxonomyError as exc:
                context["error"], status = str(exc), 422
        else:
            context["articles"] = articles()
        return templates.TemplateResponse(request, "index.html", context, status_code=status)

    def article_page(
        request: Request, raw_id: str, result: Any = None, err: Exception | None = None
    ) -> Response:
        try:
            doc = load(parse_id(raw_id))
        except (TaxonomyError, NotFound) as exc:
            return index_page(request, None, str(exc), status_of(exc))
        context = {"doc": doc, "result": result, "error": str(err) if err else None}
        return templates.TemplateResponse(
            request, "article.html", context, status_code=status_of(err) if err else 200
        )

    add_pages(app, index_page, article_page)
    add_api(app)
    return app


def status_of(exc: Exception) -> int:
    """404 for a missing article, a refused body's own status, 422 for any other bad input."""
    if isinstance(exc, NotFound):
        return 404
    return exc.status if isinstance(exc, BadBody) else 422


def error(exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=status_of(exc))


def add_pages(app: FastAPI, index_page: Any, article_page: Any) -> None:
    """The pages: a form per action, each answering with the page that shows the result."""

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request, tag: str | None = None) -> Response:
        return index_page(request, tag)

    @app.post("/articles", response_class=HTMLResponse)
    async def create_form(request: Request) -> Response:
        try:
            doc = create((await read_asgi(request, ArticleForm, accept=(FORM,))).fields())
        except (TaxonomyError, BadBody) as exc:
            return index_page(request, None, str(exc), status_of(exc))
        return RedirectResponse(f"/articles/{doc.id}", status_code=303)

    @app.get("/articles/{article_id}", response_class=HTMLResponse)
    def article(request: Request, article_id: str) -> Response:
        return article_page(request, article_id)

    @app.post("/articles/{article_id}/mutate", response_class=HTMLResponse)
    async def mutate_form(request: Request, article_id: str) -> Response:
        try:
            form = await read_asgi(request, MutationForm, accept=(FORM,))
            result = mutate(parse_id(article_id), form.mutation())
        except NotFound:
            return article_page(request, article_id)
        except (TaxonomyError, BadBody) as exc:
            return article_page(request, article_id, err=exc)
        return article_page(request, article_id, result=result)

    @app.post("/articles/{article_id}/delete")
    def delete_form(request: Request, article_id: str) -> Response:
        try:
            load(parse_id(article_id)).delete()
        except (TaxonomyError, NotFound) as exc:
            return index_page(request, None, str(exc), status_of(exc))
        return RedirectResponse("/", status_code=303)


def add_api(app: FastAPI) -> None:
    """The JSON API: bodies are `ArticleIn` and `MutationIn`, read strictly (`demokit.bodies`)."""

    @app.get("/api/articles")
    def api_list(tag: str | None = None) -> JSONResponse:
        try:
            found = articles(next(iter(parse_tags([tag]))) if tag is not None else None)
        except TaxonomyError as exc:
            return error(exc)
        return JSONResponse({"tag": tag, "articles": [as_json(d) for d in found]})

    @app.post("/api/articles")
    async def api_create(request: Request) -> JSONResponse:
        try:
            doc = create((await read_asgi(request, ArticleIn, accept=(JSON,))).fields())
        except BadBody as exc:
            return error(exc)
        return JSONResponse(as_json(doc), status_code=201)

    @app.get("/api/articles/{article_id}")
    def api_get(article_id: str) -> JSONResponse:
        try:
            return JSONResponse(as_json(load(parse_id(article_id))))
        except (TaxonomyError, NotFound) as exc:
            return error(exc)

    @app.delete("/api/articles/{article_id}")
    def api_delete(article_id: str) -> Response:
        try:
            load(parse_id(article_id)).delete()
        except (TaxonomyError, NotFound) as exc:
            return error(exc)
        return Response(status_code=204)

    @app.post("/api/articles/{article_id}/mutations")
    async def api_mutate(request: Request, article_id: str) -> JSONResponse:
        try:
            body = await read_asgi(request, MutationIn, accept=(JSON,))
            return JSONResponse(mutate(parse_id(article_id), body.mutation()))
        except (TaxonomyError, NotFound, BadBody) as exc:
            return error(exc)

    @app.get("/api/tags")
    def api_tags() -> JSONResponse:
        return JSONResponse({"tags": [{"tag": t, "count": n} for t, n in tag_cloud()]})

    @app.get("/healthz")
    def healthz(request: Request) -> dict[str, Any]:
        return {"ok": True, "keyspace": request.state.keyspace}
