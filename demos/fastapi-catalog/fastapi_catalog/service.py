"""The bazaar's queries, all through async coodie — what each page and endpoint runs.

A `Bazaar` is handed to every route by FastAPI's dependency injection
(``bazaar: Annotated[Bazaar, Depends(get_bazaar)]``); it holds the coodie driver the
lifespan set up, so a route never reaches for a global connection.

=========================  ==========================================================
listing (one page)         CQL (``fetch_size`` rows, resumed with the paging state)
=========================  ==========================================================
everything                 ``SELECT * FROM products`` (a scan, in token order)
by brand                   ``SELECT * FROM products WHERE brand = ?`` (secondary index)
by category, newest first  ``SELECT * FROM products_by_category WHERE category = ?``
create / edit / delete     one logged batch over both tables
=========================  ==========================================================

A listing is paged with coodie's ``fetch_size(n).page(state).paged_all()``: the next
page resumes from the driver's paging state, so every product is reachable, page by page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from coodie.aio import AsyncBatchQuery

from fastapi_catalog.bazaar import ProductIn
from fastapi_catalog.models import Product, ProductByCategory, now_ms

PAGE_SIZE = 24


@dataclass
class Listing:
    """One page of a list: its products, the CQL that fetched them, the state of the next page."""

    products: list[Any]
    cql: str
    category: str | None = None
    brand: str | None = None
    next_state: bytes | None = None  # None: this is the last page
    first: bool = True  # no paging state was given: the first page

    @property
    def scope(self) -> str:
        """What a paging state belongs to: a state of one listing is refused by another."""
        return listing_scope(self.category, self.brand)


def listing_scope(category: str | None, brand: str | None) -> str:
    return f"category={category or ''}&brand={brand or ''}"


class Bazaar:
    """The catalogue, on one coodie driver (bound to the demo's keyspace)."""

    def __init__(self, driver: Any, keyspace: str, page_size: int = PAGE_SIZE) -> None:
        self.driver = driver
        self.keyspace = keyspace
        self.page_size = page_size

    async def listing(
        self, *, category: str | None = None, brand: str | None = None, state: bytes | None = None
    ) -> Listing:
        """One page: ``fetch_size(page_size)``, resumed from ``state`` (the first page: None)."""
        if category:
            # partition = category, clustering created_at DESC: newest first, no ORDER BY
            query = ProductByCategory.find(category=category)
            where = f"  WHERE category = '{category}'  -- one partition, clustering order created_at DESC\n"
            table = "products_by_category"
        elif brand:
            query = Product.find(brand=brand)
            where = f"  WHERE brand = {brand!r}  -- secondary index products_brand_idx\n"
            table = "products"
        else:
            query, where, table = Product.find(), "", "products"
        page = await query.fetch_size(self.page_size).page(state).paged_all()
        rows = list(page.data)
        if category and brand:
            rows = [r for r in rows if r.brand == brand]
        resumed = ", resumed from the paging state of ?page=" if state else ""
        order = "" if category or brand else "  -- token order: a scan, page by page"
        cql = (
            f"SELECT * FROM {self.keyspace}.{table}\n{where}  -- fetch_size {self.page_size}{resumed}{order}"
        )
        return Listing(rows, cql, category, brand, page.paging_state, state is None)

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
