"""``python seed.py --count 50`` or ``--feed products.csv``: what `make seed` runs."""

from fastapi_catalog.seed import cli

if __name__ == "__main__":
    cli()
