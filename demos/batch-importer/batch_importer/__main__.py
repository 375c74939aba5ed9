"""``python -m batch_importer [--keyspace K] generate|import|count ...``."""

import os

from batch_importer.cli import create_app


def main() -> None:
    create_app(os.environ.get("BATCH_IMPORTER_KEYSPACE", "batch_importer"))()


if __name__ == "__main__":
    main()
