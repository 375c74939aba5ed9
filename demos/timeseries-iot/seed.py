"""``python seed.py --count 8000`` or ``--feed readings.csv``: what `make seed` runs."""

from timeseries_iot.seed import cli

if __name__ == "__main__":
    cli()
