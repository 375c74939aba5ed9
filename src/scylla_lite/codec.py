"""The byte layouts of structured CQL values: lists, sets, maps, tuples, UDTs and vectors.

Values live serialised everywhere in scylla_lite, so one module owns how a structured
value's parts are joined and split (``[n][len][bytes]...`` for collections, ``[len][bytes]``
per field for tuples and UDTs, bare or vint-prefixed elements for vectors). It sits below
`scylla_lite.types` and the term compiler, which both build and read these layouts; it knows
a type only through the little it needs of one (`ElementType`, `ContainerType`).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any, Protocol, cast

from cassandra.marshal import uvint_pack

from .errors import InvalidRequest
from .requests import UNSET, RawValue

NULL_FIELD = b"\xff\xff\xff\xff"
"""A null tuple or UDT field: its length written as -1."""


class ElementType(Protocol):
    """What the codec needs of an element's type: its order (sets and map keys are kept
    sorted and unique) and its driver codec (a vector's elements may be fixed-size)."""

    def sort_key(self, data: bytes) -> Any: ...

    @property
    def codec(self) -> Any: ...


class ContainerType(Protocol):
    """What the codec needs of a collection or vector type: its element types."""

    @property
    def params(self) -> Sequence[ElementType]: ...


# ---------------------------------------------------------------------- serialise


def check_element(v: RawValue, name: str) -> bytes:
    """An element of a collection literal: neither null nor unset is allowed there."""
    if v is None:
        raise InvalidRequest("null is not supported inside collections")
    if v is UNSET:
        raise InvalidRequest(f"Invalid unset value for {name}")
    return cast(bytes, v)


def serialize_collection(items: Sequence[RawValue], name: str = "") -> bytes:
    """A list (or already ordered set): the count, then each element as [bytes]."""
    out = [struct.pack(">i", len(items))]
    for v in items:
        b = check_element(v, name)
        out.append(struct.pack(">i", len(b)) + b)
    return b"".join(out)


def serialize_set(t: ContainerType, items: Sequence[RawValue], name: str = "") -> bytes:
    """A set in its comparator order, duplicates dropped (the last one given stays)."""
    elem = t.params[0]
    unique = {elem.sort_key(check_element(v, name)): v for v in items}
    return serialize_collection([unique[k] for k in sorted(unique)], name)


def serialize_map(t: ContainerType, pairs: Sequence[tuple[RawValue, RawValue]], name: str = "") -> bytes:
    """A map in its key order, duplicate keys dropped (the last one given stays)."""
    kt = t.params[0]
    unique = {kt.sort_key(check_element(k, name)): (k, check_element(v, name)) for k, v in pairs}
    out = [struct.pack(">i", len(unique))]
    for key in sorted(unique):
        k, v = unique[key]
        b = cast(bytes, k)
        out.append(struct.pack(">i", len(b)) + b + struct.pack(">i", len(v)) + v)
    return b"".join(out)


def serialize_collection_fields(items: Sequence[RawValue]) -> bytes:
    """Tuple and UDT values: each field as [bytes], null (or unset) as length -1."""
    out = []
    for v in items:
        if v is None or v is UNSET:
            out.append(NULL_FIELD)
        else:
            b = cast(bytes, v)
            out.append(struct.pack(">i", len(b)) + b)
    return b"".join(out)


def serialize_vector(t: ContainerType, items: Sequence[RawValue], name: str) -> bytes:
    """A vector: its elements back to back, each variable-size one after an unsigned vint
    length (a vector's dimension is in its type, not in its value)."""
    parts = [check_element(v, name) for v in items]
    if t.params[0].codec.serial_size() is None:
        return b"".join(uvint_pack(len(p)) + p for p in parts)
    return b"".join(parts)


# ---------------------------------------------------------------------- split


def split_collection(data: bytes) -> list[bytes]:
    """The element bytes of a serialised list or set."""
    (n,) = struct.unpack_from(">i", data, 0)
    pos, out = 4, []
    for _ in range(n):
        (size,) = struct.unpack_from(">i", data, pos)
        pos += 4
        out.append(data[pos : pos + size])
        pos += size
    return out


def split_map(data: bytes) -> list[tuple[bytes, bytes]]:
    """The (key, value) bytes of a serialised map, in their stored order."""
    (n,) = struct.unpack_from(">i", data, 0)
    pos, out = 4, []
    for _ in range(n):
        (ks,) = struct.unpack_from(">i", data, pos)
        k = data[pos + 4 : pos + 4 + ks]
        pos += 4 + ks
        (vs,) = struct.unpack_from(">i", data, pos)
        v = data[pos + 4 : pos + 4 + vs]
        pos += 4 + vs
        out.append((k, v))
    return out


def split_fields(data: bytes, count: int, pad: bool = True) -> list[bytes | None]:
    """The field bytes of a serialised tuple or UDT (null fields are None). A value written
    before fields were added to its UDT is short: its missing trailing fields are null, or,
    with ``pad=False``, left out (to rewrite the value as short as it came)."""
    pos, out = 0, list[bytes | None]()
    for _ in range(count):
        if pos >= len(data):
            if not pad:
                break
            out.append(None)
            continue
        (size,) = struct.unpack_from(">i", data, pos)
        pos += 4
        if size < 0:
            out.append(None)
        else:
            out.append(data[pos : pos + size])
            pos += size
    return out
