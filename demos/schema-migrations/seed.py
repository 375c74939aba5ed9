"""``python seed.py --count 12`` or ``--feed dispatches.csv``: what `make seed` runs."""

from schema_migrations.seed import cli

if __name__ == "__main__":
    cli()
