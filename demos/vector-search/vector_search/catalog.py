"""Product texts for the Embedding Dimension, generated with Faker in clearly separate categories
(so a query about one topic visibly pulls that topic's products to the top)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from faker import Faker


@dataclass(frozen=True)
class Category:
    name: str
    emoji: str
    adjectives: tuple[str, ...]
    products: tuple[str, ...]
    features: tuple[str, ...]
    price: tuple[float, float]
    example: str  # a query that belongs here, shown as a chip on the search page


CATEGORIES: tuple[Category, ...] = (
    Category(
        "Coffee & Tea",
        "☕",
        ("single-origin", "dark roast", "organic", "barista-grade", "small-batch", "smooth"),
        (
            "espresso beans",
            "pour-over kettle",
            "French press",
            "matcha whisk set",
            "loose-leaf green tea",
            "burr coffee grinder",
            "cold brew maker",
            "chai tea blend",
        ),
        (
            "roasted in small batches for a rich crema",
            "brews a bold, aromatic morning cup",
            "notes of chocolate, caramel and citrus",
            "steeps a calming, fragrant infusion",
            "grinds beans evenly for the perfect extraction",
            "made for slow weekend coffee rituals",
        ),
        (6, 180),
        "something to brew a strong morning espresso",
    ),
    Category(
        "Camping & Hiking",
        "⛺",
        ("ultralight", "waterproof", "four-season", "rugged", "packable", "trail-ready"),
        (
            "backpacking tent",
            "down sleeping bag",
            "trekking poles",
            "hiking boots",
            "camp stove",
            "headlamp",
            "water filter",
            "rain shell jacket",
        ),
        (
            "survives storms above the tree line",
            "keeps you warm on freezing mountain nights",
            "weighs almost nothing in your backpack",
            "built for long trails and rocky summits",
            "sets up at the campsite in under two minutes",
            "purifies stream water on multi-day treks",
        ),
        (15, 450),
        "gear for sleeping outdoors on a mountain trek",
    ),
    Category(
        "Video Games",
        "🎮",
        ("wireless", "RGB", "pro", "retro", "competitive", "next-gen"),
        (
            "gaming controller",
            "mechanical keyboard",
            "gaming headset",
            "open-world RPG",
            "racing wheel",
            "handheld console",
            "co-op shooter",
            "esports mouse",
        ),
        (
            "low-latency input for competitive online matches",
            "hundreds of hours of quests and boss fights",
            "immersive surround sound for late-night raids",
            "split-screen multiplayer with friends",
            "customisable buttons for speedrunners",
            "4K graphics at a silky 120 frames per second",
        ),
        (20, 600),
        "a console game to play online with friends",
    ),
    Category(
        "Pet Supplies",
        "🐾",
        ("chew-proof", "orthopedic", "grain-free", "cozy", "interactive", "vet-approved"),
        (
            "dog bed",
            "cat scratching post",
            "puppy training treats",
            "aquarium filter",
            "cat litter box",
            "dog leash",
            "bird cage",
            "catnip toy",
        ),
        (
            "keeps your dog busy and happy for hours",
            "your cat will purr and nap on it all day",
            "healthy nutrition for puppies and senior dogs",
            "gentle on paws and easy to clean",
            "makes walks with an energetic pup safer",
            "a fun toy for curious kittens",
        ),
        (4, 220),
        "a comfy place for my old dog to sleep",
    ),
    Category(
        "Gardening",
        "🌱",
        ("heirloom", "self-watering", "raised", "frost-hardy", "compostable", "heavy-duty"),
        (
            "tomato seeds",
            "pruning shears",
            "raised garden bed",
            "watering can",
            "compost bin",
            "herb planter",
            "garden hose",
            "flower bulbs",
        ),
        (
            "grows juicy vegetables in a sunny backyard",
            "keeps seedlings watered while you are away",
            "rich soil for blooming flowers and herbs",
            "trims hedges and rose bushes cleanly",
            "turns kitchen scraps into fertile compost",
            "brightens the spring garden with colour",
        ),
        (3, 260),
        "seeds and soil to grow vegetables in my backyard",
    ),
    Category(
        "Fitness",
        "🏋️",
        ("adjustable", "non-slip", "high-intensity", "resistance", "foldable", "pro-grade"),
        (
            "dumbbell set",
            "yoga mat",
            "kettlebell",
            "resistance bands",
            "rowing machine",
            "jump rope",
            "pull-up bar",
            "foam roller",
        ),
        (
            "builds strength and muscle in home workouts",
            "perfect for cardio and HIIT training sessions",
            "stretch and recover after a hard gym day",
            "burns calories with full-body exercise",
            "grip that stays put during sweaty yoga flows",
            "track reps, sets and personal records",
        ),
        (8, 900),
        "equipment for strength training at home",
    ),
    Category(
        "Kitchen & Cooking",
        "🍳",
        ("cast-iron", "non-stick", "stainless steel", "chef's", "professional", "copper"),
        (
            "frying pan",
            "chef knife",
            "dutch oven",
            "stand mixer",
            "cutting board",
            "pressure cooker",
            "baking sheet",
            "spice rack",
        ),
        (
            "sears steak and sautés vegetables evenly",
            "slices onions and herbs like a pro chef",
            "slow-cooks hearty stews and bakes crusty bread",
            "kneads dough for cakes and cookies",
            "makes weeknight dinners quick and easy",
            "a must-have for every home cook's kitchen",
        ),
        (10, 520),
        "a pan to cook dinner and sear a steak",
    ),
    Category(
        "Musical Instruments",
        "🎸",
        ("vintage", "acoustic", "electric", "hand-crafted", "studio", "beginner"),
        (
            "guitar",
            "digital piano",
            "drum kit",
            "violin",
            "ukulele",
            "microphone",
            "synthesizer",
            "saxophone",
        ),
        (
            "warm tone for songwriting and live gigs",
            "learn chords and melodies in your first week",
            "crisp sound for recording music at home",
            "play jazz, rock or classical pieces",
            "responsive keys with realistic hammer action",
            "jam with your band on stage tonight",
        ),
        (30, 1500),
        "an instrument to play songs on stage",
    ),
)

BY_NAME = {c.name: c for c in CATEGORIES}


@dataclass(frozen=True)
class ProductText:
    name: str
    description: str
    category: str
    price: float


def generate(count: int, seed: int | None = 12) -> Iterator[ProductText]:
    """``count`` products, round-robin over the categories, with Faker brands and details."""
    fake = Faker()
    if seed is not None:
        fake.seed_instance(seed)
    for i in range(count):
        cat = CATEGORIES[i % len(CATEGORIES)]
        brand = fake.last_name()
        adjective = fake.random_element(cat.adjectives)
        product = fake.random_element(cat.products)
        feature, other = fake.random_elements(cat.features, length=2, unique=True)
        colour = fake.safe_color_name()
        description = f"A {colour} {adjective} {product} by {brand}: {feature}, and {other}."
        low, high = cat.price
        price = round(fake.pyfloat(min_value=low, max_value=high, right_digits=2), 2)
        yield ProductText(f"{brand} {adjective} {product}".title(), description, cat.name, price)
