"""An engine that stores nothing: what the protocol layer costs on its own.

`NullEngine` answers every QUERY, EXECUTE and BATCH without parsing CQL or touching
storage: ``USE ks`` gets a Set_keyspace, ``SELECT`` the fixed ``select_rows`` given to
the constructor (Void without them: a Rows result with no column is something the
driver cannot decode), anything else Void. PREPARE finds the bind markers with a small scanner so that drivers can bind
values: each marker is named after its column where that is easy to see
(``INSERT ... (a, b) VALUES (?, ?)``, ``a = ?``, ``:name``) and typed from the
``column_types`` given to the constructor (blob otherwise; ``LIMIT``/``TTL`` int,
``TIMESTAMP`` bigint).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from cassandra import cqltypes as ct

from ..errors import InvalidRequest, Unprepared
from ..requests import BatchOptions, ClientState, QueryOptions
from ..results import ColumnSpec, Prepared, Result, Rows, SetKeyspace, Void

_Type = type[ct._CassandraType]

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|--[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<str>'(?:[^']|'')*'|\$\$.*?\$\$)
  | (?P<qid>"(?:[^"]|"")*")
  | (?P<named>:[A-Za-z_][A-Za-z0-9_]*)
  | (?P<id>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|!=|[=<>])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_SPECIAL = {
    "limit": ("[limit]", ct.Int32Type),
    "ttl": ("[ttl]", ct.Int32Type),
    "timestamp": ("[timestamp]", ct.LongType),
}


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind == "ws":
            continue
        tok = m.group()
        if kind == "qid":
            kind, tok = "id", tok[1:-1].replace('""', '"')
        elif kind == "id":
            tok = tok.lower()
        out.append((kind, tok))
    return out


def bind_marker_names(text: str) -> list[str | None]:
    """Best-effort names of the bind markers of ``text``, in order (None: unknown)."""
    toks = _tokens(text)
    names: list[str | None] = []
    insert_cols: list[str] = []
    if toks and toks[0] == ("id", "insert"):
        # INSERT INTO t (c1, c2) VALUES (v1, v2): columns by position
        try:
            start = next(i for i, t in enumerate(toks) if t == ("other", "("))
            end = next(i for i in range(start, len(toks)) if toks[i] == ("other", ")"))
            insert_cols = [t for k, t in toks[start + 1 : end] if k == "id"]
        except StopIteration:
            insert_cols = []
    in_values = False
    depth = 0
    position = 0
    for i, (kind, tok) in enumerate(toks):
        if kind == "id" and tok == "values":
            in_values, depth, position = True, 0, 0
            continue
        if in_values:
            if tok == "(":
                depth += 1
            elif tok == ")":
                depth -= 1
                if depth <= 0:
                    in_values = False
            elif tok == "," and depth == 1:
                position += 1
        if kind == "named":
            names.append(tok[1:].lower())
        elif tok == "?" and kind == "other":
            if in_values and depth == 1 and position < len(insert_cols):
                names.append(insert_cols[position])
                continue
            prev = toks[i - 1] if i else ("", "")
            prev2 = toks[i - 2] if i > 1 else ("", "")
            if prev[0] == "id" and prev[1] in _SPECIAL:
                names.append(_SPECIAL[prev[1]][0])
            elif (prev[0] == "op" and prev2[0] == "id") or (
                prev[0] == "id" and prev[1] in ("in", "contains") and prev2[0] == "id"
            ):
                names.append(prev2[1])
            else:
                names.append(None)
    return names


class NullEngine:
    """`EngineAPI` without storage (for measuring the protocol layer)."""

    auth_enabled = False

    def __init__(
        self,
        column_types: Mapping[str, _Type] | None = None,
        default_type: _Type = ct.BytesType,
        keyspace: str = "null",
        table: str = "null",
        select_rows: Rows | None = None,
    ) -> None:
        self.select_rows = select_rows
        self.column_types = dict(column_types or {})
        self.default_type = default_type
        self.keyspace, self.table = keyspace, table
        self._prepared: dict[bytes, tuple[str, Prepared]] = {}

    @staticmethod
    def _kind(text: str) -> str:
        words = text.lstrip().split(None, 2)
        return words[0].lower() if words else ""

    def _answer(self, client: ClientState, text: str, options: QueryOptions | None = None) -> Result:
        kind = self._kind(text)
        if kind == "select" and self.select_rows is not None:
            rows = self.select_rows
            return Rows(rows.columns, rows.rows, no_metadata=bool(options and options.skip_metadata))
        if kind == "use":
            words = text.split()
            if len(words) < 2:
                raise InvalidRequest("USE needs a keyspace")
            ks = words[1].rstrip(";")
            ks = ks[1:-1].replace('""', '"') if ks.startswith('"') else ks.lower()
            client.keyspace = ks
            return SetKeyspace(ks)
        return Void()

    def query(self, client: ClientState, query: str, options: QueryOptions) -> Result:
        return self._answer(client, query, options)

    def prepare(self, client: ClientState, query: str) -> Prepared:
        statement_id = hashlib.md5(((client.keyspace or "") + "\0" + query).encode("utf-8")).digest()
        found = self._prepared.get(statement_id)
        if found is not None:
            return found[1]
        bind = []
        for i, name in enumerate(bind_marker_names(query)):
            if name in ("[limit]", "[ttl]", "[timestamp]"):
                typ = _SPECIAL[name[1:-1]][1]
            else:
                typ = self.column_types.get(name or "", self.default_type)
            bind.append(ColumnSpec(client.keyspace or self.keyspace, self.table, name or f"[bind{i}]", typ))
        result = self.select_rows.columns if self.select_rows and self._kind(query) == "select" else []
        prepared = Prepared(statement_id=statement_id, bind=bind, pk_indexes=[], result=result)
        self._prepared[statement_id] = (query, prepared)
        return prepared

    def execute(self, client: ClientState, statement_id: bytes, options: QueryOptions) -> Result:
        found = self._prepared.get(statement_id)
        if found is None:
            raise Unprepared(f"Prepared query with ID {statement_id.hex()} not found", statement_id)
        return self._answer(client, found[0], options)

    def batch(self, client: ClientState, options: BatchOptions) -> Result:
        for item in options.items:
            if item.statement_id is not None and item.statement_id not in self._prepared:
                raise Unprepared(
                    f"Prepared query with ID {item.statement_id.hex()} not found", item.statement_id
                )
        return Void()

    def authenticate(self, user: str, password: str) -> bool:
        return True

    async def sync(self) -> None:
        return None
