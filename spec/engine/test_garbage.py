"""The server process's garbage-collection policy (`scylla_lite.garbage`): full
collections walk only what is new, and what they froze is still reclaimed, when the
server is idle. Runs in this process, with the policy stopped at the end."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import pytest

from scylla_lite import garbage


class Node:
    """A cycle's member: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def idle() -> Iterator[list[float]]:
    """``idle[0]``: the seconds the collector is told the server has been idle."""
    yield [0.0]


def run_with_collector(idle: list[float], body: object) -> None:
    async def main() -> None:
        collector = garbage.Collector(lambda: idle[0])
        collector.start()
        try:
            body(collector)  # type: ignore[operator]
        finally:
            collector.stop()

    asyncio.run(main())


def test_a_full_collection_freezes_what_survives_it(idle: list[float]) -> None:
    def body(collector: garbage.Collector) -> None:
        kept = [Node() for _ in range(1000)]
        ids = {id(node) for node in kept}
        assert sum(id(o) in ids for o in gc.get_objects()) == 1000
        gc.collect()
        # frozen: the next full collection skips them (gc.get_objects lists no frozen object;
        # counting gc.get_freeze_count() instead raced with other threads freeing frozen ones)
        assert not any(id(o) in ids for o in gc.get_objects())
        del kept

    run_with_collector(idle, body)
    assert gc.get_freeze_count() == 0  # stop() hands every object back


def test_while_objects_pile_up_each_full_collection_walks_only_a_few_thousand(idle: list[float]) -> None:
    """A big request (a 20,000-statement batch being parsed) makes hundreds of thousands
    of objects that survive; the GIL is held for as long as a full collection walks,
    so each one must walk a few thousand of them, not all made since the last."""
    walked: list[int] = []
    before = gc.get_threshold()

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            walked.append(sum(len(gc.get_objects(generation=g)) for g in range(3)))

    def body(collector: garbage.Collector) -> None:
        gc.callbacks.append(count)
        try:
            kept = [Node() for _ in range(300_000)]
        finally:
            gc.callbacks.remove(count)
        assert len(walked) >= 5, walked  # the full collections did come
        assert max(walked) < 30_000, walked  # Python's own rhythm walks ~90,000 at a time
        del kept

    run_with_collector(idle, body)
    assert gc.get_threshold() == before  # stop() gives Python its rhythm back


def test_garbage_frozen_by_a_collection_is_reclaimed_once_the_server_is_idle(idle: list[float]) -> None:
    def body(collector: garbage.Collector) -> None:
        node = Node()
        gone = weakref.ref(node)
        gc.collect()  # frozen while alive
        del node
        gc.collect()
        collector.check()  # busy: nothing is walked again
        assert gone() is not None
        idle[0] = garbage.IDLE_SECONDS
        collector.check()
        assert gone() is None

    run_with_collector(idle, body)


def test_under_a_load_that_never_pauses_the_clean_up_still_comes(
    idle: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    def body(collector: garbage.Collector) -> None:
        node = Node()
        gone = weakref.ref(node)
        gc.collect()
        del node
        monkeypatch.setattr(garbage, "CLEANUP_AT_LEAST_EVERY", 0.0)
        collector.check()
        assert gone() is None

    run_with_collector(idle, body)
