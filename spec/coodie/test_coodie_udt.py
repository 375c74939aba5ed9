"""User-defined types: ``UserType`` models, ``sync_type()``, and documents with UDT columns.

coodie stores a UDT column as ``frozen<type>``, in collections too. Reads note: with
the default driver coodie builds documents without validation, so a UDT value comes
back as the driver's named tuple (right attributes, not a ``UserType`` instance; see
test_upstream_bugs.py). ``QuerySet.validate()`` gives ``UserType`` instances, and the
round-trip tests compare through it.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID, uuid4

from cassandra.cluster import Session
from coodie.fields import PrimaryKey
from coodie.sync.document import Document
from coodie.usertype import UserType
from coodie_flavours import Flavour, async_twin, synced_model_fixture
from pydantic import Field

from spec.assertions import column_schema


class Address(UserType):
    street: str = ""
    city: str = ""
    zipcode: int = 0


class Phone(UserType):
    country_code: str = ""
    number: str = ""


class Contact(UserType):
    """Nested: a UDT with a UDT field."""

    name: str = ""
    phone: Phone | None = None


class AddressV2(UserType):
    """The ``address`` type, one field later."""

    street: str = ""
    city: str = ""
    zipcode: int = 0
    country: str = ""

    class Settings:
        __type_name__ = "address"


class Customer(Document):
    id: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
    name: str = ""
    home: Address | None = None
    emergency: Contact | None = None
    past_homes: list[Address] = []
    phones: dict[str, Phone] = {}

    class Settings:
        name = "customers"


AsyncCustomer = async_twin(Customer)


async def sync_type(flavour: Flavour, udt: type[UserType]) -> list[str]:
    return await flavour(udt.sync_type_async if flavour.is_async else udt.sync_type)


def udt_fields(cql: Session) -> dict[str, list[tuple[str, str]]]:
    rows = cql.execute(
        "SELECT type_name, field_names, field_types FROM system_schema.types WHERE keyspace_name = %s",
        [cql.keyspace],
    )
    return {r.type_name: list(zip(r.field_names, r.field_types)) for r in rows}


async def read_validated(flavour: Flavour, doc: Any) -> Any:
    return await flavour(type(doc).find(id=doc.id).validate().first)


# --------------------------------------------------------------------------- schema


async def test_sync_type_creates_the_type(flavour: Flavour, cql: Session) -> None:
    statements = await sync_type(flavour, Address)
    assert len(statements) == 1
    assert statements[0].startswith("CREATE TYPE IF NOT EXISTS")
    assert udt_fields(cql) == {"address": [("street", "text"), ("city", "text"), ("zipcode", "int")]}


async def test_sync_type_is_idempotent(flavour: Flavour, cql: Session) -> None:
    await sync_type(flavour, Address)
    assert await sync_type(flavour, Address) == []
    assert list(udt_fields(cql)) == ["address"]


async def test_sync_type_creates_nested_types_first(flavour: Flavour, cql: Session) -> None:
    statements = await sync_type(flavour, Contact)
    assert [s.split("(")[0].rsplit(".", 1)[1].strip() for s in statements] == ["phone", "contact"]
    assert udt_fields(cql)["contact"] == [("name", "text"), ("phone", "frozen<phone>")]


async def test_sync_table_creates_the_types_the_document_uses(flavour: Flavour, cql: Session) -> None:
    await flavour.sync_tables(flavour.pick(Customer, AsyncCustomer))
    assert set(udt_fields(cql)) == {"address", "phone", "contact"}
    types = column_schema(cql, "customers")
    assert types["home"] == "frozen<address>"
    assert types["emergency"] == "frozen<contact>"
    assert types["past_homes"] == "list<frozen<address>>"
    assert types["phones"] == "map<text, frozen<phone>>"


async def test_sync_type_adds_new_fields(flavour: Flavour, cql: Session) -> None:
    model = flavour.pick(Customer, AsyncCustomer)
    await flavour.sync_tables(model)
    old = model(home=Address(street="1 Main St", city="Springfield", zipcode=1))
    await flavour(old.save)

    statements = await sync_type(flavour, AddressV2)
    assert statements == [f'ALTER TYPE {cql.keyspace}.address ADD "country" text']
    assert udt_fields(cql)["address"][-1] == ("country", "text")
    # a value written before the change reads the new field as null
    row = cql.execute("SELECT home FROM customers WHERE id = %s", [old.id]).one()
    assert (row.home.city, row.home.country) == ("Springfield", None)


# --------------------------------------------------------------------------- values


customers = synced_model_fixture(
    Customer,
    AsyncCustomer,
    "Customer, with UDT columns, its types and table synced (sync or async per flavour).",
)


async def test_a_udt_value_round_trips(flavour: Flavour, customers: type) -> None:
    doc = customers(name="Ann", home=Address(street="1 Main St", city="Springfield", zipcode=62704))
    await flavour(doc.save)

    plain = await flavour.reload(doc)
    assert (plain.home.street, plain.home.city, plain.home.zipcode) == ("1 Main St", "Springfield", 62704)
    validated = await read_validated(flavour, doc)
    assert validated.home == Address(street="1 Main St", city="Springfield", zipcode=62704)
    assert validated == doc


async def test_a_udt_column_through_plain_cql(flavour: Flavour, customers: type, cql: Session) -> None:
    doc = customers(home=Address(street="1 Main St", city="Springfield", zipcode=62704))
    await flavour(doc.save)
    row = cql.execute("SELECT home.city, home.zipcode FROM customers WHERE id = %s", [doc.id]).one()
    assert tuple(row) == ("Springfield", 62704)


async def test_a_nested_udt_round_trips(flavour: Flavour, customers: type) -> None:
    doc = customers(emergency=Contact(name="Bob", phone=Phone(country_code="+1", number="555-0100")))
    await flavour(doc.save)
    assert (await flavour.reload(doc)).emergency.phone.number == "555-0100"
    validated = await read_validated(flavour, doc)
    assert validated.emergency == Contact(name="Bob", phone=Phone(country_code="+1", number="555-0100"))


async def test_udts_in_a_list_and_a_map(flavour: Flavour, customers: type) -> None:
    doc = customers(
        past_homes=[Address(city="Oldtown", zipcode=1), Address(city="Midtown", zipcode=2)],
        phones={"home": Phone(number="1"), "work": Phone(country_code="+44", number="2")},
    )
    await flavour(doc.save)
    got = await read_validated(flavour, doc)
    assert got.past_homes == doc.past_homes
    assert got.phones == doc.phones


async def test_collection_operators_take_udt_values(flavour: Flavour, customers: type) -> None:
    doc = customers(past_homes=[Address(city="Oldtown")])
    await flavour(doc.save)
    await flavour(
        doc.update, past_homes__append=[Address(city="Newtown")], phones__put=("cell", Phone(number="7"))
    )
    got = await read_validated(flavour, doc)
    assert [a.city for a in got.past_homes] == ["Oldtown", "Newtown"]
    assert got.phones == {"cell": Phone(number="7")}


async def test_an_optional_udt_left_out_is_null(flavour: Flavour, customers: type, cql: Session) -> None:
    doc = customers(name="Ann")
    await flavour(doc.save)
    assert (await flavour.reload(doc)).home is None
    assert (await read_validated(flavour, doc)).home is None
    assert cql.execute("SELECT home FROM customers WHERE id = %s", [doc.id]).one().home is None


async def test_a_nested_optional_udt_left_out_is_null(flavour: Flavour, customers: type) -> None:
    doc = customers(emergency=Contact(name="Bob"))
    await flavour(doc.save)
    got = await read_validated(flavour, doc)
    assert got.emergency == Contact(name="Bob", phone=None)


async def test_a_udt_can_be_replaced_and_cleared(flavour: Flavour, customers: type) -> None:
    doc = customers(home=Address(city="Oldtown"))
    await flavour(doc.save)
    await flavour(doc.update, home=Address(city="Newtown"))
    assert (await read_validated(flavour, doc)).home == Address(city="Newtown")
    await flavour(doc.update, home=None)
    assert (await read_validated(flavour, doc)).home is None
