"""The blog blueprint: the feed, tags, a post with its comments, and the forms.

| route | what it does |
|---|---|
| ``GET /`` , ``GET /tags/<tag>`` | a page of posts, newest first; ``?page=<token>`` for the next |
| ``GET /authors/<name>`` | an author's posts, through the secondary index on ``author`` |
| ``GET /posts/new`` , ``POST /posts`` | the form; create (303 to the post) |
| ``GET /posts/<id>`` | the post and its newest comments |
| ``GET|POST /posts/<id>/edit`` | the form filled in; save |
| ``POST /posts/<id>/delete`` | delete the post, its tag rows and its comments |
| ``POST /posts/<id>/comments`` | add a comment |
| ``GET /api/posts`` | the feed (or ``?tag=``, ``?author=``) as JSON, with the ``next`` token |
| ``GET /healthz`` | a health check |

Every form is read by `demokit.bodies.read_flask` into `PostInput` / `CommentInput`. Bad input
is a 4xx with a message and nothing written: 422 for a bad form (each message shown next to
its field; 413 too big, 415 not a form), 400 for a bad tag or author name or a tampered page
token (signed by `demokit.tokens`); 404 for an unknown or malformed id.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from demokit import tokens
from demokit.bodies import FORM, ONE_LINE, BadBody, read_flask
from demokit.documents import to_json
from flask_blog import store
from flask_blog.forms import AUTHOR_MAX, TAG_RE, CommentInput, PostInput
from flask_blog.models import BLOG, Post

blog = Blueprint("blog", __name__)


def _key() -> bytes:
    return str(current_app.config["SECRET_KEY"]).encode()


def _page_state(scope: str) -> bytes | None:
    try:
        return tokens.verify(_key(), scope, request.args.get("page"))
    except tokens.BadToken as exc:
        abort(400, f"Bad page link: {exc}. Start again from the first page.")


def _tag(text: str) -> str:
    if not TAG_RE.fullmatch(text):
        abort(400, f"{text[:40]!r} is not a tag: tags are lowercase letters, digits and dashes.")
    return text


def _author(name: str) -> str:
    """An author name from a URL, checked as the form checks one (else a 400)."""
    if not name or len(name) > AUTHOR_MAX or ONE_LINE.search(name) or name != name.strip():
        abort(400, f"{name[:40]!r} is not an author name: 1 to {AUTHOR_MAX} characters, on one line.")
    return name


def _post_or_404(post_id: str) -> Post:
    parsed: UUID | None = store.parse_id(post_id)
    post = store.get_post(parsed) if parsed is not None else None
    if post is None:
        abort(404, f"There is no post {post_id[:60]!r}: Editor-X may have erased it.")
    return post


def _listing(tag: str | None = None, author: str | None = None) -> tuple[store.Page, str | None]:
    """A page of the feed, a tag or an author, from its signed ``?page=`` token, and the next
    page's token (signed for this listing only: ``feed``, ``tag:<t>``, ``author:<name>``)."""
    scope = f"tag:{tag}" if tag else f"author:{author}" if author is not None else "feed"
    state = _page_state(scope)
    size = current_app.config["PAGE_SIZE"]
    if tag:
        page = store.tagged(tag, size, state)
    elif author is not None:
        page = store.by_author(author, size, state)
    else:
        page = store.latest(size, state)
    return page, tokens.sign(_key(), scope, page.paging_state)


def _ks() -> str:
    return str(current_app.config["KEYSPACE"])


def _listing_cql(tag: str | None, size: int, resumed: bool, author: str | None = None) -> str:
    fetch = f"-- fetch_size {size}" + (", resumed with the paging state of ?page=" if resumed else "")
    if tag:
        return (
            f"SELECT * FROM {_ks()}.posts_by_tag WHERE \"tag\" = '{tag}';  {fetch}\n"
            f'SELECT * FROM {_ks()}.posts WHERE "blog" = \'{BLOG}\' AND "id" IN (…the ids of that page…);'
        )
    if author is not None:
        quoted = author.replace("'", "''")
        return (
            f"SELECT * FROM {_ks()}.posts WHERE \"author\" = '{quoted}';  {fetch}\n"
            "-- the secondary index posts_author_idx finds the rows; they come in the table's order\n"
            '-- (one "blog" partition, "id" DESC): newest first'
        )
    return (
        f"SELECT * FROM {_ks()}.posts WHERE \"blog\" = '{BLOG}';  {fetch}\n"
        '-- WITH CLUSTERING ORDER BY ("id" DESC): the rows arrive newest first'
    )


def _list_page(tag: str | None = None, author: str | None = None) -> str:
    page, next_token = _listing(tag, author)
    first = request.args.get("page") is None
    cql = _listing_cql(tag, current_app.config["PAGE_SIZE"], not first, author)
    context = {"tag": tag, "author": author, "first": first, "cql": cql}
    return render_template("list.html", page=page, next_token=next_token, **context)


@blog.get("/")
def index() -> str:
    return _list_page()


@blog.get("/tags/<tag>")
def by_tag(tag: str) -> str:
    return _list_page(tag=_tag(tag))


@blog.get("/authors/<path:name>")
def by_author(name: str) -> str:
    """An author's posts: ``Post.find(author=name)``, served by the secondary index."""
    return _list_page(author=_author(name))


@blog.get("/posts/new")
def new_post() -> str:
    return render_template("form.html", post=None, form={}, errors={})


def _form(model: type[PostInput] | type[CommentInput]) -> Any:
    """The form posted, read by `demokit.bodies` (size, UTF-8, fields, no control characters)."""
    return read_flask(request, model, accept=(FORM,))


@blog.post("/posts")
def create_post() -> Any:
    try:
        data = _form(PostInput)
    except BadBody as exc:
        return render_template("form.html", post=None, form=exc.values, errors=exc.fields), exc.status
    post = store.create_post(data)
    flash(f"📣 Published “{post.title}”: it now tops the feed.")
    return redirect(url_for("blog.show_post", post_id=str(post.id)), 303)


@blog.get("/posts/<post_id>")
def show_post(post_id: str) -> str:
    post = _post_or_404(post_id)
    return render_template(
        "post.html", post=post, comments=store.comments(post.id), form={}, errors={}, cql=_post_cql(post)
    )


def _post_cql(post: Post) -> str:
    return (
        f'SELECT * FROM {_ks()}.posts WHERE "blog" = \'{BLOG}\' AND "id" = {post.id} LIMIT 2;\n'
        f'SELECT * FROM {_ks()}.comments WHERE "post_id" = {post.id} LIMIT {store.COMMENTS_SHOWN};'
        "  -- newest first\n"
        f'-- add a comment:  INSERT INTO {_ks()}.comments ("post_id", "id", …) VALUES (…);\n'
        f"-- delete:  BEGIN BATCH  DELETE FROM {_ks()}.posts …;  DELETE FROM {_ks()}.posts_by_tag … (per tag)  "
        f'APPLY BATCH;\n--          DELETE FROM {_ks()}.comments WHERE "post_id" = {post.id};'
    )


@blog.get("/posts/<post_id>/edit")
def edit_post(post_id: str) -> str:
    post = _post_or_404(post_id)
    form = {
        "title": post.title,
        "author": post.author,
        "body": post.body,
        "tags": ", ".join(sorted(post.tags)),
        "mind_controlled": "on" if post.mind_controlled else "",
    }
    return render_template("form.html", post=post, form=form, errors={})


@blog.post("/posts/<post_id>/edit")
def update_post(post_id: str) -> Any:
    post = _post_or_404(post_id)
    try:
        data = _form(PostInput)
    except BadBody as exc:
        return render_template("form.html", post=post, form=exc.values, errors=exc.fields), exc.status
    store.update_post(post, data)
    flash("✏️ Saved. The truth has been revised.")
    return redirect(url_for("blog.show_post", post_id=post_id), 303)


@blog.post("/posts/<post_id>/delete")
def delete_post(post_id: str) -> Response:
    post = _post_or_404(post_id)
    store.delete_post(post)
    flash(f"🗑️ Deleted “{post.title}” and its comments.")
    return redirect(url_for("blog.index"), 303)


@blog.post("/posts/<post_id>/comments")
def add_comment(post_id: str) -> Any:
    post = _post_or_404(post_id)
    try:
        data = _form(CommentInput)
    except BadBody as exc:
        comments = store.comments(post.id)
        page = render_template(
            "post.html", post=post, comments=comments, form=exc.values, errors=exc.fields, cql=_post_cql(post)
        )
        return page, exc.status
    store.add_comment(post, data)
    flash("💬 Comment added.")
    return redirect(url_for("blog.show_post", post_id=post_id) + "#comments", 303)


@blog.get("/api/posts")
def api_posts() -> Any:
    tag, author = request.args.get("tag"), request.args.get("author")
    if tag is not None and author is not None:
        abort(400, "Filter by tag or by author, not both.")
    if tag is not None:
        tag = _tag(tag)
    if author is not None:
        author = _author(author)
    page, next_token = _listing(tag, author)
    return jsonify(posts=[to_json(p, exclude={"blog"}) for p in page.posts], next=next_token)


@blog.get("/healthz")
def healthz() -> Any:
    return jsonify(ok=True, keyspace=current_app.config["KEYSPACE"])
