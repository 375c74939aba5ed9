"""The asyncio CQL server: connections, frames to engine calls, replies, events.

Each connection is an `asyncio.Protocol`. The frames that arrive together are parsed
and run through the engine one after another, synchronously on the loop (the engine
is not thread-safe and each request is atomic); their replies are then written once
`engine.sync()` (the durability barrier) has returned, in a task of their own so a
slow fsync never holds back the next requests of the connection or anyone else's.

`serve()` runs a server on a background thread (for tests and embedding);
`start_server()` is the same on the caller's loop (the CLI uses it).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import ipaddress
import logging
import os
import socket
import ssl
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .auth import FAILED_LOGIN_DELAY
from .errors import BadCredentials, CqlError, ProtocolError, ServerError
from .protocol import frames as fr
from .protocol import messages as msg
from .requests import ClientState
from .results import Continues, Outcome, Rows, SchemaChange

if TYPE_CHECKING:
    from .admin import AdminServer
    from .engine import EngineAPI

log = logging.getLogger("scylla_lite.server")

__all__ = ["BackgroundServer", "Server", "make_ssl_context", "serve", "start_server", "supported_options"]

CQL_VERSION = "3.3.1"
LINGER_SECONDS = 1.0
"""How long a connection condemned by a fatal protocol error keeps reading (and
discarding) before it is closed, so that the error frame is not lost to a reset."""
MAX_PENDING_REQUESTS = 4096
"""Requests of one connection waiting for `sync()` above which it stops reading."""
WRITE_HIGH_WATER = 1024 * 1024
AUTH_TIMEOUT = 10.0
REPLY_BUDGET = 1024 * 1024
"""Bytes of replies one connection's input may produce before its remaining frames wait
for the client to read them (a client pipelining requests it never reads costs this
much, not its whole backlog of answers)."""
PLAN_OFF_LOOP_CHARS = 16 * 1024
"""A statement longer than this is parsed and compiled on a worker thread, the loop
serving others meanwhile (`Engine.plan_ahead`)."""
FRAME_TIMEOUT = 30.0
"""Seconds a frame may take to arrive once its first bytes have: a half-sent frame is
not held forever."""
PARTIAL_FRAME_BUDGET = 256 * 1024 * 1024
"""Bytes of frames still arriving, over all connections, above which a connection
with a partial frame stops being read until others complete theirs."""
"""With --auth, a connection not logged in after this many seconds is closed."""


def supported_options() -> dict[str, list[str]]:
    """The SUPPORTED answer to OPTIONS: what STARTUP may ask, plus ScyllaDB's sharding
    keys (one shard, no shard-aware port: the driver then keeps to the normal port)."""
    return {
        "CQL_VERSION": [CQL_VERSION],
        "COMPRESSION": list(fr.COMPRESSIONS),
        "SCYLLA_SHARD": ["0"],
        "SCYLLA_NR_SHARDS": ["1"],
        "SCYLLA_SHARDING_ALGORITHM": ["biased-token-round-robin"],
        "SCYLLA_SHARDING_IGNORE_MSB": ["12"],
        "SCYLLA_PARTITIONER": ["org.apache.cassandra.dht.Murmur3Partitioner"],
    }


_UNINITIALIZED, _AUTHENTICATING, _READY = range(3)


class _Reply:
    """One response frame, kept with what `sync()` and events need to know of it."""

    __slots__ = ("frame", "later", "needs_sync", "schema_change", "stream", "version")

    def __init__(
        self,
        frame: bytes,
        needs_sync: bool = False,
        version: int = 4,
        stream: int = 0,
        schema_change: SchemaChange | None = None,
        later: Coroutine[Any, Any, bytes] | None = None,
    ) -> None:
        self.frame = frame
        self.needs_sync = needs_sync
        self.version = version
        self.stream = stream
        self.schema_change = schema_change
        self.later = later  # work off the event loop that makes the frame (a login's bcrypt check)


class Connection(asyncio.Protocol):
    """One client connection."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.engine = server.engine
        self.client = ClientState()
        self.transport: asyncio.Transport | None = None
        self.peer: Any = None
        self.registered: set[str] = set()
        self.event_version = fr.MAX_VERSION
        self._buf = bytearray()
        self._state = _UNINITIALIZED
        self._compression: fr.Compression | None = None
        self._closed = False  # transport gone
        self._dead = False  # fatal protocol error: discard input until closed
        self._eof_written = False
        self._eof_received = False
        self._linger: asyncio.TimerHandle | None = None
        self._auth_deadline: asyncio.TimerHandle | None = None
        self._held_input = False  # complete frames left in _buf for later
        self._frame_deadline: asyncio.TimerHandle | None = None
        self._pending = 0  # requests whose replies wait for sync()
        self._write_paused = False
        self._reading_paused = False
        self._handlers = {
            fr.OP_STARTUP: self._on_startup,
            fr.OP_OPTIONS: self._on_options,
            fr.OP_AUTH_RESPONSE: self._on_auth_response,
            fr.OP_QUERY: self._on_query,
            fr.OP_PREPARE: self._on_prepare,
            fr.OP_EXECUTE: self._on_execute,
            fr.OP_BATCH: self._on_batch,
            fr.OP_REGISTER: self._on_register,
        }

    # ------------------------------------------------------------------ transport events

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.peer = transport.get_extra_info("peername")
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport.set_write_buffer_limits(high=WRITE_HIGH_WATER)
        self.server._connections.add(self)
        if self.server.auth_timeout and getattr(self.engine, "auth_enabled", False):
            self._auth_deadline = asyncio.get_running_loop().call_later(
                self.server.auth_timeout, self._too_slow
            )

    def _too_slow(self) -> None:
        """No login within `Server.auth_timeout`: a stranger holding a connection open."""
        if self._state != _READY:
            log.info(
                "closing connection from %s: not authenticated within %ss",
                self.peer,
                self.server.auth_timeout,
            )
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._dead = True
        if self._linger is not None:
            self._linger.cancel()
        if self._auth_deadline is not None:
            self._auth_deadline.cancel()
        self._buf = bytearray()
        self._track_buffer(progress=True)
        self.server._connections.discard(self)
        self._buf = bytearray()

    def eof_received(self) -> bool:
        self._eof_received = True
        # Keep the socket open for replies still waiting for sync(), then close (TLS
        # transports cannot stay half-open).
        return self._pending > 0 and not self._dead and self.server.ssl_context is None

    def pause_writing(self) -> None:
        self._write_paused = True
        self._update_reading()

    def resume_writing(self) -> None:
        self._write_paused = False
        self._update_reading()
        if self._held_input:
            asyncio.get_running_loop().call_soon(self._resume_input)

    def _resume_input(self) -> None:
        """Go on with the frames `data_received` left for later (budget, or yielding)."""
        if self._held_input and not self._write_paused and not self._dead:
            self._held_input = False
            self._process_input()
            self._update_reading()

    def _update_reading(self) -> None:
        t = self.transport
        if t is None or self._closed:
            return
        waiting = self._write_paused or self._held_input or self._pending > MAX_PENDING_REQUESTS
        pause = (waiting or self in self.server.starved) and not self._dead
        if pause != self._reading_paused:
            self._reading_paused = pause
            with contextlib.suppress(Exception):
                if pause:
                    t.pause_reading()
                else:
                    t.resume_reading()

    def close(self) -> None:
        if self.transport is not None and not self._closed:
            self.transport.close()

    # ------------------------------------------------------------------ reading frames

    def data_received(self, data: bytes) -> None:
        if self._dead:
            return  # lingering after a fatal error: discard
        self._buf += data
        if not self._held_input:
            self._process_input()
        else:
            self._track_buffer(progress=False)

    def _process_input(self) -> None:
        """Answer the complete frames in the buffer, until their replies fill `REPLY_BUDGET`;
        the rest waits for the client to read (or for the loop's next turn)."""
        buf = self._buf
        n = len(buf)
        pos = 0
        produced = 0
        replies: list[_Reply] = []
        while n - pos >= 1:
            if produced > REPLY_BUDGET:
                self._held_input = True
                if not self._write_paused:  # let other clients in, then go on
                    asyncio.get_running_loop().call_soon(self._resume_input)
                break
            first = buf[pos]
            version = first & fr.VERSION_MASK
            hlen = fr.header_length(version)
            if n - pos < hlen:
                break
            hdr = fr.parse_header(buf, pos)
            if version not in fr.SUPPORTED_VERSIONS:
                self._fatal(
                    version,
                    hdr.stream,
                    f"Invalid or unsupported protocol version ({version}); the lowest supported version "
                    f"is {fr.MIN_VERSION} and the greatest is {fr.MAX_VERSION}",
                    replies,
                )
                return
            if hdr.is_response:
                self._fatal(
                    version,
                    hdr.stream,
                    "Invalid frame direction: a response frame was sent to the server",
                    replies,
                )
                return
            if hdr.length < 0 or hdr.length > fr.MAX_BODY_LENGTH:
                self._fatal(
                    version,
                    hdr.stream,
                    f"Request is too big: length {hdr.length} exceeds maximum allowed length {fr.MAX_BODY_LENGTH}.",
                    replies,
                )
                return
            end = pos + hlen + hdr.length
            if end > n:
                break
            body = bytes(buf[pos + hlen : end])
            pos = end
            replies.append(self._handle(hdr, body))
            produced += len(replies[-1].frame)
        if pos:
            del buf[:pos]
        self._track_buffer(progress=pos > 0)
        if replies:
            self._dispatch(replies)

    def _track_buffer(self, progress: bool) -> None:
        """Account for the bytes waiting in ``_buf``: the server-wide budget of frames
        still arriving, and the deadline by which a started frame must be complete."""
        size = 0 if self._dead else len(self._buf)
        self.server.buffered(self, size)
        arriving = size > 0 and not self._held_input  # held: complete frames waiting for the client to read
        if (not arriving or progress) and self._frame_deadline is not None:
            self._frame_deadline.cancel()
            self._frame_deadline = None
        if arriving and self._frame_deadline is None and not self._closed:
            loop = asyncio.get_running_loop()
            self._frame_deadline = loop.call_later(FRAME_TIMEOUT, self._frame_too_slow)
        self._update_reading()

    def _frame_too_slow(self) -> None:
        log.info("closing connection from %s: a frame took more than %ss to arrive", self.peer, FRAME_TIMEOUT)
        self._frame_deadline = None
        self.close()

    def _fatal(self, version: int, stream: int, message: str, replies: list[_Reply]) -> None:
        """Answer a frame that breaks the framing itself, then close the connection.

        Replies to the valid frames before it still go out; input is discarded until
        the client closes or `LINGER_SECONDS` pass (closing with unread input would
        reset the connection and could lose the error frame)."""
        log.debug("closing connection from %s: %s", self.peer, message)
        if replies:
            self._dispatch(replies)
        self._dead = True
        self._buf = bytearray()
        t = self.transport
        if t is None or self._closed:
            return
        body = msg.encode_error(ProtocolError(message), version)
        t.write(fr.encode_frame(version, 0, stream, fr.OP_ERROR, body))
        self._shutdown_write()
        if self._reading_paused:
            self._reading_paused = False
            with contextlib.suppress(Exception):
                t.resume_reading()
        self._linger = asyncio.get_running_loop().call_later(LINGER_SECONDS, t.close)

    def _shutdown_write(self) -> None:
        t = self.transport
        if self._pending or self._eof_written or t is None or self._closed:
            return
        if t.can_write_eof():
            with contextlib.suppress(Exception):
                t.write_eof()
                self._eof_written = True

    # ------------------------------------------------------------------ one request

    def _frame(self, version: int, stream: int, opcode: int, body: bytes) -> bytes:
        flags = 0
        comp = self._compression
        if comp is not None and body:
            body = comp.compress(body)
            flags = fr.FLAG_COMPRESSION
        return fr.encode_frame(version, flags, stream, opcode, body)

    def _handle(self, hdr: fr.FrameHeader, body: bytes) -> _Reply:
        version, stream, opcode = hdr.version, hdr.stream, hdr.opcode
        self.server.last_request = time.monotonic()
        try:
            if hdr.flags & fr.FLAG_COMPRESSION:
                if self._compression is None:
                    raise ProtocolError("Received a compressed frame but no compression was negotiated")
                body = self._compression.decompress(body)
            handler = self._handlers.get(opcode)
            if handler is None:
                raise ProtocolError(f"Unknown opcode {opcode}")
            if hdr.flags & fr.FLAG_CUSTOM_PAYLOAD and opcode in (
                fr.OP_QUERY,
                fr.OP_PREPARE,
                fr.OP_EXECUTE,
                fr.OP_BATCH,
            ):
                body = msg.skip_custom_payload(body)
            reply = handler(version, stream, body)
        except CqlError as exc:
            reply = self._error(version, stream, exc)
        except Exception as exc:
            log.exception("error handling %s from %s", fr.OPCODE_NAMES.get(opcode, opcode), self.peer)
            reply = self._error(version, stream, ServerError(str(exc) or type(exc).__name__))
        return reply

    def _error(self, version: int, stream: int, exc: CqlError) -> _Reply:
        return _Reply(
            self._frame(version, stream, fr.OP_ERROR, msg.encode_error(exc, version)), False, version, stream
        )

    def _require_ready(self, opcode: int) -> None:
        if self._state == _READY:
            return
        name = fr.OPCODE_NAMES.get(opcode, str(opcode))
        if self._state == _UNINITIALIZED:
            raise ProtocolError(f"Unexpected message {name}, expecting STARTUP or OPTIONS")
        raise ProtocolError(f"Unexpected message {name}, expecting SASL_RESPONSE")

    def _on_startup(self, version: int, stream: int, body: bytes) -> _Reply:
        if self._state != _UNINITIALIZED:
            raise ProtocolError("Unexpected message STARTUP, the connection is already initialized")
        options = msg.decode_startup(body)
        if "CQL_VERSION" not in options:
            raise ProtocolError("Missing value CQL_VERSION in STARTUP message")
        compression = None
        name = options.get("COMPRESSION")
        if name:
            compression = fr.COMPRESSIONS.get(name.lower())
            if compression is None:
                raise ProtocolError(f"Unknown compression algorithm: {name}")
        self._compression = compression  # applies from the reply to STARTUP on
        self.event_version = version
        if self.engine.auth_enabled:
            self._state = _AUTHENTICATING
            out = self._frame(version, stream, fr.OP_AUTHENTICATE, msg.encode_authenticate())
        else:
            self._state = _READY
            out = self._frame(version, stream, fr.OP_READY, msg.encode_ready())
        return _Reply(out, False, version, stream)

    def _on_options(self, version: int, stream: int, body: bytes) -> _Reply:
        out = self._frame(version, stream, fr.OP_SUPPORTED, msg.encode_supported(self.server.supported))
        return _Reply(out, False, version, stream)

    def _on_auth_response(self, version: int, stream: int, body: bytes) -> _Reply:
        if self._state != _AUTHENTICATING:
            if self._state == _READY:
                raise ProtocolError("Unexpected message AUTH_RESPONSE, the connection is already initialized")
            raise ProtocolError("Unexpected message AUTH_RESPONSE, expecting STARTUP or OPTIONS")
        token = msg.decode_auth_response(body)
        try:
            user, password = msg.decode_sasl_plain(token)
        except ProtocolError as exc:
            raise BadCredentials(exc.message) from None
        return _Reply(b"", False, version, stream, later=self._login(version, stream, user, password))

    async def _login(self, version: int, stream: int, user: str, password: str) -> bytes:
        """Check a password on a worker thread (bcrypt is slow on purpose; other clients go
        on being served) and answer a wrong one only after `FAILED_LOGIN_DELAY`."""
        if await asyncio.to_thread(self.engine.authenticate, user, password):
            self.client.user = user
            self._state = _READY
            if self._auth_deadline is not None:
                self._auth_deadline.cancel()
            return self._frame(version, stream, fr.OP_AUTH_SUCCESS, msg.encode_auth_success(None))
        await asyncio.sleep(FAILED_LOGIN_DELAY)
        error = BadCredentials(f"Provided username {user} and/or password are incorrect")
        return self._frame(version, stream, fr.OP_ERROR, msg.encode_error(error, version))

    def _result(self, version: int, stream: int, result: Outcome) -> _Reply:
        if isinstance(result, Continues) or (
            isinstance(result, Rows) and len(result.rows) > msg.ROWS_PER_PART
        ):
            return _Reply(b"", True, version, stream, later=self._continue(version, stream, result))
        out = self._frame(version, stream, fr.OP_RESULT, msg.encode_result(result, version))
        sc = result if isinstance(result, SchemaChange) else None
        return _Reply(out, True, version, stream, sc)

    def _on_query(self, version: int, stream: int, body: bytes) -> _Reply:
        self._require_ready(fr.OP_QUERY)
        text, options = msg.decode_query(body, version)
        if len(text) > PLAN_OFF_LOOP_CHARS and hasattr(self.engine, "plan_ahead"):
            return _Reply(
                b"", True, version, stream, later=self._query_parsed_aside(version, stream, text, options)
            )
        run = getattr(self.engine, "start_query", self.engine.query)
        return self._result(version, stream, run(self.client, text, options))

    async def _query_parsed_aside(self, version: int, stream: int, text: str, options: Any) -> bytes:
        """A long statement: parsed and compiled on a worker thread, then run on the loop;
        its plan is freed on a worker thread too (a 100,000-statement batch's: ~0.3 s),
        before any snapshot falling due meanwhile forks."""
        plan = await asyncio.to_thread(self.engine.plan_ahead, text, self.client.keyspace)  # type: ignore[attr-defined]
        with self.engine.snapshots_held():  # type: ignore[attr-defined]
            try:
                return await self._run_query(version, stream, text, options)  # its frame, gone: plan is ours
            finally:
                await asyncio.to_thread(self.engine.release, plan)  # type: ignore[attr-defined]

    async def _run_query(self, version: int, stream: int, text: str, options: Any) -> bytes:
        try:
            outcome = self.engine.start_query(self.client, text, options)  # type: ignore[attr-defined]
        except CqlError as exc:
            return self._error(version, stream, exc).frame
        if isinstance(outcome, SchemaChange):
            self.server.broadcast_schema_change(outcome)
        return await self._continue(version, stream, outcome)

    async def _continue(self, version: int, stream: int, outcome: Outcome) -> bytes:
        """The slices of a long request, one per turn of the loop (others go between)."""
        while isinstance(outcome, Continues):
            await asyncio.sleep(0)
            try:
                outcome = outcome.step()
            except CqlError as exc:
                return self._error(version, stream, exc).frame
        parts = []
        for part in msg.encode_result_parts(outcome, version):  # a long row set: in parts too
            parts.append(part)
            await asyncio.sleep(0)
        return self._frame(version, stream, fr.OP_RESULT, b"".join(parts))

    def _on_prepare(self, version: int, stream: int, body: bytes) -> _Reply:
        self._require_ready(fr.OP_PREPARE)
        text = msg.decode_prepare(body, version)
        return self._result(version, stream, self.engine.prepare(self.client, text))

    def _on_execute(self, version: int, stream: int, body: bytes) -> _Reply:
        self._require_ready(fr.OP_EXECUTE)
        statement_id, options = msg.decode_execute(body, version)
        run = getattr(self.engine, "start_execute", self.engine.execute)
        return self._result(version, stream, run(self.client, statement_id, options))

    def _on_batch(self, version: int, stream: int, body: bytes) -> _Reply:
        self._require_ready(fr.OP_BATCH)
        options = msg.decode_batch(body, version)
        run = getattr(self.engine, "start_batch", self.engine.batch)
        return self._result(version, stream, run(self.client, options))

    def _on_register(self, version: int, stream: int, body: bytes) -> _Reply:
        self._require_ready(fr.OP_REGISTER)
        events = msg.decode_register(body)
        self.registered.update(events)
        self.event_version = version
        return _Reply(self._frame(version, stream, fr.OP_READY, msg.encode_ready()), False, version, stream)

    # ------------------------------------------------------------------ replies

    def _dispatch(self, replies: list[_Reply]) -> None:
        if not any(r.needs_sync or r.later is not None for r in replies):
            self._write_now(replies)
            return
        self._pending += len(replies)
        self._update_reading()
        self.server._spawn(self._finish(replies))

    async def _finish(self, replies: list[_Reply]) -> None:
        try:
            for i, r in enumerate(replies):
                if r.later is not None:
                    try:
                        r.frame = await r.later
                    except Exception as exc:
                        log.exception("error finishing a reply to %s", self.peer)
                        replies[i] = self._error(
                            r.version, r.stream, ServerError(str(exc) or type(exc).__name__)
                        )
            try:
                res = self.engine.sync()
                if inspect.isawaitable(res):
                    await res
            except Exception as exc:
                log.exception("sync() failed")
                err = ServerError(f"Failed to make the write durable: {exc}")
                for i, r in enumerate(replies):
                    if r.needs_sync:
                        replies[i] = self._error(r.version, r.stream, err)
            self._write_now(replies)
            for r in replies:
                if r.schema_change is not None:
                    self.server.broadcast_schema_change(r.schema_change)
        finally:
            self._pending -= len(replies)
            self._update_reading()
            if self._dead:
                self._shutdown_write()
            elif self._eof_received and self._pending == 0:
                self.close()

    def _write_now(self, replies: list[_Reply]) -> None:
        t = self.transport
        if t is None or self._closed or self._eof_written:
            return
        if len(replies) == 1:
            t.write(replies[0].frame)
        else:
            t.write(b"".join([r.frame for r in replies]))

    def send_event(self, body: bytes) -> None:
        t = self.transport
        if t is None or self._closed or self._dead or self._eof_written:
            return
        t.write(self._frame(self.event_version, fr.EVENT_STREAM, fr.OP_EVENT, body))


class Server:
    """A listening CQL server bound to one engine (see `start_server`)."""

    def __init__(
        self,
        engine: EngineAPI | None,
        *,
        ssl_context: ssl.SSLContext | None = None,
        owns_engine: bool = False,
    ) -> None:
        self._engine = engine
        self.ssl_context = ssl_context
        self.owns_engine = owns_engine
        self.auth_timeout = AUTH_TIMEOUT
        self.starved: set[Connection] = set()  # not read until partial frames fit the budget
        self._buffered: dict[Connection, int] = {}
        self._buffered_total = 0
        self.host = ""
        self.port = 0
        self.admin: AdminServer | None = None
        self.supported = supported_options()
        self._server: asyncio.Server | None = None
        self._connections: set[Connection] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self.last_request = time.monotonic()  # when a frame last came in, from any client

    def idle_for(self) -> float:
        """Seconds since any client last sent a request, none being answered meanwhile."""
        if any(conn._pending for conn in self._connections):
            return 0.0  # clients waiting on writes being made durable send nothing new
        return time.monotonic() - self.last_request

    @property
    def engine(self) -> EngineAPI:
        assert self._engine is not None, "no engine yet"
        return self._engine

    @engine.setter
    def engine(self, engine: EngineAPI) -> None:
        self._engine = engine

    @property
    def admin_url(self) -> str | None:
        if self.admin is None:
            return None
        host = f"[{self.admin.host}]" if ":" in self.admin.host else self.admin.host
        return f"http://{host}:{self.admin.port}"

    @property
    def connections(self) -> set[Connection]:
        return set(self._connections)

    async def listen(self, host: str, port: int, *, start_serving: bool = True) -> None:
        loop = asyncio.get_running_loop()
        bind_host: str | None = host or None
        if port == 0 and host:
            # One address only: each address of a name would get its own free port.
            infos = await loop.getaddrinfo(host, 0, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
            if infos:
                bind_host = str(infos[0][4][0])
        self._server = await loop.create_server(
            lambda: Connection(self),
            bind_host,
            port,
            ssl=self.ssl_context,
            reuse_address=True,
            backlog=1024,
            start_serving=start_serving,
        )
        sockname = self._server.sockets[0].getsockname()
        self.host = host or str(sockname[0])
        self.port = int(sockname[1])

    async def start_serving(self) -> None:
        assert self._server is not None
        await self._server.start_serving()

    async def start_admin(self, host: str, port: int) -> None:
        """Serve the admin HTTP interface (the clock) for this server's engine."""
        from .admin import AdminServer

        self.admin = AdminServer(self.engine)  # type: ignore[arg-type]
        await self.admin.listen(host, port)

    def buffered(self, conn: Connection, size: int) -> None:
        """``conn`` now holds ``size`` bytes of input: starve it while the total is over
        `PARTIAL_FRAME_BUDGET`, and feed the starved ones again once it is not."""
        self._buffered_total += size - self._buffered.pop(conn, 0)
        if size:
            self._buffered[conn] = size
            if self._buffered_total > PARTIAL_FRAME_BUDGET:
                self.starved.add(conn)
                return
        self.starved.discard(conn)
        if self._buffered_total <= PARTIAL_FRAME_BUDGET and self.starved:
            waiting, self.starved = self.starved, set()
            for other in waiting:
                other._update_reading()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def broadcast_schema_change(self, change: SchemaChange) -> None:
        """Push a SCHEMA_CHANGE event to every connection registered for it."""
        bodies: dict[int, bytes] = {}
        for conn in list(self._connections):
            if "SCHEMA_CHANGE" in conn.registered:
                v = conn.event_version
                body = bodies.get(v)
                if body is None:
                    body = bodies[v] = msg.encode_schema_change_event(change, v)
                conn.send_event(body)

    async def close(self) -> None:
        """Stop listening, let replies in flight go out, close connections, flush the engine."""
        if self._closed:
            return
        self._closed = True
        if self.admin is not None:
            await self.admin.close()
        if self._server is not None:
            self._server.close()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
        for conn in list(self._connections):
            conn.close()
        await asyncio.sleep(0)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
        if self._engine is None:  # closed before the engine was made
            return
        try:
            res = self.engine.sync()
            if inspect.isawaitable(res):
                await res
        except Exception:
            log.exception("final sync() failed")
        if self.owns_engine:
            closer = getattr(self.engine, "close", None)
            if closer is not None:
                res = closer()
                if inspect.isawaitable(res):
                    await res


def _is_specific_ip(host: str) -> bool:
    try:
        return not ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def make_ssl_context(
    tls_cert: str | os.PathLike[str],
    tls_key: str | os.PathLike[str],
    tls_ca: str | os.PathLike[str] | None = None,
) -> ssl.SSLContext:
    """Server TLS context; with ``tls_ca`` clients must present a certificate it signed."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.fspath(tls_cert), os.fspath(tls_key))
    if tls_ca is not None:
        ctx.load_verify_locations(os.fspath(tls_ca))
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


async def start_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    auth: bool = False,
    tls_cert: str | os.PathLike[str] | None = None,
    tls_key: str | os.PathLike[str] | None = None,
    tls_ca: str | os.PathLike[str] | None = None,
    engine: EngineAPI | None = None,
    ssl_context: ssl.SSLContext | None = None,
    admin_port: int | None = None,
    admin_host: str = "127.0.0.1",
    auth_timeout: float = AUTH_TIMEOUT,
) -> Server:
    """Start a server on the running loop; ``await server.close()`` stops it.

    Without ``engine`` a `scylla_lite.engine.Engine` is made (and closed with the server);
    a given engine stays the caller's (it is synced, not closed). ``admin_port`` (0 picks
    a free one) also serves the admin HTTP interface (`scylla_lite.admin`) on
    ``admin_host`` (loopback unless told otherwise: it can move the clock). With ``auth``,
    a connection not logged in within ``auth_timeout`` seconds is closed.
    """
    if ssl_context is None and (tls_cert is not None or tls_key is not None):
        if tls_cert is None or tls_key is None:
            raise ValueError("TLS needs both a certificate and a key")
        ssl_context = make_ssl_context(tls_cert, tls_key, tls_ca)
    owns = engine is None
    # Bind first (a busy port is reported before any data is opened), accept once the
    # engine is there.
    server = Server(engine, ssl_context=ssl_context, owns_engine=owns)
    server.auth_timeout = auth_timeout
    await server.listen(host, port, start_serving=False)
    try:
        if engine is None:
            from .engine import Engine  # type: ignore[attr-defined,unused-ignore]

            kwargs: dict[str, Any] = {
                "data_dir": Path(data_dir) if data_dir is not None else None,
                "auth": auth,
            }
            if "advertised_address" in inspect.signature(Engine).parameters and _is_specific_ip(server.host):
                kwargs["advertised_address"] = server.host
            server.engine = Engine(**kwargs)
        if admin_port is not None:
            await server.start_admin(admin_host, admin_port)
        await server.start_serving()
    except BaseException:
        await server.close()
        raise
    return server


class BackgroundServer:
    """A `Server` running on its own event loop in a daemon thread (what `serve` yields)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> None:
        self._args = (host, port)
        self._kwargs = kwargs
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: Server | None = None
        self._error: BaseException | None = None
        self._ready = threading.Event()
        self._stopped = False

    @property
    def server(self) -> Server:
        assert self._server is not None, "server not started"
        return self._server

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def engine(self) -> EngineAPI:
        return self.server.engine

    @property
    def admin_url(self) -> str | None:
        """``http://host:port`` of the admin interface, or None when it is off."""
        return self.server.admin_url

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None
        return self._loop

    def start(self) -> BackgroundServer:
        self._thread = threading.Thread(target=self._run, name="scylla_lite-server", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self._thread.join()
            raise self._error
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            try:
                self._server = loop.run_until_complete(start_server(*self._args, **self._kwargs))
            except BaseException as exc:
                self._error = exc
                return
            finally:
                self._ready.set()
            loop.run_forever()
        finally:
            with contextlib.suppress(Exception):
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for t in pending:
                    t.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def call(self, fn: Any, *args: Any, timeout: float = 30) -> Any:
        """Run ``fn(*args)`` on the server's loop thread (awaiting it if it is a coroutine)."""

        async def run() -> Any:
            res = fn(*args)
            if inspect.isawaitable(res):
                res = await res
            return res

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout)

    def stop(self) -> None:
        """Close the server (connections, engine) and end its thread; idempotent."""
        if self._stopped or self._server is None or self._loop is None:
            return
        self._stopped = True
        loop = self._loop
        try:
            asyncio.run_coroutine_threadsafe(self._server.close(), loop).result(30)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            if self._thread is not None:
                self._thread.join(30)


@contextlib.contextmanager
def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    auth: bool = False,
    tls_cert: str | os.PathLike[str] | None = None,
    tls_key: str | os.PathLike[str] | None = None,
    tls_ca: str | os.PathLike[str] | None = None,
    engine: EngineAPI | None = None,
    admin_port: int | None = None,
    admin_host: str = "127.0.0.1",
    auth_timeout: float = AUTH_TIMEOUT,
) -> Iterator[BackgroundServer]:
    """Run a server in a background thread for the ``with`` block::

        with serve() as srv:
            Cluster([srv.host], port=srv.port).connect()

    The socket is listening when the block starts; leaving it closes the connections
    and the engine (when `serve` made it).
    """
    srv = BackgroundServer(
        host,
        port,
        data_dir=data_dir,
        auth=auth,
        tls_cert=tls_cert,
        tls_key=tls_key,
        tls_ca=tls_ca,
        engine=engine,
        admin_port=admin_port,
        admin_host=admin_host,
        auth_timeout=auth_timeout,
    ).start()
    try:
        yield srv
    finally:
        srv.stop()
