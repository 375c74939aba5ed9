"""The taxonomy's pages: ``GET /`` (tag cloud, ``?tag=`` filter, new-article form) and
``GET /articles/{id}`` (one article, a form per collection mutation, the CQL it sent).
A form's answer is the page that shows the result; a refused one shows why, writing nothing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from collections_tags.store import articles, create, load, mutate, tag_cloud
from collections_tags.taxonomy import (
    COLUMNS,
    OPS,
    ArticleForm,
    MutationForm,
    NotFound,
    TaxonomyError,
    literal,
    parse_id,
    parse_tags,
    status_of,
    tag_colour,
)
from demokit import web
from demokit.bodies import FORM, BadBody, read_asgi

templates = web.templates(__file__, tag_colour=tag_colour, ops=OPS, columns=COLUMNS, literal=literal)
pages = APIRouter(default_response_class=HTMLResponse)


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


def article_page(request: Request, raw_id: str, result: Any = None, err: Exception | None = None) -> Response:
    try:
        doc = load(parse_id(raw_id))
    except (TaxonomyError, NotFound) as exc:
        return index_page(request, None, str(exc), status_of(exc))
    context = {"doc": doc, "result": result, "error": str(err) if err else None}
    return templates.TemplateResponse(
        request, "article.html", context, status_code=status_of(err) if err else 200
    )


@pages.get("/")
def index(request: Request, tag: str | None = None) -> Response:
    return index_page(request, tag)


@pages.post("/articles")
async def create_form(request: Request) -> Response:
    try:
        doc = create((await read_asgi(request, ArticleForm, accept=(FORM,))).fields())
    except (TaxonomyError, BadBody) as exc:
        return index_page(request, None, str(exc), status_of(exc))
    return RedirectResponse(f"/articles/{doc.id}", status_code=303)


@pages.get("/articles/{article_id}")
def article(request: Request, article_id: str) -> Response:
    return article_page(request, article_id)


@pages.post("/articles/{article_id}/mutate")
async def mutate_form(request: Request, article_id: str) -> Response:
    try:
        form = await read_asgi(request, MutationForm, accept=(FORM,))
        result = mutate(parse_id(article_id), form.mutation())
    except NotFound:
        return article_page(request, article_id)
    except (TaxonomyError, BadBody) as exc:
        return article_page(request, article_id, err=exc)
    return article_page(request, article_id, result=result)


@pages.post("/articles/{article_id}/delete")
def delete_form(request: Request, article_id: str) -> Response:
    try:
        load(parse_id(article_id)).delete()
    except (TaxonomyError, NotFound) as exc:
        return index_page(request, None, str(exc), status_of(exc))
    return RedirectResponse("/", status_code=303)
