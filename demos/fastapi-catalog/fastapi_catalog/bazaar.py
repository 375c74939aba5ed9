"""What the bazaar sells: categories, brands, the validated input of a product and of a
review, and MerchBot Prime's generator of cursed artifacts and of their customers' reviews
(Faker-seeded, so runs are reproducible)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field, ValidationError

from demokit.bodies import Body, Lines, refusal

MAX_NAME = 80
MAX_BRAND = 40
MAX_DESCRIPTION = 500
MAX_PRICE = 1_000_000
MAX_DIMENSION = 9_999
MAX_AUTHOR = 40
MAX_REVIEW = 1_000


@dataclass(frozen=True)
class Category:
    slug: str
    label: str
    emoji: str
    items: tuple[tuple[str, str], ...]  # (what it is sold as, what it really is)


CATEGORIES: tuple[Category, ...] = (
    Category(
        "peripherals",
        "Cursed Peripherals",
        "🖱️",
        (
            ("Wireless Mouse", "a teleporting cybernetic rodent that nests in your RAM"),
            ("USB Hub", "possibly a universe-ending weapon; MerchBot swears it is a hub"),
            ("Mechanical Keyboard", "types your thoughts before you think them"),
            ("Webcam", "films the timeline next door, in 4K"),
        ),
    ),
    Category(
        "footwear",
        "Runaway Footwear",
        "👟",
        (
            ("Running Shoes", "literally run away at Mach 3 — leash included"),
            ("Moon Boots", "gravity optional, ankles not"),
            ("Fuzzy Slippers", "purr when worn, hiss when lent"),
        ),
    ),
    Category(
        "kitchen",
        "Temporal Kitchenware",
        "🍳",
        (
            ("Toaster", "toasts bread you will buy next Tuesday"),
            ("Kettle", "boils water at every temperature at once"),
            ("Frying Pan", "fries eggs from the Cretaceous"),
        ),
    ),
    Category(
        "optics",
        "Suspicious Optics",
        "🔭",
        (
            ("Telescope", "only ever points at you"),
            ("Sunglasses", "block the sun of Dimension-7 too"),
            ("Monocle", "reveals every price tag's true price"),
        ),
    ),
    Category(
        "relics",
        "Ancient Relics",
        "🗿",
        (
            ("Amulet", "hums the ScyllaDB gossip protocol"),
            ("Stone Idol", "compacts SSTables while you sleep"),
            ("Scroll", "a prophecy written in CQL"),
        ),
    ),
    Category(
        "gadgets",
        "Definitely-Not-Weapons",
        "☄️",
        (
            ("Umbrella", "deflects rain, meteors and tombstones"),
            ("Yo-Yo", "returns from other timelines, sometimes with friends"),
            ("Snow Globe", "contains an actual, tiny, furious blizzard"),
        ),
    ),
    Category(
        "pets",
        "Eldritch Pets",
        "🐙",
        (
            ("Goldfish", "has seen the end of time and is unimpressed"),
            ("Hamster", "its wheel powers a small data center"),
            ("Pet Rock", "whispers node IDs at night"),
        ),
    ),
    Category(
        "fashion",
        "Quantum Fashion",
        "🧥",
        (
            ("Scarf", "knitted by the Coodie Corps from yarn-armour offcuts"),
            ("Top Hat", "bigger on the inside, rabbit not guaranteed"),
            ("Gloves", "both left, in every dimension"),
        ),
    ),
)
BY_SLUG: dict[str, Category] = {c.slug: c for c in CATEGORIES}
_BY_LABEL: dict[str, str] = {c.label.lower(): c.slug for c in CATEGORIES}
CategorySlug = Literal["peripherals", "footwear", "kitchen", "optics", "relics", "gadgets", "pets", "fashion"]
assert set(CategorySlug.__args__) == set(BY_SLUG)  # type: ignore[attr-defined]

BRANDS: tuple[str, ...] = (
    "MerchBot Prime",
    "Acme Multiversal",
    "Rift & Sons",
    "Nullspace Goods",
    "Paradox Outfitters",
    "Yarnforge",
    "Chrono Depot",
)
ADJECTIVES = (
    "Haunted", "Self-Aware", "Quantum", "Levitating", "Sentient", "Glitching", "Turbo",
    "Cursed", "Holographic", "Unstable", "Velvet", "Recursive",
)  # fmt: skip


class ProductIn(Body):
    """A product as a person or a client sends it (HTML form, JSON body or feed record).

    Every field is checked before anything is written: a bad one is a 422 with a message
    (`demokit.bodies.Body`: no unknown field, a finite price, no control characters).
    """

    hints = {
        "category.literal_error": "choose one of " + ", ".join(BY_SLUG),
        "extra_forbidden": "is not a product field",
    }

    name: str = Field(min_length=1, max_length=MAX_NAME, examples=["Haunted USB Hub"])
    brand: str = Field(min_length=1, max_length=MAX_BRAND, examples=["MerchBot Prime"])
    category: CategorySlug = Field(examples=["peripherals"])
    price: float = Field(ge=0, le=MAX_PRICE, examples=[42.5])
    dimension: int = Field(default=1, ge=1, le=MAX_DIMENSION, examples=[1])
    description: Lines = Field(default="", max_length=MAX_DESCRIPTION)


class ReviewIn(Body):
    """A review as a person, a client or a feed sends it: who, 1 to 5 stars, what they say.

    Checked like a product (`demokit.bodies.Body`): a bad field is a 422 with a message and
    nothing is written; the text may span lines (`Lines`), never hold control characters.
    """

    hints = {
        "rating.greater_than_equal": "give 1 to 5 stars",
        "rating.less_than_equal": "give 1 to 5 stars",
        "extra_forbidden": "is not a review field",
    }

    author: str = Field(min_length=1, max_length=MAX_AUTHOR, examples=["Captain Jinja"])
    rating: int = Field(ge=1, le=5, examples=[5])
    body: Lines = Field(min_length=1, max_length=MAX_REVIEW, examples=["It purrs in Dimension-3."])


def category_slug(value: str) -> str:
    """A category given by slug or label ("Eldritch Pets") → its slug (unchanged if unknown,
    so validation names it)."""
    text = value.strip()
    return _BY_LABEL.get(text.lower(), text.lower() if text.lower() in BY_SLUG else text)


def messages(exc: ValidationError, model: type[Body] = ProductIn) -> list[str]:
    """One readable line per problem: ``price: Input should be greater than or equal to 0``."""
    return refusal(model, exc).messages


def artifacts(count: int, *, seed: int = 2187, now: datetime) -> list[tuple[ProductIn, datetime]]:
    """``count`` cursed artifacts with their arrival times (spread over the last 90 days),
    reproducible for a given ``seed``."""
    from faker import Faker

    fake = Faker()
    fake.seed_instance(seed)
    rng = random.Random(seed)
    out = []
    for n in range(count):
        category = CATEGORIES[n % len(CATEGORIES)] if n < len(CATEGORIES) else rng.choice(CATEGORIES)
        item, twist = rng.choice(category.items)
        adjective = rng.choice(ADJECTIVES)
        product = ProductIn(
            name=f"{adjective} {item}",
            brand=rng.choice(BRANDS),
            category=category.slug,  # type: ignore[arg-type]
            price=round(rng.uniform(0.99, 9_999), 2),
            dimension=rng.randint(1, 999),
            description=f"Sold as a {item.lower()}; actually {twist}. {fake.sentence(nb_words=8)}",
        )
        arrived = now - timedelta(seconds=rng.randint(60, 90 * 24 * 3600))
        out.append((product, arrived.replace(microsecond=arrived.microsecond // 1000 * 1000)))
    return out


#: what customers say, by the stars they give (a Faker sentence follows)
VERDICTS: dict[int, tuple[str, ...]] = {
    1: ("It escaped through the letterbox.", "Cursed beyond the warranty.", "It ate my other purchases."),
    2: ("Half of it stayed in Dimension-4.", "Hums the ScyllaDB gossip protocol all night."),
    3: ("Does what it says, and one thing it doesn't.", "Fine, once the screaming stopped."),
    4: ("Only mildly haunted. Recommended.", "Arrived yesterday, before I ordered it."),
    5: ("Exactly as cursed as advertised.", "Worth every credit, in every timeline.", "The cat approves."),
}
STARS = (1, 2, 3, 4, 4, 5, 5, 5)  # the bazaar's customers are mostly delighted


def customer_reviews(
    arrivals: list[datetime], *, seed: int = 2187, now: datetime, most: int = 4
) -> list[list[tuple[ReviewIn, datetime]]]:
    """0 to ``most`` reviews for each artifact arrived at ``arrivals[n]``, each written
    between its arrival and ``now`` (millisecond precision); reproducible for a ``seed``."""
    from faker import Faker

    fake = Faker()
    fake.seed_instance(seed + 1)
    rng = random.Random(seed + 1)
    out = []
    for arrived in arrivals:
        span = max(int((now - arrived).total_seconds()), 1)
        reviews = []
        for _ in range(rng.randint(0, most)):
            rating = rng.choice(STARS)
            review = ReviewIn(
                author=fake.name(),
                rating=rating,
                body=f"{rng.choice(VERDICTS[rating])} {fake.sentence(nb_words=9)}",
            )
            at = arrived + timedelta(seconds=rng.randint(1, span))
            reviews.append((review, at.replace(microsecond=at.microsecond // 1000 * 1000)))
        out.append(reviews)
    return out
