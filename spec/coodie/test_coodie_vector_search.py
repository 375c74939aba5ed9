"""Vector search through coodie: ``Vector(N)`` with ``VectorIndex(similarity_function=...)``
and ``QuerySet.order_by_ann(column, vector).limit(k)``.

The DDL coodie emits and the ANN query it sends are pinned by snapshots (keyspace
names normalised to ``<ks>``). ANN results are checked against an exact numpy ranking
(hypothesis over dimensions and values, every similarity function): on small sets the
database's answer is the exact top-k, best first. A vector of the wrong length is
refused by ``save()``; expired and deleted rows leave ANN results. On a real ScyllaDB the
vector store indexes writes in the background, so ANN reads are retried (`eventually`).
"""

from __future__ import annotations

from typing import Annotated, Any

import coodie.aio.document as aio
import numpy as np
import pytest
from cassandra.cluster import Session
from coodie.exceptions import InvalidQueryError
from coodie.fields import ClusteringKey, PrimaryKey, Vector, VectorIndex
from coodie.sync.document import Document
from coodie_flavours import Flavour, async_twin
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_scylla.backend import ServerClock
from spec.assertions import eventually

DIMS = 4


class Product(Document):
    id: Annotated[int, PrimaryKey()]
    name: str = ""
    embedding: Annotated[list[float], Vector(dimensions=DIMS), VectorIndex(similarity_function="COSINE")] = []

    class Settings:
        name = "vs_products"


class Shelf(Document):
    """Vectors within partitions: ANN restricted to one shelf."""

    shelf: Annotated[int, PrimaryKey()]
    slot: Annotated[int, ClusteringKey()] = 0
    embedding: Annotated[list[float], Vector(dimensions=2), VectorIndex(similarity_function="EUCLIDEAN")] = []

    class Settings:
        name = "vs_shelves"


AsyncProduct = async_twin(Product)


def _normalised(recorded: list[str], keyspace: str) -> list[str]:
    return [s.replace(keyspace, "<ks>") for s in recorded]


async def test_ddl_is_a_vector_column_and_a_vector_index(
    flavour: Flavour, keyspace: str, cql_recorder: Any, snapshot: Any
) -> None:
    model = flavour.pick(Product, AsyncProduct)
    await flavour.sync_tables(model)
    ddl = [s for s in _normalised(cql_recorder.normalised(), keyspace) if s.startswith("CREATE")]
    assert ddl == snapshot


async def test_ann_query_cql_and_order(
    flavour: Flavour, keyspace: str, cql_recorder: Any, snapshot: Any
) -> None:
    model = flavour.pick(Product, AsyncProduct)
    await flavour.sync_tables(model)
    for i, v in enumerate([[1, 0, 0, 0], [0, 1, 0, 0], [0.9, 0.1, 0, 0], [0.5, 0.5, 0.5, 0]]):
        await flavour(model(id=i, name=f"p{i}", embedding=v).save)
    cql_recorder.statements.clear()
    query = model.find().order_by_ann("embedding", [1.0, 0.0, 0.0, 0.0]).limit(3)
    found = await flavour(query.all)
    assert [p.id for p in found] == [0, 2, 3]
    selects = [s for s in _normalised(cql_recorder.normalised(), keyspace) if s.startswith("SELECT")]
    assert selects == snapshot


async def test_dimension_is_validated_on_save(flavour: Flavour, cql: Session) -> None:
    model = flavour.pick(Product, AsyncProduct)
    await flavour.sync_tables(model)
    with pytest.raises(InvalidQueryError, match=f"expects {DIMS} dimensions, got 2"):
        await flavour(model(id=1, embedding=[0.1, 0.2]).save)
    assert list(cql.execute("SELECT * FROM vs_products")) == []


AsyncShelf = async_twin(Shelf)


async def test_ann_within_a_partition(flavour: Flavour) -> None:
    model = flavour.pick(Shelf, AsyncShelf)
    await flavour.sync_tables(model)
    for shelf in range(3):
        for slot in range(6):
            await flavour(model(shelf=shelf, slot=slot, embedding=[float(slot), float(shelf)]).save)
    query = model.find(shelf=1).order_by_ann("embedding", [4.2, 1.0]).limit(3)
    found = await flavour(query.all)
    assert [(d.shelf, d.slot) for d in found] == [(1, 4), (1, 5), (1, 3)]


async def test_expired_and_deleted_rows_leave_ann_results(flavour: Flavour, clock: ServerClock) -> None:
    model = flavour.pick(Product, AsyncProduct)
    await flavour.sync_tables(model)
    await flavour(model(id=1, embedding=[1, 0, 0, 0]).save)
    await flavour(model(id=2, embedding=[0.8, 0.2, 0, 0]).save, ttl=2)
    await flavour(model(id=3, embedding=[0, 1, 0, 0]).save)

    async def ids() -> list[int]:
        return [
            d.id for d in await flavour(model.find().order_by_ann("embedding", [1, 0, 0, 0]).limit(3).all)
        ]

    assert await ids() == [1, 2, 3]
    clock.advance(3)
    assert await ids() == [1, 3]
    await flavour(model(id=1).delete)
    assert await ids() == [3]


# --------------------------------------------------------------------------- exact ranking property

_models: dict[tuple[int, str], type[Document]] = {}


def ann_model(dim: int, metric: str) -> type[Document]:
    """A Document with a ``Vector(dim)`` column indexed with ``metric`` (one class per pair)."""
    key = (dim, metric)
    if key not in _models:
        name = f"ann_{metric.lower()}_{dim}"
        settings_cls = type(
            "Settings", (), {"name": name, "__qualname__": f"{name}.Settings", "__module__": __name__}
        )
        _models[key] = type(
            name,
            (Document,),
            {
                "__annotations__": {
                    "id": Annotated[int, PrimaryKey()],
                    "v": Annotated[
                        list[float], Vector(dimensions=dim), VectorIndex(similarity_function=metric)
                    ],
                },
                "__module__": __name__,
                "__qualname__": name,
                "Settings": settings_cls,
            },
        )
    return _models[key]


def exact_similarities(metric: str, data: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Cassandra's similarity scores (float32): cosine (1 + cos) / 2, dot product
    (1 + dot) / 2, euclidean 1 / (1 + squared distance)."""
    data, q = data.astype(np.float32), q.astype(np.float32)
    if metric == "EUCLIDEAN":
        return 1 / (1 + ((data - q) ** 2).sum(axis=1))
    dots = data @ q
    if metric == "DOT_PRODUCT":
        return (1 + dots) / 2
    return (1 + dots / (np.linalg.norm(data, axis=1) * np.linalg.norm(q))) / 2


@st.composite
def ann_cases(draw: st.DrawFn) -> tuple[str, np.ndarray, np.ndarray, int]:
    metric = draw(st.sampled_from(["COSINE", "DOT_PRODUCT", "EUCLIDEAN"]))
    dim = draw(st.integers(2, 12))
    n = draw(st.integers(1, 25))
    values = st.floats(-1, 1, width=32, allow_nan=False)
    data = np.array(
        draw(st.lists(st.lists(values, min_size=dim, max_size=dim), min_size=n, max_size=n)), np.float32
    )
    q = np.array(draw(st.lists(values, min_size=dim, max_size=dim)), np.float32)
    data[:, 0] += np.float32(2)  # keep vectors away from zero (cosine of a zero vector is NaN)
    q[0] += np.float32(2)
    if metric == "DOT_PRODUCT":  # ScyllaDB's dot product similarity expects unit vectors
        data /= np.linalg.norm(data, axis=1, keepdims=True)
        q /= np.linalg.norm(q)
    k = draw(st.integers(1, n))
    return metric, data, q, k


@given(case=ann_cases())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_ann_order_agrees_with_an_exact_numpy_ranking(
    coodie_sync: Any, cql: Session, case: tuple[str, np.ndarray, np.ndarray, int]
) -> None:
    metric, data, q, k = case
    model = ann_model(data.shape[1], metric)
    model.sync_table()
    cql.execute(f"TRUNCATE {model.Settings.name}")
    for i, v in enumerate(data):
        model(id=i, v=v.tolist()).save()
    exact = exact_similarities(metric, data, q)
    best = np.sort(exact)[::-1][:k]

    def ranked() -> list[int]:
        found = [d.id for d in model.find().order_by_ann("v", q.tolist()).limit(k).all()]
        assert len(found) == k
        return found

    found = eventually(ranked)
    got = exact[found]
    assert np.all(np.diff(got) <= 1e-6), "rows are not best first"
    np.testing.assert_allclose(got, best, rtol=1e-5, atol=1e-6)


async def test_async_ann_agrees_with_exact_ranking(coodie_async: Any) -> None:
    """The same property through coodie.aio, on fixed random sets of each metric."""
    rng = np.random.default_rng(11)
    for metric in ("COSINE", "DOT_PRODUCT", "EUCLIDEAN"):
        model = async_ann_model(8, metric)
        await model.sync_table()
        data = rng.standard_normal((40, 8)).astype(np.float32)
        if metric == "DOT_PRODUCT":
            data /= np.linalg.norm(data, axis=1, keepdims=True)
        for i, v in enumerate(data):
            await model(id=i, v=v.tolist()).save()
        q = data[0] + np.float32(0.1)
        if metric == "DOT_PRODUCT":
            q /= np.linalg.norm(q)
        exact = exact_similarities(metric, data, q)
        found = [d.id for d in await model.find().order_by_ann("v", q.tolist()).limit(5).all()]
        np.testing.assert_allclose(exact[found], np.sort(exact)[::-1][:5], rtol=1e-5, atol=1e-6)


_async_models: dict[tuple[int, str], type[aio.Document]] = {}


def async_ann_model(dim: int, metric: str) -> type[aio.Document]:
    key = (dim, metric)
    if key not in _async_models:
        name = f"aann_{metric.lower()}_{dim}"
        settings_cls = type(
            "Settings", (), {"name": name, "__qualname__": f"{name}.Settings", "__module__": __name__}
        )
        _async_models[key] = type(
            name,
            (aio.Document,),
            {
                "__annotations__": {
                    "id": Annotated[int, PrimaryKey()],
                    "v": Annotated[
                        list[float], Vector(dimensions=dim), VectorIndex(similarity_function=metric)
                    ],
                },
                "__module__": __name__,
                "__qualname__": name,
                "Settings": settings_cls,
            },
        )
    return _async_models[key]
