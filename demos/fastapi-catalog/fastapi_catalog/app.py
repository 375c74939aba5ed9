"""The Infinite Bazaar: FastAPI + HTMX pages and a JSON API over async coodie.

* the **lifespan** initialises coodie (`demokit.database.ensure_coodie`), syncs both
  tables (``await Product.sync_table()``) and keeps the driver on ``app.state``;
* every route gets a `Bazaar` (the queries, on that driver) by **dependency
  injection**, and ``/…/{product_id}`` routes get the product itself, or a 404/422;
* HTML: ``/`` (all, ``?category=`` newest first, ``?brand=`` by index), ``/products/{id}``;
  HTMX partials create, edit and delete cards in place (``hx-post``/``hx-put``/
  ``hx-delete``), with plain-form fallbacks (``POST`` + 303) when JavaScript is off;
* JSON: ``/api/products`` (GET, POST), ``/api/products/{id}`` (GET, PUT, DELETE),
  ``/api/categories``, ``/healthz``;
* every list is paged: ``?page=`` carries the driver's paging state, signed
  (`demokit.tokens`), so a changed or foreign one is a 400 before any query.

Every body, form or JSON, is read by `demokit.bodies` into `ProductIn`. Bad input
(missing or too long fields, wrong types, ``NaN``, unknown category, control characters,
unknown or malformed id) is a 4xx with a message — in the page, or as JSON ``detail`` —
and nothing is written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException

from demokit import theme, tokens
from demokit.bodies import FORM, JSON, BadBody, openapi_body, read_asgi
from demokit.database import ensure_coodie
from demokit.documents import to_json
from demokit.registry import keyspace_for
from fastapi_catalog.bazaar import (
    BRANDS,
    BY_SLUG,
    CATEGORIES,
    MAX_BRAND,
    MAX_DESCRIPTION,
    MAX_DIMENSION,
    MAX_NAME,
    MAX_PRICE,
    ProductIn,
)
from fastapi_catalog.models import Product, ProductByCategory
from fastapi_catalog.service import Bazaar, Listing, listing_scope

HERE = Path(__file__).resolve().parent
MAX_BODY = 16_384


class BadInput(Exception):
    """A bad id, filter or page link (bodies raise `BadBody`): shown in the page or as JSON."""

    def __init__(self, status: int, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.status = status
        self.problems = problems


class ProductOut(ProductIn):
    """A stored product, as the JSON API returns it."""

    model_config = ConfigDict(extra="ignore", strict=False)

    id: UUID
    created_at: str


def product_out(product: Product | ProductByCategory) -> dict[str, Any]:
    """``product`` as JSON values (`demokit.documents.to_json`: ``created_at`` in UTC, ``…Z``)."""
    return to_json(product)


# --------------------------------------------------------------------------- dependencies


def get_bazaar(request: Request) -> Bazaar:
    """The queries, on the coodie driver the lifespan set up (``request.state`` carries it)."""
    return Bazaar(request.state.driver, request.state.keyspace)


BazaarDep = Annotated[Bazaar, Depends(get_bazaar)]


async def product_json(request: Request) -> ProductIn:
    """A JSON body, read by `demokit.bodies` (size, UTF-8, strict types, finite numbers)."""
    return await read_asgi(request, ProductIn, accept=(JSON,), limit=MAX_BODY)


ProductBody = Annotated[ProductIn, Depends(product_json)]


def parse_id(product_id: str) -> UUID:
    try:
        return UUID(product_id)
    except ValueError:
        raise BadInput(422, [f"{product_id[:60]!r} is not a product id (a UUID)"]) from None


async def existing_product(product_id: str, bazaar: BazaarDep) -> Product:
    """The product of the path, or 404/422 (a dependency of every ``/{product_id}`` route)."""
    product = await bazaar.get(parse_id(product_id))
    if product is None:
        raise BadInput(404, [f"no artifact with id {product_id} in the Infinite Bazaar"])
    return product


ProductDep = Annotated[Product, Depends(existing_product)]


def check_filters(category: str | None, brand: str | None) -> tuple[str | None, str | None]:
    category = (category or "").strip() or None
    brand = (brand or "").strip() or None
    problems = []
    if category is not None and category not in BY_SLUG:
        problems.append(f"category: no such category {category[:40]!r} (choose one of {', '.join(BY_SLUG)})")
    if brand is not None and len(brand) > MAX_BRAND:
        problems.append(f"brand: at most {MAX_BRAND} characters, not {len(brand)}")
    if problems:
        raise BadInput(422, problems)
    return category, brand


async def form_product(request: Request) -> ProductIn:
    """The product of an urlencoded form (what HTMX and plain forms post), validated."""
    return await read_asgi(request, ProductIn, accept=(FORM,), limit=MAX_BODY)


def form_of(exc: BadBody | None = None) -> dict[str, Any]:
    """The form again, with what was typed and what is wrong with it (None: an empty form)."""
    return {"values": exc.values, "problems": exc.messages} if exc else {"values": {}, "problems": []}


async def page_of(request: Request, bazaar: Bazaar, category: str | None, brand: str | None) -> Listing:
    """The listing page ``?page=`` asks for (its token checked: 400 if changed or foreign)."""
    category, brand = check_filters(category, brand)
    key = request.app.state.page_key
    try:
        state = tokens.verify(key, listing_scope(category, brand), request.query_params.get("page"))
    except tokens.BadToken as exc:
        raise BadInput(400, [f"bad page link: {exc}; start again from the first page"]) from None
    return await bazaar.listing(category=category, brand=brand, state=state)


def next_page(request: Request, listing: Listing) -> str | None:
    """The signed ``page`` token of the next page (None on the last)."""
    return tokens.sign(request.app.state.page_key, listing.scope, listing.next_state)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


# --------------------------------------------------------------------------- the app


def create_app(keyspace: str | None = None) -> FastAPI:
    keyspace = keyspace or keyspace_for(__file__)  # [tool.coodie-demo], or $SCYLLA_KEYSPACE

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        driver = ensure_coodie(keyspace)
        await Product.sync_table()
        await ProductByCategory.sync_table()
        yield {"driver": driver, "keyspace": keyspace}

    app = FastAPI(
        title="fastapi-catalog — The Infinite Bazaar",
        description="Products on ScyllaDB through async coodie: secondary index, clustering order, HTMX.",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI and ReDoc load their JS from a CDN: the demo serves all it shows
        redoc_url=None,
    )
    app.state.page_key = tokens.secret_key("CATALOG_SECRET")  # signs the "next page" links
    templates = theme.mount_fastapi(app, HERE)  # shared theme + this demo's look
    templates.env.globals.update(
        categories=CATEGORIES,
        by_slug=BY_SLUG,
        brands=BRANDS,
        limits={
            "name": MAX_NAME,
            "brand": MAX_BRAND,
            "description": MAX_DESCRIPTION,
            "price": MAX_PRICE,
            "dimension": MAX_DIMENSION,
        },
        demo_title="The Infinite Bazaar",
    )

    def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status)

    @app.exception_handler(BadInput)
    @app.exception_handler(BadBody)
    async def bad_input(request: Request, exc: BadInput | BadBody) -> Response:
        if request.url.path.startswith("/api/"):
            detail = exc.errors if isinstance(exc, BadBody) else exc.problems
            return JSONResponse({"detail": detail}, status_code=exc.status)
        problems = exc.messages if isinstance(exc, BadBody) else exc.problems
        if is_htmx(request):
            return render(request, "partials/_error.html", exc.status, problems=problems)
        return render(request, "error.html", exc.status, problems=problems)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/") or exc.status_code == 405:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return render(request, "error.html", exc.status_code, problems=[str(exc.detail)])

    add_pages(app, render)
    add_api(app)
    return app


Render = Callable[..., HTMLResponse]


def add_pages(app: FastAPI, render: Render) -> None:
    """The HTML pages and the HTMX partials (forms post urlencoded; plain forms get a 303)."""

    def listing_page(request: Request, listing: Listing, name: str, **context: Any) -> HTMLResponse:
        return render(request, name, listing=listing, next_page=next_page(request, listing), **context)

    @app.get("/", response_class=HTMLResponse)
    async def index(
        request: Request, bazaar: BazaarDep, category: str | None = None, brand: str | None = None
    ) -> HTMLResponse:
        listing = await page_of(request, bazaar, category, brand)
        return listing_page(request, listing, "index.html", form=None)

    @app.get("/partials/products", response_class=HTMLResponse)
    async def product_list(
        request: Request, bazaar: BazaarDep, category: str | None = None, brand: str | None = None
    ) -> HTMLResponse:
        return listing_page(request, await page_of(request, bazaar, category, brand), "partials/_list.html")

    @app.get("/partials/new", response_class=HTMLResponse)
    async def new_form(request: Request) -> HTMLResponse:
        return render(request, "partials/_form.html", form=form_of())

    @app.post("/products", response_class=HTMLResponse)
    async def create_product(request: Request, bazaar: BazaarDep) -> Response:
        try:
            product = await bazaar.create(await form_product(request))
        except BadBody as exc:
            if is_htmx(request):
                return render(request, "partials/_form.html", exc.status, form=form_of(exc))
            listing = await bazaar.listing()
            return listing_page(request, listing, "index.html", status=exc.status, form=form_of(exc))
        if is_htmx(request):
            return render(request, "partials/_created.html", 201, product=product, form=form_of())
        return RedirectResponse(f"/products/{product.id}", status_code=303)

    @app.get("/products/{product_id}", response_class=HTMLResponse)
    async def product_page(request: Request, product: ProductDep) -> HTMLResponse:
        return render(request, "product.html", product=product)

    @app.get("/products/{product_id}/card", response_class=HTMLResponse)
    async def product_card(request: Request, product: ProductDep) -> HTMLResponse:
        return render(request, "partials/_card.html", product=product)

    @app.get("/products/{product_id}/edit", response_class=HTMLResponse)
    async def edit_form(request: Request, product: ProductDep) -> HTMLResponse:
        values = {k: str(getattr(product, k)) for k in ProductIn.model_fields}
        form = {"values": values, "problems": []}
        return render(request, "partials/_form.html", form=form, product=product)

    async def edit(request: Request, bazaar: Bazaar, product: Product) -> Response:
        try:
            changed = await bazaar.update(product, await form_product(request))
        except BadBody as exc:
            if is_htmx(request):
                return render(request, "partials/_form.html", exc.status, form=form_of(exc), product=product)
            return render(request, "product.html", exc.status, product=product, form=form_of(exc))
        if is_htmx(request):
            return render(request, "partials/_card.html", product=changed, fresh=True)
        return RedirectResponse(f"/products/{changed.id}", status_code=303)

    @app.put("/products/{product_id}", response_class=HTMLResponse)
    async def edit_product(request: Request, bazaar: BazaarDep, product: ProductDep) -> Response:
        return await edit(request, bazaar, product)

    @app.post("/products/{product_id}", response_class=HTMLResponse)
    async def edit_product_form(request: Request, bazaar: BazaarDep, product: ProductDep) -> Response:
        return await edit(request, bazaar, product)

    @app.delete("/products/{product_id}", response_class=HTMLResponse)
    async def delete_product(bazaar: BazaarDep, product: ProductDep) -> HTMLResponse:
        await bazaar.delete(product)
        return HTMLResponse("")  # HTMX swaps the card for nothing

    @app.post("/products/{product_id}/delete")
    async def delete_product_form(bazaar: BazaarDep, product: ProductDep) -> RedirectResponse:
        await bazaar.delete(product)
        return RedirectResponse("/", status_code=303)


class ProductList(BaseModel):
    """One page of ``GET /api/products``: ``count`` products, ``next`` the token of the next page."""

    category: str | None
    brand: str | None
    count: int
    products: list[ProductOut]
    next: str | None


def add_api(app: FastAPI) -> None:
    """The JSON API: bodies are `ProductIn`, read strictly by `demokit.bodies`."""
    with_body = openapi_body(ProductIn)

    @app.get("/api/products", response_model=ProductList)
    async def api_list(
        request: Request,
        bazaar: BazaarDep,
        category: Annotated[str | None, Query(max_length=40)] = None,
        brand: Annotated[str | None, Query(max_length=MAX_BRAND)] = None,
    ) -> dict[str, Any]:
        listing = await page_of(request, bazaar, category, brand)
        products = [product_out(p) for p in listing.products]
        return {
            "category": listing.category,
            "brand": listing.brand,
            "count": len(products),
            "products": products,
            "next": next_page(request, listing),
        }

    @app.post("/api/products", status_code=201, response_model=ProductOut, openapi_extra=with_body)
    async def api_create(data: ProductBody, bazaar: BazaarDep) -> dict[str, Any]:
        return product_out(await bazaar.create(data))

    @app.get("/api/products/{product_id}", response_model=ProductOut)
    async def api_get(product: ProductDep) -> dict[str, Any]:
        return product_out(product)

    @app.put("/api/products/{product_id}", response_model=ProductOut, openapi_extra=with_body)
    async def api_update(product: ProductDep, data: ProductBody, bazaar: BazaarDep) -> dict[str, Any]:
        return product_out(await bazaar.update(product, data))

    @app.delete("/api/products/{product_id}", status_code=204)
    async def api_delete(bazaar: BazaarDep, product: ProductDep) -> Response:
        await bazaar.delete(product)
        return Response(status_code=204)

    @app.get("/api/categories")
    async def api_categories() -> list[dict[str, str]]:
        return [{"slug": c.slug, "label": c.label, "emoji": c.emoji} for c in CATEGORIES]

    @app.get("/healthz")
    async def healthz(bazaar: BazaarDep) -> dict[str, Any]:
        return {"ok": True, "keyspace": bazaar.keyspace, "server": await bazaar.server_version()}
