"""What demokit and the demos read through coodie's private API, and nowhere else.

coodie 1.9.3 has no public way to ask a model for its table or keyspace name, a driver for
its keyspace, or a view for the parts of its ``CREATE MATERIALIZED VIEW``. A demo needs them
to show the CQL it runs and to write the odd plain query (``TTL()`` over every row); the CQL
snapshots need the rest. Each is read here, so a coodie release that renames one breaks
this module alone, and spec/harness/test_coodie_private.py says which.
"""

from __future__ import annotations

from typing import Any

from coodie.usertype import _extract_udt_dependencies


def table_name(model: Any) -> str:
    """The table (or view) a document class maps to: ``Settings.name`` or its snake-case name."""
    return str(model._get_table())


def keyspace_name(model: Any) -> str:
    """The keyspace a document class reads and writes: its own, or its driver's."""
    return str(model._get_keyspace())


def qualified_table(model: Any) -> str:
    """``keyspace.table`` of a document class, as a CQL statement names it."""
    return f"{keyspace_name(model)}.{table_name(model)}"


def table_options(model: Any) -> dict[str, Any] | None:
    """The ``WITH`` options of a document class's table (``default_time_to_live`` …), or None."""
    options: dict[str, Any] | None = model._get_table_options()
    return options


def driver_keyspace(driver: Any) -> str | None:
    """The keyspace a registered coodie driver was created on (None: it has none)."""
    return getattr(driver, "_default_keyspace", None)


def udt_dependencies(udt: Any) -> list[Any]:
    """The user types a user type's fields use, innermost first (created before it)."""
    return list(_extract_udt_dependencies(udt))


def udt_field_types(udt: Any) -> list[tuple[str, str]]:
    """A user type's fields and their CQL types, in declaration order."""
    return list(udt._get_field_cql_types())


def view_definition(view: Any) -> dict[str, Any]:
    """What coodie puts in a materialized view's ``CREATE`` besides its keys: the base
    table, the selected columns, the ``WHERE`` clause and the clustering order."""
    return {
        "base_table": view._get_base_table(),
        "columns": view._get_view_columns(),
        "where_clause": view._get_where_clause(),
        "clustering_order": view._get_clustering_order(),
    }
