"""coodie's driver registry, as the fixtures need it: the one place that knows its insides.

coodie 1.9.3 has ``register_driver`` and ``get_driver`` but no way to unregister a
driver or to snapshot the registry, so this module reaches into
``coodie.drivers._registry`` and ``_default_driver_name``. Both the spec's fixtures
(`pytest_scylla.database`) and the conformance plugin (``spec/conformance/coodie_fixtures.py``)
use it; when coodie changes those names, only this file changes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

DEFAULT = "default"


def forget_driver(name: str = DEFAULT) -> None:
    """Drop driver ``name`` (a no-op if absent); if it was the default, the next registered
    driver (or none) becomes the default, so nothing reaches a dropped keyspace later."""
    import coodie.drivers as drivers

    drivers._registry.pop(name, None)
    if drivers._default_driver_name == name:
        drivers._default_driver_name = next(iter(drivers._registry), None)


@contextlib.contextmanager
def registered(driver: Any, name: str = DEFAULT) -> Iterator[Any]:
    """``driver`` registered as coodie's default under ``name`` for the ``with`` block,
    forgotten after it."""
    from coodie.drivers import register_driver

    register_driver(name, driver, default=True)
    try:
        yield driver
    finally:
        forget_driver(name)


@contextlib.contextmanager
def saved_registry() -> Iterator[None]:
    """Put the registry (drivers and default) back as it was on entry, whatever the block did
    to it (e.g. a test that clears it while a session-scoped fixture's driver is needed later)."""
    import coodie.drivers as drivers

    saved, default = dict(drivers._registry), drivers._default_driver_name
    try:
        yield
    finally:
        drivers._registry.clear()
        drivers._registry.update(saved)
        drivers._default_driver_name = default
