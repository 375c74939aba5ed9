"""The Oracle's Mirror, the store: every write goes to the base table, every view only reads.

Each action is one or two CQL statements through coodie::

    Product(...).save()                              # INSERT INTO products (...) VALUES (...)
    Product.find(sku=s).update(category=c, ...)      # UPDATE products SET ... WHERE sku = ?
    Product.find(sku=s).delete()                     # DELETE FROM products WHERE sku = ?
    ProductByCategory.find(category=c).all()         # SELECT * FROM products_by_category WHERE category = ?
    ProductByCategory.sync_view()                    # CREATE MATERIALIZED VIEW IF NOT EXISTS ...

The database keeps both views in step with ``products``: an action returns a `Trace` of
where the product was in each view's partitions before and where it is after (a change of
``category`` or of the price band moves it from one partition to another).

A write to a view is tried two ways and refused both times (`refuse_rename`, `refuse_delete`):
coodie refuses a view row's ``save()``/``delete()`` before sending anything, and the server
refuses the ``UPDATE``/``DELETE`` that coodie's query set does send ("Cannot directly modify a
materialized view"). What a body may hold is `NewProduct`, `ProductEdit` or `Rename`, read by
`demokit.bodies`: bad input raises before anything is written. Pages and API: `materialized_views.app`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any, cast
from uuid import uuid4

from cassandra import InvalidRequest
from coodie.exceptions import InvalidQueryError
from coodie.schema import build_schema
from coodie.sync.document import MaterializedView
from pydantic import BeforeValidator, Field, model_validator

from demokit.bodies import Body, FormBlank
from demokit.coodie_private import view_definition
from demokit.ddl import schema_statements
from materialized_views.models import BANDS, VIEWS, Product, price_band

MAX_NAME = 60
MAX_BRAND = 40
MAX_CATEGORY = 30
MAX_PRICE = 1_000_000.0
MAX_SKU = 24
LIST_LIMIT = 500  # rows read for the base card and for each reflection
SKU = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
CATEGORY = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class InputError(ValueError):
    """Bad input; the message is shown to the person (and returned as ``detail``)."""

    status = 422


class NotFound(InputError):
    status = 404


# --------------------------------------------------------------------------- what a body may hold


def _slug(value: Any) -> Any:
    """ "Tarot Decks" → "tarot-decks": a category is a partition key, kept tidy."""
    return "-".join(value.lower().split()) if isinstance(value, str) else value


Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
Brand = Annotated[str, Field(min_length=1, max_length=MAX_BRAND)]
Category = Annotated[
    str, Field(min_length=1, max_length=MAX_CATEGORY, pattern=CATEGORY), BeforeValidator(_slug)
]
Price = Annotated[float, Field(ge=0, le=MAX_PRICE)]
CATEGORY_HINT = "use letters a-z, digits and single hyphens (it is the partition key of products_by_category)"


class NewProduct(Body):
    """A product for the base table; its SKU is made up, its price band follows its price."""

    hints = {"category.string_pattern_mismatch": CATEGORY_HINT}

    name: Name
    brand: Brand
    category: Category
    price: Price


class ProductEdit(Body):
    """What changes; the rest is kept (a form's blank input changes nothing)."""

    hints = {"category.string_pattern_mismatch": CATEGORY_HINT}

    name: Annotated[Name | None, FormBlank] = None
    brand: Annotated[Brand | None, FormBlank] = None
    category: Annotated[Category | None, FormBlank] = None
    price: Annotated[Price | None, FormBlank] = None

    @model_validator(mode="after")
    def _something_to_change(self) -> ProductEdit:
        if all(v is None for v in (self.name, self.brand, self.category, self.price)):
            raise ValueError("Nothing to change: give a name, a brand, a category or a price.")
        return self


class Rename(Body):
    """A new name, written (or rather, not written) through a view."""

    name: Name


Sku = Annotated[str, Field(min_length=1, max_length=MAX_SKU)]


class PageRename(Rename):
    """The page's "rename through the mirror" form: which product, and the new name."""

    sku: Sku


class PagePick(Body):
    """The page's "delete from the mirror" form: which product."""

    sku: Sku


# --------------------------------------------------------------------------- what an action tells


@dataclass
class Move:
    """Where a product was in one view's partitions, and where it is now (None: not there)."""

    view: str
    column: str
    before: str | None
    after: str | None


@dataclass
class Trace:
    """A base-table write and how each view followed it."""

    action: str  # insert | update | delete
    sku: str
    name: str
    moves: list[Move] = field(default_factory=list)


@dataclass
class Refusal:
    """A write to a view, refused by coodie and by the server (each message as it was raised)."""

    view: str
    sku: str
    action: str  # rename | delete
    coodie: str  # coodie's InvalidQueryError: nothing was sent
    server: str  # the server's InvalidRequest, for the statement coodie's query set sent
    statement: str


@dataclass
class ViewInfo:
    """One materialized view as the page and ``/api/views`` show it."""

    name: str
    model: str
    base_table: str
    key: str  # the view's partition key column
    columns: list[str]  # the columns it selects (``*``: every column)
    cql: str  # the CREATE statement sync_view() sends


def view_key(view: type[MaterializedView]) -> str:
    return next(c.name for c in build_schema(view) if c.primary_key)


def view_info(view: type[MaterializedView], keyspace: str) -> ViewInfo:
    definition = view_definition(view)
    (cql,) = schema_statements([view], keyspace)
    return ViewInfo(
        name=view.Settings.name,
        model=view.__name__,
        base_table=definition["base_table"],
        key=view_key(view),
        columns=list(definition["columns"]),
        cql=cql,
    )


def find_view(name: str) -> type[MaterializedView]:
    for view in VIEWS:
        if view.Settings.name == name:
            return view
    known = ", ".join(v.Settings.name for v in VIEWS)
    raise NotFound(f"No view {name[:60]!r}: the Oracle mirrors products into {known}.")


def _moves(before: Product | None, after: Product | None) -> list[Move]:
    """Each view's partition of the product before and after (the view keys of its base row)."""
    out = []
    for view in VIEWS:
        key = view_key(view)
        out.append(
            Move(
                view.Settings.name,
                key,
                None if before is None else getattr(before, key),
                None if after is None else getattr(after, key),
            )
        )
    return out


# --------------------------------------------------------------------------- the base table


def sku_of(text: str) -> str:
    if len(text) > MAX_SKU or not SKU.fullmatch(text):
        raise InputError(f"{text[:40]!r} is not a SKU (capital letters, digits and hyphens, like ORC-0001).")
    return text


def new_sku() -> str:
    return f"ORC-{uuid4().hex[:8].upper()}"


def create(data: NewProduct) -> tuple[Product, Trace]:
    """``save()``: one INSERT into ``products``; the views follow it."""
    price = round(data.price, 2)
    doc = Product(
        sku=new_sku(),
        name=data.name,
        brand=data.brand,
        category=data.category,
        price=price,
        price_band=price_band(price),
    )
    doc.save()
    return doc, Trace("insert", doc.sku, doc.name, _moves(None, doc))


def load(sku: str) -> Product:
    doc = cast(Product | None, Product.find(sku=sku_of(sku)).first())
    if doc is None:
        raise NotFound(f"No product {sku}: the base table has no such row.")
    return doc


def edit(sku: str, data: ProductEdit) -> tuple[Product, Trace]:
    """``find(sku=).update(...)``: one UPDATE of the changed columns (the band with the price)."""
    before = load(sku)
    changes: dict[str, Any] = {k: v for k, v in data.model_dump().items() if v is not None}
    if "price" in changes:
        changes["price"] = round(changes["price"], 2)
        changes["price_band"] = price_band(changes["price"])
    Product.find(sku=before.sku).update(**changes)
    after = before.model_copy(update=changes)
    return after, Trace("update", sku, after.name, _moves(before, after))


def remove(sku: str) -> Trace:
    """``find(sku=).delete()``: the row leaves the base table, and every view with it."""
    before = load(sku)
    Product.find(sku=before.sku).delete()
    return Trace("delete", sku, before.name, _moves(before, None))


def products() -> list[Product]:
    """The base table (at most LIST_LIMIT rows), by SKU."""
    return sorted(cast(list[Product], Product.find().limit(LIST_LIMIT).all()), key=lambda p: p.sku)


# --------------------------------------------------------------------------- the views (read-only)


def _partition_order(view: type[MaterializedView], key: str) -> tuple[int, str]:
    bands = [band for band, _, _ in BANDS]
    return (bands.index(key), key) if view_key(view) == "price_band" and key in bands else (len(bands), key)


def reflection(view: type[MaterializedView]) -> dict[str, list[Any]]:
    """Every partition of ``view`` (at most LIST_LIMIT rows): ``view.find().all()``, grouped."""
    key = view_key(view)
    groups: dict[str, list[Any]] = {}
    for row in view.find().limit(LIST_LIMIT).all():
        groups.setdefault(getattr(row, key), []).append(row)
    return {k: groups[k] for k in sorted(groups, key=lambda k: _partition_order(view, k))}


def partition(view: type[MaterializedView], value: str) -> list[Any]:
    """One partition of ``view``: the read-only query it exists for, ``find(<key>=value)``."""
    if not value or len(value) > 100:
        raise InputError(f"Give the {view_key(view)} to read (1 to 100 characters).")
    return list(view.find(**{view_key(view): value}).limit(LIST_LIMIT).all())


def view_row(view: type[MaterializedView], doc: Product) -> Any:
    """The row ``view`` holds for the base row ``doc``."""
    return view(**{name: getattr(doc, name) for name in view.model_fields})


def server_message(error: InvalidRequest) -> str:
    """The server's own words, without the driver's ``Error from server: code=…`` wrapping."""
    found = re.search(r'message="(.*)"', str(error), re.S)
    return found.group(1) if found else str(error)


def refuse_rename(view_name: str, sku: str, data: Rename) -> Refusal:
    """Try to rename a product through a view: coodie, then the server, say no."""
    view = find_view(view_name)
    row = view_row(view, load(sku))
    key = {view_key(view): getattr(row, view_key(view)), "sku": row.sku}
    row.name = data.name
    coodie = _refused_by_coodie(row.save)
    server = _refused_by_server(lambda: view.find(**key).update(name=data.name))
    statement = f'UPDATE {view_name} SET "name" = ? WHERE "{view_key(view)}" = ? AND "sku" = ?'
    return Refusal(view_name, row.sku, "rename", coodie, server, statement)


def refuse_delete(view_name: str, sku: str) -> Refusal:
    """Try to delete a product's row from a view: coodie, then the server, say no."""
    view = find_view(view_name)
    row = view_row(view, load(sku))
    key = {view_key(view): getattr(row, view_key(view)), "sku": row.sku}
    coodie = _refused_by_coodie(row.delete)
    server = _refused_by_server(lambda: view.find(**key).delete())
    statement = f'DELETE FROM {view_name} WHERE "{view_key(view)}" = ? AND "sku" = ?'
    return Refusal(view_name, row.sku, "delete", coodie, server, statement)


def _refused_by_coodie(write: Any) -> str:
    try:
        write()
    except InvalidQueryError as exc:
        return str(exc)
    raise AssertionError("coodie wrote to a materialized view")  # never: MaterializedView refuses


def _refused_by_server(write: Any) -> str:
    try:
        write()
    except InvalidRequest as exc:
        return server_message(exc)
    raise AssertionError("the server took a write to a materialized view")  # never: it refuses


def sync_views() -> list[str]:
    """``sync_view()`` on every view: CREATE MATERIALIZED VIEW IF NOT EXISTS, so again is harmless."""
    for view in VIEWS:
        view.sync_view()
    return [view.Settings.name for view in VIEWS]
