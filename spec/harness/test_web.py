"""demokit.web: the FastAPI scaffold every web demo's ``create_app`` is one call to.

Checked on a demo written here, so what the scaffold promises (coodie on the keyspace,
tables synced before the first request, the theme served, no CDN docs, the demo's
title from its pyproject, per-app state and error handlers) is pinned apart from any demo.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from coodie.fields import PrimaryKey
from coodie.sync.document import Document
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from demokit import web

PYPROJECT = """\
[project]
name = "fastapi-notes"
description = "The Silent Archive: notes kept on ScyllaDB through coodie"

[tool.coodie-demo]
kind = "fastapi"
keyspace = "notes"
app = "notes_web.app:create_app"
seed = "notes_web.seed:seed"
models = "notes_web.models"
"""


class Note(Document):
    slug: Annotated[str, PrimaryKey()]
    text: str = ""

    class Settings:
        name = "web_scaffold_notes"


class Refused(ValueError):
    pass


router = APIRouter()


@router.post("/notes/{slug}")
def add_note(request: Request, slug: str) -> dict[str, Any]:
    if slug == "forbidden":
        raise Refused("that note may not be written")
    Note(slug=slug, text=f"kept in {request.state.keyspace}").save()
    return {"notes": [n.text for n in Note.find().all()], "secret": request.app.state.secret}


@router.get("/hello")
def hello(request: Request) -> Any:
    return request.app.state.templates.TemplateResponse(request, "hello.html", {})


async def refused(request: Request, exc: Refused) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=409)


@pytest.fixture
def package_file(tmp_path: Path) -> str:
    """A demo folder: its pyproject, and a package with a template and a static file."""
    folder = tmp_path / "fastapi-notes"
    package = folder / "notes_web"
    (package / "templates").mkdir(parents=True)
    (package / "static").mkdir()
    (folder / "pyproject.toml").write_text(PYPROJECT)
    (package / "templates" / "hello.html").write_text("coodie {{ coodie_version }}, {{ greeting }}")
    (package / "static" / "notes.css").write_text("body { color: teal; }")
    (package / "app.py").write_text("")
    return str(package / "app.py")


async def test_a_scaffolded_app_is_ready_on_its_keyspace(
    package_file: str, keyspace: str, coodie_sync: Any
) -> None:
    started: list[bool] = []
    app = web.create_fastapi(
        package_file,
        keyspace,
        documents=[Note],
        routers=[router],
        errors={Refused: refused},
        state={"secret": "per-app", "templates": web.templates(package_file, greeting="hi")},
        on_start=lambda: started.append(Note.find().count() == 0),  # after the table exists
    )
    async with LifespanManager(app) as manager:
        assert started == [True]
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            written = await client.post("/notes/first")
            assert written.json() == {"notes": [f"kept in {keyspace}"], "secret": "per-app"}
            refusal = await client.post("/notes/forbidden")
            assert (refusal.status_code, refusal.json()) == (409, {"detail": "that note may not be written"})
            assert Note.find(slug="forbidden").first() is None

            assert (await client.get("/hello")).text == f"coodie {version('coodie')}, hi"
            assert (await client.get("/static/notes.css")).text == "body { color: teal; }"
            assert "--bg" in (await client.get("/static/demokit/base.css")).text
            for cdn_page in ("/docs", "/redoc"):
                assert (await client.get(cdn_page)).status_code == 404
            info = (await client.get("/openapi.json")).json()["info"]
            assert info["title"] == "fastapi-notes — The Silent Archive"
            assert info["description"] == "notes kept on ScyllaDB through coodie"


async def test_without_a_keyspace_it_runs_on_the_demos_own(
    package_file: str, keyspace: str, coodie_sync: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``create_app()`` with no keyspace takes the demo's (``$SCYLLA_KEYSPACE`` moves it)."""
    monkeypatch.setenv("SCYLLA_KEYSPACE", keyspace)
    app = web.create_fastapi(package_file, None, documents=[Note], routers=[router], state={"secret": "s"})
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.post("/notes/second")).json()["notes"] == [f"kept in {keyspace}"]
