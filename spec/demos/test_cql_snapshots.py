"""The DDL of every demo's models, snapshotted: a changed model shows as a readable diff.

For each demo, the CQL that syncing its models creates in an empty keyspace
(`demokit.ddl`: ``CREATE TYPE``/``TABLE``/``INDEX``/``MATERIALIZED VIEW``, one column
per line) is compared with ``__snapshots__/test_cql_snapshots.ambr``. After an
intended model change, and for a new demo::

    pytest spec/demos/test_cql_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest
from syrupy.assertion import SnapshotAssertion

from demokit.ddl import model_classes, schema_cql
from demokit.registry import Demo


@pytest.mark.demo()
def test_models_ddl(demo: Demo, snapshot: SnapshotAssertion) -> None:
    classes = model_classes(demo.model_modules())
    assert classes, f"demo {demo.name}: no coodie models in {', '.join(demo.models)}"
    assert schema_cql(classes, demo.keyspace) == snapshot
