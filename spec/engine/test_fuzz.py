"""Fuzzing: bad CQL text and malformed frames get a proper error, never "Server error".

A driver takes an ERROR frame with code 0x0000 ("Server error") for a failed host, so
any bad input answered that way takes the host out of a client's pool. Here a bounded,
seeded fuzzer sends mutated statements, random token soup, deep nesting, huge numbers
and garbage bound values through the driver, and malformed frames through a raw
socket, and requires for each: no 0x0000 error, an answer in time, a server that still
answers a plain query afterwards, and an unrelated table left as it was.

All are slow (``--run-slow`` or ``RUN_SLOW=1``) and stop after ``BUDGET`` seconds.
``FUZZ_SEED`` picks another seed; a failure names the seed and the input. What the
fuzzers found is in ``FOUND`` (or, bound values, in ``PREPARED``) once fixed, sent in every
run, so a regression is caught at once.
"""

from __future__ import annotations

import itertools
import os
import random
import socket
import struct
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cassandra import RequestExecutionException, RequestValidationException
from cassandra.cluster import Cluster, Session
from cassandra.protocol import ErrorMessage, ServerError

from spec.assertions import rows

pytestmark = pytest.mark.slow

SEED = int(os.environ.get("FUZZ_SEED", "20240611"))
BUDGET = 25.0  # seconds of fuzzing per test
TIMEOUT = 10.0  # seconds a single request may take

TABLE = (
    "CREATE TABLE fz (k int, c int, v int, t text, f float, d double, l list<int>, "
    "m map<int, text>, s set<text>, du duration, ts timestamp, dt date, b blob, u uuid, "
    "vi varint, dc decimal, vec vector<float, 3>, PRIMARY KEY (k, c))"
)
VALID = [
    "INSERT INTO fz (k, c, v, t) VALUES (1, 2, 3, 'x')",
    "INSERT INTO fz (k, c, f, d, vi, dc) VALUES (1, 3, 1.5, 2.5e10, 12345678901234567890, 1.25)",
    "INSERT INTO fz (k, c, l, m, s) VALUES (2, 1, [1, 2], {1: 'a'}, {'x'})",
    "INSERT INTO fz (k, c, du, ts, dt) VALUES (3, 1, 1h30m, '2020-01-01', '2020-01-02')",
    "INSERT INTO fz (k, c, vec, b, u) VALUES (4, 1, [1.0, 2.0, 3.0], 0xcafe, uuid())",
    "UPDATE fz USING TTL 100 SET v = 7, l = l + [3] WHERE k = 1 AND c = 2",
    "UPDATE fz SET m[2] = 'b', s = s - {'x'} WHERE k = 2 AND c = 1 IF EXISTS",
    "DELETE v FROM fz WHERE k = 1 AND c IN (1, 2)",
    "SELECT k, blobAsText(textAsBlob(t)), CAST(v AS text), toJson(l) FROM fz WHERE k = 1",
    "SELECT * FROM fz WHERE k IN (1, 2) AND c > 0 ORDER BY c DESC LIMIT 10",
    "SELECT count(*), max(v) FROM fz WHERE v > 1 ALLOW FILTERING",
    "SELECT JSON * FROM fz WHERE token(k) > -100 PER PARTITION LIMIT 2",
    "BEGIN BATCH INSERT INTO fz (k, c) VALUES (5, 5); DELETE FROM fz WHERE k = 5 AND c = 6; APPLY BATCH",
    "ALTER TABLE fz WITH comment = 'c' AND gc_grace_seconds = 100 AND caching = {'keys': 'ALL'}",
    "CREATE TABLE IF NOT EXISTS fz2 (k int PRIMARY KEY, v text) WITH bloom_filter_fp_chance = 0.1",
    "CREATE INDEX IF NOT EXISTS ON fz (v)",
    "CREATE TYPE IF NOT EXISTS ty (a int, b text)",
    'INSERT INTO fz JSON \'{"k": 6, "c": 1, "l": [1], "du": "1d"}\'',
]
PREPARED = [
    "INSERT INTO fz (k, c, v, t, l, m) VALUES (?, ?, ?, ?, ?, ?)",
    "INSERT INTO fz (k, c, du, ts, dt, vi, dc, vec) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO fz (k, c, s, f, d, t, b, u) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "SELECT * FROM fz WHERE k IN ? AND c = ?",
    "SELECT * FROM fz WHERE k = ? AND (c) IN ?",
    "SELECT * FROM fz WHERE k = ? AND c > ? AND c < ?",
    "SELECT * FROM fz WHERE k = ? AND c = ? AND v = ? ALLOW FILTERING",
    "UPDATE fz SET s = s + ?, m[?] = ? WHERE k = ? AND c = ?",
    "UPDATE fz SET m = m + ?, l = ? + l WHERE k = ? AND c = ?",
    "UPDATE fz SET l[?] = ?, du = ?, b = ?, u = ? WHERE k = ? AND c = ?",
    "UPDATE fz SET v = ? WHERE k = ? AND c = ? IF v = ? AND l = ?",
    "DELETE m[?], l[?] FROM fz WHERE k = ? AND c = ?",
    "SELECT * FROM fz WHERE k = ? LIMIT ?",
    "INSERT INTO fz (k, c) VALUES (?, ?) USING TTL ?",
    "INSERT INTO fz (k, c) VALUES (?, ?) USING TIMESTAMP ?",
    "SELECT * FROM fz WHERE token(k) > ?",
]
FOUND = [
    # What the fuzzers found and a fix made right (bound values are in PREPARED): sent first
    "SELECT CAST(t AS decimal) FROM fz WHERE k = 1",
    "SELECT CAST(d AS bigint) FROM fz WHERE k = 1",
    'INSERT INTO fz JSON \'{"k": 1, "c": 1, "l": ' + "[" * 5000 + "]" * 5000 + "}'",
]
TOKENS = [
    "(", ")", "[", "]", "{", "}", ",", ";", ":", ".", "?", "=", "<", ">", "+", "-", "*", "'",
    "SELECT", "INSERT", "UPDATE", "DELETE", "FROM", "WHERE", "AND", "IN", "IF", "NOT", "EXISTS",
    "NULL", "WITH", "USING", "TTL", "TIMESTAMP", "LIMIT", "CAST", "AS", "token", "now()", "fz", "k",
    "v", "l", "m", "du", "-", "NaN", "-Infinity", "0x", "0xzz", "''", "'\x00'", "$$x$$", '"q"',
    "1e40", "-1e400", "1.5", "-0", "9" * 40, "9" * 5000, "-" + "9" * 25, "99999999999y",
    "P99999999999Y", "1d1d", "'99999-01-01'", "'9999999999-01-01'", "2147483648", "-2147483649",
    "{1: 2}", "[[[1]]]", "(1, 2)", "{a: 1}", "list<int>", "frozen<map<int, int>>", "(int)",
    "blobAsInt(", "toTimestamp(", "'\udcff'".encode("utf-8", "surrogatepass").decode("latin-1"),
]  # fmt: skip


COLUMNS = ["k", "c", "v", "t", "f", "d", "l", "m", "s", "du", "ts", "dt", "b", "u", "vi", "dc", "vec"]
VALUES = [
    "0", "-1", "2147483648", "-9223372036854775809", "9" * 30, "9" * 5000, "1.5", "1e40", "-1e400",
    "1e-50", "NaN", "-Infinity", "1e999", "'x'", "''", "'2020-13-45'", "'99999-01-01'",
    "'-5877642-01-01'", "'25:00:00'", "'1d'", "1d", "-1y2mo", "99999999999999999999ns", "P1Y2M",
    "0x", "0x00", "0xdeadbeef", "null", "true", "uuid()", "now()", "toTimestamp(now())",
    "currentDate()", "blobAsInt(0x01)", "blobAsBigint(0x0102)", "textAsBlob('x')", "minTimeuuid('x')",
    "maxTimeuuid(99999999999999999999)", "toDate(99999999999999)", "toUnixTimestamp(-1)",
    "(int)1", "(text)'x'", "(list<int>)[1]", "-now()", "- 1d", "[1, 2]", "[null]", "[[1]]", "{}",
    "{1}", "{1: 'a'}", "{1: null}", "{'a': 1}", "{a: 1}", "(1, 'x')", "[1.0, 2.0, 1e40]",
    "123e4567-e89b-12d3-a456-426614174000", "fromJson('[1, 2]')", "fromJson('{\"1\": \"a\"}')",
    "fromJson('1e999')", "fromJson('\"99999-01-01\"')", "fromJson('" + "[" * 200 + "]" * 200 + "')",
]  # fmt: skip
# (no toTimestamp: of a date past year 9999 it is a timestamp the Python driver cannot read)
FUNCTIONS = [
    "blobAsInt", "intAsBlob", "toJson", "token", "ttl", "writetime", "toDate", "toUnixTimestamp", "minTimeuuid", "count", "max", "min", "sum", "avg", "similarity_cosine",
    "blobAsText", "textAsBlob", "typeAsBlob", "abs",
]  # fmt: skip
TYPES = ["int", "text", "float", "double", "bigint", "varint", "decimal", "ascii", "date", "timestamp",
         "duration", "blob", "boolean", "smallint", "tinyint", "counter", "list<int>", "time"]  # fmt: skip
OPTIONS = [
    "comment", "speculative_retry", "bloom_filter_fp_chance", "crc_check_chance", "caching",
    "compaction", "compression", "default_time_to_live", "gc_grace_seconds", "max_index_interval",
    "min_index_interval", "memtable_flush_period_in_ms", "paxos_grace_seconds", "cdc", "nope",
]  # fmt: skip
TEMPLATES = [
    "INSERT INTO fz (k, c, {col}) VALUES (1, 1, {val})",
    "UPDATE fz SET {col} = {val} WHERE k = 1 AND c = 1",
    "UPDATE fz SET {col} = {col} + {val} WHERE k = 1 AND c = 1",
    "UPDATE fz SET {col}[{val}] = {val} WHERE k = 1 AND c = 1",
    "DELETE {col}[{val}] FROM fz WHERE k = 1 AND c = 1",
    "SELECT * FROM fz WHERE k = {val} AND c IN ({val}, {val})",
    "SELECT * FROM fz WHERE {col} = {val} ALLOW FILTERING",
    "SELECT * FROM fz WHERE k = 1 AND {col} CONTAINS {val} ALLOW FILTERING",
    "SELECT {fn}({col}) FROM fz WHERE k = 1",
    "SELECT {fn}({val}) FROM fz WHERE k = 1",
    "SELECT {col}[{val}] FROM fz WHERE k = 1",
    "SELECT CAST({col} AS {type}) FROM fz WHERE k = 1",
    "INSERT INTO fz (k, c) VALUES (1, 1) USING TTL {val} AND TIMESTAMP {val}",
    "SELECT * FROM fz WHERE k = 1 LIMIT {val}",
    "UPDATE fz SET v = 1 WHERE k = 1 AND c = 1 IF {col} = {val}",
    "ALTER TABLE fz WITH {opt} = {val}",
    "ALTER TABLE fz ADD {col} {type}",
    "CREATE TABLE IF NOT EXISTS fz3 (k int PRIMARY KEY, v {type}) WITH {opt} = {val}",
    'INSERT INTO fz JSON \'{{"k": 1, "c": 1, "{col}": {val}}}\'',
]


def _templated(rng: random.Random) -> str:
    """A statement of a valid shape holding an odd value, column, function, type or option."""

    def fill(name: str) -> str:
        pools = {"col": COLUMNS, "val": VALUES, "fn": FUNCTIONS, "type": TYPES, "opt": OPTIONS}
        return rng.choice(pools[name])

    template = rng.choice(TEMPLATES)
    parts = template.split("{")
    out = parts[0]
    for part in parts[1:]:
        name, sep, rest = part.partition("}")
        out += (
            fill(name) if sep and name in ("col", "val", "fn", "type", "opt") else "{" + name + sep
        ) + rest
    return out


def _nested(rng: random.Random) -> str:
    """A term nested far past ScyllaDB's limit of 12, in one of the shapes a parser recurses on."""
    depth = rng.choice([13, 50, 300, 1000])
    opening, inner, closing = rng.choice(
        [
            ("{1: ", "1", "}"),
            ("[", "1", "]"),
            ("(", "1", ")"),
            ("blobAsInt(intAsBlob(", "v", "))"),
            ("CAST(", "v", " AS int)"),
            ("(int)", "1", ""),
            ("-(", "1", ")"),
        ]
    )
    return opening * depth + inner + closing * depth


def _mutate(rng: random.Random, statement: str) -> str:
    """A valid statement with a few tokens dropped, repeated, swapped or replaced."""
    words = statement.replace("(", " ( ").replace(")", " ) ").replace(",", " , ").split()
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(words))
        action = rng.randrange(5)
        if action == 0 and len(words) > 1:
            del words[i]
        elif action == 1:
            words.insert(i, words[i])
        elif action == 2:
            j = rng.randrange(len(words))
            words[i], words[j] = words[j], words[i]
        elif action == 3:
            words[i] = rng.choice(TOKENS)
        else:  # (in an INSERT JSON statement, JSON nested that deep)
            words[i] = _nested(rng)
    return " ".join(words)


def _statements(rng: random.Random) -> Iterator[str]:
    """Endless fuzz input: mostly mutants of valid statements, some token soup and nesting."""
    while True:
        pick = rng.random()
        if pick < 0.6:
            yield _templated(rng)
        elif pick < 0.8:
            yield _mutate(rng, rng.choice(VALID))
        elif pick < 0.9:
            yield " ".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 12)))
        else:
            yield f"INSERT INTO fz (k, c, m) VALUES (1, 1, {_nested(rng)})"


def _garbage(rng: random.Random) -> bytes:
    """A bound value's bytes: empty, short, long, or a collection header that lies."""
    return rng.choice(
        [
            b"",
            rng.randbytes(rng.randint(1, 3)),
            rng.randbytes(rng.randint(4, 40)),
            struct.pack(">i", rng.choice([-5, 0, 1, 2**31 - 1])) + rng.randbytes(rng.randint(0, 8)),
            b"\xff" * rng.randint(1, 12),
        ]
    )


def report(what: str, sent: int) -> None:
    """One line for ``nox -s reliability`` (shown with ``-s``): a fuzzer that got here had
    no Server error, no hang and an unrelated table unchanged."""
    print(f"\nfuzz: {sent} {what} (seed {SEED}): 0 answered Server error 0x0000, 0 hangs")


def _check(session: Session, statement: Any, description: str) -> None:
    """Run one request: any error but a 0x0000 "Server error" (or no answer) is fine."""
    try:
        session.execute(statement)
    except (ErrorMessage, RequestValidationException, RequestExecutionException) as exc:
        if isinstance(exc, ServerError):  # (the driver takes the host for failed: NoHostAvailable)
            pytest.fail(f"seed {SEED}: {description} got a Server error: {exc}")
    except Exception as exc:  # a Server error (NoHostAvailable), no answer, or an unreadable one
        pytest.fail(f"seed {SEED}: {description} got {type(exc).__name__}: {exc}")


@pytest.fixture
def unrelated(cql: Session, keyspace: str) -> Iterator[Callable[[], list[tuple[Any, ...]]]]:
    """A table in the test's keyspace that no fuzz input names: its rows, read back."""
    cql.execute("CREATE TABLE keep (k int PRIMARY KEY, v text, l list<int>)")
    for k in range(5):
        cql.execute("INSERT INTO keep (k, v, l) VALUES (%s, %s, %s)", (k, f"v{k}", [k, k]))

    def read() -> list[tuple[Any, ...]]:
        return sorted(rows(cql, f"SELECT * FROM {keyspace}.keep"))

    yield read


@pytest.fixture
def fuzz_session(scylla_contact: tuple[str, int], keyspace_factory: Callable[..., str]) -> Iterator[Session]:
    """A session of its own (fuzzed USE statements move only it) on a fuzzing keyspace."""
    host, port = scylla_contact
    cluster = Cluster([host], port=port, connect_timeout=10)
    try:
        session = cluster.connect(keyspace_factory("fuzz"))
        session.default_timeout = TIMEOUT
        session.execute(TABLE)
        session.execute("INSERT INTO fz (k, c, t, d) VALUES (1, 1, 'x', Infinity)")  # for CASTs
        yield session
    finally:
        cluster.shutdown()


def test_cql_text_fuzz(fuzz_session: Session, unrelated: Callable[[], list[tuple[Any, ...]]]) -> None:
    before = unrelated()
    rng = random.Random(SEED)
    deadline = time.monotonic() + BUDGET
    statements = itertools.chain(FOUND, _statements(rng))
    sent = 0
    while time.monotonic() < deadline and sent < 3000:
        statement = next(statements)
        _check(fuzz_session, statement, repr(statement[:300]))
        sent += 1
        if sent % 100 == 0:
            assert fuzz_session.execute("SELECT release_version FROM system.local").one()
    assert sent >= 50
    assert unrelated() == before
    report("CQL texts", sent)


def test_bound_value_fuzz(fuzz_session: Session, unrelated: Callable[[], list[tuple[Any, ...]]]) -> None:
    """Prepared statements bound to bytes no driver would send for their types."""
    before = unrelated()
    _fuzz_bound_values(fuzz_session, PREPARED, BUDGET / 2)
    assert unrelated() == before


def _fuzz_bound_values(session: Session, statements: list[str], budget: float) -> None:
    rng = random.Random(SEED)
    prepared = [session.prepare(q) for q in statements]
    deadline = time.monotonic() + budget
    sent = 0
    while time.monotonic() < deadline and sent < 2000:
        statement = rng.choice(prepared)
        bound = statement.bind([None] * len(statement.column_metadata))
        bound.values = [_garbage(rng) for _ in statement.column_metadata]
        _check(session, bound, f"{statement.query_string} with {bound.values}")
        sent += 1
    assert session.execute("SELECT release_version FROM system.local").one()
    report("garbage bound values", sent)


# --------------------------------------------------------------------------- raw frames

OPCODES = {"STARTUP": 0x01, "OPTIONS": 0x05, "QUERY": 0x07, "PREPARE": 0x09, "EXECUTE": 0x0A, "BATCH": 0x0D}
ERROR, READY = 0x00, 0x02


def _frame(opcode: int, body: bytes, stream: int = 0, version: int = 4, flags: int = 0) -> bytes:
    return struct.pack(">BBhBi", version, flags, stream, opcode, len(body)) + body


def _string_map(entries: dict[str, str]) -> bytes:
    out = struct.pack(">H", len(entries))
    for key, value in entries.items():
        for text in (key, value):
            out += struct.pack(">H", len(text)) + text.encode()
    return out


def _query(text: str, stream: int = 1) -> bytes:
    body = struct.pack(">i", len(text)) + text.encode() + struct.pack(">HB", 1, 0)
    return _frame(OPCODES["QUERY"], body, stream)


STARTUP = _frame(OPCODES["STARTUP"], _string_map({"CQL_VERSION": "3.0.0"}))


def _malformed(rng: random.Random) -> bytes:
    """One malformed request (after a proper STARTUP): a lying length, an unknown opcode
    or version, a truncated or garbage body, a huge length, or bytes that are no frame."""
    body = rng.randbytes(rng.randint(0, 64))
    kind = rng.randrange(7)
    if kind == 0:  # a length that says more or less than the body
        return struct.pack(">BBhBi", 4, 0, 1, OPCODES["QUERY"], len(body) + rng.randint(-4, 4)) + body
    if kind == 1:
        return _frame(rng.randrange(256), body, rng.randrange(-(2**15), 2**15))
    if kind == 2:
        return _frame(rng.choice(list(OPCODES.values())), body, flags=rng.randrange(256))
    if kind == 3:
        return _frame(OPCODES["QUERY"], body, version=rng.choice([0, 1, 2, 3, 5, 6, 0x84, 0xFF]))
    if kind == 4:  # a body cut short
        return _query("SELECT * FROM system.local")[: rng.randint(9, 30)]
    if kind == 5:
        return struct.pack(">BBhBi", 4, 0, 1, OPCODES["QUERY"], rng.choice([2**31 - 1, -1, 2**28]))
    return rng.randbytes(rng.randint(1, 64))


def _error_codes(data: bytes) -> list[int]:
    """The codes of the ERROR frames in what the server sent back (a v1/v2 header has a
    one-byte stream: 8 bytes; v3 and later, 9)."""
    codes, pos = [], 0
    while pos + 9 <= len(data):
        short = (data[pos] & 0x7F) < 3
        size = 8 if short else 9
        opcode, length = struct.unpack_from(">Bi", data, pos + size - 5)
        body = data[pos + size : pos + size + max(length, 0)]
        if opcode == ERROR and len(body) >= 4:
            codes.append(struct.unpack_from(">i", body)[0])
        pos += size + max(length, 0)
    return codes


def _exchange(contact: tuple[str, int], payload: bytes, wait: float) -> bytes:
    """Send ``payload`` on a new connection and return what comes back within ``wait``
    seconds (or until the server closes it)."""
    received = b""
    with socket.create_connection(contact, timeout=TIMEOUT) as sock:
        sock.sendall(payload)
        sock.settimeout(wait)
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return received


def _answers(contact: tuple[str, int]) -> bool:
    """Does a fresh connection still get READY and a result for a plain query?"""
    data = _exchange(contact, STARTUP + _query("SELECT release_version FROM system.local"), 2.0)
    return len(data) > 9 and data[4] == READY and 0x08 in {data[i] for i in range(9, len(data) - 4)}


def test_malformed_frames(
    scylla_contact: tuple[str, int], unrelated: Callable[[], list[tuple[Any, ...]]]
) -> None:
    before = unrelated()
    rng = random.Random(SEED)
    deadline = time.monotonic() + BUDGET
    sent = 0
    while time.monotonic() < deadline and sent < 300:
        payload = STARTUP + b"".join(_malformed(rng) for _ in range(rng.randint(1, 3)))
        codes = _error_codes(_exchange(scylla_contact, payload, 0.3))
        assert 0x0000 not in codes, f"seed {SEED}: a Server error for {payload!r}"
        sent += 1
        if sent % 25 == 0:
            assert _answers(scylla_contact), f"seed {SEED}: no answer after {payload!r}"
    assert _answers(scylla_contact)
    assert unrelated() == before
    report("malformed frame sequences", sent)
