"""The demo convention: each ``demos/<name>/pyproject.toml`` declares a ``[tool.coodie-demo]`` table.

::

    [tool.coodie-demo]
    kind = "fastapi"                      # fastapi | flask | django | cli
    keyspace = "catalog"                  # the keyspace `make run` uses
    app = "catalog.app:create_app"        # factory(keyspace=None) -> the app (optional for cli)
    seed = "catalog.seed:seed"            # seed(count=, feed=, progress=) -> int (demokit.seed)
    models = ["catalog.models"]           # module(s) holding the coodie models

The factory takes the keyspace (None: `keyspace_for` its own file) and returns the ASGI app (fastapi), the Flask app
(flask), the configured WSGI app (django, e.g. ``get_wsgi_application()`` after
pointing ``DJANGO_SETTINGS_MODULE`` at the demo's settings) or a click command
(cli); it initialises coodie through `demokit.database.ensure_coodie`, so the test
harness can hand it a coodie already bound to a test keyspace. Models never pin
``Settings.keyspace``. A demo's code lives in packages of its own (``catalog/``):
every top-level module named in the table must be unique across the demos, as
they all share one ``sys.path`` in a test run.

`discover` reads every demo (the directory name is the demo's name, the one the
``demo(name)`` marker and ``pytest -k`` use); Makefiles, CLIs and the pytest plugin
share it. The table's keyspace is the only place a demo names its keyspace: every
entry point (app factory, seed, management commands, ``make db-up``) asks
`keyspace_for`, which honours one override, ``$SCYLLA_KEYSPACE``.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, get_args

Kind = Literal["fastapi", "flask", "django", "cli"]
KINDS: tuple[str, ...] = get_args(Kind)
DEMOS_DIR = Path(__file__).resolve().parents[2] / "demos"
TABLE = "tool.coodie-demo"
_KEYS = {"kind", "keyspace", "app", "seed", "models"}
_MODULE = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*"
_TARGET_RE = re.compile(rf"{_MODULE}:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_MODULE_RE = re.compile(_MODULE)
_KEYSPACE_RE = re.compile(r"[a-z][a-z0-9_]{0,47}")
#: the one environment variable that points every entry point of a demo at another keyspace
KEYSPACE_ENV = "SCYLLA_KEYSPACE"


class DemoConfigError(ValueError):
    """A demo's ``[tool.coodie-demo]`` table is missing or wrong (the message names the file)."""


@dataclass(frozen=True)
class Demo:
    """One demo as its ``[tool.coodie-demo]`` table declares it."""

    name: str
    path: Path
    kind: Kind
    keyspace: str
    seed: str
    models: tuple[str, ...]
    app: str | None = None
    description: str = ""  # [project] description: "<the story's title>: <what it shows>"

    @property
    def title(self) -> str:
        """The name and the story's title: ``fastapi-catalog — The Infinite Bazaar``."""
        story = self.description.partition(": ")[0]
        return f"{self.name} — {story}" if story else self.name

    @property
    def summary(self) -> str:
        """What the demo shows, from its description (after the story's title)."""
        return self.description.partition(": ")[2] or self.description

    @property
    def top_level_modules(self) -> set[str]:
        """The top-level module names the table refers to (they must be unique across demos)."""
        targets = [self.seed, *self.models, *([self.app] if self.app else [])]
        return {t.split(":", 1)[0].split(".", 1)[0] for t in targets}

    def on_path(self) -> None:
        """Put the demo's directory on ``sys.path`` (once), refusing a module name another
        directory already provides."""
        folder = str(self.path)
        if folder not in sys.path:
            for name in sorted(self.top_level_modules):
                spec = importlib.util.find_spec(name) if name not in sys.modules else None
                origin = _origin(sys.modules[name]) if name in sys.modules else _spec_origin(spec)
                if origin is not None and not _inside(origin, self.path):
                    raise DemoConfigError(
                        f"demo {self.name}: module {name!r} is already provided by {origin}; "
                        "give the demo's package a name of its own"
                    )
            sys.path.insert(0, folder)
            importlib.invalidate_caches()

    def import_(self, target: str) -> Any:
        """``"pkg.module:attr"`` → that object, ``"pkg.module"`` → the module, imported from the demo."""
        self.on_path()
        module_name, _, attr = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:  # the demo's own dependencies are not installed here
            raise DemoConfigError(
                f"demo {self.name}: importing {module_name} needs {exc.name!r}, which is not installed; "
                f"`./dev develop -- --test {self.name}` installs the demo (what `make test` does)"
            ) from exc
        origin = _origin(module)
        if origin is not None and not _inside(origin, self.path):
            raise DemoConfigError(
                f"demo {self.name}: {module_name!r} was imported from {origin}, not from {self.path}; "
                "another demo or package uses that name"
            )
        obj: Any = module
        for part in attr.split(".") if attr else ():
            try:
                obj = getattr(obj, part)
            except AttributeError:
                raise DemoConfigError(f"demo {self.name}: {module_name} has no {attr!r} ({target})") from None
        return obj

    def model_modules(self) -> list[ModuleType]:
        """The demo's model modules, imported."""
        return [self.import_(name) for name in self.models]


def _origin(module: ModuleType) -> Path | None:
    file = getattr(module, "__file__", None)
    if file:
        return Path(file).resolve()
    paths = list(getattr(module, "__path__", []) or [])  # namespace package
    return Path(paths[0]).resolve() if paths else None


def _spec_origin(spec: Any) -> Path | None:
    if spec is None:
        return None
    if spec.origin and spec.origin not in ("built-in", "frozen", "namespace"):
        return Path(spec.origin).resolve()
    locations = list(spec.submodule_search_locations or [])
    return Path(locations[0]).resolve() if locations else Path("<built-in>")


def _inside(path: Path, folder: Path) -> bool:
    return path.is_relative_to(folder.resolve())


def _string(where: str, table: dict[str, Any], key: str, pattern: re.Pattern[str], what: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise DemoConfigError(f"{where}: {key} must be {what}, not {value!r}")
    return value


def load(path: Path) -> Demo:
    """The demo in directory ``path`` (its ``pyproject.toml`` must hold the table)."""
    path = Path(path).resolve()
    where = f"{path / 'pyproject.toml'} [{TABLE}]"
    try:
        data = tomllib.loads((path / "pyproject.toml").read_text(encoding="utf-8"))
    except OSError as exc:
        raise DemoConfigError(f"{path / 'pyproject.toml'}: cannot read it ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise DemoConfigError(f"{path / 'pyproject.toml'}: not valid TOML ({exc})") from None
    table = data.get("tool", {}).get("coodie-demo")
    if not isinstance(table, dict):
        raise DemoConfigError(f"{path / 'pyproject.toml'}: no [{TABLE}] table (see demokit.registry)")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise DemoConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(_KEYS))})"
        )
    kind = table.get("kind")
    if kind not in KINDS:
        raise DemoConfigError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    keyspace = _string(
        where, table, "keyspace", _KEYSPACE_RE, "a lowercase CQL name of at most 48 characters"
    )
    target = "an import path like 'package.module:function'"
    seed = _string(where, table, "seed", _TARGET_RE, target)
    app = None
    if kind != "cli" or "app" in table:
        app = _string(where, table, "app", _TARGET_RE, target)
    models = table.get("models")
    if isinstance(models, str):
        models = [models]
    if (
        not isinstance(models, list)
        or not models
        or not all(isinstance(m, str) and _MODULE_RE.fullmatch(m) for m in models)
    ):
        raise DemoConfigError(f"{where}: models must be a module name or a list of them, not {models!r}")
    description = str(data.get("project", {}).get("description", ""))
    return Demo(path.name, path, kind, keyspace, seed, tuple(models), app, description)


def discover(root: Path | str | None = None) -> list[Demo]:
    """Every demo under ``root`` (default: the repository's ``demos/``), sorted by name.

    A subdirectory with a ``pyproject.toml`` is a demo and must declare the table;
    other subdirectories (and hidden or ``_``-prefixed ones) are ignored.
    """
    root = Path(root) if root is not None else DEMOS_DIR
    if not root.is_dir():
        return []
    demos = [
        load(child)
        for child in sorted(root.iterdir())
        if child.is_dir() and child.name[0] not in "._" and (child / "pyproject.toml").is_file()
    ]
    owners: dict[str, str] = {}
    for demo in demos:
        for module in sorted(demo.top_level_modules):
            if module in owners:
                raise DemoConfigError(
                    f"demos {owners[module]} and {demo.name} both name a top-level module {module!r}; "
                    "put each demo's code in a package of its own"
                )
            owners[module] = demo.name
    return demos


def find(name: str, root: Path | str | None = None) -> Demo:
    """The demo called ``name`` (a clear error listing the known ones otherwise)."""
    demos = discover(root)
    for demo in demos:
        if demo.name == name:
            return demo
    known = ", ".join(d.name for d in demos) or "none"
    raise DemoConfigError(f"no demo called {name!r} under {root or DEMOS_DIR} (known: {known})")


@functools.cache
def demo_at(where: Path | str) -> Demo:
    """The demo that ``where`` (a demo folder, or any file inside one, such as a module's
    ``__file__``) belongs to: the nearest folder above it with a ``[tool.coodie-demo]`` table."""
    start = Path(where).resolve()
    for folder in [start, *start.parents] if start.is_dir() else start.parents:
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "[tool.coodie-demo]" in pyproject.read_text(encoding="utf-8"):
            return load(folder)
    raise DemoConfigError(
        f"{where} is not inside a demo folder (no pyproject.toml with a [{TABLE}] table above it); "
        "install the demo from its folder (pip install -e demos/<name>)"
    )


def keyspace_for(where: Path | str) -> str:
    """The keyspace a demo's entry points use: ``$SCYLLA_KEYSPACE`` when set, else the one
    its ``[tool.coodie-demo]`` table declares (``where`` as for `demo_at`)."""
    override = os.environ.get(KEYSPACE_ENV, "")
    if override:
        if not _KEYSPACE_RE.fullmatch(override):
            raise DemoConfigError(
                f"{KEYSPACE_ENV}={override!r}: a keyspace is a lowercase CQL name of at most "
                "48 characters (letters, digits, _; starting with a letter)"
            )
        return override
    return demo_at(where).keyspace
