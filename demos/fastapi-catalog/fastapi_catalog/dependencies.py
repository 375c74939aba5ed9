"""What the bazaar's routes are handed by FastAPI's dependency injection.

* `BazaarDep` — the queries (`Bazaar`), on the coodie driver the lifespan set up;
* `ProductDep` — the product of a ``/…/{product_id}`` path, or a 404/422 before the route runs;
* `ProductBody` / `form_product` — a JSON or form body read by `demokit.bodies` into `ProductIn`;
  `ReviewBody` / `form_review` the same for a review (`ReviewIn`);
* `page_of` / `next_page` — a listing page from its signed ``?page=`` token, and the next one's;
  `reviews_of` the same for a product's reviews.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request

from demokit import tokens
from demokit.bodies import FORM, JSON, BadBody, read_asgi
from fastapi_catalog.bazaar import BY_SLUG, MAX_BRAND, ProductIn, ReviewIn
from fastapi_catalog.models import Product
from fastapi_catalog.service import Bazaar, Listing, ReviewPage, listing_scope, reviews_scope

MAX_BODY = 16_384


class BadInput(Exception):
    """A bad id, filter or page link (bodies raise `BadBody`): shown in the page or as JSON."""

    def __init__(self, status: int, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.status = status
        self.problems = problems


def get_bazaar(request: Request) -> Bazaar:
    """The queries, on the coodie driver the lifespan set up (``request.state`` carries it)."""
    return Bazaar(request.state.driver, request.state.keyspace)


BazaarDep = Annotated[Bazaar, Depends(get_bazaar)]


async def product_json(request: Request) -> ProductIn:
    """A JSON body, read by `demokit.bodies` (size, UTF-8, strict types, finite numbers)."""
    return await read_asgi(request, ProductIn, accept=(JSON,), limit=MAX_BODY)


ProductBody = Annotated[ProductIn, Depends(product_json)]


async def form_product(request: Request) -> ProductIn:
    """The product of an urlencoded form (what HTMX and plain forms post), validated."""
    return await read_asgi(request, ProductIn, accept=(FORM,), limit=MAX_BODY)


async def review_json(request: Request) -> ReviewIn:
    """A review's JSON body, read as strictly as a product's."""
    return await read_asgi(request, ReviewIn, accept=(JSON,), limit=MAX_BODY)


ReviewBody = Annotated[ReviewIn, Depends(review_json)]


async def form_review(request: Request) -> ReviewIn:
    """The review of an urlencoded form (the product page's, with or without HTMX), validated."""
    return await read_asgi(request, ReviewIn, accept=(FORM,), limit=MAX_BODY)


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


async def page_of(request: Request, bazaar: Bazaar, category: str | None, brand: str | None) -> Listing:
    """The listing page ``?page=`` asks for (its token checked: 400 if changed or foreign)."""
    category, brand = check_filters(category, brand)
    key = request.app.state.page_key
    try:
        state = tokens.verify(key, listing_scope(category, brand), request.query_params.get("page"))
    except tokens.BadToken as exc:
        raise BadInput(400, [f"bad page link: {exc}; start again from the first page"]) from None
    return await bazaar.listing(category=category, brand=brand, state=state)


def next_page(request: Request, listing: Listing | ReviewPage) -> str | None:
    """The signed ``page`` token of the next page (None on the last)."""
    return tokens.sign(request.app.state.page_key, listing.scope, listing.next_state)


async def reviews_of(request: Request, bazaar: Bazaar, product: Product) -> ReviewPage:
    """The page of the product's reviews ``?page=`` asks for (a token of another listing: 400)."""
    key = request.app.state.page_key
    try:
        state = tokens.verify(key, reviews_scope(product.id), request.query_params.get("page"))
    except tokens.BadToken as exc:
        raise BadInput(400, [f"bad page link: {exc}; start again from the newest reviews"]) from None
    return await bazaar.reviews(product.id, state)


def form_of(exc: BadBody | None = None) -> dict[str, Any]:
    """The form again, with what was typed and what is wrong with it (None: an empty form)."""
    return {"values": exc.values, "problems": exc.messages} if exc else {"values": {}, "problems": []}
