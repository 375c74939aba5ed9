"""The registry's three guarded writes — coodie's public LWT API, nothing else:

* register: ``Identity.find().if_not_exists().create(...)`` → ``INSERT … IF NOT EXISTS``
* edit:     ``Identity.find(username=u).update(if_conditions={"version": v}, …, version=v + 1)``
            → ``UPDATE … SET … IF "version" = ?`` (optimistic locking)
* delete:   ``Identity.find(username=u).if_exists().delete()`` → ``DELETE … IF EXISTS``

Each returns coodie's ``LWTResult``: ``applied`` says whether the write happened and, when it
did not, ``existing`` holds the row (or the checked columns) the database compared against.
Input is validated first — a request body by `demokit.bodies` into `Registration` or
`ProfileEdit` (strict: a ``version`` is a number, never ``"1"``), a username by
`check_username` (`Invalid`) — so bad input never reaches the database.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from demokit.bodies import Body, FormBlank, Lines, refusal
from demokit.documents import native, to_json
from lwt_user_registry.models import BattleStats, Identity

USERNAME_RE = re.compile(r"^[a-z0-9_]{3,24}$")
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
MAX_BODY = 4096  # a registration or an edit: a few short fields


class Invalid(ValueError):
    """Bad input: ``str(exc)`` is the message shown to the person (HTTP 422)."""


class Outcome(Exception):
    """A refused write: ``status`` (404 / 409), ``message`` and what the database reported."""

    def __init__(self, status: int, message: str, existing: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.existing = status, message, existing


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


HINTS = {
    "username.string_pattern_mismatch": "use 3–24 characters: lowercase letters, digits or _",
    "email.string_pattern_mismatch": "is not an e-mail address",
}


class Registration(Body):
    hints = HINTS

    username: str = Field(min_length=3, max_length=24, pattern=USERNAME_RE.pattern)
    display_name: str = Field(min_length=1, max_length=60)
    email: str = Field(max_length=120, pattern=EMAIL_PATTERN)
    bio: Lines = Field("", max_length=280)

    _normalise = field_validator("username", "email", mode="before")(_lower)


class ProfileEdit(Body):
    """An edit: the ``version`` it was made on, and what changes (a form's blank name or
    e-mail means "leave as is"; a blank bio empties it)."""

    hints = HINTS

    version: int = Field(ge=1, le=2**31 - 2)
    display_name: Annotated[str | None, FormBlank] = Field(None, min_length=1, max_length=60)
    email: Annotated[str | None, FormBlank] = Field(None, max_length=120, pattern=EMAIL_PATTERN)
    bio: Lines | None = Field(None, max_length=280)

    _normalise = field_validator("email", mode="before")(_lower)

    @model_validator(mode="after")
    def _something_to_change(self) -> ProfileEdit:
        if self.display_name is None and self.email is None and self.bio is None:
            raise ValueError("nothing to change: give display_name, email or bio")
        return self

    def changes(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump(exclude={"version"}).items() if v is not None}


def parse(model: type[BaseModel], data: Any) -> Any:
    """A feed record (text, as a CSV holds it) validated into ``model`` (`Invalid` otherwise)."""
    if not isinstance(data, dict):
        raise Invalid("send a JSON object (or a form) with the fields")
    try:
        return model.model_validate(data, strict=False)
    except ValidationError as exc:
        raise Invalid(str(refusal(model, exc))) from None


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME_RE.fullmatch(name):
        shown = username if len(username) <= 40 else username[:40] + "…"
        raise Invalid(f"{shown!r} is not a username: use 3–24 characters, lowercase letters, digits or _")
    return name


def tally() -> BattleStats:
    """The battle counters, read back (all 0 before the first battle)."""
    row = BattleStats.find(board="global").first()
    return BattleStats() if row is None else native(row)


def _count(**deltas: int) -> None:
    BattleStats(board="global").increment(**deltas)


def register(form: Registration) -> Identity:
    """``INSERT … IF NOT EXISTS``: the first registration of a username wins, the rest get 409."""
    identity = Identity(**form.model_dump())
    result = Identity.find().if_not_exists().create(**identity.model_dump())
    assert result is not None
    if not result.applied:
        _count(repelled=1)
        winner = Identity.model_validate(result.existing) if result.existing else None
        raise Outcome(
            409,
            f"🚫 The username {form.username!r} is already taken — IF NOT EXISTS kept the first "
            f"registration ({winner.display_name if winner else 'someone'}); nothing was written.",
            to_json(winner) if winner else None,
        )
    _count(granted=1)
    return identity


def get(username: str) -> Identity:
    found = Identity.find(username=check_username(username)).first()
    if found is None:
        raise Outcome(404, f"No identity called {username!r} is registered.")
    return found


def listing(limit: int = 200) -> list[Identity]:
    return sorted(Identity.find().limit(limit).all(), key=lambda i: i.registered_at, reverse=True)


def edit(username: str, form: ProfileEdit) -> dict[str, Any]:
    """``UPDATE … SET …, version = v+1 IF version = v``: a stale version changes nothing."""
    name = check_username(username)
    changes = form.changes()
    result = Identity.find(username=name).update(
        if_conditions={"version": form.version}, **changes, version=form.version + 1
    )
    assert result is not None
    if not result.applied:
        current = (result.existing or {}).get("version")
        if current is None:
            raise Outcome(404, f"No identity called {name!r} is registered; nothing was changed.")
        _count(stale_edits=1)
        raise Outcome(
            409,
            f"⚠️ Stale edit: you edited version {form.version} of {name!r} but it is now at version "
            f"{current} — IF version = {form.version} refused it; reload and try again.",
            {"version": current},
        )
    return {"username": name, **changes, "version": form.version + 1}


def delete(username: str) -> None:
    """``DELETE … IF EXISTS``: deleting an identity that is not there is a 404, not a silent no-op."""
    name = check_username(username)
    result = Identity.find(username=name).if_exists().delete()
    assert result is not None
    if not result.applied:
        raise Outcome(404, f"No identity called {name!r} is registered; nothing was deleted.")
    _count(deleted=1)
