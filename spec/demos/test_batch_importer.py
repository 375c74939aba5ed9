"""batch-importer — "The Dimensional Cargo Drop": CSV/JSON manifests through coodie's BatchQuery.

The demo is a click command (kind "cli"): ``app_client(args)`` runs it in-process on the
test's keyspace. A 10,000-row generated manifest must land completely (counted per partition
with ``cql``); bad rows are named by line number and reason while the good rows are still
imported (exit status 1); a file that cannot be used is a one-line error with nothing
written; the batch type chosen by ``--logged/--unlogged`` is pinned in the recorded CQL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cassandra.cluster import Session

from demokit.registry import Demo

pytestmark = pytest.mark.demo("batch-importer")

HEADER = "planet,crate,item,quantity,mass_kg\n"


@pytest.fixture
def table(demo: Demo, coodie_sync: Any) -> Any:
    """The manifest table, synced, so "nothing written" can be counted even after an early error."""
    model = demo.import_("batch_importer.models:CargoItem")
    model.sync_table()
    return model


def _total(cql: Session) -> int:
    return cql.execute("SELECT COUNT(*) FROM cargo_manifest").one()[0]


def _per_planet(cql: Session) -> dict[str, int]:
    planets = [r.planet for r in cql.execute("SELECT DISTINCT planet FROM cargo_manifest")]
    return {
        p: cql.execute("SELECT COUNT(*) FROM cargo_manifest WHERE planet = %s", (p,)).one()[0]
        for p in planets
    }


@pytest.mark.parametrize("mode", ["--logged", "--unlogged"])
def test_a_generated_10000_row_manifest_imports_completely(
    app_client: Any, cql: Session, tmp_path: Path, mode: str
) -> None:
    path = tmp_path / "manifest.csv"
    made = app_client(["generate", "--rows", "10000", str(path)])
    assert made.exit_code == 0, made.output
    assert "wrote 10,000 rows over 10 planet(s)" in made.output
    assert path.read_text().count("\n") == 10_001

    result = app_client(["import", str(path), mode, "--batch-size", "50"])
    assert result.exit_code == 0, result.output
    assert "LOADMASTER" in result.output
    assert "rows imported" in result.output and "10,000" in result.output
    assert "200 × " + ("LOGGED" if mode == "--logged" else "UNLOGGED") in result.output  # 10 × 1000 / 50
    assert "rows/s" in result.output
    counts = _per_planet(cql)
    assert len(counts) == 10 and set(counts.values()) == {1000}
    assert sum(counts.values()) == 10_000

    shown = app_client(["count"])
    assert shown.exit_code == 0, shown.output
    assert "kepler-442b" in shown.output and "1,000" in shown.output and "10,000" in shown.output


def test_bad_csv_rows_are_named_by_line_and_reason_and_the_good_rows_imported(
    app_client: Any, cql: Session, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        HEADER
        + "kepler-442b,1,Cryo-sleep pod,4,120.5\n"  # line 2: fine
        + "kepler-442b,2,Plasma conduit,lots,3\n"  # line 3: quantity not an integer
        + "proxima-b,1,,2,1\n"  # line 4: item missing
        + "proxima-b,2,Stasis rations,-5,1\n"  # line 5: negative quantity
        + "Proxima B,3,Ion thruster spare,1,1\n"  # line 6: planet not a slug
        + "proxima-b,4,Ion thruster spare,1,heavy\n"  # line 7: mass not a number
        + "kepler-442b,1,Cryo-sleep pod,9,1\n"  # line 8: duplicate key of line 2
        + "proxima-b,5,Neutrino detector,1,1,extra\n"  # line 9: one cell too many
        + "proxima-b,6,"
        + "X" * 81
        + ",1,1\n"  # line 10: item too long
        + "trappist-1e,0,Quantum relay coil,1,1\n"  # line 11: crate must be >= 1
        + "trappist-1e,7,Quantum relay coil,1,nan\n"  # line 12: NaN
        + "trappist-1e,8,Terraforming kit,3,77.25\n"  # line 13: fine
    )
    result = app_client(["import", str(path), "--unlogged"])
    assert result.exit_code == 1, result.output
    expected = {
        3: "quantity: Input should be a valid integer",
        4: "missing item",
        5: "quantity: Input should be greater than or equal to 0",
        6: "planet: use lowercase letters, digits and dashes, like kepler-442b",
        7: "mass_kg: Input should be a valid number",
        8: "duplicate of line 2 (planet kepler-442b, crate 1)",
        9: "1 cell(s) more than the header",
        10: "item: String should have at most 80 characters",
        11: "crate: Input should be greater than or equal to 1",
        12: "mass_kg: Input should be a finite number",
    }
    for line, reason in expected.items():
        assert f"✖ line {line}: {reason}" in result.output, (line, result.output)
    assert result.output.count("✖ line") == len(expected)
    assert _per_planet(cql) == {"kepler-442b": 1, "trappist-1e": 1}
    row = cql.execute("SELECT item, quantity, mass_kg FROM cargo_manifest WHERE planet = 'kepler-442b'").one()
    assert (row.item, row.quantity, row.mass_kg) == ("Cryo-sleep pod", 4, 120.5)


def test_rejects_quoting_the_file_are_printed_as_written_never_as_markup(
    app_client: Any, cql: Session, tmp_path: Path
) -> None:
    """A key ``[/]`` used to crash the report with rich's MarkupError traceback, and the planet
    pattern ``^[a-z0-9-]+$`` was shown as ``'^+$'``: rich read both as markup."""
    good = {"planet": "k2-18b", "crate": 1, "item": "Antimatter canister", "quantity": 1, "mass_kg": 2.5}
    path = tmp_path / "[bold]cargo.json"
    path.write_text(
        "[\n"
        + json.dumps(good)
        + ",\n"
        + json.dumps({**good, "crate": 2, "[/]": 1})  # line 3
        + ",\n"
        + json.dumps({**good, "crate": 3, "item": "[bold]Plasma[/bold] conduit", "quantity": "[x]"})  # line 4
        + ",\n"
        + json.dumps({**good, "crate": 4, "item": "Stasis\u0000rations"})  # line 5
        + ",\n"
        + json.dumps({**good, "crate": 5, "planet": "[Proxima B]"})  # line 6
        + "\n]\n"
    )
    result = app_client(["import", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output and "MarkupError" not in result.output
    assert "[bold]cargo.json" in result.output
    assert "✖ line 3: unknown field(s) [/]" in result.output
    assert "✖ line 4: quantity: Input should be a valid integer" in result.output
    assert "✖ line 5: item: must not hold control characters" in result.output
    assert "✖ line 6: planet: use lowercase letters, digits and dashes, like kepler-442b" in result.output
    assert "'^+$'" not in result.output
    assert _per_planet(cql) == {"k2-18b": 1}


def test_bad_json_rows_are_named_by_the_line_they_start_on(
    app_client: Any, cql: Session, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.json"
    good = {"planet": "k2-18b", "crate": 1, "item": "Antimatter canister", "quantity": 1, "mass_kg": 2.5}
    path.write_text(
        "[\n"
        + json.dumps(good)
        + ",\n"
        + json.dumps({**good, "crate": 2, "quantity": "x"})  # line 3
        + ",\n"
        + '"just a string",\n'  # line 4
        + json.dumps({**good, "crate": 3, "colour": "red"})  # line 5
        + ",\n"
        + json.dumps({**good, "crate": 4})
        + "\n]\n"
    )
    result = app_client(["import", str(path)])
    assert result.exit_code == 1, result.output
    assert "✖ line 3: quantity: Input should be a valid integer" in result.output
    assert "✖ line 4: not an object" in result.output
    assert "✖ line 5: unknown field(s) colour" in result.output
    assert _per_planet(cql) == {"k2-18b": 2}


BAD_FILES = {
    "missing.csv": None,
    "manifest.txt": HEADER + "k2-18b,1,a,1,1\n",
    "no-extension": HEADER + "k2-18b,1,a,1,1\n",
    "broken.json": '[{"planet": "k2-18b",',
    "object.json": '{"planet": "k2-18b"}',
    "empty.json": "[]",
    "header-only.csv": HEADER,
    "empty.csv": "",
    "no-mass.csv": "planet,crate,item,quantity\nk2-18b,1,a,1\n",
    "extra-column.csv": "planet,crate,item,quantity,mass_kg,colour\nk2-18b,1,a,1,1,red\n",
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_an_unusable_file_is_a_one_line_error_and_nothing_is_written(
    app_client: Any, table: Any, cql: Session, tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    if BAD_FILES[name] is not None:
        path.write_text(BAD_FILES[name])
    result = app_client(["import", str(path)])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: manifest {path}: "), result.output
    assert _total(cql) == 0


@pytest.mark.parametrize(
    "args",
    [
        ["--batch-size", "0"],
        ["--batch-size", "101"],
        ["--batch-size", "ten"],
        ["--workers", "0"],
        ["--logged", "--colour"],
    ],
    ids=["batch-size-0", "batch-size-101", "batch-size-word", "workers-0", "unknown-option"],
)
def test_bad_options_are_usage_errors_and_nothing_is_written(
    app_client: Any, table: Any, cql: Session, tmp_path: Path, args: list[str]
) -> None:
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + "k2-18b,1,a,1,1\n")
    result = app_client(["import", str(path), *args])
    assert result.exit_code == 2, result.output
    assert "Error:" in result.output
    assert _total(cql) == 0


def test_generate_refuses_a_file_it_cannot_write(app_client: Any, tmp_path: Path) -> None:
    result = app_client(["generate", "--rows", "5", str(tmp_path / "manifest.xlsx")])
    assert result.exit_code == 1 and "use a .csv or .json file name" in result.output
    assert app_client(["generate", "--rows", "0", str(tmp_path / "m.csv")]).exit_code == 2


@pytest.mark.parametrize("mode", ["--logged", "--unlogged"])
def test_the_batch_type_shows_in_the_recorded_cql(
    app_client: Any, table: Any, cql_recorder: Any, snapshot: Any, tmp_path: Path, mode: str
) -> None:
    path = tmp_path / "small.csv"
    path.write_text(
        HEADER
        + "kepler-442b,1,Cryo-sleep pod,4,120.5\n"
        + "proxima-b,1,Plasma conduit,2,3\n"
        + "kepler-442b,2,Stasis rations,9,1\n"
        + "kepler-442b,3,Ion thruster spare,1,7\n"
    )
    cql_recorder.start()
    result = app_client(["import", str(path), mode, "--batch-size", "2", "--workers", "1"])
    assert result.exit_code == 0, result.output
    batches = [s for s in cql_recorder.normalised() if "BATCH" in s]
    # one partition per batch, ≤ 2 statements: kepler-442b ×2, kepler-442b ×1, proxima-b ×1
    assert [s.count("INSERT INTO") for s in batches] == [2, 1, 1]
    prefix = "BEGIN BATCH " if mode == "--logged" else "BEGIN UNLOGGED BATCH "
    assert all(s.startswith(prefix) and s.endswith("APPLY BATCH") for s in batches)
    assert cql_recorder.normalised() == snapshot


def test_the_seed_writes_unlogged_batches_and_refuses_a_bad_feed(
    seed: Any, app_client: Any, cql: Session, tmp_path: Path
) -> None:
    assert seed(30) == 30
    assert sum(_per_planet(cql).values()) == 30
    shown = app_client(["count"])
    assert shown.exit_code == 0 and "30" in shown.output and "tau-ceti-e" in shown.output

    feed = tmp_path / "feed.csv"
    feed.write_text(HEADER + "k2-18b,900,a,1,1\n" + "k2-18b,901,a,oops,1\n" + "k2-18b,902,a,1,-1\n")
    from demokit.seed import FeedError

    with pytest.raises(FeedError, match=r"line 3: quantity: .*\(and 1 more bad rows\)"):
        seed(feed=feed)
    assert "k2-18b" not in _per_planet(cql) or _per_planet(cql)["k2-18b"] == 3  # seeded ones only

    good = tmp_path / "good.json"
    good.write_text(
        json.dumps([{"planet": "ross-128b", "crate": 1, "item": "a", "quantity": 1, "mass_kg": 1}])
    )
    assert seed(feed=good) == 1


def test_the_svg_record_of_an_import_loads_nothing_from_the_web(app_client: Any, tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    path.write_text(HEADER + "kepler-442b,1,Cryo-sleep pod,4,120.5\n")
    svg = tmp_path / "import.svg"
    result = app_client(["import", str(path), "--svg", str(svg)])
    assert result.exit_code == 0, result.output
    text = svg.read_text()
    assert "LOADMASTER" in text
    assert 'url("http' not in text, "rich's web-font URLs are stripped: the record renders offline"
