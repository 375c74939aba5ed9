"""The one table of the Cargo Drop: a cargo manifest, partitioned by planet.

Every import batch holds rows of a single planet (one partition), so a batch is applied on
one replica set, atomically and in isolation, whether it is logged or not.
"""

from __future__ import annotations

from typing import Annotated

from coodie.fields import ClusteringKey, Double, PrimaryKey
from coodie.sync.document import Document
from pydantic import Field

#: the columns a manifest must have, in the order `generate` writes them
COLUMNS = ("planet", "crate", "item", "quantity", "mass_kg")


class CargoItem(Document):
    """One crate of a planet's manifest: ``PRIMARY KEY ((planet), crate)``."""

    planet: Annotated[str, PrimaryKey(), Field(min_length=1, max_length=40, pattern=r"^[a-z0-9-]+$")]
    crate: Annotated[int, ClusteringKey(), Field(ge=1, le=10_000_000)]
    item: Annotated[str, Field(min_length=1, max_length=80)]
    quantity: Annotated[int, Field(ge=0, le=1_000_000)]
    mass_kg: Annotated[float, Double(), Field(ge=0, le=1e9, allow_inf_nan=False)]

    class Settings:
        name = "cargo_manifest"
