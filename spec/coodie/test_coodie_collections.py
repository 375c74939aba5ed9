"""Collection columns: list, set and map mutations through ``update()``, and frozen collections.

coodie spells a collection mutation ``<column>__<operator>`` in ``update()``:
``append``/``prepend``/``setindex`` (list), ``add`` (set, map), ``update`` (map),
``put`` (map), ``remove`` (all three). A plain ``column=value`` replaces the whole
collection. Each test reads the result back through coodie and, where it helps,
through plain CQL.
"""

from __future__ import annotations

import warnings
from typing import Annotated
from uuid import UUID, uuid4

import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Session
from coodie.fields import ClusteringKey, Frozen, PrimaryKey
from coodie.sync.document import Document
from coodie_flavours import Flavour, async_twin
from pydantic import Field

from spec.assertions import column_schema


class Article(Document):
    id: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
    title: str = ""
    steps: list[str] = []
    tags: set[str] = set()
    scores: dict[str, int] = {}

    class Settings:
        name = "articles"


class Snapshot(Document):
    id: Annotated[int, PrimaryKey()]
    versions: Annotated[list[int], Frozen()] = []
    labels: frozenset[str] = frozenset()
    limits: Annotated[dict[str, int], Frozen()] = {}
    point: tuple[int, str] = (0, "")

    class Settings:
        name = "snapshots"


class Route(Document):
    """A frozen list is a single value, so it can be part of the primary key."""

    region: Annotated[str, PrimaryKey()]
    path: Annotated[list[str], ClusteringKey(), Frozen()]
    hops: int = 0

    class Settings:
        name = "routes"


AsyncArticle = async_twin(Article)
AsyncSnapshot = async_twin(Snapshot)
AsyncRoute = async_twin(Route)


async def saved_article(flavour: Flavour, **columns: object) -> Article:
    model = flavour.pick(Article, AsyncArticle)
    await flavour.sync_tables(model)
    doc = model(**columns)
    await flavour(doc.save)
    return doc


# --------------------------------------------------------------------------- list


async def test_append_adds_elements_at_the_end_in_order(flavour: Flavour) -> None:
    doc = await saved_article(flavour, steps=["plan"])
    await flavour(doc.update, steps__append=["build", "test"])
    await flavour(doc.update, steps__append=["ship"])
    assert (await flavour.reload(doc)).steps == ["plan", "build", "test", "ship"]


async def test_prepend_adds_elements_at_the_start_in_order(flavour: Flavour) -> None:
    doc = await saved_article(flavour, steps=["ship"])
    await flavour(doc.update, steps__prepend=["build", "test"])
    await flavour(doc.update, steps__prepend=["plan"])
    assert (await flavour.reload(doc)).steps == ["plan", "build", "test", "ship"]


async def test_append_to_a_list_that_was_never_set(flavour: Flavour) -> None:
    doc = await saved_article(flavour)
    await flavour(doc.update, steps__append=["first"])
    assert (await flavour.reload(doc)).steps == ["first"]


async def test_list_remove_drops_every_occurrence_of_each_value(flavour: Flavour) -> None:
    doc = await saved_article(flavour, steps=["a", "b", "a", "c", "b"])
    await flavour(doc.update, steps__remove=["a", "c"])
    assert (await flavour.reload(doc)).steps == ["b", "b"]


async def test_setindex_replaces_one_element(flavour: Flavour) -> None:
    doc = await saved_article(flavour, steps=["a", "b", "c"])
    await flavour(doc.update, steps__setindex=(1, "B"))
    assert (await flavour.reload(doc)).steps == ["a", "B", "c"]


async def test_setindex_out_of_range_is_refused(flavour: Flavour) -> None:
    doc = await saved_article(flavour, steps=["a"])
    with pytest.raises(InvalidRequest):
        await flavour(doc.update, steps__setindex=(3, "d"))
    assert (await flavour.reload(doc)).steps == ["a"]


async def test_delete_columns_removes_a_list_element_by_index(flavour: Flavour) -> None:
    doc = await saved_article(flavour, steps=["a", "b", "c"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # delete_columns() always warns about migrations
        await flavour(doc.delete_columns, collection_elements=[("steps", 0)])
    assert (await flavour.reload(doc)).steps == ["b", "c"]


async def test_delete_columns_of_an_index_out_of_range_is_refused(flavour: Flavour) -> None:
    """ScyllaDB: "List index 5 out of bound, list has size 2" (scylla_lite accepts it)."""
    doc = await saved_article(flavour, steps=["a", "b"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(InvalidRequest):
            await flavour(doc.delete_columns, collection_elements=[("steps", 5)])
    assert (await flavour.reload(doc)).steps == ["a", "b"]


async def test_delete_columns_of_an_element_of_an_empty_list_is_refused(flavour: Flavour) -> None:
    """ScyllaDB: "Attempted to delete an element from a list which is null" (scylla_lite
    accepts it)."""
    doc = await saved_article(flavour)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(InvalidRequest):
            await flavour(doc.delete_columns, collection_elements=[("steps", 0)])


async def test_assigning_a_list_replaces_it(flavour: Flavour) -> None:
    doc = await saved_article(flavour, steps=["a", "b"])
    await flavour(doc.update, steps=["z"])
    assert (await flavour.reload(doc)).steps == ["z"]


# --------------------------------------------------------------------------- set


async def test_set_add_and_remove(flavour: Flavour) -> None:
    doc = await saved_article(flavour, tags={"python"})
    await flavour(doc.update, tags__add={"scylla", "orm"})
    assert (await flavour.reload(doc)).tags == {"python", "scylla", "orm"}
    await flavour(doc.update, tags__remove={"python", "not-there"})
    assert (await flavour.reload(doc)).tags == {"scylla", "orm"}


async def test_set_add_of_a_present_element_changes_nothing(flavour: Flavour) -> None:
    doc = await saved_article(flavour, tags={"a", "b"})
    await flavour(doc.update, tags__add={"a"})
    assert (await flavour.reload(doc)).tags == {"a", "b"}


async def test_removing_the_last_element_leaves_an_empty_set(flavour: Flavour, cql: Session) -> None:
    doc = await saved_article(flavour, tags={"only"})
    await flavour(doc.update, tags__remove={"only"})
    assert (await flavour.reload(doc)).tags == set()
    # In CQL an empty collection is no value at all; coodie turns it back into set().
    assert cql.execute("SELECT tags FROM articles WHERE id = %s", [doc.id]).one().tags is None


async def test_a_set_has_no_elements_to_assign(flavour: Flavour) -> None:
    """``put``/``setindex`` are for maps and lists: on a set ScyllaDB refuses the statement,
    "Invalid operation (tags[?] = ?) for set column tags" (scylla_lite fails with a server
    error, which the driver reports as NoHostAvailable)."""
    doc = await saved_article(flavour, tags={"a"})
    with pytest.raises(InvalidRequest):
        await flavour(doc.update, tags__put=("a", "b"))
    assert (await flavour.reload(doc)).tags == {"a"}


# --------------------------------------------------------------------------- map


async def test_map_update_merges_keys(flavour: Flavour) -> None:
    doc = await saved_article(flavour, scores={"alice": 1, "bob": 2})
    await flavour(doc.update, scores__update={"bob": 20, "carol": 3})
    assert (await flavour.reload(doc)).scores == {"alice": 1, "bob": 20, "carol": 3}


async def test_map_add_is_the_same_as_update(flavour: Flavour) -> None:
    doc = await saved_article(flavour, scores={"alice": 1})
    await flavour(doc.update, scores__add={"bob": 2})
    assert (await flavour.reload(doc)).scores == {"alice": 1, "bob": 2}


async def test_map_put_sets_one_key(flavour: Flavour) -> None:
    doc = await saved_article(flavour, scores={"alice": 1})
    await flavour(doc.update, scores__put=("alice", 10))
    await flavour(doc.update, scores__put=("bob", 2))
    assert (await flavour.reload(doc)).scores == {"alice": 10, "bob": 2}


async def test_map_remove_deletes_the_given_keys(flavour: Flavour) -> None:
    doc = await saved_article(flavour, scores={"alice": 1, "bob": 2, "carol": 3})
    await flavour(doc.update, scores__remove={"alice", "carol", "nobody"})
    assert (await flavour.reload(doc)).scores == {"bob": 2}


async def test_delete_columns_removes_a_map_entry(flavour: Flavour) -> None:
    doc = await saved_article(flavour, scores={"alice": 1, "bob": 2})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        await flavour(doc.delete_columns, collection_elements=[("scores", "alice")])
    assert (await flavour.reload(doc)).scores == {"bob": 2}


async def test_assigning_a_map_replaces_it(flavour: Flavour) -> None:
    """coodie's collections guide says a plain dict assignment *merges* keys; it does not:
    it is ``SET scores = ?``, which replaces the map (use ``scores__update`` to merge)."""
    doc = await saved_article(flavour, scores={"alice": 1, "bob": 2})
    await flavour(doc.update, scores={"carol": 3})
    assert (await flavour.reload(doc)).scores == {"carol": 3}


# --------------------------------------------------------------------------- several at once


async def test_one_update_can_mutate_several_collections(flavour: Flavour, cql: Session) -> None:
    doc = await saved_article(flavour, title="draft", steps=["a"], tags={"x"}, scores={"k": 1})
    await flavour(
        doc.update,
        title="final",
        steps__append=["b"],
        tags__remove={"x"},
        scores__put=("j", 2),
    )
    got = await flavour.reload(doc)
    assert (got.title, got.steps, got.tags, got.scores) == ("final", ["a", "b"], set(), {"k": 1, "j": 2})
    row = cql.execute("SELECT title, steps, tags, scores FROM articles WHERE id = %s", [doc.id]).one()
    assert (row.title, row.steps, row.tags, dict(row.scores)) == ("final", ["a", "b"], None, {"k": 1, "j": 2})


async def test_collection_operators_leave_the_in_memory_document_as_it_was(flavour: Flavour) -> None:
    """Only plain assignments are copied onto the document; reload to see a mutation's result."""
    doc = await saved_article(flavour, title="t", tags={"a"})
    await flavour(doc.update, title="new", tags__add={"b"})
    assert doc.title == "new"
    assert doc.tags == {"a"}
    assert (await flavour.reload(doc)).tags == {"a", "b"}


# --------------------------------------------------------------------------- frozen


async def test_frozen_collections_round_trip(flavour: Flavour, cql: Session) -> None:
    model = flavour.pick(Snapshot, AsyncSnapshot)
    await flavour.sync_tables(model)
    doc = model(id=1, versions=[3, 1, 2], labels=frozenset({"b", "a"}), limits={"cpu": 2}, point=(7, "x"))
    await flavour(doc.save)

    got = await flavour.reload(doc)
    assert got.versions == [3, 1, 2]
    assert got.labels == {"a", "b"}
    assert got.limits == {"cpu": 2}
    assert got.point == (7, "x")
    types = column_schema(cql, "snapshots")
    assert types["versions"] == "frozen<list<int>>"
    assert types["labels"] == "frozen<set<text>>"
    assert types["limits"] == "frozen<map<text, int>>"
    assert types["point"] == "frozen<tuple<int, text>>"


async def test_a_frozen_collection_is_replaced_as_a_whole(flavour: Flavour) -> None:
    model = flavour.pick(Snapshot, AsyncSnapshot)
    await flavour.sync_tables(model)
    doc = model(id=1, versions=[1, 2])
    await flavour(doc.save)
    await flavour(doc.update, versions=[9])
    assert (await flavour.reload(doc)).versions == [9]


async def test_a_frozen_collection_cannot_be_mutated_in_place(flavour: Flavour) -> None:
    model = flavour.pick(Snapshot, AsyncSnapshot)
    await flavour.sync_tables(model)
    doc = model(id=1, versions=[1, 2])
    await flavour(doc.save)
    with pytest.raises(InvalidRequest):
        await flavour(doc.update, versions__append=[3])
    assert (await flavour.reload(doc)).versions == [1, 2]


async def test_a_frozen_list_can_be_a_clustering_key(flavour: Flavour) -> None:
    model = flavour.pick(Route, AsyncRoute)
    await flavour.sync_tables(model)
    for path, hops in ((["a", "b"], 2), (["a"], 1), (["b", "a", "c"], 3)):
        await flavour(model(region="eu", path=path, hops=hops).save)

    routes = await flavour(model.find(region="eu").all)
    assert [r.path for r in routes] == [["a"], ["a", "b"], ["b", "a", "c"]]  # frozen lists sort element-wise
    assert (await flavour(model.get, region="eu", path=["a", "b"])).hops == 2
