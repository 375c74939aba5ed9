"""The bazaar's pages and HTMX partials: ``/`` (``?category=``, ``?brand=``), ``/products/{id}``
(the artifact and its reviews, newest first, ``?page=`` for older ones).

HTMX creates, edits and deletes cards in place (``hx-post``/``hx-put``/``hx-delete``) and adds
a review at the top of the list; the same forms posted without JavaScript get a 303 to the
page that shows the result. A refused form comes back filled in, with what is wrong beside
it, and nothing is written.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from demokit import web
from demokit.bodies import BadBody
from fastapi_catalog.bazaar import (
    BRANDS,
    BY_SLUG,
    CATEGORIES,
    MAX_AUTHOR,
    MAX_BRAND,
    MAX_DESCRIPTION,
    MAX_DIMENSION,
    MAX_NAME,
    MAX_PRICE,
    MAX_REVIEW,
    ProductIn,
)
from fastapi_catalog.dependencies import (
    BazaarDep,
    ProductDep,
    form_of,
    form_product,
    form_review,
    next_page,
    page_of,
    reviews_of,
)
from fastapi_catalog.models import Product
from fastapi_catalog.service import Bazaar, Listing

LIMITS = {
    "name": MAX_NAME,
    "brand": MAX_BRAND,
    "description": MAX_DESCRIPTION,
    "price": MAX_PRICE,
    "dimension": MAX_DIMENSION,
    "author": MAX_AUTHOR,
    "review": MAX_REVIEW,
}
templates = web.templates(
    __file__,
    categories=CATEGORIES,
    by_slug=BY_SLUG,
    brands=BRANDS,
    limits=LIMITS,
    demo_title="The Infinite Bazaar",
)
pages = APIRouter(default_response_class=HTMLResponse)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def listing_page(request: Request, listing: Listing, name: str, **context: Any) -> HTMLResponse:
    return render(request, name, listing=listing, next_page=next_page(request, listing), **context)


@pages.get("/")
async def index(
    request: Request, bazaar: BazaarDep, category: str | None = None, brand: str | None = None
) -> Response:
    listing = await page_of(request, bazaar, category, brand)
    return listing_page(request, listing, "index.html", form=None)


@pages.get("/partials/products")
async def product_list(
    request: Request, bazaar: BazaarDep, category: str | None = None, brand: str | None = None
) -> Response:
    return listing_page(request, await page_of(request, bazaar, category, brand), "partials/_list.html")


@pages.get("/partials/new")
async def new_form(request: Request) -> Response:
    return render(request, "partials/_form.html", form=form_of())


@pages.post("/products")
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


async def detail(
    request: Request, bazaar: Bazaar, product: Product, status: int = 200, **context: Any
) -> Response:
    """The artifact's page: its card (or a refused edit form) and a page of its reviews."""
    reviews = await reviews_of(request, bazaar, product)
    context.setdefault("review_form", form_of())
    older = next_page(request, reviews)
    return render(request, "product.html", status, product=product, reviews=reviews, older=older, **context)


@pages.get("/products/{product_id}")
async def product_page(request: Request, bazaar: BazaarDep, product: ProductDep) -> Response:
    return await detail(request, bazaar, product)


@pages.post("/products/{product_id}/reviews")
async def add_review(request: Request, bazaar: BazaarDep, product: ProductDep) -> Response:
    """HTMX: a fresh form, the review on top of the list and the new summary (201); a plain
    form: 303 back to the reviews. Refused: the form again with why (422), nothing written."""
    try:
        review = await bazaar.add_review(product, await form_review(request))
    except BadBody as exc:
        if is_htmx(request):
            return render(
                request, "partials/_review_form.html", exc.status, product=product, review_form=form_of(exc)
            )
        return await detail(request, bazaar, product, exc.status, review_form=form_of(exc))
    if not is_htmx(request):
        return RedirectResponse(f"/products/{product.id}#reviews", status_code=303)
    summary = await bazaar.review_summary(product.id)
    context = {"product": product, "review": review, "reviews": summary, "review_form": form_of()}
    return render(request, "partials/_review_added.html", 201, **context)


@pages.get("/products/{product_id}/card")
async def product_card(request: Request, product: ProductDep) -> Response:
    return render(request, "partials/_card.html", product=product)


@pages.get("/products/{product_id}/edit")
async def edit_form(request: Request, product: ProductDep) -> Response:
    values = {k: str(getattr(product, k)) for k in ProductIn.model_fields}
    form = {"values": values, "problems": []}
    return render(request, "partials/_form.html", form=form, product=product)


async def edit(request: Request, bazaar: Bazaar, product: Product) -> Response:
    try:
        changed = await bazaar.update(product, await form_product(request))
    except BadBody as exc:
        if is_htmx(request):
            return render(request, "partials/_form.html", exc.status, form=form_of(exc), product=product)
        return await detail(request, bazaar, product, exc.status, form=form_of(exc))
    if is_htmx(request):
        return render(request, "partials/_card.html", product=changed, fresh=True)
    return RedirectResponse(f"/products/{changed.id}", status_code=303)


@pages.put("/products/{product_id}")
async def edit_product(request: Request, bazaar: BazaarDep, product: ProductDep) -> Response:
    return await edit(request, bazaar, product)


@pages.post("/products/{product_id}")
async def edit_product_form(request: Request, bazaar: BazaarDep, product: ProductDep) -> Response:
    return await edit(request, bazaar, product)


@pages.delete("/products/{product_id}")
async def delete_product(bazaar: BazaarDep, product: ProductDep) -> Response:
    await bazaar.delete(product)
    return HTMLResponse("")  # HTMX swaps the card for nothing


@pages.post("/products/{product_id}/delete")
async def delete_product_form(bazaar: BazaarDep, product: ProductDep) -> Response:
    await bazaar.delete(product)
    return RedirectResponse("/", status_code=303)
