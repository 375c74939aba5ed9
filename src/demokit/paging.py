"""coodie's paging state kept per request, not per driver (a workaround for coodie 1.9.3).

``paged_all()`` runs its query, then reads the paging state the driver left in its
``_last_paging_state`` attribute. One driver serves every request of an app, so two
users paging at once can read each other's state, or none (any other query clears
it in between): a "next page" of someone else's listing, or no next page at all.
`PagingDriver` keeps that attribute in a context variable, so each thread and each
asyncio task reads only what its own query left (pinned, with the bug it works
around, in spec/coodie/test_upstream_bugs.py).
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import Any

from coodie.drivers.cassandra import CassandraDriver

_paging_state: ContextVar[bytes | None] = ContextVar("coodie_paging_state", default=None)


class PagingDriver(CassandraDriver):
    """coodie's CassandraDriver, its paging state per thread and per task."""

    __slots__ = ()

    @property
    def _last_paging_state(self) -> bytes | None:
        return _paging_state.get()

    @_last_paging_state.setter
    def _last_paging_state(self, value: bytes | None) -> None:
        _paging_state.set(value)

    async def execute_async(
        self,
        stmt: str,
        params: list[Any],
        consistency: str | None = None,
        timeout: float | None = None,
        fetch_size: int | None = None,
        paging_state: bytes | None = None,
    ) -> list[dict[str, Any]]:
        """A paged query runs on a worker thread (as coodie runs it); its state is handed
        back to the awaiting task, whose context the worker's is not."""
        if fetch_size is None:
            return await super().execute_async(stmt, params, consistency, timeout)

        def run() -> tuple[list[dict[str, Any]], bytes | None]:
            rows = self.execute(stmt, params, consistency, timeout, fetch_size, paging_state)
            return rows, _paging_state.get()

        rows, state = await asyncio.get_running_loop().run_in_executor(None, run)
        _paging_state.set(state)
        return rows
