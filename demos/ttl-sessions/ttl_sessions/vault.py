"""The Memory Thief's vault, the store: session tokens that dissolve when their TTL runs out.

Every action is one or two CQL statements through coodie::

    MemoryToken(...).save(ttl=N)     # INSERT ... USING TTL N   (no ttl: the table default, 30 s)
    MemoryToken.find(token=t).first()                    # SELECT ... WHERE token = ? LIMIT 1
    MemoryToken.find(token=t).column_ttl("owner")        # SELECT TTL("owner") ... WHERE token = ?
    doc.save(ttl=REMEMBER_TTL)       # "keep me signed in": the same INSERT again, a fresh TTL
    MemoryToken.find(token=t).delete()                   # DELETE ... WHERE token = ?

The vault page lists every token with its remaining life in one plain query on coodie's own
session (coodie reads ``TTL()`` for one row only): ``SELECT ..., TTL(owner) FROM memory_tokens``.

What a body may hold is `NewSession`, `SessionEdit` or `Refresh`, read by `demokit.bodies`
(unknown fields refused, strict types, no control characters); bad input raises before
anything is written. The pages and the JSON API are in `ttl_sessions.app`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from coodie.drivers import get_driver
from pydantic import Field, model_validator

from demokit.bodies import Body, FormBlank
from demokit.coodie_private import qualified_table
from demokit.documents import to_json
from ttl_sessions.models import DEFAULT_TTL, MemoryToken

MAX_OWNER = 40
MAX_MEMORY = 200
MAX_PLANET = 40
MAX_TTL = 7 * 24 * 3600  # a week
REMEMBER_TTL = 3600  # "keep me signed in": an hour more
LIST_LIMIT = 500


class InputError(ValueError):
    """Bad input; the message is shown to the person (and returned as ``detail``)."""

    status = 422


class NotFound(InputError):
    status = 404


@dataclass
class Session:
    token: str
    owner: str
    memory: str
    planet: str
    created_at: str
    granted: int
    remembered: bool
    life: int  # seconds left, from CQL TTL()


# --------------------------------------------------------------------------- what a body may hold

Owner = Annotated[str, Field(min_length=1, max_length=MAX_OWNER)]
Memory = Annotated[str, Field(min_length=1, max_length=MAX_MEMORY)]
Planet = Annotated[str, Field(min_length=1, max_length=MAX_PLANET)]
Ttl = Annotated[Annotated[int, Field(ge=1, le=MAX_TTL)] | None, FormBlank]  # seconds; a blank input: none


class NewSession(Body):
    """A stolen memory to keep: no ``ttl`` → the table's default (or an hour if remembered)."""

    owner: Owner
    memory: Memory
    planet: Annotated[Planet, FormBlank] = "Kepler-442b"
    ttl: Ttl = None
    remember: bool = False  # "keep me signed in" (a form's ticked checkbox sends "on")


class SessionEdit(Body):
    """What changes; the rest is kept (a form's blank input changes nothing)."""

    owner: Annotated[Owner | None, FormBlank] = None
    memory: Annotated[Memory | None, FormBlank] = None
    planet: Annotated[Planet | None, FormBlank] = None

    @model_validator(mode="after")
    def _something_to_change(self) -> SessionEdit:
        if self.owner is None and self.memory is None and self.planet is None:
            raise ValueError("Nothing to change: give an owner, a memory or a planet.")
        return self


class Refresh(Body):
    """ "Keep me signed in": a fresh TTL, an hour unless ``ttl`` says otherwise."""

    ttl: Ttl = None


def _uuid(token: str) -> UUID:
    try:
        return UUID(token)
    except ValueError:
        raise InputError(f"{token[:60]!r} is not a session token (a UUID).") from None


# --------------------------------------------------------------------------- the store


def _session(doc: MemoryToken, life: int | None) -> Session:
    return Session(**to_json(doc), life=life or 0)


def create(data: NewSession) -> Session:
    """``save(ttl=N)`` — or ``save()`` and the table's default TTL when none is given."""
    ttl = data.ttl or (REMEMBER_TTL if data.remember else None)
    doc = MemoryToken(
        owner=data.owner,
        memory=data.memory,
        planet=data.planet,
        created_at=datetime.now(UTC).replace(microsecond=0),
        granted=ttl or DEFAULT_TTL,
        remembered=data.remember,
    )
    if ttl is None:
        doc.save()  # no USING TTL: default_time_to_live (Settings.__default_ttl__) applies
    else:
        doc.save(ttl=ttl)
    return _session(doc, ttl or DEFAULT_TTL)


def load(token: str) -> MemoryToken:
    doc = MemoryToken.find(token=_uuid(token)).first()
    if doc is None:
        raise NotFound(f"No session {token}: it never existed, or its memory has dissolved.")
    return doc


def remaining(doc: MemoryToken) -> int | None:
    """Seconds left, read with ``SELECT TTL("owner")`` through coodie."""
    return MemoryToken.find(token=doc.token).column_ttl("owner")


def get(token: str) -> Session:
    doc = load(token)
    return _session(doc, remaining(doc))


def refresh(token: str, data: Refresh) -> Session:
    """ "Keep me signed in": write the row again with a fresh TTL (default an hour)."""
    ttl = data.ttl or REMEMBER_TTL
    doc = load(token)
    doc.granted, doc.remembered = ttl, True
    doc.save(ttl=ttl)
    return _session(doc, ttl)


def edit(token: str, data: SessionEdit) -> Session:
    """Change the memory; the row keeps the life it had left (``save(ttl=TTL now)``)."""
    doc = load(token)
    life = remaining(doc) or DEFAULT_TTL
    doc.owner, doc.memory, doc.planet = (
        data.owner or doc.owner,
        data.memory or doc.memory,
        data.planet or doc.planet,
    )
    doc.save(ttl=life)
    return _session(doc, life)


def forget(token: str) -> None:
    doc = load(token)
    MemoryToken.find(token=doc.token).delete()


def vault() -> list[Session]:
    """Every live token and its remaining life, shortest first: one plain query on coodie's session."""
    cql = (
        'SELECT "token", "owner", "memory", "planet", "created_at", "granted", "remembered", '
        f'TTL("owner") AS "life" FROM {qualified_table(MemoryToken)} '
        f"LIMIT {LIST_LIMIT}"
    )
    rows = get_driver().execute(cql, [])
    out = [
        _session(MemoryToken(**{k: v for k, v in row.items() if k != "life"}), row["life"]) for row in rows
    ]
    return sorted(out, key=lambda s: (s.life, s.owner))
