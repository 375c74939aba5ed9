"""A scylla_lite server process of a test's own, for what the shared server cannot
show: restarts, crashes, replay of the data directory."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, Session

from scylla_lite.server import BackgroundServer, serve


class ScyllaLiteProcess:
    """``python -m scylla_lite --data-dir DIR`` on a free port (and, with ``admin``, an
    admin HTTP port), as a user runs it; its addresses are read from the line it prints
    once it listens."""

    def __init__(
        self,
        data_dir: Path,
        *,
        admin: bool = False,
        args: Sequence[str] = (),
        launcher: Sequence[str] = ("-m", "scylla_lite"),
    ) -> None:
        """``launcher``: what follows ``python`` (a script that patches the server, then runs its main)."""
        args = [sys.executable, *launcher, "--host", "127.0.0.1", "--port", "0", *args]
        args += ["--admin-port", "0"] if admin else []
        self.proc = subprocess.Popen(
            [*args, "--data-dir", str(data_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        line = self.proc.stdout.readline()
        listening = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        assert listening, (
            f"no listening line: {line!r} {self.proc.stderr.read() if self.proc.poll() is not None else ''}"
        )
        self.port = int(listening.group(1))
        admin_url = re.search(r"admin (http://\S+?)\)", line)
        assert admin_url or not admin, f"no admin URL: {line!r}"
        self.admin_url = admin_url.group(1) if admin_url else ""
        self._clusters: list[Cluster] = []

    def connect(self, login: tuple[str, str] | None = None) -> Session:
        """A session on this server (as role ``login`` = (name, password) under --auth); `stop` closes it."""
        auth = PlainTextAuthProvider(*login) if login else None
        cluster = Cluster(["127.0.0.1"], port=self.port, connect_timeout=10, auth_provider=auth)
        self._clusters.append(cluster)
        return cluster.connect()

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Close this process's sessions, send ``sig`` and return the exit status."""
        for cluster in self._clusters:
            cluster.shutdown()
        self._clusters.clear()
        self.proc.send_signal(sig)
        return self.proc.wait(10)

    def kill(self) -> int:
        """A crash: SIGKILL, no chance to write anything more."""
        return self.stop(signal.SIGKILL)


@contextmanager
def private_server(**serve_kwargs: Any) -> Iterator[tuple[BackgroundServer, Session]]:
    """An embedded server of the test's own, in this process (``serve_kwargs``: a data
    directory, auth, ...), and a session on it; both closed at the end."""
    with serve(port=0, **serve_kwargs) as server:
        cluster = Cluster([server.host], port=server.port, connect_timeout=10)
        try:
            yield server, cluster.connect()
        finally:
            cluster.shutdown()
