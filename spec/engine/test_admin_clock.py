"""The admin HTTP interface of scylla_lite (``--admin-port``): read and move the clock.

It exists only on the embedded server, so these tests take the ``server`` fixture
(skipped against a real cluster). Tests that move time do it on a private server of
their own, so the session's shared clock stays near wall time for everyone else.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, Session

from scylla_lite import serve
from scylla_lite.admin import MAX_ADVANCE_SECONDS
from spec.assertions import server_now_ms
from spec.server_process import ScyllaLiteProcess


def call(
    base: str, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """(HTTP status, decoded JSON body) of one request; a body goes as application/json
    unless ``headers`` say otherwise."""
    sent = {"Content-Type": "application/json"} if body is not None else {}
    request = urllib.request.Request(
        base + path, data=body, method=method, headers={**sent, **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def advance(base: str, seconds: Any) -> tuple[int, Any]:
    return call(base, "POST", "/clock/advance", json.dumps({"seconds": seconds}).encode())


@pytest.fixture
def own(server: Any) -> Iterator[tuple[str, Session]]:
    """(admin URL, session) of a private embedded server whose clock a test may move."""
    with serve(port=0, admin_port=0) as private:
        assert private.admin_url is not None
        cluster = Cluster([private.host], port=private.port, connect_timeout=10)
        try:
            yield private.admin_url, cluster.connect()
        finally:
            cluster.shutdown()


def test_get_clock_shows_the_servers_time(server: Any, cql: Session) -> None:
    before = server_now_ms(cql)
    status, doc = call(server.admin_url, "GET", "/clock")
    after = server_now_ms(cql)
    assert status == 200 and set(doc) == {"now_micros", "now", "offset_seconds"}
    assert before <= doc["now_micros"] // 1000 <= after
    shown = dt.datetime.fromisoformat(doc["now"].replace("Z", "+00:00"))
    assert doc["now"].endswith("Z") and shown.timestamp() == pytest.approx(doc["now_micros"] / 1e6, abs=1e-6)
    assert call(server.admin_url, "GET", "/health") == (200, {"status": "ok"})


def test_advancing_moves_now_and_expiry_at_once(own: tuple[str, Session]) -> None:
    url, s = own
    s.execute("CREATE KEYSPACE a WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    s.execute("CREATE TABLE a.t (k int PRIMARY KEY, v int)")
    s.execute("INSERT INTO a.t (k, v) VALUES (1, 1) USING TTL 3600")
    s.execute("INSERT INTO a.t (k, v) VALUES (2, 2) USING TTL 7200")
    start_wall, start_ms = time.time(), server_now_ms(s)
    status, doc = advance(url, 3600)
    assert status == 200 and doc["offset_seconds"] == 3600
    assert [tuple(r) for r in s.execute("SELECT k, v FROM a.t")] == [(2, 2)]
    assert 3595 <= s.execute("SELECT ttl(v) FROM a.t WHERE k = 2").one()[0] <= 3600
    moved = server_now_ms(s) - start_ms
    assert 3600_000 <= moved < 3600_000 + 5000
    id_ms = s.execute("SELECT toUnixTimestamp(now()) FROM system.local").one()[0]
    assert abs(id_ms - server_now_ms(s)) < 1000
    assert time.time() - start_wall < 5  # no sleeping involved
    status, doc = advance(url, 0.5)  # fractions of a second add up too
    assert status == 200 and doc["offset_seconds"] == 3600.5
    status, doc = call(url, "GET", "/clock")
    assert doc["offset_seconds"] == 3600.5
    assert abs(doc["now_micros"] / 1e6 - (time.time() + 3600.5)) < 5


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"seconds": -1}', "the clock only moves forward"),
        (b'{"seconds": "ten"}', '"seconds" must be a finite number'),
        (b'{"seconds": true}', '"seconds" must be a finite number'),
        (b'{"seconds": NaN}', '"seconds" must be a finite number'),
        (b'{"seconds": 1e12}', '"seconds" is at most'),
        (b'{"minutes": 5}', 'body must be a JSON object like {"seconds": 3600}'),
        (b"[5]", 'body must be a JSON object like {"seconds": 3600}'),
        (b"", 'body must be a JSON object like {"seconds": 3600}'),
        (b"seconds=5", "body is not JSON"),
    ],
)
def test_a_bad_advance_is_a_400_and_moves_nothing(server: Any, body: bytes, message: str) -> None:
    offset = call(server.admin_url, "GET", "/clock")[1]["offset_seconds"]
    status, doc = call(server.admin_url, "POST", "/clock/advance", body)
    assert status == 400 and message in doc["error"]
    assert call(server.admin_url, "GET", "/clock")[1]["offset_seconds"] == offset


@pytest.mark.parametrize(
    ("method", "path", "status", "message"),
    [
        ("GET", "/nope", 404, "no such endpoint /nope"),
        ("POST", "/clock/rewind", 404, "no such endpoint /clock/rewind"),
        ("GET", "/clock/advance", 405, "/clock/advance takes POST"),
        ("POST", "/clock", 405, "/clock takes GET"),
        ("DELETE", "/health", 405, "/health takes GET"),
    ],
)
def test_unknown_paths_and_wrong_methods(
    server: Any, method: str, path: str, status: int, message: str
) -> None:
    body = b'{"seconds": 1}' if method == "POST" else None
    offset = call(server.admin_url, "GET", "/clock")[1]["offset_seconds"]
    got_status, doc = call(server.admin_url, method, path, body)
    assert got_status == status and message in doc["error"]
    assert call(server.admin_url, "GET", "/clock")[1]["offset_seconds"] == offset


# --------------------------------------------------------------------------- restart


@pytest.mark.skipif(bool(os.environ.get("SCYLLA_HOSTS")), reason="restarts an embedded server process")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["killed", "stopped"])
def test_a_moved_clock_survives_a_restart(server: Any, tmp_path: Path, sig: int) -> None:
    data_dir = tmp_path / "data"
    first = ScyllaLiteProcess(data_dir, admin=True)
    s = first.connect()
    s.execute("CREATE KEYSPACE r WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    s.execute("CREATE TABLE r.t (k int PRIMARY KEY, v int)")
    s.execute("INSERT INTO r.t (k, v) VALUES (1, 1) USING TTL 100")
    s.execute("INSERT INTO r.t (k, v) VALUES (2, 2)")
    # a client's far-future USING TIMESTAMP must not drag the server clock along on replay
    s.execute("INSERT INTO r.t (k, v) VALUES (3, 3) USING TIMESTAMP 4000000000000000")
    assert advance(first.admin_url, 200)[0] == 200
    assert sorted(tuple(r) for r in s.execute("SELECT k, v FROM r.t")) == [(2, 2), (3, 3)]
    first.stop(sig)  # SIGKILL right after the answer: the move was already durable

    second = ScyllaLiteProcess(data_dir, admin=True)
    try:
        s = second.connect()
        status, doc = call(second.admin_url, "GET", "/clock")
        assert status == 200 and doc["offset_seconds"] == 200
        assert sorted(tuple(r) for r in s.execute("SELECT k, v FROM r.t")) == [(2, 2), (3, 3)]
        assert abs(server_now_ms(s) / 1000 - (time.time() + 200)) < 10
        s.execute("INSERT INTO r.t (k, v) VALUES (4, 4) USING TTL 60")
        assert 55 <= s.execute("SELECT ttl(v) FROM r.t WHERE k = 4").one()[0] <= 60
    finally:
        second.stop(signal.SIGTERM)


# --------------------------------------------------------------------------- who may call it


def test_the_admin_port_listens_on_loopback_even_when_cql_listens_everywhere() -> None:
    with serve(host="0.0.0.0", port=0, admin_port=0) as private:
        assert private.admin_url is not None and private.admin_url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        ({"Host": "evil.example:80"}, 403, "Host 'evil.example:80' is not this admin interface"),
        ({"Content-Type": "text/plain"}, 415, "send the body as application/json, not text/plain"),
        (
            {"Content-Type": "application/x-www-form-urlencoded"},
            415,
            "not application/x-www-form-urlencoded",
        ),
    ],
    ids=["foreign-host", "text-plain", "form"],
)
def test_a_request_another_site_could_send_moves_nothing(
    server: Any, headers: dict[str, str], status: int, message: str
) -> None:
    offset = call(server.admin_url, "GET", "/clock")[1]["offset_seconds"]
    got, doc = call(server.admin_url, "POST", "/clock/advance", b'{"seconds": 1}', headers)
    assert got == status and message in doc["error"]
    assert call(server.admin_url, "GET", "/clock")[1]["offset_seconds"] == offset


def test_the_clock_is_at_most_ten_years_ahead_in_all(own: tuple[str, Session]) -> None:
    url, _ = own
    assert advance(url, MAX_ADVANCE_SECONDS - 10)[0] == 200
    status, doc = advance(url, 60)
    assert status == 400 and "ten years" in doc["error"] and "ahead of wall time in all" in doc["error"]
    assert call(url, "GET", "/clock")[1]["offset_seconds"] == MAX_ADVANCE_SECONDS - 10


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_with_auth_only_a_superuser_may_read_or_move_the_clock() -> None:
    with serve(port=0, auth=True, admin_port=0) as private:
        url = private.admin_url
        assert url is not None
        cluster = Cluster(
            [private.host], port=private.port, auth_provider=PlainTextAuthProvider("cassandra", "cassandra")
        )
        try:
            cluster.connect().execute("CREATE ROLE bob WITH PASSWORD = 'pw' AND LOGIN = true")
        finally:
            cluster.shutdown()
        assert call(url, "GET", "/health") == (200, {"status": "ok"})
        for headers in ({}, basic("cassandra", "wrong"), basic("bob", "pw")):
            status, doc = call(url, "POST", "/clock/advance", b'{"seconds": 60}', headers)
            assert status == 401 and "superuser's credentials" in doc["error"]
            assert call(url, "GET", "/indexes", headers=headers)[0] == 401
        status, doc = call(url, "POST", "/clock/advance", b'{"seconds": 60}', basic("cassandra", "cassandra"))
        assert status == 200 and doc["offset_seconds"] == 60
