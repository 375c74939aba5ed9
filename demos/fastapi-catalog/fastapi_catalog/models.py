"""The Infinite Bazaar's two tables, both written by every change (one logged batch).

* ``products`` — one row per artifact, keyed by its id, with a secondary index on
  ``brand`` (``Product.find(brand=...)`` → ``WHERE brand = ?``);
* ``products_by_category`` — the same artifact again, partitioned by category and
  clustered by ``created_at DESC, id``: a category's newest arrivals come first
  without any ``ORDER BY`` (``ProductByCategory.find(category=...)``).

Models are async (``coodie.aio``), defined at module level, and never pin a keyspace.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID, uuid4

from coodie.aio.document import Document
from coodie.fields import ClusteringKey, Double, Indexed, PrimaryKey
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
