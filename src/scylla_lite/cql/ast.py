"""The CQL abstract syntax tree: what the parser builds and the executor runs.

Plain frozen dataclasses, no behaviour. Identifiers are already normalised:
unquoted names are lower-cased, quoted names keep their case (as Cassandra does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

# --------------------------------------------------------------------------- types


@dataclass(frozen=True)
class TypeExpr:
    """A CQL type as written: ``int``, ``map<text, frozen<list<int>>>``, ``vector<float, 3>``,
    a user type name (``name`` is then the type's name, ``keyspace`` may qualify it),
    or a custom class string (``custom`` holds the quoted class name)."""

    name: str
    params: tuple[Union[TypeExpr, int], ...] = ()
    frozen: bool = False
    keyspace: str | None = None
    custom: str | None = None


# --------------------------------------------------------------------------- terms


@dataclass(frozen=True)
class Literal:
    """A constant. ``kind`` is one of: string, integer, float, boolean, null, uuid,
    blob, duration, nan, infinity. ``value`` is the source text (strings unescaped,
    blobs without the 0x, numbers with their sign)."""

    kind: str
    value: str


@dataclass(frozen=True)
class BindMarker:
    """``?`` or ``:name``. ``index`` is the marker's position among all markers of the
    statement, counted from 0 in source order."""

    index: int
    name: str | None = None


@dataclass(frozen=True)
class ListLiteral:
    items: tuple[Term, ...]


@dataclass(frozen=True)
class SetLiteral:
    items: tuple[Term, ...]


@dataclass(frozen=True)
class MapLiteral:
    """``{k: v, ...}`` with term keys; ``{}`` parses as an empty MapLiteral."""

    items: tuple[tuple[Term, Term], ...]


@dataclass(frozen=True)
class UdtLiteral:
    """``{field: value, ...}`` where every key is an identifier."""

    fields: tuple[tuple[str, Term], ...]


@dataclass(frozen=True)
class TupleLiteral:
    items: tuple[Term, ...]


@dataclass(frozen=True)
class FunctionCall:
    """``name(args)``: now(), uuid(), toTimestamp(x), token(a, b), fromJson(s) ...
    ``keyspace`` qualifies ``system.now()`` style calls. Names are lower-cased."""

    name: str
    args: tuple[Term, ...]
    keyspace: str | None = None


@dataclass(frozen=True)
class TypeHint:
    """``(type) term``: a type cast on a term, as in ``(int) ?``."""

    type: TypeExpr
    term: Term


@dataclass(frozen=True)
class Negate:
    """Unary minus on a non-literal term (``-?``); literal numbers keep their sign."""

    term: Term


Term = Union[
    Literal,
    BindMarker,
    ListLiteral,
    SetLiteral,
    MapLiteral,
    UdtLiteral,
    TupleLiteral,
    FunctionCall,
    TypeHint,
    Negate,
]

# --------------------------------------------------------------------------- selectors


@dataclass(frozen=True)
class ColumnSelector:
    name: str


@dataclass(frozen=True)
class FunctionSelector:
    """A function over selectors: ``count(*)`` is ``FunctionSelector('count', (StarSelector(),))``,
    ``writetime(c)``/``ttl(c)``/``token(k)``/``similarity_cosine(v, ?)`` are function selectors."""

    name: str
    args: tuple[Selector, ...]
    keyspace: str | None = None


@dataclass(frozen=True)
class StarSelector:
    """The ``*`` inside ``count(*)``."""


@dataclass(frozen=True)
class CastSelector:
    selector: Selector
    type: TypeExpr


@dataclass(frozen=True)
class FieldSelector:
    """``udt_col.field``."""

    selector: Selector
    field: str


@dataclass(frozen=True)
class ElementSelector:
    """``m['key']`` or a slice ``s[a..b]`` (``end``/``start`` None when open)."""

    selector: Selector
    key: Term | None = None
    start: Term | None = None
    end: Term | None = None
    is_slice: bool = False


@dataclass(frozen=True)
class TermSelector:
    """A constant or bind marker in the select list."""

    term: Term


Selector = Union[
    ColumnSelector,
    FunctionSelector,
    StarSelector,
    CastSelector,
    FieldSelector,
    ElementSelector,
    TermSelector,
]


@dataclass(frozen=True)
class Selection:
    selector: Selector
    alias: str | None = None


# --------------------------------------------------------------------------- relations


@dataclass(frozen=True)
class ColumnRef:
    name: str


@dataclass(frozen=True)
class TokenRef:
    """``token(a, b)`` on the left of a relation."""

    columns: tuple[str, ...]


@dataclass(frozen=True)
class TupleRef:
    """``(a, b)`` on the left of a multi-column relation."""

    columns: tuple[str, ...]


@dataclass(frozen=True)
class ElementRef:
    """``m[key]`` on the left of a relation or condition."""

    column: str
    key: Term


@dataclass(frozen=True)
class FieldRef:
    """``udt_col.field`` on the left of a condition."""

    column: str
    field: str


Lhs = Union[ColumnRef, TokenRef, TupleRef, ElementRef, FieldRef]


@dataclass(frozen=True)
class Relation:
    """``lhs op rhs``. ``op`` is one of: =, !=, <, <=, >, >=, IN, CONTAINS, CONTAINS KEY,
    LIKE, IS NOT. For IN, ``rhs`` is a tuple of terms, or one BindMarker for ``IN ?``.
    For ``IS NOT NULL``, ``rhs`` is ``Literal('null', 'null')``."""

    lhs: Lhs
    op: str
    rhs: Union[Term, tuple[Term, ...]]


# --------------------------------------------------------------------------- statements


@dataclass(frozen=True)
class Using:
    ttl: Term | None = None
    timestamp: Term | None = None
    timeout: Term | None = None


@dataclass(frozen=True)
class Assignment:
    """One ``SET`` item. ``kind``:
    - ``set``:      ``col = term``
    - ``element``:  ``col[key] = term``
    - ``field``:    ``col.field = term``
    - ``add``:      ``col = col + term`` (counters, collections append)
    - ``prepend``:  ``col = term + col``
    - ``subtract``: ``col = col - term``
    """

    kind: str
    column: str
    value: Term
    key: Term | None = None
    field: str | None = None


@dataclass(frozen=True)
class DeleteTarget:
    """``col``, ``col[key]`` or ``col.field`` in ``DELETE ... FROM``."""

    column: str
    key: Term | None = None
    field: str | None = None


@dataclass(frozen=True)
class AnnOrdering:
    """``ORDER BY col ANN OF term``."""

    column: str
    vector: Term


@dataclass(frozen=True)
class Select:
    keyspace: str | None
    table: str
    selections: tuple[Selection, ...] | None  # None means *
    where: tuple[Relation, ...] = ()
    json: bool = False
    distinct: bool = False
    group_by: tuple[str, ...] = ()
    order_by: tuple[tuple[str, bool], ...] = ()  # (column, ascending)
    ann: AnnOrdering | None = None
    per_partition_limit: Term | None = None
    limit: Term | None = None
    allow_filtering: bool = False
    bypass_cache: bool = False
    using: Using | None = None


@dataclass(frozen=True)
class Insert:
    keyspace: str | None
    table: str
    columns: tuple[str, ...]
    values: tuple[Term, ...]
    json: Term | None = None  # INSERT ... JSON term
    json_default_unset: bool = False  # DEFAULT UNSET (DEFAULT NULL is the default)
    if_not_exists: bool = False
    using: Using = field(default_factory=Using)


@dataclass(frozen=True)
class Update:
    keyspace: str | None
    table: str
    assignments: tuple[Assignment, ...]
    where: tuple[Relation, ...]
    using: Using = field(default_factory=Using)
    if_exists: bool = False
    conditions: tuple[Relation, ...] = ()


@dataclass(frozen=True)
class Delete:
    keyspace: str | None
    table: str
    targets: tuple[DeleteTarget, ...]  # empty: the whole row/partition/range
    where: tuple[Relation, ...]
    using: Using = field(default_factory=Using)
    if_exists: bool = False
    conditions: tuple[Relation, ...] = ()


@dataclass(frozen=True)
class Batch:
    kind: str  # LOGGED, UNLOGGED, COUNTER
    statements: tuple[Union[Insert, Update, Delete], ...]
    using: Using = field(default_factory=Using)


@dataclass(frozen=True)
class Use:
    keyspace: str


OptionValue = Union[Term, str]  # a term, or a bare identifier such as ``true``


@dataclass(frozen=True)
class CreateKeyspace:
    name: str
    options: tuple[
        tuple[str, Term], ...
    ]  # e.g. ('replication', MapLiteral(...)), ('durable_writes', Literal)
    if_not_exists: bool = False


@dataclass(frozen=True)
class AlterKeyspace:
    name: str
    options: tuple[tuple[str, Term], ...]
    if_exists: bool = False


@dataclass(frozen=True)
class DropKeyspace:
    name: str
    if_exists: bool = False


@dataclass(frozen=True)
class ColumnDef:
    name: str
    type: TypeExpr
    static: bool = False


@dataclass(frozen=True)
class CreateTable:
    keyspace: str | None
    name: str
    columns: tuple[ColumnDef, ...]
    partition_key: tuple[str, ...]
    clustering: tuple[str, ...] = ()
    clustering_order: tuple[tuple[str, bool], ...] = ()  # (column, ascending)
    options: tuple[tuple[str, Term], ...] = ()
    compact_storage: bool = False
    if_not_exists: bool = False


@dataclass(frozen=True)
class AlterTable:
    """``action``: add (columns), drop (names), rename (pairs), alter (one column, new type),
    with (options)."""

    keyspace: str | None
    name: str
    action: str
    columns: tuple[ColumnDef, ...] = ()
    names: tuple[str, ...] = ()
    renames: tuple[tuple[str, str], ...] = ()
    options: tuple[tuple[str, Term], ...] = ()
    if_exists: bool = False
    if_column_exists: bool = False  # ADD IF NOT EXISTS / DROP IF EXISTS
    timestamp: int | None = None  # DROP ... USING TIMESTAMP: when the dropped data ends


@dataclass(frozen=True)
class DropTable:
    keyspace: str | None
    name: str
    if_exists: bool = False


@dataclass(frozen=True)
class Truncate:
    keyspace: str | None
    name: str


@dataclass(frozen=True)
class CreateType:
    keyspace: str | None
    name: str
    fields: tuple[tuple[str, TypeExpr], ...]
    if_not_exists: bool = False


@dataclass(frozen=True)
class AlterType:
    """``action``: add (fields), rename (renames), alter (one field, new type)."""

    keyspace: str | None
    name: str
    action: str
    fields: tuple[tuple[str, TypeExpr], ...] = ()
    renames: tuple[tuple[str, str], ...] = ()
    if_exists: bool = False


@dataclass(frozen=True)
class DropType:
    keyspace: str | None
    name: str
    if_exists: bool = False


@dataclass(frozen=True)
class IndexTarget:
    """One indexed column: ``kind`` is simple, keys, values, entries or full."""

    column: str
    kind: str = "simple"


@dataclass(frozen=True)
class CreateIndex:
    """``CREATE [CUSTOM] INDEX [IF NOT EXISTS] [name] ON [ks.]table (target)
    [USING 'class' [WITH OPTIONS = {...}]]``. A local index ``((pk1, pk2), col)`` has
    ``partition_columns`` set."""

    keyspace: str | None
    table: str
    name: str | None
    targets: tuple[IndexTarget, ...]
    partition_columns: tuple[str, ...] = ()
    custom_class: str | None = None
    options: tuple[tuple[str, Term], ...] = ()
    if_not_exists: bool = False


@dataclass(frozen=True)
class DropIndex:
    keyspace: str | None
    name: str
    if_exists: bool = False


@dataclass(frozen=True)
class CreateMaterializedView:
    keyspace: str | None
    name: str
    base_keyspace: str | None
    base_table: str
    columns: tuple[str, ...] | None  # None means *
    where: tuple[Relation, ...]
    partition_key: tuple[str, ...]
    clustering: tuple[str, ...] = ()
    clustering_order: tuple[tuple[str, bool], ...] = ()
    options: tuple[tuple[str, Term], ...] = ()
    if_not_exists: bool = False


@dataclass(frozen=True)
class AlterMaterializedView:
    keyspace: str | None
    name: str
    options: tuple[tuple[str, Term], ...]


@dataclass(frozen=True)
class DropMaterializedView:
    keyspace: str | None
    name: str
    if_exists: bool = False


@dataclass(frozen=True)
class CreateRole:
    """``CREATE ROLE|USER``; options such as password, login, superuser."""

    name: str
    options: tuple[tuple[str, Term], ...] = ()
    if_not_exists: bool = False


@dataclass(frozen=True)
class DropRole:
    name: str
    if_exists: bool = False


@dataclass(frozen=True)
class AlterRole:
    name: str
    options: tuple[tuple[str, Term], ...]


@dataclass(frozen=True)
class Resource:
    """What permissions are granted on: ``kind`` "data" with ``path`` () for all keyspaces,
    (keyspace,) or (keyspace or None for the session's, table); "roles" with () or (role,)."""

    kind: str
    path: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class PermissionChange:
    """``GRANT``/``REVOKE`` permissions (None: ALL) ``ON`` a resource ``TO``/``FROM`` a role."""

    grant: bool
    permissions: tuple[str, ...] | None
    resource: Resource
    role: str


@dataclass(frozen=True)
class RoleChange:
    """``GRANT role TO grantee`` / ``REVOKE role FROM grantee``."""

    grant: bool
    role: str
    grantee: str


@dataclass(frozen=True)
class ListRoles:
    of: str | None = None
    recursive: bool = True


@dataclass(frozen=True)
class ListPermissions:
    permissions: tuple[str, ...] | None = None
    resource: Resource | None = None
    of: str | None = None
    recursive: bool = True


Statement = Union[
    Select,
    Insert,
    Update,
    Delete,
    Batch,
    Use,
    CreateKeyspace,
    AlterKeyspace,
    DropKeyspace,
    CreateTable,
    AlterTable,
    DropTable,
    Truncate,
    CreateType,
    AlterType,
    DropType,
    CreateIndex,
    DropIndex,
    CreateMaterializedView,
    AlterMaterializedView,
    DropMaterializedView,
    CreateRole,
    DropRole,
    AlterRole,
    PermissionChange,
    RoleChange,
    ListRoles,
    ListPermissions,
]
