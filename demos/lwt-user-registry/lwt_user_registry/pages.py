"""The Identity Wars' pages: plain forms that post and get a 303 to the page showing the result.

``GET /`` registry + register form; ``GET /users/{username}`` profile + edit form (with its
version) + retire button. The banner after a redirect is the server's own message, in a signed
cookie (`demokit.flash`): a URL cannot put words in its mouth.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from demokit import flash, web
from demokit.bodies import BadBody, read_asgi
from lwt_user_registry import registry
from lwt_user_registry.registry import MAX_BODY, Invalid, Outcome, ProfileEdit, Registration

CQL = {
    "register": "INSERT INTO identities (username, display_name, email, bio, version, registered_at)\n"
    "  VALUES (?, ?, ?, ?, 1, ?) IF NOT EXISTS;",
    "edit": 'UPDATE identities SET display_name = ?, email = ?, bio = ?, "version" = ?\n'
    '  WHERE username = ? IF "version" = ?;',
    "delete": "DELETE FROM identities WHERE username = ? IF EXISTS;",
}
templates = web.templates(
    __file__,
    cql=CQL,
    demo_title="🔒 The Identity Wars",
    demo_tagline="every identity exists once per universe — IF NOT EXISTS",
)
pages = APIRouter(default_response_class=HTMLResponse)


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page; its banner is the flash the previous response signed, shown once."""
    context.setdefault("tally", registry.tally())
    context.setdefault("flash", flash.take(request, request.app.state.flash_key))
    context.setdefault("error", None)
    context.setdefault("existing", None)
    return flash.clear(request, templates.TemplateResponse(request, name, context, status_code=status))


def done(request: Request, url: str, message: str) -> Response:
    """The 303 after a form, carrying the server's message to the next page."""
    return flash.flash(RedirectResponse(url, status_code=303), request.app.state.flash_key, message)


@pages.get("/")
def index(request: Request) -> Response:
    return page(request, "index.html", identities=registry.listing(), form={})


def register_page(request: Request, status: int, form: Any, error: str, existing: Any = None) -> HTMLResponse:
    """The registry page again: the form as typed, what went wrong (and who has the name)."""
    identities = registry.listing()
    return page(
        request, "index.html", status, identities=identities, form=form, error=error, existing=existing
    )


@pages.post("/register")
async def form_register(request: Request) -> Response:
    try:
        form = await read_asgi(request, Registration, limit=MAX_BODY)
    except BadBody as exc:
        return await run_in_threadpool(register_page, request, exc.status, exc.values, str(exc))

    def run() -> Response:
        try:
            identity = registry.register(form)
        except Outcome as exc:
            return register_page(request, exc.status, form.model_dump(), exc.message, exc.existing)
        return done(
            request,
            f"/users/{identity.username}",
            f"✅ {identity.username} registered — IF NOT EXISTS applied.",
        )

    return await run_in_threadpool(run)


@pages.get("/users/{username}")
def profile(request: Request, username: str) -> Response:
    try:
        identity = registry.get(username)
    except (Invalid, Outcome) as exc:
        status = 422 if isinstance(exc, Invalid) else exc.status
        return page(request, "missing.html", status, error=str(exc))
    return page(request, "profile.html", identity=identity)


def profile_error(request: Request, username: str, status: int, message: str) -> HTMLResponse:
    try:
        identity = registry.get(username)
    except (Invalid, Outcome):
        return page(request, "missing.html", status, error=message)
    return page(request, "profile.html", status, identity=identity, error=message)


@pages.post("/users/{username}/edit")
async def form_edit(request: Request, username: str) -> Response:
    try:
        registry.check_username(username)
        form = await read_asgi(request, ProfileEdit, limit=MAX_BODY)
    except (Invalid, BadBody) as exc:
        status, message = exc.status if isinstance(exc, BadBody) else 422, str(exc)
        return await run_in_threadpool(profile_error, request, username, status, message)

    def run() -> Response:
        try:
            changed = registry.edit(username, form)
        except Outcome as exc:
            return profile_error(request, username, exc.status, exc.message)
        message = f"✅ Saved — IF version = {form.version} applied; now version {changed['version']}."
        return done(request, f"/users/{changed['username']}", message)

    return await run_in_threadpool(run)


@pages.post("/users/{username}/delete")
def form_delete(request: Request, username: str) -> Response:
    try:
        registry.delete(username)
    except (Invalid, Outcome) as exc:
        status = 422 if isinstance(exc, Invalid) else exc.status
        return page(request, "missing.html", status, error=str(exc))
    return done(request, "/", f"🗑️ {username.lower()} retired — DELETE … IF EXISTS applied.")
