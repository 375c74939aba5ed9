"""Fixtures of the coodie specification: each test runs once per coodie API (sync, async)."""

from __future__ import annotations

import pytest
from coodie_flavours import Flavour


@pytest.fixture(params=["sync", "async"])
def flavour(request: pytest.FixtureRequest) -> Flavour:
    """coodie registered on this test's keyspace, and the API (``coodie.sync`` or
    ``coodie.aio``) the test goes through; see `coodie_flavours`."""
    request.getfixturevalue("coodie_async" if request.param == "async" else "coodie_sync")
    return Flavour(request.param)
