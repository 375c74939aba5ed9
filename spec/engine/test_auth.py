"""Authentication and authorization (``--auth``): who may log in, and what a role may do.

These run against a server with PasswordAuthenticator and CassandraAuthorizer: the
embedded one started with ``auth=True``, or a real cluster configured so, named by
``SCYLLA_AUTH_HOSTS`` (``host[:port]``, superuser ``cassandra``/``cassandra`` unless
``SCYLLA_AUTH_USER``/``SCYLLA_AUTH_PASSWORD`` say otherwise). Every test makes its own
roles and keyspace and drops them.
"""

from __future__ import annotations

import os
import socket
import struct
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cassandra import InvalidRequest, Unauthorized
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, NoHostAvailable, Session
from cassandra.query import BatchStatement, SimpleStatement

from scylla_lite import serve
from scylla_lite.auth import FAILED_LOGIN_DELAY
from spec.server_process import ScyllaLiteProcess

REAL = os.environ.get("SCYLLA_AUTH_HOSTS")
SUPERUSER = (
    os.environ.get("SCYLLA_AUTH_USER", "cassandra"),
    os.environ.get("SCYLLA_AUTH_PASSWORD", "cassandra"),
)
embedded_only = pytest.mark.skipif(bool(REAL), reason="looks inside the embedded server")

Login = Callable[[str, str], Session]


@pytest.fixture(scope="module")
def contact() -> Iterator[tuple[str, int]]:
    """Where a server with authentication and authorization listens."""
    if REAL:
        host, _, port = REAL.split(",")[0].partition(":")
        yield host, int(port or 9042)
        return
    with serve(port=0, auth=True) as server:
        yield server.host, server.port


@pytest.fixture
def login(contact: tuple[str, int]) -> Iterator[Login]:
    """Log in as a role: a session of its own (closed at the end of the test)."""
    clusters: list[Cluster] = []

    def connect(user: str, password: str) -> Session:
        cluster = Cluster(
            [contact[0]],
            port=contact[1],
            auth_provider=PlainTextAuthProvider(user, password),
            connect_timeout=10,
        )
        clusters.append(cluster)
        return cluster.connect()

    yield connect
    for cluster in clusters:
        cluster.shutdown()


@pytest.fixture
def admin(login: Login) -> Session:
    return login(*SUPERUSER)


@pytest.fixture
def names(admin: Session) -> Iterator[Callable[[str], str]]:
    """Unique role and keyspace names; every one made is dropped at the end."""
    made: list[str] = []

    def name(prefix: str) -> str:
        made.append(f"{prefix}_{uuid.uuid4().hex[:8]}")
        return made[-1]

    yield name
    for made_name in reversed(made):
        admin.execute(f"DROP ROLE IF EXISTS {made_name}")
        admin.execute(f"DROP KEYSPACE IF EXISTS {made_name}")


@pytest.fixture
def world(admin: Session, names: Callable[[str], str]) -> dict[str, str]:
    """A keyspace with a table holding one row, and a role that may log in and holds nothing."""
    ks, user = names("ks"), names("bob")
    admin.execute(
        f"CREATE KEYSPACE {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
    )
    admin.execute(f"CREATE TABLE {ks}.t (k int PRIMARY KEY, v int)")
    admin.execute(f"INSERT INTO {ks}.t (k, v) VALUES (1, 1)")
    admin.execute(f"CREATE ROLE {user} WITH PASSWORD = 'pw-{user}' AND LOGIN = true")
    return {"ks": ks, "user": user, "password": f"pw-{user}"}


def denied(session: Session, query: str, message: str, error: type[Exception] = Unauthorized) -> None:
    with pytest.raises(error) as caught:
        session.execute(query)
    assert message in str(caught.value)


def rows(session: Session, query: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in session.execute(query)]


# --------------------------------------------------------------------------- authorization


def test_a_role_without_permissions_can_read_change_or_drop_nothing(
    admin: Session, login: Login, world: dict[str, str]
) -> None:
    ks, user = world["ks"], world["user"]
    bob = login(user, world["password"])
    denied(
        bob,
        f"SELECT * FROM {ks}.t",
        f"User {user} has no SELECT permission on <table {ks}.t> or any of its parents",
    )
    denied(
        bob,
        f"INSERT INTO {ks}.t (k, v) VALUES (2, 2)",
        f"User {user} has no MODIFY permission on <table {ks}.t>",
    )
    denied(bob, f"TRUNCATE {ks}.t", f"User {user} has no MODIFY permission on <table {ks}.t>")
    denied(bob, f"DROP TABLE {ks}.t", f"User {user} has no DROP permission on <table {ks}.t>")
    denied(bob, f"DROP KEYSPACE {ks}", f"User {user} has no DROP permission on <keyspace {ks}>")
    denied(
        bob,
        f"CREATE TABLE {ks}.u (k int PRIMARY KEY)",
        f"User {user} has no CREATE permission on <keyspace {ks}>",
    )
    denied(
        bob,
        "CREATE KEYSPACE nope WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
        f"User {user} has no CREATE permission on <all keyspaces>",
    )
    assert rows(admin, f"SELECT k, v FROM {ks}.t") == [(1, 1)]
    # what every driver reads to connect stays readable
    assert bob.execute("SELECT release_version FROM system.local").one() is not None
    assert rows(bob, f"SELECT table_name FROM system_schema.tables WHERE keyspace_name = '{ks}'") == [("t",)]


def test_granted_permissions_allow_exactly_what_they_name_until_revoked(
    admin: Session, login: Login, world: dict[str, str]
) -> None:
    ks, user = world["ks"], world["user"]
    bob = login(user, world["password"])
    admin.execute(f"GRANT SELECT ON KEYSPACE {ks} TO {user}")
    assert rows(bob, f"SELECT k, v FROM {ks}.t") == [(1, 1)]
    denied(bob, f"INSERT INTO {ks}.t (k, v) VALUES (2, 2)", "has no MODIFY permission")
    admin.execute(f"GRANT MODIFY ON TABLE {ks}.t TO {user}")
    bob.execute(f"INSERT INTO {ks}.t (k, v) VALUES (2, 2)")
    assert rows(admin, f"LIST ALL PERMISSIONS OF {user}") == [
        (user, user, f"<keyspace {ks}>", "SELECT"),
        (user, user, f"<table {ks}.t>", "MODIFY"),
    ]
    admin.execute(f"REVOKE SELECT ON KEYSPACE {ks} FROM {user}")
    denied(bob, f"SELECT * FROM {ks}.t", "has no SELECT permission")
    assert sorted(rows(admin, f"SELECT k, v FROM {ks}.t")) == [(1, 1), (2, 2)]


def test_a_role_inherits_the_permissions_of_the_roles_granted_to_it(
    admin: Session, login: Login, world: dict[str, str], names: Callable[[str], str]
) -> None:
    ks, user = world["ks"], world["user"]
    reader = names("reader")
    admin.execute(f"CREATE ROLE {reader}")
    admin.execute(f"GRANT SELECT ON TABLE {ks}.t TO {reader}")
    bob = login(user, world["password"])
    denied(bob, f"SELECT * FROM {ks}.t", "has no SELECT permission")
    admin.execute(f"GRANT {reader} TO {user}")
    assert rows(bob, f"SELECT k FROM {ks}.t") == [(1,)]
    assert rows(bob, "LIST ROLES") == sorted([(user, False, True), (reader, False, False)])
    denied(admin, f"GRANT {user} TO {reader}", f"{user} already includes role {reader}.", InvalidRequest)
    admin.execute(f"REVOKE {reader} FROM {user}")
    denied(bob, f"SELECT * FROM {ks}.t", "has no SELECT permission")
    denied(
        admin,
        f"REVOKE {reader} FROM {user}",
        f"{user} was not granted role {reader}, so it cannot be revoked.",
        InvalidRequest,
    )


def test_the_creator_of_a_keyspace_holds_every_permission_on_it(
    admin: Session, login: Login, world: dict[str, str], names: Callable[[str], str]
) -> None:
    user, mine = world["user"], names("mine")
    admin.execute(f"GRANT CREATE ON ALL KEYSPACES TO {user}")
    bob = login(user, world["password"])
    bob.execute(
        f"CREATE KEYSPACE {mine} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
    )
    bob.execute(f"CREATE TABLE {mine}.t (k int PRIMARY KEY, v int)")
    bob.execute(f"INSERT INTO {mine}.t (k, v) VALUES (7, 7)")
    assert rows(bob, f"SELECT k, v FROM {mine}.t") == [(7, 7)]
    denied(bob, f"SELECT * FROM {world['ks']}.t", "has no SELECT permission")  # still nothing on others'
    bob.execute(f"DROP KEYSPACE {mine}")
    assert not [r for r in rows(admin, f"LIST ALL PERMISSIONS OF {user}") if mine in r[2]]


def test_only_superusers_make_or_drop_superusers(
    admin: Session, login: Login, world: dict[str, str], names: Callable[[str], str]
) -> None:
    user, other = world["user"], names("other")
    admin.execute(f"GRANT CREATE ON ALL ROLES TO {user}")
    bob = login(user, world["password"])
    denied(
        bob,
        f"CREATE ROLE {other} WITH SUPERUSER = true",
        "Only superusers can create a role with superuser status.",
    )
    bob.execute(f"CREATE ROLE {other} WITH PASSWORD = 'x' AND LOGIN = true")  # the creator may then alter it
    bob.execute(f"ALTER ROLE {other} WITH PASSWORD = 'y'")
    denied(
        bob,
        f"ALTER ROLE {user} WITH SUPERUSER = true",
        "Only superusers are allowed to alter superuser status.",
    )
    denied(bob, f"DROP ROLE {SUPERUSER[0]}", f"User {user} has no DROP permission on <role {SUPERUSER[0]}>")
    denied(admin, f"DROP ROLE {SUPERUSER[0]}", "Cannot DROP primary role for current login.", InvalidRequest)
    assert rows(admin, f"SELECT role FROM system_auth.roles WHERE role = '{SUPERUSER[0]}'") == [
        (SUPERUSER[0],)
    ]
    login(other, "y")


def test_a_role_changes_its_own_password_and_the_old_one_stops_working(
    admin: Session, login: Login, world: dict[str, str]
) -> None:
    user = world["user"]
    bob = login(user, world["password"])
    bob.execute(f"ALTER ROLE {user} WITH PASSWORD = 'new secret'")
    login(user, "new secret")
    with pytest.raises(NoHostAvailable, match="and/or password are incorrect"):
        login(user, world["password"])


def test_passwords_are_stored_as_salted_bcrypt_hashes(admin: Session, world: dict[str, str]) -> None:
    salted = admin.execute(f"SELECT salted_hash FROM system_auth.roles WHERE role = '{world['user']}'").one()[
        0
    ]
    assert salted.startswith(("$2a$", "$2b$", "$2y$", "$6$")) and world["password"] not in salted


def test_access_statements_need_a_login(cql: Session) -> None:
    """On a server without authentication every client is anonymous (ScyllaDB's default
    configuration): role statements are refused, as ScyllaDB refuses them."""
    name = f"anon_{uuid.uuid4().hex[:8]}"
    denied(cql, f"CREATE ROLE {name}", "You have to be logged in and not anonymous to perform this request")
    denied(cql, "LIST ROLES", "You have to be logged in and not anonymous to perform this request")


# --------------------------------------------------------------------------- the embedded server's own


@embedded_only
def test_a_wrong_password_is_answered_only_after_a_delay(contact: tuple[str, int]) -> None:
    """Guessing costs at least `FAILED_LOGIN_DELAY` a try on a connection (a lower bound,
    so a slow machine cannot fail it)."""
    started = time.monotonic()
    cluster = Cluster(
        [contact[0]], port=contact[1], auth_provider=PlainTextAuthProvider("cassandra", "guess")
    )
    try:
        with pytest.raises(NoHostAvailable, match="and/or password are incorrect"):
            cluster.connect()
    finally:
        cluster.shutdown()
    assert time.monotonic() - started >= FAILED_LOGIN_DELAY


def startup_frame() -> bytes:
    body = struct.pack(">H", 1) + b"".join(struct.pack(">H", len(x)) + x for x in (b"CQL_VERSION", b"3.0.0"))
    return struct.pack(">BBhBi", 4, 0, 0, 0x01, len(body)) + body


@embedded_only
def test_a_connection_that_never_logs_in_is_closed() -> None:
    with (
        serve(port=0, auth=True, auth_timeout=0.5) as server,
        socket.create_connection((server.host, server.port), timeout=10) as stranger,
    ):
        stranger.sendall(startup_frame())
        assert stranger.recv(9)[4] == 0x03  # AUTHENTICATE: then it sends nothing more
        started = time.monotonic()
        while stranger.recv(4096):
            pass  # the rest of AUTHENTICATE, then end of stream
        assert 0.4 <= time.monotonic() - started < 8


@embedded_only
@pytest.mark.skipif(
    bool(os.environ.get("SCYLLA_HOSTS")), reason="kills and restarts an embedded server process"
)
def test_roles_and_passwords_survive_a_crash_and_no_password_is_stored(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = ScyllaLiteProcess(data_dir, args=["--auth"])
    s = server.connect(("cassandra", "cassandra"))
    s.execute("CREATE ROLE root WITH PASSWORD = 'root secret' AND LOGIN = true AND SUPERUSER = true")
    s = server.connect(("root", "root secret"))
    s.execute("ALTER ROLE cassandra WITH PASSWORD = 'changed secret'")
    s.execute("CREATE ROLE gone WITH PASSWORD = 'gone secret' AND LOGIN = true")
    s.execute("DROP ROLE gone")
    server.kill()

    server = ScyllaLiteProcess(data_dir, args=["--auth"])
    try:
        s = server.connect(("cassandra", "changed secret"))
        assert sorted(r.role for r in s.execute("LIST ROLES")) == ["cassandra", "root"]
        with pytest.raises(NoHostAvailable, match="and/or password are incorrect"):
            server.connect(("cassandra", "cassandra"))
    finally:
        assert server.stop() == 0
    stored = b"".join(f.read_bytes() for f in data_dir.iterdir())
    assert b"secret" not in stored and b"cassandra'" not in stored


def test_a_protocol_batch_needs_the_permissions_of_each_statement(
    admin: Session, login: Login, world: dict[str, str]
) -> None:
    ks, user = world["ks"], world["user"]
    bob = login(user, world["password"])
    batch = BatchStatement()
    batch.add(SimpleStatement(f"INSERT INTO {ks}.t (k, v) VALUES (5, 5)"))
    batch.add(bob.prepare(f"INSERT INTO {ks}.t (k, v) VALUES (?, ?)"), (6, 6))
    with pytest.raises(Unauthorized, match=f"User {user} has no MODIFY permission on <table {ks}.t>"):
        bob.execute(batch)
    admin.execute(f"GRANT MODIFY ON TABLE {ks}.t TO {user}")
    bob.execute(batch)
    assert sorted(rows(admin, f"SELECT k FROM {ks}.t")) == [(1,), (5,), (6,)]
