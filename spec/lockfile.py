"""The lock (constraints.txt) and what it must cover: every requirement the project and its
demos declare.  Standard library and ``packaging`` only, so noxfile.py imports it too."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from packaging.markers import Marker

LOCK_NAME = "constraints.txt"


def dep_name(requirement: str) -> str:
    """A requirement's distribution name, normalised (``Foo_Bar[x]>=1`` → ``foo-bar``)."""
    return re.split(r"[\s\[<>=!~;@]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def pyproject(folder: Path) -> dict[str, Any]:
    return tomllib.loads((folder / "pyproject.toml").read_text())


def demo_dirs(root: Path) -> list[Path]:
    """Every demo: a folder under demos/ with its own pyproject.toml."""
    return sorted(p.parent for p in (root / "demos").glob("*/pyproject.toml"))


def own_packages(root: Path) -> set[str]:
    """The names of this project's own packages: the root one and every demo."""
    return {dep_name(pyproject(d)["project"]["name"]) for d in [root, *demo_dirs(root)]}


def declared_requirements(root: Path) -> list[str]:
    """Every requirement of the project and the demos (build backends and extras included),
    the demos' path dependency on this project aside."""
    requirements: list[str] = []
    for folder in [root, *demo_dirs(root)]:
        data = pyproject(folder)
        requirements += data["build-system"]["requires"] + data["project"].get("dependencies", [])
        for extra in data["project"].get("optional-dependencies", {}).values():
            requirements += extra
    ours = own_packages(root)
    return list(dict.fromkeys(r for r in requirements if dep_name(r) not in ours))


def locked_versions(lock_text: str) -> dict[str, str]:
    """The lock's ``name: version`` for this interpreter (its lines carry markers per platform)."""
    pins = {}
    for line in lock_text.splitlines():
        requirement, _, marker = (part.strip() for part in line.partition(";"))
        if (
            "==" in requirement
            and not line.startswith(("#", " "))
            and (not marker or Marker(marker).evaluate())
        ):
            name, version = requirement.split("==")
            pins[dep_name(name)] = version
    return pins
