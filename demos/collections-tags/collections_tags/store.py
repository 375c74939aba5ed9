"""The taxonomy's queries: every read and write of an article, through coodie.

Every mutation is one coodie ``update()``: ``article.update(tags__add={"x"})`` →
``UPDATE articles SET "tags" = "tags" + ? WHERE "id" = ?``; ``articles(tag)`` reads through
the secondary index on ``tags`` (``WHERE tags CONTAINS ?``).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from collections_tags.models import Article, Byline
from collections_tags.taxonomy import Mutation, NotFound, cql_text
from demokit.coodie_private import qualified_table
from demokit.documents import native, to_json

MAX_LIST = 500  # articles on one page / one API answer
CLOUD_SCAN = 10_000


def _stamp(when: datetime | None) -> str | None:
    """UTC, to the millisecond: what a CQL timestamp keeps (the driver reads it back naive)."""
    if when is None:
        return None
    when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    return when.isoformat(timespec="milliseconds")


def as_json(doc: Article) -> dict[str, Any]:
    """The article as JSON: demokit's `to_json` (sets sorted), ``created_at`` as `_stamp` writes it."""
    return {**to_json(doc, exclude={"created_at"}), "created_at": _stamp(doc.created_at)}


def load(article_id: UUID) -> Article:
    doc = Article.find(id=article_id).first()
    if doc is None:
        raise NotFound(f"No article {article_id} in the taxonomy.")
    return native(doc)  # Python types again: the UDT a Byline, not the driver's named tuple


def articles(tag: str | None = None) -> list[Article]:
    query = Article.find(tags__contains=tag) if tag else Article.find()
    docs = [native(doc) for doc in query.limit(MAX_LIST).all()]
    return sorted(docs, key=lambda d: (d.created_at, str(d.id)), reverse=True)


def tag_cloud() -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for doc in Article.find().only("tags").limit(CLOUD_SCAN).all():
        counts.update(doc.tags or ())
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def create(fields: dict[str, Any]) -> Article:
    doc = Article(**fields)
    doc.save()
    return doc


def mutate(article_id: UUID, mutation: Mutation) -> dict[str, Any]:
    doc = load(article_id)
    before = as_json(doc)
    kwargs = mutation.kwargs
    if mutation.column == "author":
        kwargs = {"author": Byline(**mutation.value)}
    doc.update(**kwargs)
    after = as_json(load(article_id))
    return {
        "column": mutation.column,
        "op": mutation.op,
        "before": before[mutation.column],
        "after": after[mutation.column],
        "article": after,
        "cql": cql_text(qualified_table(Article), mutation, article_id),
    }
