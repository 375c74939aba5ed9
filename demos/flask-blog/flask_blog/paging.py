"""The "next page" link: the driver's paging state, signed, in URL-safe base64.

A paging state is an opaque cursor the database hands back with a page. Sent back
unchanged, it resumes the query right after the last row. It is *not* safe to accept
one from a URL as is: a changed byte silently moves the cursor (scylla_lite and ScyllaDB
both resume from whatever position it names). So the link carries
``<state>.<mac>`` — the state in URL-safe base64 and an HMAC-SHA256 over the state and the
listing it belongs to (``feed`` or ``tag:<name>``) — and anything that does not verify
is a **400** before a query is sent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

MAX_TOKEN = 2_048
MAC_BYTES = 16


class BadPageToken(ValueError):
    """The ``page`` parameter was not produced by this app for this listing."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise BadPageToken("the page token is not URL-safe base64") from None


def _mac(key: bytes, scope: str, state: bytes) -> bytes:
    return hmac.new(key, scope.encode() + b"\x00" + state, hashlib.sha256).digest()[:MAC_BYTES]


def encode(key: bytes, scope: str, state: bytes | None) -> str | None:
    """The token for the next page of ``scope`` (None when there is no next page)."""
    if state is None:
        return None
    return f"{_b64(state)}.{_b64(_mac(key, scope, state))}"


def decode(key: bytes, scope: str, token: str | None) -> bytes | None:
    """The paging state inside ``token`` (None for the first page); `BadPageToken` if tampered."""
    if token is None or token == "":
        return None
    if len(token) > MAX_TOKEN or token.count(".") != 1:
        raise BadPageToken("the page token is malformed")
    state_text, mac_text = token.split(".")
    if not state_text or not mac_text:
        raise BadPageToken("the page token is malformed")
    state, mac = _unb64(state_text), _unb64(mac_text)
    if not hmac.compare_digest(mac, _mac(key, scope, state)):
        raise BadPageToken("the page token was changed or belongs to another listing")
    return state
