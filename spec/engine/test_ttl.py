"""TTL: ``USING TTL``, a table's ``default_time_to_live``, per-cell expiry, row liveness.

A cell written with a TTL of N seconds expires at the server clock's whole second of
the write plus N, after which it reads as deleted. A row lives while its primary-key
liveness marker (written by INSERT, with the INSERT's TTL) or any of its cells lives:
an INSERTed row survives its expired cells, a row made only by UPDATE goes with its
last cell.

Time moves through the ``clock`` fixture: instantly on scylla_lite (its admin clock),
by sleeping against a real ScyllaDB, so TTLs stay at a few seconds. A TTL of N has
certainly expired once N seconds have passed, and certainly not while fewer than
N - 1 have.
"""

from __future__ import annotations

from typing import Any

import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Session
from cassandra.protocol import ConfigurationException, SyntaxException
from cassandra.query import UNSET_VALUE

from spec.assertions import refused

MAX_TTL = 630720000  # 20 years, ScyllaDB's max_ttl


def one(cql: Session, query: str, params: Any = None) -> Any:
    return cql.execute(query, params).one()


def values(cql: Session, query: str, params: Any = None) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in cql.execute(query, params)]


def test_a_cell_with_a_ttl_expires_and_its_row_with_it(cql: Session, keyspace: str, clock: Any) -> None:
    cql.execute("CREATE TABLE t (k int, c int, v int, PRIMARY KEY (k, c))")
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 1, 10) USING TTL 2")
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 2, 20)")
    assert values(cql, "SELECT c, v FROM t WHERE k = 1") == [(1, 10), (2, 20)]
    assert one(cql, "SELECT ttl(v) FROM t WHERE k = 1 AND c = 1")[0] in (1, 2)
    clock.advance(2)
    assert values(cql, "SELECT c, v FROM t WHERE k = 1") == [(2, 20)]
    assert one(cql, "SELECT count(*) FROM t")[0] == 1


def test_ttl_counts_down_with_the_clock(cql: Session, keyspace: str, clock: Any) -> None:
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, v int)")
    cql.execute("INSERT INTO t (k, v) VALUES (1, 1) USING TTL 100")
    before = one(cql, "SELECT ttl(v) FROM t WHERE k = 1")[0]
    assert before in (99, 100)
    clock.advance(1)
    after = one(cql, "SELECT ttl(v) FROM t WHERE k = 1")[0]
    assert before - 2 <= after <= before - 1


def test_a_row_lives_while_its_insert_marker_or_any_cell_lives(
    cql: Session, keyspace: str, clock: Any
) -> None:
    cql.execute("CREATE TABLE t (k int, c int, v int, w int, PRIMARY KEY (k, c))")
    # INSERTed, then v overwritten with a TTL: the row outlives v, and the older v
    # does not come back (the expired cell still wins over it)
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 1, 1)")
    cql.execute("UPDATE t USING TTL 1 SET v = 11 WHERE k = 1 AND c = 1")
    # made by UPDATE only: goes with its last cell
    cql.execute("UPDATE t USING TTL 1 SET v = 2 WHERE k = 1 AND c = 2")
    # made by UPDATE, with one permanent cell: stays with that cell
    cql.execute("UPDATE t USING TTL 1 SET v = 3 WHERE k = 1 AND c = 3")
    cql.execute("UPDATE t SET w = 3 WHERE k = 1 AND c = 3")
    # INSERTed with a TTL, then a permanent cell: the cell keeps the row
    cql.execute("INSERT INTO t (k, c, v) VALUES (1, 4, 4) USING TTL 1")
    cql.execute("UPDATE t SET w = 4 WHERE k = 1 AND c = 4")
    # only the key, INSERTed with a TTL: the marker alone keeps the row, until it expires
    cql.execute("INSERT INTO t (k, c) VALUES (1, 5) USING TTL 1")
    # everything written with a TTL
    cql.execute("INSERT INTO t (k, c, v, w) VALUES (1, 6, 6, 6) USING TTL 1")
    assert values(cql, "SELECT c, v, w FROM t WHERE k = 1") == [
        (1, 11, None),
        (2, 2, None),
        (3, 3, 3),
        (4, 4, 4),
        (5, None, None),
        (6, 6, 6),
    ]
    clock.advance(1)
    assert values(cql, "SELECT c, v, w FROM t WHERE k = 1") == [(1, None, None), (3, None, 3), (4, None, 4)]


def test_deleting_the_last_cell_keeps_an_inserted_row_only(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, v int)")
    cql.execute("INSERT INTO t (k, v) VALUES (1, 1)")
    cql.execute("UPDATE t SET v = 2 WHERE k = 2")
    cql.execute("DELETE v FROM t WHERE k = 1")
    cql.execute("DELETE v FROM t WHERE k = 2")
    assert values(cql, "SELECT k, v FROM t") == [(1, None)]


def test_collection_elements_expire_one_by_one(cql: Session, keyspace: str, clock: Any) -> None:
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, s set<int>, m map<int, text>, f frozen<list<int>>)")
    cql.execute("INSERT INTO t (k, s, m, f) VALUES (1, {1}, {1: 'one'}, [1])")
    cql.execute("UPDATE t USING TTL 1 SET s = s + {2}, m[2] = 'two', f = [2, 2] WHERE k = 1")
    assert one(cql, "SELECT s, m, f FROM t WHERE k = 1") == ({1, 2}, {1: "one", 2: "two"}, [2, 2])
    clock.advance(1)
    # the frozen list was one cell, overwritten with a TTL: it is gone as a whole
    assert one(cql, "SELECT s, m, f FROM t WHERE k = 1") == ({1}, {1: "one"}, None)


def test_default_time_to_live_has_no_upper_bound(cql: Session, keyspace: str) -> None:
    """ScyllaDB checks only that a table's default_time_to_live is a 32-bit integer
    (property_definitions::to_int, a SyntaxException) of at least 0
    (cf_prop_defs::validate, a ConfigurationException) — not Cassandra's cap at the
    20-year maximum TTL a write may name (SCYLLADB-5152, open)."""

    def default_ttl() -> int:
        return int(
            one(
                cql,
                "SELECT default_time_to_live FROM system_schema.tables WHERE keyspace_name = %s AND table_name = 'd'",
                (keyspace,),
            )[0]
        )

    cql.execute(f"CREATE TABLE d (k int PRIMARY KEY, v int) WITH default_time_to_live = {MAX_TTL + 1}")
    assert default_ttl() == MAX_TTL + 1
    cql.execute(f"ALTER TABLE d WITH default_time_to_live = {2**31 - 1}")
    assert default_ttl() == 2**31 - 1
    negative = "default_time_to_live cannot be smaller than 0, (default 0)"
    for statement, error, message in (
        (
            "CREATE TABLE e (k int PRIMARY KEY, v int) WITH default_time_to_live = -1",
            ConfigurationException,
            negative,
        ),
        ("ALTER TABLE d WITH default_time_to_live = -1", ConfigurationException, negative),
        (
            f"ALTER TABLE d WITH default_time_to_live = {2**31}",
            SyntaxException,
            f"Invalid integer value {2**31} for 'default_time_to_live'",
        ),
    ):
        refused(cql, keyspace, statement, error, message, exact=True)


def test_default_time_to_live_and_what_overrides_it(cql: Session, keyspace: str, clock: Any) -> None:
    cql.execute("CREATE TABLE d (k int PRIMARY KEY, v int) WITH default_time_to_live = 2")
    cql.execute("INSERT INTO d (k, v) VALUES (1, 1)")  # the table's default
    cql.execute("INSERT INTO d (k, v) VALUES (2, 2) USING TTL 0")  # 0: never expires
    cql.execute("INSERT INTO d (k, v) VALUES (3, 3) USING TTL 100")  # explicit TTL
    prepared = cql.prepare("INSERT INTO d (k, v) VALUES (?, ?) USING TTL ?")
    cql.execute(prepared, (4, 4, UNSET_VALUE))  # unset: as if no USING TTL, so the default
    cql.execute("UPDATE d SET v = 5 WHERE k = 5")  # UPDATE takes the default too
    ttls = dict(values(cql, "SELECT k, ttl(v) FROM d"))
    assert ttls[1] in (1, 2) and ttls[4] in (1, 2) and ttls[5] in (1, 2)
    assert ttls[2] is None
    assert 98 <= ttls[3] <= 100
    clock.advance(2)
    assert sorted(values(cql, "SELECT k, v FROM d")) == [(2, 2), (3, 3)]


def test_ttl_through_bind_markers(cql: Session, keyspace: str, clock: Any) -> None:
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, v int)")
    positional = cql.prepare("INSERT INTO t (k, v) VALUES (?, ?) USING TTL ? AND TIMESTAMP ?")
    cql.execute(positional, (1, 1, 2, 1234))
    named = cql.prepare("UPDATE t USING TTL :life SET v = :v WHERE k = :k")
    cql.execute(named, {"life": 2, "v": 2, "k": 2})
    cql.execute(named, {"life": 100, "v": 3, "k": 3})
    got = {r.k: (r.ttl_v, r.writetime_v) for r in cql.execute("SELECT k, ttl(v), writetime(v) FROM t")}
    assert got[1] in ((1, 1234), (2, 1234))
    assert got[2][0] in (1, 2) and 98 <= got[3][0] <= 100
    clock.advance(2)
    assert values(cql, "SELECT k, v FROM t") == [(3, 3)]


def test_the_largest_ttl_is_accepted(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, v int)")
    cql.execute(f"INSERT INTO t (k, v) VALUES (1, 1) USING TTL {MAX_TTL}")
    assert MAX_TTL - 10 <= one(cql, "SELECT ttl(v) FROM t WHERE k = 1")[0] <= MAX_TTL


@pytest.mark.parametrize(
    ("statement", "params", "message"),
    [
        (
            f"INSERT INTO t (k, v) VALUES (1, 1) USING TTL {MAX_TTL + 1}",
            None,
            f"ttl is too large. requested ({MAX_TTL + 1}) maximum ({MAX_TTL})",
        ),
        (
            "UPDATE t USING TTL ? SET v = 1 WHERE k = 1",
            (MAX_TTL + 1,),
            f"ttl is too large. requested ({MAX_TTL + 1}) maximum ({MAX_TTL})",
        ),
        ("INSERT INTO t (k, v) VALUES (1, 1) USING TTL -1", None, "A TTL must be greater or equal to 0"),
        ("INSERT INTO t (k, v) VALUES (1, 1) USING TTL ?", (-5,), "A TTL must be greater or equal to 0"),
        ("UPDATE t USING TTL ? SET v = 1 WHERE k = 1", (None,), "Invalid null value of TTL"),
    ],
)
def test_a_refused_ttl_writes_nothing(
    cql: Session, keyspace: str, statement: str, params: tuple[Any, ...] | None, message: str
) -> None:
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, v int)")
    statement_or_prepared = cql.prepare(statement) if params else statement
    refused(cql, keyspace, statement_or_prepared, InvalidRequest, message, params=params)
    assert values(cql, "SELECT * FROM t") == []


def test_expiry_now_and_default_timestamps_read_one_clock(
    cql: Session, keyspace: str, clock: Any, server_stamped: Session
) -> None:
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, at timestamp, id timeuuid)")
    cql.execute("INSERT INTO t (k, at, id) VALUES (1, currentTimestamp(), now()) USING TTL 2")
    cql.execute("INSERT INTO t (k, at, id) VALUES (2, currentTimestamp(), now())")
    written = one(cql, "SELECT toUnixTimestamp(at), toUnixTimestamp(id) FROM t WHERE k = 2")
    clock.advance(2)
    now_ms, now_id_ms = one(cql, "SELECT toUnixTimestamp(currentTimestamp()), toUnixTimestamp(now()) FROM t")
    assert values(cql, "SELECT k FROM t") == [(2,)]  # expired on the clock that moved
    assert now_ms - written[0] >= 2000 and now_id_ms - written[1] >= 2000
    assert abs(now_id_ms - now_ms) < 1000
    # a write the server stamps itself gets that same clock's time
    server_stamped.execute("UPDATE t SET at = currentTimestamp() WHERE k = 2")
    at_ms, stamp = one(server_stamped, "SELECT toUnixTimestamp(at), writetime(at) FROM t WHERE k = 2")
    assert abs(stamp // 1000 - at_ms) < 1000


def test_expired_data_is_gone_from_every_kind_of_read(cql: Session, keyspace: str, clock: Any) -> None:
    cql.execute("CREATE TABLE t (k int, c int, v int, s int static, PRIMARY KEY (k, c))")
    cql.execute("INSERT INTO t (k, c, v, s) VALUES (1, 1, 1, 1) USING TTL 1")
    cql.execute("UPDATE t USING TTL 1 SET s = 2 WHERE k = 2")  # a partition with only a static cell
    cql.execute("INSERT INTO t (k, c, v) VALUES (3, 1, 1)")
    cql.execute("UPDATE t USING TTL 1 SET v = 5 WHERE k = 3 AND c = 2")
    assert sorted(values(cql, "SELECT DISTINCT k, s FROM t")) == [(1, 1), (2, 2), (3, None)]
    clock.advance(1)
    assert values(cql, "SELECT DISTINCT k, s FROM t") == [(3, None)]
    assert values(cql, "SELECT k, c, v, s FROM t") == [(3, 1, 1, None)]
    assert one(cql, "SELECT count(*) FROM t")[0] == 1
    assert values(cql, "SELECT c FROM t WHERE v = 5 ALLOW FILTERING") == []
    assert values(cql, "SELECT k FROM t WHERE token(k) >= -9223372036854775808") == [(3,)]
    assert values(cql, "SELECT k, c FROM t WHERE k IN (1, 2, 3)") == [(3, 1)]


def test_a_conditional_insert_sees_an_expired_row_as_absent(cql: Session, keyspace: str, clock: Any) -> None:
    cql.execute("CREATE TABLE t (k int PRIMARY KEY, v int)")
    assert one(cql, "INSERT INTO t (k, v) VALUES (1, 1) IF NOT EXISTS USING TTL 1")[0] is True
    assert one(cql, "INSERT INTO t (k, v) VALUES (1, 2) IF NOT EXISTS")[0] is False
    clock.advance(1)
    assert one(cql, "INSERT INTO t (k, v) VALUES (1, 3) IF NOT EXISTS")[0] is True
    assert one(cql, "SELECT v, ttl(v) FROM t WHERE k = 1") == (3, None)
