"""Validation and the mutation table: what each ``column`` × ``op`` means, for coodie and for CQL.

``parse_mutation(column, op, value)`` turns a request (JSON values, or the strings an HTML form
sends) into the keyword coodie's ``Document.update()`` takes, e.g. ``{"tags__add": {"a", "b"}}``,
or raises `TaxonomyError` with a message for the person. ``cql_text`` renders the statement coodie
sends, with the values inlined, for the "CQL behind this action" panels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

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
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    raise TaxonomyError(f"{what} must be a list of strings, not {type(value).__name__}.")


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


def parse_tags(value: Any, allow_empty: bool = False) -> set[str]:
    tags = _split(value, "tags")
    _count(tags, "tag", allow_empty)
    out = set()
    for tag in tags:
        if not isinstance(tag, str):
            raise TaxonomyError(f"A tag must be a string, not {type(tag).__name__}.")
        tag = tag.strip().lower()
        if not TAG.match(tag):
            raise TaxonomyError(
                f"Tag {tag[:40]!r} is not a tag: 1-30 lowercase letters, digits or dashes, starting with a letter or digit."
            )
        out.add(tag)
    return out


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


def parse_pair(value: Any) -> tuple[str, str]:
    if isinstance(value, str):
        if "=" not in value:
            raise TaxonomyError("A property is written key=value.")
        key, _, text = value.partition("=")
        return _key(key), _text(text, "A property value", MAX_VALUE)
    if isinstance(value, dict) and set(value) == {"key", "value"}:
        return _key(value["key"]), _text(value["value"], "A property value", MAX_VALUE)
    if isinstance(value, list | tuple) and len(value) == 2:
        return _key(value[0]), _text(value[1], "A property value", MAX_VALUE)
    raise TaxonomyError('put takes {"key": …, "value": …}, [key, value] or "key=value".')


def parse_map(value: Any, allow_empty: bool = False) -> dict[str, str]:
    if isinstance(value, str):
        pairs = [parse_pair(p) for p in value.split(",") if p.strip()]
    elif isinstance(value, dict):
        pairs = [(_key(k), _text(v, "A property value", MAX_VALUE)) for k, v in value.items()]
    else:
        raise TaxonomyError(f"Properties must be an object of strings, not {type(value).__name__}.")
    _count(pairs, "property", allow_empty)
    return dict(pairs)


def parse_byline(value: Any) -> dict[str, str]:
    if isinstance(value, str):  # "Name <email>"
        match = re.fullmatch(r"\s*(.*?)\s*<\s*(.*?)\s*>\s*", value)
        value = {"name": match.group(1), "email": match.group(2)} if match else {"name": value, "email": ""}
    if not isinstance(value, dict) or set(value) - {"name", "email"}:
        raise TaxonomyError('The author is {"name": …, "email": …} (or "Name <email>").')
    name = _text(value.get("name", ""), "The author's name", MAX_ITEM)
    email = str(value.get("email") or "").strip()
    if email and (len(email) > MAX_ITEM or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
        raise TaxonomyError(f"{email[:40]!r} is not an email address.")
    return {"name": name, "email": email}


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
