"""``manage.py seed_board --count 50`` (or ``--feed tasks.csv``): the seed, as a Django command."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from demokit.database import connect


class Command(BaseCommand):
    help = "Seed the board with generated tasks (or a CSV/JSON feed) — JIRA-TRON does the assigning."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=50)
        parser.add_argument("--feed", default=None, help="a .csv or .json file of tasks")
        parser.add_argument("--keyspace", default=None, help="default: settings.COODIE_KEYSPACE")

    def handle(self, *args: Any, **options: Any) -> None:
        import click
        from django.conf import settings

        from demokit.seed import read_feed
        from django_taskboard.seed import seed

        keyspace = options["keyspace"] or settings.COODIE_KEYSPACE
        try:
            if options["feed"]:
                read_feed(options["feed"])  # fail fast, before the database is touched
            connect(keyspace)
            written = seed(count=options["count"], feed=options["feed"], progress=True)
        except click.ClickException as exc:
            raise CommandError(exc.format_message()) from None
        self.stdout.write(self.style.SUCCESS(f"✔ {written} tasks written to keyspace {keyspace}"))
