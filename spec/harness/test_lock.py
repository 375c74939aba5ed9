"""The lock (constraints.txt) holds: every requirement a pyproject.toml declares is pinned there,
at a version that satisfies it, so a fresh clone installs exactly what the spec ran on.

A pyproject.toml changed without ``./dev lock`` fails here, before a user's install does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.requirements import Requirement

from spec.lockfile import LOCK_NAME, declared_requirements, locked_versions

ROOT = Path(__file__).resolve().parents[2]
PINS = locked_versions((ROOT / LOCK_NAME).read_text())


@pytest.mark.parametrize("requirement", declared_requirements(ROOT))
def test_every_declared_requirement_is_locked_at_a_version_it_accepts(requirement: str) -> None:
    wanted = Requirement(requirement)
    if wanted.marker is not None and not wanted.marker.evaluate():
        return  # not for this interpreter: nothing installs it here
    name = wanted.name.lower().replace("_", "-")
    assert name in PINS, f"{name} is not in {LOCK_NAME}: run ./dev lock"
    assert wanted.specifier.contains(PINS[name], prereleases=True), (
        f"{LOCK_NAME} pins {name}=={PINS[name]}, which {requirement!r} refuses: run ./dev lock"
    )


def test_the_lock_pins_torch_at_the_cpu_build_the_project_installs() -> None:
    """torch is installed first, explicitly (noxfile.TORCH); the lock must agree with it."""
    noxfile = (ROOT / "noxfile.py").read_text()
    assert f'TORCH = "torch=={PINS["torch"]}"' in noxfile
