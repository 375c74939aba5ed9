"""lwt-user-registry — "The Identity Wars": lightweight transactions through the real endpoints.

Registration is ``INSERT … IF NOT EXISTS`` (50 concurrent claims of one username: one 201, 49 ×
409, the winner's row stored), edits are optimistic locking with ``UPDATE … IF version = ?`` (a
stale version is a 409 and changes nothing), retiring is ``DELETE … IF EXISTS`` (a missing
identity is a 404). Bad input is a 422 with a message and writes nothing (checked with ``cql``);
the CQL of each action is snapshotted.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import pytest

pytestmark = pytest.mark.demo("lwt-user-registry")

NEO = {"username": "neo", "display_name": "Thomas Anderson", "email": "neo@coodie.corps", "bio": "The one."}


def stored(cql: Any) -> dict[str, tuple[Any, ...]]:
    rows = cql.execute("SELECT username, display_name, email, bio, version FROM identities").all()
    return {r.username: (r.display_name, r.email, r.bio, r.version) for r in rows}


def registered_at(cql: Any, username: str) -> str:
    """The stored ``registered_at`` as the API writes it — checked to be this registration's time."""
    row = cql.execute("SELECT registered_at FROM identities WHERE username = %s", [username]).one()
    assert timedelta(0) <= datetime.now(UTC).replace(tzinfo=None) - row.registered_at < timedelta(minutes=1)
    return row.registered_at.isoformat() + "Z"


def stats(cql: Any) -> dict[str, int]:
    row = cql.execute("SELECT * FROM battle_stats WHERE board = 'global'").one()
    return {} if row is None else {k: v for k, v in row._asdict().items() if k != "board" and v}


# --------------------------------------------------------------------------- registration


async def test_fifty_concurrent_registrations_of_one_username_have_one_winner(app_client, cql):
    claims = [
        {"username": "trinity", "display_name": f"Claimant {n:02d}", "email": f"c{n}@doppel.nine"}
        for n in range(50)
    ]
    responses = await asyncio.gather(*(app_client.post("/api/users", json=c) for c in claims))
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 1 and codes.count(409) == 49, codes
    winner = next(r.json() for r in responses if r.status_code == 201)
    for r in responses:
        if r.status_code == 409:
            body = r.json()
            assert "'trinity' is already taken" in body["detail"] and "IF NOT EXISTS" in body["detail"]
            assert body["existing"]["username"] == "trinity"
    assert stored(cql) == {"trinity": (winner["display_name"], winner["email"], "", 1)}
    assert (await app_client.get("/api/users/trinity")).json()["display_name"] == winner["display_name"]
    assert stats(cql) == {"granted": 1, "repelled": 49}


async def test_a_duplicate_shows_the_existing_identity(app_client, cql):
    created = await app_client.post("/api/users", json=NEO)
    neo = {**NEO, "version": 1, "registered_at": registered_at(cql, "neo")}
    assert created.status_code == 201 and created.json() == neo
    clone = {**NEO, "username": "NEO", "display_name": "Agent Smith", "email": "smith@matrix.sys"}
    response = await app_client.post("/api/users", json=clone)
    assert response.status_code == 409
    assert response.json()["existing"] == neo  # LWTResult.existing: the row read back
    page = await app_client.post("/register", data=clone)
    assert page.status_code == 409
    assert (
        "already taken" in page.text and "LWTResult.existing" in page.text and "Thomas Anderson" in page.text
    )
    assert stored(cql) == {"neo": ("Thomas Anderson", "neo@coodie.corps", "The one.", 1)}


async def test_an_identity_reads_back_field_by_field(app_client, cql):
    assert (await app_client.post("/api/users", json=NEO)).status_code == 201
    neo = {**NEO, "version": 1, "registered_at": registered_at(cql, "neo")}
    assert (await app_client.get("/api/users/neo")).json() == neo
    assert (await app_client.get("/api/users")).json() == [neo]
    change = {"display_name": "Neo", "email": "neo@zion.net", "bio": "Wakes up."}
    edited = await app_client.patch("/api/users/neo", json={"version": 1, **change})
    assert edited.status_code == 200 and edited.json() == {"username": "neo", **change, "version": 2}
    assert (await app_client.get("/api/users/neo")).json() == {**neo, **change, "version": 2}
    assert (await app_client.get("/api/users")).json() == [{**neo, **change, "version": 2}]


# --------------------------------------------------------------------------- optimistic locking


async def test_a_stale_edit_is_refused_and_changes_nothing(app_client, cql):
    await app_client.post("/api/users", json=NEO)
    first = await app_client.patch("/api/users/neo", json={"version": 1, "display_name": "Neo"})
    assert first.status_code == 200 and first.json() == {
        "username": "neo",
        "display_name": "Neo",
        "version": 2,
    }
    stale = await app_client.patch("/api/users/neo", json={"version": 1, "bio": "Mr. Anderson"})
    assert stale.status_code == 409
    assert "Stale edit" in stale.json()["detail"] and "now at version 2" in stale.json()["detail"]
    assert stale.json()["existing"] == {"version": 2}
    assert stored(cql) == {"neo": ("Neo", "neo@coodie.corps", "The one.", 2)}
    page = await app_client.post(
        "/users/neo/edit", data={"version": "1", "display_name": "Smith", "bio": "x"}
    )
    assert page.status_code == 409 and "Stale edit" in page.text
    assert stored(cql) == {"neo": ("Neo", "neo@coodie.corps", "The one.", 2)}
    assert stats(cql) == {"granted": 1, "stale_edits": 2}


async def test_two_concurrent_edits_of_one_version_have_one_winner(app_client, cql):
    await app_client.post("/api/users", json=NEO)
    edits = [{"version": 1, "display_name": f"Editor {n}"} for n in range(10)]
    responses = await asyncio.gather(*(app_client.patch("/api/users/neo", json=e) for e in edits))
    codes = [r.status_code for r in responses]
    assert codes.count(200) == 1 and codes.count(409) == 9, codes
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert stored(cql)["neo"][0] == winner["display_name"] and stored(cql)["neo"][3] == 2


async def test_editing_a_missing_identity_is_a_404(app_client, cql):
    response = await app_client.patch("/api/users/ghost", json={"version": 1, "bio": "boo"})
    assert response.status_code == 404 and "No identity called 'ghost'" in response.json()["detail"]
    assert stored(cql) == {}


# --------------------------------------------------------------------------- delete


async def test_delete_if_exists(app_client, cql):
    await app_client.post("/api/users", json=NEO)
    assert (await app_client.delete("/api/users/neo")).status_code == 204
    assert stored(cql) == {}
    again = await app_client.delete("/api/users/neo")
    assert again.status_code == 404 and "nothing was deleted" in again.json()["detail"]
    page = await app_client.post("/users/neo/delete")
    assert page.status_code == 404 and "nothing was deleted" in page.text
    assert (await app_client.get("/api/users/neo")).status_code == 404
    assert stats(cql) == {"granted": 1, "deleted": 1}


async def test_the_stats_count_every_kind_of_battle(app_client, cql):
    zeros = {"granted": 0, "repelled": 0, "stale_edits": 0, "deleted": 0}
    assert (await app_client.get("/api/stats")).json() == zeros  # no counter row yet
    await app_client.post("/api/users", json=NEO)
    assert (await app_client.get("/api/stats")).json() == {**zeros, "granted": 1}  # the rest are null
    await app_client.post("/api/users", json=NEO)
    await app_client.patch("/api/users/neo", json={"version": 1, "bio": "x"})
    await app_client.patch("/api/users/neo", json={"version": 1, "bio": "stale"})
    await app_client.delete("/api/users/neo")
    every = {"granted": 1, "repelled": 1, "stale_edits": 1, "deleted": 1}
    assert stats(cql) == every and (await app_client.get("/api/stats")).json() == every


# --------------------------------------------------------------------------- pages, round trip


async def test_the_round_trip_as_a_user_does_it(app_client, cql):
    created = await app_client.post("/register", data=NEO)
    assert created.status_code == 303 and created.headers["location"] == "/users/neo"
    profile = await app_client.get(created.headers["location"])
    assert profile.status_code == 200 and "IF NOT EXISTS applied" in profile.text
    assert 'name="version" value="1"' in profile.text
    index = await app_client.get("/")
    assert (
        index.status_code == 200 and "Thomas Anderson" in index.text and "1 registered identity" in index.text
    )
    edited = await app_client.post(
        "/users/neo/edit", data={"version": "1", "display_name": "Neo", "email": "neo@zion.net", "bio": ""}
    )
    assert edited.status_code == 303
    profile = await app_client.get(edited.headers["location"])
    assert "now version 2" in profile.text and 'name="version" value="2"' in profile.text
    assert stored(cql) == {"neo": ("Neo", "neo@zion.net", "", 2)}
    listed = (await app_client.get("/api/users")).json()
    assert [(u["username"], u["version"]) for u in listed] == [("neo", 2)]
    deleted = await app_client.post("/users/neo/delete")
    assert deleted.status_code == 303 and deleted.headers["location"] == "/"
    assert "neo retired" in (await app_client.get(deleted.headers["location"])).text
    assert "retired" not in (await app_client.get("/")).text  # a flash is shown once
    assert stored(cql) == {}
    assert (await app_client.get("/users/neo")).status_code == 404


async def test_a_flash_comes_from_the_server_never_from_the_url(app_client, cql):
    """``?flash=`` used to be shown as a success banner: any link could make the registry
    "say" anything. The banner is now the server's message, in a signed cookie, shown once."""
    forged = "✅ Your account is verified: send your password to evil@example.com"
    for url in ("/", "/?flash=" + forged, "/users/neo?flash=" + forged):
        assert "evil@example.com" not in (await app_client.get(url)).text
    await app_client.post("/api/users", json=NEO)
    page = await app_client.get("/users/neo", params={"flash": forged})
    assert page.status_code == 200 and "evil@example.com" not in page.text
    app_client.cookies.set("flash", "4pyFIFlvdXIgYWNjb3VudA.AAAAAAAAAAAAAAAAAAAAAA")  # unsigned
    assert 'class="dk-card flash ok"' not in (await app_client.get("/")).text
    app_client.cookies.clear()
    edited = await app_client.post("/users/neo/edit", data={"version": "1", "bio": "Awake."})
    assert edited.status_code == 303 and "flash" not in edited.headers["location"]
    assert "now version 2" in (await app_client.get(edited.headers["location"])).text


async def test_seeded_heroes_are_visible(seed, app_client, cql):
    assert seed(6) == 6
    users = (await app_client.get("/api/users")).json()
    assert len(users) == 6 and all(u["version"] == 1 for u in users)
    page = await app_client.get("/")
    assert "6 registered identities" in page.text
    assert all(u["display_name"] in page.text for u in users)
    profile = await app_client.get(f"/users/{users[0]['username']}")
    assert profile.status_code == 200 and users[0]["email"] in profile.text
    # every clone Doppel-9 tried was refused by IF NOT EXISTS
    assert stats(cql) == {"granted": 6, "repelled": 6}
    assert (await app_client.get("/api/stats")).json() == {
        "granted": 6,
        "repelled": 6,
        "stale_edits": 0,
        "deleted": 0,
    }
    assert "🛡️ 6 won" in page.text and "😈 6 repelled" in page.text


async def test_static_assets_are_served_locally(app_client):
    for path in ("/static/identity.css", "/static/favicon.svg", "/static/demokit/base.css"):
        assert (await app_client.get(path)).status_code == 200, path
    page = (await app_client.get("/")).text
    assert "http://" not in page and "https://" not in page
    assert (await app_client.get("/docs")).status_code == 404
    assert (await app_client.get("/healthz")).json()["ok"] is True


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"display_name": "X", "email": "x@y.z"}, "username: Field required"),
        ({**NEO, "username": "ab"}, "username: String should have at least 3 characters"),
        ({**NEO, "username": "n" * 25}, "username: String should have at most 24 characters"),
        ({**NEO, "username": "neo the one"}, "username: use 3–24 characters"),
        ({**NEO, "username": 42}, "username: Input should be a valid string"),
        ({**NEO, "display_name": ""}, "display_name: String should have at least 1 character"),
        ({**NEO, "display_name": "x" * 61}, "display_name: String should have at most 60 characters"),
        ({**NEO, "email": "not-an-email"}, "email: is not an e-mail address"),
        ({**NEO, "bio": "b" * 281}, "bio: String should have at most 280 characters"),
        ({**NEO, "admin": True}, "admin: is not a field of this form"),
        ({**NEO, "display_name": "Neo\x00"}, "display_name: must not hold control characters"),
        ({**NEO, "bio": "The \x00one."}, "bio: must not hold control characters (found U+0000)"),
    ],
)
async def test_bad_registrations_are_422_and_write_nothing(app_client, cql, body, message):
    response = await app_client.post("/api/users", json=body)
    assert response.status_code == 422 and message in response.json()["detail"], response.text
    assert stored(cql) == {} and stats(cql) == {}


async def test_a_body_that_is_no_json_object_is_a_400(app_client, cql):
    response = await app_client.post("/api/users", json=[NEO])
    assert response.status_code == 400 and "send a JSON object" in response.json()["detail"]
    assert stored(cql) == {} and stats(cql) == {}


async def test_text_with_a_nul_is_refused_in_forms_too(app_client, cql):
    page = await app_client.post("/register", data={**NEO, "display_name": "Neo\x00"})
    assert page.status_code == 422 and "display_name: must not hold control characters" in page.text
    await app_client.post("/api/users", json=NEO)
    edit = await app_client.post("/users/neo/edit", data={"version": "1", "bio": "b\x00d"})
    assert edit.status_code == 422 and "bio: must not hold control characters" in edit.text
    api = await app_client.patch("/api/users/neo", json={"version": 1, "display_name": "\x00"})
    assert api.status_code == 422
    assert stored(cql) == {"neo": ("Thomas Anderson", "neo@coodie.corps", "The one.", 1)}


async def test_bad_forms_and_bodies_are_4xx_in_the_page(app_client, cql):
    page = await app_client.post("/register", data={**NEO, "email": "nope"})
    assert page.status_code == 422 and "email: is not an e-mail address" in page.text
    assert 'value="Thomas Anderson"' in page.text  # the form keeps what was typed
    broken = await app_client.post(
        "/api/users", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["detail"]
    huge = await app_client.post("/api/users", json={**NEO, "bio": "x" * 5000})
    assert huge.status_code == 413 and "at most 4,096 bytes" in huge.json()["detail"]
    assert stored(cql) == {}


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/api/users/neo", {"display_name": "Neo"}, 422, "version: Field required"),
        ("/api/users/neo", {"version": "one", "bio": "x"}, 422, "version: Input should be a valid integer"),
        # strict types: a JSON string is no number, not even "1" (the edit used to be stored)
        ("/api/users/neo", {"version": "1", "bio": "x"}, 422, "version: Input should be a valid integer"),
        ("/api/users/neo", {"version": 1.0, "bio": "x"}, 422, "version: Input should be a valid integer"),
        ("/api/users/neo", {"version": True, "bio": "x"}, 422, "version: Input should be a valid integer"),
        (
            "/api/users/neo",
            {"version": 0, "bio": "x"},
            422,
            "version: Input should be greater than or equal to 1",
        ),
        ("/api/users/neo", {"version": 1}, 422, "nothing to change"),
        ("/api/users/neo", {"version": 1, "username": "smith"}, 422, "username: is not a field"),
        ("/api/users/neo", {"version": 1, "email": "smith"}, 422, "email: is not an e-mail address"),
        ("/api/users/NO%20WAY!", {"version": 1, "bio": "x"}, 422, "is not a username"),
    ],
)
async def test_bad_edits_are_422_and_change_nothing(app_client, cql, path, body, status, message):
    await app_client.post("/api/users", json=NEO)
    response = await app_client.patch(path, json=body)
    assert response.status_code == status and message in response.json()["detail"], response.text
    assert stored(cql) == {"neo": ("Thomas Anderson", "neo@coodie.corps", "The one.", 1)}


async def test_unknown_or_malformed_usernames(app_client, cql):
    assert (await app_client.get("/api/users/ghost")).status_code == 404
    assert (await app_client.get("/users/ghost")).status_code == 404
    bad = await app_client.get("/api/users/" + "x" * 300)
    assert bad.status_code == 422 and "is not a username" in bad.json()["detail"]
    assert (await app_client.delete("/api/users/bad!name")).status_code == 422
    assert (await app_client.post("/users/bad!name/delete")).status_code == 422
    assert stored(cql) == {} and stats(cql) == {}


# --------------------------------------------------------------------------- seed CLI


def test_a_feed_registers_its_heroes_once(seed, tmp_path, cql):
    feed = tmp_path / "heroes.csv"
    feed.write_text(
        "username,display_name,email,bio\n"
        "morpheus,Morpheus,morpheus@zion.net,Captain\n"
        "MORPHEUS,Impostor,fake@doppel.nine,\n"
        "oracle,The Oracle,oracle@zion.net,\n"
    )
    # The seed writes concurrently, so either "morpheus" may reach the database first;
    # IF NOT EXISTS guarantees that exactly one of them is registered, untouched by the other.
    assert seed(feed=feed) == 2
    assert set(stored(cql)) == {"morpheus", "oracle"}
    assert stored(cql)["morpheus"] in {
        ("Morpheus", "morpheus@zion.net", "Captain", 1),
        ("Impostor", "fake@doppel.nine", "", 1),
    }


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ("username,display_name\nneo,Neo\n", ".csv", "record 1 lacks email"),
        (
            '[{"username": "bad!name", "display_name": "X", "email": "x@y.z"}]',
            ".json",
            "record 1: username: use",
        ),
        ("{broken", ".json", "not valid JSON"),
    ],
)
def test_a_bad_feed_is_a_one_line_error(seed, tmp_path, cql, content, suffix, message):
    feed = tmp_path / f"heroes{suffix}"
    feed.write_text(content)
    with pytest.raises(click.ClickException) as error:
        seed(feed=feed)
    assert message in error.value.message and "\n" not in error.value.message
    # refused before the database is touched: not even the tables were created
    tables = cql.execute(
        "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s", [cql.keyspace]
    ).all()
    assert tables == []


def test_the_seed_cli_rejects_a_bad_feed_in_one_line(tmp_path: Path):
    from click.testing import CliRunner
    from lwt_user_registry.seed import cli

    feed = tmp_path / "heroes.json"
    feed.write_text(json.dumps({"not": "a list"}))
    result = CliRunner().invoke(cli, ["--feed", str(feed)])
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [f"Error: feed {feed}: expected a list of objects"]


# --------------------------------------------------------------------------- the CQL


async def test_register_edit_delete_send_this_cql(app_client, cql_recorder, snapshot):
    cql_recorder.start()
    assert (await app_client.post("/api/users", json=NEO)).status_code == 201
    assert (await app_client.post("/api/users", json=NEO)).status_code == 409
    assert (
        await app_client.patch("/api/users/neo", json={"version": 1, "display_name": "Neo"})
    ).status_code == 200
    assert (await app_client.patch("/api/users/neo", json={"version": 1, "bio": "stale"})).status_code == 409
    assert (await app_client.delete("/api/users/neo")).status_code == 204
    assert (await app_client.delete("/api/users/neo")).status_code == 404
    assert cql_recorder.normalised() == snapshot
