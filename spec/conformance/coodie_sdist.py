"""Fetch coodie's sdist from PyPI (once) and extract it (once): its tests/integration is
the first judge of scylla_lite. Standard library only, so noxfile.py can import it too."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

COODIE_VERSION = "1.9.3"


def default_cache() -> Path:
    return Path.home() / ".cache" / "coodie-demos" / "coodie-sdist"


def coodie_sdist(
    cache: Path | None = None, version: str = COODIE_VERSION, python: str = sys.executable
) -> Path:
    """The extracted ``coodie-<version>`` directory (downloaded with ``pip download``)."""
    cache = cache or default_cache()
    root = cache / f"coodie-{version}"
    if (root / "tests" / "integration" / "conftest.py").is_file():
        return root
    cache.mkdir(parents=True, exist_ok=True)
    tarball = cache / f"coodie-{version}.tar.gz"
    if not tarball.is_file():
        download = ["pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", f"coodie=={version}"]
        subprocess.run(
            [python, "-m", *download, "-d", str(cache)],
            check=True,
        )
    if not tarball.is_file():
        raise RuntimeError(f"pip download did not leave {tarball.name} in {cache}")
    with tempfile.TemporaryDirectory(dir=cache) as tmp, tarfile.open(tarball) as tar:
        tar.extractall(tmp, filter="data")
        if root.exists():
            shutil.rmtree(root)
        (Path(tmp) / root.name).rename(root)
    return root
