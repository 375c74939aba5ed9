"""CQL text -> :mod:`scylla_lite.cql.ast`, with lark's LALR(1) parser.

The grammar lives in ``grammar.lark`` next to this file. The parser is built once at
import (about half a second; the grammar has no LALR conflicts) and runs with an
*inline* transformer: the AST dataclasses are built during the LALR
reductions, no parse tree is materialised. Results are cached by text, which is safe
because the AST is immutable (frozen dataclasses holding tuples).

Choices where CQL is ambiguous:

* ``(x)`` in a value position is a one-element :class:`~ast.TupleLiteral`, as in
  Cassandra's grammar (``tupleLiteral: '(' term (',' term)* ')'``); ``(type) term`` is a
  :class:`~ast.TypeHint`. A custom-class string is not accepted as the type of a hint.
* ``{}`` is an empty :class:`~ast.MapLiteral`; ``{k: v}`` is a :class:`~ast.UdtLiteral`
  when every key is an identifier, a :class:`~ast.MapLiteral` when every key is a term;
  mixing both is a syntax error.
* A unary minus folds into number literals (``- 3`` is ``Literal('integer', '-3')``,
  ``-Infinity`` is ``Literal('infinity', '-Infinity')``); on anything else it is
  :class:`~ast.Negate` (only where a number may stand: ``-'x'`` or ``-[1]`` is a syntax
  error, as ScyllaDB's grammar knows a minus only as a number's sign).
* Terms, relations and selectors nest at most `MAX_EXPRESSION_NESTING` deep (ScyllaDB's
  ``expression nested too deeply``), types `MAX_TYPE_NESTING`: the parser is LALR and
  never recurses, so the depth is checked here, before any later code recurses on it.
* ``c = c -3`` (lexed as column, integer ``-3``) is ``Assignment('subtract', c, 3)``.
* A bare word as a ``WITH`` option value (``x = some_word``) becomes
  ``Literal('string', 'some_word')``, which is what Cassandra keeps (its raw text).
* ``CREATE INDEX ... WITH OPTIONS = {'k': 'v'}``: ``CreateIndex.options`` holds the
  entries of the OPTIONS map (``(('k', Literal('string', 'v')),)``), keys as strings.
* ``AS`` and ``CAST`` are reserved here (Cassandra lets them be column names): that keeps
  ``SELECT JSON as ...`` / ``cast(`` LR(1) without precedence tricks.
* ``CREATE USER`` preserves the case of an unquoted name (Cassandra does) and always
  yields the options ``login = true`` and ``superuser = true|false`` (plus ``password``).
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput

from ..errors import InvalidRequest, SyntaxException
from . import ast

__all__ = ["MAX_EXPRESSION_NESTING", "MAX_TYPE_NESTING", "RESERVED_KEYWORDS", "Parsed", "parse", "parse_type"]

N = TypeVar("N")

MAX_EXPRESSION_NESTING = 12
"""How deep terms, relations and selectors may nest: ScyllaDB's ``max_expression_nesting``
(cql3/Cql.g, whose ``nesting_guard`` counts each ``term``, ``relation`` and
``unaliasedSelector``). Deeper is a SyntaxException ``expression nested too deeply``,
raised while parsing, so nothing after the parser ever recurses deeper than this."""

MAX_TYPE_NESTING = 64
"""How deep a type (``frozen<list<frozen<list<...>>>>``) may nest. ScyllaDB has no such
limit; this one only keeps the recursive type code within Python's stack."""


@dataclass(frozen=True)
class Parsed:
    """One parsed statement and its bind markers in source order."""

    statement: ast.Statement
    markers: tuple[ast.BindMarker, ...]


# Reserved words that no grammar rule uses: they would otherwise lex as plain identifiers.
_RESERVED_WORDS = frozenset(
    {"authorize", "describe", "execute", "grant", "modify", "norecursive", "or", "revoke", "schema"}
)
# Names that CREATE TYPE refuses (native types, and the ones Cassandra reserves for later).
_NATIVE_TYPES = frozenset(
    {
        "ascii", "bigint", "blob", "boolean", "counter", "date", "decimal", "double", "duration",
        "float", "inet", "int", "smallint", "text", "varchar", "time", "timestamp", "timeuuid",
        "tinyint", "uuid", "varint",
    }
)  # fmt: skip
_RESERVED_TYPE_NAMES = _NATIVE_TYPES | {"byte", "complex", "enum", "interval", "macaddr", "bitstring"}

_NULL = ast.Literal("null", "null")


def _error(token: Token, message: str) -> NoReturn:
    raise SyntaxException(f"line {token.line}:{(token.column or 1) - 1} {message}")


def _unquote_string(raw: str) -> str:
    if raw.startswith("$$"):
        return raw[2:-2]
    return raw[1:-1].replace("''", "'")


class _Clustering(tuple):
    """``CLUSTERING ORDER BY (...)`` among table options."""


class _Compact:
    """``COMPACT STORAGE`` among table options."""


class _PrimaryKey(tuple):
    """``PRIMARY KEY (...)`` among a table's definitions: (partition, clustering)."""


class _Partition(tuple):
    """``((pk1, pk2), ...)`` in a local-index target list."""


_COMPACT = _Compact()


def _flag(x: Any) -> bool:
    return x is not None


def _no_tokens(children: list[Any]) -> tuple[Any, ...]:
    return tuple(c for c in children if not isinstance(c, Token))


class _Builder:
    """Inline transformer: one method per grammar rule (or alias), children positional."""

    def __init__(self) -> None:
        self.markers: list[ast.BindMarker] = []
        self.text = ""  # the statement being parsed
        # id(node) -> (nesting depth, node): the node is kept so that its id stays its own
        self.depths: dict[int, tuple[int, Any]] = {}

    # ------------------------------------------------------------------ nesting

    def _depth(self, node: Any) -> int:
        """How deep ``node`` nests (a leaf is 1; a tuple of nodes, its deepest; None, 0)."""
        if node is None:
            return 0
        if isinstance(node, (tuple, list)):
            return max((self._depth(n) for n in node), default=0)
        found = self.depths.get(id(node))
        return 1 if found is None else int(found[0])

    def _at_depth(self, node: N, depth: int, limit: int = MAX_EXPRESSION_NESTING) -> N:
        """Record ``node``'s depth, refusing it past ``limit`` before anything recurses on it."""
        if depth > limit:
            what = "expression" if limit == MAX_EXPRESSION_NESTING else "type"
            raise SyntaxException(f"{what} nested too deeply")
        self.depths[id(node)] = (depth, node)
        return node

    def _nested(self, node: N, *children: Any) -> N:
        """``node`` one level above the deepest of ``children``."""
        return self._at_depth(node, 1 + self._depth(children))

    def _nested_type(self, node: N, *children: Any) -> N:
        return self._at_depth(node, 1 + self._depth(children), MAX_TYPE_NESTING)

    # ------------------------------------------------------------------ names

    def start(self, c: list[Any]) -> Any:
        return c[0]

    def type_start(self, c: list[Any]) -> Any:
        return c[0]

    def ident(self, c: list[Token]) -> str:
        tok = c[0]
        if tok.type == "QUOTED_NAME":
            return tok.value[1:-1].replace('""', '"')
        word = tok.value.lower()
        if tok.type == "IDENT" and word in _RESERVED_WORDS:
            _error(tok, f"no viable alternative at input '{tok.value}'")
        return word

    fname_ident = ident

    def unreserved_keyword(self, c: list[Token]) -> Token:
        return c[0]

    def qname(self, c: list[Any]) -> tuple[str | None, str]:
        return (None, c[0]) if c[1] is None else (c[0], c[1])

    def ident_list(self, c: list[str]) -> tuple[str, ...]:
        return tuple(c)

    def if_exists(self, c: list[Any]) -> bool:
        return True

    if_not_exists = if_exists

    # ------------------------------------------------------------------ types

    def custom_type(self, c: list[Token]) -> ast.TypeExpr:
        return ast.TypeExpr("custom", custom=_unquote_string(c[0].value))

    def list_type(self, c: list[Any]) -> ast.TypeExpr:
        return self._nested_type(ast.TypeExpr("list", (c[2],)), c[2])

    def set_type(self, c: list[Any]) -> ast.TypeExpr:
        return self._nested_type(ast.TypeExpr("set", (c[2],)), c[2])

    def map_type(self, c: list[Any]) -> ast.TypeExpr:
        return self._nested_type(ast.TypeExpr("map", (c[2], c[3])), c[2], c[3])

    def tuple_type(self, c: list[Any]) -> ast.TypeExpr:
        return self._nested_type(ast.TypeExpr("tuple", tuple(c[2:-1])), tuple(c[2:-1]))

    def frozen_type(self, c: list[Any]) -> ast.TypeExpr:
        return self._at_depth(replace(c[2], frozen=True), self._depth(c[2]), MAX_TYPE_NESTING)

    def vector_type(self, c: list[Any]) -> ast.TypeExpr:
        text = c[3].value
        if len(text.lstrip("-").lstrip("0")) > 20:  # ScyllaDB's std::stoul of the dimension fails
            raise InvalidRequest(f"Invalid vector dimension: {text}")
        return self._nested_type(ast.TypeExpr("vector", (c[2], int(text))), c[2])

    def named_type(self, c: list[str]) -> ast.TypeExpr:
        return ast.TypeExpr("text" if c[0] == "varchar" else c[0])

    def qualified_type(self, c: list[str]) -> ast.TypeExpr:
        return ast.TypeExpr(c[1], keyspace=c[0])

    # ------------------------------------------------------------------ terms

    def negate(self, c: list[Any]) -> ast.Term:
        term = c[1]
        if isinstance(term, ast.Literal) and term.kind in ("integer", "float", "duration", "infinity"):
            value = term.value[1:] if term.value.startswith("-") else "-" + term.value
            return ast.Literal(term.kind, value)
        if isinstance(term, ast.Literal) and term.kind == "nan":
            return term
        if isinstance(term, (ast.Literal, ast.ListLiteral, ast.SetLiteral, ast.MapLiteral, ast.UdtLiteral)):
            # only a number can follow a minus in ScyllaDB's grammar (its INTEGER/FLOAT tokens)
            _error(c[0], "no viable alternative at input '-'")
        return self._nested(ast.Negate(term), term)

    def type_hint(self, c: list[Any]) -> ast.TypeHint:
        return self._nested(ast.TypeHint(c[0], c[1]), c[1])

    def function_call(self, c: list[Any]) -> ast.FunctionCall:
        ks, name = c[0]
        return self._nested(ast.FunctionCall(name, c[1] or (), ks), c[1])

    def func_name(self, c: list[str]) -> tuple[str | None, str]:
        return (None, c[0]) if len(c) == 1 else (c[0], c[1])

    def null(self, c: list[Any]) -> ast.Literal:
        return _NULL

    def constant(self, c: list[Token]) -> ast.Literal:
        tok = c[0]
        kind = tok.type
        value: str = tok.value
        if kind == "STRING_LITERAL":
            return ast.Literal("string", _unquote_string(value))
        if kind == "INTEGER":
            return ast.Literal("integer", value)
        if kind == "FLOAT":
            return ast.Literal("float", value)
        if kind in ("K_TRUE", "K_FALSE"):
            return ast.Literal("boolean", value.lower())
        if kind == "UUID":
            return ast.Literal("uuid", value)
        if kind == "HEXNUMBER":
            return ast.Literal("blob", value[2:].lower())
        if kind == "DURATION":
            return ast.Literal("duration", value)
        if kind == "K_NAN":
            return ast.Literal("nan", "NaN")
        return ast.Literal("infinity", "Infinity")

    def marker_anon(self, c: list[Any]) -> ast.BindMarker:
        marker = ast.BindMarker(len(self.markers))
        self.markers.append(marker)
        return marker

    def marker_named(self, c: list[str]) -> ast.BindMarker:
        marker = ast.BindMarker(len(self.markers), c[0])
        self.markers.append(marker)
        return marker

    def list_lit(self, c: list[Any]) -> ast.ListLiteral:
        return self._nested(ast.ListLiteral(c[0] or ()), c[0])

    def tuple_lit(self, c: list[Any]) -> ast.TupleLiteral:
        return self._nested(ast.TupleLiteral(c[0]), c[0])

    def empty_brace(self, c: list[Any]) -> ast.MapLiteral:
        return ast.MapLiteral(())

    def set_lit(self, c: list[Any]) -> ast.SetLiteral:
        return self._nested(ast.SetLiteral(c[0]), c[0])

    def map_lit(self, c: list[tuple[bool, Any, ast.Term]]) -> ast.MapLiteral | ast.UdtLiteral:
        fields = [is_field for is_field, _, _ in c]
        parts = [part for _, k, v in c for part in (k, v)]
        if all(fields):
            return self._nested(ast.UdtLiteral(tuple((k, v) for _, k, v in c)), parts)
        if not any(fields):
            return self._nested(ast.MapLiteral(tuple((k, v) for _, k, v in c)), parts)
        raise SyntaxException(
            "Invalid map or user type literal: keys must be all identifiers (user type) or all terms (map)"
        )

    def term_entry(self, c: list[Any]) -> tuple[bool, Any, ast.Term]:
        return (False, c[0], c[1])

    def field_entry(self, c: list[Any]) -> tuple[bool, Any, ast.Term]:
        return (True, c[0], c[1])

    def term_list(self, c: list[ast.Term]) -> tuple[ast.Term, ...]:
        return tuple(c)

    def int_value(self, c: list[Any]) -> ast.Term:
        if isinstance(c[0], Token):
            return ast.Literal("integer", c[0].value)
        return c[0]

    # ------------------------------------------------------------------ SELECT

    def select_stmt(self, c: list[Any]) -> ast.Select:
        (_, json, distinct, selections, _, (ks, table), where, group_by, order_by,
         per_partition_limit, limit, allow_filtering, bypass_cache, using) = c  # fmt: skip
        order: tuple[tuple[str, bool], ...] = ()
        ann = None
        if order_by is not None:
            if isinstance(order_by, ast.AnnOrdering):
                ann = order_by
            else:
                order = order_by
        return ast.Select(
            ks,
            table,
            selections,
            where=where or (),
            json=_flag(json),
            distinct=_flag(distinct),
            group_by=group_by or (),
            order_by=order,
            ann=ann,
            per_partition_limit=per_partition_limit,
            limit=limit,
            allow_filtering=_flag(allow_filtering),
            bypass_cache=_flag(bypass_cache),
            using=using,
        )

    def select_all(self, c: list[Any]) -> None:
        return None

    def select_list(self, c: list[ast.Selection]) -> tuple[ast.Selection, ...]:
        return tuple(c)

    def selection(self, c: list[Any]) -> ast.Selection:
        return ast.Selection(c[0], c[2])

    def sel_chain(self, c: list[str]) -> ast.Selector:
        sel: ast.Selector = ast.ColumnSelector(c[0])
        for name in c[1:]:
            sel = ast.FieldSelector(sel, name)
        return sel

    def sel_function(self, c: list[Any]) -> ast.FunctionSelector:
        ks, name = c[0]
        return self._nested(ast.FunctionSelector(name, c[1] or (), ks), c[1])

    def sel_function_star(self, c: list[Any]) -> ast.FunctionSelector:
        ks, name = c[0]
        if name != "count" or ks not in (None, "system"):
            _error(c[1], "no viable alternative at input '*'")
        return ast.FunctionSelector("count", (ast.StarSelector(),))

    def sel_cast(self, c: list[Any]) -> ast.CastSelector:
        return self._nested(ast.CastSelector(c[1], c[3]), c[1])

    def sel_term(self, c: list[Any]) -> ast.TermSelector:
        return self._at_depth(ast.TermSelector(c[0]), self._depth(c[0]))  # the value is the selector

    # a subscript is a term inside the selector it subscripts (one level down from it)
    def sel_element(self, c: list[Any]) -> ast.ElementSelector:
        node = ast.ElementSelector(c[0], key=c[1])
        return self._at_depth(node, max(self._depth(c[0]), 1 + self._depth(c[1])))

    def sel_slice(self, c: list[Any]) -> ast.ElementSelector:
        node = ast.ElementSelector(c[0], start=c[1], end=c[3], is_slice=True)
        return self._at_depth(node, max(self._depth(c[0]), 1 + self._depth((c[1], c[3]))))

    def sel_field(self, c: list[Any]) -> ast.FieldSelector:
        return self._at_depth(ast.FieldSelector(c[0], c[1]), self._depth(c[0]))

    def sel_args(self, c: list[ast.Selector]) -> tuple[ast.Selector, ...]:
        return tuple(c)

    def where(self, c: list[Any]) -> tuple[ast.Relation, ...]:
        return _no_tokens(c)

    def group_by(self, c: list[Any]) -> tuple[str, ...]:
        return _no_tokens(c)

    def order_by(self, c: list[Any]) -> tuple[tuple[str, bool], ...]:
        return _no_tokens(c)

    def order_by_ann(self, c: list[Any]) -> ast.AnnOrdering:
        return ast.AnnOrdering(c[2], c[5])

    def ordering(self, c: list[Any]) -> tuple[str, bool]:
        return (c[0], c[1] is None or c[1].type == "K_ASC")

    def per_partition_limit(self, c: list[Any]) -> ast.Term:
        return c[3]

    def limit(self, c: list[Any]) -> ast.Term:
        return c[1]

    def allow_filtering(self, c: list[Any]) -> bool:
        return True

    bypass_cache = allow_filtering

    # ------------------------------------------------------------------ relations

    def rel_op(self, c: list[Token]) -> str:
        return c[0].value

    def relation(self, c: list[Any]) -> ast.Relation:
        return self._nested(c[0], c[0])  # `(relation)`: one level more

    def rel_simple(self, c: list[Any]) -> ast.Relation:
        return self._nested(ast.Relation(ast.ColumnRef(c[0]), c[1], c[2]), c[2])

    def rel_in(self, c: list[Any]) -> ast.Relation:
        return self._nested(ast.Relation(ast.ColumnRef(c[0]), "IN", c[2]), c[2])

    def rel_contains(self, c: list[Any]) -> ast.Relation:
        return self._nested(ast.Relation(ast.ColumnRef(c[0]), "CONTAINS", c[2]), c[2])

    def rel_contains_key(self, c: list[Any]) -> ast.Relation:
        return self._nested(ast.Relation(ast.ColumnRef(c[0]), "CONTAINS KEY", c[3]), c[3])

    def rel_like(self, c: list[Any]) -> ast.Relation:
        return self._nested(ast.Relation(ast.ColumnRef(c[0]), "LIKE", c[2]), c[2])

    def rel_is_not_null(self, c: list[Any]) -> ast.Relation:
        return ast.Relation(ast.ColumnRef(c[0]), "IS NOT", _NULL)

    def rel_element(self, c: list[Any]) -> ast.Relation:
        return self._nested(ast.Relation(ast.ElementRef(c[0], c[1]), c[2], c[3]), c[1], c[3])

    def rel_token(self, c: list[Any]) -> ast.Relation:
        return self._nested(ast.Relation(ast.TokenRef(c[1]), c[2], c[3]), c[3])

    def rel_tuple(self, c: list[Any]) -> ast.Relation:
        return self._nested(ast.Relation(ast.TupleRef(c[0]), c[1], c[2]), c[2])

    def rel_tuple_in(self, c: list[Any]) -> ast.Relation:
        return self._nested(ast.Relation(ast.TupleRef(c[0]), "IN", c[2]), c[2])

    def in_list(self, c: list[Any]) -> tuple[ast.Term, ...]:
        return c[0] or ()

    def in_marker(self, c: list[Any]) -> ast.BindMarker:
        return c[0]

    # ------------------------------------------------------------------ INSERT / UPDATE / DELETE / BATCH

    def insert_stmt(self, c: list[Any]) -> ast.Insert:
        _, _, (ks, table), columns, _, values, if_not_exists, using = c
        return ast.Insert(
            ks, table, columns, values, if_not_exists=_flag(if_not_exists), using=using or ast.Using()
        )

    def insert_json(self, c: list[Any]) -> ast.Insert:
        _, _, (ks, table), _, value, default_unset, if_not_exists, using = c
        return ast.Insert(
            ks,
            table,
            (),
            (),
            json=value,
            json_default_unset=bool(default_unset),
            if_not_exists=_flag(if_not_exists),
            using=using or ast.Using(),
        )

    def json_default(self, c: list[Token]) -> bool:
        return c[1].type == "K_UNSET"

    def using_clause(self, c: list[Any]) -> ast.Using:
        found: dict[str, ast.Term] = {}
        for item in c:
            if isinstance(item, Token):
                continue
            tok, value = item
            key = tok.type[2:].lower()
            if key in found:
                _error(tok, f"Multiple definitions of {tok.value.upper()} in USING")
            found[key] = value
        return ast.Using(**found)

    def using_ttl(self, c: list[Any]) -> tuple[Token, ast.Term]:
        return (c[0], c[1])

    using_timestamp = using_ttl
    using_timeout = using_ttl

    def update_stmt(self, c: list[Any]) -> ast.Update:
        (ks, table), using, condition = c[1], c[2], c[-1]
        return ast.Update(
            ks,
            table,
            tuple(c[4:-2]),
            c[-2],
            using=using or ast.Using(),
            if_exists=condition is True,
            conditions=condition if isinstance(condition, tuple) else (),
        )

    def assign_set(self, c: list[Any]) -> ast.Assignment:
        return ast.Assignment("set", c[0], c[2])

    def assign_prepend(self, c: list[Any]) -> ast.Assignment:
        if c[4] != c[0]:
            _error(c[3], "Only expressions of the form X = <value> + X are supported.")
        return ast.Assignment("prepend", c[0], c[2])

    def assign_add(self, c: list[Any]) -> ast.Assignment:
        if c[2] != c[0]:
            _error(c[3], "Only expressions of the form X = X + <value> are supported.")
        return ast.Assignment("add", c[0], c[4])

    def assign_subtract(self, c: list[Any]) -> ast.Assignment:
        if c[2] != c[0]:
            _error(c[3], "Only expressions of the form X = X - <value> are supported.")
        return ast.Assignment("subtract", c[0], c[4])

    def assign_signed(self, c: list[Any]) -> ast.Assignment:
        # `c = c -3`: the lexer reads `-3` as one number
        number: Token = c[3]
        if not number.value.startswith("-"):
            _error(number, f"no viable alternative at input '{number.value}'")
        if c[2] != c[0]:
            _error(number, "Only expressions of the form X = X - <value> are supported.")
        kind = "integer" if number.type == "INTEGER" else "float"
        return ast.Assignment("subtract", c[0], ast.Literal(kind, number.value[1:]))

    def assign_add_short(self, c: list[Any]) -> ast.Assignment:
        return ast.Assignment("add", c[0], c[2])

    def assign_subtract_short(self, c: list[Any]) -> ast.Assignment:
        return ast.Assignment("subtract", c[0], c[2])

    def assign_element(self, c: list[Any]) -> ast.Assignment:
        return ast.Assignment("element", c[0], c[3], key=c[1])

    def assign_field(self, c: list[Any]) -> ast.Assignment:
        return ast.Assignment("field", c[0], c[3], field=c[1])

    def conditions(self, c: list[Any]) -> tuple[ast.Relation, ...]:
        return _no_tokens(c)

    def cond_simple(self, c: list[Any]) -> ast.Relation:
        return ast.Relation(ast.ColumnRef(c[0]), c[1], c[2])

    def cond_in(self, c: list[Any]) -> ast.Relation:
        return ast.Relation(ast.ColumnRef(c[0]), "IN", c[2])

    # ScyllaDB's IF conditions take a column or an element ``col[key]`` on the left and
    # only comparisons and IN: CONTAINS (scylladb#13586) and UDT fields (scylladb#13624)
    # are syntax errors there, as they are in ScyllaDB's grammar.
    def cond_contains(self, c: list[Any]) -> ast.Relation:
        _error(c[1], f"no viable alternative at input '{c[1].value}'")

    cond_contains_key = cond_contains

    def cond_element(self, c: list[Any]) -> ast.Relation:
        return ast.Relation(ast.ElementRef(c[0], c[1]), c[2], c[3])

    def cond_element_in(self, c: list[Any]) -> ast.Relation:
        return ast.Relation(ast.ElementRef(c[0], c[1]), "IN", c[3])

    def cond_field(self, c: list[Any]) -> ast.Relation:
        raise SyntaxException(f"{self._position_of_dot(c[0], c[1])} no viable alternative at input '.'")

    cond_field_in = cond_field

    def _position_of_dot(self, column: str, field: str) -> str:
        """``line L:C`` of the ``.`` in ``IF column.field`` (the tree keeps no tokens there)."""
        text = self.text
        found = list(re.finditer(rf"(?i)\b{re.escape(column)}\s*(\.)\s*\"?{re.escape(field)}", text))
        pos = found[-1].start(1) if found else 0  # the condition comes last: the last match
        line = text.count("\n", 0, pos) + 1
        return f"line {line}:{pos - (text.rfind(chr(10), 0, pos) + 1)}"

    def delete_stmt(self, c: list[Any]) -> ast.Delete:
        _, targets, _, (ks, table), using, where, condition = c
        return ast.Delete(
            ks,
            table,
            targets or (),
            where,
            using=using or ast.Using(),
            if_exists=condition is True,
            conditions=condition if isinstance(condition, tuple) else (),
        )

    def delete_targets(self, c: list[ast.DeleteTarget]) -> tuple[ast.DeleteTarget, ...]:
        return tuple(c)

    def del_column(self, c: list[Any]) -> ast.DeleteTarget:
        return ast.DeleteTarget(c[0])

    def del_element(self, c: list[Any]) -> ast.DeleteTarget:
        return ast.DeleteTarget(c[0], key=c[1])

    def del_field(self, c: list[Any]) -> ast.DeleteTarget:
        return ast.DeleteTarget(c[0], field=c[1])

    def batch_stmt(self, c: list[Any]) -> ast.Batch:
        kind = "LOGGED" if c[1] is None else c[1].type[2:]
        return ast.Batch(kind, tuple(c[4:-2]), c[3] or ast.Using())

    def use_stmt(self, c: list[Any]) -> ast.Use:
        return ast.Use(c[1])

    # ------------------------------------------------------------------ keyspaces, tables, types

    def properties(self, c: list[Any]) -> tuple[tuple[str, ast.Term], ...]:
        return _no_tokens(c)

    def property(self, c: list[Any]) -> tuple[str, ast.Term]:
        return (c[0], c[2])

    def property_word(self, c: list[Any]) -> tuple[str, ast.Term]:
        return (c[0], ast.Literal("string", c[2]))

    def prop_word(self, c: list[Token]) -> str:
        tok = c[0]
        if tok.type == "QUOTED_NAME":
            return tok.value[1:-1].replace('""', '"')
        return tok.value

    def create_keyspace(self, c: list[Any]) -> ast.CreateKeyspace:
        return ast.CreateKeyspace(c[3], c[5], if_not_exists=_flag(c[2]))

    def alter_keyspace(self, c: list[Any]) -> ast.AlterKeyspace:
        return ast.AlterKeyspace(c[3], c[5], if_exists=_flag(c[2]))

    def drop_keyspace(self, c: list[Any]) -> ast.DropKeyspace:
        return ast.DropKeyspace(c[3], if_exists=_flag(c[2]))

    def table_options(self, c: list[Any]) -> tuple[Any, ...]:
        return _no_tokens(c)

    def clustering_order(self, c: list[Any]) -> _Clustering:
        return _Clustering(_no_tokens(c))

    def compact_storage(self, c: list[Any]) -> _Compact:
        return _COMPACT

    @staticmethod
    def _split_options(
        items: tuple[Any, ...] | None,
    ) -> tuple[tuple[tuple[str, ast.Term], ...], tuple[tuple[str, bool], ...], bool]:
        options: list[tuple[str, ast.Term]] = []
        order: tuple[tuple[str, bool], ...] = ()
        compact = False
        for item in items or ():
            if isinstance(item, _Clustering):
                order = order + tuple(item)
            elif item is _COMPACT:
                compact = True
            else:
                options.append(item)
        return tuple(options), order, compact

    def create_table(self, c: list[Any]) -> ast.CreateTable:
        ks, name = c[3]
        options, order, compact = self._split_options(c[-1])
        columns: list[ast.ColumnDef] = []
        keys: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
        for item in c[4]:
            if isinstance(item, _PrimaryKey):
                keys.append((item[0], item[1]))
            else:
                column, inline_key = item
                columns.append(column)
                if inline_key:
                    keys.append(((column.name,), ()))
        if len(keys) > 1:
            raise InvalidRequest("Multiple PRIMARY KEYs specifed (exactly one required)")
        partition, clustering = keys[0] if keys else ((), ())
        return ast.CreateTable(
            ks,
            name,
            tuple(columns),
            partition,
            clustering,
            clustering_order=order,
            options=options,
            compact_storage=compact,
            if_not_exists=_flag(c[2]),
        )

    def table_defs(self, c: list[Any]) -> tuple[Any, ...]:
        return tuple(c)

    def column_def(self, c: list[Any]) -> tuple[ast.ColumnDef, bool]:
        return ast.ColumnDef(c[0], c[1], static=_flag(c[2])), _flag(c[3])

    def primary_key_def(self, c: list[Any]) -> _PrimaryKey:
        return _PrimaryKey(c[2])

    def primary_key(self, c: list[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return (c[0], tuple(c[1:]))

    def partition_key(self, c: list[Any]) -> tuple[str, ...]:
        return c[0] if isinstance(c[0], tuple) else (c[0],)

    def alter_table(self, c: list[Any]) -> ast.AlterTable:
        ks, name = c[3]
        return ast.AlterTable(ks, name, if_exists=_flag(c[2]), **c[4])

    def at_add(self, c: list[Any]) -> dict[str, Any]:
        return {"action": "add", "columns": tuple(c[2:]), "if_column_exists": _flag(c[1])}

    def at_drop(self, c: list[Any]) -> dict[str, Any]:
        return {"action": "drop", "names": (c[2],), "if_column_exists": _flag(c[1]), "timestamp": c[3]}

    def at_drop_many(self, c: list[Any]) -> dict[str, Any]:
        return {"action": "drop", "names": c[2], "if_column_exists": _flag(c[1]), "timestamp": c[3]}

    def drop_timestamp(self, c: list[Token]) -> int:
        text = c[2].value
        if len(text.lstrip("-").lstrip("0")) > 19 or not -(2**63) <= int(text) < 2**63:
            raise InvalidRequest(f'Invalid INTEGER constant ({text}) for "[timestamp]" of type bigint')
        return int(text)

    def at_rename(self, c: list[Any]) -> dict[str, Any]:
        return {"action": "rename", "renames": _no_tokens(c[2:]), "if_column_exists": _flag(c[1])}

    def at_alter(self, c: list[Any]) -> dict[str, Any]:
        return {"action": "alter", "columns": (ast.ColumnDef(c[1], c[3]),)}

    def at_with(self, c: list[Any]) -> dict[str, Any]:
        options, order, compact = self._split_options(c[1])
        if order or compact:
            _error(c[0], "mismatched input: CLUSTERING ORDER and COMPACT STORAGE cannot be altered")
        return {"action": "with", "options": options}

    def add_column(self, c: list[Any]) -> ast.ColumnDef:
        return ast.ColumnDef(c[0], c[1], static=_flag(c[2]))

    def rename(self, c: list[Any]) -> tuple[str, str]:
        return (c[0], c[2])

    def drop_table(self, c: list[Any]) -> ast.DropTable:
        ks, name = c[3]
        return ast.DropTable(ks, name, if_exists=_flag(c[2]))

    def truncate_stmt(self, c: list[Any]) -> ast.Truncate:
        ks, name = c[2]
        return ast.Truncate(ks, name)

    def create_type(self, c: list[Any]) -> ast.CreateType:
        ks, name = c[3]
        if name in _RESERVED_TYPE_NAMES:
            raise SyntaxException(f"Invalid (reserved) user type name {name}")
        return ast.CreateType(ks, name, tuple(c[4:]), if_not_exists=_flag(c[2]))

    def field_def(self, c: list[Any]) -> tuple[str, ast.TypeExpr]:
        return (c[0], c[1])

    def alter_type(self, c: list[Any]) -> ast.AlterType:
        ks, name = c[3]
        return ast.AlterType(ks, name, if_exists=_flag(c[2]), **c[4])

    def aty_add(self, c: list[Any]) -> dict[str, Any]:
        return {"action": "add", "fields": (c[2],)}

    def aty_rename(self, c: list[Any]) -> dict[str, Any]:
        return {"action": "rename", "renames": _no_tokens(c[2:])}

    def aty_alter(self, c: list[Any]) -> dict[str, Any]:
        return {"action": "alter", "fields": ((c[1], c[3]),)}

    def drop_type(self, c: list[Any]) -> ast.DropType:
        ks, name = c[3]
        return ast.DropType(ks, name, if_exists=_flag(c[2]))

    # ------------------------------------------------------------------ indexes, views, roles

    def create_index(self, c: list[Any]) -> ast.CreateIndex:
        _, _custom, _, if_not_exists, name, _, (ks, table), targets, using, properties = c
        partition: tuple[str, ...] = ()
        plain: list[ast.IndexTarget] = []
        for target in targets or ():
            if isinstance(target, _Partition):
                if partition or plain:
                    raise SyntaxException("Local index partition key columns must come first, once")
                partition = tuple(target)
            else:
                plain.append(target)
        options: list[tuple[str, ast.Term]] = []
        for prop, value in properties or ():
            if prop != "options":
                raise SyntaxException(f"Unknown property '{prop}'")
            if not isinstance(value, ast.MapLiteral):
                raise SyntaxException("Invalid value for property 'options': a map is expected")
            for key, item in value.items:
                if not isinstance(key, ast.Literal):
                    raise SyntaxException(f"Invalid property name: {key}")
                options.append((key.value, item))
        return ast.CreateIndex(
            ks,
            table,
            name,
            tuple(plain),
            partition_columns=partition,
            custom_class=using,
            options=tuple(options),
            if_not_exists=_flag(if_not_exists),
        )

    def index_using(self, c: list[Token]) -> str:
        return _unquote_string(c[1].value)

    def index_with(self, c: list[Any]) -> tuple[tuple[str, ast.Term], ...]:
        return c[1]

    def index_targets(self, c: list[Any]) -> tuple[Any, ...]:
        return tuple(c)

    def target_simple(self, c: list[Any]) -> ast.IndexTarget:
        return ast.IndexTarget(c[0])

    def target_keys(self, c: list[Any]) -> ast.IndexTarget:
        return ast.IndexTarget(c[1], c[0].type[2:].lower())

    target_values = target_keys
    target_entries = target_keys
    target_full = target_keys

    def target_partition(self, c: list[Any]) -> _Partition:
        return _Partition(c[0])

    def drop_index(self, c: list[Any]) -> ast.DropIndex:
        ks, name = c[3]
        return ast.DropIndex(ks, name, if_exists=_flag(c[2]))

    def create_mv(self, c: list[Any]) -> ast.CreateMaterializedView:
        (_, _, _, if_not_exists, (ks, name), _, _, columns, _, (base_ks, base), where, _, _,
         (partition, clustering), _, table_options) = c  # fmt: skip
        options, order, compact = self._split_options(table_options)
        if compact:
            raise InvalidRequest("Cannot use 'COMPACT STORAGE' when defining a materialized view")
        return ast.CreateMaterializedView(
            ks,
            name,
            base_ks,
            base,
            columns,
            where,
            partition,
            clustering,
            clustering_order=order,
            options=options,
            if_not_exists=_flag(if_not_exists),
        )

    def mv_all(self, c: list[Any]) -> None:
        return None

    def mv_columns(self, c: list[Any]) -> tuple[str, ...]:
        return c[0]

    def alter_mv(self, c: list[Any]) -> ast.AlterMaterializedView:
        ks, name = c[3]
        options, order, compact = self._split_options(c[5])
        if order or compact:
            _error(c[4], "mismatched input: CLUSTERING ORDER and COMPACT STORAGE cannot be altered")
        return ast.AlterMaterializedView(ks, name, options)

    def drop_mv(self, c: list[Any]) -> ast.DropMaterializedView:
        ks, name = c[4]
        return ast.DropMaterializedView(ks, name, if_exists=_flag(c[3]))

    def create_role(self, c: list[Any]) -> ast.CreateRole:
        return ast.CreateRole(c[3], c[5] or (), if_not_exists=_flag(c[2]))

    def create_user(self, c: list[Any]) -> ast.CreateRole:
        _, _, if_not_exists, name, _, _, password, superuser = c
        options: list[tuple[str, ast.Term]] = []
        if password is not None:
            options.append(("password", ast.Literal("string", _unquote_string(password.value))))
        options.append(("login", ast.Literal("boolean", "true")))
        is_super = superuser is not None and superuser.type == "K_SUPERUSER"
        options.append(("superuser", ast.Literal("boolean", "true" if is_super else "false")))
        return ast.CreateRole(name, tuple(options), if_not_exists=_flag(if_not_exists))

    def drop_role(self, c: list[Any]) -> ast.DropRole:
        return ast.DropRole(c[3], if_exists=_flag(c[2]))

    drop_user = drop_role

    def alter_role(self, c: list[Any]) -> ast.AlterRole:
        return ast.AlterRole(c[2], c[4])

    def grant_permissions(self, c: list[Any]) -> ast.PermissionChange:
        return ast.PermissionChange(True, c[1], c[3], c[5])

    def revoke_permissions(self, c: list[Any]) -> ast.PermissionChange:
        return ast.PermissionChange(False, c[1], c[3], c[5])

    def grant_role(self, c: list[Any]) -> ast.RoleChange:
        return ast.RoleChange(True, c[1], c[3])

    def revoke_role(self, c: list[Any]) -> ast.RoleChange:
        return ast.RoleChange(False, c[1], c[3])

    def list_roles(self, c: list[Any]) -> ast.ListRoles:
        return ast.ListRoles(c[3], recursive=c[4] is None)

    def list_permissions(self, c: list[Any]) -> ast.ListPermissions:
        _, permissions, _, resource, _, of, norecursive = c
        return ast.ListPermissions(permissions, resource, of, recursive=norecursive is None)

    def all_permissions(self, c: list[Any]) -> None:
        return None

    def permissions(self, c: list[Any]) -> tuple[str, ...]:
        return (c[0],)

    def permission(self, c: list[Token]) -> str:
        return c[0].value.upper()

    def all_keyspaces(self, c: list[Any]) -> ast.Resource:
        return ast.Resource("data")

    def keyspace_resource(self, c: list[Any]) -> ast.Resource:
        return ast.Resource("data", (c[1],))

    def table_resource(self, c: list[Any]) -> ast.Resource:
        return ast.Resource("data", tuple(c[1]))

    def all_roles(self, c: list[Any]) -> ast.Resource:
        return ast.Resource("roles")

    def role_resource(self, c: list[Any]) -> ast.Resource:
        return ast.Resource("roles", (c[1],))

    def role_name(self, c: list[Any]) -> str:
        if isinstance(c[0], Token):
            return _unquote_string(c[0].value)
        return c[0]

    def user_name(self, c: list[Token]) -> str:
        tok = c[0]
        if tok.type == "STRING_LITERAL":
            return _unquote_string(tok.value)
        if tok.type == "QUOTED_NAME":
            return tok.value[1:-1].replace('""', '"')
        return tok.value


# ---------------------------------------------------------------------------------- the parser


def _cache_file(grammar: str) -> str | bool:
    """Where lark keeps the analysed grammar: building the LALR tables takes ~0.5 s,
    loading them ~50 ms, and the server must be ready in well under 0.5 s. The file
    is keyed by grammar and lark version; an unwritable cache dir just means no cache."""
    import hashlib
    import os

    import lark

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "scylla_lite"
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    digest = hashlib.sha256((lark.__version__ + grammar).encode()).hexdigest()[:16]
    return str(base / f"cql-grammar-{digest}.lark-cache")


_GRAMMAR = (Path(__file__).with_name("grammar.lark")).read_text(encoding="utf-8")


def _new_parser() -> tuple[_Builder, Lark]:
    builder = _Builder()
    lark = Lark(
        _GRAMMAR,
        parser="lalr",
        lexer="basic",
        start=["start", "type_start"],
        transformer=builder,
        maybe_placeholders=True,
        propagate_positions=False,
        cache=_cache_file(_GRAMMAR),
    )
    return builder, lark


_BUILDER, _LARK = _new_parser()
_LOCAL = threading.local()
"""Each thread parses with a builder of its own (it collects bind markers while parsing),
so a long statement parsed on a worker thread never holds up the event loop's parses."""


def _thread_parser() -> tuple[_Builder, Lark]:
    if threading.current_thread() is threading.main_thread():
        return _BUILDER, _LARK
    found: tuple[_Builder, Lark] | None = getattr(_LOCAL, "parser", None)
    if found is None:
        found = _LOCAL.parser = _new_parser()  # ~40 ms from the grammar cache
    return found


def _reserved_keywords() -> frozenset[str]:
    keywords = {t.pattern.value for t in _LARK.terminals if t.name.startswith("K_")}
    usable = {
        sym.name[2:].lower()
        for rule in _LARK.rules
        if rule.origin.name in ("ident", "unreserved_keyword")
        for sym in rule.expansion
        if sym.name.startswith("K_")
    }
    return frozenset(keywords - usable) | _RESERVED_WORDS


RESERVED_KEYWORDS: frozenset[str] = _reserved_keywords()
"""Lower-case words that cannot be unquoted identifiers (quote them: ``"select"``)."""


def _describe_terminal(name: str) -> str:
    if name == "$END":
        return "EOF"
    if name.startswith("K_"):
        return name
    try:
        pattern = _LARK.get_terminal(name).pattern
    except KeyError:
        return name
    if pattern.type == "str":
        return f"'{pattern.value}'"
    return name


def _syntax_error(text: str, exc: UnexpectedInput) -> SyntaxException:
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        char = text[pos] if pos < len(text) else "<EOF>"
        where = f"line {exc.line}:{exc.column - 1}"
        ahead = text[pos : pos + 2]
        if ahead == '""':
            return SyntaxException(f"{where} no viable alternative at input '\"\"' (empty quoted identifier)")
        if char in ("'", '"') or ahead == "$$":
            closing = "$$" if char == "$" else char
            return SyntaxException(f"{where} mismatched character '<EOF>' expecting '{closing}'")
        return SyntaxException(f"{where} token recognition error at: '{char}'")
    token = getattr(exc, "token", None)
    expected = sorted(getattr(exc, "expected", None) or ())
    if token is None or token.type == "$END":
        line = text.count("\n") + 1
        column = len(text) - (text.rfind("\n") + 1)
        shown, where = "<EOF>", f"line {line}:{column}"
    else:
        shown, where = token.value, f"line {token.line}:{token.column - 1}"
    if "$END" in expected and token is not None and token.type != "$END":
        return SyntaxException(f"{where} mismatched input '{shown}' expecting EOF")
    if 0 < len(expected) <= 3:
        wanted = " or ".join(_describe_terminal(name) for name in expected)
        return SyntaxException(f"{where} mismatched input '{shown}' expecting {wanted}")
    return SyntaxException(f"{where} no viable alternative at input '{shown}'")


def _run(text: str, start: str) -> tuple[Any, tuple[ast.BindMarker, ...]]:
    builder, lark = _thread_parser()
    builder.markers = []
    builder.depths = {}
    builder.text = text
    try:
        result = lark.parse(text, start=start)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    finally:
        markers = tuple(builder.markers)
        builder.markers = []
        builder.depths = {}
    return result, markers


CACHED_TEXT_CHARS = 4096
"""Statements up to this long are kept parsed (4096 of them); a longer one is parsed
each time it comes: its tree can weigh 70 bytes a character, and 300 distinct 1 MB
statements kept 954 MB when every text was cached."""


def parse(text: str) -> Parsed:
    """Parse one CQL statement (an optional trailing ``;`` allowed).

    Raises :class:`~scylla_lite.errors.SyntaxException` (``line L:C ...``) on bad syntax,
    and :class:`~scylla_lite.errors.InvalidRequest` for the few checks Cassandra makes
    while parsing (e.g. two PRIMARY KEY definitions)."""
    return _parse_short(text) if len(text) <= CACHED_TEXT_CHARS else _parse(text)


def _parse(text: str) -> Parsed:
    statement, markers = _run(text, "start")
    return Parsed(statement, markers)


_parse_short = functools.lru_cache(maxsize=4096)(_parse)


@functools.lru_cache(maxsize=1024)
def parse_type(text: str) -> ast.TypeExpr:
    """Parse a CQL type such as ``map<text, frozen<list<int>>>`` or ``vector<float, 3>``."""
    result, _ = _run(text, "type_start")
    return result
