"""``python seed.py --count 120`` or ``--feed articles.csv``: what `make seed` runs."""

from collections_tags.seed import cli

if __name__ == "__main__":
    cli()
