"""coodie's ``Vector(N)`` over every dimension ScyllaDB users pick (hypothesis: N in 1..2048).

For any N, the model's column is ``vector<float, N>`` in the DDL coodie emits and in the
table the database reports; float32 values round-trip exactly; a vector of another length
is refused by ``save()`` with a clear error and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import numpy as np
import pytest
from cassandra.cluster import Session
from coodie.exceptions import InvalidQueryError
from coodie.fields import PrimaryKey, Vector
from coodie.schema import build_schema
from coodie.sync.document import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_models: dict[int, type[Document]] = {}


def vector_model(n: int) -> type[Document]:
    """A Document with a ``Vector(n)`` column (one class per n, built from real annotation
    objects, so coodie resolves them without the module namespace)."""
    if n not in _models:
        # qualified as a nested class, which pydantic leaves alone as `class Settings:` would be
        settings_cls = type(
            "Settings", (), {"name": f"vec_{n}", "__qualname__": f"Vec{n}.Settings", "__module__": __name__}
        )
        _models[n] = type(
            f"Vec{n}",
            (Document,),
            {
                "__annotations__": {
                    "id": Annotated[int, PrimaryKey()],
                    "v": Annotated[list[float], Vector(dimensions=n)],
                },
                "__module__": __name__,
                "__qualname__": f"Vec{n}",
                "Settings": settings_cls,
            },
        )
    return _models[n]


dimensions = st.one_of(
    st.integers(1, 16), st.integers(17, 2048), st.sampled_from([384, 768, 1024, 1536, 2048])
)
float32s = st.floats(width=32, allow_nan=False, allow_infinity=False)


@given(n=dimensions)
@settings(max_examples=60, deadline=None)
def test_the_ddl_column_is_vector_of_float_n(n: int) -> None:
    columns = {c.name: c.cql_type for c in build_schema(vector_model(n))}
    assert columns["v"] == f"vector<float, {n}>"


@pytest.fixture
def synced(coodie_sync: Any) -> Callable[[int], type[Document]]:
    """Vector models whose tables exist in this test's keyspace, by dimension."""
    made: dict[int, type[Document]] = {}

    def get(n: int) -> type[Document]:
        if n not in made:
            made[n] = vector_model(n)
            made[n].sync_table()
        return made[n]

    return get


@given(data=st.data())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_vectors_round_trip_and_the_table_reports_the_dimension(
    data: st.DataObject, synced: Any, cql: Session, keyspace: str
) -> None:
    n = data.draw(st.one_of(st.integers(1, 8), st.sampled_from([3, 384, 1536, 2048])), label="n")
    model = synced(n)
    values = data.draw(st.lists(float32s, min_size=n, max_size=n), label="values")
    key = data.draw(st.integers(0, 10**6), label="id")
    model(id=key, v=values).save()
    got = model.find_one(id=key).v
    assert np.array_equal(np.asarray(got, dtype=np.float32), np.asarray(values, dtype=np.float32))
    row = cql.execute(
        "SELECT type FROM system_schema.columns WHERE keyspace_name = %s AND table_name = %s AND column_name = 'v'",
        (keyspace, f"vec_{n}"),
    ).one()
    assert row.type == f"vector<float, {n}>"


@given(data=st.data())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_vector_of_another_length_is_refused_and_nothing_is_written(
    data: st.DataObject, synced: Any, cql: Session
) -> None:
    n = data.draw(st.sampled_from([1, 3, 384]), label="n")
    wrong = data.draw(st.integers(0, 400).filter(lambda m: m != n), label="length")
    model = synced(n)
    key = data.draw(st.integers(0, 10**6), label="id")
    model(id=key, v=[1.0] * n).save()
    with pytest.raises(InvalidQueryError) as info:
        model(id=key, v=[0.5] * wrong).save()
    assert str(info.value) == f"Vector field 'v' expects {n} dimensions, got {wrong}"
    assert model.find_one(id=key).v == [1.0] * n
