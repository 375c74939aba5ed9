"""``python seed.py --count 24`` or ``--feed products.csv``: what `make seed` runs."""

from materialized_views.seed import cli

if __name__ == "__main__":
    cli()
