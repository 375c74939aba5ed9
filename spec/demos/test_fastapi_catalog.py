"""fastapi-catalog — "The Infinite Bazaar": async coodie behind FastAPI, HTMX and a JSON API.

Every page and endpoint is driven over HTTP the way a browser (HTMX requests carry
``HX-Request: true``), a plain form or an API client drives it; what the app wrote is
checked with ``cql``, straight in the two tables (``products`` with its ``brand`` index,
``products_by_category`` clustered ``created_at DESC``). Bad input is a 4xx with a
message and writes nothing; the CQL of each main action is snapshotted.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, quote, urlparse

import pytest
from cassandra import InvalidRequest

from spec.assertions import assert_served_locally

pytestmark = pytest.mark.demo("fastapi-catalog")

HX = {"HX-Request": "true"}
T = TypeVar("T")

ARTIFACT = {
    "name": "Haunted USB Hub",
    "brand": "MerchBot Prime",
    "category": "peripherals",
    "price": "42.50",
    "dimension": "7",
    "description": "Possibly a universe-ending weapon.",
}


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 15.0) -> T:
    """``await check()`` once it stops failing: a real cluster updates secondary indexes in
    the background (scylla_lite at once, so there the first call answers)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            return await check()
        except (AssertionError, InvalidRequest):
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.1)


def stored(cql) -> tuple[int, int]:
    """(rows in products, rows in products_by_category)."""
    return (
        cql.execute("SELECT count(*) FROM products").one()[0],
        cql.execute("SELECT count(*) FROM products_by_category").one()[0],
    )


def names(cql, table: str = "products") -> set[str]:
    return {r.name for r in cql.execute(f"SELECT name FROM {table}")}


def ids_on_page(html: str) -> list[str]:
    return re.findall(r'id="p-([0-9a-f-]{36})"', html)


# --------------------------------------------------------------------------- pages and endpoints


async def test_every_page_and_endpoint_answers(seed, app_client, cql):
    assert seed(16) == 16
    assert stored(cql) == (16, 16)
    some = cql.execute("SELECT id, name, brand, category FROM products LIMIT 1").one()

    home = await app_client.get("/")
    assert home.status_code == 200
    assert len(ids_on_page(home.text)) == 16
    assert all(name in home.text for name in names(cql))  # every seeded artifact is on the page
    assert "⚡ DIMENSION-1 // INFINITE BAZAAR" in home.text
    assert "/static/htmx.min.js" in home.text
    assert_served_locally(home.text)

    pages = {
        f"/?category={some.category}": some.name,
        f"/?brand={quote(some.brand)}": some.name,
        f"/partials/products?category={some.category}": some.name,
        f"/partials/products?brand={quote(some.brand)}": some.name,
        "/partials/new": "Catalogue an artifact",
        f"/products/{some.id}": some.name,
        f"/products/{some.id}/card": some.name,
        f"/products/{some.id}/edit": 'hx-put="/products/',
    }
    for url, expected in pages.items():
        response = await app_client.get(url)
        assert response.status_code == 200, url
        assert expected in response.text, url

    listing = (await app_client.get("/api/products")).json()
    assert listing["count"] == 16 and {p["name"] for p in listing["products"]} == names(cql)
    one = await app_client.get(f"/api/products/{some.id}")
    assert one.status_code == 200 and one.json()["name"] == some.name
    reviews = (await app_client.get(f"/api/products/{some.id}/reviews")).json()
    assert reviews["total"] == len(review_rows(cql, some.id)) == reviews["count"]
    categories = (await app_client.get("/api/categories")).json()
    assert len(categories) == 8 and {"slug": "pets", "label": "Eldritch Pets", "emoji": "🐙"} in categories
    health = (await app_client.get("/healthz")).json()
    assert health["ok"] is True and health["server"]

    for asset, marker in {
        "/static/htmx.min.js": "htmx",
        "/static/bazaar.css": "@keyframes shimmer",
        "/static/demokit/base.css": "--bg: #0f172a",
        "/static/favicon.svg": "<svg",
    }.items():
        response = await app_client.get(asset)
        assert response.status_code == 200 and marker in response.text, asset
    assert (await app_client.get("/openapi.json")).json()["paths"]["/api/products"]
    assert (await app_client.get("/docs")).status_code == 404  # Swagger UI is a CDN page: off


async def test_a_category_lists_newest_first_from_its_own_partition(seed, app_client, cql):
    seed(40)
    for category in ("peripherals", "pets"):
        found = cql.execute("SELECT id FROM products WHERE category = %s ALLOW FILTERING", [category])
        expected = sorted(str(r.id) for r in found)
        assert expected
        body = (await app_client.get("/api/products", params={"category": category})).json()
        assert sorted(p["id"] for p in body["products"]) == expected
        stamps = [p["created_at"] for p in body["products"]]
        assert stamps == sorted(stamps, reverse=True)  # the clustering order, no ORDER BY
        assert {p["category"] for p in body["products"]} == {category}
        page = await app_client.get("/", params={"category": category})
        assert "newest first" in page.text and "clustering DESC" in page.text
        assert ids_on_page(page.text) == [p["id"] for p in body["products"]]


async def test_a_brand_is_found_through_its_secondary_index(seed, app_client, cql):
    seed(30)
    brand = "Rift & Sons"
    expected = {r.name for r in cql.execute("SELECT name, brand FROM products") if r.brand == brand}
    assert expected

    async def check() -> dict[str, Any]:
        body = (await app_client.get("/api/products", params={"brand": brand})).json()
        assert {p["name"] for p in body["products"]} == expected
        return body

    body = await eventually(check)
    assert {p["brand"] for p in body["products"]} == {brand}
    page = await app_client.get("/", params={"brand": brand})
    assert "secondary index" in page.text and "Rift &amp; Sons" in page.text
    assert len(ids_on_page(page.text)) == body["count"]


NEXT = re.compile(r'<a class="dk-button" rel="next" href="([^"]+)"')


async def walk(app_client, url: str) -> list[tuple[list[str], str]]:
    """Every page from ``url`` on, following "next page" links: (ids on it, its summary)."""
    pages = []
    while url:
        page = await app_client.get(html.unescape(url))
        assert page.status_code == 200, page.text
        summary = re.search(r'<div class="bz-summary">(.*?)</div>', page.text, re.S).group(1)
        pages.append((ids_on_page(page.text), " ".join(re.sub(r"<[^>]+>", " ", summary).split())))
        found = NEXT.search(page.text)
        url = found.group(1) if found else ""
    return pages


async def test_the_bazaar_pages_through_every_product_and_counts_honestly(seed, app_client, cql):
    """More products than one page: none vanishes (it used to stop at 120 and say "120
    artifacts"); each page says how many it shows, and only a whole list says "in the bazaar"."""
    seed(130)
    everything = {str(r.id) for r in cql.execute("SELECT id FROM products")}
    pages = await walk(app_client, "/")
    assert len(pages) == 6  # 24 a page
    seen = [product_id for ids, _ in pages for product_id in ids]
    assert len(seen) == len(set(seen)) == 130 and set(seen) == everything
    for ids, summary in pages:
        assert summary.startswith(f"{len(ids)} artifacts on this page"), summary
    api, url = [], "/api/products"
    while url:
        body = (await app_client.get(url)).json()
        assert body["count"] == len(body["products"])
        api += [p["id"] for p in body["products"]]
        url = f"/api/products?page={body['next']}" if body["next"] else ""
    assert api == seen  # the API pages the same way

    pets = {str(r.id) for r in cql.execute("SELECT id FROM products_by_category WHERE category = 'pets'")}
    pet_pages = await walk(app_client, "/?category=pets")
    assert {i for ids, _ in pet_pages for i in ids} == pets
    stamps = [
        r.created_at
        for r in cql.execute("SELECT created_at FROM products_by_category WHERE category = 'pets'")
    ]
    assert stamps == sorted(stamps, reverse=True)  # newest first, across the pages too


async def test_one_page_says_how_many_the_bazaar_holds(seed, app_client):
    seed(5)
    ((ids, summary),) = await walk(app_client, "/")
    assert len(ids) == 5 and summary.startswith("5 artifacts in the bazaar")


async def test_a_tampered_or_foreign_page_link_is_a_400(seed, app_client, cql):
    seed(30)
    link = NEXT.search((await app_client.get("/")).text).group(1)
    token = parse_qs(urlparse(html.unescape(link)).query)["page"][0]
    state, mac = token.split(".")
    flipped = ("B" if state[3] != "B" else "C").join([state[:3], state[4:]])
    for value in [f"{flipped}.{mac}", f"{state}.{mac[:-2]}AA", state, "!!!.???", "x" * 3000]:
        page = await app_client.get("/", params={"page": value})
        assert page.status_code == 400 and "bad page link" in page.text, value
        api = await app_client.get("/api/products", params={"page": value})
        assert api.status_code == 400 and "bad page link" in api.json()["detail"][0]
    # a token of the whole bazaar is no token of a category's listing
    assert (await app_client.get("/", params={"category": "pets", "page": token})).status_code == 400
    assert (await app_client.get("/", params={"page": token})).status_code == 200


# --------------------------------------------------------------------------- round trips


async def test_create_list_edit_delete_with_htmx(app_client, cql):
    # create: the form posts, the answer is a fresh form plus the new card (out of band)
    created = await app_client.post("/products", data=ARTIFACT, headers=HX)
    assert created.status_code == 201, created.text
    assert 'hx-swap-oob="afterbegin:#product-list"' in created.text
    assert "materialised in the bazaar" in created.text
    (product_id,) = ids_on_page(created.text)
    row = cql.execute("SELECT * FROM products WHERE id = %s", [uuid.UUID(product_id)]).one()
    assert (row.name, row.brand, row.category, row.price, row.dimension) == (
        "Haunted USB Hub", "MerchBot Prime", "peripherals", 42.5, 7,
    )  # fmt: skip
    timeline = cql.execute("SELECT id, name FROM products_by_category WHERE category = 'peripherals'").all()
    assert [(str(r.id), r.name) for r in timeline] == [(product_id, "Haunted USB Hub")]

    # list: the whole page and its category show it
    assert product_id in ids_on_page((await app_client.get("/")).text)
    assert ids_on_page((await app_client.get("/?category=peripherals")).text) == [product_id]

    # edit: the card becomes a form, the form becomes the changed card, in another partition
    form = await app_client.get(f"/products/{product_id}/edit", headers=HX)
    assert 'value="Haunted USB Hub"' in form.text
    changed = {**ARTIFACT, "name": "Docile USB Hub", "category": "gadgets", "price": "13"}
    edited = await app_client.put(f"/products/{product_id}", data=changed, headers=HX)
    assert edited.status_code == 200 and "Docile USB Hub" in edited.text and "bz-card fresh" in edited.text
    row = cql.execute(
        "SELECT name, category, price FROM products WHERE id = %s", [uuid.UUID(product_id)]
    ).one()
    assert (row.name, row.category, row.price) == ("Docile USB Hub", "gadgets", 13.0)
    assert cql.execute("SELECT * FROM products_by_category WHERE category = 'peripherals'").all() == []
    assert names(cql, "products_by_category") == {"Docile USB Hub"}
    assert ids_on_page((await app_client.get("/?category=gadgets")).text) == [product_id]
    cancel = await app_client.get(f"/products/{product_id}/card", headers=HX)
    assert "Docile USB Hub" in cancel.text

    # delete: the card is swapped for nothing, both rows are gone
    deleted = await app_client.delete(f"/products/{product_id}", headers=HX)
    assert deleted.status_code == 200 and deleted.text == ""
    assert stored(cql) == (0, 0)
    assert product_id not in (await app_client.get("/")).text
    assert (await app_client.get(f"/products/{product_id}")).status_code == 404


async def test_plain_forms_work_without_javascript(app_client, cql):
    created = await app_client.post("/products", data=ARTIFACT)
    assert created.status_code == 303
    location = created.headers["location"]
    assert re.fullmatch(r"/products/[0-9a-f-]{36}", location)
    page = await app_client.get(location)
    assert page.status_code == 200 and "Haunted USB Hub" in page.text
    edited = await app_client.post(location, data={**ARTIFACT, "name": "Tamed USB Hub"})
    assert edited.status_code == 303 and edited.headers["location"] == location
    assert names(cql) == {"Tamed USB Hub"}
    deleted = await app_client.post(f"{location}/delete")
    assert deleted.status_code == 303 and deleted.headers["location"] == "/"
    assert stored(cql) == (0, 0)


def product_json(row: Any) -> dict[str, Any]:
    """What the API answers for a stored ``products`` row: every field, the id as text and
    ``created_at`` (UTC, millisecond precision) as ISO 8601 with a ``Z``."""
    stamp = row.created_at.isoformat()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}000)?", stamp), stamp
    fields = ("name", "brand", "category", "price", "dimension", "description")
    return {"id": str(row.id), **{k: getattr(row, k) for k in fields}, "created_at": f"{stamp}Z"}


async def listed(app_client, **params: str) -> dict[str, Any]:
    return (await app_client.get("/api/products", params=params)).json()


def listing(
    products: list[dict[str, Any]], category: str | None = None, brand: str | None = None
) -> dict[str, Any]:
    """The body of ``GET /api/products`` listing ``products`` (one page: no ``next``)."""
    return {"category": category, "brand": brand, "count": len(products), "products": products, "next": None}


async def test_create_read_update_delete_through_the_json_api(app_client, cql):
    body = {**ARTIFACT, "price": 42.5, "dimension": 7}  # every field set, none to its default
    created = await app_client.post("/api/products", json=body)
    assert created.status_code == 201, created.text
    product = created.json()
    row = cql.execute("SELECT * FROM products").one()
    assert product == product_json(row) == {**body, "id": str(row.id), "created_at": product["created_at"]}
    url = f"/api/products/{product['id']}"
    assert (await app_client.get(url)).json() == product
    assert await listed(app_client) == listing([product])  # products
    assert await listed(app_client, category="peripherals") == listing([product], "peripherals")

    async def by_brand() -> None:  # the secondary index
        assert await listed(app_client, brand="MerchBot Prime") == listing([product], brand="MerchBot Prime")

    await eventually(by_brand)

    changed = {
        "name": "Docile USB Hub",
        "brand": "Rift & Sons",
        "category": "pets",
        "price": 0,
        "dimension": 12,
        "description": "Merely a hub now.",
    }
    updated = await app_client.put(url, json=changed)
    assert updated.status_code == 200
    assert updated.json() == {**changed, "id": product["id"], "created_at": product["created_at"]}
    assert updated.json() == product_json(cql.execute("SELECT * FROM products").one())
    assert [r.category for r in cql.execute("SELECT category FROM products_by_category")] == ["pets"]
    assert (await app_client.get(url)).json() == updated.json()
    assert await listed(app_client, category="pets") == listing([updated.json()], "pets")
    assert await listed(app_client, category="peripherals") == listing([], "peripherals")

    deleted = await app_client.delete(url)
    assert deleted.status_code == 204 and deleted.content == b""
    assert (await app_client.get(url)).status_code == 404
    assert stored(cql) == (0, 0)


# --------------------------------------------------------------------------- bad input


def _form(**change: Any) -> dict[str, Any]:
    return {k: v for k, v in {**ARTIFACT, **change}.items() if v is not None}


def _json(**change: Any) -> dict[str, Any]:
    body = {**ARTIFACT, "price": 42.5, "dimension": 7}
    return {k: v for k, v in {**body, **change}.items() if v is not None}


UNKNOWN = "00000000-0000-4000-8000-000000000000"

BAD_FORMS = [
    pytest.param(_form(name=None), "name: Field required", id="form-missing-name"),
    pytest.param(_form(name="   "), "name: String should have at least 1 character", id="form-blank-name"),
    pytest.param(
        _form(name="x" * 81), "name: String should have at most 80 characters", id="form-name-too-long"
    ),
    pytest.param(_form(brand="b" * 41), "brand: String should have at most 40", id="form-brand-too-long"),
    pytest.param(_form(price="cheap"), "price: Input should be a valid number", id="form-price-not-a-number"),
    pytest.param(
        _form(price="-1"), "price: Input should be greater than or equal to 0", id="form-negative-price"
    ),
    pytest.param(_form(price="nan"), "price: ", id="form-price-nan"),
    pytest.param(_form(category="weapons"), "category: choose one of", id="form-unknown-category"),
    pytest.param(
        _form(dimension="0"), "dimension: Input should be greater than or equal to 1", id="form-dimension-0"
    ),
    pytest.param(
        _form(dimension="2.5"), "dimension: Input should be a valid integer", id="form-dimension-float"
    ),
    pytest.param(
        _form(description="d" * 501), "description: String should have at most 500", id="form-long-text"
    ),
    pytest.param(_form(colour="red"), "colour: is not a product field", id="form-unknown-field"),
]


@pytest.mark.parametrize(("form", "message"), BAD_FORMS)
async def test_a_bad_form_is_a_422_in_the_page_and_writes_nothing(app_client, cql, form, message):
    for headers in (HX, {}):  # the HTMX partial and the plain full page
        response = await app_client.post("/products", data=form, headers=headers)
        assert response.status_code == 422, response.text
        assert 'role="alert"' in response.text and message in response.text
        assert "Not saved" in response.text
    assert stored(cql) == (0, 0)


BAD_JSON = [
    pytest.param(_json(name=None), "name", "missing", id="json-missing-name"),
    pytest.param(_json(price="cheap"), "price", "float_type", id="json-price-string"),
    pytest.param(_json(price="42.5"), "price", "float_type", id="json-price-numeric-string"),  # strict
    pytest.param(_json(dimension="7"), "dimension", "int_type", id="json-dimension-string"),
    pytest.param(_json(dimension=7.5), "dimension", "int_type", id="json-dimension-fraction"),
    pytest.param(_json(name="Hub\x00"), "name", "control_character", id="json-nul-in-name"),
    pytest.param(_json(brand="Merch\nBot"), "brand", "control_character", id="json-line-break-in-brand"),
    pytest.param(_json(price=[1]), "price", "float_type", id="json-price-list"),
    pytest.param(_json(dimension=10_000), "dimension", "less_than_equal", id="json-dimension-too-big"),
    pytest.param(_json(name="x" * 81), "name", "string_too_long", id="json-name-too-long"),
    pytest.param(_json(category="Eldritch"), "category", "literal_error", id="json-unknown-category"),
    pytest.param(_json(secret=True), "secret", "extra_forbidden", id="json-unknown-field"),
]


@pytest.mark.parametrize(("body", "field", "kind"), BAD_JSON)
async def test_a_bad_json_body_is_a_422_and_writes_nothing(app_client, cql, body, field, kind):
    response = await app_client.post("/api/products", json=body)
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert any(e["loc"][-1] == field and e["type"] == kind and e["msg"] for e in errors), errors
    assert stored(cql) == (0, 0)


async def test_a_body_that_is_not_json_is_a_400(app_client, cql):
    response = await app_client.post(
        "/api/products", content=b"{name: nope", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400 and response.json()["detail"][0]["type"] == "json_invalid"
    assert stored(cql) == (0, 0)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
async def test_a_price_that_is_not_finite_is_a_422_and_writes_nothing(app_client, cql, number):
    """Python's JSON reads ``NaN`` and ``1e999`` (infinity) as floats; refused, they used to
    come back in the 422's ``detail`` and fail to serialise: a 500."""
    body = json.dumps(_json()).replace('"price": 42.5', f'"price": {number}').encode()
    assert number.encode() in body
    for method, url in [("POST", "/api/products"), ("PUT", "/api/products/{id}")]:
        if "{id}" in url:
            created = (await app_client.post("/api/products", json=_json())).json()
            url = url.format(id=created["id"])
        response = await app_client.request(
            method, url, content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, response.text
        assert response.json()["detail"] == [
            {"loc": ["price"], "type": "finite_number", "msg": "Input should be a finite number"}
        ]
    assert names(cql) == {ARTIFACT["name"]} and stored(cql) == (1, 1)  # only the product created


@pytest.mark.parametrize("text", ["Hub\x00", "Hub\x1b[31m", "Hub\x7f"])
async def test_text_with_control_characters_is_refused_by_form_and_json(app_client, cql, text):
    form = await app_client.post("/products", data=_form(name=text), headers=HX)
    assert form.status_code == 422 and "name: must not hold control characters" in form.text
    api = await app_client.post("/api/products", json=_json(name=text))
    assert api.status_code == 422 and api.json()["detail"][0]["type"] == "control_character"
    # a description is multi-line text: line breaks and tabs are fine, control characters not
    ok = await app_client.post("/api/products", json=_json(description="line one\n\tline two"))
    assert ok.status_code == 201 and ok.json()["description"] == "line one\n\tline two"
    bad = await app_client.post("/api/products", json=_json(description="bad \x00 byte"))
    assert bad.status_code == 422
    assert stored(cql) == (1, 1)


async def test_an_over_size_or_non_json_body_is_refused(app_client, cql):
    big = await app_client.post("/api/products", json=_json(description="d" * 20_000))
    assert big.status_code == 413 and "too large" in big.json()["detail"][0]["msg"]
    form = await app_client.post("/api/products", data=ARTIFACT)  # the API speaks JSON
    assert form.status_code == 415 and "send JSON" in form.json()["detail"][0]["msg"]
    page = await app_client.post("/products", data=_form(description="d" * 20_000), headers=HX)
    assert page.status_code == 413 and "too large" in page.text
    assert stored(cql) == (0, 0)


@pytest.mark.parametrize(
    ("method", "url", "status", "message"),
    [
        ("GET", f"/products/{UNKNOWN}", 404, "no artifact with id"),
        ("GET", f"/products/{UNKNOWN}/edit", 404, "no artifact with id"),
        ("DELETE", f"/products/{UNKNOWN}", 404, "no artifact with id"),
        ("PUT", f"/products/{UNKNOWN}", 404, "no artifact with id"),
        ("GET", "/products/not-a-uuid", 422, "is not a product id"),
        ("DELETE", "/products/1234", 422, "is not a product id"),
        ("GET", "/?category=weapons", 422, "no such category"),
        ("GET", "/partials/products?brand=" + "b" * 41, 422, "at most 40 characters"),
        ("GET", "/no-such-page", 404, "Not Found"),
    ],
)
async def test_unknown_or_malformed_ids_and_filters_in_pages(
    app_client, seed, cql, method, url, status, message
):
    seed(3)
    for headers in (HX, {}):
        response = await app_client.request(
            method, url, data=ARTIFACT if method == "PUT" else None, headers=headers
        )
        assert response.status_code == status, (url, response.text)
        assert message in response.text and 'role="alert"' in response.text
    assert stored(cql) == (3, 3)


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", f"/api/products/{UNKNOWN}", 404),
        ("PUT", f"/api/products/{UNKNOWN}", 404),
        ("DELETE", f"/api/products/{UNKNOWN}", 404),
        ("GET", "/api/products/not-a-uuid", 422),
        ("PUT", "/api/products/zzzz", 422),
        ("DELETE", "/api/products/0000", 422),
        ("GET", "/api/products?category=weapons", 422),
        ("GET", "/api/products?brand=" + "b" * 41, 422),
    ],
)
async def test_unknown_or_malformed_ids_in_the_api(app_client, seed, cql, method, url, status):
    seed(3)
    response = await app_client.request(method, url, json=_json() if method == "PUT" else None)
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert stored(cql) == (3, 3)


async def test_a_refused_edit_changes_nothing(app_client, cql):
    created = (await app_client.post("/api/products", json=_json())).json()
    before = (
        cql.execute("SELECT * FROM products").all(),
        cql.execute("SELECT * FROM products_by_category").all(),
    )
    url = f"/products/{created['id']}"
    response = await app_client.put(url, data=_form(category="void", price="-3"), headers=HX)
    assert response.status_code == 422
    assert "category: choose one of" in response.text and "price: Input should be greater" in response.text
    assert 'hx-put="' + url in response.text  # the edit form again, with the person's values
    api = await app_client.put(f"/api/{url.lstrip('/')}", json=_json(name=""))
    assert api.status_code == 422
    after = (
        cql.execute("SELECT * FROM products").all(),
        cql.execute("SELECT * FROM products_by_category").all(),
    )
    assert after == before


# --------------------------------------------------------------------------- reviews

REVIEW = {"author": "Captain Jinja", "rating": "4", "body": "Only mildly haunted.\nRecommended."}
REVIEW_IDS = re.compile(r'id="r-([0-9a-f-]{36})"')
OLDER = re.compile(r'rel="next" href="([^"]+)">older reviews')
SUMMARY = re.compile(r'class="bz-average">([\d.]+)</b> / 5 from <b>(\d+)</b>')


def review_rows(cql, product_id: Any) -> list[Any]:
    """The product's reviews, in its partition's own order (clustering ``id DESC``)."""
    return cql.execute("SELECT * FROM reviews WHERE product_id = %s", [uuid.UUID(str(product_id))]).all()


def review_count(cql) -> int:
    return cql.execute("SELECT count(*) FROM reviews").one()[0]


def review_json(row: Any) -> dict[str, Any]:
    """What the API answers for a stored ``reviews`` row."""
    fields = {k: getattr(row, k) for k in ("author", "rating", "body")}
    stamp = f"{row.created_at.isoformat()}Z"
    return {"id": str(row.id), "product_id": str(row.product_id), **fields, "created_at": stamp}


def summary(page: str) -> tuple[str, str]:
    """(average, how many) as the product page's review summary shows them."""
    return SUMMARY.search(page).groups()


async def new_product(app_client) -> str:
    return (await app_client.post("/api/products", json=_json())).json()["id"]


async def add_reviews(app_client, product_id: str, count: int) -> None:
    for n in range(count):
        body = {"author": f"Customer {n}", "rating": n % 5 + 1, "body": f"Review number {n}."}
        response = await app_client.post(f"/api/products/{product_id}/reviews", json=body)
        assert response.status_code == 201, response.text


async def test_seeded_artifacts_carry_reviews_newest_first(seed, app_client, cql):
    seed(16)
    arrived = {r.id: r.created_at for r in cql.execute("SELECT id, created_at FROM products")}
    written = cql.execute("SELECT product_id, created_at FROM reviews").all()
    assert len(written) >= 16  # 0–4 reviews an artifact
    for review in written:  # each written after its artifact arrived
        assert arrived[review.product_id] <= review.created_at
    product_id, n = Counter(r.product_id for r in written).most_common(1)[0]
    rows = review_rows(cql, product_id)
    assert len(rows) == n >= 2
    assert [r.created_at for r in rows] == sorted((r.created_at for r in rows), reverse=True)

    page = await app_client.get(f"/products/{product_id}")
    assert page.status_code == 200 and "newest first" in page.text
    assert REVIEW_IDS.findall(page.text) == [str(r.id) for r in rows]
    average = round(sum(r.rating for r in rows) / n, 1)
    assert summary(page.text) == (str(average), str(n))
    assert all(html.escape(r.body) in page.text for r in rows)
    body = (await app_client.get(f"/api/products/{product_id}/reviews")).json()
    reviews = [review_json(r) for r in rows]
    assert body == {
        "product_id": str(product_id),
        "total": n,
        "average": average,
        "count": n,
        "reviews": reviews,
        "next": None,
    }


async def test_add_a_review_with_htmx_a_plain_form_and_json(app_client, cql):
    product_id = await new_product(app_client)
    url = f"/products/{product_id}/reviews"
    page = await app_client.get(f"/products/{product_id}")
    assert "No reviews yet" in page.text and f'hx-post="{url}"' in page.text and "no reviews yet" in page.text

    # HTMX: a fresh form, the review on top of the list and the new summary, out of band
    added = await app_client.post(url, data=REVIEW, headers=HX)
    assert added.status_code == 201, added.text
    assert 'hx-swap-oob="afterbegin:#review-list"' in added.text and "Your review tops the list" in added.text
    assert 'id="review-summary" hx-swap-oob="true"' in added.text and summary(added.text) == ("4.0", "1")
    (row,) = review_rows(cql, product_id)
    assert REVIEW_IDS.findall(added.text) == [str(row.id)] and row.id.version == 1  # a time UUID
    assert (row.author, row.rating, row.body) == ("Captain Jinja", 4, "Only mildly haunted.\nRecommended.")

    # a plain form: 303 back to the reviews
    plain = await app_client.post(url, data={**REVIEW, "author": "Rin", "rating": "2"})
    assert plain.status_code == 303 and plain.headers["location"] == f"/products/{product_id}#reviews"

    # JSON
    created = await app_client.post(f"/api{url}", json={"author": "Oz", "rating": 5, "body": "Worth it."})
    assert created.status_code == 201, created.text
    rows = review_rows(cql, product_id)
    assert created.json() == review_json(rows[0])
    assert [r.author for r in rows] == ["Oz", "Rin", "Captain Jinja"]  # newest first: the clustering order

    listed = (await app_client.get(f"/api{url}")).json()
    assert listed["reviews"] == [review_json(r) for r in rows]
    assert (listed["total"], listed["average"], listed["count"], listed["next"]) == (3, 3.7, 3, None)
    page = await app_client.get(f"/products/{product_id}")
    assert summary(page.text) == ("3.7", "3") and REVIEW_IDS.findall(page.text) == [str(r.id) for r in rows]
    assert 'id="no-reviews" hidden' in page.text


async def test_reviews_page_newest_first_through_signed_links(app_client, cql):
    product_id, other = await new_product(app_client), await new_product(app_client)
    await add_reviews(app_client, product_id, 23)
    expected = [str(r.id) for r in review_rows(cql, product_id)]
    assert len(expected) == 23

    pages, url = [], f"/products/{product_id}"
    while url:
        page = await app_client.get(html.unescape(url))
        assert page.status_code == 200, page.text
        pages.append(REVIEW_IDS.findall(page.text))
        assert summary(page.text)[1] == "23"  # the count of the whole partition, on every page
        found = OLDER.search(page.text)
        url = found.group(1) if found else ""
    assert [len(ids) for ids in pages] == [10, 10, 3]
    assert [i for ids in pages for i in ids] == expected

    api, url = [], f"/api/products/{product_id}/reviews"
    while url:
        body = (await app_client.get(url)).json()
        assert body["total"] == 23 and body["count"] == len(body["reviews"])
        api += [r["id"] for r in body["reviews"]]
        url = f"/api/products/{product_id}/reviews?page={body['next']}" if body["next"] else ""
    assert api == expected

    first = (await app_client.get(f"/products/{product_id}")).text
    token = parse_qs(urlparse(html.unescape(OLDER.search(first).group(1))).query)["page"][0]
    state, mac = token.split(".")
    # a page link of one artifact's reviews is no link of another's, nor of the bazaar's listing
    for refused in (f"/products/{other}", f"/api/products/{other}/reviews", "/"):
        response = await app_client.get(refused, params={"page": token})
        assert response.status_code == 400 and "bad page link" in response.text, refused
    for value in (f"{state}.{mac[:-2]}AA", state, "!!!.???"):
        response = await app_client.get(f"/api/products/{product_id}/reviews", params={"page": value})
        assert response.status_code == 400 and "bad page link" in response.json()["detail"][0]
    assert review_count(cql) == 23


async def test_deleting_an_artifact_deletes_its_reviews(app_client, cql):
    keep, gone = await new_product(app_client), await new_product(app_client)
    await add_reviews(app_client, keep, 3)
    await add_reviews(app_client, gone, 4)
    assert (await app_client.delete(f"/api/products/{gone}")).status_code == 204
    assert review_rows(cql, gone) == [] and len(review_rows(cql, keep)) == 3
    assert (await app_client.get(f"/api/products/{gone}/reviews")).status_code == 404
    deleted = await app_client.post(f"/products/{keep}/delete")  # the plain form too
    assert deleted.status_code == 303 and review_count(cql) == 0


def _review(**change: Any) -> dict[str, Any]:
    return {k: v for k, v in {**REVIEW, **change}.items() if v is not None}


BAD_REVIEW_FORMS = [
    pytest.param(_review(author=None), "author: Field required", id="no-author"),
    pytest.param(_review(author="  "), "author: String should have at least 1 character", id="blank-author"),
    pytest.param(_review(author="a" * 41), "author: String should have at most 40", id="long-author"),
    pytest.param(_review(author="Rin\nOz"), "author: must not hold control characters", id="two-line-author"),
    pytest.param(_review(rating=None), "rating: Field required", id="no-rating"),
    pytest.param(_review(rating="0"), "rating: give 1 to 5 stars", id="no-stars"),
    pytest.param(_review(rating="6"), "rating: give 1 to 5 stars", id="six-stars"),
    pytest.param(_review(rating="five"), "rating: Input should be a valid integer", id="rating-text"),
    pytest.param(_review(body=""), "body: String should have at least 1 character", id="empty-body"),
    pytest.param(_review(body="b" * 1001), "body: String should have at most 1000", id="long-body"),
    pytest.param(_review(body="bad \x00 byte"), "body: must not hold control characters", id="nul-body"),
    pytest.param(_review(stars="5"), "stars: is not a review field", id="unknown-field"),
]


@pytest.mark.parametrize(("form", "message"), BAD_REVIEW_FORMS)
async def test_a_bad_review_form_is_a_422_in_the_page_and_writes_nothing(app_client, cql, form, message):
    product_id = await new_product(app_client)
    for headers in (HX, {}):  # the HTMX partial and the plain full page
        response = await app_client.post(f"/products/{product_id}/reviews", data=form, headers=headers)
        assert response.status_code == 422, response.text
        assert 'role="alert"' in response.text and message in response.text and "Not saved" in response.text
        assert 'id="review-form"' in response.text
    assert review_count(cql) == 0


BAD_REVIEW_JSON = [
    pytest.param({"author": "Oz", "body": "x"}, "rating", "missing", id="no-rating"),
    pytest.param({"author": "Oz", "rating": "5", "body": "x"}, "rating", "int_type", id="rating-string"),
    pytest.param({"author": "Oz", "rating": 4.5, "body": "x"}, "rating", "int_type", id="rating-fraction"),
    pytest.param({"author": "Oz", "rating": True, "body": "x"}, "rating", "int_type", id="rating-bool"),
    pytest.param({"author": "Oz", "rating": 9, "body": "x"}, "rating", "less_than_equal", id="rating-9"),
    pytest.param({"author": "", "rating": 3, "body": "x"}, "author", "string_too_short", id="empty-author"),
    pytest.param({"author": "Oz", "rating": 3, "body": None}, "body", "string_type", id="body-null"),
    pytest.param({"author": "Oz", "rating": 3, "body": "\x1b[2J"}, "body", "control_character", id="escape"),
    pytest.param({"author": "Oz", "rating": 3, "body": "x", "id": UNKNOWN}, "id", "extra_forbidden", id="id"),
]


@pytest.mark.parametrize(("body", "field", "kind"), BAD_REVIEW_JSON)
async def test_a_bad_review_body_is_a_422_and_writes_nothing(app_client, cql, body, field, kind):
    product_id = await new_product(app_client)
    response = await app_client.post(f"/api/products/{product_id}/reviews", json=body)
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert any(e["loc"][-1] == field and e["type"] == kind and e["msg"] for e in errors), errors
    assert review_count(cql) == 0


async def test_a_review_of_no_artifact_or_no_json_is_refused(app_client, cql):
    product_id = await new_product(app_client)
    good = {"author": "Oz", "rating": 3, "body": "Fine."}
    for method, url, status in [
        ("post", f"/api/products/{UNKNOWN}/reviews", 404),
        ("post", "/api/products/not-a-uuid/reviews", 422),
        ("get", f"/api/products/{UNKNOWN}/reviews", 404),
        ("post", f"/products/{UNKNOWN}/reviews", 404),
        ("post", "/products/1234/reviews", 422),
    ]:
        if url.startswith("/api/"):
            response = await app_client.request(method, url, json=good)
            assert response.status_code == status and response.json()["detail"], url
        else:
            response = await app_client.request(method, url, data=REVIEW)
            assert response.status_code == status and 'role="alert"' in response.text, url
    url = f"/api/products/{product_id}/reviews"
    broken = await app_client.post(url, content=b"{author: Oz", headers={"content-type": "application/json"})
    assert broken.status_code == 400 and broken.json()["detail"][0]["type"] == "json_invalid"
    assert (await app_client.post(url, data=REVIEW)).status_code == 415  # the API speaks JSON
    big = await app_client.post(url, json={**good, "body": "b" * 20_000})
    assert big.status_code == 413
    assert review_count(cql) == 0


# --------------------------------------------------------------------------- seed feeds


def test_a_feed_seeds_csv_and_json(seed, tmp_path: Path, cql):
    csv = tmp_path / "artifacts.csv"
    csv.write_text(
        "name,brand,category,price,dimension\n"
        "Levitating Toaster,Chrono Depot,Temporal Kitchenware,19.99,3\n"
        "Sentient Monocle,Yarnforge,optics,250,\n"
    )
    assert seed(feed=csv) == 2
    data = tmp_path / "artifacts.json"
    data.write_text(
        json.dumps([{"name": "Pet Rock", "brand": "Rift & Sons", "category": "pets", "price": 1}])
    )
    assert seed(feed=data) == 1
    assert (
        names(cql)
        == names(cql, "products_by_category")
        == {"Levitating Toaster", "Sentient Monocle", "Pet Rock"}
    )
    row = cql.execute(
        "SELECT category, price, dimension FROM products_by_category WHERE category = 'kitchen'"
    ).one()
    assert (row.category, row.price, row.dimension) == ("kitchen", 19.99, 3)
    assert review_count(cql) == 0  # a feed without reviews brings none


def test_a_feed_carries_reviews_in_csv_and_json(seed, tmp_path: Path, cql):
    csv = tmp_path / "artifacts.csv"
    csv.write_text(
        "name,brand,category,price,reviews\n"
        'Levitating Toaster,Chrono Depot,kitchen,19.99,"5 Ada Lovelace: Toasts tomorrow\'s bread. | 2 Bob: It: bit me."\n'
        "Sentient Monocle,Yarnforge,optics,250,\n"
    )
    assert seed(feed=csv) == 2
    data = tmp_path / "artifacts.json"
    pet_rock = {"name": "Pet Rock", "brand": "Rift & Sons", "category": "pets", "price": 1}
    said = [{"author": "Oz", "rating": 4, "body": "Whispers node IDs.\nAt night."}, "1 Rin: Heavy."]
    data.write_text(json.dumps([{**pet_rock, "reviews": said}]))
    assert seed(feed=data) == 1
    ids = {r.name: r.id for r in cql.execute("SELECT id, name FROM products")}

    def reviews(name: str) -> list[tuple[str, int, str]]:
        return [(r.author, r.rating, r.body) for r in review_rows(cql, ids[name])]

    assert sorted(reviews("Levitating Toaster")) == [
        ("Ada Lovelace", 5, "Toasts tomorrow's bread."),
        ("Bob", 2, "It: bit me."),
    ]
    assert reviews("Sentient Monocle") == []
    assert sorted(reviews("Pet Rock")) == [("Oz", 4, "Whispers node IDs.\nAt night."), ("Rin", 1, "Heavy.")]


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        (
            "name,brand,category,price\nHub,Acme,peripherals,free\n",
            "csv",
            "record 1: price: Input should be a valid number",
        ),
        (
            '[{"name": "Hub", "brand": "Acme", "category": "moon", "price": 3}]',
            "json",
            "record 1: category: choose one",
        ),
        ('[{"name": "Hub", "category": "pets", "price": 3}]', "json", "record 1 lacks brand"),
        ("[1, 2]", "json", "expected a list of objects"),
        (
            "name,brand,category,price,reviews\nHub,Acme,pets,3,five Ada: nice\n",
            "csv",
            "record 1: review 1: rating: Input should be a valid integer",
        ),
        (
            "name,brand,category,price,reviews\nHub,Acme,pets,3,5 Ada: nice | 4 Bob nice\n",
            "csv",
            "record 1: review 2: '4 Bob nice' is not 'RATING AUTHOR: TEXT'",
        ),
        (
            '[{"name": "Hub", "brand": "Acme", "category": "pets", "price": 3}, {"name": "Lamp", "brand": "Acme",'
            ' "category": "optics", "price": 3, "reviews": [{"author": "Ada", "rating": 9, "body": "!"}]}]',
            "json",
            "record 2: review 1: rating: give 1 to 5 stars",
        ),
        (
            '[{"name": "Hub", "brand": "Acme", "category": "pets", "price": 3, "reviews": [{"author": "Ada",'
            ' "rating": 5, "body": "!", "title": "t"}]}]',
            "json",
            "record 1: review 1: title: is not a review field",
        ),
        (
            '[{"name": "Hub", "brand": "Acme", "category": "pets", "price": 3, "reviews": {"author": "Ada"}}]',
            "json",
            "record 1: reviews: expected a list of reviews",
        ),
        (
            '[{"name": "Hub", "brand": "Acme", "category": "pets", "price": 3, "reviews": [7]}]',
            "json",
            "review 1: expected an object",
        ),
    ],
)
def test_a_bad_feed_is_a_one_line_error_and_writes_nothing(seed, tmp_path, cql, content, suffix, message):
    from demokit.seed import FeedError

    feed = tmp_path / f"bad.{suffix}"
    feed.write_text(content)
    with pytest.raises(FeedError, match=re.escape(message)) as caught:
        seed(feed=feed)
    assert "\n" not in str(caught.value)
    tables = cql.execute(
        "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s", [cql.keyspace]
    )
    assert tables.all() == []  # refused before the database was touched: not even a table


def test_the_seed_command_refuses_a_bad_count(demo):
    from click.testing import CliRunner

    result = CliRunner().invoke(demo.import_("fastapi_catalog.seed:cli"), ["--count", "0"])
    assert result.exit_code == 1 and "--count must be between 1" in result.output


# --------------------------------------------------------------------------- the CQL of each action


async def test_the_cql_of_each_action(app_client, cql_recorder, snapshot):
    actions: dict[str, list[str]] = {}

    cql_recorder.start()
    created = await app_client.post("/products", data=ARTIFACT, headers=HX)
    actions["create (HTMX form)"] = cql_recorder.normalised()
    (product_id,) = ids_on_page(created.text)

    for name, url in {
        "list everything": "/",
        "list a category, newest first": "/?category=peripherals",
        "list a brand (secondary index)": "/?brand=MerchBot%20Prime",
        "show one": f"/products/{product_id}",
    }.items():
        cql_recorder.start()
        assert (await app_client.get(url)).status_code == 200
        actions[name] = cql_recorder.normalised()

    cql_recorder.start()
    await app_client.put(f"/products/{product_id}", data={**ARTIFACT, "category": "relics"}, headers=HX)
    actions["edit, moving category"] = cql_recorder.normalised()

    cql_recorder.start()
    assert (
        await app_client.post(f"/products/{product_id}/reviews", data=REVIEW, headers=HX)
    ).status_code == 201
    actions["add a review (HTMX form)"] = cql_recorder.normalised()

    cql_recorder.start()
    assert (await app_client.get(f"/api/products/{product_id}/reviews")).json()["total"] == 1
    actions["list a product's reviews, newest first (API)"] = cql_recorder.normalised()

    cql_recorder.start()
    await app_client.post(f"/products/{product_id}/reviews", data=_review(rating="6"), headers=HX)
    actions["refused review"] = cql_recorder.normalised()

    cql_recorder.start()
    await app_client.delete(f"/products/{product_id}", headers=HX)
    actions["delete"] = cql_recorder.normalised()

    cql_recorder.start()
    await app_client.post("/products", data=_form(price="free"), headers=HX)
    actions["refused create"] = cql_recorder.normalised()
    assert actions["refused create"] == []
    assert actions["refused review"] == ['SELECT * FROM catalog.products WHERE "id" = ? LIMIT 2']  # no write
    assert actions == snapshot
