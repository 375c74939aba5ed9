"""The two tables of the Popularity Singularity.

A counter table may hold nothing but its key and counter columns, so an item's name and emoji
live in ``items`` and its running total in ``item_votes`` — one row each, same key.
"""

from __future__ import annotations

from typing import Annotated

from coodie.fields import Counter, PrimaryKey
from coodie.sync.document import CounterDocument, Document


class Item(Document):
    """Something LikeBot Omega wants to make famous (a cat video, a meme, a hot take)."""

    id: Annotated[str, PrimaryKey()]
    name: str
    emoji: str = "🐱"
    kind: str = "cat video"

    class Settings:
        name = "items"


class ItemVotes(CounterDocument):
    """The item's vote total: ``UPDATE item_votes SET votes = votes + ? WHERE id = ?``.

    Counters are only ever changed by a delta, so any number of clients can vote at once
    and no vote is lost — no read-modify-write, no lock."""

    id: Annotated[str, PrimaryKey()]
    votes: Annotated[int, Counter()] = 0

    class Settings:
        name = "item_votes"
