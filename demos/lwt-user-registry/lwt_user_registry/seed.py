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

from demokit.progress import SeedProgress
from demokit.seed import FeedError, check_count, read_feed, seed_cli, write_all
from demokit.seed_theme import Banner, Bar, Markup, SeedTheme
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

#: Two bars racing: gold IF-NOT-EXISTS registering heroes, red DOPPEL-9 cloning them.
THEME = SeedTheme(
    persona="🛡️ IF-NOT-EXISTS",
    accent=GOLD,
    opening="guards the registry of Dimension-6 — [bold {red}]😈 DOPPEL-9[/] is cloning identities…",
    palette={"red": RED},
    bars=(
        Bar("heroes", "{tag} registering", status="{tag}  Registering hero #{n}: @{username} {mark}"),
        Bar(
            "clones",
            "{tag} cloning",
            status="{tag}  Cloning @{username}… {outcome}",
            tag="😈 DOPPEL-9     ",
            colour=RED,
        ),
    ),
    bar_width=28,
    banner=Banner(
        title="Identity Battles Won",
        text="[{accent}]🛡️ {won:,} identities registered[/]   [{red}]😈 {repelled:,} clones repelled by IF NOT EXISTS[/]"
        "{taken}",
    ),
)
REGISTERED, TAKEN = Markup("[green]✅[/]"), Markup("[red]🚫 taken[/]")
REPELLED, GOT_THROUGH = Markup("[green]repelled[/]"), Markup("[bold red]GOT THROUGH[/]")


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
        check_count(count, MAX_HEROES)
        heroes = generate(count, random.Random())
    Identity.sync_table()
    BattleStats.sync_table()
    won = repelled = 0

    def battle(hero: Registration) -> tuple[bool, bool]:
        """Register the hero, then let Doppel-9 try a clone: (hero applied, clone refused)."""
        try:
            registry.register(hero)
            applied = True
        except Outcome:
            applied = False
        clone = hero.model_copy(update={"display_name": f"Doppel-9 clone of {hero.display_name}"[:60]})
        try:
            registry.register(clone)
            return applied, False
        except Outcome:
            return applied, True

    with SeedProgress(THEME, len(heroes), enabled=progress) as ui:

        def fought(hero: Registration, outcome: tuple[bool, bool]) -> None:
            nonlocal won, repelled
            applied, refused = outcome
            won += applied
            repelled += refused
            ui.advance("heroes", username=hero.username, mark=REGISTERED if applied else TAKEN)
            ui.advance("clones", username=hero.username, outcome=REPELLED if refused else GOT_THROUGH)

        write_all(heroes, save=battle, workers=workers, on_saved=fought)
        taken = len(heroes) - won
        note = f"\n[dim]{taken:,} usernames were already taken: refused, not overwritten[/]" if taken else ""
        ui.finish(won=won, repelled=repelled, taken=Markup(note))
    return won


cli = seed_cli(seed, default_count=60, what="heroes", max_count=MAX_HEROES)

if __name__ == "__main__":
    cli()
