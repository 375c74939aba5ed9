"""The cyclic garbage collector in the server process, kept out of the clients' way.

A full collection walks every tracked object: with 200k rows that is millions of
cells, rows and sorted containers, 0.2-0.8 s in which no client is served (the GIL
is held), and it frees nothing, since stored data is not cyclic garbage. So what
survives start-up and each full collection is frozen (`gc.freeze`): later collections
walk only what is newer, and stay short. They also come after every collection of the
middle generation (Python's default waits for ten), so while a big request builds
hundreds of thousands of objects, each full collection walks a few thousand of them
(a few ms, not 30) and the total walked stays the same. The cyclic garbage that frozen objects may
become later (a dropped table's schema objects, a closed connection) is reclaimed by a
full collection of everything, run once the server has been idle for `IDLE_SECONDS`,
or, under a load that never pauses, after `CLEANUP_AT_LEAST_EVERY` seconds.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from typing import Any

IDLE_SECONDS = 30.0
"""A clean-up holds the GIL ~0.2-0.5 s at 200k rows, and a request that comes meanwhile
waits: after 2 s of quiet, a person clicking through a demo often came back just then;
after 30 s, rarely. A server left alone gets its memory back 28 s later (the reliability
bench's statement and PREPARE floods end ~30 MB larger than with 2 s: 558 MB, not 527)."""
CHECK_EVERY = 1.0
CLEANUP_AT_LEAST_EVERY = 600.0
FULL_AFTER_MIDDLE = 1  # a full collection considered after each middle-generation one


class Collector:
    """Install with `start`; ``idle_for()`` says how long the server has had no request."""

    def __init__(self, idle_for: Callable[[], float]) -> None:
        self._idle_for = idle_for
        self._froze = False  # objects were frozen since the last clean-up
        self._cleaned_at = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self.cleanups = 0
        self._thresholds = gc.get_threshold()

    def start(self) -> None:
        self._cleanup()
        young, middle, _ = self._thresholds
        gc.set_threshold(young, middle, FULL_AFTER_MIDDLE)
        gc.callbacks.append(self._after_collection)
        self._schedule()

    def stop(self) -> None:
        if self._after_collection in gc.callbacks:
            gc.callbacks.remove(self._after_collection)
        if self._timer is not None:
            self._timer.cancel()
        gc.set_threshold(*self._thresholds)
        gc.unfreeze()

    def _after_collection(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "stop" and info["generation"] == 2:
            gc.freeze()
            self._froze = True

    def _schedule(self) -> None:
        self._timer = asyncio.get_running_loop().call_later(CHECK_EVERY, self.check)

    def check(self) -> None:
        """Clean up if due (every `CHECK_EVERY` s). Cheap: counting the frozen objects would walk them all."""
        overdue = time.monotonic() - self._cleaned_at >= CLEANUP_AT_LEAST_EVERY
        if self._froze and (overdue or self._idle_for() >= IDLE_SECONDS):
            self._cleanup()
        self._schedule()

    def _cleanup(self) -> None:
        """Collect everything, freeze what survives; the second collection walks nothing
        but sets the collector's measure of old objects to zero, so the next automatic full
        collection comes after a little growth and walks only that."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        gc.collect()
        self._froze = False
        self._cleaned_at = time.monotonic()
        self.cleanups += 1
