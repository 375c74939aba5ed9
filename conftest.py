"""Repository-wide pytest set-up.

The database fixtures, options (``--scylla-backend``, ``--scylla-hosts``,
``--scylla-driver``, ``--run-slow``) and markers come from the ``pytest_scylla``
plugin (``src/pytest_scylla``), registered through the ``pytest11`` entry point.
Running from a source tree that is not installed, this file loads it by hand.
"""

from __future__ import annotations

import importlib.metadata

import pytest

# the spec's shared assertions report their comparisons as test modules' asserts do
pytest.register_assert_rewrite("spec.assertions")

_entry_points = importlib.metadata.entry_points(group="pytest11")
if not any(ep.value == "pytest_scylla.plugin" for ep in _entry_points):
    pytest_plugins = ["pytest_scylla.plugin"]
