"""What the endpoints do, apart from HTTP: validate, vote, read the scoreboard.

Every vote is one counter UPDATE (``ItemVotes.increment`` / ``decrement``) after one
``SELECT`` that proves the item exists — a counter UPDATE on an unknown key would
silently create a row, so the check comes first and bad input writes nothing. A new item is
``INSERT … IF NOT EXISTS`` (``Item.insert()``) under an id unique to its name.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field

from demokit.bodies import Body, FormBlank
from demokit.documents import native, to_json
from realtime_counters.models import Item, ItemVotes

MAX_AMOUNT = 1_000
MAX_NAME = 60
MAX_EMOJI = 8
MAX_KIND = 30
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
#: LikeBot's doom number: when any counter reaches it, the item gains sentience
SINGULARITY = 9_999_999_999


class VoteError(ValueError):
    """Bad input: ``status`` (400/404/409/422) and a message for the person."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Tally:
    id: str
    name: str
    emoji: str
    kind: str
    votes: int

    @property
    def progress(self) -> float:
        """How far along the road to the Singularity, in percent (0 … 100)."""
        return max(0.0, min(100.0, self.votes * 100 / SINGULARITY))


ID_HINT = "is not an item id: use 1-40 lowercase letters, digits and dashes"


class NewItem(Body):
    """A new item: its name, and optionally its emoji, kind and id (else derived from the name)."""

    hints = {"id.string_pattern_mismatch": ID_HINT}

    name: str = Field(min_length=1, max_length=MAX_NAME)
    emoji: str = Field("🐱", min_length=1, max_length=MAX_EMOJI)
    kind: str = Field("cat video", min_length=1, max_length=MAX_KIND)
    id: str | None = Field(None, pattern=ID_RE.pattern)


class Vote(Body):
    """A vote: ``amount`` votes at once (one by default; a form's blank input: one)."""

    hints = {
        kind: f"must be a whole number between 1 and {MAX_AMOUNT}"
        for kind in ("int_type", "int_parsing", "int_from_float", "greater_than_equal", "less_than_equal")
    }

    amount: Annotated[int, FormBlank] = Field(1, ge=1, le=MAX_AMOUNT)


def slugify(name: str) -> str:
    """The readable part of an id: ``name``'s ASCII letters and digits, words joined by dashes."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")


def auto_ids(name: str) -> list[str]:
    """The ids a new item called ``name`` may take, in order: its slug, then the slug plus a
    digest of the whole name — so two different names never share an id (``🦄🦄`` and ``漢字``
    have no slug at all: ``item-<digest>`` each)."""
    slug = slugify(name)
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    hashed = f"{slug[:31].strip('-') or 'item'}-{digest}"
    return [slug, hashed] if slug else [hashed]


def check_id(item_id: str) -> str:
    if not ID_RE.match(item_id):
        raise VoteError(f"{item_id!r} {ID_HINT}.", 422)
    return item_id


def create_item(data: NewItem) -> Item:
    """``INSERT … IF NOT EXISTS`` under the given id, else the first free id of the name's."""
    for item_id in [data.id] if data.id else auto_ids(data.name):
        item = Item(id=item_id, name=data.name, emoji=data.emoji, kind=data.kind)
        result = item.insert()
        if result is None or result.applied:
            return item
        if data.id or (result.existing or {}).get("name") == data.name:
            break  # the same item again: a name's ids are its own
    raise VoteError(f"item {item_id!r} already exists.", 409)


def require_item(item_id: str) -> Item:
    item = Item.find_one(id=check_id(item_id))
    if item is None:
        raise VoteError(f"no item {item_id!r}: LikeBot has never heard of it.", 404)
    return item


def counter_of(item_id: str) -> ItemVotes:
    """The item's counter row, read back (``votes=0`` when nobody has voted yet)."""
    row = ItemVotes.find_one(id=item_id)
    return ItemVotes(id=item_id) if row is None else native(row)


def vote(item_id: str, amount: int, *, up: bool) -> None:
    """One counter UPDATE: ``votes = votes + amount`` (or ``- amount``)."""
    require_item(item_id)
    counter = ItemVotes(id=item_id)
    if up:
        counter.increment(votes=amount)
    else:
        counter.decrement(votes=amount)
    throughput.record()


def scoreboard() -> list[Tally]:
    """Every item with its total, highest first (two full scans: fine for a demo's few rows)."""
    totals = {row.id: row.votes for row in map(native, ItemVotes.find().all())}
    tallies = [Tally(**to_json(i), votes=totals.get(i.id, 0)) for i in Item.find().all()]
    tallies.sort(key=lambda t: (-t.votes, t.name))
    return tallies


class Throughput:
    """Votes per second over the last ``window`` seconds, counted in this process."""

    def __init__(self, window: int = 30) -> None:
        self.window = window
        self._buckets: deque[list[int]] = deque()
        self._lock = threading.Lock()

    def record(self, n: int = 1) -> None:
        now = int(time.time())
        with self._lock:
            if self._buckets and self._buckets[-1][0] == now:
                self._buckets[-1][1] += n
            else:
                self._buckets.append([now, n])
            while self._buckets and self._buckets[0][0] <= now - self.window:
                self._buckets.popleft()

    def series(self) -> list[int]:
        """The last ``window`` seconds, oldest first (zeros where nothing happened)."""
        now = int(time.time())
        with self._lock:
            counts = dict((s, c) for s, c in self._buckets)
        return [counts.get(s, 0) for s in range(now - self.window + 1, now + 1)]


throughput = Throughput()
