"""Documents read back with Python's own types, so every demo's JSON works on them.

coodie 1.9.3 builds the documents it reads with ``model_construct()``: the driver's value
types survive into the model (``set`` → ``SortedSet``, ``map`` → ``OrderedMapSerializedKey``,
``date`` → ``cassandra.util.Date``, ``time`` → ``Time``, ``duration`` → ``Duration``, a UDT
→ the driver's named tuple, ``inet`` → ``str``).  ``model_dump(mode="json")`` raises on most
of them — a 500 from any JSON endpoint, on ScyllaDB as on scylla_lite — and a ``timestamp``
(UTC) comes back without its zone.  coodie's own way out, ``QuerySet.validate()``, fails on
``date``, ``time`` and ``duration`` columns.  The demos go through `native` and `to_json`
instead; spec/coodie/test_upstream_bugs.py pins each type, so the day coodie fixes one shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from cassandra.util import Date, Duration, SortedSet, Time
from coodie.types import CqlDuration
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def plain(value: Any) -> Any:
    """``value`` with every driver type in it turned into the Python type pydantic validates."""
    if isinstance(value, SortedSet | set | frozenset):
        return {plain(item) for item in value}
    if isinstance(value, Mapping):
        return {plain(key): plain(item) for key, item in value.items()}
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # a CQL timestamp is UTC; the driver leaves the zone out
    if isinstance(value, Date):
        return value.date()  # ScyllaDB's dates reach past Python's: date() raises out of 1..9999
    if isinstance(value, Time):
        return value.time()
    if isinstance(value, Duration):
        return CqlDuration(months=value.months, days=value.days, nanoseconds=value.nanoseconds)
    if isinstance(value, tuple) and hasattr(value, "_asdict"):  # a UDT, as the driver's named tuple
        return {name: plain(item) for name, item in value._asdict().items()}
    if isinstance(value, list | tuple):
        return type(value)(plain(item) for item in value)
    if isinstance(value, BaseModel):
        return {name: plain(getattr(value, name)) for name in type(value).model_fields}
    return value


def native(doc: M) -> M:
    """``doc`` validated from its plain values: every field of its declared type again.

    A column read back as null — never written, an empty collection, a counter never
    incremented — takes the field's default where the model gives one other than None."""
    fields = type(doc).model_fields
    values = {
        name: value
        for name, value in plain(doc).items()
        if value is not None
        or fields[name].is_required()
        or fields[name].get_default(call_default_factory=True) is None
    }
    return type(doc).model_validate(values)


def to_json(doc: BaseModel, **dump: Any) -> dict[str, Any]:
    """``doc`` as JSON-ready values (``model_dump(mode="json", **dump)``), sets as sorted lists."""
    fixed = native(doc)
    data = fixed.model_dump(mode="json", **dump)
    for name, value in data.items():
        if isinstance(getattr(fixed, name, None), set | frozenset):
            data[name] = sorted(value, key=lambda item: (str(type(item)), item))
    return data
