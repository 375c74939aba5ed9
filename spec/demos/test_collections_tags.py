"""collections-tags — "The Infinite Taxonomy": collection columns mutated over HTTP.

Articles have a ``set<text>`` of tags (secondary index), a ``list<text>`` lineage, a
``map<text, text>`` of props, a ``frozen<set<text>>`` origin and a ``frozen<byline>`` UDT.
Every mutation sent over HTTP must leave the column as the same operation on a plain
Python set/list/dict would; tag filtering (``CONTAINS`` through the index) returns exactly
the tagged articles; bad input is a 4xx with a message and writes nothing; the CQL of
each mutation kind is snapshotted.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from spec.assertions import assert_served_locally, eventually

pytestmark = pytest.mark.demo("collections-tags")

START = {
    "title": "The Paradox of Nothing",
    "tags": ["void", "paradox"],
    "lineage": ["Being", "Nothing", "Being"],
    "props": {"mood": "ominous", "era": "pre-void"},
    "author": {"name": "Archivist Ada", "email": "ada@tagmind.example"},
}


STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")  # UTC, to the millisecond
MS = timedelta(milliseconds=1)


def _remove_all(items: list[str], gone: list[str]) -> list[str]:
    return [x for x in items if x not in gone]


# (column, op, value sent, Python reference on the starting value)
MUTATIONS: list[tuple[str, str, Any, Callable[[Any], Any]]] = [
    ("tags", "add", ["cats", "void"], lambda s: s | {"cats", "void"}),
    ("tags", "remove", ["void", "not-there"], lambda s: s - {"void", "not-there"}),
    ("tags", "remove", ["void", "paradox"], lambda s: s - {"void", "paradox"}),
    ("lineage", "append", ["Mind", "Language"], lambda xs: xs + ["Mind", "Language"]),
    ("lineage", "prepend", ["Void", "Star"], lambda xs: ["Void", "Star"] + xs),
    ("lineage", "remove", ["Being"], lambda xs: _remove_all(xs, ["Being"])),
    ("props", "put", {"key": "mood", "value": "serene"}, lambda m: {**m, "mood": "serene"}),
    ("props", "put", ["labels", "47000000"], lambda m: {**m, "labels": "47000000"}),
    ("props", "update", {"era": "post-void", "size": "∞"}, lambda m: {**m, "era": "post-void", "size": "∞"}),
    (
        "props",
        "remove",
        ["era", "nobody"],
        lambda m: {k: v for k, v in m.items() if k not in {"era", "nobody"}},
    ),
    ("title", "set", "Nothing, Untangled", lambda _: "Nothing, Untangled"),
    ("origin", "set", ["genesis"], lambda _: {"genesis"}),
    ("author", "set", {"name": "TagMind", "email": ""}, lambda _: {"name": "TagMind", "email": ""}),
]


def _as_python(column: str, value: Any) -> Any:
    return set(value) if column in ("tags", "origin") else value


async def _create(client: Any, **changes: Any) -> dict[str, Any]:
    response = await client.post("/api/articles", json={**START, **changes})
    assert response.status_code == 201, response.text
    return response.json()


def _rows(cql: Any) -> list[Any]:
    return list(cql.execute("SELECT id, title, tags, lineage, props, origin FROM articles"))


# --------------------------------------------------------------------------- pages and the round trip


async def test_seeded_articles_fill_the_pages(seed, app_client, cql):
    assert seed(12) == 12
    assert len(_rows(cql)) == 12
    home = await app_client.get("/")
    assert home.status_code == 200
    text = home.text
    assert text.count('class="dk-card tx-article"') == 12
    assert "Tag cloud" in text and "tx-pill" in text
    assert_served_locally(text)
    listed = (await app_client.get("/api/articles")).json()["articles"]
    assert len(listed) == 12 and all(
        a["tags"] and a["lineage"] and a["props"] and a["author"] for a in listed
    )
    assert all(set(a["origin"]) == set(a["tags"]) for a in listed)  # born with their tags
    first = listed[0]
    assert html.escape(first["title"]) in text
    page = await app_client.get(f"/articles/{first['id']}")
    assert page.status_code == 200 and first["author"]["name"] in page.text
    assert all(f"#{t}" in page.text for t in first["tags"])
    cloud = (await app_client.get("/api/tags")).json()["tags"]
    total = sum(len(a["tags"]) for a in listed)
    assert sum(t["count"] for t in cloud) == total
    assert [t["count"] for t in cloud] == sorted((t["count"] for t in cloud), reverse=True)
    for path in ("/static/taxonomy.css", "/static/demokit/base.css", "/static/favicon.svg", "/healthz"):
        assert (await app_client.get(path)).status_code == 200, path
    css = (await app_client.get("/static/taxonomy.css")).text
    assert "#a78bfa" in css and "tx-float" in css


async def test_create_mutate_and_delete_through_the_forms(app_client, cql):
    created = await app_client.post(
        "/articles",
        data={
            "title": "A Cat Named Entropy",
            "tags": "cats, Entropy",
            "lineage": "Life, Mind",
            "props": "mood=curious",
            "author_name": "Ada",
            "author_email": "ada@example.org",
        },
    )
    assert created.status_code == 303
    url = created.headers["location"]
    page = await app_client.get(url)
    assert page.status_code == 200 and "A Cat Named Entropy" in page.text and "#entropy" in page.text

    added = await app_client.post(
        f"{url}/mutate", data={"column": "tags", "op": "add", "value": "time, cats"}
    )
    assert added.status_code == 200
    shown = html.unescape(added.text)
    assert "tags__add" in shown and """SET "tags" = "tags" + {'cats', 'time'}""" in shown
    put = await app_client.post(
        f"{url}/mutate", data={"column": "props", "op": "put", "key": "era", "value": "now"}
    )
    assert put.status_code == 200
    row = cql.execute("SELECT tags, origin, props, lineage FROM articles").one()
    assert set(row.tags) == {"cats", "entropy", "time"}
    assert set(row.origin) == {"cats", "entropy"}  # the frozen origin is untouched
    assert dict(row.props) == {"mood": "curious", "era": "now"} and list(row.lineage) == ["Life", "Mind"]

    listed = await app_client.get("/")
    assert "A Cat Named Entropy" in listed.text
    deleted = await app_client.post(f"{url}/delete")
    assert deleted.status_code == 303 and deleted.headers["location"] == "/"
    assert _rows(cql) == []
    assert (await app_client.get(url)).status_code == 404
    assert "A Cat Named Entropy" not in (await app_client.get("/")).text


async def test_a_removed_tag_shatters_and_the_form_still_works_without_javascript(app_client, cql):
    """Each tag pill has a ``×`` form (``tags__remove`` of that tag): taxonomy.js breaks the
    pill into shards first, then submits it; without JavaScript the same form posts as is."""
    article = await _create(app_client, tags=["void", "paradox", "cats"])
    page = (await app_client.get(f"/articles/{article['id']}")).text
    assert re.search(r'<script src="[^"]*/static/taxonomy\.js" defer></script>', page)
    assert_served_locally(page)
    rows = re.findall(
        r'<span class="tx-removable" data-pill-of="([^"]+)">(.*?)</span>\s*(?=<span class="tx-removable"|</div>)',
        page,
        re.S,
    )
    assert [tag for tag, _ in rows] == ["cats", "paradox", "void"]
    for tag, row in rows:  # a pill, and a plain form that removes just that tag
        assert f'href="/?tag={tag}"' in row and 'data-shatter data-tag="' + tag + '"' in row
        assert f'action="/articles/{article["id"]}/mutate"' in row
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', row))
        assert fields == {"column": "tags", "op": "remove", "value": tag}
    box = re.search(
        r'<form class="dk-card tx-op"[^>]*data-shatter>\s*<input type="hidden" name="column" value="(\w+)">'
        r'<input type="hidden" name="op" value="(\w+)">',
        page,
    )
    assert box.groups() == ("tags", "remove")  # the tags__remove box shatters what it names too

    # no JavaScript: the pill's form posts, the server answers the page without the tag
    removed = await app_client.post(
        f"/articles/{article['id']}/mutate", data={"column": "tags", "op": "remove", "value": "paradox"}
    )
    assert removed.status_code == 200 and "tags__remove" in removed.text
    assert 'data-pill-of="paradox"' not in removed.text and 'data-pill-of="void"' in removed.text
    assert set(cql.execute("SELECT tags FROM articles").one().tags) == {"cats", "void"}

    script = await app_client.get("/static/taxonomy.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    for hook in (
        "[data-shatter]",
        "data-pill-of",
        "tx-shatter",
        "tx-shard",
        "form.submit()",
        "prefers-reduced-motion",
    ):
        assert hook in script.text, hook
    css = (await app_client.get("/static/taxonomy.css")).text
    assert "@keyframes tx-shard" in css and "@keyframes tx-fly-in" in css and ".tx-pill.tx-shatter" in css


async def test_json_round_trip(app_client, cql):
    before = datetime.now(UTC)
    doc = await _create(app_client)
    created_at = datetime.fromisoformat(doc["created_at"])
    assert STAMP.fullmatch(doc["created_at"]) and before - MS <= created_at <= datetime.now(UTC)
    expected = {
        "id": doc["id"],
        "title": "The Paradox of Nothing",
        "tags": ["paradox", "void"],
        "lineage": ["Being", "Nothing", "Being"],
        "props": {"mood": "ominous", "era": "pre-void"},
        "origin": ["paradox", "void"],
        "author": {"name": "Archivist Ada", "email": "ada@tagmind.example"},
        "created_at": doc["created_at"],
    }
    assert doc == expected
    assert (await app_client.get(f"/api/articles/{doc['id']}")).json() == expected
    assert (await app_client.get("/api/articles")).json() == {"tag": None, "articles": [expected]}

    def indexed() -> None:
        found = cql.execute("SELECT id FROM articles WHERE tags CONTAINS 'void'")
        assert [str(r.id) for r in found] == [doc["id"]]

    eventually(indexed)  # a real cluster updates the index in the background
    tagged = (await app_client.get("/api/articles", params={"tag": "void"})).json()
    assert tagged == {"tag": "void", "articles": [expected]}
    mutated = await app_client.post(
        f"/api/articles/{doc['id']}/mutations", json={"column": "tags", "op": "add", "value": ["cats"]}
    )
    assert {k: v for k, v in mutated.json().items() if k != "cql"} == {
        "column": "tags",
        "op": "add",
        "before": ["paradox", "void"],
        "after": ["cats", "paradox", "void"],
        "article": {**expected, "tags": ["cats", "paradox", "void"]},
    }
    assert (await app_client.delete(f"/api/articles/{doc['id']}")).status_code == 204
    assert (await app_client.get(f"/api/articles/{doc['id']}")).status_code == 404
    assert _rows(cql) == []


# --------------------------------------------------------------------------- mutations = Python


@pytest.mark.parametrize(
    ("column", "op", "value", "reference"),
    MUTATIONS,
    ids=[f"{c}-{o}-{i}" for i, (c, o, _, _) in enumerate(MUTATIONS)],
)
async def test_each_mutation_matches_python(app_client, cql, column, op, value, reference):
    doc = await _create(app_client)
    before = _as_python(column, doc[column])
    expected = reference(before)
    response = await app_client.post(
        f"/api/articles/{doc['id']}/mutations", json={"column": column, "op": op, "value": value}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert _as_python(column, body["before"]) == before
    assert _as_python(column, body["after"]) == expected
    stored = (await app_client.get(f"/api/articles/{doc['id']}")).json()
    assert body["article"] == stored
    assert _as_python(column, stored[column]) == expected
    untouched = {k: v for k, v in doc.items() if k != column}
    assert {k: v for k, v in stored.items() if k != column} == untouched  # nothing else moved


async def test_a_sequence_of_mutations_matches_python(app_client):
    doc = await _create(app_client)
    state = {c: _as_python(c, doc[c]) for c in ("tags", "lineage", "props", "title", "origin", "author")}
    for column, op, value, reference in MUTATIONS:
        state[column] = reference(state[column])
        response = await app_client.post(
            f"/api/articles/{doc['id']}/mutations", json={"column": column, "op": op, "value": value}
        )
        assert response.status_code == 200, response.text
    stored = (await app_client.get(f"/api/articles/{doc['id']}")).json()
    assert {c: _as_python(c, stored[c]) for c in state} == state


async def test_each_mutation_kind_sends_this_cql(app_client, cql_recorder, snapshot):
    doc = await _create(app_client)
    cql_recorder.start()
    seen = set()
    for column, op, value, _ in MUTATIONS:
        if (column, op) in seen:
            continue
        seen.add((column, op))
        response = await app_client.post(
            f"/api/articles/{doc['id']}/mutations", json={"column": column, "op": op, "value": value}
        )
        assert response.status_code == 200, response.text
    assert cql_recorder.normalised() == snapshot


# --------------------------------------------------------------------------- tag filtering


async def test_tag_filtering_returns_exactly_the_tagged_articles(app_client, cql):
    plan = {
        "a": ["cats", "time"],
        "b": ["cats"],
        "c": ["time", "void"],
        "d": ["quantum"],
        "e": ["cats", "quantum", "void"],
    }
    ids = {
        name: (await _create(app_client, title=f"Entity {name}", tags=tags))["id"]
        for name, tags in plan.items()
    }
    # untag one and tag another, so the index must follow in-place mutations too
    await app_client.post(
        f"/api/articles/{ids['e']}/mutations", json={"column": "tags", "op": "remove", "value": ["cats"]}
    )
    await app_client.post(
        f"/api/articles/{ids['d']}/mutations", json={"column": "tags", "op": "add", "value": ["cats"]}
    )
    plan["e"].remove("cats")
    plan["d"].append("cats")

    for tag in ("cats", "time", "void", "quantum", "paradox"):
        want = {ids[n] for n, tags in plan.items() if tag in tags}

        def indexed(tag: str = tag, want: set[str] = want) -> None:
            got = {str(r.id) for r in cql.execute("SELECT id FROM articles WHERE tags CONTAINS %s", [tag])}
            assert got == want

        eventually(indexed)  # a real cluster updates the index in the background
        body = (await app_client.get("/api/articles", params={"tag": tag})).json()
        assert {a["id"] for a in body["articles"]} == want, tag
        page = await app_client.get("/", params={"tag": tag})
        assert page.status_code == 200
        assert page.text.count('class="dk-card tx-article"') == len(want)
        assert f"CONTAINS '{tag}'" in html.unescape(page.text)
    cloud = {t["tag"]: t["count"] for t in (await app_client.get("/api/tags")).json()["tags"]}
    assert cloud == {"cats": 3, "time": 2, "void": 2, "quantum": 2}  # nothing kept #paradox


async def test_tag_filter_sends_a_contains_query(app_client, cql_recorder, snapshot):
    await _create(app_client)
    cql_recorder.start()
    assert (await app_client.get("/api/articles", params={"tag": "void"})).status_code == 200
    assert cql_recorder.normalised() == snapshot


# --------------------------------------------------------------------------- bad input


BAD_MUTATIONS = [
    pytest.param({"column": "tags", "op": "append", "value": ["x"]}, "not a mutation", id="list-op-on-set"),
    pytest.param({"column": "origin", "op": "add", "value": ["x"]}, "not a mutation", id="frozen-in-place"),
    pytest.param({"column": "nope", "op": "add", "value": ["x"]}, "not a mutation", id="unknown-column"),
    pytest.param({"column": "tags", "op": "add", "value": []}, "at least one", id="no-tags"),
    pytest.param({"column": "tags", "op": "add", "value": ["Bad Tag!"]}, "is not a tag", id="bad-tag"),
    pytest.param(
        {"column": "tags", "op": "add", "value": [str(i) for i in range(11)]}, "too many", id="too-many"
    ),
    pytest.param({"column": "tags", "op": "add", "value": [42]}, "must be a string", id="tag-not-string"),
    pytest.param({"column": "tags", "op": "add", "value": 42}, "list of strings", id="tags-not-list"),
    pytest.param({"column": "lineage", "op": "append", "value": ["x" * 61]}, "61 characters", id="too-long"),
    pytest.param(
        {"column": "props", "op": "put", "value": {"key": "Bad Key", "value": "v"}}, "not a key", id="bad-key"
    ),
    pytest.param({"column": "props", "op": "put", "value": "no-equals"}, "key=value", id="put-no-pair"),
    pytest.param(
        {"column": "props", "op": "update", "value": {"k": 1}}, "must be a string", id="map-int-value"
    ),
    pytest.param({"column": "title", "op": "set", "value": "   "}, "empty", id="blank-title"),
    pytest.param(
        {"column": "author", "op": "set", "value": {"name": "A", "email": "nope"}}, "email", id="bad-email"
    ),
    pytest.param({"column": "tags", "op": "add"}, "needs a value", id="no-value"),
    # strict JSON: a form's text ("a, b", "k=v", "Name <email>") is no list, pair or byline
    pytest.param({"column": "tags", "op": "add", "value": "cats"}, "list of strings", id="tags-as-text"),
    pytest.param({"column": "props", "op": "put", "value": "k=v"}, "put takes", id="pair-as-text"),
    pytest.param(
        {"column": "author", "op": "set", "value": "Ada <a@b.c>"}, "The author is", id="byline-text"
    ),
    pytest.param({"column": "tags", "op": "add", "value": ["ca\x00ts"]}, "control characters", id="nul-tag"),
    pytest.param({"column": "title", "op": "set", "value": "T\x00"}, "control characters", id="nul-title"),
    pytest.param(
        {"column": "tags", "op": "add", "value": ["x"], "why": 1}, "why: is not a field", id="extra"
    ),
]


@pytest.mark.parametrize(("body", "message"), BAD_MUTATIONS)
async def test_bad_mutations_are_422_and_change_nothing(app_client, cql, body, message):
    doc = await _create(app_client)
    before = _rows(cql)
    response = await app_client.post(f"/api/articles/{doc['id']}/mutations", json=body)
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]
    assert _rows(cql) == before


BAD_CREATES = [
    pytest.param({"tags": ["a"]}, "title: Field required", id="missing-title"),
    pytest.param({"title": 7}, "title: Input should be a valid string", id="title-not-string"),
    pytest.param({"title": "x" * 121}, "121 characters", id="title-too-long"),
    pytest.param({"title": "t", "tags": ["ok", "NOT OK"]}, "is not a tag", id="bad-tag"),
    # a string is no set of tags, nor is null (they used to be stored as {"cats"} and {})
    pytest.param({"title": "t", "tags": "cats"}, "tags: Input should be a valid array", id="tags-string"),
    pytest.param({"title": "t", "tags": None}, "tags: Input should be a valid array", id="tags-null"),
    pytest.param(
        {"title": "t", "lineage": "Life, Mind"}, "lineage: Input should be a valid array", id="lineage-text"
    ),
    pytest.param({"title": "t", "props": ["a"]}, "props: Input should be an object", id="props-not-object"),
    pytest.param(
        {"title": "t", "props": {"k": 1}}, "props.k: Input should be a valid string", id="props-int-value"
    ),
    pytest.param({"title": "t", "colour": "red"}, "colour: is not a field of this form", id="unknown-field"),
    pytest.param({"title": "t", "author": {"name": ""}}, "name is empty", id="author-no-name"),
    pytest.param({"title": "t", "author": "Ada <a@b.c>"}, "author: Input should be", id="author-text"),
    pytest.param({"title": "T\x00"}, "title: must not hold control characters", id="nul-title"),
    pytest.param({"title": "t", "props": {"k": "v\x00"}}, "must not hold control characters", id="nul-prop"),
]


@pytest.mark.parametrize(("body", "message"), BAD_CREATES)
async def test_bad_creates_are_422_and_write_nothing(app_client, cql, body, message):
    response = await app_client.post("/api/articles", json=body)
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]
    assert _rows(cql) == []


async def test_bad_ids_and_bodies(app_client, cql):
    await app_client.get("/")  # the table exists
    unknown = "00000000-0000-0000-0000-000000000000"
    for method, path, status, message in [
        ("GET", "/api/articles/not-a-uuid", 422, "not an article id"),
        ("GET", f"/api/articles/{unknown}", 404, "No article"),
        ("DELETE", f"/api/articles/{unknown}", 404, "No article"),
        ("DELETE", "/api/articles/123", 422, "not an article id"),
        ("POST", f"/api/articles/{unknown}/mutations", 404, "No article"),
        ("POST", "/api/articles/zz/mutations", 422, "not an article id"),
    ]:
        body = {"column": "tags", "op": "add", "value": ["x"]} if method == "POST" else None
        response = await app_client.request(method, path, json=body)
        assert response.status_code == status, (method, path)
        assert message in response.json()["detail"]
    bad_json = await app_client.post(
        "/api/articles", content=b"{oops", headers={"content-type": "application/json"}
    )
    assert bad_json.status_code == 400 and "not valid JSON" in bad_json.json()["detail"]
    for body in (["tags", "add"], "just a string"):
        for path in ("/api/articles", f"/api/articles/{unknown}/mutations"):
            response = await app_client.post(path, json=body)
            assert response.status_code == 400 and "send a JSON object" in response.json()["detail"]
    assert (await app_client.get("/api/articles", params={"tag": "NO WAY"})).status_code == 422
    page = await app_client.get("/", params={"tag": "NO WAY"})
    assert page.status_code == 422 and 'role="alert"' in page.text
    assert (await app_client.get(f"/articles/{unknown}")).status_code == 404
    assert (await app_client.get("/articles/nope")).status_code == 422
    assert _rows(cql) == []


async def test_bad_forms_show_the_message_and_write_nothing(app_client, cql):
    page = await app_client.post("/articles", data={"title": "", "tags": "x"})
    assert page.status_code == 422 and "The title is empty" in page.text and 'role="alert"' in page.text
    nul = await app_client.post("/articles", data={"title": "Null\x00", "tags": "x"})
    assert nul.status_code == 422 and "must not hold control characters" in nul.text
    assert _rows(cql) == []
    doc = await _create(app_client)
    before = _rows(cql)
    bad = await app_client.post(
        f"/articles/{doc['id']}/mutate", data={"column": "tags", "op": "add", "value": "B A D"}
    )
    assert bad.status_code == 422 and "is not a tag" in bad.text and 'role="alert"' in bad.text
    assert _rows(cql) == before


# --------------------------------------------------------------------------- seeding


def test_a_feed_loads_and_a_bad_feed_is_a_one_line_error(seed, tmp_path: Path, cql):
    from demokit.seed import FeedError

    good = tmp_path / "articles.csv"
    good.write_text(
        'title,tags,lineage,props,author\nOn Cats,"cats, time","Life, Mind",mood=curious,Ada <ada@x.org>\n'
    )
    assert seed(feed=good) == 1
    row = cql.execute("SELECT title, tags, lineage, props, origin, author FROM articles").one()
    assert (row.title, set(row.tags), list(row.lineage), dict(row.props)) == (
        "On Cats",
        {"cats", "time"},
        ["Life", "Mind"],
        {"mood": "curious"},
    )
    assert set(row.origin) == {"cats", "time"} and row.author.name == "Ada"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"title": "ok"}, {"title": "x", "tags": ["Not A Tag"]}]))
    with pytest.raises(FeedError, match=r"record 2: tags.*: Tag 'not a tag' is not a tag") as info:
        seed(feed=bad)
    assert "\n" not in info.value.format_message()
    missing = tmp_path / "missing.json"
    missing.write_text(json.dumps([{"tags": ["a"]}]))
    with pytest.raises(FeedError, match="record 1 lacks title"):
        seed(feed=missing)
    assert len(_rows(cql)) == 1
