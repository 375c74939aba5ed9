"""The Infinite Taxonomy: articles with set/list/map/frozen/UDT columns, mutated in place.

Pages: ``GET /`` (tag cloud, ``?tag=`` filter through the secondary index, new-article form),
``GET /articles/{id}`` (one article, a form per collection mutation, the CQL it sent).
JSON: ``GET/POST /api/articles``, ``GET/DELETE /api/articles/{id}``,
``POST /api/articles/{id}/mutations`` (``{"column", "op", "value"}``), ``GET /api/tags``.

Every mutation is one coodie ``update()`` (`collections_tags.store`): ``article.update(tags__add={"x"})``
→ ``UPDATE articles SET "tags" = "tags" + ? WHERE "id" = ?``. Every body is read by
`demokit.bodies` (`ArticleIn`, `MutationIn`; the pages' `ArticleForm`, `MutationForm`): bad
input is a 4xx with a message, checked before anything is sent to the database.
"""

from __future__ import annotations

from fastapi import FastAPI

from collections_tags.api import api
from collections_tags.models import Article
from collections_tags.pages import pages
from demokit import web


def create_app(keyspace: str | None = None) -> FastAPI:
    # syncing Article sends CREATE TYPE byline, TABLE articles, INDEX articles_tags_idx
    return web.create_fastapi(__file__, keyspace, documents=[Article], routers=[pages, api])
