"""The Infinite Bazaar: FastAPI + HTMX pages and a JSON API over async coodie.

* `demokit.web.create_fastapi` starts coodie on the demo's keyspace and syncs the three tables
  (``await Product.sync_table()``, …, ``Review``) in the lifespan, and serves the theme;
* every route gets a `Bazaar` (the queries, on that driver) by **dependency injection**
  (`fastapi_catalog.dependencies`), and ``/…/{product_id}`` routes the product itself, or a 404/422;
* HTML (`fastapi_catalog.pages`): ``/`` (all, ``?category=`` newest first, ``?brand=`` by
  index), ``/products/{id}`` (with its reviews, newest first); HTMX partials create, edit and
  delete cards and add reviews in place, with plain-form fallbacks (``POST`` + 303) when
  JavaScript is off;
* JSON (`fastapi_catalog.api`): ``/api/products`` (GET, POST), ``/api/products/{id}`` (GET,
  PUT, DELETE), ``/api/products/{id}/reviews`` (GET, POST), ``/api/categories``, ``/healthz``;
* every list is paged: ``?page=`` carries the driver's paging state, signed
  (`demokit.tokens`), so a changed or foreign one is a 400 before any query.

Every body, form or JSON, is read by `demokit.bodies` into `ProductIn` or `ReviewIn`. Bad input
(missing or too long fields, wrong types, ``NaN``, unknown category, control characters,
unknown or malformed id) is a 4xx with a message — in the page, or as JSON ``detail`` —
and nothing is written.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from demokit import tokens, web
from demokit.bodies import BadBody
from fastapi_catalog.api import api
from fastapi_catalog.dependencies import BadInput
from fastapi_catalog.models import Product, ProductByCategory, Review
from fastapi_catalog.pages import is_htmx, pages, render


def create_app(keyspace: str | None = None) -> FastAPI:
    return web.create_fastapi(
        __file__,
        keyspace,
        documents=[Product, ProductByCategory, Review],
        routers=[pages, api],
        errors={BadInput: bad_input, BadBody: bad_input, HTTPException: http_error},
        state={"page_key": tokens.secret_key("CATALOG_SECRET")},  # signs the "next page" links
    )


async def bad_input(request: Request, exc: BadInput | BadBody) -> Response:
    """A refused id, filter, page link or body: JSON ``detail`` under ``/api/``, else the page."""
    if request.url.path.startswith("/api/"):
        detail = exc.errors if isinstance(exc, BadBody) else exc.problems
        return JSONResponse({"detail": detail}, status_code=exc.status)
    problems = exc.messages if isinstance(exc, BadBody) else exc.problems
    name = "partials/_error.html" if is_htmx(request) else "error.html"
    return render(request, name, exc.status, problems=problems)


async def http_error(request: Request, exc: HTTPException) -> Response:
    if request.url.path.startswith("/api/") or exc.status_code == 405:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
    return render(request, "error.html", exc.status_code, problems=[str(exc.detail)])
