"""TTL and write timestamps: ``save(ttl=)``, ``Settings.__default_ttl__``, ``save(timestamp=)``
and ``QuerySet.ttl()`` on a bulk update.

Expiry is proved with the ``clock`` fixture: on the embedded server it moves time
forward at once, on a real cluster it sleeps. TTLs are 2 s, and the clock moves 3 s.
``update(ttl=)`` is in test_coodie_update.py, ``insert(ttl=)`` in test_coodie_lwt.py.
"""

from __future__ import annotations

from typing import Annotated

from cassandra.cluster import Session
from coodie.fields import PrimaryKey
from coodie.sync.document import Document
from coodie_flavours import Flavour, async_twin, synced_model_fixture

from pytest_scylla.backend import ServerClock

TTL = 2
PAST_TTL = 3


class Note(Document):
    id: Annotated[int, PrimaryKey()]
    text: str = ""
    pinned: bool = False

    class Settings:
        name = "notes"


class WebSession(Document):
    token: Annotated[str, PrimaryKey()]
    user: str = ""

    class Settings:
        name = "web_sessions"
        __default_ttl__ = TTL


AsyncNote = async_twin(Note)
AsyncWebSession = async_twin(WebSession)


notes = synced_model_fixture(
    Note, AsyncNote, "Note, saved with per-call TTLs, its table synced (sync or async per flavour)."
)


sessions = synced_model_fixture(
    WebSession,
    AsyncWebSession,
    "WebSession, with a default TTL in its Settings, its table synced (sync or async per flavour).",
)


# --------------------------------------------------------------------------- save(ttl=)


async def test_save_with_ttl_expires_the_row(flavour: Flavour, notes: type, clock: ServerClock) -> None:
    await flavour(notes(id=1, text="temporary").save, ttl=TTL)
    await flavour(notes(id=2, text="permanent").save)
    assert 0 < await flavour(notes.find(id=1).column_ttl, "text") <= TTL
    assert await flavour(notes.find(id=2).column_ttl, "text") is None

    clock.advance(PAST_TTL)
    assert await flavour(notes.find_one, id=1) is None
    assert (await flavour(notes.get, id=2)).text == "permanent"


async def test_saving_again_without_ttl_makes_the_row_permanent(
    flavour: Flavour, notes: type, clock: ServerClock
) -> None:
    await flavour(notes(id=1, text="v1").save, ttl=TTL)
    await flavour(notes(id=1, text="v2").save)
    clock.advance(PAST_TTL)
    assert (await flavour(notes.get, id=1)).text == "v2"


async def test_queryset_ttl_create(flavour: Flavour, notes: type, clock: ServerClock) -> None:
    await flavour(notes.find().ttl(TTL).create, id=1, text="temporary")
    assert (await flavour(notes.get, id=1)).text == "temporary"
    clock.advance(PAST_TTL)
    assert await flavour(notes.find_one, id=1) is None


# --------------------------------------------------------------------------- Settings.__default_ttl__


async def test_default_ttl_is_a_table_option(flavour: Flavour, sessions: type, cql: Session) -> None:
    row = cql.execute(
        "SELECT default_time_to_live FROM system_schema.tables WHERE keyspace_name = %s AND table_name = 'web_sessions'",
        [cql.keyspace],
    ).one()
    assert row.default_time_to_live == TTL


async def test_default_ttl_expires_rows_saved_without_a_ttl(
    flavour: Flavour, sessions: type, clock: ServerClock
) -> None:
    await flavour(sessions(token="abc", user="alice").save)
    assert 0 < await flavour(sessions.find(token="abc").column_ttl, "user") <= TTL
    clock.advance(PAST_TTL)
    assert await flavour(sessions.find_one, token="abc") is None


async def test_an_explicit_ttl_overrides_the_default(
    flavour: Flavour, sessions: type, clock: ServerClock
) -> None:
    await flavour(sessions(token="abc", user="alice").save, ttl=3600)
    assert TTL < await flavour(sessions.find(token="abc").column_ttl, "user") <= 3600
    clock.advance(PAST_TTL)
    assert (await flavour(sessions.get, token="abc")).user == "alice"


# --------------------------------------------------------------------------- save(timestamp=)

T1, T2, T3 = 1_700_000_000_000_000, 1_700_000_001_000_000, 1_700_000_002_000_000  # microseconds


async def test_save_with_timestamp_sets_the_write_time(flavour: Flavour, notes: type, cql: Session) -> None:
    await flavour(notes(id=1, text="x").save, timestamp=T2)
    assert await flavour(notes.find(id=1).writetime, "text") == T2
    assert cql.execute("SELECT writetime(pinned) FROM notes WHERE id = 1").one()[0] == T2


async def test_the_latest_timestamp_wins_whatever_the_order(flavour: Flavour, notes: type) -> None:
    await flavour(notes(id=1, text="middle").save, timestamp=T2)
    await flavour(notes(id=1, text="older").save, timestamp=T1)
    assert (await flavour(notes.get, id=1)).text == "middle"
    await flavour(notes(id=1, text="newer").save, timestamp=T3)
    assert (await flavour(notes.get, id=1)).text == "newer"


async def test_a_delete_older_than_the_data_removes_nothing(flavour: Flavour, notes: type) -> None:
    await flavour(notes(id=1, text="kept").save, timestamp=T2)
    await flavour(notes(id=1).delete, timestamp=T1)
    assert (await flavour(notes.get, id=1)).text == "kept"
    await flavour(notes(id=1).delete, timestamp=T3)
    assert await flavour(notes.find_one, id=1) is None


# --------------------------------------------------------------------------- QuerySet.ttl() on update


async def test_queryset_ttl_bulk_update_expires_only_the_updated_cells(
    flavour: Flavour, notes: type, clock: ServerClock
) -> None:
    for i in (1, 2, 3):
        await flavour(notes(id=i, text="permanent", pinned=True).save)
    await flavour(notes.find(id__in=[1, 2]).ttl(TTL).update, text="temporary")
    texts = {n.id: n.text for n in await flavour(notes.find(id__in=[1, 2, 3]).all)}
    assert texts == {1: "temporary", 2: "temporary", 3: "permanent"}

    clock.advance(PAST_TTL)
    got = {n.id: (n.text, n.pinned) for n in await flavour(notes.find().all)}
    # the rows stay (they were INSERTed without a TTL); only the updated cells expired
    assert got == {1: (None, True), 2: (None, True), 3: ("permanent", True)}


async def test_queryset_using_ttl_on_update(flavour: Flavour, notes: type, clock: ServerClock) -> None:
    await flavour(notes(id=1, text="permanent").save)
    await flavour(notes.find(id=1).using(ttl=TTL).update, text="temporary")
    assert 0 < await flavour(notes.find(id=1).column_ttl, "text") <= TTL
    clock.advance(PAST_TTL)
    assert (await flavour(notes.get, id=1)).text is None
