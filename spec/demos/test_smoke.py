"""Every demo started as ``make run`` starts it — the real uvicorn / flask / ``manage.py
runserver`` / CLI command in a subprocess (``make start``), on a free port, against this
test's backend and keyspace — then driven over real HTTP through each page and endpoint its
README lists: happy paths, with a seeded record visible (seed plan §11.3–11.4).

The in-process specs (``test_<demo>.py``) go through each demo's factory; this module is
what catches a broken start command, port, static mount or template path. A demo missing
from `SMOKE` fails here, so a new demo cannot land without its smoke test.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from cassandra.util import SortedSet

from spec.assertions import asset_urls


@dataclass(frozen=True)
class Call:
    """One request of a smoke run. ``path``, ``params``, ``form`` and ``shows`` are formatted
    with the seeded record (``{token}``) and with what earlier calls kept (`keep`)."""

    method: str
    path: str
    status: int = 200
    json: dict[str, Any] | None = None
    form: dict[str, str] | None = None
    #: query parameters (encoded by httpx, so a value may hold spaces or ``&``)
    params: dict[str, str] | None = None
    #: text the response must contain (HTML-escaped or not)
    shows: str | None = None
    #: names to keep from a JSON response for later calls: {"new": "token"} keeps body["token"]
    #: as {new}, {"new": "task.id"} keeps body["task"]["id"]
    keep: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    #: also send Django's CSRF token (``X-CSRFToken``) from the cookie an earlier page set
    csrf: bool = False


@dataclass(frozen=True)
class Smoke:
    """What to seed, how to find one seeded record, and the calls its README lists."""

    #: CQL returning one seeded row (named columns are the format keys of the calls; a
    #: set, list or map column stands for its first element)
    record: str
    #: the requests of a web demo, in order
    calls: list[Call] = field(default_factory=list)
    #: a CLI demo: what its run must print (formatted like `Call.shows`; any run of
    #: whitespace matches any other)
    prints: list[str] = field(default_factory=list)
    #: make variables of ``make start`` beyond HOST and PORT (a CLI demo's arguments)
    make_vars: Callable[[Any], dict[str, str]] = lambda tmp_path: {}
    count: int = 5
    #: extra environment of the started process (per test, e.g. a scratch SQLite file)
    env: Callable[[Any], dict[str, str]] = lambda tmp_path: {}


#: what HTMX adds to its requests (the demos answer it with a partial)
HTMX = {"HX-Request": "true"}

#: a valid fastapi-catalog product form, but for its name
PRODUCT = {"brand": "Smoke Co", "category": "relics", "price": "2.5"}
#: a valid fastapi-catalog review form, but for its author
REVIEW = {"rating": "3", "body": "A review from the smoke test."}

#: a valid django-taskboard task form, but for its title
TASK = {"description": "a test run", "status": "todo", "assignee": "", "priority": "low", "sprint": "2"}

SMOKE: dict[str, Smoke] = {
    "ttl-sessions": Smoke(
        record='SELECT "token", "owner" FROM memory_tokens LIMIT 1',
        calls=[
            Call("GET", "/", shows="{owner}"),
            Call("GET", "/api/sessions", shows="{token}"),
            Call("GET", "/api/sessions/{token}", shows="{owner}"),
            Call(
                "POST",
                "/api/sessions",
                201,
                json={"owner": "Smoke", "memory": "a test run", "ttl": 600},
                keep={"new": "token"},
            ),
            Call("POST", "/api/sessions/{new}/refresh", shows="{new}"),
            Call("PATCH", "/api/sessions/{new}", json={"memory": "an edited run"}, shows="an edited run"),
            Call("DELETE", "/api/sessions/{new}", 204),
            Call("POST", "/sessions", 303, form={"owner": "Form", "memory": "from the page", "ttl": "600"}),
            Call("POST", "/sessions/{token}/refresh", 303, form={}),
            Call("POST", "/sessions/{token}/delete", 303),
            Call("GET", "/healthz", shows='"ok":true'),
        ],
    ),
    "fastapi-catalog": Smoke(
        record='SELECT "id", "name", "brand", "category" FROM products LIMIT 1',
        calls=[
            Call("GET", "/", shows="{name}"),
            Call("GET", "/", params={"category": "{category}"}, shows="{name}"),
            Call("GET", "/", params={"brand": "{brand}"}, shows="{name}"),
            Call("GET", "/partials/products", shows="{name}"),
            Call("GET", "/partials/new", shows="<form"),
            Call("GET", "/products/{id}", shows="{name}"),
            Call("GET", "/products/{id}/card", shows="{name}"),
            Call("GET", "/products/{id}/edit", shows="{name}"),
            Call("GET", "/api/products", params={"category": "{category}"}, shows="{id}"),
            Call("GET", "/api/products/{id}", shows="{name}"),
            Call("GET", "/api/products/{id}/reviews", shows='"total":'),
            Call(
                "POST",
                "/api/products/{id}/reviews",
                201,
                json={"author": "Smoke", "rating": 4, "body": "A test run."},
                shows="A test run.",
            ),
            Call(
                "POST",
                "/products/{id}/reviews",
                303,
                form={"author": "Form", "rating": "5", "body": "By form."},
            ),
            Call(
                "POST",
                "/products/{id}/reviews",
                201,
                form={**REVIEW, "author": "Htmx"},
                headers=HTMX,
                shows="Htmx",
            ),
            Call("GET", "/products/{id}", shows="By form."),
            Call("GET", "/api/categories", shows='"slug":"{category}"'),
            Call("GET", "/openapi.json", shows="/api/products"),
            Call(
                "POST",
                "/api/products",
                201,
                json={"name": "Smoke Hub", "brand": "Smoke Co", "category": "gadgets", "price": 4.5},
                keep={"new": "id"},
            ),
            Call(
                "PUT",
                "/api/products/{new}",
                json={"name": "Smoke Hub II", "brand": "Smoke Co", "category": "pets", "price": 5.0},
                shows="Smoke Hub II",
            ),
            Call("DELETE", "/api/products/{new}", 204),
            Call(
                "POST", "/products", 201, form={**PRODUCT, "name": "Htmx Hub"}, headers=HTMX, shows="Htmx Hub"
            ),
            Call("PUT", "/products/{id}", form={**PRODUCT, "name": "{name}"}, headers=HTMX, shows="Smoke Co"),
            Call("DELETE", "/products/{id}", headers=HTMX),
            Call("POST", "/products", 303, form={**PRODUCT, "name": "Form Hub"}),
            Call(
                "POST",
                "/api/products",
                201,
                json={"name": "Smoke Lamp", "brand": "Smoke Co", "category": "optics", "price": 7},
                keep={"new": "id"},
            ),
            Call("POST", "/products/{new}", 303, form={**PRODUCT, "name": "Smoke Lamp II"}),
            Call("POST", "/products/{new}/delete", 303),
            Call("GET", "/healthz", shows='"ok":true'),
        ],
    ),
    "flask-blog": Smoke(
        record='SELECT "id", "title", "author", "tags" AS tag FROM posts LIMIT 1',
        calls=[
            Call("GET", "/", shows="{title}"),
            Call("GET", "/tags/{tag}", shows="{title}"),
            Call("GET", "/authors/{author}", shows="{title}"),
            Call("GET", "/api/posts", params={"author": "{author}"}, shows="{id}"),
            Call("GET", "/posts/new", shows="<form"),
            Call(
                "POST",
                "/posts",
                303,
                form={"title": "Smoke post", "author": "Smoke", "body": "A test run.", "tags": "smoke"},
            ),
            Call("GET", "/posts/{id}", shows="{title}"),
            Call("GET", "/posts/{id}/edit", shows="{title}"),
            Call(
                "POST",
                "/posts/{id}/edit",
                303,
                form={"title": "{title}", "author": "Smoke", "body": "An edited run.", "tags": "{tag}"},
            ),
            Call("POST", "/posts/{id}/comments", 303, form={"author": "Smoke", "body": "A comment."}),
            Call("GET", "/posts/{id}", shows="A comment."),
            Call("GET", "/api/posts", params={"tag": "{tag}"}, shows="{id}"),
            Call("POST", "/posts/{id}/delete", 303),
            Call("GET", "/healthz", shows='"ok":true'),
        ],
    ),
    "materialized-views": Smoke(
        record='SELECT "sku", "name", "category", "price_band" FROM products LIMIT 1',
        calls=[
            Call("GET", "/", shows="{sku}"),
            Call("GET", "/", params={"view": "products_by_category", "key": "{category}"}, shows="{name}"),
            Call("GET", "/api/products", shows="{sku}"),
            Call("GET", "/api/products/{sku}", shows="{name}"),
            Call("GET", "/api/views", shows='"name":"products_by_band"'),
            Call("GET", "/api/views/products_by_band", params={"key": "{price_band}"}, shows="{sku}"),
            Call(
                "POST",
                "/api/products",
                201,
                json={"name": "Smoke Orb", "brand": "Smoke Co", "category": "smoke-balls", "price": 7.5},
                keep={"new": "product.sku"},
            ),
            Call(
                "PATCH",
                "/api/products/{new}",
                json={"category": "smoke-decks"},
                shows='"after":"smoke-decks"',
            ),
            Call("PATCH", "/api/views/products_by_category/rows/{new}", 405, json={"name": "Forged"}),
            Call("DELETE", "/api/views/products_by_band/rows/{new}", 405, shows="Cannot directly modify"),
            Call("DELETE", "/api/products/{new}", shows='"after":null'),
            Call("POST", "/api/views/sync", shows='"synced":'),
            Call(
                "POST",
                "/products",
                303,
                form={"name": "Form Orb", "brand": "Form Co", "category": "forms", "price": "3"},
            ),
            Call("POST", "/products/{sku}/edit", 303, form={"price": "600"}),
            Call("POST", "/views/products_by_category/rename", 405, form={"sku": "{sku}", "name": "Forged"}),
            Call("POST", "/views/sync", 303),
            Call("POST", "/products/{sku}/delete", 303),
            Call("GET", "/healthz", shows='"ok":true'),
        ],
    ),
    "polymorphic-cms": Smoke(
        record='SELECT "type", "id", "title" FROM contents LIMIT 1',
        calls=[
            Call("GET", "/", shows="{title}"),
            Call("GET", "/", params={"type": "{type}"}, shows="{title}"),
            Call("GET", "/cards", params={"type": "{type}"}, shows="{title}"),
            Call("GET", "/api/content", shows="{id}"),
            Call("GET", "/api/content", params={"type": "{type}"}, shows="{id}"),
            Call("GET", "/api/content/{id}", shows="{title}"),
            Call("GET", "/api/counts", shows='"{type}":'),
            Call(
                "POST",
                "/api/content",
                201,
                json={"type": "short", "title": "Smoke", "duration_s": 9, "sound": "a test run"},
                keep={"new": "id"},
            ),
            Call("GET", "/api/content/{new}", shows='"class":"Short"'),
            Call("DELETE", "/api/content/{new}", 204),
            Call(
                "POST", "/content", 303, form={"type": "podcast", "title": "From the page", "host": "Smoke"}
            ),
            Call("POST", "/content/{id}/delete", 303),
            Call("GET", "/healthz", shows='"ok":true'),
        ],
    ),
    "realtime-counters": Smoke(
        record='SELECT "id", "name" FROM items LIMIT 1',
        calls=[
            Call("GET", "/", shows="{name}"),
            Call("GET", "/board", shows="{name}"),
            Call("GET", "/api/items", shows="{id}"),
            Call("GET", "/api/items/{id}", shows="{name}"),
            Call("POST", "/api/items", 201, json={"name": "Smoke Cat"}, keep={"new": "id"}),
            Call("POST", "/api/items/{new}/increment", json={"amount": 3}, shows='"votes":3'),
            Call("POST", "/api/items/{new}/decrement", json={"amount": 1}, shows='"votes":2'),
            Call("POST", "/api/items/{id}/increment", json={"amount": 1}, headers=HTMX, shows="{name}"),
            Call("GET", "/healthz", shows='"ok":true'),
        ],
    ),
    "lwt-user-registry": Smoke(
        record='SELECT "username", "display_name", "version" FROM identities LIMIT 1',
        calls=[
            Call("GET", "/", shows="{display_name}"),
            Call("GET", "/users/{username}", shows="{display_name}"),
            Call("GET", "/api/users", shows="{username}"),
            Call("GET", "/api/users/{username}", shows="{display_name}"),
            Call("GET", "/api/stats", shows='"granted":'),
            Call(
                "POST",
                "/api/users",
                201,
                json={"username": "smoke_api", "display_name": "Smoke", "email": "smoke@example.com"},
                keep={"new": "username"},
            ),
            Call(
                "PATCH",
                "/api/users/{new}",
                json={"version": 1, "bio": "an edited run"},
                shows="an edited run",
            ),
            Call("DELETE", "/api/users/{new}", 204),
            Call(
                "POST",
                "/register",
                303,
                form={
                    "username": "smoke_form",
                    "display_name": "Form",
                    "email": "form@example.com",
                    "bio": "",
                },
            ),
            Call(
                "POST",
                "/users/{username}/edit",
                303,
                form={"version": "{version}", "display_name": "", "email": "", "bio": "edited by a form"},
            ),
            Call("GET", "/users/{username}", shows="edited by a form"),
            Call("POST", "/users/{username}/delete", 303),
            Call("GET", "/healthz", shows='"ok":true'),
        ],
    ),
    "collections-tags": Smoke(
        record='SELECT "id", "title", "tags" AS tag FROM articles LIMIT 1',
        calls=[
            Call("GET", "/", shows="{title}"),
            Call("GET", "/", params={"tag": "{tag}"}, shows="{title}"),
            Call("GET", "/articles/{id}", shows="{title}"),
            Call("GET", "/api/articles", shows="{id}"),
            Call("GET", "/api/articles", params={"tag": "{tag}"}, shows="{id}"),
            Call("GET", "/api/articles/{id}", shows="{title}"),
            Call("GET", "/api/tags", shows='"tag":"{tag}"'),
            Call(
                "POST",
                "/api/articles",
                201,
                json={"title": "Smoke article", "tags": ["smoke"], "props": {"run": "smoke"}},
                keep={"new": "id"},
            ),
            Call(
                "POST",
                "/api/articles/{new}/mutations",
                json={"column": "tags", "op": "add", "value": ["smoked"]},
                shows='"after":["smoke","smoked"]',
            ),
            Call("DELETE", "/api/articles/{new}", 204),
            Call("POST", "/articles", 303, form={"title": "Form article", "tags": "smoke, form"}),
            Call(
                "POST",
                "/articles/{id}/mutate",
                form={"column": "lineage", "op": "append", "value": "smoke-lineage"},
                shows="smoke-lineage",
            ),
            Call("POST", "/articles/{id}/delete", 303),
            Call("GET", "/healthz", shows='"ok":true'),
        ],
    ),
    "django-taskboard": Smoke(
        record='SELECT "id", "title" FROM tasks LIMIT 1',
        env=lambda tmp_path: {"TASKBOARD_SQLITE": str(tmp_path / "django.sqlite3")},
        calls=[
            Call("GET", "/", shows="{title}"),  # sets the csrftoken cookie the forms below send
            Call("GET", "/tasks/new", shows="<form"),
            Call("POST", "/tasks/new", 302, form={**TASK, "title": "Smoke task"}, csrf=True),
            Call("GET", "/tasks/{id}", shows="{title}"),
            Call("POST", "/tasks/{id}", 302, form={**TASK, "title": "{title}"}, csrf=True),
            Call("POST", "/tasks/{id}/move", 302, form={"status": "done"}, csrf=True),
            Call("GET", "/api/board", shows="{id}"),
            Call("GET", "/api/counters", shows='"done":'),
            Call("GET", "/api/events", params={"limit": "50"}, shows="{id}"),
            Call("GET", "/api/tasks", params={"status": "done"}, shows="{id}"),
            Call("POST", "/api/tasks", 201, json={"title": "Smoke API task"}, keep={"new": "task.id"}),
            Call("GET", "/api/tasks/{new}", shows="Smoke API task"),
            Call("PATCH", "/api/tasks/{new}", json={"priority": "high"}, shows='"priority":"high"'),
            Call("POST", "/api/tasks/{new}/move", json={"status": "in_progress"}, shows='"moved":true'),
            Call("DELETE", "/api/tasks/{new}", shows="{new}"),
            Call("POST", "/tasks/{id}/delete", 302, csrf=True),
        ],
    ),
    "batch-importer": Smoke(
        record='SELECT "planet", "crate" FROM cargo_manifest LIMIT 1',
        make_vars=lambda tmp_path: {"ROWS": "200", "MANIFEST": str(tmp_path / "manifest.csv")},
        prints=[
            "wrote 200 rows over 10 planet(s)",
            "manifest.csv: 200 rows",
            "rows imported 200",
            "rows rejected 0",
            "│ {planet} │",
            "total │ 200",  # the seeded crates are the manifest's first ones
        ],
    ),
    "schema-migrations": Smoke(
        record='SELECT "dimension", "author" FROM dispatches LIMIT 1',
        prints=[  # the walkthrough: rewind to the first migration, dry run, replay, verdict
            "Rolled back: 20261207_001_index_dispatch_authors",
            "[DRY RUN] Applied: 20261201_002_add_priority",
            "Applied: 20261207_001_index_dispatch_authors",
            "{dimension}",
            "{author}",
            "the live schema is the models'",
            "5 dispatches before the rewind, all 5 after the replay",
        ],
    ),
    "timeseries-iot": Smoke(
        record='SELECT "sensor_id", "bucket" FROM sensor_buckets LIMIT 1',
        calls=[
            Call("GET", "/", shows="Chrono-Sensors"),
            Call("GET", "/", params={"sensor": "{sensor_id}"}, shows="Sensor #{sensor_id}"),
            Call("GET", "/", params={"day": "{bucket}", "n": "3"}, shows="Latest 3 per sensor"),
            Call("GET", "/range", params={"sensor": "{sensor_id}"}, shows="day bucket"),
            Call("GET", "/api/sensors", shows='"sensor_id":{sensor_id}'),
            Call("GET", "/api/sensors/{sensor_id}/buckets", shows="{bucket}"),
            Call("GET", "/api/sensors/{sensor_id}/history", shows='"bucket":"{bucket}"'),
            Call(
                "GET",
                "/api/sensors/{sensor_id}/readings",
                params={"start": "{bucket}T00:00", "end": "{bucket}T12:00"},
                shows='"bucket":"{bucket}"',
            ),
            Call("GET", "/api/latest", params={"day": "{bucket}"}, shows='"day":"{bucket}"'),
            Call(
                "POST",
                "/api/readings",
                201,
                json={"sensor_id": 42, "celsius": 21.5, "ts": "2025-01-01T00:00:00Z"},
                shows='"bucket":"2025-01-01"',
            ),
            Call("POST", "/readings", 303, form={"sensor_id": "42", "celsius": "-3.5"}),
            Call("GET", "/api/sensors/42/history", shows='"celsius":-3.5'),
            Call("GET", "/healthz", shows='"ok":true'),
        ],
    ),
    "vector-search": Smoke(
        record='SELECT "id", "name" FROM product_embeddings LIMIT 1',
        calls=[
            Call("GET", "/", shows="<form"),
            Call("GET", "/", params={"q": "{name}", "k": "5"}, shows="{name}"),
            Call("GET", "/api/search", params={"q": "{name}", "k": "5"}, shows="{id}"),
            Call("GET", "/healthz", shows='"ok":true'),
            Call("GET", "/openapi.json", shows="/api/search"),
        ],
    ),
}


def _one_record(cql: Any, query: str) -> dict[str, str]:
    row = cql.execute(query).one()
    assert row is not None, f"the seed wrote nothing that {query!r} finds"
    return {
        name: str(next(iter(value)) if isinstance(value, list | SortedSet | Mapping) else value)
        for name, value in row._asdict().items()
    }


def _shown(text: str, body: str) -> bool:
    """``text`` is in ``body``, as it is or HTML-escaped (Jinja's ``&#39;`` or Django's ``&#x27;``)."""
    return text in body or text in html.unescape(body)


def _check_assets(client: httpx.Client, page: httpx.Response) -> None:
    """Every script, stylesheet and image the page names on its own host answers 200 (a full
    page names at least the theme's stylesheet)."""
    here = urlsplit(str(page.url)).netloc
    local = [urljoin(str(page.url), html.unescape(url)) for url in asset_urls(page.text)]
    local = [url for url in local if urlsplit(url).netloc == here]
    if "<html" in page.text.lower():
        assert local, f"{page.url.path} names no stylesheet or script of its own"
    for url in local:
        reply = client.get(url)
        assert reply.status_code == 200, f"asset {url} of {page.url.path}: {reply.status_code}"


def _filled(data: dict[str, str] | None, values: dict[str, str]) -> dict[str, str] | None:
    return None if data is None else {key: text.format(**values) for key, text in data.items()}


def _run(client: httpx.Client, call: Call, values: dict[str, str]) -> None:
    path = call.path.format(**values)
    headers = call.headers
    if call.csrf:
        assert "csrftoken" in client.cookies, f"{call.method} {path}: no csrftoken cookie (GET a form first)"
        headers = {**headers, "X-CSRFToken": client.cookies["csrftoken"]}
    reply = client.request(
        call.method,
        path,
        params=_filled(call.params, values),
        json=call.json,
        data=_filled(call.form, values),
        headers=headers,
    )
    assert reply.status_code == call.status, f"{call.method} {path}: {reply.status_code} {reply.text[:300]}"
    if call.shows is not None:
        expected = call.shows.format(**values)
        body = (
            re.sub(r'":\s+', '":', reply.text)
            if reply.headers.get("content-type", "").startswith("application/json")
            else reply.text
        )
        assert _shown(expected, body), f"{call.method} {path} does not show {expected!r}"
    if "text/html" in reply.headers.get("content-type", "") and not reply.is_redirect:
        _check_assets(client, reply)
    for name, key in call.keep.items():
        kept = reply.json()
        for part in key.split("."):
            kept = kept[part]
        values[name] = str(kept)


@pytest.mark.demo()
def test_make_seed_then_make_start_serve_the_seeded_demo(demo, demo_process, cql, tmp_path):
    """``SCYLLA_KEYSPACE=<the test's> make seed``, then the demo's real start command shows
    what was seeded: the seed CLI, ``make db-up`` and the app all follow the one variable."""
    assert demo.name in SMOKE, f"demo {demo.name} has no smoke test: add it to SMOKE in {__file__}"
    smoke = SMOKE[demo.name]
    env = smoke.env(tmp_path)
    demo_process("seed", env=env, SEED_ARGS=f"--count {smoke.count}").wait()
    values = _one_record(cql, smoke.record)
    process = demo_process(env=env, **smoke.make_vars(tmp_path))
    if demo.kind == "cli":
        output = process.wait()
        printed = " ".join(output.split())  # rich pads its tables to the terminal's width
        for text in smoke.prints:
            expected = " ".join(text.format(**values).split())
            assert expected in printed, f"`make start` did not print {expected!r}:\n{output}"
        return
    process.wait_until_served("/")  # within START_TIMEOUT (15 s), or the failure shows its output
    with httpx.Client(base_url=process.url, timeout=30, follow_redirects=False) as client:
        for call in smoke.calls:
            _run(client, call, values)
