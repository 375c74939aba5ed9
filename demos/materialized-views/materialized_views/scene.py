"""What the mirror page shows, read fresh on every request: the base table, each view's
partitions with the last-moved product highlighted where it arrived (and a ghost where it
left), and the result of a read-only query of one partition."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coodie.sync.document import MaterializedView

from demokit.documents import to_json
from materialized_views import mirror
from materialized_views.mirror import LIST_LIMIT, ViewInfo
from materialized_views.models import VIEWS


@dataclass
class Chip:
    """One row of a reflection: a product in a view's partition (or the ghost of one that left)."""

    sku: str
    name: str
    price: float | None
    state: str = ""  # "" | "arrived" | "ghost"
    note: str = ""


@dataclass
class Partition:
    key: str
    chips: list[Chip] = field(default_factory=list)


@dataclass
class Query:
    """A read-only query of one partition, as coodie sends it, and what it returned."""

    key: str
    cql: str
    rows: list[dict[str, Any]]


@dataclass
class Reflection:
    info: ViewInfo
    partitions: list[Partition]
    rows: int
    query: Query | None = None


def _chips(view: type[MaterializedView], moves: dict[str, dict[str, Any]], sku: str) -> list[Partition]:
    """The view's partitions; the traced product marked where it arrived, a ghost where it left."""
    move = moves.get(view.Settings.name)
    found = mirror.reflection(view)
    if move and move["before"] and move["before"] != move["after"] and move["before"] not in found:
        found[move["before"]] = []  # the partition it left is empty now: show where it was
    out = []
    for key, rows in found.items():
        chips = [
            Chip(r.sku, r.name, r.price, "arrived" if move and r.sku == sku and key == move["after"] else "")
            for r in rows
        ]
        if move and move["before"] == key and move["before"] != move["after"]:
            where = f"moved to {move['after']}" if move["after"] else "gone with its base row"
            chips.append(Chip(sku, "", None, "ghost", where))
        out.append(Partition(key, chips))
    return out


def _query(view: type[MaterializedView], key: str) -> Query:
    rows = [to_json(r) for r in mirror.partition(view, key)]
    cql = f'SELECT * FROM {view.Settings.name} WHERE "{mirror.view_key(view)}" = ? LIMIT {LIST_LIMIT}'
    return Query(key, cql, rows)


def scene(
    keyspace: str, trace: dict[str, Any] | None, query: tuple[type[MaterializedView], str] | None
) -> dict[str, Any]:
    """The page's context: ``products`` (the base card), ``reflections`` and ``categories``."""
    moves = {m["view"]: m for m in (trace or {}).get("moves", [])}
    sku = (trace or {}).get("sku", "")
    reflections = []
    for view in VIEWS:
        partitions = _chips(view, moves, sku)
        rows = sum(1 for p in partitions for c in p.chips if c.state != "ghost")
        asked = _query(view, query[1]) if query and query[0] is view else None
        reflections.append(Reflection(mirror.view_info(view, keyspace), partitions, rows, asked))
    categories = [p.key for p in reflections[0].partitions if any(c.state != "ghost" for c in p.chips)]
    return {"products": mirror.products(), "reflections": reflections, "categories": categories}
