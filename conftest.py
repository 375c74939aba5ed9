"""Repository-wide pytest set-up (minimal on purpose).

* ``pytest`` puts this directory on ``sys.path`` (rootdir conftest, default
  import mode), so ``import spec...`` works from any test; ``src/`` is added by
  ``pythonpath`` in ``pyproject.toml``.
* ``--run-slow`` (or ``RUN_SLOW=1``) runs tests marked ``slow``.
* ``scylla_only`` tests are skipped unless ``SCYLLA_HOSTS`` names a real cluster.

Backend selection (SCYLLA_HOSTS / Docker / embedded scylla_lite) belongs to the
``pytest_scylla`` plugin, which will replace the ``scylla_only`` rule here.
"""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow",
        action="store_true",
        default=os.environ.get("RUN_SLOW", "") not in ("", "0"),
        help="run tests marked slow (default: skip them; RUN_SLOW=1 does the same)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    run_slow = config.getoption("--run-slow")
    real_cluster = bool(os.environ.get("SCYLLA_HOSTS"))
    skip_slow = pytest.mark.skip(reason="slow: use --run-slow (or RUN_SLOW=1)")
    skip_scylla = pytest.mark.skip(reason="scylla_only: set SCYLLA_HOSTS to a real ScyllaDB cluster")
    for item in items:
        if not run_slow and "slow" in item.keywords:
            item.add_marker(skip_slow)
        if not real_cluster and "scylla_only" in item.keywords:
            item.add_marker(skip_scylla)
