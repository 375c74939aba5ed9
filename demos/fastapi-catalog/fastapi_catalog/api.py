"""The bazaar's JSON API: ``/api/products`` (GET, POST), ``/api/products/{id}`` (GET, PUT,
DELETE), ``/api/categories``, ``/healthz``. Bodies are `ProductIn`, read strictly by
`demokit.bodies`; lists are paged by a signed ``next`` token."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from demokit.bodies import openapi_body
from demokit.documents import to_json
from fastapi_catalog.bazaar import CATEGORIES, MAX_BRAND, ProductIn
from fastapi_catalog.dependencies import BazaarDep, ProductBody, ProductDep, next_page, page_of
from fastapi_catalog.models import Product, ProductByCategory

api = APIRouter()
WITH_BODY = openapi_body(ProductIn)


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


@api.get("/api/categories")
async def api_categories() -> list[dict[str, str]]:
    return [{"slug": c.slug, "label": c.label, "emoji": c.emoji} for c in CATEGORIES]


@api.get("/healthz")
async def healthz(bazaar: BazaarDep) -> dict[str, Any]:
    return {"ok": True, "keyspace": bazaar.keyspace, "server": await bazaar.server_version()}
