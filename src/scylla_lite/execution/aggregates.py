"""Aggregate functions of a SELECT (count/min/max/sum/avg) and the accumulators that see
every row of a group, kept apart from selector compilation so the arithmetic ScyllaDB's
aggregate_fcts.cc prescribes reads in one place.
"""

from __future__ import annotations

import decimal
import math
import struct
from collections.abc import Callable
from typing import Any, Protocol

from ..errors import InvalidRequest
from ..types import INT_BITS, CqlType, native
from .read import LiveRow
from .terms import Execution

BIGINT = native("bigint")
AGGREGATES = {"count", "min", "max", "sum", "avg"}
SUMMABLE = ("tinyint", "smallint", "int", "bigint", "float", "double", "varint", "decimal", "counter")
_EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)

SelectorFn = Callable[[LiveRow, Execution], Any]


class Accumulator(Protocol):
    """The state a selector keeps over the rows of a group."""

    def add(self, r: LiveRow, ex: Execution) -> None: ...

    def result(self, ex: Execution) -> bytes | None: ...


class First:
    """A plain selector in an aggregating query: the group's first row's value."""

    def __init__(self, fn: SelectorFn) -> None:
        self.fn = fn
        self.value: bytes | None = None
        self.seen = False

    def add(self, r: LiveRow, ex: Execution) -> None:
        """Keep only the first row's value: later rows of the group do not change it."""
        if not self.seen:
            self.value, self.seen = self.fn(r, ex), True

    def result(self, ex: Execution) -> bytes | None:
        """The first row's value (None for a group of no rows)."""
        return self.value


class Over:
    """A scalar function (or cast, field) of other selectors, at least one aggregating."""

    def __init__(self, parts: list[Accumulator], combine: Callable[[Execution, list[Any]], Any]) -> None:
        self.parts, self.combine = parts, combine

    def add(self, r: LiveRow, ex: Execution) -> None:
        """Feed the row to every argument: the function applies only to their results."""
        for p in self.parts:
            p.add(r, ex)

    def result(self, ex: Execution) -> bytes | None:
        """The function of the arguments' accumulated results."""
        return self.combine(ex, [p.result(ex) for p in self.parts])


class Aggregate:
    """count/min/max/sum/avg as ScyllaDB computes them (aggregate_fcts.cc): integers sum
    without overflow and fail if the sum does not fit the argument type, floats add in
    their own precision, decimals exactly; avg divides the sum by the count (integers
    truncating, decimals rounding half-even to the sum's scale); over no rows sum and
    avg are 0, min and max null."""

    def __init__(self, kind: str, t: CqlType, fn: SelectorFn, count_star: bool = False) -> None:
        self.kind, self.t, self.fn, self.count_star = kind, t, fn, count_star
        self.count = 0
        self.best: tuple[Any, bytes] | None = None
        self.total: Any = decimal.Decimal(0) if t.name == "decimal" else 0

    def add(self, r: LiveRow, ex: Execution) -> None:
        """Count, compare or add one row's value; nulls are skipped, as ScyllaDB does."""
        if self.count_star:
            self.count += 1
            return
        data = self.fn(r, ex)
        if data is None:
            return
        kind = self.kind
        if kind == "count":
            self.count += 1
        elif kind in ("min", "max"):
            key = self.t.sort_key(data)
            if self.best is None or (key < self.best[0] if kind == "min" else key > self.best[0]):
                self.best = (key, data)
        else:
            value = self.t.decode(data)
            if value is None:
                return
            self.count += 1
            if self.t.name == "float":
                self.total = f32(self.total + value)
            elif self.t.name == "decimal":
                self.total = _EXACT.add(self.total, value)
            else:
                self.total += value

    def result(self, ex: Execution) -> bytes | None:
        """The aggregate's value; an integer sum that does not fit its type is an error."""
        kind, t = self.kind, self.t
        if kind == "count":
            return BIGINT.encode(self.count)
        if kind in ("min", "max"):
            return None if self.best is None else self.best[1]
        total = self.total
        if kind == "avg":
            total = average(t, total, self.count)
        elif t.name in INT_BITS:
            bits = INT_BITS[t.name]
            if not -(2 ** (bits - 1)) <= total < 2 ** (bits - 1):
                raise InvalidRequest("Sum overflow. Values should be casted to a wider type.")
        if t.name in ("float", "double"):
            total = float(total)
        return t.encode(total)


def average(t: CqlType, total: Any, count: int) -> Any:
    """``total / count`` in the argument type's arithmetic, as ScyllaDB's avg computes it."""
    if count == 0:
        return decimal.Decimal(0) if t.name == "decimal" else 0
    if t.name == "float":
        return f32(total / f32(count))
    if t.name == "double":
        return total / count
    if t.name == "decimal":
        sign, digits, exponent = total.as_tuple()
        unscaled = int("".join(map(str, digits)) or "0")
        q, r = divmod(unscaled, count)
        if 2 * r > count or (2 * r == count and q % 2 == 1):
            q += 1
        return decimal.Decimal((sign if q else 0, tuple(map(int, str(q))), exponent))
    q = abs(total) // count  # integers: the quotient truncated toward zero
    return q if total >= 0 else -q


def f32(x: float) -> float:
    """``x`` rounded to single precision (overflowing to an infinity, as a C float does)."""
    try:
        return float(struct.unpack(">f", struct.pack(">f", x))[0])
    except OverflowError:
        return math.copysign(math.inf, x)
