"""Advanced reads: ``per_partition_limit()``, token ranges (``col__token__gt`` ...),
``values_list()``, and column projection with ``only()`` / ``defer()``.

Token filters compare ``TOKEN(partition key)`` with a token value (an int), not with a
key; the tests take the tokens from plain CQL ``SELECT DISTINCT token(...)``.
"""

from __future__ import annotations

from typing import Annotated

import pytest
from cassandra.cluster import Session
from coodie.fields import ClusteringKey, PrimaryKey
from coodie.sync.document import Document
from coodie_flavours import Flavour, async_twin

from pytest_scylla.recorder import CqlRecorder


class Reading(Document):
    sensor: Annotated[str, PrimaryKey()]
    seq: Annotated[int, ClusteringKey(order="DESC")]
    value: float = 0.0
    unit: str = "C"

    class Settings:
        name = "readings"


AsyncReading = async_twin(Reading)

SENSORS = ("s1", "s2", "s3", "s4", "s5")


@pytest.fixture
async def readings(flavour: Flavour) -> type[Reading]:
    """5 sensors x 4 readings: seq 0..3, value = 10 * sensor number + seq."""
    model = flavour.pick(Reading, AsyncReading)
    await flavour.sync_tables(model)
    for n, sensor in enumerate(SENSORS, start=1):
        for seq in range(4):
            await flavour(model(sensor=sensor, seq=seq, value=10.0 * n + seq).save)
    return model


def tokens(cql: Session) -> dict[str, int]:
    return {r.sensor: r[0] for r in cql.execute("SELECT DISTINCT token(sensor), sensor FROM readings")}


def selects(recorder: CqlRecorder) -> list[str]:
    return [s for s in recorder.normalised() if s.startswith("SELECT")]


# --------------------------------------------------------------------------- per_partition_limit


async def test_per_partition_limit_keeps_the_first_rows_of_each_partition(
    flavour: Flavour, readings: type
) -> None:
    rows = await flavour(readings.find().per_partition_limit(2).all)
    by_sensor: dict[str, list[int]] = {}
    for r in rows:
        by_sensor.setdefault(r.sensor, []).append(r.seq)
    assert by_sensor == {sensor: [3, 2] for sensor in SENSORS}  # clustering order is DESC


async def test_per_partition_limit_with_a_partition_restriction(flavour: Flavour, readings: type) -> None:
    rows = await flavour(readings.find(sensor__in=["s1", "s3"]).per_partition_limit(1).all)
    assert sorted((r.sensor, r.seq) for r in rows) == [("s1", 3), ("s3", 3)]


async def test_per_partition_limit_and_limit(flavour: Flavour, readings: type) -> None:
    rows = await flavour(readings.find().per_partition_limit(3).limit(7).all)
    assert len(rows) == 7
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.sensor] = counts.get(r.sensor, 0) + 1
    assert sorted(counts.values()) == [1, 3, 3]


# --------------------------------------------------------------------------- token ranges


async def test_token_gt_and_lte_split_the_table(flavour: Flavour, readings: type, cql: Session) -> None:
    by_token = sorted(tokens(cql).items(), key=lambda kv: kv[1])
    middle = by_token[2][1]
    above = await flavour(readings.find(sensor__token__gt=middle).all)
    below = await flavour(readings.find(sensor__token__lte=middle).all)
    assert {r.sensor for r in above} == {s for s, _ in by_token[3:]}
    assert {r.sensor for r in below} == {s for s, _ in by_token[:3]}
    assert len(above) + len(below) == 20


async def test_a_token_range_between_two_bounds(flavour: Flavour, readings: type, cql: Session) -> None:
    by_token = sorted(tokens(cql).items(), key=lambda kv: kv[1])
    low, high = by_token[1][1], by_token[3][1]
    rows = await flavour(readings.find(sensor__token__gte=low, sensor__token__lt=high).all)
    assert {r.sensor for r in rows} == {by_token[1][0], by_token[2][0]}


async def test_a_full_scan_in_token_order_by_pages_of_partitions(
    flavour: Flavour, readings: type, cql: Session
) -> None:
    """The pattern of a resumable scan: the next page starts after the last token seen."""
    token_of = tokens(cql)
    seen: list[str] = []
    last = -(2**63)
    while True:
        page = await flavour(readings.find(sensor__token__gt=last).per_partition_limit(1).limit(2).all)
        if not page:
            break
        seen.extend(r.sensor for r in page)
        last = token_of[page[-1].sensor]
    assert seen == sorted(SENSORS, key=token_of.__getitem__)


# --------------------------------------------------------------------------- values_list


async def test_values_list_returns_tuples_in_the_asked_order(flavour: Flavour, readings: type) -> None:
    rows = await flavour(readings.find(sensor="s2").values_list("seq", "value").all)
    assert rows == [(3, 23.0), (2, 22.0), (1, 21.0), (0, 20.0)]


async def test_values_list_of_one_column(flavour: Flavour, readings: type) -> None:
    assert await flavour(readings.find(sensor="s1").limit(2).values_list("value").all) == [(13.0,), (12.0,)]


async def test_values_list_with_only_fetches_just_those_columns(
    flavour: Flavour, readings: type, cql_recorder: CqlRecorder
) -> None:
    rows = await flavour(
        readings.find(sensor="s1", seq=0).only("unit", "value").values_list("value", "unit").all
    )
    assert rows == [(10.0, "C")]
    assert selects(cql_recorder)[-1].startswith('SELECT "unit", "value" FROM')


# --------------------------------------------------------------------------- only / defer


async def test_only_selects_the_given_columns(
    flavour: Flavour, readings: type, cql_recorder: CqlRecorder
) -> None:
    docs = await flavour(readings.find(sensor="s1").only("seq", "value").all)
    assert [(d.seq, d.value) for d in docs] == [(3, 13.0), (2, 12.0), (1, 11.0), (0, 10.0)]
    assert selects(cql_recorder)[-1].startswith('SELECT "seq", "value" FROM')
    # the other columns were not read: the documents only carry what was selected
    assert docs[0].model_fields_set == {"seq", "value"}


async def test_defer_selects_all_but_the_given_columns(
    flavour: Flavour, readings: type, cql_recorder: CqlRecorder
) -> None:
    docs = await flavour(readings.find(sensor="s1").defer("value").all)
    assert [(d.sensor, d.seq, d.unit) for d in docs] == [
        ("s1", 3, "C"),
        ("s1", 2, "C"),
        ("s1", 1, "C"),
        ("s1", 0, "C"),
    ]
    assert selects(cql_recorder)[-1].startswith('SELECT "sensor", "seq", "unit" FROM')
    assert "value" not in docs[0].model_fields_set
