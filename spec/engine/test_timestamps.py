"""Cells, write timestamps and last-write-wins, as ScyllaDB reconciles them.

Every cell carries the timestamp of the write that made it: ``USING TIMESTAMP``,
else the default timestamp the driver sends in the request, else the server's clock.
Reconciliation is ScyllaDB's ``compare_atomic_cell_for_merge``: the newer timestamp
wins; on a tie a tombstone beats a value, an expiring value beats a permanent one,
the later expiry beats the earlier, then (ScyllaDB's own step) the smaller TTL, and
last the greater value bytes (compared unsigned) win. Partition, range, row, cell and collection tombstones shadow writes
whose timestamp is not newer than theirs, and only those.

Everything here goes through CQL only, so it runs unchanged against ScyllaDB
(``SCYLLA_HOSTS``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Cluster, Session
from cassandra.query import UNSET_VALUE, BatchStatement
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spec.assertions import server_now_ms

_keys = itertools.count(1)
PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def one(cql: Session, query: str, params: Any = None) -> Any:
    return cql.execute(query, params).one()


def values(cql: Session, query: str, params: Any = None) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in cql.execute(query, params)]


@pytest.fixture
def session_with_stamp(scylla_contact: tuple[str, int], keyspace: str) -> Iterator[tuple[Session, list[int]]]:
    """A session whose driver sends ``stamp[0]`` as every request's default timestamp."""
    stamp = [1_000_000]
    host, port = scylla_contact
    cluster = Cluster([host], port=port, connect_timeout=10, timestamp_generator=lambda: stamp[0])
    try:
        yield cluster.connect(keyspace), stamp
    finally:
        cluster.shutdown()


# --------------------------------------------------------------------------- where timestamps come from


def test_using_timestamp_is_the_cells_writetime(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, a int, b int, f frozen<list<int>>)")
    cql.execute("INSERT INTO t (k, a, f) VALUES (1, 1, [1, 2]) USING TIMESTAMP 1000")
    cql.execute("UPDATE t USING TIMESTAMP 2000 SET b = 2 WHERE k = 1")
    assert one(cql, "SELECT writetime(a), writetime(b), writetime(f) FROM t WHERE k = 1") == (
        1000,
        2000,
        1000,
    )
    cql.execute("UPDATE t USING TIMESTAMP 3000 SET a = 10 WHERE k = 1")
    assert one(cql, "SELECT a, writetime(a), writetime(b) FROM t WHERE k = 1") == (10, 3000, 2000)


def test_the_drivers_default_timestamp_stamps_writes_unless_using_timestamp_says_otherwise(
    session_with_stamp: tuple[Session, list[int]],
) -> None:
    s, stamp = session_with_stamp
    s.execute("CREATE TABLE t (k int PRIMARY KEY, v text, w text)")
    stamp[0] = 7_000_000
    s.execute("INSERT INTO t (k, v) VALUES (1, 'a')")
    assert one(s, "SELECT v, writetime(v) FROM t WHERE k = 1") == ("a", 7_000_000)
    # USING TIMESTAMP beats the request's default timestamp: this older write loses
    stamp[0] = 8_000_000
    s.execute("UPDATE t USING TIMESTAMP 6999999 SET v = 'b' WHERE k = 1")
    assert one(s, "SELECT v, writetime(v) FROM t WHERE k = 1") == ("a", 7_000_000)
    # an unset timestamp marker means "no USING TIMESTAMP": the default timestamp again
    stamp[0] = 9_000_000
    prepared = s.prepare("UPDATE t USING TIMESTAMP ? SET v = ? WHERE k = ?")
    s.execute(prepared, (UNSET_VALUE, "c", 1))
    assert one(s, "SELECT v, writetime(v) FROM t WHERE k = 1") == ("c", 9_000_000)
    # a batch's statements share the batch's default timestamp
    stamp[0] = 9_500_000
    batch = BatchStatement()
    batch.add("INSERT INTO t (k, v) VALUES (2, 'x')")
    batch.add("UPDATE t SET w = 'y' WHERE k = 1")
    s.execute(batch)
    assert one(s, "SELECT writetime(v) FROM t WHERE k = 2") == (9_500_000,)
    assert one(s, "SELECT writetime(w) FROM t WHERE k = 1") == (9_500_000,)


def test_without_a_client_timestamp_the_server_clock_stamps_writes(server_stamped: Session) -> None:
    s = server_stamped
    s.execute("CREATE TABLE t (k int PRIMARY KEY, v text)")
    s.execute("INSERT INTO t (k, v) VALUES (1, 'a')")
    first = one(s, "SELECT writetime(v) FROM t WHERE k = 1")[0]
    s.execute("INSERT INTO t (k, v) VALUES (1, 'b')")  # 'b' also wins a timestamp tie
    value, second = one(s, "SELECT v, writetime(v) FROM t WHERE k = 1")
    server_now_ms = one(s, "SELECT toUnixTimestamp(currentTimestamp()) FROM t WHERE k = 1")[0]
    assert value == "b" and second >= first
    # the stamp is the server's own clock, in microseconds (the clock now() reads)
    assert abs(second // 1000 - server_now_ms) < 5000


# --------------------------------------------------------------------------- last-write-wins


@dataclass(frozen=True)
class Write:
    kind: str  # "set", "delete" (DELETE v) or "null" (SET v = null)
    ts: int
    value: str
    ttl: int | None

    @property
    def live(self) -> bool:
        return self.kind == "set"


def beats(new: Write, old: Write) -> bool:
    """ScyllaDB's compare_atomic_cell_for_merge, as a model."""
    if new.ts != old.ts:
        return new.ts > old.ts
    if new.live != old.live:
        return not new.live
    if not new.live:
        return False
    if (new.ttl is None) != (old.ttl is None):
        return new.ttl is not None
    if new.ttl is not None and old.ttl is not None and new.ttl != old.ttl:
        return new.ttl > old.ttl  # written within seconds of each other: the longer TTL expires later
    return new.value.encode() > old.value.encode()


@st.composite
def cell_writes(draw: st.DrawFn) -> list[Write]:
    n = draw(st.integers(1, 7))
    out = []
    for i in range(n):
        kind = draw(st.sampled_from(["set", "set", "set", "delete", "null"]))
        ts = draw(st.integers(1, 4))  # few timestamps, so ties are common
        value = draw(st.sampled_from(["", "a", "b", "ab", "z", "é"]))
        # distinct TTLs far apart: their expiries order like the TTLs themselves
        ttl = 1000 * (i + 1) if kind == "set" and draw(st.booleans()) else None
        out.append(Write(kind, ts, value, ttl))
    return out


@PROPERTY
@given(writes=cell_writes())
def test_any_order_of_writes_reads_as_the_reconciled_winner(
    cql: Session, cell_table: str, writes: list[Write]
) -> None:
    k = next(_keys)
    for w in writes:
        if w.kind == "delete":
            cql.execute(f"DELETE v FROM {cell_table} USING TIMESTAMP %s WHERE k = %s", (w.ts, k))
        elif w.kind == "null":
            cql.execute(f"UPDATE {cell_table} USING TIMESTAMP %s SET v = null WHERE k = %s", (w.ts, k))
        elif w.ttl is None:
            cql.execute(f"UPDATE {cell_table} USING TIMESTAMP %s SET v = %s WHERE k = %s", (w.ts, w.value, k))
        else:
            cql.execute(
                f"UPDATE {cell_table} USING TIMESTAMP %s AND TTL %s SET v = %s WHERE k = %s",
                (w.ts, w.ttl, w.value, k),
            )
    winner = writes[0]
    for w in writes[1:]:
        if beats(w, winner):
            winner = w
    got = one(cql, f"SELECT v, writetime(v), ttl(v) FROM {cell_table} WHERE k = %s", (k,))
    if not winner.live:
        assert got is None  # only a dead cell: the row created by UPDATE is gone
        return
    assert got is not None and (got[0], got[1]) == (winner.value, winner.ts)
    if winner.ttl is None:
        assert got[2] is None
    else:
        assert winner.ttl - 10 <= got[2] <= winner.ttl


@pytest.fixture
def cell_table(cql: Session, keyspace: str) -> str:
    """Table cells (k, v); returns its qualified name."""
    cql.execute("CREATE TABLE cells (k int PRIMARY KEY, v text)")
    return f"{keyspace}.cells"


ROW_OPS = ("insert", "update", "delete_cell", "delete_row", "delete_partition", "delete_range")


@PROPERTY
@given(
    ops=st.lists(
        st.tuples(st.sampled_from(ROW_OPS), st.integers(1, 4), st.one_of(st.none(), st.integers(0, 3))),
        min_size=1,
        max_size=8,
    )
)
def test_tombstones_shadow_exactly_the_writes_not_newer_than_them(
    cql: Session, row_table: str, ops: list[tuple[str, int, int | None]]
) -> None:
    k = next(_keys)
    t = row_table
    statements = {
        "insert": f"INSERT INTO {t} (k, c, v) VALUES (%(k)s, 0, %(v)s) USING TIMESTAMP %(ts)s",
        "update": f"UPDATE {t} USING TIMESTAMP %(ts)s SET v = %(v)s WHERE k = %(k)s AND c = 0",
        "delete_cell": f"DELETE v FROM {t} USING TIMESTAMP %(ts)s WHERE k = %(k)s AND c = 0",
        "delete_row": f"DELETE FROM {t} USING TIMESTAMP %(ts)s WHERE k = %(k)s AND c = 0",
        "delete_partition": f"DELETE FROM {t} USING TIMESTAMP %(ts)s WHERE k = %(k)s",
        "delete_range": f"DELETE FROM {t} USING TIMESTAMP %(ts)s WHERE k = %(k)s AND c >= 0 AND c < 5",
    }
    for op, ts, v in ops:
        cql.execute(statements[op], {"k": k, "ts": ts, "v": v})
    # the model: the reconciled cell and row marker, then the newest covering tombstone
    shadow = max((ts for op, ts, _ in ops if op.startswith("delete_") and op != "delete_cell"), default=0)
    cell: Write | None = None
    for op, ts, v in ops:
        if op in ("insert", "update", "delete_cell"):
            live = op != "delete_cell" and v is not None
            w = Write("set" if live else "delete", ts, str(v), None)
            if cell is None or beats(w, cell):
                cell = w
    marker = max((ts for op, ts, _ in ops if op == "insert"), default=0)
    v_live = cell is not None and cell.live and cell.ts > shadow
    exists = v_live or marker > shadow
    got = one(cql, f"SELECT v, writetime(v) FROM {t} WHERE k = %s AND c = 0", (k,))
    if not exists:
        assert got is None
    elif v_live:
        assert cell is not None and tuple(got) == (int(cell.value), cell.ts)
    else:
        assert tuple(got) == (None, None)


@pytest.fixture
def row_table(cql: Session, keyspace: str) -> str:
    """Table rows (k, c, v), clustered; returns its qualified name."""
    cql.execute("CREATE TABLE rows (k int, c int, v int, PRIMARY KEY (k, c))")
    return f"{keyspace}.rows"


@pytest.mark.parametrize("tombstone_first", [True, False])
def test_at_equal_timestamps_a_tombstone_beats_a_value(
    cql: Session, keyspace: str, tombstone_first: bool
) -> None:
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, v text, w text)")
    cql.execute("INSERT INTO t (k, w) VALUES (1, 'keep') USING TIMESTAMP 1")
    writes = [
        "DELETE v FROM t USING TIMESTAMP 10 WHERE k = 1",
        "UPDATE t USING TIMESTAMP 10 SET v = 'x' WHERE k = 1",
    ]
    for q in writes if tombstone_first else reversed(writes):
        cql.execute(q)
    assert one(cql, "SELECT v, w FROM t WHERE k = 1") == (None, "keep")


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_at_equal_timestamps_the_greater_value_bytes_win(
    cql: Session, keyspace: str, order: tuple[int, int]
) -> None:
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, s text, i int)")
    texts, ints = ("apple", "banana"), (1, -1)
    for n in order:
        cql.execute("UPDATE t USING TIMESTAMP 10 SET s = %s, i = %s WHERE k = 1", (texts[n], ints[n]))
    # bytes compare unsigned: -1 is ff ff ff ff, greater than 00 00 00 01
    assert one(cql, "SELECT s, i FROM t WHERE k = 1") == ("banana", -1)


@pytest.mark.parametrize("in_order", [True, False], ids=["winner first", "winner last"])
@pytest.mark.parametrize(
    ("winner_using", "loser_using", "ttl"),
    [
        pytest.param(
            "TIMESTAMP 10 AND TTL 1000", "TIMESTAMP 10", 1000, id="an expiring value beats a permanent one"
        ),
        pytest.param(
            "TIMESTAMP 10 AND TTL 5000", "TIMESTAMP 10 AND TTL 1000", 5000, id="the later expiry wins"
        ),
    ],
)
def test_at_equal_timestamps_expiring_values_reconcile(
    cql: Session, keyspace: str, winner_using: str, loser_using: str, ttl: int, in_order: bool
) -> None:
    """The winner has the smaller value, so the value tie-break alone would not pick it."""
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, v text)")
    writes = [
        f"UPDATE t USING {winner_using} SET v = 'a' WHERE k = 1",
        f"UPDATE t USING {loser_using} SET v = 'z' WHERE k = 1",
    ]
    for q in writes if in_order else reversed(writes):
        cql.execute(q)
    v, left = one(cql, "SELECT v, ttl(v) FROM t WHERE k = 1")
    assert v == "a" and ttl - 10 <= left <= ttl


def test_at_equal_timestamps_and_expiry_the_smaller_ttl_wins(cql: Session, keyspace: str, clock: Any) -> None:
    """Two expiring values of one timestamp that expire in the same second: ScyllaDB
    keeps the one with the smaller TTL — the later write, which is purged later — where
    Cassandra would go on to compare the values (compare_atomic_cell_for_merge). The
    write with the smaller TTL has the smaller value here, so only that rule keeps it.

    The two expiries meet when the TTL-2 write lands one server second after the TTL-3
    one; the server's clock is read around each write to know that it did, and the pair
    is written again (on a fresh key) when a second ticked over in between."""
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, v text)")
    for k in range(10):
        before_long = server_now_ms(cql) // 1000
        cql.execute("UPDATE t USING TIMESTAMP 10 AND TTL 3 SET v = 'z' WHERE k = %s", (k,))
        after_long = server_now_ms(cql) // 1000
        clock.advance(1)
        before_short = server_now_ms(cql) // 1000
        cql.execute("UPDATE t USING TIMESTAMP 10 AND TTL 2 SET v = 'a' WHERE k = %s", (k,))
        after_short = server_now_ms(cql) // 1000
        if before_long == after_long and before_short == after_short == after_long + 1:
            break  # both expire at after_long + 3
    else:
        pytest.fail("never wrote the pair one server second apart")
    value, ttl = one(cql, "SELECT v, ttl(v) FROM t WHERE k = %s", (k,))
    assert value == "a" and ttl <= 2
    clock.advance(3)
    assert values(cql, "SELECT v FROM t WHERE k = %s", (k,)) == []


def test_a_newer_write_is_not_undone_by_an_older_one_arriving_later(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE t (k int, c int, v int, PRIMARY KEY (k, c))")
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 1, 2) USING TIMESTAMP 200")
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 1, 1) USING TIMESTAMP 100")
    cql.execute("DELETE FROM t USING TIMESTAMP 150 WHERE k = 1 AND c = 1")
    cql.execute("DELETE FROM t USING TIMESTAMP 150 WHERE k = 1")
    cql.execute("DELETE v FROM t USING TIMESTAMP 199 WHERE k = 1 AND c = 1")
    assert values(cql, "SELECT c, v, writetime(v) FROM t WHERE k = 1") == [(1, 2, 200)]


# --------------------------------------------------------------------------- tombstones


def test_a_partition_tombstone_shadows_older_writes_only(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE t (k int, c int, v int, s int static, PRIMARY KEY (k, c))")
    cql.execute("INSERT INTO t (k, c, v, s) VALUES (1, 1, 1, 1) USING TIMESTAMP 50")
    cql.execute("INSERT INTO t (k, c, v, s) VALUES (2, 1, 1, 1) USING TIMESTAMP 50")
    cql.execute("DELETE FROM t USING TIMESTAMP 100 WHERE k = 1")
    assert values(cql, "SELECT k FROM t WHERE k = 1") == []
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 2, 2) USING TIMESTAMP 99")
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 3, 3) USING TIMESTAMP 100")  # equal: shadowed
    cql.execute("UPDATE t USING TIMESTAMP 100 SET s = 9 WHERE k = 1")
    assert values(cql, "SELECT k, c, v, s FROM t WHERE k = 1") == []
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 4, 4) USING TIMESTAMP 101")
    cql.execute("UPDATE t USING TIMESTAMP 101 SET s = 7 WHERE k = 1")
    assert values(cql, "SELECT k, c, v, s FROM t WHERE k = 1") == [(1, 4, 4, 7)]
    assert values(cql, "SELECT k, c, v, s FROM t WHERE k = 2") == [(2, 1, 1, 1)]


def test_a_row_tombstone_shadows_older_writes_only(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE t (k int, c int, v int, w int, PRIMARY KEY (k, c))")
    cql.execute("INSERT INTO t (k, c, v, w) VALUES (1, 1, 1, 1) USING TIMESTAMP 50")
    cql.execute("INSERT INTO t (k, c, v, w) VALUES (1, 2, 2, 2) USING TIMESTAMP 50")
    cql.execute("DELETE FROM t USING TIMESTAMP 100 WHERE k = 1 AND c = 1")
    cql.execute("UPDATE t USING TIMESTAMP 100 SET v = 10 WHERE k = 1 AND c = 1")
    assert values(cql, "SELECT c, v, w FROM t WHERE k = 1") == [(2, 2, 2)]
    # a newer write brings the row back with just what it wrote: w stays deleted
    cql.execute("UPDATE t USING TIMESTAMP 101 SET v = 11 WHERE k = 1 AND c = 1")
    assert values(cql, "SELECT c, v, w FROM t WHERE k = 1") == [(1, 11, None), (2, 2, 2)]


def test_a_range_tombstone_shadows_older_writes_in_its_range_only(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE t (k int, c int, v int, PRIMARY KEY (k, c))")
    for c in range(1, 7):
        cql.execute("INSERT INTO t (k, c, v) VALUES (1, %s, %s) USING TIMESTAMP 50", (c, c))
    cql.execute("DELETE FROM t USING TIMESTAMP 100 WHERE k = 1 AND c >= 2 AND c < 5")
    assert [r[0] for r in values(cql, "SELECT c FROM t WHERE k = 1")] == [1, 5, 6]
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 3, 30) USING TIMESTAMP 99")
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 4, 40) USING TIMESTAMP 100")
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 5, 50) USING TIMESTAMP 60")  # outside: newer wins
    assert values(cql, "SELECT c, v FROM t WHERE k = 1") == [(1, 1), (5, 50), (6, 6)]
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 2, 20) USING TIMESTAMP 101")
    assert values(cql, "SELECT c, v FROM t WHERE k = 1") == [(1, 1), (2, 20), (5, 50), (6, 6)]


def test_a_cell_tombstone_shadows_older_writes_of_that_cell_only(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, v int, w int)")
    cql.execute("INSERT INTO t (k, v, w) VALUES (1, 1, 1) USING TIMESTAMP 50")
    cql.execute("DELETE v FROM t USING TIMESTAMP 100 WHERE k = 1")
    cql.execute("UPDATE t USING TIMESTAMP 99 SET v = 2, w = 2 WHERE k = 1")
    assert one(cql, "SELECT v, w FROM t WHERE k = 1") == (None, 2)
    cql.execute("UPDATE t USING TIMESTAMP 101 SET v = 3 WHERE k = 1")
    assert one(cql, "SELECT v, writetime(v), w FROM t WHERE k = 1") == (3, 101, 2)


def test_overwriting_a_collection_shadows_elements_older_than_the_overwrite(
    cql: Session, keyspace: str
) -> None:
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, s set<int>, m map<int, text>, l list<int>)")
    cql.execute("UPDATE t USING TIMESTAMP 100 SET s = {1}, m = {1: 'a'}, l = [1] WHERE k = 1")
    # the overwrite's collection tombstone is at 99: elements at 99 are shadowed, at 100 not
    cql.execute("UPDATE t USING TIMESTAMP 99 SET s = s + {2}, m = m + {2: 'b'}, l = l + [2] WHERE k = 1")
    cql.execute("UPDATE t USING TIMESTAMP 100 SET s = s + {3}, m = m + {3: 'c'}, l = l + [3] WHERE k = 1")
    assert one(cql, "SELECT s, m, l FROM t WHERE k = 1") == ({1, 3}, {1: "a", 3: "c"}, [1, 3])


def test_deleting_a_collection_shadows_elements_not_newer_than_the_delete(
    cql: Session, keyspace: str
) -> None:
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, s set<int>, v int)")
    cql.execute("INSERT INTO t (k, s, v) VALUES (1, {1, 2}, 0) USING TIMESTAMP 50")
    cql.execute("DELETE s FROM t USING TIMESTAMP 200 WHERE k = 1")
    cql.execute("UPDATE t USING TIMESTAMP 200 SET s = s + {3} WHERE k = 1")
    assert one(cql, "SELECT s, v FROM t WHERE k = 1") == (None, 0)
    cql.execute("UPDATE t USING TIMESTAMP 201 SET s = s + {4} WHERE k = 1")
    assert one(cql, "SELECT s FROM t WHERE k = 1") == ({4},)


def test_collection_elements_reconcile_one_by_one(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TYPE pair (a int, b int)")
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, m map<int, text>, s set<int>, l list<int>, u pair)")
    cql.execute(
        "UPDATE t USING TIMESTAMP 200 SET m = m + {1: 'new', 2: 'two'}, s = s + {5}, l = l + [7, 8], "
        "u = {a: 1, b: 2} WHERE k = 1"
    )
    # older element writes arriving later lose, element by element
    cql.execute("UPDATE t USING TIMESTAMP 100 SET m[1] = 'old', u.a = 100 WHERE k = 1")
    cql.execute("UPDATE t USING TIMESTAMP 100 SET s = s - {5}, l[0] = 70 WHERE k = 1")
    cql.execute("DELETE m[2] FROM t USING TIMESTAMP 150 WHERE k = 1")
    assert one(cql, "SELECT m, s, l, u FROM t WHERE k = 1") == ({1: "new", 2: "two"}, {5}, [7, 8], (1, 2))
    # newer ones win, and at an equal timestamp an element tombstone beats the element
    cql.execute("UPDATE t USING TIMESTAMP 300 SET m[1] = 'newer', u.b = 20, l[1] = 80 WHERE k = 1")
    cql.execute("DELETE m[2] FROM t USING TIMESTAMP 200 WHERE k = 1")
    row = one(cql, "SELECT m, l, u FROM t WHERE k = 1")
    assert (row.m, row.l, (row.u.a, row.u.b)) == ({1: "newer"}, [7, 80], (1, 20))


@pytest.mark.parametrize(
    "delete",
    [
        "DELETE FROM t USING TIMESTAMP 100 WHERE k = 1",
        "DELETE FROM t USING TIMESTAMP 100 WHERE k = 1 AND c >= 1",
    ],
    ids=["partition", "range"],
)
def test_setting_a_list_element_sees_the_list_through_its_tombstones(
    cql: Session, keyspace: str, delete: str
) -> None:
    cql.execute("CREATE TABLE t (k int, c int, l list<int>, PRIMARY KEY (k, c))")
    cql.execute("INSERT INTO t (k, c, l) VALUES (1, 1, [1, 2]) USING TIMESTAMP 50")
    cql.execute(delete)
    with pytest.raises(InvalidRequest, match="Attempted to set an element on a list which is null"):
        cql.execute("UPDATE t SET l[0] = 9 WHERE k = 1 AND c = 1")
    assert values(cql, "SELECT * FROM t") == []


# --------------------------------------------------------------------------- writetime() and ttl()


def test_writetime_and_ttl_of_null_and_permanent_cells(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE t (k int, c int, v int, w int, s int static, PRIMARY KEY (k, c))")
    cql.execute("INSERT INTO t (k, c, v, s) VALUES (1, 1, 1, 5) USING TIMESTAMP 77")
    got = one(cql, "SELECT writetime(v), ttl(v), writetime(w), ttl(w), writetime(s) FROM t WHERE k = 1")
    assert tuple(got) == (77, None, None, None, 77)


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("writetime(k)", "WRITETIME is not legal on partition key component k"),
        ("ttl(k)", "TTL is not legal on partition key component k"),
        ("writetime(c)", "WRITETIME is not legal on partition key component c"),
        ("ttl(c)", "TTL is not legal on partition key component c"),
        ("writetime(s)", "WRITETIME expects an atomic column, but s is a non-frozen collection"),
        ("ttl(m)", "TTL expects an atomic column, but m is a non-frozen collection"),
        ("writetime(u)", "WRITETIME expects an atomic column, but u is a non-frozen collection"),
    ],
)
def test_writetime_and_ttl_refuse_key_columns_and_non_frozen_collections(
    cql: Session, keyspace: str, selector: str, message: str
) -> None:
    cql.execute("CREATE TYPE pair (a int, b int)")
    cql.execute(
        "CREATE TABLE t (k int, c int, v int, s set<int>, m map<int, int>, u pair, f frozen<set<int>>, "
        "PRIMARY KEY (k, c))"
    )
    cql.execute("INSERT INTO t (k, c, v, f) VALUES (1, 1, 1, {1}) USING TIMESTAMP 5")
    with pytest.raises(InvalidRequest) as err:
        cql.execute(f"SELECT {selector} FROM t")
    assert message in str(err.value)
    assert one(cql, "SELECT writetime(f), ttl(f) FROM t WHERE k = 1") == (5, None)


# --------------------------------------------------------------------------- refused timestamps


def test_a_null_timestamp_is_refused_and_writes_nothing(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, v int)")
    prepared = cql.prepare("INSERT INTO t (k, v) VALUES (?, ?) USING TIMESTAMP ?")
    with pytest.raises(InvalidRequest, match="Invalid null value of timestamp"):
        cql.execute(prepared, (1, 1, None))
    assert values(cql, "SELECT * FROM t") == []


def test_a_conditional_update_refuses_using_timestamp_and_writes_nothing(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, v int)")
    cql.execute("INSERT INTO t (k, v) VALUES (1, 1)")
    for q in (
        "INSERT INTO t (k, v) VALUES (2, 2) IF NOT EXISTS USING TIMESTAMP 5",
        "UPDATE t USING TIMESTAMP 5 SET v = 3 WHERE k = 1 IF v = 1",
    ):
        with pytest.raises(InvalidRequest, match="Cannot provide custom timestamp for conditional updates"):
            cql.execute(q)
    assert values(cql, "SELECT k, v FROM t") == [(1, 1)]
