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
from demokit.seed import FeedError, seed_cli


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
        if not 1 <= count <= MAX_ROWS:
            raise FeedError(f"--count must be between 1 and {MAX_ROWS:,}, not {count}")
        manifest = Manifest([], [])
        seen: dict[tuple[str, int], int] = {}
        for line, record in enumerate(generate_records(count), start=2):
            manifest_row(manifest, seen, line, record)
    CargoItem.sync_table()
    console = Console(highlight=False) if progress else None
    report = import_rows([doc for _, doc in manifest.rows], logged=False, console=console)
    if console is not None:
        render_report(report, console)
    return report.rows


cli = seed_cli(seed, default_count=500, what="cargo rows")

if __name__ == "__main__":
    cli()
