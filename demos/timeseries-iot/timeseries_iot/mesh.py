"""ChronoMesh's queries: every read and write of the Chrono-Sensors, through sync coodie.

==========================  ==================================================================
what                        coodie → CQL
==========================  ==================================================================
every sensor, newest day    ``SensorBucket.find().per_partition_limit(1)``
                            → ``SELECT * FROM sensor_buckets PER PARTITION LIMIT 1``
latest N per sensor (a day) ``Reading.find(sensor_id__in=ids, bucket=day).per_partition_limit(n)``
                            → ``… WHERE sensor_id IN (…) AND bucket = ? PER PARTITION LIMIT n``
a time range                the range's day buckets (``bucket >= ? AND bucket <= ?`` on the index),
                            then per bucket, newest first: ``… AND ts >= ? AND ts < ?``
history, 1000 a page        ``Reading.find(sensor_id=s, bucket=b).fetch_size(k).page(state).paged_all()``,
                            continued in the next older bucket (``bucket < ? LIMIT 1``) when one ends
transmit a reading          one logged batch: the reading and its bucket's index row
==========================  ==================================================================

A history page may span buckets: its cursor (`Cursor`) is the bucket it stopped in and the
driver's paging state inside that bucket; the app hands it to the browser signed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from coodie.batch import BatchQuery
from coodie.sync.query import QuerySet

from demokit.coodie_private import qualified_table
from timeseries_iot.chrono import bucket_of, d10, is_day, iso, now, sensor_name
from timeseries_iot.inputs import NotFound, ReadingIn
from timeseries_iot.models import Reading, SensorBucket


@dataclass(order=True)
class Sensor:
    sensor_id: int
    name: str
    newest_bucket: str


@dataclass
class Latest:
    """The newest ``n`` readings of every sensor in one day bucket."""

    day: str | None
    n: int
    sensors: list[Sensor]
    readings: dict[int, list[Reading]]
    cql: list[str]


@dataclass
class Window:
    """A sensor's readings in ``[start, end)``, newest first, and the buckets read."""

    sensor_id: int
    start: datetime
    end: datetime
    buckets: list[str]
    readings: list[Reading]
    cql: list[str]


@dataclass(frozen=True)
class Cursor:
    """Where a history page resumes: in ``bucket``, after the driver's paging ``state``
    (None: from the bucket's newest reading)."""

    bucket: str
    state: bytes | None = None

    def encode(self) -> bytes:
        return self.bucket.encode("ascii") + (self.state or b"")

    @classmethod
    def decode(cls, payload: bytes) -> Cursor:
        """The cursor `encode` wrote (the payload comes back signed, so only a key leak forges one)."""
        bucket = payload[:10].decode("ascii", errors="replace")
        if not is_day(bucket):
            raise ValueError(f"no day bucket in the cursor: {bucket!r}")
        return cls(bucket, payload[10:] or None)


@dataclass
class HistoryPage:
    """Up to ``size`` readings of a sensor, newest first, and the cursor of the next page."""

    sensor_id: int
    size: int
    readings: list[Reading]
    buckets: list[str]
    next: Cursor | None
    cql: list[str] = field(default_factory=list)


D = TypeVar("D", Reading, SensorBucket)


def fetch(model: type[D], query: QuerySet) -> list[D]:
    """The documents of ``query`` (coodie types ``all()`` loosely: documents, lazy ones or tuples)."""
    return cast(list[D], query.all())


def first(model: type[D], query: QuerySet) -> D | None:
    return cast(D | None, query.first())


def show(value: Any) -> str:
    """A value as it would stand in CQL text (the statements run with bound markers)."""
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, datetime):
        return f"'{iso(value)}'"
    return str(value)


def as_json(reading: Reading) -> dict[str, Any]:
    return {
        "sensor_id": reading.sensor_id,
        "bucket": reading.bucket,
        "ts": iso(reading.ts),
        "celsius": reading.celsius,
        "anomaly": bool(reading.anomaly),
        "d10": round(d10(reading.ts), 3),
    }


def sensors() -> list[Sensor]:
    """Every sensor and its newest day bucket: the first row of each partition of the index."""
    rows = fetch(SensorBucket, SensorBucket.find().per_partition_limit(1))
    return sorted(Sensor(r.sensor_id, sensor_name(r.sensor_id), r.bucket) for r in rows)


def sensors_cql() -> str:
    return f"SELECT * FROM {qualified_table(SensorBucket)} PER PARTITION LIMIT 1"


def buckets(sensor_id: int) -> list[str]:
    """A sensor's day buckets, newest first (the index's clustering order)."""
    return [b.bucket for b in fetch(SensorBucket, SensorBucket.find(sensor_id=sensor_id))]


def newest_bucket(sensor_id: int) -> str:
    """The sensor's newest day, or `NotFound` when it has no readings."""
    newest = first(SensorBucket, SensorBucket.find(sensor_id=sensor_id))
    if newest is None:
        raise NotFound(f"sensor #{sensor_id} has no readings in any timeline")
    return newest.bucket


def latest(n: int, day: str | None = None, known: list[Sensor] | None = None) -> Latest:
    """The newest ``n`` readings of each sensor on ``day`` (default: the newest day of all).
    The partition is (sensor, day), so ``PER PARTITION LIMIT n`` is "n per sensor"."""
    known = sensors() if known is None else known
    day = day or max((s.newest_bucket for s in known), default=None)
    cql = [sensors_cql()]
    if not known or day is None:
        return Latest(day, n, known, {}, cql)
    ids = [s.sensor_id for s in known]
    rows = fetch(Reading, Reading.find(sensor_id__in=ids, bucket=day).per_partition_limit(n))
    cql.append(
        f"SELECT * FROM {qualified_table(Reading)} WHERE sensor_id IN ({', '.join(map(str, ids))}) "
        f"AND bucket = {show(day)} PER PARTITION LIMIT {n}"
    )
    grouped: dict[int, list[Reading]] = {i: [] for i in ids}
    for row in rows:  # each partition's rows arrive in clustering order: ts DESC
        grouped.setdefault(row.sensor_id, []).append(row)
    return Latest(day, n, known, grouped, cql)


def window(sensor_id: int, start: datetime, end: datetime) -> Window:
    """The readings of ``[start, end)``: the day buckets the range touches (read from the
    index, newest first), then one range query inside each — a single query when the range
    stays within a day."""
    first_day, last_day = bucket_of(start), bucket_of(end - timedelta(milliseconds=1))
    index = SensorBucket.find(sensor_id=sensor_id, bucket__gte=first_day, bucket__lte=last_day)
    days = [b.bucket for b in fetch(SensorBucket, index)]
    cql = [
        f"SELECT * FROM {qualified_table(SensorBucket)} WHERE sensor_id = {sensor_id} "
        f"AND bucket >= {show(first_day)} AND bucket <= {show(last_day)}"
    ]
    if not days:
        newest_bucket(sensor_id)  # no bucket in the range: a sensor without any is a 404
    readings: list[Reading] = []
    for day in days:
        readings += fetch(Reading, Reading.find(sensor_id=sensor_id, bucket=day, ts__gte=start, ts__lt=end))
        cql.append(
            f"SELECT * FROM {qualified_table(Reading)} WHERE sensor_id = {sensor_id} AND bucket = {show(day)} "
            f"AND ts >= {show(start)} AND ts < {show(end)}"
        )
    return Window(sensor_id, start, end, days, readings, cql)


def history(sensor_id: int, cursor: Cursor | None, size: int) -> HistoryPage:
    """``size`` readings, newest first, from ``cursor`` on (None: the sensor's newest). Each
    bucket is paged with ``paged_all()``; when one ends, the page goes on in the next older
    bucket, so a page boundary can fall anywhere — at a bucket's edge too."""
    table = qualified_table(Reading)
    cql: list[str] = []
    if cursor is None:
        cursor = Cursor(newest_bucket(sensor_id))
        cql.append(f"SELECT * FROM {qualified_table(SensorBucket)} WHERE sensor_id = {sensor_id} LIMIT 1")
    bucket, state = cursor.bucket, cursor.state
    page = HistoryPage(sensor_id, size, [], [], None, cql)
    while True:
        query = Reading.find(sensor_id=sensor_id, bucket=bucket).fetch_size(size - len(page.readings))
        result = query.page(state).paged_all()
        resumed = " -- resumed from the paging state" if state else ""
        cql.append(
            f"SELECT * FROM {table} WHERE sensor_id = {sensor_id} AND bucket = {show(bucket)}"
            f"  -- fetch_size {size - len(page.readings)}{resumed}"
        )
        page.readings += cast(list[Reading], result.data)
        if result.data and bucket not in page.buckets:
            page.buckets.append(bucket)
        if result.paging_state is not None:  # the bucket goes on
            if len(page.readings) == size:
                page.next = Cursor(bucket, result.paging_state)
                return page
            state = result.paging_state  # a short page: ScyllaDB may cut one early
            continue
        older = first(SensorBucket, SensorBucket.find(sensor_id=sensor_id, bucket__lt=bucket))
        cql.append(
            f"SELECT * FROM {qualified_table(SensorBucket)} WHERE sensor_id = {sensor_id} "
            f"AND bucket < {show(bucket)} LIMIT 1"
        )
        if older is None:  # the beginning of this sensor's time
            return page
        bucket, state = older.bucket, None
        if len(page.readings) == size:
            page.next = Cursor(bucket)
            return page


def transmit(data: ReadingIn) -> Reading:
    """Store a reading and its bucket's index row in one logged batch (both or neither)."""
    ts = data.ts or now()
    reading = Reading(
        sensor_id=data.sensor_id, bucket=bucket_of(ts), ts=ts, celsius=data.celsius, anomaly=data.anomaly
    )
    with BatchQuery() as batch:
        reading.save(batch=batch)
        SensorBucket(sensor_id=reading.sensor_id, bucket=reading.bucket).save(batch=batch)
    return reading
