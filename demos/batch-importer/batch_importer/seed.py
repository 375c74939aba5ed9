"""Seed the Cargo Drop: ``seed(count=N)`` generates N crates over ten planets;
``seed(feed=path)`` loads a manifest file — strictly: any bad row is a one-line error and
nothing is written. Either way the rows go in through the importer's unlogged batches.
"""

from __future__ import annotations

from rich.console import Console

from batch_importer.importer import import_rows, render_report
from batch_importer.manifest import (
    MAX_ROWS,
    Manifest,
    ManifestError,
    generate_records,
    manifest_row,
    read_manifest,
)
from batch_importer.models import CargoItem
from demokit.seed import FeedError, check_count, seed_cli

#: What LOADMASTER says as the seed starts (the rest of its look is `importer.cargo_theme`).
OPENING = "opens the Dimensional Cargo Drop in Dimension-7 — {total:,} crates to load in unlogged batches…"


def seed(count: int = 500, feed: str | None = None, progress: bool = False) -> int:
    if feed is not None:
        try:
            manifest = read_manifest(feed)
        except ManifestError as exc:
            raise FeedError(exc.message) from None
        if manifest.rejects:
            first = manifest.rejects[0]
            more = f" (and {len(manifest.rejects) - 1} more bad rows)" if len(manifest.rejects) > 1 else ""
            raise FeedError(f"feed {feed}: line {first.line}: {first.reason}{more}")
    else:
        check_count(count, MAX_ROWS)
        manifest = Manifest([], [])
        seen: dict[tuple[str, int], int] = {}
        for line, record in enumerate(generate_records(count), start=2):
            manifest_row(manifest, seen, line, record)
    CargoItem.sync_table()
    console = Console(highlight=False) if progress else None
    docs = [doc for _, doc in manifest.rows]
    report = import_rows(docs, logged=False, console=console, opening=OPENING)
    if console is not None:
        render_report(report, console)
    return report.rows


cli = seed_cli(seed, default_count=500, what="cargo rows", max_count=MAX_ROWS)

if __name__ == "__main__":
    cli()
