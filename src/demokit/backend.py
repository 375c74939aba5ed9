"""Which database a demo or the spec talks to — the one place the backend rule lives.

The rule, everywhere (plugin, Makefiles, seed scripts): ``SCYLLA_HOSTS`` set → that
cluster; else Docker if an engine answers → a ScyllaDB container; else the embedded
scylla_lite server.
"""

from __future__ import annotations

import http.client
import os
import socket
from dataclasses import dataclass
from typing import Literal

Kind = Literal["hosts", "docker", "embedded"]
Choice = Literal["auto", "hosts", "docker", "embedded"]
CHOICES: tuple[Choice, ...] = ("auto", "embedded", "docker", "hosts")
DEFAULT_PORT = 9042
SCYLLA_IMAGE = os.environ.get("SCYLLA_IMAGE", "scylladb/scylla:latest")


class BackendError(RuntimeError):
    """The requested backend cannot be used (the message says why and what to do)."""


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int = DEFAULT_PORT

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_hosts(value: str | None) -> list[Endpoint]:
    """``"a:9042,b,[::1]:9043"`` → endpoints (the ``SCYLLA_HOSTS`` format)."""
    out: list[Endpoint] = []
    for item in (value or "").split(","):
        item = item.strip()
        if not item:
            continue
        if item.startswith("["):
            host, _, rest = item[1:].partition("]")
            port_text = rest.removeprefix(":")
        elif item.count(":") == 1:
            host, _, port_text = item.partition(":")
        else:
            host, port_text = item, ""
        try:
            port = int(port_text) if port_text else DEFAULT_PORT
        except ValueError:
            raise BackendError(f"bad port in SCYLLA_HOSTS entry {item!r}") from None
        if not host or not 0 < port < 65536:
            raise BackendError(f"bad SCYLLA_HOSTS entry {item!r} (want host[:port])")
        out.append(Endpoint(host, port))
    return out


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


def docker_available(timeout: float = 1.0) -> bool:
    """True when a Docker engine answers ``GET /_ping`` (``DOCKER_HOST`` or the default socket)."""
    docker_host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        conn: http.client.HTTPConnection
        if docker_host.startswith("unix://"):
            path = docker_host.removeprefix("unix://")
            if not os.path.exists(path):
                return False
            conn = _UnixHTTPConnection(path, timeout)
        elif docker_host.startswith("tcp://"):
            host, _, port = docker_host.removeprefix("tcp://").partition(":")
            conn = http.client.HTTPConnection(host, int(port or 2375), timeout=timeout)
        else:
            return False
        conn.request("GET", "/_ping")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except (OSError, http.client.HTTPException, ValueError):
        return False


def choose(choice: Choice = "auto", hosts: str | None = None) -> Kind:
    """Apply the backend rule; ``hosts`` defaults to ``$SCYLLA_HOSTS``."""
    hosts = os.environ.get("SCYLLA_HOSTS") if hosts is None else hosts
    if choice not in CHOICES:
        raise BackendError(f"unknown backend {choice!r}; choose one of {', '.join(CHOICES)}")
    if choice == "hosts" or (choice == "auto" and hosts):
        if not hosts:
            raise BackendError("backend 'hosts' needs SCYLLA_HOSTS (or --scylla-hosts) naming the cluster")
        parse_hosts(hosts)  # validate now, with a clear message
        return "hosts"
    if choice == "docker" or (choice == "auto" and docker_available()):
        if choice == "docker" and not docker_available():
            raise BackendError("backend 'docker' asked for, but no Docker engine answers (DOCKER_HOST)")
        return "docker"
    return "embedded"
