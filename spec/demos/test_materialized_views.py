"""materialized-views — "The Oracle's Mirror": a product table mirrored by two coodie views.

Through the real endpoints (JSON and the page's forms): the app materializes both views at
start with ``sync_view()`` (again is harmless), each view follows a base-table insert, an
update of its key column (the row moves from one partition to another) and a delete; a
partition is read with a read-only query; a write to a view is refused by coodie and by the
server, both shown, and writes nothing. A real ScyllaDB updates views in the background, so
every view read after a write waits for it (`eventually`; at once on scylla_lite). Bad input
is a 4xx with a message and nothing is written; the CQL of each action is snapshotted.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from spec.assertions import assert_served_locally
from spec.assertions import snapshot as keyspace_snapshot

pytestmark = pytest.mark.demo("materialized-views")

T = TypeVar("T")
BY_CATEGORY, BY_BAND = "products_by_category", "products_by_band"
ORB = {"name": "Moonlit Orb", "brand": "Delphi Works", "category": "crystal-balls", "price": 12.5}
COODIE_SAYS = "Materialized views are read-only. Use the base table to write data."
SERVER_SAYS = "Cannot directly modify a materialized view"


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 15.0) -> T:
    """``await check()`` once it stops failing: a real cluster updates views in the background."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            return await check()
        except AssertionError:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.1)


def base(cql) -> dict[str, tuple[str, str, str, float]]:
    """The base table: sku → (name, category, price_band, price)."""
    return {
        r.sku: (r.name, r.category, r.price_band, r.price)
        for r in cql.execute("SELECT sku, name, category, price_band, price FROM products")
    }


def mirrored(cql, view: str) -> dict[str, str]:
    """A view, straight from CQL: sku → the partition it is in."""
    key = "category" if view == BY_CATEGORY else "price_band"
    return {r.sku: getattr(r, key) for r in cql.execute(f"SELECT {key}, sku FROM {view}")}


async def partitions(app_client, view: str) -> dict[str, list[str]]:
    """A view through the API: partition → SKUs."""
    body = (await app_client.get(f"/api/views/{view}")).json()
    assert body["read_only"] is True
    return {key: [r["sku"] for r in found] for key, found in body["partitions"].items()}


async def settled(cql, expected: dict[str, tuple[str, str]]) -> None:
    """Wait until both views hold exactly ``expected``: sku → (category, price_band)."""

    async def check() -> None:
        assert mirrored(cql, BY_CATEGORY) == {sku: c for sku, (c, _) in expected.items()}
        assert mirrored(cql, BY_BAND) == {sku: b for sku, (_, b) in expected.items()}

    await eventually(check)


async def new_product(app_client, **body: Any) -> dict[str, Any]:
    response = await app_client.post("/api/products", json={**ORB, **body})
    assert response.status_code == 201, response.text
    return response.json()


def views_of(cql, keyspace: str) -> dict[str, tuple[str, bool]]:
    found = cql.execute(
        "SELECT view_name, base_table_name, include_all_columns FROM system_schema.views WHERE keyspace_name = %s",
        [keyspace],
    )
    return {r.view_name: (r.base_table_name, r.include_all_columns) for r in found}


def partition_html(page: str, view: str, key: str) -> str:
    """The page's block of one partition of one view ('' when the page has none)."""
    section = page.split(f'<section class="reflection" id="{view}">', 1)[1].split("</section>", 1)[0]
    for block in section.split('<div class="partition">')[1:]:
        if f">{('category' if view == BY_CATEGORY else 'price_band')} = {key}" in block:
            return block
    return ""


# --------------------------------------------------------------------------- sync_view()


async def test_the_views_are_synced_at_start_and_syncing_again_changes_nothing(
    seed, app_client, cql, keyspace, cql_recorder, snapshot
):
    assert views_of(cql, keyspace) == {BY_CATEGORY: ("products", True), BY_BAND: ("products", False)}
    assert seed(12) == 12
    before = base(cql)
    await settled(cql, {sku: (c, b) for sku, (_, c, b, _) in before.items()})
    by_category = await partitions(app_client, BY_CATEGORY)
    assert len(by_category) == 6 and sum(map(len, by_category.values())) == 12

    cql_recorder.start()
    first = await app_client.post("/api/views/sync")
    second = await app_client.post("/api/views/sync")
    assert cql_recorder.normalised() == snapshot  # CREATE MATERIALIZED VIEW IF NOT EXISTS, twice each
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == {"synced": [BY_CATEGORY, BY_BAND]}
    assert views_of(cql, keyspace) == {BY_CATEGORY: ("products", True), BY_BAND: ("products", False)}
    assert base(cql) == before
    assert await partitions(app_client, BY_CATEGORY) == by_category

    resynced = await app_client.post("/views/sync")
    assert resynced.status_code == 303 and resynced.headers["location"] == "/"
    page = (await app_client.get("/")).text
    assert "✨ VIEW SYNCHRONIZED ✨" in page and "changed nothing" in page
    assert "changed nothing" not in (await app_client.get("/")).text  # the banner is shown once


async def test_each_view_is_described_by_what_sync_view_sends(app_client, keyspace):
    views = (await app_client.get("/api/views")).json()["views"]
    assert [(v["name"], v["model"], v["key"], v["columns"]) for v in views] == [
        (BY_CATEGORY, "ProductByCategory", "category", ["*"]),
        (BY_BAND, "ProductByBand", "price_band", ["price_band", "sku", "name", "price"]),
    ]
    assert views[0]["cql"] == (
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {keyspace}.products_by_category AS SELECT * FROM "
        f'{keyspace}.products WHERE "category" IS NOT NULL AND "sku" IS NOT NULL PRIMARY KEY ("category", "sku")'
    )
    assert all(v["read_only"] is True and v["partitions"] == {} for v in views)


# --------------------------------------------------------------------------- following the base table


async def test_an_insert_appears_in_every_view(app_client, cql, cql_recorder, snapshot):
    cql_recorder.start()
    created = await new_product(app_client)
    assert cql_recorder.normalised() == snapshot  # one INSERT, into the base table only
    sku = created["product"]["sku"]
    assert created["product"] == {**ORB, "sku": sku, "price_band": "pebble"}
    assert created["moves"] == [
        {"view": BY_CATEGORY, "column": "category", "before": None, "after": "crystal-balls"},
        {"view": BY_BAND, "column": "price_band", "before": None, "after": "pebble"},
    ]
    await settled(cql, {sku: ("crystal-balls", "pebble")})
    assert await partitions(app_client, BY_CATEGORY) == {"crystal-balls": [sku]}
    banded = (await app_client.get(f"/api/views/{BY_BAND}", params={"key": "pebble"})).json()
    assert banded["partitions"] == {  # four columns only: the view's __view_columns__
        "pebble": [{"price_band": "pebble", "sku": sku, "name": "Moonlit Orb", "price": 12.5}]
    }


async def test_updating_a_view_key_moves_the_row_between_partitions(app_client, cql, cql_recorder, snapshot):
    sku = (await new_product(app_client))["product"]["sku"]
    other = (await new_product(app_client, name="Clouded Deck", category="tarot-decks", price=42))["product"]
    await settled(cql, {sku: ("crystal-balls", "pebble"), other["sku"]: ("tarot-decks", "crystal")})

    cql_recorder.start()
    moved = await app_client.patch(f"/api/products/{sku}", json={"category": "tarot-decks"})
    assert cql_recorder.normalised() == snapshot(name="category")  # the row read, then one UPDATE
    assert moved.status_code == 200, moved.text
    assert moved.json()["moves"] == [
        {"view": BY_CATEGORY, "column": "category", "before": "crystal-balls", "after": "tarot-decks"},
        {"view": BY_BAND, "column": "price_band", "before": "pebble", "after": "pebble"},
    ]
    await settled(cql, {sku: ("tarot-decks", "pebble"), other["sku"]: ("tarot-decks", "crystal")})
    assert await partitions(app_client, BY_CATEGORY) == {"tarot-decks": sorted([sku, other["sku"]])}
    gone = await app_client.get(f"/api/views/{BY_CATEGORY}", params={"key": "crystal-balls"})
    assert gone.json()["partitions"] == {}  # the partition it left is empty

    cql_recorder.start()
    repriced = await app_client.patch(f"/api/products/{sku}", json={"price": 150})
    assert cql_recorder.normalised() == snapshot(name="price")  # price and its band, in one UPDATE
    assert repriced.json()["product"]["price_band"] == "astral"
    assert repriced.json()["moves"][1] == {
        "view": BY_BAND,
        "column": "price_band",
        "before": "pebble",
        "after": "astral",
    }
    await settled(cql, {sku: ("tarot-decks", "astral"), other["sku"]: ("tarot-decks", "crystal")})
    assert await partitions(app_client, BY_BAND) == {"crystal": [other["sku"]], "astral": [sku]}

    renamed = await app_client.patch(f"/api/products/{sku}", json={"name": "Prophetic Deck"})
    assert [m["before"] == m["after"] for m in renamed.json()["moves"]] == [True, True]

    async def renamed_in_both() -> None:
        for view, key in ((BY_CATEGORY, "tarot-decks"), (BY_BAND, "astral")):
            found = (await app_client.get(f"/api/views/{view}", params={"key": key})).json()["partitions"][
                key
            ]
            assert {r["sku"]: r["name"] for r in found}[sku] == "Prophetic Deck"

    await eventually(renamed_in_both)


async def test_a_delete_leaves_every_view(app_client, cql, cql_recorder, snapshot):
    sku = (await new_product(app_client))["product"]["sku"]
    await settled(cql, {sku: ("crystal-balls", "pebble")})
    cql_recorder.start()
    deleted = await app_client.delete(f"/api/products/{sku}")
    assert cql_recorder.normalised() == snapshot  # the row read, then one DELETE from the base table
    assert deleted.status_code == 200
    assert deleted.json() == {
        "moves": [
            {"view": BY_CATEGORY, "column": "category", "before": "crystal-balls", "after": None},
            {"view": BY_BAND, "column": "price_band", "before": "pebble", "after": None},
        ]
    }
    await settled(cql, {})
    assert await partitions(app_client, BY_CATEGORY) == {} and base(cql) == {}
    assert (await app_client.get(f"/api/products/{sku}")).status_code == 404


async def test_the_page_shows_each_view_following_the_base_table(app_client, cql):
    """After each form the page shows the product where it now is in every view, highlighted,
    and a ghost where it was."""
    created = await app_client.post("/products", data={**ORB, "price": "12.50"})
    assert created.status_code == 303
    (sku,) = base(cql)
    await settled(cql, {sku: ("crystal-balls", "pebble")})
    page = (await app_client.get("/")).text
    assert "✨ VIEW SYNCHRONIZED ✨" in page and f"<code>{sku}</code> “Moonlit Orb”" in page
    assert "was inserted into" in page
    assert f'<li class="chip arrived"><code>{sku}</code> Moonlit Orb' in partition_html(
        page, BY_CATEGORY, "crystal-balls"
    )
    assert f'<li class="chip arrived"><code>{sku}</code>' in partition_html(page, BY_BAND, "pebble")

    edited = await app_client.post(f"/products/{sku}/edit", data={"category": "Tarot Decks", "price": ""})
    assert edited.status_code == 303
    await settled(cql, {sku: ("tarot-decks", "pebble")})  # "Tarot Decks" is stored as a tidy key
    page = (await app_client.get("/")).text
    assert f"<code>{sku}</code> ↪ moved to tarot-decks" in partition_html(page, BY_CATEGORY, "crystal-balls")
    assert f'<li class="chip arrived"><code>{sku}</code>' in partition_html(page, BY_CATEGORY, "tarot-decks")
    assert "stays in" in page and "price_band = pebble" in page  # the band view did not move it

    assert (await app_client.post(f"/products/{sku}/edit", data={"price": "999"})).status_code == 303
    await settled(cql, {sku: ("tarot-decks", "mythic")})
    page = (await app_client.get("/")).text
    assert f"<code>{sku}</code> ↪ moved to mythic" in partition_html(page, BY_BAND, "pebble")
    assert f'<li class="chip arrived"><code>{sku}</code>' in partition_html(page, BY_BAND, "mythic")

    assert (await app_client.post(f"/products/{sku}/delete")).status_code == 303
    await settled(cql, {})
    page = (await app_client.get("/")).text
    assert "was deleted from" in page
    assert f"<code>{sku}</code> ↪ gone with its base row" in partition_html(page, BY_CATEGORY, "tarot-decks")
    assert f"<code>{sku}</code> ↪ gone with its base row" in partition_html(page, BY_BAND, "mythic")
    assert "The base table is empty" in page
    assert "VIEW SYNCHRONIZED" not in (await app_client.get("/")).text  # shown once


# --------------------------------------------------------------------------- read-only queries


async def test_a_partition_is_read_with_a_read_only_query(seed, app_client, cql, cql_recorder, snapshot):
    seed(12)
    await settled(cql, {sku: (c, b) for sku, (_, c, b, _) in base(cql).items()})
    expected = sorted(sku for sku, (_, c, _, _) in base(cql).items() if c == "tarot-decks")
    cql_recorder.start()
    answer = await app_client.get(f"/api/views/{BY_CATEGORY}", params={"key": "tarot-decks"})
    assert cql_recorder.normalised() == snapshot  # SELECT * FROM products_by_category WHERE "category" = ?
    assert answer.status_code == 200
    found = answer.json()["partitions"]["tarot-decks"]
    assert [r["sku"] for r in found] == expected  # clustered by sku
    assert {r["category"] for r in found} == {"tarot-decks"}

    page = await app_client.get("/", params={"view": BY_CATEGORY, "key": "tarot-decks"})
    assert page.status_code == 200
    assert 'SELECT * FROM products_by_category WHERE "category" = ? LIMIT 500' in html_text(page.text)
    assert f"{len(expected)} rows in partition <b>tarot-decks</b>" in page.text
    assert "🔒 Read-Only" in page.text
    missing = await app_client.get(f"/api/views/{BY_BAND}", params={"key": "no-such-band"})
    assert missing.status_code == 200 and missing.json()["partitions"] == {}


def html_text(page: str) -> str:
    return page.replace("&#34;", '"').replace("&quot;", '"')


# --------------------------------------------------------------------------- writes to a view


@pytest.mark.parametrize("view", [BY_CATEGORY, BY_BAND])
async def test_writes_to_a_view_are_refused_by_coodie_and_by_the_server(
    app_client, cql, keyspace, view, cql_recorder, snapshot
):
    sku = (await new_product(app_client))["product"]["sku"]
    await settled(cql, {sku: ("crystal-balls", "pebble")})
    before = keyspace_snapshot(cql, keyspace)

    cql_recorder.start()
    renamed = await app_client.patch(f"/api/views/{view}/rows/{sku}", json={"name": "Forged Orb"})
    deleted = await app_client.delete(f"/api/views/{view}/rows/{sku}")
    sent = [s for s in cql_recorder.normalised() if not s.startswith("SELECT")]
    assert sent == snapshot  # what coodie's query set sent (the server refused it); coodie's own: nothing
    for response, statement in (
        (renamed, f'UPDATE {view} SET "name" = ?'),
        (deleted, f"DELETE FROM {view} WHERE"),
    ):
        assert response.status_code == 405 and response.headers["allow"] == "GET"
        body = response.json()
        assert body["refused_by"] == {"coodie": COODIE_SAYS, "server": SERVER_SAYS}
        assert "read-only — the Oracle has spoken" in body["detail"]
        assert body["statement"].startswith(statement)
    assert keyspace_snapshot(cql, keyspace) == before  # nothing written, base or view


async def test_the_page_shows_both_refusals(app_client, cql, keyspace):
    sku = (await new_product(app_client))["product"]["sku"]
    await settled(cql, {sku: ("crystal-balls", "pebble")})
    before = keyspace_snapshot(cql, keyspace)
    for path, form, verb in [
        (f"/views/{BY_CATEGORY}/rename", {"sku": sku, "name": "Forged"}, "row.save()"),
        (f"/views/{BY_BAND}/delete", {"sku": sku}, "row.delete()"),
    ]:
        page = await app_client.post(path, data=form)
        assert page.status_code == 405
        assert "🔒 Read-Only — The Oracle Has Spoken" in page.text and 'role="alert"' in page.text
        assert verb in page.text
        assert f"InvalidQueryError: {COODIE_SAYS}" in page.text
        assert f"InvalidRequest: {SERVER_SAYS}" in page.text
    assert keyspace_snapshot(cql, keyspace) == before


# --------------------------------------------------------------------------- seeding


async def test_the_seed_fills_the_base_table_and_the_views_follow(
    seed, app_client, cql, cql_recorder, snapshot
):
    assert seed(14) == 14
    stored = base(cql)
    assert sorted(stored) == [f"ORC-{n:04d}" for n in range(1, 15)]
    assert {b for _, _, b, _ in stored.values()} == {"pebble", "crystal", "astral", "mythic"}
    await settled(cql, {sku: (c, b) for sku, (_, c, b, _) in stored.items()})
    cql_recorder.start()
    page = await app_client.get("/")
    assert cql_recorder.normalised() == snapshot  # one scan of each view, one of the base table
    assert page.status_code == 200
    assert all(sku in page.text for sku in stored)
    assert "14 rows in 6 partitions" in page.text and "14 rows in 4 partitions" in page.text
    assert_served_locally(page.text)
    assert seed(14) == 14  # seeding again: sync_view() again, the same rows written again
    assert len(base(cql)) == 14


async def test_a_feed_seeds_products(seed, cql, tmp_path):
    csv = tmp_path / "products.csv"
    csv.write_text(
        "sku,name,brand,category,price\nFEED-1,Glass Eye,Argus,Scrying Mirrors,250\n,Bone Kit,Pythia,oracle-bones,3\n"
    )
    assert seed(feed=csv) == 2
    assert base(cql) == {
        "FEED-1": ("Glass Eye", "scrying-mirrors", "astral", 250.0),
        "ORC-F0002": ("Bone Kit", "oracle-bones", "pebble", 3.0),
    }
    feed = tmp_path / "products.json"
    feed.write_text(
        json.dumps([{"name": "Star Chart", "brand": "Sibyl", "category": "star-charts", "price": 64.5}])
    )
    assert seed(feed=feed) == 1
    assert base(cql)["ORC-F0001"] == ("Star Chart", "star-charts", "crystal", 64.5)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.json", "[{]", "not valid JSON"),
        ("no-price.json", json.dumps([{"name": "x", "brand": "b", "category": "c"}]), "record 1 lacks price"),
        (
            "price.csv",
            "name,brand,category,price\nA,b,c,cheap\n",
            "record 1: price: Input should be a valid number",
        ),
        ("negative.csv", "name,brand,category,price\nA,b,c,-1\n", "greater than or equal to 0"),
        ("category.csv", "name,brand,category,price\nA,b,c/d,1\n", "category: use letters a-z"),
        ("sku.csv", "sku,name,brand,category,price\nno sku!,A,b,c,1\n", "is not a SKU"),
        (
            "twice.csv",
            "sku,name,brand,category,price\nX-1,A,b,c,1\nX-1,B,b,c,2\n",
            "record 2: sku X-1 appears twice",
        ),
        ("products.txt", "name\n", "use a .csv or .json file"),
    ],
)
def test_a_bad_feed_is_a_one_line_error_and_writes_nothing(
    seed, cql, keyspace, tmp_path, name, text, message
):
    from demokit.seed import FeedError

    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(FeedError, match=message) as info:
        seed(feed=path)
    assert "\n" not in info.value.format_message()
    assert keyspace_snapshot(cql, keyspace)["rows"] == {}  # refused before anything was created


# --------------------------------------------------------------------------- pages, assets, bad input


async def test_health_and_local_assets(app_client):
    health = (await app_client.get("/healthz")).json()
    assert health == {"ok": True, "keyspace": health["keyspace"], "views": [BY_CATEGORY, BY_BAND]}
    for path, text in [
        ("/static/oracle.css", "backdrop-filter: blur(10px)"),
        ("/static/oracle.css", "#a855f7"),
        ("/static/favicon.svg", "🔮"),
        ("/static/demokit/base.css", "--surface"),
    ]:
        response = await app_client.get(path)
        assert response.status_code == 200 and text in response.text, path
    assert (await app_client.get("/docs")).status_code == 404  # Swagger UI would load a CDN
    page = await app_client.get("/")
    assert (
        "The base table is empty" in page.text
        and page.text.count("🔒 Read-Only — The Oracle Has Spoken") == 2
    )
    assert (await app_client.get("/openapi.json")).json()["paths"]["/api/views/{view}"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({**ORB, "name": ""}, "name: String should have at least 1", id="blank-name"),
        pytest.param({k: v for k, v in ORB.items() if k != "brand"}, "brand: Field required", id="no-brand"),
        pytest.param({**ORB, "name": "x" * 61}, "name: String should have at most 60", id="long-name"),
        pytest.param({**ORB, "category": "c/d"}, "category: use letters a-z", id="category-slash"),
        pytest.param(
            {**ORB, "category": "x" * 31}, "category: String should have at most 30", id="long-category"
        ),
        pytest.param(
            {**ORB, "price": -1}, "price: Input should be greater than or equal to 0", id="negative"
        ),
        pytest.param({**ORB, "price": "12"}, "price: Input should be a valid number", id="price-text"),
        pytest.param({**ORB, "price": 10**7}, "less than or equal to 1000000", id="price-huge"),
        pytest.param({**ORB, "price": True}, "price: Input should be a valid number", id="price-bool"),
        pytest.param({**ORB, "brand": "Del\x00phi"}, "brand: must not hold control", id="nul"),
        pytest.param({**ORB, "sku": "ORC-1"}, "sku: is not a field of this form", id="sku-given"),
        pytest.param({**ORB, "price_band": "mythic"}, "price_band: is not a field", id="band-given"),
    ],
)
async def test_bad_input_is_a_422_and_nothing_is_written(app_client, cql, body, message):
    response = await app_client.post("/api/products", json=body)
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert base(cql) == {} and mirrored(cql, BY_CATEGORY) == {}


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({**ORB, "price": "12", "name": ""}, "name: String should have at least 1"),
        ({**ORB, "price": "cheap"}, "price: Input should be a valid number"),
        ({**ORB, "price": "12", "category": "crystal balls!"}, "category: use letters a-z"),
        ({**ORB, "price": "nan"}, "price: Input should be a finite number"),
    ],
)
async def test_the_form_shows_what_is_wrong_and_writes_nothing(app_client, cql, form, message):
    page = await app_client.post("/products", data=form)
    assert page.status_code == 422 and message in page.text and 'role="alert"' in page.text
    assert f'value="{form["brand"]}"' in page.text  # the form comes back as it was typed
    assert base(cql) == {}


async def test_a_body_that_is_not_a_json_object_is_a_400(app_client, cql):
    for content in ("{not json", "[1, 2]"):
        response = await app_client.post(
            "/api/products", content=content, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400
    assert base(cql) == {}


async def test_bad_edits_change_nothing(app_client, cql, keyspace):
    sku = (await new_product(app_client))["product"]["sku"]
    await settled(cql, {sku: ("crystal-balls", "pebble")})
    before = keyspace_snapshot(cql, keyspace)
    for body, message in [
        ({}, "Nothing to change"),
        ({"category": "Tarot/Decks"}, "category: use letters a-z"),
        ({"price": "free"}, "price: Input should be a valid number"),
        ({"price_band": "mythic"}, "price_band: is not a field"),
        ({"sku": "ORC-2"}, "sku: is not a field"),
    ]:
        response = await app_client.patch(f"/api/products/{sku}", json=body)
        assert response.status_code == 422 and message in response.json()["detail"], body
    page = await app_client.post(f"/products/{sku}/edit", data={"category": "", "price": "", "name": ""})
    assert page.status_code == 422 and "Nothing to change" in page.text
    renamed = await app_client.patch(f"/api/views/{BY_CATEGORY}/rows/{sku}", json={"name": ""})
    assert renamed.status_code == 422 and "name: String should have at least 1" in renamed.json()["detail"]
    assert keyspace_snapshot(cql, keyspace) == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/products/{}", None),
        ("PATCH", "/api/products/{}", {"name": "x"}),
        ("DELETE", "/api/products/{}", None),
        ("PATCH", "/api/views/products_by_category/rows/{}", {"name": "x"}),
        ("DELETE", "/api/views/products_by_band/rows/{}", None),
    ],
)
@pytest.mark.parametrize(
    ("sku", "status", "message"), [("ORC-9999", 404, "No product ORC-9999"), ("orc 1!", 422, "is not a SKU")]
)
async def test_unknown_or_malformed_skus_are_4xx(app_client, cql, method, path, body, sku, status, message):
    response = await app_client.request(method, path.format(sku), json=body)
    assert response.status_code == status and message in response.json()["detail"]
    assert base(cql) == {}


async def test_an_unknown_view_is_a_404(app_client, cql):
    for method, path in [
        ("GET", "/api/views/products_by_mood"),
        ("DELETE", "/api/views/products_by_mood/rows/ORC-0001"),
    ]:
        response = await app_client.request(method, path)
        assert response.status_code == 404 and "No view 'products_by_mood'" in response.json()["detail"]
    page = await app_client.get("/", params={"view": "products_by_mood", "key": "x"})
    assert page.status_code == 404 and 'role="alert"' in page.text
    blank = await app_client.get("/", params={"view": BY_CATEGORY, "key": ""})
    assert blank.status_code == 422 and "Give the category to read" in blank.text
    assert base(cql) == {}
