"""The Infinite Bazaar's tables: the first two are written by every change (one logged batch).

* ``products`` — one row per artifact, keyed by its id, with a secondary index on
  ``brand`` (``Product.find(brand=...)`` → ``WHERE brand = ?``);
* ``products_by_category`` — the same artifact again, partitioned by category and
  clustered by ``created_at DESC, id``: a category's newest arrivals come first
  without any ``ORDER BY`` (``ProductByCategory.find(category=...)``);
* ``reviews`` — one partition per artifact, its reviews clustered by a time UUID
  ``DESC``: the newest review is the first row (``Review.find(product_id=...)``).

Models are async (``coodie.aio``), defined at module level, and never pin a keyspace.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID, uuid4

from coodie.aio.document import Document
from coodie.fields import ClusteringKey, Double, Indexed, PrimaryKey, TimeUUID
from pydantic import Field


def now_ms() -> datetime:
    """Now, as the database stores a ``timestamp``: UTC, naive, millisecond precision (so a
    clustering key read back equals the one written)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class Product(Document):
    """An artifact of the bazaar: looked up by id, or by brand through a secondary index."""

    id: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
    name: str
    brand: Annotated[str, Indexed()]
    category: str
    price: Annotated[float, Double()] = 0.0
    dimension: int = 1
    description: str = ""
    created_at: datetime = Field(default_factory=now_ms)

    class Settings:
        name = "products"


class ProductByCategory(Document):
    """The category timeline: one partition per category, newest first (clustering DESC)."""

    category: Annotated[str, PrimaryKey()]
    created_at: Annotated[datetime, ClusteringKey(order="DESC")]
    id: Annotated[UUID, ClusteringKey(clustering_key_index=1)]
    name: str
    brand: str
    price: Annotated[float, Double()] = 0.0
    dimension: int = 1
    description: str = ""

    class Settings:
        name = "products_by_category"

    @classmethod
    def of(cls, product: Product) -> ProductByCategory:
        """The timeline row of ``product``."""
        return cls(**product.model_dump())


class Review(Document):
    """A customer's review of an artifact: one partition per artifact, newest first (the
    clustering key is a time UUID, ``DESC``), so a product page reads one partition, in order."""

    product_id: Annotated[UUID, PrimaryKey()]
    id: Annotated[UUID, TimeUUID(), ClusteringKey(order="DESC")]
    author: str
    rating: int
    body: str
    created_at: datetime

    class Settings:
        name = "reviews"
