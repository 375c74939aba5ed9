"""Time in both dimensions: Earth time, the day buckets it is cut into, and Dimension-10 time.

A reading's partition is (sensor, day bucket): ``bucket_of(ts)`` is the UTC day of its
timestamp as ``YYYY-MM-DD`` text, so one partition holds at most a day of one sensor's
readings (288 at the seed's one reading per 5 minutes) and never grows without bound.
Dimension-10 time is Earth time warped: it runs at changing speeds, sometimes backwards
(`d10`; ``static/chrono.js`` draws the chart's top axis with the same formula).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

#: Earth time of the first seeded reading (UTC; naive, as the driver reads a CQL timestamp)
START = datetime(2025, 1, 1)
#: one reading per sensor every 5 minutes: 288 readings in a full day bucket
STEP = timedelta(minutes=5)
DAY = "%Y-%m-%d"
EARLIEST = datetime(1970, 1, 1)
LATEST = datetime(2999, 12, 31, 23, 59, 59)

#: the seeded sensors: where in the timeline ChronoMesh planted them
SENSORS: dict[int, str] = {
    1: "Clocktower, Prague 1410",
    2: "Greenwich Meridian, 1884",
    3: "Apollo 11 LM, 1969",
    4: "Library of Alexandria, 48 BC",
    5: "Rift Gate Δ, 2187",
    6: "Tunguska Crater, 1908",
    7: "Paradox Café, 3001",
}


def sensor_name(sensor_id: int) -> str:
    return SENSORS.get(sensor_id, f"Rogue probe #{sensor_id}")


def bucket_of(ts: datetime) -> str:
    """The day bucket of a timestamp: its UTC day, ``YYYY-MM-DD``."""
    return ts.strftime(DAY)


def day_start(bucket: str) -> datetime:
    return datetime.strptime(bucket, DAY)


def is_day(text: str) -> bool:
    """Whether ``text`` is a day bucket exactly as `bucket_of` writes it."""
    try:
        return bucket_of(day_start(text)) == text
    except ValueError:
        return False


def cql_time(ts: datetime) -> datetime:
    """``ts`` as a CQL timestamp reads back: UTC, naive, whole milliseconds (a zone-less
    value is taken as UTC), so a clustering key read back equals the one written."""
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC).replace(tzinfo=None)
    return ts.replace(microsecond=ts.microsecond // 1000 * 1000)


def now() -> datetime:
    return cql_time(datetime.now(UTC))


def iso(ts: datetime) -> str:
    """A CQL timestamp in JSON: ISO 8601, UTC, ``Z``."""
    return ts.isoformat(timespec="milliseconds") + "Z"


def epoch_ms(ts: datetime) -> int:
    return round((ts - EARLIEST).total_seconds() * 1000)


def d10(ts: datetime) -> float:
    """Dimension-10 time of an Earth time: hours since the seed's `START`, warped by two
    waves; where they add up to more than 1 the clock there runs backwards."""
    hours = (ts - START).total_seconds() / 3600
    return hours + 2.5 * math.sin(hours / 4.1) + 1.2 * math.sin(hours / 1.3)
