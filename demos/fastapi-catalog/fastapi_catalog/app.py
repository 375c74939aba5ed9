"""The Infinite Bazaar: FastAPI + HTMX pages and a JSON API over async coodie.

* the **lifespan** initialises coodie (`demokit.database.ensure_coodie`), syncs both
  tables (``await Product.sync_table()``) and keeps the driver on ``app.state``;
* every route gets a `Bazaar` (the queries, on that driver) by **dependency
  injection**, and ``/…/{product_id}`` routes get the product itself, or a 404/422;
* HTML: ``/`` (all, ``?category=`` newest first, ``?brand=`` by index), ``/products/{id}``;
  HTMX partials create, edit and delete cards in place (``hx-post``/``hx-put``/
  ``hx-delete``), with plain-form fallbacks (``POST`` + 303) when JavaScript is off;
* JSON: ``/api/products`` (GET, POST), ``/api/products/{id}`` (GET, PUT, DELETE),
  ``/api/categories``, ``/healthz`` — bodies validated by pydantic (`ProductIn`).

Bad input (missing or too long fields, wrong types, unknown category, unknown or
malformed id) is a 4xx with a message — in the page, or as JSON ``detail`` — and
nothing is written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl
from uuid import UUID

from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException

from demokit import theme
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
    messages,
)
from fastapi_catalog.models import Product, ProductByCategory
from fastapi_catalog.service import Bazaar

HERE = Path(__file__).resolve().parent
MAX_FORM_BYTES = 16_384


class BadInput(Exception):
    """Input refused before anything is written: shown in the page or returned as JSON."""

    def __init__(self, status: int, problems: list[str], values: dict[str, str] | None = None) -> None:
        super().__init__("; ".join(problems))
        self.status = status
        self.problems = problems
        self.values = values or {}


class ProductOut(ProductIn):
    """A stored product, as the JSON API returns it."""

    model_config = {"extra": "ignore"}

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


async def form_product(request: Request) -> tuple[ProductIn, dict[str, str]]:
    """The product of an urlencoded form (what HTMX and plain forms post), validated."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise BadInput(413, [f"the form is {len(body)} bytes; at most {MAX_FORM_BYTES}"])
    try:
        values = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise BadInput(400, ["the form is not UTF-8 text"]) from None
    fields = {k: v for k, v in values.items() if k in ProductIn.model_fields}
    extra = sorted(set(values) - set(fields))
    if extra:
        raise BadInput(422, [f"{name}: is not a product field" for name in extra], values)
    try:
        return ProductIn.model_validate(fields), values
    except ValidationError as exc:
        raise BadInput(422, messages(exc), values) from None


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
    async def bad_input(request: Request, exc: BadInput) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.problems}, status_code=exc.status)
        if is_htmx(request):
            return render(request, "partials/_error.html", exc.status, problems=exc.problems)
        return render(request, "error.html", exc.status, problems=exc.problems)

    # ------------------------------------------------------------------ HTML pages

    @app.get("/", response_class=HTMLResponse)
    async def index(
        request: Request, bazaar: BazaarDep, category: str | None = None, brand: str | None = None
    ) -> HTMLResponse:
        category, brand = check_filters(category, brand)
        listing = await bazaar.listing(category=category, brand=brand)
        return render(request, "index.html", listing=listing, form=None)

    @app.get("/partials/products", response_class=HTMLResponse)
    async def product_list(
        request: Request, bazaar: BazaarDep, category: str | None = None, brand: str | None = None
    ) -> HTMLResponse:
        category, brand = check_filters(category, brand)
        listing = await bazaar.listing(category=category, brand=brand)
        return render(request, "partials/_list.html", listing=listing)

    @app.get("/partials/new", response_class=HTMLResponse)
    async def new_form(request: Request) -> HTMLResponse:
        return render(request, "partials/_form.html", form={"values": {}, "problems": []})

    @app.post("/products", response_class=HTMLResponse)
    async def create_product(request: Request, bazaar: BazaarDep) -> Response:
        try:
            data, _ = await form_product(request)
        except BadInput as exc:
            form = {"values": exc.values, "problems": exc.problems}
            if is_htmx(request):
                return render(request, "partials/_form.html", exc.status, form=form)
            listing = await bazaar.listing()
            return render(request, "index.html", exc.status, listing=listing, form=form)
        product = await bazaar.create(data)
        if is_htmx(request):
            return render(
                request, "partials/_created.html", 201, product=product, form={"values": {}, "problems": []}
            )
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
        return render(
            request, "partials/_form.html", form={"values": values, "problems": []}, product=product
        )

    async def _edit(request: Request, bazaar: Bazaar, product: Product) -> Response:
        try:
            data, _ = await form_product(request)
        except BadInput as exc:
            form = {"values": exc.values, "problems": exc.problems}
            if is_htmx(request):
                return render(request, "partials/_form.html", exc.status, form=form, product=product)
            return render(request, "product.html", exc.status, product=product, form=form)
        changed = await bazaar.update(product, data)
        if is_htmx(request):
            return render(request, "partials/_card.html", product=changed, fresh=True)
        return RedirectResponse(f"/products/{changed.id}", status_code=303)

    @app.put("/products/{product_id}", response_class=HTMLResponse)
    async def edit_product(request: Request, bazaar: BazaarDep, product: ProductDep) -> Response:
        return await _edit(request, bazaar, product)

    @app.post("/products/{product_id}", response_class=HTMLResponse)
    async def edit_product_form(request: Request, bazaar: BazaarDep, product: ProductDep) -> Response:
        return await _edit(request, bazaar, product)

    @app.delete("/products/{product_id}", response_class=HTMLResponse)
    async def delete_product(bazaar: BazaarDep, product: ProductDep) -> HTMLResponse:
        await bazaar.delete(product)
        return HTMLResponse("")  # HTMX swaps the card for nothing

    @app.post("/products/{product_id}/delete")
    async def delete_product_form(bazaar: BazaarDep, product: ProductDep) -> RedirectResponse:
        await bazaar.delete(product)
        return RedirectResponse("/", status_code=303)

    # ------------------------------------------------------------------ JSON API

    class ProductList(BaseModel):
        category: str | None
        brand: str | None
        count: int
        products: list[ProductOut]

    @app.get("/api/products", response_model=ProductList)
    async def api_list(
        bazaar: BazaarDep,
        category: Annotated[str | None, Query(max_length=40)] = None,
        brand: Annotated[str | None, Query(max_length=MAX_BRAND)] = None,
    ) -> dict[str, Any]:
        category, brand = check_filters(category, brand)
        listing = await bazaar.listing(category=category, brand=brand)
        products = [product_out(p) for p in listing.products]
        return {"category": category, "brand": brand, "count": len(products), "products": products}

    @app.post("/api/products", status_code=201, response_model=ProductOut)
    async def api_create(data: ProductIn, bazaar: BazaarDep) -> dict[str, Any]:
        return product_out(await bazaar.create(data))

    @app.get("/api/products/{product_id}", response_model=ProductOut)
    async def api_get(product: ProductDep) -> dict[str, Any]:
        return product_out(product)

    @app.put("/api/products/{product_id}", response_model=ProductOut)
    async def api_update(data: ProductIn, bazaar: BazaarDep, product: ProductDep) -> dict[str, Any]:
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

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/") or exc.status_code == 405:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return render(request, "error.html", exc.status_code, problems=[str(exc.detail)])

    return app
