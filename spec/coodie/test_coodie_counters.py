"""Counter tables: ``CounterDocument`` with ``increment()`` / ``decrement()``.

Every non-key column of a counter table is a ``Counter()``; the only write is
``UPDATE ... SET c = c + ?``, so coodie refuses ``save()`` and ``insert()``.
Counter batches are in test_coodie_batch.py.
"""

from __future__ import annotations

from typing import Annotated

import pytest
from cassandra.cluster import Session
from coodie.exceptions import InvalidQueryError
from coodie.fields import Counter, PrimaryKey
from coodie.schema import build_schema
from coodie.sync.document import CounterDocument, Document
from coodie_flavours import Flavour, async_twin, synced_model_fixture

from spec.assertions import column_schema


class PageHits(CounterDocument):
    url: Annotated[str, PrimaryKey()]
    views: Annotated[int, Counter()] = 0
    visitors: Annotated[int, Counter()] = 0

    class Settings:
        name = "page_hits"


class MixedCounters(Document):
    """Invalid: a counter table may not have a regular data column."""

    id: Annotated[int, PrimaryKey()]
    hits: Annotated[int, Counter()] = 0
    note: str = ""


AsyncPageHits = async_twin(PageHits)


hits = synced_model_fixture(
    PageHits, AsyncPageHits, "PageHits, a counter table, synced (sync or async per flavour)."
)


async def test_sync_table_creates_counter_columns(flavour: Flavour, hits: type, cql: Session) -> None:
    types = column_schema(cql, "page_hits")
    assert types == {"url": "text", "views": "counter", "visitors": "counter"}


async def test_increment_starts_from_zero(flavour: Flavour, hits: type) -> None:
    await flavour(hits(url="/").increment, views=1)
    got = await flavour(hits.get, url="/")
    assert got.views == 1


async def test_increments_accumulate(flavour: Flavour, hits: type) -> None:
    page = hits(url="/")
    for _ in range(3):
        await flavour(page.increment, views=2)
    await flavour(hits(url="/").increment, views=10)  # another instance, same row
    assert (await flavour(hits.get, url="/")).views == 16


async def test_decrement_subtracts_and_may_go_negative(flavour: Flavour, hits: type) -> None:
    page = hits(url="/")
    await flavour(page.increment, views=5)
    await flavour(page.decrement, views=2)
    assert (await flavour(hits.get, url="/")).views == 3
    await flavour(page.decrement, views=10)
    assert (await flavour(hits.get, url="/")).views == -7


async def test_one_call_moves_several_counters(flavour: Flavour, hits: type, cql: Session) -> None:
    page = hits(url="/home")
    await flavour(page.increment, views=3, visitors=1)
    await flavour(page.decrement, views=1, visitors=1)
    got = await flavour(hits.get, url="/home")
    assert (got.views, got.visitors) == (2, 0)
    row = cql.execute("SELECT views, visitors FROM page_hits WHERE url = '/home'").one()
    assert (row.views, row.visitors) == (2, 0)


async def test_counter_rows_are_independent(flavour: Flavour, hits: type) -> None:
    await flavour(hits(url="/a").increment, views=1)
    await flavour(hits(url="/b").increment, views=5)
    counts = {p.url: p.views for p in await flavour(hits.find().all)}
    assert counts == {"/a": 1, "/b": 5}


async def test_a_counter_never_written_has_no_row(flavour: Flavour, hits: type) -> None:
    assert await flavour(hits.find_one, url="/never") is None


@pytest.mark.parametrize("method", ["save", "insert"])
async def test_save_and_insert_are_refused(flavour: Flavour, hits: type, method: str) -> None:
    page = hits(url="/", views=5)
    with pytest.raises(InvalidQueryError, match="Counter tables do not support"):
        await flavour(getattr(page, method))
    assert await flavour(hits.find_one, url="/") is None


def test_a_counter_table_with_a_regular_column_is_rejected() -> None:
    with pytest.raises(InvalidQueryError, match="Non-counter data columns found: note"):
        build_schema(MixedCounters)
