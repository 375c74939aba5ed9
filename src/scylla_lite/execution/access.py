"""Access control as statements: which permission each statement needs (`authorize`),
the role and permission statements themselves (`run`), and what a schema change does to
permissions (`follow_schema`). The checks and messages are ScyllaDB's
(``service/client_state.cc``, ``cql3/statements/role-management-statements.cc``,
``permission_altering_statement.cc``, ``list_permissions_statement.cc``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cassandra.cqltypes import BooleanType, UTF8Type

from ..auth import PERMISSIONS, READABLE_SYSTEM, Auth, Resource, Role, data, hash_password, logged_in
from ..catalog import Catalog
from ..cql import ast
from ..errors import InvalidRequest, SyntaxException, Unauthorized
from ..results import ColumnSpec, Result, Rows, SchemaChange, Void

STATEMENTS = (
    ast.CreateRole,
    ast.AlterRole,
    ast.DropRole,
    ast.PermissionChange,
    ast.RoleChange,
    ast.ListRoles,
    ast.ListPermissions,
)
"""The statements `run` executes; all but the two LISTs change the auth state."""


# --------------------------------------------------------------------------- what a statement needs


def required(stmt: ast.Statement, keyspace: str | None, catalog: Catalog) -> list[tuple[str, Resource]]:
    """The (permission, resource) pairs a data or schema statement needs, as ScyllaDB asks them."""
    if isinstance(stmt, ast.Batch):
        return [need for child in stmt.statements for need in required(child, keyspace, catalog)]
    if isinstance(stmt, ast.Select):
        ks = stmt.keyspace or keyspace
        if (ks, stmt.table) in READABLE_SYSTEM or ks == "system_schema":
            return []
        return [("SELECT", data(ks, stmt.table))]
    if isinstance(stmt, (ast.Insert, ast.Update, ast.Delete)):
        return [("MODIFY", data(stmt.keyspace or keyspace, stmt.table))]
    if isinstance(stmt, ast.Truncate):
        return [("MODIFY", data(stmt.keyspace or keyspace, stmt.name))]
    if isinstance(stmt, ast.CreateKeyspace):
        return [("CREATE", data())]
    if isinstance(stmt, (ast.AlterKeyspace, ast.DropKeyspace)):
        return [("ALTER" if isinstance(stmt, ast.AlterKeyspace) else "DROP", data(stmt.name))]
    return _schema_needs(stmt, keyspace, catalog)


def _schema_needs(stmt: ast.Statement, keyspace: str | None, catalog: Catalog) -> list[tuple[str, Resource]]:
    ks = getattr(stmt, "keyspace", None) or keyspace
    if isinstance(stmt, (ast.CreateTable, ast.CreateType)):
        return [("CREATE", data(ks))]
    if isinstance(stmt, (ast.AlterType, ast.DropType)):
        return [("ALTER" if isinstance(stmt, ast.AlterType) else "DROP", data(ks))]
    if isinstance(stmt, (ast.AlterTable, ast.DropTable)):
        return [("ALTER" if isinstance(stmt, ast.AlterTable) else "DROP", data(ks, stmt.name))]
    if isinstance(stmt, ast.CreateIndex):
        return [("ALTER", data(ks, stmt.table))]
    if isinstance(stmt, ast.CreateMaterializedView):
        return [("ALTER", data(stmt.base_keyspace or ks, stmt.base_table))]
    if isinstance(stmt, (ast.DropIndex, ast.AlterMaterializedView, ast.DropMaterializedView)):
        base = _base_table(stmt, ks, catalog)
        return [("ALTER", data(ks, base))] if base is not None else []
    return []


def _base_table(stmt: Any, keyspace: str | None, catalog: Catalog) -> str | None:
    """The table an index or view belongs to (None when it does not exist: the statement
    then fails on that, as in ScyllaDB)."""
    ks = catalog.keyspaces.get(keyspace or "")
    if ks is None:
        return None
    if isinstance(stmt, ast.DropIndex):
        found = next((t for t in ks.tables.values() if stmt.name in t.indexes), None)
        return found.name if found is not None else None
    view = ks.tables.get(stmt.name)
    return view.view.base_table if view is not None and view.view is not None else None


def authorize(
    auth: Auth, user: str | None, stmt: ast.Statement, keyspace: str | None, catalog: Catalog
) -> None:
    """Refuse ``stmt`` unless ``user`` holds what it needs (access statements check their own)."""
    if isinstance(stmt, (ast.Use, *STATEMENTS)):
        return
    for permission, resource in required(stmt, keyspace, catalog):
        auth.ensure(user, permission, resource)


def follow_schema(auth: Auth, user: str | None, change: SchemaChange) -> bool:
    """Grant the creator of a keyspace or table everything on it; forget a dropped one.
    True when permissions changed (the caller logs them)."""
    if change.target not in ("KEYSPACE", "TABLE"):
        return False
    resource = data(change.keyspace, change.name or None)
    if change.change == "CREATED" and user is not None:
        auth.grant_all(user, resource)
        return True
    if change.change == "DROPPED":
        before = len(auth.permissions)
        auth.forget(resource)
        return len(auth.permissions) != before
    return False


# --------------------------------------------------------------------------- the statements


def run(auth: Auth, user: str | None, stmt: ast.Statement, keyspace: str | None, catalog: Catalog) -> Result:
    """Execute one access-control statement for ``user`` (None: not logged in)."""
    user = logged_in(user)
    handler: Callable[..., Result] = _HANDLERS[type(stmt)]
    return handler(auth, user, stmt, keyspace, catalog)


def _create_role(auth: Auth, user: str, stmt: ast.CreateRole, *_: Any) -> Result:
    options = _role_options(stmt.options)
    auth.ensure(user, "CREATE", Resource("roles"))
    if options.get("superuser") and not auth.is_superuser(user):
        raise Unauthorized("Only superusers can create a role with superuser status.")
    if stmt.name in auth.roles:
        if stmt.if_not_exists:
            return Void()
        raise InvalidRequest(f"Role {stmt.name} already exists.")
    password = options.get("password")
    hashed = hash_password(password) if password is not None else None
    auth.roles[stmt.name] = Role(hashed, options.get("superuser", False), options.get("login", False))
    auth.grant_all(user, Resource("roles", (stmt.name,)))
    return Void()


def _alter_role(auth: Auth, user: str, stmt: ast.AlterRole, *_: Any) -> Result:
    options = _role_options(stmt.options)
    if "superuser" in options:
        if not auth.is_superuser(user):
            raise Unauthorized("Only superusers are allowed to alter superuser status.")
        auth.role(stmt.name)
        if stmt.name in auth.granted(user):
            raise Unauthorized(
                "You aren't allowed to alter your own superuser status or that of a role granted to you."
            )
    if user != stmt.name:
        auth.ensure(user, "ALTER", Resource("roles", (stmt.name,)))
    role = auth.role(stmt.name)
    if "password" in options:
        role.salted_hash = hash_password(options["password"])
    if "superuser" in options:
        role.superuser = bool(options["superuser"])
    if "login" in options:
        role.login = bool(options["login"])
    return Void()


def _drop_role(auth: Auth, user: str, stmt: ast.DropRole, *_: Any) -> Result:
    if stmt.name == user:
        raise InvalidRequest("Cannot DROP primary role for current login.")
    auth.ensure(user, "DROP", Resource("roles", (stmt.name,)))
    target = auth.roles.get(stmt.name)
    if target is not None and target.superuser and not auth.is_superuser(user):
        raise Unauthorized("Only superusers can drop a superuser role.")
    if target is None:
        if stmt.if_exists:
            return Void()
        raise InvalidRequest(f"Role {stmt.name} doesn't exist.")
    auth.drop_role(stmt.name)
    return Void()


def _role_options(options: tuple[tuple[str, ast.Term], ...]) -> dict[str, Any]:
    """PASSWORD = 'string', LOGIN = boolean, SUPERUSER = boolean (the grammar's role options)."""
    kinds = {"password": "string", "login": "boolean", "superuser": "boolean"}
    found: dict[str, Any] = {}
    for name, term in options:
        kind = kinds.get(name.lower())
        if kind is None:
            raise SyntaxException(f"Unsupported role option {name}: PASSWORD, LOGIN and SUPERUSER are")
        if not isinstance(term, ast.Literal) or term.kind != kind:
            raise SyntaxException(f"{name.upper()} takes a {kind} literal")
        if name.lower() in found:
            raise SyntaxException(f"Multiple definition for property {name.lower()}")
        found[name.lower()] = term.value if kind == "string" else term.value.lower() == "true"
    return found


def _change_permissions(
    auth: Auth, user: str, stmt: ast.PermissionChange, keyspace: str | None, catalog: Catalog
) -> Result:
    resource = _resource(stmt.resource, keyspace)
    permissions = _applicable(stmt.permissions, resource)
    _ensure_exists(auth, resource, catalog)
    auth.ensure(user, "AUTHORIZE", resource)
    for permission in sorted(permissions, key=PERMISSIONS.index):
        auth.ensure(user, permission, resource)
    auth.role(stmt.role)
    held = auth.permissions.setdefault((stmt.role, resource.name), set())
    if stmt.grant:
        held.update(permissions)
    else:
        held.difference_update(permissions)
    if not held:
        del auth.permissions[(stmt.role, resource.name)]
    return Void()


def _resource(resource: ast.Resource, keyspace: str | None) -> Resource:
    """A table named without its keyspace is in the session's (ScyllaDB's maybe_correct_resource)."""
    parts = resource.path
    if resource.kind == "data" and len(parts) == 2 and parts[0] is None:
        if keyspace is None:
            raise InvalidRequest(
                "No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename"
            )
        parts = (keyspace, parts[1])
    return Resource(resource.kind, tuple(str(p) for p in parts))


def _applicable(permissions: tuple[str, ...] | None, resource: Resource) -> set[str]:
    wanted = set(PERMISSIONS if permissions is None else permissions) & resource.applicable()
    if not wanted:
        raise InvalidRequest(f"Resource {resource} does not support any of the requested permissions.")
    return wanted


def _ensure_exists(auth: Auth, resource: Resource, catalog: Catalog) -> None:
    if resource.kind == "roles":
        exists = not resource.parts or resource.parts[0] in auth.roles
    elif len(resource.parts) == 2:
        ks = catalog.keyspaces.get(resource.parts[0])
        exists = ks is not None and resource.parts[1] in ks.tables
    else:
        exists = not resource.parts or resource.parts[0] in catalog.keyspaces
    if not exists:
        raise InvalidRequest(f"{resource} doesn't exist.")


def _change_role(auth: Auth, user: str, stmt: ast.RoleChange, *_: Any) -> Result:
    auth.ensure(user, "AUTHORIZE", Resource("roles", (stmt.role,)))
    auth.role(stmt.role)
    grantee = auth.role(stmt.grantee)
    if not stmt.grant:
        if stmt.role not in grantee.member_of:
            raise InvalidRequest(f"{stmt.grantee} was not granted role {stmt.role}, so it cannot be revoked.")
        grantee.member_of.discard(stmt.role)
        return Void()
    if stmt.role in auth.granted(stmt.grantee):
        raise InvalidRequest(f"{stmt.grantee} already includes role {stmt.role}.")
    if stmt.grantee in auth.granted(stmt.role):
        raise InvalidRequest(f"{stmt.role} already includes role {stmt.grantee}.")
    grantee.member_of.add(stmt.role)
    return Void()


def _list_roles(auth: Auth, user: str, stmt: ast.ListRoles, *_: Any) -> Result:
    describe = auth.has(user, "DESCRIBE", Resource("roles"))
    if stmt.of is not None:
        auth.role(stmt.of)
        if not describe and stmt.of not in auth.granted(user):
            raise Unauthorized(f"You are not authorized to view the roles granted to role '{stmt.of}'.")
        names = auth.granted(stmt.of, stmt.recursive)
    else:
        names = set(auth.roles) if describe else auth.granted(user, stmt.recursive)
    columns = [
        _spec("roles", "role"),
        _spec("roles", "super", BooleanType),
        _spec("roles", "login", BooleanType),
    ]
    rows = [[n.encode(), _bool(auth.roles[n].superuser), _bool(auth.roles[n].login)] for n in sorted(names)]
    return Rows(columns, rows)  # type: ignore[arg-type]


def _list_permissions(
    auth: Auth, user: str, stmt: ast.ListPermissions, keyspace: str | None, catalog: Catalog
) -> Result:
    resource = _resource(stmt.resource, keyspace) if stmt.resource is not None else None
    if resource is not None:
        _ensure_exists(auth, resource, catalog)
    elif not auth.is_superuser(user) and stmt.of is None:
        raise Unauthorized("You are not authorized to view everyone's permissions")
    if stmt.of is not None:
        auth.role(stmt.of)
        if resource is None and not auth.is_superuser(user) and stmt.of not in auth.granted(user):
            raise Unauthorized(f"You are not authorized to view {stmt.of}'s permissions")
    roles = auth.granted(stmt.of) if stmt.of is not None else None
    wanted = set(PERMISSIONS if stmt.permissions is None else stmt.permissions)
    on = _with_parents(resource, stmt.recursive) if resource is not None else None
    found = sorted(
        (role, Resource.from_name(name), held & wanted)
        for (role, name), held in auth.permissions.items()
        if (roles is None or role in roles) and (on is None or name in on) and held & wanted
    )
    columns = [_spec("permissions", c) for c in ("role", "username", "resource", "permission")]
    rows = [
        [role.encode(), role.encode(), str(res).encode(), p.encode()]
        for role, res, held in found
        for p in sorted(held)
    ]
    return Rows(columns, rows)  # type: ignore[arg-type]


def _with_parents(resource: Resource, recursive: bool) -> set[str]:
    names = {resource.name}
    at = resource.parent() if recursive else None
    while at is not None:
        names.add(at.name)
        at = at.parent()
    return names


def _spec(table: str, name: str, kind: Any = UTF8Type) -> ColumnSpec:
    return ColumnSpec("system_auth", table, name, kind)


def _bool(value: bool) -> bytes:
    return b"\x01" if value else b"\x00"


_HANDLERS: dict[type, Callable[..., Result]] = {
    ast.CreateRole: _create_role,
    ast.AlterRole: _alter_role,
    ast.DropRole: _drop_role,
    ast.PermissionChange: _change_permissions,
    ast.RoleChange: _change_role,
    ast.ListRoles: _list_roles,
    ast.ListPermissions: _list_permissions,
}
