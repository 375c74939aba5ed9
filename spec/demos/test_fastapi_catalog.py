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
    await app_client.delete(f"/products/{product_id}", headers=HX)
    actions["delete"] = cql_recorder.normalised()

    cql_recorder.start()
    await app_client.post("/products", data=_form(price="free"), headers=HX)
    actions["refused create"] = cql_recorder.normalised()
    assert actions["refused create"] == []
    assert actions == snapshot
