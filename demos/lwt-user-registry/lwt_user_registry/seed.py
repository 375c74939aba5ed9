"""Seed the Identity Wars: IF-NOT-EXISTS registers heroes while Doppel-9 tries to clone each one.

``seed(count=N)`` generates N heroes; ``seed(feed=path)`` loads a CSV/JSON feed (``username``,
``display_name``, ``email``, optional ``bio``), every record validated like the web form (a bad one
is a one-line error before anything is written). Each hero is registered with
``INSERT … IF NOT EXISTS``, then a clone with the same username is tried the same way — and
refused by the database. The return value is how many identities were written; a username that
already exists (a re-run, or a duplicate in the feed) is refused, not overwritten.
"""

from __future__ import annotations

import random
import threading

import click

from demokit.seed import FeedError, read_feed, seed_cli, write_all
from lwt_user_registry import registry
from lwt_user_registry.registry import Invalid, Outcome, Registration

GOLD, RED = "#eab308", "#dc2626"
MAX_HEROES = 100_000

CODENAMES = [
    "nova",
    "onyx",
    "vesper",
    "cipher",
    "quill",
    "raven",
    "atlas",
    "ember",
    "lynx",
    "sable",
    "echo",
    "orion",
    "wraith",
    "zephyr",
    "juno",
    "kestrel",
    "mirage",
    "nyx",
    "talon",
    "vega",
]
SURNAMES = [
    "blackwood",
    "okafor",
    "ivanova",
    "tanaka",
    "moreau",
    "silva",
    "kowalski",
    "haddad",
    "lindqvist",
    "achebe",
    "novak",
    "ferreira",
    "nakamura",
    "obi",
    "quinn",
    "reyes",
]
BIOS = [
    "Exists exactly once per universe.",
    "Field agent of the Coodie Corps.",
    "Survived three Doppel-9 cloning waves.",
    "Trusts nothing without an [applied] column.",
    "",
]


def generate(count: int, rng: random.Random) -> list[Registration]:
    heroes = []
    for n in range(count):
        first, last = rng.choice(CODENAMES), rng.choice(SURNAMES)
        username = f"{first}_{last[:8]}_{rng.randrange(16**4):04x}{n % 100:02d}"[:24]
        heroes.append(
            Registration(
                username=username,
                display_name=f"Agent {first.title()} {last.title()}",
                email=f"{username}@coodie.corps",
                bio=rng.choice(BIOS),
            )
        )
    return heroes


def feed_heroes(path: str) -> list[Registration]:
    out = []
    for number, row in enumerate(read_feed(path, ["username", "display_name", "email"]), start=1):
        data = {k: ("" if v is None else str(v)) for k, v in row.items() if k in Registration.model_fields}
        try:
            out.append(registry.parse(Registration, data))
        except Invalid as exc:
            raise FeedError(f"feed {path}: record {number}: {exc}") from None
    return out


def seed(count: int = 60, feed: str | None = None, progress: bool = False, *, workers: int = 16) -> int:
    """Register ``count`` generated heroes (or the feed's) and let Doppel-9 try to clone each."""
    from lwt_user_registry.models import BattleStats, Identity

    if feed is not None:
        heroes = feed_heroes(feed)
    else:
        if not 1 <= count <= MAX_HEROES:
            raise click.ClickException(f"--count must be between 1 and {MAX_HEROES:,}, not {count}")
        heroes = generate(count, random.Random())
    Identity.sync_table()
    BattleStats.sync_table()
    ui = _Ui(len(heroes)) if progress else None
    lock = threading.Lock()
    won = [0]

    def battle(hero: Registration) -> None:
        try:
            registry.register(hero)
            with lock:
                won[0] += 1
            if ui is not None:
                ui.registered(hero, True)
        except Outcome:
            if ui is not None:
                ui.registered(hero, False)
        clone = hero.model_copy(update={"display_name": f"Doppel-9 clone of {hero.display_name}"[:60]})
        try:
            registry.register(clone)
            refused = False
        except Outcome:
            refused = True
        if ui is not None:
            ui.cloned(hero, refused)

    try:
        write_all(heroes, save=battle, workers=workers)
    finally:
        if ui is not None:
            ui.stop()
    if ui is not None:
        ui.banner(won[0], len(heroes))
    return won[0]


class _Ui:
    """Two bars racing: gold IF-NOT-EXISTS registering heroes, red DOPPEL-9 cloning them."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

        self.console = Console()
        self.console.print(
            f"[bold {GOLD}]🛡️ IF-NOT-EXISTS[/] [dim]guards the registry of Dimension-6 — "
            f"[bold {RED}]😈 DOPPEL-9[/] is cloning identities…[/]"
        )
        self.progress = Progress(
            SpinnerColumn("dots12", style=GOLD),
            TextColumn("{task.description}"),
            BarColumn(bar_width=28, style="grey23", complete_style=GOLD, finished_style=GOLD),
            MofNCompleteColumn(),
            console=self.console,
        )
        self.progress.start()
        self.lock = threading.Lock()
        self.heroes = self.progress.add_task(f"[bold {GOLD}][🛡️ IF-NOT-EXISTS][/] registering", total=total)
        self.clones = self.progress.add_task(f"[bold {RED}][😈 DOPPEL-9     ][/] cloning", total=total)
        self.granted = self.refused = self.rejected = 0

    def registered(self, hero: Registration, applied: bool) -> None:
        with self.lock:
            self.granted += applied
            self.rejected += not applied
            mark = "[green]✅[/]" if applied else "[red]🚫 taken[/]"
            self.progress.update(
                self.heroes,
                advance=1,
                description=f"[bold {GOLD}][🛡️ IF-NOT-EXISTS][/] Registering hero #{self.granted + self.rejected}: "
                f"@{hero.username} {mark}",
            )

    def cloned(self, hero: Registration, refused: bool) -> None:
        with self.lock:
            self.refused += refused
            outcome = "[green]repelled[/]" if refused else "[bold red]GOT THROUGH[/]"
            self.progress.update(
                self.clones,
                advance=1,
                description=f"[bold {RED}][😈 DOPPEL-9     ][/] Cloning @{hero.username}… {outcome}",
            )

    def stop(self) -> None:
        self.progress.stop()

    def banner(self, written: int, total: int) -> None:
        from rich.panel import Panel

        self.console.print(
            Panel(
                f"[{GOLD}]🛡️ {written:,} identities registered[/]   "
                f"[{RED}]😈 {self.refused:,} clones repelled by IF NOT EXISTS[/]"
                + (
                    f"\n[dim]{total - written:,} usernames were already taken: refused, not overwritten[/]"
                    if total - written
                    else ""
                ),
                title=f"[bold {GOLD}]Identity Battles Won[/]",
                border_style=GOLD,
                expand=False,
            )
        )


cli = seed_cli(seed, default_count=60, what="heroes")

if __name__ == "__main__":
    cli()
