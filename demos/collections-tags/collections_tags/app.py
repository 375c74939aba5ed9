"""The Infinite Taxonomy: articles with set/list/map/frozen/UDT columns, mutated in place.

Pages: ``GET /`` (tag cloud, ``?tag=`` filter through the secondary index, new-article form),
``GET /articles/{id}`` (one article, a form per collection mutation, the CQL it sent).
JSON: ``GET/POST /api/articles``, ``GET/DELETE /api/articles/{id}``,
``POST /api/articles/{id}/mutations`` (``{"column", "op", "value"}``), ``GET /api/tags``.

Every mutation is one coodie ``update()``: ``article.update(tags__add={"x"})`` →
``UPDATE articles SET "tags" = "tags" + ? WHERE "id" = ?``. Bad input is a 4xx with a
message, checked before anything is sent to the database.
"""

from __future__ import annotations

from collections import Counter
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from uuid import UUID

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from collections_tags.models import Article, Byline
from collections_tags.taxonomy import (
    COLUMNS,
    MAX_TITLE,
    OPS,
    Mutation,
    NotFound,
    TaxonomyError,
    _text,
    cql_text,
    literal,
    parse_byline,
    parse_id,
    parse_items,
    parse_map,
    parse_mutation,
    parse_tags,
    tag_colour,
)
from demokit import theme
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


def parse_new(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise TaxonomyError("Send a JSON object with at least a title.")
    unknown = set(body) - {"title", "tags", "lineage", "props", "author"}
    if unknown:
        raise TaxonomyError(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    if body.get("title") in (None, ""):
        raise TaxonomyError("The title is missing.")
    fields: dict[str, Any] = {"title": _text(body["title"], "The title", MAX_TITLE)}
    tags = parse_tags(body.get("tags") or [], allow_empty=True)
    fields.update(tags=tags, origin=frozenset(tags))
    fields["lineage"] = parse_items(body.get("lineage") or [], allow_empty=True)
    fields["props"] = parse_map(body.get("props") or {}, allow_empty=True)
    if body.get("author"):
        fields["author"] = Byline(**parse_byline(body["author"]))
    return fields


def create(body: Any) -> Article:
    doc = Article(**parse_new(body))
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


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded form body (no python-multipart needed): the last value of each field."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}


def form_value(column: str, op: str, form: dict[str, str]) -> Any:
    """A mutation's value from an HTML form: comma lists, key=value pairs, Name <email>."""
    if (column, op) == ("props", "put"):
        return f"{form.get('key', '')}={form.get('value', '')}" if "key" in form else form.get("value")
    return form.get("value")


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

    def error(exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404 if isinstance(exc, NotFound) else 422)

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

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request, tag: str | None = None) -> Response:
        return index_page(request, tag)

    @app.post("/articles", response_class=HTMLResponse)
    async def create_form(request: Request) -> Response:
        form = await read_form(request)
        body: dict[str, Any] = {k: form.get(k, "") for k in ("title", "tags", "lineage", "props")}
        if form.get("author_name"):
            body["author"] = {"name": form["author_name"], "email": form.get("author_email", "")}
        try:
            doc = create(body)
        except TaxonomyError as exc:
            return index_page(request, None, str(exc), 422)
        return RedirectResponse(f"/articles/{doc.id}", status_code=303)

    def article_page(request: Request, raw_id: str, result: Any = None, err: str | None = None) -> Response:
        try:
            doc = load(parse_id(raw_id))
        except (TaxonomyError, NotFound) as exc:
            status = 404 if isinstance(exc, NotFound) else 422
            return index_page(request, None, str(exc), status)
        context = {"doc": doc, "result": result, "error": err}
        return templates.TemplateResponse(request, "article.html", context, status_code=422 if err else 200)

    @app.get("/articles/{article_id}", response_class=HTMLResponse)
    def article(request: Request, article_id: str) -> Response:
        return article_page(request, article_id)

    @app.post("/articles/{article_id}/mutate", response_class=HTMLResponse)
    async def mutate_form(request: Request, article_id: str) -> Response:
        form = await read_form(request)
        column, op = form.get("column", ""), form.get("op", "")
        try:
            result = mutate(parse_id(article_id), parse_mutation(column, op, form_value(column, op, form)))
        except NotFound:
            return article_page(request, article_id)
        except TaxonomyError as exc:
            return article_page(request, article_id, err=str(exc))
        return article_page(request, article_id, result=result)

    @app.post("/articles/{article_id}/delete")
    def delete_form(request: Request, article_id: str) -> Response:
        try:
            load(parse_id(article_id)).delete()
        except (TaxonomyError, NotFound) as exc:
            return index_page(request, None, str(exc), 404 if isinstance(exc, NotFound) else 422)
        return RedirectResponse("/", status_code=303)

    # ----------------------------------------------------------------------- JSON

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
            body = await request.json()
        except ValueError:
            return error(TaxonomyError("The body is not JSON."))
        try:
            doc = create(body)
        except TaxonomyError as exc:
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
            body = await request.json()
        except ValueError:
            return error(TaxonomyError("The body is not JSON."))
        try:
            if not isinstance(body, dict):
                raise TaxonomyError('Send {"column": …, "op": …, "value": …}.')
            result = mutate(
                parse_id(article_id), parse_mutation(body.get("column"), body.get("op"), body.get("value"))
            )
        except (TaxonomyError, NotFound) as exc:
            return error(exc)
        return JSONResponse(result)

    @app.get("/api/tags")
    def api_tags() -> JSONResponse:
        return JSONResponse({"tags": [{"tag": t, "count": n} for t, n in tag_cloud()]})

    @app.get("/healthz")
    def healthz(request: Request) -> dict[str, Any]:
        return {"ok": True, "keyspace": request.state.keyspace}

    return app
