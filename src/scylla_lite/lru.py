"""A cache that stays within a budget of bytes by forgetting what was used least recently.

The statement caches hold what clients send: counted in requests, 300 distinct 1 MB
statements kept 954 MB and 100k PREPAREs kept 100 MB for ever. Counted in bytes, a
flood costs the budget and then evicts its own oldest entries (as ScyllaDB's
prepared-statement cache does: an evicted id answers Unprepared and the driver
prepares it again).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ByteBudgetLRU(Generic[K, V]):
    """``put`` with a cost in bytes; the least recently used entries go once the costs
    pass ``budget`` (or the entries ``max_entries``). An entry costing more than an
    eighth of the budget is not kept at all."""

    def __init__(self, budget: int, max_entries: int) -> None:
        self.budget = budget
        self.max_entries = max_entries
        self.cost = 0
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def get(self, key: K) -> V | None:
        found = self._items.get(key)
        if found is None:
            return None
        self._items.move_to_end(key)
        return found[0]

    def put(self, key: K, value: V, cost: int) -> None:
        self.pop(key)
        if cost > self.budget // 8:
            return
        self._items[key] = (value, cost)
        self.cost += cost
        while self.cost > self.budget or len(self._items) > self.max_entries:
            _, (_, old_cost) = self._items.popitem(last=False)
            self.cost -= old_cost

    def pop(self, key: K) -> V | None:
        found = self._items.pop(key, None)
        if found is None:
            return None
        self.cost -= found[1]
        return found[0]

    def clear(self) -> None:
        self._items.clear()
        self.cost = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items
