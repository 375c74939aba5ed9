"""Every CQL type round-trips through the driver: written prepared and as a CQL literal,
read back prepared and unprepared, with edge values and nulls (hypothesis)."""

from __future__ import annotations

import datetime as dt
import decimal
import ipaddress
import itertools
import math
import struct
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Session
from cassandra.util import Date, Duration, Time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
EPOCH = dt.datetime(1970, 1, 1)
_keys = itertools.count(1)


# --------------------------------------------------------------------------- literals


def ms_of(value: dt.datetime) -> int:
    delta = value - EPOCH
    return delta.days * 86_400_000 + delta.seconds * 1000 + round(delta.microseconds / 1000)


def iso_timestamp(ms: int) -> str:
    when = EPOCH + dt.timedelta(milliseconds=ms)
    return f"'{when.year:04d}-{when:%m-%dT%H:%M:%S}.{when.microsecond // 1000:03d}+0000'"


def float_literal(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return repr(v)


def duration_literal(d: Duration) -> str:
    sign = "-" if min(d.months, d.days, d.nanoseconds) < 0 else ""
    return f"{sign}{abs(d.months)}mo{abs(d.days)}d{abs(d.nanoseconds)}ns"


def time_literal(t: Time) -> str:
    n = t.nanosecond_time
    secs, frac = divmod(n, 10**9)
    return f"'{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}.{frac:09d}'"


def literal(cql_type: str, value: Any, ts_style: str = "iso") -> str:
    """``value`` as a CQL literal of ``cql_type`` (a test-side renderer, independent of the server)."""
    if value is None:
        return "null"
    t = cql_type.replace(" ", "")
    if t.startswith("frozen<"):
        t = t[len("frozen<") : -1]
    if t.startswith("list<") or t.startswith("vector<"):
        inner = _first_param(t)
        return "[" + ", ".join(literal(inner, v, ts_style) for v in value) + "]"
    if t.startswith("set<"):
        inner = _first_param(t)
        return "{" + ", ".join(literal(inner, v, ts_style) for v in value) + "}"
    if t.startswith("map<"):
        kt, vt = _split_params(t[4:-1])
        return (
            "{"
            + ", ".join(f"{literal(kt, k, ts_style)}: {literal(vt, v, ts_style)}" for k, v in value.items())
            + "}"
        )
    if t.startswith("tuple<"):
        params = _split_params(t[6:-1])
        return "(" + ", ".join(literal(p, v, ts_style) for p, v in zip(params, value)) + ")"
    if t in UDTS:
        fields = UDTS[t]
        return "{" + ", ".join(f"{f}: {literal(ft, v, ts_style)}" for (f, ft), v in zip(fields, value)) + "}"
    if t in ("ascii", "text", "varchar"):
        return "'" + value.replace("'", "''") + "'"
    if t in ("int", "bigint", "smallint", "tinyint", "varint", "counter"):
        return str(value)
    if t == "blob":
        return "0x" + value.hex()
    if t == "boolean":
        return "true" if value else "false"
    if t in ("float", "double"):
        return float_literal(value)
    if t == "decimal":
        return str(value)
    if t == "date":
        return f"'{value.year:04d}-{value:%m-%d}'"
    if t == "time":
        return time_literal(value)
    if t == "timestamp":
        return str(value) if ts_style == "ms" else iso_timestamp(value)
    if t in ("uuid", "timeuuid"):
        return str(value)
    if t == "inet":
        return f"'{value}'"
    if t == "duration":
        return duration_literal(value)
    raise AssertionError(f"no literal renderer for {cql_type}")


def _split_params(text: str) -> list[str]:
    depth, start, out = 0, 0, []
    for i, ch in enumerate(text):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return out


def _first_param(t: str) -> str:
    return _split_params(t[t.index("<") + 1 : -1])[0]


# --------------------------------------------------------------------------- comparison


def canon(value: Any) -> Any:
    """A comparable form: NaN equals NaN, -0.0 differs from 0.0, driver containers
    become plain ones (keeping order where the type has one)."""
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else ("float", struct.pack(">d", value))
    if isinstance(value, dt.datetime):
        return ("ms", ms_of(value))
    if isinstance(value, dt.date):
        return Date(value)
    if isinstance(value, str) and _looks_like_ip(value):
        return ipaddress.ip_address(value)
    if isinstance(value, (list, tuple)):
        return [canon(v) for v in value]
    if isinstance(value, (set, frozenset)) or type(value).__name__ == "SortedSet":
        return ("set", [canon(v) for v in sorted(value)])
    if isinstance(value, dict):  # what a test writes: the server returns keys in their CQL order
        return ("map", [(canon(k), canon(v)) for k, v in sorted(value.items())])
    if hasattr(value, "items"):  # what the driver reads, in wire order
        return ("map", [(canon(k), canon(v)) for k, v in value.items()])
    return value


def _looks_like_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- type cases

UDTS: dict[str, list[tuple[str, str]]] = {
    "point": [("x", "int"), ("label", "text"), ("tags", "frozen<list<text>>")],
}

ints = lambda bits: st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)  # noqa: E731
edge_ints = lambda bits: st.sampled_from([-(2 ** (bits - 1)), 2 ** (bits - 1) - 1, 0, -1, 1])  # noqa: E731
MIN_MS, MAX_MS = ms_of(dt.datetime(1, 1, 1)), ms_of(dt.datetime(9999, 12, 31, 23, 59, 59, 999000))
text = st.text(max_size=20)
f32 = st.floats(width=32)


def same_sign_duration() -> st.SearchStrategy[Duration]:
    pos = st.tuples(st.integers(0, 2**31 - 1), st.integers(0, 2**31 - 1), st.integers(0, 2**63 - 1))
    return st.one_of(
        pos.map(lambda t: Duration(*t)),
        pos.map(lambda t: Duration(-t[0], -t[1], -t[2])),
    )


@dataclass(frozen=True)
class Case:
    name: str
    cql: str
    values: st.SearchStrategy[Any]
    expect: Callable[[Any], Any] = lambda v: v  # what a written value reads back as


def _empty_is_null(v: Any) -> Any:
    return None if v is not None and len(v) == 0 else v


def _udt_nonfrozen(v: Any) -> Any:
    return None if v is not None and all(f is None for f in v) else v


CASES = [
    Case("ascii", "ascii", st.text(st.characters(max_codepoint=127), max_size=20)),
    Case("bigint", "bigint", st.one_of(edge_ints(64), ints(64))),
    Case("blob", "blob", st.binary(max_size=32)),
    Case("boolean", "boolean", st.booleans()),
    Case(
        "date",
        "date",
        st.one_of(
            st.sampled_from(
                [
                    dt.date(2000, 2, 29),
                    dt.date(2024, 2, 29),
                    dt.date(1969, 12, 31),
                    dt.date(1, 1, 1),
                    dt.date(9999, 12, 31),
                    dt.date(1900, 2, 28),
                ]
            ),
            st.dates(),
        ),
    ),
    Case("decimal", "decimal", st.decimals(allow_nan=False, allow_infinity=False)),
    Case(
        "double",
        "double",
        st.one_of(
            st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 5e-324, 1.7976931348623157e308]),
            st.floats(),
        ),
    ),
    Case("float", "float", st.one_of(st.sampled_from([math.nan, math.inf, -math.inf, -0.0]), f32)),
    Case(
        "duration",
        "duration",
        st.one_of(
            st.sampled_from([Duration(0, 0, 5400 * 10**9), Duration(-1, -2, -3)]), same_sign_duration()
        ),
    ),
    Case("inet", "inet", st.ip_addresses().map(str)),
    Case("int", "int", st.one_of(edge_ints(32), ints(32))),
    Case("smallint", "smallint", st.one_of(edge_ints(16), ints(16))),
    Case("text", "text", st.one_of(st.sampled_from(["", "ünïcødé ✓ 𝄞", "it's"]), text)),
    Case("time", "time", st.integers(0, 86_399_999_999_999).map(Time)),
    Case(
        "timestamp",
        "timestamp",
        st.one_of(st.sampled_from([0, -1, MIN_MS, MAX_MS, -86_400_000 * 365]), st.integers(MIN_MS, MAX_MS)),
    ),
    Case("timeuuid", "timeuuid", st.uuids(version=1)),
    Case("tinyint", "tinyint", st.one_of(edge_ints(8), ints(8))),
    Case("uuid", "uuid", st.uuids()),
    Case(
        "varint",
        "varint",
        st.one_of(st.sampled_from([0, -(2**64), 2**64, 2**63]), st.integers(-(2**200), 2**200)),
    ),
    Case("list", "list<int>", st.lists(ints(32), max_size=5), _empty_is_null),
    Case("set", "set<text>", st.sets(text, max_size=5), _empty_is_null),
    Case("map", "map<text, bigint>", st.dictionaries(text, ints(64), max_size=5), _empty_is_null),
    Case("frozen_list", "frozen<list<int>>", st.lists(ints(32), max_size=5)),
    Case("frozen_set", "frozen<set<int>>", st.sets(ints(32), max_size=5)),
    Case("frozen_map", "frozen<map<int, text>>", st.dictionaries(ints(32), text, max_size=5)),
    Case(
        "nested",
        "frozen<list<frozen<map<text, frozen<set<int>>>>>>",
        st.lists(st.dictionaries(text, st.sets(ints(32), max_size=3), max_size=3), max_size=3),
    ),
    Case(
        "tuple",
        "tuple<int, text, boolean>",
        st.tuples(st.none() | ints(32), st.none() | text, st.none() | st.booleans()),
    ),
    Case(
        "udt",
        "point",
        st.tuples(st.none() | ints(32), st.none() | text, st.none() | st.lists(text, max_size=3)),
        _udt_nonfrozen,
    ),
    Case(
        "frozen_udt",
        "frozen<point>",
        st.tuples(st.none() | ints(32), st.none() | text, st.none() | st.lists(text, max_size=3)),
    ),
    Case(
        "vector", "vector<float, 3>", st.lists(st.floats(width=32, allow_nan=False), min_size=3, max_size=3)
    ),
]
BY_NAME = {c.name: c for c in CASES}


@pytest.fixture(scope="module")
def types_ks(cql: Session) -> Iterator[str]:
    """One keyspace with a table per type (module scope: hypothesis reruns the tests)."""
    ks = f"types_{uuid.uuid4().hex[:8]}"
    cql.execute(
        f"CREATE KEYSPACE {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
    )
    for name, fields in UDTS.items():
        cql.execute(f"CREATE TYPE {ks}.{name} ({', '.join(f'{f} {t}' for f, t in fields)})")
    for case in CASES:
        cql.execute(f"CREATE TABLE {ks}.t_{case.name} (k int PRIMARY KEY, v {case.cql})")
    cql.execute(f"CREATE TABLE {ks}.counts (k int PRIMARY KEY, c counter)")
    yield ks
    cql.execute(f"DROP KEYSPACE {ks}")


class RoundTrip:
    """Writes a value of one case both ways and reads each write back both ways."""

    def __init__(self, cql: Session, ks: str, case: Case) -> None:
        self.cql, self.case = cql, case
        table = f"{ks}.t_{case.name}"
        self.table = table
        self.insert = cql.prepare(f"INSERT INTO {table} (k, v) VALUES (?, ?)")
        self.select = cql.prepare(f"SELECT v FROM {table} WHERE k = ?")

    def read_both(self, k: int) -> list[Any]:
        prepared = self.cql.execute(self.select, (k,)).one()
        plain = self.cql.execute(f"SELECT v FROM {self.table} WHERE k = {k}").one()
        return [prepared.v, plain.v]

    def check(self, value: Any, ts_style: str = "iso") -> None:
        expected = canon(self.case.expect(value))
        k1, k2 = next(_keys), next(_keys)
        self.cql.execute(self.insert, (k1, value))
        text = literal(self.case.cql, value, ts_style)
        self.cql.execute(f"INSERT INTO {self.table} (k, v) VALUES ({k2}, {text})")
        got = self.read_both(k1) + self.read_both(k2)
        assert [canon(g) for g in got] == [expected] * 4, (value, text, got)


def _timestamp_ms(got: Any) -> Any:
    return None if got is None else ms_of(got)


@pytest.mark.parametrize("name", [c.name for c in CASES if c.name != "timestamp"])
def test_round_trip(cql: Session, types_ks: str, name: str) -> None:
    case = BY_NAME[name]
    rt = RoundTrip(cql, types_ks, case)

    @EXAMPLES
    @given(st.none() | case.values)
    def run(value: Any) -> None:
        rt.check(value)

    run()


@EXAMPLES
@given(value=st.none() | BY_NAME["timestamp"].values, style=st.sampled_from(["iso", "ms"]))
def test_timestamp_round_trip_as_iso_string_and_integer_ms(
    cql: Session, types_ks: str, value: Any, style: str
) -> None:
    rt = RoundTrip(cql, types_ks, BY_NAME["timestamp"])
    k1, k2 = next(_keys), next(_keys)
    cql.execute(rt.insert, (k1, value))
    cql.execute(f"INSERT INTO {rt.table} (k, v) VALUES ({k2}, {literal('timestamp', value, style)})")
    got = [_timestamp_ms(v) for v in rt.read_both(k1) + rt.read_both(k2)]
    assert got == [value] * 4


@pytest.mark.parametrize(
    ("cql_type", "text", "expected"),
    [
        ("duration", "1h30m", Duration(0, 0, 5400 * 10**9)),
        ("duration", "-2d10h", Duration(0, -2, -36000 * 10**9)),
        (
            "duration",
            "1y2mo3w4d5h6m7s8ms9us10ns",
            Duration(14, 25, ((5 * 60 + 6) * 60 + 7) * 10**9 + 8_009_010),
        ),
        ("duration", "P1Y2M3DT4H5M6S", Duration(14, 3, ((4 * 60 + 5) * 60 + 6) * 10**9)),
        ("duration", "P2W", Duration(0, 14, 0)),
        ("timestamp", "'2024-02-29 12:34:56.789Z'", dt.datetime(2024, 2, 29, 12, 34, 56, 789000)),
        ("timestamp", "'1969-07-20T20:17:40+0000'", dt.datetime(1969, 7, 20, 20, 17, 40)),
        ("timestamp", "'2001-01-01 01:00:00+01:00'", dt.datetime(2001, 1, 1)),
        ("timestamp", "-1000", dt.datetime(1969, 12, 31, 23, 59, 59)),
        ("date", "'2024-02-29'", Date(dt.date(2024, 2, 29))),
        ("time", "'08:12:54.123456789'", Time(((8 * 60 + 12) * 60 + 54) * 10**9 + 123456789)),
        ("time", "'23:59:59'", Time(86399 * 10**9)),
        ("inet", "'::1'", "::1"),
        ("inet", "'192.168.0.1'", "192.168.0.1"),
        ("blob", "0x", b""),
        ("decimal", "-1.50E+3", decimal.Decimal("-1.50E+3")),
        ("varint", "-123456789012345678901234567890", -123456789012345678901234567890),
        ("double", "-NaN", math.nan),
        ("float", "1e-3", 0.0010000000474974513),
    ],
)
def test_literal_forms(cql: Session, types_ks: str, cql_type: str, text: str, expected: Any) -> None:
    case = next(c for c in CASES if c.cql == cql_type)
    k = next(_keys)
    table = f"{types_ks}.t_{case.name}"
    cql.execute(f"INSERT INTO {table} (k, v) VALUES ({k}, {text})")
    got = cql.execute(f"SELECT v FROM {table} WHERE k = {k}").one().v
    assert canon(got) == canon(expected)


@EXAMPLES
@given(deltas=st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=6))
def test_counter_increments_prepared_and_literal(cql: Session, types_ks: str, deltas: list[int]) -> None:
    k = next(_keys)
    table = f"{types_ks}.counts"
    add = cql.prepare(f"UPDATE {table} SET c = c + ? WHERE k = ?")
    sub = cql.prepare(f"UPDATE {table} SET c = c - ? WHERE k = ?")
    for i, d in enumerate(deltas):
        if i % 3 == 0:
            cql.execute(add, (d, k))
        elif i % 3 == 1:
            cql.execute(sub, (-d, k))
        else:
            cql.execute(f"UPDATE {table} SET c = c + {d} WHERE k = {k}")
    select = cql.prepare(f"SELECT c FROM {table} WHERE k = ?")
    assert cql.execute(select, (k,)).one().c == sum(deltas)
    assert cql.execute(f"SELECT c FROM {table} WHERE k = {k}").one().c == sum(deltas)


def test_counter_of_unknown_row_reads_no_row(cql: Session, types_ks: str) -> None:
    assert cql.execute(f"SELECT c FROM {types_ks}.counts WHERE k = -1").one() is None


# --------------------------------------------------------------------------- wrong types


def _stored(cql: Session, table: str, k: int) -> Any:
    return cql.execute(f"SELECT * FROM {table} WHERE k = {k}").one()


def test_wrong_python_type_is_refused_by_the_driver(cql: Session, types_ks: str) -> None:
    table = f"{types_ks}.t_int"
    insert = cql.prepare(f"INSERT INTO {table} (k, v) VALUES (?, ?)")
    k = next(_keys)
    with pytest.raises((TypeError, struct.error)):
        cql.execute(insert, (k, "not an int"))
    assert _stored(cql, table, k) is None


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("int", b"\x00\x00\x00\x00\x00\x00\x00\x07"),  # 8 bytes for a 4-byte int
        ("bigint", b"\x01\x02\x03"),
        ("uuid", b"\x00" * 15),
        (
            "timeuuid",
            uuid.UUID("8f1c2d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f").bytes,
        ),  # a version 4 uuid is no timeuuid
        ("text", b"\xff\xfe"),  # not UTF-8
        ("ascii", "é".encode()),
        ("boolean", b"\x00\x01"),
        ("inet", b"\x7f\x00\x01"),
        ("list", b"\x00\x00\x00\x02\x00\x00\x00\x04\x00\x00\x00\x01"),  # claims 2 elements, has 1
    ],
)
def test_wrong_bytes_bound_are_invalid_request_and_store_nothing(
    cql: Session, types_ks: str, name: str, raw: bytes
) -> None:
    table = f"{types_ks}.t_{name}"
    insert = cql.prepare(f"INSERT INTO {table} (k, v) VALUES (?, ?)")
    k = next(_keys)
    bound = insert.bind((k, None))
    bound.values[1] = raw  # bypass the driver's serialisation: the server must validate
    with pytest.raises(InvalidRequest, match="Exception while binding column v"):
        cql.execute(bound)
    assert _stored(cql, table, k) is None


def test_literal_of_the_wrong_kind_is_invalid_request(cql: Session, types_ks: str) -> None:
    k = next(_keys)
    for name, text, kind in [
        ("int", "'12'", "STRING"),
        ("uuid", "'not-a-uuid'", "STRING"),
        ("boolean", "1", "INTEGER"),
        ("blob", "'00'", "STRING"),
        ("text", "0x00", "HEX"),
    ]:
        table = f"{types_ks}.t_{name}"
        with pytest.raises(
            InvalidRequest, match=rf'Invalid {kind} constant \({text.strip(chr(39))}\) for "v" of type'
        ):
            cql.execute(f"INSERT INTO {table} (k, v) VALUES ({k}, {text})")
        assert _stored(cql, table, k) is None
