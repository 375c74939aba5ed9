"""The CQL native protocol layer of scylla_lite, over raw sockets.

A fake engine (fixed answers, recorded requests) stands behind the server; the
client side encodes requests and decodes replies with the driver's own
`cassandra.protocol` code, so what passes here is what the driver understands.
"""

from __future__ import annotations

import asyncio
import datetime
import io
import os
import random
import signal
import socket
import ssl
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cassandra import ConsistencyLevel, WriteType
from cassandra import cqltypes as ct
from cassandra.connection import locally_supported_compressions
from cassandra.protocol import (
    _UNSET_VALUE,
    AlreadyExistsException,
    AuthenticateMessage,
    AuthResponseMessage,
    AuthSuccessMessage,
    BadCredentials,
    BatchMessage,
    ErrorMessage,
    EventMessage,
    ExecuteMessage,
    FunctionFailureMessage,
    InvalidRequestException,
    OptionsMessage,
    PreparedQueryNotFound,
    PrepareMessage,
    ProtocolException,
    QueryMessage,
    ReadTimeoutErrorMessage,
    ReadyMessage,
    RegisterMessage,
    ResultMessage,
    ServerError,
    StartupMessage,
    SupportedMessage,
    SyntaxException,
    UnavailableErrorMessage,
    WriteTimeoutErrorMessage,
    _ProtocolHandler,
)
from cassandra.protocol_features import ProtocolFeatures
from cassandra.query import BatchType

from scylla_lite import errors
from scylla_lite.protocol import frames as fr
from scylla_lite.protocol import messages as msgs
from scylla_lite.protocol.types import type_option
from scylla_lite.requests import UNSET, BatchOptions, ClientState, QueryOptions
from scylla_lite.results import ColumnSpec, Prepared, Result, Rows, SchemaChange, SetKeyspace, Void
from scylla_lite.server import BackgroundServer, serve, start_server
from spec.wire import Client

# --------------------------------------------------------------------------- fake engine

KS, TABLE = "ks", "t"
INT_TEXT = [ColumnSpec(KS, TABLE, "k", ct.Int32Type), ColumnSpec(KS, TABLE, "v", ct.UTF8Type)]
UDT = ct.UserType.make_udt_class("ks", "address", ("street", "zip"), (ct.UTF8Type, ct.Int32Type))
VECTOR = ct.lookup_casstype(
    "org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal.FloatType, 3)"
)
TYPED = [
    ColumnSpec(KS, TABLE, "l", ct.ListType.apply_parameters([ct.Int32Type])),
    ColumnSpec(KS, TABLE, "m", ct.MapType.apply_parameters([ct.UTF8Type, ct.LongType])),
    ColumnSpec(KS, TABLE, "s", ct.SetType.apply_parameters([ct.UTF8Type])),
    ColumnSpec(KS, TABLE, "tu", ct.TupleType.apply_parameters([ct.Int32Type, ct.UTF8Type])),
    ColumnSpec(KS, TABLE, "u", UDT),
    ColumnSpec(KS, TABLE, "vec", VECTOR),
    ColumnSpec(
        KS, TABLE, "fl", ct.FrozenType.apply_parameters([ct.ListType.apply_parameters([ct.Int32Type])])
    ),
    ColumnSpec(KS, TABLE, "d", ct.DurationType),
    ColumnSpec(KS, TABLE, "ts", ct.DateType),
    ColumnSpec(KS, TABLE, "sm", ct.ShortType),
]
TYPED_ROW = [
    [1, 2, 3],
    {"a": 1},
    {"x", "y"},
    (7, "seven"),
    ("main st", 12345),
    [1.0, 2.5, -3.0],
    [4, 5],
    None,
    datetime.datetime(2024, 1, 2, 3, 4, 5),
    -3,
]

ERRORS: dict[str, errors.CqlError] = {
    "unavailable": errors.Unavailable("not enough replicas", consistency=4, required=3, alive=1),
    "write_timeout": errors.WriteTimeout(
        "write timed out", consistency=1, received=0, block_for=1, write_type="SIMPLE"
    ),
    "read_timeout": errors.ReadTimeout(
        "read timed out", consistency=1, received=0, block_for=1, data_present=True
    ),
    "function": errors.FunctionFailure("fn failed", keyspace="ks", function="f", arg_types=["int", "text"]),
    "exists": errors.AlreadyExists("Table ks.t already exists", keyspace="ks", table="t"),
    "unprepared": errors.Unprepared("unknown id", b"\x01\x02\x03"),
    "syntax": errors.SyntaxException("line 1:0 no viable alternative"),
    "invalid": errors.InvalidRequest("Undefined column name x"),
}


def rows(columns: list[ColumnSpec], values: list[list[Any]], **kwargs: Any) -> Rows:
    """A Rows result from Python values (the engine hands cells over serialised)."""
    cells = [
        [None if v is None else c.type.to_binary(v, 4) for c, v in zip(columns, row, strict=True)]
        for row in values
    ]
    return Rows(columns, cells, **kwargs)


class FakeEngine:
    """Fixed answers keyed on the query text; records every request."""

    def __init__(self, auth: bool = False) -> None:
        self.auth_enabled = auth
        self.calls: list[tuple[str, Any]] = []
        self.gate: asyncio.Event | None = None  # when set, sync() waits for it
        self.syncs = 0
        self.prepared: dict[bytes, str] = {}

    def _answer(self, client: ClientState, text: str) -> Result:
        word = text.split()[0].upper() if text.split() else ""
        if text.startswith("SELECT typed"):
            return rows(TYPED, [TYPED_ROW])
        if text.startswith("SELECT mixed"):
            cols = [ColumnSpec("ks", "a", "x", ct.Int32Type), ColumnSpec("other", "b", "y", ct.Int32Type)]
            return rows(cols, [[1, 2]])
        if text.startswith("SELECT paged"):
            return rows(INT_TEXT, [[1, "one"]], paging_state=b"\xca\xfe")
        if text.startswith("SELECT nometa"):
            return rows(INT_TEXT, [[1, "one"]], no_metadata=True)
        if word == "SELECT":
            return rows(INT_TEXT, [[1, "one"], [2, None]])
        if word == "CREATE":
            return SchemaChange("CREATED", "TABLE", KS, TABLE)
        if word == "DROP":
            return SchemaChange("DROPPED", "KEYSPACE", KS)
        if text.startswith("CREATE_FUNCTION"):
            return SchemaChange("CREATED", "FUNCTION", KS, "f", ["int"])
        if word == "USE":
            client.keyspace = text.split()[1]
            return SetKeyspace(client.keyspace)
        if word == "ERROR":
            raise ERRORS[text.split()[1]]
        if word == "CRASH":
            raise RuntimeError("kaboom")
        if word == "BADROW":
            return Rows(INT_TEXT, [["not bytes", b"x"]])  # type: ignore[list-item]
        return Void()

    def query(self, client: ClientState, query: str, options: QueryOptions) -> Result:
        self.calls.append(("query", (query, options)))
        if query.startswith("CREATE_FUNCTION"):
            return SchemaChange("CREATED", "FUNCTION", KS, "f", ["int"])
        return self._answer(client, query)

    def prepare(self, client: ClientState, query: str) -> Prepared:
        self.calls.append(("prepare", query))
        sid = b"id:" + query.encode()[:20]
        self.prepared[sid] = query
        return Prepared(
            sid, bind=INT_TEXT, pk_indexes=[0], result=INT_TEXT if query.startswith("SELECT") else []
        )

    def execute(self, client: ClientState, statement_id: bytes, options: QueryOptions) -> Result:
        self.calls.append(("execute", (statement_id, options)))
        if statement_id not in self.prepared:
            raise errors.Unprepared("Prepared statement not found", statement_id)
        k, v = options.values
        assert isinstance(k, bytes) and isinstance(v, bytes)
        return Rows(INT_TEXT, [[k, v]], no_metadata=options.skip_metadata)

    def batch(self, client: ClientState, options: BatchOptions) -> Result:
        self.calls.append(("batch", options))
        return Void()

    def authenticate(self, user: str, password: str) -> bool:
        return (user, password) == ("cassandra", "secret")

    async def sync(self) -> None:
        self.syncs += 1
        if self.gate is not None:
            await self.gate.wait()

    def last(self, kind: str) -> Any:
        return next(args for k, args in reversed(self.calls) if k == kind)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def engine() -> FakeEngine:
    """A scripted engine: answers what the test tells it to, so frames are tested alone."""
    return FakeEngine()


@pytest.fixture
def srv(engine: FakeEngine) -> Iterator[BackgroundServer]:
    """A server over the scripted engine."""
    with serve(engine=engine) as s:
        yield s


@pytest.fixture
def connect(srv: BackgroundServer) -> Iterator[Any]:
    """A factory of raw protocol clients to `srv`, closed after the test."""
    clients: list[Client] = []

    def make(**kwargs: Any) -> Client:
        c = Client(srv.host, srv.port, **kwargs)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def ready(connect: Any) -> Client:
    """A raw client that has sent STARTUP and got READY."""
    c = connect()
    assert isinstance(c.startup(), ReadyMessage)
    return c


# --------------------------------------------------------------------------- handshake


def test_options_answers_supported_with_scylla_sharding_keys(connect: Any) -> None:
    c = connect()
    sup = c.request(OptionsMessage(), stream=3)
    assert isinstance(sup, SupportedMessage)
    assert sup.stream_id == 3
    assert sup.cql_versions == ["3.3.1"]
    assert "lz4" in sup.options["COMPRESSION"]
    assert sup.options["SCYLLA_NR_SHARDS"] == ["1"]
    assert sup.options["SCYLLA_PARTITIONER"] == ["org.apache.cassandra.dht.Murmur3Partitioner"]
    assert "SCYLLA_SHARD_AWARE_PORT" not in sup.options
    features = ProtocolFeatures.parse_from_supported(sup.options)
    assert features.sharding_info is not None and features.sharding_info.shards_count == 1
    assert features.sharding_info.shard_aware_port is None
    assert features.lwt_info is None


@pytest.mark.parametrize("version", [3, 4])
def test_startup_then_query_in_the_requests_version(connect: Any, version: int) -> None:
    c = connect(version=version)
    c.send(StartupMessage(cqlversion="3.0.0", options={}), stream=1)
    f = c.recv_frame()
    assert f is not None and f.version == 0x80 | version and f.stream == 1
    assert isinstance(c.decode(f), ReadyMessage)
    res = c.query("SELECT * FROM ks.t", stream=2)
    assert isinstance(res, ResultMessage) and res.stream_id == 2
    assert res.parsed_rows == [(1, "one"), (2, None)]


def test_requests_before_startup_are_protocol_errors(connect: Any, engine: FakeEngine) -> None:
    c = connect()
    err = c.query("SELECT * FROM ks.t")
    assert isinstance(err, ProtocolException)
    assert err.message == "Unexpected message QUERY, expecting STARTUP or OPTIONS"
    assert not engine.calls
    assert isinstance(c.startup(), ReadyMessage)  # the connection is still usable
    again = c.request(StartupMessage(cqlversion="3.0.0", options={}))
    assert isinstance(again, ProtocolException) and "already initialized" in again.message


def test_startup_needs_a_cql_version_and_a_known_compression(connect: Any) -> None:
    c = connect()
    err = c.request(StartupMessage(cqlversion="3.0.0", options={"COMPRESSION": "zstd"}))
    assert isinstance(err, ProtocolException) and "zstd" in err.message
    c.send_raw(fr.encode_request_frame(4, 0, 0, fr.OP_STARTUP, b"\x00\x00"))
    err = c.recv()
    assert isinstance(err, ProtocolException) and "CQL_VERSION" in err.message


def test_v5_is_refused_with_cassandras_message_then_v4_works(srv: BackgroundServer, connect: Any) -> None:
    c = connect()
    c.send(OptionsMessage(), stream=7, version=5)
    f = c.recv_frame()
    assert f is not None
    assert (f.version, f.stream, f.opcode) == (0x85, 7, fr.OP_ERROR)
    err = c.decode(f)
    assert isinstance(err, ProtocolException)
    assert err.message == (
        "Invalid or unsupported protocol version (5); the lowest supported version is 3 and the greatest is 4"
    )
    assert "unsupported protocol version" in err.message  # what cassandra.connection looks for
    assert c.is_closed()
    c4 = connect()
    assert isinstance(c4.startup(), ReadyMessage)
    assert isinstance(c4.query("SELECT * FROM ks.t"), ResultMessage)


@pytest.mark.parametrize("version", [1, 2])
def test_old_versions_are_answered_in_their_own_header(connect: Any, version: int) -> None:
    c = connect()
    c.send_raw(struct.pack(">BBbBi", version, 0, 5, fr.OP_OPTIONS, 0))
    head = c._read(8)
    assert head is not None
    v, _flags, stream, opcode, length = struct.unpack(">BBbBi", head)
    assert (v, stream, opcode) == (0x80 | version, 5, fr.OP_ERROR)
    body = c._read(length)
    assert body is not None and f"unsupported protocol version ({version})" in body.decode()


def test_lz4_compression_round_trip(connect: Any) -> None:
    c = connect()
    assert isinstance(c.startup("lz4"), ReadyMessage)
    c.send(QueryMessage("SELECT * FROM ks.t WHERE k = 'x'", ConsistencyLevel.ONE), stream=4)
    f = c.recv_frame()
    assert f is not None and f.flags & fr.FLAG_COMPRESSION
    res = c.decode(f)
    assert isinstance(res, ResultMessage) and res.parsed_rows == [(1, "one"), (2, None)]
    # the server's codec is the v4 one: big-endian length, then the LZ4 block
    lz4 = fr.COMPRESSIONS["lz4"]
    data = b"some body " * 50
    packed = lz4.compress(data)
    assert packed[:4] == struct.pack(">i", len(data))
    assert locally_supported_compressions["lz4"][1](packed) == data
    assert lz4.decompress(locally_supported_compressions["lz4"][0](data)) == data


def test_compressed_frame_without_negotiation_is_a_protocol_error(ready: Client) -> None:
    body = fr.COMPRESSIONS["lz4"].compress(b"\x00\x00")
    ready.send_raw(fr.encode_request_frame(4, fr.FLAG_COMPRESSION, 1, fr.OP_QUERY, body))
    err = ready.recv()
    assert isinstance(err, ProtocolException) and "compress" in err.message
    assert isinstance(ready.query("SELECT 1"), ResultMessage)


def test_bad_lz4_body_is_a_protocol_error(connect: Any) -> None:
    c = connect()
    c.startup("lz4")
    for body in (b"\x00\x00", struct.pack(">i", 100) + b"\xff\xff\xff", struct.pack(">i", 1 << 30) + b"\x00"):
        c.send_raw(fr.encode_request_frame(4, fr.FLAG_COMPRESSION, 1, fr.OP_QUERY, body))
        assert isinstance(c.recv(), ProtocolException)
    assert isinstance(c.query("SELECT 1"), ResultMessage)


# --------------------------------------------------------------------------- authentication


@pytest.mark.parametrize("engine", [FakeEngine(auth=True)])
def test_password_authentication(connect: Any, engine: FakeEngine) -> None:
    c = connect()
    auth = c.startup()
    assert isinstance(auth, AuthenticateMessage)
    assert auth.authenticator == "org.apache.cassandra.auth.PasswordAuthenticator"
    err = c.query("SELECT * FROM ks.t")
    assert isinstance(err, ProtocolException)
    bad = c.request(AuthResponseMessage(b"\x00cassandra\x00wrong"))
    assert isinstance(bad, BadCredentials)
    assert bad.message == "Provided username cassandra and/or password are incorrect"
    malformed = c.request(AuthResponseMessage(b"no separators"))
    assert isinstance(malformed, BadCredentials)
    c.send(AuthResponseMessage(b"\x00cassandra\x00secret"))
    f = c.recv_frame()
    assert f is not None and f.body == b"\xff\xff\xff\xff"  # a null token
    assert isinstance(c.decode(f), AuthSuccessMessage)
    assert isinstance(c.query("SELECT * FROM ks.t"), ResultMessage)
    assert engine.last("query")[0] == "SELECT * FROM ks.t"


@pytest.mark.parametrize("engine", [FakeEngine(auth=True)])
def test_authentication_with_compression(connect: Any) -> None:
    c = connect()
    assert isinstance(c.startup("lz4"), AuthenticateMessage)
    assert isinstance(c.request(AuthResponseMessage(b"\x00cassandra\x00secret")), AuthSuccessMessage)
    assert isinstance(c.query("SELECT * FROM ks.t"), ResultMessage)


def test_auth_response_without_authentication_is_refused(connect: Any) -> None:
    c = connect()
    assert isinstance(c.request(AuthResponseMessage(b"\x00a\x00b")), ProtocolException)


# --------------------------------------------------------------------------- requests


def test_query_parameters_are_decoded(ready: Client, engine: FakeEngine) -> None:
    ready.query(
        "INSERT INTO ks.t (k, v, w) VALUES (?, ?, ?)",
        query_params=[b"\x00\x00\x00\x01", None, _UNSET_VALUE],
        fetch_size=100,
        paging_state=b"state",
        serial_consistency_level=ConsistencyLevel.LOCAL_SERIAL,
        timestamp=1_700_000_000_000_000,
    )
    text, opts = engine.last("query")
    assert text == "INSERT INTO ks.t (k, v, w) VALUES (?, ?, ?)"
    assert opts == QueryOptions(
        consistency=ConsistencyLevel.ONE,
        values=[b"\x00\x00\x00\x01", None, UNSET],
        names=None,
        skip_metadata=False,
        page_size=100,
        paging_state=b"state",
        serial_consistency=ConsistencyLevel.LOCAL_SERIAL,
        timestamp=1_700_000_000_000_000,
    )
    ready.query("SELECT * FROM ks.t")
    assert engine.last("query")[1] == QueryOptions(consistency=ConsistencyLevel.ONE)


def test_named_values_and_skip_metadata(ready: Client, engine: FakeEngine) -> None:
    body = bytearray()
    fr.write_long_string(body, "SELECT * FROM ks.t WHERE k = :k")
    fr.write_consistency(body, ConsistencyLevel.QUORUM)
    body.append(msgs.QF_VALUES | msgs.QF_NAMES_FOR_VALUES | msgs.QF_SKIP_METADATA)
    fr.write_short(body, 1)
    fr.write_string(body, "k")
    fr.write_value(body, b"\x00\x00\x00\x05")
    ready.send_raw(fr.encode_request_frame(4, 0, 9, fr.OP_QUERY, bytes(body)))
    assert isinstance(ready.recv(), ResultMessage)
    _, opts = engine.last("query")
    assert opts.names == ["k"] and opts.values == [b"\x00\x00\x00\x05"]
    assert opts.skip_metadata and opts.consistency == ConsistencyLevel.QUORUM


def test_custom_payload_is_skipped(ready: Client, engine: FakeEngine) -> None:
    message = QueryMessage("SELECT * FROM ks.t", ConsistencyLevel.ONE)
    message.custom_payload = {"key": b"value"}
    assert isinstance(ready.request(message), ResultMessage)
    assert engine.last("query")[0] == "SELECT * FROM ks.t"


def test_prepare_and_execute(ready: Client, engine: FakeEngine) -> None:
    prepared = ready.request(PrepareMessage("SELECT * FROM ks.t WHERE k = ? AND v = ?"))
    assert isinstance(prepared, ResultMessage) and prepared.kind == msgs.RESULT_PREPARED
    assert prepared.query_id == b"id:SELECT * FROM ks.t W"
    assert [(m.keyspace_name, m.table_name, m.name, m.type) for m in prepared.bind_metadata] == [
        ("ks", "t", "k", ct.Int32Type),
        ("ks", "t", "v", ct.VarcharType),
    ]
    assert prepared.pk_indexes == [0]
    assert [c[2] for c in prepared.column_metadata] == ["k", "v"]
    res = ready.request(
        ExecuteMessage(
            prepared.query_id, [b"\x00\x00\x00\x2a", b"answer"], ConsistencyLevel.ONE, fetch_size=10
        )
    )
    assert isinstance(res, ResultMessage) and res.parsed_rows == [(42, "answer")]
    sid, opts = engine.last("execute")
    assert sid == prepared.query_id and opts.page_size == 10
    # result metadata of a non-SELECT is empty (No_metadata, 0 columns)
    insert = ready.request(PrepareMessage("INSERT INTO ks.t (k, v) VALUES (?, ?)"))
    assert insert.column_metadata is None and len(insert.bind_metadata) == 2


def test_prepared_metadata_v3_has_no_pk_indexes(connect: Any) -> None:
    c = connect(version=3)
    c.startup()
    prepared = c.request(PrepareMessage("SELECT * FROM ks.t WHERE k = ?"))
    assert prepared.pk_indexes is None and len(prepared.bind_metadata) == 2


def test_execute_of_an_unknown_id_is_unprepared(ready: Client) -> None:
    err = ready.request(ExecuteMessage(b"\xde\xad", [b"\x00\x00\x00\x01", b"x"], ConsistencyLevel.ONE))
    assert isinstance(err, PreparedQueryNotFound) and err.info == b"\xde\xad"


def test_execute_with_skip_metadata_gets_no_metadata(ready: Client) -> None:
    prepared = ready.request(PrepareMessage("SELECT * FROM ks.t WHERE k = ?"))
    message = ExecuteMessage(
        prepared.query_id, [b"\x00\x00\x00\x01", b"x"], ConsistencyLevel.ONE, skip_meta=True
    )
    frame = bytearray(ready.encode(message, stream=2))
    # the driver only skips metadata with SCYLLA_USE_METADATA_ID: set the flag by hand
    flags_at = 9 + 2 + len(prepared.query_id) + 2
    frame[flags_at] |= msgs.QF_SKIP_METADATA
    ready.send_raw(bytes(frame))
    res = ready.recv(result_metadata=prepared.column_metadata)
    assert res.column_metadata is None and res.parsed_rows == [(1, "x")]


def test_batch_is_decoded(ready: Client, engine: FakeEngine) -> None:
    message = BatchMessage(
        BatchType.UNLOGGED,
        [(False, "INSERT INTO ks.t (k) VALUES (1)", []), (True, b"id:x", [b"\x01", None, _UNSET_VALUE])],
        ConsistencyLevel.QUORUM,
        serial_consistency_level=ConsistencyLevel.SERIAL,
        timestamp=123,
    )
    res = ready.request(message)
    assert isinstance(res, ResultMessage) and res.kind == msgs.RESULT_VOID
    opts = engine.last("batch")
    assert opts.kind == 1 and opts.consistency == ConsistencyLevel.QUORUM
    assert opts.serial_consistency == ConsistencyLevel.SERIAL and opts.timestamp == 123
    assert [(i.query, i.statement_id, i.values) for i in opts.items] == [
        ("INSERT INTO ks.t (k) VALUES (1)", None, []),
        (None, b"id:x", [b"\x01", None, UNSET]),
    ]


def test_use_returns_set_keyspace(ready: Client) -> None:
    res = ready.query("USE ks")
    assert res.kind == msgs.RESULT_SET_KEYSPACE and res.new_keyspace == "ks"


# --------------------------------------------------------------------------- results


def test_rows_share_a_global_table_spec(ready: Client) -> None:
    ready.send(QueryMessage("SELECT * FROM ks.t", ConsistencyLevel.ONE))
    f = ready.recv_frame()
    assert f is not None
    kind, flags, ncols = struct.unpack_from(">iii", f.body)
    assert (kind, flags, ncols) == (msgs.RESULT_ROWS, msgs.MD_GLOBAL_TABLES_SPEC, 2)
    mixed = ready.query("SELECT mixed")
    assert [c[:3] for c in mixed.column_metadata] == [("ks", "a", "x"), ("other", "b", "y")]
    assert mixed.parsed_rows == [(1, 2)]


def test_rows_with_more_pages_carry_the_paging_state(ready: Client) -> None:
    res = ready.query("SELECT paged")
    assert res.paging_state == b"\xca\xfe" and res.parsed_rows == [(1, "one")]


def test_rows_without_metadata(ready: Client) -> None:
    md = [("ks", "t", "k", ct.Int32Type), ("ks", "t", "v", ct.UTF8Type)]
    res = ready.request(QueryMessage("SELECT nometa", ConsistencyLevel.ONE), result_metadata=md)
    assert res.column_metadata is None and res.parsed_rows == [(1, "one")]


@pytest.mark.parametrize("version", [3, 4])
def test_typed_rows_round_trip_through_the_driver(connect: Any, version: int) -> None:
    c = connect(version=version)
    c.startup()
    res = c.query("SELECT typed")
    types = {name: typ for _, _, name, typ in res.column_metadata}
    assert types["l"].cql_parameterized_type() == "list<int>"
    assert types["m"].cql_parameterized_type() == "map<varchar, bigint>"
    assert types["fl"].cql_parameterized_type() == "list<int>"  # frozen is not on the wire
    assert types["u"].fieldnames == ("street", "zip") and types["u"].keyspace == "ks"
    assert types["vec"].vector_size == 3 and types["vec"].subtype is ct.FloatType
    assert types["d"] is ct.DurationType and types["sm"] is ct.ShortType
    (row,) = res.parsed_rows
    l_, m, s, tu, u, vec, fl, d, ts, sm = row
    assert l_ == [1, 2, 3] and dict(m) == {"a": 1} and set(s) == {"x", "y"} and tu == (7, "seven")
    assert tuple(u) == ("main st", 12345) and vec == [1.0, 2.5, -3.0] and fl == [4, 5] and d is None
    assert ts == datetime.datetime(2024, 1, 2, 3, 4, 5) and sm == -3


def test_type_options_match_the_spec() -> None:
    assert type_option(ct.Int32Type) == b"\x00\x09"
    assert type_option(ct.UTF8Type) == b"\x00\x0d"
    assert type_option(ct.TimeUUIDType) == b"\x00\x0f"
    assert type_option(ct.CounterColumnType) == b"\x00\x05"
    assert type_option(ct.ByteType, 4) == b"\x00\x14"
    assert type_option(ct.ListType.apply_parameters([ct.Int32Type])) == b"\x00\x20\x00\x09"
    vec = type_option(VECTOR)
    assert vec[:2] == b"\x00\x00"
    assert vec[4:].decode() == (
        "org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal.FloatType, 3)"
    )
    assert type_option(ct.ByteType, 3)[4:] == b"org.apache.cassandra.db.marshal.ByteType"
    roundtrip = ResultMessage.read_type(io.BytesIO(type_option(UDT)), {})
    assert roundtrip.typename == "address" and roundtrip.subtypes == (ct.VarcharType, ct.Int32Type)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("name", "cls", "info"),
    [
        (
            "unavailable",
            UnavailableErrorMessage,
            {"consistency": 4, "required_replicas": 3, "alive_replicas": 1},
        ),
        (
            "write_timeout",
            WriteTimeoutErrorMessage,
            {
                "consistency": 1,
                "received_responses": 0,
                "required_responses": 1,
                "write_type": WriteType.SIMPLE,
            },
        ),
        (
            "read_timeout",
            ReadTimeoutErrorMessage,
            {"consistency": 1, "received_responses": 0, "required_responses": 1, "data_retrieved": True},
        ),
        (
            "function",
            FunctionFailureMessage,
            {"keyspace": "ks", "function": "f", "arg_types": ["int", "text"]},
        ),
        ("exists", AlreadyExistsException, {"keyspace": "ks", "table": "t"}),
        ("unprepared", PreparedQueryNotFound, b"\x01\x02\x03"),
        ("syntax", SyntaxException, None),
        ("invalid", InvalidRequestException, None),
    ],
)
def test_engine_errors_are_encoded_with_their_fields(
    ready: Client, name: str, cls: type[Any], info: Any
) -> None:
    err: Any = ready.query(f"ERROR {name}", stream=11)
    assert type(err) is cls and err.stream_id == 11
    assert err.code == ERRORS[name].code and err.message == ERRORS[name].message
    assert err.info == info


def test_function_failure_is_invalid_in_v3() -> None:
    body = msgs.encode_error(ERRORS["function"], version=3)
    assert struct.unpack_from(">i", body)[0] == 0x2200


def test_unexpected_engine_exceptions_are_server_errors(ready: Client) -> None:
    err = ready.query("CRASH")
    assert isinstance(err, ServerError) and err.code == 0 and err.message == "kaboom"
    err = ready.query("BADROW")  # a value its type cannot serialise
    assert isinstance(err, ServerError)
    assert isinstance(ready.query("SELECT * FROM ks.t"), ResultMessage)


def test_long_error_messages_are_cut_to_a_string() -> None:
    body = msgs.encode_error(errors.InvalidRequest("é" * 40000))
    (n,) = struct.unpack_from(">H", body, 4)
    assert n <= 0xFFFF and len(body) == 6 + n
    body[6:].decode("utf-8")


# --------------------------------------------------------------------------- robustness


def test_unknown_opcode_is_a_protocol_error_and_the_connection_stays(ready: Client) -> None:
    ready.send_raw(fr.encode_request_frame(4, 0, 1, 0x42, b"xyz"))
    err = ready.recv()
    assert isinstance(err, ProtocolException) and err.stream_id == 1 and "opcode" in err.message
    ready.send_raw(fr.encode_request_frame(4, 0, 2, fr.OP_RESULT, b""))  # a response opcode
    assert isinstance(ready.recv(), ProtocolException)
    assert isinstance(ready.query("SELECT * FROM ks.t"), ResultMessage)


def test_truncated_bodies_are_protocol_errors(ready: Client) -> None:
    for opcode, body in [
        (fr.OP_QUERY, b"\x00\x00\x00\x10SELECT"),
        (fr.OP_QUERY, b"\x00\x00\x00\x01x\x00"),
        (fr.OP_EXECUTE, b"\x00\x05ab"),
        (fr.OP_BATCH, b"\x00\x00\x02\x00"),
        (fr.OP_REGISTER, b"\x00\x01\x00\x05AB"),
        (fr.OP_PREPARE, b"\xff\xff\xff\xff"),
    ]:
        ready.send_raw(fr.encode_request_frame(4, 0, 3, opcode, body))
        err = ready.recv()
        assert isinstance(err, ProtocolException), (opcode, body, err)
    assert isinstance(ready.query("SELECT * FROM ks.t"), ResultMessage)


def test_random_bodies_never_break_the_connection(ready: Client) -> None:
    rnd = random.Random(42)
    opcodes = [fr.OP_QUERY, fr.OP_EXECUTE, fr.OP_BATCH, fr.OP_PREPARE, fr.OP_REGISTER, fr.OP_STARTUP]
    frames = []
    for i in range(300):
        body = rnd.randbytes(rnd.randrange(0, 40))
        frames.append(fr.encode_request_frame(4, 0, i, rnd.choice(opcodes), body))
    ready.send_raw(b"".join(frames))
    streams = set()
    for _ in frames:
        f = ready.recv_frame()
        assert f is not None and f.opcode in (fr.OP_ERROR, fr.OP_RESULT, fr.OP_READY)
        streams.add(f.stream)
    assert streams == set(range(300))
    assert isinstance(ready.query("SELECT * FROM ks.t"), ResultMessage)


def test_garbage_gets_an_error_or_a_close_and_others_carry_on(connect: Any) -> None:
    other = connect()
    other.startup()
    c = connect()
    c.send_raw(b"\x42" + random.Random(7).randbytes(4000))
    f = c.recv_frame()
    assert f is None or (f.opcode == fr.OP_ERROR and isinstance(c.decode(f), ProtocolException))
    assert c.is_closed()
    assert isinstance(other.query("SELECT * FROM ks.t"), ResultMessage)
    assert isinstance(connect().startup(), ReadyMessage)


def test_response_frames_from_a_client_are_refused(connect: Any) -> None:
    c = connect()
    c.send_raw(struct.pack(">BBhBi", 0x84, 0, 0, fr.OP_OPTIONS, 0))
    f = c.recv_frame()
    assert f is not None and isinstance(c.decode(f), ProtocolException)
    assert c.is_closed()


def test_a_2gb_frame_gets_an_error_then_the_connection_closes(connect: Any) -> None:
    other = connect()
    other.startup()
    c = connect()
    c.startup()
    c.send_raw(struct.pack(">BBhBi", 4, 0, 12, fr.OP_QUERY, 2**31 - 1) + b"x" * 1000)
    f = c.recv_frame()
    assert f is not None and f.stream == 12
    err = c.decode(f)
    assert isinstance(err, ProtocolException) and "too big" in err.message
    assert c.is_closed()
    assert isinstance(other.query("SELECT * FROM ks.t"), ResultMessage)


def test_a_truncated_frame_then_close_leaves_the_server_up(connect: Any) -> None:
    c = connect()
    c.startup()
    c.send_raw(struct.pack(">BBhBi", 4, 0, 1, fr.OP_QUERY, 100) + b"\x00" * 10)
    c.close()
    d = connect()
    assert isinstance(d.startup(), ReadyMessage)


def test_half_closed_client_still_gets_its_replies(connect: Any) -> None:
    c = connect()
    c.send_raw(
        c.encode(StartupMessage(cqlversion="3.0.0", options={}), 0) + c.encode(QueryMessage("SELECT 1", 1), 1)
    )
    c.sock.shutdown(socket.SHUT_WR)
    assert isinstance(c.recv(), ReadyMessage)
    assert isinstance(c.recv(), ResultMessage)
    assert c.is_closed()


# --------------------------------------------------------------------------- concurrency


def test_200_concurrent_streams_on_one_connection(ready: Client, engine: FakeEngine) -> None:
    n = 200
    ready.send_raw(
        b"".join(ready.encode(QueryMessage(f"SELECT {i}", ConsistencyLevel.ONE), i) for i in range(n))
    )
    seen = {}
    for _ in range(n):
        res = ready.recv()
        seen[res.stream_id] = res
    assert sorted(seen) == list(range(n))
    assert all(r.parsed_rows == [(1, "one"), (2, None)] for r in seen.values())
    assert [args[0] for k, args in engine.calls if k == "query"] == [f"SELECT {i}" for i in range(n)]


def test_a_slow_sync_holds_only_its_own_replies(
    srv: BackgroundServer, engine: FakeEngine, connect: Any
) -> None:
    a, b = connect(), connect()
    a.startup()
    b.startup()
    gate = srv.call(asyncio.Event)
    engine.gate = gate
    a.send(QueryMessage("INSERT x", ConsistencyLevel.ONE), stream=1)
    b.send(QueryMessage("INSERT y", ConsistencyLevel.ONE), stream=1)
    time.sleep(0.1)
    # sync() is stuck: the writes are not answered, but other requests are
    assert isinstance(a.request(OptionsMessage(), stream=2), SupportedMessage)
    assert isinstance(b.request(OptionsMessage(), stream=2), SupportedMessage)
    assert [args[0] for k, args in engine.calls if k == "query"] == ["INSERT x", "INSERT y"]
    srv.call(gate.set)
    assert a.recv().stream_id == 1 and b.recv().stream_id == 1


def test_many_connections_at_once(srv: BackgroundServer, connect: Any) -> None:
    clients = [connect() for _ in range(30)]
    for c in clients:
        c.send(StartupMessage(cqlversion="3.0.0", options={}))
    for c in clients:
        assert isinstance(c.recv(), ReadyMessage)
    for i, c in enumerate(clients):
        c.send(QueryMessage(f"SELECT {i}", ConsistencyLevel.ONE), stream=i)
    for i, c in enumerate(clients):
        assert c.recv().stream_id == i
    assert len(srv.call(lambda: srv.server.connections)) == 30


# --------------------------------------------------------------------------- events


def test_schema_change_result_and_events(connect: Any) -> None:
    listener, bystander, actor = connect(), connect(), connect()
    for c in (listener, bystander, actor):
        c.startup()
    reg = listener.request(RegisterMessage(["SCHEMA_CHANGE", "TOPOLOGY_CHANGE", "STATUS_CHANGE"]))
    assert isinstance(reg, ReadyMessage)
    assert isinstance(actor.request(RegisterMessage(["SCHEMA_CHANGE"])), ReadyMessage)
    res = actor.query("CREATE TABLE ks.t (k int PRIMARY KEY)", stream=5)
    assert res.kind == msgs.RESULT_SCHEMA_CHANGE
    expected = {"target_type": "TABLE", "change_type": "CREATED", "keyspace": "ks", "table": "t"}
    assert res.schema_change_event == expected
    for c in (listener, actor):  # the one that asked gets it too, as from Cassandra
        f = c.recv_frame()
        assert f is not None and f.stream == -1 and f.opcode == fr.OP_EVENT
        ev = c.decode(f)
        assert isinstance(ev, EventMessage) and ev.event_type == "SCHEMA_CHANGE" and ev.event_args == expected
    bystander.sock.settimeout(0.2)
    with pytest.raises(TimeoutError):
        bystander.sock.recv(1)
    drop = actor.query("DROP KEYSPACE ks")
    assert drop.schema_change_event == {"target_type": "KEYSPACE", "change_type": "DROPPED", "keyspace": "ks"}
    ev = listener.recv()
    assert ev.event_args == drop.schema_change_event


def test_function_events_and_v3_downgrade(connect: Any) -> None:
    v3 = connect(version=3)
    v3.startup()
    v3.request(RegisterMessage(["SCHEMA_CHANGE"]))
    v4 = connect()
    v4.startup()
    res = v4.query("CREATE_FUNCTION f")
    assert res.schema_change_event["function"].name == "f"
    assert res.schema_change_event["function"].argument_types == ["int"]
    ev = v3.recv()
    assert ev.event_args == {"target_type": "KEYSPACE", "change_type": "UPDATED", "keyspace": "ks"}


def test_register_unknown_event_type(ready: Client) -> None:
    assert isinstance(ready.request(RegisterMessage(["NOPE"])), ProtocolException)


# --------------------------------------------------------------------------- TLS


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    try:
        from cryptography import x509  # type: ignore[import-not-found,unused-ignore]
        from cryptography.hazmat.primitives import hashes, serialization  # type: ignore[import-not-found,unused-ignore]
        from cryptography.hazmat.primitives.asymmetric import ec  # type: ignore[import-not-found,unused-ignore]
        from cryptography.x509.oid import NameOID  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        try:
            subprocess.run(
                [
                    *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
                    *(
                        "-nodes",
                        "-keyout",
                        str(key),
                        "-out",
                        str(cert),
                        "-days",
                        "2",
                        "-subj",
                        "/CN=localhost",
                    ),
                    *("-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"),
                ],
                check=True,
                capture_output=True,
            )
        except (OSError, subprocess.CalledProcessError):
            pytest.skip("neither cryptography nor openssl available")
        return cert, key
    import ipaddress

    pk = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(pk.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(pk, hashes.SHA256())
    )
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        pk.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert, key


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate and its key, for the TLS tests."""
    return _self_signed(tmp_path_factory.mktemp("tls"))


def _client_context(cert: Path, client_cert: tuple[Path, Path] | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(cert))
    if client_cert is not None:
        ctx.load_cert_chain(str(client_cert[0]), str(client_cert[1]))
    return ctx


def test_tls(tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    with serve(engine=FakeEngine(), tls_cert=cert, tls_key=key) as s:
        c = Client(s.host, s.port, ssl_context=_client_context(cert))
        try:
            assert isinstance(c.request(OptionsMessage()), SupportedMessage)
            assert isinstance(c.startup("lz4"), ReadyMessage)
            assert c.query("SELECT * FROM ks.t").parsed_rows == [(1, "one"), (2, None)]
            c.send_raw(struct.pack(">BBhBi", 4, 0, 1, fr.OP_QUERY, 2**31 - 1))
            assert isinstance(c.recv(), ProtocolException)
        finally:
            c.close()
        plain = Client(s.host, s.port)  # a plaintext client gets nowhere, the server lives on
        plain.send(OptionsMessage())
        assert plain.is_closed()
        plain.close()


def test_tls_with_client_certificates(tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    with serve(engine=FakeEngine(), tls_cert=cert, tls_key=key, tls_ca=cert) as s:
        c = Client(s.host, s.port, ssl_context=_client_context(cert, (cert, key)))
        assert isinstance(c.request(OptionsMessage()), SupportedMessage)
        c.close()
        with pytest.raises((ssl.SSLError, ConnectionError, AssertionError)):
            anon = Client(s.host, s.port, ssl_context=_client_context(cert))
            try:
                anon.send(OptionsMessage())
                anon.recv()
            finally:
                anon.close()


# --------------------------------------------------------------------------- serve() / start_server()


class ClosableEngine(FakeEngine):
    closed = False

    def close(self) -> None:
        self.closed = True


def test_serve_starts_fast_and_closes_its_connections() -> None:
    t0 = time.perf_counter()
    engine = ClosableEngine()
    with serve(engine=engine) as s:
        assert time.perf_counter() - t0 < 0.5
        assert s.port > 0 and s.host == "127.0.0.1" and s.engine is engine
        c = Client(s.host, s.port)
        c.startup()
    assert c.is_closed(1)
    c.close()
    assert not engine.closed  # a given engine stays the caller's
    with pytest.raises(OSError):
        socket.create_connection((s.host, s.port), timeout=1)
    s.stop()  # idempotent


def test_serve_reports_a_busy_port() -> None:
    with serve(engine=FakeEngine()) as s, pytest.raises(OSError), serve(port=s.port, engine=FakeEngine()):
        pass


async def test_start_server_on_the_running_loop() -> None:
    engine = FakeEngine()
    server = await start_server("127.0.0.1", 0, engine=engine)
    try:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(_ProtocolHandler.encode_message(OptionsMessage(), 1, 4, None, False, ProtocolFeatures()))
        head = await reader.readexactly(9)
        _, _, stream, opcode, length = struct.unpack(">BBhBi", head)
        assert (stream, opcode) == (1, fr.OP_SUPPORTED)
        await reader.readexactly(length)
        writer.close()
    finally:
        await server.close()


# --------------------------------------------------------------------------- CLI


def _cli(*args: str) -> subprocess.Popen[str]:
    import scylla_lite.server

    src = str(Path(scylla_lite.server.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen(
        [sys.executable, "-m", "scylla_lite", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_cli_bad_arguments_exit_2_with_one_line() -> None:
    for args in (["--port", "nope"], ["--tls-cert", "x.pem"], ["--bogus"]):
        p = _cli(*args)
        out, err = p.communicate(timeout=20)
        assert p.returncode == 2, (args, err)
        assert out == "" and len(err.strip().splitlines()) == 1, err


def test_cli_busy_port_exits_1_with_one_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        p = _cli("--port", str(port))
        _, err = p.communicate(timeout=20)
    assert p.returncode == 1
    assert err.strip() == f"scylla_lite: cannot listen on 127.0.0.1:{port}: Address already in use"


def test_cli_serves_until_sigterm() -> None:
    try:
        from scylla_lite.engine import Engine  # noqa: F401
    except ImportError:
        pytest.skip("scylla_lite.engine.Engine is not there yet")
    p = _cli("--port", "0")
    try:
        assert p.stdout is not None
        line = p.stdout.readline()
        assert line.startswith("scylla_lite ") and line.rstrip().endswith("(memory)"), (line, p.stderr)
        port = int(line.split(" listening on ")[1].split()[0].rsplit(":", 1)[1])
        c = Client("127.0.0.1", port)
        assert isinstance(c.request(OptionsMessage()), SupportedMessage)
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=10) == 0
        assert c.is_closed(2)
        c.close()
        assert p.stdout.read() == ""
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_error_message_class_registry_is_what_we_encode() -> None:
    # every code scylla_lite can send decodes to the driver's matching class
    for exc in ERRORS.values():
        body = msgs.encode_error(exc)
        decoded = ErrorMessage.recv_body(io.BytesIO(body), 4, ProtocolFeatures())
        assert decoded.code == exc.code
