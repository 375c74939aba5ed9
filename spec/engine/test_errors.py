"""Bad requests: the exact error class and ScyllaDB's message, and nothing changed.

The driver picks the exception class from the ERROR frame's code (InvalidRequest 0x2200,
SyntaxException 0x2000, Unauthorized 0x2100, ConfigurationException 0x2300,
AlreadyExists 0x2400), so asserting the exact class asserts the code.

Each case runs against a keyspace holding a few rows in several tables, reads every
table and the keyspace's schema before and after, and requires both to be unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from cassandra import AlreadyExists, InvalidRequest, Unauthorized
from cassandra.cluster import Cluster, Session
from cassandra.protocol import ConfigurationException, SyntaxException
from cassandra.query import BatchStatement, SimpleStatement

from spec.assertions import FILTERING_MESSAGE, keyspace_names, refused


@pytest.fixture
def data(cql: Session, keyspace: str) -> str:
    """The test keyspace with a few rows in each of the tables the bad requests aim at."""
    cql.execute(
        "CREATE TABLE t (k int, c int, v int, s int static, l frozen<list<int>>, m map<int, text>, "
        "PRIMARY KEY (k, c))"
    )
    cql.execute("CREATE TABLE t2 (k int, a int, b int, v int, PRIMARY KEY (k, a, b))")
    cql.execute("CREATE INDEX t2_v ON t2 (v)")
    cql.execute("CREATE TABLE ct (k int PRIMARY KEY, n counter)")
    cql.execute("CREATE TYPE u (a int, b text)")
    cql.execute("CREATE TABLE tu (k int PRIMARY KEY, u frozen<u>)")
    cql.execute("CREATE TABLE tl (k int PRIMARY KEY, l list<int>, s set<int>)")
    cql.execute(
        "CREATE TABLE tv (k int PRIMARY KEY, f float, vec vector<float, 2>, du duration, ts timestamp, dt date, "
        "dc decimal)"
    )
    cql.execute("INSERT INTO tl (k, l, s) VALUES (0, [1, 2], {1})")
    cql.execute("INSERT INTO tv (k, f, dc) VALUES (0, Infinity, 1e2147483647)")
    for k in range(3):
        for c in range(3):
            cql.execute(
                "INSERT INTO t (k, c, v, s, l, m) VALUES (%s, %s, %s, %s, %s, %s)",
                (k, c, k * 10 + c, k, [c, c], {c: "x"}),
            )
            cql.execute("INSERT INTO t2 (k, a, b, v) VALUES (%s, %s, %s, %s)", (k, c, c, c))
        cql.execute("UPDATE ct SET n = n + %s WHERE k = %s", (k + 1, k))
        cql.execute("INSERT INTO tu (k, u) VALUES (%s, {a: %s, b: 'b'})", (k, k))
    return keyspace


@dataclass(frozen=True)
class Bad:
    id: str
    statement: str | Callable[[Session, str], Any]
    error: type[Exception]
    message: str | re.Pattern[str]  # a substring of ScyllaDB's message, or a pattern it matches
    lite_only: str = ""  # why ScyllaDB answers otherwise (there: a "Server error"), if it does


def _paged_in_order_by(cql: Session, ks: str) -> Any:
    return cql.execute(SimpleStatement("SELECT * FROM t WHERE k IN (1, 2) ORDER BY c DESC", fetch_size=100))


def _prepared_with_a_value_missing(cql: Session, ks: str) -> Any:
    ps = cql.prepare("INSERT INTO t (k, c, v) VALUES (?, ?, ?)")
    bound = ps.bind((7, 7, 7))
    bound.values = bound.values[
        :2
    ]  # the driver pads short binds with UNSET; send two values for three markers
    return cql.execute(bound)


def _markers_without_values(cql: Session, ks: str) -> Any:
    return cql.execute(SimpleStatement("INSERT INTO t (k, c, v) VALUES (?, ?, ?)"))


def _in_marker_bound_to_zero_bytes(cql: Session, ks: str) -> Any:
    bound = cql.prepare("SELECT * FROM t WHERE k IN ?").bind(([1],))
    bound.values[0] = b""  # no bytes at all where a list's element count belongs
    return cql.execute(bound)


def _zero_bytes_for(query: str, values: tuple[Any, ...], index: int) -> Callable[[Session, str], Any]:
    """``query`` prepared and run with its value at ``index`` sent as zero bytes: the empty
    value no driver sends for a number, which reads as no number at all."""

    def run(cql: Session, ks: str) -> Any:
        bound = cql.prepare(query).bind(values)
        bound.values[index] = b""
        return cql.execute(bound)

    return run


EMPTY_VALUE = "ScyllaDB reads the empty value as a number: its empty_value_exception is a Server error"


def _negated_int_min(cql: Session, ks: str) -> Any:
    return cql.execute(cql.prepare("INSERT INTO t (k, c, v) VALUES (1, 1, -?)"), (-(2**31),))


def _nested(opening: str, inner: str, closing: str, depth: int = 300) -> str:
    """``inner`` wrapped ``depth`` times: what a Python parser would recurse on."""
    return opening * depth + inner + closing * depth


DIGITS_5000 = "9" * 5000
TOO_DEEP = "expression nested too deeply"  # ScyllaDB's max_expression_nesting (12), cql3/Cql.g


def _create_existing_keyspace(cql: Session, ks: str) -> Any:
    return cql.execute(
        f"CREATE KEYSPACE {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
    )


CASES = [
    Bad(
        "list element deleted past the end",
        "DELETE l[7] FROM tl WHERE k = 0",
        InvalidRequest,
        "List index 7 out of bound, list has size 2",
    ),
    Bad(
        "list element deleted from a null list",
        "DELETE l[0] FROM tl WHERE k = 5",
        InvalidRequest,
        "Attempted to delete an element from a list which is null",
    ),
    Bad(
        "set element assigned by key",
        "UPDATE tl SET s[1] = 2 WHERE k = 0",
        InvalidRequest,
        "Invalid operation (s[1] = 2) for set column s",
    ),
    Bad(
        "list prepend with a pre-2010 timestamp",
        "UPDATE tl USING TIMESTAMP 1000 SET l = [9] + l WHERE k = 0",
        InvalidRequest,
        "List prepend custom timestamp must be greater than Jan 1 2010 00:00:00",
    ),
    Bad("filtering on a regular column", "SELECT * FROM t WHERE v = 1", InvalidRequest, FILTERING_MESSAGE),
    Bad(
        "filtering on a clustering column without the partition",
        "SELECT * FROM t WHERE c = 1",
        InvalidRequest,
        FILTERING_MESSAGE,
    ),
    Bad(
        "unknown column selected",
        "SELECT k, nope FROM t",
        InvalidRequest,
        "Undefined name nope in selection clause",
    ),
    Bad(
        "unknown column inserted",
        "INSERT INTO t (k, c, nope) VALUES (1, 1, 1)",
        InvalidRequest,
        "Unknown identifier nope",
    ),
    Bad(
        "unknown column updated",
        "UPDATE t SET nope = 1 WHERE k = 1 AND c = 1",
        InvalidRequest,
        "Unknown identifier nope",
    ),
    Bad(
        "unknown column in WHERE",
        "SELECT * FROM t WHERE nope = 1 ALLOW FILTERING",
        InvalidRequest,
        "Unrecognized name nope",
    ),
    Bad(
        "UPDATE without the partition key",
        "UPDATE t SET v = 1 WHERE c = 1",
        InvalidRequest,
        "Missing mandatory PRIMARY KEY part k",
    ),
    Bad(
        "INSERT without the partition key",
        "INSERT INTO t (c, v) VALUES (1, 1)",
        InvalidRequest,
        "Missing mandatory PRIMARY KEY part k",
    ),
    Bad(
        "INSERT without the clustering key",
        "INSERT INTO t (k, v) VALUES (1, 1)",
        InvalidRequest,
        "Missing mandatory PRIMARY KEY part c",
    ),
    Bad(
        "UPDATE without the clustering key",
        "UPDATE t SET v = 1 WHERE k = 1",
        InvalidRequest,
        "Missing mandatory PRIMARY KEY part c",
    ),
    Bad(
        "DELETE of a column without the clustering key",
        "DELETE v FROM t WHERE k = 1",
        InvalidRequest,
        "Primary key column 'c' must be specified in order to modify column 'v'",
    ),
    Bad(
        "DELETE of a column over a range of rows",
        "DELETE v FROM t WHERE k = 1 AND c > 0",
        InvalidRequest,
        "Range deletions are not supported for specific columns",
    ),
    Bad(
        "primary key column in SET",
        "UPDATE t SET c = 2 WHERE k = 1 AND c = 1",
        InvalidRequest,
        "PRIMARY KEY part c found in SET part",
    ),
    Bad("unknown table", "SELECT * FROM nope", InvalidRequest, "unconfigured table nope"),
    Bad("unknown keyspace", "SELECT * FROM nope_ks.t", InvalidRequest, "Keyspace nope_ks does not exist"),
    Bad(
        "CREATE TABLE of an existing table",
        "CREATE TABLE t (k int PRIMARY KEY)",
        AlreadyExists,
        re.compile(r"Table '\w+\.t' already exists"),
    ),  # the driver's words, from the frame's keyspace and table
    Bad(
        "CREATE KEYSPACE of an existing keyspace",
        _create_existing_keyspace,
        AlreadyExists,
        re.compile(r"Keyspace '\w+' already exists"),
    ),
    Bad(
        "DROP TABLE of a missing table",
        "DROP TABLE nope",
        InvalidRequest,
        re.compile(r"unconfigured table nope|Cannot drop non existing table 'nope' in keyspace"),
    ),
    Bad(
        "string literal for an int",
        "INSERT INTO t (k, c, v) VALUES (1, 1, 'x')",
        InvalidRequest,
        'Invalid STRING constant (x) for "v" of type int',
    ),
    Bad("syntax error", "SELEC * FROM t", SyntaxException, "no viable alternative at input 'SELEC'"),
    Bad(
        "counter and non-counter columns in one table",
        "CREATE TABLE mix (k int PRIMARY KEY, n counter, v int)",
        ConfigurationException,  # ScyllaDB: its schema builder refuses the table
        "Cannot add a non counter column (v) in a counter column family",
    ),
    Bad(
        "INSERT into a counter table",
        "INSERT INTO ct (k, n) VALUES (1, 1)",
        InvalidRequest,
        "INSERT statement are not allowed on counter tables, use UPDATE instead",
    ),
    Bad(
        "setting a counter",
        "UPDATE ct SET n = 5 WHERE k = 1",
        InvalidRequest,
        "Cannot set the value of counter column n (counters can only be incremented/decremented, not set)",
    ),
    Bad(
        "TTL too large",
        "INSERT INTO t (k, c, v) VALUES (1, 1, 1) USING TTL 630720001",
        InvalidRequest,
        "ttl is too large. requested (630720001) maximum (630720000)",
    ),
    Bad(
        "negative TTL",
        "UPDATE t USING TTL -1 SET v = 5 WHERE k = 1 AND c = 1",
        InvalidRequest,
        "A TTL must be greater or equal to 0",
    ),
    Bad(
        "ORDER BY a regular column",
        "SELECT * FROM t WHERE k = 1 ORDER BY v",
        InvalidRequest,
        "Order by is currently only supported on the clustered columns of the PRIMARY KEY, got v",
    ),
    Bad(
        "ORDER BY without a partition restriction",
        "SELECT * FROM t ORDER BY c DESC",
        InvalidRequest,
        "ORDER BY is only supported when the partition key is restricted by an EQ or an IN.",
    ),
    Bad(
        "ORDER BY skipping an unrestricted clustering column",
        "SELECT * FROM t2 WHERE k = 1 ORDER BY b DESC",
        InvalidRequest,
        "Unsupported order by relation - column a doesn't have an ordering or EQ relation.",
    ),
    Bad(
        "clustering column restricted without the preceding one",
        "SELECT * FROM t2 WHERE k = 1 AND b = 1",
        InvalidRequest,
        'PRIMARY KEY column "b" cannot be restricted as preceding column "a" is not restricted',
    ),
    Bad(
        "IN on the partition key with ORDER BY, paged",
        _paged_in_order_by,
        InvalidRequest,
        "Cannot page queries with both ORDER BY and a IN restriction on the partition key",
    ),
    Bad(
        "IN on the partition key of a conditional update",
        "UPDATE t SET v = 1 WHERE k IN (1, 2) AND c = 1 IF EXISTS",
        InvalidRequest,
        "IN on the partition key is not supported with conditional updates",
    ),
    Bad(
        "IN on a clustering column of a conditional update",
        "UPDATE t SET v = 1 WHERE k = 1 AND c IN (1, 2) IF v = 1",
        InvalidRequest,
        "IN on the clustering key columns is not supported with conditional updates",
    ),
    Bad(
        "DDL in system_schema",
        "ALTER TABLE system_schema.tables WITH comment = 'x'",
        Unauthorized,
        "system_schema keyspace is not user-modifiable.",
    ),
    Bad(
        "table created in system_schema",
        "CREATE TABLE system_schema.mine (k int PRIMARY KEY)",
        Unauthorized,
        "system_schema keyspace is not user-modifiable.",
    ),
    Bad("USE of a missing keyspace", "USE nope_ks", InvalidRequest, "Keyspace 'nope_ks' does not exist"),
    Bad(
        "ALTER TABLE DROP of a primary key column",
        "ALTER TABLE t DROP c",
        InvalidRequest,
        "Cannot drop PRIMARY KEY part c",
    ),
    Bad(
        "ALTER TABLE RENAME of a regular column",
        "ALTER TABLE t RENAME v TO w",
        InvalidRequest,
        "Cannot rename non PRIMARY KEY part v",
    ),
    Bad("LIMIT 0", "SELECT * FROM t LIMIT 0", InvalidRequest, "LIMIT must be strictly positive"),
    Bad(
        "PER PARTITION LIMIT 0",
        "SELECT * FROM t PER PARTITION LIMIT 0",
        InvalidRequest,
        "PER PARTITION LIMIT must be strictly positive",
    ),
    Bad(
        "too few bound values for a prepared statement",
        _prepared_with_a_value_missing,
        InvalidRequest,
        "Invalid amount of bind variables: expected 3 received 2",
    ),
    Bad(
        "markers without values",
        _markers_without_values,
        InvalidRequest,
        "Invalid amount of bind variables: expected 3 received 0",
    ),
    Bad(
        "element update of a frozen collection",
        "UPDATE t SET l[0] = 1 WHERE k = 1 AND c = 1",
        InvalidRequest,
        "Invalid operation (l[0] = 1) for frozen collection column l",
    ),
    Bad(
        "append to a frozen collection",
        "UPDATE t SET l = l + [3] WHERE k = 1 AND c = 1",
        InvalidRequest,
        "Invalid operation (l = l + [3]) for frozen collection column l",
    ),
    Bad(
        "increment of a non-counter",
        "UPDATE t SET v = v + 1 WHERE k = 1 AND c = 1",
        InvalidRequest,
        "Invalid operation (v = v + 1) for non counter column v",
    ),
    Bad(
        "duplicate column in INSERT",
        "INSERT INTO t (k, c, v, v) VALUES (1, 1, 1, 1)",
        InvalidRequest,
        "Multiple definitions found for column v",
    ),
    Bad(
        "unknown UDT field",
        "INSERT INTO tu (k, u) VALUES (1, {nope: 1})",
        InvalidRequest,
        "Unknown field 'nope' in value of user defined type u",
    ),
    Bad(
        "SELECT DISTINCT of a clustering column",
        "SELECT DISTINCT k, c FROM t",
        InvalidRequest,
        "SELECT DISTINCT queries must only request partition key columns and/or static columns (not c)",
    ),
    # Table options, checked as ScyllaDB's cf_prop_defs / property_definitions check them,
    # in CREATE TABLE, ALTER TABLE and CREATE MATERIALIZED VIEW alike
    Bad(
        "map for a string table option",
        "CREATE TABLE bad_opt (k int PRIMARY KEY) WITH comment = {'a': 'b'}",
        SyntaxException,
        "Invalid value for property 'comment'. It should be a string",
    ),
    Bad(
        "string for a double table option",
        "ALTER TABLE t WITH bloom_filter_fp_chance = 'not a number'",
        SyntaxException,
        "Invalid double value not a number for 'bloom_filter_fp_chance'",
    ),
    Bad(
        "bloom_filter_fp_chance out of range",
        "CREATE TABLE bad_opt (k int PRIMARY KEY) WITH bloom_filter_fp_chance = 1.23",
        ConfigurationException,
        "bloom_filter_fp_chance must be larger than 6.71e-05 and less than or equal to 1.0 (got 1.23)",
    ),
    Bad(
        "string for an int table option",
        "ALTER TABLE t WITH memtable_flush_period_in_ms = 'not a number'",
        SyntaxException,
        "Invalid integer value not a number for 'memtable_flush_period_in_ms'",
    ),
    Bad(
        "memtable_flush_period_in_ms too short",
        "ALTER TABLE t WITH memtable_flush_period_in_ms = 30000",
        ConfigurationException,
        "memtable_flush_period_in_ms must be 0 or greater than 60000",
    ),
    Bad(
        "string for max_index_interval",
        "CREATE TABLE bad_opt (k int PRIMARY KEY) WITH max_index_interval = 'not a number'",
        SyntaxException,
        "Invalid integer value not a number for 'max_index_interval'",
    ),
    Bad(
        "max_index_interval below min_index_interval",
        "ALTER TABLE t WITH max_index_interval = 2010 AND min_index_interval = 4020",
        ConfigurationException,
        "max_index_interval must be greater than min_index_interval",
    ),
    Bad(
        "unknown caching option",
        "ALTER TABLE t WITH caching = {'keys': 'ALL', 'nope': '1'}",
        ConfigurationException,
        "Invalid caching option: nope",
    ),
    Bad(
        "string for the compaction map",
        "ALTER TABLE t WITH compaction = 'SizeTieredCompactionStrategy'",
        SyntaxException,
        "Invalid value for property 'compaction'. It should be a map.",
    ),
    Bad(
        "string for a compaction threshold",
        "ALTER TABLE t WITH compaction = {'class': 'SizeTieredCompactionStrategy', 'min_threshold': 'x'}",
        SyntaxException,
        "Invalid integer value x for 'min_threshold'",
    ),
    Bad(
        "table option given twice",
        "ALTER TABLE t WITH comment = 'a' AND comment = 'b'",
        SyntaxException,
        "Multiple definition for property 'comment'",
    ),
    Bad(
        "string for gc_grace_seconds of a materialized view",
        "CREATE MATERIALIZED VIEW bad_mv AS SELECT k, c, v FROM t WHERE k IS NOT NULL AND c IS NOT NULL "
        "PRIMARY KEY (c, k) WITH gc_grace_seconds = 'not a number'",
        SyntaxException,
        "Invalid integer value not a number for 'gc_grace_seconds'",
    ),
    Bad(
        "number for speculative_retry",
        "ALTER TABLE t WITH speculative_retry = 13",
        ConfigurationException,
        "cannot convert 13 to speculative_retry",
        lite_only="ScyllaDB's speculative_retry::from_sstring throws a bare C++ exception: a Server error",
    ),
    # Bad input the parser or a literal's conversion once let through as a Python error
    Bad(
        "unary minus on a string",
        "INSERT INTO t (k, c, v) VALUES (1, 1, -'x')",
        SyntaxException,
        re.compile(r"^line 1:\d+ (no viable alternative at input|mismatched input)"),
    ),
    Bad(
        "unary minus on a function returning no number",
        "INSERT INTO tv (k, ts) VALUES (1, -now())",
        InvalidRequest,
        "Invalid negation for ts of type timestamp: only a number can be negated",
        lite_only="ScyllaDB's grammar has no unary minus but a number's sign: a SyntaxException there",
    ),
    Bad(
        "unary minus past an int's range",
        _negated_int_min,
        InvalidRequest,
        "Invalid negation for v: 2147483648 is out of range for type int",
        lite_only="ScyllaDB's grammar has no unary minus but a number's sign: a SyntaxException there",
    ),
    Bad(
        "5000-digit integer in a WITH option",
        f"ALTER TABLE t WITH gc_grace_seconds = {DIGITS_5000}",
        SyntaxException,
        f"Invalid integer value {DIGITS_5000} for 'gc_grace_seconds'",
    ),
    Bad(
        "functions nested 300 deep",
        "SELECT " + _nested("blobAsInt(intAsBlob(", "v", "))", 150) + " FROM t WHERE k = 1",
        SyntaxException,
        TOO_DEEP,
    ),
    Bad(
        "casts nested 300 deep",
        "SELECT " + _nested("CAST(", "v", " AS int)") + " FROM t WHERE k = 1",
        SyntaxException,
        TOO_DEEP,
    ),
    Bad(
        "type hints nested 300 deep",
        "INSERT INTO t (k, c, v) VALUES (1, 1, " + _nested("(int)", "1", "") + ")",
        SyntaxException,
        TOO_DEEP,
    ),
    Bad(
        "map literal nested 500 deep",
        "INSERT INTO t (k, c, m) VALUES (1, 1, " + _nested("{1: ", "'x'", "}", 500) + ")",
        SyntaxException,
        TOO_DEEP,
    ),
    Bad(
        "float literal past a float's range",
        "INSERT INTO tv (k, f) VALUES (1, 1e40)",
        InvalidRequest,
        "Invalid number format '1e40'",
    ),
    Bad(
        "vector element past a float's range",
        "INSERT INTO tv (k, vec) VALUES (1, [1e40, 1.0])",
        InvalidRequest,
        "Invalid number format '1e40'",
    ),
    Bad(
        "duration literal past its counters",
        "INSERT INTO tv (k, du) VALUES (1, 999999999y)",
        InvalidRequest,
        "Invalid duration. The number of years must be less than or equal to 178956970",
    ),
    Bad(
        "timestamp literal past 64 bits",
        "INSERT INTO tv (k, ts) VALUES (1, 99999999999999999999999)",
        InvalidRequest,
        "Unable to parse timestamp from '99999999999999999999999'",
    ),
    Bad(
        "date literal past 32 bits",
        "INSERT INTO tv (k, dt) VALUES (1, 99999999999999)",
        InvalidRequest,
        "Unable to make unsigned int (for date) from 99999999999999",
    ),
    Bad(
        "zero bytes bound to IN ?",
        _in_marker_bound_to_zero_bytes,
        InvalidRequest,
        "Exception while binding column",
    ),
    # What the fuzzer (test_fuzz.py) found answered with a Server error, or with no answer
    Bad(
        "zero bytes bound to USING TTL ?",
        _zero_bytes_for("INSERT INTO t (k, c, v) VALUES (?, ?, ?) USING TTL ?", (7, 7, 7, 100), 3),
        InvalidRequest,
        "Invalid TTL value",
        lite_only=EMPTY_VALUE,
    ),
    Bad(
        "zero bytes bound to USING TIMESTAMP ?",
        _zero_bytes_for("INSERT INTO t (k, c, v) VALUES (?, ?, ?) USING TIMESTAMP ?", (7, 7, 7, 100), 3),
        InvalidRequest,
        "Invalid timestamp value",
        lite_only=EMPTY_VALUE,
    ),
    Bad(
        "zero bytes bound to LIMIT ?",
        _zero_bytes_for("SELECT * FROM t WHERE k = ? LIMIT ?", (1, 2), 1),
        InvalidRequest,
        "Invalid limit value",
        lite_only=EMPTY_VALUE,
    ),
    Bad(
        "zero bytes bound to a token bound",
        _zero_bytes_for("SELECT * FROM t WHERE token(k) > ?", (0,), 0),
        InvalidRequest,
        "Invalid token. Should have size 8, has size 0",
        lite_only="ScyllaDB's dht::token::from_bytes throws a bare runtime_exception: a Server error",
    ),
    Bad(
        "zero bytes bound to a token bound beside an indexed column",
        _zero_bytes_for("SELECT * FROM t2 WHERE token(k) > ? AND v = 1", (0,), 0),
        InvalidRequest,
        "Invalid token. Should have size 8, has size 0",
        lite_only="ScyllaDB's dht::token::from_bytes throws a bare runtime_exception: a Server error",
    ),
    Bad(
        "CAST of a text to decimal",
        "SELECT CAST(u.b AS decimal) FROM tu WHERE k = 1",
        InvalidRequest,
        "org.apache.cassandra.db.marshal.UTF8Type cannot be cast to org.apache.cassandra.db.marshal.DecimalType",
    ),
    Bad(
        "CAST of an infinite float to bigint",
        "SELECT CAST(f AS bigint) FROM tv WHERE k = 0",
        InvalidRequest,
        "Cannot cast float to bigint: cannot convert float infinity to integer",
        lite_only="ScyllaDB's castas_fctn_simple is a C++ static_cast, undefined for infinity",
    ),
    Bad(
        "INSERT JSON nested past rjson's 78 levels",
        'INSERT INTO tl JSON \'{"k": 9, "l": ' + _nested("[", "", "]", 5000) + "}'",
        InvalidRequest,
        "Could not decode JSON string as a map: Max nested level reached: 78.",
        lite_only="ScyllaDB's rjson::error escapes INSERT JSON as a Server error (scylladb#8085)",
    ),
    Bad(
        "CAST to varint of a decimal of a huge exponent",
        "SELECT CAST(dc AS varint) FROM tv WHERE k = 0",
        InvalidRequest,
        "Cannot cast decimal to varint: 1E+2147483647 has more than 10000 digits",
        lite_only="ScyllaDB works out 10**2147483647 (big_decimal::as_rational): it stalls",
    ),
    Bad(
        "zero bytes for a single-column partition key",
        _zero_bytes_for("UPDATE t SET v = ? WHERE k = ? AND c = ?", (5, 1, 1), 1),
        InvalidRequest,
        "Key may not be empty",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_request(cql: Session, data: str, case: Bad, scylla: Any) -> None:
    if case.lite_only and scylla.server is None:
        pytest.skip(case.lite_only)
    keyspaces = keyspace_names(cql)
    statement = case.statement
    refused(
        cql,
        data,
        (lambda: statement(cql, data)) if callable(statement) else statement,
        case.error,
        case.message,
    )
    cql.set_keyspace(data)  # a failed USE must not have moved the session
    assert keyspace_names(cql) == keyspaces


def test_a_decimal_of_a_huge_exponent_reads_in_scientific_notation(
    cql: Session, data: str, scylla: Any
) -> None:
    """Not its 2147483648 digits, as ScyllaDB's big_decimal::to_string writes (scylladb#8002),
    but as its to_string_canonical and Java's BigDecimal.toString do."""
    if scylla.server is None:
        pytest.skip("ScyllaDB writes out every digit: it fails or stalls (scylladb#8002)")
    row = cql.execute("SELECT toJson(dc), CAST(dc AS text) FROM tv WHERE k = 0").one()
    assert tuple(row) == ("1E+2147483647", "1E+2147483647")


def test_already_exists_names_the_table_and_keyspace(cql: Session, data: str) -> None:
    with pytest.raises(AlreadyExists) as table:
        cql.execute("CREATE TABLE t (k int PRIMARY KEY)")
    assert (table.value.keyspace, table.value.table) == (data, "t")
    with pytest.raises(AlreadyExists) as keyspace:
        _create_existing_keyspace(cql, data)
    assert (keyspace.value.keyspace, keyspace.value.table) == (data, "")


def test_configuration_exception_for_a_bad_replication_strategy(cql: Session, data: str) -> None:
    keyspaces = keyspace_names(cql)
    refused(
        cql,
        data,
        "CREATE KEYSPACE bad_strategy WITH replication = {'class': 'NoSuchStrategy'}",
        ConfigurationException,
        "Unable to find replication strategy class",
    )
    assert keyspace_names(cql) == keyspaces


def test_a_failing_statement_of_a_batch_applies_nothing(cql: Session, data: str) -> None:
    cql.execute("CREATE TABLE lists (k int PRIMARY KEY, l list<int>)")
    cql.execute("INSERT INTO lists (k, l) VALUES (1, [1, 2])")
    refused(
        cql,
        data,
        "BEGIN BATCH INSERT INTO t (k, c, v) VALUES (9, 9, 9); "
        "INSERT INTO t (k, c, v) VALUES (9, 8, 'x'); APPLY BATCH",
        InvalidRequest,
        'Invalid STRING constant (x) for "v" of type int',
    )
    refused(
        cql,
        data,
        "BEGIN BATCH INSERT INTO t (k, c, v) VALUES (9, 9, 9); "
        "UPDATE lists SET l = l + [3] WHERE k = 1; "
        "UPDATE lists SET l[5] = 0 WHERE k = 1; APPLY BATCH",
        InvalidRequest,
        "List index 5 out of bound, list has size 2",
    )
    insert = cql.prepare("INSERT INTO t (k, c, v) VALUES (?, ?, ?)")
    batch = BatchStatement()
    batch.add(insert, (9, 9, 9))
    bad = insert.bind((9, 8, 0))
    bad.values[2] = b"\x00"  # one byte for an int: the server must refuse the whole batch
    batch.add(bad)
    refused(cql, data, batch, InvalidRequest, "Exception while binding column v")


def _fresh_client_reads_tables(contact: tuple[str, int], keyspace: str) -> set[str]:
    """The tables of ``keyspace`` as a new driver client sees them: connecting reads
    system_schema.tables, so one unreadable row there fails every new client."""
    host, port = contact
    cluster = Cluster([host], port=port, connect_timeout=10)
    try:
        session = cluster.connect()
        found = session.execute(
            "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s", (keyspace,)
        )
        assert set(cluster.metadata.keyspaces[keyspace].tables) >= {"t", "tv"}
        return {r.table_name for r in found}
    finally:
        cluster.shutdown()


def test_a_refused_table_option_leaves_system_schema_readable(
    cql: Session, data: str, scylla_contact: tuple[str, int]
) -> None:
    refused(
        cql,
        data,
        "ALTER TABLE t WITH comment = {'a': 'b'}",
        SyntaxException,
        "Invalid value for property 'comment'. It should be a string",
    )
    refused(
        cql,
        data,
        "CREATE TABLE bad_opt (k int PRIMARY KEY) WITH bloom_filter_fp_chance = 'x'",
        SyntaxException,
        "Invalid double value x for 'bloom_filter_fp_chance'",
    )
    tables = _fresh_client_reads_tables(scylla_contact, data)
    assert "t" in tables and "bad_opt" not in tables


def test_numbers_for_string_options_are_kept_as_written(cql: Session, data: str) -> None:
    """ScyllaDB keeps a property's constant as its text (``comment = 123`` is the comment
    '123'), and takes crc_check_chance with any value without ever applying it."""
    cql.execute("ALTER TABLE t WITH comment = 123 AND crc_check_chance = 'whatever'")
    row = cql.execute(
        "SELECT comment, crc_check_chance FROM system_schema.tables "
        "WHERE keyspace_name = %s AND table_name = 't'",
        (data,),
    ).one()
    assert (row.comment, row.crc_check_chance) == ("123", 1.0)


def test_bad_options_of_a_view_are_refused(cql: Session, data: str) -> None:
    cql.execute(
        "CREATE MATERIALIZED VIEW mv AS SELECT k, c, v FROM t WHERE k IS NOT NULL AND c IS NOT NULL "
        "PRIMARY KEY (c, k) WITH comment = 'kept'"
    )
    for statement, error, message in (
        (
            "ALTER MATERIALIZED VIEW mv WITH bloom_filter_fp_chance = 'x'",
            SyntaxException,
            "Invalid double value x for 'bloom_filter_fp_chance'",
        ),
        ("ALTER MATERIALIZED VIEW mv WITH caching = {'keys': 'some'}", ConfigurationException, "some"),
        (
            "ALTER MATERIALIZED VIEW mv WITH comment = 'changed' AND min_index_interval = 0",
            ConfigurationException,
            "min_index_interval must be greater than 0",
        ),
    ):
        refused(cql, None, statement, error, message)  # a real cluster builds the view meanwhile
    row = cql.execute(
        "SELECT comment, bloom_filter_fp_chance, caching FROM system_schema.views "
        "WHERE keyspace_name = %s AND view_name = 'mv'",
        (data,),
    ).one()
    assert (row.comment, row.bloom_filter_fp_chance, dict(row.caching)["keys"]) == ("kept", 0.01, "ALL")


def test_a_stored_option_of_another_type_still_reads(
    cql: Session, data: str, server: Any, scylla_contact: tuple[str, int]
) -> None:
    """A data directory written before options were checked may hold a value of another
    type than its system_schema column: it shows as that type, or as the default."""
    table = server.engine.catalog.keyspaces[data].tables["t"]
    table.options.update(comment=123, bloom_filter_fp_chance="x", speculative_retry={"a": "b"})
    server.engine.catalog.bump()  # as loading a data directory would
    row = cql.execute(
        "SELECT comment, bloom_filter_fp_chance, speculative_retry FROM system_schema.tables "
        "WHERE keyspace_name = %s AND table_name = 't'",
        (data,),
    ).one()
    assert tuple(row) == ("123", 0.01, "99.0PERCENTILE")
    assert "t" in _fresh_client_reads_tables(scylla_contact, data)


OVER = "x" * (65 * 1024)  # 66,560 bytes
HALF = "x" * 32768  # two of them, with their length bytes, pass 65,535
KEYS_OVER_64_KIB = {
    "partition key": ("INSERT INTO keys1 (p, c) VALUES (?, ?)", [OVER, "c"]),
    "clustering key": ("INSERT INTO keys1 (p, c) VALUES (?, ?)", ["p", OVER]),
    "compound partition key": (
        "INSERT INTO keys2 (p1, p2, c1, c2) VALUES (?, ?, ?, ?)",
        [HALF, HALF, "c", "d"],
    ),
    "composite clustering key": (
        "UPDATE keys2 SET v = 1 WHERE p1 = ? AND p2 = ? AND c1 = ? AND c2 = ?",
        ["p", "q", HALF, HALF],
    ),
    "partition key read": ("SELECT * FROM keys1 WHERE p = ?", [OVER]),
}


@pytest.mark.parametrize("case", KEYS_OVER_64_KIB)
def test_a_key_over_64_kib_is_refused_and_nothing_is_written(
    cql: Session, keyspace: str, case: str, scylla: Any
) -> None:
    """Keys are 16-bit sized: Cassandra's "Key length of ... is longer than maximum of
    65535" (ScyllaDB answers a Server error there: its issue #12247, an xfail in its own
    test_key_length.py), while 65,535 bytes in one column still fit."""
    if scylla.server is None:
        pytest.skip("ScyllaDB's oversized-key error is an internal error (scylladb#12247)")
    cql.execute("CREATE TABLE keys1 (p text, c text, v int, PRIMARY KEY (p, c))")
    cql.execute(
        "CREATE TABLE keys2 (p1 text, p2 text, c1 text, c2 text, v int, PRIMARY KEY ((p1, p2), c1, c2))"
    )
    statement, values = KEYS_OVER_64_KIB[case]
    refused(cql, keyspace, cql.prepare(statement), InvalidRequest, "Key length of", params=values)
    longest = "y" * 65535
    cql.execute("INSERT INTO keys1 (p, c) VALUES (%s, %s)", (longest, longest))
    assert cql.execute("SELECT c FROM keys1 WHERE p = %s", (longest,)).one().c == longest
