"""The CQL native protocol (v3 and v4) as ScyllaDB and Cassandra speak it.

`frames` holds the frame header, the body notations and compression; `types` turns
`cassandra.cqltypes` classes into [option]s; `messages` decodes request bodies into
`scylla_lite.requests` objects and encodes results, errors and events. The server
loop itself is `scylla_lite.server`.
"""

from __future__ import annotations

from .frames import COMPRESSIONS, MAX_BODY_LENGTH, SUPPORTED_VERSIONS

__all__ = ["COMPRESSIONS", "MAX_BODY_LENGTH", "SUPPORTED_VERSIONS"]
