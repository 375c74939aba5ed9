"""Fixtures shared by the engine spec's modules (the database fixtures themselves come
from the pytest_scylla plugin)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cassandra.cluster import Cluster, Session


@pytest.fixture
def server_stamped(scylla_contact: tuple[str, int], keyspace: str) -> Iterator[Session]:
    """A session on the test's keyspace that sends no client timestamp, so the server
    stamps each write with its own clock (the ``cql`` session's driver stamps them)."""
    host, port = scylla_contact
    cluster = Cluster([host], port=port, connect_timeout=10)
    try:
        session = cluster.connect(keyspace)
        session.use_client_timestamp = False
        yield session
    finally:
        cluster.shutdown()
