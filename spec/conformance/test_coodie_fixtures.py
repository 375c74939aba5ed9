"""The conformance plugin's own plumbing: host parsing, the TCP relay, the fixture swap."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from spec.conformance import coodie_fixtures as cf

PLUGIN_DIR = Path(cf.__file__).resolve().parent


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, []),
        ("", []),
        ("127.0.0.1", [("127.0.0.1", 9042)]),
        ("127.0.0.1:19042", [("127.0.0.1", 19042)]),
        ("a:1, b ,c:3", [("a", 1), ("b", 9042), ("c", 3)]),
        ("[::1]:9043,[::1]", [("::1", 9043), ("::1", 9042)]),
        ("::1", [("::1", 9042)]),
    ],
)
def test_parse_hosts(value: str | None, expected: list[tuple[str, int]]) -> None:
    assert cf.parse_hosts(value) == expected


@contextlib.contextmanager
def _echo_server(host: str = "127.0.0.1"):
    server = socket.create_server((host, 0))

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = server.accept()
                with conn:
                    while data := conn.recv(4096):
                        conn.sendall(data.upper())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[:2]
    finally:
        server.close()


def test_forwarder_relays_both_ways() -> None:
    with _echo_server() as target:
        forwarder = cf.TcpForwarder(target)
        try:
            for _ in range(2):  # two connections in a row
                with socket.create_connection(("127.0.0.1", forwarder.port), timeout=5) as client:
                    client.sendall(b"hello cql")
                    client.shutdown(socket.SHUT_WR)
                    received = b""
                    while chunk := client.recv(4096):
                        received += chunk
                assert received == b"HELLO CQL"
        finally:
            forwarder.close()


def test_endpoint_on_127_0_0_1_9042_needs_no_relay() -> None:
    with contextlib.ExitStack() as stack:
        ep = cf._expose(stack, "127.0.0.1", 9042, acsylla_ip="127.0.0.1", description="t")
        assert int(ep.get_exposed_port(9042)) == 9042
        assert ep.get_container_host_ip() == "127.0.0.1"
        wrapped = ep.get_wrapped_container()
        wrapped.reload()
        networks = wrapped.attrs["NetworkSettings"]["Networks"]
        assert next(iter(networks.values()))["IPAddress"] == "127.0.0.1"


def test_endpoint_elsewhere_is_relayed_to_127_0_0_1() -> None:
    try:
        echo = _echo_server("127.0.0.2")
        host, port = echo.__enter__()
    except OSError:
        pytest.skip("127.0.0.2 is not a loopback address on this OS")
    try:
        with contextlib.ExitStack() as stack:
            ep = cf._expose(stack, host, port, acsylla_ip=host, description="t")
            assert ep.get_exposed_port(9042) != port
            with socket.create_connection(("127.0.0.1", ep.get_exposed_port(9042)), timeout=5) as client:
                client.sendall(b"ping")
                assert client.recv(4096) == b"PING"
            with pytest.raises(RuntimeError, match="hard-code 9042"):
                _ = ep.get_wrapped_container().attrs  # acsylla would dial host:9042, not host:port
    finally:
        echo.__exit__(None, None, None)


def test_endpoint_off_9042_cannot_serve_acsylla() -> None:
    with contextlib.ExitStack() as stack:
        ep = cf._expose(stack, "127.0.0.1", 19042, acsylla_ip="127.0.0.1", description="t")
        assert ep.get_exposed_port(9042) == 19042
        with pytest.raises(RuntimeError, match="hard-code 9042"):
            _ = ep.get_wrapped_container().attrs


# --------------------------------------------------------------------------- the swap itself

FAKE_CONFTEST_SCYLLA = """
import pytest

@pytest.fixture(scope="session")
def _test_network():
    pytest.fail("Docker network fixture was used")

@pytest.fixture(scope="session")
def scylla_container(_test_network):
    pytest.fail("Docker scylla_container was used")

@pytest.fixture(scope="session")
def vector_store_container(scylla_container, _test_network):
    pytest.fail("Docker vector_store_container was used")
"""

FAKE_INTEGRATION_CONFTEST = """
from tests.conftest_scylla import _test_network, scylla_container, vector_store_container  # noqa: F401
"""

FAKE_TEST_BASIC = """
import pytest

@pytest.mark.integration
def test_fixtures_come_from_the_plugin(request):
    import coodie_fixtures
    import tests.conftest_scylla as cs

    for name in ("scylla_container", "vector_store_container", "_test_network"):
        assert getattr(cs, name) is getattr(coodie_fixtures, name), name
        defs = request._fixturemanager.getfixturedefs(name, request.node)
        assert defs[-1].func.__module__ == "coodie_fixtures", (name, defs[-1].func.__module__)
"""

FAKE_TEST_ENCRYPTION = """
import pytest

@pytest.fixture(scope="session")
def ssl_certs():
    return {}

@pytest.fixture(scope="session")
def scylla_ssl_container(ssl_certs):
    pytest.fail("Docker TLS container was used")

@pytest.mark.integration
def test_ssl_fixture_comes_from_the_plugin(request):
    defs = request._fixturemanager.getfixturedefs("scylla_ssl_container", request.node)
    assert defs[-1].func.__module__ == "coodie_fixtures", defs[-1].func.__module__
"""


def test_plugin_swaps_coodies_docker_fixtures(tmp_path: Path) -> None:
    """A miniature of coodie's test tree: its Docker fixtures must resolve to ours."""
    files = {
        "pyproject.toml": '[tool.pytest.ini_options]\nmarkers = ["integration: x"]\n',
        "tests/__init__.py": "",
        "tests/conftest.py": "",
        "tests/conftest_scylla.py": FAKE_CONFTEST_SCYLLA,
        "tests/integration/__init__.py": "",
        "tests/integration/conftest.py": FAKE_INTEGRATION_CONFTEST,
        "tests/integration/test_basic.py": FAKE_TEST_BASIC,
        "tests/integration/test_encryption.py": FAKE_TEST_ENCRYPTION,
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PLUGIN_DIR), os.environ.get("PYTHONPATH", "")])}
    env.pop("SCYLLA_HOSTS", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "coodie_fixtures", "-m", "integration", "-o", "addopts=",
         "-p", "no:cacheprovider", "tests/integration"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    assert "overridden Docker fixtures: tests.conftest_scylla._test_network" in result.stdout


# --------------------------------------------------------------------------- live, once the server exists


def test_lite_endpoint_answers_scylla_driver() -> None:
    pytest.importorskip("scylla_lite.server", reason="scylla_lite.server is not written yet")
    from cassandra.cluster import Cluster

    class LocalhostTranslator:
        def translate(self, addr: str) -> str:
            return "127.0.0.1"

    with contextlib.ExitStack() as stack:
        ep = cf.start_lite_endpoint(stack, "spec")
        cluster = Cluster(
            ["127.0.0.1"],
            port=int(ep.get_exposed_port(9042)),
            address_translator=LocalhostTranslator(),
            connect_timeout=10,
        )
        stack.callback(cluster.shutdown)
        session = cluster.connect()
        assert session.execute("SELECT release_version FROM system.local").one() is not None
