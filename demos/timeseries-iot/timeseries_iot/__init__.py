"""The Chrono-Sensors: IoT readings in (sensor, day) partitions, per_partition_limit and paged_all."""
