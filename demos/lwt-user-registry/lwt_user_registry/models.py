"""The Identity Wars' tables: one row per identity (guarded by LWTs) and the battle counters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from coodie.fields import Counter, PrimaryKey
from coodie.sync.document import CounterDocument, Document
from pydantic import Field


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


class Identity(Document):
    """A registered identity. The username is the partition key, so ``INSERT … IF NOT EXISTS``
    makes it unique cluster-wide; ``version`` is the optimistic-locking column every edit
    checks (``UPDATE … IF version = ?``) and bumps."""

    username: Annotated[str, PrimaryKey()]
    display_name: str
    email: str
    bio: str = ""
    version: int = 1
    registered_at: datetime = Field(default_factory=_now)

    class Settings:
        name = "identities"


class BattleStats(CounterDocument):
    """The header's "Identity Battles" tally: one counter row, ``board = 'global'``."""

    board: Annotated[str, PrimaryKey()] = "global"
    granted: Annotated[int, Counter()] = 0  # registrations that won the IF NOT EXISTS
    repelled: Annotated[int, Counter()] = 0  # duplicate registrations the LWT refused
    stale_edits: Annotated[int, Counter()] = 0  # edits refused by IF version = ?
    deleted: Annotated[int, Counter()] = 0  # identities retired with IF EXISTS

    class Settings:
        name = "battle_stats"
