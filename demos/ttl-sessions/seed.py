"""``python seed.py --count 40`` or ``--feed memories.csv``: what `make seed` runs."""

from ttl_sessions.seed import cli

if __name__ == "__main__":
    cli()
