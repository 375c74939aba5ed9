"""ttl-sessions — "The Memory Thief": session tokens that expire, through the real web endpoints.

A token saved with ``save(ttl=N)`` is readable before its TTL and gone after it (the ``clock``
fixture moves scylla_lite's time at once, and sleeps on a real cluster, so TTLs stay at 2–3 s);
"keep me signed in" writes it again with a fresh TTL; a save without a TTL gets the table's
``default_time_to_live`` (``Settings.__default_ttl__``). Bad input is a 4xx with a message and
nothing is written; the CQL of each action is snapshotted.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from spec.assertions import assert_served_locally

pytestmark = pytest.mark.demo("ttl-sessions")

MISSING = "00000000-0000-4000-8000-000000000000"


def stored(cql) -> int:
    return cql.execute("SELECT count(*) FROM memory_tokens").one()[0]


def ttl_of(cql, token: str) -> int | None:
    row = cql.execute('SELECT TTL("owner") FROM memory_tokens WHERE "token" = %s', [UUID(token)]).one()
    return None if row is None else row[0]


def created_at(cql, token: str) -> str:
    """The stored ``created_at`` as the API writes it (UTC, ``Z``) — checked to be this session's creation."""
    row = cql.execute('SELECT created_at FROM memory_tokens WHERE "token" = %s', [UUID(token)]).one()
    assert timedelta(0) <= datetime.now(UTC).replace(tzinfo=None) - row.created_at < timedelta(minutes=1)
    return row.created_at.isoformat() + "Z"


def alive(session: dict, granted: int) -> dict:
    """A session's JSON without its ``life``, once that is checked to be 1…granted seconds."""
    body = dict(session)
    assert 1 <= body.pop("life") <= granted, session
    return body


async def new_token(app_client, **body) -> dict:
    response = await app_client.post(
        "/api/sessions", json={"owner": "Ada", "memory": "rain on the pad", **body}
    )
    assert response.status_code == 201, response.text
    return response.json()


# --------------------------------------------------------------------------- TTL behaviour


async def test_a_token_is_readable_before_its_ttl_and_gone_after(
    app_client, clock, cql, cql_recorder, snapshot
):
    cql_recorder.start()
    token = (await new_token(app_client, ttl=2))["token"]
    response = await app_client.get(f"/api/sessions/{token}")
    assert cql_recorder.normalised() == snapshot
    assert response.status_code == 200
    body = response.json()
    assert body["owner"] == "Ada" and body["granted"] == 2
    assert 1 <= body["life"] <= 2  # read with SELECT TTL("owner") through coodie
    assert body["token"] in (await app_client.get("/")).text

    clock.advance(3)
    gone = await app_client.get(f"/api/sessions/{token}")
    assert gone.status_code == 404 and "dissolved" in gone.json()["detail"]
    assert (await app_client.get("/api/sessions")).json()["sessions"] == []
    assert token not in (await app_client.get("/")).text
    assert stored(cql) == 0


async def test_keep_me_signed_in_extends_the_life(app_client, clock, cql, cql_recorder, snapshot):
    token = (await new_token(app_client, ttl=2))["token"]
    cql_recorder.start()
    kept = await app_client.post(f"/api/sessions/{token}/refresh")
    assert cql_recorder.normalised() == snapshot
    assert kept.status_code == 200, kept.text
    assert kept.json()["life"] == 3600 and kept.json()["remembered"] is True

    clock.advance(3)  # past the first TTL of 2 s
    alive = await app_client.get(f"/api/sessions/{token}")
    assert alive.status_code == 200
    assert 3500 < alive.json()["life"] <= 3600
    assert 3500 < ttl_of(cql, token) <= 3600


async def test_a_refresh_can_ask_for_its_own_ttl(app_client, clock):
    token = (await new_token(app_client, ttl=2))["token"]
    assert (await app_client.post(f"/api/sessions/{token}/refresh", json={"ttl": 5})).json()["life"] == 5
    clock.advance(3)  # the original 2 s are over, the new 5 s are not (TTLs count whole seconds)
    assert (await app_client.get(f"/api/sessions/{token}")).status_code == 200
    clock.advance(3)
    assert (await app_client.get(f"/api/sessions/{token}")).status_code == 404


async def test_the_default_ttl_applies_when_none_is_given(app_client, cql, cql_recorder, snapshot):
    cql_recorder.start()
    created = await new_token(app_client)
    assert cql_recorder.normalised() == snapshot  # an INSERT without USING TTL
    assert created["granted"] == 30
    assert 25 <= ttl_of(cql, created["token"]) <= 30  # default_time_to_live did it
    row = cql.execute(
        "SELECT default_time_to_live FROM system_schema.tables WHERE keyspace_name = %s AND table_name = %s",
        [cql.keyspace, "memory_tokens"],
    ).one()
    assert row.default_time_to_live == 30


async def test_keep_me_signed_in_on_creation_grants_an_hour(app_client, cql):
    response = await app_client.post(
        "/sessions", data={"owner": "Bram", "memory": "two suns", "remember": "on"}
    )
    assert response.status_code == 303
    body = (await app_client.get("/api/sessions")).json()["sessions"][0]
    assert body["remembered"] is True and body["granted"] == 3600
    assert 3500 < ttl_of(cql, body["token"]) <= 3600


# --------------------------------------------------------------------------- round trips


async def test_the_html_round_trip(app_client, cql, cql_recorder, snapshot):
    response = await app_client.post(
        "/sessions",
        data={"owner": "Cyra", "memory": "the river we swam in", "planet": "Proxima b", "ttl": "600"},
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    page = await app_client.get("/")
    assert page.status_code == 200
    assert "Cyra" in page.text and "the river we swam in" in page.text and "Proxima b" in page.text
    assert "1 memories alive" in page.text
    token = (await app_client.get("/api/sessions")).json()["sessions"][0]["token"]

    cql_recorder.start()
    edited = await app_client.post(f"/sessions/{token}/edit", data={"memory": "the river, and its name"})
    sent = cql_recorder.normalised()
    # the edit re-saves with the life the token had left: 600 s, or 599 if a second ticked by
    left = [int(m) for s in sent for m in re.findall(r"USING TTL (\d+)", s)]
    assert len(left) == 1 and 590 <= left[0] <= 600
    assert [re.sub(r"USING TTL \d+", "USING TTL <left>", s) for s in sent] == snapshot(name="edit")
    assert edited.status_code == 303
    assert "the river, and its name" in (await app_client.get("/")).text
    assert 590 <= ttl_of(cql, token) <= 600

    assert (await app_client.post(f"/sessions/{token}/refresh", data={})).status_code == 303
    assert "🔒 remembered" in (await app_client.get("/")).text
    assert ttl_of(cql, token) > 3500

    cql_recorder.start()
    deleted = await app_client.post(f"/sessions/{token}/delete")
    assert cql_recorder.normalised() == snapshot(name="delete")
    assert deleted.status_code == 303
    assert "Cyra" not in (await app_client.get("/")).text
    assert stored(cql) == 0


async def test_the_json_round_trip(app_client, cql):
    created = await new_token(app_client, ttl=120, planet="TRAPPIST-1e", remember=True)
    token = created["token"]
    ada = {
        "token": str(UUID(token)),
        "owner": "Ada",
        "memory": "rain on the pad",
        "planet": "TRAPPIST-1e",
        "created_at": created_at(cql, token),
        "granted": 120,
        "remembered": True,
    }
    assert created == {**ada, "life": 120}
    assert alive((await app_client.get(f"/api/sessions/{token}")).json(), 120) == ada
    listed = (await app_client.get("/api/sessions")).json()
    assert listed["default_ttl"] == 30
    assert [alive(s, 120) for s in listed["sessions"]] == [ada]
    change = {"owner": "Ada Lovelace", "memory": "the engine hums", "planet": "Kepler-62f"}
    patched = await app_client.patch(f"/api/sessions/{token}", json=change)
    assert patched.status_code == 200 and alive(patched.json(), 120) == {**ada, **change}
    assert alive((await app_client.get(f"/api/sessions/{token}")).json(), 120) == {**ada, **change}
    assert 110 <= ttl_of(cql, token) <= 120
    kept = await app_client.post(f"/api/sessions/{token}/refresh", json={"ttl": 900})
    ada = {**ada, **change, "granted": 900}
    assert kept.status_code == 200 and kept.json() == {**ada, "life": 900}
    assert alive((await app_client.get(f"/api/sessions/{token}")).json(), 900) == ada
    assert (await app_client.delete(f"/api/sessions/{token}")).status_code == 204
    assert (await app_client.get(f"/api/sessions/{token}")).status_code == 404
    assert (await app_client.delete(f"/api/sessions/{token}")).status_code == 404
    assert stored(cql) == 0


# --------------------------------------------------------------------------- pages and seeding


async def test_the_vault_lists_seeded_memories_shortest_life_first(seed, app_client, cql_recorder, snapshot):
    assert seed(8) == 8
    cql_recorder.start()
    page = await app_client.get("/")
    assert cql_recorder.normalised() == snapshot  # one SELECT ..., TTL("owner") for the whole vault
    assert page.status_code == 200
    assert "8 memories alive" in page.text
    assert all(f"#{n}" in page.text for n in range(1, 9))
    assert 'http-equiv="refresh"' in page.text
    assert_served_locally(page.text)
    sessions = (await app_client.get("/api/sessions")).json()["sessions"]
    lives = [s["life"] for s in sessions]
    assert lives == sorted(lives)
    assert sessions[0]["granted"] == 30  # the ones saved with the table default die first
    assert {s["granted"] for s in sessions} == {30, 45, 60, 90, 120, 180, 300, 600}
    assert all(0 < s["life"] <= s["granted"] for s in sessions)


async def test_a_feed_seeds_memories_with_their_ttls(seed, app_client, clock, tmp_path):
    feed = tmp_path / "memories.csv"
    feed.write_text("owner,memory,planet,ttl\nDov,a whistle in zero-g,Luyten b,2\nElin,real strawberries,,\n")
    assert seed(feed=feed) == 2
    sessions = {s["owner"]: s for s in (await app_client.get("/api/sessions")).json()["sessions"]}
    assert sessions["Dov"]["granted"] == 2 and sessions["Dov"]["planet"] == "Luyten b"
    assert sessions["Elin"]["granted"] == 30 and sessions["Elin"]["planet"] == "Kepler-442b"
    clock.advance(3)
    assert [s["owner"] for s in (await app_client.get("/api/sessions")).json()["sessions"]] == ["Elin"]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.json", "[{]", "not valid JSON"),
        ("no-owner.json", json.dumps([{"memory": "x"}]), "record 1 lacks owner"),
        ("ttl.csv", "owner,memory,ttl\nA,b,soon\n", "record 1: ttl 'soon' is not a whole number"),
        ("ttl0.csv", "owner,memory,ttl\nA,b,0\n", "must be between 1 and"),
        ("long.json", json.dumps([{"owner": "x" * 41, "memory": "m"}]), "owner is 41 characters"),
        ("memories.txt", "owner\n", "use a .csv or .json file"),
    ],
)
def test_a_bad_feed_is_a_one_line_error(seed, cql, tmp_path, name, text, message):
    from demokit.seed import FeedError

    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(FeedError, match=message) as info:
        seed(feed=path)
    assert "\n" not in info.value.format_message()


async def test_health_and_local_assets(app_client):
    health = await app_client.get("/healthz")
    assert health.json() == {"ok": True, "keyspace": health.json()["keyspace"], "default_ttl": 30}
    for path, text in [
        ("/static/ephemera.css", "#2dd4bf"),
        ("/static/ephemera.js", "dying"),
        ("/static/favicon.svg", "👻"),
        ("/static/demokit/base.css", "--surface"),
    ]:
        response = await app_client.get(path)
        assert response.status_code == 200 and text in response.text, path
    assert (await app_client.get("/docs")).status_code == 404  # Swagger UI would load a CDN
    page = await app_client.get("/")
    assert "The vault is empty" in page.text


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({"memory": "no owner"}, "owner: Field required", id="missing-owner"),
        pytest.param({"owner": "Ada"}, "memory: Field required", id="missing-memory"),
        pytest.param(
            {"owner": "   ", "memory": "blank"}, "owner: String should have at least 1", id="blank-owner"
        ),
        pytest.param(
            {"owner": 42, "memory": "m"}, "owner: Input should be a valid string", id="owner-number"
        ),
        pytest.param(
            {"owner": "x" * 41, "memory": "m"}, "owner: String should have at most 40", id="owner-too-long"
        ),
        pytest.param({"owner": "A", "memory": "m" * 201}, "at most 200 characters", id="memory-too-long"),
        pytest.param(
            {"owner": "A", "memory": "m", "planet": "p" * 41},
            "planet: String should have at most 40",
            id="planet-too-long",
        ),
        pytest.param(
            {"owner": "A", "memory": "m", "ttl": "soon"},
            "ttl: Input should be a valid integer",
            id="ttl-text",
        ),
        pytest.param({"owner": "A", "memory": "m", "ttl": 0}, "greater than or equal to 1", id="ttl-zero"),
        pytest.param(
            {"owner": "A", "memory": "m", "ttl": -5}, "greater than or equal to 1", id="ttl-negative"
        ),
        pytest.param(
            {"owner": "A", "memory": "m", "ttl": 10**9}, "less than or equal to 604800", id="ttl-huge"
        ),
        pytest.param(
            {"owner": "A", "memory": "m", "ttl": 2.5}, "ttl: Input should be a valid integer", id="ttl-float"
        ),
        pytest.param(
            {"owner": "A", "memory": "m", "ttl": True}, "ttl: Input should be a valid integer", id="ttl-bool"
        ),
        pytest.param(
            {"owner": "A", "memory": "m", "planet": None},
            "planet: Input should be a valid string",
            id="planet-null",
        ),
        pytest.param(
            {"owner": "A\x00", "memory": "m"}, "owner: must not hold control characters", id="nul-owner"
        ),
        pytest.param({"owner": "A", "memory": "rain\x00"}, "memory: must not hold control", id="nul-memory"),
        pytest.param(
            {"owner": "A", "memory": "m", "planet": "Mars\x07"}, "planet: must not hold control", id="bel"
        ),
        pytest.param(
            {"owner": "A", "memory": "m", "remember": "maybe"},
            "remember: Input should be a valid boolean",
            id="remember-word",
        ),
        # unknown fields are refused (extra="forbid"), from the form as from JSON: they used to be stored
        pytest.param(
            {"owner": "A", "memory": "m", "admin": "yes"},
            "admin: is not a field of this form",
            id="unknown-field",
        ),
        pytest.param(
            {"owner": "A", "memory": "m", "token": "0" * 32}, "token: is not a field", id="token-field"
        ),
    ],
)
async def test_bad_input_is_a_422_and_nothing_is_written(app_client, cql, body, message):
    response = await app_client.post("/api/sessions", json=body)
    assert response.status_code == 422
    assert message in response.json()["detail"]
    if all(isinstance(v, str) for v in body.values()):  # the form says it too, in its error box
        page = await app_client.post("/sessions", data=body)
        assert page.status_code == 422
        assert message in page.text and 'role="alert"' in page.text
    assert stored(cql) == 0


async def test_json_is_read_with_strict_types(app_client, cql):
    """A form sends text ("60" is sixty seconds); JSON has numbers: "60" there is refused."""
    for body, message in [
        ({"owner": "A", "memory": "m", "ttl": "60"}, "ttl: Input should be a valid integer"),
        ({"owner": "A", "memory": "m", "remember": "on"}, "remember: Input should be a valid boolean"),
    ]:
        response = await app_client.post("/api/sessions", json=body)
        assert response.status_code == 422 and message in response.json()["detail"]
    assert stored(cql) == 0
    form = await app_client.post(
        "/sessions", data={"owner": "A", "memory": "m", "ttl": "60", "remember": "on"}
    )
    assert form.status_code == 303 and stored(cql) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not valid JSON"), ("[1, 2]", "JSON object"), ('"Ada"', "JSON object")],
)
async def test_a_body_that_is_not_a_json_object_is_a_400(app_client, cql, content, message):
    response = await app_client.post(
        "/api/sessions", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400 and message in response.json()["detail"]
    assert stored(cql) == 0


@pytest.mark.parametrize("token", ["not-a-uuid", "1234", MISSING])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/sessions/{}", None),
        ("PATCH", "/api/sessions/{}", {"memory": "x"}),
        ("POST", "/api/sessions/{}/refresh", {}),
        ("DELETE", "/api/sessions/{}", None),
    ],
)
async def test_unknown_or_malformed_tokens_are_4xx(app_client, cql, token, method, path, body):
    response = await app_client.request(method, path.format(token), json=body)
    assert response.status_code == (404 if token == MISSING else 422)
    assert ("no session" if token == MISSING else "not a session token") in response.json()["detail"].lower()
    assert stored(cql) == 0


@pytest.mark.parametrize("action", ["refresh", "edit", "delete"])
@pytest.mark.parametrize("token", ["nope", MISSING])
async def test_the_page_forms_reject_unknown_tokens(app_client, cql, action, token):
    page = await app_client.post(
        f"/sessions/{token}/{action}", data={"memory": "x"} if action == "edit" else {}
    )
    assert page.status_code == (404 if token == MISSING else 422)
    assert 'role="alert"' in page.text
    assert stored(cql) == 0


async def test_bad_edits_and_refreshes_change_nothing(app_client, cql):
    token = (await new_token(app_client, ttl=300))["token"]
    for method, path, body, message in [
        ("PATCH", f"/api/sessions/{token}", {}, "Nothing to change"),
        ("PATCH", f"/api/sessions/{token}", {"memory": "m" * 201}, "at most 200 characters"),
        ("PATCH", f"/api/sessions/{token}", {"memory": "m\x00"}, "must not hold control characters"),
        ("PATCH", f"/api/sessions/{token}", {"memory": "m", "ttl": 5}, "ttl: is not a field"),
        ("POST", f"/api/sessions/{token}/refresh", {"ttl": "forever"}, "valid integer"),
        ("POST", f"/api/sessions/{token}/refresh", {"ttl": 0}, "greater than or equal to 1"),
        ("POST", f"/api/sessions/{token}/refresh", {"memory": "x"}, "memory: is not a field"),
    ]:
        response = await app_client.request(method, path, json=body)
        assert response.status_code == 422 and message in response.json()["detail"], (path, body)
    body = (await app_client.get(f"/api/sessions/{token}")).json()
    assert body["memory"] == "rain on the pad" and body["granted"] == 300 and body["remembered"] is False
    assert ttl_of(cql, token) <= 300
