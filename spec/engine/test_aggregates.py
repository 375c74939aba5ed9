"""Aggregates, GROUP BY, SELECT DISTINCT, LIMIT and PER PARTITION LIMIT, as ScyllaDB
answers them (cql3/functions/aggregate_fcts.cc, select_statement.cc):

* ``count`` is a bigint; ``min``/``max``/``sum``/``avg`` keep their argument's type.
  Integer sums are computed without overflow and refused when the total does not fit
  the type ("Sum overflow"); ``float`` adds in single precision; ``decimal`` exactly;
  ``avg`` truncates integers and rounds decimals half-even at the sum's scale. Over no
  rows ``count``/``sum``/``avg`` are 0 and ``min``/``max`` null.
* Plain columns next to aggregates show the group's first row.
* GROUP BY takes primary-key columns in key order (columns restricted by ``=`` may be
  skipped); LIMIT and PER PARTITION LIMIT then count groups.
* Aggregating queries are answered in one result whatever the page size.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import struct
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Session
from cassandra.cqltypes import Int32Type
from cassandra.murmur3 import murmur3
from cassandra.protocol import SyntaxException
from cassandra.query import SimpleStatement
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spec.assertions import refused, rows

PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_partitions = itertools.count(1)


def token(k: int) -> int:
    return murmur3(Int32Type.serialize(k, 4))


# --------------------------------------------------------------------------- result types


NUMERIC = ("tinyint", "smallint", "int", "bigint", "varint", "float", "double", "decimal")


@pytest.fixture
def numbers(cql: Session, keyspace: str) -> str:
    """n: one column of every numeric type, rows (p, c) with c in clustering order."""
    columns = ", ".join(f"{t}_v {t}" for t in NUMERIC)
    cql.execute(f"CREATE TABLE n (p int, c int, {columns}, PRIMARY KEY (p, c))")
    return keyspace


def insert_numbers(cql: Session, p: int, column: str, values: list[Any]) -> None:
    insert = cql.prepare(f"INSERT INTO n (p, c, {column}) VALUES (?, ?, ?)")
    for c, v in enumerate(values):
        cql.execute(insert, (p, c, v))


def test_result_types_and_names_follow_the_argument(cql: Session, numbers: str) -> None:
    for t in NUMERIC:
        insert_numbers(cql, 1, f"{t}_v", [Decimal(1), Decimal(2)] if t == "decimal" else [1, 2])
        result = cql.execute(
            f"SELECT count({t}_v), min({t}_v), max({t}_v), sum({t}_v), avg({t}_v), count(*) FROM n WHERE p = 1"
        )
        assert result.column_names == [
            f"system.count({t}_v)",
            f"system.min({t}_v)",
            f"system.max({t}_v)",
            f"system.sum({t}_v)",
            f"system.avg({t}_v)",
            "count",
        ]
        assert [c.typename for c in result.column_types] == ["bigint", t, t, t, t, "bigint"]
        count, low, high, total, average, rows_ = result.one()
        assert (count, low, high, total, rows_) == (2, 1, 2, 3, 2)
        # the average of 1 and 2: integers truncate, floats do not, a decimal of scale 0
        # rounds half-even to 2
        expected_avg = {"float": 1.5, "double": 1.5, "decimal": Decimal(2)}.get(t, 1)
        assert average == expected_avg and type(average) is type(expected_avg), t


def test_aggregates_over_no_rows(cql: Session, numbers: str) -> None:
    got = rows(
        cql,
        "SELECT count(*), count(int_v), min(int_v), max(int_v), sum(int_v), avg(int_v) FROM n WHERE p = 9",
    )
    assert got == [(0, 0, None, None, 0, 0)]
    assert rows(
        cql, "SELECT sum(decimal_v), avg(decimal_v), sum(double_v), avg(float_v) FROM n WHERE p = 9"
    ) == [(Decimal(0), Decimal(0), 0.0, 0.0)]
    # a plain column next to an aggregate reads null when no row matched
    assert rows(cql, "SELECT p, count(*) FROM n WHERE p = 9") == [(None, 0)]
    assert rows(cql, "SELECT count(*), min(int_v) FROM n WHERE p IN ()") == [(0, None)]


def test_integer_sums_that_overflow_their_type_are_refused(cql: Session, numbers: str) -> None:
    insert_numbers(cql, 1, "int_v", [2**31 - 1, 1])
    insert_numbers(cql, 2, "tinyint_v", [100, 100])
    insert_numbers(cql, 5, "tinyint_v", [100, 100, -90])
    insert_numbers(cql, 3, "bigint_v", [2**63 - 1, 2**63 - 1])
    insert_numbers(cql, 4, "varint_v", [2**63 - 1, 2**63 - 1])
    for query in (
        "SELECT sum(int_v) FROM n WHERE p = 1",
        "SELECT sum(tinyint_v) FROM n WHERE p = 2",
        "SELECT sum(bigint_v) FROM n WHERE p = 3",
    ):
        refused(
            cql,
            numbers,
            query,
            InvalidRequest,
            "Sum overflow. Values should be casted to a wider type.",
            exact=True,
        )
    # the average never overflows (it is computed from the exact sum), and casting to a
    # wider type sums without overflow
    assert rows(cql, "SELECT avg(int_v), sum(cast(int_v as bigint)) FROM n WHERE p = 1") == [(2**30, 2**31)]
    assert rows(cql, "SELECT avg(bigint_v) FROM n WHERE p = 3") == [(2**63 - 1,)]
    assert rows(cql, "SELECT sum(varint_v) FROM n WHERE p = 4") == [(2**64 - 2,)]
    # a running total beyond the type is fine when the final one fits
    assert rows(cql, "SELECT sum(tinyint_v) FROM n WHERE p = 5") == [(110,)]


def test_averages_truncate_integers_and_round_decimals_half_even(cql: Session, numbers: str) -> None:
    insert_numbers(cql, 1, "int_v", [-1, -2])
    assert rows(cql, "SELECT avg(int_v) FROM n WHERE p = 1") == [(-1,)]  # -1.5 truncated toward zero
    for p, values, expected in (
        (2, ["1", "2"], "2"),  # 1.5 at scale 0: half-even rounds up to 2
        (3, ["1.0", "2.0"], "1.5"),
        (4, ["1.25", "2.5"], "1.88"),  # sum 3.75 (scale 2): 1.875 rounds to 1.88
        (5, ["1.1", "1.2"], "1.2"),  # 1.15 at scale 1: half-even picks the even 1.2
        (6, ["0.5", "1.5"], "1.0"),
    ):
        insert_numbers(cql, p, "decimal_v", [Decimal(v) for v in values])
        (got,) = cql.execute(f"SELECT avg(decimal_v) FROM n WHERE p = {p}").one()
        assert str(got) == expected


def test_float_sums_add_in_single_precision(cql: Session, numbers: str) -> None:
    insert_numbers(cql, 1, "float_v", [0.1, 0.2, 0.3])
    insert_numbers(cql, 2, "double_v", [math.inf, -math.inf])
    total, average = cql.execute("SELECT sum(float_v), avg(float_v) FROM n WHERE p = 1").one()
    assert total == f32(f32(f32(f32(0.1)) + f32(0.2)) + f32(0.3))
    assert average == f32(total / 3)
    (inf_sum,) = cql.execute("SELECT sum(double_v) FROM n WHERE p = 2").one()
    assert math.isnan(inf_sum)


def f32(x: float) -> float:
    try:
        return float(struct.unpack(">f", struct.pack(">f", x))[0])
    except OverflowError:
        return math.copysign(math.inf, x)


# --------------------------------------------------------------------------- properties


def int_range(t: str) -> tuple[int, int]:
    bits = {"tinyint": 8, "smallint": 16, "int": 32, "bigint": 64}[t]
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


@st.composite
def integer_column(draw: Callable[..., Any]) -> tuple[str, list[int]]:
    t = draw(st.sampled_from(("tinyint", "smallint", "int", "bigint", "varint")))
    lo, hi = int_range(t) if t != "varint" else (-(2**80), 2**80)
    return t, draw(st.lists(st.integers(lo, hi), min_size=1, max_size=12))


@PROPERTY
@given(column=integer_column())
def test_integer_aggregates_equal_pythons(cql: Session, numbers: str, column: tuple[str, list[int]]) -> None:
    t, values = column
    p = next(_partitions)
    insert_numbers(cql, p, f"{t}_v", values)
    assert rows(cql, f"SELECT count({t}_v), min({t}_v), max({t}_v) FROM n WHERE p = {p}") == [
        (len(values), min(values), max(values))
    ]
    total = sum(values)
    fits = t == "varint" or int_range(t)[0] <= total <= int_range(t)[1]
    if fits:
        assert rows(cql, f"SELECT sum({t}_v) FROM n WHERE p = {p}") == [(total,)]
    else:
        with pytest.raises(InvalidRequest, match="Sum overflow"):
            cql.execute(f"SELECT sum({t}_v) FROM n WHERE p = {p}")
    truncated = abs(total) // len(values) * (1 if total >= 0 else -1)
    assert rows(cql, f"SELECT avg({t}_v) FROM n WHERE p = {p}") == [(truncated,)]


@PROPERTY
@given(values=st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=12))
def test_double_aggregates_equal_pythons(cql: Session, numbers: str, values: list[float]) -> None:
    p = next(_partitions)
    insert_numbers(cql, p, "double_v", values)
    total = functools.reduce(lambda a, b: a + b, values, 0.0)  # in clustering order
    got = cql.execute(
        f"SELECT min(double_v), max(double_v), sum(double_v), avg(double_v) FROM n WHERE p = {p}"
    ).one()
    assert got[:2] == (min(values), max(values))
    assert same(got[2], total) and same(got[3], total / len(values))


@PROPERTY
@given(values=st.lists(st.floats(width=32, allow_nan=False, allow_infinity=False), min_size=1, max_size=12))
def test_float_aggregates_equal_single_precision_arithmetic(
    cql: Session, numbers: str, values: list[float]
) -> None:
    p = next(_partitions)
    insert_numbers(cql, p, "float_v", values)
    total = functools.reduce(lambda a, b: f32(a + b), values, 0.0)
    got = cql.execute(f"SELECT sum(float_v), avg(float_v) FROM n WHERE p = {p}").one()
    assert same(got[0], total) and same(got[1], f32(total / len(values)))


@PROPERTY
@given(
    values=st.lists(
        st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12, places=3)
        | st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**6), max_value=10**6, places=0),
        min_size=1,
        max_size=12,
    )
)
def test_decimal_aggregates_are_exact(cql: Session, numbers: str, values: list[Decimal]) -> None:
    p = next(_partitions)
    insert_numbers(cql, p, "decimal_v", values)
    with localcontext() as ctx:
        ctx.prec = 100
        total = sum(values, Decimal(0))
        exponent = total.as_tuple().exponent
        assert isinstance(exponent, int)
        average = (total / len(values)).quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_EVEN)
    got = cql.execute(
        f"SELECT min(decimal_v), max(decimal_v), sum(decimal_v), avg(decimal_v) FROM n WHERE p = {p}"
    ).one()
    assert got == (min(values), max(values), total, average)
    assert got[2].as_tuple().exponent == exponent  # the sum keeps the finest scale of its terms


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


# --------------------------------------------------------------------------- counting and mixing


@pytest.fixture
def grid(cql: Session, keyspace: str) -> str:
    """g: partitions 0..3, (c1, c2) in 0..2 x 0..2, v = 100 p + 10 c1 + c2; w null when c2 = 1."""
    cql.execute("CREATE TABLE g (p int, c1 int, c2 int, v int, w int, PRIMARY KEY (p, c1, c2))")
    insert = cql.prepare("INSERT INTO g (p, c1, c2, v, w) VALUES (?, ?, ?, ?, ?)")
    for p, c1, c2 in itertools.product(range(4), range(3), range(3)):
        cql.execute(insert, (p, c1, c2, 100 * p + 10 * c1 + c2, None if c2 == 1 else c2))
    return keyspace


def v(p: int, c1: int, c2: int) -> int:
    return 100 * p + 10 * c1 + c2


def test_count_of_a_column_skips_nulls_and_counts_any_type(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TYPE u (i int, t text)")
    cql.execute(
        "CREATE TABLE x (p int, c int, l frozen<list<int>>, tu tuple<int, text>, uv frozen<u>, m map<int, int>, "
        "PRIMARY KEY (p, c))"
    )
    cql.execute("INSERT INTO x (p, c, l, tu, uv, m) VALUES (1, 1, [1, 2], (3, 'a'), {i: 3, t: 'b'}, {1: 1})")
    cql.execute("INSERT INTO x (p, c) VALUES (1, 2)")
    assert rows(cql, "SELECT count(*), count(l), count(tu), count(uv), count(m) FROM x WHERE p = 1") == [
        (2, 1, 1, 1, 1)
    ]


def test_aggregates_with_where_restrictions(cql: Session, grid: str) -> None:
    assert rows(cql, "SELECT count(*), sum(v) FROM g WHERE p = 2 AND c1 = 1") == [(3, 3 * 210 + 3)]
    assert rows(cql, "SELECT count(*), max(v) FROM g WHERE p = 2 AND c1 >= 1 AND c1 < 2") == [(3, 212)]
    assert rows(cql, "SELECT count(w), min(w) FROM g WHERE p IN (1, 3)") == [(12, 0)]
    assert rows(cql, "SELECT count(*) FROM g WHERE v > 300 ALLOW FILTERING") == [(8,)]
    assert rows(cql, "SELECT count(*) FROM g WHERE w = 2 ALLOW FILTERING") == [(12,)]
    assert rows(cql, "SELECT count(*) FROM g") == [(36,)]


def test_plain_columns_next_to_aggregates_read_the_first_row(cql: Session, grid: str) -> None:
    assert rows(cql, "SELECT p, c1, c2, count(*), max(v) FROM g WHERE p = 2") == [(2, 0, 0, 9, v(2, 2, 2))]
    # the first row in the order read: ORDER BY DESC reads the partition backwards
    assert rows(cql, "SELECT c1, c2, min(v) FROM g WHERE p = 2 ORDER BY c1 DESC") == [(2, 2, v(2, 0, 0))]
    assert rows(cql, "SELECT c2, count(*) FROM g WHERE p = 1 AND c1 = 1 AND c2 > 0") == [(1, 2)]


def test_functions_of_aggregates(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE tu (a int, b timeuuid, PRIMARY KEY (a, b))")
    cql.execute("INSERT INTO tu (a, b) VALUES (0, 13814000-1dd2-11ff-8080-808080808080)")
    cql.execute("INSERT INTO tu (a, b) VALUES (0, 6b1b3620-33fd-11eb-8080-808080808080)")
    result = cql.execute("SELECT todate(min(b)), todate(max(b)) FROM tu WHERE a = 0")
    assert result.column_names == ["system.todate(system.min(b))", "system.todate(system.max(b))"]
    low, high = result.one()
    assert (str(low), str(high)) == ("2020-12-01", "2038-09-06")


def test_select_json_of_aggregates(cql: Session, grid: str) -> None:
    assert rows(cql, "SELECT JSON count(*), max(v) FROM g WHERE p = 1") == [
        ('{"count": 9, "system.max(v)": 122}',)
    ]
    assert rows(cql, "SELECT JSON count(*) AS n FROM g WHERE p = 1 AND c1 = 0") == [('{"n": 3}',)]
    assert sorted(rows(cql, "SELECT JSON p, count(*) FROM g GROUP BY p")) == [
        (f'{{"p": {p}, "count": 9}}',) for p in range(4)
    ]


# --------------------------------------------------------------------------- GROUP BY


def test_group_by_partition_and_clustering_prefix(cql: Session, grid: str) -> None:
    assert sorted(rows(cql, "SELECT p, count(*), sum(v) FROM g GROUP BY p")) == [
        (p, 9, sum(v(p, a, b) for a in range(3) for b in range(3))) for p in range(4)
    ]
    by_c1 = rows(cql, "SELECT p, c1, count(w), max(v) FROM g WHERE p = 3 GROUP BY p, c1")
    assert by_c1 == [(3, c1, 2, v(3, c1, 2)) for c1 in range(3)]
    full = rows(cql, "SELECT p, c1, c2, count(*) FROM g WHERE p = 0 GROUP BY p, c1, c2")
    assert full == [(0, a, b, 1) for a in range(3) for b in range(3)]
    # groups come in token order, then clustering order
    order = [r[0] for r in rows(cql, "SELECT p, c1 FROM g GROUP BY p, c1")]
    assert order == [p for p in sorted(range(4), key=token) for _ in range(3)]


def test_group_by_without_aggregates_returns_each_groups_first_row(cql: Session, grid: str) -> None:
    assert sorted(rows(cql, "SELECT p, c1, c2, v FROM g GROUP BY p")) == [
        (p, 0, 0, v(p, 0, 0)) for p in range(4)
    ]
    assert rows(cql, "SELECT * FROM g WHERE p = 1 GROUP BY p, c1") == [
        (1, c1, 0, v(1, c1, 0), 0) for c1 in range(3)
    ]
    # with filtering the first matching row
    assert rows(cql, "SELECT p, c1, c2 FROM g WHERE p = 1 AND c2 > 1 GROUP BY p, c1 ALLOW FILTERING") == [
        (1, c1, 2) for c1 in range(3)
    ]


def test_group_by_may_skip_columns_restricted_by_equality(cql: Session, grid: str) -> None:
    assert rows(cql, "SELECT c1, count(*) FROM g WHERE p = 2 GROUP BY c1") == [(c1, 3) for c1 in range(3)]
    assert rows(cql, "SELECT c2, sum(v) FROM g WHERE p = 2 AND c1 = 1 GROUP BY c2") == [
        (c2, v(2, 1, c2)) for c2 in range(3)
    ]
    assert rows(cql, "SELECT c2, sum(v) FROM g WHERE p = 2 AND c1 = 1 GROUP BY p, c2") == [
        (c2, v(2, 1, c2)) for c2 in range(3)
    ]


def test_group_by_matching_no_rows_returns_no_groups(cql: Session, grid: str) -> None:
    assert rows(cql, "SELECT p, count(*) FROM g WHERE p = 9 GROUP BY p") == []
    assert rows(cql, "SELECT p, c1, count(v) FROM g WHERE p = 9 GROUP BY p, c1") == []


def test_limit_and_per_partition_limit_count_groups(cql: Session, grid: str) -> None:
    every = rows(cql, "SELECT p, c1, count(*) FROM g GROUP BY p, c1")
    assert len(every) == 12 and all(n == 3 for *_, n in every)
    for n in (1, 4, 5, 12, 20):
        assert rows(cql, f"SELECT p, c1, count(*) FROM g GROUP BY p, c1 LIMIT {n}") == every[:n]
    per_one = rows(cql, "SELECT p, c1, count(*) FROM g GROUP BY p, c1 PER PARTITION LIMIT 1")
    assert per_one == [r for r in every if r[1] == 0]
    per_two_limit = rows(cql, "SELECT p, c1, count(*) FROM g GROUP BY p, c1 PER PARTITION LIMIT 2 LIMIT 3")
    assert per_two_limit == [r for r in every if r[1] < 2][:3]
    # PER PARTITION LIMIT under GROUP BY p: one group per partition anyway, all its rows counted
    assert sorted(rows(cql, "SELECT p, count(*) FROM g GROUP BY p PER PARTITION LIMIT 2")) == [
        (p, 9) for p in range(4)
    ]
    # without aggregates: the first row of each of the first n groups
    assert rows(cql, "SELECT p, c1, c2 FROM g WHERE p = 1 GROUP BY p, c1 LIMIT 2") == [(1, 0, 0), (1, 1, 0)]


def test_group_by_in_reverse_order(cql: Session, grid: str) -> None:
    got = rows(cql, "SELECT c1, c2, count(*), max(v) FROM g WHERE p = 1 GROUP BY p, c1 ORDER BY c1 DESC")
    assert got == [(c1, 2, 3, v(1, c1, 2)) for c1 in (2, 1, 0)]
    limited = rows(cql, "SELECT c1, count(*) FROM g WHERE p = 1 GROUP BY p, c1 ORDER BY c1 DESC LIMIT 2")
    assert limited == [(2, 3), (1, 3)]


def test_aggregates_with_per_partition_limit_count_the_first_rows(cql: Session, grid: str) -> None:
    # recent ScyllaDB applies PER PARTITION LIMIT before aggregating (scylladb#21125)
    assert rows(cql, "SELECT count(*) FROM g PER PARTITION LIMIT 2") == [(8,)]
    assert rows(cql, "SELECT count(*), max(c2) FROM g WHERE p = 1 PER PARTITION LIMIT 2") == [(2, 1)]


def test_group_by_refusals(cql: Session, grid: str) -> None:
    cql.execute("CREATE TABLE cp (a int, b int, c int, v int, PRIMARY KEY ((a, b), c))")
    cases = [
        ("SELECT p, count(*) FROM g GROUP BY zzz", "Group by unknown column zzz"),
        ("SELECT p, count(*) FROM g GROUP BY p, v", "Group by non-primary-key column v"),
        ("SELECT count(*) FROM g GROUP BY c1", "Group by column c1 is out of order"),
        ("SELECT count(*) FROM g GROUP BY p, c2", "Group by column c2 is out of order"),
        ("SELECT count(*) FROM g GROUP BY c1, p", "Group by column c1 is out of order"),
        ("SELECT count(*) FROM g WHERE p = 1 GROUP BY c2", "Group by column c2 is out of order"),
        ("SELECT count(*) FROM g WHERE p IN (1, 2) GROUP BY c1", "Group by column c1 is out of order"),
        ("SELECT count(*) FROM g GROUP BY p, p", "Group by column p is out of order"),
        ("SELECT count(*) FROM cp GROUP BY a", "GROUP BY must include the entire partition key"),
    ]
    for query, message in cases:
        refused(cql, grid, query, InvalidRequest, message, exact=True)


# --------------------------------------------------------------------------- DISTINCT


@pytest.fixture
def statics(cql: Session, keyspace: str) -> str:
    """s: partitions 0..5 with static s = 10 p and rows c in 0..3; partition 6 has only its static row."""
    cql.execute("CREATE TABLE s (p int, c int, s int static, v int, PRIMARY KEY (p, c))")
    for p in range(6):
        cql.execute("INSERT INTO s (p, s) VALUES (%s, %s)", (p, 10 * p))
        for c in range(4):
            cql.execute("INSERT INTO s (p, c, v) VALUES (%s, %s, %s)", (p, c, c))
    cql.execute("INSERT INTO s (p, s) VALUES (6, 60)")
    cql.execute("CREATE TABLE cp (a int, b int, c int, PRIMARY KEY ((a, b), c))")
    return keyspace


def test_distinct_returns_one_row_per_partition(cql: Session, statics: str) -> None:
    got = rows(cql, "SELECT DISTINCT p, s FROM s")
    assert got == [(p, 10 * p) for p in sorted(range(7), key=token)]
    assert sorted(rows(cql, "SELECT DISTINCT p FROM s WHERE p IN (1, 6, 9)")) == [(1,), (6,)]
    assert rows(cql, "SELECT DISTINCT s FROM s WHERE p = 3") == [(30,)]
    for n in range(1, 8):
        assert rows(cql, f"SELECT DISTINCT p FROM s LIMIT {n}") == [(p,) for p, _ in got[:n]]
    assert rows(cql, "SELECT DISTINCT p, count(*) FROM s GROUP BY p LIMIT 3") == [(p, 1) for p, _ in got[:3]]
    paged = SimpleStatement("SELECT DISTINCT p, s FROM s", fetch_size=2)
    assert rows(cql, paged) == got  # type: ignore[arg-type]


def test_distinct_refusals(cql: Session, statics: str) -> None:
    cases = [
        (
            "SELECT DISTINCT p, c FROM s",
            "SELECT DISTINCT queries must only request partition key columns and/or static columns (not c)",
        ),
        (
            "SELECT DISTINCT v FROM s WHERE p = 1",
            "SELECT DISTINCT queries must only request partition key columns and/or static columns (not v)",
        ),
        (
            "SELECT DISTINCT * FROM s",
            "SELECT DISTINCT queries must only request partition key columns and/or static columns (not c)",
        ),
        (
            "SELECT DISTINCT p FROM s WHERE p = 1 AND c = 1",
            "SELECT DISTINCT with WHERE clause only supports restriction by partition key.",
        ),
        (
            "SELECT DISTINCT p FROM s WHERE s = 10 ALLOW FILTERING",
            "SELECT DISTINCT with WHERE clause only supports restriction by partition key.",
        ),
        (
            "SELECT DISTINCT a FROM cp",
            "SELECT DISTINCT queries must request all the partition key columns (missing b)",
        ),
        (
            "SELECT DISTINCT p FROM s PER PARTITION LIMIT 1",
            "PER PARTITION LIMIT is not allowed with SELECT DISTINCT queries",
        ),
        (
            "SELECT DISTINCT p, count(*) FROM s GROUP BY p, c",
            "Grouping on clustering columns is not allowed for SELECT DISTINCT queries",
        ),
    ]
    for query, message in cases:
        refused(cql, statics, query, InvalidRequest, message, exact=True)
    # a partition named in full needs no key column selected
    cql.execute("INSERT INTO cp (a, b, c) VALUES (1, 2, 3)")
    assert rows(cql, "SELECT DISTINCT b FROM cp WHERE a = 1 AND b = 2") == [(2,)]


# --------------------------------------------------------------------------- limits and paging


def test_limit_and_per_partition_limit_together_page_by_page(cql: Session, grid: str) -> None:
    every = rows(cql, "SELECT p, c1, c2 FROM g")
    per_two = [r for i, r in enumerate(every) if i % 9 < 2]
    assert rows(cql, "SELECT p, c1, c2 FROM g PER PARTITION LIMIT 2") == per_two
    for limit, fetch in itertools.product((1, 3, 7, 8, 50), (1, 2, 3, 100)):
        paged = SimpleStatement(
            f"SELECT p, c1, c2 FROM g PER PARTITION LIMIT 2 LIMIT {limit}", fetch_size=fetch
        )
        assert rows(cql, paged) == per_two[:limit], (limit, fetch)  # type: ignore[arg-type]
        plain = SimpleStatement(f"SELECT p, c1, c2 FROM g LIMIT {limit}", fetch_size=fetch)
        assert rows(cql, plain) == every[:limit], (limit, fetch)  # type: ignore[arg-type]


def test_aggregates_and_groups_are_whole_whatever_the_page_size(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE big (p int, c int, v int, PRIMARY KEY (p, c))")
    insert = cql.prepare("INSERT INTO big (p, c, v) VALUES (?, ?, ?)")
    for p, c in itertools.product(range(40), range(30)):
        cql.execute(insert, (p, c, c))
    for fetch in (5, 100, 5000):
        result = cql.execute(SimpleStatement("SELECT count(*), sum(v) FROM big", fetch_size=fetch))
        assert list(result) == [(1200, 40 * 435)]
        groups = rows(
            cql, SimpleStatement("SELECT p, count(*), max(v) FROM big GROUP BY p", fetch_size=fetch)
        )  # type: ignore[arg-type]
        assert groups == [(p, 30, 29) for p in sorted(range(40), key=token)]
        limited = rows(
            cql, SimpleStatement("SELECT p, count(*) FROM big GROUP BY p LIMIT 7", fetch_size=fetch)
        )  # type: ignore[arg-type]
        assert limited == [(p, 30) for p, _, _ in groups[:7]]


# --------------------------------------------------------------------------- refusals


def test_aggregate_refusals(cql: Session, grid: str) -> None:
    cql.execute("CREATE TABLE txt (p int PRIMARY KEY, t text)")
    refused(
        cql,
        grid,
        "SELECT sum(t) FROM txt",
        InvalidRequest,
        re.compile(r"Invalid call to function sum, none of its type signatures match"),
    )
    refused(
        cql,
        grid,
        "SELECT avg(t) FROM txt",
        InvalidRequest,
        re.compile(r"Invalid call to function avg, none of its type signatures match"),
    )
    refused(cql, grid, "SELECT sum(*) FROM g", SyntaxException, re.compile(r"\*"))
