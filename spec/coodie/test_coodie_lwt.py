"""Lightweight transactions: ``IF NOT EXISTS``, ``IF EXISTS`` and ``IF <conditions>``.

Every conditional write returns an ``LWTResult(applied, existing)``. When the write is
not applied, ``existing`` holds what the database had: the whole row for
``IF NOT EXISTS``, at least the conditioned columns for ``IF col = ...``. ScyllaDB
also answers a failed ``IF EXISTS`` with the columns of the absent row, all null,
where Cassandra sends none: so the tests only require those to be empty.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import pytest
from cassandra.cluster import Session
from coodie.fields import PrimaryKey
from coodie.results import LWTResult
from coodie.sync.document import Document
from coodie_flavours import Flavour, async_twin, synced_model_fixture

from pytest_scylla.backend import ServerClock


class Lock(Document):
    name: Annotated[str, PrimaryKey()]
    owner: str = ""
    version: int = 0

    class Settings:
        name = "locks"


AsyncLock = async_twin(Lock)


locks = synced_model_fixture(
    Lock, AsyncLock, "Lock, a name taken with IF NOT EXISTS, its table synced (sync or async per flavour)."
)


async def stored(flavour: Flavour, model: type, name: str) -> tuple[str, int] | None:
    doc = await flavour(model.find_one, name=name)
    return None if doc is None else (doc.owner, doc.version)


def nothing_in(existing: dict[str, Any] | None) -> bool:
    return not any((existing or {}).values())


# --------------------------------------------------------------------------- the result type


async def test_the_result_is_an_immutable_lwt_result(flavour: Flavour, locks: type) -> None:
    result = await flavour(locks(name="deploy", owner="alice").insert)
    assert isinstance(result, LWTResult)
    assert result == LWTResult(applied=True, existing=None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.applied = False  # type: ignore[misc]


# --------------------------------------------------------------------------- IF NOT EXISTS


async def test_insert_creates_only_once(flavour: Flavour, locks: type) -> None:
    first = await flavour(locks(name="deploy", owner="alice", version=1).insert)
    second = await flavour(locks(name="deploy", owner="bob", version=7).insert)

    assert first.applied is True
    assert second.applied is False
    assert second.existing == {"name": "deploy", "owner": "alice", "version": 1}
    assert await stored(flavour, locks, "deploy") == ("alice", 1)


async def test_queryset_if_not_exists_create(flavour: Flavour, locks: type) -> None:
    first = await flavour(locks.find().if_not_exists().create, name="deploy", owner="alice")
    second = await flavour(locks.find().if_not_exists().create, name="deploy", owner="bob")
    assert (first.applied, second.applied) == (True, False)
    assert second.existing["owner"] == "alice"
    # QuerySet.create() writes the columns it is given, not the model's defaults
    assert await stored(flavour, locks, "deploy") == ("alice", None)


async def test_an_expired_lock_can_be_taken_again(flavour: Flavour, locks: type, clock: ServerClock) -> None:
    assert (await flavour(locks(name="deploy", owner="alice").insert, ttl=2)).applied
    assert not (await flavour(locks(name="deploy", owner="bob").insert, ttl=2)).applied
    clock.advance(3)
    assert (await flavour(locks(name="deploy", owner="bob").insert, ttl=2)).applied
    assert await stored(flavour, locks, "deploy") == ("bob", 0)


# --------------------------------------------------------------------------- IF EXISTS


async def test_update_if_exists_does_not_create_a_row(flavour: Flavour, locks: type) -> None:
    result = await flavour(locks(name="ghost").update, if_exists=True, owner="bob")
    assert result.applied is False
    assert nothing_in(result.existing)
    assert await stored(flavour, locks, "ghost") is None


async def test_update_if_exists_changes_a_present_row(flavour: Flavour, locks: type) -> None:
    await flavour(locks(name="deploy", owner="alice").save)
    result = await flavour(locks(name="deploy").update, if_exists=True, owner="bob")
    assert result == LWTResult(applied=True)
    assert await stored(flavour, locks, "deploy") == ("bob", 0)


async def test_delete_if_exists(flavour: Flavour, locks: type) -> None:
    await flavour(locks(name="deploy", owner="alice").save)
    assert (await flavour(locks(name="deploy").delete, if_exists=True)).applied is True
    assert await stored(flavour, locks, "deploy") is None
    again = await flavour(locks(name="deploy").delete, if_exists=True)
    assert again.applied is False
    assert nothing_in(again.existing)


async def test_queryset_if_exists_delete(flavour: Flavour, locks: type) -> None:
    await flavour(locks(name="deploy").save)
    assert (await flavour(locks.find(name="deploy").if_exists().delete)).applied is True
    assert (await flavour(locks.find(name="deploy").if_exists().delete)).applied is False


async def test_a_plain_delete_returns_no_result(flavour: Flavour, locks: type) -> None:
    await flavour(locks(name="deploy").save)
    assert await flavour(locks(name="deploy").delete) is None
    assert await stored(flavour, locks, "deploy") is None


# --------------------------------------------------------------------------- IF conditions


async def test_update_if_condition_met(flavour: Flavour, locks: type) -> None:
    doc = locks(name="cfg", owner="alice", version=1)
    await flavour(doc.save)
    result = await flavour(doc.update, if_conditions={"version": 1}, owner="bob", version=2)
    assert result == LWTResult(applied=True)
    assert await stored(flavour, locks, "cfg") == ("bob", 2)


async def test_update_if_condition_not_met_reports_the_current_value(flavour: Flavour, locks: type) -> None:
    """Optimistic locking: a writer holding a stale version is turned away and told the
    current one."""
    await flavour(locks(name="cfg", owner="alice", version=2).save)
    stale = locks(name="cfg", owner="bob", version=1)
    result = await flavour(stale.update, if_conditions={"version": 1}, owner="bob", version=2)
    assert result.applied is False
    assert result.existing["version"] == 2
    assert await stored(flavour, locks, "cfg") == ("alice", 2)


async def test_several_conditions_must_all_hold(flavour: Flavour, locks: type) -> None:
    doc = locks(name="cfg", owner="alice", version=1)
    await flavour(doc.save)
    miss = await flavour(doc.update, if_conditions={"owner": "alice", "version": 5}, owner="x")
    assert miss.applied is False
    assert (miss.existing["owner"], miss.existing["version"]) == ("alice", 1)
    hit = await flavour(doc.update, if_conditions={"owner": "alice", "version": 1}, owner="x")
    assert hit.applied is True
    assert await stored(flavour, locks, "cfg") == ("x", 1)


@pytest.mark.parametrize(
    ("condition", "applied"),
    [
        ({"version__gt": 4}, True),
        ({"version__gte": 6}, False),
        ({"version__lt": 5}, False),
        ({"version__lte": 5}, True),
        ({"version__ne": 5}, False),
        ({"owner__ne": "bob"}, True),
    ],
    ids=["gt", "gte", "lt", "lte", "ne-version", "ne-owner"],
)
async def test_condition_operators(
    flavour: Flavour, locks: type, condition: dict[str, Any], applied: bool
) -> None:
    doc = locks(name="cfg", owner="alice", version=5)
    await flavour(doc.save)
    result = await flavour(doc.update, if_conditions=condition, owner="changed")
    assert result.applied is applied
    assert await stored(flavour, locks, "cfg") == ("changed" if applied else "alice", 5)


async def test_update_if_condition_on_a_missing_row(flavour: Flavour, locks: type) -> None:
    result = await flavour(locks(name="ghost").update, if_conditions={"version": 0}, owner="x")
    assert result.applied is False
    assert nothing_in(result.existing)
    assert await stored(flavour, locks, "ghost") is None


async def test_queryset_update_if_conditions(flavour: Flavour, locks: type) -> None:
    await flavour(locks(name="cfg", owner="alice", version=1).save)
    miss = await flavour(locks.find(name="cfg").update, if_conditions={"owner": "bob"}, version=9)
    hit = await flavour(locks.find(name="cfg").update, if_conditions={"owner": "alice"}, version=2)
    assert (miss.applied, miss.existing["owner"]) == (False, "alice")
    assert hit.applied is True
    assert await stored(flavour, locks, "cfg") == ("alice", 2)


async def test_delete_if_conditions(flavour: Flavour, locks: type) -> None:
    doc = locks(name="deploy", owner="alice")
    await flavour(doc.save)
    miss = await flavour(doc.delete, if_conditions={"owner": "bob"})
    assert (miss.applied, miss.existing["owner"]) == (False, "alice")
    assert await stored(flavour, locks, "deploy") == ("alice", 0)
    assert (await flavour(doc.delete, if_conditions={"owner": "alice"})).applied is True
    assert await stored(flavour, locks, "deploy") is None


async def test_queryset_delete_if_conditions(flavour: Flavour, locks: type) -> None:
    await flavour(locks(name="deploy", owner="alice").save)
    assert not (await flavour(locks.find(name="deploy").delete, if_conditions={"owner": "bob"})).applied
    assert (await flavour(locks.find(name="deploy").delete, if_conditions={"owner": "alice"})).applied
    assert await stored(flavour, locks, "deploy") is None


async def test_an_lwt_result_row_through_plain_cql(flavour: Flavour, locks: type, cql: Session) -> None:
    """What coodie turns into ``LWTResult``: a row whose first column is ``[applied]``."""
    await flavour(locks(name="deploy", owner="alice").save)
    row = cql.execute("UPDATE locks SET owner = 'bob' WHERE name = 'deploy' IF owner = 'carol'").one()
    assert row[0] is False
    assert row.owner == "alice"
