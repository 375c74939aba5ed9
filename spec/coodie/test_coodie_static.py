"""Static columns (``Static()``): one value per partition, shared by all its clustering rows."""

from __future__ import annotations

from typing import Annotated

from cassandra.cluster import Session
from coodie.fields import ClusteringKey, PrimaryKey, Static
from coodie.sync.document import Document
from coodie_flavours import Flavour, async_twin, synced_model_fixture

from spec.assertions import column_schema


class Reading(Document):
    sensor: Annotated[str, PrimaryKey()]
    seq: Annotated[int, ClusteringKey()]
    location: Annotated[str, Static()] = ""
    value: float = 0.0

    class Settings:
        name = "readings"


AsyncReading = async_twin(Reading)


readings = synced_model_fixture(
    Reading,
    AsyncReading,
    "Reading, with a static column per sensor, its table synced (sync or async per flavour).",
)


async def locations(flavour: Flavour, model: type, sensor: str) -> dict[int, str]:
    return {r.seq: r.location for r in await flavour(model.find(sensor=sensor).all)}


async def test_the_column_is_created_static(flavour: Flavour, readings: type, cql: Session) -> None:
    kinds = column_schema(cql, "readings", "kind")
    assert kinds == {"sensor": "partition_key", "seq": "clustering", "location": "static", "value": "regular"}


async def test_every_row_of_a_partition_reads_the_same_value(flavour: Flavour, readings: type) -> None:
    await flavour(readings(sensor="s1", seq=1, location="lab", value=1.0).save)
    await flavour(readings(sensor="s1", seq=2, location="lab", value=2.0).save)
    await flavour(readings(sensor="s1", seq=3, location="roof", value=3.0).save)
    # the last write of the static column is the partition's value, for every row
    assert await locations(flavour, readings, "s1") == {1: "roof", 2: "roof", 3: "roof"}
    assert [r.value for r in await flavour(readings.find(sensor="s1").all)] == [1.0, 2.0, 3.0]


async def test_partitions_have_their_own_value(flavour: Flavour, readings: type) -> None:
    await flavour(readings(sensor="s1", seq=1, location="lab").save)
    await flavour(readings(sensor="s2", seq=1, location="roof").save)
    assert await locations(flavour, readings, "s1") == {1: "lab"}
    assert await locations(flavour, readings, "s2") == {1: "roof"}


async def test_updating_the_partition_changes_the_value_for_all_rows(
    flavour: Flavour, readings: type
) -> None:
    """The way to change only a static column: an UPDATE restricted to the partition key
    (``Document.update()`` on a row fails, see test_upstream_bugs.py)."""
    for seq in (1, 2, 3):
        await flavour(readings(sensor="s1", seq=seq, location="lab", value=float(seq)).save)
    await flavour(readings.find(sensor="s1").update, location="basement")
    assert await locations(flavour, readings, "s1") == {1: "basement", 2: "basement", 3: "basement"}
    assert [r.value for r in await flavour(readings.find(sensor="s1").all)] == [1.0, 2.0, 3.0]


async def test_a_row_update_of_static_and_regular_columns_reaches_all_rows(
    flavour: Flavour, readings: type
) -> None:
    for seq in (1, 2):
        await flavour(readings(sensor="s1", seq=seq, location="lab", value=0.0).save)
    await flavour(readings(sensor="s1", seq=2).update, location="roof", value=9.0)
    got = {r.seq: (r.location, r.value) for r in await flavour(readings.find(sensor="s1").all)}
    assert got == {1: ("roof", 0.0), 2: ("roof", 9.0)}


async def test_save_writes_the_static_column_too(flavour: Flavour, readings: type) -> None:
    """``save()`` writes every column: a row saved without a location resets the partition's."""
    await flavour(readings(sensor="s1", seq=1, location="lab").save)
    await flavour(readings(sensor="s1", seq=2).save)  # location defaults to ""
    assert await locations(flavour, readings, "s1") == {1: "", 2: ""}
