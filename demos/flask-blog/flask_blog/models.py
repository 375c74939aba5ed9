"""The three tables of the Propaganda Engine.

* ``posts`` — every post of the blog in one partition (``blog``), clustered by a
  ``timeuuid`` in **descending** order: the newest post is the first row the database
  returns, and ``fetch_size`` + paging state walk the feed page by page. ``author`` has a
  **secondary index** (``Indexed()`` → ``posts_author_idx``): ``Post.find(author=…)``.
* ``posts_by_tag`` — the query table behind "browse by tag": one partition per tag,
  the post ids clustered newest first (kept in step with ``posts.tags`` by the app).
* ``comments`` — one partition per post, comments clustered newest first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from coodie.fields import ClusteringKey, Indexed, PrimaryKey, TimeUUID
from coodie.sync.document import Document
from pydantic import Field

#: the partition every post lives in (one blog; a bigger one would bucket by month)
BLOG = "dimension-2"


class Post(Document):
    """A blog post; ``id`` is a time-based UUID, so the clustering order is the time order."""

    blog: Annotated[str, PrimaryKey()] = BLOG
    id: Annotated[UUID, TimeUUID(), ClusteringKey(order="DESC")]
    title: str
    body: str
    author: Annotated[str, Indexed()]  # CREATE INDEX posts_author_idx ON posts ("author")
    tags: set[str] = Field(default_factory=set)
    mind_controlled: bool = False
    created_at: datetime
    updated_at: datetime | None = None

    class Settings:
        name = "posts"

    @property
    def excerpt(self) -> str:
        text = " ".join(self.body.split())
        return text if len(text) <= 220 else text[:219].rsplit(" ", 1)[0] + "…"


class PostByTag(Document):
    """One row per (tag, post): the partition of a tag lists its posts, newest first."""

    tag: Annotated[str, PrimaryKey()]
    post_id: Annotated[UUID, TimeUUID(), ClusteringKey(order="DESC")]

    class Settings:
        name = "posts_by_tag"


class Comment(Document):
    """A comment on a post; the post's comments share a partition, newest first."""

    post_id: Annotated[UUID, PrimaryKey()]
    id: Annotated[UUID, TimeUUID(), ClusteringKey(order="DESC")]
    author: str
    body: str
    created_at: datetime

    class Settings:
        name = "comments"


MODELS: tuple[type[Document], ...] = (Post, PostByTag, Comment)


def sync_tables() -> None:
    """``CREATE TABLE IF NOT EXISTS`` for the three tables (what the app factory and seed run)."""
    for model in MODELS:
        model.sync_table()
