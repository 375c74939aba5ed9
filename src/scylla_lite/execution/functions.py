"""CQL's native scalar functions, usable both as terms and in the select list.

Each function works on typed serialised values: ``(CqlType, bytes | None)`` in,
``(CqlType, bytes | None)`` out, so terms and selectors share one implementation.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from cassandra import util as cutil

from ..cql import ast
from ..errors import FunctionFailure, InvalidRequest
from ..types import CqlType, native, validate_value
from .terms import Compiler, Execution, Receiver, TermFn

Typed = tuple[CqlType, Any]  # (type, serialised value or None)

TIMEUUID, TIMESTAMP, DATE, TIME, BIGINT, UUID_T, BLOB = (
    native("timeuuid"),
    native("timestamp"),
    native("date"),
    native("time"),
    native("bigint"),
    native("uuid"),
    native("blob"),
)


def _timeuuid_at(ex: Execution) -> uuid.UUID:
    return cutil.uuid_from_time(ex.now_micros / 1e6, node=ex.random_bits(48), clock_seq=ex.random_bits(14))


def _ms_of(t: CqlType, data: bytes) -> int:
    v = t.decode(data)
    if t.name == "timeuuid":
        return int(cutil.unix_time_from_uuid1(v) * 1000)
    if t.name == "timestamp":
        if isinstance(v, dt.datetime):  # the driver decodes a timestamp as a naive UTC datetime
            delta = v - dt.datetime(1970, 1, 1)
            return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000
        return int(v)
    if t.name == "date":
        return int(v.days_from_epoch) * 86400000
    raise InvalidRequest(f"Type error: cannot convert {t.cql()}")


def _now(ex: Execution, args: list[Typed]) -> Typed:
    return TIMEUUID, TIMEUUID.encode(_timeuuid_at(ex))


def _to_timestamp(ex: Execution, args: list[Typed]) -> Typed:
    t, v = args[0]
    return TIMESTAMP, (None if v is None else TIMESTAMP.encode(_ms_of(t, v)))


def _to_date(ex: Execution, args: list[Typed]) -> Typed:
    t, v = args[0]
    return DATE, (None if v is None else DATE.encode(cutil.Date(_ms_of(t, v) // 86400000)))


def _to_unix(ex: Execution, args: list[Typed]) -> Typed:
    t, v = args[0]
    return BIGINT, (None if v is None else BIGINT.encode(_ms_of(t, v)))


def _min_timeuuid(ex: Execution, args: list[Typed]) -> Typed:
    t, v = args[0]
    return TIMEUUID, (None if v is None else TIMEUUID.encode(cutil.min_uuid_from_time(_ms_of(t, v) / 1000)))


def _max_timeuuid(ex: Execution, args: list[Typed]) -> Typed:
    t, v = args[0]
    return TIMEUUID, (None if v is None else TIMEUUID.encode(cutil.max_uuid_from_time(_ms_of(t, v) / 1000)))


FIXED: dict[str, tuple[Callable[[Execution, list[Typed]], Typed], CqlType | None, int]] = {
    # name: (implementation, result type when fixed, arity)
    "now": (_now, TIMEUUID, 0),
    "currenttimeuuid": (_now, TIMEUUID, 0),
    "uuid": (lambda ex, a: (UUID_T, UUID_T.encode(uuid.UUID(int=ex.random_bits(128), version=4))), UUID_T, 0),
    "currenttimestamp": (lambda ex, a: (TIMESTAMP, TIMESTAMP.encode(ex.now_micros // 1000)), TIMESTAMP, 0),
    "currentdate": (lambda ex, a: (DATE, DATE.encode(cutil.Date(ex.now_micros // 86400_000_000))), DATE, 0),
    "currenttime": (
        lambda ex, a: (TIME, TIME.encode(cutil.Time(ex.now_micros % 86400_000_000 * 1000))),
        TIME,
        0,
    ),
    "totimestamp": (_to_timestamp, TIMESTAMP, 1),
    "todate": (_to_date, DATE, 1),
    "tounixtimestamp": (_to_unix, BIGINT, 1),
    "dateof": (_to_timestamp, TIMESTAMP, 1),
    "unixtimestampof": (_to_unix, BIGINT, 1),
    "mintimeuuid": (_min_timeuuid, TIMEUUID, 1),
    "maxtimeuuid": (_max_timeuuid, TIMEUUID, 1),
}


def conversion(name: str) -> tuple[Callable[[Execution, list[Typed]], Typed], CqlType] | None:
    """``blobAsInt``, ``textAsBlob``... : reinterpretations between blob and a native type."""
    from ..types import NATIVE

    if name.startswith("blobas") and name[6:] in NATIVE:
        target = native(name[6:])
        return (lambda ex, a: (target, _valid_as(name, target, a[0][1]))), target
    if name.endswith("asblob") and name[:-6] in NATIVE:
        return (lambda ex, a: (BLOB, a[0][1])), BLOB
    return None


def _valid_as(name: str, target: CqlType, data: bytes | None) -> bytes | None:
    """A blob's bytes as a value of ``target``, if they are one (a driver could not read a
    ``text`` that is not UTF-8): ScyllaDB's make_from_blob_function validates them."""
    if data:
        try:
            validate_value(target, data, name)
        except InvalidRequest:
            raise InvalidRequest(
                f"In call to function system.{name}, value 0x{data.hex()} is not a valid binary "
                f"representation for type {target.cql()}"
            ) from None
    return data


def lookup(name: str) -> tuple[Callable[[Execution, list[Typed]], Typed], CqlType | None, int]:
    if name in FIXED:
        return FIXED[name]
    conv = conversion(name)
    if conv is not None:
        return conv[0], conv[1], 1
    raise InvalidRequest(f"Unknown function '{name}'")


_ARG_TYPES = {
    "totimestamp": TIMEUUID,
    "todate": TIMEUUID,
    "tounixtimestamp": TIMEUUID,
    "dateof": TIMEUUID,
    "unixtimestampof": TIMEUUID,
    "mintimeuuid": TIMESTAMP,
    "maxtimeuuid": TIMESTAMP,
}


def compile_call(compiler: Compiler, call: ast.FunctionCall, receiver: Receiver) -> TermFn:
    """A function call used as a term (``now()``, ``toTimestamp(now())``, ``textAsBlob('x')``)."""
    name = call.name
    if name == "token":
        raise InvalidRequest("token() is only allowed on the left of a relation or in the select list")
    if name == "fromjson":
        return _from_json(compiler, call, receiver)
    if name == "tojson":
        raise InvalidRequest("toJson() may only be used within the selection clause")
    impl, result, arity = lookup(name)
    if len(call.args) != arity:
        raise InvalidRequest(
            f"Invalid number of arguments in call to function {name}: {arity} required but "
            f"{len(call.args)} provided"
        )
    if result is not None and not _assignable(result, receiver.type):
        raise InvalidRequest(
            f"Type error: cannot assign result of function system.{name} (type {result.cql()}) "
            f"to {receiver.name} (type {receiver.type.cql()})"
        )
    arg_types: list[CqlType] = []
    arg_fns: list[TermFn] = []
    for i, arg in enumerate(call.args):
        if name.endswith("asblob"):
            at = native(name[:-6])
        elif name.startswith("blobas"):
            at = BLOB
        else:
            at = _arg_type(arg) or _ARG_TYPES.get(name, TIMEUUID)
        arg_types.append(at)
        arg_fns.append(
            compiler.term(arg, Receiver(receiver.keyspace, receiver.table, f"arg{i}(system.{name})", at))
        )

    def run(ex: Execution) -> Any:
        args = [(t, f(ex)) for t, f in zip(arg_types, arg_fns)]
        return impl(ex, args)[1]

    return run


def _from_json(compiler: Compiler, call: ast.FunctionCall, receiver: Receiver) -> TermFn:
    """``fromJson(text)``: a JSON document read as the receiver's type; JSON null is null.
    A document that is not JSON, or does not fit the type, fails the function."""
    from .. import cqljson

    if len(call.args) != 1:
        raise InvalidRequest(
            f"Invalid number of arguments in call to function system.fromjson: 1 required but "
            f"{len(call.args)} provided"
        )
    text_r = Receiver(receiver.keyspace, receiver.table, "arg0(system.fromjson)", native("text"))
    arg = compiler.term(call.args[0], text_r)
    target = receiver.type

    def failure(detail: str) -> FunctionFailure:
        return FunctionFailure(
            f"execution of 'system.fromjson[text]' failed: {detail}", "system", "fromjson", ["text"]
        )

    def run(ex: Execution) -> Any:
        raw = arg(ex)
        if not isinstance(raw, bytes):
            return raw  # null or unset
        text = raw.decode()
        try:
            doc = cqljson.parse(text)
        except (ValueError, RecursionError) as exc:  # json nests no deeper than Python's stack
            raise failure(f"Could not decode JSON string '{text}': {exc}") from None
        if doc is None:
            return None
        try:
            return cqljson.from_json(target, doc)
        except cqljson.JsonValueError as exc:
            raise failure(str(exc)) from None

    return run


def _arg_type(arg: ast.Term) -> CqlType | None:
    """The type a nested call returns, so ``toTimestamp(now())`` types its argument."""
    if isinstance(arg, ast.FunctionCall) and arg.name in FIXED:
        return FIXED[arg.name][1]
    if isinstance(arg, ast.Literal) and arg.kind == "string":
        return TIMESTAMP
    return None


def _assignable(result: CqlType, target: CqlType) -> bool:
    if result.cql(False) == target.cql(False):
        return True
    return (result.name, target.name) in {("timeuuid", "uuid"), ("text", "ascii"), ("ascii", "text")}
