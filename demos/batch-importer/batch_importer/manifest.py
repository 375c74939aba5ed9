"""Reading a manifest: CSV (header row) or JSON (a list of objects), each row with the line
it starts on, validated into `CargoItem` documents or rejected with the reason.

A file that cannot be used at all (missing, wrong extension, malformed JSON, no rows, a
header without the required columns) is a `ManifestError`: one line, nothing written.
A bad *row* is a `Reject` (line number + reason); the good rows are still imported.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from batch_importer.models import COLUMNS, CargoItem
from demokit.bodies import ONE_LINE

MAX_ROWS = 1_000_000
#: what a pattern means, said in words (pydantic quotes the regex itself)
PATTERNS = {"planet": "use lowercase letters, digits and dashes, like kepler-442b"}


class ManifestError(click.ClickException):
    """A manifest file that cannot be imported; click prints it as one ``Error: ...`` line."""


@dataclass(frozen=True)
class Reject:
    line: int
    reason: str


@dataclass
class Manifest:
    """The valid rows (with their line numbers) and the rejects of one file."""

    rows: list[tuple[int, CargoItem]]
    rejects: list[Reject]

    @property
    def total(self) -> int:
        return len(self.rows) + len(self.rejects)


def _csv_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        _check_columns(path, header)
        line = reader.line_num + 1
        for record in reader:
            yield line, record
            line = reader.line_num + 1


def _json_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"manifest {path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, list):
        raise ManifestError(f"manifest {path}: expected a JSON list of objects")
    # walk the array again to learn the line each element starts on
    decoder, pos = json.JSONDecoder(), text.index("[") + 1
    for _ in data:
        while text[pos] in " \t\r\n,":
            pos += 1
        record, end = decoder.raw_decode(text, pos)
        yield text.count("\n", 0, pos) + 1, record
        pos = end


def _check_columns(path: Path, header: list[str]) -> None:
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ManifestError(f"manifest {path}: header lacks column(s) {', '.join(missing)}")
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise ManifestError(f"manifest {path}: unknown column(s) {', '.join(unknown)}")


def _reason(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "row"
    if err["type"] == "string_pattern_mismatch" and where in PATTERNS:
        return f"{where}: {PATTERNS[where]}"
    return f"{where}: {err['msg']}"


def _control_character(record: dict[str, Any]) -> str | None:
    """The first cell holding a control character (a NUL, an escape sequence…), if any."""
    for name, value in record.items():
        if isinstance(value, str) and ONE_LINE.search(value):
            return f"{name}: must not hold control characters or line breaks"
    return None


def read_manifest(path: str | Path) -> Manifest:
    """Every row of the file: valid → `CargoItem`, invalid → `Reject`; duplicates of a
    (planet, crate) key already seen are rejected too (they would silently overwrite)."""
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"manifest {path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise ManifestError(f"manifest {path}: use a .csv or .json file, not {suffix or 'no extension'}")
    records = _csv_records(path) if suffix == ".csv" else _json_records(path)
    manifest = Manifest([], [])
    seen: dict[tuple[str, int], int] = {}
    try:
        for line, record in records:
            if manifest.total >= MAX_ROWS:
                raise ManifestError(f"manifest {path}: more than {MAX_ROWS:,} rows")
            manifest_row(manifest, seen, line, record)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ManifestError(f"manifest {path}: cannot read it ({exc})") from None
    if not manifest.total:
        raise ManifestError(f"manifest {path}: no rows")
    return manifest


def manifest_row(manifest: Manifest, seen: dict[tuple[str, int], int], line: int, record: Any) -> None:
    if not isinstance(record, dict):
        manifest.rejects.append(Reject(line, "not an object"))
        return
    if None in record:  # csv: more cells than header columns
        manifest.rejects.append(Reject(line, f"{len(record[None])} cell(s) more than the header"))
        return
    missing = [c for c in COLUMNS if record.get(c) in (None, "")]
    if missing:
        manifest.rejects.append(Reject(line, f"missing {', '.join(missing)}"))
        return
    unknown = [c for c in record if c not in COLUMNS]
    if unknown:
        manifest.rejects.append(Reject(line, f"unknown field(s) {', '.join(unknown)}"))
        return
    control = _control_character(record)
    if control:
        manifest.rejects.append(Reject(line, control))
        return
    try:
        doc = CargoItem(**record)
    except ValidationError as exc:
        manifest.rejects.append(Reject(line, _reason(exc)))
        return
    key = (doc.planet, doc.crate)
    if key in seen:
        manifest.rejects.append(
            Reject(line, f"duplicate of line {seen[key]} (planet {doc.planet}, crate {doc.crate})")
        )
        return
    seen[key] = line
    manifest.rows.append((line, doc))


# --------------------------------------------------------------------------- generating

PLANETS = (
    "kepler-442b", "proxima-b", "trappist-1e", "gliese-667cc", "teegarden-b",
    "ross-128b", "wolf-1061c", "luyten-b", "tau-ceti-e", "k2-18b",
)  # fmt: skip
ITEMS = (
    "Antimatter canister", "Cryo-sleep pod", "Hydroponic seed vault", "Quantum relay coil",
    "Plasma conduit", "Terraforming kit", "Dark-matter ballast", "Ion thruster spare",
    "Neutrino detector", "Stasis rations", "Graviton stabiliser", "Xeno-botany sample",
)  # fmt: skip


def generate_records(rows: int, *, seed: int = 7, planets: int = len(PLANETS)) -> list[dict[str, Any]]:
    """``rows`` deterministic manifest records spread round-robin over ``planets`` planets."""
    rng = random.Random(seed)
    chosen = PLANETS[: max(1, min(planets, len(PLANETS)))]
    return [
        {
            "planet": chosen[n % len(chosen)],
            "crate": n // len(chosen) + 1,
            "item": rng.choice(ITEMS),
            "quantity": rng.randint(1, 500),
            "mass_kg": round(rng.uniform(0.5, 2000.0), 2),
        }
        for n in range(rows)
    ]


def write_records(path: str | Path, records: list[dict[str, Any]]) -> None:
    """Write records as a ``.csv`` or ``.json`` manifest (by the file's extension)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        path.write_text("[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]\n", encoding="utf-8")
        return
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(records)
