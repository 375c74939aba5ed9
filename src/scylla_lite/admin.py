"""The admin HTTP interface: read and move the server clock (off unless ``--admin-port``).

Tests prove TTL expiry by moving time forward instead of sleeping::

    GET  /health                      {"status": "ok"}
    GET  /clock                       {"now_micros": ..., "now": "2026-...Z", "offset_seconds": 0.0}
    POST /clock/advance {"seconds": 3600}   -> the /clock document after the move
    GET  /indexes                     {"vector_indexes": [{..., "search": "exact"|"graph building"|"graph"}]}

Everything time-based in the engine (TTL expiry, ``now()``, default write
timestamps) reads that clock. Time only moves forward: last-write-wins needs
timestamps that never go back, so a move is logged and survives a restart, and the
clock can be at most `MAX_ADVANCE_SECONDS` ahead of wall time in all. It runs on the
CQL server's event loop, so a move is ordered with the requests around it.

Who may call it: the port binds to 127.0.0.1 unless ``--admin-host`` says otherwise;
a request whose ``Host:`` names another server is refused (DNS rebinding), a POST must
be ``application/json`` (no cross-site form or ``text/plain`` request can move the
clock), and with ``--auth`` every endpoint but ``/health`` wants HTTP Basic credentials
of a superuser role.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import datetime as dt
import json
import logging
import math
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol

from .auth import FAILED_LOGIN_DELAY

log = logging.getLogger(__name__)

#: Ten years: far beyond any TTL (ScyllaDB's maximum is 20 years, but one move that
#: large is a typo, not a test).
MAX_ADVANCE_SECONDS = 10 * 365 * 24 * 3600
_MAX_BODY = 64 * 1024


class ClockOwner(Protocol):
    """What the admin interface needs from an engine."""

    def clock_state(self) -> dict[str, Any]: ...

    def advance_clock(self, seconds: float) -> None: ...

    def index_states(self) -> list[dict[str, Any]]: ...

    async def sync(self) -> None:
        """Return once everything acknowledged so far, clock moves included, is durable."""
        ...

    auth_enabled: bool

    def is_superuser_login(self, user: str, password: str) -> bool:
        """True for the password of a role that may log in and is a superuser."""
        ...


class AdminError(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


def clock_document(now_micros: int, offset_micros: int) -> dict[str, Any]:
    """The JSON body of ``GET /clock``."""
    when = dt.datetime.fromtimestamp(now_micros / 1_000_000, tz=dt.UTC)
    return {
        "now_micros": now_micros,
        "now": when.isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "offset_seconds": offset_micros / 1_000_000,
    }


def _advance_seconds(body: bytes, offset_seconds: float) -> float:
    try:
        doc = json.loads(body or b"null")
    except ValueError as exc:
        raise AdminError(HTTPStatus.BAD_REQUEST, f"body is not JSON: {exc}") from None
    if not isinstance(doc, dict) or "seconds" not in doc:
        raise AdminError(HTTPStatus.BAD_REQUEST, 'body must be a JSON object like {"seconds": 3600}')
    seconds = doc["seconds"]
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds):
        raise AdminError(HTTPStatus.BAD_REQUEST, f'"seconds" must be a finite number, not {seconds!r}')
    if seconds < 0:
        raise AdminError(HTTPStatus.BAD_REQUEST, "the clock only moves forward (last-write-wins needs it)")
    if seconds > MAX_ADVANCE_SECONDS:
        raise AdminError(HTTPStatus.BAD_REQUEST, f'"seconds" is at most {MAX_ADVANCE_SECONDS} (ten years)')
    if offset_seconds + seconds > MAX_ADVANCE_SECONDS:
        raise AdminError(
            HTTPStatus.BAD_REQUEST,
            f"the clock is already {offset_seconds:.0f} s ahead; it may be at most {MAX_ADVANCE_SECONDS} s "
            "(ten years) ahead of wall time in all",
        )
    return float(seconds)


@dataclass
class Request:
    """One HTTP request as the admin interface reads it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


class AdminServer:
    """A small HTTP/1.1 server (one request per connection) bound to ``engine``."""

    def __init__(self, engine: ClockOwner) -> None:
        self.engine = engine
        self.host = ""
        self.port = 0
        self._server: asyncio.Server | None = None

    async def listen(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._handle, host or None, port, reuse_address=True)
        sockname = self._server.sockets[0].getsockname()
        self.host = host or str(sockname[0])
        self.port = int(sockname[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    def route(self, request: Request) -> dict[str, Any]:
        """Answer one request (raises `AdminError` for anything but success)."""
        path = request.path.split("?", 1)[0].rstrip("/") or "/"
        routes = {"/health": ("GET",), "/clock": ("GET",), "/clock/advance": ("POST",), "/indexes": ("GET",)}
        if path not in routes:
            raise AdminError(HTTPStatus.NOT_FOUND, f"no such endpoint {path}; try GET /clock")
        if request.method not in routes[path]:
            raise AdminError(HTTPStatus.METHOD_NOT_ALLOWED, f"{path} takes {' or '.join(routes[path])}")
        if path == "/health":
            return {"status": "ok"}
        self.guard(request)
        if path == "/indexes":
            return {"vector_indexes": self.engine.index_states()}
        if path == "/clock/advance":
            offset = self.engine.clock_state()["offset_seconds"]
            self.engine.advance_clock(_advance_seconds(request.body, offset))
        return self.engine.clock_state()

    def guard(self, request: Request) -> None:
        """Refuse a request another site could make a browser send (the credentials of
        --auth are checked before, off the loop: `_check_login`)."""
        host = request.headers.get("host", "")
        if _host_name(host) not in {"localhost", "127.0.0.1", "::1", self.host.lower()}:
            raise AdminError(HTTPStatus.FORBIDDEN, f"Host {host!r} is not this admin interface")
        if request.method == "POST":
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind != "application/json":
                raise AdminError(
                    HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                    f"send the body as application/json, not {kind or 'nothing'}",
                )

    def _superuser(self, authorization: str) -> bool:
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return self.engine.is_superuser_login(user, password)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status, doc = await self._serve_one(reader)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, ValueError):
            status, doc = HTTPStatus.BAD_REQUEST, {"error": "malformed HTTP request"}
        except TimeoutError:
            status, doc = HTTPStatus.REQUEST_TIMEOUT, {"error": "request not sent in time"}
        payload = json.dumps(doc).encode() + b"\n"
        extra = (
            'WWW-Authenticate: Basic realm="scylla_lite admin"\r\n'
            if status == HTTPStatus.UNAUTHORIZED
            else ""
        )
        head = (
            f"HTTP/1.1 {status.value} {status.phrase}\r\nContent-Type: application/json\r\n{extra}"
            f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
        )
        with contextlib.suppress(ConnectionError):
            writer.write(head.encode("latin-1") + payload)
            await writer.drain()
        writer.close()

    async def _serve_one(self, reader: asyncio.StreamReader) -> tuple[HTTPStatus, dict[str, Any]]:
        request_line = (await asyncio.wait_for(reader.readuntil(b"\r\n"), 10)).decode("latin-1").split()
        if len(request_line) != 3 or not request_line[2].startswith("HTTP/"):
            raise ValueError("bad request line")
        request = Request(request_line[0], request_line[1], {})
        while True:
            line = (await asyncio.wait_for(reader.readuntil(b"\r\n"), 10)).decode("latin-1").strip()
            if not line:
                break
            name, _, value = line.partition(":")
            request.headers[name.strip().lower()] = value.strip()
        length = int(request.headers.get("content-length", "0"))
        if not 0 <= length <= _MAX_BODY:
            return HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": f"body larger than {_MAX_BODY} bytes"}
        request.body = await asyncio.wait_for(reader.readexactly(length), 10) if length else b""
        try:
            if request.path.split("?", 1)[0].rstrip("/") != "/health":
                await self._check_login(request)
            doc = self.route(request)
        except AdminError as exc:
            return exc.status, {"error": str(exc)}
        if request.method == "POST":  # a clock move answered is a clock move that survives a crash
            await self.engine.sync()
        return HTTPStatus.OK, doc

    async def _check_login(self, request: Request) -> None:
        """With --auth, a superuser's HTTP Basic credentials, checked off the event loop
        (bcrypt); a wrong one waits as a wrong CQL login does."""
        if not self.engine.auth_enabled:
            return
        if not await asyncio.to_thread(self._superuser, request.headers.get("authorization", "")):
            await asyncio.sleep(FAILED_LOGIN_DELAY)
            raise AdminError(
                HTTPStatus.UNAUTHORIZED, "the admin interface wants a superuser's credentials (--auth)"
            )


def _host_name(host: str) -> str:
    """The name part of a ``Host:`` header (``[::1]:9180`` -> ``::1``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
