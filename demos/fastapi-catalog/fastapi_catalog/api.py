"""The bazaar's JSON API: ``/api/products`` (GET, POST), ``/api/products/{id}`` (GET, PUT,
DELETE), ``/api/products/{id}/reviews`` (GET, POST), ``/api/categories``, ``/healthz``.
Bodies are `ProductIn` / `ReviewIn`, read strictly by `demokit.bodies`; lists are paged by a
signed ``next`` token."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from demokit.bodies import openapi_body
from demokit.documents import to_json
from fastapi_catalog.bazaar import CATEGORIES, MAX_BRAND, ProductIn, ReviewIn
from fastapi_catalog.dependencies import (
    BazaarDep,
    ProductBody,
    ProductDep,
    ReviewBody,
    next_page,
    page_of,
    reviews_of,
)
from fastapi_catalog.models import Product, ProductByCategory

api = APIRouter()
WITH_BODY = openapi_body(ProductIn)
WITH_REVIEW = openapi_body(ReviewIn)


class ProductOut(ProductIn):
    """A stored product, as the JSON API returns it."""

    model_config = ConfigDict(extra="ignore", strict=False)

    id: UUID
    created_at: str


class ProductList(BaseModel):
    """One page of ``GET /api/products``: ``count`` products, ``next`` the token of the next page."""

    category: str | None
    brand: str | None
    count: int
    products: list[ProductOut]
    next: str | None


class ReviewOut(ReviewIn):
    """A stored review: its time UUID and when it was written."""

    model_config = ConfigDict(extra="ignore", strict=False)

    id: UUID
    product_id: UUID
    created_at: str


class ReviewList(BaseModel):
    """One page of a product's reviews, newest first: ``total`` and ``average`` are the whole
    partition's (``count()``, ``sum("rating")``), ``next`` the token of the next page."""

    product_id: UUID
    total: int
    average: float | None
    count: int
    reviews: list[ReviewOut]
    next: str | None


def product_out(product: Product | ProductByCategory) -> dict[str, Any]:
    """``product`` as JSON values (`demokit.documents.to_json`: ``created_at`` in UTC, ``…Z``)."""
    return to_json(product)


@api.get("/api/products", response_model=ProductList)
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


@api.post("/api/products", status_code=201, response_model=ProductOut, openapi_extra=WITH_BODY)
async def api_create(data: ProductBody, bazaar: BazaarDep) -> dict[str, Any]:
    return product_out(await bazaar.create(data))


@api.get("/api/products/{product_id}", response_model=ProductOut)
async def api_get(product: ProductDep) -> dict[str, Any]:
    return product_out(product)


@api.put("/api/products/{product_id}", response_model=ProductOut, openapi_extra=WITH_BODY)
async def api_update(product: ProductDep, data: ProductBody, bazaar: BazaarDep) -> dict[str, Any]:
    return product_out(await bazaar.update(product, data))


@api.delete("/api/products/{product_id}", status_code=204)
async def api_delete(bazaar: BazaarDep, product: ProductDep) -> Response:
    await bazaar.delete(product)
    return Response(status_code=204)


@api.get("/api/products/{product_id}/reviews", response_model=ReviewList)
async def api_reviews(request: Request, bazaar: BazaarDep, product: ProductDep) -> dict[str, Any]:
    page = await reviews_of(request, bazaar, product)
    return {
        "product_id": product.id,
        "total": page.total,
        "average": page.average,
        "count": len(page.reviews),
        "reviews": [to_json(r) for r in page.reviews],
        "next": next_page(request, page),
    }


@api.post(
    "/api/products/{product_id}/reviews", status_code=201, response_model=ReviewOut, openapi_extra=WITH_REVIEW
)
async def api_add_review(product: ProductDep, data: ReviewBody, bazaar: BazaarDep) -> dict[str, Any]:
    return to_json(await bazaar.add_review(product, data))


@api.get("/api/categories")
async def api_categories() -> list[dict[str, str]]:
    return [{"slug": c.slug, "label": c.label, "emoji": c.emoji} for c in CATEGORIES]


@api.get("/healthz")
async def healthz(bazaar: BazaarDep) -> dict[str, Any]:
    return {"ok": True, "keyspace": bazaar.keyspace, "server": await bazaar.server_version()}
