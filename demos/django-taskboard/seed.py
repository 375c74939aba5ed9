"""``python seed.py --count 50`` or ``--feed tasks.csv``: what `make seed` runs."""

from django_taskboard.seed import cli

if __name__ == "__main__":
    cli()
