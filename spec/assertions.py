"""The spec's shared assertions: refusals, "nothing changed", and waiting for
background work.

Every refusal the spec asserts pins three things, because that is what a client of
ScyllaDB can rely on: the error class (the driver picks it from the ERROR frame's code,
so asserting the exact class asserts the code), ScyllaDB's message, and that the
refused statement changed nothing — neither a row nor the schema.

Import from here (``from spec.assertions import refused``); the repository root is on
``sys.path`` through the root ``conftest.py``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Session
from cassandra.protocol import ErrorMessage

T = TypeVar("T")

FILTERING_MESSAGE = (
    "Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. "
    "If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING"
)
"""ScyllaDB's refusal of a query that needs ALLOW FILTERING (an InvalidRequest)."""

SCHEMA_TABLES = ("tables", "columns", "dropped_columns", "views", "indexes", "types")
"""The ``system_schema`` tables whose rows describe a keyspace's tables, views,
indexes and types: what a refused DDL statement must leave alone."""

_SERVER_MESSAGE = re.compile(r'message="(.*)"\Z', re.DOTALL)


def rows(cql: Session, query: str, params: Any = None) -> list[tuple[Any, ...]]:
    """The rows ``query`` returns, as plain tuples (they compare and print as values)."""
    return [tuple(r) for r in cql.execute(query, params)]


def column_schema(
    cql: Session, table: str, what: str = "type", keyspace: str | None = None
) -> dict[str, Any]:
    """{column name: its ``what`` — type, kind, position, ...} for one table, as
    ``system_schema.columns`` shows it (in the session's keyspace unless named)."""
    found = cql.execute(
        f"SELECT column_name, {what} FROM system_schema.columns WHERE keyspace_name = %s AND table_name = %s",
        (keyspace or cql.keyspace, table),
    )
    return {r[0]: r[1] for r in found}


def server_now_ms(cql: Session) -> int:
    """The server's clock in milliseconds: the time ``now()``, TTL expiry and the
    server's own write timestamps read (scylla_lite's moves with the ``clock`` fixture)."""
    return int(cql.execute("SELECT toUnixTimestamp(currentTimestamp()) FROM system.local").one()[0])


# --------------------------------------------------------------------------- nothing changed


def schema_rows(cql: Session, keyspace: str) -> dict[str, list[tuple[Any, ...]]]:
    """The keyspace's rows in each of `SCHEMA_TABLES`, in a stable order."""
    return {
        table: sorted(
            map(
                tuple,
                cql.execute(f"SELECT * FROM system_schema.{table} WHERE keyspace_name = %s", (keyspace,)),
            ),
            key=repr,
        )
        for table in SCHEMA_TABLES
    }


def table_contents(cql: Session, keyspace: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table and materialized view of the keyspace, by name, each
    table's rows sorted (so that a comparison does not depend on the order of a scan)."""
    names = [
        r.table_name
        for r in cql.execute(
            "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s", (keyspace,)
        )
    ]
    names += [
        r.view_name
        for r in cql.execute(
            "SELECT view_name FROM system_schema.views WHERE keyspace_name = %s", (keyspace,)
        )
    ]
    return {name: sorted(rows(cql, f"SELECT * FROM {keyspace}.{name}"), key=repr) for name in names}


def snapshot(cql: Session, keyspace: str) -> dict[str, Any]:
    """Everything a statement could change in the keyspace: its schema rows and the
    contents of its tables and views. Compare one taken before with one taken after."""
    return {"schema": schema_rows(cql, keyspace), "rows": table_contents(cql, keyspace)}


def keyspace_names(cql: Session) -> list[str]:
    """Every keyspace of the cluster. Kept out of `snapshot`: on a shared cluster other
    tests create and drop keyspaces, so compare it only where a statement could."""
    return sorted(r.keyspace_name for r in cql.execute("SELECT keyspace_name FROM system_schema.keyspaces"))


# --------------------------------------------------------------------------- refusals


def server_message(error: BaseException) -> str:
    """The message of the server's ERROR frame that ``error`` was raised for; any other
    error's text. (The driver raises some codes as the ERROR message itself, others as
    an exception worded ``Error from server: code=... message="..."``.)"""
    if isinstance(error, ErrorMessage):
        return str(error.message)
    text = str(error)
    found = _SERVER_MESSAGE.search(text)
    return found.group(1) if found else text


def assert_message(error: BaseException, message: str | re.Pattern[str], *, exact: bool = False) -> None:
    """``error``'s server message contains ``message``, is exactly it (``exact``), or —
    for a compiled pattern, where ScyllaDB's text varies — has a match of it somewhere
    (anchor the pattern to pin more)."""
    got = server_message(error)
    if isinstance(message, re.Pattern):
        assert message.search(got), f"{got!r} does not match {message.pattern!r}"
    elif exact:
        assert got == message, f"{got!r} is not {message!r}"
    else:
        assert message in got, f"{message!r} is not in {got!r}"


def refused(
    cql: Session,
    keyspace: str | None,
    statement: Any,
    error: type[Exception],
    message: str | re.Pattern[str],
    *,
    params: Any = None,
    exact: bool = False,
) -> Exception:
    """``statement`` fails with exactly ``error`` (not a subclass: the class is the ERROR
    code) and ``message`` (see `assert_message`), and the keyspace's `snapshot` is the
    same afterwards.

    ``statement`` is CQL text or a driver statement (run with ``params``), or a callable
    that makes the request itself (a batch, a bind the driver would not build, ...).
    ``keyspace`` None skips the snapshot, for a caller that checks what matters itself —
    where a real cluster still builds view or index rows in the background, a snapshot
    would not hold still. Returns the error, for assertions on its other fields.
    """
    before = None if keyspace is None else snapshot(cql, keyspace)
    with pytest.raises(error) as caught:
        if callable(statement):
            statement()
        else:
            cql.execute(statement, params)
    assert type(caught.value) is error, (
        f"{type(caught.value).__name__} is not {error.__name__}: {caught.value}"
    )
    assert_message(caught.value, message, exact=exact)
    if keyspace is not None:
        assert snapshot(cql, keyspace) == before
    return caught.value


# --------------------------------------------------------------------------- background work


def eventually(
    check: Callable[[], T],
    timeout: float = 15.0,
    *,
    retrying: tuple[type[BaseException], ...] = (AssertionError, InvalidRequest),
) -> T:
    """``check()``'s result once it stops raising one of ``retrying`` (re-raised after
    ``timeout`` seconds). A real cluster builds and updates views and indexes in the
    background, and until an index is built the query it serves is refused as needing
    ALLOW FILTERING (hence InvalidRequest); scylla_lite does it all at once, so there the
    first call answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except retrying:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def expect(cql: Session, query: str, expected: list[tuple[Any, ...]]) -> None:
    """``query`` returns ``expected`` (in order), once background upkeep catches up."""

    def check() -> None:
        assert rows(cql, query) == expected

    eventually(check)


_ASSET_URL = re.compile(
    r"""<(?:script|link|img|source|iframe)\b[^>]*?\b(?:src|href)\s*=\s*["']?([^"'\s>]+)""", re.I
)
#: hosts that are the app itself: the test clients' (httpx ASGI, Flask, Django) and a local run
APP_HOSTS = frozenset({"testserver", "localhost", "127.0.0.1"})


def asset_urls(html: str) -> list[str]:
    """Every script, stylesheet, image, source and frame URL of a page, in order."""
    return _ASSET_URL.findall(html)


def assert_served_locally(html: str, app_hosts: frozenset[str] = APP_HOSTS) -> None:
    """No script, stylesheet, image or frame comes from another host (no CDN): a demo
    must work offline. Links a person may follow (``<a href>``) do not count."""
    from urllib.parse import urlsplit

    for url in asset_urls(html):
        host = urlsplit(url).hostname
        assert host is None or host in app_hosts, f"asset from another host: {url}"
