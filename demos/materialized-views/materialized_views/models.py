"""The Oracle's catalogue: one base table and two materialized views that mirror it.

* ``products`` — the base table, one row per product, keyed by its SKU. The only table
  anything is ever written to.
* ``products_by_category`` — a view of every column, re-keyed by ``category``: one
  partition per category (``ProductByCategory.find(category=...)``).
* ``products_by_band`` — a view of four columns, re-keyed by ``price_band`` (a band the
  base row stores beside its price, since a view can key only on stored columns).

``sync_view()`` sends ``CREATE MATERIALIZED VIEW IF NOT EXISTS``; the database then keeps
each view in step with every write to ``products``. Writes to a view are refused twice:
by coodie (``save``/``delete`` of a view row) and by the server (any INSERT, UPDATE or
DELETE on a view). Models are sync (``coodie.sync``) and never pin a keyspace.
"""

from __future__ import annotations

from typing import Annotated

from coodie.fields import ClusteringKey, Double, PrimaryKey
from coodie.sync.document import Document, MaterializedView

#: the price bands, cheapest first: (band, lowest price in it, what the page calls it)
BANDS: tuple[tuple[str, float, str], ...] = (
    ("pebble", 0.0, "under ₵20"),
    ("crystal", 20.0, "₵20 – ₵99.99"),
    ("astral", 100.0, "₵100 – ₵499.99"),
    ("mythic", 500.0, "₵500 and up"),
)


def price_band(price: float) -> str:
    """The band a price falls in (what ``products_by_band`` is keyed by)."""
    return next(band for band, lowest, _ in reversed(BANDS) if price >= lowest)


class Product(Document):
    """A product of the Oracle's shop: the base table every view mirrors."""

    sku: Annotated[str, PrimaryKey()]
    name: str
    brand: str
    category: str
    price: Annotated[float, Double()]
    price_band: str

    class Settings:
        name = "products"


class ProductByCategory(MaterializedView):
    """``SELECT *`` re-keyed by category: the WHERE clause (every key IS NOT NULL) is coodie's."""

    category: Annotated[str, PrimaryKey()]
    sku: Annotated[str, ClusteringKey()]
    name: str
    brand: str
    price: Annotated[float, Double()]
    price_band: str

    class Settings:
        name = "products_by_category"
        __base_table__ = "products"


class ProductByBand(MaterializedView):
    """Four columns only (``__view_columns__``), re-keyed by price band."""

    price_band: Annotated[str, PrimaryKey()]
    sku: Annotated[str, ClusteringKey()]
    name: str
    price: Annotated[float, Double()]

    class Settings:
        name = "products_by_band"
        __base_table__ = "products"
        __view_columns__ = ["price_band", "sku", "name", "price"]


#: the views, in the order they are materialized and shown
VIEWS: tuple[type[MaterializedView], ...] = (ProductByCategory, ProductByBand)
