"""The demo fixtures (``demo``, ``seed``, ``demo_app``, ``app_client``) and the CQL snapshots,
end to end: four throwaway demos — FastAPI, Flask, Django, a CLI — with their own tests, run by
an inner pytest exactly as the real demos under demos/ are run by the spec.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

SNAPSHOT_MODULE = Path(__file__).parents[1] / "demos" / "test_cql_snapshots.py"
#: its copy in the inner run, under another name: this process may have imported the original
INNER_SNAPSHOTS = "test_ddl_snapshots.py"


def _files(files: dict[str, str]) -> dict[str, str]:
    return {path: textwrap.dedent(text).lstrip() for path, text in files.items()}


def _table(kind: str, package: str, keyspace: str, app: str) -> str:
    return f"""
        [project]
        name = "{package}-demo"
        version = "0"

        [tool.coodie-demo]
        kind = "{kind}"
        keyspace = "{keyspace}"
        app = "{package}.{app}"
        seed = "{package}.seed:seed"
        models = ["{package}.models"]
        """


FASTAPI = _files(
    {
        "demos/fastapi-shop/pyproject.toml": _table("fastapi", "shop", "shop", "app:create_app"),
        "demos/fastapi-shop/shop/__init__.py": "",
        "demos/fastapi-shop/shop/models.py": """
            from typing import Annotated
            from uuid import UUID, uuid4

            from coodie.aio.document import Document
            from coodie.fields import Indexed, PrimaryKey
            from pydantic import Field


            class Product(Document):
                id: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
                name: str
                price: int = 0
                category: Annotated[str, Indexed()] = "misc"

                class Settings:
                    name = "products"
            """,
        "demos/fastapi-shop/shop/seed.py": """
            import asyncio

            from demokit.seed import read_feed

            from shop.models import Product


            def seed(count=50, feed=None, progress=False):
                if feed:
                    products = [Product(name=r["name"], price=int(r["price"])) for r in read_feed(feed, ["name"])]
                else:
                    products = [Product(name=f"gizmo {i}", price=i) for i in range(count)]

                async def main():
                    await Product.sync_table()
                    await asyncio.gather(*(p.save() for p in products))

                asyncio.run(main())
                return len(products)
            """,
        "demos/fastapi-shop/shop/app.py": """
            from contextlib import asynccontextmanager

            from demokit.database import ensure_coodie
            from fastapi import FastAPI, Query, Request

            from shop.models import Product


            def create_app(keyspace="shop"):
                @asynccontextmanager
                async def lifespan(app):
                    ensure_coodie(keyspace)
                    await Product.sync_table()
                    yield {"keyspace": keyspace}

                app = FastAPI(lifespan=lifespan)

                @app.get("/products")
                async def products(request: Request, min_price: int = Query(0, ge=0)):
                    found = await Product.find().all()
                    return {
                        "keyspace": request.state.keyspace,
                        "products": sorted(p.name for p in found if p.price >= min_price),
                    }

                return app
            """,
        "test_shop.py": """
            import pytest

            pytestmark = pytest.mark.demo("fastapi-shop")


            def test_seed_writes_into_the_test_keyspace(seed, cql, keyspace):
                assert keyspace.startswith("shop_")
                assert seed(7) == 7
                assert cql.execute("SELECT count(*) FROM products").one().count == 7


            def test_seed_reads_a_feed(seed, cql, tmp_path):
                feed = tmp_path / "products.csv"
                feed.write_text("name,price\\nlamp,10\\ndesk,99\\n")
                assert seed(feed=feed) == 2
                assert sorted(r.name for r in cql.execute("SELECT name FROM products")) == ["desk", "lamp"]


            async def test_the_page_lists_the_seeded_rows(seed, app_client, keyspace):
                seed(3)
                page = await app_client.get("/products", params={"min_price": 1})
                assert page.status_code == 200
                assert page.json() == {"keyspace": keyspace, "products": ["gizmo 1", "gizmo 2"]}


            async def test_bad_input_is_a_4xx(app_client):
                assert (await app_client.get("/products", params={"min_price": "lots"})).status_code == 422


            async def test_the_listing_sends_this_cql(seed, app_client, cql_recorder, snapshot):
                seed(2)
                cql_recorder.start()
                assert (await app_client.get("/products")).status_code == 200
                assert cql_recorder.normalised() == snapshot
            """,
    }
)

FLASK = _files(
    {
        "demos/flask-notes/pyproject.toml": _table("flask", "notes", "notes", "app:create_app"),
        "demos/flask-notes/notes/__init__.py": "",
        "demos/flask-notes/notes/models.py": """
            from typing import Annotated
            from uuid import UUID, uuid4

            from coodie.fields import ClusteringKey, PrimaryKey
            from coodie.sync.document import Document, MaterializedView
            from coodie.usertype import UserType
            from pydantic import Field


            class Author(UserType):
                name: str
                email: str = ""


            class Note(Document):
                board: Annotated[str, PrimaryKey()]
                id: Annotated[UUID, ClusteringKey()] = Field(default_factory=uuid4)
                title: str
                body: str = ""
                author: Author | None = None

                class Settings:
                    name = "notes"


            class NotesByTitle(MaterializedView):
                title: Annotated[str, PrimaryKey()]
                board: Annotated[str, ClusteringKey()]
                id: Annotated[UUID, ClusteringKey(clustering_key_index=1)]

                class Settings:
                    name = "notes_by_title"
                    __base_table__ = "notes"
                    __view_columns__ = ["title", "board", "id"]
            """,
        "demos/flask-notes/notes/seed.py": """
            from demokit.seed import read_feed, write_all

            from notes.models import Author, Note


            def seed(count=50, feed=None, progress=False):
                Note.sync_table()
                if feed:
                    notes = [Note(board="inbox", title=r["title"]) for r in read_feed(feed, ["title"])]
                else:
                    notes = [Note(board="inbox", title=f"note {i}", author=Author(name="ada")) for i in range(count)]
                return write_all(notes, progress=progress)
            """,
        "demos/flask-notes/notes/app.py": """
            from demokit.database import ensure_coodie
            from flask import Flask, abort, request
            from markupsafe import escape

            from notes.models import Note, NotesByTitle


            def create_app(keyspace="notes"):
                ensure_coodie(keyspace)
                Note.sync_table()
                NotesByTitle.sync_view()
                app = Flask(__name__)

                @app.get("/boards/<board>")
                def board(board):
                    limit = request.args.get("limit", "100")
                    if not limit.isdigit() or int(limit) == 0:
                        abort(400, "limit must be a positive whole number")
                    notes = Note.find(board=board).limit(int(limit)).all()
                    items = "".join(f"<li>{escape(n.title)}</li>" for n in sorted(notes, key=lambda n: n.title))
                    return f"<ul>{items}</ul>"

                return app
            """,
        "test_notes.py": """
            import pytest

            pytestmark = pytest.mark.demo("flask-notes")


            def test_seed_writes_into_the_test_keyspace(seed, cql, keyspace):
                assert keyspace.startswith("notes_")
                assert seed(4) == 4
                assert cql.execute("SELECT count(*) FROM notes").one().count == 4


            def test_the_page_lists_the_seeded_rows(seed, app_client):
                seed(3)
                page = app_client.get("/boards/inbox")
                assert page.status_code == 200
                assert page.text == "<ul><li>note 0</li><li>note 1</li><li>note 2</li></ul>"


            def test_bad_input_is_a_4xx(app_client):
                assert app_client.get("/boards/inbox?limit=-1").status_code == 400
            """,
    }
)

DJANGO = _files(
    {
        "demos/django-board/pyproject.toml": _table("django", "board", "board", "wsgi:create_app"),
        "demos/django-board/board/__init__.py": "",
        "demos/django-board/board/settings.py": """
            SECRET_KEY = "throwaway"
            DEBUG = False
            ALLOWED_HOSTS = ["localhost"]
            ROOT_URLCONF = "board.urls"
            INSTALLED_APPS = []
            MIDDLEWARE = []
            DATABASES = {}
            USE_TZ = True
            """,
        "demos/django-board/board/models.py": """
            from typing import Annotated
            from uuid import UUID, uuid4

            from coodie.fields import ClusteringKey, PrimaryKey
            from coodie.sync.document import Document
            from pydantic import Field


            class Task(Document):
                status: Annotated[str, PrimaryKey()]
                id: Annotated[UUID, ClusteringKey()] = Field(default_factory=uuid4)
                title: str
                assignee: str = ""

                class Settings:
                    name = "tasks"
            """,
        "demos/django-board/board/seed.py": """
            from demokit.seed import write_all

            from board.models import Task


            def seed(count=50, feed=None, progress=False):
                Task.sync_table()
                return write_all((Task(status="todo", title=f"task {i}") for i in range(count)), progress=progress)
            """,
        "demos/django-board/board/views.py": """
            from django.http import HttpResponseBadRequest, JsonResponse

            from board.models import Task


            def tasks(request):
                status = request.GET.get("status", "todo")
                if status not in ("todo", "doing", "done"):
                    return HttpResponseBadRequest("unknown status")
                return JsonResponse({"tasks": sorted(t.title for t in Task.find(status=status).all())})
            """,
        "demos/django-board/board/urls.py": """
            from django.urls import path

            from board import views

            urlpatterns = [path("tasks/", views.tasks)]
            """,
        "demos/django-board/board/wsgi.py": """
            import os


            def create_app(keyspace="board"):
                os.environ.setdefault("DJANGO_SETTINGS_MODULE", "board.settings")
                from demokit.database import ensure_coodie
                from django.core.wsgi import get_wsgi_application

                from board.models import Task

                ensure_coodie(keyspace)
                Task.sync_table()
                return get_wsgi_application()
            """,
        "test_board.py": """
            import pytest

            pytestmark = pytest.mark.demo("django-board")


            def test_seed_writes_into_the_test_keyspace(seed, cql, keyspace):
                assert keyspace.startswith("board_")
                assert seed(5) == 5
                assert cql.execute("SELECT count(*) FROM tasks").one().count == 5


            def test_the_page_lists_the_seeded_rows(seed, app_client):
                seed(2)
                page = app_client.get("/tasks/")
                assert page.status_code == 200
                assert page.json() == {"tasks": ["task 0", "task 1"]}


            def test_bad_input_is_a_4xx(app_client):
                assert app_client.get("/tasks/", {"status": "lost"}).status_code == 400
            """,
    }
)

CLI = _files(
    {
        "demos/cli-kv/pyproject.toml": _table("cli", "kv", "kv", "cli:create_app"),
        "demos/cli-kv/kv/__init__.py": "",
        "demos/cli-kv/kv/models.py": """
            from typing import Annotated

            from coodie.fields import PrimaryKey
            from coodie.sync.document import Document


            class Pair(Document):
                key: Annotated[str, PrimaryKey()]
                value: str = ""
            """,
        "demos/cli-kv/kv/seed.py": """
            from demokit.seed import write_all

            from kv.models import Pair


            def seed(count=50, feed=None, progress=False):
                Pair.sync_table()
                return write_all((Pair(key=f"key{i}", value=f"value {i}") for i in range(count)), progress=progress)
            """,
        "demos/cli-kv/kv/cli.py": """
            import click
            from demokit.database import ensure_coodie

            from kv.models import Pair


            def create_app(keyspace="kv"):
                @click.command()
                @click.argument("prefix", default="")
                def main(prefix):
                    ensure_coodie(keyspace)
                    for pair in sorted(Pair.find().all(), key=lambda p: p.key):
                        if pair.key.startswith(prefix):
                            click.echo(f"{pair.key}={pair.value}")

                return main
            """,
        "test_kv.py": """
            import pytest

            pytestmark = pytest.mark.demo("cli-kv")


            def test_the_command_lists_the_seeded_pairs(seed, app_client):
                seed(2)
                result = app_client(["key"])
                assert (result.exit_code, result.output) == (0, "key0=value 0\\nkey1=value 1\\n")


            def test_bad_usage_exits_2(app_client):
                assert app_client(["a", "b"]).exit_code == 2
            """,
    }
)


@pytest.fixture
def demos(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """The four demos, their tests and the spec's CQL snapshot module, in the pytester dir."""
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    for path, text in {**FASTAPI, **FLASK, **DJANGO, **CLI}.items():
        target = pytester.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    (pytester.path / INNER_SNAPSHOTS).write_text(SNAPSHOT_MODULE.read_text())
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)  # the Django demo's factory sets it
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)  # the inner run is no xdist worker
    return pytester


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("--scylla-backend=embedded", "-p", "no:cacheprovider", *args)


def test_the_demos_seed_serve_and_snapshot_their_cql(demos: pytest.Pytester) -> None:
    first = _run(demos, "--snapshot-update")
    first.assert_outcomes(passed=17)
    first.stdout.fnmatch_lines(["*5 snapshots generated*"])
    ambr = (demos.path / "__snapshots__" / "test_ddl_snapshots.ambr").read_text()
    for name in ("cli-kv", "django-board", "fastapi-shop", "flask-notes"):
        assert f"# name: test_models_ddl[{name}]" in ambr
    assert '"category" text,' in ambr and "CREATE TYPE IF NOT EXISTS notes.author (" in ambr
    listing = (demos.path / "__snapshots__" / "test_shop.ambr").read_text()
    assert "FROM shop.products" in listing, "the recorder shows the test keyspace as the demo's"
    assert not re.search(r"shop_\w+_\d+_", listing)

    second = _run(demos)
    second.assert_outcomes(passed=17)
    second.stdout.fnmatch_lines(["*5 snapshots passed*"])


def test_deleting_a_column_fails_the_ddl_snapshot_with_a_readable_diff(demos: pytest.Pytester) -> None:
    _run(demos, "--snapshot-update", INNER_SNAPSHOTS).assert_outcomes(passed=4)
    models = demos.path / "demos/flask-notes/notes/models.py"
    original = models.read_text()
    models.write_text(original.replace('    body: str = ""\n', ""))

    changed = _run(demos, INNER_SNAPSHOTS)
    changed.assert_outcomes(passed=3, failed=1)
    changed.stdout.fnmatch_lines(["FAILED test_ddl_snapshots.py::test_models_ddl[[]flask-notes[]]*"])
    diff = [line for line in changed.outlines if line.startswith("E ") and "body" in line]
    assert len(diff) == 1 and re.match(r'^E\s+- +"body" text,$', diff[0]), diff

    models.write_text(original)
    _run(demos, INNER_SNAPSHOTS).assert_outcomes(passed=4)


def test_k_selects_one_demos_tests(demos: pytest.Pytester) -> None:
    result = _run(demos, "-k", "flask-notes", "--collect-only", "-q")
    collected = [line for line in result.outlines if "::" in line]
    assert collected == [
        "test_ddl_snapshots.py::test_models_ddl[flask-notes]",
        "test_notes.py::test_seed_writes_into_the_test_keyspace",
        "test_notes.py::test_the_page_lists_the_seeded_rows",
        "test_notes.py::test_bad_input_is_a_4xx",
    ]


def test_a_demo_fixture_without_a_known_demo_is_a_clear_error(demos: pytest.Pytester) -> None:
    demos.makepyfile(
        test_lost="""
        import pytest

        def test_unmarked(seed): pass

        @pytest.mark.demo("flask-note")
        def test_misspelt(demo_app): pass
        """
    )
    result = _run(demos, "test_lost.py")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            '*test_unmarked: the demo fixtures need @pytest.mark.demo("<demo name>") on the test',
            "*@pytest.mark.demo('flask-note'): no such demo in *demos "
            "(known: cli-kv, django-board, fastapi-shop, flask-notes)",
        ]
    )


def test_without_demos_the_snapshot_module_collects_a_skip(pytester: pytest.Pytester) -> None:
    (pytester.path / INNER_SNAPSHOTS).write_text(SNAPSHOT_MODULE.read_text())
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    result = _run(pytester, "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*no demos yet*"])
