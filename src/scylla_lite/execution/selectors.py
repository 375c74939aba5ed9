"""The select list: each selector compiles to an `Output`, a function of a row (and, for an
aggregate, a factory of accumulators). Compilers are found in tables (`SELECTORS` by AST
node type, `FUNCTIONS` by function name), as sqlglot dispatches its nodes, so a new kind
of selector is one function and one entry rather than another branch of a long chain.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .. import cqljson
from ..catalog import Column, Table
from ..codec import split_fields
from ..cql import ast
from ..errors import InvalidRequest
from ..types import CqlType, native
from . import functions, vectors
from .aggregates import AGGREGATES, SUMMABLE, Accumulator, Aggregate, First, Over, SelectorFn
from .casts import cast, castable, marshal_name
from .read import LiveRow
from .terms import Compiler, Execution, Receiver

BIGINT, INT, TEXT, FLOAT = native("bigint"), native("int"), native("text"), native("float")
SIMILARITY_FUNCTIONS = ("similarity_cosine", "similarity_euclidean", "similarity_dot_product")


@dataclass
class Output:
    """One selector: ``fn`` gives its value for a row. A selector that aggregates (an
    aggregate function, or a function of one) has ``acc``, a factory of accumulators
    that see every row of a group; ``columns`` are the table columns it reads."""

    name: str
    type: CqlType
    fn: SelectorFn
    aggregate: str | None = None  # count/min/max/sum/avg over ``fn``
    count_star: bool = False
    acc: Callable[[], Accumulator] | None = None
    columns: tuple[str, ...] = ()

    def accumulator(self) -> Accumulator:
        """What the selector keeps over a group: a plain column keeps its first row's value."""
        return self.acc() if self.acc is not None else First(self.fn)


@dataclass(frozen=True)
class SelectorScope:
    """What compiling a selector needs besides the selector: the statement's compiler
    (for terms and types) and the table the selectors read."""

    compiler: Compiler
    table: Table

    def selector(self, sel: ast.Selector) -> Output:
        """``sel`` compiled; the compilers of nested selectors recurse through here."""
        return compile_selector(self, sel)


SelectorCompiler = Callable[[SelectorScope, Any], Output]


def compile_selection(
    compiler: Compiler, table: Table, selections: tuple[ast.Selection, ...] | None
) -> list[Output]:
    """The outputs of a select list; ``None`` (``SELECT *``) selects every column in order."""
    if selections is None:
        return [Output(c.name, c.type, column_fn(c.name), columns=(c.name,)) for c in table.star_columns]
    scope = SelectorScope(compiler, table)
    outputs = []
    for selection in selections:
        out = scope.selector(selection.selector)
        if selection.alias:
            out.name = selection.alias
        outputs.append(out)
    return outputs


def compile_selector(scope: SelectorScope, sel: ast.Selector) -> Output:
    """``sel`` compiled by the compiler `SELECTORS` registers for its node type (or for the
    nearest base class of it), with the table columns it reads."""
    out = _compiler_for(type(sel))(scope, sel)
    out.columns = tuple(dict.fromkeys(columns_read(sel)))
    return out


def _compiler_for(kind: type) -> SelectorCompiler:
    """The registered compiler of a node type, walking its MRO so a subclass inherits it."""
    for klass in kind.__mro__:
        found = SELECTORS.get(klass)
        if found is not None:
            return found
    return compile_unsupported


# --------------------------------------------------------------------------- node kinds


def compile_column(scope: SelectorScope, sel: ast.ColumnSelector) -> Output:
    """A column: its value as stored in the row."""
    col = scope.table.column(sel.name, Table.SELECTED)
    return Output(col.name, col.type, column_fn(col.name))


def compile_function(scope: SelectorScope, sel: ast.FunctionSelector) -> Output:
    """A function call: the compiler `FUNCTIONS` registers for its name, else a scalar
    function of `functions`."""
    return FUNCTIONS.get(sel.name, compile_scalar_function)(scope, sel)


def compile_cast(scope: SelectorScope, sel: ast.CastSelector) -> Output:
    """``CAST(selector AS type)``, refused up front for a pair ScyllaDB cannot convert."""
    inner = scope.selector(sel.selector)
    target = scope.compiler.catalog.resolve_type(sel.type, scope.table.keyspace)
    src = inner.type
    if not castable(src, target):
        raise InvalidRequest(f"{marshal_name(src)} cannot be cast to {marshal_name(target)}")
    return lifted(
        Output(selector_name(sel), target, lambda r, ex: None),
        [inner],
        lambda ex, vals: cast(src, target, vals[0]),
    )


def compile_field(scope: SelectorScope, sel: ast.FieldSelector) -> Output:
    """``udt.field``: the field's value cut out of the serialized user type."""
    inner = scope.selector(sel.selector)
    if inner.type.name != "udt":
        raise InvalidRequest(
            f"Invalid field selection: {inner.name} of type {inner.type.cql()} is not a user type"
        )
    if sel.field not in inner.type.field_names:
        raise InvalidRequest(f"{inner.type.udt_name} has no field {sel.field}")
    idx = inner.type.field_names.index(sel.field)
    count = len(inner.type.params)
    return lifted(
        Output(f"{inner.name}.{sel.field}", inner.type.params[idx], lambda r, ex: None),
        [inner],
        lambda ex, vals: None if vals[0] is None else split_fields(vals[0], count)[idx],
    )


def compile_term(scope: SelectorScope, sel: ast.TermSelector) -> Output:
    """A literal or bind marker alone in the select list: ScyllaDB does not accept one yet."""
    raise InvalidRequest("Literal terms are not supported in the select list yet")


def compile_unsupported(scope: SelectorScope, sel: ast.Selector) -> Output:
    """Any selector no compiler is registered for (``*`` or an element outside count)."""
    raise InvalidRequest(f"Unsupported selector {selector_name(sel)}")


# --------------------------------------------------------------------------- functions by name


def compile_count(scope: SelectorScope, sel: ast.FunctionSelector) -> Output:
    """``count(*)`` or ``count(1)`` counts rows; ``count(selector)`` its non-null values."""
    args = sel.args
    counts_rows = len(args) == 1 and (
        isinstance(args[0], ast.StarSelector)
        or (isinstance(args[0], ast.TermSelector) and isinstance(args[0].term, ast.Literal))
    )
    if not counts_rows:
        return compile_aggregate(scope, sel)
    return Output(
        "count",
        BIGINT,
        lambda r, ex: b"",
        aggregate="count",
        count_star=True,
        acc=lambda: Aggregate("count", BIGINT, column_fn(""), count_star=True),
    )


def compile_aggregate(scope: SelectorScope, sel: ast.FunctionSelector) -> Output:
    """count/min/max/sum/avg of one non-aggregating selector; sum and avg only of numbers."""
    name = sel.name
    if len(sel.args) != 1:
        raise InvalidRequest(f"Invalid number of arguments in call to function system.{name}")
    inner = scope.selector(sel.args[0])
    if inner.acc is not None:
        raise InvalidRequest("aggregate functions cannot be used as arguments of aggregate functions")
    rtype = BIGINT if name == "count" else inner.type
    if name in ("sum", "avg") and inner.type.name not in SUMMABLE:
        known = ", ".join(f"system.{name} : ({t}) -> {t}" for t in SUMMABLE if t != "counter")
        raise InvalidRequest(
            f"Invalid call to function {name}, none of its type signatures match "
            f"(known type signatures: {known})"
        )
    in_type, in_fn = inner.type, inner.fn
    return Output(
        f"system.{name}({inner.name})",
        rtype,
        inner.fn,
        aggregate=name,
        acc=lambda: Aggregate(name, in_type, in_fn),
    )


def compile_cell_attribute(scope: SelectorScope, sel: ast.FunctionSelector) -> Output:
    """``writetime(c)``: the cell's timestamp; ``ttl(c)``: the seconds it has left to live."""
    cname = _attribute_column(scope, sel).name
    if sel.name == "writetime":
        return Output(
            f"writetime({cname})",
            BIGINT,
            lambda r, ex: BIGINT.encode(r.cells[cname].ts) if cname in r.cells else None,
        )

    def ttl_fn(r: LiveRow, ex: Execution) -> Any:
        cell = r.cells.get(cname)
        if cell is None or not cell.expires:
            return None
        return INT.encode(max(0, cell.expires - ex.now_micros // 1_000_000))

    return Output(f"ttl({cname})", INT, ttl_fn)


def _attribute_column(scope: SelectorScope, sel: ast.FunctionSelector) -> Column:
    """The column of writetime/ttl, checked as ScyllaDB's prepare_column_mutation_attribute
    does: one atomic, regular or static, non-counter column."""
    name = sel.name
    arg = sel.args[0] if sel.args else None
    if not isinstance(arg, ast.ColumnSelector):
        raise InvalidRequest(f"Invalid arguments for {name}: a column is required")
    col = scope.table.column(arg.name, Table.SELECTED)
    shown = col.name if re.fullmatch(r"[a-z_][a-z0-9_]*", col.name) else f'"{col.name}"'
    if col.type.multi_cell:
        raise InvalidRequest(
            f"{name.upper()} expects an atomic column, but {shown} is a non-frozen collection"
        )
    if col.is_primary_key:
        raise InvalidRequest(f"{name.upper()} is not legal on partition key component {shown}")
    if col.type.is_counter:
        raise InvalidRequest(f"Cannot use selection function {name} on counter column {col.name}")
    return col


def compile_token(scope: SelectorScope, sel: ast.FunctionSelector) -> Output:
    """``token(k1, k2...)`` of exactly the partition key columns: the partition's token."""
    cols = [c.name for c in scope.table.partition_key]
    if [a.name for a in sel.args if isinstance(a, ast.ColumnSelector)] != cols:
        raise InvalidRequest(f"Invalid arguments for token: must be the partition key ({', '.join(cols)})")
    return Output(f"system.token({', '.join(cols)})", BIGINT, lambda r, ex: BIGINT.encode(r.partition.token))


def compile_fromjson(scope: SelectorScope, sel: ast.FunctionSelector) -> Output:
    """fromJson needs the type it parses to, which a select list never gives."""
    raise InvalidRequest("fromJson() can only be called if receiver type is known")


def compile_tojson(scope: SelectorScope, sel: ast.FunctionSelector) -> Output:
    """``toJson(selector)``: the value as JSON text, as SELECT JSON writes it."""
    if len(sel.args) != 1:
        raise InvalidRequest(
            f"Invalid number of arguments in call to function system.tojson: "
            f"1 required but {len(sel.args)} provided"
        )
    inner = scope.selector(sel.args[0])
    in_type = inner.type
    return lifted(
        Output(selector_name(sel), TEXT, lambda r, ex: None),
        [inner],
        lambda ex, vals: TEXT.encode(cqljson.to_json(in_type, vals[0])),
    )


def compile_scalar_function(scope: SelectorScope, sel: ast.FunctionSelector) -> Output:
    """A native scalar function of `functions`, applied to its arguments' values."""
    impl, fn_type, arity = functions.lookup(sel.name)
    args = [scope.selector(a) for a in sel.args]
    if len(args) != arity:
        raise InvalidRequest(
            f"Invalid number of arguments in call to function system.{sel.name}: "
            f"{arity} required but {len(args)} provided"
        )
    result_type = fn_type or (args[0].type if args else BIGINT)
    types = [a.type for a in args]
    return lifted(
        Output(selector_name(sel), result_type, lambda r, ex: None),
        args,
        lambda ex, vals: impl(ex, list(zip(types, vals)))[1],
    )


def compile_similarity(scope: SelectorScope, sel: ast.FunctionSelector) -> Output:
    """similarity_cosine/euclidean/dot_product(a, b) of two float vectors (a column, a
    list literal or a bind marker): ScyllaDB's retrieve_vector_arg_types, then the
    value as Cassandra computes it."""
    table = scope.table
    fname = f"system.{sel.name}"
    if len(sel.args) != 2:
        raise InvalidRequest(
            f"Invalid number of arguments for function {fname}(vector<float, n>, vector<float, n>)"
        )
    known = [d for d in (_vector_size(scope, fname, a) for a in sel.args) if d is not None]
    if not known:
        raise InvalidRequest(
            f"Cannot infer type of argument {selector_name(sel.args[0])} for function "
            f"{fname}(vector<float, n>, vector<float, n>)"
        )
    if len(known) == 2 and known[0] != known[1]:
        raise InvalidRequest(
            f"All arguments must have the same vector dimensions, but found vector<float, {known[0]}> "
            f"and vector<float, {known[1]}>"
        )
    dim = known[0]
    vtype = CqlType("vector", (FLOAT,), frozen=True, size=dim)
    args: list[Output] = []
    for i, a in enumerate(sel.args):
        if isinstance(a, ast.TermSelector):
            fn = scope.compiler.term(a.term, Receiver(table.keyspace, table.name, f"{fname}(arg{i})", vtype))
            args.append(Output("literal", vtype, term_fn(fn)))
        else:
            args.append(scope.selector(a))
    metric = sel.name[len("similarity_") :]

    def combine(ex: Execution, vals: list[Any]) -> bytes | None:
        if any(not isinstance(v, bytes) for v in vals):
            return None
        a, b = (vectors.decode_vector(v, dim) for v in vals)
        if a is None or b is None:
            raise InvalidRequest(f"Invalid vector size: expected {4 * dim} bytes for {dim} floats")
        return FLOAT.encode(vectors.similarity(metric, a, b))

    return lifted(Output(selector_name(sel), FLOAT, lambda r, ex: None), args, combine)


def _vector_size(scope: SelectorScope, fname: str, a: ast.Selector) -> int | None:
    """The dimension of a similarity argument, refused unless a float vector; None for a
    bind marker or a non-list literal, whose size the other argument must give."""
    if isinstance(a, ast.TermSelector):
        return len(a.term.items) if isinstance(a.term, ast.ListLiteral) else None
    if isinstance(a, ast.ColumnSelector):
        col = scope.table.column(a.name, Table.SELECTED)
        name, t = col.name, col.type
    else:
        inner = scope.selector(a)
        name, t = inner.name, inner.type
    if not vectors.is_float_vector(t):
        raise InvalidRequest(
            f"Function {fname} requires a float vector argument, but found {name} of type {t.cql()}"
        )
    return t.size


# --------------------------------------------------------------------------- helpers


def lifted(out: Output, args: list[Output], combine: Callable[[Execution, list[Any]], Any]) -> Output:
    """``out`` computed by ``combine`` from its arguments' values: per row, or, when an
    argument aggregates, from the arguments' accumulated results."""
    out.fn = lambda r, ex: combine(ex, [a.fn(r, ex) for a in args])
    if any(a.acc is not None for a in args):
        out.acc = lambda: Over([a.accumulator() for a in args], combine)
    return out


def selector_name(sel: ast.Selector) -> str:
    """The column name ScyllaDB gives an unaliased selector in the result metadata."""
    if isinstance(sel, ast.ColumnSelector):
        return sel.name
    if isinstance(sel, ast.StarSelector):
        return "*"
    if isinstance(sel, ast.FunctionSelector):
        args = ", ".join(selector_name(a) for a in sel.args)
        return f"{sel.keyspace + '.' if sel.keyspace else 'system.'}{sel.name}({args})"
    if isinstance(sel, ast.CastSelector):
        return f"cast({selector_name(sel.selector)} as {sel.type.name})"
    if isinstance(sel, ast.FieldSelector):
        return f"{selector_name(sel.selector)}.{sel.field}"
    if isinstance(sel, ast.ElementSelector):
        return f"{selector_name(sel.selector)}[...]"
    return "literal"


def columns_read(sel: ast.Selector) -> Iterator[str]:
    """The table columns a selector reads, in order of appearance."""
    if isinstance(sel, ast.ColumnSelector):
        yield sel.name
    elif isinstance(sel, ast.FunctionSelector):
        for a in sel.args:
            yield from columns_read(a)
    elif isinstance(sel, (ast.CastSelector, ast.FieldSelector, ast.ElementSelector)):
        yield from columns_read(sel.selector)


def term_fn(fn: Callable[[Execution], Any]) -> SelectorFn:
    """A term's value as a selector's: the same for every row."""
    return lambda r, ex: fn(ex)


def column_fn(name: str) -> SelectorFn:
    """A column's value in a row (None when the row has no such cell)."""
    return lambda r, ex: r.values.get(name)


# The dispatch tables: a selector's AST node type, and a function selector's name, to the
# function that compiles it. StarSelector and ElementSelector have no entry: compile_unsupported.
SELECTORS: dict[type, SelectorCompiler] = {
    ast.ColumnSelector: compile_column,
    ast.FunctionSelector: compile_function,
    ast.CastSelector: compile_cast,
    ast.FieldSelector: compile_field,
    ast.TermSelector: compile_term,
}

FUNCTIONS: dict[str, SelectorCompiler] = {
    **{name: compile_aggregate for name in sorted(AGGREGATES)},
    "count": compile_count,
    "writetime": compile_cell_attribute,
    "ttl": compile_cell_attribute,
    "token": compile_token,
    "fromjson": compile_fromjson,
    "tojson": compile_tojson,
    **{name: compile_similarity for name in SIMILARITY_FUNCTIONS},
}
