"""What a client asks of the engine: the protocol layer's side of the contract.

Values stay as the raw bytes of the frame (``None`` for null, ``UNSET`` for the
protocol's "not set" value); the engine decodes them with the bind metadata it owns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


class _Unset:
    """The protocol's unset value (length -2): leaves a column untouched."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()

RawValue = Union[bytes, None, _Unset]


@dataclass
class QueryOptions:
    """The <query_parameters> of QUERY and EXECUTE (protocol v4 section 4.1.4)."""

    consistency: int = 0x0001  # ONE
    values: list[RawValue] = field(default_factory=list)
    names: list[str] | None = None  # set when the client sent named values
    skip_metadata: bool = False
    page_size: int | None = None
    paging_state: bytes | None = None
    serial_consistency: int | None = None
    timestamp: int | None = None  # client default timestamp, microseconds


@dataclass
class BatchItem:
    """One statement of a BATCH: ``query`` text or a prepared ``statement_id``."""

    query: str | None
    statement_id: bytes | None
    values: list[RawValue] = field(default_factory=list)


@dataclass
class BatchOptions:
    kind: int  # 0 LOGGED, 1 UNLOGGED, 2 COUNTER
    items: list[BatchItem]
    consistency: int = 0x0001
    serial_consistency: int | None = None
    timestamp: int | None = None


@dataclass
class ClientState:
    """Per-connection state the engine reads and changes (USE sets ``keyspace``)."""

    keyspace: str | None = None
    user: str | None = None
