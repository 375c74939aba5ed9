"""CQL types as the protocol's [option]: a `cassandra.cqltypes` class in, bytes out.

Mirrors what the driver reads back (`cassandra.protocol.ResultMessage.read_type`):

* native ids 0x0001..0x0014 (text and varchar are both sent as 0x000D varchar, as
  Cassandra and ScyllaDB do; date, time, smallint and tinyint only exist from v4 on,
  so a v3 connection gets them as custom types);
* list 0x0020, map 0x0021, set 0x0022 with their element options (frozen or not:
  the protocol does not tell), UDT 0x0030 (keyspace, name, fields), tuple 0x0031;
* everything else as custom 0x0000 with the fully qualified class string that
  `cassandra.cqltypes.lookup_casstype` parses, e.g. duration as
  ``org.apache.cassandra.db.marshal.DurationType`` and ``vector<float, 3>`` as
  ``org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal.FloatType, 3)``.
"""

from __future__ import annotations

import struct

from cassandra import cqltypes as ct

from .frames import write_short, write_string

_Type = type[ct._CassandraType]

PREFIX = "org.apache.cassandra.db.marshal."

# Native ids: the first class of a type's MRO found here wins, so subclasses such as
# TimeUUIDType(DateType) and CounterColumnType(LongType) come out right.
NATIVE_IDS: dict[type, int] = {
    ct.AsciiType: 0x0001,
    ct.LongType: 0x0002,
    ct.BytesType: 0x0003,
    ct.BooleanType: 0x0004,
    ct.CounterColumnType: 0x0005,
    ct.DecimalType: 0x0006,
    ct.DoubleType: 0x0007,
    ct.FloatType: 0x0008,
    ct.Int32Type: 0x0009,
    ct.DateType: 0x000B,  # timestamp (TimestampType is a subclass)
    ct.UUIDType: 0x000C,
    ct.UTF8Type: 0x000D,  # text and varchar (VarcharType is a subclass)
    ct.IntegerType: 0x000E,
    ct.TimeUUIDType: 0x000F,
    ct.InetAddressType: 0x0010,
    ct.SimpleDateType: 0x0011,
    ct.TimeType: 0x0012,
    ct.ShortType: 0x0013,
    ct.ByteType: 0x0014,
}
V4_ONLY_IDS = frozenset({0x0011, 0x0012, 0x0013, 0x0014})

CUSTOM = 0x0000
LIST = 0x0020
MAP = 0x0021
SET = 0x0022
UDT = 0x0030
TUPLE = 0x0031


def _unwrap(t: _Type) -> _Type:
    """Drop the wrappers the protocol does not carry (frozen<>, reversed clustering)."""
    while issubclass(t, (ct.FrozenType, ct.ReversedType)) and t.subtypes:
        t = t.subtypes[0]
    return t


def _native_id(t: _Type) -> int | None:
    for klass in t.__mro__:
        code = NATIVE_IDS.get(klass)
        if code is not None:
            return code
    return None


def _hex(name: str) -> str:
    return name.encode("utf-8").hex()


def cass_type_name(t: _Type) -> str:
    """The fully qualified Cassandra class string of a type (what a custom option carries)."""
    if issubclass(t, ct.VectorType):
        sub = t.subtype
        assert sub is not None, "unparameterised vector type"
        return f"{PREFIX}VectorType({cass_type_name(sub)}, {t.vector_size})"
    if issubclass(t, ct.ReversedType) and t.subtypes:
        return cass_type_name(t.subtypes[0])
    if issubclass(t, ct.UserType) and t.subtypes:
        fields = ",".join(
            f"{_hex(name)}:{cass_type_name(sub)}" for name, sub in zip(t.fieldnames, t.subtypes, strict=True)
        )
        return f"{PREFIX}UserType({t.keyspace},{_hex(t.typename)},{fields})"
    if t.subtypes:
        args = ",".join(cass_type_name(sub) for sub in t.subtypes)
        return f"{_qualified(t.cassname)}({args})"
    return _qualified(t.cassname)


def _qualified(cassname: str) -> str:
    return cassname if "." in cassname else PREFIX + cassname


def write_type(buf: bytearray, t: _Type, version: int = 4) -> None:
    """Append ``t`` as an [option] for protocol ``version``."""
    buf += type_option(t, version)


_cache: dict[tuple[type, int], bytes] = {}


def type_option(t: _Type, version: int = 4) -> bytes:
    """``t`` as the bytes of an [option] (cached: types are immutable classes)."""
    key = (t, version)
    out = _cache.get(key)
    if out is None:
        buf = bytearray()
        _write(buf, t, version)
        out = bytes(buf)
        if len(_cache) > 10000:
            _cache.clear()
        _cache[key] = out
    return out


_pack_short = struct.Struct(">H").pack


def _write(buf: bytearray, t: _Type, version: int) -> None:
    t = _unwrap(t)
    if issubclass(t, ct.UserType) and t.subtypes:
        buf += _pack_short(UDT)
        write_string(buf, t.keyspace)
        write_string(buf, t.typename)
        write_short(buf, len(t.subtypes))
        for name, sub in zip(t.fieldnames, t.subtypes, strict=True):
            write_string(buf, name)
            _write(buf, sub, version)
        return
    if issubclass(t, ct.TupleType) and t.subtypes:
        buf += _pack_short(TUPLE)
        write_short(buf, len(t.subtypes))
        for sub in t.subtypes:
            _write(buf, sub, version)
        return
    if issubclass(t, ct.ListType) and t.subtypes:
        buf += _pack_short(LIST)
        _write(buf, t.subtypes[0], version)
        return
    if issubclass(t, ct.SetType) and t.subtypes:
        buf += _pack_short(SET)
        _write(buf, t.subtypes[0], version)
        return
    if issubclass(t, ct.MapType) and t.subtypes:
        buf += _pack_short(MAP)
        _write(buf, t.subtypes[0], version)
        _write(buf, t.subtypes[1], version)
        return
    if not issubclass(t, ct.VectorType):
        code = _native_id(t)
        if code is not None and (version >= 4 or code not in V4_ONLY_IDS):
            buf += _pack_short(code)
            return
    buf += _pack_short(CUSTOM)
    write_string(buf, cass_type_name(t))
