"""The Schema Chronicle's tables as they stand at the head of history — after every migration.

The schema is the migrations' job (``migrations/*.py``, applied by ``coodie migrate``): this demo
never calls ``sync_table``. The models describe where the migrations lead, and the walkthrough
checks, with coodie's own schema diff, that the live schema at head is exactly this.
"""

from __future__ import annotations

from typing import Annotated

from coodie.fields import ClusteringKey, Indexed, PrimaryKey
from coodie.sync.document import Document
from pydantic import Field

#: 90 days: migration 20261203_001 sets it as the dispatches' default_time_to_live
DISPATCH_TTL = 90 * 24 * 3600
#: the index migration 20261207_001 creates on dispatches.author
AUTHOR_INDEX = "dispatches_by_author"
#: the priority migration 20261201_002 backfills into the rows it finds
ROUTINE = 3

SLUG = r"^[a-z0-9-]+$"


class Archivist(Document):
    """A member of the Coodie Corps who writes dispatches (table ``archivists``)."""

    name: Annotated[str, PrimaryKey(), Field(min_length=1, max_length=60)]
    dimension: Annotated[str, Field(min_length=1, max_length=40, pattern=SLUG)]
    rank: Annotated[str, Field(min_length=1, max_length=40)]

    class Settings:
        name = "archivists"


class Dispatch(Document):
    """One entry of a dimension's chronicle: ``PRIMARY KEY ((dimension), entry_no)``.

    ``entry_no`` was ``seq`` until migration 20261205_001 renamed it (a clustering column, so
    the rename is legal); ``word_count`` was dropped by 20261205_002; ``author`` is indexed by
    20261207_001; rows expire after `DISPATCH_TTL` (20261203_001).
    """

    dimension: Annotated[str, PrimaryKey(), Field(min_length=1, max_length=40, pattern=SLUG)]
    entry_no: Annotated[int, ClusteringKey(), Field(ge=1, le=1_000_000)]
    author: Annotated[str, Indexed(index_name=AUTHOR_INDEX), Field(min_length=1, max_length=60)]
    message: Annotated[str, Field(min_length=1, max_length=280)]
    priority: Annotated[int, Field(ge=1, le=5)] = ROUTINE

    class Settings:
        name = "dispatches"
        __default_ttl__ = DISPATCH_TTL
