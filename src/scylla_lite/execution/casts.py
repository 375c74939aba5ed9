"""CAST in a select list: which conversions ScyllaDB allows (castas_fcts.cc) and how each
converts a value, including the fixed-width integer wrap-around its C++ casts have.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from typing import Any

from .. import cqljson
from ..errors import InvalidRequest
from ..protocol.types import cass_type_name
from ..types import INT_BITS, CqlType, integer_text
from . import functions
from .terms import Execution

_NUMBERS = frozenset({"tinyint", "smallint", "int", "bigint", "float", "double", "varint", "decimal"})
_TO_TEXT = _NUMBERS | {"timestamp", "date", "time", "timeuuid", "uuid", "boolean", "inet"}
_TO_TIME = {"timestamp": ("date", "timeuuid"), "date": ("timestamp", "timeuuid")}


def castable(src: CqlType, dst: CqlType) -> bool:
    """Whether ScyllaDB's get_castas_fctn (castas_fcts.cc) has a conversion: between
    numbers, to text or ascii from numbers and the scalar types, text from ascii, and
    between timestamp, date and timeuuid; and any type to itself."""
    if src == dst:
        return True
    if dst.name in _NUMBERS:
        return src.name in _NUMBERS
    if dst.name in ("text", "ascii"):
        return src.name in _TO_TEXT or (dst.name, src.name) == ("text", "ascii")
    return src.name in _TO_TIME.get(dst.name, ())


def marshal_name(t: CqlType) -> str:
    """The class name ScyllaDB's abstract_type::name() gives (its CAST errors use it)."""
    return re.sub(r"\bDateType\b", "TimestampType", cass_type_name(t.codec))


def cast(src: CqlType, dst: CqlType, data: bytes | None) -> bytes | None:
    """CAST (of a pair `castable` allows), converting as ScyllaDB's castas_fcts.cc does."""
    if data is None:
        return None
    if src == dst:
        return data
    value = src.decode(data)
    if value is None:
        return None  # an empty value (of a non-string type) reads as null
    try:
        if dst.name in ("text", "ascii"):
            return dst.encode(_cql_text(src, value))
        if dst.name in _NUMBERS:
            return dst.encode(_number(dst, value))
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise InvalidRequest(f"Cannot cast {src.cql()} to {dst.cql()}: {exc}") from None
    fn = functions.FIXED["totimestamp" if dst.name == "timestamp" else "todate"][0]
    return fn(Execution([], 0), [(src, data)])[1]


def wrap_integer(t: CqlType, n: Any) -> Any:
    """``n`` wrapped to ``t``'s width, as a C++ (or Java) fixed-width integer overflows."""
    bits = INT_BITS.get(t.name)
    if bits is None or not isinstance(n, int):
        return n
    n &= (1 << bits) - 1
    return n - (1 << bits) if n >= 1 << (bits - 1) else n


def _number(dst: CqlType, value: Any) -> Any:
    """A number converted to ``dst``: integers truncate and wrap like ScyllaDB's C++ casts."""
    if dst.name in ("float", "double"):
        return float(value)
    if dst.name == "decimal":
        return _to_decimal(value)
    if isinstance(value, decimal.Decimal):
        return wrap_integer(dst, _integer_part(value, INT_BITS.get(dst.name)))
    return wrap_integer(dst, int(value))


def _to_decimal(value: Any) -> decimal.Decimal:
    """ScyllaDB parses a float's text as a big_decimal, which refuses inf and nan."""
    if isinstance(value, float) and not math.isfinite(value):
        text = "nan" if math.isnan(value) else "-inf" if value < 0 else "inf"
        raise ValueError(f"marshaling error: big_decimal - incorrect integer: {text}")
    return decimal.Decimal(value if isinstance(value, int) else str(value))


def _integer_part(d: decimal.Decimal, bits: int | None) -> int:
    """trunc(d) without building an integer of a huge exponent's digits: for a fixed-width
    target only the low ``bits`` bits, which are all that wrapping keeps."""
    sign, digits, exponent = d.as_tuple()
    assert isinstance(exponent, int)
    if exponent <= 0:
        return int(d)
    if bits is None and len(digits) + exponent > cqljson.MAX_PLAIN_DIGITS:
        raise ValueError(f"{d} has more than {cqljson.MAX_PLAIN_DIGITS} digits")
    modulus = None if bits is None else 1 << bits
    n = int("".join(map(str, digits))) * pow(10, exponent, modulus)
    return -n if sign else n


def _cql_text(t: CqlType, value: Any) -> str:
    """A value as CAST to text writes it: timestamps, booleans and numbers as ScyllaDB prints them."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return cqljson.decimal_text(value)  # ScyllaDB's big_decimal::to_string, as toJson
    if isinstance(value, int):
        return integer_text(value)
    return str(value)
