"""``python seed.py --count 24`` or ``--feed items.csv``: what `make seed` runs."""

from realtime_counters.seed import cli

if __name__ == "__main__":
    cli()
