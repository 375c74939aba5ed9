"""``python seed.py --count 40`` or ``--feed content.csv``: what `make seed` runs."""

from polymorphic_cms.seed import cli

if __name__ == "__main__":
    cli()
