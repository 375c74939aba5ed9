"""What the commit log holds: one frozen record per kind of acknowledged change, and `Log`.

A record is the request that made the change (its text, keyspace and bound values) plus
the write timestamp and the server clock it ran at: execution is deterministic given
those, so replaying the records rebuilds the same cells. The engine and the statement
families make records and hand them to a `Log`; `durability.CommitLog` implements it and
stores them (its on-disk layout is its own affair); replay hands them back, one by one,
to whatever owns the state (`durability.Durable`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .requests import RawValue


@dataclass(frozen=True, slots=True)
class StatementRecord:
    """A statement as it was executed: what every statement record holds."""

    text: str
    keyspace: str | None
    values: Sequence[RawValue]
    ts: int  # the write timestamp (a client's, USING TIMESTAMP's or the server's)
    now: int  # the server clock, in microseconds


@dataclass(frozen=True, slots=True)
class WriteRecord(StatementRecord):
    """An INSERT, UPDATE or DELETE."""


@dataclass(frozen=True, slots=True)
class CasWriteRecord(StatementRecord):
    """An applied statement of a lightweight transaction: it replays without its IF
    conditions (they held when it was logged, against the state replay rebuilds)."""


@dataclass(frozen=True, slots=True)
class BatchTextRecord(StatementRecord):
    """A BEGIN ... APPLY BATCH sent as one statement: its whole text replays as one unit."""


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """A protocol BATCH as one record, so a crash keeps all of it or none: ``header`` is
    JSON naming its kind and statements (`execution.batch.batch_record`), ``values`` every
    statement's values one after the other."""

    header: str
    values: Sequence[RawValue]
    ts: int
    now: int


@dataclass(frozen=True, slots=True)
class SchemaRecord:
    """A schema statement (and TRUNCATE)."""

    text: str
    keyspace: str | None
    now: int


@dataclass(frozen=True, slots=True)
class ClockRecord:
    """The clock moved forward (admin interface): the offset survives a restart."""

    offset: int
    now: int


@dataclass(frozen=True, slots=True)
class AuthRecord:
    """The whole auth state as JSON (password hashes, never a password)."""

    state: str
    now: int


Record = (
    WriteRecord | CasWriteRecord | BatchTextRecord | BatchRecord | SchemaRecord | ClockRecord | AuthRecord
)


class Log(Protocol):
    """Where the engine sends its records (`durability.CommitLog` with --data-dir)."""

    def append(self, record: Record) -> None:
        """Queue ``record``; it is durable once `sync` returns."""
        ...

    async def sync(self) -> None:
        """Return once every record appended so far is durable."""
        ...

    def snapshots_held(self) -> contextlib.AbstractContextManager[None]:
        """No snapshot starts while this is held."""
        ...

    def close(self) -> None: ...
