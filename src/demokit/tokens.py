"""Signed tokens: what a demo hands a browser and must get back unchanged.

A "next page" link carries the driver's paging state, an opaque cursor: sent back as is, it
resumes the query right after the last row, but a changed byte silently moves the cursor
(scylla_lite and ScyllaDB both resume from whatever position it names). A flash message
carried by a cookie must be one the server wrote, not any text a link puts there. So both
travel as ``<payload>.<mac>``: the payload in URL-safe base64 and an HMAC-SHA256 over the
payload and its *scope* (``feed``, ``tag:cats``, ``flash`` …), so a token of one listing is
no token of another. Anything that does not verify is a `BadToken`, before any query runs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets

MAX_TOKEN = 2_048
MAC_BYTES = 16


class BadToken(ValueError):
    """The token was not produced by this app for this scope (changed, foreign or malformed)."""


def secret_key(env: str) -> bytes:
    """The signing key: ``$env`` (tokens stay valid across restarts), else random per process."""
    return (os.environ.get(env) or secrets.token_hex(32)).encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise BadToken("the token is not URL-safe base64") from None


def _mac(key: bytes, scope: str, payload: bytes) -> bytes:
    return hmac.new(key, scope.encode() + b"\x00" + payload, hashlib.sha256).digest()[:MAC_BYTES]


def sign(key: bytes, scope: str, payload: bytes | None) -> str | None:
    """The token carrying ``payload`` for ``scope`` (None for None: e.g. no next page)."""
    if payload is None:
        return None
    return f"{_b64(payload)}.{_b64(_mac(key, scope, payload))}"


def verify(key: bytes, scope: str, token: str | None) -> bytes | None:
    """The payload inside ``token`` (None for no token); `BadToken` if it does not verify."""
    if token is None or token == "":
        return None
    if len(token) > MAX_TOKEN or token.count(".") != 1:
        raise BadToken("the token is malformed")
    payload_text, mac_text = token.split(".")
    if not payload_text or not mac_text:
        raise BadToken("the token is malformed")
    payload, mac = _unb64(payload_text), _unb64(mac_text)
    if not hmac.compare_digest(mac, _mac(key, scope, payload)):
        raise BadToken("the token was changed or belongs to another listing")
    return payload
