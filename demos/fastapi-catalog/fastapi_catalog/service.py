"""The bazaar's queries, all through async coodie — what each page and endpoint runs.

A `Bazaar` is handed to every route by FastAPI's dependency injection
(``bazaar: Annotated[Bazaar, Depends(get_bazaar)]``); it holds the coodie driver the
lifespan set up, so a route never reaches for a global connection.

=========================  ==========================================================
listing                    CQL
=========================  ==========================================================
everything                 ``SELECT * FROM products LIMIT ?`` (a scan, sorted here)
by brand                   ``SELECT * FROM products WHERE brand = ? LIMIT ?`` (2ary index)
by category, newest first  ``SELECT * FROM products_by_category WHERE category = ? LIMIT ?``
create / edit / delete     one logged batch over both tables
=========================  ==========================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from coodie.aio import AsyncBatchQuery

from fastapi_catalog.bazaar import ProductIn
from fastapi_catalog.models import Product, ProductByCategory, now_ms

LIST_LIMIT = 120


@dataclass
class Listing:
    """What a list page shows: the products, and the CQL that fetched them."""

    products: list[Any]
    cql: str
    category: str | None = None
    brand: str | None = None


class Bazaar:
    """The catalogue, on one coodie driver (bound to the demo's keyspace)."""

    def __init__(self, driver: Any, keyspace: str) -> None:
        self.driver = driver
        self.keyspace = keyspace

    async def listing(self, *, category: str | None = None, brand: str | None = None) -> Listing:
        if category:
            # partition = category, clustering created_at DESC: newest first, no ORDER BY
            rows = await ProductByCategory.find(category=category).limit(LIST_LIMIT).all()
            if brand:
                rows = [r for r in rows if r.brand == brand]
            cql = (
                f"SELECT * FROM {self.keyspace}.products_by_category\n"
                f"  WHERE category = '{category}'  -- one partition, clustering order created_at DESC\n"
                f"  LIMIT {LIST_LIMIT};"
            )
            return Listing(list(rows), cql, category, brand)
        if brand:
            rows = await Product.find(brand=brand).limit(LIST_LIMIT).all()
            cql = (
                f"SELECT * FROM {self.keyspace}.products\n"
                f"  WHERE brand = {brand!r}  -- secondary index products_brand_idx\n"
                f"  LIMIT {LIST_LIMIT};"
            )
        else:
            rows = await Product.find().limit(LIST_LIMIT).all()
            cql = (
                f"SELECT * FROM {self.keyspace}.products LIMIT {LIST_LIMIT};"
                "  -- token order: sorted newest first by the app"
            )
        return Listing(sorted(rows, key=_newest_first), cql, None, brand)

    async def get(self, product_id: UUID) -> Product | None:
        return await Product.find_one(id=product_id)  # type: ignore[return-value]

    async def create(self, data: ProductIn, *, created_at: datetime | None = None) -> Product:
        product = Product(**data.model_dump(), created_at=created_at or now_ms())
        async with AsyncBatchQuery() as batch:
            await product.save(batch=batch)
            await ProductByCategory.of(product).save(batch=batch)
        return product

    async def update(self, product: Product, data: ProductIn) -> Product:
        """Replace the fields; a new category moves the timeline row to another partition."""
        changed = product.model_copy(update=data.model_dump())
        async with AsyncBatchQuery() as batch:
            await changed.save(batch=batch)
            if changed.category != product.category:
                await ProductByCategory.of(product).delete(batch=batch)
            await ProductByCategory.of(changed).save(batch=batch)
        return changed

    async def delete(self, product: Product) -> None:
        async with AsyncBatchQuery() as batch:
            await product.delete(batch=batch)
            await ProductByCategory.of(product).delete(batch=batch)

    async def server_version(self) -> str:
        rows = await self.driver.execute_async("SELECT release_version FROM system.local", [])
        return str(rows[0]["release_version"]) if rows else "?"


def _newest_first(product: Any) -> tuple[float, str]:
    return (-product.created_at.timestamp(), str(product.id))
