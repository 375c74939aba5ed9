"""``python seed.py --count 2000`` or ``--feed products.csv``: what `make seed` runs."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from vector_search.seed import cli

if __name__ == "__main__":
    cli()
