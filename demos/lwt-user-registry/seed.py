"""``python seed.py --count 60`` or ``--feed heroes.csv``: what `make seed` runs."""

from lwt_user_registry.seed import cli

if __name__ == "__main__":
    cli()
