"""A CQL client over a plain socket, for what the driver never sends: exact frames,
malformed ones, requests pipelined without reading the answers. Messages are the
driver's own classes, encoded and decoded by its protocol handler."""

from __future__ import annotations

import socket
import ssl
import struct
from dataclasses import dataclass
from typing import Any

from cassandra import ConsistencyLevel
from cassandra.connection import locally_supported_compressions
from cassandra.protocol import QueryMessage, StartupMessage, _ProtocolHandler
from cassandra.protocol_features import ProtocolFeatures


@dataclass
class Frame:
    version: int
    flags: int
    stream: int
    opcode: int
    body: bytes


class Client:
    """A CQL connection over a plain socket; messages are the driver's own classes."""

    def __init__(self, host: str, port: int, *, ssl_context: ssl.SSLContext | None = None, version: int = 4):
        sock = socket.create_connection((host, port), timeout=5)
        if ssl_context is not None:
            sock = ssl_context.wrap_socket(sock, server_hostname="localhost")
        self.sock = sock
        self.version = version
        self.buf = b""
        self.compressor: Any = None
        self.decompressor: Any = None

    def close(self) -> None:
        self.sock.close()

    # frames
    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def encode(self, message: Any, stream: int = 0, version: int | None = None) -> bytes:
        return _ProtocolHandler.encode_message(
            message, stream, version or self.version, self.compressor, False, ProtocolFeatures()
        )

    def send(self, message: Any, stream: int = 0, version: int | None = None) -> None:
        self.send_raw(self.encode(message, stream, version))

    def _read(self, n: int) -> bytes | None:
        while len(self.buf) < n:
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                return None
            if not chunk:
                return None
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self) -> Frame | None:
        head = self._read(9)
        if head is None:
            return None
        version, flags, stream, opcode, length = struct.unpack(">BBhBi", head)
        body = self._read(length)
        assert body is not None, "connection closed inside a frame"
        return Frame(version, flags, stream, opcode, body)

    def decode(self, f: Frame, result_metadata: Any = None) -> Any:
        return _ProtocolHandler.decode_message(
            f.version & 0x7F,
            ProtocolFeatures(),
            {},
            f.stream,
            f.flags,
            f.opcode,
            f.body,
            self.decompressor,
            result_metadata,
        )

    def recv(self, result_metadata: Any = None) -> Any:
        f = self.recv_frame()
        assert f is not None, "connection closed"
        return self.decode(f, result_metadata)

    def request(self, message: Any, stream: int = 0, result_metadata: Any = None) -> Any:
        self.send(message, stream)
        return self.recv(result_metadata)

    def startup(self, compression: str | None = None) -> Any:
        options = {"COMPRESSION": compression} if compression else {}
        self.send(StartupMessage(cqlversion="3.0.0", options=options))  # never compressed
        if compression:
            self.compressor, self.decompressor = locally_supported_compressions[compression]
        return self.recv()

    def query(self, text: str, stream: int = 0, **kwargs: Any) -> Any:
        return self.request(QueryMessage(text, ConsistencyLevel.ONE, **kwargs), stream)

    def is_closed(self, timeout: float = 3.0) -> bool:
        """True once the server closed (EOF or reset) within ``timeout``."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except TimeoutError:
            return False
