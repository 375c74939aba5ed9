"""Batches: ``BatchQuery`` / ``AsyncBatchQuery`` as context managers collecting the writes
that are given ``batch=`` and sending them as one BATCH when the block ends.

``save()``, ``insert()``, ``delete()`` and ``delete_columns()`` take ``batch=``;
``update()`` and ``increment()`` do not (see test_upstream_bugs.py), so a counter
batch is filled with ``batch.add()`` and coodie's CQL builder.
"""

from __future__ import annotations

from typing import Annotated

import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Session
from coodie.batch import AsyncBatchQuery, BatchQuery
from coodie.cql_builder import build_counter_update
from coodie.fields import ClusteringKey, Counter, PrimaryKey
from coodie.results import LWTResult
from coodie.sync.document import CounterDocument, Document
from coodie_flavours import Flavour, async_twin

from pytest_scylla.recorder import CqlRecorder


class Order(Document):
    customer: Annotated[str, PrimaryKey()]
    number: Annotated[int, ClusteringKey()]
    total: int = 0

    class Settings:
        name = "orders"


class Customer(Document):
    name: Annotated[str, PrimaryKey()]
    email: str = ""

    class Settings:
        name = "customers"


class Stock(CounterDocument):
    item: Annotated[str, PrimaryKey()]
    on_hand: Annotated[int, Counter()] = 0
    reserved: Annotated[int, Counter()] = 0

    class Settings:
        name = "stock"


AsyncOrder = async_twin(Order)
AsyncCustomer = async_twin(Customer)
AsyncStock = async_twin(Stock)


@pytest.fixture
async def models(flavour: Flavour) -> tuple[type[Order], type[Customer]]:
    """Order and Customer, two tables one batch writes to, synced (sync or async per flavour)."""
    orders, customers = flavour.pick(Order, AsyncOrder), flavour.pick(Customer, AsyncCustomer)
    await flavour.sync_tables(orders, customers)
    return orders, customers


def batches(recorder: CqlRecorder) -> list[str]:
    """The BATCH statements sent, each as its first line (``BEGIN ... BATCH``)."""
    return [s.splitlines()[0] for s in recorder.statements if s.lstrip().startswith("BEGIN")]


async def order_totals(flavour: Flavour, orders: type, customer: str) -> dict[int, int]:
    return {o.number: o.total for o in await flavour(orders.find(customer=customer).all)}


# --------------------------------------------------------------------------- logged / unlogged


async def test_a_logged_batch_writes_several_models_in_one_statement(
    flavour: Flavour, models: tuple[type, type], cql_recorder: CqlRecorder
) -> None:
    orders, customers = models
    async with flavour.batch() as batch:
        await flavour(customers(name="ann", email="ann@example.com").save, batch=batch)
        await flavour(orders(customer="ann", number=1, total=10).save, batch=batch)
        await flavour(orders(customer="ann", number=2, total=20).save, batch=batch)
        assert cql_recorder.normalised() == []  # nothing is sent before the block ends

    assert batches(cql_recorder) == ["BEGIN BATCH"]
    assert (await flavour(customers.get, name="ann")).email == "ann@example.com"
    assert await order_totals(flavour, orders, "ann") == {1: 10, 2: 20}


async def test_an_unlogged_batch(
    flavour: Flavour, models: tuple[type, type], cql_recorder: CqlRecorder
) -> None:
    orders, _ = models
    async with flavour.batch(logged=False) as batch:
        for n in (1, 2, 3):
            await flavour(orders(customer="ann", number=n, total=n).save, batch=batch)
    assert batches(cql_recorder) == ["BEGIN UNLOGGED BATCH"]
    assert await order_totals(flavour, orders, "ann") == {1: 1, 2: 2, 3: 3}


async def test_a_batch_can_mix_inserts_and_deletes(flavour: Flavour, models: tuple[type, type]) -> None:
    orders, _ = models
    await flavour(orders(customer="ann", number=1, total=10).save)
    async with flavour.batch() as batch:
        await flavour(orders(customer="ann", number=1).delete, batch=batch)
        await flavour(orders(customer="ann", number=2, total=20).save, batch=batch)
    assert await order_totals(flavour, orders, "ann") == {2: 20}


async def test_batch_timestamp_applies_to_every_statement(
    flavour: Flavour, models: tuple[type, type], cql: Session
) -> None:
    orders, customers = models
    async with flavour.batch(timestamp=1_700_000_000_000_000) as batch:
        await flavour(orders(customer="ann", number=1, total=10).save, batch=batch)
        await flavour(customers(name="ann", email="a@x").save, batch=batch)
    assert cql.execute("SELECT writetime(total) FROM orders").one()[0] == 1_700_000_000_000_000
    assert cql.execute("SELECT writetime(email) FROM customers").one()[0] == 1_700_000_000_000_000


async def test_an_empty_batch_sends_nothing(
    flavour: Flavour, models: tuple[type, type], cql_recorder: CqlRecorder
) -> None:
    async with flavour.batch():
        pass
    assert cql_recorder.normalised() == []


# --------------------------------------------------------------------------- the context manager


async def test_an_exception_in_the_block_sends_nothing(
    flavour: Flavour, models: tuple[type, type], cql_recorder: CqlRecorder
) -> None:
    orders, _ = models
    with pytest.raises(RuntimeError, match="payment declined"):
        async with flavour.batch() as batch:
            await flavour(orders(customer="ann", number=1, total=10).save, batch=batch)
            raise RuntimeError("payment declined")
    assert batches(cql_recorder) == []
    assert await order_totals(flavour, orders, "ann") == {}


async def test_a_batch_refused_by_the_server_writes_nothing(
    flavour: Flavour, models: tuple[type, type], keyspace: str
) -> None:
    orders, _ = models
    with pytest.raises(InvalidRequest):
        async with flavour.batch() as batch:
            await flavour(orders(customer="ann", number=1, total=10).save, batch=batch)
            # `total` is not a counter: the server refuses the whole batch
            batch.add(
                f"UPDATE {keyspace}.orders SET total = total + ? WHERE customer = ? AND number = ?",
                [1, "ann", 2],
            )
    assert await order_totals(flavour, orders, "ann") == {}


async def test_execute_sends_the_batch_now_and_empties_it(
    flavour: Flavour, models: tuple[type, type], cql_recorder: CqlRecorder
) -> None:
    orders, _ = models
    batch = flavour.pick(BatchQuery, AsyncBatchQuery)()
    await flavour(orders(customer="ann", number=1, total=10).save, batch=batch)
    assert await flavour(batch.execute) is None  # not conditional: no LWT result
    assert await order_totals(flavour, orders, "ann") == {1: 10}
    assert await flavour(batch.execute) is None  # empty now: sends nothing
    assert batches(cql_recorder) == ["BEGIN BATCH"]


# --------------------------------------------------------------------------- counter and conditional batches


async def test_a_counter_batch(flavour: Flavour, keyspace: str, cql_recorder: CqlRecorder) -> None:
    stock = flavour.pick(Stock, AsyncStock)
    await flavour.sync_tables(stock)

    async with flavour.batch(batch_type="COUNTER") as batch:
        batch.add(*build_counter_update("stock", keyspace, {"on_hand": 10}, [("item", "=", "bolt")]))
        batch.add(
            *build_counter_update("stock", keyspace, {"on_hand": -3, "reserved": 3}, [("item", "=", "bolt")])
        )
        batch.add(*build_counter_update("stock", keyspace, {"on_hand": 5}, [("item", "=", "nut")]))

    assert batches(cql_recorder) == ["BEGIN COUNTER BATCH"]
    got = {s.item: (s.on_hand, s.reserved) for s in await flavour(stock.find().all)}
    assert got == {"bolt": (7, 3), "nut": (5, None)}


async def test_a_conditional_batch_reports_its_lwt_result(
    flavour: Flavour, models: tuple[type, type]
) -> None:
    orders, _ = models
    async with flavour.batch() as first:
        await flavour(orders(customer="ann", number=1, total=10).insert, batch=first)
        await flavour(orders(customer="ann", number=2, total=20).save, batch=first)
    assert first.result == LWTResult(applied=True)

    async with flavour.batch() as second:
        await flavour(orders(customer="ann", number=1, total=99).insert, batch=second)
        await flavour(orders(customer="ann", number=3, total=30).save, batch=second)
    assert second.result.applied is False
    assert second.result.existing["total"] == 10
    # not applied: none of the batch's statements were
    assert await order_totals(flavour, orders, "ann") == {1: 10, 2: 20}


async def test_a_conditional_batch_must_stay_in_one_partition(
    flavour: Flavour, models: tuple[type, type]
) -> None:
    orders, _ = models
    with pytest.raises(InvalidRequest):
        async with flavour.batch() as batch:
            await flavour(orders(customer="ann", number=1).insert, batch=batch)
            await flavour(orders(customer="bob", number=1).save, batch=batch)
    assert await flavour(orders.find().all) == []
