"""Vector search: vector indexes, ``ORDER BY v ANN OF [...] LIMIT k`` and the similarity
functions.

A vector index is ScyllaDB's ``CREATE CUSTOM INDEX ... USING 'vector_index'`` (Cassandra
5's ``'sai'`` / ``'StorageAttachedIndex'`` on a vector column is rewritten to it, as
ScyllaDB does). Its data, `VectorIndexData`, lives in the base table's
``TableData.derived`` and is kept by the same write-path hook as the secondary indexes
(`derived`, through `VectorIndexMaintainer`): every written row's vector is decoded to
float32 and filed under a fresh label, its old label (if any) dropped.

Small indexes are searched exactly with numpy. Past `EXACT_LIMIT` vectors the index
also keeps a usearch HNSW graph (connectivity, expansion_add and expansion_search from
the index options ``maximum_node_connections``, ``construction_beam_width`` and
``search_beam_width``), built in bulk by the first search that needs it and kept in
step label by label from then on. Either way a search
yields candidate rows best first; the query reads each one from the base table and
drops those no longer live (an expired cell: expiry has no hook, as with secondary
indexes), fetching more candidates until it has LIMIT rows or the index is exhausted,
then orders the rows by the exact similarity, as ScyllaDB orders a vector query's rows.

The graph cannot be pickled into a snapshot: `VectorIndexData` pickles as an empty,
stale state, and `rebuild` (run when a snapshot is loaded) derives every vector index
again from the table's data.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from ..catalog import Column, Index, Table
from ..cql import ast
from ..errors import InvalidRequest
from ..storage import Partition
from ..types import CqlType, native
from . import derived
from .derived import Position
from .read import LiveRow, live_row, static_values

if TYPE_CHECKING:
    from ..catalog import Catalog

FLOAT = native("float")
# class names creating a vector index (compared case-insensitively); ScyllaDB stores
# the SAI ones as its own 'vector_index'
VECTOR_CLASS = "vector_index"
SAI_CLASSES = {"sai", "storageattachedindex", "org.apache.cassandra.index.sai.storageattachedindex"}
MAX_ANN_LIMIT = 1000  # ScyllaDB's max_ann_query_limit
EXACT_LIMIT = 2048  # at most this many vectors: exact numpy search, no graph
SIMILARITIES = ("cosine", "euclidean", "dot_product")
QUANTIZATIONS = ("f32", "f16", "bf16", "i8", "b1")
DEFAULT_CONNECTIVITY = 16
DEFAULT_EXPANSION_ADD = 128
DEFAULT_EXPANSION_SEARCH = 128


def is_vector_class(name: str | None) -> bool:
    return name is not None and (name.lower() == VECTOR_CLASS or name.lower() in SAI_CLASSES)


def is_vector_index(index: Index) -> bool:
    return index.custom_class is not None and index.custom_class.lower() == VECTOR_CLASS


# --------------------------------------------------------------------------- DDL


def _enumerated(allowed: tuple[str, ...]) -> Any:
    def check(name: str, value: str) -> None:
        if value.lower() not in allowed:
            raise InvalidRequest(
                f"Invalid value in option '{name}' for vector index: '{value}'. "
                f"Supported are case-insensitive: {', '.join(allowed)}"
            )

    return check


def _positive(maximum: int) -> Any:
    def check(name: str, value: str) -> None:
        m = re.match(r"\s*[+-]?\d+", value)  # std::stoi: leading blanks, then digits
        if m is None or m.end() != len(value):
            raise InvalidRequest(
                f"Invalid value in option '{name}' for vector index: '{value}' is not an integer"
            )
        n = int(value)
        if n <= 0 or n > maximum:
            raise InvalidRequest(
                f"Invalid value in option '{name}' for vector index: '{value}' is out of valid range [1 - {maximum}]"
            )

    return check


def _factor(low: float, high: float) -> Any:
    def check(name: str, value: str) -> None:
        try:
            f = float(value)
        except ValueError:
            raise InvalidRequest(
                f"Invalid value in option '{name}' for vector index: '{value}' is not a float"
            ) from None
        if not low <= f <= high:
            raise InvalidRequest(
                f"Invalid value in option '{name}' for vector index: '{value}' is out of valid range "
                f"[{low:g} - {high:g}]"
            )

    return check


# ScyllaDB's vector_index_options (index/vector_index.cc)
OPTIONS: dict[str, Any] = {
    "similarity_function": _enumerated(SIMILARITIES),
    "maximum_node_connections": _positive(512),
    "construction_beam_width": _positive(4096),
    "search_beam_width": _positive(4096),
    "quantization": _enumerated(QUANTIZATIONS),
    "oversampling": _factor(1.0, 100.0),
    "rescoring": _enumerated(("true", "false")),
    "source_model": lambda name, value: None,
}
FILTERING_TYPES = {
    "ascii", "boolean", "tinyint", "blob", "date", "decimal", "double", "float", "inet", "int",
    "bigint", "smallint", "time", "timestamp", "timeuuid", "text", "varchar", "uuid", "varint",
}  # fmt: skip


def check_vector_index(table: Table, stmt: ast.CreateIndex, options: dict[str, str]) -> None:
    """ScyllaDB's vector_index::validate: the first target is a vector of floats, any
    further ones (filtering columns) are of native key types; options are known and valid."""
    for i, target in enumerate(stmt.targets):
        col = table.columns.get(target.column)
        if col is None:
            raise InvalidRequest(f"Column {target.column} not found in schema")
        if i == 0:
            if not is_float_vector(col.type):
                raise InvalidRequest("Vector indexes are only supported on columns of vectors of floats")
        elif col.type.name not in FILTERING_TYPES or col.type.multi_cell:
            raise InvalidRequest(f"Unsupported vector index filtering column {col.name} type")
    for name, value in options.items():
        check = OPTIONS.get(name)
        if check is None:
            raise InvalidRequest(f"Unsupported option {name} for vector index")
        check(name, value)


def is_float_vector(t: CqlType) -> bool:
    return t.name == "vector" and t.params[0].name == "float"


# --------------------------------------------------------------------------- data


def metric_of(index: Index) -> str:
    return index.options.get("similarity_function", "cosine").lower()


class VectorIndexData:
    """The vectors of one index: each row (its position) under an integer label, the
    float32 vectors by label, and past `EXACT_LIMIT` vectors a usearch graph of them."""

    def __init__(self, dim: int, metric: str, options: dict[str, str]) -> None:
        self.dim, self.metric, self.options = dim, metric, dict(options)
        self.labels: dict[Position, int] = {}
        self.positions: dict[int, Position] = {}
        self.vectors: dict[int, np.ndarray] = {}
        self.next_label = 0
        self.graph: Any = None
        # The graph is built on a worker thread (usearch releases the GIL), so a large
        # index never stalls the server; searches are exact until it is adopted, and the
        # writes made meanwhile are replayed onto it then.
        self._building: threading.Thread | None = None
        self._built: Any = None
        self._pending: list[tuple[int, np.ndarray | None]] = []
        self.stale = False  # loaded from a snapshot: `rebuild` must derive it again
        self._exact: tuple[int, np.ndarray, np.ndarray] | None = None  # (version, labels, matrix)
        self.version = 0

    def __getstate__(self) -> dict[str, Any]:
        return {"dim": self.dim, "metric": self.metric, "options": self.options}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["dim"], state["metric"], state["options"])  # type: ignore[misc]
        self.stale = True

    def __len__(self) -> int:
        return len(self.labels)

    # ------------------------------------------------------------------ upkeep
    def put(self, pos: Position, vector: np.ndarray | None) -> None:
        self._adopt_built_graph()
        old = self.labels.pop(pos, None)
        if old is not None:
            del self.positions[old]
            del self.vectors[old]
            self._graph_change(old, None)
        if vector is not None:
            label = self.next_label
            self.next_label += 1
            self.labels[pos] = label
            self.positions[label] = pos
            self.vectors[label] = vector
            self._graph_change(label, vector)
        self.version += 1

    def _graph_change(self, label: int, vector: np.ndarray | None) -> None:
        """Add (vector) or remove (None) a label in the graph, or queue it while one is built."""
        if self.graph is not None:
            if vector is None:
                self.graph.remove(label)
            else:
                self.graph.add(label, vector)
        elif self._building is not None:
            self._pending.append((label, vector))

    def _start_graph_build(self) -> None:
        keys = np.fromiter(self.vectors.keys(), dtype=np.uint64, count=len(self.vectors))
        matrix = np.stack(list(self.vectors.values()))

        def build() -> None:
            graph = self._new_graph()
            graph.add(keys, matrix)
            self._built = graph

        self._pending = []
        self._building = threading.Thread(target=build, name="scylla_lite-vector-index", daemon=True)
        self._building.start()

    def _adopt_built_graph(self) -> None:
        if self._built is None:
            return
        graph, self._built, self._building = self._built, None, None
        for label, vector in self._pending:
            if vector is None:
                graph.remove(label)
            else:
                graph.add(label, vector)
        self._pending = []
        self.graph = graph

    def _new_graph(self) -> Any:
        from usearch.index import Index as UIndex

        opts = self.options
        graph = UIndex(
            ndim=self.dim,
            metric={"cosine": "cos", "dot_product": "ip", "euclidean": "l2sq"}[self.metric],
            dtype="f32",
            connectivity=int(opts.get("maximum_node_connections", DEFAULT_CONNECTIVITY)),
            expansion_add=int(opts.get("construction_beam_width", DEFAULT_EXPANSION_ADD)),
            expansion_search=int(opts.get("search_beam_width", DEFAULT_EXPANSION_SEARCH)),
        )
        return graph

    # ------------------------------------------------------------------ search
    def search(self, query: np.ndarray, count: int) -> list[Position]:
        """Up to ``count`` positions, nearest first."""
        n = len(self.labels)
        if n == 0 or count <= 0:
            return []
        self._adopt_built_graph()
        if self.graph is None and self._building is None and n > EXACT_LIMIT:
            self._start_graph_build()  # in bulk, at the first search that needs it
        if self.graph is None or n <= EXACT_LIMIT:
            labels, matrix = self._matrix()
            scores = similarities(self.metric, matrix, query)
            scores = np.where(np.isnan(scores), -np.inf, scores)
            if count < n:
                top = np.argpartition(-scores, count - 1)[:count]
                order = top[np.argsort(-scores[top], kind="stable")]
            else:
                order = np.argsort(-scores, kind="stable")
            return [self.positions[int(labels[i])] for i in order]
        found = self.graph.search(query, min(count, n))
        return [self.positions[int(k)] for k in found.keys if int(k) in self.positions]

    def _matrix(self) -> tuple[np.ndarray, np.ndarray]:
        if self._exact is None or self._exact[0] != self.version:
            labels = np.fromiter(self.vectors.keys(), dtype=np.int64, count=len(self.vectors))
            matrix = (
                np.stack(list(self.vectors.values())) if len(labels) else np.zeros((0, self.dim), np.float32)
            )
            self._exact = (self.version, labels, matrix)
        return self._exact[1], self._exact[2]


def decode_vector(data: bytes | None, dim: int) -> np.ndarray | None:
    if data is None or len(data) != 4 * dim:
        return None
    return np.frombuffer(data, dtype=">f4").astype(np.float32)


class VectorIndexMaintainer:
    """Keeps a vector index's `VectorIndexData` in step with its table (see `derived`)."""

    def __init__(self, table: Table, index: Index) -> None:
        self.index = index
        self.column: Column = table.columns[index.column]
        self.key = f"index:{index.name}"
        self.static = False  # a static vector is part of every row of its partition
        self.dim = self.column.type.size

    def new_state(self) -> VectorIndexData:
        return VectorIndexData(self.dim, metric_of(self.index), self.index.options)

    def refresh(
        self, state: VectorIndexData, part: Partition, pos: Position, live: LiveRow | None, now: int
    ) -> None:
        if state.stale:  # `rebuild` derives it from the whole table
            return
        state.put(pos, decode_vector(live.values.get(self.column.name) if live else None, self.dim))


def maintainers_of(catalog: Catalog, table: Table) -> list[derived.Maintainer]:
    """The derived-data family of vector indexes (`derived.DerivedData`)."""
    return [VectorIndexMaintainer(table, index) for index in table.indexes.values() if is_vector_index(index)]


def rebuild(catalog: Catalog, now: int) -> None:
    """Derive every vector index from its table's data (after loading a snapshot)."""
    for ks in catalog.keyspaces.values():
        for table in ks.tables.values():
            for index in table.indexes.values():
                if is_vector_index(index):
                    derived.forget(table.data, f"index:{index.name}")
                    derived.build(table, VectorIndexMaintainer(table, index), now)


def describe(catalog: Catalog) -> list[dict[str, Any]]:
    """How each vector index searches right now (the admin interface shows it): "exact"
    (small, or not searched yet), "graph building" (exact meanwhile) or "graph"."""
    out = []
    for ks in catalog.keyspaces.values():
        for table in ks.tables.values():
            for index in table.indexes.values():
                if not is_vector_index(index):
                    continue
                state = table.data.derived.get(f"index:{index.name}")
                ready = state is not None and (state.graph is not None or state._built is not None)
                building = state is not None and state._building is not None and not ready
                out.append(
                    {
                        "keyspace": ks.name,
                        "table": table.name,
                        "index": index.name,
                        "vectors": len(state) if state is not None else 0,
                        "search": "graph" if ready else "graph building" if building else "exact",
                    }
                )
    return out


def state_for(table: Table, index: Index, now: int) -> VectorIndexData:
    m = VectorIndexMaintainer(table, index)
    state: VectorIndexData = derived.state_of(table.data, m)
    if state.stale:
        derived.forget(table.data, m.key)
        derived.build(table, m, now)
        state = derived.state_of(table.data, m)
    return state


# --------------------------------------------------------------------------- similarity


def similarities(metric: str, matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Cassandra's (jVector's) similarity scores, float32, of each row of ``matrix``
    against ``query``: cosine (1 + cos) / 2 (NaN for a zero vector), dot product
    (1 + dot) / 2, euclidean 1 / (1 + squared distance)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    query = np.asarray(query, dtype=np.float32)
    one, two = np.float32(1), np.float32(2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if metric == "euclidean":
            diff = matrix - query
            return one / (one + np.einsum("ij,ij->i", diff, diff))
        dots = matrix @ query
        if metric == "dot_product":
            return (one + dots) / two
        norms = np.einsum("ij,ij->i", matrix, matrix) * np.dot(query, query)
        cos = dots / np.sqrt(norms)
        return np.where(norms == 0, np.float32(np.nan), (one + cos) / two).astype(np.float32)


def similarity(metric: str, a: np.ndarray, b: np.ndarray) -> float:
    return float(similarities(metric, a.reshape(1, -1), b)[0])


def sort_key(score: float) -> tuple[int, float]:
    """Best first, non-finite scores last (ScyllaDB's similarity ordering comparator)."""
    return (0, -score) if math.isfinite(score) else (1, 0.0)


# --------------------------------------------------------------------------- queries


def ann_rows(
    table: Table, index: Index, query: np.ndarray, limit: int, now_micros: int
) -> Iterator[tuple[LiveRow, float]]:
    """The ``limit`` live rows nearest ``query`` through the index, with their similarity,
    best first. Candidates are read from the base table: one no longer live (expired)
    is dropped, and more candidates are fetched in its place."""
    now = now_micros // 1_000_000
    state = state_for(table, index, now)
    col = index.column
    dim = state.dim
    found: list[tuple[LiveRow, float]] = []
    seen: set[Position] = set()
    want = max(limit * 2, limit + 16)
    while True:
        candidates = state.search(query, want)
        stale: list[Position] = []
        for pos in candidates:
            if pos in seen:
                continue
            seen.add(pos)
            lr = _read(table, pos, now)
            vec = decode_vector(lr.values.get(col) if lr is not None else None, dim)
            if lr is None or vec is None:
                stale.append(pos)
                continue
            found.append((lr, similarity(state.metric, vec, query)))
        for pos in stale:  # expired since written: nothing refreshes them otherwise
            state.put(pos, None)
        if len(found) >= limit or len(candidates) < want:
            break
        want *= 2
    found.sort(key=lambda f: sort_key(f[1]))
    return iter(found[:limit])


def _read(table: Table, pos: Position, now: int) -> LiveRow | None:
    part = table.data.partitions.get((pos[0], pos[1]))
    if part is None:
        return None
    row = part.rows.get(pos[2])
    if row is None:
        return None
    return live_row(table, part, pos[2], row, now, static_values(table, part, now)[:2])
