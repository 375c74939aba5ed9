"""coodie's own CLI (``coodie migrate`` …) run as a user runs it, on a host whose port 9042 speaks CQL.

The CLI takes hosts but no port: it reaches port 9042. Against a real ScyllaDB on 9042 it runs
there; otherwise `cli_host` starts a ``python -m scylla_lite`` process of the test's own on 9042
of a spare loopback address (127.x.y.z), which also exercises the server's command line.

A test module loads these fixtures with ``pytest_plugins = ["spec.coodie_cli"]`` (and does not
import this module: it is a plugin, imported by pytest).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

#: ``python -c CLI migrate ...`` is the ``coodie`` console script
CLI = "import sys; from coodie.migrations.cli import main; sys.exit(main())"


@pytest.fixture
def cli_host(scylla: Any) -> Iterator[str]:
    """A host whose port 9042 speaks CQL for this test."""
    if scylla.is_real:
        if scylla.contact.port != 9042:
            pytest.skip("coodie's CLI reaches port 9042 only")
        yield scylla.contact.host
        return
    rng = random.Random()
    for _ in range(10):
        host = f"127.{rng.randrange(1, 255)}.{rng.randrange(1, 255)}.{rng.randrange(2, 255)}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "scylla_lite", "--host", host, "--port", "9042"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "listening on" in line:
            try:
                yield host
            finally:
                proc.terminate()
                proc.wait(timeout=30)
            return
        proc.wait(timeout=30)
    pytest.skip("no loopback address with a free port 9042")


@pytest.fixture
def coodie_cli() -> Callable[..., str]:
    """``coodie_cli(cwd, *args)``: the coodie CLI run in ``cwd`` (also put on ``PYTHONPATH``); its
    output, or a failure showing what it printed."""
    return run_coodie


def run_coodie(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", CLI, *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
