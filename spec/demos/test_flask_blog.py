"""flask-blog — "The Propaganda Engine": a Flask blog on coodie's sync API, driven over HTTP.

Posts live in one partition clustered by a time UUID in descending order, so the feed is
newest first without sorting; ``fetch_size`` + the driver's paging state page through it,
and the "next page" link carries that state signed (a changed token is a 400). Tags are a
``set<text>`` on the post plus a ``posts_by_tag`` query table kept in step in one logged
batch. Every bad form, id or token is a 4xx with a message and nothing written; the CQL of
each main action is snapshotted.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from spec.assertions import eventually

pytestmark = pytest.mark.demo("flask-blog")

PAGE = 9  # the app's default page size
CARD = re.compile(r'<article class="pe-card')
NEXT = re.compile(r'rel="next" href="([^"]+)"')
TIMES = re.compile(r'<article class="pe-card.*?<time datetime="([^"]+)"', re.S)


def count(cql: Any, table: str) -> int:
    return cql.execute(f"SELECT COUNT(*) FROM {table}").one()[0]


def rows(cql: Any, table: str) -> int:
    return len(list(cql.execute(f"SELECT * FROM {table}")))


def tables(cql: Any) -> dict[str, int]:
    return {t: rows(cql, t) for t in ("posts", "posts_by_tag", "comments")}


def post_id_of(location: str) -> str:
    match = re.fullmatch(r"/posts/([0-9a-f-]{36})", location)
    assert match, location
    return match.group(1)


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    """Six posts an hour apart (the newest last), tagged so #truth holds four of them."""
    start = datetime.now(UTC) - timedelta(days=1)
    records = [
        {
            "title": f"Counter-broadcast {n}",
            "body": f"The truth, part {n}.",
            "author": "Captain Jinja",
            "tags": ["truth", "jinja"] if n % 3 else ["memory"],
            "mind_controlled": n == 5,
            "created_at": (start + timedelta(hours=n)).isoformat(),
        }
        for n in range(1, 7)
    ]
    path = tmp_path / "posts.json"
    path.write_text(json.dumps(records))
    return path


# --------------------------------------------------------------------------- pages


def test_the_feed_is_newest_first_and_pages_with_a_signed_token(seed, app_client, cql):
    assert seed(20) == 20
    first = app_client.get("/")
    assert first.status_code == 200
    html = first.text
    assert len(CARD.findall(html)) == PAGE
    times = TIMES.findall(html)
    assert times == sorted(times, reverse=True)  # the clustering order, no sort in the app
    next_link = NEXT.search(html).group(1)
    assert re.fullmatch(r"/\?page=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", next_link)  # URL-safe base64, signed
    second = app_client.get(next_link)
    assert second.status_code == 200 and len(CARD.findall(second.text)) == PAGE
    later = TIMES.findall(second.text)
    assert later == sorted(later, reverse=True) and later[0] <= times[-1]
    third = app_client.get(NEXT.search(second.text).group(1))
    assert len(CARD.findall(third.text)) == 2
    assert NEXT.search(third.text) is None and "the end of the archive" in third.text
    assert "⏮ newest" in third.text and "paging state" in third.text
    assert count(cql, "posts") == 20


def test_paging_through_the_api_sees_every_post_once(seed, app_client, cql):
    seed(23)
    seen: list[str] = []
    url = "/api/posts"
    while url:
        body = app_client.get(url).get_json()
        seen += [p["id"] for p in body["posts"]]
        url = f"/api/posts?page={body['next']}" if body["next"] else ""
    assert len(seen) == len(set(seen)) == 23
    stored = {str(r.id) for r in cql.execute("SELECT id FROM posts")}
    assert set(seen) == stored


def test_seeded_posts_comments_and_tags_are_on_the_pages(seed, feed, app_client, cql):
    assert seed(feed=feed) == 6
    home = app_client.get("/").text
    titles = re.findall(r'<h2><a href="/posts/[^"]+">([^<]+)</a>', home)
    assert titles == [f"Counter-broadcast {n}" for n in range(6, 0, -1)]  # newest first
    assert home.count("🧠 MIND-CONTROLLED") == 1 and 'class="pe-card pe-mind"' in home
    tagged = app_client.get("/tags/truth")
    assert tagged.status_code == 200
    assert re.findall(r'<h2><a href="/posts/[^"]+">([^<]+)</a>', tagged.text) == [
        "Counter-broadcast 5",
        "Counter-broadcast 4",
        "Counter-broadcast 2",
        "Counter-broadcast 1",
    ]
    assert app_client.get("/api/posts?tag=memory").get_json()["posts"][0]["title"] == "Counter-broadcast 6"
    assert "No post carries #nothing-here" in app_client.get("/tags/nothing-here").text
    assert rows(cql, "posts_by_tag") == 4 * 2 + 2
    # generated posts come with comments, shown on their page
    seed(8)
    with_comments = cql.execute("SELECT post_id FROM comments LIMIT 1").one()
    if with_comments is not None:  # 0–4 comments each: almost always some
        page = app_client.get(f"/posts/{with_comments.post_id}")
        assert page.status_code == 200 and 'class="dk-card pe-comment"' in page.text


def test_every_page_renders_from_local_assets(app_client, seed):
    seed(3)
    for url in ("/", "/posts/new", "/tags/truth", "/healthz", "/api/posts"):
        assert app_client.get(url).status_code == 200, url
    assert app_client.get("/healthz").get_json()["ok"] is True
    html = app_client.get("/").text
    assert 'href="/static/demokit/base.css"' in html and 'href="/static/blog.css"' in html
    assert "THE PROPAGANDA ENGINE" in html and 'name="viewport"' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from a CDN
    css = app_client.get("/static/blog.css")
    assert css.status_code == 200 and "--magenta: #f472b6" in css.text and "clip-path" in css.text
    assert app_client.get("/static/demokit/base.css").status_code == 200
    assert app_client.get("/static/favicon.svg").status_code == 200


# --------------------------------------------------------------------------- round trip


def test_create_list_edit_comment_delete_round_trip(app_client, cql, seed):
    seed(2)
    form = app_client.get("/posts/new")
    assert form.status_code == 200 and 'action="/posts"' in form.text
    created = app_client.post(
        "/posts",
        data={
            "title": "Editor-X Lied About the Moon",
            "author": "Captain Jinja",
            "body": "First paragraph.\n\nSecond paragraph.",
            "tags": "truth, #Moon, truth",
        },
    )
    assert created.status_code == 303
    post_id = post_id_of(created.headers["Location"])
    assert uuid.UUID(post_id).version == 1  # a time UUID: the clustering key

    home = app_client.get("/").text
    assert "Published" in home  # the flash message of the redirect
    assert (
        re.search(r'<h2><a href="/posts/[^"]+">([^<]+)</a>', home).group(1) == "Editor-X Lied About the Moon"
    )
    page = app_client.get(f"/posts/{post_id}")
    assert page.status_code == 200 and "#moon" in page.text and "Second paragraph." in page.text
    assert {
        r.tag
        for r in cql.execute(
            "SELECT tag FROM posts_by_tag WHERE post_id = %s ALLOW FILTERING", [uuid.UUID(post_id)]
        )
    } == {"truth", "moon"}

    edit = app_client.get(f"/posts/{post_id}/edit")
    assert edit.status_code == 200 and 'value="moon, truth"' in edit.text
    saved = app_client.post(
        f"/posts/{post_id}/edit",
        data={
            "title": "Editor-X Lied About the Moon (updated)",
            "author": "Captain Jinja",
            "body": "Now with evidence.",
            "tags": "truth, evidence",
            "mind_controlled": "on",
        },
    )
    assert saved.status_code == 303 and saved.headers["Location"] == f"/posts/{post_id}"
    row = cql.execute(
        "SELECT * FROM posts WHERE blog = 'dimension-2' AND id = %s", [uuid.UUID(post_id)]
    ).one()
    assert row.title.endswith("(updated)") and row.tags == {"truth", "evidence"} and row.mind_controlled
    assert row.updated_at is not None
    assert "Editor-X Lied" not in app_client.get("/tags/moon").text  # its tag row is gone
    assert "Editor-X Lied" in app_client.get("/tags/evidence").text

    commented = app_client.post(f"/posts/{post_id}/comments", data={"author": "Rin", "body": "I remember!"})
    assert commented.status_code == 303
    app_client.post(f"/posts/{post_id}/comments", data={"author": "Oz", "body": "Me too."})
    page = app_client.get(f"/posts/{post_id}").text
    assert "2 comments" in page and page.index("Me too.") < page.index("I remember!")  # newest first

    deleted = app_client.post(f"/posts/{post_id}/delete")
    assert deleted.status_code == 303 and deleted.headers["Location"] == "/"
    assert "Deleted" in app_client.get("/").text
    assert app_client.get(f"/posts/{post_id}").status_code == 404
    pid = uuid.UUID(post_id)
    assert cql.execute("SELECT * FROM posts WHERE blog = 'dimension-2' AND id = %s", [pid]).one() is None
    assert cql.execute("SELECT * FROM comments WHERE post_id = %s", [pid]).one() is None
    assert cql.execute("SELECT * FROM posts_by_tag WHERE tag = 'evidence'").one() is None
    assert count(cql, "posts") == 2


def test_the_api_answers_every_field_of_a_post(seed, tmp_path, app_client, cql):
    record = {
        "title": "The Whole Truth",
        "body": "Line one.\n\nLine two.",
        "author": "Captain Jinja",
        "tags": ["truth", "memory"],
        "mind_controlled": True,
        "created_at": "2021-05-01T12:00:00.123+00:00",
    }
    path = tmp_path / "posts.json"
    path.write_text(json.dumps([record]))
    assert seed(feed=path) == 1
    post_id = cql.execute("SELECT id FROM posts").one().id
    before = datetime.now(UTC)
    edit = {**record, "tags": "truth, memory, evidence", "mind_controlled": "on"}
    del edit["created_at"]  # not a field of the form: refused (extra="forbid")
    assert app_client.post(f"/posts/{post_id}/edit", data=edit).status_code == 303  # sets updated_at
    after = datetime.now(UTC)

    body = app_client.get("/api/posts").get_json()
    updated_at = body["posts"][0]["updated_at"]
    assert before - timedelta(milliseconds=1) <= datetime.fromisoformat(updated_at) <= after  # UTC: ends in Z
    expected = {
        "id": str(post_id),
        "title": "The Whole Truth",
        "body": "Line one.\n\nLine two.",
        "author": "Captain Jinja",
        "tags": ["evidence", "memory", "truth"],
        "mind_controlled": True,
        "created_at": "2021-05-01T12:00:00.123000Z",
        "updated_at": updated_at,
    }
    assert body == {"posts": [expected], "next": None}
    for tag in ("evidence", "memory"):
        assert app_client.get(f"/api/posts?tag={tag}").get_json() == {"posts": [expected], "next": None}


# --------------------------------------------------------------------------- authors (secondary index)

TITLES = re.compile(r'<h2><a href="/posts/[^"]+">([^<]+)</a>')


def author_feed(tmp_path: Path, authors: list[str]) -> Path:
    """One post per entry of ``authors``, an hour apart, the last the newest."""
    start = datetime.now(UTC) - timedelta(days=2)
    records = [
        {
            "title": f"Dispatch {n}",
            "body": f"Part {n}.",
            "author": who,
            "created_at": (start + timedelta(hours=n)).isoformat(),
        }
        for n, who in enumerate(authors, start=1)
    ]
    path = tmp_path / "authors.json"
    path.write_text(json.dumps(records))
    return path


def test_an_authors_page_lists_their_posts_newest_first_through_the_index(seed, tmp_path, app_client, cql):
    odd = "Dr. O'Neil / Ops"  # a quote and a slash: the link and the CQL literal still hold
    authors = [
        "Captain Jinja",
        "Editor-X",
        "Captain Jinja",
        odd,
        "Captain Jinja",
        "Editor-X",
        "Captain Jinja",
    ]
    assert seed(feed=author_feed(tmp_path, authors)) == 7
    home = app_client.get("/").text
    assert home.count('href="/authors/Captain%20Jinja"') == 4  # every card links its author

    def jinja_page() -> str:
        page = app_client.get("/authors/Captain Jinja")
        assert page.status_code == 200
        assert TITLES.findall(page.text) == ["Dispatch 7", "Dispatch 5", "Dispatch 3", "Dispatch 1"]
        return page.text

    page = eventually(jinja_page)  # a real cluster updates the index in the background
    assert "Posts by" in page and "secondary index" in page
    assert """.posts WHERE "author" = 'Captain Jinja';""" in html.unescape(page)
    times = TIMES.findall(page)
    assert times == sorted(times, reverse=True)  # the index answers in the table's order

    odd_link = html.unescape(re.search(r'href="(/authors/Dr[^"]+)"', home).group(1))
    odd_page = app_client.get(odd_link)
    assert odd_page.status_code == 200 and TITLES.findall(odd_page.text) == ["Dispatch 4"]
    assert "WHERE \"author\" = 'Dr. O''Neil / Ops'" in html.unescape(odd_page.text)
    post_id = cql.execute("SELECT id FROM posts WHERE author = %s", [odd]).one().id
    assert odd_link in html.unescape(app_client.get(f"/posts/{post_id}").text)  # the post page links it too

    api = app_client.get("/api/posts", query_string={"author": "Editor-X"}).get_json()
    assert [p["title"] for p in api["posts"]] == ["Dispatch 6", "Dispatch 2"] and api["next"] is None
    assert {p["author"] for p in api["posts"]} == {"Editor-X"}
    nobody = app_client.get("/authors/Nobody")
    assert nobody.status_code == 200 and "Nobody has published nothing" in nobody.text


def test_seeded_posts_share_a_crew_of_authors(seed, app_client, cql):
    seed(30)
    by_author: dict[str, set[str]] = {}
    for row in cql.execute("SELECT id, author FROM posts"):
        by_author.setdefault(row.author, set()).add(str(row.id))
    assert 2 <= len(by_author) <= 8
    assert max(len(ids) for ids in by_author.values()) >= 4  # 30 posts over at most 8 authors

    def every_author_finds_exactly_theirs() -> None:
        for author, ids in by_author.items():
            seen, url = [], "/api/posts"
            params: dict[str, str] = {"author": author}
            while url:
                body = app_client.get(url, query_string=params).get_json()
                seen += [p["id"] for p in body["posts"]]
                params = {"author": author, "page": body["next"]} if body["next"] else {}
                url = "/api/posts" if body["next"] else ""
            assert len(seen) == len(set(seen)) and set(seen) == ids, author

    eventually(every_author_finds_exactly_theirs)


def test_an_authors_posts_page_with_a_token_of_their_own(seed, tmp_path, app_client):
    assert seed(feed=author_feed(tmp_path, ["Rin"] * 11 + ["Oz"] * 2)) == 13
    first = eventually(lambda: _with_next(app_client.get("/authors/Rin").text))
    assert len(CARD.findall(first)) == PAGE
    link = html.unescape(NEXT.search(first).group(1))
    assert link.startswith("/authors/Rin?page=")
    second = app_client.get(link)
    assert TITLES.findall(second.text) == ["Dispatch 2", "Dispatch 1"] and NEXT.search(second.text) is None
    token = link.split("page=", 1)[1]
    # a token of Rin's listing is no token of Oz's, nor of the feed's, nor of a tag's
    for url, params in [
        ("/authors/Oz", {}),
        ("/", {}),
        ("/tags/truth", {}),
        ("/api/posts", {"author": "Oz"}),
    ]:
        response = app_client.get(url, query_string={**params, "page": token})
        assert response.status_code == 400 and "Bad page link" in response.text, url
    api = app_client.get("/api/posts", query_string={"author": "Rin", "page": token}).get_json()
    assert [p["title"] for p in api["posts"]] == ["Dispatch 2", "Dispatch 1"]


def _with_next(page: str) -> str:
    assert NEXT.search(page), "no next page yet"
    return page


def test_editing_the_author_moves_the_post_between_author_pages(app_client, cql):
    created = app_client.post("/posts", data=GOOD | {"author": "Rin"})
    post_id = post_id_of(created.headers["Location"])

    def listed(author: str) -> list[str]:
        return [
            p["id"] for p in app_client.get("/api/posts", query_string={"author": author}).get_json()["posts"]
        ]

    def on_rins() -> None:
        assert listed("Rin") == [post_id]

    eventually(on_rins)
    assert app_client.post(f"/posts/{post_id}/edit", data=GOOD | {"author": "Oz"}).status_code == 303

    def moved() -> None:  # the index follows the edit: no query table to fix by hand
        assert listed("Rin") == [] and listed("Oz") == [post_id]

    eventually(moved)
    assert app_client.post(f"/posts/{post_id}/delete").status_code == 303

    def gone() -> None:
        assert listed("Oz") == []

    eventually(gone)


@pytest.mark.parametrize(
    "url",
    [
        "/authors/" + "a" * 41,
        "/authors/%20Rin",
        "/authors/Rin%09Oz",
        "/api/posts?author=",
        "/api/posts?author=Rin%00",
        "/api/posts?author=Rin&tag=truth",
    ],
)
def test_a_bad_author_is_a_400(app_client, url):
    response = app_client.get(url)
    assert response.status_code == 400
    assert "is not an author name" in response.text or "not both" in response.text


# --------------------------------------------------------------------------- bad input

GOOD = {"title": "A title", "author": "Someone", "body": "Some body.", "tags": "truth"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"title": None}, "The title is missing", id="no-title"),
        pytest.param({"title": "   "}, "The title is empty", id="blank-title"),
        pytest.param({"title": "x" * 121}, "The title is 121 characters long", id="long-title"),
        pytest.param({"author": None}, "The author is missing", id="no-author"),
        pytest.param({"author": "a" * 41}, "the limit is 40", id="long-author"),
        pytest.param({"body": ""}, "The body is empty", id="empty-body"),
        pytest.param({"body": "b" * 10_001}, "the limit is 10,000", id="long-body"),
        pytest.param({"body": "bad \x00 byte"}, "control characters", id="control-chars"),
        pytest.param({"tags": "good, BAD!tag"}, "is not allowed", id="bad-tag"),
        pytest.param({"tags": "t" * 25}, "at most 24 characters", id="long-tag"),
        pytest.param(
            {"tags": ",".join(f"t{i}" for i in range(9))}, "9 tags given; at most 8", id="too-many-tags"
        ),
        pytest.param({"mind_controlled": "maybe"}, "must be a checkbox value", id="bad-checkbox"),
        pytest.param(
            {"title": "A\x00title"},
            "must not hold control characters or line breaks (found U+0000)",
            id="nul-title",
        ),
        pytest.param(
            {"title": "A\ttitle"}, "must not hold control characters or line breaks", id="tab-title"
        ),
        pytest.param({"author": "Rin\x1b[2J"}, "must not hold control characters", id="escape-author"),
        pytest.param({"published": "yes"}, "published: is not a field of this form", id="unknown-field"),
    ],
)
def test_a_bad_post_form_is_a_422_and_nothing_is_written(app_client, cql, seed, change, message):
    seed(2)
    before = tables(cql)
    data = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    created = app_client.post("/posts", data=data)
    assert created.status_code == 422
    assert message in created.text and "Nothing was saved" in created.text
    post_id = cql.execute("SELECT id FROM posts LIMIT 1").one().id
    edited = app_client.post(f"/posts/{post_id}/edit", data=data)
    assert edited.status_code == 422 and message in edited.text
    assert tables(cql) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({"body": "hi"}, "Your name is missing", id="no-name"),
        pytest.param({"author": "Rin", "body": ""}, "The comment is empty", id="empty"),
        pytest.param({"author": "Rin", "body": "c" * 2001}, "the limit is 2,000", id="too-long"),
        pytest.param({"author": "Rin", "body": "null \x00 byte"}, "must not hold control", id="nul"),
    ],
)
def test_a_bad_comment_is_a_422_and_nothing_is_written(app_client, cql, seed, data, message):
    seed(1)
    before = tables(cql)
    post_id = cql.execute("SELECT id FROM posts LIMIT 1").one().id
    response = app_client.post(f"/posts/{post_id}/comments", data=data)
    assert response.status_code == 422 and message in response.text
    assert tables(cql) == before


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/posts/not-a-uuid"),
        ("GET", "/posts/51bed7da-4f34-461c-ba0e-1449206920bb"),  # a v4 UUID: never a post id
        ("GET", "/posts/4f0e2f10-0000-11f1-8000-000000000000"),  # a time UUID nobody wrote
        ("GET", "/posts/not-a-uuid/edit"),
        ("POST", "/posts/not-a-uuid/edit"),
        ("POST", "/posts/51ef35d6-e73c-11f1-a4a9-02fc00000001/delete"),  # a time UUID no post has
        ("POST", "/posts/12345/comments"),
        ("GET", "/nowhere"),
    ],
)
def test_unknown_or_malformed_ids_are_404(app_client, cql, seed, method, url):
    seed(2)
    before = tables(cql)
    response = app_client.open(url, method=method, data=GOOD | {"body": "x"})
    assert response.status_code == 404
    assert "404" in response.text and 'role="alert"' in response.text
    assert tables(cql) == before


def test_a_tampered_or_foreign_page_token_is_a_400(app_client, seed):
    seed(12)
    token = NEXT.search(app_client.get("/").text).group(1).split("page=", 1)[1]
    state, mac = token.split(".")
    flipped = ("B" if state[5] != "B" else "C").join([state[:5], state[6:]])
    bad = [
        f"{flipped}.{mac}",  # a changed state would silently move the cursor: refused
        f"{state}.{mac[:-2]}AA",
        f"{state}.",
        state,
        "!!!.???",
        "x" * 3000,
        f"{state}.{mac}.{mac}",
    ]
    for value in bad:
        page = app_client.get("/", query_string={"page": value})
        assert page.status_code == 400, value
        assert "Bad page link" in page.text
        api = app_client.get("/api/posts", query_string={"page": value})
        assert api.status_code == 400 and "Bad page link" in api.get_json()["error"]
    # a valid token of the feed is not a token of a tag's listing
    assert app_client.get("/tags/truth", query_string={"page": token}).status_code == 400
    assert app_client.get("/", query_string={"page": token}).status_code == 200


@pytest.mark.parametrize(
    "url", ["/tags/BAD!", "/tags/-dash-first", "/api/posts?tag=Nope%20Nope", "/tags/" + "t" * 30]
)
def test_a_bad_tag_is_a_400(app_client, url):
    response = app_client.get(url)
    assert response.status_code == 400
    assert "is not a tag" in response.text


def test_a_too_big_form_is_refused(app_client, cql, seed):
    seed(1)
    before = tables(cql)
    response = app_client.post("/posts", data=GOOD | {"body": "x" * 70_000})
    assert response.status_code == 413
    assert tables(cql) == before


# --------------------------------------------------------------------------- seed


def test_a_csv_feed_is_loaded_with_its_tags(seed, tmp_path, cql):
    path = tmp_path / "posts.csv"
    path.write_text(
        'title,body,author,tags,created_at\n"Hello, Dimension-2",Body text,Rin,"truth; memory",2021-05-01T12:00:00\n'
        "No author,Another body,,,\n"
    )
    assert seed(feed=path) == 2
    by_title = {r.title: r for r in cql.execute("SELECT title, author, tags FROM posts")}
    assert by_title["Hello, Dimension-2"].tags == {"truth", "memory"}
    assert by_title["No author"].author == "Anonymous" and not by_title["No author"].tags
    assert rows(cql, "posts_by_tag") == 2


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([{"title": "t"}], r"record 1 lacks body"),
        (
            [{"title": "ok", "body": "b"}, {"title": "x" * 200, "body": "b"}],
            r"record 2: title: The title is 200",
        ),
        ([{"title": "t", "body": "b", "tags": "NOT A TAG!"}], r"record 1: tags: Tag 'not' |record 1: tags:"),
        (
            [{"title": "t", "body": "b", "created_at": "yesterday"}],
            r"created_at 'yesterday' is not an ISO 8601 date",
        ),
        ([{"title": "t", "body": "b", "created_at": "2999-01-01"}], r"in the future"),
    ],
)
def test_a_bad_feed_is_a_one_line_error_and_writes_nothing(seed, demo_app, tmp_path, cql, records, message):
    from demokit.seed import FeedError

    path = tmp_path / "bad.json"
    path.write_text(json.dumps(records))
    with pytest.raises(FeedError, match=message) as caught:
        seed(feed=path)
    assert "\n" not in str(caught.value)
    assert rows(cql, "posts") == 0


def test_the_seed_cli_refuses_a_bad_count(demo):
    from click.testing import CliRunner

    demo.on_path()
    from flask_blog.seed import cli

    result = CliRunner().invoke(cli, ["--count", "0"])
    assert result.exit_code != 0 and "--count must be between 1 and" in result.output


# --------------------------------------------------------------------------- the CQL


def test_the_cql_of_each_action(app_client, cql_recorder, snapshot):
    cql_recorder.start()  # one post, so the tag page's IN list has one id
    created = app_client.post("/posts", data=GOOD | {"tags": "truth, memory"})
    post_id = post_id_of(created.headers["Location"])
    cql_recorder.statements.append("-- list the feed")
    app_client.get("/")
    cql_recorder.statements.append("-- browse a tag")
    app_client.get("/tags/truth")
    cql_recorder.statements.append("-- browse an author (secondary index)")
    app_client.get("/authors/Someone")
    cql_recorder.statements.append("-- show a post")
    app_client.get(f"/posts/{post_id}")
    cql_recorder.statements.append("-- add a comment")
    app_client.post(f"/posts/{post_id}/comments", data={"author": "Rin", "body": "Hi"})
    cql_recorder.statements.append("-- edit: tags truth, memory -> truth, evidence")
    app_client.post(f"/posts/{post_id}/edit", data=GOOD | {"tags": "truth, evidence"})
    cql_recorder.statements.append("-- delete")
    app_client.post(f"/posts/{post_id}/delete")
    assert cql_recorder.normalised() == snapshot
