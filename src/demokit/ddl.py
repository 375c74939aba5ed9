"""The DDL coodie creates for a demo's models, as readable CQL (what the CQL snapshots hold).

It mirrors what coodie 1.9.3 sends for an empty keyspace when the models are synced
in definition order, with coodie's own builders: ``Document.sync_table`` (``CREATE
TYPE`` for the UDTs it uses, ``CREATE TABLE``, ``CREATE INDEX``/vector index),
``UserType.sync_type`` and ``MaterializedView.sync_view``; spec/harness checks it
against what coodie really sends. The keyspace is a parameter, so the text is the
same in every test keyspace. A polymorphic subclass's own columns appear as ``ALTER
TABLE … ADD`` (what the model asks for: coodie 1.9.3 itself skips them when the base
was synced first, as the subclass then reuses the base's cached columns).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from types import ModuleType
from typing import Any

from coodie import cql_builder
from coodie.aio.document import Document as AsyncDocument
from coodie.aio.document import MaterializedView as AsyncMaterializedView
from coodie.schema import ColumnDefinition, build_schema
from coodie.sync.document import Document, MaterializedView
from coodie.usertype import UserType, extract_udt_classes

from . import coodie_private

_BASES: tuple[type, ...] = (Document, AsyncDocument, UserType)
_VIEWS: tuple[type, ...] = (MaterializedView, AsyncMaterializedView)


def model_classes(modules: Iterable[ModuleType]) -> list[type]:
    """The coodie documents, views and user types defined in ``modules``, in definition order
    (abstract documents left out)."""
    found: list[type] = []
    for module in modules:
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, _BASES)
                and obj.__module__ == module.__name__
                and not getattr(getattr(obj, "Settings", None), "__abstract__", False)
            ):
                found.append(obj)
    return found


def _check_keyspace_not_pinned(cls: type) -> None:
    pinned = getattr(getattr(cls, "Settings", None), "keyspace", "")
    if pinned:
        raise ValueError(
            f"{cls.__module__}.{cls.__qualname__} pins Settings.keyspace = {pinned!r}: demo models take "
            "the keyspace from coodie's driver, so that tests run in a keyspace of their own"
        )


def schema_statements(classes: Iterable[type], keyspace: str) -> list[str]:
    """The DDL statements, in order, that syncing ``classes`` sends to an empty ``keyspace``."""
    out: list[str] = []
    types: set[type] = set()
    tables: dict[str, set[str]] = {}

    def add(statement: str) -> None:
        if statement not in out:
            out.append(statement)

    def add_types(udts: Iterable[type[UserType]]) -> None:
        for udt in udts:
            if udt not in types:
                types.add(udt)
                add(
                    cql_builder.build_create_type(
                        udt.type_name(), keyspace, coodie_private.udt_field_types(udt)
                    )
                )

    for cls in classes:
        _check_keyspace_not_pinned(cls)
        if issubclass(cls, UserType):
            add_types([*coodie_private.udt_dependencies(cls), cls])
        elif issubclass(cls, _VIEWS):
            add(_view(cls, keyspace))
        else:
            add_types(extract_udt_classes(cls))
            _table(cls, keyspace, tables, add)
    return out


def _columns(cls: Any) -> list[ColumnDefinition]:
    """The columns ``cls`` declares, inherited ones included, leaving coodie's per-class
    cache as it was (a subclass may otherwise see its base's cached columns)."""
    if "__schema__" in cls.__dict__:
        return list(cls.__dict__["__schema__"])
    try:
        return build_schema(cls)
    finally:
        with contextlib.suppress(AttributeError):
            delattr(cls, "__schema__")


def _table(cls: Any, keyspace: str, tables: dict[str, set[str]], add: Any) -> None:
    table, schema = coodie_private.table_name(cls), _columns(cls)
    if table not in tables:
        options = coodie_private.table_options(cls)
        add(cql_builder.build_create_table(table, keyspace, schema, table_options=options))
        tables[table] = {c.name for c in schema}
    for col in schema:  # a polymorphic subclass adds its own columns to the shared table
        if col.name not in tables[table]:
            add(f'ALTER TABLE {cql_builder.qualified_name(keyspace, table)} ADD "{col.name}" {col.cql_type}')
            tables[table].add(col.name)
    for col in schema:
        if col.index:
            add(cql_builder.build_create_index(table, keyspace, col))
        if col.vector_index:
            add(cql_builder.build_create_vector_index(table, keyspace, col))


def _view(cls: Any, keyspace: str) -> str:
    schema = _columns(cls)
    partition = sorted((c for c in schema if c.primary_key), key=lambda c: c.partition_key_index)
    clustering = sorted((c for c in schema if c.clustering_key), key=lambda c: c.clustering_key_index)
    return cql_builder.build_create_materialized_view(
        view_name=coodie_private.table_name(cls),
        keyspace=keyspace,
        primary_key_columns=[c.name for c in partition],
        clustering_columns=[c.name for c in clustering] or None,
        **coodie_private.view_definition(cls),
    )


_HEAD = re.compile(r"CREATE (?:TABLE|TYPE) IF NOT EXISTS \S+ \(")


def _split_top_level(text: str) -> tuple[list[str], int]:
    """Split ``text`` at its top-level commas up to the first unbalanced ``)``; return the
    parts and where that ``)`` is."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch in "(<":
            depth += 1
        elif ch in ">)" and depth > 0:
            depth -= 1
        elif ch == ")":
            parts.append(text[start:i].strip())
            return parts, i
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    return [text], len(text)


def pretty(statement: str) -> str:
    """One column per line for ``CREATE TABLE``/``CREATE TYPE`` (so a diff names the column);
    other statements unchanged."""
    match = _HEAD.match(statement)
    if not match:
        return statement
    parts, end = _split_top_level(statement[match.end() :])
    body = ",\n".join(f"    {part}" for part in parts)
    return f"{statement[: match.end()]}\n{body}\n){statement[match.end() + end + 1 :]}"


def schema_cql(classes: Iterable[type], keyspace: str) -> str:
    """`schema_statements` as a readable CQL script, one statement after another."""
    return "\n".join(pretty(s) + ";" for s in schema_statements(classes, keyspace))
