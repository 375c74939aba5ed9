"""Many clients at once, for the spec's linearizability and exactness tests."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_clients(client: Callable[[int], None], count: int, timeout: float) -> None:
    """Run ``client(0)`` … ``client(count - 1)``, each in its own thread, released
    together from a barrier so that their requests really overlap; wait up to
    ``timeout`` seconds for each, then re-raise the first error any of them raised (a
    failed assertion in a thread would otherwise pass unnoticed)."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout)
            client(i)
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), f"a client still ran after {timeout} s"
    if errors:
        raise errors[0]
