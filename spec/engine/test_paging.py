"""Paging: every row exactly once, partitions in Murmur3 token order, rows in clustering order."""

from __future__ import annotations

from cassandra.cluster import Session
from cassandra.cqltypes import Int32Type
from cassandra.murmur3 import murmur3
from cassandra.query import SimpleStatement


def test_paging_10000_rows_each_once_in_token_order(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE t (pk int, ck int, v text, PRIMARY KEY (pk, ck))")
    insert = cql.prepare("INSERT INTO t (pk, ck, v) VALUES (?, ?, ?)")
    from cassandra.concurrent import execute_concurrent_with_args

    args = [(pk, ck, f"{pk}:{ck}") for pk in range(500) for ck in range(20)]
    execute_concurrent_with_args(cql, insert, args, concurrency=64)

    stmt = SimpleStatement("SELECT pk, ck, v, token(pk) FROM t", fetch_size=333)
    result = cql.execute(stmt)
    got = [(r.pk, r.ck, r.v, r.system_token_pk) for r in result]
    assert len(got) == 10_000
    assert len({(pk, ck) for pk, ck, _, _ in got}) == 10_000
    assert all(v == f"{pk}:{ck}" for pk, ck, v, _ in got)
    # token order across partitions, the same tokens the driver computes
    tokens = [t for _, _, _, t in got]
    assert tokens == sorted(tokens)
    assert all(t == murmur3(Int32Type.serialize(pk, 4)) for pk, _, _, t in got)
    # clustering order inside each partition
    last: dict[int, int] = {}
    for pk, ck, _, _ in got:
        assert ck > last.get(pk, -1)
        last[pk] = ck


def test_paging_state_resumes_with_limit_and_reverse_order(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE ts (k int, at int, PRIMARY KEY (k, at)) WITH CLUSTERING ORDER BY (at DESC)")
    for i in range(50):
        cql.execute("INSERT INTO ts (k, at) VALUES (1, %s)", (i,))
    result = cql.execute(SimpleStatement("SELECT at FROM ts WHERE k = 1 LIMIT 23", fetch_size=5))
    assert [r.at for r in result] == list(range(49, 26, -1))
    asc = cql.execute(SimpleStatement("SELECT at FROM ts WHERE k = 1 ORDER BY at ASC", fetch_size=7))
    assert [r.at for r in asc] == list(range(50))


def test_manual_paging_state_round_trip(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE p (k int PRIMARY KEY, v int)")
    for i in range(30):
        cql.execute("INSERT INTO p (k, v) VALUES (%s, %s)", (i, i))
    seen: list[int] = []
    state = None
    pages = 0
    while True:
        rs = cql.execute(SimpleStatement("SELECT k FROM p", fetch_size=8), paging_state=state)
        seen.extend(r.k for r in rs.current_rows)
        pages += 1
        state = rs.paging_state
        if state is None:
            break
    assert sorted(seen) == list(range(30)) and len(seen) == 30
    assert pages == 4
