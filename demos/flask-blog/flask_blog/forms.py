"""What a person (or a seed feed) may send: one place, one set of rules.

`PostInput` and `CommentInput` are `demokit.bodies.Body` models: the views read a form into
them with `demokit.bodies.read_flask` (unknown fields, control characters and over-size
bodies refused), the seed reads a feed record with `parse_post`. A bad field gets a message of
its own (``BadBody.fields`` / `FormErrors`), shown next to it, and nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError

from demokit.bodies import FORM, Body, FormBlank, Lines, form_fields, refusal

TITLE_MAX = 120
BODY_MAX = 10_000
AUTHOR_MAX = 40
COMMENT_MAX = 2_000
TAG_MAX = 24
TAGS_MAX = 8
TAG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,23}")


class FormErrors(ValueError):
    """Bad input: ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _text(label: str, limit: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        value = value.replace("\r\n", "\n")
        if not value:
            raise ValueError(f"{label} is empty.")
        if len(value) > limit:
            raise ValueError(f"{label} is {len(value):,} characters long; the limit is {limit:,}.")
        return value

    return check


def _split_tags(value: Any) -> Any:
    """``"truth, resistance"`` or ``"truth; #memory"`` (a form's text, or its comma list)."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        return [t for item in value if isinstance(item, str) for t in re.split(r"[,;\s]+", item) if t]
    return value


def _tags(tags: set[str]) -> set[str]:
    clean = {t.lstrip("#").lower() for t in tags}
    bad = sorted(t for t in clean if not TAG_RE.fullmatch(t))
    if bad:
        raise ValueError(
            f"Tag {bad[0][:40]!r} is not allowed: use letters, digits and dashes, at most {TAG_MAX} characters."
        )
    if len(clean) > TAGS_MAX:
        raise ValueError(f"{len(clean)} tags given; at most {TAGS_MAX}.")
    return clean


Author = Annotated[str, AfterValidator(_text("The author", AUTHOR_MAX))]


class PostInput(Body):
    """A post as the form sends it: title, author, body (multi-line), tags and a checkbox."""

    hints = {
        "title.missing": "The title is missing.",
        "author.missing": "The author is missing.",
        "body.missing": "The body is missing.",
        "mind_controlled.bool_parsing": "mind_controlled must be a checkbox value (on/off).",
    }

    title: Annotated[str, AfterValidator(_text("The title", TITLE_MAX))]
    author: Author
    body: Annotated[Lines, AfterValidator(_text("The body", BODY_MAX))]
    tags: Annotated[set[str], BeforeValidator(_split_tags), AfterValidator(_tags)] = Field(
        default_factory=set
    )
    mind_controlled: Annotated[bool, FormBlank] = False


class CommentInput(Body):
    """A comment: who, and what (multi-line)."""

    hints = {"author.missing": "Your name is missing.", "body.missing": "The comment is missing."}

    author: Annotated[str, AfterValidator(_text("Your name", AUTHOR_MAX))]
    body: Annotated[Lines, AfterValidator(_text("The comment", COMMENT_MAX))]


def parse_post(record: Mapping[str, Any]) -> PostInput:
    """A feed record (text, as a CSV holds it, or JSON values) read as the form is; `FormErrors`."""
    values = {k: v for k, v in record.items() if v is not None}
    try:
        return PostInput.model_validate(form_fields(PostInput, values), strict=False, context={FORM: True})
    except ValidationError as exc:
        raise FormErrors(refusal(PostInput, exc).fields) from None
