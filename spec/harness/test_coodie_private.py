"""`demokit.coodie_private`: the one place that reads coodie's private API, checked against
what coodie itself sends — so a coodie release that renames or changes one of them fails
here, by name, instead of somewhere inside a demo."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from coodie.drivers import get_driver
from coodie.fields import PrimaryKey
from coodie.sync.document import Document, MaterializedView
from coodie.usertype import UserType

from demokit import coodie_private
from demokit.ddl import schema_statements


class Coordinates(UserType):
    lat: float
    lon: float


class Landmark(UserType):
    name: str
    where: Coordinates


class Ship(Document):
    name: Annotated[str, PrimaryKey()]
    planet: str = ""
    home: Landmark | None = None

    class Settings:
        name = "starships"
        __default_ttl__ = 600


class ShipsByPlanet(MaterializedView):
    planet: Annotated[str, PrimaryKey()]
    name: Annotated[str, PrimaryKey(partition_key_index=1)]

    class Settings:
        name = "ships_by_planet"
        __base_table__ = "starships"


def recorded(cql_recorder: Any, action: Any) -> list[str]:
    cql_recorder.start()
    action()
    return cql_recorder.stop()


def test_the_table_and_keyspace_are_those_coodie_queries(
    coodie_sync: Any, keyspace: str, cql_recorder: Any
) -> None:
    """``qualified_table`` names the table coodie's own INSERT and SELECT name."""
    Ship.sync_table()
    sent = recorded(
        cql_recorder, lambda: (Ship(name="Rocinante").save(), Ship.find(name="Rocinante").first())
    )
    assert coodie_private.table_name(Ship) == "starships"
    assert coodie_private.keyspace_name(Ship) == keyspace
    table = coodie_private.qualified_table(Ship)
    assert table == f"{keyspace}.starships"
    assert [s for s in sent if s.startswith("INSERT")] and all(
        table in s for s in sent if s.startswith(("INSERT", "SELECT"))
    )


def test_the_driver_keyspace_is_the_one_coodie_falls_back_to(coodie_sync: Any, keyspace: str) -> None:
    assert coodie_private.driver_keyspace(get_driver()) == keyspace
    assert coodie_private.driver_keyspace(object()) is None


def test_table_options_are_what_coodie_creates_the_table_with(coodie_sync: Any, cql_recorder: Any) -> None:
    assert coodie_private.table_options(Ship) == {"default_time_to_live": 600}
    sent = recorded(cql_recorder, Ship.sync_table)
    assert any("CREATE TABLE" in s and "default_time_to_live" in s for s in sent)


def test_user_types_are_read_innermost_first() -> None:
    assert coodie_private.udt_dependencies(Landmark) == [Coordinates]
    assert coodie_private.udt_field_types(Coordinates) == [("lat", "float"), ("lon", "float")]
    assert [name for name, _ in coodie_private.udt_field_types(Landmark)] == ["name", "where"]


def test_a_view_definition_names_its_base_table_and_filter() -> None:
    view = coodie_private.view_definition(ShipsByPlanet)
    assert view["base_table"] == "starships"
    assert "IS NOT NULL" in view["where_clause"]
    assert set(view) == {"base_table", "columns", "where_clause", "clustering_order"}


def test_the_ddl_built_from_them_is_what_coodie_sends(
    coodie_sync: Any, keyspace: str, cql_recorder: Any
) -> None:
    """demokit.ddl, which builds the snapshots' DDL from these readers, matches coodie's own DDL."""
    sent = recorded(cql_recorder, lambda: (Coordinates.sync_type(), Landmark.sync_type(), Ship.sync_table()))
    expected = schema_statements([Ship], keyspace)
    assert [s for s in expected if s in sent] == expected


@pytest.mark.parametrize("name", ["_get_table", "_get_keyspace", "_get_table_options"])
def test_coodie_still_has_the_private_helpers_read_here(name: str) -> None:
    assert callable(getattr(Document, name, None)), (
        f"coodie no longer has Document.{name}: update demokit/coodie_private.py"
    )
