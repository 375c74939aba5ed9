"""The Chrono-Sensors' two tables (sync coodie, defined at module level, no keyspace pinned).

* ``readings`` — the time series. Partition key (``sensor_id``, ``bucket``): one partition per
  sensor per UTC day, so a partition stays bounded however long a sensor lives. Clustering
  ``ts DESC``: a partition reads newest first without any ``ORDER BY``, which is what
  ``per_partition_limit(n)`` ("the newest n of each partition") and the history pages need.
* ``sensor_buckets`` — which day buckets each sensor has, newest first: the index that says
  where a sensor's history continues (``bucket < ?``), and — with ``per_partition_limit(1)``
  — every sensor with its newest day, in one query.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from coodie.fields import ClusteringKey, Double, PrimaryKey
from coodie.sync.document import Document


class Reading(Document):
    """One temperature reading of one sensor at one Earth time."""

    sensor_id: Annotated[int, PrimaryKey(partition_key_index=0)]
    bucket: Annotated[str, PrimaryKey(partition_key_index=1)]  # "2025-01-03": the UTC day of ts
    ts: Annotated[datetime, ClusteringKey(order="DESC")]  # newest first within the bucket
    celsius: Annotated[float, Double()]
    anomaly: bool = False  # a temporal anomaly: the reading came through a time warp

    class Settings:
        name = "readings"


class SensorBucket(Document):
    """A day bucket a sensor has readings in (written with them; the write is idempotent)."""

    sensor_id: Annotated[int, PrimaryKey()]
    bucket: Annotated[str, ClusteringKey(order="DESC")]  # newest day first

    class Settings:
        name = "sensor_buckets"
