"""CQL types: their names, wire codecs, sort order and how literals convert to them.

Values live in their serialised (wire) form everywhere in scylla_lite; this module is
the one place that knows how to turn a type name into a ``cassandra.cqltypes`` codec,
how two serialised values of a type compare (Cassandra's comparators), and how a CQL
literal becomes a value of a type (Cassandra's ``Constants`` rules).
"""

from __future__ import annotations

import calendar
import datetime as dt
import decimal
import ipaddress
import math
import re
import struct
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, total_ordering
from typing import Any

from cassandra import cqltypes as ct
from cassandra import util as cutil

from .codec import (
    serialize_collection,
    serialize_collection_fields,
    serialize_map,
    serialize_set,
    split_collection,
    split_fields,
    split_map,
)
from .errors import InvalidRequest

PROTOCOL = 4

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class MarshalError(ValueError):
    """A value ScyllaDB's type parsers refuse with a ``marshal_exception``: its text is
    ScyllaDB's, and a literal that raises it is refused as ``marshaling error: <text>``."""


NATIVE: dict[str, type[ct._CassandraType]] = {
    "ascii": ct.AsciiType,
    "bigint": ct.LongType,
    "blob": ct.BytesType,
    "boolean": ct.BooleanType,
    "counter": ct.CounterColumnType,
    "date": ct.SimpleDateType,
    "decimal": ct.DecimalType,
    "double": ct.DoubleType,
    "duration": ct.DurationType,
    "float": ct.FloatType,
    "inet": ct.InetAddressType,
    "int": ct.Int32Type,
    "smallint": ct.ShortType,
    "text": ct.UTF8Type,
    "time": ct.TimeType,
    "timestamp": ct.DateType,
    "timeuuid": ct.TimeUUIDType,
    "tinyint": ct.ByteType,
    "uuid": ct.UUIDType,
    "varint": ct.IntegerType,
}
ALIASES = {"varchar": "text"}
INTEGER_TYPES = {"tinyint", "smallint", "int", "bigint", "varint", "counter"}
INT_BITS = {"tinyint": 8, "smallint": 16, "int": 32, "bigint": 64, "counter": 64}
"""The width of each fixed-size integer type (varint has none)."""
NUMERIC_TYPES = INTEGER_TYPES | {"float", "double", "decimal"}
COLLECTIONS = {"list", "set", "map"}


@total_ordering
class Desc:
    """Reverses the order of a sort key, for DESC clustering columns."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Desc) and self.key == other.key

    def __lt__(self, other: Desc) -> bool:
        return bool(other.key < self.key)

    def __hash__(self) -> int:
        return hash(self.key)


@dataclass(frozen=True, eq=False)
class CqlType:
    """A resolved CQL type. ``name`` is a native name, or list/set/map/tuple/vector/udt."""

    name: str
    params: tuple[CqlType, ...] = ()
    frozen: bool = False
    size: int = 0  # vector dimension
    keyspace: str = ""  # udt
    udt_name: str = ""
    field_names: tuple[str, ...] = ()
    _codec: Any = field(default=None, compare=False, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        """Drop the cached codec: driver codec classes are built at run time."""
        state = dict(self.__dict__)
        state.pop("codec", None)
        return state

    # ------------------------------------------------------------------ identity
    def __eq__(self, other: object) -> bool:
        return isinstance(other, CqlType) and self.cql() == other.cql()

    def __hash__(self) -> int:
        return hash(self.cql())

    @property
    def is_collection(self) -> bool:
        return self.name in COLLECTIONS

    @property
    def multi_cell(self) -> bool:
        """Non-frozen collections and UDTs are stored cell by cell."""
        return (self.is_collection or self.name == "udt") and not self.frozen

    @property
    def is_counter(self) -> bool:
        return self.name == "counter"

    def cql(self, with_frozen: bool = True) -> str:
        """The type as ``system_schema`` and ``DESCRIBE`` show it."""
        if self.name == "udt":
            text = self.udt_name
        elif self.name == "vector":
            text = f"vector<{self.params[0].cql()}, {self.size}>"
        elif self.params:
            text = f"{self.name}<{', '.join(p.cql() for p in self.params)}>"
        else:
            text = self.name
        if self.name == "vector":  # always frozen, never written so
            return text
        return f"frozen<{text}>" if self.frozen and with_frozen else text

    def unfrozen(self) -> CqlType:
        return _replace(self, frozen=False)

    def as_frozen(self) -> CqlType:
        return _replace(self, frozen=True)

    def with_params(self, params: tuple[CqlType, ...]) -> CqlType:
        """This type over other element/field types (a user type's altered definition)."""
        return _replace(self, params=params)

    # ------------------------------------------------------------------ codec
    @cached_property
    def codec(self) -> type[ct._CassandraType]:
        """The driver's codec class for this type (frozen-ness is not on the wire)."""
        if self.name in NATIVE:
            return NATIVE[self.name]
        if self.name == "list":
            return ct.ListType.apply_parameters([self.params[0].codec])
        if self.name == "set":
            return ct.SetType.apply_parameters([self.params[0].codec])
        if self.name == "map":
            return ct.MapType.apply_parameters([self.params[0].codec, self.params[1].codec])
        if self.name == "tuple":
            return ct.TupleType.apply_parameters([p.codec for p in self.params])
        if self.name == "udt":
            return ct.UserType.make_udt_class(
                self.keyspace, self.udt_name, list(self.field_names), [p.codec for p in self.params]
            )
        if self.name == "vector":
            return ct.lookup_casstype(
                f"org.apache.cassandra.db.marshal.VectorType({self.params[0].codec.cass_parameterized_type(True)}, {self.size})"
            )
        raise InvalidRequest(f"Unknown type {self.name}")

    def decode(self, data: bytes | None) -> Any:
        if data is None:
            return None
        if not data and self.name not in ("text", "ascii", "blob"):
            return None  # an empty value of a non-string type reads as null
        return self.codec.from_binary(data, PROTOCOL)

    def encode(self, value: Any) -> bytes | None:
        if value is None:
            return None
        return bytes(self.codec.to_binary(value, PROTOCOL))

    # ------------------------------------------------------------------ order
    def sort_key(self, data: bytes) -> Any:
        """A Python value that orders like Cassandra's comparator for this type."""
        return _sort_key(self, data)

    def python_key(self, value: Any) -> Any:
        """Sort key of an already decoded value."""
        return _python_key(self, value)


def _replace(t: CqlType, **changes: Any) -> CqlType:
    fields: dict[str, Any] = {
        "name": t.name,
        "params": t.params,
        "frozen": t.frozen,
        "size": t.size,
        "keyspace": t.keyspace,
        "udt_name": t.udt_name,
        "field_names": t.field_names,
    }
    fields.update(changes)
    return CqlType(**fields)


def native(name: str) -> CqlType:
    return CqlType(ALIASES.get(name, name))


def list_of(t: CqlType, frozen: bool = False) -> CqlType:
    return CqlType("list", (t,), frozen)


def set_of(t: CqlType, frozen: bool = False) -> CqlType:
    return CqlType("set", (t,), frozen)


def map_of(k: CqlType, v: CqlType, frozen: bool = False) -> CqlType:
    return CqlType("map", (k, v), frozen)


# ---------------------------------------------------------------------- ordering


def _uuid_key(u: uuid.UUID) -> tuple[int, int, bytes]:
    if u.version == 1:
        return (1, u.time, u.bytes)
    return (u.version or 0, 0, u.bytes)


class _EmptyKey:
    """The sort key of an empty (0-byte) value or a null field: before every other value,
    and comparable with all of them (a 0-byte ``int`` beside ``int`` keys must not make
    ordering them a Python TypeError)."""

    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        return other is not self

    def __le__(self, other: object) -> bool:
        return True

    def __gt__(self, other: object) -> bool:
        return False

    def __ge__(self, other: object) -> bool:
        return other is self

    def __eq__(self, other: object) -> bool:
        return other is self

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "EMPTY_KEY"

    def __reduce__(self) -> str:
        return "EMPTY_KEY"  # one instance, also once a data directory's catalog is unpickled


EMPTY_KEY = _EmptyKey()


def _python_key(t: CqlType, v: Any) -> Any:
    if v is None:
        return EMPTY_KEY
    name = t.name
    if name in ("text", "ascii"):
        return v.encode() if isinstance(v, str) else v
    if name == "blob":
        return bytes(v)
    if name == "uuid":
        return _uuid_key(v)
    if name == "timeuuid":
        return (v.time, v.bytes)
    if name == "timestamp":
        return (
            int(calendar.timegm(v.utctimetuple()) * 1000 + v.microsecond // 1000)
            if isinstance(v, dt.datetime)
            else v
        )
    if name == "date":
        return v.days_from_epoch if isinstance(v, cutil.Date) else v
    if name == "time":
        return v.nanosecond_time if isinstance(v, cutil.Time) else v
    if name == "inet":
        return ipaddress.ip_address(v).packed
    if name == "boolean":
        return bool(v)
    if name in ("list", "set", "vector"):
        return tuple(_python_key(t.params[0], x) for x in v)
    if name == "map":
        return tuple((_python_key(t.params[0], k), _python_key(t.params[1], x)) for k, x in v.items())
    if name in ("tuple", "udt"):
        items = list(v) if name == "tuple" else [getattr(v, f, None) for f in t.field_names]
        return tuple(_python_key(p, x) for p, x in zip(t.params, items))
    return v


_TWOS_COMPLEMENT = frozenset({"tinyint", "smallint", "int", "bigint", "varint", "counter", "timestamp"})


def _sort_key(t: CqlType, data: bytes) -> Any:
    if t.name in ("text", "ascii", "blob", "boolean", "date", "time", "inet"):
        return data  # unsigned bytewise order is the comparator for these
    if data and t.name in _TWOS_COMPLEMENT:
        return int.from_bytes(data, "big", signed=True)  # the value, without the codec's detour
    return _python_key(t, t.decode(data))


# ---------------------------------------------------------------------- literals

_TS_FORMATS = (
    "%Y-%m-%d %H:%M:%S.%f%z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M%z",
    "%Y-%m-%d%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
)


def parse_timestamp(text: str) -> int:
    """Milliseconds since the epoch from Cassandra's accepted timestamp strings."""
    s = text.strip()
    if re.fullmatch(r"-?\d+", s):
        if _fits(s, INT64_MIN, INT64_MAX):
            return int(s)
        raise MarshalError(  # ScyllaDB's timestamp_from_string: not an int64, nor a date
            f"unable to parse date '{text}': marshaling error: Unable to parse timestamp from '{text.lower()}'"
        )
    s = re.sub(r"Z$", "+0000", s)
    s = re.sub(r"([+-]\d\d):(\d\d)$", r"\1\2", s)
    m = re.match(r"^(.*\.)(\d+)(.*)$", s)
    if m:  # normalise fractional seconds to 6 digits for %f
        s = m.group(1) + (m.group(2) + "000000")[:6] + m.group(3)
    for fmt in _TS_FORMATS:
        try:
            parsed = dt.datetime.strptime(s, fmt)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        delta = parsed - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000
    raise ValueError(f"Unable to parse a date/time from '{text}'")


def _fits(digits: str, low: int, high: int) -> bool:
    """Is the integer written ``digits`` within [low, high]? (checked on the text first:
    Python refuses to convert more than 4300 digits)"""
    return len(digits.lstrip("+-").lstrip("0")) <= 20 and low <= int(digits) <= high


def parse_date(text: str) -> cutil.Date:
    s = text.strip()
    if re.fullmatch(r"-?\d+", s):  # days with the epoch at 2^31, as Cassandra's SimpleDateType
        if not _fits(s, 0, 2**32 - 1):
            raise MarshalError(f"Unable to make unsigned int (for date) from {s}")
        return cutil.Date(int(s) - 2**31)
    try:
        return cutil.Date(dt.date.fromisoformat(s))
    except ValueError:
        pass
    found = re.fullmatch(r"(-?\d+)-(\d\d)-(\d\d)", s)
    if found is None or not 1 <= int(found[2]) <= 12 or not 1 <= int(found[3]) <= 31:
        raise ValueError(f"Unable to coerce '{text}' to a formatted date (long)") from None
    return cutil.Date(_days_of(s, found[1], int(found[2]), int(found[3])))


def _days_of(text: str, year_text: str, month: int, day: int) -> int:
    """Days since the epoch of a date Python's ``date`` cannot hold (its year past 9999),
    within ScyllaDB's range (the days fit 32 bits)."""
    if len(year_text.lstrip("-").lstrip("0")) > 9:
        days = -(2**40) if year_text.startswith("-") else 2**40
    else:
        year = int(year_text) - (month <= 2)  # Howard Hinnant's days_from_civil
        era = year // 400  # floor division: the C original truncates (year - 399) / 400
        yoe = year - era * 400
        doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
        days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    if days < -(2**31):
        raise MarshalError(f"Input date {text} is less than min supported date -5877641-06-23")
    if days >= 2**31:
        raise MarshalError(f"Input date {text} is greater than max supported date 5881580-07-11")
    return days


def parse_time(text: str) -> cutil.Time:
    s = text.strip()
    if re.fullmatch(r"\d+", s):
        if not _fits(s, 0, 86400 * 10**9 - 1):
            raise ValueError(f"Unable to coerce '{text}' to a formatted time (long)")
        return cutil.Time(int(s))
    m = re.fullmatch(r"(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?", s)
    if not m:
        raise ValueError(f"Unable to coerce '{text}' to a formatted time (long)")
    h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3))
    frac = int((m.group(4) or "0").ljust(9, "0"))
    if h > 23 or mi > 59 or sec > 59:
        raise ValueError(f"Unable to coerce '{text}' to a formatted time (long)")
    return cutil.Time(((h * 60 + mi) * 60 + sec) * 1_000_000_000 + frac)


_DURATION_UNITS = {  # unit: (counter: months, days or nanoseconds; factor; ScyllaDB's name)
    "y": (0, 12, "years"),
    "mo": (0, 1, "months"),
    "w": (1, 7, "weeks"),
    "d": (1, 1, "days"),
    "h": (2, 3600 * 10**9, "hours"),
    "m": (2, 60 * 10**9, "minutes"),
    "s": (2, 10**9, "seconds"),
    "ms": (2, 10**6, "milliseconds"),
    "us": (2, 10**3, "microseconds"),
    "µs": (2, 10**3, "microseconds"),
    "ns": (2, 1, "nanoseconds"),
}
_DURATION_ORDER = ("ns", "us", "ms", "s", "m", "h", "d", "w", "mo", "y")  # smallest first
_DURATION_LIMITS = (2**31 - 1, 2**31 - 1, INT64_MAX)  # months and days are 32-bit, nanoseconds 64


class _DurationBuilder:
    """ScyllaDB's duration_builder (duration.cc): units largest first, each once, and
    no counter past its range, refused with ScyllaDB's words."""

    def __init__(self) -> None:
        self.counters = [0, 0, 0]
        self.last: str | None = None

    def add(self, digits: str, unit: str) -> None:
        unit = "us" if unit == "µs" else unit
        slot, factor, name = _DURATION_UNITS[unit]
        if not _fits(digits, 0, INT64_MAX):
            raise MarshalError(f"Invalid duration. The count for the {name} is out of range")
        available = (_DURATION_LIMITS[slot] - self.counters[slot]) // factor
        if int(digits) > available:
            raise MarshalError(
                f"Invalid duration. The number of {name} must be less than or equal to {available}"
            )
        if self.last is not None:
            index, last = _DURATION_ORDER.index(unit), _DURATION_ORDER.index(self.last)
            if index == last:
                raise MarshalError(f"Invalid duration. The {name} are specified multiple times")
            if index > last:
                raise MarshalError(
                    f"Invalid duration. The {_DURATION_UNITS[self.last][2]} should be after {name}"
                )
        self.last = unit
        self.counters[slot] += int(digits) * factor


def parse_duration(text: str) -> cutil.Duration:
    """Cassandra's duration literal: ``1h30m``, ``P1Y2M3DT4H``, ``P2W``, ``P0001-02-03T04:05:06``."""
    s = text.strip()
    neg = s.startswith("-")
    s = s[1:] if neg else s
    b = _DurationBuilder()
    up = s.upper()
    if up.startswith("P"):
        _iso_duration(text, up, b)
    else:
        parts = re.findall(r"(\d+)(mo|ms|us|µs|ns|y|w|d|h|m|s)", s.lower())
        if not parts or "".join(n + u for n, u in parts) != s.lower():
            raise ValueError(f"Unable to convert '{text}' to a duration")
        for n, u in parts:
            b.add(n, u)
    sign = -1 if neg else 1
    months, days, nanos = (sign * c for c in b.counters)
    return cutil.Duration(months, days, nanos)


def _iso_duration(text: str, up: str, b: _DurationBuilder) -> None:
    """The ISO 8601 forms of a duration, added to ``b``."""
    m = re.fullmatch(r"P(\d+)W", up)
    if m:
        b.add(m[1], "w")
        return
    m = re.fullmatch(r"P(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})", up)
    if m is None:
        m = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", up)
        if not m or up in ("P", "PT") or up.endswith("T"):
            raise ValueError(f"Unable to convert '{text}' to a duration")
    for count, unit in zip(m.groups(), ("y", "mo", "d", "h", "m", "s")):
        if count is not None:
            b.add(count, unit)


def _int_in_range(t: CqlType, n: int) -> int:
    bits = INT_BITS.get(t.name)
    if bits is not None and not -(2 ** (bits - 1)) <= n < 2 ** (bits - 1):
        raise ValueError(f"Unable to make {t.name} from '{n}'")
    return n


MAX_NUMBER_DIGITS = 4000
"""The most digits a varint or decimal literal may have. ScyllaDB has no such limit; the
driver's codecs, which encode them here, turn digits into an int through text, which
Python refuses past 4300 digits."""


MAX_PRINTED_DIGITS = 100_000
"""The most digits of a varint printed as text (toJson, CAST to text): ~0.2 s of
conversion; ten times as many would hold every client for ~20 s."""


def integer_text(n: int) -> str:
    """An integer's digits, past Python's 4,300-digit guard on ``str(int)`` (through the
    decimal module's converter), up to `MAX_PRINTED_DIGITS`."""
    bits = abs(n).bit_length()
    if bits < 14_000:  # under 4,300 digits
        return str(n)
    digits = int(bits * 0.30103) + 1
    if digits > MAX_PRINTED_DIGITS:
        raise InvalidRequest(
            f"A varint of {digits:,} digits is longer than the {MAX_PRINTED_DIGITS:,} scylla_lite prints as text"
        )
    return str(decimal.Decimal(n))


def _integer(t: CqlType, text: str) -> int:
    """An integer literal for an integer type, range-checked on its text first."""
    digits = len(text.lstrip("+-").lstrip("0"))
    if t.name == "varint":
        if digits > MAX_NUMBER_DIGITS:
            raise MarshalError(f"unable to make int from '{text}'")
        return int(text)
    if digits > 20:
        raise ValueError(f"Unable to make {t.name} from '{text}'")
    return _int_in_range(t, int(text))


def _floating(t: CqlType, text: str) -> float:
    """A float or double literal; one past the type's range is refused, as ScyllaDB's
    ``boost::lexical_cast`` refuses it (it does not become infinity)."""
    value = float(text)
    if not math.isfinite(value) and not re.fullmatch(r"[+-]?(nan|infinity|inf)", text.lower()):
        raise MarshalError(f"Invalid number format '{text}'")
    if t.name == "float":
        try:
            struct.pack(">f", value)
        except OverflowError:
            raise MarshalError(f"Invalid number format '{text}'") from None
    return value


def _decimal(text: str) -> decimal.Decimal:
    """A decimal literal whose scale fits the 32 bits a decimal is serialised with."""
    value = decimal.Decimal(text)
    _, digits, exponent = value.as_tuple()
    if len(digits) > MAX_NUMBER_DIGITS or not isinstance(exponent, int) or not -(2**31) <= -exponent < 2**31:
        raise MarshalError(f"unable to make BigDecimal from '{text}'")
    return value


def _text_literal(t: CqlType, text: str) -> str:
    """A string constant as text, or as ascii only when every character is."""
    if t.name == "ascii" and not text.isascii():
        raise InvalidRequest(f"Invalid ASCII character in string literal {text}")
    return text


def _uuid_literal(t: CqlType, text: str) -> uuid.UUID:
    """A uuid constant; a timeuuid must be a version 1 (time-based) one."""
    u = uuid.UUID(text)
    if t.name == "timeuuid" and u.version != 1:
        raise InvalidRequest(f"Unsupported UUID version for timeuuid: {u.version}")
    return u


LiteralParser = Callable[[CqlType, str], Any]
"""Turns a constant's text into the Python value of a type (the type for its checks)."""

_FLOATING: dict[str, LiteralParser] = {"float": _floating, "double": _floating}
_TIME_TEXT: dict[str, LiteralParser] = {
    "timestamp": lambda t, text: parse_timestamp(text),
    "date": lambda t, text: parse_date(text),
    "time": lambda t, text: parse_time(text),
}

LITERALS: dict[str, dict[str, LiteralParser]] = {
    "string": {  # ScyllaDB: only these types take a string constant
        "text": _text_literal,
        "ascii": _text_literal,
        **_TIME_TEXT,
        "inet": lambda t, text: str(ipaddress.ip_address(text)),
    },
    "integer": {
        **dict.fromkeys(INTEGER_TYPES, _integer),
        **_FLOATING,
        "decimal": lambda t, text: _decimal(text),
        **_TIME_TEXT,
    },
    "float": {**_FLOATING, "decimal": lambda t, text: _decimal(text)},
    "nan": _FLOATING,
    "infinity": _FLOATING,
    "boolean": {"boolean": lambda t, text: text.lower() == "true"},
    "uuid": {"uuid": _uuid_literal, "timeuuid": _uuid_literal},
    "blob": {"blob": lambda t, text: bytes.fromhex(text)},
    "duration": {"duration": lambda t, text: parse_duration(text)},
}
"""For each kind of CQL constant, the types it may be a value of and how it becomes one
(Cassandra's ``Constants`` rules): one table instead of a branch per kind and type."""

KIND_LABELS = {
    "string": "STRING",
    "integer": "INTEGER",
    "float": "FLOAT",
    "boolean": "BOOLEAN",
    "uuid": "UUID",
    "blob": "HEX",
    "duration": "DURATION",
    "nan": "FLOAT",
    "infinity": "FLOAT",
}
"""A constant's kind as ScyllaDB's error messages name it."""


def literal_value(t: CqlType, kind: str, text: str, column: str) -> Any:
    """The Python value of a CQL constant for a column of type ``t``, or InvalidRequest
    with Cassandra's message when the constant does not fit the type."""
    if kind == "null":
        return None
    kind_label = KIND_LABELS[kind]
    shown = f"0x{text}" if kind == "blob" else text  # the constant as written
    parse = LITERALS[kind].get(t.name)
    if parse is None:
        raise InvalidRequest(f'Invalid {kind_label} constant ({shown}) for "{column}" of type {t.cql()}')
    try:
        return parse(t, text)
    except InvalidRequest:
        raise
    except MarshalError as exc:  # ScyllaDB: untyped_constant's marshal_exception, as it is
        raise InvalidRequest(f"marshaling error: {exc}") from None
    except (ValueError, ArithmeticError) as exc:
        raise InvalidRequest(
            f'Invalid {kind_label} constant ({shown}) for "{column}" of type {t.cql()}: {exc}'
        ) from None


def _has_unordered(t: CqlType) -> bool:
    return t.name in ("set", "map") or any(_has_unordered(p) for p in t.params)


def canonical(t: CqlType, data: bytes) -> bytes:
    """A bound value with every set and map (at any depth) in its comparator order and
    without duplicate keys, as Cassandra and ScyllaDB re-serialise bound collections: a
    driver may send them in any order (a Python dict's insertion order)."""
    if not data or t.name == "vector" or not _has_unordered(t):
        return data
    if t.name in ("list", "set"):
        items = [canonical(t.params[0], v) for v in split_collection(data)]
        return serialize_set(t, items) if t.name == "set" else serialize_collection(items)
    if t.name == "map":
        kt, vt = t.params
        return serialize_map(t, [(canonical(kt, k), canonical(vt, v)) for k, v in split_map(data)])
    # tuple / udt: rewrite the fields present, keeping a short value short
    fields = split_fields(data, len(t.params), pad=False)
    return serialize_collection_fields(
        [None if f is None else canonical(p, f) for p, f in zip(t.params, fields)]
    )


def validate_value(t: CqlType, data: bytes, column: str) -> None:
    """Reject a bound value whose bytes do not decode as the column's type."""
    if t.name == "blob":
        return
    try:
        if t.name == "text":
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as exc:  # ScyllaDB's marshaling error text
                raise ValueError(
                    "marshaling error: Validation failed - non-UTF8 character in a UTF8 string, "
                    f"at byte offset {exc.start}"
                ) from None
        elif t.name == "ascii":
            if not data.isascii():
                raise ValueError("Invalid byte for ascii")
        elif t.name == "vector":
            expected = t.size * 4 if t.params[0].name == "float" else None
            if expected is not None and len(data) != expected:
                raise ValueError(f"Expected {expected} bytes for a {t.cql()}, got {len(data)}")
            t.decode(data)
        else:
            fixed = {
                "int": 4,
                "bigint": 8,
                "smallint": 2,
                "tinyint": 1,
                "double": 8,
                "float": 4,
                "boolean": 1,
                "timestamp": 8,
                "date": 4,
                "time": 8,
                "uuid": 16,
                "timeuuid": 16,
                "counter": 8,
            }.get(t.name)
            if fixed is not None and data and len(data) != fixed:
                raise ValueError(f"Expected {fixed} or 0 byte {t.name} ({len(data)})")
            if t.name == "inet" and len(data) not in (0, 4, 16):
                raise ValueError(f"Invalid length for inet: {len(data)}")
            if t.name == "timeuuid" and data and uuid.UUID(bytes=data).version != 1:
                raise ValueError("Unsupported UUID version for timeuuid")
            if t.name in COLLECTIONS and not data:  # ScyllaDB reads the element count first
                raise ValueError("marshaling error: read_simple - not enough bytes (expected 4, got 0)")
            if t.name == "duration" and len(data) < 3:
                raise ValueError(
                    f"marshaling error: Expected at least 3 bytes for a duration, got {len(data)}"
                )
            if t.name in ("list", "set", "map", "tuple", "udt", "duration", "varint", "decimal"):
                t.decode(data)
    except InvalidRequest:
        raise
    except Exception as exc:
        raise InvalidRequest(f"Exception while binding column {column}: {exc}") from None
