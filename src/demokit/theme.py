"""The look every web demo shares (seed plan §8.4): a dark palette, a base stylesheet and a
base Jinja2 layout. A demo adds one or two accents of its own (``--accent-2``) and serves
these files from its own app — never from a CDN."""

from __future__ import annotations

from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

#: CSS custom properties of the shared palette.
PALETTE: dict[str, str] = {
    "bg": "#0f172a",  # page background
    "surface": "#1e293b",  # cards
    "border": "#334155",
    "text": "#e2e8f0",
    "muted": "#94a3b8",
    "accent": "#38bdf8",  # links, highlights
    "success": "#34d399",  # positive actions
    "danger": "#f87171",  # destructive actions
}


def static_dir() -> Path:
    """Holds ``demokit/base.css``: mount it at ``/static`` beside the demo's own files."""
    return HERE / "static"


def templates_dir() -> Path:
    """Holds ``demokit/base.html``: add it to the demo's Jinja2 loader search path."""
    return HERE / "templates"


def palette_css(accents: dict[str, str] | None = None) -> str:
    """``:root { --bg: ...; }`` for the palette plus the demo's own accents."""
    colours = {**PALETTE, **(accents or {})}
    body = "".join(f"  --{name}: {value};\n" for name, value in colours.items())
    return f":root {{\n{body}}}\n"


def mount_fastapi(app: Any, package_dir: Path) -> None:
    """Serve the shared theme at ``/static/demokit`` and the demo's ``static/`` at ``/static``."""
    from fastapi.staticfiles import StaticFiles

    app.mount("/static/demokit", StaticFiles(directory=static_dir() / "demokit"), name="demokit")
    app.mount("/static", StaticFiles(directory=package_dir / "static"), name="static")


def mount_flask(app: Any) -> None:
    """Serve the shared theme at ``/static/demokit`` from a Flask app (its own ``static/`` is
    Flask's), and look for templates in the app's ``templates/`` first, then in demokit's."""
    from flask import Blueprint
    from jinja2 import ChoiceLoader, FileSystemLoader

    app.jinja_loader = ChoiceLoader(
        [FileSystemLoader(Path(app.root_path) / "templates"), FileSystemLoader(templates_dir())]
    )
    static = Blueprint(
        "demokit", __name__, static_folder=str(static_dir() / "demokit"), static_url_path="/static/demokit"
    )
    app.register_blueprint(static)
