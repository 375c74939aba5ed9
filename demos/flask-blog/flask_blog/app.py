"""The Propaganda Engine's Flask app factory.

``create_app(keyspace)`` initialises coodie once, for the whole process, with
`demokit.database.ensure_coodie` (the test harness hands it a coodie already bound to a
test keyspace), creates the tables, and registers the blog blueprint. Every request then
uses coodie's **sync** API directly: Flask's request lifecycle is synchronous, and so are
``Post.find(…).paged_all()``, ``post.save()`` and friends.

    flask --app 'flask_blog.app:create_app()' run      # what `make run` starts
"""

from __future__ import annotations

import os
import secrets
from importlib.metadata import version
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from demokit import theme
from demokit.database import ensure_coodie
from demokit.registry import keyspace_for
from flask_blog.models import sync_tables
from flask_blog.views import blog

HERE = Path(__file__).resolve().parent
TITLE = "📝 THE PROPAGANDA ENGINE"
TAGLINE = "Captain Jinja posts the truth first"


def create_app(keyspace: str | None = None) -> Flask:
    keyspace = keyspace or keyspace_for(__file__)  # [tool.coodie-demo], or $SCYLLA_KEYSPACE
    ensure_coodie(keyspace)
    sync_tables()

    app = Flask(__name__, static_folder=str(HERE / "static"), static_url_path="/static")
    app.config.update(
        KEYSPACE=keyspace,
        # signs the flash cookie and the "next page" tokens; set FLASK_BLOG_SECRET to keep
        # links valid across restarts (a random key per process otherwise)
        SECRET_KEY=os.environ.get("FLASK_BLOG_SECRET") or secrets.token_hex(32),
        MAX_CONTENT_LENGTH=64 * 1024,  # a bigger form is a 413 before any field is read
        PAGE_SIZE=int(os.environ.get("FLASK_BLOG_PAGE_SIZE", "9")),
    )
    app.jinja_env.globals.update(
        demo_title=TITLE,
        demo_tagline=TAGLINE,
        coodie_version=version("coodie"),
        static_url="/static",
        keyspace=keyspace,
    )
    theme.mount_flask(app)  # the shared theme and base layout, served by the app itself (never a CDN)
    app.register_blueprint(blog)
    app.register_error_handler(HTTPException, http_error)
    return app


def http_error(exc: HTTPException) -> Any:
    """An HTTP error as JSON ``{"error": …}`` under ``/api/``, else the themed error page."""
    if request.path.startswith("/api/"):
        return jsonify(error=exc.description), exc.code or 500
    return render_template("error.html", error=exc), exc.code or 500
