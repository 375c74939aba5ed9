"""A flash message for a Starlette/FastAPI demo: the server's words, shown once after a redirect.

A message put in the redirect's URL (``?flash=…``) shows whatever text a link carries, as if
the server said it. Here it travels in a cookie signed with the app's key (`demokit.tokens`):
`flash` sets it on the redirect, `take` reads it on the next page and `clear` drops it, so
an unsigned or changed cookie shows nothing.
"""

from __future__ import annotations

from typing import Any

from demokit import tokens

COOKIE = "flash"
SCOPE = "flash"


def flash(response: Any, key: bytes, message: str) -> Any:
    """``response`` (a redirect) carrying ``message`` to the next page."""
    token = tokens.sign(key, SCOPE, message.encode())
    response.set_cookie(COOKIE, token, max_age=60, httponly=True, samesite="lax")
    return response


def take(request: Any, key: bytes) -> str | None:
    """The message the previous response set, if its cookie verifies (None otherwise)."""
    try:
        payload = tokens.verify(key, SCOPE, request.cookies.get(COOKIE))
    except tokens.BadToken:
        return None
    return None if payload is None else payload.decode("utf-8", "replace")


def clear(request: Any, response: Any) -> Any:
    """``response`` dropping the flash cookie the request carried (it is shown once)."""
    if COOKIE in request.cookies:
        response.delete_cookie(COOKIE, httponly=True, samesite="lax")
    return response
