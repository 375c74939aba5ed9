"""The look every web demo shares (seed plan §8.4): a dark palette, a base stylesheet and a
base Jinja2 layout. A demo adds one or two accents of its own (``--accent-2``) and serves
these files from its own app — never from a CDN."""

from __future__ import annotations

from pathlib import Path

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
