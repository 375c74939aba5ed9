"""JSON: SELECT JSON, toJson(), INSERT JSON and fromJson(), in ScyllaDB's formats.

ScyllaDB writes a row as ``{"name": value, ...}`` (", " and ": " separators; a name
with an upper-case letter quoted as ``"\\"Name\\""``), timestamps as
``"yyyy-mm-dd hh:mm:ss.fffZ"``, blobs as ``"0x.."``, decimals in plain notation,
durations as ``"1h30m"``, tuples as arrays, user types as objects, maps with string
keys, and null as ``null`` (types/json_utils.cc, as_json_function). INSERT JSON reads
a map of column names (case-insensitive unless double-quoted) to values; columns it
leaves out are written null, or with ``DEFAULT UNSET`` left alone.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from cassandra import FunctionFailure, InvalidRequest
from cassandra.cluster import Session
from cassandra.util import Date, Duration, Time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spec.assertions import refused, rows

PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_keys = itertools.count(1000)


def one_json(cql: Session, query: str, params: Any = None) -> str:
    (text,) = cql.execute(query, params).one()
    assert isinstance(text, str)
    return text


# --------------------------------------------------------------------------- every type's JSON form


@pytest.fixture
def every(cql: Session, keyspace: str) -> str:
    """The test keyspace with table e: one column of every CQL type, a UDT and a tuple."""
    cql.execute("CREATE TYPE u (a int, b text)")
    cql.execute(
        "CREATE TABLE e (k int PRIMARY KEY, asc_v ascii, big bigint, bl blob, bo boolean, da date, de decimal, "
        "do double, du duration, fl float, ip inet, i int, sm smallint, te text, ti time, ts timestamp, "
        "tu timeuuid, tin tinyint, uu uuid, vi varint, li list<int>, se set<text>, ma map<text, int>, "
        "mi map<int, text>, tp frozen<tuple<int, text>>, us frozen<u>, fl_li frozen<list<double>>)"
    )
    return keyspace


EVERY_INSERT = (
    "INSERT INTO e (k, asc_v, big, bl, bo, da, de, do, du, fl, ip, i, sm, te, ti, ts, tu, tin, uu, vi, li, se, ma, "
    "mi, tp, us, fl_li) VALUES (1, 'ascii', -9000000000, 0xcafe00, true, '2011-02-03', 1.50, 1.5e-7, 1h30m, 0.25, "
    "'127.0.0.1', -7, 300, 'é \"q\" \\ tab\t', '07:35:07.000111222', '2014-01-01 12:15:45.123+0000', "
    "a4a70900-24e1-11df-8924-001ff3591711, 5, 6bddc89a-5644-11e4-97fc-56847afe9799, 1000000000000000000000000000000, "
    "[2, 1], {'b', 'a'}, {'x': 1}, {7: 'seven'}, (1, null), {a: 3}, [0.5, -2.0])"
)
EVERY_JSON = (
    '{"k": 1, "asc_v": "ascii", "big": -9000000000, "bl": "0xcafe00", "bo": true, "da": "2011-02-03", '
    '"de": 1.5, "do": 1.5e-07, "du": "1h30m", "fl": 0.25, "fl_li": [0.5, -2], "i": -7, "ip": "127.0.0.1", '
    '"li": [2, 1], "ma": {"x": 1}, "mi": {"7": "seven"}, "se": ["a", "b"], "sm": 300, '
    '"te": "é \\"q\\" \\\\ tab\\t", "ti": "07:35:07.000111222", "tin": 5, "tp": [1, null], '
    '"ts": "2014-01-01 12:15:45.123Z", "tu": "a4a70900-24e1-11df-8924-001ff3591711", "us": {"a": 3, "b": null}, '
    '"uu": "6bddc89a-5644-11e4-97fc-56847afe9799", "vi": 1000000000000000000000000000000}'
)


def test_select_json_writes_every_type_as_scylladb_does(cql: Session, every: str) -> None:
    cql.execute(EVERY_INSERT)
    text = one_json(cql, "SELECT JSON * FROM e WHERE k = 1")
    assert json.loads(text) == json.loads(EVERY_JSON)
    # the exact text, for the forms JSON equality would not see
    for fragment in (
        '"ts": "2014-01-01 12:15:45.123Z"',
        '"bl": "0xcafe00"',
        '"de": 1.5,',
        '"te": "é \\"q\\"',
    ):
        assert fragment in text
    assert text.startswith('{"k": 1, "asc_v": "ascii", ')
    cql.execute("INSERT INTO e (k) VALUES (2)")
    nulls = json.loads(one_json(cql, "SELECT JSON * FROM e WHERE k = 2"))
    assert nulls == {name: (2 if name == "k" else None) for name in json.loads(EVERY_JSON)}


def test_to_json_of_each_column(cql: Session, every: str) -> None:
    cql.execute(EVERY_INSERT)
    expected = json.loads(EVERY_JSON)
    names = list(expected)
    result = cql.execute(f"SELECT {', '.join(f'toJson({n})' for n in names)} FROM e WHERE k = 1")
    assert result.column_names == [f"system.tojson({n})" for n in names]
    for name, text in zip(names, result.one()):
        assert json.loads(text) == expected[name], name
    assert rows(cql, "SELECT toJson(ts), toJson(ti), toJson(bo) FROM e WHERE k = 1") == [
        ('"2014-01-01 12:15:45.123Z"', '"07:35:07.000111222"', "true")
    ]
    cql.execute("INSERT INTO e (k) VALUES (2)")
    assert rows(cql, "SELECT toJson(i), toJson(li), toJson(us) FROM e WHERE k = 2") == [
        ("null", "null", "null")
    ]


def test_non_finite_floats_read_as_json_null(cql: Session, every: str) -> None:
    cql.execute("INSERT INTO e (k, do, fl) VALUES (3, NaN, -Infinity)")
    assert json.loads(one_json(cql, "SELECT JSON do, fl FROM e WHERE k = 3")) == {"do": None, "fl": None}


def test_select_json_names(cql: Session, keyspace: str) -> None:
    cql.execute('CREATE TABLE n (p int PRIMARY KEY, v int, "CaseSensitive" int)')
    cql.execute('INSERT INTO n (p, v, "CaseSensitive") VALUES (1, 17, 99) USING TIMESTAMP 1234')
    cases = {
        "v": '{"v": 17}',
        "v AS hello": '{"hello": 17}',
        "v AS Hello": '{"hello": 17}',
        'v AS "Hello"': '{"\\"Hello\\"": 17}',
        '"CaseSensitive"': '{"\\"CaseSensitive\\"": 99}',
        '"CaseSensitive" AS cs': '{"cs": 99}',
        "count(*)": '{"count": 1}',
        "ttl(v)": '{"ttl(v)": null}',
        "writetime(v)": '{"writetime(v)": 1234}',
        "intAsBlob(v)": '{"system.intasblob(v)": "0x00000011"}',
        "blobAsInt(intAsBlob(v))": '{"system.blobasint(system.intasblob(v))": 17}',
        "toJson(v)": '{"system.tojson(v)": "17"}',
        "v, p AS xyz": '{"v": 17, "xyz": 1}',
    }
    for selection, expected in cases.items():
        result = cql.execute(f"SELECT JSON {selection} FROM n WHERE p = 1")
        assert result.column_names == ["[json]"]
        assert json.loads(result.one()[0]) == json.loads(expected), selection
    assert rows(cql, 'SELECT JSON p, "CaseSensitive" FROM n') == [('{"p": 1, "\\"CaseSensitive\\"": 99}',)]


def test_select_json_with_distinct_group_by_and_paging(cql: Session, keyspace: str) -> None:
    cql.execute("CREATE TABLE g (p int, c int, v int, PRIMARY KEY (p, c))")
    for p, c in itertools.product(range(3), range(4)):
        cql.execute("INSERT INTO g (p, c, v) VALUES (%s, %s, %s)", (p, c, p * 10 + c))
    assert sorted(json.loads(t)["p"] for (t,) in rows(cql, "SELECT JSON DISTINCT p FROM g")) == [0, 1, 2]
    grouped = sorted(json.loads(t)["v"] for (t,) in rows(cql, "SELECT JSON p, c, v FROM g GROUP BY p"))
    assert grouped == [0, 10, 20]  # each partition's first row
    from cassandra.query import SimpleStatement

    paged = [json.loads(t) for (t,) in cql.execute(SimpleStatement("SELECT JSON * FROM g", fetch_size=5))]
    assert sorted((d["p"], d["c"], d["v"]) for d in paged) == [
        (p, c, p * 10 + c) for p in range(3) for c in range(4)
    ]


# --------------------------------------------------------------------------- INSERT JSON


@pytest.fixture
def kv(cql: Session, keyspace: str) -> str:
    """The test keyspace with kv (a list column) and ck (clustered, a quoted "Foo" column)."""
    cql.execute("CREATE TABLE kv (k int PRIMARY KEY, v1 int, v2 int, l list<int>)")
    cql.execute('CREATE TABLE ck (p int, c int, v int, "Foo" int, PRIMARY KEY (p, c))')
    return keyspace


def test_insert_json_every_type(cql: Session, every: str) -> None:
    doc = json.loads(EVERY_JSON)
    doc["k"] = 5
    cql.execute("INSERT INTO e JSON %s", (json.dumps(doc),))
    cql.execute(EVERY_INSERT)
    assert rows(cql, "SELECT * FROM e WHERE k = 5")[0][1:] == rows(cql, "SELECT * FROM e WHERE k = 1")[0][1:]
    # other accepted spellings: numbers as strings, booleans as strings, integer timestamps
    cql.execute(
        'INSERT INTO e JSON \'{"k": 6, "i": "42", "bo": "TRUE", "ts": 1388578545123, '
        '"de": "2.50", "vi": 12, "do": "1e3", "se": ["b", "a", "b"], "mi": {"3": "x"}}\''
    )
    got = cql.execute("SELECT i, bo, ts, de, vi, do, se, mi FROM e WHERE k = 6").one()
    assert tuple(got) == (
        42,
        True,
        dt.datetime(2014, 1, 1, 12, 15, 45, 123000),
        Decimal("2.50"),
        12,
        1000.0,
        {"a", "b"},
        {3: "x"},
    )


def test_insert_json_default_null_and_default_unset(cql: Session, kv: str) -> None:
    cql.execute('INSERT INTO kv JSON \'{"k": 0, "v1": 0, "v2": 0, "l": [1]}\'')
    cql.execute('INSERT INTO kv JSON \'{"k": 0, "v2": 2}\' DEFAULT UNSET')
    assert rows(cql, "SELECT k, v1, v2, l FROM kv WHERE k = 0") == [(0, 0, 2, [1])]
    cql.execute('INSERT INTO kv JSON \'{"k": 0, "v2": 3}\' DEFAULT NULL')
    assert rows(cql, "SELECT k, v1, v2, l FROM kv WHERE k = 0") == [(0, None, 3, None)]
    cql.execute('INSERT INTO kv JSON \'{"k": 0, "v1": 1, "l": [2]}\'')  # DEFAULT NULL is the default
    assert rows(cql, "SELECT k, v1, v2, l FROM kv WHERE k = 0") == [(0, 1, None, [2])]
    cql.execute('INSERT INTO kv JSON \'{"k": 0, "v1": null, "v2": 5}\' DEFAULT UNSET')
    assert rows(cql, "SELECT k, v1, v2, l FROM kv WHERE k = 0") == [(0, None, 5, [2])]
    # the row exists even when every other column is null (INSERT writes the row marker)
    cql.execute("INSERT INTO kv JSON '{\"k\": 1}'")
    assert rows(cql, "SELECT k, v1, v2, l FROM kv WHERE k = 1") == [(1, None, None, None)]


def test_insert_json_with_a_bind_marker_ttl_and_timestamp(cql: Session, kv: str) -> None:
    prepared = cql.prepare("INSERT INTO kv JSON ? USING TTL 1000 AND TIMESTAMP 12345")
    cql.execute(prepared, ('{"k": 7, "v1": 70}',))
    cql.execute(prepared, ('{"k": 8, "V1": 80}',))
    assert sorted(rows(cql, "SELECT k, v1, writetime(v1) FROM kv WHERE k IN (7, 8)")) == [
        (7, 70, 12345),
        (8, 80, 12345),
    ]
    (ttl,) = cql.execute("SELECT ttl(v1) FROM kv WHERE k = 7").one()
    assert 900 < ttl <= 1000
    unset = cql.prepare("INSERT INTO kv JSON ? DEFAULT UNSET")
    cql.execute(unset, ('{"k": 7, "v2": 72}',))
    assert rows(cql, "SELECT k, v1, v2 FROM kv WHERE k = 7") == [(7, 70, 72)]


def test_insert_json_keys_are_case_insensitive_unless_quoted(cql: Session, kv: str) -> None:
    doc = json.dumps({"P": 1, "c": 2, "V": 3, '"Foo"': 4})
    cql.execute("INSERT INTO ck JSON %s", (doc,))
    assert rows(cql, 'SELECT p, c, v, "Foo" FROM ck') == [(1, 2, 3, 4)]
    assert json.loads(one_json(cql, "SELECT JSON * FROM ck")) == {"p": 1, "c": 2, '"Foo"': 4, "v": 3}


def test_insert_json_refusals(cql: Session, kv: str) -> None:
    cases = [
        ('{"k": 0, "v1": 0, "zzz": 0}', "JSON values map contains unrecognized column: zzz"),
        ('{"v1": 0}', "Missing mandatory PRIMARY KEY part k"),
        ('{"k": null, "v1": 0}', "Missing mandatory PRIMARY KEY part k"),
    ]
    for doc, message in cases:
        refused(cql, kv, "INSERT INTO kv JSON %s", InvalidRequest, message, params=(doc,), exact=True)
    refused(
        cql,
        kv,
        "INSERT INTO ck JSON %s",
        InvalidRequest,
        "Missing mandatory PRIMARY KEY part c",
        params=('{"p": 0, "v": 0}',),
        exact=True,
    )
    refused(
        cql,
        kv,
        "INSERT INTO ck JSON %s",
        InvalidRequest,
        "JSON values map contains unrecognized column: foo",
        params=('{"p": 0, "c": 1, "foo": 0}',),
        exact=True,
    )


def test_insert_json_documents_of_the_wrong_shape(cql: Session, kv: str, server: Any) -> None:
    """ScyllaDB answers these with a server error (scylladb#8085, open); scylla_lite
    answers as Cassandra does and ScyllaDB means to: an InvalidRequest naming the fault."""
    prepared = cql.prepare("INSERT INTO kv JSON ?")
    cases: list[tuple[Any, str | re.Pattern[str]]] = [
        (None, "Got null for INSERT JSON values"),
        ("null", "Got null for INSERT JSON values"),
        ('"notamap"', re.compile(r"^.*Could not decode JSON string as a map: .*\(String was: \"notamap\"\)")),
        ("12.34", re.compile(r"Could not decode JSON string as a map")),
        ("{nope", re.compile(r"Could not decode JSON string as a map: .*\(String was: \{nope\)")),
        (
            '{"k": 0, "v1": "notanint"}',
            "Error decoding JSON value for v1: Unable to make int from 'notanint'",
        ),
        (
            '{"k": 0, "v1": 1.5}',
            re.compile(r"Error decoding JSON value for v1: Incorrect JSON floating-point value"),
        ),
        ('{"k": 0, "v1": 2147483648}', "Error decoding JSON value for v1: Value 2147483648 out of range"),
        (
            '{"k": 0, "l": [1, null]}',
            "Error decoding JSON value for l: null is not supported inside collections",
        ),
        ('{"k": 0, "l": 3}', "Error decoding JSON value for l: list_type must be represented as JSON Array"),
    ]
    for doc, message in cases:
        refused(cql, kv, prepared, InvalidRequest, message, params=(doc,), exact=True)


# --------------------------------------------------------------------------- fromJson()


def test_from_json_reads_a_value_for_its_receiver(cql: Session, every: str) -> None:
    insert = cql.prepare(
        "INSERT INTO e (k, i, ts, li, ma, us, bl, bo) VALUES (?, fromJson(?), fromJson(?), "
        "fromJson(?), fromJson(?), fromJson(?), fromJson(?), fromJson(?))"
    )
    cql.execute(
        insert,
        (
            9,
            "1e3",
            '"2014-01-01 12:15:45.000Z"',
            "[3, 1]",
            '{"a": 1}',
            '{"a": 1, "b": "x"}',
            '"0x00ff"',
            '"false"',
        ),
    )
    got = cql.execute("SELECT i, ts, li, ma, us, bl, bo FROM e WHERE k = 9").one()
    assert (got.i, got.ts, got.li, got.ma, got.bl, got.bo) == (
        1000,
        dt.datetime(2014, 1, 1, 12, 15, 45),
        [3, 1],
        {"a": 1},
        b"\x00\xff",
        False,
    )
    assert (got.us.a, got.us.b) == (1, "x")
    cql.execute("INSERT INTO e (k, i) VALUES (9, fromJson(null))")
    cql.execute(insert, (9, None, "null", None, None, None, None, None))
    assert rows(cql, "SELECT i, ts FROM e WHERE k = 9") == [(None, None)]
    assert rows(cql, "SELECT k FROM e WHERE k = fromJson('9')") == [(9,)]
    cql.execute("UPDATE e SET i = fromJson('5') WHERE k = fromJson('\"9\"')")
    assert rows(cql, "SELECT i FROM e WHERE k = 9") == [(5,)]


def test_from_json_failures(cql: Session, every: str) -> None:
    prepared = cql.prepare("INSERT INTO e (k, i) VALUES (?, fromJson(?))")
    for doc in ("dog", '"dog"', "1.2", "2147483648", "[1]", '""'):
        refused(cql, every, prepared, FunctionFailure, re.compile(r"(?i)fromjson"), params=(10, doc))
    refused(
        cql,
        every,
        "INSERT INTO e (k, asc_v) VALUES (10, fromJson('\"שלום\"'))",
        FunctionFailure,
        re.compile(r"(?i)fromjson"),
    )
    refused(
        cql,
        every,
        "SELECT fromJson(te) FROM e",
        InvalidRequest,
        "fromJson() can only be called if receiver type is known",
        exact=True,
    )


# --------------------------------------------------------------------------- round trip


def _f32(x: float) -> float:
    import struct

    return float(struct.unpack(">f", struct.pack(">f", x))[0])


INT32 = st.integers(-(2**31), 2**31 - 1)


def _not_negative_zero(x: float) -> bool:
    """JSON writes -0.0 as ``-0``, which JSON readers (Python's, ScyllaDB's RapidJSON)
    take for the integer 0: the sign of a zero does not survive a JSON round trip."""
    return not (x == 0 and str(x).startswith("-"))


FINITE = st.floats(allow_nan=False, allow_infinity=False).filter(_not_negative_zero)
ROUND_TRIP_COLUMNS: dict[str, tuple[str, st.SearchStrategy[Any]]] = {
    "asc_v": ("ascii", st.text(alphabet=st.characters(max_codepoint=127), max_size=8)),
    "te": ("text", st.text(alphabet=st.characters(codec="utf-8"), max_size=8)),
    "big": ("bigint", st.integers(-(2**63), 2**63 - 1)),
    "i": ("int", st.integers(-(2**31), 2**31 - 1)),
    "sm": ("smallint", st.integers(-(2**15), 2**15 - 1)),
    "tin": ("tinyint", st.integers(-128, 127)),
    "vi": ("varint", st.integers(-(10**40), 10**40)),
    "de": (
        "decimal",
        st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9),
    ),
    "do": ("double", FINITE),
    "fl": ("float", st.floats(width=32, allow_nan=False, allow_infinity=False).filter(_not_negative_zero)),
    "bo": ("boolean", st.booleans()),
    "bl": ("blob", st.binary(max_size=8)),
    "ts": (
        "timestamp",
        st.integers(-(10**12), 10**13).map(
            lambda ms: dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=ms)
        ),
    ),
    "da": ("date", st.dates(min_value=dt.date(1, 1, 1)).map(Date)),
    "ti": ("time", st.integers(0, 86400 * 10**9 - 1).map(Time)),
    "du": (
        "duration",
        st.tuples(st.integers(0, 500), st.integers(0, 500), st.integers(0, 10**14)).map(
            lambda t: Duration(*t)
        ),
    ),
    "uu": ("uuid", st.uuids()),
    "tu": ("timeuuid", st.uuids(version=1)),
    "ip": ("inet", st.ip_addresses().map(str)),
    "li": ("list<int>", st.lists(st.integers(-5, 5), max_size=4)),
    "se": ("set<text>", st.sets(st.text(max_size=3), max_size=4)),
    "ma": ("map<text, int>", st.dictionaries(st.text(max_size=3), INT32, max_size=3)),
    "mi": ("map<int, text>", st.dictionaries(INT32, st.text(max_size=3), max_size=3)),
    "tp": ("frozen<tuple<int, text>>", st.tuples(st.none() | INT32, st.none() | st.text(max_size=3))),
    "fl_li": ("frozen<list<double>>", st.lists(FINITE, max_size=3)),
}


@st.composite
def some_row(draw: Callable[..., Any]) -> dict[str, Any]:
    names = draw(st.sets(st.sampled_from(sorted(ROUND_TRIP_COLUMNS)), min_size=1))
    return {n: draw(ROUND_TRIP_COLUMNS[n][1]) for n in sorted(names)}


@PROPERTY
@given(values=some_row())
def test_select_json_then_insert_json_is_the_identity(
    cql: Session, every: str, values: dict[str, Any]
) -> None:
    source, copy = next(_keys), next(_keys)
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cql.execute(cql.prepare(f"INSERT INTO e (k, {names}) VALUES (?, {marks})"), (source, *values.values()))
    text = one_json(cql, f"SELECT JSON * FROM e WHERE k = {source}")
    cql.execute("INSERT INTO e JSON %s", (renumbered(text, source, copy),))
    original = cql.execute(f"SELECT * FROM e WHERE k = {source}").one()._asdict()
    copied = cql.execute(f"SELECT * FROM e WHERE k = {copy}").one()._asdict()
    original.pop("k"), copied.pop("k")
    assert copied == original
    # and the copy reads back as the very same JSON text
    assert one_json(cql, f"SELECT JSON * FROM e WHERE k = {copy}") == renumbered(text, source, copy)


def renumbered(text: str, old: int, new: int) -> str:
    """A ``SELECT JSON *`` row of table e with its key changed (the text kept as it is:
    decoding it in Python would round decimals to floats)."""
    assert text.startswith(f'{{"k": {old}, ')
    return f'{{"k": {new}, ' + text[len(f'{{"k": {old}, ') :]


def test_round_trip_keeps_extreme_values(cql: Session, every: str) -> None:
    extremes: dict[str, list[Any]] = {
        "do": [5e-324, 1.7976931348623157e308, -1e-300, 0.1],
        "fl": [_f32(1.4e-45), _f32(3.4028234e38), _f32(0.1)],
        "de": [
            Decimal("-0.000000000000000000001"),
            Decimal("123456789012345678901234567890.5"),
            Decimal("1E+3"),
        ],
        "ts": [dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59, 999000)],
        "te": ['\u0000\u001f"\\/\u2028é😀'],
    }
    for column, values in extremes.items():
        for value in values:
            k = next(_keys)
            cql.execute(cql.prepare(f"INSERT INTO e (k, {column}) VALUES (?, ?)"), (k, value))
            text = one_json(cql, f"SELECT JSON k, {column} FROM e WHERE k = {k}")
            cql.execute("INSERT INTO e JSON %s", (renumbered(text, k, k + 1_000_000),))
            (back,) = cql.execute(f"SELECT {column} FROM e WHERE k = {k + 1_000_000}").one()
            assert back == value, (column, value)


def test_a_varint_of_thousands_of_digits_prints_whole(cql: Session, keyspace: str) -> None:
    """Past Python's 4,300-digit guard on int to text: toJson, SELECT JSON and CAST print
    every digit, as ScyllaDB's multiprecision integer does."""
    cql.execute("CREATE TABLE big (k int PRIMARY KEY, v varint)")
    value = -(7**6000)  # 5,071 digits
    cql.execute(cql.prepare("INSERT INTO big (k, v) VALUES (1, ?)"), (value,))  # bound: never text
    row = cql.execute("SELECT toJson(v) AS j, CAST(v AS text) AS t FROM big WHERE k = 1").one()
    document = cql.execute("SELECT JSON v FROM big WHERE k = 1").one()[0]
    guard = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # this test's own conversions, for comparing
    try:
        assert row.j == row.t == str(value)
        assert json.loads(document) == {"v": value}
    finally:
        sys.set_int_max_str_digits(guard)
