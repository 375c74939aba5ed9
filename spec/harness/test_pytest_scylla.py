"""The pytest_scylla plugin and the backend rule, as a developer running the spec meets them."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID, uuid4

import pytest
from cassandra.cluster import Session
from coodie.aio.document import Document as AsyncDocument
from coodie.fields import PrimaryKey
from coodie.sync.document import Document
from pydantic import Field

from demokit.backend import BackendError, Endpoint, choose, parse_hosts

pytest_plugins = ["pytester"]


class Gadget(Document):
    id: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
    name: str = ""

    class Settings:
        name = "gadgets"


class AsyncGadget(AsyncDocument):
    id: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
    name: str = ""

    class Settings:
        name = "async_gadgets"


# --------------------------------------------------------------------------- backend rule


def test_hosts_win_over_everything() -> None:
    assert choose("auto", "10.0.0.1:9042") == "hosts"


def test_without_hosts_or_docker_the_embedded_server_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    assert choose("auto", "") == "embedded"


def test_asking_for_docker_without_an_engine_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(BackendError, match="no Docker engine answers"):
        choose("docker", "")


def test_asking_for_hosts_without_any_says_so() -> None:
    with pytest.raises(BackendError, match="needs SCYLLA_HOSTS"):
        choose("hosts", "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a", [Endpoint("a", 9042)]),
        ("a:9043, b", [Endpoint("a", 9043), Endpoint("b", 9042)]),
        ("[::1]:9050", [Endpoint("::1", 9050)]),
        ("::1", [Endpoint("::1", 9042)]),
    ],
)
def test_scylla_hosts_format(text: str, expected: list[Endpoint]) -> None:
    assert parse_hosts(text) == expected


@pytest.mark.parametrize("bad", ["a:x", "a:0", ":9042", "a:70000"])
def test_bad_scylla_hosts_entries_are_refused(bad: str) -> None:
    with pytest.raises(BackendError, match="SCYLLA_HOSTS"):
        parse_hosts(bad)


# --------------------------------------------------------------------------- options and markers


@pytest.fixture(autouse=True)
def _inner_ini(request: pytest.FixtureRequest) -> None:
    """Inner pytester runs get the project's asyncio settings."""
    if "pytester" in request.fixturenames:
        request.getfixturevalue("pytester").makeini(
            "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        )


def test_help_lists_the_plugin_options(pytester: pytest.Pytester) -> None:
    out = pytester.runpytest("--help").stdout.str()
    for option in ("--scylla-hosts", "--scylla-backend", "--scylla-driver", "--run-slow"):
        assert option in out


def test_a_bad_backend_request_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("--scylla-backend=hosts", "--scylla-hosts=")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*backend 'hosts' needs SCYLLA_HOSTS*"])


def test_demo_marker_makes_k_select_a_demos_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.demo("ttl-sessions")
        def test_session_expires(): pass

        @pytest.mark.demo("realtime-counters")
        def test_counter_counts(): pass

        def test_unrelated(): pass
        """
    )
    result = pytester.runpytest("-k", "ttl", "--collect-only", "-q")
    assert result.outlines[0].endswith("::test_session_expires")
    result.stdout.fnmatch_lines(["*1/3 tests collected (2 deselected)*"])


def test_header_names_the_backend(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("--scylla-backend=embedded")
    result.stdout.fnmatch_lines(["scylla backend: embedded scylla_lite*driver: scylla"])


def test_scylla_only_tests_are_skipped_on_scylla_lite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.scylla_only
        def test_needs_the_real_thing(): pass
        """
    )
    result = pytester.runpytest("--scylla-backend=embedded", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*scylla_only: needs a real ScyllaDB*"])


# --------------------------------------------------------------------------- fixtures


def test_keyspaces_exist_for_the_test_and_are_dropped_after(pytester: pytest.Pytester, cql: Session) -> None:
    names = pytester.path / "names.txt"
    pytester.makepyfile(
        f"""
        def test_uses_two(cql, keyspace, keyspace_factory):
            other = keyspace_factory("extra")
            assert cql.keyspace == keyspace
            found = {{r.keyspace_name for r in cql.execute("SELECT keyspace_name FROM system_schema.keyspaces")}}
            assert {{keyspace, other}} <= found
            open({str(names)!r}, "w").write(keyspace + " " + other)
        """
    )
    pytester.runpytest_inprocess("--scylla-backend=embedded").assert_outcomes(passed=1)
    # The inner run had its own embedded server; ours must not have them either way,
    # and on the inner server they were dropped before it stopped (no error at teardown).
    made = names.read_text().split()
    assert len(made) == 2 and made[0] != made[1]
    assert all(len(n) <= 48 for n in made)


def test_cql_recorder_sees_what_coodie_sends(coodie_sync: Any, cql_recorder: Any) -> None:
    Gadget.sync_table()
    gadget = Gadget(name="sprocket")
    gadget.save()
    assert Gadget.find_one(id=gadget.id).name == "sprocket"
    sent = cql_recorder.normalised()
    assert any(s.startswith("CREATE TABLE IF NOT EXISTS") and "gadgets" in s for s in sent)
    assert any(s.startswith("INSERT INTO") and "gadgets" in s for s in sent)
    assert any(s.startswith("SELECT") and "gadgets" in s for s in sent)
    inserts = [i for i, s in enumerate(sent) if s.startswith("INSERT")]
    selects = [i for i, s in enumerate(sent) if s.startswith("SELECT") and "gadgets" in s]
    assert inserts[0] < selects[-1], "statements are recorded in the order they were sent"


async def test_coodie_async_is_bound_to_the_test_keyspace(
    coodie_async: Any, keyspace: str, cql: Session
) -> None:
    await AsyncGadget.sync_table()
    await AsyncGadget(name="cog").save()
    found = await AsyncGadget.find(name="cog").allow_filtering().all()
    assert [g.name for g in found] == ["cog"]
    tables = cql.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s", (keyspace,))
    assert "async_gadgets" in {r.table_name for r in tables}
