"""realtime-counters — "The Popularity Singularity": counter columns through the real endpoints.

Items live in ``items``, their totals in the counter table ``item_votes``
(`CounterDocument`); every vote is one ``UPDATE … SET votes = votes + ?``. Eight clients
voting at once through HTTP must leave exact totals; decrement works; bad input is a 4xx
with a message and changes nothing; the CQL of a vote is snapshotted.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from spec.assertions import assert_served_locally

pytestmark = pytest.mark.demo("realtime-counters")

FEED = [
    {
        "id": "grumpy-cat",
        "name": "Grumpy Cat Knocks Over Vase",
        "emoji": "🐱",
        "kind": "cat video",
        "votes": 42,
    },
    {"id": "this-is-fine", "name": "This Is Fine", "emoji": "🔥", "kind": "meme", "votes": 7},
    {"id": "corgi-herds", "name": "Corgi Herds Roomba", "emoji": "🐶", "kind": "dog video", "votes": -3},
    {"id": "quiet-one", "name": "A Quiet Video", "emoji": "🐸", "kind": "meme"},
]


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    path = tmp_path / "items.json"
    path.write_text(json.dumps(FEED))
    return path


def totals(cql) -> dict[str, int]:
    return {row.id: row.votes for row in cql.execute("SELECT id, votes FROM item_votes")}


def item_ids(cql) -> set[str]:
    return {row.id for row in cql.execute("SELECT id FROM items")}


async def test_the_dashboard_shows_seeded_items_and_polls_for_updates(seed, app_client):
    assert seed(6) == 6
    items = (await app_client.get("/api/items")).json()["items"]
    assert len(items) == 6
    page = await app_client.get("/")
    assert page.status_code == 200
    html = page.text
    for item in items:
        assert item["name"] in html and f'data-id="{item["id"]}"' in html
    assert 'hx-get="/board"' in html and 'hx-trigger="every 2s"' in html  # live, no reload
    assert "/static/htmx.min.js" in html
    assert_served_locally(html)
    assert "Popularity Singularity" in html and "writes/sec" in html
    board = await app_client.get("/board")
    assert board.status_code == 200
    assert board.text.lstrip().startswith('<section id="board"') and "<html" not in board.text
    assert board.text.count('class="rc-item') == 6
    for asset, marker in [("htmx.min.js", "htmx"), ("arcade.css", "#4ade80"), ("flip.js", "rotateX")]:
        response = await app_client.get(f"/static/{asset}")
        assert response.status_code == 200 and marker in response.text
    assert (await app_client.get("/static/demokit/base.css")).status_code == 200
    assert (await app_client.get("/healthz")).json()["ok"] is True
    assert (await app_client.get("/docs")).status_code == 404  # Swagger UI would load from a CDN


async def test_the_scoreboard_holds_the_feed_totals_highest_first(seed, feed, app_client, cql):
    assert seed(feed=feed) == 4
    body = (await app_client.get("/api/items")).json()
    by_id = {record["id"]: {"votes": 0, **record} for record in FEED}
    assert body["items"] == [by_id[i] for i in ("grumpy-cat", "this-is-fine", "quiet-one", "corgi-herds")]
    assert body["total"] == 46
    assert totals(cql) == {"grumpy-cat": 42, "this-is-fine": 7, "corgi-herds": -3}  # no row for 0
    one = (await app_client.get("/api/items/grumpy-cat")).json()
    assert one == {
        "id": "grumpy-cat",
        "name": "Grumpy Cat Knocks Over Vase",
        "emoji": "🐱",
        "kind": "cat video",
        "votes": 42,
    }
    seed(feed=feed)  # counters only add: LikeBot's second visit doubles the votes
    assert totals(cql) == {"grumpy-cat": 84, "this-is-fine": 14, "corgi-herds": -6}
    assert item_ids(cql) == {"grumpy-cat", "this-is-fine", "corgi-herds", "quiet-one"}


async def test_eight_concurrent_clients_cast_4000_votes_and_none_is_lost(app_client, cql):
    for item_id in ("cat-a", "cat-b"):
        created = await app_client.post("/api/items", json={"id": item_id, "name": f"Cat {item_id}"})
        assert created.status_code == 201, created.text

    async def client(k: int) -> None:
        for n in range(500):
            item_id = "cat-a" if n % 2 == 0 else "cat-b"
            amount = 1 if item_id == "cat-a" else k + 1
            response = await app_client.post(f"/api/items/{item_id}/increment", json={"amount": amount})
            assert response.status_code == 200, response.text

    await asyncio.gather(*(client(k) for k in range(8)))
    expected = {"cat-a": 8 * 250, "cat-b": 250 * sum(k + 1 for k in range(8))}
    assert totals(cql) == expected  # 2,000 and 9,000: every one of the 4,000 UPDATEs counted
    body = (await app_client.get("/api/items")).json()
    assert {i["id"]: i["votes"] for i in body["items"]} == expected
    assert body["total"] == 11_000


async def test_create_list_vote_up_and_down_round_trip(app_client, cql):
    created = await app_client.post(
        "/api/items", json={"name": "Sentient Toaster Dance", "emoji": "🕺", "kind": "dance"}
    )
    assert created.status_code == 201
    assert created.json() == {
        "id": "sentient-toaster-dance",
        "name": "Sentient Toaster Dance",
        "emoji": "🕺",
        "kind": "dance",
        "votes": 0,
    }
    listed = (await app_client.get("/api/items")).json()
    assert listed == {"items": [created.json()], "total": 0}
    assert (await app_client.get("/api/items/sentient-toaster-dance")).json() == created.json()
    up = await app_client.post("/api/items/sentient-toaster-dance/increment", json={"amount": 10})
    assert up.json() == {"id": "sentient-toaster-dance", "delta": 10, "votes": 10}
    down = await app_client.post("/api/items/sentient-toaster-dance/decrement", json={"amount": 3})
    assert down.json() == {"id": "sentient-toaster-dance", "delta": -3, "votes": 7}
    assert (await app_client.post("/api/items/sentient-toaster-dance/decrement")).json()["votes"] == 6
    below = await app_client.post("/api/items/sentient-toaster-dance/decrement", json={"amount": 20})
    assert below.json()["votes"] == -14  # counters go below zero: LikeBot's balance is restored
    assert totals(cql) == {"sentient-toaster-dance": -14}
    toaster = {**created.json(), "votes": -14}
    assert (await app_client.get("/api/items/sentient-toaster-dance")).json() == toaster
    assert (await app_client.get("/api/items")).json() == {"items": [toaster], "total": -14}
    page = await app_client.get("/")
    assert "Sentient Toaster Dance" in page.text and "rc-negative" in page.text


async def test_a_dashboard_button_votes_and_redraws_the_board(seed, feed, app_client, cql):
    seed(feed=feed)
    headers = {"HX-Request": "true"}
    up = await app_client.post("/api/items/this-is-fine/increment", data={"amount": "1"}, headers=headers)
    assert up.status_code == 200
    assert up.text.lstrip().startswith('<section id="board"') and 'data-votes="8"' in up.text
    down = await app_client.post("/api/items/grumpy-cat/decrement", data={"amount": "2"}, headers=headers)
    assert down.status_code == 200 and 'data-votes="40"' in down.text
    refused = await app_client.post("/api/items/nobody/increment", data={"amount": "1"}, headers=headers)
    assert refused.status_code == 404 and 'role="alert"' in refused.text and "never heard" in refused.text
    assert totals(cql) == {"grumpy-cat": 40, "this-is-fine": 8, "corgi-herds": -3}


VOTE_BAD = [
    pytest.param("increment", "ghost-item", {"amount": 1}, 404, "never heard", id="unknown-item"),
    pytest.param("decrement", "ghost-item", {"amount": 1}, 404, "never heard", id="unknown-item-down"),
    pytest.param("increment", "Grumpy_Cat", {"amount": 1}, 422, "not an item id", id="malformed-id"),
    pytest.param("increment", "x" * 41, {"amount": 1}, 422, "not an item id", id="id-too-long"),
    pytest.param("increment", "grumpy-cat", {"amount": 0}, 422, "between 1 and 1000", id="zero"),
    pytest.param("increment", "grumpy-cat", {"amount": -5}, 422, "between 1 and 1000", id="negative"),
    pytest.param("decrement", "grumpy-cat", {"amount": 1001}, 422, "between 1 and 1000", id="too-big"),
    pytest.param("increment", "grumpy-cat", {"amount": "lots"}, 422, "whole number", id="text"),
    pytest.param("increment", "grumpy-cat", {"amount": 1.5}, 422, "whole number", id="fraction"),
    pytest.param("increment", "grumpy-cat", {"amount": True}, 422, "whole number", id="boolean"),
    pytest.param("increment", "grumpy-cat", {"amount": [1]}, 422, "whole number", id="list"),
    pytest.param(
        "increment", "grumpy-cat", {"amount": 1, "votes": 9}, 422, "votes: is not a field", id="extra-field"
    ),
    pytest.param("increment", "grumpy-cat", [1], 400, "JSON object", id="array-body"),
    pytest.param("increment", "grumpy-cat", {"amount": "1"}, 422, "whole number", id="json-text"),  # strict
    pytest.param("increment", "grumpy-cat", b'{"amount": NaN}', 422, "whole number", id="nan"),
    pytest.param("increment", "grumpy-cat", b"{amount: 1", 400, "not valid JSON", id="bad-json"),
]


@pytest.mark.parametrize(("action", "item_id", "body", "status", "message"), VOTE_BAD)
async def test_a_bad_vote_is_refused_and_changes_nothing(
    seed, feed, app_client, cql, action, item_id, body, status, message
):
    seed(feed=feed)
    before = totals(cql)
    kwargs = (
        {"content": body, "headers": {"content-type": "application/json"}}
        if isinstance(body, bytes)
        else {"json": body}
    )
    response = await app_client.post(f"/api/items/{item_id}/{action}", **kwargs)
    assert response.status_code == status, response.text
    assert message in response.json()["detail"]
    assert totals(cql) == before
    assert item_ids(cql) == {r["id"] for r in FEED}  # no counter row sprang up for a bad id


CREATE_BAD = [
    pytest.param({}, 422, "name: Field required", id="missing-name"),
    pytest.param({"name": "   "}, 422, "name: String should have at least 1", id="blank-name"),
    pytest.param({"name": 42}, 422, "name: Input should be a valid string", id="name-not-text"),
    pytest.param({"name": "n" * 61}, 422, "name: String should have at most 60", id="name-too-long"),
    pytest.param(
        {"name": "ok", "emoji": "🐱" * 9}, 422, "emoji: String should have at most 8", id="emoji-too-long"
    ),
    pytest.param({"name": "ok", "kind": ""}, 422, "kind: String should have at least 1", id="empty-kind"),
    pytest.param({"name": "ok\x00"}, 422, "name: must not hold control characters", id="nul-name"),
    pytest.param({"name": "ok", "kind": "meme\x1b"}, 422, "kind: must not hold control", id="esc-kind"),
    pytest.param(
        {"name": "ok", "emoji": None}, 422, "emoji: Input should be a valid string", id="null-emoji"
    ),
    pytest.param({"name": "ok", "id": "Bad Id!"}, 422, "not an item id", id="malformed-id"),
    pytest.param({"name": "dup", "id": "grumpy-cat"}, 409, "already exists", id="duplicate"),
    pytest.param(["name"], 400, "JSON object", id="array-body"),
]


@pytest.mark.parametrize(("body", "status", "message"), CREATE_BAD)
async def test_a_bad_new_item_is_refused_and_stores_nothing(
    seed, feed, app_client, cql, body, status, message
):
    seed(feed=feed)
    response = await app_client.post("/api/items", json=body)
    assert response.status_code == status, response.text
    assert message in response.json()["detail"]
    assert item_ids(cql) == {r["id"] for r in FEED}
    assert cql.execute("SELECT name FROM items WHERE id = 'grumpy-cat'").one().name == FEED[0]["name"]


async def test_distinct_names_get_distinct_ids(app_client, cql):
    """Names with no ASCII letters used to share the slug ``item``: the second was refused as a
    duplicate. Each name now gets an id of its own; the same name twice is still a 409."""
    made = {}
    for name in ("🦄🦄", "漢字", "Cats!", "cats", "CATS"):
        response = await app_client.post("/api/items", json={"name": name})
        assert response.status_code == 201, (name, response.text)
        made[name] = response.json()["id"]
    assert len(set(made.values())) == 5
    assert made["Cats!"] == "cats" and all(re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", i) for i in made.values())
    assert made["🦄🦄"].startswith("item-") and made["漢字"].startswith("item-")
    stored = {r.id: r.name for r in cql.execute("SELECT id, name FROM items")}
    assert stored == {item_id: name for name, item_id in made.items()}
    again = await app_client.post("/api/items", json={"name": "漢字"})
    assert again.status_code == 409 and "already exists" in again.json()["detail"]
    voted = await app_client.post(f"/api/items/{made['🦄🦄']}/increment", json={"amount": 2})
    assert voted.status_code == 200 and voted.json()["votes"] == 2


async def test_an_unknown_item_is_a_404(app_client):
    response = await app_client.get("/api/items/nobody-home")
    assert response.status_code == 404 and "never heard" in response.json()["detail"]


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([{"name": "x", "votes": "many"}], "record 1: votes 'many' is not a whole number"),
        ([{"name": "x", "votes": 1.5}], "record 1: votes 1.5 is not a whole number"),
        ([{"name": "a", "id": "same"}, {"name": "b", "id": "same"}], "record 2: id 'same' appears twice"),
        ([{"name": "x", "id": "NOPE!"}], "must be 1-40 lowercase"),
        ([{"name": "n" * 61}], "name must be 1-60 characters"),
        ([{"emoji": "🐱"}], "record 1 lacks name"),
    ],
)
def test_a_bad_feed_is_a_one_line_error(seed, tmp_path, cql, records, message):
    from demokit.seed import FeedError

    path = tmp_path / "items.json"
    path.write_text(json.dumps(records))
    with pytest.raises(FeedError, match=message) as info:
        seed(feed=path)
    assert "\n" not in str(info.value)


def test_a_csv_feed_works_too(seed, tmp_path, cql):
    path = tmp_path / "items.csv"
    path.write_text("name,emoji,votes\nKeyboard Cat,🎹,5\nNyan Cat,🌈,-2\n")
    assert seed(feed=path) == 2
    assert totals(cql) == {"keyboard-cat": 5, "nyan-cat": -2}


async def test_a_vote_sends_this_cql(seed, feed, app_client, cql_recorder, snapshot):
    seed(feed=feed)
    cql_recorder.start()
    assert (await app_client.post("/api/items/grumpy-cat/increment", json={"amount": 5})).status_code == 200
    assert (await app_client.post("/api/items/grumpy-cat/decrement", json={"amount": 2})).status_code == 200
    assert cql_recorder.normalised() == snapshot


async def test_the_scoreboard_sends_this_cql(seed, feed, app_client, cql_recorder, snapshot):
    seed(feed=feed)
    cql_recorder.start()
    assert (await app_client.get("/api/items")).status_code == 200
    assert cql_recorder.normalised() == snapshot
