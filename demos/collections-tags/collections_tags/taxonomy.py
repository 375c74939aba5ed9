"""Validation and the mutation table: what each ``column`` × ``op`` means, for coodie and for CQL.

``ArticleIn`` is a new article as a body (`demokit.bodies`: JSON strictly — ``"tags": "cats"``
or ``null`` is no set of tags —, a form or a feed's text as ``"a, b"``, ``k=v`` and
``Name <email>``). ``parse_mutation(column, op, value)`` turns a mutation's JSON value into the
keyword coodie's ``Document.update()`` takes, e.g. ``{"tags__add": {"a", "b"}}``, or raises
`TaxonomyError` with a message for the person; `form_value` turns a form's text into that JSON
value first. ``cql_text`` renders the statement coodie sends, with the values inlined, for the
"CQL behind this action" panels.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BeforeValidator, Field, JsonValue, ValidationInfo

from collections_tags.models import Byline
from demokit.bodies import BadBody, Body, FormBlank, in_form

TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,29}$")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
MAX_TITLE = 120
MAX_ITEM = 60
MAX_VALUE = 200
MAX_VALUES = 10  # per mutation
PALETTE = ("#a78bfa", "#fb923c", "#34d399", "#f472b6", "#38bdf8")


class TaxonomyError(ValueError):
    """Bad input; the message is shown to the person (``detail`` in JSON)."""


class NotFound(LookupError):
    """No article with that id."""


def status_of(exc: Exception) -> int:
    """404 for a missing article, a refused body's own status, 422 for any other bad input."""
    if isinstance(exc, NotFound):
        return 404
    return exc.status if isinstance(exc, BadBody) else 422


# kind of value each (column, op) takes
OPS: dict[tuple[str, str], str] = {
    ("tags", "add"): "tags",
    ("tags", "remove"): "tags",
    ("lineage", "append"): "items",
    ("lineage", "prepend"): "items",
    ("lineage", "remove"): "items",
    ("props", "put"): "pair",
    ("props", "update"): "map",
    ("props", "remove"): "keys",
    ("title", "set"): "title",
    ("origin", "set"): "tags",  # frozen<set<text>>: replaced as a whole, never mutated in place
    ("author", "set"): "byline",
}
COLUMNS = ("tags", "lineage", "props", "title", "origin", "author")


@dataclass(frozen=True)
class Mutation:
    column: str
    op: str
    value: Any  # what coodie gets

    @property
    def kwargs(self) -> dict[str, Any]:
        return {self.column if self.op == "set" else f"{self.column}__{self.op}": self.value}


def tag_colour(tag: str) -> str:
    """A stable pastel for a tag (the same tag has the same colour on every page)."""
    return PALETTE[sum(tag.encode()) % len(PALETTE)]


def parse_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except (ValueError, AttributeError, TypeError):
        raise TaxonomyError(f"{raw!r} is not an article id (a UUID like 3f2b…-…).") from None


def _split(value: Any, what: str) -> list[Any]:
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    raise TaxonomyError(f"{what} must be a list of strings, not {type(value).__name__}.")


def split_text(text: str) -> list[str]:
    """A form's or a feed's comma list: ``"a, b"`` → ``["a", "b"]``."""
    return [v.strip() for v in text.split(",") if v.strip()]


def _text(value: Any, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise TaxonomyError(f"{what} must be a string, not {type(value).__name__}.")
    text = " ".join(value.split())
    if not text:
        raise TaxonomyError(f"{what} is empty.")
    if len(text) > limit:
        raise TaxonomyError(f"{what} is {len(text)} characters long; keep it to {limit}.")
    return text


def _count(values: list[Any], what: str, allow_empty: bool = False) -> None:
    if not values and not allow_empty:
        raise TaxonomyError(f"Give at least one {what}.")
    if len(values) > MAX_VALUES:
        raise TaxonomyError(f"{len(values)} {what}s at once is too many; at most {MAX_VALUES}.")


def _tag(value: Any) -> str:
    if not isinstance(value, str):
        raise TaxonomyError(f"A tag must be a string, not {type(value).__name__}.")
    tag = value.strip().lower()
    if not TAG.match(tag):
        raise TaxonomyError(
            f"Tag {tag[:40]!r} is not a tag: 1-30 lowercase letters, digits or dashes, starting with a letter or digit."
        )
    return tag


def parse_tags(value: Any, allow_empty: bool = False) -> set[str]:
    tags = _split(value, "tags")
    _count(tags, "tag", allow_empty)
    return {_tag(tag) for tag in tags}


def parse_items(value: Any, allow_empty: bool = False) -> list[str]:
    items = _split(value, "lineage")
    _count(items, "lineage entry", allow_empty)
    return [_text(item, "A lineage entry", MAX_ITEM) for item in items]


def _key(value: Any) -> str:
    if not isinstance(value, str) or not KEY.match(value.strip()):
        raise TaxonomyError(
            f"Property key {str(value)[:40]!r} is not a key: 1-30 lowercase letters, digits or _, starting with a letter."
        )
    return value.strip()


def _value(value: Any) -> str:
    return _text(value, "A property value", MAX_VALUE)


def parse_pair(value: Any) -> tuple[str, str]:
    if isinstance(value, dict) and set(value) == {"key", "value"}:
        return _key(value["key"]), _value(value["value"])
    if isinstance(value, list | tuple) and len(value) == 2:
        return _key(value[0]), _value(value[1])
    raise TaxonomyError('put takes {"key": …, "value": …} or [key, value] (a form: key=value).')


def pair_text(text: str) -> tuple[str, str]:
    """A form's or a feed's ``key=value`` → ``(key, value)``."""
    if "=" not in text:
        raise TaxonomyError("A property is written key=value.")
    key, _, value = text.partition("=")
    return key, value


def parse_map(value: Any, allow_empty: bool = False) -> dict[str, str]:
    if not isinstance(value, dict):
        raise TaxonomyError(f"Properties must be an object of strings, not {type(value).__name__}.")
    pairs = [(_key(k), _value(v)) for k, v in value.items()]
    _count(pairs, "property", allow_empty)
    return dict(pairs)


def map_text(text: str) -> dict[str, str]:
    """A form's or a feed's ``"k=v, k2=v2"`` → ``{"k": "v", "k2": "v2"}``."""
    return dict(pair_text(p) for p in text.split(",") if p.strip())


def _email(value: str) -> str:
    email = value.strip()
    if email and (len(email) > MAX_ITEM or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
        raise TaxonomyError(f"{email[:40]!r} is not an email address.")
    return email


def parse_byline(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or set(value) - {"name", "email"}:
        raise TaxonomyError('The author is {"name": …, "email": …} (a form: Name <email>).')
    email = value.get("email") or ""
    if not isinstance(email, str):
        raise TaxonomyError("The author's email must be a string.")
    return {"name": _text(value.get("name", ""), "The author's name", MAX_ITEM), "email": _email(email)}


def byline_text(text: str) -> dict[str, str]:
    """A form's or a feed's ``Name <email>`` (or just a name) → ``{"name", "email"}``."""
    match = re.fullmatch(r"\s*(.*?)\s*<\s*(.*?)\s*>\s*", text)
    return {"name": match.group(1), "email": match.group(2)} if match else {"name": text, "email": ""}


def parse_mutation(column: Any, op: Any, value: Any) -> Mutation:
    kind = OPS.get((column, op)) if isinstance(column, str) and isinstance(op, str) else None
    if kind is None:
        known = ", ".join(f"{c}.{o}" for c, o in OPS)
        raise TaxonomyError(f"{column!s:.30}.{op!s:.20} is not a mutation; try one of: {known}.")
    if value is None:
        raise TaxonomyError(f"{column}.{op} needs a value.")
    if kind == "tags":
        parsed: Any = parse_tags(value, allow_empty=column == "origin")
        if column == "origin":
            parsed = frozenset(parsed)
    elif kind == "items":
        parsed = parse_items(value)
    elif kind == "pair":
        parsed = parse_pair(value)
    elif kind == "map":
        parsed = parse_map(value)
    elif kind == "keys":
        keys = _split(value, "keys")
        _count(keys, "key")
        parsed = {_key(k) for k in keys}
    elif kind == "title":
        parsed = _text(value, "The title", MAX_TITLE)
    else:
        parsed = parse_byline(value)
    return Mutation(column, op, parsed)


def form_value(column: str, op: str, form: Mapping[str, str]) -> Any:
    """A mutation's JSON value from an HTML form's text: comma lists, key=value pairs, Name <email>."""
    kind, text = OPS.get((column, op)), form.get("value", "")
    if kind in ("tags", "items", "keys"):
        return split_text(text)
    if kind == "pair":
        return [form["key"], text] if form.get("key") is not None else list(pair_text(text))
    if kind == "map":
        return map_text(text)
    if kind == "byline":
        return byline_text(text)
    return text


# --------------------------------------------------------------------------- bodies


def _from_text(convert: Any) -> Any:
    """In a form or a feed, text is converted (``"a=b"`` → a map); JSON must send the value."""

    def before(value: Any, info: ValidationInfo) -> Any:
        return convert(value) if in_form(info) and isinstance(value, str) else value

    return BeforeValidator(before)


Title = Annotated[str, AfterValidator(lambda v: _text(v, "The title", MAX_TITLE))]
Tag = Annotated[str, AfterValidator(_tag)]
Tags = Annotated[set[Tag], Field(max_length=MAX_VALUES)]
Lineage = Annotated[
    list[Annotated[str, AfterValidator(lambda v: _text(v, "A lineage entry", MAX_ITEM))]],
    Field(max_length=MAX_VALUES),
]
Props = Annotated[
    dict[Annotated[str, AfterValidator(_key)], Annotated[str, AfterValidator(_value)]],
    _from_text(map_text),
    Field(max_length=MAX_VALUES),
]


AuthorName = Annotated[str, AfterValidator(lambda v: _text(v, "The author's name", MAX_ITEM))]
Email = Annotated[str, AfterValidator(_email)]


class BylineIn(Body):
    """``{"name", "email"}``: the UDT ``byline``."""

    name: AuthorName
    email: Email = ""


class ArticleIn(Body):
    """A new article: a title, and its tags, lineage, props and author (each optional)."""

    title: Title
    tags: Tags = set()
    lineage: Lineage = []
    props: Props = {}
    author: Annotated[BylineIn | None, _from_text(byline_text)] = None

    def fields(self) -> dict[str, Any]:
        """The `Article` fields: the tags it is born with are its ``origin`` too."""
        author = Byline(**self.author.model_dump()) if self.author else None
        return {**self.model_dump(exclude={"author"}), "origin": frozenset(self.tags), "author": author}


class ArticleForm(Body):
    """The page's new-article form: text inputs, the author's name and e-mail apart."""

    title: Title
    tags: Tags = set()
    lineage: Lineage = []
    props: Props = {}
    author_name: Annotated[AuthorName | None, FormBlank] = None
    author_email: Email = ""

    def fields(self) -> dict[str, Any]:
        author = Byline(name=self.author_name, email=self.author_email) if self.author_name else None
        fields = self.model_dump(exclude={"author_name", "author_email"})
        return {**fields, "origin": frozenset(self.tags), "author": author}


class MutationIn(Body):
    """``{"column", "op", "value"}``: ``value``'s shape depends on the mutation (`parse_mutation`)."""

    column: str = Field(max_length=30)
    op: str = Field(max_length=30)
    value: JsonValue = None

    def mutation(self) -> Mutation:
        return parse_mutation(self.column, self.op, self.value)


class MutationForm(Body):
    """A mutation form: the column and op (hidden inputs), the value's text (and a put's key)."""

    column: str = Field(max_length=30)
    op: str = Field(max_length=30)
    value: str = ""
    key: str | None = None

    def mutation(self) -> Mutation:
        return parse_mutation(self.column, self.op, form_value(self.column, self.op, self.model_dump()))


# --------------------------------------------------------------------------- CQL, for people


def literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, set | frozenset):
        return "{" + ", ".join(literal(v) for v in sorted(value)) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    return str(value)


def cql_text(table: str, mutation: Mutation, article_id: UUID) -> str:
    col, op, value = f'"{mutation.column}"', mutation.op, mutation.value
    if op == "set" and mutation.column == "author":
        clause = f"{col} = {{name: {literal(value['name'])}, email: {literal(value['email'])}}}"
    elif op == "set":
        clause = f"{col} = {literal(value)}"
    elif op in ("add", "append", "update"):
        clause = f"{col} = {col} + {literal(value)}"
    elif op == "prepend":
        clause = f"{col} = {literal(value)} + {col}"
    elif op == "remove":
        clause = f"{col} = {col} - {literal(value)}"
    else:  # put
        clause = f"{col}[{literal(value[0])}] = {literal(value[1])}"
    return f'UPDATE {table}\n  SET {clause}\n  WHERE "id" = {article_id};'
