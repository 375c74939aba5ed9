"""The database a test session runs against, whatever it is: a real cluster, a ScyllaDB
container, or the embedded scylla_lite server (used only through ``scylla_lite.serve``)."""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cassandra.cluster import Cluster

from demokit.backend import SCYLLA_IMAGE, BackendError, Endpoint, Kind, parse_hosts
from demokit.database import CLOCK_AHEAD_ENV, WriteTimestamps


class ServerClock:
    """Moves the backend's time forward: scylla_lite's admin clock (instant), or on a real
    cluster, which has no such knob, a real sleep. Tests use it to prove TTL expiry."""

    def __init__(self, admin_url: str | None) -> None:
        self.admin_url = admin_url
        #: the driver's default write timestamps (a ``Cluster``'s ``timestamp_generator``),
        #: moved forward with the server's clock: after `advance`, writes the server stamps
        #: itself (LWT, ``use_client_timestamp=False``) keep their order with the client's,
        #: as they do on a real cluster where time passes for both
        self.client_timestamp = WriteTimestamps()

    @property
    def offset(self) -> float:
        """Seconds scylla_lite's clock runs ahead of wall time (`advance` so far)."""
        return self.client_timestamp.ahead

    @property
    def travels(self) -> bool:
        """True when `advance` is instant (the embedded server)."""
        return self.admin_url is not None

    def now(self) -> float:
        """The backend's time (seconds since the epoch), which ``now()`` and TTL expiry
        read: wall time plus every `advance` on scylla_lite, wall time on a real cluster."""
        if self.admin_url is None:
            return time.time()
        with urllib.request.urlopen(f"{self.admin_url}/clock", timeout=10) as reply:
            return float(json.loads(reply.read())["now_micros"]) / 1e6

    def advance(self, seconds: float) -> None:
        if self.admin_url is None:
            time.sleep(seconds)
            return
        body = json.dumps({"seconds": seconds}).encode()
        request = urllib.request.Request(
            f"{self.admin_url}/clock/advance",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            self.client_timestamp.ahead = float(json.loads(reply.read())["offset_seconds"])


@dataclass
class ScyllaBackend:
    """What the ``scylla`` fixture yields: where the database is and how to reach it."""

    kind: Kind
    endpoints: list[Endpoint]
    version: str
    clock: ServerClock
    #: the embedded `scylla_lite.server.BackgroundServer` (None for a real database)
    server: Any = None

    @property
    def contact(self) -> Endpoint:
        return self.endpoints[0]

    @property
    def is_real(self) -> bool:
        """True for ScyllaDB itself (a cluster or a container), False for scylla_lite."""
        return self.kind != "embedded"

    def cluster(self, **kwargs: Any) -> Cluster:
        """A new driver `Cluster` on the backend (the caller shuts it down); its default
        write timestamps follow `ServerClock.advance`."""
        kwargs.setdefault("connect_timeout", 10)
        kwargs.setdefault("timestamp_generator", self.clock.client_timestamp)
        return Cluster([e.host for e in self.endpoints], port=self.contact.port, **kwargs)

    def process_env(self, keyspace: str) -> dict[str, str]:
        """The environment that points a process a test starts (a demo's ``make start``, its
        CLI) at this backend and ``keyspace``, its write timestamps as far ahead as the
        server's clock (`demokit.database.CLOCK_AHEAD_ENV`)."""
        env = {"SCYLLA_HOSTS": ",".join(str(e) for e in self.endpoints), "SCYLLA_KEYSPACE": keyspace}
        if self.clock.offset:
            env[CLOCK_AHEAD_ENV] = repr(self.clock.offset)
        return env

    def describe(self) -> str:
        where = ", ".join(str(e) for e in self.endpoints)
        return f"{self.kind}: {self.version} at {where}"


def scylla_lite_version() -> str:
    try:
        return f"scylla_lite {importlib.metadata.version('coodie-demos')}"
    except importlib.metadata.PackageNotFoundError:
        return "scylla_lite (source tree)"


def cluster_version(endpoints: list[Endpoint]) -> str:
    """The server's own version string (ScyllaDB's ``system.versions``, else release_version)."""
    cluster = Cluster([e.host for e in endpoints], port=endpoints[0].port, connect_timeout=10)
    try:
        session = cluster.connect()
        with contextlib.suppress(Exception):
            row = session.execute("SELECT version FROM system.versions WHERE key = 'local'").one()
            if row is not None:
                return f"ScyllaDB {row.version}"
        row = session.execute("SELECT release_version FROM system.local").one()
        return f"Cassandra-compatible {row.release_version}"
    finally:
        cluster.shutdown()


@contextlib.contextmanager
def start_backend(kind: Kind, hosts: str | None) -> Iterator[ScyllaBackend]:
    """Bring the backend up for the ``with`` block and down afterwards."""
    if kind == "hosts":
        endpoints = parse_hosts(hosts)
        yield ScyllaBackend("hosts", endpoints, cluster_version(endpoints), ServerClock(None))
        return
    if kind == "docker":
        try:
            from testcontainers.scylla import ScyllaContainer
        except ImportError as exc:
            raise BackendError(f"the docker backend needs testcontainers[scylla] ({exc})") from None
        with ScyllaContainer(SCYLLA_IMAGE) as container:
            endpoints = [Endpoint(container.get_container_host_ip(), int(container.get_exposed_port(9042)))]
            yield ScyllaBackend("docker", endpoints, cluster_version(endpoints), ServerClock(None))
        return
    from scylla_lite import serve

    with serve(port=0, admin_port=0) as server:
        yield ScyllaBackend(
            "embedded",
            [Endpoint(server.host, server.port)],
            scylla_lite_version(),
            ServerClock(server.admin_url),
            server=server,
        )
