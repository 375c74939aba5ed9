"""The bench's protocol ceiling (`NullStorageEngine`): a prepared statement runs for real
once, then every EXECUTE gets that first result back without touching storage."""

from __future__ import annotations

import os

import pytest

from scylla_lite.engine import NullStorageEngine
from spec.server_process import private_server

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("SCYLLA_HOSTS")), reason="an engine of scylla_lite's own, served in-process"
)


def test_a_prepared_statement_answers_its_first_result_again() -> None:
    with private_server(engine=NullStorageEngine()) as (_, s):
        s.execute("CREATE KEYSPACE n WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        s.execute("CREATE TABLE n.kv (k int PRIMARY KEY, v text)")
        s.execute("INSERT INTO n.kv (k, v) VALUES (1, 'first')")
        read = s.prepare("SELECT v FROM n.kv WHERE k = ?")
        assert [r.v for r in s.execute(read, (1,))] == ["first"]
        s.execute("UPDATE n.kv SET v = 'second' WHERE k = 1")  # a text query runs for real
        assert [r.v for r in s.execute(read, (1,))] == ["first"]  # the memo, not storage
        assert [r.v for r in s.execute("SELECT v FROM n.kv WHERE k = 1")] == ["second"]
