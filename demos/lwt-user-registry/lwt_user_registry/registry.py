"""The registry's three guarded writes — coodie's public LWT API, nothing else:

* register: ``Identity.find().if_not_exists().create(...)`` → ``INSERT … IF NOT EXISTS``
* edit:     ``Identity.find(username=u).update(if_conditions={"version": v}, …, version=v + 1)``
            → ``UPDATE … SET … IF "version" = ?`` (optimistic locking)
* delete:   ``Identity.find(username=u).if_exists().delete()`` → ``DELETE … IF EXISTS``

Each returns coodie's ``LWTResult``: ``applied`` says whether the write happened and, when it
did not, ``existing`` holds the row (or the checked columns) the database compared against.
Input is validated first (`Invalid`, with a message), so bad input never reaches the database.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from demokit.documents import native, to_json
from lwt_user_registry.models import BattleStats, Identity

USERNAME_RE = re.compile(r"^[a-z0-9_]{3,24}$")
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class Invalid(ValueError):
    """Bad input: ``str(exc)`` is the message shown to the person (HTTP 422)."""


class Outcome(Exception):
    """A refused write: ``status`` (404 / 409), ``message`` and what the database reported."""

    def __init__(self, status: int, message: str, existing: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.existing = status, message, existing


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class Registration(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    username: str = Field(min_length=3, max_length=24, pattern=USERNAME_RE.pattern)
    display_name: str = Field(min_length=1, max_length=60)
    email: str = Field(max_length=120, pattern=EMAIL_PATTERN)
    bio: str = Field("", max_length=280)

    _normalise = field_validator("username", "email", mode="before")(_lower)


class ProfileEdit(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    version: int = Field(ge=1, le=2**31 - 2)
    display_name: str | None = Field(None, min_length=1, max_length=60)
    email: str | None = Field(None, max_length=120, pattern=EMAIL_PATTERN)
    bio: str | None = Field(None, max_length=280)

    _normalise = field_validator("email", mode="before")(_lower)

    @model_validator(mode="after")
    def _something_to_change(self) -> ProfileEdit:
        if self.display_name is None and self.email is None and self.bio is None:
            raise ValueError("nothing to change: give display_name, email or bio")
        return self

    def changes(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump(exclude={"version"}).items() if v is not None}


def explain(exc: ValidationError) -> str:
    """Pydantic's errors as one readable line: ``username: String should match …; email: …``."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(x) for x in error["loc"]) or "body"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "string_pattern_mismatch" and where == "username":
            message = "use 3–24 characters: lowercase letters, digits or _"
        elif error["type"] == "string_pattern_mismatch" and where == "email":
            message = "is not an e-mail address"
        elif error["type"] == "extra_forbidden":
            message = "is not a field of this form"
        parts.append(f"{where}: {message}" if where != "body" else message)
    return "; ".join(parts)


def parse(model: type[BaseModel], data: Any) -> Any:
    if not isinstance(data, dict):
        raise Invalid("send a JSON object (or a form) with the fields")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid(explain(exc)) from None


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
