"""Stateful property test: random collection mutations through coodie, checked against Python.

A hypothesis ``RuleBasedStateMachine`` saves one row of a model with a list, a set and
a map column, then applies random mutations through coodie's update API (append,
prepend, remove, set-by-index, delete-by-index, add, put, merge, delete-key, whole
replacement, and several at once), applies the same mutation to a Python list / set /
dict, and after every step reads the row back through coodie and compares.

It runs through coodie.sync. The default run is small: 30 examples of up to 15 steps,
about 1 s on the embedded server (``--hypothesis-seed=N`` replays a given run).

Sensitivity, measured once by planting a bug in a throwaway copy of the run (coodie's
``build_update`` monkeypatched so that ``tags__remove`` removes nothing): the default
settings found it in 20 runs out of 20, after a median of 5 examples (3-7, about 64
steps, 0.14 s; at most 0.46 s), and shrank it, in 1.5 s median (at most 12 s), to
``save_a_row(tags=set())``, ``add_to_set({'a'})``, ``remove_from_set({'a'})``.
"""

from __future__ import annotations

import warnings
from typing import Annotated
from uuid import UUID, uuid4

import pytest
from cassandra import InvalidRequest
from coodie.fields import PrimaryKey
from coodie.sync.document import Document
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from pydantic import Field


class Bag(Document):
    id: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
    items: list[str] = []
    tags: set[str] = set()
    scores: dict[str, int] = {}

    class Settings:
        name = "bags"


# Small alphabets, so that removals and overwrites hit existing elements often.
ELEMENTS = st.sampled_from("abcd")
KEYS = st.sampled_from("wxyz")
SCORES = st.integers(-2, 2)
SOME_ELEMENTS = st.lists(ELEMENTS, min_size=1, max_size=3)
SOME_TAGS = st.sets(ELEMENTS, min_size=1, max_size=3)
SOME_ENTRIES = st.dictionaries(KEYS, SCORES, min_size=1, max_size=3)

SETTINGS = settings(max_examples=30, stateful_step_count=15, deadline=None)


class CollectionMachine(RuleBasedStateMachine):
    """One `Bag` row, mutated through coodie; `items`, `tags`, `scores` are the model."""

    doc: Bag
    items: list[str]
    tags: set[str]
    scores: dict[str, int]

    @initialize(
        items=st.lists(ELEMENTS, max_size=3),
        tags=st.sets(ELEMENTS, max_size=3),
        scores=st.dictionaries(KEYS, SCORES, max_size=3),
    )
    def save_a_row(self, items: list[str], tags: set[str], scores: dict[str, int]) -> None:
        self.doc = Bag(items=items, tags=tags, scores=scores)
        self.doc.save()
        self.items, self.tags, self.scores = list(items), set(tags), dict(scores)

    # ------------------------------------------------------------------ list

    @rule(values=SOME_ELEMENTS)
    def append(self, values: list[str]) -> None:
        self.doc.update(items__append=values)
        self.items += values

    @rule(values=SOME_ELEMENTS)
    def prepend(self, values: list[str]) -> None:
        self.doc.update(items__prepend=values)
        self.items = values + self.items

    @rule(values=st.lists(ELEMENTS, min_size=1, max_size=2))
    def remove_from_list(self, values: list[str]) -> None:
        self.doc.update(items__remove=values)  # every occurrence of each value
        self.items = [x for x in self.items if x not in values]

    @rule(index=st.integers(0, 4), value=ELEMENTS)
    def set_item(self, index: int, value: str) -> None:
        if index < len(self.items):
            self.doc.update(items__setindex=(index, value))
            self.items[index] = value
        else:
            with pytest.raises(InvalidRequest):
                self.doc.update(items__setindex=(index, value))

    @precondition(lambda self: self.items)
    @rule(data=st.data())
    def delete_item(self, data: st.DataObject) -> None:
        index = data.draw(st.integers(0, len(self.items) - 1), label="index")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # delete_columns() always warns
            self.doc.delete_columns(collection_elements=[("items", index)])
        del self.items[index]

    @rule(values=st.lists(ELEMENTS, max_size=3))
    def replace_list(self, values: list[str]) -> None:
        self.doc.update(items=values)
        self.items = list(values)

    # ------------------------------------------------------------------ set

    @rule(values=SOME_TAGS)
    def add_to_set(self, values: set[str]) -> None:
        self.doc.update(tags__add=values)
        self.tags |= values

    @rule(values=SOME_TAGS)
    def remove_from_set(self, values: set[str]) -> None:
        self.doc.update(tags__remove=values)
        self.tags -= values

    @rule(values=st.sets(ELEMENTS, max_size=3))
    def replace_set(self, values: set[str]) -> None:
        self.doc.update(tags=values)
        self.tags = set(values)

    # ------------------------------------------------------------------ map

    @rule(entries=SOME_ENTRIES)
    def merge_into_map(self, entries: dict[str, int]) -> None:
        self.doc.update(scores__update=entries)
        self.scores |= entries

    @rule(key=KEYS, value=SCORES)
    def put(self, key: str, value: int) -> None:
        self.doc.update(scores__put=(key, value))
        self.scores[key] = value

    @rule(keys=st.sets(KEYS, min_size=1, max_size=2))
    def delete_keys(self, keys: set[str]) -> None:
        self.doc.update(scores__remove=keys)
        for key in keys:
            self.scores.pop(key, None)

    @rule(entries=st.dictionaries(KEYS, SCORES, max_size=3))
    def replace_map(self, entries: dict[str, int]) -> None:
        self.doc.update(scores=entries)
        self.scores = dict(entries)

    # ------------------------------------------------------------------ several in one UPDATE

    @rule(value=ELEMENTS, tag=ELEMENTS, key=KEYS, score=SCORES)
    def mutate_all_three(self, value: str, tag: str, key: str, score: int) -> None:
        self.doc.update(items__append=[value], tags__remove={tag}, scores__put=(key, score))
        self.items.append(value)
        self.tags.discard(tag)
        self.scores[key] = score

    # ------------------------------------------------------------------ the check

    @invariant()
    def the_row_matches_the_model(self) -> None:
        got = Bag.get(id=self.doc.id)
        assert list(got.items) == self.items
        assert set(got.tags) == self.tags
        assert dict(got.scores) == self.scores


def test_collection_mutations_match_a_python_model(coodie_sync: object) -> None:
    Bag.sync_table()
    run_state_machine_as_test(CollectionMachine, settings=SETTINGS)
