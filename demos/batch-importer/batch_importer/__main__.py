"""``python -m batch_importer generate|import|count ...`` (``$SCYLLA_KEYSPACE`` picks the keyspace)."""

from batch_importer.cli import create_app


def main() -> None:
    create_app()()


if __name__ == "__main__":
    main()
