"""Backend fixtures for the spec until the `pytest_scylla` plugin takes them over.

``SCYLLA_HOSTS=host:port[,host:port]`` points every test at a real cluster; without
it one embedded scylla_lite serves the whole session.
"""

from __future__ import annotations

import itertools
import json
import os
import time
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from cassandra.cluster import Cluster, Session

_counter = itertools.count()


def _hosts() -> list[tuple[str, int]] | None:
    raw = os.environ.get("SCYLLA_HOSTS")
    if not raw:
        return None
    out = []
    for item in raw.split(","):
        host, _, port = item.strip().partition(":")
        out.append((host, int(port or 9042)))
    return out


@pytest.fixture(scope="session")
def _embedded() -> Iterator[Any]:
    """The embedded scylla_lite server (a `BackgroundServer`), or None with SCYLLA_HOSTS."""
    if _hosts():
        yield None
        return
    from scylla_lite import serve

    with serve(port=0, admin_port=0) as server:
        yield server


@pytest.fixture(scope="session")
def scylla_contact(_embedded: Any) -> tuple[str, int]:
    """(host, port) of the backend: the first SCYLLA_HOSTS entry, or the embedded server."""
    hosts = _hosts()
    if hosts:
        return hosts[0]
    return _embedded.host, _embedded.port


@pytest.fixture
def server(_embedded: Any) -> Any:
    """The embedded server, for tests that reach behind the wire (its ``engine``, ``call``);
    skipped against a real cluster (SCYLLA_HOSTS)."""
    if _embedded is None:
        pytest.skip("needs the embedded scylla_lite server (SCYLLA_HOSTS is set)")
    return _embedded


@pytest.fixture(scope="session")
def cluster(scylla_contact: tuple[str, int]) -> Iterator[Cluster]:
    host, port = scylla_contact
    c = Cluster([host], port=port, connect_timeout=10)
    yield c
    c.shutdown()


@pytest.fixture(scope="session")
def cql(cluster: Cluster) -> Session:
    return cluster.connect()


@pytest.fixture
def keyspace(cql: Session) -> Iterator[str]:
    """A fresh keyspace per test, set as the session's keyspace, dropped afterwards."""
    name = f"spec_{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"
    cql.execute(
        f"CREATE KEYSPACE {name} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
    )
    cql.set_keyspace(name)
    yield name
    cql.execute(f"DROP KEYSPACE IF EXISTS {name}")


class ServerClock:
    """Moves the backend's time forward: the embedded server's admin clock, or, against
    a real cluster (which has no such knob), real sleeping."""

    def __init__(self, admin_url: str | None) -> None:
        self.admin_url = admin_url

    @property
    def travels(self) -> bool:
        """True when `advance` is instant (the embedded server)."""
        return self.admin_url is not None

    def advance(self, seconds: float) -> None:
        if self.admin_url is None:
            time.sleep(seconds)
            return
        body = json.dumps({"seconds": seconds}).encode()
        request = urllib.request.Request(f"{self.admin_url}/clock/advance", data=body, method="POST")
        with urllib.request.urlopen(request, timeout=10) as reply:
            reply.read()


@pytest.fixture(scope="session")
def clock(_embedded: Any) -> ServerClock:
    """The backend clock; ``clock.advance(s)`` lets TTLs expire without sleeping on scylla_lite."""
    return ServerClock(_embedded.admin_url if _embedded is not None else None)


def rows(result: Any) -> list[Any]:
    return list(result)
