"""The Infinite Taxonomy's one table, ``articles``, and its one user-defined type, ``byline``.

Every kind of CQL collection lives on an article:

* ``tags``      ``set<text>`` with a secondary index (``Indexed()``): ``tags__add`` / ``tags__remove``,
  and ``Article.find(tags__contains="x")`` → ``WHERE tags CONTAINS 'x'``
* ``lineage``   ``list<text>``: ``lineage__append`` / ``lineage__prepend`` / ``lineage__remove``
* ``props``     ``map<text, text>``: ``props__put`` / ``props__update`` / ``props__remove``
* ``origin``    ``frozen<set<text>>``: the tags the article was born with, one value, only ever
  replaced as a whole
* ``author``    ``frozen<byline>``: a UDT (coodie ``UserType``)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID, uuid4

from coodie.fields import Indexed, PrimaryKey
from coodie.sync.document import Document
from coodie.usertype import UserType
from pydantic import Field


class Byline(UserType):
    """Who wrote it: stored as the UDT ``byline`` in a ``frozen<byline>`` column."""

    name: str = ""
    email: str = ""

    class Settings:
        __type_name__ = "byline"


class Article(Document):
    id: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
    title: str = ""
    tags: Annotated[set[str], Indexed(index_name="articles_tags_idx")] = set()
    lineage: list[str] = []
    props: dict[str, str] = {}
    origin: frozenset[str] = frozenset()
    author: Byline | None = None
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    class Settings:
        name = "articles"
