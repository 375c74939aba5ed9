"""Roles and permissions, as ScyllaDB runs PasswordAuthenticator with CassandraAuthorizer.

A role logs in with a password stored as a salted bcrypt hash (ScyllaDB's first choice
of crypt scheme), holds permissions on resources (all keyspaces, a keyspace, a table;
all roles, a role) and inherits those of the roles granted to it. A superuser passes
every check except the ones that protect the system keyspaces. The creator of a
keyspace, table or role is granted every permission that applies to it, and dropping a
resource revokes every permission on it, as Cassandra's auto-grant does.

The one default role is ``cassandra`` with password ``cassandra`` (ScyllaDB's default
superuser): change it with ``ALTER ROLE cassandra WITH PASSWORD = '...'``.

`Auth` owns the state; `scylla_lite.execution.access` runs the statements of access
control and says which permission every other statement needs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import bcrypt

from .errors import InvalidRequest, Unauthorized

PERMISSIONS = ("CREATE", "ALTER", "DROP", "SELECT", "MODIFY", "AUTHORIZE", "DESCRIBE", "EXECUTE")
DEFAULT_ROLE = "cassandra"
DEFAULT_HASH = "$2a$10$WYbUW6hUuN/dutEd6AlHl.eL2bo39/6o0EG7DvN4V33BDc7foeZzG"
"""The default password ``cassandra``, hashed once here: every new engine would otherwise
spend bcrypt's ~60 ms on a password everyone knows (the auth spec logs in with it)."""
BCRYPT_ROUNDS = 10  # Cassandra's gensalt(10)
FAILED_LOGIN_DELAY = 1.0
"""Seconds before a wrong password is answered (CQL and admin ports): each guess costs a
second per connection on top of bcrypt's own cost."""
ANONYMOUS = "You have to be logged in and not anonymous to perform this request"
# what any logged-in role may read: the driver's view of the cluster and its schema
READABLE_SYSTEM = {("system", "local"), ("system", "peers"), ("system", "peers_v2")}


@dataclass(frozen=True, order=True)
class Resource:
    """``kind`` "data" with parts () / (keyspace,) / (keyspace, table); "roles" with () / (role,)."""

    kind: str
    parts: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """ScyllaDB's stored name: ``data/ks/t``, ``roles/r``."""
        return "/".join((self.kind, *self.parts))

    @classmethod
    def from_name(cls, name: str) -> Resource:
        kind, *parts = name.split("/")
        return cls(kind, tuple(parts))

    def parent(self) -> Resource | None:
        return Resource(self.kind, self.parts[:-1]) if self.parts else None

    def applicable(self) -> frozenset[str]:
        """The permissions that mean something on this resource (auth/resource.cc)."""
        if self.kind == "data":
            if len(self.parts) == 2:
                return frozenset({"ALTER", "DROP", "SELECT", "MODIFY", "AUTHORIZE"})
            return frozenset({"CREATE", "ALTER", "DROP", "SELECT", "MODIFY", "AUTHORIZE"})
        if self.parts:
            return frozenset({"ALTER", "DROP", "AUTHORIZE"})
        return frozenset({"CREATE", "ALTER", "DROP", "AUTHORIZE", "DESCRIBE"})

    def __str__(self) -> str:
        if self.kind == "roles":
            return f"<role {self.parts[0]}>" if self.parts else "<all roles>"
        if not self.parts:
            return "<all keyspaces>"
        return f"<keyspace {self.parts[0]}>" if len(self.parts) == 1 else f"<table {'.'.join(self.parts)}>"


def data(keyspace: str | None = None, table: str | None = None) -> Resource:
    return Resource("data", tuple(p for p in (keyspace, table) if p is not None))


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(BCRYPT_ROUNDS, prefix=b"2a")).decode()


@dataclass
class Role:
    salted_hash: str | None = None
    superuser: bool = False
    login: bool = False
    member_of: set[str] = field(default_factory=set)


class Auth:
    """The role table, the role graph and the granted permissions."""

    def __init__(self) -> None:
        self.roles: dict[str, Role] = {DEFAULT_ROLE: Role(DEFAULT_HASH, True, True)}
        self.permissions: dict[tuple[str, str], set[str]] = {}  # (role, resource name) -> permissions

    # ------------------------------------------------------------------ state
    def state(self) -> dict[str, Any]:
        """Plain data for the snapshot and the commit log (hashes only, never a password)."""
        return {
            "roles": {
                name: [r.salted_hash, r.superuser, r.login, sorted(r.member_of)]
                for name, r in self.roles.items()
            },
            "permissions": [[role, res, sorted(p)] for (role, res), p in self.permissions.items()],
        }

    def restore(self, state: dict[str, Any]) -> None:
        self.roles = {name: Role(h, s, lg, set(m)) for name, (h, s, lg, m) in state["roles"].items()}
        self.permissions = {(role, res): set(p) for role, res, p in state["permissions"]}

    def restore_legacy(self, roles: dict[str, dict[str, Any]]) -> None:
        """Roles of a snapshot from before hashes: their plain passwords are hashed now."""
        self.roles = {
            name: Role(
                hash_password(r["password"]) if r.get("password") else None,
                bool(r.get("superuser")),
                bool(r.get("login")),
            )
            for name, r in roles.items()
        }

    # ------------------------------------------------------------------ questions
    def authenticate(self, user: str, password: str) -> bool:
        """bcrypt's own comparison; slow on purpose (run it off the event loop)."""
        role = self.roles.get(user)
        hashed = role.salted_hash if role is not None and role.login else None
        if hashed is None:
            bcrypt.checkpw(password.encode(), _dummy_hash())  # the same time for a missing role
            return False
        return bcrypt.checkpw(password.encode(), hashed.encode())

    def role(self, name: str) -> Role:
        role = self.roles.get(name)
        if role is None:
            raise InvalidRequest(f"Role {name} doesn't exist.")
        return role

    def granted(self, name: str, recursive: bool = True) -> set[str]:
        """``name`` and the roles granted to it (transitively unless ``recursive`` is off)."""
        found = {name}
        todo = [name]
        while todo:
            role = self.roles.get(todo.pop())
            for parent in role.member_of if role is not None else ():
                if parent not in found:
                    found.add(parent)
                    if recursive:
                        todo.append(parent)
        return found

    def is_superuser(self, user: str) -> bool:
        return any(self.roles[r].superuser for r in self.granted(user) if r in self.roles)

    def has(self, user: str, permission: str, resource: Resource) -> bool:
        if self.is_superuser(user):
            return True
        roles = self.granted(user)
        at: Resource | None = resource
        while at is not None:
            if any(permission in self.permissions.get((r, at.name), ()) for r in roles):
                return True
            at = at.parent()
        return False

    def ensure(self, user: str | None, permission: str, resource: Resource) -> None:
        user = logged_in(user)
        if not self.has(user, permission, resource):
            raise Unauthorized(
                f"User {user} has no {permission} permission on {resource} or any of its parents"
            )

    # ------------------------------------------------------------------ changes
    def grant_all(self, role: str, resource: Resource) -> None:
        """Everything applicable on a resource ``role`` just created (Cassandra's auto-grant)."""
        self.permissions.setdefault((role, resource.name), set()).update(resource.applicable())

    def forget(self, resource: Resource) -> None:
        """A dropped resource: every permission on it and on what it contained goes."""
        prefix = resource.name + "/"
        for key in [k for k in self.permissions if k[1] == resource.name or k[1].startswith(prefix)]:
            del self.permissions[key]

    def drop_role(self, name: str) -> None:
        del self.roles[name]
        for role in self.roles.values():
            role.member_of.discard(name)
        for key in [k for k in self.permissions if k[0] == name]:
            del self.permissions[key]
        self.forget(Resource("roles", (name,)))


@functools.cache
def _dummy_hash() -> bytes:
    return hash_password("scylla_lite: no such role").encode()


def logged_in(user: str | None) -> str:
    if user is None:
        raise Unauthorized(ANONYMOUS)
    return user
