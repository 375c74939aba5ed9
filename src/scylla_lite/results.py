"""What executing a request gives back: the engine's side of the protocol contract.

The protocol layer turns these into RESULT frames; the engine never sees bytes of a
frame, and the protocol never looks inside a table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Union

from cassandra.cqltypes import CassandraType


@dataclass(frozen=True)
class ColumnSpec:
    """One column of result or bind metadata. ``type`` is a ``cassandra.cqltypes`` class
    (parameterised for collections, tuples, UDTs and vectors)."""

    keyspace: str
    table: str
    name: str
    type: type[CassandraType]


@dataclass
class Void:
    pass


@dataclass
class Rows:
    """``rows`` hold each cell already serialised for the protocol (the bytes of a
    [bytes] value, as ``type.to_binary`` would give them) or None for null: storage
    keeps the wire form, so a read never decodes and re-encodes a value.
    ``paging_state`` is set when more rows follow. ``no_metadata`` asks the protocol
    to send the NO_METADATA flag (EXECUTE with skip_meta)."""

    columns: list[ColumnSpec]
    rows: list[list[bytes | None]]
    paging_state: bytes | None = None
    no_metadata: bool = False


@dataclass
class SetKeyspace:
    keyspace: str


@dataclass
class Prepared:
    """``pk_indexes`` are bind-marker positions of the partition key columns, in key
    order, when every key column is bound by a marker (else empty)."""

    statement_id: bytes
    bind: list[ColumnSpec]
    pk_indexes: list[int]
    result: list[ColumnSpec]


@dataclass
class SchemaChange:
    """``change`` CREATED/UPDATED/DROPPED; ``target`` KEYSPACE/TABLE/TYPE/FUNCTION/AGGREGATE;
    ``name`` empty for a keyspace target; ``arg_types`` for functions."""

    change: str
    target: str
    keyspace: str
    name: str = ""
    arg_types: list[str] = field(default_factory=list)


Result = Union[Void, Rows, SetKeyspace, Prepared, SchemaChange]


@dataclass
class Continues:
    """A request not finished yet: ``step()`` does its next slice of work and gives the
    result, or more to do. The server serves other clients between slices, so one long
    request (an unpaged read of a million rows) does not stall every client."""

    step: Callable[[], Outcome]


Outcome = Union[Result, Continues]


def finish(outcome: Outcome) -> Result:
    """Do every slice left now (for callers that want the result in one call)."""
    while isinstance(outcome, Continues):
        outcome = outcome.step()
    return outcome


def then(outcome: Outcome, last: Callable[[Result], Result]) -> Outcome:
    """``outcome`` with ``last`` applied to its result, whenever that comes."""
    if isinstance(outcome, Continues):
        return Continues(lambda: then(outcome.step(), last))
    return last(outcome)
