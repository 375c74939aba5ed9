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
a product's reviews        ``SELECT * FROM reviews WHERE product_id = ?`` (newest first)
create / edit / delete     one logged batch over both tables (a delete: then the reviews)
add a review               ``INSERT INTO reviews …`` (one row in the product's partition)
=========================  ==========================================================

A listing is paged with coodie's ``fetch_size(n).page(state).paged_all()``: the next
page resumes from the driver's paging state, so every product is reachable, page by page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from cassandra.util import uuid_from_time
from coodie.aio import AsyncBatchQuery

from fastapi_catalog.bazaar import ProductIn, ReviewIn
from fastapi_catalog.models import Product, ProductByCategory, Review, now_ms

PAGE_SIZE = 24
REVIEW_PAGE_SIZE = 10


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


def reviews_scope(product_id: UUID) -> str:
    """What a paging state of a product's reviews belongs to (never another product's)."""
    return f"reviews={product_id}"


@dataclass
class ReviewPage:
    """One page of a product's reviews, newest first, and how many stars they all add up to
    (a summary alone has no reviews)."""

    product_id: UUID
    reviews: list[Review]
    cql: str
    total: int  # reviews of the product, all pages
    stars: int  # the sum of their ratings
    next_state: bytes | None = None
    first: bool = True

    @property
    def scope(self) -> str:
        return reviews_scope(self.product_id)

    @property
    def average(self) -> float | None:
        return round(self.stars / self.total, 1) if self.total else None


class Bazaar:
    """The catalogue, on one coodie driver (bound to the demo's keyspace)."""

    def __init__(
        self, driver: Any, keyspace: str, page_size: int = PAGE_SIZE, review_page_size: int = REVIEW_PAGE_SIZE
    ) -> None:
        self.driver = driver
        self.keyspace = keyspace
        self.page_size = page_size
        self.review_page_size = review_page_size

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
        """Both rows in one batch, then the product's whole reviews partition."""
        async with AsyncBatchQuery() as batch:
            await product.delete(batch=batch)
            await ProductByCategory.of(product).delete(batch=batch)
        await Review.find(product_id=product.id).delete()

    async def reviews(self, product_id: UUID, state: bytes | None = None) -> ReviewPage:
        """A page of the product's reviews: its partition, newest first (clustering ``id DESC``),
        with the count and star total of the whole partition (`review_summary`)."""
        query = Review.find(product_id=product_id).fetch_size(self.review_page_size).page(state)
        page = await query.paged_all()
        summary = await self.review_summary(product_id)
        where = f"WHERE product_id = {product_id}"
        resumed = ", resumed from the paging state of ?page=" if state else ""
        summary.cql = (
            f"SELECT * FROM {self.keyspace}.reviews\n  {where}"
            "  -- one partition, clustering order id DESC: newest first\n"
            f"  -- fetch_size {self.review_page_size}{resumed}\n{summary.cql}"
        )
        summary.reviews = list(page.data)
        summary.next_state, summary.first = page.paging_state, state is None
        return summary

    async def review_summary(self, product_id: UUID) -> ReviewPage:
        """How many reviews the product has and their star total: ``count()`` and
        ``sum("rating")`` over its partition (no page of reviews)."""
        query = Review.find(product_id=product_id)
        total = await query.count()
        stars = int(await query.sum("rating") or 0) if total else 0
        where = f"WHERE product_id = {product_id}"
        cql = (
            f"SELECT COUNT(*) FROM {self.keyspace}.reviews {where};  -- count()\n"
            f'SELECT SUM("rating") FROM {self.keyspace}.reviews {where};  -- sum("rating")'
        )
        return ReviewPage(product_id, [], cql, total, stars)

    async def add_review(self, product: Product, data: ReviewIn, *, at: datetime | None = None) -> Review:
        """One ``INSERT`` into the product's partition; its time UUID (of ``at``, else of now,
        to the microsecond: two reviews keep their order) puts it first."""
        moment = at.replace(tzinfo=UTC) if at else datetime.now(UTC)
        created = moment.replace(tzinfo=None, microsecond=moment.microsecond // 1000 * 1000)
        review = Review(
            product_id=product.id,
            id=uuid_from_time(moment.timestamp()),
            created_at=created,
            **data.model_dump(),
        )
        await review.save()
        return review

    async def server_version(self) -> str:
        rows = await self.driver.execute_async("SELECT release_version FROM system.local", [])
        return str(rows[0]["release_version"]) if rows else "?"
