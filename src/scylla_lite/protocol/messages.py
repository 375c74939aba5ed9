"""Message bodies of the CQL native protocol v3/v4 (spec section 4).

Requests are decoded into the `scylla_lite.requests` dataclasses; responses are
encoded from `scylla_lite.results` / `scylla_lite.errors` objects. Bodies only:
framing and compression live in `frames`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Mapping, Sequence

from ..errors import (
    AlreadyExists,
    CqlError,
    FunctionFailure,
    ReadTimeout,
    Unavailable,
    Unprepared,
    WriteTimeout,
)
from ..requests import BatchItem, BatchOptions, QueryOptions, RawValue
from ..results import ColumnSpec, Prepared, Result, Rows, SchemaChange, SetKeyspace, Void
from .frames import (
    BodyReader,
    DecodeError,
    write_bytes,
    write_inet,
    write_int,
    write_short,
    write_short_bytes,
    write_string,
    write_string_list,
    write_string_multimap,
)
from .types import type_option

_pack_int = struct.Struct(">i").pack

# --------------------------------------------------------------------------- constants

# <query_parameters> flags (QUERY, EXECUTE) and BATCH flags
QF_VALUES = 0x01
QF_SKIP_METADATA = 0x02
QF_PAGE_SIZE = 0x04
QF_PAGING_STATE = 0x08
QF_SERIAL_CONSISTENCY = 0x10
QF_DEFAULT_TIMESTAMP = 0x20
QF_NAMES_FOR_VALUES = 0x40

# RESULT kinds
RESULT_VOID = 0x0001
RESULT_ROWS = 0x0002
RESULT_SET_KEYSPACE = 0x0003
RESULT_PREPARED = 0x0004
RESULT_SCHEMA_CHANGE = 0x0005

# Rows metadata flags
MD_GLOBAL_TABLES_SPEC = 0x0001
MD_HAS_MORE_PAGES = 0x0002
MD_NO_METADATA = 0x0004

EVENT_TYPES = ("TOPOLOGY_CHANGE", "STATUS_CHANGE", "SCHEMA_CHANGE")

PASSWORD_AUTHENTICATOR = "org.apache.cassandra.auth.PasswordAuthenticator"

# --------------------------------------------------------------------------- requests


def decode_startup(body: bytes) -> dict[str, str]:
    """STARTUP: a [string map] of options (CQL_VERSION, COMPRESSION, driver info...)."""
    return BodyReader(body).string_map()


def decode_auth_response(body: bytes) -> bytes | None:
    """AUTH_RESPONSE: a single [bytes] token."""
    return BodyReader(body).nullable_bytes()


def decode_sasl_plain(token: bytes | None) -> tuple[str, str]:
    """A SASL PLAIN token ``[authzid] NUL user NUL password`` -> (user, password)."""
    if token is None:
        raise DecodeError("Authentication token must not be null")
    parts = token.split(b"\x00")
    if len(parts) != 3:
        raise DecodeError("Invalid SASL PLAIN token: expected [authzid]\\0user\\0password")
    try:
        user, password = parts[1].decode("utf-8"), parts[2].decode("utf-8")
    except UnicodeDecodeError:
        raise DecodeError("Invalid UTF-8 in the SASL PLAIN token") from None
    return user, password


def decode_register(body: bytes) -> list[str]:
    """REGISTER: a [string list] of event types."""
    events = BodyReader(body).string_list()
    for e in events:
        if e not in EVENT_TYPES:
            raise DecodeError(f"Invalid value '{e}' for Type")
    return events


_MIN_LONG = -(2**63)


def _read_timestamp(r: BodyReader) -> int:
    ts = r.int64()
    if ts == _MIN_LONG:
        raise DecodeError(f"Out of bound timestamp, must be in [{_MIN_LONG + 1}, {2**63 - 1}] (got {ts})")
    return ts


def _read_query_parameters(r: BodyReader) -> QueryOptions:
    opts = QueryOptions(consistency=r.consistency())
    flags = r.byte()
    if flags & QF_VALUES:
        n = r.short()
        if flags & QF_NAMES_FOR_VALUES:
            names: list[str] = []
            values: list[RawValue] = []
            for _ in range(n):
                names.append(r.string())
                values.append(r.value())
            opts.names = names
            opts.values = values
        else:
            opts.values = [r.value() for _ in range(n)]
    opts.skip_metadata = bool(flags & QF_SKIP_METADATA)
    if flags & QF_PAGE_SIZE:
        size = r.int32()
        opts.page_size = size if size > 0 else None
    if flags & QF_PAGING_STATE:
        opts.paging_state = r.nullable_bytes()
    if flags & QF_SERIAL_CONSISTENCY:
        opts.serial_consistency = r.consistency()
    if flags & QF_DEFAULT_TIMESTAMP:
        opts.timestamp = _read_timestamp(r)
    return opts


def decode_query(body: bytes, version: int = 4) -> tuple[str, QueryOptions]:
    """QUERY: <query [long string]><query_parameters>."""
    r = BodyReader(body)
    text = r.long_string()
    return text, _read_query_parameters(r)


def decode_prepare(body: bytes, version: int = 4) -> str:
    """PREPARE: the query as a [long string]."""
    return BodyReader(body).long_string()


def decode_execute(body: bytes, version: int = 4) -> tuple[bytes, QueryOptions]:
    """EXECUTE: <id [short bytes]><query_parameters>."""
    r = BodyReader(body)
    statement_id = r.short_bytes()
    return statement_id, _read_query_parameters(r)


def decode_batch(body: bytes, version: int = 4) -> BatchOptions:
    """BATCH: <type><n><query_1>...<query_n><consistency><flags>[<serial>][<timestamp>].

    Named values are refused (as Cassandra does): the flag saying they are there comes
    after the values, so they cannot be read.
    """
    r = BodyReader(body)
    kind = r.byte()
    if kind not in (0, 1, 2):
        raise DecodeError(f"Invalid BATCH type {kind}")
    items: list[BatchItem] = []
    for _ in range(r.short()):
        item_kind = r.byte()
        if item_kind == 0:
            item = BatchItem(query=r.long_string(), statement_id=None)
        elif item_kind == 1:
            item = BatchItem(query=None, statement_id=r.short_bytes())
        else:
            raise DecodeError(f"Invalid query kind in BATCH messages. Must be 0 or 1 but got {item_kind}")
        item.values = [r.value() for _ in range(r.short())]
        items.append(item)
    opts = BatchOptions(kind=kind, items=items, consistency=r.consistency())
    flags = r.byte()
    if flags & QF_NAMES_FOR_VALUES:
        raise DecodeError("Names for values are not supported in BATCH")
    if flags & QF_SERIAL_CONSISTENCY:
        opts.serial_consistency = r.consistency()
    if flags & QF_DEFAULT_TIMESTAMP:
        opts.timestamp = _read_timestamp(r)
    return opts


def skip_custom_payload(body: bytes) -> bytes:
    """Drop the [bytes map] a request with the custom payload flag starts with."""
    r = BodyReader(body)
    r.bytes_map()
    return body[r.pos :]


# --------------------------------------------------------------------------- responses


def encode_error(exc: CqlError, version: int = 4) -> bytes:
    """ERROR: <code [int]><message [string]> then the fields section 9 gives each code."""
    buf = bytearray()
    code = exc.code
    if isinstance(exc, FunctionFailure) and version < 4:
        code = 0x2200  # Function_failure is v4+: Cassandra downgrades it to Invalid
    write_int(buf, code)
    write_string(buf, exc.message)
    if code != exc.code:
        return bytes(buf)
    if isinstance(exc, Unavailable):
        write_short(buf, exc.consistency)
        write_int(buf, exc.required)
        write_int(buf, exc.alive)
    elif isinstance(exc, WriteTimeout):
        write_short(buf, exc.consistency)
        write_int(buf, exc.received)
        write_int(buf, exc.block_for)
        write_string(buf, exc.write_type)
    elif isinstance(exc, ReadTimeout):
        write_short(buf, exc.consistency)
        write_int(buf, exc.received)
        write_int(buf, exc.block_for)
        buf.append(1 if exc.data_present else 0)
    elif isinstance(exc, FunctionFailure):
        write_string(buf, exc.keyspace)
        write_string(buf, exc.function)
        write_string_list(buf, exc.arg_types)
    elif isinstance(exc, AlreadyExists):
        write_string(buf, exc.keyspace)
        write_string(buf, exc.table)
    elif isinstance(exc, Unprepared):
        write_short_bytes(buf, exc.statement_id)
    return bytes(buf)


def encode_ready() -> bytes:
    return b""


def encode_authenticate(authenticator: str = PASSWORD_AUTHENTICATOR) -> bytes:
    buf = bytearray()
    write_string(buf, authenticator)
    return bytes(buf)


def encode_auth_success(token: bytes | None = None) -> bytes:
    buf = bytearray()
    write_bytes(buf, token)
    return bytes(buf)


def encode_supported(options: Mapping[str, Sequence[str]]) -> bytes:
    buf = bytearray()
    write_string_multimap(buf, options)
    return bytes(buf)


def _global_table(columns: Sequence[ColumnSpec]) -> tuple[str, str] | None:
    if not columns:
        return None
    ks, table = columns[0].keyspace, columns[0].table
    for c in columns:
        if c.keyspace != ks or c.table != table:
            return None
    return ks, table


def _write_col_specs(
    buf: bytearray, columns: Sequence[ColumnSpec], glob: tuple[str, str] | None, version: int
) -> None:
    if glob is not None:
        write_string(buf, glob[0])
        write_string(buf, glob[1])
    for c in columns:
        if glob is None:
            write_string(buf, c.keyspace)
            write_string(buf, c.table)
        write_string(buf, c.name)
        buf += type_option(c.type, version)


def _write_rows_metadata(
    buf: bytearray,
    columns: Sequence[ColumnSpec],
    version: int,
    paging_state: bytes | None = None,
    no_metadata: bool = False,
) -> None:
    flags = 0
    glob = None
    if paging_state is not None:
        flags |= MD_HAS_MORE_PAGES
    if no_metadata:
        flags |= MD_NO_METADATA
    else:
        glob = _global_table(columns)
        if glob is not None:
            flags |= MD_GLOBAL_TABLES_SPEC
    write_int(buf, flags)
    write_int(buf, len(columns))
    if paging_state is not None:
        write_bytes(buf, paging_state)
    if not no_metadata:
        _write_col_specs(buf, columns, glob, version)


def _encode_rows(buf: bytearray, rows: Rows, version: int) -> None:
    _write_rows_metadata(buf, rows.columns, version, rows.paging_state, rows.no_metadata)
    write_int(buf, len(rows.rows))
    _encode_row_cells(buf, rows.rows, len(rows.columns))


def _encode_row_cells(buf: bytearray, rows: list[list[bytes | None]], ncols: int) -> None:
    """Cells come serialised from the engine: each is written as a [bytes] (None: null)."""
    null = b"\xff\xff\xff\xff"
    pack = _pack_int
    for row in rows:
        if len(row) != ncols:
            raise ValueError(f"row has {len(row)} values for {ncols} columns")
        for cell in row:
            if cell is None:
                buf += null
            else:
                buf += pack(len(cell))
                buf += cell


def _encode_prepared(buf: bytearray, p: Prepared, version: int) -> None:
    write_short_bytes(buf, p.statement_id)
    # <metadata>: the bind markers
    glob = _global_table(p.bind)
    write_int(buf, MD_GLOBAL_TABLES_SPEC if glob is not None else 0)
    write_int(buf, len(p.bind))
    if version >= 4:
        write_int(buf, len(p.pk_indexes))
        for i in p.pk_indexes:
            write_short(buf, i)
    _write_col_specs(buf, p.bind, glob, version)
    # <result_metadata>: empty (No_metadata, 0 columns) for anything but a SELECT
    if p.result:
        _write_rows_metadata(buf, p.result, version)
    else:
        write_int(buf, MD_NO_METADATA)
        write_int(buf, 0)


def _write_schema_change(buf: bytearray, sc: SchemaChange, version: int) -> None:
    """<change_type><target><options> of a Schema_change result or SCHEMA_CHANGE event."""
    target = sc.target.upper()
    change = sc.change.upper()
    if target in ("FUNCTION", "AGGREGATE") and version < 4:
        # Functions and aggregates are v4+: say their keyspace was updated instead.
        write_string(buf, "UPDATED")
        write_string(buf, "KEYSPACE")
        write_string(buf, sc.keyspace)
        return
    write_string(buf, change)
    write_string(buf, target)
    write_string(buf, sc.keyspace)
    if target != "KEYSPACE":
        write_string(buf, sc.name)
        if target in ("FUNCTION", "AGGREGATE"):
            write_string_list(buf, sc.arg_types)


ROWS_PER_PART = 2000


def encode_result_parts(result: Result, version: int = 4) -> Iterator[bytes]:
    """`encode_result` in parts, a long row set `ROWS_PER_PART` rows a part, so that a
    server can serve other clients between them; the parts joined are `encode_result`."""
    if not isinstance(result, Rows) or len(result.rows) <= ROWS_PER_PART:
        yield encode_result(result, version)
        return
    head = bytearray()
    write_int(head, RESULT_ROWS)
    _write_rows_metadata(head, result.columns, version, result.paging_state, result.no_metadata)
    write_int(head, len(result.rows))
    yield bytes(head)
    for start in range(0, len(result.rows), ROWS_PER_PART):
        part = bytearray()
        _encode_row_cells(part, result.rows[start : start + ROWS_PER_PART], len(result.columns))
        yield bytes(part)


def encode_result(result: Result, version: int = 4) -> bytes:
    """RESULT: <kind [int]> then the body of that kind (section 4.2.5)."""
    buf = bytearray()
    if isinstance(result, Void):
        write_int(buf, RESULT_VOID)
    elif isinstance(result, Rows):
        write_int(buf, RESULT_ROWS)
        _encode_rows(buf, result, version)
    elif isinstance(result, SetKeyspace):
        write_int(buf, RESULT_SET_KEYSPACE)
        write_string(buf, result.keyspace)
    elif isinstance(result, Prepared):
        write_int(buf, RESULT_PREPARED)
        _encode_prepared(buf, result, version)
    elif isinstance(result, SchemaChange):
        write_int(buf, RESULT_SCHEMA_CHANGE)
        _write_schema_change(buf, result, version)
    else:
        raise TypeError(f"not a result: {result!r}")
    return bytes(buf)


def encode_schema_change_event(sc: SchemaChange, version: int = 4) -> bytes:
    """EVENT body of a SCHEMA_CHANGE (sent on stream -1)."""
    buf = bytearray()
    write_string(buf, "SCHEMA_CHANGE")
    _write_schema_change(buf, sc, version)
    return bytes(buf)


def encode_event(event_type: str, change: str, address: str, port: int) -> bytes:
    """EVENT body of a TOPOLOGY_CHANGE or STATUS_CHANGE (``NEW_NODE``/``UP``...)."""
    buf = bytearray()
    write_string(buf, event_type)
    write_string(buf, change)
    write_inet(buf, address, port)
    return bytes(buf)


__all__ = [
    "decode_auth_response",
    "decode_batch",
    "decode_execute",
    "decode_prepare",
    "decode_query",
    "decode_register",
    "decode_sasl_plain",
    "decode_startup",
    "encode_auth_success",
    "encode_authenticate",
    "encode_error",
    "encode_event",
    "encode_ready",
    "encode_result",
    "encode_schema_change_event",
    "encode_supported",
    "skip_custom_payload",
]
