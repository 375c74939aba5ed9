"""Validation of every field a person (or a seed feed) can send: one place, one set of rules.

`parse_post` / `parse_comment` take the raw form (strings) and return clean values, or
raise `FormErrors` holding one message per bad field, so the page can show each message
next to its field and nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

TITLE_MAX = 120
BODY_MAX = 10_000
AUTHOR_MAX = 40
COMMENT_MAX = 2_000
TAG_MAX = 24
TAGS_MAX = 8
TAG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,23}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRUE = {"on", "true", "1", "yes"}
_FALSE = {"", "off", "false", "0", "no"}


class FormErrors(ValueError):
    """Bad input: ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class PostInput:
    title: str
    body: str
    author: str
    tags: set[str] = field(default_factory=set)
    mind_controlled: bool = False


@dataclass
class CommentInput:
    author: str
    body: str


def _text(
    form: Mapping[str, Any], name: str, label: str, limit: int, errors: dict[str, str], *, multiline: bool
) -> str:
    raw = form.get(name)
    if raw is None:
        errors[name] = f"{label} is missing."
        return ""
    if not isinstance(raw, str):
        errors[name] = f"{label} must be text."
        return ""
    value = raw.replace("\r\n", "\n").strip() if multiline else " ".join(raw.split())
    if not value:
        errors[name] = f"{label} is empty."
    elif len(value) > limit:
        errors[name] = f"{label} is {len(value):,} characters long; the limit is {limit:,}."
    elif _CONTROL.search(value):
        errors[name] = f"{label} holds control characters."
    return value


def parse_tags(raw: Any, errors: dict[str, str]) -> set[str]:
    """``"truth, resistance"`` (or a list) → ``{"truth", "resistance"}``: lowercase slugs."""
    if raw is None or raw == "":
        return set()
    if isinstance(raw, str):
        items = [t for t in re.split(r"[,;\s]+", raw) if t]
    elif isinstance(raw, list | tuple | set) and all(isinstance(t, str) for t in raw):
        items = [t.strip() for t in raw if t.strip()]
    else:
        errors["tags"] = "Tags must be text, separated by commas."
        return set()
    tags = {t.lstrip("#").lower() for t in items}
    bad = sorted(t for t in tags if not TAG_RE.fullmatch(t))
    if bad:
        errors["tags"] = (
            f"Tag {bad[0][:40]!r} is not allowed: use letters, digits and dashes, at most {TAG_MAX} characters."
        )
    elif len(tags) > TAGS_MAX:
        errors["tags"] = f"{len(tags)} tags given; at most {TAGS_MAX}."
    return tags


def parse_flag(raw: Any, name: str, errors: dict[str, str]) -> bool:
    if raw is None or isinstance(raw, bool):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text not in _FALSE:
        errors[name] = f"{name} must be a checkbox value (on/off), not {str(raw)[:20]!r}."
    return False


def parse_post(form: Mapping[str, Any]) -> PostInput:
    errors: dict[str, str] = {}
    title = _text(form, "title", "The title", TITLE_MAX, errors, multiline=False)
    author = _text(form, "author", "The author", AUTHOR_MAX, errors, multiline=False)
    body = _text(form, "body", "The body", BODY_MAX, errors, multiline=True)
    tags = parse_tags(form.get("tags"), errors)
    mind = parse_flag(form.get("mind_controlled"), "mind_controlled", errors)
    if errors:
        raise FormErrors(errors)
    return PostInput(title, body, author, tags, mind)


def parse_comment(form: Mapping[str, Any]) -> CommentInput:
    errors: dict[str, str] = {}
    author = _text(form, "author", "Your name", AUTHOR_MAX, errors, multiline=False)
    body = _text(form, "body", "The comment", COMMENT_MAX, errors, multiline=True)
    if errors:
        raise FormErrors(errors)
    return CommentInput(author, body)
