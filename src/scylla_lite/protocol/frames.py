"""Frames of the CQL native protocol (v3/v4): header, body primitives, compression.

Everything here is pure: bytes in, values out (and back). Decoding errors raise
`DecodeError`, a `ProtocolError` the server answers with an ERROR frame on the
request's stream.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

from ..errors import ProtocolError
from ..requests import UNSET, RawValue

# --------------------------------------------------------------------------- header

HEADER_LENGTH = 9
"""Header size of v3+ frames (v1/v2 frames have an 8-byte header with a 1-byte stream)."""

MAX_BODY_LENGTH = 256 * 1024 * 1024
"""Largest frame body accepted (spec section 2.5)."""

SUPPORTED_VERSIONS = (3, 4)
MIN_VERSION = min(SUPPORTED_VERSIONS)
MAX_VERSION = max(SUPPORTED_VERSIONS)
RESPONSE_BIT = 0x80
VERSION_MASK = 0x7F

# flags
FLAG_COMPRESSION = 0x01
FLAG_TRACING = 0x02
FLAG_CUSTOM_PAYLOAD = 0x04
FLAG_WARNING = 0x08
FLAG_USE_BETA = 0x10

# opcodes
OP_ERROR = 0x00
OP_STARTUP = 0x01
OP_READY = 0x02
OP_AUTHENTICATE = 0x03
OP_OPTIONS = 0x05
OP_SUPPORTED = 0x06
OP_QUERY = 0x07
OP_RESULT = 0x08
OP_PREPARE = 0x09
OP_EXECUTE = 0x0A
OP_REGISTER = 0x0B
OP_EVENT = 0x0C
OP_BATCH = 0x0D
OP_AUTH_CHALLENGE = 0x0E
OP_AUTH_RESPONSE = 0x0F
OP_AUTH_SUCCESS = 0x10

OPCODE_NAMES = {
    OP_ERROR: "ERROR",
    OP_STARTUP: "STARTUP",
    OP_READY: "READY",
    OP_AUTHENTICATE: "AUTHENTICATE",
    OP_OPTIONS: "OPTIONS",
    OP_SUPPORTED: "SUPPORTED",
    OP_QUERY: "QUERY",
    OP_RESULT: "RESULT",
    OP_PREPARE: "PREPARE",
    OP_EXECUTE: "EXECUTE",
    OP_REGISTER: "REGISTER",
    OP_EVENT: "EVENT",
    OP_BATCH: "BATCH",
    OP_AUTH_CHALLENGE: "AUTH_CHALLENGE",
    OP_AUTH_RESPONSE: "AUTH_RESPONSE",
    OP_AUTH_SUCCESS: "AUTH_SUCCESS",
}

EVENT_STREAM = -1

_HEADER = struct.Struct(">BBhBi")
_HEADER_V2 = struct.Struct(">BBbBi")


class FrameHeader(NamedTuple):
    version: int  # without the direction bit
    flags: int
    stream: int
    opcode: int
    length: int
    is_response: bool = False


def header_length(version: int) -> int:
    """Size of the header for a frame whose first byte announces ``version``."""
    return 8 if version in (1, 2) else HEADER_LENGTH


def parse_header(data: bytes | bytearray | memoryview, offset: int = 0) -> FrameHeader:
    """Parse the header at ``offset`` (enough bytes must be there: see `header_length`)."""
    first = data[offset]
    version = first & VERSION_MASK
    if version in (1, 2):
        _, flags, stream, opcode, length = _HEADER_V2.unpack_from(data, offset)
    else:
        _, flags, stream, opcode, length = _HEADER.unpack_from(data, offset)
    return FrameHeader(version, flags, stream, opcode, length, bool(first & RESPONSE_BIT))


def encode_frame(version: int, flags: int, stream: int, opcode: int, body: bytes | bytearray) -> bytes:
    """A whole response frame (the direction bit is set here)."""
    if version in (1, 2):
        stream = max(-128, min(127, stream))
        return _HEADER_V2.pack(version | RESPONSE_BIT, flags, stream, opcode, len(body)) + body
    return _HEADER.pack(version | RESPONSE_BIT, flags, stream, opcode, len(body)) + body


def encode_request_frame(
    version: int, flags: int, stream: int, opcode: int, body: bytes | bytearray
) -> bytes:
    """A request frame (no direction bit); used by tests and tools."""
    return _HEADER.pack(version, flags, stream, opcode, len(body)) + body


# --------------------------------------------------------------------------- decoding


class DecodeError(ProtocolError):
    """A frame body does not hold what its opcode says it should."""


_S_BYTE = struct.Struct(">B")
_S_SHORT = struct.Struct(">H")
_S_INT = struct.Struct(">i")
_S_LONG = struct.Struct(">q")
_unpack_short = _S_SHORT.unpack_from
_unpack_int = _S_INT.unpack_from


class BodyReader:
    """Reads the notations of spec section 3 from a frame body, in order."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def _need(self, n: int, what: str) -> int:
        pos = self.pos
        end = pos + n
        if n < 0 or end > len(self.data):
            raise DecodeError(f"Not enough bytes to read {what}")
        self.pos = end
        return pos

    def byte(self) -> int:
        pos = self.pos
        if pos >= len(self.data):
            raise DecodeError("Not enough bytes to read a byte")
        self.pos = pos + 1
        return self.data[pos]

    def short(self) -> int:
        """[short]: unsigned 16 bits."""
        pos = self.pos
        if pos + 2 > len(self.data):
            raise DecodeError("Not enough bytes to read a short")
        self.pos = pos + 2
        return int(_unpack_short(self.data, pos)[0])

    def int32(self) -> int:
        pos = self.pos
        if pos + 4 > len(self.data):
            raise DecodeError("Not enough bytes to read an int")
        self.pos = pos + 4
        return int(_unpack_int(self.data, pos)[0])

    def int64(self) -> int:
        pos = self._need(8, "a long")
        return int(_S_LONG.unpack_from(self.data, pos)[0])

    def raw(self, n: int) -> bytes:
        pos = self.pos
        end = pos + n
        if n < 0 or end > len(self.data):
            raise DecodeError(f"Not enough bytes to read {n} bytes")
        self.pos = end
        return self.data[pos:end]

    def _utf8(self, raw: bytes, what: str) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError(f"Invalid UTF-8 in {what}: {exc}") from None

    def string(self) -> str:
        n = self.short()
        return self._utf8(self.raw(n), "a [string]")

    def long_string(self) -> str:
        n = self.int32()
        if n < 0:
            raise DecodeError("Negative length for a [long string]")
        return self._utf8(self.raw(n), "a [long string]")

    def nullable_bytes(self) -> bytes | None:
        """[bytes]: None when the length is negative."""
        n = self.int32()
        if n < 0:
            return None
        return self.raw(n)

    def short_bytes(self) -> bytes:
        return self.raw(self.short())

    def value(self) -> RawValue:
        """[value]: bytes, None (-1) or UNSET (-2)."""
        data, pos = self.data, self.pos
        if pos + 4 > len(data):
            raise DecodeError("Not enough bytes to read a [value]")
        n = _unpack_int(data, pos)[0]
        pos += 4
        if n >= 0:
            end = pos + n
            if end > len(data):
                raise DecodeError(f"Not enough bytes to read a [value] of {n} bytes")
            self.pos = end
            return data[pos:end]
        self.pos = pos
        if n == -1:
            return None
        if n == -2:
            return UNSET
        raise DecodeError(f"Invalid [value] length {n}")

    def string_list(self) -> list[str]:
        return [self.string() for _ in range(self.short())]

    def string_map(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for _ in range(self.short()):
            k = self.string()
            out[k] = self.string()
        return out

    def string_multimap(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for _ in range(self.short()):
            k = self.string()
            out[k] = self.string_list()
        return out

    def bytes_map(self) -> dict[str, bytes | None]:
        out: dict[str, bytes | None] = {}
        for _ in range(self.short()):
            k = self.string()
            out[k] = self.nullable_bytes()
        return out

    def consistency(self) -> int:
        return self.short()

    def uuid(self) -> bytes:
        return self.raw(16)

    def inet(self) -> tuple[str, int]:
        size = self.byte()
        if size not in (4, 16):
            raise DecodeError(f"Invalid [inet] address size {size}")
        addr = str(ipaddress.ip_address(self.raw(size)))
        return addr, self.int32()


# --------------------------------------------------------------------------- encoding
# Writers append to a bytearray; they are plain functions for speed.

_pack_short = _S_SHORT.pack
_pack_int = _S_INT.pack
_pack_long = _S_LONG.pack


def write_byte(buf: bytearray, v: int) -> None:
    buf.append(v & 0xFF)


def write_short(buf: bytearray, v: int) -> None:
    buf += _pack_short(v)


def write_int(buf: bytearray, v: int) -> None:
    buf += _pack_int(v)


def write_long(buf: bytearray, v: int) -> None:
    buf += _pack_long(v)


_MAX_SHORT = 0xFFFF


def _truncate_utf8(raw: bytes, limit: int) -> bytes:
    if len(raw) <= limit:
        return raw
    return raw[:limit].decode("utf-8", "ignore").encode("utf-8")


def write_string(buf: bytearray, s: str) -> None:
    """[string]; text longer than a [short] allows is cut (at a character boundary)."""
    raw = _truncate_utf8(s.encode("utf-8"), _MAX_SHORT)
    buf += _pack_short(len(raw))
    buf += raw


def write_long_string(buf: bytearray, s: str) -> None:
    raw = s.encode("utf-8")
    buf += _pack_int(len(raw))
    buf += raw


def write_bytes(buf: bytearray, v: bytes | bytearray | None) -> None:
    """[bytes]; None is null (length -1)."""
    if v is None:
        buf += b"\xff\xff\xff\xff"
    else:
        buf += _pack_int(len(v))
        buf += v


def write_value(buf: bytearray, v: RawValue) -> None:
    """[value]; None is null (-1) and UNSET is not set (-2)."""
    if v is None:
        buf += b"\xff\xff\xff\xff"
    elif v is UNSET:
        buf += b"\xff\xff\xff\xfe"
    else:
        assert isinstance(v, (bytes, bytearray))
        buf += _pack_int(len(v))
        buf += v


def write_short_bytes(buf: bytearray, v: bytes) -> None:
    buf += _pack_short(len(v))
    buf += v


def write_string_list(buf: bytearray, items: Iterable[str]) -> None:
    items = list(items)
    buf += _pack_short(len(items))
    for s in items:
        write_string(buf, s)


def write_string_map(buf: bytearray, m: Mapping[str, str]) -> None:
    buf += _pack_short(len(m))
    for k, v in m.items():
        write_string(buf, k)
        write_string(buf, v)


def write_string_multimap(buf: bytearray, m: Mapping[str, Iterable[str]]) -> None:
    buf += _pack_short(len(m))
    for k, v in m.items():
        write_string(buf, k)
        write_string_list(buf, v)


def write_bytes_map(buf: bytearray, m: Mapping[str, bytes | None]) -> None:
    buf += _pack_short(len(m))
    for k, v in m.items():
        write_string(buf, k)
        write_bytes(buf, v)


def write_consistency(buf: bytearray, v: int) -> None:
    buf += _pack_short(v)


def write_inet(buf: bytearray, address: str, port: int) -> None:
    packed = ipaddress.ip_address(address).packed
    buf.append(len(packed))
    buf += packed
    buf += _pack_int(port)


# --------------------------------------------------------------------------- compression


class Compression(NamedTuple):
    name: str
    compress: Callable[[bytes], bytes]
    decompress: Callable[[bytes], bytes]


def _lz4() -> Compression | None:
    try:
        import lz4.block as lz4_block
    except ImportError:  # pragma: no cover - lz4 is a dependency
        return None

    def compress(data: bytes) -> bytes:
        # v4 spec section 5: a 4-byte big-endian uncompressed length, then the LZ4 block.
        return _pack_int(len(data)) + lz4_block.compress(data, store_size=False)

    def decompress(data: bytes) -> bytes:
        if len(data) < 4:
            raise DecodeError("LZ4 body shorter than its length prefix")
        size = int(_S_INT.unpack_from(data, 0)[0])
        if size < 0 or size > MAX_BODY_LENGTH:
            raise DecodeError(f"Invalid LZ4 uncompressed length {size}")
        if size == 0:
            return b""
        try:
            out = lz4_block.decompress(data[4:], uncompressed_size=size)
        except Exception as exc:  # LZ4BlockError
            raise DecodeError(f"Invalid LZ4 compressed body: {exc}") from None
        if len(out) != size:
            raise DecodeError("LZ4 body does not decompress to its announced length")
        return bytes(out)

    return Compression("lz4", compress, decompress)


def _snappy() -> Compression | None:
    compress_fn: Callable[[bytes], bytes]
    decompress_fn: Callable[[bytes], bytes]
    try:
        import cramjam  # type: ignore[import-not-found,unused-ignore]

        def compress_fn(data: bytes) -> bytes:
            return bytes(cramjam.snappy.compress_raw(data))

        def decompress_fn(data: bytes) -> bytes:
            return bytes(cramjam.snappy.decompress_raw(data))

    except ImportError:
        try:
            import snappy  # type: ignore[import-not-found,unused-ignore]  # python-snappy
        except ImportError:
            return None

        def compress_fn(data: bytes) -> bytes:
            return bytes(snappy.compress(data))

        def decompress_fn(data: bytes) -> bytes:
            return bytes(snappy.decompress(data))

    def decompress(data: bytes) -> bytes:
        # Raw snappy starts with the uncompressed length as a varint: check it first.
        size = shift = 0
        for b in data[:5]:
            size |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        else:
            raise DecodeError("Invalid snappy length prefix")
        if size > MAX_BODY_LENGTH:
            raise DecodeError(f"Invalid snappy uncompressed length {size}")
        try:
            out = decompress_fn(data)
        except Exception as exc:
            raise DecodeError(f"Invalid snappy compressed body: {exc}") from None
        if len(out) > MAX_BODY_LENGTH:
            raise DecodeError("Snappy body decompresses beyond the maximum frame size")
        return out

    return Compression("snappy", compress_fn, decompress)


def _available() -> dict[str, Compression]:
    out: dict[str, Compression] = {}
    for factory in (_lz4, _snappy):
        c = factory()
        if c is not None:
            out[c.name] = c
    return out


COMPRESSIONS: dict[str, Compression] = _available()
"""Compression algorithms this server offers, by their STARTUP name (lz4 first)."""
