"""CQL values as JSON and back: ``SELECT JSON``, ``toJson()``, ``INSERT JSON``, ``fromJson()``.

Formats follow ScyllaDB (``types/json_utils.cc``, ``as_json_function``): strings are
quoted with only ``"``, ``\\`` and control characters escaped; timestamps read
``"yyyy-mm-dd hh:mm:ss.fffZ"``; blobs ``"0x.."``; decimals in plain notation without
trailing zeros (but for a huge exponent); non-finite floats ``null``; map keys always
JSON strings; tuples are arrays and user types objects. Reading accepts what ScyllaDB
accepts: numbers or numeric strings for numbers, ``true``/``"true"`` for booleans,
strings for the string-like types, ``0x`` strings for blobs, nested no deeper than
ScyllaDB's rjson parses.
"""

from __future__ import annotations

import datetime as dt
import decimal
import ipaddress
import json
import math
import struct
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

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
from .types import INT_BITS, CqlType, integer_text, parse_date, parse_duration, parse_time, parse_timestamp

if TYPE_CHECKING:
    from .catalog import Table

_EPOCH = dt.datetime(1970, 1, 1)


class JsonValueError(ValueError):
    """A JSON value that does not fit the CQL type it is read as."""


# --------------------------------------------------------------------------- CQL -> JSON


def quote(text: str) -> str:
    """A JSON string as ScyllaDB writes one (non-ASCII characters stay as they are)."""
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_ESCAPES = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def row(names: list[str], texts: list[str]) -> str:
    """One ``SELECT JSON`` row: a name with an upper-case letter is quoted inside the key."""
    return "{" + ", ".join(f'"{_key(n)}": {v}' for n, v in zip(names, texts)) + "}"


def _key(name: str) -> str:
    return f'\\"{name}\\"' if any("A" <= c <= "Z" for c in name) else name


def to_json(t: CqlType, data: bytes | None) -> str:
    """The JSON text of a serialised value of type ``t`` (``null`` for null)."""
    if data is None:
        return "null"
    name = t.name
    if not data and name not in ("text", "ascii", "blob", "list", "set", "map", "tuple", "udt"):
        return "null"  # an empty value of a fixed-size type
    if name in INT_BITS or name == "varint":
        return integer_text(t.decode(data))
    if name == "double":
        return _float_text(struct.unpack(">d", data)[0])
    if name == "float":
        return _float_text(_shortest_f32(struct.unpack(">f", data)[0]))
    if name == "decimal":
        return decimal_text(t.decode(data))
    if name == "boolean":
        return "true" if data != b"\x00" else "false"
    if name in ("text", "ascii"):
        return quote(data.decode("utf-8", "replace"))
    if name == "blob":
        return quote("0x" + data.hex())
    if name == "timestamp":
        return quote(timestamp_text(int.from_bytes(data, "big", signed=True)))
    if name in ("uuid", "timeuuid"):
        return quote(str(uuid.UUID(bytes=data)))
    if name in ("date", "time", "inet"):
        return quote(str(t.decode(data)))
    if name == "duration":
        return quote(duration_text(t.decode(data)))
    if name in ("list", "set"):
        return "[" + ", ".join(to_json(t.params[0], e) for e in split_collection(data)) + "]"
    if name == "vector":
        elem = t.params[0]
        return "[" + ", ".join(to_json(elem, elem.encode(x)) for x in t.decode(data)) + "]"
    if name == "map":
        parts = []
        for k, v in split_map(data):
            key = to_json(t.params[0], k)
            parts.append(f"{key if key.startswith(chr(34)) else quote(key)}: {to_json(t.params[1], v)}")
        return "{" + ", ".join(parts) + "}"
    if name == "tuple":
        fields = split_fields(data, len(t.params))
        return "[" + ", ".join(to_json(p, f) for p, f in zip(t.params, fields)) + "]"
    if name == "udt":
        fields = split_fields(data, len(t.params))
        return (
            "{"
            + ", ".join(f"{quote(n)}: {to_json(p, f)}" for n, p, f in zip(t.field_names, t.params, fields))
            + "}"
        )
    return quote(str(t.decode(data)))


def _float_text(v: float) -> str:
    if math.isnan(v) or math.isinf(v):
        return "null"
    text = repr(v)
    return text[:-2] if text.endswith(".0") else text


def _shortest_f32(v: float) -> float:
    """The double with the fewest digits that still reads back as the float ``v``."""
    if math.isnan(v) or math.isinf(v):
        return v
    for digits in range(1, 10):
        candidate = float(f"{v:.{digits}g}")
        if to_f32(candidate) == v:
            return candidate
    return v


_F32_MAX = struct.unpack(">f", b"\x7f\x7f\xff\xff")[0]


def to_f32(x: float) -> float:
    """``x`` rounded to single precision as C rounds it (beyond the largest float by
    less than half a unit it rounds down to it; further, to an infinity)."""
    try:
        return float(struct.unpack(">f", struct.pack(">f", x))[0])
    except OverflowError:
        return math.copysign(_F32_MAX if abs(x) < 2.0**128 - 2.0**103 else math.inf, x)


#: The most digits a decimal is written out in plain: ScyllaDB's big_decimal::to_string
#: writes every zero of an exponent (scylladb#8002: 1e1000000000 fails its toJson for want
#: of a gigabyte), so past this a decimal is written as its big_decimal::to_string_canonical
#: does, which is Java's BigDecimal.toString: ``1E+2147483647``.
MAX_PLAIN_DIGITS = 10_000


def decimal_text(d: Decimal) -> str:
    """ScyllaDB's ``big_decimal::to_string``: plain digits, no trailing fractional zeros;
    in scientific notation when that would run past `MAX_PLAIN_DIGITS` digits."""
    sign, digits, exponent = d.as_tuple()
    assert isinstance(exponent, int)
    unscaled = int("".join(map(str, digits)) or "0")
    if unscaled == 0:
        return "0"
    plain = len(digits) + exponent if exponent > 0 else max(len(digits), 1 - exponent)
    if plain > MAX_PLAIN_DIGITS:
        return str(d)  # (Python's to-scientific-string is Java's BigDecimal.toString)
    text = str(unscaled)
    if exponent > 0:
        text += "0" * exponent
    elif exponent < 0:
        scale = -exponent
        text = text.rjust(scale + 1, "0")
        text = (text[:-scale] + "." + text[-scale:]).rstrip("0").rstrip(".")
    return ("-" if sign else "") + text


def timestamp_text(ms: int) -> str:
    try:
        when = _EPOCH + dt.timedelta(milliseconds=ms)
    except OverflowError:
        return str(ms)
    return f"{when.year:04d}-" + when.strftime("%m-%d %H:%M:%S") + f".{ms % 1000:03d}Z"


def duration_text(d: Any) -> str:
    """A duration as Cassandra writes one: ``1y2mo3d4h5m6s7ms8us9ns`` (zero parts left out)."""
    months, days, nanos = d.months, d.days, d.nanoseconds
    negative = months < 0 or days < 0 or nanos < 0
    months, days, nanos = abs(months), abs(days), abs(nanos)
    out = "-" if negative else ""
    for value, unit in ((months // 12, "y"), (months % 12, "mo"), (days, "d")):
        if value:
            out += f"{value}{unit}"
    for size, unit in (
        (3_600_000_000_000, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
        (1_000_000, "ms"),
        (1_000, "us"),
        (1, "ns"),
    ):
        if nanos >= size:
            out += f"{nanos // size}{unit}"
            nanos %= size
    return out if out.strip("-") else "0s"


# --------------------------------------------------------------------------- JSON -> CQL


#: rjson's default_max_nested_level (utils/rjson.hh): the deepest JSON ScyllaDB parses.
MAX_NESTED_LEVEL = 78


def parse(text: str) -> Any:
    """A JSON document, numbers with a fraction or exponent kept exact as Decimal; one
    nested deeper than ScyllaDB's rjson parses (or than Python's stack) is a ValueError."""
    too_deep = ValueError(f"Max nested level reached: {MAX_NESTED_LEVEL}")
    try:
        doc = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except RecursionError:
        raise too_deep from None
    if _nested_past(doc, MAX_NESTED_LEVEL):
        raise too_deep
    return doc


def _nested_past(doc: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels deep in ``doc``."""
    level, layer = 0, [doc]
    while containers := [c for c in layer if isinstance(c, (list, dict))]:
        level += 1
        if level > limit:
            return True
        layer = [v for c in containers for v in (c.values() if isinstance(c, dict) else c)]
    return False


def _no_constant(name: str) -> Any:
    raise ValueError(f"Invalid value {name}")


def _read_integer(t: CqlType, v: Any) -> bytes:
    return _encode(t, _integer(t, v))


def _read_varint(t: CqlType, v: Any) -> bytes:
    """A numeric string is read whole: a varint has no range to check."""
    if isinstance(v, str):
        return _encode(t, int(v.strip()))
    return _encode(t, _integral(v))


def _read_decimal(t: CqlType, v: Any) -> bytes:
    if isinstance(v, bool) or not isinstance(v, (int, Decimal, str)):
        raise JsonValueError(f"{_dumps(v)} must be represented as numeric or string in JSON")
    return _encode(t, Decimal(v.strip() if isinstance(v, str) else v))


def _read_floating(t: CqlType, v: Any) -> bytes:
    if isinstance(v, bool) or not isinstance(v, (int, Decimal, str)):
        raise JsonValueError("JSON value must be represented as double or string")
    number = float(v)
    return _encode(t, to_f32(number) if t.name == "float" else number)


def _read_text(t: CqlType, v: Any) -> bytes:
    text = _string(v, "string_type")
    if t.name == "ascii" and not text.isascii():
        raise JsonValueError(f"Invalid ASCII character in string literal: {text}")
    return text.encode()


def _read_boolean(t: CqlType, v: Any) -> bytes:
    if isinstance(v, bool):
        return _encode(t, v)
    if isinstance(v, str) and v.strip().lower() in ("true", "false"):
        return _encode(t, v.strip().lower() == "true")
    raise JsonValueError(f"Invalid JSON object {_dumps(v)}")


def _read_blob(t: CqlType, v: Any) -> bytes:
    text = _string(v, "bytes_type")
    if not text.startswith("0x"):
        raise JsonValueError("Blob JSON strings must start with 0x")
    return bytes.fromhex(text[2:])


def _read_timestamp(t: CqlType, v: Any) -> bytes:
    """A date string, or milliseconds since the epoch as a (bigint-ranged) integer."""
    if isinstance(v, str):
        return _encode(t, parse_timestamp(v))
    if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
        raise JsonValueError("timestamp_type must be represented as string or integer")
    return _encode(t, _integer(native_bigint(), v))


def _read_uuid(t: CqlType, v: Any) -> bytes:
    u = uuid.UUID(_string(v, f"{t.name}_type"))
    if t.name == "timeuuid" and u.version != 1:
        raise JsonValueError(f"Unsupported UUID version for timeuuid: {u.version}")
    return u.bytes


def _read_array(t: CqlType, v: Any) -> bytes:
    """A list, set or vector: a JSON array of non-null elements."""
    if not isinstance(v, list):
        raise JsonValueError(f"{_type_word(t.name)} must be represented as JSON Array")
    items = [from_json(t.params[0], _not_null(x)) for x in v]
    if t.name == "set":
        return serialize_set(t, items)
    if t.name == "vector":
        if len(items) != t.size:
            raise JsonValueError(f"Expected {t.size} elements for a {t.cql()}, got {len(items)}")
        return _encode(t, [t.params[0].decode(x) for x in items])
    return serialize_collection(items)


def _read_map(t: CqlType, v: Any) -> bytes:
    if not isinstance(v, dict):
        raise JsonValueError("map_type must be represented as JSON Object")
    kt, vt = t.params
    pairs = [(from_json(kt, _map_key(kt, k)), from_json(vt, _not_null(x))) for k, x in v.items()]
    return serialize_map(t, pairs)


def _read_tuple(t: CqlType, v: Any) -> bytes:
    """A JSON array, the fields it leaves out at the end null (as a short tuple literal)."""
    if not isinstance(v, list):
        raise JsonValueError("tuple_type must be represented as JSON Array")
    if len(v) > len(t.params):
        raise JsonValueError(f"Too many values ({len(v)}) for tuple with size {len(t.params)}")
    fields = [None if x is None else from_json(p, x) for p, x in zip(t.params, v)]
    return serialize_collection_fields(fields + [None] * (len(t.params) - len(fields)))


def _read_udt(t: CqlType, v: Any) -> bytes:
    """A JSON object by field name (quoted keys keep their case); a missing field is null."""
    if not isinstance(v, dict):
        raise JsonValueError("user_type must be represented as JSON Object")
    given = {_field_name(k): x for k, x in v.items()}
    extra = [k for k in given if k not in t.field_names]
    if extra:
        raise JsonValueError(f"Extraneous field definition for user type {t.udt_name}: {extra[0]}")
    return serialize_collection_fields(
        [None if given.get(f) is None else from_json(p, given[f]) for f, p in zip(t.field_names, t.params)]
    )


JsonReader = Callable[[CqlType, Any], bytes]
"""Serialises a parsed JSON value (not None) as a type, or raises why it does not fit."""

READERS: dict[str, JsonReader] = {
    **dict.fromkeys(INT_BITS, _read_integer),
    "varint": _read_varint,
    "decimal": _read_decimal,
    "float": _read_floating,
    "double": _read_floating,
    "text": _read_text,
    "ascii": _read_text,
    "boolean": _read_boolean,
    "blob": _read_blob,
    "timestamp": _read_timestamp,
    "date": lambda t, v: _encode(t, parse_date(_string(v, "simple_date_type"))),
    "time": lambda t, v: _encode(t, parse_time(_string(v, "time_type"))),
    "uuid": _read_uuid,
    "timeuuid": _read_uuid,
    "inet": lambda t, v: _encode(t, str(ipaddress.ip_address(_string(v, "inet_addr_type")))),
    "duration": lambda t, v: _encode(t, parse_duration(_string(v, "duration_type"))),
    "list": _read_array,
    "set": _read_array,
    "vector": _read_array,
    "map": _read_map,
    "tuple": _read_tuple,
    "udt": _read_udt,
}
"""How ``fromJson`` reads each type, by type name (ScyllaDB's ``from_json_object``)."""


def from_json(t: CqlType, v: Any) -> bytes:
    """Serialise a parsed JSON value ``v`` (not None) as type ``t``; JsonValueError
    explains a value that does not fit."""
    read = READERS.get(t.name)
    if read is None:
        raise JsonValueError(f"Cannot read a {t.cql()} from JSON")
    try:
        return read(t, v)
    except JsonValueError:
        raise
    except (ValueError, ArithmeticError, TypeError, struct.error) as exc:
        raise JsonValueError(f"Unable to make {t.cql()} from {_dumps(v)}: {exc}") from None


def native_bigint() -> CqlType:
    return CqlType("bigint")


def _encode(t: CqlType, value: Any) -> bytes:
    data = t.encode(value)
    assert data is not None
    return data


def _integer(t: CqlType, v: Any) -> int:
    if isinstance(v, str):
        try:
            n = int(v.strip())
        except ValueError:
            raise JsonValueError(f"Unable to make {t.name} from '{v}'") from None
    else:
        n = _integral(v)
    bits = INT_BITS[t.name]
    if not -(2 ** (bits - 1)) <= n < 2 ** (bits - 1):
        raise JsonValueError(f"Value {n} out of range")
    return n


def _integral(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
        raise JsonValueError(f"Incorrect JSON value for int64 type: {_dumps(v)}")
    if isinstance(v, Decimal) and v != v.to_integral_value():
        raise JsonValueError(
            f"Incorrect JSON floating-point value for int64 type: {v} (it should not contain fractional "
            f"part {v - v.to_integral_value(decimal.ROUND_DOWN)})"
        )
    if isinstance(v, Decimal) and v.adjusted() >= MAX_PLAIN_DIGITS:  # (not a huge exponent's digits)
        raise JsonValueError(f"Value {v} out of range")
    return int(v)


def _string(v: Any, what: str) -> str:
    if not isinstance(v, str):
        raise JsonValueError(f"{what} must be represented as string in JSON, instead got '{_dumps(v)}'")
    return v


def _not_null(v: Any) -> Any:
    if v is None:
        raise JsonValueError("null is not supported inside collections")
    return v


def _map_key(kt: CqlType, key: str) -> Any:
    """JSON keys are strings: a key of a structured type is JSON inside that string."""
    if kt.name in ("list", "set", "map", "tuple", "udt", "vector"):
        return parse(key)
    return key


def _field_name(name: str) -> str:
    return name[1:-1] if len(name) > 1 and name[0] == name[-1] == '"' else name


def _type_word(name: str) -> str:
    return {"list": "list_type", "set": "set_type", "vector": "vector_type"}[name]


def _dumps(v: Any) -> str:
    return json.dumps(v, default=str, ensure_ascii=False)


# --------------------------------------------------------------------------- INSERT JSON


def insert_values(table: Table, raw: Any) -> dict[str, bytes | None]:
    """The columns an ``INSERT JSON`` document sets, serialised (None: JSON null). Keys
    are case-insensitive unless double-quoted, as column names in CQL text."""
    if not isinstance(raw, bytes):
        raise InvalidRequest("Got null for INSERT JSON values")
    text = raw.decode()
    try:
        doc = parse(text)
    except ValueError as exc:
        raise InvalidRequest(f"Could not decode JSON string as a map: {exc}. (String was: {text})") from None
    if doc is None:
        raise InvalidRequest("Got null for INSERT JSON values")
    if not isinstance(doc, dict):
        raise InvalidRequest(
            f"Could not decode JSON string as a map: expected a JSON object, got {_dumps(doc)}. "
            f"(String was: {text})"
        )
    given = {_field_name(k) if k.startswith('"') else k.lower(): v for k, v in doc.items()}
    out: dict[str, bytes | None] = {}
    for name, col in table.columns.items():
        if name not in given:
            continue
        v = given.pop(name)
        try:
            out[name] = None if v is None else from_json(col.type, v)
        except JsonValueError as exc:
            raise InvalidRequest(f"Error decoding JSON value for {name}: {exc}") from None
    if given:
        raise InvalidRequest(f"JSON values map contains unrecognized column: {next(iter(given))}")
    return out
