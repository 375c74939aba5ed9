"""demokit.registry (the ``[tool.coodie-demo]`` convention) and demokit.ddl (the DDL the CQL snapshots hold)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID, uuid4

import pytest
import yaml
from click.testing import CliRunner
from coodie.fields import ClusteringKey, Counter, Discriminator, Indexed, PrimaryKey, Static
from coodie.sync.document import Document, MaterializedView
from coodie.usertype import UserType
from pydantic import Field

from demokit.__main__ import cli
from demokit.ddl import model_classes, pretty, schema_cql, schema_statements
from demokit.registry import KEYSPACE_ENV, Demo, DemoConfigError, demo_at, discover, find, keyspace_for

GOOD = {
    "kind": '"flask"',
    "keyspace": '"notes"',
    "app": '"notes_pkg.app:create_app"',
    "seed": '"notes_pkg.seed:seed"',
    "models": '["notes_pkg.models"]',
}


def write_demo(root: Path, name: str, **table: str | None) -> Path:
    """demos/<name>/pyproject.toml with GOOD's table, changed by ``table`` (None drops a key)."""
    values = {**GOOD, **table}
    lines = [f"{key} = {value}" for key, value in values.items() if value is not None]
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_text("[tool.coodie-demo]\n" + "\n".join(lines) + "\n")
    return folder


# --------------------------------------------------------------------------- the table


def test_a_demo_is_its_directory_and_its_table(tmp_path: Path) -> None:
    write_demo(tmp_path, "flask-notes", models='"notes_pkg.models"')
    (demo,) = discover(tmp_path)
    assert demo == Demo(
        name="flask-notes",
        path=tmp_path / "flask-notes",
        kind="flask",
        keyspace="notes",
        seed="notes_pkg.seed:seed",
        models=("notes_pkg.models",),
        app="notes_pkg.app:create_app",
    )
    assert demo.top_level_modules == {"notes_pkg"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": '"flsk"'}, "kind must be one of fastapi, flask, django, cli, not 'flsk'"),
        ({"keyspace": '"Notes-DB"'}, "keyspace must be a lowercase CQL name"),
        ({"keyspace": None}, "keyspace must be a lowercase CQL name of at most 48 characters, not None"),
        ({"app": '"notes_pkg.app"'}, "app must be an import path like 'package.module:function'"),
        ({"app": None}, "app must be an import path"),
        ({"seed": "42"}, "seed must be an import path like 'package.module:function', not 42"),
        ({"models": "[]"}, "models must be a module name or a list of them, not []"),
        ({"models": '"notes_pkg/models.py"'}, "models must be a module name"),
        ({"model": '"x"'}, "unknown key(s) model (known: app, keyspace, kind, models, seed)"),
    ],
)
def test_a_bad_table_is_one_clear_error_naming_the_file(
    tmp_path: Path, change: dict[str, str | None], message: str
) -> None:
    write_demo(tmp_path, "flask-notes", **change)
    with pytest.raises(DemoConfigError) as info:
        discover(tmp_path)
    text = str(info.value)
    assert message in text
    assert str(tmp_path / "flask-notes" / "pyproject.toml") in text
    assert "\n" not in text


def test_a_cli_demo_may_go_without_an_app(tmp_path: Path) -> None:
    write_demo(tmp_path, "migration-guide", kind='"cli"', app=None)
    assert discover(tmp_path)[0].app is None


def test_what_is_not_a_demo_is_ignored_and_a_pyproject_without_the_table_is_refused(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / ".cache").mkdir()
    (tmp_path / "README.md").write_text("demos")
    assert discover(tmp_path) == []
    assert discover(tmp_path / "absent") == []
    (tmp_path / "half-done").mkdir()
    (tmp_path / "half-done" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    with pytest.raises(DemoConfigError, match=r"no \[tool.coodie-demo\] table"):
        discover(tmp_path)


def test_two_demos_cannot_share_a_top_level_module(tmp_path: Path) -> None:
    write_demo(tmp_path, "a-demo", seed='"seed:seed"')
    write_demo(tmp_path, "b-demo", seed='"seed:seed"', models='"other.models"', app='"other.app:make"')
    with pytest.raises(DemoConfigError, match="demos a-demo and b-demo both name a top-level module 'seed'"):
        discover(tmp_path)


def test_find_names_the_known_demos(tmp_path: Path) -> None:
    write_demo(tmp_path, "flask-notes")
    assert find("flask-notes", tmp_path).keyspace == "notes"
    with pytest.raises(DemoConfigError, match=r"no demo called 'flask-note' .*\(known: flask-notes\)"):
        find("flask-note", tmp_path)


# --------------------------------------------------------------------------- importing a demo


def test_import_puts_the_demo_on_sys_path_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    folder = write_demo(tmp_path, "flask-notes", models='"regpkg_notes.models"', seed='"regpkg_notes:seed"')
    (folder / "regpkg_notes").mkdir()
    (folder / "regpkg_notes" / "__init__.py").write_text(
        "def seed(count=1, feed=None, progress=False):\n    return count\n"
    )
    (folder / "regpkg_notes" / "models.py").write_text("X = 1\n")
    (demo,) = discover(tmp_path)
    try:
        assert demo.import_(demo.seed)(count=3) == 3
        assert demo.import_("regpkg_notes.models").X == 1
        assert [m.__name__ for m in demo.model_modules()] == ["regpkg_notes.models"]
        assert sys.path.count(str(folder)) == 1
        with pytest.raises(DemoConfigError, match=r"regpkg_notes has no 'nope'"):
            demo.import_("regpkg_notes:nope")
    finally:
        for name in ("regpkg_notes", "regpkg_notes.models"):
            sys.modules.pop(name, None)


def test_a_demo_whose_dependencies_are_missing_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    folder = write_demo(tmp_path, "flask-notes", models='"regpkg_needy.models"', seed='"regpkg_needy:seed"')
    (folder / "regpkg_needy").mkdir()
    (folder / "regpkg_needy" / "__init__.py").write_text("import not_installed_anywhere_42\n")
    (demo,) = discover(tmp_path)
    try:
        with pytest.raises(DemoConfigError) as info:
            demo.import_(demo.seed)
    finally:
        sys.modules.pop("regpkg_needy", None)
    assert str(info.value) == (
        "demo flask-notes: importing regpkg_needy needs 'not_installed_anywhere_42', which is not "
        "installed; `./dev develop -- --test flask-notes` installs the demo (what `make test` does)"
    )


def test_a_demo_package_named_like_an_installed_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    folder = write_demo(tmp_path, "json-demo", seed='"json.seed:seed"')
    (folder / "json").mkdir()
    (demo,) = discover(tmp_path)
    with pytest.raises(DemoConfigError, match=r"demo json-demo: module 'json' is already provided by .*json"):
        demo.import_(demo.seed)
    assert str(folder) not in sys.path


# --------------------------------------------------------------------------- the keyspace


def test_every_entry_point_finds_its_keyspace_in_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEYSPACE_ENV, raising=False)
    folder = write_demo(tmp_path, "flask-notes2", keyspace='"notes2"')
    module = folder / "notes_pkg" / "app.py"
    module.parent.mkdir()
    module.write_text("")
    assert demo_at(module).name == "flask-notes2"
    assert keyspace_for(module) == keyspace_for(folder) == "notes2"


def test_scylla_keyspace_moves_every_entry_point_and_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_demo(tmp_path, "flask-notes3", keyspace='"notes3"')
    monkeypatch.setenv(KEYSPACE_ENV, "hive2")
    assert keyspace_for(folder) == "hive2"
    for bad in ("Hive", "2hive", "hive-2", "h" * 49, "hive; DROP KEYSPACE x"):
        monkeypatch.setenv(KEYSPACE_ENV, bad)
        with pytest.raises(DemoConfigError, match=KEYSPACE_ENV):
            keyspace_for(folder)


def test_a_file_outside_any_demo_has_no_keyspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEYSPACE_ENV, raising=False)
    (tmp_path / "loose.py").write_text("")
    with pytest.raises(DemoConfigError, match="not inside a demo folder"):
        keyspace_for(tmp_path / "loose.py")


def test_each_demo_declares_its_keyspace_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """No Makefile, factory default or seed call names a demo's keyspace again."""
    import re

    monkeypatch.delenv(KEYSPACE_ENV, raising=False)
    for demo in discover():
        assert keyspace_for(demo.path) == demo.keyspace
        for path in [demo.path / "Makefile", *demo.path.rglob("*.py")]:
            text = path.read_text(encoding="utf-8")
            named = rf"""(?i)keyspace[^\n]*["']{demo.keyspace}["']|:= *{demo.keyspace}\b"""
            assert not re.search(named, text), (
                f"{path} names the keyspace {demo.keyspace!r}: read it with demokit.registry.keyspace_for"
            )


def test_every_demo_is_in_the_ci_matrix_and_in_the_demos_readme() -> None:
    """A new demo gets its own CI job against ScyllaDB and its row in demos/README.md's table."""
    root = Path(__file__).resolve().parents[2]
    workflow = yaml.safe_load((root / ".github/workflows/test-demos.yml").read_text(encoding="utf-8"))
    matrix = workflow["jobs"]["demo"]["strategy"]["matrix"]["demo"]
    readme = (root / "demos/README.md").read_text(encoding="utf-8")
    names = [demo.name for demo in discover()]
    assert sorted(matrix) == sorted(names), "the demo job's matrix in .github/workflows/test-demos.yml"
    for name in names:
        assert f"| [{name}]({name}/) |" in readme, f"demos/README.md has no table row for {name}"


def test_the_cli_lists_the_demos_and_prints_a_demos_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    folder = write_demo(
        tmp_path, "cli-kv", kind='"cli"', app=None, models='"regpkg_kv"', seed='"regpkg_kv:seed"'
    )
    (folder / "regpkg_kv").mkdir()
    (folder / "regpkg_kv" / "__init__.py").write_text(
        "from typing import Annotated\n"
        "from coodie.fields import PrimaryKey\n"
        "from coodie.sync.document import Document\n\n"
        "class Pair(Document):\n"
        "    key: Annotated[str, PrimaryKey()]\n"
        "    value: str = ''\n"
    )
    try:
        listed = CliRunner().invoke(cli, ["demos", "--root", str(tmp_path)])
        assert listed.output == "cli-kv\tcli\tkeyspace notes\n"
        schema = CliRunner().invoke(cli, ["schema", "cli-kv", "--root", str(tmp_path)])
        assert schema.output.splitlines() == [
            "CREATE TABLE IF NOT EXISTS notes.pair (",
            '    "key" text,',
            '    "value" text,',
            '    PRIMARY KEY ("key")',
            ");",
        ]
    finally:
        sys.modules.pop("regpkg_kv", None)


# --------------------------------------------------------------------------- DDL


class Point(UserType):
    x: float
    y: float


class Place(UserType):
    label: str
    at: Point


class Reading(Document):
    sensor: Annotated[str, PrimaryKey()]
    day: Annotated[str, PrimaryKey(partition_key_index=1)]
    ts: Annotated[datetime, ClusteringKey(order="DESC")]
    site: Annotated[str, Static()] = ""
    value: float = 0.0
    kind: Annotated[str, Indexed()] = ""
    where: Place | None = None
    tags: set[str] = set()

    class Settings:
        name = "readings"
        __default_ttl__ = 3600


class PageHits(Document):
    page: Annotated[str, PrimaryKey()]
    hits: Annotated[int, Counter()] = 0


class ReadingsByKind(MaterializedView):
    kind: Annotated[str, PrimaryKey()]
    sensor: Annotated[str, ClusteringKey()]
    day: Annotated[str, ClusteringKey(clustering_key_index=1)]
    ts: Annotated[datetime, ClusteringKey(order="DESC", clustering_key_index=2)]
    value: float = 0.0

    class Settings:
        name = "readings_by_kind"
        __base_table__ = "readings"
        __view_columns__ = ["kind", "sensor", "day", "ts", "value"]


class Pet(Document):
    id: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
    species: Annotated[str, Discriminator()] = ""
    name: str = ""

    class Settings:
        name = "pets"


class Cat(Pet):
    lives: int = 9

    class Settings:
        __discriminator_value__ = "cat"


class Pinned(Document):
    id: Annotated[int, PrimaryKey()]

    class Settings:
        __abstract__ = True  # left out by model_classes; test_pinned_keyspace uses it
        keyspace = "production"


THIS = sys.modules[__name__]
PLAIN = [Point, Place, Reading, PageHits, ReadingsByKind]


def test_model_classes_are_the_modules_own_models_in_definition_order() -> None:
    assert model_classes([THIS]) == [*PLAIN, Pet, Cat]


def test_the_ddl_is_what_coodie_sends_to_an_empty_keyspace(
    coodie_sync: Any, cql_recorder: Any, keyspace: str
) -> None:
    for model in PLAIN:
        if issubclass(model, UserType):
            model.sync_type()
        elif issubclass(model, MaterializedView):
            model.sync_view()
        else:
            model.sync_table()
    sent = [s for s in cql_recorder.normalised() if s.startswith(("CREATE", "ALTER"))]
    assert sent == schema_statements(PLAIN, keyspace)
    assert len(sent) == 6


def test_a_polymorphic_subclass_adds_its_own_columns() -> None:
    assert schema_statements([Pet, Cat], "zoo")[1:] == ['ALTER TABLE zoo.pets ADD "lives" int']
    assert "__schema__" not in Cat.__dict__, "coodie's per-class cache is left alone"


def test_a_model_must_not_pin_its_keyspace() -> None:
    with pytest.raises(ValueError, match=r"Pinned pins Settings.keyspace = 'production'"):
        schema_statements([Pinned], "demo")


def test_the_cql_script_shows_one_column_per_line() -> None:
    script = schema_cql([Point, Reading], "demo")
    assert script.startswith('CREATE TYPE IF NOT EXISTS demo.point (\n    "x" float,\n    "y" float\n);\n')
    assert (
        '    "where" frozen<place>,\n    "tags" set<text>,\n    PRIMARY KEY (("sensor", "day"), "ts")\n)'
        in script
    )
    assert script.endswith(
        ') WITH CLUSTERING ORDER BY ("ts" DESC) AND default_time_to_live = 3600;\n'
        'CREATE INDEX IF NOT EXISTS readings_kind_idx ON demo.readings ("kind");'
    )
    assert pretty("DROP TABLE x") == "DROP TABLE x"
