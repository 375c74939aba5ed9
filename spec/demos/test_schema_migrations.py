"""schema-migrations — "The Schema Chronicle": coodie's migration CLI end to end.

The demo's ``migrate`` command is ``coodie migrate`` itself, handed the database's port, so the
spec runs it as a user does — ``python -m schema_migrations migrate …`` in a subprocess, on the
test's backend (``SCYLLA_HOSTS``, any port) and keyspace — and reads what it did straight from
the database: ``_coodie_migrations``, ``system_schema.columns`` / ``tables`` / ``indexes`` and
the rows. Apply step by step → status → roll back step by step → re-apply; a dry run changes
nothing; bad input is one ``Error:`` line with nothing changed; the planned CQL of every
migration is snapshotted; the plain ``coodie migrate`` runs the same files on a 9042 host; the
seed brings the schema to head; the walkthrough (``make run``) keeps every dispatch.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cassandra.cluster import Cluster, Session

from demokit.registry import Demo
from spec.assertions import eventually

pytestmark = pytest.mark.demo("schema-migrations")
pytest_plugins = ["spec.coodie_cli"]  # cli_host, coodie_cli: coodie's own CLI on a 9042 host

TTL = 90 * 24 * 3600
V1 = {
    "dimension": ("partition_key", "text"),
    "seq": ("clustering", "int"),
    "author": ("regular", "text"),
    "message": ("regular", "text"),
    "word_count": ("regular", "int"),
}
PRIORITY = {"priority": ("regular", "int")}
RENAMED = {("entry_no" if k == "seq" else k): v for k, v in V1.items()}


@dataclass(frozen=True)
class Step:
    """A migration and the dispatches table once it is applied."""

    name: str
    columns: dict[str, tuple[str, str]]
    ttl: int = 0
    indexes: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return "seq" if "seq" in self.columns else "entry_no"


STEPS = [
    Step("20261201_001_create_tables", V1),
    Step("20261201_002_add_priority", V1 | PRIORITY),
    Step("20261203_001_set_dispatch_ttl", V1 | PRIORITY, TTL),
    Step("20261205_001_rename_seq_to_entry_no", RENAMED | PRIORITY, TTL),
    Step(
        "20261205_002_drop_word_count",
        {k: v for k, v in RENAMED.items() if k != "word_count"} | PRIORITY,
        TTL,
    ),
]
STEPS.append(
    Step("20261207_001_index_dispatch_authors", STEPS[-1].columns, TTL, {"dispatches_by_author": "author"})
)
NAMES = [step.name for step in STEPS]
DISPATCHES = [  # (dimension, seq, author, message)
    ("dimension-4", 1, "Bram Inkwell", "The ledger agrees with the replicas"),
    ("dimension-4", 2, "Ada Quill", "A column nobody remembers adding"),
    ("dimension-9", 1, "Ada Quill", "Rolled back before the dawn shift"),
]


@pytest.fixture
def chronicle(demo: Demo, scylla: Any, keyspace: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``chronicle(*args)``: ``python -m schema_migrations ARGS`` in the demo's folder, on the
    test's database and keyspace, as ``make migrate`` runs it."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "schema_migrations", *args],
            cwd=demo.path,
            env={**os.environ, **scylla.process_env(keyspace), "COLUMNS": "120"},
            capture_output=True,
            text=True,
            timeout=180,
        )

    return run


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def migrate(chronicle: Callable[..., Any], *args: str) -> str:
    return ok(chronicle("migrate", *args))


# --------------------------------------------------------------------------- what the database says


def columns(cql: Session, keyspace: str, table: str = "dispatches") -> dict[str, tuple[str, str]]:
    rows = cql.execute(
        "SELECT column_name, kind, type FROM system_schema.columns WHERE keyspace_name = %s AND table_name = %s",
        [keyspace, table],
    )
    return {r.column_name: (r.kind, r.type) for r in rows}


def table_ttl(cql: Session, keyspace: str, table: str = "dispatches") -> int:
    row = cql.execute(
        "SELECT default_time_to_live FROM system_schema.tables WHERE keyspace_name = %s AND table_name = %s",
        [keyspace, table],
    ).one()
    return row.default_time_to_live


def indexes(cql: Session, keyspace: str) -> dict[str, str]:
    rows = cql.execute(
        "SELECT index_name, options FROM system_schema.indexes WHERE keyspace_name = %s", [keyspace]
    )
    return {r.index_name: r.options["target"] for r in rows}


def tables(cql: Session, keyspace: str) -> set[str]:
    rows = cql.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s", [keyspace])
    return {r.table_name for r in rows}


def ledger(cql: Session, keyspace: str) -> dict[str, Any]:
    """coodie's ``_coodie_migrations`` rows by name (empty while the table does not exist)."""
    if "_coodie_migrations" not in tables(cql, keyspace):
        return {}
    return {r.migration_name: r for r in cql.execute('SELECT * FROM "_coodie_migrations"')}


def dispatches(cql: Session, key: str) -> dict[tuple[str, int], dict[str, Any]]:
    """The dispatches by (dimension, key) — ``key`` is seq or entry_no, as the schema has it."""
    return {
        (r["dimension"], r[key]): r
        for r in (row._asdict() for row in cql.execute("SELECT * FROM dispatches"))
    }


def core(cql: Session, key: str) -> set[tuple[Any, ...]]:
    """What every step must keep: each dispatch's dimension, number, author and message."""
    return {(d, n, r["author"], r["message"]) for (d, n), r in dispatches(cql, key).items()}


def state(cql: Session, keyspace: str) -> dict[str, Any]:
    """Everything a migrate command may change: the schema, the ledger and every row."""
    found = tables(cql, keyspace)
    return {
        "tables": found,
        "columns": {t: columns(cql, keyspace, t) for t in found},
        "ttl": {t: table_ttl(cql, keyspace, t) for t in found},
        "indexes": indexes(cql, keyspace),
        "ledger": {n: (r.description, r.checksum) for n, r in ledger(cql, keyspace).items()},
        "rows": {
            t: sorted(map(tuple, cql.execute(f'SELECT * FROM "{t}"'))) for t in found - {"_coodie_migrations"}
        },
    }


def assert_at(cql: Session, keyspace: str, step: Step) -> None:
    """The live schema is the one ``step`` leaves, and the ledger holds it and every step before."""
    assert columns(cql, keyspace) == step.columns
    assert table_ttl(cql, keyspace) == step.ttl
    assert indexes(cql, keyspace) == step.indexes
    assert columns(cql, keyspace, "archivists") == {
        "name": ("partition_key", "text"),
        "dimension": ("regular", "text"),
        "rank": ("regular", "text"),
    }
    assert sorted(ledger(cql, keyspace)) == NAMES[: NAMES.index(step.name) + 1]


def write_v1_rows(cql: Session) -> None:
    for dimension, seq, author, message in DISPATCHES:
        cql.execute(
            "INSERT INTO dispatches (dimension, seq, author, message, word_count) VALUES (%s, %s, %s, %s, %s)",
            [dimension, seq, author, message, len(message.split())],
        )
    for name in ("Ada Quill", "Bram Inkwell"):
        cql.execute(
            "INSERT INTO archivists (name, dimension, rank) VALUES (%s, 'dimension-4', 'Scribe')", [name]
        )


# --------------------------------------------------------------------------- apply → status → rollback → re-apply


def test_apply_status_rollback_and_reapply_walk_the_schema_and_keep_the_data(
    demo: Demo, chronicle: Any, cql: Session, keyspace: str
) -> None:
    first = migrate(chronicle, "--target", "20261201_001")
    assert f"Applied: {NAMES[0]}" in first and "Applied: 20261201_002" not in first
    assert_at(cql, keyspace, STEPS[0])
    record = ledger(cql, keyspace)[NAMES[0]]
    assert record.description == "create the archivists and dispatches tables"
    source = (demo.path / "migrations" / f"{NAMES[0]}.py").read_bytes()
    assert record.checksum == hashlib.sha256(source).hexdigest()
    write_v1_rows(cql)
    kept = core(cql, "seq")

    for step in STEPS[1:]:  # forward, one --target at a time
        out = migrate(chronicle, "--target", step.name)
        assert f"Applied: {step.name}" in out and out.count("Applied:") == 1
        assert_at(cql, keyspace, step)
        assert core(cql, step.key) == kept
    rows = dispatches(cql, "entry_no")
    assert {r["priority"] for r in rows.values()} == {3}  # 002 backfilled the rows it found
    assert "word_count" not in next(iter(rows.values()))
    by_author = eventually(
        lambda: cql.execute("SELECT dimension FROM dispatches WHERE author = 'Ada Quill'").all()
    )
    assert sorted(r.dimension for r in by_author) == ["dimension-4", "dimension-9"]

    status = migrate(chronicle, "--status")
    assert all(f"[x]        {name}" in status for name in NAMES)
    assert "CHECKSUM MISMATCH" not in status

    for back, step in reversed(list(enumerate(STEPS[:-1]))):  # backward, --steps 1 at a time
        out = migrate(chronicle, "--rollback", "--steps", "1")
        assert f"Rolled back: {NAMES[back + 1]}" in out and out.count("Rolled back:") == 1
        assert_at(cql, keyspace, step)
        assert core(cql, step.key) == kept
        if step.name == "20261205_001_rename_seq_to_entry_no":  # word_count came back, recomputed
            assert {r["word_count"] for r in dispatches(cql, "entry_no").values()} == {
                len(m.split()) for *_, m in DISPATCHES
            }
    status = migrate(chronicle, "--status")
    assert f"[x]        {NAMES[0]}" in status
    assert all(f"[ ]        {name}" in status for name in NAMES[1:])

    again = migrate(chronicle)  # re-apply all that is pending
    assert [
        line.removeprefix("Applied: ") for line in again.splitlines() if line.startswith("Applied:")
    ] == NAMES[1:]
    assert_at(cql, keyspace, STEPS[-1])
    assert core(cql, "entry_no") == kept
    assert {r["priority"] for r in dispatches(cql, "entry_no").values()} == {3}
    assert len(cql.execute("SELECT * FROM archivists").all()) == 2


def test_the_migrate_command_prints_coodies_command_and_the_new_schema(chronicle: Any, scylla: Any) -> None:
    migrate(chronicle, "--target", "20261201_001")
    out = migrate(chronicle, "--target", "20261201_002")
    assert "$ coodie migrate --hosts" in out and "--migrations-dir migrations --target 20261201_002" in out
    if scylla.contact.port != 9042:
        assert f"# port {scylla.contact.port}, handed to init_coodie" in out
    assert "+ priority" in out  # the schema drawn after the change, marked against the one before
    assert "default_time_to_live none" in out


def test_status_flags_a_migration_file_edited_after_it_was_applied(
    demo: Demo, chronicle: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(demo.path / "migrations", folder)
    migrate(chronicle, "--migrations-dir", str(folder), "--target", "20261201_002")
    with open(folder / f"{NAMES[1]}.py", "a") as edited:
        edited.write("# an afterthought\n")
    done = chronicle("migrate", "--migrations-dir", str(folder), "--status")
    assert done.returncode == 1  # coodie's own exit status, passed on
    assert f"[x]        {NAMES[1]}" in done.stdout and "[CHECKSUM MISMATCH]" in done.stdout
    assert done.stdout.count("[CHECKSUM MISMATCH]") == 1


# --------------------------------------------------------------------------- dry runs


def test_a_dry_run_changes_nothing(chronicle: Any, cql: Session, keyspace: str) -> None:
    migrate(chronicle, "--target", "20261203_001")
    write_v1_rows(cql)
    before = state(cql, keyspace)

    planned = migrate(chronicle, "--dry-run")
    assert [line for line in planned.splitlines() if line.startswith("[DRY RUN]")] == [
        f"[DRY RUN] Applied: {name}" for name in NAMES[3:]
    ]
    assert f"ALTER TABLE {keyspace}.dispatches RENAME seq TO entry_no" in planned
    assert state(cql, keyspace) == before

    undo = migrate(chronicle, "--rollback", "--steps", "2", "--dry-run")
    assert f"[DRY RUN] Rolled back: {NAMES[2]}" in undo and f"[DRY RUN] Rolled back: {NAMES[1]}" in undo
    assert f"ALTER TABLE {keyspace}.dispatches DROP priority" in undo
    assert state(cql, keyspace) == before


def test_the_planned_cql_of_every_migration(chronicle: Any, keyspace: str, snapshot: Any) -> None:
    def planned(*args: str) -> list[str]:
        out = migrate(chronicle, *args).replace(keyspace, "schema_migrations")
        return [line.strip() for line in out.splitlines() if line.startswith(("[DRY RUN]", "    "))]

    assert planned("--dry-run") == snapshot(name="upgrades")
    migrate(chronicle)
    assert planned("--rollback", "--steps", "6", "--dry-run") == snapshot(name="downgrades")


# --------------------------------------------------------------------------- bad input


BROKEN = {
    "a syntax error": ("20261209_001_broken.py", "class ForwardMigration(\n", "SyntaxError"),
    "no ForwardMigration": (
        "20261209_001_nothing.py",
        "from coodie.migrations import Migration\n\nclass Other(Migration):\n    pass\n",
        "defines no ForwardMigration(coodie.migrations.Migration) class",
    ),
    "a name coodie skips": ("20261209_add_stars.py", "", "not named YYYYMMDD_NNN_description.py"),
    "a shared prefix": (
        "20261207_001_again.py",
        "from coodie.migrations import Migration\n\nclass ForwardMigration(Migration):\n    pass\n",
        "20261207_001_again and 20261207_001_index_dispatch_authors share the prefix 20261207_001",
    ),
}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "20991231_999"], "--target 20991231_999 names no migration (known: 20261201_001, "),
        (
            ["--target", "20261201_001"],
            "--target 20261201_001: 20261201_001_create_tables is already applied",
        ),
        (["--rollback", "--steps", "0"], "--steps must be at least 1, not 0"),
        (["--rollback", "--steps", "-1"], "--steps must be at least 1, not -1"),
        (["--rollback", "--target", "20261201_001"], "--target chooses how far to apply"),
        (["--migrations-dir", "no-such-folder"], "no-such-folder: no such migrations folder"),
    ],
    ids=[
        "unknown target",
        "applied target",
        "zero steps",
        "negative steps",
        "target on rollback",
        "no folder",
    ],
)
def test_a_bad_command_is_one_line_and_changes_nothing(
    chronicle: Any, cql: Session, keyspace: str, args: list[str], message: str
) -> None:
    migrate(chronicle, "--target", "20261201_002")
    write_v1_rows(cql)
    before = state(cql, keyspace)
    done = chronicle("migrate", *args)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith("Error: ") and message in done.stderr
    assert state(cql, keyspace) == before


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_migration_file_stops_the_run_before_anything_changes(
    demo: Demo, chronicle: Any, cql: Session, keyspace: str, tmp_path: Path, case: str
) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(demo.path / "migrations", folder)
    name, text, message = BROKEN[case]
    (folder / name).write_text(text)
    migrate(chronicle, "--target", "20261201_002")
    before = state(cql, keyspace)
    # coodie alone would apply 20261203_001 … 20261207_001 and only then trip on the new file
    done = chronicle("migrate", "--migrations-dir", str(folder))
    assert done.returncode == 1, done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("Error: ")
    assert message in done.stderr
    assert state(cql, keyspace) == before


def test_a_migration_without_a_downgrade_is_not_rolled_back(
    demo: Demo, chronicle: Any, cql: Session, keyspace: str, tmp_path: Path
) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(demo.path / "migrations", folder)
    (folder / "20261209_001_one_way.py").write_text(
        "from coodie.migrations import Migration\n\n\n"
        "class ForwardMigration(Migration):\n"
        "    async def upgrade(self, ctx):\n"
        "        pass\n"
    )
    migrate(chronicle, "--migrations-dir", str(folder))
    before = state(cql, keyspace)
    done = chronicle("migrate", "--migrations-dir", str(folder), "--rollback", "--steps", "3")
    assert done.returncode == 1
    assert done.stderr.strip() == "Error: 20261209_001_one_way cannot be rolled back: it has no downgrade()"
    assert state(cql, keyspace) == before


def test_a_migration_failing_half_way_is_one_line_naming_what_was_applied(
    demo: Demo, chronicle: Any, cql: Session, keyspace: str, tmp_path: Path
) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(demo.path / "migrations", folder)
    (folder / "20261209_001_add_priority_again.py").write_text(
        "from coodie.migrations import Migration\n"
        "from schema_migrations.migration_helpers import keyspace\n\n\n"
        "class ForwardMigration(Migration):\n"
        "    async def upgrade(self, ctx):\n"
        "        await ctx.execute(f'ALTER TABLE {keyspace()}.dispatches ADD priority int')\n\n"
        "    async def downgrade(self, ctx):\n"
        "        pass\n"
    )
    migrate(chronicle, "--target", "20261205_002")
    done = chronicle("migrate", "--migrations-dir", str(folder))
    assert done.returncode == 1, done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("Error: coodie migrate failed: InvalidRequest: ")
    assert line.endswith("(before it failed, coodie applied 20261207_001_index_dispatch_authors)")
    assert sorted(ledger(cql, keyspace)) == NAMES  # the index is in; the failed file is not recorded


# --------------------------------------------------------------------------- coodie's own CLI, on 9042


def test_coodies_own_cli_runs_the_demos_migrations_on_a_9042_host(
    demo: Demo, cli_host: str, coodie_cli: Callable[..., str], keyspace: str
) -> None:
    """What the README says: with the database on 9042, plain ``coodie migrate`` in the demo's
    folder (its default ``--migrations-dir migrations``) runs these files."""
    cluster = Cluster([cli_host], port=9042, connect_timeout=10)
    try:
        session = cluster.connect()
        session.execute(
            f"CREATE KEYSPACE IF NOT EXISTS {keyspace} "
            "WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        where = ["--hosts", cli_host, "--keyspace", keyspace]
        applied = coodie_cli(demo.path, "migrate", *where)
        assert [line for line in applied.splitlines() if line.startswith("Applied:")] == [
            f"Applied: {name}" for name in NAMES
        ]
        assert all(
            f"[x]        {name}" in coodie_cli(demo.path, "migrate", *where, "--status") for name in NAMES
        )
        back = coodie_cli(demo.path, "migrate", *where, "--rollback", "--steps", "5")
        assert back.count("Rolled back:") == 5
        assert columns(session, keyspace) == V1
    finally:
        cluster.connect().execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
        cluster.shutdown()


# --------------------------------------------------------------------------- seed, show, walkthrough


def test_the_seed_brings_the_schema_to_head_and_writes_through_the_models(
    demo: Demo, seed: Any, cql: Session, keyspace: str, coodie_sync: Any
) -> None:
    assert seed(12) == 12
    assert sorted(ledger(cql, keyspace)) == NAMES
    assert_at(cql, keyspace, STEPS[-1])
    rows = dispatches(cql, "entry_no")
    assert len(rows) == 12 and {r["priority"] for r in rows.values()} == {1, 2, 3, 4}
    assert len(cql.execute("SELECT * FROM archivists").all()) == 5
    drift = demo.import_("schema_migrations.schema_view:model_drift")
    assert drift(coodie_sync, keyspace) == []  # coodie's schema diff: the head is the models
    assert seed(3) == 3  # a second seed finds nothing pending
    assert sorted(ledger(cql, keyspace)) == NAMES


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_the_seed_loads_a_feed(seed: Any, cql: Session, tmp_path: Path, suffix: str) -> None:
    records = [
        {
            "dimension": "dimension-3",
            "entry_no": 1,
            "author": "Nia Margin",
            "message": "First light",
            "priority": 5,
        },
        {"dimension": "dimension-3", "entry_no": 2, "author": "Ada Quill", "message": "Second light"},
    ]
    path = tmp_path / f"feed{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(records))
    else:
        path.write_text(
            "dimension,entry_no,author,message,priority\n"
            "dimension-3,1,Nia Margin,First light,5\ndimension-3,2,Ada Quill,Second light,\n"
        )
    assert seed(feed=path) == 2
    rows = dispatches(cql, "entry_no")
    assert {k: (r["author"], r["priority"]) for k, r in rows.items()} == {
        ("dimension-3", 1): ("Nia Margin", 5),
        ("dimension-3", 2): ("Ada Quill", 3),
    }
    ranks = {r.name: r.rank for r in cql.execute("SELECT name, rank FROM archivists")}
    assert ranks == {"Nia Margin": "Correspondent", "Ada Quill": "Keeper of the Ledger"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "dimension,entry_no,author,message\nDimension 3,1,Ada,Hi\n",
            "record 1: dimension: String should match",
        ),
        (
            "dimension,entry_no,author,message\ndimension-3,zero,Ada,Hi\n",
            "record 1: entry_no: Input should be",
        ),
        (
            "dimension,entry_no,author,message\ndimension-3,1,Ada,Hi\ndimension-3,1,Bo,Yo\n",
            "already record 1",
        ),
        ("dimension,entry_no,author,message,mood\ndimension-3,1,Ada,Hi,glad\n", "unknown field(s) mood"),
        ("dimension,entry_no,author\ndimension-3,1,Ada\n", "record 1 lacks message"),
    ],
    ids=["bad dimension", "bad number", "duplicate", "unknown field", "missing field"],
)
def test_a_bad_feed_is_one_line_and_writes_nothing(
    seed: Any, cql: Session, keyspace: str, tmp_path: Path, text: str, message: str
) -> None:
    from demokit.seed import FeedError

    path = tmp_path / "feed.csv"
    path.write_text(text)
    with pytest.raises(FeedError, match=r"^feed ") as failure:
        seed(feed=path)
    assert message in failure.value.message and "\n" not in failure.value.message
    assert tables(cql, keyspace) == set()  # refused before a migration ran


def test_show_prints_the_ledger_the_schema_and_the_data(seed: Any, app_client: Any) -> None:
    seed(5)
    shown = app_client(["show"])
    assert shown.exit_code == 0, shown.output
    assert "_coodie_migrations" in shown.output and "20261207_001_index_dispatch_authors" in shown.output
    assert "default_time_to_live 90 d" in shown.output and "dispatches_by_author (author)" in shown.output
    assert "5 rows in dispatches" in shown.output and "Ada Quill" in shown.output


def test_the_walkthrough_rewinds_and_replays_history_keeping_every_dispatch(
    seed: Any, chronicle: Any, cql: Session, keyspace: str
) -> None:
    seed(12)
    kept = core(cql, "entry_no")
    out = ok(chronicle("walkthrough"))
    rewound = [
        line.split("Rolled back: ")[1].split()[0] for line in out.splitlines() if "Rolled back: " in line
    ]
    assert rewound == NAMES[:0:-1]  # the last first, down to (not including) the first
    assert all(f"Replay {name}" in out for name in NAMES[1:])
    assert "[DRY RUN] Applied: 20261201_002_add_priority" in out
    assert "the live schema is the models'" in out
    assert "12 dispatches before the rewind, all 12 after the replay" in out
    assert_at(cql, keyspace, STEPS[-1])
    assert core(cql, "entry_no") == kept
