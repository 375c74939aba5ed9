"""``python -m schema_migrations migrate|show|walkthrough ...`` (``$SCYLLA_KEYSPACE`` picks the keyspace)."""

from schema_migrations.cli import create_app


def main() -> None:
    create_app()()


if __name__ == "__main__":
    main()
