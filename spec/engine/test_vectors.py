"""Vector search as ScyllaDB serves it: ``vector<float, N>`` columns, vector indexes
(``CREATE CUSTOM INDEX ... USING 'vector_index'``, or Cassandra 5's ``'sai'``), ``SELECT
... ORDER BY v ANN OF [...] LIMIT k`` and the similarity functions.

ScyllaDB's messages come from its source: index/vector_index.cc and
index/index_option_utils.cc (index options), cql3/statements/select_statement.cc and
vector_indexed_table_select_statement.cc (ANN queries), cql3/functions/
vector_similarity_fcts.cc (similarity values: Cassandra's, cosine = (1 + cos) / 2,
dot product = (1 + dot) / 2, euclidean = 1 / (1 + squared distance)).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Session
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.query import SimpleStatement

from spec.assertions import refused, rows
from spec.server_process import ScyllaLiteProcess

VEC3 = "p int PRIMARY KEY, c int, v vector<float, 3>"


def _table(cql: Session, name: str = "t", schema: str = VEC3, index: str | None = "vector_index") -> None:
    cql.execute(f"CREATE TABLE {name} ({schema})")
    if index is not None:
        cql.execute(f"CREATE CUSTOM INDEX ON {name} (v) USING '{index}'")


# --------------------------------------------------------------------------- the type


def test_vector_of_16000_floats_round_trips(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE big (p int PRIMARY KEY, v vector<float, 16000>)")
    value = [float(i % 97) / 4 for i in range(16000)]
    cql.execute("INSERT INTO big (p, v) VALUES (1, %s)", (value,))
    assert list(cql.execute("SELECT v FROM big WHERE p = 1").one()[0]) == value


def test_a_wider_vector_is_refused(cql: Session, keyspace: str) -> None:
    refused(
        cql,
        keyspace,
        "CREATE TABLE huge (p int PRIMARY KEY, v vector<float, 16001>)",
        InvalidRequest,
        "Vectors must have a dimension between 1 and 16000, not 16001",
    )


# --------------------------------------------------------------------------- the index


@pytest.mark.parametrize("using", ["vector_index", "VECTOR_INDEX", "sai", "StorageAttachedIndex"])
def test_vector_index_classes(cql: Session, keyspace: str, using: str) -> None:
    _table(cql, index=None)
    cql.execute(
        f"CREATE CUSTOM INDEX vi ON t (v) USING '{using}' WITH OPTIONS = {{'similarity_function': 'DOT_PRODUCT'}}"
    )
    cql.execute("INSERT INTO t (p, v) VALUES (1, [1, 0, 0])")
    assert rows(cql, "SELECT p FROM t ORDER BY v ANN OF [1, 0, 0] LIMIT 1") == [(1,)]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("{'bad_option': 'x'}", "Unsupported option bad_option for vector index"),
        (
            "{'similarity_function': 'manhattan'}",
            "Invalid value in option 'similarity_function' for vector index: 'manhattan'. "
            "Supported are case-insensitive: cosine, euclidean, dot_product",
        ),
        (
            "{'maximum_node_connections': '513'}",
            "Invalid value in option 'maximum_node_connections' for vector index: '513' is out of valid range [1 - 512]",
        ),
        (
            "{'maximum_node_connections': '-1'}",
            "Invalid value in option 'maximum_node_connections' for vector index: '-1' is out of valid range [1 - 512]",
        ),
        (
            "{'construction_beam_width': '5000'}",
            "Invalid value in option 'construction_beam_width' for vector index: '5000' is out of valid range [1 - 4096]",
        ),
        (
            "{'search_beam_width': '123dog'}",
            "Invalid value in option 'search_beam_width' for vector index: '123dog' is not an integer",
        ),
    ],
)
def test_bad_index_options_are_refused(cql: Session, keyspace: str, options: str, message: str) -> None:
    _table(cql, index=None)
    refused(
        cql,
        keyspace,
        f"CREATE CUSTOM INDEX ON t (v) USING 'vector_index' WITH OPTIONS = {options}",
        InvalidRequest,
        message,
    )


def test_vector_index_on_a_non_vector_column_is_refused(cql: Session, keyspace: str) -> None:
    _table(cql, index=None)
    refused(
        cql,
        keyspace,
        "CREATE CUSTOM INDEX ON t (c) USING 'vector_index'",
        InvalidRequest,
        "Vector indexes are only supported on columns of vectors of floats",
    )


def test_accepted_options(cql: Session, keyspace: str) -> None:
    _table(cql, index=None)
    cql.execute(
        "CREATE CUSTOM INDEX ON t (v) USING 'vector_index' WITH OPTIONS = {'similarity_function': 'euclidean', "
        "'maximum_node_connections': '32', 'construction_beam_width': '200', 'search_beam_width': '100'}"
    )


# --------------------------------------------------------------------------- ANN refusals

ANN = "SELECT p FROM t ORDER BY v ANN OF [0.1, 0.2, 0.3] LIMIT 5"


def test_ann_without_a_vector_index_is_refused(cql: Session, keyspace: str) -> None:
    _table(cql, index=None)
    refused(
        cql,
        keyspace,
        ANN,
        InvalidRequest,
        "ANN ordering by vector requires the column to be indexed using 'vector_index'",
    )


def test_ann_on_a_non_vector_column_is_refused(cql: Session, keyspace: str) -> None:
    _table(cql)
    refused(
        cql,
        keyspace,
        "SELECT p FROM t ORDER BY c ANN OF 1 LIMIT 1",
        InvalidRequest,
        "ANN ordering is only supported on float vector indexes",
    )


def test_ann_without_limit_is_refused(cql: Session, keyspace: str) -> None:
    _table(cql)
    refused(
        cql,
        keyspace,
        "SELECT p FROM t ORDER BY v ANN OF [0.1, 0.2, 0.3]",
        InvalidRequest,
        "Vector ANN queries must have a limit specified",
    )


def test_ann_with_a_wrong_length_vector_is_refused(cql: Session, keyspace: str) -> None:
    _table(cql)
    refused(
        cql,
        keyspace,
        "SELECT p FROM t ORDER BY v ANN OF [0.1, 0.2] LIMIT 5",
        InvalidRequest,
        "Invalid vector literal for v of type vector<float, 3>; expected 3 elements, but given 2",
    )


def test_ann_over_1000_rows_is_refused(cql: Session, keyspace: str) -> None:
    _table(cql)
    refused(
        cql,
        keyspace,
        "SELECT p FROM t ORDER BY v ANN OF [0.1, 0.2, 0.3] LIMIT 1001",
        InvalidRequest,
        "Use of ANN OF in an ORDER BY clause requires a LIMIT that is not greater than 1000. LIMIT was 1001",
    )


def test_ann_with_filtering_is_refused(cql: Session, keyspace: str) -> None:
    _table(cql)
    for query in (
        "SELECT p FROM t WHERE c = 1 ORDER BY v ANN OF [0.1, 0.2, 0.3] LIMIT 5",
        "SELECT p FROM t WHERE c = 1 ORDER BY v ANN OF [0.1, 0.2, 0.3] LIMIT 5 ALLOW FILTERING",
    ):
        refused(cql, keyspace, query, InvalidRequest, "ANN ordering by vector does not support filtering")


def test_ann_with_per_partition_limit_or_aggregation_is_refused(cql: Session, keyspace: str) -> None:
    _table(cql)
    refused(
        cql,
        keyspace,
        "SELECT p FROM t ORDER BY v ANN OF [0.1, 0.2, 0.3] PER PARTITION LIMIT 1 LIMIT 5",
        InvalidRequest,
        "Vector ANN queries do not support per-partition limits",
    )
    refused(
        cql,
        keyspace,
        "SELECT count(*) FROM t ORDER BY v ANN OF [0.1, 0.2, 0.3] LIMIT 5",
        InvalidRequest,
        "Vector ANN queries cannot be run with aggregation",
    )


def test_ann_with_a_null_vector_is_refused(cql: Session, keyspace: str) -> None:
    _table(cql)
    stmt = cql.prepare("SELECT p FROM t ORDER BY v ANN OF ? LIMIT 5")
    refused(cql, keyspace, stmt, InvalidRequest, "Unsupported null value for column v", params=(None,))


# --------------------------------------------------------------------------- ANN results


def test_ann_orders_by_similarity(cql: Session, keyspace: str) -> None:
    _table(cql)
    data = {1: [1, 0, 0], 2: [0, 1, 0], 3: [0.9, 0.1, 0], 4: [0, 0, 1], 5: [0.5, 0.5, 0]}
    for p, v in data.items():
        cql.execute("INSERT INTO t (p, v) VALUES (%s, %s)", (p, v))
    assert rows(cql, "SELECT p FROM t ORDER BY v ANN OF [1, 0, 0] LIMIT 3") == [(1,), (3,), (5,)]
    stmt = cql.prepare("SELECT p FROM t ORDER BY v ANN OF ? LIMIT ?")
    assert [r[0] for r in cql.execute(stmt, ([0, 1, 0.1], 2))] == [2, 5]
    assert len(rows(cql, "SELECT p FROM t ORDER BY v ANN OF [1, 0, 0] LIMIT 100")) == 5


def test_ann_follows_updates_deletes_expiry_and_truncate(cql: Session, keyspace: str, clock) -> None:  # type: ignore[no-untyped-def]
    _table(cql)
    cql.execute("INSERT INTO t (p, v) VALUES (1, [1, 0, 0])")
    cql.execute("INSERT INTO t (p, v) VALUES (2, [0.8, 0.2, 0])")
    cql.execute("INSERT INTO t (p, v) VALUES (3, [0, 1, 0]) USING TTL 5")
    query = "SELECT p FROM t ORDER BY v ANN OF [0, 1, 0] LIMIT 2"
    assert rows(cql, query) == [(3,), (2,)]
    clock.advance(6)
    assert rows(cql, query) == [(2,), (1,)]
    cql.execute("UPDATE t SET v = [0, 0, 1] WHERE p = 2")
    assert rows(cql, query) == [(1,), (2,)]
    cql.execute("DELETE FROM t WHERE p = 1")
    assert rows(cql, query) == [(2,)]
    cql.execute("TRUNCATE t")
    assert rows(cql, query) == []


def test_ann_within_a_partition(cql: Session, keyspace: str) -> None:
    _table(cql, schema="p int, ck int, v vector<float, 2>, PRIMARY KEY (p, ck)")
    for p in range(3):
        for ck in range(5):
            cql.execute("INSERT INTO t (p, ck, v) VALUES (%s, %s, %s)", (p, ck, [float(ck), 1.0]))
    assert rows(cql, "SELECT p, ck FROM t WHERE p = 1 ORDER BY v ANN OF [4, 1] LIMIT 2") == [(1, 4), (1, 3)]


def test_ann_through_the_graph_agrees_with_exact_search(cql: Session, keyspace: str) -> None:
    """Past the exact-search size scylla_lite searches a usearch graph; on a few thousand
    low-dimensional vectors its top-k is the exact one."""
    _table(cql, schema="p int PRIMARY KEY, v vector<float, 4>", index=None)
    cql.execute(
        "CREATE CUSTOM INDEX ON t (v) USING 'vector_index' WITH OPTIONS = {'similarity_function': 'EUCLIDEAN'}"
    )
    rng = np.random.default_rng(7)
    data = rng.standard_normal((2500, 4)).astype(np.float32)
    insert = cql.prepare("INSERT INTO t (p, v) VALUES (?, ?)")
    execute_concurrent_with_args(
        cql, insert, [(i, data[i].tolist()) for i in range(len(data))], concurrency=64
    )
    q = rng.standard_normal(4).astype(np.float32)
    exact = np.argsort(((data - q) ** 2).sum(axis=1), kind="stable")[:10]
    got = [r[0] for r in cql.execute("SELECT p FROM t ORDER BY v ANN OF %s LIMIT 10", (q.tolist(),))]
    assert len(set(got) & set(exact.tolist())) >= 9


def test_ann_is_not_paged(cql: Session, keyspace: str) -> None:
    """ScyllaDB returns a vector search's whole result in one page."""
    _table(cql)
    for p in range(10):
        cql.execute("INSERT INTO t (p, v) VALUES (%s, %s)", (p, [1.0, float(p), 0.0]))
    result = cql.execute(SimpleStatement("SELECT p FROM t ORDER BY v ANN OF [1, 9, 0] LIMIT 8", fetch_size=3))
    assert len(result.current_rows) == 8
    assert result.paging_state is None


# --------------------------------------------------------------------------- similarity functions


def _f32(x: float) -> float:
    return float(np.float32(x))


def test_similarity_function_values(cql: Session, keyspace: str) -> None:
    _table(cql, index=None)
    cql.execute("INSERT INTO t (p, v) VALUES (1, [1, 2, 3])")
    q = [3.0, 2.0, 1.0]
    row = cql.execute(
        "SELECT similarity_cosine(v, %s), similarity_euclidean(v, %s), similarity_dot_product(v, %s) FROM t WHERE p = 1",
        (q, q, q),
    ).one()
    cos = 10 / 14
    assert row[0] == pytest.approx(_f32((1 + cos) / 2), rel=1e-6)
    assert row[1] == pytest.approx(_f32(1 / (1 + 8)), rel=1e-6)
    assert row[2] == pytest.approx(_f32((1 + 10) / 2), rel=1e-6)
    literal = cql.execute("SELECT similarity_euclidean(v, [1, 2, 3]) FROM t WHERE p = 1").one()[0]
    assert literal == 1.0
    stmt = cql.prepare("SELECT similarity_dot_product(v, ?) FROM t WHERE p = 1")
    assert cql.execute(stmt, ([0.0, 0.0, 1.0],)).one()[0] == 2.0


def test_cosine_of_a_zero_vector_is_nan(cql: Session, keyspace: str) -> None:
    _table(cql, index=None)
    cql.execute("INSERT INTO t (p, v) VALUES (1, [0, 0, 0])")
    assert math.isnan(cql.execute("SELECT similarity_cosine(v, [1, 2, 3]) FROM t WHERE p = 1").one()[0])


def test_similarity_function_refusals(cql: Session, keyspace: str) -> None:
    _table(cql, index=None)
    refused(
        cql,
        keyspace,
        "SELECT similarity_cosine(v, [1, 2]) FROM t",
        InvalidRequest,
        "All arguments must have the same vector dimensions, but found vector<float, 3> and vector<float, 2>",
    )
    refused(
        cql,
        keyspace,
        "SELECT similarity_cosine(c, [1, 2]) FROM t",
        InvalidRequest,
        "Function system.similarity_cosine requires a float vector argument, but found c of type int",
    )


# --------------------------------------------------------------------------- restart


def test_vector_index_is_rebuilt_on_restart(server: object, tmp_path: Path) -> None:
    """The graph is not part of the snapshot: a restarted server derives it again from the
    table's data, past the exact-search size too, and keeps it in step with the log's
    writes replayed after the snapshot."""
    process = ScyllaLiteProcess(tmp_path)
    try:
        s = process.connect()
        s.execute("CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        s.execute("CREATE TABLE d.t (p int PRIMARY KEY, v vector<float, 2>)")
        s.execute("CREATE CUSTOM INDEX ON d.t (v) USING 'vector_index'")
        insert = s.prepare("INSERT INTO d.t (p, v) VALUES (?, ?)")
        execute_concurrent_with_args(
            s, insert, [(i, [math.cos(i / 500), math.sin(i / 500)]) for i in range(2600)], concurrency=64
        )
    finally:
        assert process.stop() == 0  # a clean stop writes a snapshot
    process = ScyllaLiteProcess(tmp_path)
    try:
        s = process.connect()
        s.execute("INSERT INTO d.t (p, v) VALUES (9999, [0.6, 0.8])")
        process.kill()
        process = ScyllaLiteProcess(tmp_path)  # the insert comes back from the commit log
        s = process.connect()
        got = [r[0] for r in s.execute("SELECT p FROM d.t ORDER BY v ANN OF [0.6, 0.8] LIMIT 3")]
        assert got[0] == 9999
        assert abs(got[1] - 464) <= 2 and abs(got[2] - 464) <= 2  # atan2(0.8, 0.6) * 500 = 463.6
    finally:
        process.stop()


def _search_mode(admin_url: str) -> str:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{admin_url}/indexes", timeout=10) as reply:
        return str(json.loads(reply.read())["vector_indexes"][0]["search"])


def test_the_graph_is_built_in_the_background_and_keeps_every_write(
    cql: Session, keyspace: str, server: object
) -> None:
    """scylla_lite only: past the exact-search size the first ANN query starts a graph build on
    a worker thread and is answered exactly meanwhile; writes made while the graph is built
    are in it once it takes over (the admin interface's GET /indexes tells which is searching)."""
    admin_url = server.admin_url  # type: ignore[attr-defined]
    _table(cql, schema="p int PRIMARY KEY, v vector<float, 4>", index=None)
    cql.execute(
        "CREATE CUSTOM INDEX ON t (v) USING 'vector_index' WITH OPTIONS = {'similarity_function': 'EUCLIDEAN'}"
    )
    rng = np.random.default_rng(11)
    data = rng.standard_normal((3000, 4)).astype(np.float32)
    insert = cql.prepare("INSERT INTO t (p, v) VALUES (?, ?)")
    execute_concurrent_with_args(
        cql, insert, [(i, data[i].tolist()) for i in range(len(data))], concurrency=64
    )
    assert _search_mode(admin_url) == "exact"
    q = rng.standard_normal(4).astype(np.float32)
    exact = np.argsort(((data - q) ** 2).sum(axis=1), kind="stable")[:10].tolist()
    ann = "SELECT p FROM t ORDER BY v ANN OF %s LIMIT 10"
    assert [r[0] for r in cql.execute(ann, (q.tolist(),))] == exact, "exact while the graph is built"
    cql.execute("DELETE FROM t WHERE p = %s", (exact[0],))
    cql.execute(insert, (99_999, q.tolist()))
    deadline = time.monotonic() + 120
    while _search_mode(admin_url) != "graph":
        assert time.monotonic() < deadline, "the graph build did not finish"
        time.sleep(0.05)
    got = [r[0] for r in cql.execute(ann, (q.tolist(),))]
    assert got[0] == 99_999 and exact[0] not in got
    assert len(set(got) & set(exact[1:])) >= 8
