"""The one table of the Memory Thief: stolen memories, kept as session tokens that expire.

Every row lives on borrowed time: ``save(ttl=N)`` writes it ``USING TTL N``; a save without
a TTL falls back to the table's ``default_time_to_live`` (``Settings.__default_ttl__``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID, uuid4

from coodie.fields import PrimaryKey
from coodie.sync.document import Document
from pydantic import Field

#: seconds a memory lives when saved without ``ttl=`` (the table's default_time_to_live)
DEFAULT_TTL = 30


class MemoryToken(Document):
    """A session token: who it belongs to, the memory it carries and the TTL it was granted."""

    token: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
    owner: str
    memory: str
    planet: str = "Kepler-442b"
    created_at: datetime
    granted: int = DEFAULT_TTL  # the TTL of its last write, so the page can draw how much is left
    remembered: bool = False  # "keep me signed in" was ticked

    class Settings:
        name = "memory_tokens"
        __default_ttl__ = DEFAULT_TTL
