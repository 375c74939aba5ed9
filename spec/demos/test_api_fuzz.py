"""Every JSON API under random bodies shaped like its own: never a 5xx, and a 4xx writes nothing.

For each endpoint that reads a body, hypothesis builds JSON from the endpoint's own model
(`demokit.bodies.Body`): each field left out, given a value of its type — long, empty or
with control characters, huge or non-finite numbers — or any other JSON value at all, plus
unknown fields, bodies that are no object, and bytes that are no JSON. ``NaN`` and
``Infinity`` are sent as the literals Python's JSON writes. Whatever comes back must be
below 500; a 4xx must leave the demo's tables as they were. Slow (``--run-slow``): about
30 s per demo.
"""

from __future__ import annotations

import asyncio
import json
import time
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, Union

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

pytestmark = pytest.mark.slow

EXAMPLES = 400  # per endpoint: a demo's endpoints together take 5–30 s
BUDGET = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: text that breaks things: control characters, markup, quotes, long runs, non-ASCII
NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\x1b[31m",
        "\t",
        "\n",
        "\u2028",
        "[/]",
        "'; DROP TABLE x; --",
        "🦄🦄",
        "漢字",
    ]
)
TEXT = st.one_of(st.text(max_size=30), st.text(max_size=30), NASTY, st.text(min_size=100, max_size=600))
NUMBER = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 2**31, 2**63, 1e308, 0.5]),
)
ANY_JSON = st.recursive(
    st.none() | st.booleans() | NUMBER | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)
WORD = st.from_regex(r"[a-z][a-z0-9_-]{0,11}", fullmatch=True)


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The type inside ``Annotated[...]`` layers, and their metadata."""
    extra: list[Any] = []
    while typing.get_origin(annotation) is typing.Annotated:
        extra += annotation.__metadata__
        annotation = typing.get_args(annotation)[0]
    return annotation, extra


def _limit(metadata: list[Any], name: str) -> Any:
    return next((getattr(m, name) for m in metadata if getattr(m, name, None) is not None), None)


def plausible(annotation: Any, metadata: list[Any]) -> st.SearchStrategy[Any]:
    """A value the field would likely accept: its type, within its constraints."""
    annotation, more = _unwrap(annotation)
    metadata = [*metadata, *more]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (Union, types.UnionType):
        return st.one_of(*[plausible(a, metadata) for a in args if a is not type(None)])
    if origin is Literal:
        return st.sampled_from(args)
    if origin in (list, set, frozenset, tuple):
        return st.lists(
            plausible(args[0], []) if args else WORD, max_size=_limit(metadata, "max_length") or 5
        )
    if origin is dict:
        return st.dictionaries(WORD, plausible(args[1], []), max_size=4)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return body_of(annotation)
    if annotation is str:
        pattern = _limit(metadata, "pattern")
        if pattern:
            return st.from_regex(pattern, fullmatch=True)
        size = _limit(metadata, "max_length") or 40
        return st.text(
            st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=size
        )
    if annotation is bool:
        return st.booleans()
    if annotation in (int, float):
        low, high = _limit(metadata, "ge") or 0, _limit(metadata, "le") or 100
        numbers = st.integers(min_value=int(low), max_value=int(min(high, 10**6)))
        return numbers if annotation is int else numbers | st.floats(low, min(high, 10**6))
    return ANY_JSON


def wild(annotation: Any) -> st.SearchStrategy[Any]:
    """A value of the field's JSON shape, with none of its constraints — or any JSON at all."""
    annotation, _ = _unwrap(annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (Union, types.UnionType):
        shaped = st.one_of(*[wild(a) for a in args])
    elif origin is Literal:
        shaped = st.one_of(st.sampled_from(args), TEXT)
    elif origin in (list, set, frozenset, tuple):
        shaped = st.lists(wild(args[0]) if args else ANY_JSON, max_size=12)
    elif origin is dict:
        shaped = st.dictionaries(st.one_of(TEXT, WORD), wild(args[1]), max_size=12)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        shaped = body_of(annotation)
    else:
        shaped = {str: TEXT, bool: st.booleans(), int: NUMBER, float: NUMBER, type(None): st.none()}.get(
            annotation, ANY_JSON
        )
    return st.one_of(shaped, shaped, ANY_JSON)


def body_of(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    """An object with ``model``'s fields: the required ones mostly there, each value plausible
    or wild, now and then an unknown field."""
    fields = model.model_fields
    value = {n: st.one_of(plausible(i.annotation, i.metadata), wild(i.annotation)) for n, i in fields.items()}
    required = {n: value[n] for n, i in fields.items() if i.is_required()}
    optional = {n: value[n] for n, i in fields.items() if not i.is_required()}
    complete = st.fixed_dictionaries(required, optional=optional)
    partial = st.fixed_dictionaries({}, optional=value)
    extra = st.dictionaries(st.text(max_size=8), ANY_JSON, max_size=2)
    return st.one_of(
        complete, complete, complete, partial, st.builds(lambda a, b: {**b, **a}, complete, extra)
    )


def payload_of(model: type[BaseModel]) -> st.SearchStrategy[bytes]:
    """What is sent: mostly the model's JSON, sometimes other JSON, raw bytes, a huge body."""
    as_json = st.one_of(body_of(model), body_of(model), body_of(model), ANY_JSON).map(
        lambda value: json.dumps(value, allow_nan=True).encode()
    )
    odd = st.one_of(st.binary(max_size=64), st.just(b'{"x": "' + b"x" * 70_000 + b'"}'))
    return st.one_of(as_json, as_json, as_json, as_json, as_json, odd)


class Endpoint:
    """One body-reading endpoint: ``path`` may name ``{id}``, the resource made for the run."""

    def __init__(self, method: str, path: str, model: type[BaseModel]) -> None:
        self.method, self.path, self.model = method, path, model


def hammer(model: type[BaseModel], probe: Callable[[bytes], None]) -> None:
    """``probe`` every payload hypothesis makes for ``model``."""

    @BUDGET
    @given(payload=payload_of(model))
    def one(payload: bytes) -> None:
        probe(payload)

    one()


def check(status: int, before: Any, after: Any, sent: bytes, what: str) -> None:
    assert status < 500, (what, sent[:300])
    if 400 <= status < 500:
        assert after == before, (what, status, sent[:300])


class Expiring(list):  # type: ignore[type-arg]
    """Rows with a TTL: a row may vanish between two reads, never appear nor change."""

    def __eq__(self, before: object) -> bool:
        return isinstance(before, list) and all(set(now) <= set(then) for now, then in zip(self, before))

    __hash__ = None  # type: ignore[assignment]


def table_rows(cql: Any, *tables: str) -> list[list[tuple[Any, ...]]]:
    return [sorted((tuple(r) for r in cql.execute(f"SELECT * FROM {t}")), key=repr) for t in tables]


async def fuzz_asgi(
    app_client: Any, endpoints: list[Endpoint], state: Callable[[], Any], ids: dict[str, str]
) -> None:
    """Each endpoint's bodies through the in-process client. Hypothesis runs a plain function:
    it runs in a thread, sending each request to the test's event loop, free while it waits."""
    loop = asyncio.get_running_loop()

    def send(method: str, path: str, payload: bytes) -> Any:
        request = app_client.request(
            method, path, content=payload, headers={"content-type": "application/json"}
        )
        return asyncio.run_coroutine_threadsafe(request, loop).result(timeout=60)

    def probe(endpoint: Endpoint) -> Callable[[bytes], None]:
        path = endpoint.path.format(**ids)

        def one(payload: bytes) -> None:
            before = state()
            response = send(endpoint.method, path, payload)
            check(response.status_code, before, state(), payload, f"{endpoint.method} {path}")

        return one

    def run() -> None:
        for endpoint in endpoints:
            hammer(endpoint.model, probe(endpoint))

    started = time.monotonic()
    await asyncio.to_thread(run)
    assert time.monotonic() - started < 120


# --------------------------------------------------------------------------- the demos


async def post_json(app_client: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await app_client.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.demo("fastapi-catalog")
async def test_fastapi_catalog_survives_random_bodies(app_client, cql):
    from fastapi_catalog.bazaar import ProductIn, ReviewIn

    product = {"name": "Hub", "brand": "Acme", "category": "pets", "price": 1.5}
    made = await post_json(app_client, "/api/products", product)
    endpoints = [
        Endpoint("POST", "/api/products", ProductIn),
        Endpoint("PUT", "/api/products/{id}", ProductIn),
        Endpoint("POST", "/api/products/{id}/reviews", ReviewIn),
    ]
    state = lambda: table_rows(cql, "products", "products_by_category", "reviews")  # noqa: E731
    await fuzz_asgi(app_client, endpoints, state, {"id": made["id"]})


@pytest.mark.demo("ttl-sessions")
async def test_ttl_sessions_survives_random_bodies(app_client, cql):
    from ttl_sessions.app import NewSession, Refresh, SessionEdit

    made = await post_json(app_client, "/api/sessions", {"owner": "Ada", "memory": "rain", "ttl": 3600})
    endpoints = [
        Endpoint("POST", "/api/sessions", NewSession),
        Endpoint("PATCH", "/api/sessions/{id}", SessionEdit),
        Endpoint("POST", "/api/sessions/{id}/refresh", Refresh),
    ]
    state = lambda: Expiring(table_rows(cql, "memory_tokens"))  # noqa: E731
    await fuzz_asgi(app_client, endpoints, state, {"id": made["token"]})


@pytest.mark.demo("lwt-user-registry")
async def test_lwt_user_registry_survives_random_bodies(app_client, cql):
    from lwt_user_registry.registry import ProfileEdit, Registration

    await post_json(app_client, "/api/users", {"username": "neo", "display_name": "Neo", "email": "n@z.io"})
    endpoints = [
        Endpoint("POST", "/api/users", Registration),
        Endpoint("PATCH", "/api/users/neo", ProfileEdit),
    ]
    # a refused registration or stale edit is counted in battle_stats, by design: identities only
    await fuzz_asgi(app_client, endpoints, lambda: table_rows(cql, "identities"), {})


@pytest.mark.demo("realtime-counters")
async def test_realtime_counters_survives_random_bodies(app_client, cql):
    from realtime_counters.service import NewItem, Vote

    made = await post_json(app_client, "/api/items", {"name": "Grumpy Cat"})
    endpoints = [
        Endpoint("POST", "/api/items", NewItem),
        Endpoint("POST", "/api/items/{id}/increment", Vote),
        Endpoint("POST", "/api/items/{id}/decrement", Vote),
    ]
    await fuzz_asgi(app_client, endpoints, lambda: table_rows(cql, "items", "item_votes"), {"id": made["id"]})


@pytest.mark.demo("collections-tags")
async def test_collections_tags_survives_random_bodies(app_client, cql):
    from collections_tags.taxonomy import ArticleIn, MutationIn

    made = await post_json(app_client, "/api/articles", {"title": "Start", "tags": ["void"]})
    endpoints = [
        Endpoint("POST", "/api/articles", ArticleIn),
        Endpoint("POST", "/api/articles/{id}/mutations", MutationIn),
    ]
    await fuzz_asgi(app_client, endpoints, lambda: table_rows(cql, "articles"), {"id": made["id"]})


@pytest.mark.demo("django-taskboard")
def test_django_taskboard_survives_random_bodies(app_client, cql):
    from django_taskboard.board import MoveIn, TaskIn, TaskPatch

    made = app_client.post("/api/tasks", data=json.dumps({"title": "Start"}), content_type="application/json")
    assert made.status_code == 201, made.content
    task = made.json()["task"]["id"]

    def state() -> Any:
        return table_rows(cql, "tasks", "task_counters", "task_events")

    def probe(method: str, path: str) -> Callable[[bytes], None]:
        def one(payload: bytes) -> None:
            before = state()
            response = getattr(app_client, method)(path, data=payload, content_type="application/json")
            check(response.status_code, before, state(), payload, f"{method} {path}")

        return one

    started = time.monotonic()
    hammer(TaskIn, probe("post", "/api/tasks"))
    hammer(TaskPatch, probe("patch", f"/api/tasks/{task}"))
    hammer(MoveIn, probe("post", f"/api/tasks/{task}/move"))
    assert time.monotonic() - started < 120


@pytest.mark.demo("materialized-views")
async def test_materialized_views_survives_random_bodies(app_client, cql):
    from materialized_views.mirror import NewProduct, ProductEdit, Rename

    made = await post_json(
        app_client, "/api/products", {"name": "Orb", "brand": "Delphi", "category": "orbs", "price": 5.0}
    )
    sku = made["product"]["sku"]
    endpoints = [
        Endpoint("POST", "/api/products", NewProduct),
        Endpoint("PATCH", "/api/products/{id}", ProductEdit),
        Endpoint("PATCH", "/api/views/products_by_category/rows/{id}", Rename),  # always refused: 405
    ]
    state = lambda: table_rows(cql, "products", "products_by_category", "products_by_band")  # noqa: E731
    await fuzz_asgi(app_client, endpoints, state, {"id": sku})


@pytest.mark.demo("timeseries-iot")
async def test_timeseries_iot_survives_random_bodies(app_client, cql):
    from timeseries_iot.inputs import ReadingIn

    endpoints = [Endpoint("POST", "/api/readings", ReadingIn)]
    await fuzz_asgi(app_client, endpoints, lambda: table_rows(cql, "readings", "sensor_buckets"), {})


@pytest.mark.demo("polymorphic-cms")
async def test_polymorphic_cms_survives_random_bodies(app_client, cql):
    from polymorphic_cms.archive import ArticleIn, PodcastIn, ShortIn, VideoIn

    endpoints = [Endpoint("POST", "/api/content", form) for form in (ArticleIn, VideoIn, ShortIn, PodcastIn)]
    await fuzz_asgi(app_client, endpoints, lambda: table_rows(cql, "contents"), {})
