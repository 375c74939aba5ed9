"""Task runner for coodie-demos: ``nox -l`` lists the sessions, ``./dev <session>`` runs one.

Every session installs what it needs into its own venv under ``.nox/``, at the versions in
``constraints.txt`` (the lock: ``./dev lock`` writes it); venvs are reused between runs and a
session skips its pip step while the pyproject.toml files, the lock and the requested
packages are unchanged (delete ``.nox/<session>`` to force it).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import nox
from nox.command import CommandFailed

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "spec" / "conformance"))
sys.path.insert(0, str(ROOT))
# helpers shared with the spec, standard library (and packaging, which nox needs) only
from coodie_sdist import COODIE_VERSION, coodie_sdist  # noqa: E402

from spec.lockfile import (  # noqa: E402
    LOCK_NAME,
    declared_requirements,
    demo_dirs,
    dep_name,
    locked_versions,
    own_packages,
    pyproject,
)

# The session venvs are plain `python -m venv` ones (uv is not assumed).  Where the
# interpreter ships without ensurepip (Debian's python3 minus python3-venv), fall back
# to virtualenv, which nox depends on and which brings its own pip.
nox.options.default_venv_backend = "venv" if importlib.util.find_spec("ensurepip") else "virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "spec"]
#: PyTorch, for the demos that embed text: the CPU build, installed before anything
#: else so that no resolver ever pulls a multi-GB CUDA build for a sentence-transformers dependency.
TORCH = "torch==2.13.0"
#: Where that build comes from when the default index serves a CUDA build (PyPI's Linux wheels):
#: ``TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu``, as PyTorch's own instructions say.
#: An extra index: its ``2.13.0+cpu`` outranks PyPI's ``2.13.0``, and torch's own dependencies
#: still come from PyPI at their locked versions (that index does not carry every release).
TORCH_INDEX_ENV = "TORCH_INDEX_URL"

#: The lock: every package any way into the project installs, at the versions the spec was green on.
LOCK = ROOT / LOCK_NAME
#: What `venv` puts in a new venv, which ``pip freeze`` leaves out too.
VENV_SEED = {"pip", "setuptools", "wheel", "distribute"}
#: What sessions install that no pyproject.toml declares (the conformance drivers, the locker).
LOCK_ALSO = ["acsylla", "cassandra-driver", "scylladb-rs-driver", "uv", TORCH]

#: coodie's integration test files run by default: the current milestone.
CONFORMANCE_FILES = [
    "test_basic",
    "test_identifiers",
    "test_keyspace",
    "test_raw_cql",
    "test_update",
    "test_extended",
    "test_udt",
    "test_advanced_query",
    "test_pagination",
    "test_dml_extras",
    "test_execution_profiles",
    "test_encryption",
]
#: pytest options whose value is the next argument (so that value is not a file selection).
_VALUE_OPTIONS = {
    "-k",
    "-m",
    "-o",
    "-p",
    "-n",
    "-W",
    "--driver-type",
    "--maxfail",
    "--deselect",
    "--tb",
    "--durations",
    "--basetemp",
    "--rootdir",
    "--dist",
}


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _install(session: nox.Session, *pip_calls: list[str], locked: bool = True) -> None:
    """Run ``pip install`` once per argument list, through the lock unless ``locked`` is false;
    skipped when nothing changed since the last run."""
    venv_dir = getattr(getattr(session, "virtualenv", None), "location", None)
    manifests = [ROOT / "pyproject.toml", *(d / "pyproject.toml" for d in demo_dirs(ROOT))]
    if locked and LOCK.is_file():
        manifests.append(LOCK)
    key = hashlib.sha256(b"".join(p.read_bytes() for p in manifests) + repr(pip_calls).encode()).hexdigest()
    stamp = Path(venv_dir) / ".coodie-demos-installed" if venv_dir and locked else None
    if stamp is not None and stamp.is_file() and stamp.read_text() == key:
        session.log("dependencies up to date (delete this session's venv under .nox/ to force a reinstall)")
        return
    for args in pip_calls:
        if locked:
            session.install(*_locked(args), env=_lock_env())
        else:
            session.install("--upgrade", "--upgrade-strategy", "eager", *args)
    if locked:
        _check_lock(session, strict=True)
    if stamp is not None:
        stamp.write_text(key)


def _locked(args: list[str]) -> list[str]:
    """``args`` for ``pip install`` through the lock (as it is before the first ``./dev lock``)."""
    return ["-c", str(LOCK), *args] if LOCK.is_file() else args


def _lock_env() -> dict[str, str]:
    """PIP_CONSTRAINT: the lock reaches the isolated environments pip builds packages in too
    (hatchling, setuptools), which ``-c`` does not."""
    return {"PIP_CONSTRAINT": str(LOCK)} if LOCK.is_file() else {}


def _lock_differences(session: nox.Session, python: str = "python") -> list[str]:
    """What this session's venv holds that the lock does not say (our own packages aside)."""
    listed = session.run(python, "-m", "pip", "list", "--format=json", silent=True, log=False, external=True)
    installed = {dep_name(d["name"]): d["version"] for d in json.loads(str(listed))}
    pins = locked_versions(LOCK.read_text())
    ours = own_packages(ROOT)
    return [
        f"{name} {version} (lock: {pins.get(name, 'not in it')})"
        for name, version in sorted(installed.items())
        if name not in VENV_SEED and name not in ours and pins.get(name) != version.split("+")[0]
    ]


def _check_lock(session: nox.Session, *, strict: bool, python: str = "python") -> None:
    """Say whether the venv holds exactly the locked versions; with ``strict``, fail if not."""
    if not LOCK.is_file():
        session.warn(f"no {LOCK.name} yet: installed the newest releases (./dev lock writes it)")
        return
    differences = _lock_differences(session, python)
    if not differences:
        session.log(f"installed exactly the versions in {LOCK.name}")
        return
    message = (
        f"installed versions differ from {LOCK.name}: {', '.join(differences)}. "
        "A dependency missing from the lock: run ./dev lock; leftovers of an older install: "
        "delete this session's venv under .nox/."
    )
    if strict:
        session.error(message)
    session.warn(message)


def _project_pip_calls(demos: list[Path], *, tests: bool = True) -> list[list[str]]:
    """``pip install`` argument lists for the project (with its test extras if ``tests``) and
    ``demos``, in order: torch's CPU build first when a demo needs it; then the demos, each of
    which depends on the project by its path (``coodie-demos @ file://...``); then the project
    again, editable.  pip refuses an editable project and that path dependency in one call."""
    needs_torch = any(
        re.search(r"\b(torch|sentence-transformers)\b", (d / "pyproject.toml").read_text()) for d in demos
    )
    index = os.environ.get(TORCH_INDEX_ENV)
    calls = [[TORCH, *(["--extra-index-url", index] if index else [])]] if needs_torch else []
    if demos:
        calls.append([arg for d in demos for arg in ("-e", str(d.relative_to(ROOT)))])
    calls.append(["-e", ".[test]" if tests else "."])
    return calls


def _install_project(session: nox.Session) -> None:
    """The project with its test extras and every demo (each demo is a package of its own)."""
    _install(session, *_project_pip_calls(demo_dirs(ROOT)))


def _coodie_sdist(session: nox.Session) -> Path:
    """Download (once) and extract (once) coodie's sdist; return its root directory."""
    return coodie_sdist(session.cache_dir / "coodie-sdist", COODIE_VERSION)


def _split_posargs(posargs: list[str], sdist_root: Path) -> tuple[list[str], list[str]]:
    """Split posargs into (test file selections, other pytest arguments).

    A selection is ``test_basic`` (a file of ``tests/integration``), a path relative
    to the sdist root (``tests/integration/test_basic.py::TestX::test_y``) or ``all``.
    """
    files: list[str] = []
    others: list[str] = []
    integration = sdist_root / "tests" / "integration"
    previous = ""
    for arg in posargs:
        is_value = previous in _VALUE_OPTIONS
        previous = arg
        if is_value or arg.startswith("-"):
            others.append(arg)
        elif arg == "all":
            files.append("tests/integration")
        elif (integration / f"{arg.removesuffix('.py')}.py").is_file():
            files.append(f"tests/integration/{arg.removesuffix('.py')}.py")
        elif (sdist_root / arg.split("::", 1)[0]).exists():
            files.append(arg)
        else:
            others.append(arg)
    if not files:
        files = [f"tests/integration/{name}.py" for name in CONFORMANCE_FILES]
    return files, others


def _driver_type(args: list[str]) -> str | None:
    for i, arg in enumerate(args):
        if arg.startswith("--driver-type="):
            return arg.split("=", 1)[1]
        if arg == "--driver-type" and i + 1 < len(args):
            return args[i + 1]
    return None


def _run_conformance(
    session: nox.Session, sdist_root: Path, pytest_args: list[str], files: list[str]
) -> None:
    plugin_dir = str(ROOT / "spec" / "conformance")
    pythonpath = os.pathsep.join(p for p in (plugin_dir, os.environ.get("PYTHONPATH", "")) if p)
    with session.chdir(sdist_root):
        session.run(
            "python",
            "-m",
            "pytest",
            "-p",
            "coodie_fixtures",
            "-m",
            "integration",
            "-o",
            "addopts=",
            *pytest_args,
            *files,
            env={"PYTHONPATH": pythonpath},
        )


# ---------------------------------------------------------------------------
# sessions
# ---------------------------------------------------------------------------


@nox.session
def spec(session: nox.Session) -> None:
    """The executable spec, everything: ``pytest spec/ {posargs}`` (CI runs this)."""
    _install_project(session)
    session.run("pytest", "spec/", *session.posargs)


@nox.session
def demos(session: nox.Session) -> None:
    """The main job: every demo's part of the spec (``pytest spec/ -m demo {posargs}``).

    Until the first demo lands, the scripted coodie session in examples/hello_coodie.py
    stands in for them.
    """
    _install_project(session)
    if not demo_dirs(ROOT):
        session.log("no demo under demos/ yet: running examples/hello_coodie.py instead")
        session.run("python", "examples/hello_coodie.py")
        return
    session.run("pytest", "spec/", "-m", "demo", *session.posargs)


@nox.session(venv_backend="none")
def develop(session: nox.Session) -> None:
    """Install the project and demos into ./dev's .venv: ``./dev develop`` (every demo and the
    test extras), ``./dev develop -- DEMO...`` (those demos), ``-- --test DEMO...`` (and the test extras).

    What a demo's ``make`` targets run first (once, and again when a pyproject.toml changes):
    ``make run`` gets what the demo declares and nothing more, so a forgotten dependency shows.
    """
    demos = demo_dirs(ROOT)
    names = [arg for arg in session.posargs if arg != "--test"]
    unknown = sorted(set(names) - {d.name for d in demos})
    if unknown:
        session.error(f"no demo called {', '.join(unknown)} (known: {', '.join(d.name for d in demos)})")
    chosen = [d for d in demos if not names or d.name in names]
    python = Path(sys.executable)
    if python.parent.parent.resolve() != (ROOT / ".venv").resolve():
        session.error(f"run it through ./dev (it installs into {ROOT / '.venv'}, not {python})")
    for args in _project_pip_calls(chosen, tests=not names or "--test" in session.posargs):
        session.log(f"installing {' '.join(args)} into .venv")
        session.run_install(
            str(python), "-m", "pip", "install", "--quiet", *_locked(args), env=_lock_env(), external=True
        )
    _check_lock(session, strict=False, python=str(python))


@nox.session(name="demos-latest")
def demos_latest(session: nox.Session) -> None:
    """Every demo's spec on the newest releases, without the lock (the nightly run): says which
    packages differ from the lock, so a release that breaks a demo is named before users meet it.
    torch stays at its CPU build (TORCH): the newest of everything else is upgraded to."""
    _install(session, *_project_pip_calls(demo_dirs(ROOT)), locked=False)
    differences = _lock_differences(session) if LOCK.is_file() else []
    session.log(f"differ from {LOCK.name}: {', '.join(differences) or 'nothing'}")
    try:
        session.run("pytest", "spec/", "-m", "demo", *session.posargs)
    except CommandFailed:
        session.error(
            f"the demos fail on the newest releases; these differ from the lock: {', '.join(differences)}"
        )


@nox.session
def lock(session: nox.Session) -> None:
    """Write constraints.txt, the lock, from every pyproject.toml and LOCK_ALSO (universal: any OS,
    Python 3.11+).  Keeps the pins it can; ``./dev lock -- --upgrade`` takes the newest releases,
    ``-- --upgrade-package NAME`` one package's.  Review the diff, run ``./dev demos``, commit."""
    _install(session, ["uv"])
    folder = Path(session.create_tmp())
    requirements = dict.fromkeys(declared_requirements(ROOT) + LOCK_ALSO)
    (folder / "pyprojects.in").write_text("\n".join(requirements) + "\n")
    with session.chdir(folder):  # the lock's "# via" lines then name pyprojects.in, not a temporary path
        session.run(
            "uv", "pip", "compile", "pyprojects.in", "--universal", "--python-version", "3.11",
            "--custom-compile-command", "./dev lock", "--output-file", str(LOCK), *session.posargs,
            silent=True,
        )  # fmt: skip
    session.log(f"wrote {LOCK.name}: {len(locked_versions(LOCK.read_text()))} packages for this platform")


@nox.session
def scylla(session: nox.Session) -> None:
    """The spec against the real cluster named by SCYLLA_HOSTS (scylla_only tests included)."""
    if not os.environ.get("SCYLLA_HOSTS"):
        session.error("set SCYLLA_HOSTS=host[:port][,host...] to the ScyllaDB cluster to run against")
    _install_project(session)
    session.run("pytest", "spec/", "--scylla-backend=hosts", *session.posargs)


@nox.session(name="coodie-conformance")
def coodie_conformance(session: nox.Session) -> None:
    """Run coodie's OWN integration suite (from its 1.9.3 sdist) against scylla_lite.

    posargs: ``--driver-type=scylla|acsylla|python-rs``, test files (``test_basic``,
    ``tests/integration/test_udt.py::TestX``, or ``all``; default: the milestone's 12
    files) and any other pytest options.  With SCYLLA_HOSTS set, runs against that
    cluster instead.  For ``--driver-type=cassandra`` use ``coodie-conformance-cassandra``.
    """
    sdist_root = _coodie_sdist(session)
    files, others = _split_posargs(session.posargs, sdist_root)
    driver = _driver_type(others) or "scylla"
    if driver == "cassandra":
        session.error(
            "--driver-type=cassandra needs cassandra-driver: run `nox -s coodie-conformance-cassandra`"
        )
    extra = ["scylladb-rs-driver"] if driver == "python-rs" else []
    # acsylla is always installed: test_encryption's acsylla TLS tests run whatever the driver type.
    _install(session, ["-e", ".[test]", "acsylla", *extra])
    _run_conformance(session, sdist_root, others, files)


@nox.session(name="coodie-conformance-cassandra")
def coodie_conformance_cassandra(session: nox.Session) -> None:
    """coodie-conformance with --driver-type=cassandra (DataStax cassandra-driver venv).

    Its venv holds cassandra-driver instead of scylla-driver (both provide the
    ``cassandra`` package); posargs as for ``coodie-conformance``.
    """
    sdist_root = _coodie_sdist(session)
    files, others = _split_posargs(session.posargs, sdist_root)
    if _driver_type(others) is None:
        others.append("--driver-type=cassandra")
    project = pyproject(ROOT)["project"]
    deps = []
    for requirement in project["dependencies"]:
        name = dep_name(requirement)
        if name == "scylla-driver":
            continue
        if name == "coodie":  # coodie[scylla] would pull scylla-driver back in
            requirement = f"coodie=={COODIE_VERSION}"
        deps.append(requirement)
    test_deps = project["optional-dependencies"]["test"]
    _install(
        session,
        ["--no-deps", "-e", "."],
        ["cassandra-driver", "acsylla", *deps, *test_deps],
    )
    session.run(
        "python",
        "-c",
        "import importlib.metadata as m, sys\n"
        "try:\n    m.version('scylla-driver')\nexcept m.PackageNotFoundError:\n    sys.exit(0)\n"
        "sys.exit('scylla-driver is installed in this venv; cassandra would not be the DataStax driver')",
    )
    _run_conformance(session, sdist_root, others, files)


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmark (bench/run.py, or ``python -m bench``); see bench/README.md."""
    if (ROOT / "bench" / "run.py").is_file():
        command = ["python", "bench/run.py"]
    elif (ROOT / "bench" / "__main__.py").is_file():
        command = ["python", "-m", "bench"]
    else:
        session.error(
            "the benchmark is not written yet: neither bench/run.py nor bench/__main__.py exists "
            "(bench/README.md says what it will measure)"
        )
    _install(session, ["-e", "."])
    session.run(*command, *session.posargs)


@nox.session
def reliability(session: nox.Session) -> None:
    """The fuzzers' case counts (spec/engine/test_fuzz.py, each with no Server error), then
    bench/reliability.py: the longest wait of a small read while big requests run, memory
    after statement floods, restart and clean stop at 200k rows (``-- --rows N``)."""
    _install(session, ["-e", ".[test]"])
    session.run("pytest", "spec/engine/test_fuzz.py", "--run-slow", "-q", "-s", "-p", "no:cacheprovider")
    session.run("python", "bench/reliability.py", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check, mypy src, the structure rules (tools/check_structure.py),
    actionlint on the GitHub workflows."""
    # The dev extra holds the tools.  mypy follows src's imports into pytest, the framework
    # clients and testcontainers: the test extras are what src is checked against, as in the spec run.
    _install(session, ["-e", ".[test,dev]"])
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy", "src")  # warn_unused_ignores is on (pyproject.toml): a stale ignore fails
    # import cycles, private names across modules, execution/ above the engine, functions > 80 lines
    session.run("python", "tools/check_structure.py")
    session.run("actionlint", *sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.y*ml")))
