"""``python seed.py --count 500`` or ``--feed manifest.csv``: what `make seed` runs."""

from batch_importer.seed import cli

if __name__ == "__main__":
    cli()
