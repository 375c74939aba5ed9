"""Partial UPDATE with ``Document.update(**fields)`` and ``QuerySet.update()``.

``update()`` sends ``UPDATE ... SET`` for the given fields only: the other columns keep
their values, and a row that does not exist is created (an upsert). It takes ``ttl=``,
``if_exists=`` / ``if_conditions=`` (test_coodie_lwt.py has the details) and the
collection operators (test_coodie_collections.py has them all).
"""

from __future__ import annotations

from typing import Annotated

from cassandra.cluster import Session
from coodie.fields import PrimaryKey
from coodie.sync.document import Document
from coodie_flavours import Flavour, async_twin, synced_model_fixture

from pytest_scylla.backend import ServerClock
from pytest_scylla.recorder import CqlRecorder


class Profile(Document):
    user: Annotated[str, PrimaryKey()]
    name: str = ""
    bio: str = ""
    visits: int = 0
    tags: set[str] = set()
    history: list[str] = []

    class Settings:
        name = "profiles"


AsyncProfile = async_twin(Profile)


profiles = synced_model_fixture(
    Profile, AsyncProfile, "Profile, for partial UPDATEs, its table synced (sync or async per flavour)."
)


async def test_update_changes_only_the_given_fields(flavour: Flavour, profiles: type) -> None:
    doc = profiles(user="ann", name="Ann", bio="hello", visits=3)
    await flavour(doc.save)
    await flavour(profiles(user="ann").update, bio="updated")
    got = await flavour(profiles.get, user="ann")
    assert (got.name, got.bio, got.visits) == ("Ann", "updated", 3)


async def test_update_sends_an_update_not_an_insert(
    flavour: Flavour, profiles: type, cql_recorder: CqlRecorder
) -> None:
    await flavour(profiles(user="ann").update, name="Ann", visits=1)
    (statement,) = cql_recorder.normalised()
    assert statement.startswith("UPDATE ")
    assert 'SET "name" = ?, "visits" = ? WHERE "user" = ?' in statement


async def test_update_also_changes_the_document_in_memory(flavour: Flavour, profiles: type) -> None:
    doc = profiles(user="ann", name="Ann")
    await flavour(doc.save)
    await flavour(doc.update, name="Annie", visits=7)
    assert (doc.name, doc.visits) == ("Annie", 7)


async def test_update_of_a_missing_row_creates_it(flavour: Flavour, profiles: type, cql: Session) -> None:
    await flavour(profiles(user="new").update, name="Newcomer")
    got = await flavour(profiles.get, user="new")
    assert got.name == "Newcomer"
    row = cql.execute("SELECT name, bio, visits FROM profiles WHERE user = 'new'").one()
    assert tuple(row) == ("Newcomer", None, None)  # only the updated column was written


async def test_a_row_created_by_update_goes_when_its_columns_are_nulled(
    flavour: Flavour, profiles: type
) -> None:
    """An UPDATE writes no row marker (an INSERT does): such a row exists only while it
    has a non-null column."""
    await flavour(profiles(user="upd").update, name="x")
    await flavour(profiles(user="ins", name="x").save)
    await flavour(profiles(user="upd").update, name=None)
    await flavour(profiles(user="ins").update, name=None)
    assert await flavour(profiles.find_one, user="upd") is None
    assert await flavour(profiles.find_one, user="ins") is not None


async def test_update_with_nothing_to_set_sends_nothing(
    flavour: Flavour, profiles: type, cql_recorder: CqlRecorder
) -> None:
    assert await flavour(profiles(user="ann").update) is None
    assert cql_recorder.normalised() == []


async def test_update_with_ttl_expires_only_the_updated_columns(
    flavour: Flavour, profiles: type, clock: ServerClock
) -> None:
    await flavour(profiles(user="ann", name="Ann", bio="permanent").save)
    await flavour(profiles(user="ann").update, ttl=2, bio="temporary")
    assert 0 < await flavour(profiles.find(user="ann").column_ttl, "bio") <= 2
    clock.advance(3)
    got = await flavour(profiles.get, user="ann")
    assert (got.name, got.bio) == ("Ann", None)


async def test_update_with_if_conditions(flavour: Flavour, profiles: type) -> None:
    doc = profiles(user="ann", visits=1)
    await flavour(doc.save)
    assert (await flavour(doc.update, if_conditions={"visits": 1}, visits=2)).applied is True
    assert (await flavour(doc.update, if_conditions={"visits": 1}, visits=3)).applied is False
    assert (await flavour(profiles.get, user="ann")).visits == 2


async def test_update_with_if_exists(flavour: Flavour, profiles: type) -> None:
    assert (await flavour(profiles(user="ghost").update, if_exists=True, name="x")).applied is False
    assert await flavour(profiles.find_one, user="ghost") is None


async def test_fields_and_collection_operators_in_one_update(flavour: Flavour, profiles: type) -> None:
    doc = profiles(user="ann", tags={"a"}, history=["signup"])
    await flavour(doc.save)
    await flavour(
        doc.update, name="Ann", tags__add={"b"}, tags__remove={"a"}, history__append=["login"], visits=1
    )
    got = await flavour(profiles.get, user="ann")
    assert (got.name, got.visits, got.tags, got.history) == ("Ann", 1, {"b"}, ["signup", "login"])


async def test_queryset_update_of_several_rows(flavour: Flavour, profiles: type) -> None:
    for user in ("ann", "bob", "cid"):
        await flavour(profiles(user=user, name=user.title(), visits=1).save)
    assert (
        await flavour(profiles.find(user__in=["ann", "bob"]).update, visits=0, history__append=["reset"])
        is None
    )
    got = {p.user: (p.name, p.visits, p.history) for p in await flavour(profiles.find().all)}
    assert got == {"ann": ("Ann", 0, ["reset"]), "bob": ("Bob", 0, ["reset"]), "cid": ("Cid", 1, [])}
