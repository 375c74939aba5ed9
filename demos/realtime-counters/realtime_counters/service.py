"""What the endpoints do, apart from HTTP: validate, vote, read the scoreboard.

Every vote is one counter UPDATE (``ItemVotes.increment`` / ``decrement``) after one
``SELECT`` that proves the item exists — a counter UPDATE on an unknown key would
silently create a row, so the check comes first and bad input writes nothing.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

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


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    return slug or "item"


def check_id(item_id: Any) -> str:
    if not isinstance(item_id, str) or not ID_RE.match(item_id):
        raise VoteError(f"{item_id!r} is not an item id: use 1-40 lowercase letters, digits and dashes.", 422)
    return item_id


def parse_amount(value: Any) -> int:
    """1 … MAX_AMOUNT; JSON numbers must be integers, form values whole-number strings."""
    if value is None or value == "":
        return 1
    if isinstance(value, bool | float):
        raise VoteError(f"amount must be a whole number between 1 and {MAX_AMOUNT}, not {value!r}.")
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"[+-]?\d{1,12}", text):
            raise VoteError(f"amount must be a whole number between 1 and {MAX_AMOUNT}, not {value!r}.")
        value = int(text)
    if not isinstance(value, int):
        raise VoteError(f"amount must be a whole number between 1 and {MAX_AMOUNT}, not {value!r}.")
    if not 1 <= value <= MAX_AMOUNT:
        raise VoteError(f"amount must be between 1 and {MAX_AMOUNT}, not {value}.")
    return value


def parse_item(body: Any) -> Item:
    """A new item from ``{"name", "emoji"?, "kind"?, "id"?}`` (VoteError otherwise)."""
    if not isinstance(body, dict):
        raise VoteError("send a JSON object with at least a name.")
    problems = []
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append("name is required (text).")
    elif len(name.strip()) > MAX_NAME:
        problems.append(f"name is {len(name.strip())} characters long; keep it to {MAX_NAME}.")
    emoji = body.get("emoji", "🐱")
    if not isinstance(emoji, str) or not emoji.strip() or len(emoji.strip()) > MAX_EMOJI:
        problems.append(f"emoji must be 1-{MAX_EMOJI} characters.")
    kind = body.get("kind", "cat video")
    if not isinstance(kind, str) or not kind.strip() or len(kind.strip()) > MAX_KIND:
        problems.append(f"kind must be 1-{MAX_KIND} characters.")
    item_id = body.get("id")
    if item_id is not None:
        try:
            check_id(item_id)
        except VoteError as exc:
            problems.append(str(exc))
    if problems:
        raise VoteError(" ".join(problems))
    return Item(
        id=item_id or slugify(name),
        name=name.strip(),
        emoji=emoji.strip(),
        kind=kind.strip(),
    )


def create_item(item: Item) -> Item:
    if Item.find_one(id=item.id) is not None:
        raise VoteError(f"item {item.id!r} already exists.", 409)
    item.save()
    return item


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
